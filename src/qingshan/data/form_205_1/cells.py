"""Cells of a form: text as a person reads it, and the figures written in it."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

from qingshan.data.cells import GROUPED

_EMPTY_NUMBER = frozenset({"", "-", "—", "–", "−", "/", "\\"})


def _norm(text: str) -> str:
    """Compatibility-normalise (full-width → ASCII) and drop all white space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person reads (1000.0 → '1000')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _number(text: str) -> tuple[float | None, int, bool]:
    """Parse a figure: (value or None when blank, decimals written, parsed ok)."""
    s = _norm(text)
    if s in _EMPTY_NUMBER:
        return None, 0, True
    if "," in s:  # thousands commas every three digits only: 1.234,5 and 1,2,3 are not guessed
        if not GROUPED.fullmatch(s):
            return None, 0, False
        s = s.replace(",", "")
    try:
        v = float(s)
    except ValueError:
        return None, 0, False
    if math.isnan(v) or math.isinf(v):
        return None, 0, False
    mant = s.lower().split("e")[0]
    dec = len(mant.split(".")[1]) if "." in mant else 0
    return v, dec, True


def _fmt(value: float, decimals: int) -> str:
    """A quantity as text, rounded to the decimals the form used (700.19999 → '700.2')."""
    return f"{round(value, min(max(decimals, 0), 12)):.12g}"


def _is_number(text: str) -> bool:
    v, _, ok = _number(text)
    return ok and v is not None


def _row_text(row: Sequence[str]) -> list[str]:
    return [_norm(c) for c in row]
