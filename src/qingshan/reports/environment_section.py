"""The environment sections of the city's and a district's report (docs/reports.md,
docs/environment.md "Report sections"): 环境空气质量 (ambient air quality, from
:func:`qingshan.documents.air.build`), 地表水环境质量 (surface water, from
:func:`qingshan.documents.water.build`) and 排污许可与总量 (discharge permits and totals, from
:func:`qingshan.documents.permits.permits_document`), the documents of ``qingshan air |
water | permits``. Every number printed is a number of those documents; the sections only
pick, order and format them.

A district's report shows its own part of each document: its air assessment and rank (not
the other districts' values), its sections' classes, its permits, its over-permit list and
its 四个一批 batches. A package without the monitoring or permit tables, or a report year the
tables do not hold, gives one line saying so; a section that fails gives one line with the
message, and the other sections and the rest of the report are printed all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents import air as air_doc
from qingshan.documents import permits as permits_doc
from qingshan.documents import water as water_doc
from qingshan.environment.standards import air_limits, water_limits
from qingshan.errors import QingshanError
from qingshan.reports.model import Block, Facts, Grid, Heading, Text, count, grid, number, percent

if TYPE_CHECKING:
    from qingshan.city import City

log = logging.getLogger(__name__)

#: the sections in report order: key, 中文 heading, English heading
SECTIONS = (("air", "环境空气质量", "Ambient air quality"),
            ("water", "地表水环境质量", "Surface water quality"),
            ("permits", "排污许可与总量", "Discharge permits and totals"))
TITLES = tuple((zh, en) for _, zh, en in SECTIONS)
#: the over-permit rows a report lists (the document ranks them: ratio, then tonnes)
TOP_OVER_PERMIT = 20

#: the package tables each section needs, and what to say when they are missing
_TABLES = {"air": air_doc.TABLES, "water": water_doc.TABLES, "permits": ("permits",)}
_WHAT = {"air": (("空气监测数据", "air monitoring data"), ("评价环境空气质量", "assess air quality")),
         "water": (("地表水监测数据", "surface-water monitoring data"), ("评价地表水环境质量", "assess surface water")),
         "permits": (("排污许可执行数据", "permit execution data"),
                     ("比较排污许可与总量", "compare permits and totals"))}


def _air_years(city: City) -> list[int]:
    _, daily = air_doc.tables(city)
    return sorted({int(y) for y in pd.to_datetime(daily["date"]).dt.year.dropna()})


def _water_years(city: City) -> list[int]:
    _, samples = water_doc.tables(city)
    return sorted({int(y) for y in pd.to_datetime(samples["date"]).dt.year.dropna()})


def _permit_years(city: City) -> list[int]:
    """The years the permits document reads actuals from: execution reports and the
    pollutants table (:func:`qingshan.documents.permits.permits_document`)."""
    pkg = city.package
    return sorted({int(y) for y in pd.concat([pkg["permit_reports"]["year"], pkg["pollutants"]["year"]]).dropna()})


_YEARS: dict[str, Callable[[City], list[int]]] = {"air": _air_years, "water": _water_years, "permits": _permit_years}
_BUILD: dict[str, Callable[[City, int], dict[str, Any]]] = {  # looked up when called
    "air": lambda c, y: air_doc.build(c, y), "water": lambda c, y: water_doc.build(c, y),
    "permits": lambda c, y: permits_doc.permits_document(c, y)}


def _source(city: City, year: int, part: str) -> dict[str, Any]:
    try:
        pkg = city.package
        if any(not len(pkg[t]) for t in _TABLES[part]):
            return {"status": "none", "year": year}
        years = _YEARS[part](city)
        if year not in years:
            return {"status": "other_year", "year": year, "years": years}
        return {"status": "ok", "year": year, "document": _BUILD[part](city, year)}
    except QingshanError as exc:  # an invalid rule file, a missing standard: the rest still prints
        return {"status": "error", "year": year, "message": str(exc)}
    except Exception as exc:  # an error in one section never stops the report (docs/reports.md)
        log.exception("the %s section of the %s report failed", part, year)
        return {"status": "error", "year": year, "message": f"{type(exc).__name__}: {exc}"}


def sources(city: City, year: int) -> dict[str, Any]:
    """The documents of the three sections for ``year``: for each of ``air``, ``water`` and
    ``permits`` a status (``ok`` with its ``document``; ``none``: the package lacks the
    tables; ``other_year`` with the ``years`` held; ``error`` with the ``message``)."""
    return {"year": year, **{part: _source(city, year, part) for part, _, _ in SECTIONS}}


def blocks(src: dict[str, Any], lang: str, headings: Sequence[str], district: str | None = None) -> list[Block]:
    """The three sections, headed by ``headings`` in :data:`SECTIONS` order, from
    :func:`sources`; ``district``: only that district's part (a district's report)."""
    out: list[Block] = []
    render = {"air": _air, "water": _water, "permits": _permits}
    for (part, _, _), head in zip(SECTIONS, headings, strict=True):
        g = src[part]
        section: list[Block] = [Heading(head)]
        try:
            section += _status(part, g, lang) or render[part](g["document"], lang, district)
        except Exception as exc:  # a document this renderer does not understand: one line, then go on
            log.exception("rendering the %s section failed", part)
            section = [Heading(head), _line(lang, f"本节未能生成：{type(exc).__name__}: {exc}",
                                            f"This section could not be made: {type(exc).__name__}: {exc}")]
        out += section
    return out


def _grid(empty: str, columns: list[tuple[str, bool]], rows: list[list[str]]) -> Grid:
    """A table that says ``empty`` when it has no rows."""
    return replace(grid(columns, rows), empty=empty)


def _named(lang: str, name: Any, code: Any) -> str:
    """``name（code）``, or ``name (code)`` in English."""
    return f"{name or ''}（{code}）" if lang == "zh" else f"{name or ''} ({code})"


def _t(lang: str) -> Callable[[str, str], str]:
    return lambda zh, en: zh if lang == "zh" else en


def _line(lang: str, zh: str, en: str) -> Text:
    return Text(zh if lang == "zh" else en, "note")


def _years(years: list[int], lang: str) -> str:
    """Years as runs: ``[2020, 2021, 2022, 2025]`` → ``2020–2022、2025``."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    return ("、" if lang == "zh" else ", ").join(parts)


