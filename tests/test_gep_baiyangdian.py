"""Baiyangdian wetland (白洋淀) 2011 final-service values reproduced from the paper's quantities
and prices.

Source: 江波, 陈媛媛, 肖洋, 赵娟娟, 欧阳志云 (2017) 白洋淀湿地生态系统最终服务价值评估. 生态学报
37(8):2497–2505 (ChinaXiv 201704.00322), §2 and Table 3 (values in 10⁸ yuan to 2 decimals).
Every number below was read there.

Carbon: the paper labels its fixation quantity "CO2", but 3.74 × 10⁴ t of reed × 1.63 =
6.10 × 10⁴ t CO2, and × 12/44 = 1.66 × 10⁴ t C, which is the printed quantity; its price is
1320 yuan per t of carbon, and 1.66 × 10⁴ × 1320 = 0.22 × 10⁸ yuan as printed.
"""

from __future__ import annotations

import pandas as pd
import pytest

from qingshan.ecology.prices import load_price_set
from qingshan.methods import gep_services as s
from qingshan.methods import gep_value as gv

E8, E4 = 1e8, 1e4
PRICES = load_price_set("baiyangdian_2011")
REED_T = 3.74 * E4  # 2011 reed harvest (dry matter), §2.1.2 and §2.2.2
HALF_2DP = 0.005  # half a unit of the 2nd decimal


def _table() -> pd.DataFrame:
    p = PRICES.value
    reed_price = 0.4 * p("reed_price_grade1") + 0.4 * p("reed_price_grade2") + 0.2 * p("reed_price_grade3")
    flood = (0.81 + (2.90 - 1.26)) * E8  # two flood periods of 2012, §2.2.1
    recreation = s.recreation_value(135 * E4, p("travel_expense_per_visit"), p("time_cost_per_visit"),
                                    p("consumer_surplus_per_visit"))
    base = {"district": "白洋淀", "ecosystem": "wetland"}
    recs = [
        {**base, "class": "provisioning", "service": "aquatic_products", "indicator": "output value",
         "quantity": 3.08 * E4, "quantity_unit": "t", "output_value_yuan": 3.62 * E8},
        {**base, "class": "provisioning", "service": "raw_materials", "indicator": "reed", "quantity": REED_T,
         "quantity_unit": "t", "price": reed_price, "price_unit": "yuan/t"},
        {**base, "class": "provisioning", "service": "water_supply", "indicator": "supply", "quantity": 0.98,
         "quantity_unit": "1e8 m3", "price": p("water_price"), "price_unit": "yuan/m3"},
        {**base, "class": "regulating", "service": "flood_regulation", "indicator": "storage", "quantity": flood,
         "quantity_unit": "m3", "price": p("reservoir_storage_cost"), "price_unit": "yuan/m3"},
        {**base, "class": "regulating", "service": "carbon_sequestration", "indicator": "C",
         "quantity": s.carbon_of_co2(s.co2_fixed(REED_T)), "quantity_unit": "tC", "price": p("carbon_price"),
         "price_unit": PRICES.get("carbon_price").unit},
        {**base, "class": "regulating", "service": "oxygen_release", "indicator": "O2",
         "quantity": s.o2_released(REED_T), "quantity_unit": "t", "price": p("oxygen_price"),
         "price_unit": "yuan/t"},
        {**base, "class": "cultural", "service": "recreation", "indicator": "travel cost",
         "output_value_yuan": recreation},
        {**base, "class": "cultural", "service": "non_use", "indicator": "CVM", "output_value_yuan": 0.98 * E8},
    ]
    return gv.value_table(gv.rows(recs))


PRINTED = {"aquatic_products": 3.62, "raw_materials": 1.67, "water_supply": 0.49, "flood_regulation": 14.97,
           "carbon_sequestration": 0.22, "oxygen_release": 0.45, "recreation": 13.15, "non_use": 0.98}
PRINTED_SHARES = {"aquatic_products": 10.18, "raw_materials": 4.70, "water_supply": 1.38, "flood_regulation": 42.11,
                  "carbon_sequestration": 0.62, "oxygen_release": 1.26, "recreation": 36.99, "non_use": 2.76}


