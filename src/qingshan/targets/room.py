"""Remaining room (用能空间 / 碳排放空间) in the target year of each intensity target, with the
entity's total cap where a total target of the same year exists
(:mod:`qingshan.methods.remaining_room`).
"""

from __future__ import annotations

import pandas as pd

from qingshan.methods import remaining_room as rr
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


def room_table(targets: list[Target], yearly: pd.DataFrame, growth: float) -> pd.DataFrame:
    """Remaining room in the target year for each intensity target (computed from the
    accounts), with the entity's total cap where a total target of the same year exists."""
    caps = {(t.level, t.entity, "energy" if t.indicator == "total_energy" else "co2", t.target_year): t
            for t in targets if t.indicator in ("total_energy", "total_co2")}
    rows = []
    for t in targets:
        if not is_intensity(t):
            continue
        m = entity_rows(yearly, t)
        tot = totals(m, ["year"], True)
        obs = adjusted(t, tot, reference_renewable(t, m))
        base = base_value(t, obs)
        last = int(obs.dropna().index.max())
        q_last = float(tot["value_added_10k_yuan"].astype("float64").loc[last])
        e_last = float(obs.loc[last] * q_last)
        q_t, allowed = rr.allowed_total(base, t.target_change, q_last, growth, last, t.target_year)
        kind = "energy" if t.indicator == "energy_intensity_iva" else "co2"
        cap_t = caps.get((t.level, t.entity, kind, t.target_year))
        cap = None
        if cap_t is not None:
            cap_obs = observations(cap_t, yearly)
            cap = base_value(cap_t, cap_obs) * (1.0 + cap_t.target_change)
        rows.append({"target_id": t.id, "level": t.level, "entity": t.entity, "kind": kind, "last_year": last,
                     "last_value_added_10k_yuan": q_last, "last_total": e_last, "growth": growth,
                     "target_year": t.target_year, "value_added_target_year": q_t,
                     "target_intensity": base * (1.0 + t.target_change), "allowed_total": allowed, "cap": cap,
                     "room": rr.room(allowed, e_last, cap)})
    return pd.DataFrame(rows)
