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
- clinker and lime: Q × ((CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40), the oxide method
  of the cement guideline's formula (1), with the CaO and MgO that came from carbonates
  (:func:`oxide_co2`);
- clinker from a raw meal with substitute raw materials: Q × Cd / ((1 − L) × Fc), the cement
  guideline's formula (2) (:func:`raw_meal_co2`);
- carbon reductants (炭粉, e.g. in a flat-glass batch): Q × C × 44/12 with the enterprise's
  measured carbon content (:func:`reductant_co2`);
- prebaked anodes of electrolytic aluminium (炭阳极消耗): NC × (1 − S − A) × 44/12
  (:func:`anode_co2`).

Combustion with measured element carbon (含碳量计算法), per row with
``measured_carbon_per_unit``: FC × C × OF × 44/12 (:func:`element_carbon_co2`).
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

#: The process material of carbon reductants (炭粉, 碳粉): its CO2 is Q × C × 44/12 with the
#: enterprise's measured carbon content C (:func:`reductant_co2`); no default is shipped.
CARBON_REDUCTANT = "carbon_reductant"
#: The lineage id of carbon-reductant rows (the enterprise's measured data; no factor row).
REDUCTANT_LINEAGE_ID = "measured:carbon_reductant"
#: The citation that results carry for :data:`REDUCTANT_LINEAGE_ID`.
REDUCTANT_CITATION: dict[str, str] = {
    "document": "measured by the enterprise (实测值): quantity and carbon content of the reductant; E = Q × C × "
                "44/12, the carbon of a carbon input that leaves as CO2 (鲁环发〔2022〕4号 化工指南 公式(5) with one "
                "input and no carbon output; the flat-glass guideline's 碳粉 term, not read)",
    "edition": "鲁环发〔2022〕4号 (2022-05-01)",
    "clause": "山东省化工行业建设项目温室气体排放环境影响评价技术指南（试行） 二（二）1 公式(5)",
    "tag": "",
    "note": "no default carbon content is shipped: the enterprise's measured value is required (P143)",
}
#: The process material of the coal-ash factor Fc of the cement guideline's formula (2).
COAL_ASH_MATERIAL = "coal_ash_fc"
#: The process columns of the cement and glass methods (beyond quantity, the oxides of
#: formula (1) and the carbonates' calcination): kept in the store with the process rows.
PROCESS_MEASURES: tuple[str, ...] = ("cao_noncarbonate_fraction", "mgo_noncarbonate_fraction", "raw_meal_co2_fraction",
                                     "raw_meal_loss_on_ignition", "carbon_fraction")
#: The carrier of burnt 煤制品 as a whole (型煤 and 其他煤制品): no default carbon parameters.
COAL_PRODUCTS = "coal_products"

BURNT_SIGN: dict[str, int] = {"fuel": 1, "export": -1}


def carbon_columns(j: Any, *, measured: bool) -> dict[str, Any]:
    """Per-row combustion CO2 (t) and net purchases (kWh, GJ), to be summed; ``j`` and
    ``measured`` as in :func:`qingshan.methods.energy.energy_columns`.

    ``k_co2_combustion_t`` is ±NCV × CC × OF × 44/12 with the defaults, for burnt fossil
    rows (0 otherwise); with ``measured``, measured NCV, carbon content and oxidation
    replace the defaults parameter by parameter, and a measured element carbon per unit
    (``measured_carbon_per_unit``) replaces NCV × CC (:func:`element_carbon_co2`).
    """
    q = j.quantity
    if measured:
        ncv = j.measured_ncv.coalesce(j.ncv_gj_per_unit)
        cc = j.measured_carbon_content.coalesce(j.cc_tc_per_gj)
        of = j.measured_oxidation.coalesce(j.oxidation)
        by_heat = q * j.burnt_fossil_44_12 * ncv * cc * of
        by_carbon = element_carbon_co2(q, j.measured_carbon_per_unit, of, j.burnt_fossil_44_12)
        co2 = j.measured_carbon_per_unit.isnull().ifelse(by_heat, by_carbon).fill_null(0.0)
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


def element_carbon_co2(fc: Any, carbon_per_unit: Any, oxidation: Any, sign_44_12: Any = CO2_PER_C) -> Any:
    """CO2 (t) of a fuel burnt with measured element carbon (含碳量计算法):

        E = FC × C × OF × 44/12

    with FC the quantity (t, or m³ once converted), C the element carbon per unit (tC/t;
    tC per m³ for gases, entered per 10⁴ Nm³) and OF the oxidation rate. ``sign_44_12`` is
    44/12, signed −44/12 for fuel supplied out (the kernels pass the row's
    ``burnt_fossil_44_12``).

    Source: 鲁环发〔2022〕4号, 山东省化工行业建设项目温室气体排放环境影响评价技术指南（试行）
    二（一）1 含碳量计算法, formula (2) E = Σ AD × CC × OF × 44/12 (CC in tC/t or tC/万Nm³,
    read in the official text, C); the same product as the MEE power guideline
    (环办气候〔2021〕9号 附件2 A.1, formulas (A.1)–(A.3): AD = FC × NCV, EF = CC × OF × 44/12,
    CC_coal = C_coal / NCV_coal, C_coal the as-received element carbon in tC/t), where NCV
    cancels. The oxidation rate is the row's measured value, else the carrier's default
    (validation refuses a row with neither, P145). Works on Ibis columns and numbers alike.
    """
    return fc * carbon_per_unit * oxidation * sign_44_12


def oxide_co2(clinker_t: Any, cao: Any, mgo: Any, cao_nc: Any, mgo_nc: Any,
              cao_tco2_per_t: Any, mgo_tco2_per_t: Any) -> Any:
    """CO2 (t) of clinker or lime by the oxide method:

        E = Q × ((CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40)

    Source: 粤环函〔2021〕103号 附件2, 广东省水泥企业二氧化碳排放信息报告指南（2021年修订）
    6.1.1.1 formulas (1) EF1 = Cc × 44/56 + Cm × 44/40 and (3) AE = AD × EF1 (C). Cc and Cm
    are the clinker's CaO and MgO; the guideline uses formula (1) only when the raw meal has
    no substitute raw materials, i.e. when all of it came from carbonates. CaO_nc and MgO_nc
    (default 0) are the parts that did not, so the difference is the CaO and MgO from
    carbonates that the method means; with substitute raw materials the guideline
    prescribes formula (2) instead (:func:`raw_meal_co2`). 44/56 and 44/40 come from the
    factor set (``gd-cement-2021:cao``, ``gd-cement-2021:mgo``).
    """
    return clinker_t * ((cao - cao_nc) * cao_tco2_per_t + (mgo - mgo_nc) * mgo_tco2_per_t)


def raw_meal_co2(clinker_t: Any, raw_meal_co2_fraction: Any, loss_on_ignition: Any, coal_ash_factor: Any) -> Any:
    """CO2 (t) of clinker made from a raw meal with substitute raw materials (含替代原料):

        EF2 = Cd / ((1 − L) × Fc);  E = Q × EF2

    Cd the mass fraction of CO2 in the raw meal (GB/T 12960), L its loss on ignition
    (GB/T 176), Fc = 1.04 the conversion factor for the coal ash taken up by the clinker
    (熟料中燃煤灰分掺入量换算因子, from the factor set: ``gd-cement-2021:fc``).

    Source: 粤环函〔2021〕103号 附件2, 广东省水泥企业二氧化碳排放信息报告指南（2021年修订）
    6.1.1.1 (2), formulas (2) and (3) (C: read on the rendered page of the official PDF);
    the guideline takes Fc from HJ 2519-2012 附录A A.5.1.1 (not seen).
    """
    return clinker_t * raw_meal_co2_fraction / ((1.0 - loss_on_ignition) * coal_ash_factor)


def reductant_co2(quantity_t: Any, carbon_fraction: Any) -> Any:
    """CO2 (t) of a carbon reductant (炭粉, 碳粉; e.g. in a flat-glass batch) whose carbon all
    leaves as CO2: E = Q × C × 44/12, Q the quantity consumed (t), C its measured carbon
    mass fraction.

    Source: the carbon balance of 鲁环发〔2022〕4号 化工指南 formula (5),
    E = (Σ AD_j × CC_j − Σ AD_p × CC_p − Σ AD_w × CC_w) × 44/12, for one carbon input and no
    carbon in products or wastes (C). The flat-glass guideline (NDRC 中国平板玻璃生产企业温室气体
    排放核算方法与报告指南（试行）, GB/T 32151.7) is said to count the 碳粉 of the batch this way;
    its text was not read, and no default carbon content is shipped (P143).
    """
    return quantity_t * carbon_fraction * CO2_PER_C


def process_co2(process: Any, stoich: Any, cao_tco2_per_t: Any, mgo_tco2_per_t: Any,
                coal_ash_factor: Any) -> Any:
    """Process CO2 per process row: ``process`` joined to ``stoich`` (material, tco2_per_t).

    Carbonates take their stoichiometric factor; anode rows (:data:`ANODE_MATERIAL`) the
    anode formula (:func:`anode_co2`); carbon reductants (:data:`CARBON_REDUCTANT`) their
    measured carbon (:func:`reductant_co2`); clinker rows with the raw meal's CO2 fraction
    the cement guideline's formula (2) (:func:`raw_meal_co2`, with ``coal_ash_factor`` Fc);
    every other material (clinker, lime) the oxide method (:func:`oxide_co2`).
    Returns the process table with ``co2_process_t`` added.
    """
    j = left_join(process, stoich, "material")
    oxide = oxide_co2(j.quantity, j.cao_fraction.fill_null(0.0), j.mgo_fraction.fill_null(0.0),
                      j.cao_noncarbonate_fraction.fill_null(0.0), j.mgo_noncarbonate_fraction.fill_null(0.0),
                      cao_tco2_per_t, mgo_tco2_per_t)
    raw_meal = raw_meal_co2(j.quantity, j.raw_meal_co2_fraction, j.raw_meal_loss_on_ignition, coal_ash_factor)
    oxide = j.raw_meal_co2_fraction.isnull().ifelse(oxide, raw_meal)
    carbonate = j.quantity * j.tco2_per_t * j.calcination_fraction.fill_null(1.0)
    anode = anode_co2(j.quantity, j.sulfur_fraction, j.ash_fraction)
    reductant = reductant_co2(j.quantity, j.carbon_fraction)
    co2 = (j.material == ANODE_MATERIAL).ifelse(
        anode, (j.material == CARBON_REDUCTANT).ifelse(reductant, j.tco2_per_t.isnull().ifelse(oxide, carbonate)))
    return j.mutate(co2_process_t=co2)


