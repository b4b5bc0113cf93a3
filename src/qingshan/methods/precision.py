"""The one precision at which computed quantities are compared (issue #15, item 3).

Every rank, threshold and class cut compares values rounded to
:data:`COMPARISON_DIGITS` significant digits (:func:`comparable`): 亩均 totals and
tie-break indicators before ranks, score lines and class-band counts (share × n), the
spread of a min–max item (whether every firm has the same value); 碳效码
L and K before their limits; the barometer's actual and required changes and gap share
before its colours; a screened project's energy, coal, electricity and unit-product
figures before the review thresholds and the 标杆/基准 levels; land before a segment's
land threshold. Displayed values are never rounded: only the comparison uses the rounded
value.

Why 9 significant digits:

- *Above the engines' noise.* DuckDB, PostgreSQL and Spark add the same rows in different
  orders, and a float64 sum of n terms carries a relative error of at most
  (n − 1) · 2⁻⁵³ · Σ|x| / |Σx| (recursive summation). One enterprise-year is a few hundred
  terms (≤ 4·10⁻¹⁴); a benchmark mean, an industry's L or a city's total at province scale
  is up to 10⁶ terms (≤ 1.1·10⁻¹⁰). One step of 9 significant digits is 10⁻⁹ … 10⁻⁸ of
  the value (half a step at least four times the worst of these errors), so two values
  that are equal in exact arithmetic round to the same 9-digit number on every engine
  (but for the edges below), and ties stay ties.
- *Below anything the data can tell apart.* The inputs are reported to a few significant
  digits (statistical forms: 万元 and tce to two or four decimals; meters of accuracy class
  0.2–2 %), so a difference in the tenth significant digit of a score or an intensity is
  not information; firms that differ only there are treated as tied (and the scheme's tie
  rule places them).

Any rounding has edges: two values within noise of an edge (half a step from a 9-digit
number, e.g. 1.000000005) may still round apart. The chance is the noise over the step,
10⁻⁶ to 10⁻⁵ for one enterprise's sums, against a sure split without rounding whenever
the last bits differ (tests/test_precision.py shows both).
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
import pandas as pd

#: Significant digits of every comparison of computed values (see the module doc).
COMPARISON_DIGITS = 9

#: Magnitudes rounded: beyond them a power of ten would overflow (no quantity of Qingshan
#: comes near either end); values outside pass unchanged.
_SMALLEST, _LARGEST = 1e-280, 1e280


def _round_array(a: np.ndarray) -> np.ndarray:
    out = a.astype("float64", copy=True)
    with np.errstate(invalid="ignore"):
        m = np.isfinite(out) & (np.abs(out) >= _SMALLEST) & (np.abs(out) <= _LARGEST)
    if not m.any():
        return out
    x = out[m]
    k = (COMPARISON_DIGITS - 1 - np.floor(np.log10(np.abs(x)))).astype(np.int64)
    up = k >= 0
    p = 10.0 ** np.abs(k).astype("float64")
    scaled = np.where(up, x * p, x / p)
    r = np.round(scaled)
    out[m] = np.where(up, r / p, r * p)
    return out


@overload
def comparable(values: pd.Series) -> pd.Series: ...
@overload
def comparable(values: np.ndarray) -> np.ndarray: ...
@overload
def comparable(values: float) -> float: ...
def comparable(values: pd.Series | np.ndarray | float) -> pd.Series | np.ndarray | float:
    """``values`` rounded to :data:`COMPARISON_DIGITS` significant digits, for comparing
    (never for display). Missing, infinite and zero values pass unchanged; the map is
    monotone, so it never reverses an order, and equal inputs give equal outputs."""
    if isinstance(values, pd.Series):
        return pd.Series(_round_array(values.to_numpy(dtype="float64", na_value=np.nan)), index=values.index,
                         name=values.name)
    if isinstance(values, np.ndarray):
        return _round_array(values)
    return float(_round_array(np.asarray([values], dtype="float64"))[0])


def count(share: float, n: int | float, rounding: str) -> int:
    """How many of ``n`` firms a share holds: share × n compared at the stated precision,
    then rounded down (``floor``), up (``ceil``) or half up (``round``, 四舍五入)."""
    x = comparable(float(share) * float(n))
    if rounding == "ceil":
        return math.ceil(x)
    if rounding == "round":
        return math.floor(x + 0.5)
    return math.floor(x)
