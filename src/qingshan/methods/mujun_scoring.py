"""亩均论英雄 item scores: indicator values, benchmarks and the scoring formulas of the
published schemes (docs/evaluation.md).

Ratio to a benchmark (黄岩, 淮安, 临海), for an indicator where higher is better::

    score = weight × x / b                       (lower is better: weight × b / x)

Min–max normalisation to a band of the weight (旌德: band 20 %…100 %)::

    score = weight × [lo + (hi − lo) × (x − min) / (max − min)]

with min and max over the firms ranked together (lower is better: (max − x) / (max − min));
if every firm has the same value each gets weight × hi ("the same" at the stated precision
of :mod:`.precision`, so values an engine added in another order are not spread from lo to
hi). ``cap`` and ``floor`` bound a score as multiples of the weight. Vectorised over the
rows of a frame.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from qingshan.methods.precision import comparable


def indicator_values(frame: pd.DataFrame, numerator: str, denominator: str, scale: float,
                     pollutants: tuple[str, ...]) -> pd.Series:
    """``scale × numerator / denominator`` per row, the parts being columns of ``frame``
    (an indicator of the catalogue, :mod:`qingshan.evaluation.catalogue`); missing where
    either part is missing or the denominator is not positive (a per-mu figure without land
    has no meaning). ``pollutants_t`` is the sum of the ``pollutant_<name>_t`` columns."""
    num = _quantity(frame, numerator, pollutants)
    den = _quantity(frame, denominator, pollutants)
    ok = num.notna() & den.notna() & (den > 0)
    out = pd.Series(np.nan, index=frame.index, dtype="float64")
    out[ok] = scale * num[ok] / den[ok]
    return out


def _quantity(frame: pd.DataFrame, name: str, pollutants: tuple[str, ...]) -> pd.Series:
    if name == "pollutants_t":
        cols = [f"pollutant_{p}_t" for p in pollutants]
        if not cols:
            return pd.Series(np.nan, index=frame.index, dtype="float64")
        return frame[cols].astype("float64").sum(axis=1, min_count=1)
    return frame[name].astype("float64")


def ratio_score(x: pd.Series, benchmark: pd.Series | float, weight: float, direction: str) -> pd.Series:
    """weight × x / b (higher is better) or weight × b / x (lower is better; x ≤ 0 scores
    as missing, since zero emission per output has no finite ratio)."""
    b: pd.Series = (benchmark if isinstance(benchmark, pd.Series)
                    else pd.Series(benchmark, index=x.index, dtype="float64"))
    if direction == "higher":
        return weight * x / b.where(b > 0)
    return (weight * b / x.where(x > 0)).where(b > 0)


def minmax_score(x: pd.Series, lo_value: pd.Series, hi_value: pd.Series, weight: float, direction: str,
                 band: tuple[float, float]) -> pd.Series:
    """weight × [lo + (hi − lo) × normalised position] with the band (lo, hi) as shares."""
    span = hi_value - lo_value
    pos = (x - lo_value) / span if direction == "higher" else (hi_value - x) / span
    pos = pos.where(_spread(lo_value, hi_value), 1.0).where(x.notna())
    return weight * (band[0] + (band[1] - band[0]) * pos)


def bounded(score: pd.Series, weight: float, cap: float | None, floor: float | None) -> pd.Series:
    lower = None if floor is None else floor * weight
    upper = None if cap is None else cap * weight
    return score.clip(lower=lower, upper=upper)


def group_mean(values: pd.Series, keys: pd.DataFrame | None) -> pd.Series:
    """Mean of the non-missing values of each row's group (the whole series if no keys)."""
    if keys is None or keys.shape[1] == 0:
        return pd.Series(values.mean(), index=values.index, dtype="float64")
    return values.groupby([keys[c] for c in keys.columns], dropna=False).transform("mean")


def group_extreme(values: pd.Series, keys: pd.DataFrame | None, how: Literal["max", "min"]) -> pd.Series:
    if keys is None or keys.shape[1] == 0:
        v = values.max() if how == "max" else values.min()
        return pd.Series(v, index=values.index, dtype="float64")
    out: pd.Series = values.groupby([keys[c] for c in keys.columns], dropna=False).transform(how)
    return out


def value_for_score(target: pd.Series, weight: float, direction: str, method: str, benchmark: pd.Series,
                    lo_value: pd.Series | None = None, hi_value: pd.Series | None = None,
                    band: tuple[float, float] = (0.0, 1.0)) -> pd.Series:
    """The indicator value that gives item score ``target``, benchmarks held fixed (the
    inverse of :func:`ratio_score` / :func:`minmax_score`); missing where none does."""
    if weight <= 0:
        return pd.Series(np.nan, index=target.index, dtype="float64")
    if method == "ratio":
        if direction == "higher":
            return target * benchmark / weight
        return (weight * benchmark / target).where(target > 0)
    assert lo_value is not None and hi_value is not None
    share = target / weight
    pos = (share - band[0]) / (band[1] - band[0]) if band[1] > band[0] else pd.Series(np.nan, index=target.index)
    pos = pos.where((pos >= 0) & (pos <= 1))
    span = hi_value - lo_value
    x = lo_value + pos * span if direction == "higher" else hi_value - pos * span
    return x.where(_spread(lo_value, hi_value))


def _spread(lo_value: pd.Series, hi_value: pd.Series) -> pd.Series:
    """Whether the group's values differ (max above min at the stated precision)."""
    return comparable(hi_value.astype("float64")) > comparable(lo_value.astype("float64"))
