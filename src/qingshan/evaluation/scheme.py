"""Evaluation schemes as data: a TOML file declares who is evaluated, the indicators,
weights, benchmark rules, caps and floors, missing-data rules, ranking groups, class rules,
exempt class T and bonus/deduction items. :func:`load_scheme` reads a preset by name or a
file by path (:mod:`qingshan.rulefile`) and checks it, collecting every problem before it
raises.

The file format is documented in docs/evaluation.md; the presets are in
``qingshan/evaluation/schemes/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from qingshan.evaluation.catalogue import indicators
from qingshan.methods.class_rules import ROUNDINGS, band_cuts
from qingshan.rulefile import Checker, builtin_names, read_rule_file

Method = Literal["ratio", "minmax"]
BenchmarkRule = Literal["fixed", "prior_mean", "best", "minmax"]
MissingRule = Literal["zero", "average_score", "min_score"]
TieRule = Literal["worse", "better", "middle"]
Rounding = Literal["floor", "ceil", "round"]
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
    """``percentile``: firms ranked by total in their group (tied firms share the rank;
    ``ties = "worse"`` classes a tied block at its last rank, so a tie straddling a boundary
    falls to the lower band). ``bands`` are cumulative shares from the top; ``rounding``
    (one per band: ``floor``, ``ceil`` or ``round``) turns each into a number of firms: the
    bands above the bottom one count upto × n from the top, the bottom band counts its own
    share from the bottom, first; the ranks neither reaches go to ``remainder`` (the band
    above the bottom one, or the bottom band). ``rounding_source`` quotes the wording these
    rest on (:mod:`qingshan.methods.class_rules`).
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
    rounding: tuple[Rounding, ...] = ()
    remainder: str | None = None
    rounding_source: str = ""

    def band_pairs(self) -> list[tuple[str, float]]:
        return [(b.cls, b.upto) for b in self.bands]

    def cuts(self, n: int) -> tuple[int, ...]:
        """Percentile rule: per band, how many of n firms sit in it or above it."""
        return band_cuts(n, self.band_pairs(), self.rounding, self.remainder)


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


SCHEME_KEYS = ("id", "zh", "en", "notes", "source", "exempt", "adjustments", "segments")
SOURCE_KEYS = ("document", "date", "basis", "url", "tag")
SEGMENT_KEYS = ("id", "zh", "en", "scales", "min_land_mu", "rank_within", "method", "minmax_band", "pollutants",
                "source", "items", "classes")
ITEM_KEYS = ("indicator", "weight", "benchmark", "k", "value", "cap", "floor", "missing", "source")
CLASS_KEYS = ("rule", "ties", "tie_break", "top_max_share", "bottom_min_share", "bands", "rounding", "remainder",
              "rounding_source", "source")
POLLUTANTS = ("so2", "nox", "cod", "nh3_n", "particulates")


def preset_names() -> list[str]:
    return builtin_names("qingshan.evaluation", "schemes")


def load_scheme(source: str | Path) -> Scheme:
    """A preset by name (``"huaian-2024"``, :func:`preset_names`) or a scheme file by
    :class:`~pathlib.Path`; a ``str`` is never a path. Every problem is collected and raised
    together as a :class:`ValidationError` (codes S0xx)."""
    rf = read_rule_file(source, package="qingshan.evaluation", folder="schemes", code="S")
    return parse_scheme(rf.raw, rf.label)


