"""The indicator catalogue of 亩均 evaluation (``indicators.csv``): every indicator a scheme
may use, as numerator ÷ denominator of an enterprise-year's base quantities, with its unit,
direction and the document that defines it.

Base quantities (columns of the evaluation input, :mod:`qingshan.evaluation.inputs`):

=====================  ===========================================================
tax_10k_yuan           税收 (评价税收), 万元
value_added_10k_yuan   工业增加值, 万元
revenue_10k_yuan       营业收入 (主营业务收入), 万元
rd_expense_10k_yuan    研发经费支出, 万元
employees              年平均职工人数
land_area_mu           用地面积, 亩
energy_tce             综合能耗, 当量值, tce (GB/T 2589-2020)
energy_tce_equal       综合能耗, 等价值, tce
electricity_10k_kwh    用电量, 万kWh
pollutants_t           主要污染物排放量, t (the scheme names the pollutants)
co2_t                  CO2, t (the carbon-efficiency config names the scope)
=====================  ===========================================================
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Direction = Literal["higher", "lower"]

BASE_QUANTITIES: tuple[str, ...] = (
    "tax_10k_yuan", "value_added_10k_yuan", "revenue_10k_yuan", "rd_expense_10k_yuan", "employees",
    "land_area_mu", "energy_tce", "energy_tce_equal", "electricity_10k_kwh", "pollutants_t", "co2_t",
)


@dataclass(frozen=True)
class Indicator:
    """One indicator: ``scale × numerator / denominator``."""

    id: str
    zh: str
    en: str
    numerator: str
    denominator: str
    scale: float
    unit: str
    unit_zh: str
    direction: Direction
    source: str


@cache
def indicators() -> dict[str, Indicator]:
    """The catalogue, keyed by indicator id, in file order."""
    text = resources.files("qingshan.evaluation").joinpath("indicators.csv").read_text("utf-8")
    out: dict[str, Indicator] = {}
    for row in csv.DictReader(text.splitlines()):
        direction = row["direction"]
        if direction not in ("higher", "lower"):
            raise AssertionError(f"indicators.csv: {row['indicator']}: direction {direction!r}")
        for q in (row["numerator"], row["denominator"]):
            if q not in BASE_QUANTITIES:
                raise AssertionError(f"indicators.csv: {row['indicator']}: unknown base quantity {q!r}")
        out[row["indicator"]] = Indicator(
            id=row["indicator"], zh=row["zh"], en=row["en"], numerator=row["numerator"],
            denominator=row["denominator"], scale=float(row["scale"]), unit=row["unit"],
            unit_zh=row["unit_zh"], direction="higher" if direction == "higher" else "lower",
            source=row["definition_source"])
    return out
