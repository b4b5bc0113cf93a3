"""The carrying-capacity document (资源环境承载能力监测预警; docs/environment.md,
"Carrying-capacity early warning"): per district of one year the four elements with their
numbers, classes and reasons, the integrated class, the process trend, the warning colour,
the change since the previous evaluation, and the red zones with their overload factors;
headed by the profile and the rule file (id, version, digest), with what is not built and
what is unverified.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.names import names
from qingshan.documents.values import clean
from qingshan.environment.carrying import AIR_STATISTIC, WATER_STATISTIC, Engine, Evaluation, latest_year, monitoring_of
from qingshan.environment.carrying_rules import CarryingRules, carrying_rules
from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.methods import carrying_capacity as cc

if TYPE_CHECKING:
    from qingshan.city import City

KEY = "environment.carrying_capacity"
TABLES = ("carrying_inputs", "carrying_national_rates", "air_stations", "air_daily", "water_sections",
          "water_samples")

NOT_BUILT = [
    {"zh": "城市化地区的专项要素“水气环境黑灰指数”：唯一可得来源中的定义不可靠，未实现",
     "en": "the urban areas' special element, the water-and-air black-grey index (水气环境黑灰指数): its definition in "
           "the only source at hand is not reliable; not built"},
    {"zh": "重点生态功能区的专项要素（生态系统功能评价）：未实现",
     "en": "the special element of key ecological function zones (the evaluation of ecosystem functions): not built"},
    {"zh": "农产品主产区的专项要素：未实现",
     "en": "the special element of main agricultural production areas: not built"},
    {"zh": "沿海区县的海域要素（海洋空间资源、渔业资源、海洋生态环境）：未实现；入海河口断面按河流断面计入水环境",
     "en": "the marine elements of coastal counties (sea space, fishery resources, marine environment): not built; "
           "estuary sections count as river sections in the water index"},
    {"zh": "土地资源压力指数 D 的计算（现状与适宜建设开发程度）：未实现，由城市提供 D",
     "en": "computing the land pressure index D (current against suitable construction development): not built, the "
           "city supplies D"},
    {"zh": "生态系统健康度所需的土壤侵蚀、沙化、盐渍化、石漠化面积的计算：未实现，由城市提供面积",
     "en": "computing the areas of soil erosion, desertification, salinisation and rocky desertification: not built, "
           "the city supplies the area"},
]
UNVERIFIED = [
    {"zh": "《资源环境承载能力监测预警技术方法（试行）》（2016）官方文本未取得：要素阈值、集成规则与过程评价规则"
           "均取自一个公开的 JavaScript 实现（二手来源，未与官方文本核对）；文号 发改规划〔2016〕2043号 未核实",
     "en": "the official text of the 2016 technical method was not obtained: the element thresholds, the integration "
           "and the process rules come from one public JavaScript implementation (a secondary source, not checked "
           "against the official text); the number 发改规划〔2016〕2043号 is unverified"},
    {"zh": "集成规则：二手实现为“两个及以上要素临界超载即为超载”；另有“两个及以上临界超载为临界超载”的说法，"
           "两者相矛盾，本系统从前者",
     "en": "integration: the secondary implementation makes two or more critical elements overloaded; a reading with "
           "two or more critical elements critical also circulates; they contradict each other and Qingshan follows "
           "the implementation"},
    {"zh": "类别与趋势到颜色的对应（超载+加剧→红色等）取自二手实现；《若干意见》只规定五级颜色及其次序",
     "en": "which class and trend give which colour (overloaded + worsening → red, …) is the secondary "
           "implementation's; the 2017 意见 states the five colours and their order only"},
    {"zh": "等级变化与红色预警区的措施文字为《若干意见》二(三)在一份转载中的原文，未与官方文本核对",
     "en": "the measures for changes of class and for red zones are quoted from one copy of 意见 二(三), not checked "
           "against the official text"},
    {"zh": "空气污染物取区县日均值的年平均（CO 亦为年均值，与24小时限值比较）；二手实现未说明所用统计量",
     "en": "air pollutants take the annual mean of the district's daily means (CO too, against its 24-hour limit); the "
           "secondary implementation does not state its statistic"},
    {"zh": "总氮仅计入湖库断面（GB 3838-2002 表1 仅对湖、库规定总氮）；入海河口断面按河流断面计入",
     "en": "total nitrogen enters lake and reservoir sections only (GB 3838-2002 Table 1 sets TN for lakes and "
           "reservoirs); estuary sections count as river sections"},
]
NOTES = [
    {"zh": "缺少数据的要素为“未评价”，部分缺少的为“部分评价”（类别为下限）；集成结果未确定时不给出预警颜色，"
           "不会默认为不超载。",
     "en": "An element without data is 'not assessed', one with part of its data 'partly assessed' (its class a lower "
           "bound); an undetermined integration gets no warning colour and is never taken as not overloaded."},
    {"zh": "过程评价以该区县在 carrying_inputs 中的上一年份为基期，与同一时段（基期至评价年）的全国年均变化率比较；"
           "变化率等于全国值不算劣于全国。",
     "en": "The process evaluation takes the district's latest earlier year of carrying_inputs as its base and "
           "compares with the national annual rates of the same period (base to evaluation year); a rate equal to the "
           "national one is not worse."},
    {"zh": "上一期评价为该区县在 carrying_inputs 中至少有一个要素得到评价的上一年份；两期使用同一规则文件。",
     "en": "The previous evaluation is the district's latest earlier year with at least one element assessed; both "
           "years are evaluated with the same rule file."},
    {"zh": "超载因素：超载的要素；若区县因两个及以上要素临界超载而超载，则为这些临界超载要素（本系统的解读）。",
     "en": "Overload factors: the overloaded elements; a district overloaded by two or more critical elements has "
           "those as its factors (Qingshan's reading)."},
]


def _rules(city: City, year: int, rules: str | Path | None) -> tuple[CarryingRules, dict[str, Any] | None]:
    if rules is not None:
        return carrying_rules(rules), None
    sel = city.profile.selection(KEY, year)
    value = city.profile.value(KEY, year)
    if sel is None or value is None:
        raise ConfigError(tr(f"配置 {city.profile.id} 未为 {year} 年选择 {KEY}（资源环境承载能力规则）；"
                             "可用 --rules 指定",
                             f"the profile {city.profile.id} selects no {KEY} for {year} (carrying-capacity rules); "
                             "give one with --rules"))
    return carrying_rules(value), sel.to_dict()


def _element_names(ids: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    return [{"element": e, "zh": cc.ELEMENT_NAMES[e][0], "en": cc.ELEMENT_NAMES[e][1]} for e in ids]


def _process(ev: Evaluation) -> dict[str, Any]:
    out: dict[str, Any] = {"base_year": ev.base_year, "years": None if ev.base_year is None else ev.year - ev.base_year,
                           "note_zh": ev.process_note[0] if ev.process_note else None,
                           "note_en": ev.process_note[1] if ev.process_note else None}
    if ev.process is None:
        return {**out, "trend": None, "trend_zh": None, "trend_en": None, "determined": False, "indicators": [],
                "classes": [], "classes_met": 0, "reason_zh": out["note_zh"], "reason_en": out["note_en"]}
    p = ev.process.as_dict()
    for row in p["indicators"]:
        v = ev.indicator_values.get(row["indicator"], {})
        row["base_value"], row["value"] = v.get("base"), v.get("value")
    return {**out, **p}


def _previous(ev: Evaluation) -> dict[str, Any] | None:
    p = ev.previous
    if p is None:
        return None
    lz, le = cc.LOAD_NAMES[p.integration.load] if p.integration.load else (None, None)
    c = p.colour.as_dict() if p.colour else {"colour": None, "colour_zh": None, "colour_en": None}
    return {"year": p.year, "load": p.integration.load, "load_zh": lz, "load_en": le,
            "load_determined": p.integration.determined, "colour": c["colour"], "colour_zh": c["colour_zh"],
            "colour_en": c["colour_en"], "trend": p.process.trend if p.process else None,
            "elements": {k: {"load": e.load, "status": e.status} for k, e in p.elements.items()},
            "reason_zh": p.integration.reason_zh, "reason_en": p.integration.reason_en}


def district_document(ev: Evaluation, name: str | None, rules: CarryingRules) -> dict[str, Any]:
    """One district's part of the document."""
    integ = ev.integration
    lz, le = cc.LOAD_NAMES[integ.load] if integ.load else (None, None)
    colour = ev.colour.as_dict() if ev.colour else cc.Colour(None, "", "").as_dict()
    process = _process(ev)
    transition = ev.transition.as_dict() if ev.transition else None
    factors = _element_names(integ.factors)
    elements = {k: e.as_dict() for k, e in ev.elements.items()}
    red = None
    if colour["colour"] == "red":
        red = {**rules.red_zone, "factors": factors, "factor_basis": integ.factor_basis}
    reasons_zh = [f"{cc.ELEMENT_NAMES[k][0]}：{e.reason_zh}" for k, e in ev.elements.items()]
    reasons_en = [f"{cc.ELEMENT_NAMES[k][1]}: {e.reason_en}" for k, e in ev.elements.items()]
    reasons_zh += [f"集成评价：{integ.reason_zh}", f"过程评价：{process['reason_zh'] or '—'}",
                   f"预警等级：{colour['reason_zh']}"]
    reasons_en += [f"integration: {integ.reason_en}", f"process: {process['reason_en'] or '—'}",
                   f"warning level: {colour['reason_en']}"]
    if transition is not None:
        reasons_zh.append(f"等级变化：{transition['reason_zh']}")
        reasons_en.append(f"change of class: {transition['reason_en']}")
    row = ev.row or {}
    return {"district_id": ev.district_id, "name": name or ev.district_id, "year": ev.year,
            "has_inputs": ev.row is not None, "source": clean(row.get("source")),
            "elements": elements, "load": integ.load, "load_zh": lz, "load_en": le,
            "load_determined": integ.determined, "integration": integ.as_dict(),
            "overload_factors": factors, "overload_basis": integ.factor_basis,
            "process": process, "trend": process["trend"], "trend_zh": process["trend_zh"],
            "trend_en": process["trend_en"], "colour": colour["colour"], "colour_zh": colour["colour_zh"],
            "colour_en": colour["colour_en"], "colour_reason_zh": colour["reason_zh"],
            "colour_reason_en": colour["reason_en"], "previous": _previous(ev), "transition": transition,
            "red_zone": red, "reasons_zh": reasons_zh, "reasons_en": reasons_en}


