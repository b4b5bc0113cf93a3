"""The 用能权 a new project must buy, and its price (``R-ENERGY-RIGHT``; docs/screening.md,
docs/registries.md "Allocation").

The formulas are the jurisdiction's allocation rule file (profile key
``registry.allocation``, :mod:`qingshan.registry.allocation`): the quota (e.g. 豫发改环资〔2022〕
586号 Art. 4: A × B × C ÷ P, for 两高 projects, energy reckoned at the sector's 标杆 level,
Art. 5) and the price (e.g. 石嘴山 2025: base × A × B ÷ R). The screening gives them the
project's figures: its new energy in the rule's convention and in 等价值, its coal in tce,
its value added, its 两高 status (``R-TWO-HIGH``) and its products against the 能效 table (the
``R-EFFICIENCY`` reasons' unit figures and levels); where the rule takes the provincial
denominator from the city's accounts, the city's industrial energy per value added of the
latest accounted year before the application.

The reason is a figure (``info``): buying the quota is what the project's approval
entails, not a test it passes or fails; the verdict is the other rules'.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from qingshan.registry.allocation import (
    ENERGY_BASES,
    AllocationRules,
    Param,
    ProductLevel,
    Purchase,
    as_float,
    purchase,
)
from qingshan.registry.rights import RightType
from qingshan.screening.figures import Figures
from qingshan.screening.project import Project
from qingshan.screening.rules import INFO, Reason, not_selected

RULE = "R-ENERGY-RIGHT"
#: The accounts' column of each convention.
BASIS_COLUMNS = {"equal": "energy_tce_equal", "calorific": "energy_tce"}


@dataclass(frozen=True)
class EnergyRightRules:
    """The allocation rule file in force and the right it allocates (the profile's
    ``registry.allocation`` and ``registry.rights`` for the application year)."""

    rules: AllocationRules
    right: RightType


def _dec(x: float | None) -> Decimal | None:
    return None if x is None or pd.isna(x) else Decimal(repr(float(x)))


def city_intensity(yearly: pd.DataFrame, basis: str, before: int) -> tuple[Param | None, int | None]:
    """The city's industrial energy per value added (tce per ¥10k) of the latest accounted
    year before ``before``: Σ energy ÷ Σ value added over the enterprises with a positive
    value added that year."""
    col = BASIS_COLUMNS[basis]
    have = yearly[(yearly["year"] < before) & (pd.to_numeric(yearly["value_added_10k_yuan"], errors="coerce") > 0)]
    if have.empty:
        return None, None
    year = int(have["year"].max())
    y = have[have["year"] == year]
    energy = pd.to_numeric(y[col], errors="coerce").sum()
    va = pd.to_numeric(y["value_added_10k_yuan"], errors="coerce").sum()
    value = Decimal(repr(float(energy))) / Decimal(repr(float(va)))
    zh, en = ENERGY_BASES[basis]
    return Param(value, f"the city's accounts {year}: Σ energy ({en}, {zh}) {float(energy):,.1f} tce ÷ Σ value added "
                        f"{float(va):,.1f} ×10k yuan over {len(y)} enterprises"), year


def product_levels(project: Project, reasons: list[Reason]) -> list[ProductLevel]:
    """The project's products against their 能效 rows, from the ``R-EFFICIENCY`` reasons
    (their unit figure and the 标杆 level): each product's share of the project's energy is
    its ``energy_share``, or the whole for a single product; with several products and no
    shares, none is reckoned."""
    eff = {x.numbers.get("product"): x for x in reasons if x.rule == "R-EFFICIENCY" and x.numbers.get("value")}
    out = []
    for p in project.products:
        x = eff.get(p.product)
        if x is None:
            continue
        share = p.energy_share if p.energy_share is not None else (1.0 if len(project.products) == 1 else None)
        if share is None:
            return []
        out.append(ProductLevel(p.product, Decimal(repr(share)), Decimal(repr(float(x.numbers["value"]))),
                                Decimal(repr(float(x.numbers["benchmark"]))), str(x.numbers["unit"]), x.source))
    return out


def purchase_numbers(p: Purchase, right: RightType) -> dict[str, Any]:
    """The purchase as the reason's numbers (and the screening document's ``energy_right``)."""
    return {"right": right.code, "unit": right.unit, "required": p.required, "quota_formula": p.quota_formula,
            "price_formula": p.price_formula, "quota_tce": as_float(p.quota_tce),
            "quota_exact_tce": as_float(p.quota_exact), "price_yuan_per_tce": as_float(p.price_yuan_per_tce),
            "cost_yuan": as_float(p.cost_yuan),
            "steps": [{"name": s.name, "zh": s.zh, "en": s.en, "value": as_float(s.value), "unit": s.unit,
                       "source": s.source} for s in p.steps],
            "notes": [{"zh": zh, "en": en} for zh, en in p.notes], "sources": list(p.sources)}


def energy_right(project: Project, fig: Figures, two_high: str, reasons: list[Reason], yearly: pd.DataFrame,
                 chosen: EnergyRightRules | None) -> Reason:
    """``R-ENERGY-RIGHT``: the quota the project must buy and its price, with every step; not
    made (``info``) where the profile selects no allocation rules or they have no
    ``[purchase]``."""
    if chosen is None or chosen.rules.purchase is None:
        return not_selected(RULE, "用能权购买规则", "energy-use right purchase rules")
    rules, right = chosen.rules, chosen.right
    provincial = None
    if rules.purchase is not None and rules.purchase.formula == "henan_586" and rules.purchase.provincial is None:
        provincial, _ = city_intensity(yearly, rules.energy_basis, project.application_date.year)
        if provincial is not None:
            provincial = Param(provincial.value, f"{rules.purchase.provincial_source}; {provincial.source}")
    energy = fig.energy_tce_equal if rules.energy_basis == "equal" else fig.energy_tce
    p = purchase(rules, right, energy_tce=Decimal(repr(energy)), energy_tce_equal=Decimal(repr(fig.energy_tce_equal)),
                 coal_tce=Decimal(repr(fig.coal_tce)), value_added_10k_yuan=_dec(project.value_added),
                 two_high=two_high, industry_code=project.industry_code, levels=product_levels(project, reasons),
                 provincial=provincial)
    assert p is not None
    return Reason(RULE, INFO, p.zh, p.en, purchase_numbers(p, right), "; ".join(p.sources))
