"""Targets as data: a TOML file of ``[[targets]]``, each naming the entity, the indicator,
base and target years, the target change or value, the exclusions in force and its source.
Every problem of the file is collected (codes T0xx, :mod:`qingshan.rulefile`) before
anything runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qingshan.rulefile import Checker, read_rule_file

#: indicator → (computed from the accounts?, unit)
INDICATORS: dict[str, tuple[bool, str]] = {
    "energy_intensity_iva": (True, "tce/10k yuan"),   # 单位工业增加值能耗
    "carbon_intensity_iva": (True, "tCO2/10k yuan"),  # 单位工业增加值二氧化碳排放
    "total_energy": (True, "tce"),                    # 能源消费总量 (enterprises of the package)
    "total_co2": (True, "tCO2"),                      # 二氧化碳排放总量
    "energy_intensity_gdp": (False, "tce/10k yuan"),  # 单位GDP能耗: regional statistics, given as observed
    "carbon_intensity_gdp": (False, "tCO2/10k yuan"),
    "non_fossil_share": (False, "share"),             # 非化石能源消费比重
    "plain": (False, ""),                             # any counted indicator (green factories, …)
}
LEVELS = ("city", "district", "park")


@dataclass(frozen=True)
class Target:
    id: str
    zh: str
    en: str
    level: str
    entity: str
    indicator: str
    base_year: int
    target_year: int
    target_change: float  # relative change from the base value, e.g. −0.17
    source: str
    base_value: float | None = None
    exclude_feedstock: bool = False
    exclude_new_renewables: bool = False
    renewable_base_year: int = 2020
    unit: str = ""
    observed: dict[int, float] = field(default_factory=dict)

    @property
    def computed(self) -> bool:
        return INDICATORS[self.indicator][0]


TARGETS_PACKAGE, TARGETS_FOLDER = "qingshan.targets", "plans"
TARGET_KEYS = ("id", "zh", "en", "level", "entity", "indicator", "base_year", "target_year", "target_change",
               "target_value", "base_value", "exclude_feedstock", "exclude_new_renewables", "renewable_base_year",
               "unit", "observed", "source")


@dataclass(frozen=True)
class TargetsFile:
    """A targets file: its targets and the value-added growth it assumes to the target
    year (``[assumptions] growth``, ``None`` if not given)."""

    targets: list[Target]
    growth: float | None
    growth_source: str
    label: str
    digest: str


def load_targets(source: str | Path) -> list[Target]:
    """The targets of a built-in file (``"demo_targets"``) or of a file
    (:class:`~pathlib.Path`); every problem is collected (codes T0xx)."""
    return load_targets_file(source).targets


def load_targets_file(source: str | Path) -> TargetsFile:
    """:func:`load_targets` with the file's ``[assumptions]``."""
    rf = read_rule_file(source, package=TARGETS_PACKAGE, folder=TARGETS_FOLDER, code="T")
    raw = rf.raw
    c = Checker(rf.label, "T010")
    c.only(raw, ("targets", "assumptions"))
    a = c.table(raw, "assumptions", required=False)
    c.only(a, ("growth", "growth_source"), "assumptions")
    growth = c.number(a, "growth", "assumptions", required=False, lo=-1.0, hi=1.0)
    growth_source = c.text(a, "growth_source", "assumptions", required=growth is not None)
    out = [t for i, d in enumerate(c.tables(raw, "targets")) if (t := _target(c, d, f"targets[{i}]"))]
    c.unique([t.id for t in out], "targets.id", "目标代码", "target id")
    c.raise_if_any()
    return TargetsFile(targets=out, growth=growth, growth_source=growth_source, label=rf.label, digest=rf.digest)


def _target(c: Checker, d: dict[str, Any], where: str) -> Target | None:
    n0 = len(c.problems)
    c.only(d, TARGET_KEYS, where)
    tid, zh, en, entity, source = (c.text(d, k, where) for k in ("id", "zh", "en", "entity", "source"))
    level = c.one_of(d, "level", LEVELS, where)
    ind = c.one_of(d, "indicator", tuple(INDICATORS), where)
    by = c.integer(d, "base_year", where, lo=1990, hi=2100)
    ty = c.integer(d, "target_year", where, lo=1990, hi=2100)
    if by is not None and ty is not None and ty <= by:
        c.problem(f"{where}.target_year", ty, "晚于 base_year 的年份", "a year after base_year")
    has_change, has_value = d.get("target_change") is not None, d.get("target_value") is not None
    if has_change == has_value:
        c.problem(f"{where}.target_change", d.get("target_change"), "target_change（相对变化）与 target_value 二者给一",
                  "exactly one of target_change (relative change) and target_value")
    base = c.number(d, "base_value", where, required=has_value)
    if base is not None and base <= 0:
        c.problem(f"{where}.base_value", base, "正数", "a positive number")
    value = c.number(d, "target_value", where, required=False)
    change = c.number(d, "target_change", where, required=False)
    if change is not None and change <= -1:
        c.problem(f"{where}.target_change", change, "大于 −1 的相对变化（如 −0.17）",
                  "a relative change above −1 (e.g. −0.17)")
    excl_feed = c.flag(d, "exclude_feedstock", where)
    excl_new = c.flag(d, "exclude_new_renewables", where)
    ren_year = c.integer(d, "renewable_base_year", where, required=False, default=2020, lo=1990, hi=2100) or 2020
    unit = c.text(d, "unit", where, required=False, default=INDICATORS[ind][1] if ind else "")
    obs_raw = c.table(d, "observed", where, required=False)
    observed: dict[int, float] = {}
    for k in obs_raw:
        x = c.number(obs_raw, k, f"{where}.observed")
        if not str(k).isdigit():
            c.problem(f"{where}.observed.{k}", k, "{年份 = 数值}", "{year = number}")
        elif x is not None:
            observed[int(k)] = x
    if ind and not INDICATORS[ind][0] and not obs_raw:
        c.problem(f"{where}.observed", None, "该指标不能由企业数据算出，须给出各年观测值",
                  "observed values by year (this indicator is not computed from enterprise data)")
    if len(c.problems) > n0 or by is None or ty is None:
        return None
    if change is None:
        change = float(value or 0.0) / float(base or 1.0) - 1.0
    return Target(id=tid, zh=zh, en=en, level=level, entity=entity, indicator=ind, base_year=by, target_year=ty,
                  target_change=float(change), source=source, base_value=base, exclude_feedstock=excl_feed,
                  exclude_new_renewables=excl_new, renewable_base_year=ren_year, unit=unit, observed=observed)
