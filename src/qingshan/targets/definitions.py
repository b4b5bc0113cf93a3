"""Targets as data: a TOML file of ``[[targets]]``, each naming the entity, the indicator,
base and target years, the target change or value, the exclusions in force and its source.
Every problem of the file is collected (codes T0xx) before anything runs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qingshan.errors import Problem, ValidationError

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


def load_targets(path: str | Path) -> list[Target]:
    p = Path(path)
    label = p.name
    try:
        raw = tomllib.loads(p.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([Problem("T001", label, None, None, None, f"可读的文件：{exc}",
                                       f"a readable file: {exc}")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem("T002", label, None, None, None, f"合法的 TOML：{exc}",
                                       f"valid TOML: {exc}")]) from exc
    problems: list[Problem] = []
    out = [t for i, d in enumerate(raw.get("targets", [])) if (t := _target(d, f"targets[{i}]", label, problems))]
    ids = [t.id for t in out]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        problems.append(Problem("T010", label, None, "targets.id", dup, "不重复的目标代码", "a unique target id"))
    if not raw.get("targets"):
        problems.append(Problem("T010", label, None, "targets", None, "至少一个 [[targets]]",
                                "at least one [[targets]]"))
    if problems:
        raise ValidationError(problems)
    return out


def _target(d: dict[str, Any], where: str, label: str, problems: list[Problem]) -> Target | None:
    n0 = len(problems)

    def bad(key: str, value: Any, zh: str, en: str) -> None:
        problems.append(Problem("T010", label, None, f"{where}.{key}", None if value is None else str(value), zh, en))

    for key in ("id", "zh", "en", "entity", "source"):
        if not isinstance(d.get(key), str) or not d.get(key):
            bad(key, d.get(key), "必填的文字", "a required text")
    level = d.get("level")
    if level not in LEVELS:
        bad("level", level, "city、district 或 park", "city, district or park")
    ind = d.get("indicator")
    if ind not in INDICATORS:
        bad("indicator", ind, f"取值之一：{', '.join(INDICATORS)}", f"one of {', '.join(INDICATORS)}")
    by, ty = d.get("base_year"), d.get("target_year")
    if not isinstance(by, int) or not isinstance(ty, int) or ty <= by:
        bad("target_year", ty, "整数年份，晚于 base_year", "an integer year after base_year")
    change, value, base = d.get("target_change"), d.get("target_value"), d.get("base_value")
    if (change is None) == (value is None):
        bad("target_change", change, "target_change（相对变化）与 target_value 二者给一", "exactly one of "
            "target_change (relative change) and target_value")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int | float) or base <= 0):
        bad("base_value", base, "正数", "a positive number")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        bad("target_value", value, "数值", "a number")
    if change is not None and (isinstance(change, bool) or not isinstance(change, int | float) or change <= -1):
        bad("target_change", change, "大于 −1 的相对变化（如 −0.17）", "a relative change above −1 (e.g. −0.17)")
    if value is not None and base is None:
        bad("base_value", None, "给出 target_value 时须给出 base_value", "base_value, when target_value is given")
    obs = d.get("observed", {})
    if not isinstance(obs, dict) or not all(str(k).isdigit() and isinstance(v, int | float) for k, v in obs.items()):
        bad("observed", obs, "{年份 = 数值}", "{year = number}")
        obs = {}
    if ind in INDICATORS and not INDICATORS[ind][0] and not obs:
        bad("observed", None, "该指标不能由企业数据算出，须给出各年观测值", "observed values by year (this "
            "indicator is not computed from enterprise data)")
    if len(problems) > n0:
        return None
    assert isinstance(by, int) and isinstance(ty, int) and isinstance(ind, str)
    if change is None:
        change = float(value or 0.0) / float(base or 1.0) - 1.0
    return Target(id=d["id"], zh=d["zh"], en=d["en"], level=str(level), entity=d["entity"], indicator=ind,
                  base_year=by, target_year=ty, target_change=float(change), source=d["source"],
                  base_value=None if base is None else float(base),
                  exclude_feedstock=bool(d.get("exclude_feedstock", False)),
                  exclude_new_renewables=bool(d.get("exclude_new_renewables", False)),
                  renewable_base_year=int(d.get("renewable_base_year", 2020)),
                  unit=str(d.get("unit", INDICATORS[ind][1])),
                  observed={int(k): float(v) for k, v in obs.items()})
