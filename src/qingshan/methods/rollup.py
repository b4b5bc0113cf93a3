"""Roll-ups of yearly enterprise accounts to park, district, industry and city.

Additive quantities (tce, tCO2, kWh, GJ, 万元) are summed, so the parts add up to the whole
at every level. Intensities are recomputed as ratios of sums over the enterprises that
report positive value added, never as averages of ratios.
"""

from __future__ import annotations

from typing import Any

import ibis

from qingshan.methods.accounts import SUM_COLUMNS

ADDITIVE: tuple[str, ...] = (*SUM_COLUMNS, "co2_scope1_t", "co2_scope2_t", "co2_t")

#: Roll-up levels and the yearly-account column that keys each.
LEVELS: dict[str, str | None] = {
    "city": None,
    "district": "district_id",
    "park": "park_id",
    "industry": "industry_division",
}


def rollup(yearly: Any, level: str, city_id: str = "city") -> Any:
    """Sum yearly accounts by ``level`` (one of :data:`LEVELS`) and year.

    The city level is keyed by ``city_id``; the others by their entity or industry code.
    """
    key = LEVELS[level]
    t = yearly if key is None else yearly.filter(yearly[key].notnull())
    va = t.value_added_10k_yuan
    has_va = va.notnull() & (va > 0)
    t = t.mutate(
        _va=has_va.ifelse(va, 0.0),
        _e_va=has_va.ifelse(t.energy_tce, 0.0),
        _c_va=has_va.ifelse(t.co2_t, 0.0),
    )
    group = ["year"] if key is None else [key, "year"]
    agg = t.group_by(group).aggregate(
        # one row per enterprise and year in ``yearly``, so a count is the number of enterprises
        enterprises=t.count(),
        value_added_10k_yuan=t._va.sum(),
        energy_tce_with_va=t._e_va.sum(),
        co2_t_with_va=t._c_va.sum(),
        **{c: t[c].sum() for c in ADDITIVE},
    )
    pos = agg.value_added_10k_yuan > 0
    agg = agg.mutate(
        energy_per_va=pos.ifelse(agg.energy_tce_with_va / agg.value_added_10k_yuan, ibis.null("float64")),
        co2_per_va=pos.ifelse(agg.co2_t_with_va / agg.value_added_10k_yuan, ibis.null("float64")),
    )
    agg = agg.mutate(unit_id=ibis.literal(city_id)) if key is None else agg.rename(unit_id=key)
    return agg.mutate(level=ibis.literal(level))


def rollups(yearly: Any, city_id: str = "city") -> Any:
    """Every level of :data:`LEVELS` in one table (one query), told apart by ``level``."""
    parts = [rollup(yearly, lvl, city_id) for lvl in LEVELS]
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p.select(*out.columns), distinct=False)
    return out
