"""碳效码: an enterprise's carbon-efficiency level and grade (规上工业企业碳效等级评价方法,
Zhejiang 2021; DB33/T 1347-2023).

    L = CO2 / value added                       (tCO2 per 10k yuan, 单位增加值碳排放量)
    L_industry = Σ CO2 / Σ value added          (firms of the same industry, same year)
    K = L / L_industry                          (碳效值)

The level is L's position among the absolute limits (0.6 and 2.0: 低碳 / 中碳 / 高碳); the
grade is 1 + the number of grade limits K exceeds (0.6, 0.8, 1.2, 2.0 → grades 1–5), so a
value on a limit takes the better grade ("K ≤ 0.6 → 1"). L and K are compared with the limits
at the stated precision (:mod:`.precision`): a K of 0.8 that an engine computes as
0.8000000000000002 is on the limit, and takes grade 2 on every engine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qingshan.methods.precision import comparable


def carbon_intensity(co2_t: pd.Series, value_added: pd.Series) -> pd.Series:
    """L in tCO2 per 10k yuan; missing where value added is missing or not positive."""
    ok = value_added.notna() & (value_added > 0) & co2_t.notna()
    return (co2_t / value_added).where(ok)


def industry_intensity(co2_t: pd.Series, value_added: pd.Series, industry: pd.Series,
                       member: pd.Series) -> pd.Series:
    """L of each row's industry: Σ CO2 ÷ Σ value added over the member rows of that industry
    with a valid L (ratio of totals)."""
    ok = member & carbon_intensity(co2_t, value_added).notna()
    num = co2_t.where(ok, 0.0).groupby(industry).transform("sum")
    den = value_added.where(ok, 0.0).groupby(industry).transform("sum")
    return (num / den).where(den > 0)


def grade(values: pd.Series, limits: Sequence[float]) -> pd.Series:
    """1 + the number of limits the value exceeds (a value on a limit takes the lower number),
    compared at the stated precision."""
    v = comparable(values.to_numpy(dtype="float64"))
    g = np.searchsorted(comparable(np.asarray(limits, dtype="float64")), v, side="left") + 1
    return pd.Series(g, index=values.index, dtype="Int64").where(values.notna())


def efficiency_value(intensity: pd.Series, industry_intensity: pd.Series, member: pd.Series) -> pd.Series:
    """K = L / L_industry (碳效值) for the member rows with an L and an industry L above zero;
    missing elsewhere."""
    ok = member.astype(bool) & intensity.notna() & (industry_intensity > 0)
    return (intensity / industry_intensity).where(ok)
