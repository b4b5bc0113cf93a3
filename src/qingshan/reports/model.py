"""The printable report as data: headings, paragraphs, key–value facts and tables whose
cells are already texts in the report's language. :mod:`qingshan.reports.printable` turns
the pages' documents into a :class:`Report`; :mod:`qingshan.reports.pdf` and
:mod:`qingshan.reports.word` lay the same report out, so a PDF and a Word file of one
report hold the same words and numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from qingshan.documents.values import clean

TextKind = Literal["body", "note", "verdict"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a section; 2: a part of one


@dataclass(frozen=True)
class Text:
    text: str
    kind: TextKind = "body"


@dataclass(frozen=True)
class Facts:
    """Key–value rows (a report's particulars)."""
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Grid:
    """A table: its header, its rows of texts, and which columns hold numbers (set right)."""
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    empty: str = "—"  # what stands for a table without rows


Block = Heading | Text | Facts | Grid


@dataclass(frozen=True)
class Report:
    kind: str  # city, district, park, enterprise, evaluation, screen
    lang: str  # zh or en
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    footer: str
    meta: dict[str, str] = field(default_factory=dict)  # file properties: subject, keywords

    def texts(self) -> list[str]:
        """Every text of the report in order (the tests compare the formats with it)."""
        out = [self.title, self.subtitle]
        for b in self.blocks:
            if isinstance(b, Heading | Text):
                out.append(b.text)
            elif isinstance(b, Facts):
                out += [x for p in b.pairs for x in p]
            else:
                out += list(b.columns) + [c for r in b.rows for c in r]
        return [*out, self.footer]


def number(v: Any, digits: int = 0) -> str:
    """A number as every report prints it: thousands separated, ``digits`` decimals; ``—``
    for a missing one."""
    v = clean(v)
    if v is None or isinstance(v, bool):
        return "—"
    if isinstance(v, int | float):
        return f"{v:,.{digits}f}"
    return str(v)


def percent(v: Any, digits: int = 1) -> str:
    """A share or a change as a percentage (``-0.197`` → ``-19.7%``)."""
    v = clean(v)
    return "—" if v is None or not isinstance(v, int | float) else f"{v * 100:,.{digits}f}%"


def count(v: Any) -> str:
    """A count: an integer, never a decimal."""
    v = clean(v)
    return "—" if v is None or not isinstance(v, int | float) else f"{round(v):,}"


def grid(columns: list[tuple[str, bool]], rows: list[list[str]]) -> Grid:
    """A :class:`Grid` from (header, numeric) pairs and rows of texts."""
    return Grid(tuple(c for c, _ in columns), tuple(tuple(r) for r in rows), tuple(n for _, n in columns))


def hundred_million(v: Any, digits: int = 2) -> str:
    """Yuan as 亿元 (10⁸ yuan), as GEP is reported (``29_604_517_394.9`` → ``296.05``)."""
    v = clean(v)
    return "—" if v is None or not isinstance(v, int | float) else f"{v / 1e8:,.{digits}f}"
