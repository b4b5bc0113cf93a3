"""The carbon-efficiency (碳效码) and policy-measure files: read by name or path
(:mod:`qingshan.rulefile`), checked, every problem collected (codes C0xx and M0xx)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qingshan.evaluation.scheme import CLASS_LETTERS
from qingshan.rulefile import Checker, read_rule_file


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


#: where the built-in files are: the default carbon-efficiency file and the measure files
CARBON_PACKAGE, CARBON_FOLDER = "qingshan.evaluation", "carbon_efficiency"
MEASURES_PACKAGE, MEASURES_FOLDER = "qingshan.evaluation", "measures"
CARBON_KEYS = ("id", "zh", "en", "document", "url", "co2", "industry_digits", "scales", "level_limits", "levels_zh",
               "levels_en", "grade_limits")
MEASURES_KEYS = ("id", "zh", "en", "province", "source", "measures")
MEASURE_KEYS = ("id", "cls", "kind", "zh", "en", "source", "yuan_per_kwh", "base")
KINDS = ("electricity_surcharge", "priority", "restriction")
BASES = ("net_purchased_electricity_kwh", "electricity_kwh")


def load_carbon_config(source: str | Path) -> CarbonConfig:
    """A 碳效码 configuration: a built-in name (``"zhejiang-2021"``, the files of
    ``evaluation/carbon_efficiency/``) or a file (:class:`~pathlib.Path`). Problems C001/C002
    (reading) and C010 (keys)."""
    rf = read_rule_file(source, package=CARBON_PACKAGE, folder=CARBON_FOLDER, code="C")
    raw = rf.raw
    c = Checker(rf.label, "C010")
    c.only(raw, CARBON_KEYS)
    out_id, zh_name, en_name = (c.text(raw, k, required=False) for k in ("id", "zh", "en"))
    document = c.text(raw, "document")
    c.text(raw, "url", required=False)
    co2 = c.one_of(raw, "co2", ("energy", "total"), required=False, default="energy")
    digits = c.integer(raw, "industry_digits", required=False, default=2, lo=2, hi=4) or 2
    scales = c.strings(raw, "scales", required=False, choices=("above", "below"))
    level_limits = c.increasing(raw, "level_limits", strict=True)
    grade_limits = c.increasing(raw, "grade_limits", strict=True)
    zh, en = c.strings(raw, "levels_zh"), c.strings(raw, "levels_en")
    for key, names in (("levels_zh", zh), ("levels_en", en)):
        if level_limits and names and len(names) != len(level_limits) + 1:
            c.problem(key, list(names), f"比界限多一个的等级名称（{len(level_limits) + 1} 个）",
                      f"one level name more than there are limits ({len(level_limits) + 1})")
    c.raise_if_any()
    return CarbonConfig(id=out_id, zh=zh_name, en=en_name, document=document, co2=co2, industry_digits=digits,
                        scales=scales, level_limits=level_limits, levels_zh=zh, levels_en=en,
                        grade_limits=grade_limits)


def load_measures(source: str | Path) -> Measures:
    """Differentiated measures by class: a built-in name (``"shandong-2022"``, the files of
    ``evaluation/measures/``) or a file (:class:`~pathlib.Path`). A measures file names the
    province whose rules it holds (``province``): a profile applies only its own province's.
    Problems C001/C002 (reading) and M010 (keys)."""
    rf = read_rule_file(source, package=MEASURES_PACKAGE, folder=MEASURES_FOLDER, code="C")
    raw = rf.raw
    c = Checker(rf.label, "M010")
    c.only(raw, MEASURES_KEYS)
    mid, zh, en = c.text(raw, "id"), c.text(raw, "zh"), c.text(raw, "en")
    province = c.text(raw, "province", required=False)
    if province:
        c.form("province", province, r"\d{2}(0000)?", "省级行政区划代码（两位或六位，GB/T 2260）",
               "a province code (2 or 6 digits, GB/T 2260)")
    c.text(raw, "source", required=False)
    out: list[Measure] = []
    for i, m in enumerate(c.tables(raw, "measures")):
        where = f"measures[{i}]"
        c.only(m, MEASURE_KEYS, where)
        kind = c.one_of(m, "kind", KINDS, where)
        steps: tuple[float, ...] = ()
        base = BASES[0]
        if kind == "electricity_surcharge":
            steps = c.increasing(m, "yuan_per_kwh", where)
            if any(x < 0 for x in steps):
                c.problem(f"{where}.yuan_per_kwh", list(steps), "非负的加价（元/千瓦时）", "surcharges ≥ 0 yuan/kWh")
            base = c.one_of(m, "base", BASES, where, required=False, default=BASES[0])
        else:
            for key in ("yuan_per_kwh", "base"):
                if key in m:
                    c.problem(f"{where}.{key}", m[key], "仅用于 kind = \"electricity_surcharge\"",
                              "only with kind = \"electricity_surcharge\"")
        out.append(Measure(id=c.text(m, "id", where), cls=c.one_of(m, "cls", (*CLASS_LETTERS, "T"), where),
                           kind=kind, zh=c.text(m, "zh", where), en=c.text(m, "en", where),
                           source=c.text(m, "source", where), yuan_per_kwh=steps, base=base))
    c.unique([m.id for m in out if m.id], "measures.id", "措施代码", "measure id")
    c.raise_if_any()
    return Measures(id=mid, zh=zh, en=en, measures=tuple(out))
