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

- carbonates: Q × EF × calcination fraction, EF as the NDRC chemical guideline's table
  prints it (read in 鲁环发〔2022〕4号 附录2 表2-4; the process factor file cites each row);
- clinker and lime: Q × (CaO × 44/56 + MgO × 44/40), the oxide method of the cement
  guideline, with the CaO and MgO that came from carbonates;
- prebaked anodes of electrolytic aluminium (炭阳极消耗): NC × (1 − S − A) × 44/12
  (:func:`anode_co2`).
"""

from __future__ import annotations

from typing import Any

from qingshan.methods.constants import CO2_PER_C
from qingshan.methods.joins import left_join

#: The process material of the anodes consumed by electrolytic aluminium (炭阳极, 预焙阳极):
#: its quantity is the net anode consumption in tonnes of anode (:func:`anode_co2`).
ANODE_MATERIAL = "anode"
#: The lineage id of anode rows. The CO2 of an anode row rests on no factor row: it is the
#: enterprise's measured net consumption, sulphur and ash and the ratio of molar masses
#: 44/12, so it is listed as measured data, as ``measured:<carrier>`` is for fuels.
ANODE_LINEAGE_ID = "measured:anode"
#: The citation that results carry for :data:`ANODE_LINEAGE_ID`.
ANODE_CITATION: dict[str, str] = {
    "document": "measured by the enterprise (实测值): net anode consumption, sulphur and ash of the anode; "
                "formula of GB/T 32151.4 温室气体排放核算与报告要求 第4部分：铝冶炼企业 and the NDRC "
                "中国电解铝生产企业温室气体排放核算方法与报告指南（试行）: E = NC × (1 − S − A) × 44/12",
    "edition": "GB/T 32151.4-2015",
    "clause": "5.2 核算方法 (炭阳极消耗; the clause number from the standard's table of contents)",
    "tag": "",
    "note": "no default NC, S or A is shipped: the guideline's default values were not read, so the "
            "enterprise's own measured values are required (docs/accounting.md, 'Electrolytic aluminium: anodes')",
}

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


def anode_co2(net_anode_t: Any, sulfur_fraction: Any, ash_fraction: Any) -> Any:
    """CO2 (t) of the prebaked anodes an aluminium smelter consumes (炭阳极消耗):

        E_anode = NC × (1 − S − A) × 44/12

    with NC the net anode consumption in tonnes of anode (吨铝炭阳极净耗 × 原铝产量, so the
    product the guideline writes as EF_anode × P_Al, EF_anode = NC_per_t_Al × (1 − S − A) ×
    44/12), S and A the anode's mean sulphur and ash mass fractions (炭阳极平均含硫量、平均
    灰分含量): the anode's carbon, taken as what is neither sulphur nor ash, all leaves as CO2.

    Source: GB/T 32151.4-2015 温室气体排放核算与报告要求 第4部分：铝冶炼企业, 5.2 核算方法
    (the clause as the standard's table of contents names it), and the NDRC 中国电解铝生产企业
    温室气体排放核算方法与报告指南（试行）, which counts it as 能源作为原材料用途的排放; the
    structure of the formula was read in several independent implementations of the
    guideline, not in the guideline's own text (MEE CETS-AG-04.01-V01-2024 keeps this source
    but was not read either). 44/12 is the ratio of molar masses (:data:`CO2_PER_C`).

    Defaults not shipped: not verified. The guidelines print default values of NC, S and A
    (seen only in secondary copies, and not consistently), and allow measured values; NC, S
    and A must therefore all be the enterprise's own (validation refuses an anode row without
    S or A, P063). Works on Ibis columns and on numbers alike.
    """
    return net_anode_t * (1.0 - sulfur_fraction - ash_fraction) * CO2_PER_C


def process_co2(process: Any, stoich: Any, cao_tco2_per_t: float, mgo_tco2_per_t: float) -> Any:
    """Process CO2 per process row: ``process`` joined to ``stoich`` (material, tco2_per_t).

    Carbonates take their stoichiometric factor; anode rows (:data:`ANODE_MATERIAL`) the
    anode formula (:func:`anode_co2`); every other material (clinker, lime) the oxide method.
    Returns the process table with ``co2_process_t`` added.
    """
    j = left_join(process, stoich, "material")
    oxide = j.quantity * (j.cao_fraction.fill_null(0.0) * cao_tco2_per_t
                          + j.mgo_fraction.fill_null(0.0) * mgo_tco2_per_t)
    carbonate = j.quantity * j.tco2_per_t * j.calcination_fraction.fill_null(1.0)
    anode = anode_co2(j.quantity, j.sulfur_fraction, j.ash_fraction)
    co2 = (j.material == ANODE_MATERIAL).ifelse(anode, j.tco2_per_t.isnull().ifelse(oxide, carbonate))
    return j.mutate(co2_process_t=co2)


