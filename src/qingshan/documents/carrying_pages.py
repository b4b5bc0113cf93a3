"""The document of the carrying-capacity web page (``/carrying``, its twin ``/api/carrying``;
issue #18 item 5; docs/environment.md, "Carrying-capacity early warning", "Web page"): one
evaluation year of the city or of one district — the districts on a map filled with their
warning colour and named in words, a row per district (integration, process trend and its
three class flags, colour and its reason, the change since the previous evaluation and its
measure, the red-zone consequences), the four elements of each district (value, class,
reason), the process indicators, the red zones with the industries restricted in project
screening (``R-CARRYING``), the legend, the rule file with its sources, and what is not
built and not verified.

Every figure is the carrying-capacity document's (:func:`qingshan.documents.carrying.build`,
the same as ``qingshan carrying --json``), rearranged into flat tables; nothing is computed.
Two kinds of words are changed, never a number: on Chinese pages the symbols ``km²`` and
``R_k`` of the engine's reasons are written in words (:data:`ZH_WORDS`), and the units of the
process indicators are named in each language (:data:`UNIT_WORDS`).

The warning colours are the 2017 意见's five (二(三): 红色, 橙色, 黄色, 蓝色, 绿色); their hex
values (:data:`COLOUR_HEX`) are this system's choice, each with the ink (black or white) of
WCAG 2.1 contrast ≥ 4.5:1 on it, and the colour's name is always written beside or on it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents import carrying as carrying_doc
from qingshan.documents.names import names
from qingshan.documents.point_map import point_map
from qingshan.errors import QingshanError
from qingshan.methods import carrying_capacity as cc

if TYPE_CHECKING:
    from qingshan.city import City

HEADER = ("profile", "factor_set", "package")
#: warning colour → (fill, ink): this system's choice for the 意见's five colour names; the
#: contrast of ink on fill (WCAG 2.1) is 5.62, 8.56, 16.13, 5.95 and 5.13 (tests/test_web_carrying.py
#: checks each against the stylesheet); ``none``: no warning level (an incomplete evaluation)
COLOUR_HEX: dict[str, tuple[str, str]] = {"red": ("#C62828", "#FFFFFF"), "orange": ("#F28C28", "#000000"),
                                          "yellow": ("#FFE14D", "#000000"), "blue": ("#1E63B8", "#FFFFFF"),
                                          "green": ("#2E7D32", "#FFFFFF"), "none": ("#E0E0E0", "#000000")}
#: the colours' short names, written on the map
COLOUR_SHORT = {"red": ("红色", "red"), "orange": ("橙色", "orange"), "yellow": ("黄色", "yellow"),
                "blue": ("蓝色", "blue"), "green": ("绿色", "green"), "none": ("未定", "none")}
#: the engine's symbols and table names a page writes in words (only words change, never a number)
ZH_WORDS = {" km²": " 平方千米", "个断面 R_k": "个断面的指数", "carrying_inputs": "承载能力评价数据",
            "carrying_national_rates": "全国变化率数据"}
EN_WORDS = {"carrying_inputs": "carrying-capacity inputs", "carrying_national_rates": "the national-rates inputs"}
#: the process indicators' units (the rule file's ``unit``) in each language
UNIT_WORDS = {"km²/亿元": ("平方千米/亿元", "km²/100M yuan"), "万m³/亿元": ("万立方米/亿元", "10k m³/100M yuan"),
              "t/亿元": ("吨/亿元", "t/100M yuan"), "%": ("%", "%")}
#: the element's headline value in the document's ``values`` (the others are in its reason)
HEADLINE = {"land": "d", "water": "use_ratio", "environment": "r", "ecology": "h"}
HEADLINE_NAMES = {"land": ("土地资源压力指数 D", "land pressure index D"),
                  "water": ("用水总量/控制指标", "water use / control target"),
                  "environment": ("污染物浓度超标指数 R", "exceedance index R"),
                  "ecology": ("生态系统健康度 H", "ecosystem health H")}
#: a run of Chinese (with its punctuation and digits) in an English text: a term or document
#: cited in its own language, marked so on the page (``cites``)
CJK_RUN = re.compile(r"[\u3400-\u9fff][\u3000-\u303f\u3400-\u9fff\uff00-\uffef0-9]*")


class UnknownCarryingItem(QingshanError):
    """A year or district the carrying-capacity evaluation does not have (``status`` 404),
    or a data year without an evaluation (422)."""

    def __init__(self, zh: str, en: str, status: int = 404) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


def _inputs(city: City) -> pd.DataFrame:
    return city.package["carrying_inputs"]


def document(city: City, year: int) -> dict[str, Any]:
    """The carrying-capacity document of ``year``, kept by the city."""
    key = ("carrying-page", "doc", year)
    if key not in city.memo:
        city.memo[key] = carrying_doc.build(city, year)
    found: dict[str, Any] = city.memo[key]
    return found


def years(city: City) -> list[int]:
    """The evaluation years: years of ``carrying_inputs`` in which some element of some
    district is assessed (a year of process-base rows only is not one)."""
    key = ("carrying-page", "years")
    if key not in city.memo:
        inputs = _inputs(city)
        have = sorted({int(y) for y in pd.to_numeric(inputs["year"], errors="coerce").dropna()}) if len(inputs) \
            else []
        city.memo[key] = [y for y in have if _evaluated(city, y)]
    found: list[int] = city.memo[key]
    return found


def _evaluated(city: City, year: int) -> bool:
    """Whether some element of some district is assessed in ``year``; a year for which the
    profile selects no carrying-capacity rules (a process base before the rules' first year)
    is not evaluated."""
    if city.profile.value(carrying_doc.KEY, year) is None:
        return False
    return any(e["load"] is not None for d in document(city, year)["districts"] for e in d["elements"].values())


def _known_year(city: City, year: int | None) -> int:
    have = years(city)
    if not have:
        raise UnknownCarryingItem("资源环境承载能力数据中没有任何要素得到评价的年份",
                                  "no year of the carrying-capacity inputs has an element assessed", 422)
    if year is None:
        return have[-1]
    if year not in have:
        listed = "、".join(map(str, have))
        status = 422 if year in city.years or year in _all_years(city) else 404
        raise UnknownCarryingItem(f"{year} 年没有资源环境承载能力评价（评价年份：{listed}）",
                                  f"no carrying-capacity evaluation in {year} (evaluation years: "
                                  f"{', '.join(map(str, have))})", status)
    return year


def _all_years(city: City) -> set[int]:
    inputs = _inputs(city)
    return {int(y) for y in pd.to_numeric(inputs["year"], errors="coerce").dropna()} if len(inputs) else set()


def _known_district(city: City, district: str | None) -> dict[str, str] | None:
    if district is None:
        return None
    known = names(city).districts
    if district not in known:
        raise UnknownCarryingItem(f"没有区县 {district[:60]!r}", f"no district {district[:60]!r}")
    return {"code": district, "name": known[district]}


def _zh(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    for a, b in ZH_WORDS.items():
        text = text.replace(a, b)
    return text


def _worded(v: Any, lang: str | None = None) -> Any:
    """``v`` with the texts of keys ``zh``/``*_zh`` in :data:`ZH_WORDS` and ``en``/``*_en`` in
    :data:`EN_WORDS` (every other value as it is)."""
    if isinstance(v, dict):
        return {k: _worded(x, "zh" if k == "zh" or k.endswith("_zh") else "en" if k == "en" or k.endswith("_en")
                           else None) for k, x in v.items()}
    if isinstance(v, list):
        return [_worded(x, lang) for x in v]
    if isinstance(v, str) and lang is not None:
        for a, b in (ZH_WORDS if lang == "zh" else EN_WORDS).items():
            v = v.replace(a, b)
    return v


def _names(factors: list[dict[str, Any]], lang: str, sep: str) -> str:
    return sep.join(str(f[lang]) for f in factors)


def _consequences(d: dict[str, Any], rules: dict[str, Any]) -> tuple[str, str, str | None]:
    """What a red zone, or a district handled as one, is subject to (意见 二(三), the rule
    file's words): (zh, en, basis) with basis ``red`` or ``as_red``; empty with ``None`` for
    every other district (its change-of-class measure is the row's ``measure``)."""
    t = d["transition"] or {}
    red = rules["red_zone"]
    if d["colour"] == "red":
        return (f"红色预警区：{red['zh']}", f"red-warning zone: {red['en']}", "red")
    if t.get("measure") == "as_red":
        return (f"从临界超载恶化为超载，{t['measure_zh']}：{red['zh']}",
                f"moved from critical to overloaded, {t['measure_en']}: {red['en']}", "as_red")
    return ("", "", None)


def _district_row(d: dict[str, Any], rules: dict[str, Any]) -> dict[str, Any]:
    p, t, prev = d["process"], d["transition"] or {}, d["previous"] or {}
    cz, ce, basis = _consequences(d, rules)
    return {"district_id": d["district_id"], "name": d["name"], "load_class": d["load"], "load_class_zh": d["load_zh"],
            "load_class_en": d["load_en"], "load_determined": d["load_determined"],
            "integration_zh": d["integration"]["reason_zh"], "integration_en": d["integration"]["reason_en"],
            "overload_factors_zh": _names(d["overload_factors"], "zh", "、"),
            "overload_factors_en": _names(d["overload_factors"], "en", ", "),
            "trend": d["trend"], "trend_zh": d["trend_zh"], "trend_en": d["trend_en"],
            "process_base_year": p["base_year"], "classes_met": p.get("classes_met"),
            "process_zh": _zh(p["reason_zh"]), "process_en": p["reason_en"],
            "colour": d["colour"], "colour_zh": d["colour_zh"], "colour_en": d["colour_en"],
            "colour_reason_zh": d["colour_reason_zh"], "colour_reason_en": d["colour_reason_en"],
            "previous_year": prev.get("year"), "previous_load_zh": prev.get("load_zh"),
            "previous_load_en": prev.get("load_en"), "previous_colour_zh": prev.get("colour_zh"),
            "previous_colour_en": prev.get("colour_en"),
            "transition": t.get("kind"), "transition_zh": t.get("kind_zh"), "transition_en": t.get("kind_en"),
            "transition_reason_zh": t.get("reason_zh"), "transition_reason_en": t.get("reason_en"),
            "measure": t.get("measure"), "measure_zh": t.get("measure_zh"), "measure_en": t.get("measure_en"),
            "red_zone": basis in ("red", "as_red"), "consequence": basis,
            "consequences_zh": cz, "consequences_en": ce}


def _element_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, e in d["elements"].items():
        hz, he = HEADLINE_NAMES.get(key, (key, key))
        out.append({"district_id": d["district_id"], "name": d["name"], "element": key,
                    "element_zh": e["element_zh"], "element_en": e["element_en"],
                    "value_zh": hz, "value_en": he, "value": (e.get("values") or {}).get(HEADLINE.get(key, "")),
                    "status": e["status"], "status_zh": e["status_zh"], "status_en": e["status_en"],
                    "load_class": e["load"], "load_class_zh": e["load_zh"], "load_class_en": e["load_en"],
                    "reason_zh": _zh(e["reason_zh"]), "reason_en": e["reason_en"]})
    return out


def _process_rows(d: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    p = d["process"]
    ind = []
    for r in p.get("indicators") or []:
        uz, ue = UNIT_WORDS.get(str(r.get("unit")), (r.get("unit"), r.get("unit")))
        ind.append({"district_id": d["district_id"], "name": d["name"], "process_indicator": r["indicator"],
                    "process_indicator_zh": r["zh"], "process_indicator_en": r["en"], "unit_zh": uz, "unit_en": ue,
                    "base_year": p["base_year"], "base_value": r.get("base_value"), "value": r.get("value"),
                    "annual_rate": r.get("rate"), "national_rate": r.get("national_rate"),
                    "worse_than_national": r.get("worse")})
    classes = [{"district_id": d["district_id"], "name": d["name"], "process_class": c["class"],
                "process_class_zh": c["zh"], "process_class_en": c["en"], "worse_count": c["worse"],
                "min_worse": c["min_worse"], "unknown_count": c["unknown"], "class_met": c["met"]}
               for c in p.get("classes") or []]
    return ind, classes


def _sectors(city: City, year: int) -> dict[str, Any] | None:
    """The industries project screening restricts in a red zone (``screening.carrying_sectors``)."""
    found: dict[str, Any] | None = city.screening_rules(year).carrying_sectors
    return found


def _red_zones(rows: list[dict[str, Any]], docs: dict[str, dict[str, Any]], sectors: dict[str, Any] | None
               ) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if not r["red_zone"]:
            continue
        factors = docs[r["district_id"]]["overload_factors"]
        entries = [sectors["factors"][f["element"]] for f in factors
                   if sectors is not None and f["element"] in sectors["factors"]]
        out.append({"district_id": r["district_id"], "name": r["name"], "colour": r["colour"],
                    "colour_zh": r["colour_zh"], "colour_en": r["colour_en"], "basis": r["consequence"],
                    "overload_factors_zh": r["overload_factors_zh"], "overload_factors_en": r["overload_factors_en"],
                    "industries_zh": "；".join(f"{cc.ELEMENT_NAMES[e['element']][0]}：{e['zh']}" for e in entries),
                    "industries_en": "; ".join(f"{cc.ELEMENT_NAMES[e['element']][1]}: {e['en']}" for e in entries),
                    "consequences_zh": r["consequences_zh"], "consequences_en": r["consequences_en"]})
    return out


def _sources(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The rule file's sources, one row per part (a list of them: one row each)."""
    zh = {"method": "方法", "unit": "评价单元", "land": "土地资源", "water": "水资源", "environment": "环境",
          "ecology": "生态", "water_bodies": "参与评价的水体", "air_statistic": "空气统计量",
          "air_standards": "空气标准", "water_standards": "地表水标准", "integration": "集成评价",
          "process": "过程评价", "colours": "预警等级", "colour": "颜色对应", "transitions": "等级变化"}
    en = {"water_bodies": "water bodies assessed", "air_statistic": "air statistic", "air_standards": "air standards",
          "water_standards": "surface-water standards", "colour": "colour pairing", "colours": "warning levels",
          "transitions": "changes of class", "unit": "evaluation unit"}
    out = []
    for part, v in rules["sources"].items():
        for s in v if isinstance(v, list) else [v]:
            out.append({"rule_part": part, "rule_part_zh": zh.get(part, part), "rule_part_en": en.get(part, part),
                        "source": s.get("source"), "source_tag": s.get("tag")})
    for key in ("red_zone", "frequency"):
        b = rules[key]
        out.append({"rule_part": key, "rule_part_zh": {"red_zone": "红色预警区措施", "frequency": "评价频次"}[key],
                    "rule_part_en": {"red_zone": "red-zone measures", "frequency": "frequency"}[key],
                    "source": b.get("source"), "source_tag": b.get("tag")})
    return out


def _legend(doc: dict[str, Any], shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for entry in doc["legend"]:
        fill, ink = COLOUR_HEX[entry["colour"]]
        out.append({"colour": entry["colour"], "zh": entry["zh"], "en": entry["en"], "load_class": entry["load"],
                    "load_class_zh": entry["load_zh"], "load_class_en": entry["load_en"], "trend": entry["trend"],
                    "trend_zh": entry["trend_zh"], "trend_en": entry["trend_en"], "colour_hex": fill, "ink": ink,
                    "district_count": sum(1 for r in shown if r["colour"] == entry["colour"])})
    return out


def _map(city: City, rows: list[dict[str, Any]], legend: list[dict[str, Any]], district: str | None
         ) -> dict[str, Any]:
    keys = [{"key": e["colour"], "colour": e["colour_hex"], "ink": e["ink"], "zh": e["zh"], "en": e["en"],
             "mark": COLOUR_SHORT[e["colour"]][0], "mark_en": COLOUR_SHORT[e["colour"]][1]} for e in legend]
    fill, ink = COLOUR_HEX["none"]
    keys.append({"key": "none", "colour": fill, "ink": ink, "zh": "预警等级未定", "en": "no warning level",
                 "mark": COLOUR_SHORT["none"][0], "mark_en": COLOUR_SHORT["none"][1]})
    return point_map(city, [], legend=keys, district=district,
                     fills={r["district_id"]: r["colour"] or "none" for r in rows})


def _cites(doc: Any) -> list[str]:
    """The runs of Chinese in the English texts (keys ``en`` or ``*_en``) of ``doc``: terms
    and documents cited in their own language, longest first."""
    found: set[str] = set()

    def walk(v: Any, english: bool) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, str(k) == "en" or str(k).endswith("_en"))
        elif isinstance(v, list):
            for x in v:
                walk(x, english)
        elif english and isinstance(v, str):
            found.update(CJK_RUN.findall(v))

    walk(doc, False)
    return sorted(found, key=lambda s: (-len(s), s))


def carrying_page(city: City, year: int | None = None, district: str | None = None, *, own_only: bool = False
                  ) -> dict[str, Any]:
    """The ``/carrying`` page of ``year`` (default the latest evaluation year), of the whole
    city or of one ``district`` (its code); ``choices`` lists the districts the reader may
    choose (``own_only``: a district's user, its own). A city without carrying-capacity
    inputs gets the page that says so (``available`` false)."""
    if _inputs(city).empty:
        if year is not None and year not in city.years:
            raise UnknownCarryingItem(f"数据中没有 {year} 年", f"year {year} is not in the data")
        return {"available": False, "year": None, "years": [], "district": None}
    y = _known_year(city, year)
    unit = _known_district(city, district)
    doc = document(city, y)
    docs = {d["district_id"]: d for d in doc["districts"]}
    picked = [d for d in doc["districts"] if unit is None or d["district_id"] == unit["code"]]
    rules = doc["rules"]
    rows = [_district_row(d, rules) for d in picked]
    elements = [e for d in picked for e in _element_rows(d)]
    indicators, classes = [], []
    for d in picked:
        i, c = _process_rows(d)
        indicators += i
        classes += c
    legend = _legend(doc, rows)
    all_districts = [{"code": d["district_id"], "name": d["name"]} for d in doc["districts"]]
    choices = [c for c in all_districts if unit and c["code"] == unit["code"]] if unit and own_only else all_districts
    counts = {c: sum(1 for r in rows if r["colour"] == c) for c in cc.COLOURS}
    counts["undetermined"] = sum(1 for r in rows if r["colour"] is None)
    sectors = _sectors(city, y)
    out = {**{k: doc[k] for k in HEADER}, "available": True, "year": y, "years": years(city), "district": unit,
           "choices": choices,
           "rules": {k: rules[k] for k in ("name", "version", "zh", "en", "source", "file", "digest", "given")}
           | {"selection": rules["selection"], "colours_text": rules["sources"]["colours"].get("text_zh")},
           "sources": _sources(rules), "warning_levels": legend, "counts": counts, "by_district": rows,
           "elements": elements, "process_indicators": indicators, "process_classes": classes,
           "red_zones": _red_zones(rows, docs, sectors),
           "restriction": None if sectors is None else {"zh": sectors["zh"], "en": sectors["en"],
                                                         "source": sectors["source"], "tag": sectors["tag"]},
           "frequency": {"zh": rules["frequency"]["zh"], "en": rules["frequency"]["en"]},
           "map": _map(city, rows, legend, None if unit is None else unit["code"]),
           "method": {k: doc["method"][k] for k in ("air_statistic", "water_statistic")},
           "not_built": doc["not_built"], "unverified": doc["unverified"],
           "notes": doc["notes"], "problems": doc["problems"]}
    for k in ("by_district", "elements", "process_indicators", "process_classes", "red_zones", "not_built",
              "unverified", "notes"):
        out[k] = _worded(out[k])
    out["cites"] = _cites({k: out[k] for k in ("by_district", "elements", "red_zones", "not_built", "unverified",
                                               "notes", "method", "warning_levels", "restriction")})
    return out
