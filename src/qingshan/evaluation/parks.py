"""Park evaluation: per park, the 亩均 totals and per-mu figures, energy and CO2 per 10k
yuan of value added, the share of class A and B enterprises and the mix of carbon grades,
each beside the same figure for the whole city (all enterprises of the year).

Every intensity is a ratio of totals (Σ tax ÷ Σ land, …), not a mean of firm ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUMS = {"tax_10k_yuan": "tax_10k_yuan", "value_added_10k_yuan": "value_added_10k_yuan",
        "revenue_10k_yuan": "revenue_10k_yuan", "land_area_mu": "land_area_mu", "energy_tce": "energy_tce",
        "co2_t": "co2_t"}
RATIOS = {"tax_per_mu": ("tax_10k_yuan", "land_area_mu"), "va_per_mu": ("value_added_10k_yuan", "land_area_mu"),
          "revenue_per_mu": ("revenue_10k_yuan", "land_area_mu"),
          "energy_per_va": ("energy_tce", "value_added_10k_yuan"), "co2_per_va": ("co2_t", "value_added_10k_yuan")}


def _figures(frame: pd.DataFrame, firms: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    t = frame[list(SUMS)].astype("float64").groupby(key.to_numpy()).sum(min_count=1)
    t.insert(0, "enterprises", frame.groupby(key.to_numpy()).size())
    for name, (num, den) in RATIOS.items():
        t[name] = (t[num] / t[den]).where(t[den] > 0)
    cls = firms["class"].astype("string")
    classed = cls.isin(["A", "B", "C", "D"]).fillna(False)
    t["classed"] = classed.groupby(key.to_numpy()).sum()
    ab = cls.isin(["A", "B"]).fillna(False).astype("int64").groupby(key.to_numpy()).sum()
    t["share_ab"] = (ab / t["classed"]).where(t["classed"] > 0)
    grade = firms["carbon_grade"]
    graded = grade.notna().astype("int64").groupby(key.to_numpy()).sum()
    for g in range(1, 6):
        hits = (grade == g).fillna(False).astype("int64").groupby(key.to_numpy()).sum()
        t[f"grade_{g}_share"] = (hits / graded).where(graded > 0)
    return t


def park_evaluation(frame: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """One row per park, with ``<figure>_city`` and ``<figure>_vs_city`` (park ÷ city)."""
    in_park = frame["park_id"].notna()
    if not in_park.any():
        return pd.DataFrame()
    parks = _figures(frame[in_park], firms[in_park], frame.loc[in_park, "park_id"].astype("string"))
    city = _figures(frame, firms, pd.Series("city", index=frame.index)).iloc[0]
    compare = [*RATIOS, "share_ab", *(f"grade_{g}_share" for g in range(1, 6))]
    for c in compare:
        parks[f"{c}_city"] = city[c]
        with np.errstate(divide="ignore", invalid="ignore"):
            parks[f"{c}_vs_city"] = (parks[c] / city[c]) if city[c] and not pd.isna(city[c]) else np.nan
    parks.index.name = "park_id"
    return parks.reset_index()
