"""Cells a spreadsheet will not evaluate (CSV and formula injection, OWASP).

A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel, LibreOffice and most spreadsheets once a user opens a CSV, edits the cell or
re-saves the file: an enterprise named ``=HYPERLINK("http://x","y")`` becomes a link, and
``=cmd|' /C calc'!A0`` a command. Every text cell and header that Qingshan writes to a
workbook or a CSV goes through :func:`safe_text`, which puts a single quote ``'`` in front
of such a text. Numbers stay numbers (a negative number is written as a number, never as
text), and so does a text that is nothing but a number (``-5``, ``+1.5e3``): no spreadsheet
evaluates one. JSON output is not escaped: it is data, not a sheet.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

#: the first characters that make a cell a formula (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_text(text: str) -> str:
    """``text``, with a leading ``'`` if a spreadsheet would take it for a formula."""
    if not text or not text.startswith(FORMULA_START) or _NUMBER.fullmatch(text):
        return text
    return "'" + text


def safe_value(v: Any) -> Any:
    """A cell: texts through :func:`safe_text`, anything else (numbers, missing) as it is."""
    return safe_text(v) if isinstance(v, str) else v


def _safe_series(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        new = [safe_value(c) for c in cats]
        if new == list(cats):
            return s
        if len(set(new)) == len(new):
            return s.cat.rename_categories(new)
        return pd.Series([safe_value(v) for v in s.astype(object).tolist()], index=s.index, name=s.name,
                         dtype=object)
    if (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
            or pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_timedelta64_dtype(s.dtype)):
        return s
    if s.dtype != object and pd.api.types.is_string_dtype(s.dtype):  # vectorised: a look at the first character
        start = s.str.slice(0, 1).isin(list(FORMULA_START)).to_numpy(dtype=bool, na_value=False)
        at = np.flatnonzero(start)
        if not len(at):
            return s
        out = s.copy()
        out.iloc[at] = [safe_text(v) for v in s.iloc[at].tolist()]
        return out
    values = s.tolist()
    new_values = [safe_value(v) for v in values]
    if new_values == values:
        return s
    return pd.Series(new_values, index=s.index, name=s.name, dtype=object)


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ready for a CSV or a sheet: every text cell and every header through
    :func:`safe_text`; numeric columns are left as they are."""
    out = frame.copy(deep=False)
    for i in range(frame.shape[1]):
        out.isetitem(i, _safe_series(frame.iloc[:, i]).array)
    out.columns = pd.Index([safe_text(str(c)) for c in frame.columns])
    return out
