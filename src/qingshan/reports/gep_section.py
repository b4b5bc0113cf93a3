"""The GEP section of the city's report (生态系统生产总值（GEP）, docs/reports.md): the
account of the report's year, its change from the ecological package's year before split
into quantity and price effects, GDP–GEP coordination by district, the prices used and the
services not accounted, all from :mod:`qingshan.documents.gep` (the documents of ``qingshan
gep account | compare``). Values print in 亿元 (10⁸ yuan), physical quantities in the units
of the documents. A city without an ecological package, or a year the package does not
hold, gets one line saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qingshan.documents import gep as gep_doc
from qingshan.errors import QingshanError
from qingshan.i18n import unit
from qingshan.reports.model import Block, Facts, Grid, Heading, Text, grid, hundred_million, number

if TYPE_CHECKING:
    from qingshan.city import City


def sources(city: City, year: int) -> dict[str, Any]:
    """The GEP documents of ``year``: the account, the comparison with the package's year
    before (``None`` for its first year) and the coordination; or why there are none
    (``status``: ``none``, ``other_year`` or ``error`` with the message). The first call on a
    city computes the accounts of every year of the package (the coordination needs them),
    later calls take the city's cached accounts."""
    if city.ecology_dir is None:
        return {"status": "none", "year": year}
    try:
        years = sorted(int(y) for y in city.eco_package().years)
        if year not in years:
            return {"status": "other_year", "year": year, "years": years}
        before = [y for y in years if y < year]
        return {"status": "ok", "year": year, "account": gep_doc.account_document(city, year),
                "comparison": gep_doc.comparison_document(city, before[-1], year) if before else None,
                "coordination": gep_doc.coordination_document(city)}
    except QingshanError as exc:  # an invalid package, no price set for the year: the energy report still prints
        return {"status": "error", "year": year, "message": str(exc)}


#: the classes in the order GEP is reported (provisioning, regulating, cultural, imported)
_ORDER = {k: i for i, k in enumerate(gep_doc.CLASS_NAMES)}


def _signed(v: Any) -> str:
    s = hundred_million(v)
    return f"+{s}" if isinstance(v, int | float) and v > 0 else s


def _quantity(v: Any) -> str:
    return number(v, 0 if isinstance(v, int | float) and abs(v) >= 100 else 2)


def blocks(g: dict[str, Any], lang: str, heading: str) -> list[Block]:
    """The section headed ``heading`` from :func:`sources`' documents, in ``lang``."""
    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    out: list[Block] = [Heading(heading)]
    year = g["year"]
    if g["status"] == "none":
        return [*out, Text(t("本市没有生态数据包，未核算生态系统生产总值（GEP）。",
                             "The city has no ecological package: no GEP is accounted."), "note")]
    if g["status"] == "other_year":
        ys = "、".join(str(y) for y in g["years"]) if lang == "zh" else ", ".join(str(y) for y in g["years"])
        return [*out, Text(t(f"生态数据包的年份为 {ys}，不含 {year} 年，本报告未核算 GEP。",
                             f"The ecological package holds {ys}, not {year}: no GEP in this report."), "note")]
    if g["status"] == "error":
        return [*out, Text(t(f"未能核算 GEP：{g['message']}", f"GEP could not be accounted: {g['message']}"), "note")]
    a, c, k = g["account"], g["comparison"], g["coordination"]
    a = a | {"by_class": sorted(a["by_class"], key=lambda r: _ORDER.get(str(r["class"]), 9))}
    name: Callable[[dict[str, Any]], str] = lambda r: str(r["zh"] if lang == "zh" else r["en"])  # noqa: E731
    classes = {str(r["class"]): name(r) for r in a["by_class"]}
    services = {str(r["service"]): name(r) for r in a["by_service"]}
    class_of = {str(r["service"]): str(r["class"]) for r in a["by_indicator"]}
    yi = t("亿元", "100 million yuan")
    parts = ("、" if lang == "zh" else ", ").join(f"{name(r)} {hundred_million(r['value_yuan'])}"
                                                 for r in a["by_class"])
    summary = t(f"{year}年全市生态系统生产总值（GEP）{hundred_million(a['gep_yuan'])} 亿元，其中{parts} 亿元。",
                f"In {year} the city's gross ecosystem product was {hundred_million(a['gep_yuan'])} {yi}: {parts}.")
    if c is not None:
        tot = c["total"]
        summary += t(f"比 {c['from']} 年变化 {_signed(tot['change'])} 亿元，其中功能量效应 "
                     f"{_signed(tot['quantity_effect'])} 亿元、价格效应 {_signed(tot['price_effect'])} 亿元、"
                     f"未分解 {_signed(tot['unsplit'])} 亿元、核算范围变化 {_signed(tot['scope_change'])} 亿元。",
                     f" Since {c['from']} it changed by {_signed(tot['change'])}: quantity effect "
                     f"{_signed(tot['quantity_effect'])}, price effect {_signed(tot['price_effect'])}, unsplit "
                     f"{_signed(tot['unsplit'])}, scope change {_signed(tot['scope_change'])}.")
    ps = a["price_set"]
    out += [Text(summary),
            Heading(t("按类别与服务", "By class and service"), 2),
            grid([(t("类别", "class"), False), (t(f"价值量（{yi}）", f"value ({yi})"), True)],
                 [[name(r), hundred_million(r["value_yuan"])] for r in a["by_class"]]
                 + [[t("合计", "total"), hundred_million(a["gep_yuan"])]]),
            grid([(t("类别", "class"), False), (t("服务", "service"), False),
                  (t(f"价值量（{yi}）", f"value ({yi})"), True)],
                 [[classes.get(class_of.get(str(r["service"]), ""), "—"), name(r), hundred_million(r["value_yuan"])]
                  for r in sorted(a["by_service"], key=lambda r: (_ORDER.get(class_of.get(str(r["service"]), ""), 9),
                                                                  str(r["service"])))]),
            Heading(t("功能量", "Physical quantities"), 2),
            grid([(t("服务", "service"), False), (t("指标", "indicator"), False), (t("功能量", "quantity"), True),
                  (t("单位", "unit"), False), (t(f"价值量（{yi}）", f"value ({yi})"), True)],
                 [[services.get(str(r["service"]), str(r["service"])), str(r[f"indicator_{lang}"]),
                   _quantity(r["quantity"]), unit(str(r["quantity_unit"]), lang) if r["quantity_unit"] else "—",
                   hundred_million(r["value_yuan"])]
                  for r in a["by_indicator"]])]
    out += _change(c, lang, classes, services, class_of, yi) if c is not None else [
        Heading(t("变化", "Change"), 2),
        Text(t(f"{year} 年是生态数据包的第一个年份，没有上一期可比较。",
               f"{year} is the package's first year: there is no earlier year to compare with."), "note")]
    out += _coordination(a, k, year, lang, yi)
    sel = ps.get("selection") or {}
    out += [Heading(t("价格集与价格指数", "Price set and index"), 2),
            Facts(((t("价格集", "price set"), str(ps["name"])), (t("价格指数", "price index"), str(ps["index"])),
                   (t("依据", "source"), str(sel.get("source") or "—")),
                   (t("说明", "note"), str(sel.get("borrowed") or "—")))),
            Heading(t("未核算的服务", "Services not accounted"), 2),
            grid([(t("服务", "service"), False), (t("原因", "why"), False)],
                 [[name(r), str(r["why_zh"] if lang == "zh" else r["why_en"])] for r in a["not_accounted"]]),
            *[Text(str(p["message"]), "note") for p in a["problems"]]]
    p = a["profile"]
    out.append(Text(t(f"配置 {p['id']} {p['version']} · 价格集 {ps['name']}（价格指数 {ps['index']}）"
                      f" · 生态数据包 {a['eco_package']['digest']}",
                      f"profile {p['id']} {p['version']} · price set {ps['name']} (index {ps['index']})"
                      f" · ecological package {a['eco_package']['digest']}"), "note"))
    return out


