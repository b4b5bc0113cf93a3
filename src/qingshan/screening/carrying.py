"""The carrying-capacity state of a project's district, for the rule ``R-CARRYING`` (区域限批;
docs/screening.md, "Carrying-capacity red zones").

The state is that of the district's **latest carrying-capacity evaluation up to the year of
the application date**: the latest year of ``carrying_inputs`` not after it in which at least
one element of the district is assessed (a row with none is a process base only), evaluated
by the engine of the carrying page and of ``qingshan carrying``
(:class:`qingshan.environment.carrying.Engine`) under the rule file the profile selects for
that year (``environment.carrying_capacity``). So a project applied for in 2026 is screened
against the 2025 evaluation, and one applied for in 2022 against the evaluation known then.

A district whose state cannot be known is said so (``evaluated`` false, with why): no
carrying inputs in the package, no rule file selected, no evaluation of the district up to
that year, a district the city does not have. It is never taken as green.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qingshan.environment.carrying import Engine, Evaluation, monitoring_of
from qingshan.environment.carrying_rules import CarryingRules, carrying_rules
from qingshan.methods import carrying_capacity as cc

#: the package tables the evaluation reads (as documents/carrying.py)
TABLES = ("carrying_inputs", "carrying_national_rates", "air_stations", "air_daily", "water_sections",
          "water_samples")
#: the profile key of the carrying rule file
KEY = "environment.carrying_capacity"


@dataclass(frozen=True)
class DistrictState:
    """A district's latest carrying-capacity evaluation (``evaluated``), or why there is none
    (``why_zh``, ``why_en``)."""

    district_id: str | None
    name: str | None
    evaluated: bool
    why_zh: str = ""
    why_en: str = ""
    year: int | None = None
    rules: str | None = None  # the carrying rule file: name and version
    load: str | None = None
    load_determined: bool = False
    trend: str | None = None
    colour: str | None = None
    colour_reason_zh: str = ""
    colour_reason_en: str = ""
    factors: tuple[str, ...] = ()
    factor_basis: str | None = None
    transition: dict[str, Any] = field(default_factory=dict)
    red_zone: dict[str, str] = field(default_factory=dict)

    @property
    def measure(self) -> str | None:
        """The change-of-class measure (``as_red``, ``single_element``, ``reward``) or ``None``."""
        m = self.transition.get("measure")
        return None if m is None else str(m)

    @property
    def restricted(self) -> bool:
        """A red zone, or a district handled like one (a change of class whose measure is
        ``as_red``: 意见 二(三), from 临界超载 to 超载)."""
        return self.evaluated and (self.colour == "red" or self.measure == "as_red")

    def as_numbers(self) -> dict[str, Any]:
        """The state as a reason's numbers."""
        return {"district_id": self.district_id, "district_name": self.name, "evaluated": self.evaluated,
                "year": self.year, "carrying_rules": self.rules, "load": self.load,
                "load_determined": self.load_determined, "trend": self.trend, "colour": self.colour,
                "overload_factors": list(self.factors), "factor_basis": self.factor_basis,
                "transition": self.transition.get("kind"), "transition_from": self.transition.get("from"),
                "transition_to": self.transition.get("to"), "measure": self.measure}


class CarryingSource:
    """The carrying-capacity evaluations of one package, by district and year, under the
    rule file ``rules_for(year)`` names (``None``: none selected). Engines and evaluations
    are kept, so a second project of the same district costs nothing."""

    def __init__(self, tables: Mapping[str, pd.DataFrame], rules_for: Callable[[int], str | None]) -> None:
        self.tables = {t: tables[t] for t in TABLES if t in tables and tables[t] is not None}
        self.rules_for = rules_for
        ent = tables["entities"] if "entities" in tables else pd.DataFrame(columns=["entity_id", "entity_type",
                                                                                     "name"])
        d = ent[ent["entity_type"].astype(str) == "district"]
        self.names = dict(zip(d["entity_id"].astype(str), d["name"].astype(str), strict=True))
        self._engines: dict[str, tuple[Engine, CarryingRules]] = {}
        self._states: dict[tuple[str | None, int], DistrictState] = {}

    def _engine(self, name: str) -> tuple[Engine, CarryingRules]:
        if name not in self._engines:
            rules = carrying_rules(name)
            self._engines[name] = (Engine(self.tables["carrying_inputs"],
                                          self.tables.get("carrying_national_rates", pd.DataFrame()),
                                          monitoring_of(self.tables), sorted(self.names), rules), rules)
        return self._engines[name]

    def state(self, district: str | None, year: int) -> DistrictState:
        """The state of ``district`` by its latest evaluation up to ``year``."""
        key = (district, year)
        if key not in self._states:
            self._states[key] = self._state(district, year)
        return self._states[key]

    def _state(self, district: str | None, year: int) -> DistrictState:
        name = self.names.get(district or "")

        def none(zh: str, en: str) -> DistrictState:
            return DistrictState(district, name, False, zh, en)

        if district is None:
            return none("项目未给出所在区县或园区", "the project names no district or park")
        inputs = self.tables.get("carrying_inputs")
        if inputs is None or inputs.empty:
            return none("数据包没有资源环境承载能力评价数据", "the package has no carrying-capacity inputs")
        if district not in self.names:
            return none(f"区县 {district} 不是本市的区县", f"{district} is not a district of the city")
        years = sorted({int(y) for y in pd.to_numeric(inputs.loc[inputs["district_id"].astype(str) == district,
                                                                  "year"], errors="coerce").dropna()})
        earlier = [y for y in years if y <= year]
        if not earlier:
            return none(f"{name} 在 {year} 年及以前没有承载能力评价数据",
                        f"{name} has no carrying-capacity inputs up to {year}")
        ruled = False  # some candidate year has a rule file (a year without is skipped)
        for y in reversed(earlier):
            rule_name = self.rules_for(y)
            if rule_name is None:
                continue
            ruled = True
            engine, rules = self._engine(rule_name)
            ev = engine.evaluate(district, y)
            if ev.is_evaluation:
                return self._evaluated(ev, name, rules)
        if not ruled:
            return none(f"配置未为 {earlier[-1]} 年及以前选择资源环境承载能力规则",
                        f"the profile selects no carrying-capacity rules up to {earlier[-1]}")
        return none(f"{name} 在 {year} 年及以前没有任何要素得到评价",
                    f"no element of {name} is assessed up to {year}")

    @staticmethod
    def _evaluated(ev: Evaluation, name: str | None, rules: CarryingRules) -> DistrictState:
        colour = ev.colour or cc.Colour(None, "", "")
        return DistrictState(ev.district_id, name, True, year=ev.year, rules=f"{rules.name} v{rules.version}",
                             load=ev.integration.load, load_determined=ev.integration.determined,
                             trend=ev.process.trend if ev.process else None, colour=colour.colour,
                             colour_reason_zh=colour.reason_zh, colour_reason_en=colour.reason_en,
                             factors=tuple(ev.integration.factors), factor_basis=ev.integration.factor_basis,
                             transition=ev.transition.as_dict() if ev.transition else {},
                             red_zone=dict(rules.red_zone))