def _status(part: str, g: dict[str, Any], lang: str) -> list[Block]:
    """The one line of a section without a document; nothing for one with it."""
    (what_zh, what_en), (verb_zh, verb_en) = _WHAT[part]
    tables = "、".join(_TABLES[part])
    year = g["year"]
    if g["status"] == "none":
        return [_line(lang, f"本市数据包中没有{what_zh}（{tables}），本报告未{verb_zh}。",
                      f"The city's package has no {what_en} ({', '.join(_TABLES[part])}): "
                      f"this report does not {verb_en}.")]
    if g["status"] == "other_year":
        return [_line(lang, f"{what_zh}的年份为 {_years(g['years'], lang)}，不含 {year} 年，本节从略。",
                      f"The {what_en} cover {_years(g['years'], lang)}, not {year}: this section is left out.")]
    if g["status"] == "error":
        return [_line(lang, f"未能{verb_zh}：{g['message']}", f"Could not {verb_en}: {g['message']}")]
    return []


# --- air ------------------------------------------------------------------------------------

#: the pollutants as printed (codes of the air document's statistics)
_POLLUTANT = {"SO2": ("二氧化硫（SO2）", "SO2"), "NO2": ("二氧化氮（NO2）", "NO2"),
              "PM10": ("可吸入颗粒物（PM10）", "PM10"), "PM2_5": ("细颗粒物（PM2.5）", "PM2.5"),
              "CO": ("一氧化碳（CO）", "CO"), "O3": ("臭氧（O3）", "O3")}
#: the averaging time of each pollutant's percentile statistic (GB 3095 Table 1; the air
#: document's ``short_limit``): O3 its daily maximum 8-hour mean, the others their 24-hour mean
_SHORT = {"O3": ("日最大8小时平均", "daily max 8-h mean")}
_SHORT_DEFAULT = ("24小时平均", "24-h mean")
#: units of the GB 3095 tables (their ``unit`` column)
_UNITS = {"ug/m3": ("微克/立方米", "µg/m³"), "mg/m3": ("毫克/立方米", "mg/m³")}
_GRADE = {1: ("一级", "grade I"), 2: ("二级", "grade II")}


