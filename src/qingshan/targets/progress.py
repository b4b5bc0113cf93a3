"""Progress of each target against the time-proportional schedule, with the barometer's
colour: yearly (:func:`progress_table`) and over rolling 12 months (:func:`rolling_table`).
The formulas are :mod:`qingshan.methods.schedule` and :mod:`qingshan.methods.barometer`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qingshan.methods import barometer, schedule
from qingshan.targets.barometer import barometer_rules
from qingshan.targets.definitions import Target
from qingshan.targets.indicators import (
    adjusted,
    base_value,
    entity_rows,
    is_intensity,
    observations,
    reference_renewable,
    totals,
)


def progress_table(targets: list[Target], yearly: pd.DataFrame, rules: dict[str, Any] | None = None
                   ) -> pd.DataFrame:
    """One row per target and year after the base year: value, progress target, gap, colour."""
    rules = rules or barometer_rules()
    rows = []
    for t in targets:
        obs = observations(t, yearly)
        base = base_value(t, obs)
        years = [y for y in obs.index if t.base_year < y <= t.target_year and pd.notna(obs.loc[y])]
        if not years:
            continue
        v = obs.loc[years].to_numpy(dtype="float64")
        f = schedule.elapsed_share(np.asarray(years), t.base_year, t.target_year)
        actual = v / base - 1.0
        required = t.target_change * f
        gap, share = schedule.schedule_gap(actual, required)
        colour = barometer.colour(gap, share, float(rules["red_gap_share"]))
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
        members = entity_rows(m, t)
        tot = totals(members, ["year", "month"], is_intensity(t)).sort_index()
        roll = tot.rolling(12, min_periods=12).sum().dropna(how="all")
        if roll.empty:
            continue
        value = adjusted(t, roll, reference_renewable(t, entity_rows(yearly, t)))
        base = base_value(t, observations(t, yearly))
        yy = roll.index.get_level_values(0).to_numpy()
        mm = roll.index.get_level_values(1).to_numpy()
        tau = yy - 1 + mm / 12.0
        keep = (tau > t.base_year) & (tau <= t.target_year)
        if not keep.any():
            continue
        f = schedule.elapsed_share(tau[keep], t.base_year, t.target_year)
        actual = value.to_numpy()[keep] / base - 1.0
        required = t.target_change * f
        gap, share = schedule.schedule_gap(actual, required)
        colour = barometer.colour(gap, share, float(rules["red_gap_share"]))
        rows.append(pd.DataFrame({
            "target_id": t.id, "entity": t.entity, "indicator": t.indicator, "year": yy[keep], "month": mm[keep],
            "value_12m": value.to_numpy()[keep], "base_value": base, "elapsed_share": f, "actual_change": actual,
            "required_change": required, "gap": gap, "gap_share": share, "colour": colour}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
