"""Carrying-capacity early warning (资源环境承载能力监测预警): the element classes, the
integration rule, the process rule, the warning colour and the transition between two
evaluations. Pure functions: every threshold comes in as an argument (from the rule file
``environment/rules/carrying_capacity-2016.toml``), none is written here.

Sources (docs/environment.md, "Carrying-capacity early warning"; tags: [C] read in an
official text, [R] a secondary source, [U] Qingshan's own reading):

- 《资源环境承载能力监测预警技术方法（试行）》 (NDRC, CAS and 11 others, issued 2016-09-26):
  its official text was **not obtained**. The element thresholds, the integration rule
  (短板效应) and the process rule are those of a public JavaScript implementation of the
  method [R]; the county is the evaluation unit (樊杰等 2017, 地理科学进展 36(3):266).
  The process classes agree with 余建辉等 2017, 地理科学进展 36(3):350, 表5 [R].
  - Land: the land-resource pressure index D (土地资源压力指数), supplied by the city.
  - Water: water use against the total-use control target (用水总量控制指标), groundwater
    supply against its target, and groundwater over-exploitation (地下水超采).
  - Environment: the pollutant exceedance index (污染物浓度超标指数), R_i = C_i/S_i − 1
    per pollutant (S_i/C_i − 1 for dissolved oxygen, a lower limit); air R = max over the
    pollutants; a section's R_k = max over its items; water R = mean of R_k over the
    district's sections (at least a minimum number of sections); the district's R = max
    of air and water.
  - Ecology: H = area of moderate-or-worse soil erosion, desertification, salinisation and
    rocky desertification / land area (生态系统健康度).
- Warning levels: 中办/国办《关于建立资源环境承载能力监测预警长效机制的若干意见》
  (2017-09-20) 二(三) names the three load classes and five colours [C]; the pairing of
  class and trend to colour is the secondary implementation's [R]; the measures for a
  change of class are quoted from one copy of 二(三) [R].

Load classes: ``overloaded`` 超载, ``critical`` 临界超载, ``not_overloaded`` 不超载.
Trends: ``worsening`` 加剧型, ``easing`` 趋缓型. Colours: ``red``, ``orange``, ``yellow``,
``blue``, ``green``. Each result carries its numbers and a reason in 中文 and English.

Missing data are never read as 不超载: an element without its inputs is ``not_assessed``,
one with part of them ``partial`` (its class is then a lower bound, as every test it lacks
could only raise it), and an integration with an element not final is ``determined`` only
when its class is already 超载. Every threshold comparison is made at the one precision of
:mod:`qingshan.methods.precision`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qingshan.methods.precision import comparable

LOADS = ("overloaded", "critical", "not_overloaded")
LOAD_NAMES = {"overloaded": ("超载", "overloaded"), "critical": ("临界超载", "critical"),
              "not_overloaded": ("不超载", "not overloaded")}
_RANK = {"not_overloaded": 0, "critical": 1, "overloaded": 2}
ELEMENTS = ("land", "water", "environment", "ecology")
ELEMENT_NAMES = {"land": ("土地资源", "land resources"), "water": ("水资源", "water resources"),
                 "environment": ("环境", "environment"), "ecology": ("生态", "ecology")}
#: how the method words each class of an element (土地资源压力大/中等/小, 超标/接近超标, …)
ELEMENT_LABELS = {
    "land": {"overloaded": ("压力大", "high pressure"), "critical": ("压力中等", "medium pressure"),
             "not_overloaded": ("压力小", "low pressure")},
    "water": {"overloaded": ("超载", "overloaded"), "critical": ("临界超载", "critical"),
              "not_overloaded": ("不超载", "not overloaded")},
    "environment": {"overloaded": ("超标", "over the standard"), "critical": ("接近超标", "close to the standard"),
                    "not_overloaded": ("未超标", "within the standard")},
    "ecology": {"overloaded": ("健康度低", "low health"), "critical": ("健康度中等", "medium health"),
                "not_overloaded": ("健康度高", "high health")},
}
STATUSES = ("assessed", "partial", "not_assessed")
STATUS_NAMES = {"assessed": ("已评价", "assessed"),
                "partial": ("部分评价（类别为下限）", "partly assessed (class is a lower bound)"),
                "not_assessed": ("未评价（无数据）", "not assessed (no data)")}
TRENDS = ("worsening", "easing")
TREND_NAMES = {"worsening": ("加剧型", "worsening"), "easing": ("趋缓型", "easing")}
COLOURS = ("red", "orange", "yellow", "blue", "green")
COLOUR_NAMES = {"red": ("红色预警", "red warning"), "orange": ("橙色预警", "orange warning"),
                "yellow": ("黄色预警", "yellow warning"), "blue": ("蓝色预警", "blue warning"),
                "green": ("绿色无警", "green, no warning")}
#: the measures a change of class leads to (意见 二(三)); their wording is the rule file's
MEASURES = ("as_red", "single_element", "reward")
TRANSITION_NAMES = {"none": ("无上一期评价", "no earlier evaluation"), "undetermined": ("变化未定", "undetermined"),
                    "unchanged": ("等级未变", "unchanged"), "worsened": ("恶化", "worsened"),
                    "improved": ("好转", "improved")}
#: process indicators: what worsens each (``higher``: a rate above the national one is
#: worse; ``lower``: a rate below it is worse)
WORSE = ("higher", "lower")
#: the indicators the engine can compute (numerator and denominator columns: see
#: :mod:`qingshan.environment.carrying`)
INDICATORS = ("land_per_gdp", "water_per_gdp", "cod_per_gdp", "nh3n_per_gdp", "so2_per_gdp", "nox_per_gdp",
              "forest_grass_cover")
#: the part of a dissolved-oxygen-like limit: ``max`` an upper limit, ``min`` a lower one
DIRECTIONS = ("max", "min")
#: how reasons name pollutants and water items (中文, English); codes not listed print as they are
LABELS = {"SO2": ("SO₂", "SO₂"), "NO2": ("NO₂", "NO₂"), "PM10": ("PM₁₀", "PM₁₀"), "PM2_5": ("PM₂.₅", "PM₂.₅"),
          "CO": ("CO", "CO"), "O3": ("O₃", "O₃"), "do": ("溶解氧", "DO"), "codmn": ("高锰酸盐指数", "CODMn"),
          "bod5": ("五日生化需氧量", "BOD₅"), "cod": ("化学需氧量", "COD"), "nh3n": ("氨氮", "NH₃-N"),
          "tp": ("总磷", "TP"), "tn": ("总氮", "TN")}


def label(code: str | None, lang: int) -> str:
    """The name of a pollutant or item in reasons (``lang`` 0 中文, 1 English)."""
    return "—" if code is None else LABELS.get(code, (code, code))[lang]


def _num(x: float | None) -> str:
    """A number as reasons print it: 4 significant digits, whole numbers from 1 000 up
    (no exponent), ∞ for an infinite index."""
    if x is None:
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:+.2f}%"


# --- one element's band ------------------------------------------------------------------

@dataclass(frozen=True)
class Band:
    """The cuts of one element's value: overloaded when above ``overloaded_cut`` (or at it,
    with ``overloaded_at_cut``); else critical when above ``critical_cut`` (or at it, with
    ``critical_at_cut``); else not overloaded."""

    overloaded_cut: float
    overloaded_at_cut: bool
    critical_cut: float
    critical_at_cut: bool

    def __post_init__(self) -> None:
        if not (math.isfinite(self.overloaded_cut) and math.isfinite(self.critical_cut)):
            raise ValueError("band cuts must be finite")
        if self.critical_cut > self.overloaded_cut:
            raise ValueError(f"critical cut {self.critical_cut} above overloaded cut {self.overloaded_cut}")

    def text(self, load: str) -> tuple[str, str]:
        """The condition of ``load`` as a text (the value is written x): ``x > 0``,
        ``-0.3 ≤ x ≤ 0``, ``x < -0.3``."""
        o, c = _num(self.overloaded_cut), _num(self.critical_cut)
        if load == "overloaded":
            s = f"x {'≥' if self.overloaded_at_cut else '>'} {o}"
        elif load == "critical":
            s = f"{c} {'≤' if self.critical_at_cut else '<'} x {'<' if self.overloaded_at_cut else '≤'} {o}"
        else:
            s = f"x {'<' if self.critical_at_cut else '≤'} {c}"
        return s, s


def _above(x: float, cut: float, at_cut: bool) -> bool:
    a, b = comparable(x), comparable(cut)
    return bool(a > b or (at_cut and a == b))


def band_class(value: float, band: Band) -> str:
    """The load class of ``value`` by ``band`` (compared at the precision of
    :func:`~qingshan.methods.precision.comparable`); ``+inf`` is overloaded."""
    if math.isnan(value):
        raise ValueError("a class needs a number, not NaN")
    if _above(value, band.overloaded_cut, band.overloaded_at_cut):
        return "overloaded"
    if _above(value, band.critical_cut, band.critical_at_cut):
        return "critical"
    return "not_overloaded"


def worst(loads: Sequence[str]) -> str:
    """The worst of ``loads`` (not empty)."""
    return max(loads, key=lambda s: _RANK[s])


# --- elements ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Element:
    """One element's evaluation: its status, its class (``None`` when not assessed; a lower
    bound when ``partial``), its numbers and the reason."""

    element: str
    status: str
    load: str | None
    values: dict[str, Any]
    reason_zh: str
    reason_en: str

    @property
    def final(self) -> bool:
        """The class cannot change with more data: fully assessed, or already 超载."""
        return self.status == "assessed" or self.load == "overloaded"

    def as_dict(self) -> dict[str, Any]:
        zh, en = ELEMENT_NAMES[self.element]
        lz, le = LOAD_NAMES[self.load] if self.load else (None, None)
        sz, se = STATUS_NAMES[self.status]
        return {"element": self.element, "element_zh": zh, "element_en": en, "status": self.status,
                "status_zh": sz, "status_en": se, "load": self.load, "load_zh": lz, "load_en": le,
                "final": self.final, "values": self.values, "reason_zh": self.reason_zh, "reason_en": self.reason_en}


def _not_assessed(element: str, zh: str, en: str, values: dict[str, Any] | None = None) -> Element:
    return Element(element, "not_assessed", None, values or {}, f"{zh}：未评价", f"{en}: not assessed")


def _verdict(element: str, load: str) -> tuple[str, str]:
    lz, le = LOAD_NAMES[load]
    wz, we = ELEMENT_LABELS[element][load]
    return (f"{lz}（{wz}）", le if we == le else f"{le} ({we})")


def land_element(d: float | None, band: Band) -> Element:
    """Land resources (土地资源) by the land-resource pressure index D, which the city
    supplies (the method's formula, current against suitable construction land by zone
    type, is not built)."""
    if d is None or math.isnan(d):
        return _not_assessed("land", "未提供土地资源压力指数 D", "no land-resource pressure index D")
    load = band_class(d, band)
    cz, ce = band.text(load)
    vz, ve = _verdict("land", load)
    return Element("land", "assessed", load, {"d": d},
                   f"土地资源压力指数 D = {_num(d)}，满足 {cz.replace('x', 'D')}：{vz}",
                   f"land-resource pressure index D = {_num(d)}, {ce.replace('x', 'D')}: {ve}")


def _ratio_test(name_zh: str, name_en: str, quantity: float | None, control: float | None,
                band: Band) -> tuple[str | None, dict[str, Any], str, str]:
    if quantity is None or control is None or math.isnan(quantity) or math.isnan(control) or control <= 0:
        return None, {"quantity": quantity, "control": control, "ratio": None}, \
            f"{name_zh}：缺少用量或控制指标，未比较", f"{name_en}: quantity or control target missing, not compared"
    ratio = quantity / control
    load = band_class(ratio, band)
    cz, ce = band.text(load)
    lz, le = LOAD_NAMES[load]
    return load, {"quantity": quantity, "control": control, "ratio": ratio}, \
        f"{name_zh} {_num(quantity)} / 控制指标 {_num(control)} = {_num(ratio)}，{cz.replace('x', '比值')}：{lz}", \
        f"{name_en} {_num(quantity)} / control {_num(control)} = {_num(ratio)}, {ce.replace('x', 'ratio')}: {le}"


def water_element(use: float | None, control: float | None, groundwater_supply: float | None,
                  groundwater_control: float | None, overexploited: bool | None, band: Band) -> Element:
    """Water resources (水资源开发利用量): three tests, the worst decides.

    - total water use / total-use control target (用水总量控制指标), by ``band`` (the method:
      above the target 超载, above 0.9 of it 临界超载);
    - groundwater supply / groundwater supply target, by the same band;
    - groundwater over-exploitation (地下水超采): ``True`` is 超载, ``False`` passes.

    With some tests not made (inputs missing) the element is ``partial`` and its class a
    lower bound; with none, ``not_assessed``."""
    tests: list[tuple[str | None, str, str]] = []
    total, total_v, tz, te = _ratio_test("用水总量", "water use", use, control, band)
    ground, ground_v, gz, ge = _ratio_test("地下水供水量", "groundwater supply", groundwater_supply,
                                           groundwater_control, band)
    tests += [(total, tz, te), (ground, gz, ge)]
    if overexploited is None:
        tests.append((None, "地下水超采：未填报，未判断", "groundwater over-exploitation: not given, not judged"))
    elif overexploited:
        tests.append(("overloaded", "地下水超采：超载", "groundwater over-exploited: overloaded"))
    else:
        tests.append(("not_overloaded", "地下水未超采", "groundwater not over-exploited"))
    made = [t[0] for t in tests if t[0] is not None]
    values = {"use": use, "control": control, "use_ratio": total_v["ratio"],
              "groundwater_supply": groundwater_supply, "groundwater_control": groundwater_control,
              "groundwater_ratio": ground_v["ratio"], "overexploited": overexploited,
              "tests_made": len(made), "tests": 3}
    reason_zh = "；".join(t[1] for t in tests)
    reason_en = "; ".join(t[2] for t in tests)
    if not made:
        return Element("water", "not_assessed", None, values, f"{reason_zh}：未评价", f"{reason_en}: not assessed")
    load = worst(made)
    status = "assessed" if len(made) == 3 else "partial"
    vz, ve = _verdict("water", load)
    tail_zh = "" if status == "assessed" else f"（{3 - len(made)} 项未判断，类别为下限）"
    tail_en = "" if status == "assessed" else f" ({3 - len(made)} test(s) not made: a lower bound)"
    return Element("water", status, load, values, f"{reason_zh}。取最不利：{vz}{tail_zh}",
                   f"{reason_en}. The worst decides: {ve}{tail_en}")


def ecology_element(degraded_km2: float | None, land_km2: float | None, band: Band) -> Element:
    """Ecology (生态系统健康度): H = degraded area (moderate-or-worse soil erosion,
    desertification, salinisation, rocky desertification) / land area."""
    if degraded_km2 is None or land_km2 is None or math.isnan(degraded_km2) or math.isnan(land_km2) \
            or land_km2 <= 0:
        return _not_assessed("ecology", "缺少退化土地面积或国土面积", "degraded area or land area missing",
                             {"degraded_km2": degraded_km2, "land_km2": land_km2, "h": None})
    h = degraded_km2 / land_km2
    load = band_class(h, band)
    cz, ce = band.text(load)
    vz, ve = _verdict("ecology", load)
    return Element("ecology", "assessed", load, {"degraded_km2": degraded_km2, "land_km2": land_km2, "h": h},
                   f"生态系统健康度 H = 退化面积 {_num(degraded_km2)} km² / 国土面积 {_num(land_km2)} km² = {_num(h)}，"
                   f"{cz.replace('x', 'H')}：{vz}",
                   f"ecosystem health H = degraded {_num(degraded_km2)} km² / land {_num(land_km2)} km² = {_num(h)}, "
                   f"{ce.replace('x', 'H')}: {ve}")


# --- the environment index ---------------------------------------------------------------

@dataclass(frozen=True)
class AirLimit:
    """The standard S of one air pollutant in R_i = C_i/S_i − 1."""

    pollutant: str
    limit: float
    unit: str


@dataclass(frozen=True)
class WaterLimit:
    """The standard S of one water item for sections of ``water_body`` (``all``, ``river``
    or ``lake``); ``direction`` ``min`` is a lower limit (dissolved oxygen: R = S/C − 1)."""

    item: str
    limit: float
    direction: str
    water_body: str


def pollutant_index(concentration: float, standard: float, direction: str = "max") -> float:
    """R_i = C/S − 1 for an upper limit; S/C − 1 for a lower limit (``min``: dissolved
    oxygen, where less is worse). A lower-limit item at C = 0 is +∞."""
    if standard <= 0 or not math.isfinite(standard):
        raise ValueError(f"a standard must be a positive number, got {standard}")
    if concentration < 0 or math.isnan(concentration):
        raise ValueError(f"a concentration must be ≥ 0, got {concentration}")
    if direction == "max":
        return concentration / standard - 1.0
    if direction == "min":
        return math.inf if concentration == 0 else standard / concentration - 1.0
    raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")


@dataclass(frozen=True)
class Part:
    """One part of the environment index (the air, one section, or the district's water):
    its index (``None`` when not assessed), whether every input was there (``complete``), the
    pollutant, item or section deciding it, its rows and a reason."""

    index: float | None
    complete: bool
    deciding: str | None
    rows: tuple[dict[str, Any], ...] = ()
    reason_zh: str = ""
    reason_en: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "complete": self.complete, "deciding": self.deciding, "rows": list(self.rows),
                "reason_zh": self.reason_zh, "reason_en": self.reason_en, **self.extra}


def _max_index(rows: list[dict[str, Any]], key: str) -> tuple[float | None, str | None]:
    scored = [r for r in rows if r["index"] is not None]
    if not scored:
        return None, None
    best = max(scored, key=lambda r: r["index"])
    return float(best["index"]), str(best[key])


def air_part(means: Mapping[str, float | None], limits: Sequence[AirLimit]) -> Part:
    """R_air = max over the pollutants of ``limits`` of C_i/S_i − 1, C_i the annual
    statistic in ``means`` (pollutant → value; missing or ``None``: not monitored). With a
    pollutant missing the index is over the others and ``complete`` is false (a lower
    bound)."""
    rows: list[dict[str, Any]] = []
    for lim in limits:
        c = means.get(lim.pollutant)
        ok = c is not None and not math.isnan(c)
        rows.append({"pollutant": lim.pollutant, "mean": c if ok else None, "limit": lim.limit, "unit": lim.unit,
                     "index": pollutant_index(float(c), lim.limit) if ok and c is not None else None})
    r, deciding = _max_index(rows, "pollutant")
    missing = [x["pollutant"] for x in rows if x["index"] is None]
    if r is None:
        return Part(None, False, None, tuple(rows), "无空气监测数据：空气未评价",
                    "no air monitoring data: air not assessed")
    terms, terms_en = (("、" if lang == 0 else ", ").join(
        f"{label(x['pollutant'], lang)} {_num(x['mean'])}/{_num(x['limit'])}−1={_num(x['index'])}"
        for x in rows if x["index"] is not None) for lang in (0, 1))
    miss_zh = f"；缺 {'、'.join(label(m, 0) for m in missing)}（指数为下限）" if missing else ""
    miss_en = f"; {', '.join(label(m, 1) for m in missing)} missing (a lower bound)" if missing else ""
    return Part(r, not missing, deciding, tuple(rows),
                f"空气 R 取各污染物指数的最大值（{terms}）= {_num(r)}（{label(deciding, 0)}）{miss_zh}",
                f"air R = max({terms_en}) = {_num(r)} ({label(deciding, 1)}){miss_en}")


def limits_for_body(limits: Sequence[WaterLimit], body: str) -> list[WaterLimit]:
    """The limits applying to a section of ``body`` (``river`` or ``lake``): those of
    ``all`` and of the body."""
    return [lim for lim in limits if lim.water_body in ("all", body)]


def section_part(section_id: str, means: Mapping[str, float | None], body: str,
                 limits: Sequence[WaterLimit]) -> Part:
    """A section's R_k = max over the items applying to ``body`` (``river``, ``lake``) of
    R_i (dissolved oxygen inverted), C the section's annual mean of each item."""
    rows: list[dict[str, Any]] = []
    for lim in limits_for_body(limits, body):
        c = means.get(lim.item)
        ok = c is not None and not math.isnan(c)
        rows.append({"item": lim.item, "mean": c if ok else None, "limit": lim.limit, "direction": lim.direction,
                     "index": pollutant_index(float(c), lim.limit, lim.direction) if ok and c is not None else None})
    r, deciding = _max_index(rows, "item")
    missing = [x["item"] for x in rows if x["index"] is None]
    if r is None:
        return Part(None, False, None, tuple(rows), f"断面 {section_id} 无数据", f"section {section_id}: no data",
                    {"section_id": section_id, "body": body})
    miss_zh = f"，缺 {'、'.join(label(m, 0) for m in missing)}" if missing else ""
    miss_en = f", {', '.join(label(m, 1) for m in missing)} missing" if missing else ""
    return Part(r, not missing, deciding, tuple(rows),
                f"断面 {section_id}：R_k = {_num(r)}（{label(deciding, 0)}）{miss_zh}",
                f"section {section_id}: R_k = {_num(r)} ({label(deciding, 1)}){miss_en}",
                {"section_id": section_id, "body": body})


def water_part(sections: Sequence[Part], min_sections: int) -> Part:
    """R_water = arithmetic mean of the sections' R_k, over the sections with an index;
    fewer than ``min_sections`` of them: not assessed. ``deciding`` is the section with the
    largest R_k."""
    scored = [s for s in sections if s.index is not None]
    rows = tuple({**s.extra, "index": s.index, "deciding_item": s.deciding, "complete": s.complete,
                  "items": list(s.rows)} for s in sections)
    if len(scored) < min_sections:
        return Part(None, False, None, rows,
                    f"有数据的断面 {len(scored)} 个，少于 {min_sections} 个：水未评价",
                    f"{len(scored)} section(s) with data, fewer than {min_sections}: water not assessed",
                    {"sections": len(scored), "min_sections": min_sections})
    values = [float(s.index) for s in scored if s.index is not None]
    r = math.inf if any(math.isinf(v) for v in values) else sum(values) / len(values)
    worst_section = max(scored, key=lambda s: float(s.index) if s.index is not None else -math.inf)
    terms = "、".join(_num(v) for v in values)
    return Part(r, all(s.complete for s in scored), str(worst_section.extra.get("section_id")), rows,
                f"水 R = {len(values)} 个断面 R_k（{terms}）的平均 = {_num(r)}",
                f"water R = mean of {len(values)} sections' R_k ({', '.join(_num(v) for v in values)}) = {_num(r)}",
                {"sections": len(scored), "min_sections": min_sections})


def environment_element(air: Part | None, water: Part | None, band: Band) -> Element:
    """Environment (污染物浓度超标指数): R = max(R_air, R_water) over the parts with an
    index. Both parts complete: ``assessed``; one part (or an incomplete one): ``partial``
    (a lower bound, R being a maximum); none: ``not_assessed``."""
    parts = {"air": air, "water": water}
    have = {k: p for k, p in parts.items() if p is not None and p.index is not None}
    values: dict[str, Any] = {"r": None, "r_air": air.index if air else None, "r_water": water.index if water else None,
                              "deciding": None,
                              "air": air.as_dict() if air else None, "water": water.as_dict() if water else None}
    why_zh = "；".join(p.reason_zh for p in (air, water) if p is not None)
    why_en = "; ".join(p.reason_en for p in (air, water) if p is not None)
    if not have:
        return Element("environment", "not_assessed", None, values, f"{why_zh}：环境未评价",
                       f"{why_en}: environment not assessed")
    key = max(have, key=lambda k: float(have[k].index))  # type: ignore[arg-type]
    r = float(have[key].index)  # type: ignore[arg-type]
    values["r"], values["deciding"] = r, key
    complete = len(have) == 2 and all(p.complete for p in have.values())
    load = band_class(r, band)
    cz, ce = band.text(load)
    vz, ve = _verdict("environment", load)
    tail_zh = "" if complete else "（空气或水未评价或数据不全，类别为下限）"
    tail_en = "" if complete else " (air or water not assessed or incomplete: a lower bound)"
    return Element("environment", "assessed" if complete else "partial", load, values,
                   f"{why_zh}。R 取空气与水的较大值 = {_num(r)}，{cz.replace('x', 'R')}：{vz}{tail_zh}",
                   f"{why_en}. R = max(air, water) = {_num(r)}, {ce.replace('x', 'R')}: {ve}{tail_en}")


# --- integration -------------------------------------------------------------------------

@dataclass(frozen=True)
class IntegrationRule:
    """短板效应: any element overloaded → overloaded; else at least
    ``min_critical_for_overloaded`` critical elements → overloaded; else at least
    ``min_critical_for_critical`` → critical; else not overloaded."""

    min_critical_for_overloaded: int
    min_critical_for_critical: int

    def __post_init__(self) -> None:
        if not 1 <= self.min_critical_for_critical <= self.min_critical_for_overloaded:
            raise ValueError("expected 1 ≤ min_critical_for_critical ≤ min_critical_for_overloaded")


def integration_class(loads: Sequence[str], rule: IntegrationRule) -> str:
    """The integrated class of a complete set of element classes."""
    if "overloaded" in loads:
        return "overloaded"
    n = sum(1 for x in loads if x == "critical")
    if n >= rule.min_critical_for_overloaded:
        return "overloaded"
    if n >= rule.min_critical_for_critical:
        return "critical"
    return "not_overloaded"


@dataclass(frozen=True)
class Integration:
    """The integrated class of a district and year: ``load`` (``None`` when no element is
    assessed; a lower bound when not ``determined``), the elements by class, those not
    final, and the overload factors (超载因素): the overloaded elements, or, when the
    district is overloaded by its critical elements alone, those."""

    load: str | None
    determined: bool
    overloaded: tuple[str, ...]
    critical: tuple[str, ...]
    not_overloaded: tuple[str, ...]
    not_final: tuple[str, ...]
    not_assessed: tuple[str, ...]
    factors: tuple[str, ...]
    factor_basis: str | None
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        lz, le = LOAD_NAMES[self.load] if self.load else (None, None)
        return {"load": self.load, "load_zh": lz, "load_en": le, "determined": self.determined,
                "overloaded": list(self.overloaded), "critical": list(self.critical),
                "not_overloaded": list(self.not_overloaded), "not_final": list(self.not_final),
                "not_assessed": list(self.not_assessed), "factors": list(self.factors),
                "factor_basis": self.factor_basis, "reason_zh": self.reason_zh, "reason_en": self.reason_en}


def _names(elements: Sequence[str], lang: int) -> str:
    return ("、" if lang == 0 else ", ").join(ELEMENT_NAMES[e][lang] for e in elements)


def integrate(elements: Mapping[str, Element], rule: IntegrationRule) -> Integration:
    """The integration (集成评价) of the four elements. Classes of ``partial`` elements are
    lower bounds, so the class found is a lower bound; it is ``determined`` when every
    element is final, or when it is already overloaded."""
    by: dict[str, list[str]] = {k: [] for k in LOADS}
    not_final, not_assessed = [], []
    for name in ELEMENTS:
        e = elements.get(name)
        if e is None or e.load is None:
            not_assessed.append(name)
            not_final.append(name)
            continue
        by[e.load].append(name)
        if not e.final:
            not_final.append(name)
    assessed = [x for k in LOADS for x in by[k]]
    if not assessed:
        return Integration(None, False, (), (), (), tuple(not_final), tuple(not_assessed), (), None,
                           "四个要素均未评价", "none of the four elements is assessed")
    loads = [elements[x].load for x in assessed]
    load = integration_class([x for x in loads if x is not None], rule)
    determined = not not_final or load == "overloaded"
    n_crit = len(by["critical"])
    if by["overloaded"]:
        factors, basis = tuple(by["overloaded"]), "overloaded_elements"
        zh = f"{_names(by['overloaded'], 0)}超载，任一要素超载即为超载（短板效应）"
        en = f"{_names(by['overloaded'], 1)} overloaded; any element overloaded makes the district overloaded"
    elif load == "overloaded":
        factors, basis = tuple(by["critical"]), "critical_elements"
        zh = f"{_names(by['critical'], 0)} {n_crit} 个要素临界超载（≥ {rule.min_critical_for_overloaded} 个即为超载）"
        en = (f"{n_crit} elements critical ({_names(by['critical'], 1)}); "
              f"{rule.min_critical_for_overloaded} or more make the district overloaded")
    elif load == "critical":
        factors, basis = (), None
        zh = f"{_names(by['critical'], 0)}临界超载（{n_crit} 个，少于 {rule.min_critical_for_overloaded} 个）：临界超载"
        en = (f"{_names(by['critical'], 1)} critical ({n_crit}, fewer than {rule.min_critical_for_overloaded}): "
              "critical")
    else:
        factors, basis = (), None
        zh, en = "评价的要素均不超载", "no element assessed is overloaded or critical"
    if not_final and not determined:
        zh += f"；{_names(not_final, 0)}未评价或部分评价：集成结果不完整，“{LOAD_NAMES[load][0]}”为下限"
        en += (f"; {_names(not_final, 1)} not assessed or partly assessed: the integration is incomplete, "
               f"'{LOAD_NAMES[load][1]}' is a lower bound")
    elif not_final:
        zh += f"（{_names(not_final, 0)}未评价或部分评价，不改变超载结论）"
        en += f" ({_names(not_final, 1)} not or partly assessed, which cannot change 'overloaded')"
    return Integration(load, determined, tuple(by["overloaded"]), tuple(by["critical"]), tuple(by["not_overloaded"]),
                       tuple(not_final), tuple(not_assessed), factors, basis, zh, en)


# --- process -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """A process indicator: ``worse`` is ``higher`` (a local rate above the national one is
    worse: intensities) or ``lower`` (below is worse: forest and grass cover)."""

    id: str
    worse: str
    zh: str
    en: str
    unit: str


@dataclass(frozen=True)
class ProcessClass:
    """A class of the process evaluation (低效率类, 高强度类, 低质量类): met when at least
    ``min_worse`` of its ``indicators`` are worse than the national rates."""

    id: str
    zh: str
    en: str
    indicators: tuple[str, ...]
    min_worse: int


@dataclass(frozen=True)
class ProcessRule:
    """The process rule: its indicators, classes, and ``min_classes`` classes met for 加剧型."""

    indicators: tuple[Indicator, ...]
    classes: tuple[ProcessClass, ...]
    min_classes: int


def annual_rate(base: float | None, value: float | None, years: int) -> float | None:
    """The annualised change rate r = (value / base)^(1/years) − 1; ``None`` when either is
    missing, ``base`` ≤ 0, ``value`` < 0 or ``years`` ≤ 0."""
    if base is None or value is None or math.isnan(base) or math.isnan(value) or base <= 0 or value < 0 \
            or years <= 0:
        return None
    return float((value / base) ** (1.0 / years) - 1.0)


def is_worse(rate: float | None, national: float | None, worse: str) -> bool | None:
    """Whether a local annual rate is worse than the national one (strictly: an equal rate
    is not worse); ``None`` when either is missing."""
    if rate is None or national is None or math.isnan(rate) or math.isnan(national):
        return None
    a, b = comparable(rate), comparable(national)
    if worse == "higher":
        return bool(a > b)
    if worse == "lower":
        return bool(a < b)
    raise ValueError(f"worse must be one of {WORSE}, got {worse!r}")


def _at_least(true: int, unknown: int, need: int) -> bool | None:
    if true >= need:
        return True
    if true + unknown < need:
        return False
    return None


@dataclass(frozen=True)
class Process:
    """The process evaluation (过程评价): per indicator its rates and whether it is worse,
    per class whether it is met (``None`` when missing rates leave it open), the trend
    (``None`` when undetermined) and the reason."""

    trend: str | None
    indicators: tuple[dict[str, Any], ...]
    classes: tuple[dict[str, Any], ...]
    classes_met: int
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        tz, te = TREND_NAMES[self.trend] if self.trend else (None, None)
        return {"trend": self.trend, "trend_zh": tz, "trend_en": te, "determined": self.trend is not None,
                "indicators": list(self.indicators), "classes": list(self.classes), "classes_met": self.classes_met,
                "reason_zh": self.reason_zh, "reason_en": self.reason_en}


def process(rates: Mapping[str, float | None], national: Mapping[str, float | None], rule: ProcessRule) -> Process:
    """The trend from the local annual rates against the national ones (same period): a
    class is met when at least its ``min_worse`` indicators are worse; 加剧型 (worsening)
    when at least ``rule.min_classes`` classes are met, else 趋缓型 (easing)."""
    worse: dict[str, bool | None] = {}
    rows = []
    for ind in rule.indicators:
        w = is_worse(rates.get(ind.id), national.get(ind.id), ind.worse)
        worse[ind.id] = w
        rows.append({"indicator": ind.id, "zh": ind.zh, "en": ind.en, "unit": ind.unit, "worse_when": ind.worse,
                     "rate": rates.get(ind.id), "national_rate": national.get(ind.id), "worse": w})
    classes = []
    met = unknown = 0
    parts_zh, parts_en = [], []
    for c in rule.classes:
        flags = [worse.get(i) for i in c.indicators]
        n_true = sum(1 for f in flags if f is True)
        n_none = sum(1 for f in flags if f is None)
        flag = _at_least(n_true, n_none, c.min_worse)
        met += flag is True
        unknown += flag is None
        classes.append({"class": c.id, "zh": c.zh, "en": c.en, "indicators": list(c.indicators),
                        "min_worse": c.min_worse, "worse": n_true, "unknown": n_none, "met": flag})
        state_zh = "是" if flag else "否" if flag is False else "未定"
        state_en = "yes" if flag else "no" if flag is False else "undetermined"
        parts_zh.append(f"{c.zh}：{n_true}/{len(c.indicators)} 项劣于全国（需 {c.min_worse}）→ {state_zh}")
        parts_en.append(f"{c.en}: {n_true}/{len(c.indicators)} worse than national (needs {c.min_worse}) → {state_en}")
    verdict = _at_least(met, unknown, rule.min_classes)
    trend = None if verdict is None else "worsening" if verdict else "easing"
    if trend is None:
        tail_zh, tail_en = "：缺少变化率，趋势未定", ": rates missing, the trend is undetermined"
    else:
        tz, te = TREND_NAMES[trend]
        tail_zh = f"：{met} 类（需 {rule.min_classes} 类为加剧型）→ {tz}"
        tail_en = f": {met} class(es) met ({rule.min_classes} make it worsening) → {te}"
    return Process(trend, tuple(rows), tuple(classes), met, "；".join(parts_zh) + tail_zh,
                   "; ".join(parts_en) + tail_en)


# --- colour and transition -----------------------------------------------------------------

@dataclass(frozen=True)
class ColourPair:
    """A class and trend (``any`` for every trend) and the warning colour they give."""

    load: str
    trend: str
    colour: str


@dataclass(frozen=True)
class Colour:
    colour: str | None
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        cz, ce = COLOUR_NAMES[self.colour] if self.colour else (None, None)
        return {"colour": self.colour, "colour_zh": cz, "colour_en": ce, "reason_zh": self.reason_zh,
                "reason_en": self.reason_en}


def warning_colour(load: str | None, determined: bool, trend: str | None, pairs: Sequence[ColourPair]) -> Colour:
    """The warning colour of a class and trend by ``pairs``; ``None`` (with the reason) when
    the class is not determined, or when it needs a trend that is undetermined."""
    if load is None or not determined:
        return Colour(None, "集成评价不完整：预警等级未定", "the integration is incomplete: no warning level")
    lz, le = LOAD_NAMES[load]
    for p in pairs:
        if p.load == load and p.trend == "any":
            cz, ce = COLOUR_NAMES[p.colour]
            return Colour(p.colour, f"{lz} → {cz}", f"{le} → {ce}")
    if trend is None:
        return Colour(None, f"{lz}，但过程评价未定：预警等级未定",
                      f"{le}, but the process evaluation is undetermined: no warning level")
    tz, te = TREND_NAMES[trend]
    for p in pairs:
        if p.load == load and p.trend == trend:
            cz, ce = COLOUR_NAMES[p.colour]
            return Colour(p.colour, f"{lz} + {tz} → {cz}", f"{le} + {te} → {ce}")
    raise ValueError(f"no colour for {load} and {trend}")


@dataclass(frozen=True)
class TransitionRule:
    """A change of class (``from_load`` → ``to_load``) and the measures it leads to."""

    from_load: str
    to_load: str
    measure: str
    zh: str
    en: str


@dataclass(frozen=True)
class Transition:
    """``kind``: ``none`` (no earlier evaluation), ``undetermined`` (a class not
    determined), ``unchanged``, ``worsened`` or ``improved``; with the rule's measure
    (``None`` where no rule names the change)."""

    kind: str
    from_load: str | None
    to_load: str | None
    measure: str | None
    measure_zh: str | None
    measure_en: str | None
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        fz, fe = LOAD_NAMES[self.from_load] if self.from_load else (None, None)
        tz, te = LOAD_NAMES[self.to_load] if self.to_load else (None, None)
        kz, ke = TRANSITION_NAMES[self.kind]
        return {"kind": self.kind, "kind_zh": kz, "kind_en": ke, "from": self.from_load, "from_zh": fz,
                "from_en": fe, "to": self.to_load, "to_zh": tz, "to_en": te, "measure": self.measure,
                "measure_zh": self.measure_zh, "measure_en": self.measure_en, "reason_zh": self.reason_zh,
                "reason_en": self.reason_en}


def transition(previous: str | None, previous_determined: bool, load: str | None, determined: bool,
               rules: Sequence[TransitionRule], *, has_previous: bool = True) -> Transition:
    """The change of class from the previous evaluation to this one and its measures."""
    if not has_previous:
        return Transition("none", None, load, None, None, None, "无上一期评价", "no earlier evaluation")
    if previous is None or load is None or not previous_determined or not determined:
        return Transition("undetermined", previous, load, None, None, None,
                          "上一期或本期集成评价不完整：变化未定",
                          "the earlier or this evaluation is incomplete: the change is undetermined")
    fz, fe = LOAD_NAMES[previous]
    tz, te = LOAD_NAMES[load]
    if previous == load:
        return Transition("unchanged", previous, load, None, None, None, f"保持{tz}", f"still {te}")
    kind = "worsened" if _RANK[load] > _RANK[previous] else "improved"
    verb_zh = "恶化为" if kind == "worsened" else "转变为"
    for r in rules:
        if r.from_load == previous and r.to_load == load:
            return Transition(kind, previous, load, r.measure, r.zh, r.en, f"从{fz}{verb_zh}{tz}：{r.zh}",
                              f"from {fe} to {te}: {r.en}")
    return Transition(kind, previous, load, None, None, None,
                      f"从{fz}{verb_zh}{tz}：规则未规定此变化的措施",
                      f"from {fe} to {te}: the rules name no measure for this change")