def _change(c: dict[str, Any], lang: str, classes: dict[str, str], services: dict[str, str],
            class_of: dict[str, str], yi: str) -> list[Block]:
    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    def row(label: str, r: dict[str, Any]) -> list[str]:
        return [label, hundred_million(r["value_base"]), hundred_million(r["value_target"]), _signed(r["change"]),
                _signed(r["quantity_effect"]), _signed(r["price_effect"]), _signed(r["unsplit"]),
                _signed(r["scope_change"])]

    cols = [(str(c["from"]), True), (str(c["to"]), True), (t("变化", "change"), True),
            (t("功能量效应", "quantity effect"), True), (t("价格效应", "price effect"), True),
            (t("未分解", "unsplit"), True), (t("核算范围变化", "scope change"), True)]
    by_service = sorted(c["by_service"], key=lambda r: str(r["service"]))
    rows = [row(t("合计", "total"), c["total"])]
    for r in sorted(c["by_class"], key=lambda r: _ORDER.get(str(r["class"]), 9)):
        rows.append(row(classes.get(str(r["class"]), str(r["class"])), r))
        rows += [row(f"　· {services.get(str(s['service']), str(s['service']))}", s) for s in by_service
                 if class_of.get(str(s["service"])) == str(r["class"])]
    return [Heading(t(f"与 {c['from']} 年比较：功能量效应与价格效应",
                      f"Change since {c['from']}: quantity and price effects"), 2),
            Text(t(f"单位：{yi}。分解方法：{c['method']}", f"In {yi}. Split: {c['method']}"), "note"),
            grid([(t("类别、服务", "class, service"), False), *cols], rows),
            grid([(t("区县", "district"), False), *cols],
                 [row(f"{r['zh']}（{r['district']}）" if lang == "zh" else f"{r['en']} ({r['district']})", r)
                  for r in c["by_district"]])]


def _coordination(a: dict[str, Any], k: dict[str, Any], year: int, lang: str, yi: str) -> list[Block]:
    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    coord = {str(r["district"]): r for r in k["rows"] if r.get("year") == year}
    rows = []
    for r in a["by_district"]:
        x = coord.get(str(r["district"]), {})
        rows.append([f"{r['zh']}（{r['district']}）" if lang == "zh" else f"{r['en']} ({r['district']})",
                     hundred_million(r["value_yuan"]), hundred_million(x.get("gdp_yuan")),
                     number(x.get("gep_gdp_ratio"), 3), number(x.get("d"), 3),
                     str(x.get("grade_zh" if lang == "zh" else "grade_en") or "—")])
    table: Grid = grid([(t("区县", "district"), False), (t(f"GEP（{yi}）", f"GEP ({yi})"), True),
                        (t(f"GDP（{yi}）", f"GDP ({yi})"), True), (t("GEP/GDP", "GEP/GDP"), True),
                        (t("耦合协调度 D", "coordination degree D"), True), (t("协调等级", "grade"), False)], rows)
    out: list[Block] = [Heading(t("按区县：GDP 与 GEP 协调", "By district: GDP–GEP coordination"), 2), table,
                        Text(t(f"方法：{k['method']}", f"Method: {k['method']}"), "note")]
    if k.get("not_computed"):
        out.append(Text(str(k["not_computed"]), "note"))
    return out