def _name(lang: str, code: str) -> str:
    zh, en = _POLLUTANT.get(code, (code, code))
    return zh if lang == "zh" else en


def _verdict(v: Any, lang: str) -> str:
    t = _t(lang)
    return t("达标", "yes") if v is True else t("超标", "no") if v is False else t("未评价", "not assessed")


def _air_units(doc: dict[str, Any]) -> dict[str, str]:
    """Each pollutant's unit, from the GB 3095 table the document's limits come from."""
    g = doc["gb3095"]
    edition = str(g["edition"]).rsplit("-", 1)[-1]
    limits = air_limits(pd.Timestamp(g["phase_from"]).date(), edition)
    return {str(p): str(u) for p, u in zip(limits["pollutant"], limits["unit"], strict=True)}


def _air(doc: dict[str, Any], lang: str, district: str | None) -> list[Block]:
    t = _t(lang)
    year = doc["year"]
    if district is None:
        unit, scope, code = doc["city"], "city", "city"
    else:
        unit = next((d for d in doc["districts"] if str(d["code"]) == district), None)
        scope, code = "district", district
    if unit is None:
        return [_line(lang, "本区县没有空气监测站点，本节从略。",
                      "The district has no air monitoring station: this section is left out.")]
    name = str(unit["name"])
    stats = [s for s in doc["statistics"] if s["scope"] == scope and str(s["code"]) == code]
    g = doc["gb3095"]
    grade_zh, grade_en = _GRADE.get(int(g["grade"]), (str(g["grade"]), str(g["grade"])))
    if unit.get("complies") is True:
        verdict = t(f"各项污染物均达到 {g['edition']} {grade_zh}标准",
                    f"every pollutant meets {g['edition']} {grade_en}")
    elif unit.get("complies") is False:
        over = [_name(lang, p) for p in str(unit.get("exceeding") or "").split(",") if p]
        verdict = t(f"未达到 {g['edition']} {grade_zh}标准的污染物：{'、'.join(over)}",
                    f"not meeting {g['edition']} {grade_en}: {', '.join(over)}")
    else:
        verdict = t("全年数据不完整，未作达标评价", "the year's data are incomplete: no compliance verdict")
    ratio, index = percent(unit.get("good_day_ratio")), number(unit.get("composite_index"), 2)
    summary = t(f"{year}年{name}环境空气优良天数 {count(unit.get('good_days'))} 天（有效天数 "
                f"{count(unit.get('days'))} 天），优良天数比例 {ratio}；环境空气质量综合指数 {index}；{verdict}。",
                f"In {year}, {name} had {count(unit.get('good_days'))} good days out of {count(unit.get('days'))} "
                f"with an AQI: a good-day ratio of {ratio}; comprehensive index {index}; {verdict}.")
    if district is not None and unit.get("rank") is not None:
        summary += t(f"综合指数在 {len(doc['districts'])} 个区县中由小到大排第 {unit['rank']} 位。",
                     f" It ranks {unit['rank']} of {len(doc['districts'])} districts by the index (cleanest first).")
    editions = ("；" if lang == "zh" else "; ").join(
        t(f"{e['edition']}（{e['first_day']} 至 {e['last_day']}，{e['days']} 天）",
          f"{e['edition']} ({e['first_day']} to {e['last_day']}, {e['days']} days)")
        for e in doc["aqi_standard"]["editions"])
    facts = [(t("AQI 技术规定", "AQI rules"), editions or "—")]
    if doc["aqi_standard"].get("override"):
        facts.append((t("配置指定", "set by the profile"), f"{doc['aqi_standard']['override']} "
                                                           f"(environment.aqi_standard)"))
    until = g["phase_to"] or "—"
    facts.append((t("评价标准", "standard"), t(f"{g['edition']} {grade_zh}（{g['phase_from']} 至 {until}）",
                                                f"{g['edition']} {grade_en} ({g['phase_from']} to {until})")))
    units = _air_units(doc)
    rows = []
    for s in stats:
        pol = str(s["pollutant"])
        u = units.get(pol, "")
        d = 2 if u == "mg/m3" else 1
        avg = _SHORT.get(pol, _SHORT_DEFAULT)
        rows.append([_name(lang, pol), number(s.get("annual_mean"), d), number(s.get("annual_limit"), 0),
                     t(f"{avg[0]}第{number(s.get('percentile'), 0)}百分位数",
                       f"{number(s.get('percentile'), 0)}th percentile of the {avg[1]}"),
                     number(s.get("percentile_value"), d), number(s.get("short_limit"), d if d == 2 else 0),
                     t(*_UNITS.get(u, (u, u))), _verdict(s.get("complies"), lang)])
    out: list[Block] = [
        Text(summary), Facts(tuple(facts)),
        Heading(t(f"{name}各污染物评价（{g['edition']} {grade_zh}）",
                  f"{name}: by pollutant ({g['edition']} {grade_en})"), 2),
        grid([(t("污染物", "pollutant"), False), (t("年平均浓度", "annual mean"), True),
              (t("年平均限值", "annual limit"), True), (t("统计量", "statistic"), False),
              (t("浓度", "value"), True), (t("限值", "limit"), True), (t("单位", "unit"), False),
              (t("达标", "complies"), False)], rows)]
    incomplete = [s for s in stats if s.get("complete") is False]
    if incomplete:
        out.append(_line(lang, "数据不完整：" + "；".join(f"{_name(lang, str(s['pollutant']))} {s.get('reasons') or ''}"
                                                     for s in incomplete),
                         "Incomplete data: " + "; ".join(f"{_name(lang, str(s['pollutant']))} {s.get('reasons') or ''}"
                                                         for s in incomplete)))
    if district is None and doc["districts"]:
        out += [Heading(t("区县排名（综合指数由小到大）", "Districts ranked (comprehensive index, cleanest first)"), 2),
                grid([(t("排名", "rank"), True), (t("区县", "district"), False), (t("综合指数", "index"), True),
                      (t("优良天数比例", "good-day ratio"), True), (t("优良天数", "good days"), True),
                      (t("有效天数", "days"), True), (t("达标", "complies"), False),
                      (t("超标污染物", "exceeding"), False)],
                     [[count(d.get("rank")), _named(lang, d["name"], d["code"]),
                       number(d.get("composite_index"), 2), percent(d.get("good_day_ratio")), count(d.get("good_days")),
                       count(d.get("days")), _verdict(d.get("complies"), lang),
                       ("、" if lang == "zh" else ", ").join(_name(lang, p) for p in
                                                            str(d.get("exceeding") or "").split(",") if p) or "—"]
                      for d in doc["districts"]])]
    out.append(_line(lang, "未经核实：" + "；".join(str(u["zh"]) for u in doc.get("unverified", [])) + "。",
                     "Unverified: " + "; ".join(str(u["en"]) for u in doc.get("unverified", [])) + "."))
    return out


