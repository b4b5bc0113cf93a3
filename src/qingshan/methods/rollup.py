"""Roll-ups of yearly enterprise accounts to park, district, industry and city.

Additive quantities (tce, tCO2, kWh, GJ, 万元) are summed, so the parts add up to the whole
at every level. Intensities are recomputed as ratios of sums over the enterprises that
report positive value added, never as averages of ratios.

The roll-up works on the yearly accounts as fetched (one row per enterprise and year, a
few hundred thousand rows at province scale): the accounts engine needs them in memory
anyway, and summing them there costs less than a second query over the store.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.methods.accounts import SUM_COLUMNS

ADDITIVE: tuple[str, ...] = (*SUM_COLUMNS, "co2_scope1_t", "co2_scope2_t", "co2_t", "ghg_t_co2e")

#: Roll-up levels and the yearly-account column that keys each.
LEVELS: dict[str, str | None] = {
    "city": None,
    "district": "district_id",
    "park": "park_id",
    "industry": "industry_division",
}

#: The columns of a roll-up table, in order.
COLUMNS: tuple[str, ...] = ("unit_id", "year", "enterprises", "value_added_10k_yuan", "energy_tce_with_va",
                            "co2_t_with_va", *ADDITIVE, "energy_per_va", "co2_per_va", "level")


def rollup(yearly: pd.DataFrame, level: str, city_id: str = "city") -> pd.DataFrame:
    """Sum yearly accounts by ``level`` (one of :data:`LEVELS`) and year, sorted by unit
    and year.

    ``yearly`` has one row per enterprise and year, so the number of rows in a group is
    the number of enterprises. The city level is keyed by ``city_id``; the others by their
    entity or industry code, and enterprises without one (no park, say) are left out of
    that level. Missing values count as zero, as SQL ``SUM`` would have them.
    """
    key = LEVELS[level]
    keep = np.ones(len(yearly), dtype=bool) if key is None else yearly[key].notna().to_numpy(dtype=bool)
    unit_codes, units = (np.zeros(int(keep.sum()), dtype=np.int64), pd.Index([city_id])) if key is None else (
        pd.factorize(yearly[key][keep].astype("str"), sort=True))
    year_codes, years = pd.factorize(yearly["year"].to_numpy()[keep], sort=True)
    group = np.asarray(unit_codes, dtype=np.int64) * max(len(years), 1) + year_codes
    size = len(units) * len(years)

    def col(name: str) -> np.ndarray:
        return np.asarray(yearly[name].to_numpy(dtype=float, na_value=np.nan)[keep])

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=np.nan_to_num(values), minlength=size)

    va = col("value_added_10k_yuan")
    has_va = va > 0  # False where missing
    count = np.bincount(group, minlength=size)
    out = {
        "unit_id": np.repeat(np.asarray(units, dtype=object), len(years)),
        "year": np.tile(np.asarray(years), len(units)),
        "enterprises": count,
        "value_added_10k_yuan": total(np.where(has_va, va, 0.0)),
        "energy_tce_with_va": total(np.where(has_va, col("energy_tce"), 0.0)),
        "co2_t_with_va": total(np.where(has_va, col("co2_t"), 0.0)),
        **{c: total(col(c)) for c in ADDITIVE},
    }
    agg = pd.DataFrame(out)[count > 0].reset_index(drop=True)
    agg["unit_id"] = agg["unit_id"].astype("str")
    agg["year"] = agg["year"].astype(yearly["year"].dtype)
    pos = agg["value_added_10k_yuan"] > 0
    agg["energy_per_va"] = (agg["energy_tce_with_va"] / agg["value_added_10k_yuan"]).where(pos)
    agg["co2_per_va"] = (agg["co2_t_with_va"] / agg["value_added_10k_yuan"]).where(pos)
    agg["level"] = level
    return agg[list(COLUMNS)]
