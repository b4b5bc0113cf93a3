"""The carbon-efficiency (碳效码) and policy-measure files: read, checked, every problem
collected (codes C0xx and M0xx)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from qingshan.errors import Problem, ValidationError
from qingshan.evaluation.scheme import CLASS_LETTERS


@dataclass(frozen=True)
class CarbonConfig:
    id: str
    zh: str
    en: str
    document: str
    co2: str
    industry_digits: int
    scales: tuple[str, ...]
    level_limits: tuple[float, ...]
    levels_zh: tuple[str, ...]
    levels_en: tuple[str, ...]
    grade_limits: tuple[float, ...]


@dataclass(frozen=True)
class Measure:
    id: str
    cls: str
    kind: str
    zh: str
    en: str
    source: str
    yuan_per_kwh: tuple[float, ...] = ()
    base: str = "net_purchased_electricity_kwh"


@dataclass(frozen=True)
class Measures:
    id: str
    zh: str
    en: str
    measures: tuple[Measure, ...]


def _read(path: str | Path | None, default: str, label_default: str) -> tuple[dict[str, Any], str]:
    if path is None:
        text = resources.files("qingshan.evaluation").joinpath(default).read_text("utf-8")
        label = label_default
    else:
        p = Path(path)
        if not p.is_file():
            folder = resources.files("qingshan.evaluation").joinpath("measures")
            f = folder.joinpath(f"{path}.toml")
            if default.startswith("measures/") and f.is_file():
                return tomllib.loads(f.read_text("utf-8")), f"measures/{path}.toml"
            raise ValidationError([Problem("C001", str(path), None, None, str(path),
                                           "存在的 .toml 文件", "an existing .toml file")])
        text, label = p.read_text("utf-8"), str(p)
    try:
        return tomllib.loads(text), label
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem("C002", label, None, None, None,
                                       f"合法的 TOML：{exc}", f"valid TOML: {exc}")]) from exc


def _limits(raw: dict[str, Any], key: str, label: str, problems: list[Problem], n: int | None = None
            ) -> tuple[float, ...]:
    v = raw.get(key)
    ok = (isinstance(v, list) and v and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
          and list(v) == sorted(v) and (n is None or len(v) == n))
    if not ok or not isinstance(v, list):
        problems.append(Problem("C010", label, None, key, None if v is None else str(v),
                                "递增的数值列表" + (f"（{n} 个）" if n else ""),
                                "an increasing list of numbers" + (f" ({n} of them)" if n else "")))
        return ()
    return tuple(float(x) for x in v)


def load_carbon_config(path: str | Path | None = None) -> CarbonConfig:
    raw, label = _read(path, "carbon_efficiency.toml", "evaluation/carbon_efficiency.toml")
    problems: list[Problem] = []
    if not raw.get("document"):
        problems.append(Problem("C010", label, None, "document", None, "依据文件", "the source document"))
    co2 = raw.get("co2", "energy")
    if co2 not in ("energy", "total"):
        problems.append(Problem("C010", label, None, "co2", str(co2), "energy 或 total", "energy or total"))
    digits = raw.get("industry_digits", 2)
    if digits not in (2, 3, 4):
        problems.append(Problem("C010", label, None, "industry_digits", str(digits), "2、3 或 4", "2, 3 or 4"))
    level_limits = _limits(raw, "level_limits", label, problems)
    grade_limits = _limits(raw, "grade_limits", label, problems)
    zh, en = tuple(raw.get("levels_zh", [])), tuple(raw.get("levels_en", []))
    if level_limits and (len(zh) != len(level_limits) + 1 or len(en) != len(level_limits) + 1):
        problems.append(Problem("C010", label, None, "levels_zh", str(list(zh)),
                                "比界限多一个的等级名称", "one level name more than there are limits"))
    if problems:
        raise ValidationError(problems)
    return CarbonConfig(id=str(raw.get("id", "")), zh=str(raw.get("zh", "")), en=str(raw.get("en", "")),
                        document=str(raw["document"]), co2=str(co2), industry_digits=int(digits),
                        scales=tuple(raw.get("scales", [])), level_limits=level_limits,
                        levels_zh=zh, levels_en=en, grade_limits=grade_limits)


def load_measures(path: str | Path | None = None) -> Measures:
    raw, label = _read(path, "measures/shandong-2022.toml", "evaluation/measures/shandong-2022.toml")
    problems: list[Problem] = []
    out: list[Measure] = []
    for i, m in enumerate(raw.get("measures", [])):
        where = f"measures[{i}]"
        for key in ("id", "zh", "en", "source"):
            if not isinstance(m.get(key), str) or not m.get(key):
                problems.append(Problem("M010", label, None, f"{where}.{key}", None, "必填的文字", "a required text"))
        if m.get("cls") not in (*CLASS_LETTERS, "T"):
            problems.append(Problem("M010", label, None, f"{where}.cls", str(m.get("cls")),
                                    "类别 A、B、C、D 或 T", "class A, B, C, D or T"))
        kind = m.get("kind")
        if kind not in ("electricity_surcharge", "priority", "restriction"):
            problems.append(Problem("M010", label, None, f"{where}.kind", str(kind),
                                    "electricity_surcharge、priority 或 restriction",
                                    "electricity_surcharge, priority or restriction"))
        steps: tuple[float, ...] = ()
        if kind == "electricity_surcharge":
            steps = _limits(m, "yuan_per_kwh", label, problems)
            if m.get("base", "net_purchased_electricity_kwh") not in ("net_purchased_electricity_kwh",
                                                                      "electricity_kwh"):
                problems.append(Problem("M010", label, None, f"{where}.base", str(m.get("base")),
                                        "net_purchased_electricity_kwh 或 electricity_kwh",
                                        "net_purchased_electricity_kwh or electricity_kwh"))
        out.append(Measure(id=str(m.get("id", "")), cls=str(m.get("cls", "")), kind=str(kind),
                           zh=str(m.get("zh", "")), en=str(m.get("en", "")), source=str(m.get("source", "")),
                           yuan_per_kwh=steps, base=str(m.get("base", "net_purchased_electricity_kwh"))))
    if problems:
        raise ValidationError(problems)
    return Measures(id=str(raw.get("id", "")), zh=str(raw.get("zh", "")), en=str(raw.get("en", "")),
                    measures=tuple(out))