def _walk(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _walk(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_walk(x) for x in v]
    return clean(v)


def build(city: City, year: int | None = None, *, rules: str | Path | None = None) -> dict[str, Any]:
    """The carrying-capacity document of ``year`` (default: the latest year of
    ``carrying_inputs``); ``rules`` (a built-in name or a path) overrides the profile's
    ``environment.carrying_capacity``."""
    pkg = city.package
    inputs = pkg["carrying_inputs"]
    if inputs.empty:
        raise ConfigError(tr("数据包没有资源环境承载能力数据（carrying_inputs），无法评价",
                             "the package has no carrying-capacity inputs (carrying_inputs): nothing to evaluate"))
    years = sorted({int(y) for y in pd.to_numeric(inputs["year"], errors="coerce").dropna()})
    if year is None:
        year = latest_year(inputs)
    assert year is not None
    if year not in years:
        raise ConfigError(tr(f"carrying_inputs 中没有 {year} 年；有：{'、'.join(map(str, years))}",
                             f"carrying_inputs has no rows for {year}; it has {', '.join(map(str, years))}"))
    parsed, selection = _rules(city, year, rules)
    nm = names(city)
    districts = sorted(nm.districts)
    engine = Engine(inputs, pkg["carrying_national_rates"], monitoring_of({t: pkg[t] for t in TABLES if t in pkg}),
                    districts, parsed)
    evaluations = engine.evaluate_year(year)
    rows = [district_document(ev, nm.districts.get(ev.district_id), parsed) for ev in evaluations]
    colours = {c: sum(1 for r in rows if r["colour"] == c) for c in cc.COLOURS}
    colours["undetermined"] = sum(1 for r in rows if r["colour"] is None)
    loads = {k: sum(1 for r in rows if r["load"] == k and r["load_determined"]) for k in cc.LOADS}
    loads["undetermined"] = sum(1 for r in rows if not r["load_determined"])
    legend = []
    for c in cc.COLOURS:
        for p in parsed.colours:
            if p.colour == c:
                tz, te = cc.TREND_NAMES.get(p.trend, (None, None))
                legend.append({"colour": c, "zh": cc.COLOUR_NAMES[c][0], "en": cc.COLOUR_NAMES[c][1], "load": p.load,
                               "load_zh": cc.LOAD_NAMES[p.load][0], "load_en": cc.LOAD_NAMES[p.load][1],
                               "trend": p.trend, "trend_zh": tz, "trend_en": te})
    doc = {**city.header(year), "kind": "carrying_capacity", "year": year, "years": years,
           "rules": {**parsed.describe(), "selection": selection, "given": None if rules is None else str(rules)},
           "method": {"air_statistic": AIR_STATISTIC, "water_statistic": WATER_STATISTIC,
                      "elements": [{"element": e, "zh": cc.ELEMENT_NAMES[e][0], "en": cc.ELEMENT_NAMES[e][1]}
                                   for e in cc.ELEMENTS]},
           "legend": legend,
           "districts": rows,
           "red_zones": [{"district_id": r["district_id"], "name": r["name"], "factors": r["overload_factors"],
                          "factor_basis": r["overload_basis"]} for r in rows if r["colour"] == "red"],
           "counts": {"districts": len(rows), "colours": colours, "loads": loads},
           "not_built": NOT_BUILT, "unverified": UNVERIFIED, "notes": NOTES, "problems": []}
    out: dict[str, Any] = _walk(doc)
    return out