# --- water ----------------------------------------------------------------------------------

_CLASS = ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类", "Ⅴ类", "劣Ⅴ类")
_CLASS_EN = ("I", "II", "III", "IV", "V", "worse than V")


def _class(v: Any, lang: str) -> str:
    if not isinstance(v, int | float) or v != v or not 1 <= int(v) <= 6:
        return "—"
    return (_CLASS if lang == "zh" else _CLASS_EN)[int(v) - 1]


def _pct(v: Any) -> str:
    """A share the water document holds in per cent (``80.0`` → ``80.0%``)."""
    s = number(v, 1)
    return s if s == "—" else f"{s}%"


def _water(doc: dict[str, Any], lang: str, district: str | None) -> list[Block]:
    t = _t(lang)
    year = doc["year"]
    unit = doc["city"] if district is None else next((d for d in doc["districts"] if str(d["code"]) == district), None)
    sections = [s for s in doc["sections"] if district is None or str(s.get("district_id")) == district]
    if unit is None or not sections:
        return [_line(lang, "本区县没有地表水监测断面，本节从略。",
                      "The district has no surface-water section: this section is left out.")]
    name = str(unit["name"])
    grade = unit.get("grade") if lang == "zh" else unit.get("grade_en")
    met, targets, met_pct = (count(unit.get("meeting_target")), count(unit.get("with_target")),
                             _pct(unit.get("meeting_target_pct")))
    summary = t(f"{year}年{name}评价地表水监测断面 {count(unit.get('sections'))} 个，Ⅰ～Ⅲ类水质断面占 "
                f"{_pct(unit.get('i_iii'))}，Ⅳ～Ⅴ类占 {_pct(unit.get('iv_v'))}，劣Ⅴ类占 {_pct(unit.get('worse_v'))}；"
                f"{met} 个断面达到水质目标（有目标的 {targets} 个，{met_pct}）"
                + (f"；水质状况{grade}。" if grade else "。"),
                f"In {year}, surface-water sections assessed in {name}: {count(unit.get('sections'))}; "
                f"{_pct(unit.get('i_iii'))} in classes I–III, {_pct(unit.get('iv_v'))} in IV–V and "
                f"{_pct(unit.get('worse_v'))} worse than V; sections meeting their target: {met} of {targets} "
                f"({met_pct})" + (f"; water quality {grade}." if grade else "."))
    units = [unit] if district is not None else [unit, *doc["districts"]]
    limits = water_limits()
    items = dict(zip(limits["item"].astype(str), limits["name_zh" if lang == "zh" else "name_en"].astype(str),
                     strict=True))
    sep = "、" if lang == "zh" else ", "
    out: list[Block] = [
        Text(summary),
        Heading(t("水质类别比例", "Shares of classes"), 2),
        grid([(t("单元", "unit"), False), (t("断面数", "sections"), True), (t("Ⅰ～Ⅲ类", "I–III"), True),
              (t("Ⅳ～Ⅴ类", "IV–V"), True), (t("劣Ⅴ类", "worse than V"), True),
              (t("达到目标", "meeting the target"), True), (t("达标率", "share meeting"), True),
              (t("水质状况", "grade"), False)],
             [[_named(lang, u["name"], u["code"]) if u["kind"] == "district" else str(u["name"]),
               count(u.get("sections")), _pct(u.get("i_iii")), _pct(u.get("iv_v")), _pct(u.get("worse_v")),
               f"{count(u.get('meeting_target'))}/{count(u.get('with_target'))}", _pct(u.get("meeting_target_pct")),
               str(u.get("grade" if lang == "zh" else "grade_en") or "—")] for u in units]),
        Heading(t("各断面水质", "Sections"), 2),
        grid([(t("断面", "section"), False), (t("区县", "district"), False), (t("水质类别", "class"), False),
              (t("定类指标", "deciding indicators"), False), (t("目标类别", "target"), False),
              (t("达标", "meets the target"), False)],
             [[_named(lang, s.get("name"), s["section_id"]),
               str(s.get("district_name") or s.get("district_id") or "—"), _class(s.get("class"), lang),
               sep.join(items.get(i, i) for i in str(s.get("deciding") or "").split(",") if i) or "—",
               _class(s.get("target_class"), lang),
               t("是", "yes") if s.get("meets_target") is True else t("否", "no") if s.get("meets_target") is False
               else "—"] for s in sections])]
    if doc.get("not_built"):
        out.append(_line(lang, "未实现：" + "；".join(str(x["zh"]) for x in doc["not_built"]) + "。",
                         "Not built: " + "; ".join(str(x["en"]) for x in doc["not_built"]) + "."))
    return out


