"""A package as read, before typing: :class:`RawTable` (every cell as text, under the
canonical column names, with the row number a person sees in the file) and
:class:`RawPackage` (the tables found and the problems met while reading). The readers
(:mod:`qingshan.data.readers`, :mod:`qingshan.data.form_205_1`) produce them; validation
(:mod:`qingshan.data.validate`) types and checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from qingshan.errors import Problem


@dataclass
class RawTable:
    """One table as read: text cells under canonical column names."""

    table: str
    file: str  # file name (and sheet) shown in messages
    frame: pd.DataFrame  # canonical column names, all text ('' for empty)
    rows: pd.Series  # row number in the file for each frame row
    unknown_columns: list[str] = field(default_factory=list)


@dataclass
class RawPackage:
    tables: dict[str, list[RawTable]]
    problems: list[Problem]
    source: str
    #: tables a file or sheet of which could not be read (undecodable, unreadable, beyond
    #: the limits): the problems that follow from a missing part are not reported on top
    unread: set[str] = field(default_factory=set)