def parse_scheme(raw: dict[str, Any], label: str) -> Scheme:
    c = Checker(label, "S010")
    c.only(raw, SCHEME_KEYS)
    sid, zh, en = c.text(raw, "id"), c.text(raw, "zh"), c.text(raw, "en")
    src = c.table(raw, "source", required=False)
    c.only(src, SOURCE_KEYS, "source")
    if isinstance(raw.get("source", {}), dict):  # a source of the wrong type is reported once, above
        c.text(src, "document", "source")
        for k in ("basis", "url", "tag"):
            c.text(src, k, "source", required=False)
        if not isinstance(src.get("date", ""), str | dt.date):
            c.problem("source.date", src["date"], "日期或文字", "a date or a text")
    source = {k: str(v) for k, v in src.items() if k in SOURCE_KEYS and v is not None}
    segments = tuple(_segment(c, s, f"segments[{i}]") for i, s in enumerate(c.tables(raw, "segments")))
    c.unique([s.id for s in segments if s.id], "segments.id", "分组代码", "segment id")
    ex = c.table(raw, "exempt", required=False)
    c.only(ex, ("industry_divisions", "min_years_in_production", "source"), "exempt")
    divisions = c.strings(ex, "industry_divisions", "exempt", required=False)
    for d in divisions:
        c.form("exempt.industry_divisions", d, r"\d{2}", "GB/T 4754 两位行业大类代码", "a 2-digit GB/T 4754 division")
    exempt = Exemption(industry_divisions=divisions,
                       min_years_in_production=c.integer(ex, "min_years_in_production", "exempt", required=False,
                                                         lo=0),
                       source=c.text(ex, "source", "exempt", required=bool(ex)))
    adjustments = []
    for i, a in enumerate(c.tables(raw, "adjustments", required=False)):
        w = f"adjustments[{i}]"
        c.only(a, ("id", "zh", "en", "points", "max_points", "source"), w)
        adjustments.append(Adjustment(id=c.text(a, "id", w), zh=c.text(a, "zh", w), en=c.text(a, "en", w),
                                      points=c.number(a, "points", w) or 0.0,
                                      max_points=c.number(a, "max_points", w, required=False, lo=0.0),
                                      source=c.text(a, "source", w)))
    c.unique([a.id for a in adjustments if a.id], "adjustments.id", "加减分项代码", "adjustment id")
    notes = c.strings(raw, "notes", required=False)
    c.raise_if_any()
    return Scheme(id=sid, zh=zh, en=en, source=source, segments=segments, exempt=exempt,
                  adjustments=tuple(adjustments), notes=notes, path=label)


def _segment(c: Checker, s: dict[str, Any], where: str) -> Segment:
    c.only(s, SEGMENT_KEYS, where)
    method = c.one_of(s, "method", ("ratio", "minmax"), where, required=False, default="ratio")
    items = tuple(_item(c, it, f"{where}.items[{j}]", method) for j, it in enumerate(c.tables(s, "items", where)))
    names = [i.indicator for i in items]
    c.unique([n for n in names if n], f"{where}.items.indicator", "指标", "indicator")
    band = s.get("minmax_band", [0.0, 1.0])
    if (not isinstance(band, list) or len(band) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in band)
            or not 0 <= band[0] <= band[1]):
        c.problem(f"{where}.minmax_band", band, "[下限, 上限]，权重的比例，0 ≤ 下限 ≤ 上限",
                  "[low, high] as shares of the weight, 0 ≤ low ≤ high")
        band = [0.0, 1.0]
    classes = _classes(c, s, f"{where}.classes", names)
    return Segment(
        id=c.text(s, "id", where), zh=c.text(s, "zh", where), en=c.text(s, "en", where),
        scales=c.strings(s, "scales", where, required=False, choices=("above", "below")),
        min_land_mu=c.number(s, "min_land_mu", where, required=False, lo=0.0, default=0.0) or 0.0,
        rank_within=c.strings(s, "rank_within", where, required=False, choices=GROUP_COLUMNS),
        method="minmax" if method == "minmax" else "ratio", items=items, classes=classes,
        minmax_band=(float(band[0]), float(band[1])),
        pollutants=c.strings(s, "pollutants", where, required=False, choices=POLLUTANTS),
        source=c.text(s, "source", where))


def _item(c: Checker, it: dict[str, Any], where: str, method: str) -> Item:
    c.only(it, ITEM_KEYS, where)
    ind = c.text(it, "indicator", where)
    if ind and ind not in indicators():
        c.problem(f"{where}.indicator", ind, f"指标目录中的指标：{', '.join(indicators())}",
                  f"an indicator of the catalogue: {', '.join(indicators())}")
    allowed = ("minmax",) if method == "minmax" else ("fixed", "prior_mean", "best")
    bench = c.one_of(it, "benchmark", allowed, where, required=False, default=allowed[0])
    value = c.number(it, "value", where, required=bench == "fixed")
    if value is not None and value <= 0:
        c.problem(f"{where}.value", value, "正的基准值", "a positive benchmark")
    cap, floor = c.number(it, "cap", where, required=False), c.number(it, "floor", where, required=False)
    if cap is not None and floor is not None and floor > cap:
        c.problem(f"{where}.floor", floor, "不大于 cap 的下限", "a floor not above the cap")
    return Item(indicator=ind, weight=c.number(it, "weight", where, lo=0.0) or 0.0,
                benchmark=bench,  # type: ignore[arg-type]
                value=value, k=c.number(it, "k", where, required=False, lo=0.0, default=1.0) or 1.0,
                cap=cap, floor=floor,
                missing=c.one_of(it, "missing", ("zero", "average_score", "min_score"), where, required=False,
                                 default="zero"),  # type: ignore[arg-type]
                source=c.text(it, "source", where, required=False))


