"""碳效码 columns of an evaluation year: each enterprise's carbon intensity L, its level, its
industry's L, the carbon-efficiency value K and the grade, under a carbon-efficiency file
(:class:`~qingshan.evaluation.config.CarbonConfig`). The formulas are
:mod:`qingshan.methods.carbon_efficiency`.
"""

from __future__ import annotations

import pandas as pd

from qingshan.evaluation.config import CarbonConfig
from qingshan.methods import carbon_efficiency as ce

CARBON_COLUMNS = ("carbon_L", "carbon_level", "carbon_industry", "carbon_industry_L", "carbon_K", "carbon_grade")


def carbon_columns(frame: pd.DataFrame, cfg: CarbonConfig | None) -> dict[str, pd.Series]:
    """carbon_L, carbon_level, carbon_industry_L, carbon_K, carbon_grade (碳效码); all
    missing when the jurisdiction has no 碳效码 configuration (``cfg`` is ``None``)."""
    if cfg is None:
        return {c: pd.Series(pd.NA if c in ("carbon_level", "carbon_industry") else float("nan"),
                             index=frame.index, dtype="object" if c in ("carbon_level", "carbon_industry")
                             else "float64") for c in CARBON_COLUMNS}
    co2 = frame["co2_energy_t"] if cfg.co2 == "energy" else frame["co2_t"]
    va = frame["value_added_10k_yuan"].astype("float64")
    L = ce.carbon_intensity(co2.astype("float64"), va)
    member = frame["scale"].isin(list(cfg.scales)).fillna(False).astype(bool) if cfg.scales else \
        pd.Series(True, index=frame.index)
    industry = frame["industry_code"].astype("string").str.slice(0, cfg.industry_digits).fillna("<NA>")
    L_ind = ce.industry_intensity(co2.astype("float64"), va, industry, member)
    K = ce.efficiency_value(L, L_ind, member)
    level = ce.grade(L, cfg.level_limits)
    return {"carbon_L": L, "carbon_level": level, "carbon_industry": industry.where(member),
            "carbon_industry_L": L_ind.where(member), "carbon_K": K, "carbon_grade": ce.grade(K, cfg.grade_limits)}
