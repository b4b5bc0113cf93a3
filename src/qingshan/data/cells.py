"""Cells as people type them: numbers, months and years in text, read strictly but
accepting what a Chinese user reasonably types (full-width digits and punctuation, a
thousands comma every three digits), and the problems of a cell that cannot be read as
meant.

- P011 not a number at all;
- P017 a number that is not finite (``inf``, ``nan``, ``1e999``) or beyond
  :data:`MAX_MAGNITUDE` (checked again after unit conversion, in
  :mod:`qingshan.data.validate`);
- P018 a number written ambiguously: misplaced separators (``1.234,5``, ``1,2,3,4``) or
  followed by other text (``12吨``, ``5%``): never guessed;
- P019 a formula error value (``#DIV/0!``, ``#N/A`` …): the formula failed in the
  workbook, so the cell holds no figure.

Every function works on whole columns (pandas string methods, or a dictionary over a
column's distinct values); nothing loops over rows in Python.
"""

from __future__ import annotations

import calendar
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Largest magnitude of any number, in the column's canonical unit. Beyond 2^53 (about
#: 9.007e15) a float no longer holds every integer, so sums of such figures lose whole
#: units; no enterprise's monthly energy, money or land comes near 1e15 (China's yearly
#: electricity use is about 9e12 kWh).
MAX_MAGNITUDE = 1e15

#: Excel's error values (the same in every language version of Excel and WPS).
FORMULA_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                            "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!",
                            "#UNKNOWN!"})

GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NONFINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_SEPARATORS_ONLY = re.compile(r"[+-]?\d[\d.,\s']*")
_TRAILING_TEXT = re.compile(r"[+-]?(?:\d[\d.,]*|\.\d+)(?:[eE][+-]?\d+)?\s*[^\d\s.,+-].*", re.DOTALL)


def nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation as ASCII (１２３．５ → 123.5, （ → ()."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def nfkc_column(values: pd.Series) -> pd.Series:
    """:func:`nfkc` on a column, computed once per distinct value."""
    uniq = pd.unique(values.to_numpy(dtype=object))
    changed = {v: n for v in uniq if isinstance(v, str) and (n := nfkc(v)) != v}
    if not changed:
        return values
    return values.map(lambda v: changed.get(v, v))


def parse_numbers(values: pd.Series, empty: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from text cells: the values (NaN where empty or unreadable) and, per cell,
    the code of its problem (P011, P017, P018 or P019; None where fine).

    Plain numbers go through :func:`pandas.to_numeric` at C speed; only the cells it cannot
    read are looked at again (full-width forms, thousands commas, what is wrong)."""
    num = pd.Series(np.nan, index=values.index, dtype="float64")
    code = pd.Series(None, index=values.index, dtype=object)
    if empty.all():
        return num, code
    num[~empty] = plain_numbers(values[~empty]) if empty.any() else plain_numbers(values)
    pending = ~empty & ~np.isfinite(num)
    if not pending.any():
        return num, code
    text = values[pending]
    text = text.where(text.map(str.isascii), text.str.normalize("NFKC")).str.strip()
    grouped = text.str.fullmatch(GROUPED)
    cleaned = text.where(~grouped, text.str.replace(",", "", regex=False))
    again = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    ok = np.isfinite(again)
    num[pending] = again.where(ok)
    bad = text[~ok]
    if bad.empty:
        return num, code
    infinite = again[~ok].notna() | bad.str.fullmatch(_NONFINITE)
    kind = np.select(
        [bad.isin(FORMULA_ERRORS).to_numpy(), infinite.to_numpy(), bad.str.fullmatch(_SEPARATORS_ONLY).to_numpy(),
         bad.str.fullmatch(_TRAILING_TEXT).to_numpy()],
        ["P019", "P017", "P018", "P018"], default="P011")
    code[bad.index] = kind
    return num, code


#: Numbers Arrow's cast reads exactly as :func:`float` does (a sign, digits, one decimal
#: point, an exponent); anything else, and a negative zero, takes the careful path. A column
#: Arrow casts whole is read as cast, but for what it reads as infinite or not a number.
_PLAIN = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def plain_numbers(values: pd.Series) -> pd.Series:
    """The cells written as plain ASCII numbers, read at C speed (Arrow); NaN elsewhere
    (empty cells, and whatever :func:`parse_numbers` must look at again)."""
    arr = pa.array(values.to_numpy(dtype=object) if values.dtype == object else values.array, type=pa.large_string())
    try:  # a column of plain numbers (the usual case) casts as a whole
        cast = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        plain = pc.fill_null(pc.match_substring_regex(arr, _PLAIN), False)
        cast = pc.cast(pc.if_else(plain, arr, "nan"), pa.float64())
    # what Arrow reads as inf or nan ('inf', '1e999') is looked at again, as the rest
    num = np.array(cast.to_numpy(zero_copy_only=False))
    num[~np.isfinite(num)] = np.nan
    num[(num == 0) & pc.starts_with(arr, "-").to_numpy(zero_copy_only=False)] = np.nan  # -0 as pandas reads it
    return pd.Series(num, index=values.index, dtype="float64")


def parse_number(text: str) -> float | None:
    """One figure under the same rules as :func:`parse_numbers`, or None when it is not a
    finite number written unambiguously."""
    s = nfkc(text).strip()
    if GROUPED.fullmatch(s):
        s = s.replace(",", "")
    try:
        v = float(s)
    except ValueError:
        return None
    return v if np.isfinite(v) else None


_PERIOD_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(?:份|(\d{1,2})日)?"),
    re.compile(r"(\d{4})(\d{2})"),
)


def parse_period(text: str) -> str | None:
    """Normalise a month label ('2024-1', '2024/01', '202401', '2024年1月', a date
    '2024-01-31' or date-time '2024-01-01 00:00:00' of that month) to 'YYYY-MM'; None for
    anything else: a month outside 1–12, a day the month does not have, a time that is not
    a time, or trailing text."""
    s = nfkc(text).strip()
    for pat in _PERIOD_PATTERNS:
        m = pat.fullmatch(s)
        if m is None:
            continue
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return None
        groups = m.groups()
        day = groups[2] if len(groups) > 2 else None
        if day is not None and not 1 <= int(day) <= calendar.monthrange(year, month)[1]:
            return None
        if len(groups) > 3 and groups[3] is not None:
            h, mi, sec = int(groups[3]), int(groups[4]), int(groups[5] or 0)
            if h > 23 or mi > 59 or sec > 59:
                return None
        return f"{year:04d}-{month:02d}"
    return None


_YEAR = re.compile(r"(\d{4})(?:\.0+|年|年度)?")


def parse_year(text: str) -> float | None:
    """A four-digit year ('2024', '2024.0' as a workbook writes it, '2024年', full-width)."""
    m = _YEAR.fullmatch(nfkc(text).strip())
    return float(m.group(1)) if m else None