def test_physical_quantities() -> None:
    assert round(s.co2_fixed(REED_T) / E4, 2) == 6.10  # t CO2
    assert round(s.carbon_of_co2(s.co2_fixed(REED_T)) / E4, 2) == 1.66  # t C: the printed "固碳量"
    assert round(s.o2_released(REED_T) / E4, 2) == 4.49
    assert round(0.81 + (2.90 - 1.26), 2) == 2.45


def test_each_service_value() -> None:
    svc = gv.gep_by(_table(), ["service"]) / E8
    for k, v in PRINTED.items():
        assert round(svc[k], 2) == v, k


def test_hand_worked_values() -> None:
    # reed: 3.74e4 t × (0.4·7000 + 0.4·4000 + 0.2·300 = 4460 yuan/t) = 1.66804e8
    # flood: 2.45e8 m³ × 6.11 = 14.9695e8; O2: 4.488e4 t × 1000 = 0.4488e8
    # recreation: 135e4 × (52.47 + 343.33 + 578.03 = 973.83) = 13.146705e8
    svc = gv.gep_by(_table(), ["service"])
    assert svc["raw_materials"] == pytest.approx(1.66804e8, rel=1e-12)
    assert svc["flood_regulation"] == pytest.approx(14.9695e8, rel=1e-12)
    assert svc["oxygen_release"] == pytest.approx(0.4488e8, rel=1e-12)
    assert svc["recreation"] == pytest.approx(13.146705e8, rel=1e-12)


def test_class_totals_shares_and_unit_area_value() -> None:
    valued = _table()
    by_class = gv.gep_by(valued, ["class"]) / E8
    assert round(by_class["provisioning"], 2) == 5.78
    assert round(by_class["regulating"], 2) == 15.64
    assert round(by_class["cultural"], 2) == 14.13
    # the paper adds its rounded service values: 3.62 + 1.67 + 0.49 + 14.97 + 0.22 + 0.45 + 13.15 +
    # 0.98 = 35.55; the unrounded values add to 35.5425 (35.54)
    svc = gv.gep_by(valued, ["service"]) / E8
    total = sum(round(v, 2) for v in svc)
    assert round(total, 2) == 35.55
    assert round(gv.gep(valued) / E8, 2) == 35.54
    # class shares as printed: rounded class totals over 35.55 (5.78/35.55, 15.64/35.55, 14.13/35.55)
    printed_shares = {"provisioning": 16.26, "regulating": 43.99, "cultural": 39.75}
    for k, v in printed_shares.items():
        assert round(100 * round(by_class[k], 2) / total, 2) == v, k
    # class_shares on the unrounded values agrees to the rounding of the printed values
    shares = gv.class_shares(valued)
    for k, v in printed_shares.items():
        assert abs(100 * shares[k] - v) <= 0.005 + 100 * 3 * HALF_2DP / 35.55, k
    # per-service shares: the paper divides values it rounded to 0.01 × 10⁸ in some rows and not in
    # others (O2: 0.4488/35.55 = 1.26 %, 0.45/35.55 = 1.27 %), so a share is known to ±0.005/35.55
    for k, v in PRINTED_SHARES.items():
        assert abs(100 * svc[k] / total - v) <= 0.005 + 100 * HALF_2DP / 35.55, k
    # 22.60 × 10⁴ yuan/hm² over 157.29 km² (15 729 hm²)
    assert round(total * E8 / 15729 / E4, 2) == 22.60
    assert round(gv.gep(valued) / 15729 / E4, 2) == 22.60


def test_pricing_co2_with_a_per_carbon_price_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be priced"):
        gv.value_of(s.co2_fixed(REED_T), "tCO2", 1320, "yuan/tC")
    # what the slip would give: 6.10e4 t × 1320 = 0.80e8, not the printed 0.22e8
    assert round(s.co2_fixed(REED_T) * 1320 / E8, 2) == 0.80


def test_the_price_set_records_the_carbon_basis_and_years() -> None:
    c = PRICES.get("carbon_price")
    assert (c.value, c.unit, c.price_year) == (1320, "yuan/tC", 2011)
    assert PRICES.get("reservoir_storage_cost").value == 6.11
    assert PRICES.get("oxygen_price").value == 1000
