"""Every indicator of evaluation/indicators.csv computed through the shipped catalogue for one
firm whose figures are written out, against the value worked by hand from the indicator's
definition (issue #15, item 4: the `scale` of six indicators could be wrong with no test
failing). Each definition is the one its `definition_source` quotes, e.g. 黄岩区工业企业综合评价
得分计算说明 (2022): 亩均税收 = 评价税收 / 用地面积."""

from __future__ import annotations

import pandas as pd
import pytest

from qingshan.evaluation.catalogue import indicators
from qingshan.methods.mujun_scoring import indicator_values

FIRM = {  # one firm, units as the package holds them
    "tax_10k_yuan": 300.0, "value_added_10k_yuan": 2000.0, "revenue_10k_yuan": 8000.0,
    "rd_expense_10k_yuan": 240.0, "employees": 100.0, "land_area_mu": 50.0, "energy_tce": 1000.0,
    "energy_tce_equal": 1250.0, "electricity_10k_kwh": 400.0, "pollutant_so2_t": 3.0, "pollutant_nox_t": 5.0,
    "co2_t": 2500.0,
}
POLLUTANTS = ("so2", "nox")  # 3 t + 5 t = 8 t of main pollutants

# indicator: (value worked by hand, its unit)
BY_HAND = {
    "tax_per_mu": (300 / 50, "10k yuan/mu"),                  # 6.0 万元/亩
    "va_per_mu": (2000 / 50, "10k yuan/mu"),                  # 40 万元/亩
    "revenue_per_mu": (8000 / 50, "10k yuan/mu"),             # 160 万元/亩
    "va_per_energy_equal": (2000 / 1250, "10k yuan/tce"),     # 1.6 万元/tce (等价值)
    "va_per_energy": (2000 / 1000, "10k yuan/tce"),           # 2.0 万元/tce (当量值)
    "revenue_per_energy": (8000 / 1000, "10k yuan/tce"),      # 8.0 万元/tce
    "va_per_pollutant": (2000 / 8, "10k yuan/t"),             # 250 万元/t
    "revenue_per_pollutant": (8000 / 8, "10k yuan/t"),        # 1 000 万元/t
    "va_per_employee": (2000 / 100, "10k yuan/person"),       # 20 万元/人
    "rd_share": (240 / 8000, "fraction"),                     # 0.03 (3 %)
    "tax_per_electricity": (300 / 400, "yuan/kWh"),           # 0.75 万元/万kWh = 0.75 元/kWh
    "tax_per_energy": (300 / 1000, "10k yuan/tce"),           # 0.3 万元/tce
    "co2_per_va": (2500 / 2000, "tCO2/10k yuan"),             # 1.25 tCO2/万元
}


def test_the_catalogue_holds_exactly_these_indicators() -> None:
    assert list(indicators()) == list(BY_HAND)


@pytest.mark.parametrize("name", list(BY_HAND))
def test_indicator_by_hand(name: str) -> None:
    ind = indicators()[name]
    want, unit = BY_HAND[name]
    got = indicator_values(pd.DataFrame([FIRM]), ind.numerator, ind.denominator, ind.scale, POLLUTANTS)
    assert got.iloc[0] == pytest.approx(want, rel=1e-12)
    assert ind.unit == unit
    # every numerator and denominator is held in the unit that makes the ratio the stated unit
    # (万元 / 亩 = 万元/亩; 万元 / 万kWh = 元/kWh), so no indicator needs a scale other than 1
    assert ind.scale == 1.0


def test_a_missing_or_zero_denominator_gives_no_value() -> None:
    ind = indicators()["tax_per_mu"]
    frame = pd.DataFrame([{**FIRM, "land_area_mu": 0.0}, {**FIRM, "land_area_mu": None}])
    got = indicator_values(frame, ind.numerator, ind.denominator, ind.scale, POLLUTANTS)
    assert got.isna().all()
