"""Energy and CO2 by carrier for a level (industry division or district) and year: the
cells of an LMDI decomposition with energy-mix and emission-factor effects.

One Ibis expression over the energy rows (run where the data lives), using the same
per-row columns as the account kernels (:mod:`.energy`, :mod:`.carbon`), so the sums match
the accounts: ``energy_tce`` is 综合能耗 at 当量值 and ``co2_t`` is combustion +
purchased electricity + heat (process CO2 has no carrier and is left out).
"""

from __future__ import annotations

from typing import Any

from qingshan.methods.carbon import carbon_columns, carbon_totals
from qingshan.methods.energy import energy_columns, energy_totals

BY = {"industry": "industry_division", "district": "district_id"}


def carrier_rows(energy: Any, coefficients: Any, year_coefficients: Any) -> Any:
    """One row per energy row: entity_key, year, month, carrier_key, energy_tce (当量值) and
    co2_t (combustion + purchased electricity + heat), with the account kernels' columns
    and the year's electricity and heat factors."""
    j = energy.join(coefficients, ["carrier_key", "use_key"])
    j = j.select(j, **energy_columns(j, measured=True), **carbon_columns(j, measured=True)).join(
        year_coefficients, "year")
    e, c = energy_totals(j), carbon_totals(j)
    return j.select("entity_key", "year", "month", "carrier_key", energy_tce=e["energy_tce"],
                    co2_t=c["co2_combustion_t"] + c["co2_electricity_t"] + c["co2_heat_t"])


def carrier_rollup(energy: Any, coefficients: Any, year_coefficients: Any, entities: Any, economics: Any,
                   by: str) -> Any:
    """(sector, carrier_key, year) → energy_tce, co2_t, summed over the enterprises that
    report a positive value added that year (the population of an intensity)."""
    rows = carrier_rows(energy, coefficients, year_coefficients)
    ent = entities.select("entity_key", industry_division=entities.industry_code.substr(0, 2),
                          district_id=entities.district_id)
    va = economics.filter(economics.value_added_10k_yuan > 0).select("entity_key", "year")
    t = rows.join(va, ["entity_key", "year"]).join(ent, "entity_key")
    t = t.mutate(sector=t[BY[by]])
    return t.group_by(["sector", "carrier_key", "year"]).aggregate(energy_tce=t.energy_tce.sum(),
                                                                   co2_t=t.co2_t.sum())


def enterprise_carrier_months(energy: Any, coefficients: Any, year_coefficients: Any) -> Any:
    """(entity_key, year, month, carrier_key) → energy_tce, co2_t: each enterprise's monthly
    energy and CO2 by carrier (the enterprise page's charts). Process CO2 has no carrier."""
    t = carrier_rows(energy, coefficients, year_coefficients)
    return t.group_by(["entity_key", "year", "month", "carrier_key"]).aggregate(
        energy_tce=t.energy_tce.sum(), co2_t=t.co2_t.sum())