# --- permits --------------------------------------------------------------------------------

def _permits(doc: dict[str, Any], lang: str, district: str | None) -> list[Block]:
    t = _t(lang)
    year = doc["year"]

    def mine(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if district is None or str(r.get("district_id")) == district]

    ents, totals, over, quota, batches = (mine(doc[k]) for k in ("enterprises", "districts", "over_permit",
                                                                   "over_quota", "four_batches"))
    if district is not None and not ents and not totals:
        return [_line(lang, "本区县没有排污许可，本节从略。",
                      "The district has no discharge permit: this section is left out.")]
    if district is None:
        c = doc["counts"]
        n, k, m, e = c["permits"], c["over_permit"], c["districts_over_quota"], c["over_quota_enterprises"]
        who = t("全市", "the city")
    else:
        n, k = len(ents), len(over)
        m, e = len({str(r["pollutant"]) for r in quota}), len({str(r["entity_id"]) for r in quota})
        who = str(totals[0]["district"] if totals else ents[0]["district"])
    pol = "pollutant_zh" if lang == "zh" else "pollutant_en"
    summary = t(f"{year}年{who}持有排污许可的企业—污染物共 {count(n)} 项，其中超过年许可排放量 {count(k)} 项；"
                f"排放超过总量控制指标的区县—污染物 {count(m)} 项，涉及企业 {count(e)} 家。",
                f"In {year}, permitted enterprise–pollutant pairs in {who}: {count(n)}, of which over the annual "
                f"permitted quantity: {count(k)}; district–pollutant pairs over their quota: {count(m)}, "
                f"with {count(e)} enterprises.")
    out: list[Block] = [
        Text(summary),
        Heading(t("区县排放总量与总量控制指标（吨）", "District totals against the quota (t)"), 2),
        grid([(t("区县", "district"), False), (t("污染物", "pollutant"), False),
              (t("许可排放量合计", "permitted"), True), (t("实际排放量", "actual"), True),
              (t("总量控制指标", "quota"), True), (t("实际-指标", "actual - quota"), True),
              (t("企业数", "enterprises"), True)],
             [[str(r.get("district") or r.get("district_id") or "—"), str(r.get(pol) or r["pollutant"]),
               number(r.get("permitted_t"), 2), number(r.get("actual_t"), 2), number(r.get("quota_t"), 2),
               number(r.get("over_quota_t"), 2), count(r.get("enterprises"))] for r in totals])]
    top = over[:TOP_OVER_PERMIT]
    head = t("超许可排放名单", "Over the permit")
    if len(over) > len(top):
        head += t(f"（共 {len(over)} 项，列出前 {len(top)} 项）", f" ({len(top)} of {len(over)} listed)")
    reasons = "reasons_zh" if lang == "zh" else "reasons_en"
    out += [Heading(head, 2),
            _grid(t("没有超许可排放的企业", "no enterprise over its permit"),
                  [(t("序号", "no."), True), (t("企业", "enterprise"), False), (t("区县", "district"), False),
                  (t("污染物", "pollutant"), False), (t("许可量（吨）", "permitted (t)"), True),
                  (t("实际排放（吨）", "actual (t)"), True), (t("实际/许可", "actual/permit"), True),
                  (t("原因", "reasons"), False)],
                 [[str(i), _named(lang, r.get("name"), r["entity_id"]), str(r.get("district") or "—"),
                   str(r.get(pol) or r["pollutant"]), number(r.get("permitted_t"), 2), number(r.get("actual_t"), 2),
                   percent(r.get("ratio"), 0), ("；" if lang == "zh" else "; ").join(map(str, r.get(reasons) or []))]
                  for i, r in enumerate(top, start=1)])]
    out.append(Heading(t("四个一批", "Four batches (四个一批)"), 2))
    rules = doc.get("four_batches_rules")
    if rules is None:
        out.append(_line(lang, "配置未选择四个一批规则（environment.four_batches），未分批。",
                         "The profile selects no four-batches rules (environment.four_batches): no batches."))
    else:
        out += [_line(lang, f"规则：{rules['name']}（{rules.get('source') or '—'}）",
                      f"Rules: {rules['name']} ({rules.get('source') or '—'})"),
                _grid(t("没有企业列入四个一批", "no enterprise in a batch"),
                      [(t("批次", "batch"), False), (t("企业", "enterprise"), False), (t("区县", "district"), False),
                      (t("最高实际/许可", "highest actual/permit"), True), (t("连续超许可年数", "years over"), True),
                      (t("理由", "reason"), False)],
                     [[str(r.get("batch_zh" if lang == "zh" else "batch_en") or r["batch"]),
                       _named(lang, r.get("name"), r["entity_id"]), str(r.get("district") or "—"),
                       percent(r.get("ratio"), 0), count(r.get("years_over")),
                       str(r.get("reason_zh" if lang == "zh" else "reason_en") or "—")] for r in batches])]
    out += [_line(lang, str(x["zh"]), str(x["en"])) for x in doc.get("notes", [])]
    out.append(_line(lang, "以上名单供跟踪核查，不是违法认定。",
                     "These lists are an administrative screening for follow-up, not a legal finding of a violation."))
    return out
