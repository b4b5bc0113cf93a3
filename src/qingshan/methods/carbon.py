"""Enterprise CO2 under the national accounting guidelines (GB/T 32150 / GB/T 32151, the
NDRC 行业企业温室气体排放核算方法与报告指南):

    E = E_combustion + E_process + E_electricity + E_heat

Combustion, per fuel row (GB/T 32150-2015 formulas for 化石燃料燃烧排放):

    E_combustion = FC × NCV × CC × OF × 44/12

with FC the quantity burnt (t or m³), NCV the net calorific value (GJ per unit), CC the
carbon content per unit of heat (tC/GJ) and OF the oxidation fraction. Measured values
(``measured_ncv``, ``measured_carbon_content``, ``measured_oxidation``) take precedence
over the defaults of the factor set, parameter by parameter.

Only rows with use ``fuel`` are burnt. Rows with use ``export`` (fuel or by-product gas
supplied to others) are subtracted: their carbon leaves the boundary unburnt (the
carbon-balance logic of the steel guideline). ``feedstock`` rows are not burnt: their
carbon goes into products, and process emissions from it belong to the process table.

Purchased electricity and heat (净购入电力、热力):

    E_electricity = (purchased − exported) MWh × EF_grid(year)
    E_heat = (purchased − exported) GJ × EF_heat

which may be negative for a net exporter, as the guidelines' net-purchase formula gives.

Process (工业生产过程), per process row:

- carbonates: Q × EF_stoichiometric × calcination fraction (IPCC 2006 Vol. 3 Table 2.1,
  as adopted by the guidelines);
- clinker and lime: Q × (CaO × 44/56 + MgO × 44/40), the oxide method of the cement
  guideline, with the CaO and MgO that came from carbonates.
"""

from __future__ import annotations

from typing import Any

from qingshan.methods.joins import left_join

BURNT_SIGN: dict[str, int] = {"fuel": 1, "export": -1}


def carbon_columns(j: Any, *, measured: bool) -> dict[str, Any]:
    """Per-row combustion CO2 (t) and net purchases (kWh, GJ), to be summed; ``j`` and
    ``measured`` as in :func:`qingshan.methods.energy.energy_columns`.

    ``k_co2_combustion_t`` is ±NCV × CC × OF × 44/12 with the defaults, for burnt fossil
    rows (0 otherwise); with ``measured``, measured NCV, carbon content and oxidation
    replace the defaults parameter by parameter.
    """
    q = j.quantity
    if measured:
        ncv = j.measured_ncv.coalesce(j.ncv_gj_per_unit)
        cc = j.measured_carbon_content.coalesce(j.cc_tc_per_gj)
        of = j.measured_oxidation.coalesce(j.oxidation)
        co2 = (q * j.burnt_fossil_44_12 * ncv * cc * of).fill_null(0.0)
    else:
        co2 = q * j.k_co2_combustion_t
    return {
        "co2_combustion_t": co2,
        "net_purchased_electricity_kwh": q * j.k_net_purchased_electricity_kwh,
        "net_purchased_heat_gj": q * j.k_net_purchased_heat_gj,
    }


#: The per-row sums of :func:`carbon_columns`.
ROW_SUMS: tuple[str, ...] = ("co2_combustion_t", "net_purchased_electricity_kwh", "net_purchased_heat_gj")


def carbon_totals(t: Any) -> dict[str, Any]:
    """CO2 of purchased electricity and heat from one period's net purchases, ``t`` joined
    with the year's coefficients: E = AD × EF (GB/T 32150-2015 净购入电力、热力)."""
    return {
        "co2_combustion_t": t.co2_combustion_t,
        "net_purchased_electricity_kwh": t.net_purchased_electricity_kwh,
        "co2_electricity_t": t.net_purchased_electricity_kwh * t.tco2_per_kwh,
        "net_purchased_heat_gj": t.net_purchased_heat_gj,
        "co2_heat_t": t.net_purchased_heat_gj * t.tco2_per_gj_heat,
    }


def carbon_sum_columns() -> tuple[str, ...]:
    return ("co2_combustion_t", "net_purchased_electricity_kwh", "co2_electricity_t",
            "net_purchased_heat_gj", "co2_heat_t")


def process_co2(process: Any, stoich: Any, cao_tco2_per_t: float, mgo_tco2_per_t: float) -> Any:
    """Process CO2 per process row: ``process`` joined to ``stoich`` (material, tco2_per_t).

    Returns the process table with ``co2_process_t`` added.
    """
    j = left_join(process, stoich, "material")
    oxide = j.quantity * (j.cao_fraction.fill_null(0.0) * cao_tco2_per_t
                          + j.mgo_fraction.fill_null(0.0) * mgo_tco2_per_t)
    carbonate = j.quantity * j.tco2_per_t * j.calcination_fraction.fill_null(1.0)
    co2 = j.tco2_per_t.isnull().ifelse(oxide, carbonate)
    return j.mutate(co2_process_t=co2)


