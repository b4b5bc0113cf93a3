"""The printable reports (docs/reports.md), each made from the documents the pages use
(:mod:`qingshan.documents`) into a :class:`~qingshan.reports.model.Report`:

| kind | documents | |
|---|---|---|
| ``city`` | accounts, targets, evaluation, GEP, air, water, permits | the city's annual energy-and-carbon report |
| ``district`` | accounts, targets, evaluation, air, water, permits | a district's report |
| ``park`` | accounts, targets, evaluation | a park's report |
| ``enterprise`` | the enterprise page's | the enterprise report card (企业画像) |
| ``evaluation`` | evaluation | the evaluation notice list (公示名单) |
| ``screen`` | screening | the screening verdict |

:func:`sources` gathers a report's documents from a city (the web application calls it
under the served city's lock, the CLI on the city it opened); the builders only arrange
and format their values: every number printed is a number of a document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qingshan import __version__
from qingshan.documents import accounts as accounts_doc
from qingshan.documents import enterprises as enterprises_doc
from qingshan.documents import evaluation as evaluation_doc
from qingshan.documents import targets as targets_doc
from qingshan.documents.screening import OUTCOME
from qingshan.errors import ConfigError, ValidationError
from qingshan.reports import environment_section, gep_section, registry_section
from qingshan.reports.model import Block, Facts, Grid, Heading, Report, Text, count, grid, number, percent

if TYPE_CHECKING:
    from qingshan.city import City

KINDS = ("city", "district", "park", "enterprise", "evaluation", "screen")
CLASSES = ("A", "B", "C", "D", "T")
COLOUR = {"red": ("红（一级预警）", "red (level 1)"), "yellow": ("黄（二级预警）", "yellow (level 2)"),
          "green": ("绿", "green")}
SEGMENT = {"above": ("规上工业企业", "above designated size"), "below_3mu": ("规下工业企业（3亩以上）",
                                                                        "below designated size (3 mu and more)")}
#: the enterprises a city's, district's or park's report lists by energy
TOP = 20


def unknown(kind_zh: str, kind_en: str, code: str) -> ConfigError:
    return ConfigError(f"[R002] 没有{kind_zh} {code!r} / no {kind_en} {code!r}")


def sources(city: City, kind: str, unit: str | None = None, year: int | None = None,
            scheme: str | None = None) -> dict[str, Any]:
    """The documents a report of ``kind`` is made from (``unit``: the district's or park's
    code, the enterprise's id; ``year``: the evaluation's and the report's year)."""
    y = year if year is not None else city.latest_year
    if kind == "enterprise":
        one = enterprises_doc.one(city, str(unit))
        if one is None:
            raise unknown("企业", "enterprise", str(unit))
        return {"enterprise": one}
    if kind == "evaluation":
        return {"evaluation": evaluation_doc.build(city, y, scheme)}
    try:
        ev: dict[str, Any] | None = evaluation_doc.build(city, y, scheme)
    except (ConfigError, ValidationError):  # no scheme for the year, or no year before it
        ev = None
    out = {"accounts": accounts_doc.build(city, None), "targets": targets_doc.build(city), "evaluation": ev,
           "year": y}
    if kind in ("city", "district"):  # air, water, permits (reports/environment_section.py)
        out["environment"] = environment_section.sources(city, y)
    if kind == "city":  # the rights registry (reports/registry_section.py)
        out["registry"] = registry_section.sources(city, y)
    return out | {"gep": gep_section.sources(city, y)} if kind == "city" else out


def _t(lang: str) -> Callable[[str, str], str]:
    return lambda zh, en: zh if lang == "zh" else en


def _footer(doc: dict[str, Any], lang: str) -> str:
    p = doc.get("profile") or {}
    fs = doc.get("factor_set") or {}
    pkg = doc.get("package") or {}
    t = _t(lang)
    return (f"{t('青山', 'Qingshan')} {__version__} · {t('配置', 'profile')} {p.get('id', '—')} {p.get('version', '')}"
            f" · {t('因子集', 'factor set')} {fs.get('name', '—')} {fs.get('version', '')}"
            f" · {t('数据包', 'package')} {pkg.get('digest', '—')}")


def _rows(doc: dict[str, Any], level: str, year: int | None = None, unit: str | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = doc["rollups"].get(level, [])
    return [r for r in rows if (year is None or r["year"] == year) and (unit is None or str(r["unit_id"]) == unit)]


def _change(now: Any, before: Any) -> str:
    if not isinstance(now, int | float) or not isinstance(before, int | float) or not before:
        return "—"
    change = now / before - 1
    return ("+" if change > 0 else "") + percent(change)


INDICATORS = (("energy_tce", "综合能耗（当量值，吨标准煤）", "energy, calorific value (tce)", 0),
              ("energy_tce_equal", "综合能耗（等价值，吨标准煤）", "energy, equal value (tce)", 0),
              ("electricity_kwh", "用电量（千瓦时）", "electricity (kWh)", 0),
              ("co2_t", "二氧化碳排放（吨）", "CO2 (t)", 0),
              ("value_added_10k_yuan", "工业增加值（万元）", "industrial value added (10k yuan)", 0),
              ("energy_per_va", "单位工业增加值能耗（吨标准煤/万元）", "energy per value added (tce/10k yuan)", 3),
              ("co2_per_va", "单位工业增加值二氧化碳（吨/万元）", "CO2 per value added (t/10k yuan)", 3))


def _indicator_table(now: dict[str, Any], before: dict[str, Any] | None, lang: str) -> Grid:
    t = _t(lang)
    return grid([(t("指标", "indicator"), False), (t("本年", "this year"), True), (t("上年", "last year"), True),
                 (t("增减", "change"), True)],
                [[t(zh, en), number(now.get(k), d), number((before or {}).get(k), d),
                  _change(now.get(k), (before or {}).get(k))] for k, zh, en, d in INDICATORS])


def _series(rows: list[dict[str, Any]], lang: str) -> Grid:
    t = _t(lang)
    return grid([(t("年份", "year"), False), (t("企业数", "enterprises"), True),
                 (t("综合能耗 吨标准煤", "energy tce"), True), (t("二氧化碳 吨", "CO2 t"), True),
                 (t("增加值 万元", "value added 10k yuan"), True), (t("能耗强度 吨标准煤/万元", "tce/10k yuan"), True),
                 (t("碳排放强度 吨/万元", "t CO2/10k yuan"), True)],
                [[str(r["year"]), count(r.get("enterprises")), number(r.get("energy_tce")), number(r.get("co2_t")),
                  number(r.get("value_added_10k_yuan")), number(r.get("energy_per_va"), 3),
                  number(r.get("co2_per_va"), 3)] for r in sorted(rows, key=lambda r: r["year"])])


def _units(rows: list[dict[str, Any]], head: str, lang: str) -> Grid:
    t = _t(lang)
    return grid([(head, False), (t("企业数", "enterprises"), True), (t("综合能耗 吨标准煤", "energy tce"), True),
                 (t("二氧化碳 吨", "CO2 t"), True), (t("能耗强度 吨标准煤/万元", "tce/10k yuan"), True),
                 (t("碳排放强度 吨/万元", "t CO2/10k yuan"), True)],
                [[f"{r.get('unit_name') or ''} {r['unit_id']}".strip(), count(r.get("enterprises")),
                  number(r.get("energy_tce")), number(r.get("co2_t")), number(r.get("energy_per_va"), 3),
                  number(r.get("co2_per_va"), 3)] for r in rows])


def _targets(latest: list[dict[str, Any]], lang: str) -> Grid:
    t = _t(lang)
    return grid([(t("目标", "target"), False), (t("年份", "year"), False), (t("实际变化", "actual change"), True),
                 (t("进度目标", "required change"), True), (t("预警", "colour"), False)],
                [[str(r[lang] if r.get(lang) else r["target_id"]), str(r["year"]), percent(r.get("actual_change")),
                  percent(r.get("required_change")), t(*COLOUR.get(str(r.get("colour")), ("—", "—")))]
                 for r in latest])


def _room(rows: list[dict[str, Any]], lang: str) -> Grid:
    t = _t(lang)
    return grid([(t("目标", "target"), False), (t("类型", "kind"), False), (t("目标年", "target year"), False),
                 (t("目标年允许量", "allowed in the target year"), True), (t("剩余空间", "remaining room"), True)],
                [[str(r["target_id"]), t("能耗（吨标准煤）", "energy (tce)") if r.get("kind") == "energy"
                  else t("二氧化碳（吨）", "CO2 (t)"), str(r.get("target_year")), number(r.get("allowed_total")),
                  number(r.get("room"))] for r in rows])


def _enterprises(rows: list[dict[str, Any]], lang: str, classes: dict[str, Any]) -> Grid:
    t = _t(lang)
    return grid([(t("企业", "enterprise"), False), (t("统一社会信用代码", "code"), False),
                 (t("行业", "industry"), False), (t("综合能耗 吨标准煤", "energy tce"), True),
                 (t("二氧化碳 吨", "CO2 t"), True), (t("能耗强度 吨标准煤/万元", "tce/10k yuan"), True),
                 (t("类别", "class"), False)],
                [[str(r["name"]), str(r["entity_id"]), str(r.get("industry_code") or "—"), number(r.get("energy_tce")),
                  number(r.get("co2_t")), number(r.get("energy_per_va"), 3),
                  str(classes.get(r["entity_id"]) or "—")] for r in rows])


def _class_counts(firms: list[dict[str, Any]], lang: str) -> Grid:
    t = _t(lang)
    segments: dict[str, dict[str, int]] = {}
    for f in firms:
        if f.get("class"):
            seg = segments.setdefault(str(f.get("segment") or "—"), {})
            seg[f["class"]] = seg.get(f["class"], 0) + 1
    return grid([(t("评价分组", "segment"), False), *[(c, True) for c in CLASSES], (t("合计", "total"), True)],
                [[t(*SEGMENT.get(s, (s, s))), *[count(n.get(c, 0)) for c in CLASSES], count(sum(n.values()))]
                 for s, n in segments.items()])


def area(src: dict[str, Any], kind: str, lang: str, unit: str | None = None) -> Report:
    """The annual energy-and-carbon report of the city, or of the district or park ``unit``."""
    t = _t(lang)
    acc, tg, ev, year = src["accounts"], src["targets"], src["evaluation"], int(src["year"])
    level = "city" if kind == "city" else kind
    mine = _rows(acc, level, None, unit if kind != "city" else None)
    if not mine:
        raise unknown(t("区县", "district") if kind == "district" else t("园区", "park"), kind, str(unit))
    code = str(mine[0]["unit_id"])
    name = str(mine[0].get("unit_name") or code)
    now = next((r for r in mine if r["year"] == year), None)
    if now is None:
        raise ConfigError(f"[R003] 数据中没有 {year} 年 / year {year} is not in the data")
    before = next((r for r in mine if r["year"] == year - 1), None)
    firms = [e for e in acc["enterprises"] if e["year"] == year and (
        kind == "city" or str(e.get("district_id" if kind == "district" else "park_id")) == code)]
    classed = {f["entity_id"]: f.get("class") for f in (ev or {}).get("enterprises", [])}
    blocks: list[Block] = [
        Facts(((t("报告年份", "year"), str(year)), (t("单元", "unit"), f"{name}（{code}）" if lang == "zh"
                                                   else f"{name} ({code})"),
               (t("企业数", "enterprises"), count(now.get("enterprises"))))),
        Heading(t("一、总体情况", "1. Summary")),
        Text(t(f"{year}年{name}综合能耗（当量值）{number(now.get('energy_tce'))} 吨标准煤，比上年变化 "
               f"{_change(now.get('energy_tce'), (before or {}).get('energy_tce'))}；二氧化碳排放 "
               f"{number(now.get('co2_t'))} 吨，比上年变化 {_change(now.get('co2_t'), (before or {}).get('co2_t'))}；"
               f"单位工业增加值能耗 {number(now.get('energy_per_va'), 3)} 吨标准煤/万元。",
               f"In {year}, {name} used {number(now.get('energy_tce'))} tce (calorific value), "
               f"{_change(now.get('energy_tce'), (before or {}).get('energy_tce'))} on the year before, and emitted "
               f"{number(now.get('co2_t'))} t CO2 ({_change(now.get('co2_t'), (before or {}).get('co2_t'))}); "
               f"energy per value added was {number(now.get('energy_per_va'), 3)} tce/10k yuan.")),
        _indicator_table(now, before, lang),
        Heading(t("二、逐年变化", "2. Year by year")), _series(mine, lang)]
    n = 3
    below: list[tuple[str, str, str]] = ([("district", "各区县", "Districts"), ("park", "各园区", "Parks"),
                                          ("industry", "各行业（大类）", "Industries (divisions)")]
                                         if kind == "city" else [("park", "各园区", "Parks")] if kind == "district"
                                         else [])
    for lvl, zh, en in below:
        rows = _rows(acc, lvl, year)
        if lvl == "park" and kind == "district":
            parks = {str(e.get("park_id")) for e in firms if e.get("park_id")}
            rows = [r for r in rows if str(r["unit_id"]) in parks]
        if lvl == "industry":
            rows = sorted(rows, key=lambda r: -(r.get("energy_tce") or 0))
        if rows:
            blocks += [Heading(t(f"{_cn(n)}、{zh}", f"{n}. {en}")), _units(rows, t(zh[1:], en), lang)]
            n += 1
    latest = [r for r in tg.get("latest", []) if (kind == "city" and r.get("level") == "city")
              or (r.get("level") == kind and str(r.get("entity")) == code)]
    room = [r for r in tg.get("remaining_room", []) if (kind == "city" and r.get("level") == "city")
            or (r.get("level") == kind and str(r.get("entity")) == code)]
    blocks += [Heading(t(f"{_cn(n)}、目标进度与预警", f"{n}. Targets and warnings"))]
    none = Text(t("本单元没有目标", "no target is set for this unit"), "note")
    blocks += [_targets(latest, lang)] if latest else [none]
    if room:
        blocks += [Heading(t("剩余空间", "Remaining room"), 2), _room(room, lang)]
    n += 1
    if ev is not None:
        ev_firms = [f for f in ev["enterprises"] if kind == "city" or str(
            f.get("district_id" if kind == "district" else "park_id")) == code]
        blocks += [Heading(t(f"{_cn(n)}、亩均评价", f"{n}. 亩均 evaluation")),
                   Text(t(f"评价方案：{ev['scheme']['zh']}（{ev['year']} 年）",
                          f"scheme: {ev['scheme']['en']} ({ev['year']})")), _class_counts(ev_firms, lang)]
        total = sum(f["measures_yuan"] or 0 for f in ev_firms) if ev.get("measure_set") else None
        if kind == "city" and ev.get("measure_set"):
            total = ev["summary"].get("measures_total_yuan")
        if total is not None:
            blocks.append(Text(t(f"差别化电价加价合计 {number(total)} 元",
                                 f"electricity surcharges: {number(total)} yuan")))
        n += 1
    top = sorted(firms, key=lambda r: -(r.get("energy_tce") or 0))[:TOP]
    blocks += [Heading(t(f"{_cn(n)}、重点用能企业（前 {TOP} 家）", f"{n}. Largest energy users (top {TOP})")),
               _enterprises(top, lang, classed)]
    notes = [x[lang] for x in acc.get("notes", []) if x.get("year") == year]
    if notes:
        blocks += [Heading(t("说明", "Notes"), 2), *[Text(x, "note") for x in notes]]
    m = n + 1
    if "environment" in src:  # air, water, permits; a district's report: its own part (docs/reports.md)
        blocks += environment_section.blocks(
            src["environment"], lang, [t(f"{_cn(m + i)}、{zh}", f"{m + i}. {en}")
                                       for i, (zh, en) in enumerate(environment_section.TITLES)],
            None if kind == "city" else code)
        m += len(environment_section.TITLES)
    if kind == "city" and registry_section.shown(src.get("registry")):  # before GEP (reports/registry_section.py)
        blocks += registry_section.blocks(src["registry"], lang, t(f"{_cn(m)}、权益登记", f"{m}. Rights registry"))
        m += 1
    if kind == "city" and "gep" in src:  # the GEP section, last (docs/reports.md)
        blocks += gep_section.blocks(src["gep"], lang, t(f"{_cn(m)}、生态系统生产总值（GEP）",
                                                         f"{m}. Gross ecosystem product (GEP)"))
    what = {"city": ("能源与碳排放年度报告", "annual energy and carbon report"),
            "district": ("区县能源与碳排放报告", "district energy and carbon report"),
            "park": ("园区能源与碳排放报告", "park energy and carbon report")}[kind]
    return Report(kind, lang, t(f"{name}{year}年{what[0]}", f"{name}: {what[1]} {year}"),
                  t("综合能耗按 GB/T 2589 核算，二氧化碳按国家温室气体核算指南核算",
                    "energy by GB/T 2589, CO2 by the national accounting guidelines"),
                  tuple(blocks), _footer(acc, lang), {"subject": what[1]})


def _cn(n: int) -> str:
    d = "零一二三四五六七八九十"
    if n <= 10:
        return d[n]
    return (d[n // 10] if n >= 20 else "") + "十" + (d[n % 10] if n % 10 else "") if n < 100 else str(n)


def enterprise(src: dict[str, Any], lang: str) -> Report:
    """The enterprise report card (企业画像)."""
    t = _t(lang)
    d = src["enterprise"]
    ev = d.get("evaluation") or {}
    ind = {r["year"]: r for r in d.get("industry_intensity", [])}
    facts = [(t("统一社会信用代码", "code"), str(d["entity_id"])),
             (t("行业", "industry"), f"{d['industry']['code']}（{d['industry']['division_name']}）"),
             (t("所属区县", "district"), str(ev.get("district_id") or "—")),
             (t("所属园区", "park"), str(ev.get("park_id") or "—")),
             (t("亩均类别", "class"), str(ev.get("class") or "—")), (t("总分", "score"), number(ev.get("score"), 2)),
             (t("碳效等级", "carbon grade"), str(ev.get("carbon_grade") or "—"))]
    blocks: list[Block] = [
        Facts(tuple(facts)), Heading(t("一、能耗与排放", "1. Energy and CO2")),
        grid([(t("年份", "year"), False), (t("综合能耗 吨标准煤", "energy tce"), True),
              (t("二氧化碳 吨", "CO2 t"), True),
              (t("增加值 万元", "value added 10k yuan"), True), (t("能耗强度 吨标准煤/万元", "tce/10k yuan"), True),
              (t("行业能耗强度", "industry tce/10k yuan"), True)],
             [[str(r["year"]), number(r.get("energy_tce")), number(r.get("co2_t")),
               number(r.get("value_added_10k_yuan")),
               number(r.get("energy_per_va"), 3), number((ind.get(r["year"]) or {}).get("energy_per_va"), 3)]
              for r in d.get("yearly", [])]),
        Heading(t("二、亩均评价", "2. 亩均 evaluation"))]
    if d.get("why"):
        blocks.append(Text(d["why"][lang]))
    mv = d.get("move_up")
    if mv:
        blocks.append(Text(t(f"升至 {mv['target_class']} 类需总分 {number(mv['threshold_score'], 2)}（差 "
                             f"{number(mv['gap'], 2)} 分），或单项指标达到下表“升一类所需值”。",
                             f"To reach class {mv['target_class']}: a score of {number(mv['threshold_score'], 2)} "
                             f"({number(mv['gap'], 2)} more), or one indicator at the value in the last column.")))
    if d.get("items"):
        blocks.append(grid([(t("指标", "indicator"), False), (t("单位", "unit"), False), (t("数值", "value"), True),
                            (t("基准值", "benchmark"), True), (t("得分", "score"), True),
                            (t("升一类所需值", "for the next class"), True)],
                           [[str(i[lang]), str(i.get("unit") or ""), number(i.get("value"), 3),
                             number(i.get("benchmark"), 3), number(i.get("score"), 2), number(i.get("needed_value"), 3)]
                            for i in d["items"]]))
    elif not d.get("why"):
        blocks.append(Text(t("本年没有亩均评价", "no 亩均 evaluation this year"), "note"))
    if d.get("measures"):
        blocks += [Heading(t("三、差别化政策", "3. Measures")),
                   *[Text(f"{m.get(lang) or m.get('measure')}"
                          + (f"：{number(m['amount_yuan'])} {t('元', 'yuan')}" if m.get("amount_yuan") else ""))
                     for m in d["measures"]]]
    return Report("enterprise", lang, t(f"{d['name']} 企业画像", f"{d['name']}: enterprise report card"),
                  t(f"{d.get('profile', {}).get('year') or ''}年度", f"year {d.get('profile', {}).get('year') or ''}"),
                  tuple(blocks), _footer(d, lang), {"subject": "enterprise report card"})


def evaluation(src: dict[str, Any], lang: str) -> Report:
    """The evaluation notice list (公示名单): the class counts, then the enterprises of each
    class by score."""
    t = _t(lang)
    ev = src["evaluation"]
    firms = [f for f in ev["enterprises"] if f.get("class")]
    blocks: list[Block] = [
        Facts(((t("评价年份", "year"), str(ev["year"])), (t("评价方案", "scheme"), str(ev["scheme"][lang])),
               (t("方案依据", "source"), str(ev["scheme"]["source"].get("document", "—"))))),
        Heading(t("一、各类企业数", "1. Enterprises by class")), _class_counts(firms, lang)]
    names = {"A": ("A 类（优先发展类）", "class A"), "B": ("B 类（提升发展类）", "class B"),
             "C": ("C 类（整治提升类）", "class C"), "D": ("D 类（倒逼整治类）", "class D"),
             "T": ("T 类（不适合评价）", "class T (not suited)")}
    for i, c in enumerate(CLASSES, start=2):
        mine = sorted((f for f in firms if f["class"] == c), key=lambda f: (-(f.get("score") or 0), f["entity_id"]))
        blocks += [Heading(t(f"{_cn(i)}、{names[c][0]}（{len(mine)} 家）", f"{i}. {names[c][1]} ({len(mine)})")),
                   grid([(t("序号", "no."), True), (t("企业名称", "enterprise"), False),
                         (t("统一社会信用代码", "code"), False), (t("所属区县", "district"), False),
                         (t("行业代码", "industry"), False), (t("总分", "score"), True)],
                        [[str(k), str(f["name"]), str(f["entity_id"]), str(f.get("district_id") or "—"),
                          str(f.get("industry_code") or "—"), number(f.get("score"), 2)]
                         for k, f in enumerate(mine, start=1)])]
    return Report("evaluation", lang, t(f"{ev['year']}年度工业企业亩均效益综合评价结果公示名单",
                                        f"{ev['year']} 亩均 evaluation: notice list"),
                  str(ev["scheme"][lang]), tuple(blocks), _footer(ev, lang), {"subject": "evaluation notice list"})


def screen(src: dict[str, Any], lang: str) -> Report:
    """The screening verdict (节能审查与碳排放评价)."""
    t = _t(lang)
    d = src["screening"]
    p, fig, per = d["project"], d["figures"], d["per_value_added"]
    kinds = {"expansion": t("改扩建（仅计增量）", "expansion (increment only)"), "new": t("新建", "new")}
    blocks: list[Block] = [
        Facts(((t("建设单位", "builder"), str(p["builder"])), (t("行业代码", "industry"), str(p["industry_code"])),
               (t("项目类型", "kind"), kinds.get(p["kind"], str(p["kind"]))),
               (t("申报日期", "application date"), str(p["application_date"])),
               (t("投产年份", "commissioning"), str(p["commissioning_year"])),
               (t("所在园区", "park"), str(p.get("park_id") or "—")))),
        Text(t(f"结论：{d['verdict_zh']}", f"Verdict: {d['verdict_en']}"), "verdict"),
        Heading(t("一、能耗与排放", "1. Energy and CO2")),
        grid([(t("指标", "figure"), False), (t("数值", "value"), True), (t("单位", "unit"), False)],
             [[t("年综合能耗（当量值）", "annual energy (calorific)"), number(fig.get("energy_tce"), 1), "tce"],
              [t("年综合能耗（等价值）", "annual energy (equal value)"), number(fig.get("energy_tce_equal"), 1), "tce"],
              [t("二氧化碳排放", "CO2"), number(fig.get("co2_t"), 1), "t"],
              [t("单位增加值能耗", "energy per value added"), number(per.get("energy_tce_per_10k_yuan"), 3),
               t("吨标准煤/万元", "tce/10k yuan")],
              [t("单位增加值二氧化碳", "CO2 per value added"), number(per.get("co2_t_per_10k_yuan"), 3),
               t("吨/万元", "t/10k yuan")]]),
        Heading(t("二、审查理由", "2. Reasons")),
        grid([(t("规则", "rule"), False), (t("结果", "outcome"), False), (t("说明", "reason"), False),
              (t("依据", "source"), False)],
             [[str(x["rule"]), OUTCOME[x["outcome"]][0 if lang == "zh" else 1], str(x[lang]), str(x["source"])]
              for x in d["reasons"]])]
    if d.get("impact"):
        blocks += [Heading(t("三、对目标的影响", "3. Effect on targets")),
                   grid([(t("目标", "target"), False), (t("年份", "year"), False),
                         (t("强度（无项目）", "intensity without"), True),
                         (t("强度（含项目）", "intensity with"), True),
                         (t("剩余空间（无项目）", "room without"), True), (t("剩余空间（含项目）", "room with"), True)],
                        [[str(r["target_id"]), str(r["year"]), number(r.get("intensity_without"), 4),
                          number(r.get("intensity_with"), 4), number(r.get("room_without")),
                          number(r.get("room_with"))] for r in d["impact"]])]
    return Report("screen", lang, f"{p['name']}", t("节能审查与碳排放评价意见", "energy-conservation review and carbon "
                                                                            "evaluation"),
                  tuple(blocks), _footer(d, lang), {"subject": "screening verdict"})


def build(kind: str, src: dict[str, Any], lang: str, unit: str | None = None) -> Report:
    """The report of ``kind`` from its documents (:func:`sources`, or ``{"screening": doc}``)."""
    if kind in ("city", "district", "park"):
        return area(src, kind, lang, unit)
    if kind == "enterprise":
        return enterprise(src, lang)
    if kind == "evaluation":
        return evaluation(src, lang)
    if kind == "screen":
        return screen(src, lang)
    raise ConfigError(f"[R004] 未知的报告类型 {kind!r}（{'、'.join(KINDS)}） / unknown report {kind!r} "
                      f"({', '.join(KINDS)})")
