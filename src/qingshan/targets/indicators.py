"""The observed value of a target's indicator, by year: the sums of the target's entity
(city, district or park) from the accounts, minus the exclusions in force (feedstock, new
renewables), or their ratio to value added; or the values a target file gives as observed.
"""

from __future__ import annotations

import pandas as pd

from qingshan.errors import Problem, ValidationError
from qingshan.targets.definitions import Target

SUMS = ("energy_tce", "feedstock_tce", "renewable_tce", "co2_t", "value_added_10k_yuan")


def entity_rows(frame: pd.DataFrame, t: Target) -> pd.DataFrame:
    """The rows of the target's entity: all of them for the city, else its district's or park's."""
    if t.level == "city":
        return frame
    col = "district_id" if t.level == "district" else "park_id"
    return frame[frame[col].astype("string") == t.entity]


def totals(frame: pd.DataFrame, keys: list[str], intensity: bool) -> pd.DataFrame:
    f = frame
    if intensity:
        va = f["value_added_10k_yuan"].astype("float64")
        f = f[va.notna() & (va > 0)]
    cols = [c for c in SUMS if c in f.columns]
    return f.groupby(keys)[cols].sum(min_count=1)


def adjusted(t: Target, tot: pd.DataFrame, ref_renewable: float | None) -> pd.Series:
    """The indicator from sums: energy minus the exclusions in force, CO2, or their ratio to
    value added."""
    if t.indicator in ("energy_intensity_iva", "total_energy"):
        v = tot["energy_tce"].astype("float64")
        if t.exclude_feedstock:
            v = v - tot["feedstock_tce"].fillna(0.0)
        if t.exclude_new_renewables and ref_renewable is not None:
            v = v - (tot["renewable_tce"].fillna(0.0) - ref_renewable).clip(lower=0.0)
    else:
        v = tot["co2_t"].astype("float64")
    if t.indicator in ("energy_intensity_iva", "carbon_intensity_iva"):
        va = tot["value_added_10k_yuan"].astype("float64")
        v = (v / va).where(va > 0)
    return v


def is_intensity(t: Target) -> bool:
    return t.indicator in ("energy_intensity_iva", "carbon_intensity_iva")


def reference_renewable(t: Target, members: pd.DataFrame) -> float | None:
    if not t.exclude_new_renewables:
        return None
    tot = totals(members, ["year"], is_intensity(t))
    if t.renewable_base_year not in tot.index:
        raise ValidationError([Problem(
            "T020", "targets", None, t.id, str(t.renewable_base_year),
            f"{t.renewable_base_year} 年的数据，用于扣除新增可再生能源", f"data for {t.renewable_base_year}, the "
            "base of the new-renewables exclusion")])
    return float(tot["renewable_tce"].astype("float64").loc[t.renewable_base_year])


def observations(t: Target, yearly: pd.DataFrame) -> pd.Series:
    """The indicator by year for the target's entity (computed, or as observed)."""
    if not t.computed:
        return pd.Series(t.observed, dtype="float64").sort_index()
    m = entity_rows(yearly, t)
    tot = totals(m, ["year"], is_intensity(t))
    return adjusted(t, tot, reference_renewable(t, m)).sort_index()


def base_value(t: Target, obs: pd.Series) -> float:
    if t.base_value is not None:
        return t.base_value
    if t.base_year not in obs.index or pd.isna(obs.loc[t.base_year]):
        raise ValidationError([Problem("T021", "targets", None, t.id, str(t.base_year),
                                       "基期年份的数据，或在目标中给出 base_value",
                                       "data for the base year, or a base_value in the target")])
    return float(obs.loc[t.base_year])
