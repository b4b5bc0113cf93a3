"""Ganzi Prefecture (甘孜州) 2010 GEP reproduced from its printed quantities and prices.

Source: 白玛卓嘎, 肖燚, 欧阳志云, 王莉雁 (2017) 甘孜藏族自治州生态系统生产总值核算研究. 生态学报
37(19):6302–6312 (ChinaXiv 201711.00120), Table 3 (quantity, price, value to 4 decimals in 亿元
and rounded to 2) and Table 4 (value by ecosystem). Every number below was read in that table.

Tolerances follow the printing: a quantity printed to k decimals is known to ±0.5·10⁻ᵏ of its
unit, so quantity × price is known to ±0.5·10⁻ᵏ·scale·price; the paper's value column adds
±0.00005 亿元. Two rounding notes, both in the paper itself:
* domestic water 1.36 亿m³ × 2.6 yuan/m³ = 3.536, but the table prints 3.5400; the class total
  632.64 and GEP 7545.59 are reproduced with the product 3.536 (with 3.5400 they come out
  632.65 and 7545.60);
* the rounded service column sums to 632.66 for provisioning (the paper prints 632.64).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qingshan.ecology.prices import load_price_set
from qingshan.methods import gep_services as s
from qingshan.methods import gep_value as gv

E8 = 1e8  # 亿
E4 = 1e4  # 万
PRICES = load_price_set("ganzi_2010")

# (class, service, indicator, quantity, decimals of the quantity, unit, price item, printed value 亿元 4 dp)
PRICED = [
    ("provisioning", "water_supply", "domestic", 1.36, 2, "1e8 m3", "water_price_domestic", 3.5400),
    ("provisioning", "water_supply", "industrial", 150.17, 2, "1e8 m3", "water_price_industrial", 540.6113),
    ("provisioning", "water_supply", "agricultural", 17.31, 2, "1e8 m3", "water_price_agricultural", 1.2117),
    ("provisioning", "hydropower", "hydropower", 95.30, 2, "1e8 kWh", "electricity_price", 50.5090),
    ("regulating", "water_conservation", "water retained", 321.49, 2, "1e8 m3", "reservoir_storage_cost", 2269.7074),
    ("regulating", "soil_retention", "sediment", 10.03, 2, "1e8 m3", "reservoir_dredging_cost", 156.2555),
    ("regulating", "soil_retention", "N", 1437.94, 2, "1e4 t", "nitrogen_treatment_cost", 125.8199),
    ("regulating", "soil_retention", "P", 419.72, 2, "1e4 t", "phosphorus_treatment_cost", 117.5226),
    ("regulating", "flood_regulation", "lake", 2.43, 2, "1e8 m3", "reservoir_storage_cost", 17.1430),
    ("regulating", "flood_regulation", "reservoir", 0.01, 2, "1e8 m3", "reservoir_storage_cost", 0.0684),
    ("regulating", "flood_regulation", "marsh", 6.00, 2, "1e8 m3", "reservoir_storage_cost", 42.3436),
    ("regulating", "air_purification", "SO2", 1137, 0, "t", "so2_treatment_cost", 0.0136),
    ("regulating", "air_purification", "NOx", 2772, 0, "t", "nox_treatment_cost", 0.0175),
    ("regulating", "air_purification", "industrial_dust", 941, 0, "t", "industrial_dust_treatment_cost", 0.0014),
    ("regulating", "water_purification", "COD", 5424, 0, "t", "cod_treatment_cost", 0.0380),
    ("regulating", "water_purification", "NH3-N", 625, 0, "t", "nh3n_treatment_cost", 0.0055),
    ("regulating", "carbon_sequestration", "CO2", 0.31, 2, "1e8 tCO2", "carbon_price", 117.3548),
    ("regulating", "oxygen_release", "O2", 2.51, 2, "1e8 t", "oxygen_price", 1821.9182),
    ("regulating", "climate_regulation", "transpiration", 2799.10, 2, "1e8 kWh", "electricity_price", 1483.5208),
    ("regulating", "climate_regulation", "evaporation", 1272.35, 2, "1e8 kWh", "electricity_price", 674.3433),
    ("regulating", "pest_control", "forest", 158, 0, "1e4 hm2", "pest_control_cost_forest", 5.9250),
    ("regulating", "pest_control", "grassland", 711.13, 2, "1e4 hm2", "pest_control_cost_grassland", 8.0003),
]
# the sand-fixation row is priced per m² of land: 779.42 万t → area, then × 3.75 yuan/m²
SAND_T, SAND_VALUE = 779.42 * E4, 2.2835
# rows valued from statistics (net output value, Ganzi §2.3) and by travel cost, 亿元 4 dp
VALUED = [
    ("provisioning", "agriculture", "net output value", 12.2875),
    ("provisioning", "forestry", "net output value", 2.3777),
    ("provisioning", "animal_husbandry", "net output value", 22.0760),
    ("provisioning", "fishery", "net output value", 0.0356),
    ("cultural", "recreation", "travel cost", 70.6669),
]


def _unit(price_item: str) -> str:
    return PRICES.get(price_item).unit


def _priced_table() -> pd.DataFrame:
    recs = [dict(district="甘孜州", ecosystem="all", **{"class": c}, service=sv, indicator=ind, quantity=q,
                 quantity_unit=u, price=PRICES.value(item), price_unit=_unit(item))
            for c, sv, ind, q, _, u, item, _ in PRICED]
    return gv.rows(recs)


def test_the_price_set_holds_the_printed_prices() -> None:
    printed = {"reservoir_storage_cost": 7.06, "reservoir_dredging_cost": 15.58, "nitrogen_treatment_cost": 875,
               "phosphorus_treatment_cost": 2800, "sand_control_cost": 3.75, "so2_treatment_cost": 1200,
               "nox_treatment_cost": 630, "industrial_dust_treatment_cost": 150, "cod_treatment_cost": 700,
               "nh3n_treatment_cost": 875, "carbon_price": 380, "oxygen_price": 727, "electricity_price": 0.53,
               "pest_control_cost_forest": 375, "pest_control_cost_grassland": 112.5, "water_price_domestic": 2.6,
               "water_price_industrial": 3.6, "water_price_agricultural": 0.07}
    for item, v in printed.items():
        p = PRICES.get(item)
        assert p.value == v and p.price_year == 2010 and "白玛卓嘎" in p.source, item


@pytest.mark.parametrize("row", PRICED, ids=[f"{r[1]}-{r[2]}" for r in PRICED])
def test_each_row_is_quantity_times_price(row: tuple[object, ...]) -> None:
    _, sv, ind, q, k, u, item, printed = row
    assert isinstance(q, int | float) and isinstance(k, int) and isinstance(printed, float)
    valued = gv.value_table(_priced_table())
    got = float(valued.loc[(valued["service"] == sv) & (valued["indicator"] == ind), "value_yuan"].iloc[0])
    scale = gv.parse_unit(str(u))[0]
    tol = 0.5 * 10.0**-k * scale * PRICES.value(str(item)) + 0.00005 * E8
    assert abs(got - printed * E8) <= tol


def test_hand_worked_rows() -> None:
    """Three rows worked out by hand from the printed table."""
    v = gv.value_of
    assert v(321.49, "1e8 m3", 7.06, "yuan/m3") == pytest.approx(2269.7194e8, rel=1e-12)  # 321.49 × 7.06
    assert v(1437.94, "1e4 t", 875, "yuan/t") == pytest.approx(125.819750e8, rel=1e-12)  # 1437.94e4 × 875
    assert v(2799.10, "1e8 kWh", 0.53, "yuan/kWh") == pytest.approx(1483.523e8, rel=1e-12)


def test_the_physical_quantities_follow_from_the_papers_parameters() -> None:
    """Soil retention 38.86 亿t with λ 0.24, ρ 0.93 t/m³, N 0.37 %, P 0.108 % gives the printed
    10.03 亿m³, 1437.94 万t and 419.72 万t to the precision of 38.86 (±0.005 亿t)."""
    a_s, da = 38.86 * E8, 0.005 * E8
    lam, rho = PRICES.value("sediment_deposition_coefficient"), PRICES.value("soil_bulk_density")
    cn, cp = PRICES.value("soil_nitrogen_content"), PRICES.value("soil_phosphorus_content")
    assert abs(s.sediment_avoided(a_s, lam, rho) - 10.03 * E8) <= lam * da / rho + 0.005 * E8
    assert abs(s.nutrient_retained(a_s, cn) - 1437.94 * E4) <= cn * da + 0.005 * E4
    assert abs(s.nutrient_retained(a_s, cp) - 419.72 * E4) <= cp * da + 0.005 * E4
    # sand: 779.42 万t / (1.28 t/m³ × 0.1 m) = 60.89 km², × 3.75 yuan/m² = 2.2835 亿元
    area = s.sand_fixation_area(SAND_T, PRICES.value("sand_bulk_density"), PRICES.value("sand_cover_thickness"))
    assert round(area / 1e6, 2) == 60.89
    assert abs(gv.value_of(area, "m2", PRICES.value("sand_control_cost"), "yuan/m2") - SAND_VALUE * E8) <= 0.0001 * E8
    # reservoirs: total capacity about 0.03 亿m³ × 0.35 → 0.01 亿m³ for any capacity printed as 0.03
    for cap in (0.025, 0.03, 0.035):
        assert round(s.reservoir_flood_storage(cap * E8) / E8, 2) == 0.01
    # marshes: about 70 % of the 2864.27 km² of wetland (Table 1) × 0.3 m = 6.00 亿m³, in m³
    share = 6.00 * E8 / s.marsh_flood_storage(2864.27)
    assert 0.695 <= share <= 0.705


def _printed_table(domestic_water: float) -> pd.DataFrame:
    recs = [dict(district="甘孜州", ecosystem="all", **{"class": c}, service=sv, indicator=ind,
                 output_value_yuan=(domestic_water if ind == "domestic" else v) * E8)
            for c, sv, ind, _, _, _, _, v in PRICED]
    recs += [dict(district="甘孜州", ecosystem="all", **{"class": "regulating"}, service="sand_fixation",
                  indicator="sand", output_value_yuan=SAND_VALUE * E8)]
    recs += [dict(district="甘孜州", ecosystem="all", **{"class": c}, service=sv, indicator=ind,
                  output_value_yuan=v * E8) for c, sv, ind, v in VALUED]
    return gv.value_table(gv.rows(recs))


def test_class_totals_and_gep() -> None:
    valued = _printed_table(domestic_water=1.36 * 2.6)
    by_class = gv.gep_by(valued, ["class"]) / E8
    assert round(by_class["provisioning"], 2) == 632.64
    assert round(by_class["regulating"], 2) == 6842.28  # 病虫害控制 included (printed under 文化服务)
    assert round(by_class["cultural"], 2) == 70.67
    assert round(gv.gep(valued) / E8, 2) == 7545.59
    shares = gv.class_shares(valued)
    assert round(100 * shares["provisioning"], 2) == 8.38
    assert round(100 * shares["regulating"], 2) == 90.68
    assert round(100 * shares["cultural"], 2) == 0.94


def test_the_printed_domestic_water_value_shifts_the_last_digit() -> None:
    valued = _printed_table(domestic_water=3.5400)
    assert round(gv.gep_by(valued, ["class"])["provisioning"] / E8, 2) == 632.65
    assert round(gv.gep(valued) / E8, 2) == 7545.60


def test_service_totals_and_shares() -> None:
    valued = _printed_table(domestic_water=1.36 * 2.6)
    svc = gv.gep_by(valued, ["service"]) / E8
    printed = {"water_conservation": 2269.71, "soil_retention": 399.60, "sand_fixation": 2.28,
               "flood_regulation": 59.56, "air_purification": 0.03, "water_purification": 0.04,
               "climate_regulation": 2157.86, "pest_control": 13.93, "recreation": 70.67, "hydropower": 50.51}
    for k, v in printed.items():
        assert round(svc[k], 2) == v, k
    assert round(svc["carbon_sequestration"] + svc["oxygen_release"], 2) == 1939.27
    assert round(svc["water_supply"], 2) == 545.36
    gep = gv.gep(valued) / E8
    assert round(100 * svc["water_conservation"] / gep, 2) == 30.08
    assert round(100 * svc["climate_regulation"] / gep, 2) == 28.60
    core = svc["water_conservation"] + svc["climate_regulation"] + svc["carbon_sequestration"] + svc["oxygen_release"]
    assert round(100 * core / gep, 2) == 84.38


# Table 4, value by ecosystem (亿元): forest, shrub, grassland, wetland, farmland, town, glacier/snow, bare land
ECOSYSTEMS = ("forest", "shrub", "grassland", "wetland", "farmland", "town", "glacier_snow", "bare_land")
TABLE4 = {
    "provisioning": (2.38, 0, 22.07, 595.90, 12.29, 0, 0, 0),
    "water_conservation": (616.93, 617.09, 993.56, 33.56, 2.59, 0.10, 0.14, 5.74),
    "soil_retention": (145.21, 97.74, 143.71, 1.30, 3.32, 0.07, 4.34, 3.91),
    "sand_fixation": (0.23, 0.34, 1.49, 0.06, 0.02, 0.001, 0.002, 0.14),
    "flood_regulation": (0, 0, 0, 59.56, 0, 0, 0, 0),
    "air_purification": (0, 0, 0, 0.03, 0, 0, 0, 0),
    "water_purification": (0, 0, 0, 0.04, 0, 0, 0, 0),
    "carbon_oxygen": (722.30, 450.03, 684.67, 29.91, 24.07, 0.83, 1.12, 26.34),
    "climate_regulation": (666.68, 309.16, 507.68, 674.34, 0, 0, 0, 0),
    "pest_control": (5.93, 0, 8.00, 0, 0, 0, 0, 0),
    "recreation": (16.33, 16.51, 36.37, 1.46, 0, 0, 0, 0),
}
TABLE4_TOTALS = (2176.00, 1490.88, 2397.56, 1396.13, 42.29, 1.00, 5.60, 36.13)
TABLE4_SERVICE_TOTALS = {"provisioning": 632.64, "water_conservation": 2269.71, "soil_retention": 399.60,
                         "sand_fixation": 2.28, "carbon_oxygen": 1939.27, "climate_regulation": 2157.86,
                         "pest_control": 13.93, "recreation": 70.67}


def test_gep_by_ecosystem_adds_up_as_table_4() -> None:
    recs = [dict(district="甘孜州", ecosystem=eco, **{"class": "provisioning" if sv == "provisioning" else
                                                         "cultural" if sv == "recreation" else "regulating"},
                 service=sv, indicator=sv, output_value_yuan=v * E8)
            for sv, vals in TABLE4.items() for eco, v in zip(ECOSYSTEMS, vals, strict=True) if v]
    valued = gv.value_table(gv.rows(recs))
    by_eco = gv.gep_by(valued, ["ecosystem"]) / E8
    n = len(TABLE4)
    for eco, total in zip(ECOSYSTEMS, TABLE4_TOTALS, strict=True):
        # each printed cell is rounded to 0.005 (0.0005 for the 3-decimal cells), and so is the total
        assert abs(by_eco[eco] - total) <= 0.005 * (n + 1), eco
    by_svc = gv.gep_by(valued, ["service"]) / E8
    for sv, total in TABLE4_SERVICE_TOTALS.items():
        assert abs(by_svc[sv] - total) <= 0.005 * (len(ECOSYSTEMS) + 1), sv
    assert math.isclose(by_eco.sum() * E8, gv.gep(valued), rel_tol=1e-12)
    assert abs(gv.gep(valued) / E8 - 7545.59) <= 0.005 * (len(recs) + 1)
    # the paper's own statement: grassland, forest, shrub and wetland are 98.87 % of GEP
    four = sum(TABLE4_TOTALS[:4])
    assert round(100 * four / 7545.59, 2) == 98.87


def test_the_carbon_price_basis_is_checked() -> None:
    """Ganzi prices CO2 (t CO2); pricing a carbon mass (t C) with it is refused."""
    assert _unit("carbon_price") == "yuan/tCO2"
    with pytest.raises(ValueError, match="cannot be priced"):
        gv.value_of(0.31, "1e8 tC", 380, "yuan/tCO2")


def test_water_supply_and_water_conservation_trip_the_double_count_guard() -> None:
    valued = gv.value_table(_priced_table())
    probs = gv.double_count_problems(valued)
    # Table 3 values water supply, flood regulation and hydropower beside water conservation
    assert {p.value for p in probs} == {"甘孜州: water_conservation + water_supply",
                                        "甘孜州: water_conservation + flood_regulation",
                                        "甘孜州: water_conservation + hydropower"}
    assert all(p.code == "V008" and p.severity == "warning" for p in probs)
    accepted = gv.double_count_problems(valued, accepted=list(gv.DOUBLE_COUNT_PAIRS))
    assert accepted == []
