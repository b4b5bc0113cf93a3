"""Targets and early warning: observed indicator values per target, progress against the
time-proportional schedule with barometer colours (yearly and rolling 12 months), and the
remaining room in the target year. See docs/targets.md.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from qingshan.errors import Problem, ValidationError
from qingshan.methods import remaining_room as rr
from qingshan.methods import schedule
from qingshan.targets.definitions import Target, load_targets

__all__ = [
    "Target",
    "barometer_rules",
    "load_targets",
    "observations",
    "progress_table",
    "rolling_table",
    "room_table",
]

SUMS = ("energy_tce", "feedstock_tce", "renewable_tce", "co2_t", "value_added_10k_yuan")


def barometer_rules() -> dict[str, Any]:
    text = resources.files("qingshan.targets").joinpath("barometer.toml").read_text("utf-8")
    return tomllib.loads(text)


def _members(frame: pd.DataFrame, t: Target) -> pd.DataFrame:
    if t.level == "city":
        return frame
    col = "district_id" if t.level == "district" else "park_id"
    return frame[frame[col].astype("string") == t.entity]


def _totals(frame: pd.DataFrame, keys: list[str], intensity: bool) -> pd.DataFrame:
    f = frame
    if intensity:
        va = f["value_added_10k_yuan"].astype("float64")
        f = f[va.notna() & (va > 0)]
    cols = [c for c in SUMS if c in f.columns]
    return f.groupby(keys)[cols].sum(min_count=1)


def _adjusted(t: Target, tot: pd.DataFrame, ref_renewable: float | None) -> pd.Series:
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


def _intensity(t: Target) -> bool:
    return t.indicator in ("energy_intensity_iva", "carbon_intensity_iva")


def _ref_renewable(t: Target, members: pd.DataFrame) -> float | None:
    if not t.exclude_new_renewables:
        return None
    tot = _totals(members, ["year"], _intensity(t))
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
    m = _members(yearly, t)
    tot = _totals(m, ["year"], _intensity(t))
    return _adjusted(t, tot, _ref_renewable(t, m)).sort_index()


def _base_value(t: Target, obs: pd.Series) -> float:
    if t.base_value is not None:
        return t.base_value
    if t.base_year not in obs.index or pd.isna(obs.loc[t.base_year]):
        raise ValidationError([Problem("T021", "targets", None, t.id, str(t.base_year),
                                       "基期年份的数据，或在目标中给出 base_value",
                                       "data for the base year, or a base_value in the target")])
    return float(obs.loc[t.base_year])


def progress_table(targets: list[Target], yearly: pd.DataFrame, rules: dict[str, Any] | None = None
                   ) -> pd.DataFrame:
    """One row per target and year after the base year: value, progress target, gap, colour."""
    rules = rules or barometer_rules()
    rows = []
    for t in targets:
        obs = observations(t, yearly)
        base = _base_value(t, obs)
        years = [y for y in obs.index if t.base_year < y <= t.target_year and pd.notna(obs.loc[y])]
        if not years:
            continue
        v = obs.loc[years].to_numpy(dtype="float64")
        f = schedule.elapsed_share(np.asarray(years), t.base_year, t.target_year)
        actual = v / base - 1.0
        required = t.target_change * f
        gap, share, colour = schedule.progress(actual, required, float(rules["red_gap_share"]))
        rows.append(pd.DataFrame({
            "target_id": t.id, "level": t.level, "entity": t.entity, "indicator": t.indicator, "unit": t.unit,
            "year": years, "value": v, "base_year": t.base_year, "base_value": base, "target_year": t.target_year,
            "target_change": t.target_change, "elapsed_share": f, "actual_change": actual,
            "required_change": required, "gap": gap, "gap_share": share, "colour": colour}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def rolling_table(targets: list[Target], monthly: pd.DataFrame, yearly: pd.DataFrame,
                  rules: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rolling 12-month view for computed targets: each month, the sums of the 12 months
    ending there against the schedule at that month (t = year − 1 + month / 12).

    Value added is yearly; for an intensity each month carries 1/12 of its year's value added
    (stated in docs/targets.md as an assumption).
    """
    rules = rules or barometer_rules()
    firm = yearly[["entity_id", "year", "district_id", "park_id", "value_added_10k_yuan"]]
    m = monthly.merge(firm, on=["entity_id", "year"], how="left")
    m["value_added_10k_yuan"] = m["value_added_10k_yuan"] / 12.0
    rows = []
    for t in targets:
        if not t.computed:
            continue
        members = _members(m, t)
        tot = _totals(members, ["year", "month"], _intensity(t)).sort_index()
        roll = tot.rolling(12, min_periods=12).sum().dropna(how="all")
        if roll.empty:
            continue
        value = _adjusted(t, roll, _ref_renewable(t, _members(yearly, t)))
        base = _base_value(t, observations(t, yearly))
        yy = roll.index.get_level_values(0).to_numpy()
        mm = roll.index.get_level_values(1).to_numpy()
        tau = yy - 1 + mm / 12.0
        keep = (tau > t.base_year) & (tau <= t.target_year)
        if not keep.any():
            continue
        f = schedule.elapsed_share(tau[keep], t.base_year, t.target_year)
        actual = value.to_numpy()[keep] / base - 1.0
        required = t.target_change * f
        gap, share, colour = schedule.progress(actual, required, float(rules["red_gap_share"]))
        rows.append(pd.DataFrame({
            "target_id": t.id, "entity": t.entity, "indicator": t.indicator, "year": yy[keep], "month": mm[keep],
            "value_12m": value.to_numpy()[keep], "base_value": base, "elapsed_share": f, "actual_change": actual,
            "required_change": required, "gap": gap, "gap_share": share, "colour": colour}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def room_table(targets: list[Target], yearly: pd.DataFrame, growth: float) -> pd.DataFrame:
    """Remaining room in the target year for each intensity target (computed from the
    accounts), with the entity's total cap where a total target of the same year exists."""
    caps = {(t.level, t.entity, "energy" if t.indicator == "total_energy" else "co2", t.target_year): t
            for t in targets if t.indicator in ("total_energy", "total_co2")}
    rows = []
    for t in targets:
        if not _intensity(t):
            continue
        m = _members(yearly, t)
        tot = _totals(m, ["year"], True)
        obs = _adjusted(t, tot, _ref_renewable(t, m))
        base = _base_value(t, obs)
        last = int(obs.dropna().index.max())
        q_last = float(tot["value_added_10k_yuan"].astype("float64").loc[last])
        e_last = float(obs.loc[last] * q_last)
        q_t, allowed = rr.allowed_total(base, t.target_change, q_last, growth, last, t.target_year)
        kind = "energy" if t.indicator == "energy_intensity_iva" else "co2"
        cap_t = caps.get((t.level, t.entity, kind, t.target_year))
        cap = None
        if cap_t is not None:
            cap_obs = observations(cap_t, yearly)
            cap = _base_value(cap_t, cap_obs) * (1.0 + cap_t.target_change)
        rows.append({"target_id": t.id, "level": t.level, "entity": t.entity, "kind": kind, "last_year": last,
                     "last_value_added_10k_yuan": q_last, "last_total": e_last, "growth": growth,
                     "target_year": t.target_year, "value_added_target_year": q_t,
                     "target_intensity": base * (1.0 + t.target_change), "allowed_total": allowed, "cap": cap,
                     "room": rr.room(allowed, e_last, cap)})
    return pd.DataFrame(rows)
