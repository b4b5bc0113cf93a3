"""Evaluation schemes as data: a TOML file declares who is evaluated, the indicators,
weights, benchmark rules, caps and floors, missing-data rules, ranking groups, class rules,
exempt class T and bonus/deduction items. :func:`load_scheme` reads a preset by name or a
file by path and checks it, collecting every problem before it raises.

The file format is documented in docs/evaluation.md; the presets are in
``qingshan/evaluation/schemes/``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from qingshan.errors import Problem, ValidationError
from qingshan.evaluation.catalogue import indicators

Method = Literal["ratio", "minmax"]
BenchmarkRule = Literal["fixed", "prior_mean", "best", "minmax"]
MissingRule = Literal["zero", "average_score", "min_score"]
TieRule = Literal["worse", "better", "middle"]
CLASS_LETTERS = ("A", "B", "C", "D")
GROUP_COLUMNS = ("district_id", "park_id", "industry_division", "industry_group", "industry_code")


@dataclass(frozen=True)
class Item:
    """One scored indicator of a segment.

    ``benchmark``: ``fixed`` (``value``), ``prior_mean`` (``k`` × the mean of the ranking
    group's values in the previous year), ``best`` (the group's best value this year), or
    ``minmax`` (the group's minimum and maximum this year; ``method = "minmax"``).
    ``cap`` and ``floor`` bound the item score as multiples of the weight (``None``: unbounded).
    """

    indicator: str
    weight: float
    benchmark: BenchmarkRule
    value: float | None = None
    k: float = 1.0
    cap: float | None = None
    floor: float | None = None
    missing: MissingRule = "zero"
    source: str = ""


@dataclass(frozen=True)
class Band:
    cls: str
    upto: float  # percentile rule: share of the group at or ahead of the firm; score rule: minimum score


@dataclass(frozen=True)
class ClassRule:
    """``percentile``: a firm at competition rank r of n in its group has position p = r / n
    (tied firms share the rank; ``ties = "worse"`` uses the last rank of the tied block, so no
    upper band exceeds its share); the class is the first band with p ≤ ``upto``.
    ``score``: the first band whose minimum score the total reaches, optionally with quotas:
    at most ``top_max_share`` of the group in the top class and at least
    ``bottom_min_share`` in the bottom class (德州 2024: "A ≤ 20 %, D ≥ 5 %")."""

    rule: Literal["percentile", "score"]
    bands: tuple[Band, ...]
    ties: TieRule = "worse"
    tie_break: tuple[str, ...] = ()
    source: str = ""
    top_max_share: float | None = None
    bottom_min_share: float | None = None


@dataclass(frozen=True)
class Segment:
    """A population scored alike: 规上, 规下 ≥ 3 mu, ….

    Members: enterprises whose ``scale`` is in ``scales`` (empty: any) and whose land is at
    least ``min_land_mu``. Firms are ranked within ``rank_within`` (columns such as
    ``district_id``; empty: the whole package).
    """

    id: str
    zh: str
    en: str
    scales: tuple[str, ...]
    min_land_mu: float
    rank_within: tuple[str, ...]
    method: Method
    items: tuple[Item, ...]
    classes: ClassRule
    minmax_band: tuple[float, float] = (0.0, 1.0)
    pollutants: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Exemption:
    """Class T (不适合评价): utilities by GB/T 4754 division, and firms in production for
    fewer than ``min_years_in_production`` years (year − start_year < N)."""

    industry_divisions: tuple[str, ...] = ()
    min_years_in_production: int | None = None
    source: str = ""


@dataclass(frozen=True)
class Adjustment:
    """A bonus (+) or deduction (−) item: ``points`` per unit of the count given for the
    enterprise in the adjustments input, the total of the item bounded by ``max_points``."""

    id: str
    zh: str
    en: str
    points: float
    max_points: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Scheme:
    id: str
    zh: str
    en: str
    source: dict[str, str]
    segments: tuple[Segment, ...]
    exempt: Exemption = field(default_factory=Exemption)
    adjustments: tuple[Adjustment, ...] = ()
    notes: tuple[str, ...] = ()
    path: str = ""

    def needs_prior_year(self) -> bool:
        return any(i.benchmark == "prior_mean" for s in self.segments for i in s.items)


def preset_names() -> list[str]:
    folder = resources.files("qingshan.evaluation").joinpath("schemes")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scheme(name_or_path: str | Path) -> Scheme:
    """A preset by name (``huaian-2024``) or a scheme file by path; every problem is
    collected and raised together as a :class:`ValidationError`."""
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        text, label = p.read_text("utf-8"), str(p)
    else:
        folder = resources.files("qingshan.evaluation").joinpath("schemes")
        f = folder.joinpath(f"{name_or_path}.toml")
        if not f.is_file():
            raise ValidationError([Problem(
                "S001", str(name_or_path), None, None, str(name_or_path),
                f"已有的评价方案：{', '.join(preset_names())}，或一个 .toml 文件路径",
                f"a preset ({', '.join(preset_names())}) or the path of a .toml file")])
        text, label = f.read_text("utf-8"), f"schemes/{name_or_path}.toml"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([Problem("S002", label, None, None, None,
                                       f"合法的 TOML：{exc}", f"valid TOML: {exc}")]) from exc
    return parse_scheme(raw, label)


class _Reader:
    """Reads keys of a TOML table and records a problem for each wrong one."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[Problem] = []

    def bad(self, where: str, value: Any, zh: str, en: str) -> None:
        self.problems.append(Problem("S010", self.label, None, where, None if value is None else str(value), zh, en))

    def text(self, d: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
        v = d.get(key)
        if v is None:
            if required:
                self.bad(f"{where}.{key}", None, "必填的文字", "a required text")
            return ""
        if not isinstance(v, str):
            self.bad(f"{where}.{key}", v, "文字", "a text")
            return ""
        return v

    def number(self, d: dict[str, Any], key: str, where: str, *, required: bool = False,
               minimum: float | None = None, default: float | None = None) -> float | None:
        v = d.get(key)
        if v is None:
            if required:
                self.bad(f"{where}.{key}", None, "必填的数值", "a required number")
            return default
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(float(v)):
            self.bad(f"{where}.{key}", v, "数值", "a number")
            return default
        if minimum is not None and float(v) < minimum:
            self.bad(f"{where}.{key}", v, f"不小于 {minimum} 的数值", f"a number ≥ {minimum}")
            return default
        return float(v)

    def choice(self, d: dict[str, Any], key: str, where: str, choices: tuple[str, ...], default: str) -> str:
        v = d.get(key, default)
        if v not in choices:
            self.bad(f"{where}.{key}", v, f"取值之一：{', '.join(choices)}", f"one of {', '.join(choices)}")
            return default
        return str(v)

    def strings(self, d: dict[str, Any], key: str, where: str,
                choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
        v = d.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self.bad(f"{where}.{key}", v, "文字列表", "a list of texts")
            return ()
        if choices is not None:
            for x in v:
                if x not in choices:
                    self.bad(f"{where}.{key}", x, f"取值之一：{', '.join(choices)}", f"one of {', '.join(choices)}")
        return tuple(v)


def parse_scheme(raw: dict[str, Any], label: str) -> Scheme:
    r = _Reader(label)
    sid = r.text(raw, "id", "scheme")
    source = raw.get("source")
    if not isinstance(source, dict) or not source.get("document"):
        r.bad("source.document", None, "方案所依据的文件（名称、文号）",
              "the document the scheme follows (title, number)")
        source = {}
    segments = tuple(_segment(r, s, f"segments[{i}]") for i, s in enumerate(_tables(r, raw, "segments")))
    if not segments:
        r.bad("segments", None, "至少一个评价对象分组", "at least one segment")
    ids = [s.id for s in segments]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        r.bad("segments.id", dup, "不重复的分组代码", "a unique segment id")
    ex = raw.get("exempt", {})
    exempt = Exemption(
        industry_divisions=r.strings(ex, "industry_divisions", "exempt"),
        min_years_in_production=(None if (n := r.number(ex, "min_years_in_production", "exempt", minimum=0)) is None
                                 else int(n)),
        source=r.text(ex, "source", "exempt", required=bool(ex)))
    adjustments = tuple(
        Adjustment(id=r.text(a, "id", f"adjustments[{i}]"), zh=r.text(a, "zh", f"adjustments[{i}]"),
                   en=r.text(a, "en", f"adjustments[{i}]"),
                   points=r.number(a, "points", f"adjustments[{i}]", required=True) or 0.0,
                   max_points=r.number(a, "max_points", f"adjustments[{i}]"),
                   source=r.text(a, "source", f"adjustments[{i}]"))
        for i, a in enumerate(_tables(r, raw, "adjustments")))
    notes = r.strings(raw, "notes", "scheme")
    if r.problems:
        raise ValidationError(r.problems)
    return Scheme(id=sid, zh=r.text(raw, "zh", "scheme"), en=r.text(raw, "en", "scheme"),
                  source={k: str(v) for k, v in source.items()}, segments=segments, exempt=exempt,
                  adjustments=adjustments, notes=notes, path=label)


def _tables(r: _Reader, d: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = d.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        r.bad(key, None, "表数组（[[...]]）", "an array of tables ([[...]])")
        return []
    return v


def _segment(r: _Reader, s: dict[str, Any], where: str) -> Segment:
    method = r.choice(s, "method", where, ("ratio", "minmax"), "ratio")
    items = tuple(_item(r, it, f"{where}.items[{j}]", method) for j, it in enumerate(_tables(r, s, "items")))
    if not items:
        r.bad(f"{where}.items", None, "至少一个评价指标", "at least one indicator")
    names = [i.indicator for i in items]
    for dup in sorted({x for x in names if names.count(x) > 1}):
        r.bad(f"{where}.items.indicator", dup, "不重复的指标", "an indicator listed once")
    band = s.get("minmax_band", [0.0, 1.0])
    if (not isinstance(band, list) or len(band) != 2 or not all(isinstance(x, int | float) for x in band)
            or not 0 <= band[0] <= band[1]):
        r.bad(f"{where}.minmax_band", band, "[下限, 上限]，权重的比例，0 ≤ 下限 ≤ 上限",
              "[low, high] as shares of the weight, 0 ≤ low ≤ high")
        band = [0.0, 1.0]
    classes = _classes(r, s.get("classes"), f"{where}.classes", names)
    return Segment(
        id=r.text(s, "id", where), zh=r.text(s, "zh", where), en=r.text(s, "en", where),
        scales=r.strings(s, "scales", where, ("above", "below")),
        min_land_mu=r.number(s, "min_land_mu", where, minimum=0.0, default=0.0) or 0.0,
        rank_within=r.strings(s, "rank_within", where, GROUP_COLUMNS),
        method="minmax" if method == "minmax" else "ratio", items=items, classes=classes,
        minmax_band=(float(band[0]), float(band[1])),
        pollutants=r.strings(s, "pollutants", where, ("so2", "nox", "cod", "nh3_n", "particulates")),
        source=r.text(s, "source", where))


def _item(r: _Reader, it: dict[str, Any], where: str, method: str) -> Item:
    ind = r.text(it, "indicator", where)
    if ind and ind not in indicators():
        r.bad(f"{where}.indicator", ind, f"指标目录中的指标：{', '.join(indicators())}",
              f"an indicator of the catalogue: {', '.join(indicators())}")
    allowed = ("minmax",) if method == "minmax" else ("fixed", "prior_mean", "best")
    bench = r.choice(it, "benchmark", where, allowed, allowed[0])
    value = r.number(it, "value", where, required=bench == "fixed")
    if value is not None and value <= 0:
        r.bad(f"{where}.value", value, "正的基准值", "a positive benchmark")
    cap, floor = r.number(it, "cap", where), r.number(it, "floor", where)
    if cap is not None and floor is not None and floor > cap:
        r.bad(f"{where}.floor", floor, "不大于 cap 的下限", "a floor not above the cap")
    return Item(indicator=ind, weight=r.number(it, "weight", where, required=True, minimum=0.0) or 0.0,
                benchmark=bench,  # type: ignore[arg-type]
                value=value, k=r.number(it, "k", where, minimum=0.0, default=1.0) or 1.0,
                cap=cap, floor=floor,
                missing=r.choice(it, "missing", where, ("zero", "average_score", "min_score"),
                                 "zero"),  # type: ignore[arg-type]
                source=r.text(it, "source", where, required=False))


def _classes(r: _Reader, c: Any, where: str, items: list[str]) -> ClassRule:
    if not isinstance(c, dict):
        r.bad(where, None, "分类规则表", "a class-rule table")
        return ClassRule("score", ())
    rule = r.choice(c, "rule", where, ("percentile", "score"), "percentile")
    bands: list[Band] = []
    raw_bands = c.get("bands", [])
    if not isinstance(raw_bands, list) or not raw_bands:
        r.bad(f"{where}.bands", raw_bands, "分档列表 [[\"A\", 0.2], …]", "a list of bands [[\"A\", 0.2], …]")
        raw_bands = []
    for b in raw_bands:
        if (not isinstance(b, list) or len(b) != 2 or b[0] not in CLASS_LETTERS
                or isinstance(b[1], bool) or not isinstance(b[1], int | float)):
            r.bad(f"{where}.bands", b, "[类别 A–D, 数值]", "[class A–D, number]")
            continue
        bands.append(Band(str(b[0]), float(b[1])))
    limits = [b.upto for b in bands]
    if rule == "percentile" and bands and (limits != sorted(limits) or limits[-1] != 1.0 or limits[0] <= 0):
        r.bad(f"{where}.bands", limits, "递增的累计比例，末档为 1.0", "increasing cumulative shares ending at 1.0")
    if rule == "score" and bands and limits != sorted(limits, reverse=True):
        r.bad(f"{where}.bands", limits, "递减的分数线", "decreasing score lines")
    tie_break = r.strings(c, "tie_break", where, tuple(items))
    top = r.number(c, "top_max_share", where, minimum=0.0)
    bottom = r.number(c, "bottom_min_share", where, minimum=0.0)
    for key, v in (("top_max_share", top), ("bottom_min_share", bottom)):
        if v is not None and (rule != "score" or v > 1 or len(bands) < 2):
            r.bad(f"{where}.{key}", v, "分数线规则（rule = \"score\"，至少两档）下 0–1 的比例",
                  "a share 0–1, with rule = \"score\" and at least two bands")
    return ClassRule(top_max_share=top, bottom_min_share=bottom,
                     rule="percentile" if rule == "percentile" else "score", bands=tuple(bands),
                     ties=r.choice(c, "ties", where, ("worse", "better", "middle"), "worse"),  # type: ignore[arg-type]
                     tie_break=tie_break, source=r.text(c, "source", where))