def _classes(c: Checker, s: dict[str, Any], where: str, items: list[str]) -> ClassRule:
    seg_where, _, key = where.rpartition(".")
    cl = c.table(s, key, seg_where)
    if not cl:
        return ClassRule("score", ())
    c.only(cl, CLASS_KEYS, where)
    rule = c.one_of(cl, "rule", ("percentile", "score"), where, required=False, default="percentile")
    bands: list[Band] = []
    raw_bands = cl.get("bands", [])
    if not isinstance(raw_bands, list) or not raw_bands:
        c.problem(f"{where}.bands", raw_bands, "分档列表 [[\"A\", 0.2], …]", "a list of bands [[\"A\", 0.2], …]")
        raw_bands = []
    for b in raw_bands:
        if (not isinstance(b, list) or len(b) != 2 or b[0] not in CLASS_LETTERS
                or isinstance(b[1], bool) or not isinstance(b[1], int | float)):
            c.problem(f"{where}.bands", b, "[类别 A–D, 数值]", "[class A–D, number]")
            continue
        bands.append(Band(str(b[0]), float(b[1])))
    limits = [b.upto for b in bands]
    if rule == "percentile" and bands and (limits != sorted(limits) or limits[-1] != 1.0 or limits[0] <= 0):
        c.problem(f"{where}.bands", limits, "递增的累计比例，末档为 1.0", "increasing cumulative shares ending at 1.0")
    if rule == "score" and bands and limits != sorted(limits, reverse=True):
        c.problem(f"{where}.bands", limits, "递减的分数线", "decreasing score lines")
    tie_break = c.strings(cl, "tie_break", where, required=False, choices=tuple(items))
    top = c.number(cl, "top_max_share", where, required=False, lo=0.0)
    bottom = c.number(cl, "bottom_min_share", where, required=False, lo=0.0)
    for k, v in (("top_max_share", top), ("bottom_min_share", bottom)):
        if v is not None and (rule != "score" or v > 1 or len(bands) < 2):
            c.problem(f"{where}.{k}", v, "分数线规则（rule = \"score\"，至少两档）下 0–1 的比例",
                      "a share 0–1, with rule = \"score\" and at least two bands")
    rounding, remainder = _rounding(c, cl, where, rule, bands)
    return ClassRule(top_max_share=top, bottom_min_share=bottom,
                     rule="percentile" if rule == "percentile" else "score", bands=tuple(bands),
                     ties=c.one_of(cl, "ties", ("worse", "better", "middle"), where, required=False,
                                   default="worse"),  # type: ignore[arg-type]
                     tie_break=tie_break, source=c.text(cl, "source", where), rounding=rounding,
                     remainder=remainder, rounding_source=c.text(cl, "rounding_source", where, required=False))


def _rounding(c: Checker, cl: dict[str, Any], where: str, rule: str, bands: list[Band]
              ) -> tuple[tuple[Rounding, ...], str | None]:
    """``rounding`` (one per band; default ``floor``) and ``remainder`` (the band above the
    bottom one by default, or the bottom band) of a percentile rule."""
    letters = [b.cls for b in bands]
    default: tuple[Rounding, ...] = tuple("floor" for _ in bands)
    if rule != "percentile":
        for k in ("rounding", "remainder"):
            if k in cl:
                c.problem(f"{where}.{k}", cl[k], "仅用于比例分档（rule = \"percentile\"）",
                          "only with rule = \"percentile\"")
        return (), None
    raw = cl.get("rounding", list(default))
    if (not isinstance(raw, list) or len(raw) != len(bands)
            or not all(isinstance(x, str) and x in ROUNDINGS for x in raw)):
        c.problem(f"{where}.rounding", raw, f"每档一个取整方式（floor、ceil 或 round），共 {len(bands)} 个",
                  f"one rounding per band (floor, ceil or round), {len(bands)} in all")
        raw = list(default)
    options = letters[-2:]
    remainder = cl.get("remainder", letters[-2] if len(letters) >= 2 else None)
    if "remainder" in cl and (not isinstance(remainder, str) or remainder not in options):
        c.problem(f"{where}.remainder", remainder, f"最后两档之一：{'、'.join(options)}",
                  f"one of the last two bands: {', '.join(options)}")
        remainder = letters[-2] if len(letters) >= 2 else None
    chosen: tuple[Rounding, ...] = tuple("ceil" if x == "ceil" else "round" if x == "round" else "floor" for x in raw)
    return chosen, (str(remainder) if remainder is not None else None)
