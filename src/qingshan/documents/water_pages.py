"""The documents of the surface-water web pages (issue #18, item 6; docs/environment.md,
"Web pages"): ``/water`` (one year's GB 3838-2002 classes of the city's or one district's
sections: shares in Ⅰ–Ⅲ and worse than Ⅴ, compliance with the target classes, the grade, a
section map, the class table, the section × month grid of classes and the exceedances) and
``/water/sections/{section_id}`` (one section's monthly values and classes per item and the
trend of its deciding items).

Every figure is the surface-water engine's (:mod:`qingshan.environment.water`, through the
document of :mod:`qingshan.documents.water`, the same as ``qingshan water --json``); within
one ``district`` the tables keep its sections only and its shares are the engine's district
row. What this module adds is assembly and names: item names and units in both languages,
the deciding items with their exceedance multiples, and, for the monthly exceedances and the
section page, the engine's own functions applied to month means (``period_means``,
``item_classes``, ``exceedance_multiples`` of :mod:`qingshan.methods.water_quality`, on the
samples as the engine reads them, :func:`qingshan.environment.water.wide_samples`).

**Colours of the classes.** The colour column (表征颜色) of 环办〔2011〕22号's section grades
was not read (only 劣Ⅴ red is confirmed, docs/environment.md), so the colours are this
system's choice (:data:`CLASS_COLOURS`), not a standard's: a sequential ramp from pale yellow
(Ⅰ) to dark purple (劣Ⅴ) whose CIE L* falls at every step, so the order reads in greyscale
and under colour-vision deficiency, with the class written as text on every mark, cell and
legend entry (the colour never carries it alone) in an ink of WCAG contrast ≥ 4.5:1.

**Sea-ward estuary sections** (profile key ``environment.estuary_rule`` = ``gb3097``; the
engine's ``standard`` = ``gb3097``): their class is the engine's GB 3097-1997 class
(``sea_*`` fields: 一类…四类, 劣四类), never a GB 3838 class. The pages show it with its
deciding items, the section's ``sea_target_class`` and whether it is met, in one colour of
its own (:data:`SEA_COLOURS`, this system's choice, a legend entry of its own) with the class
written on it; the shares of these sections are their own table (``sea_shares``). They get
no GB 3838 exceedance (monthly or annual): the engine computes no multiple against a sea
class (GB 3097-1997 was not read to say how), so the page says they are not judged
(``sea_not_judged``); a month worse than the sea target is marked in the month grid. On a
sea-ward section's page the items, classes and limits are GB 3097-1997 Table 1's
(:func:`qingshan.methods.water_quality.sea_item_classes`, ``sea_limits``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents import water as water_doc
from qingshan.documents.names import names as unit_names
from qingshan.documents.point_map import point_map
from qingshan.documents.values import clean
from qingshan.environment.standards import sea_water_limits, water_limits
from qingshan.environment.water import body_of, wide_samples
from qingshan.errors import QingshanError
from qingshan.methods import water_quality as wq

if TYPE_CHECKING:
    from qingshan.city import City

#: the document's header (how it was produced), copied from the water document
HEADER = ("profile", "factor_set", "package", "reports", "run_notes")
#: class (1…6, 6 = 劣Ⅴ) → (fill, ink): this system's choice (module doc); L* 94.5, 83.6, 71.8,
#: 56.6, 41.3, 24.4; ink black on Ⅰ–Ⅳ, white on Ⅴ and 劣Ⅴ (contrast 5.9:1 or more)
CLASS_COLOURS: dict[int, tuple[str, str]] = {
    1: ("#fff0a8", "#000000"), 2: ("#fdc86e", "#000000"), 3: ("#f79a4a", "#000000"),
    4: ("#e0603c", "#000000"), 5: ("#b13245", "#ffffff"), 6: ("#6b1a3f", "#ffffff"),
}
#: a section without a class in the year (no samples of the assessed items)
NO_CLASS = ("#d9d9d9", "#000000")
#: (fill, ink) of a sea-ward estuary section classed by GB 3097-1997, whatever its sea class
#: (written on it): this system's choice, a light blue outside the GB 3838 ramp and apart from
#: the grey of no class (ink contrast 11.7:1); the same in app.css (``.wq.sea``)
SEA_COLOURS = ("#8ecae6", "#000000")
#: the legend entry of the sea-ward sections (one entry: the class is written, not coloured)
SEA_LEGEND = {"key": "sea", "class": None, "colour": SEA_COLOURS[0], "ink": SEA_COLOURS[1],
              "zh": "海水水质类别 (GB 3097-1997)", "en": "seawater class (GB 3097-1997)"}
#: a GB 3097 class (1…5, 5 = 劣四类) as the short mark on the map: (Chinese, English)
SEA_MARKS = (("一", "1"), ("二", "2"), ("三", "3"), ("四", "4"), ("劣四", ">4"))
#: the standard of sections classed by GB 3097-1997 (the engine's ``standard``)
SEA = "gb3097"
SEA_NOT_JUDGED = {
    "zh": "按 GB 3097-1997 评价的海侧入海河口断面不按地表水目标类别判断超标，也不计超标倍数："
          "引擎未实现相对海水水质类别的超标倍数（GB 3097-1997 原文未读）；"
          "其各月类别是否劣于海水水质目标见逐月水质类别（* 标记）",
    "en": "sea-ward estuary sections assessed by GB 3097-1997 are not judged against a surface-water target class and "
          "get no exceedance multiples: multiples against a seawater class are not built (the text of GB 3097-1997 "
          "was not read); whether a month is worse than the seawater target is marked in the class by month (*)",
}
PALETTE_SOURCE = {
    "zh": "本系统的选择（非标准规定）：由浅黄（Ⅰ类）到深紫（劣Ⅴ类）的顺序色，亮度逐级降低，"
          "灰度打印和色觉障碍下仍可分辨；类别同时以文字标出。环办〔2011〕22号断面水质定性评价表的表征颜色未核对原文（仅劣Ⅴ类红色已核对），故未采用。",
    "en": "This system's choice, not a standard's: a sequential ramp from pale yellow (class Ⅰ) to dark purple "
          "(worse than Ⅴ) whose lightness falls at every step, readable in greyscale and under colour-vision "
          "deficiency; the class is also written as text. The colours of the section grades of 环办〔2011〕22号 "
          "were not checked against its text (only red for worse than Ⅴ was), so they are not used.",
}
#: GB 3838-2002 units (environment/standards/gb3838-2002.csv) in both languages
UNITS: dict[str, tuple[str, str]] = {"mg/L": ("毫克/升", "mg/L"), "dimensionless": ("无量纲", "dimensionless"),
                                     "°C": ("℃", "°C"), "count/L": ("个/升", "count/L")}
WATER_BODIES: dict[str, tuple[str, str]] = {"river": ("河流", "river"), "lake": ("湖泊", "lake"),
                                            "reservoir": ("水库", "reservoir"), "estuary": ("入海河口", "estuary")}
LEVELS: dict[str, tuple[str, str]] = {"national": ("国控", "national"), "provincial": ("省控", "provincial"),
                                      "municipal": ("市控", "municipal")}
GRADE_NOTE = {"zh": "断面少于 5 个：不按断面水质类别比例法评价；按断面平均浓度评价的方法未实现，故无等级。",
              "en": "fewer than 5 sections: the section-share method does not apply, and the method on mean "
                    "concentrations is not built, so there is no grade."}


#: a document's number in its own language inside an English text (环办监测〔2017〕51号): the
#: pages show it as a citation, untranslated
CITATION = re.compile(r"[\u3400-\u9fff〔〕0-9]*[\u3400-\u9fff][\u3400-\u9fff〔〕0-9]*")


def cited(note: dict[str, Any]) -> dict[str, Any]:
    """A note in both languages with ``cite``: the first document number in Chinese its
    English text quotes (None if it quotes none), for the page to mark as a citation."""
    m = CITATION.search(str(note.get("en", "")))
    return {**note, "cite": m.group(0) if m else None}


class UnknownWaterItem(QingshanError):
    """A year, district or section the city's water data do not have (404 on the web)."""

    def __init__(self, zh: str, en: str, status: int = 404) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


def class_label(cls: Any, lang: str = "zh") -> str | None:
    """``Ⅲ`` for 3, ``劣Ⅴ`` (``worse than Ⅴ`` in English) for 6; None for a missing class."""
    c = clean(cls)
    if c is None:
        return None
    if int(c) == wq.WORSE_THAN_V and lang != "zh":
        return "worse than Ⅴ"
    return wq.CLASS_LABELS[int(c) - 1]


def sea_label(cls: Any, lang: str = "zh") -> str | None:
    """A GB 3097-1997 class as the pages name it: ``海水三类`` (``seawater class 3``), ``海水劣四类``
    (``seawater worse than class 4``); None for a missing class."""
    label = wq.sea_class_label(clean(cls), lang)
    if label is None:
        return None
    return f"海水{label}" if lang == "zh" else f"seawater {label}"


def legend(sea: bool = False) -> list[dict[str, Any]]:
    """The classes as the map's legend and the pages' swatches: key ``c1`` … ``c6``, with
    ``sea`` the entry of the sea-ward sections classed by GB 3097-1997 (:data:`SEA_LEGEND`),
    and ``none``; fill, ink, names in both languages."""
    out = [{"key": f"c{k}", "class": k, "colour": fill, "ink": ink,
            "zh": f"{class_label(k, 'zh')}类", "en": f"class {class_label(k, 'en')}" if k < 6 else "worse than Ⅴ"}
           for k, (fill, ink) in CLASS_COLOURS.items()]
    if sea:
        out.append(dict(SEA_LEGEND))
    out.append({"key": "none", "class": None, "colour": NO_CLASS[0], "ink": NO_CLASS[1], "zh": "无类别（无监测数据）",
                "en": "no class (no samples)"})
    return out


def _key(cls: Any) -> str:
    c = clean(cls)
    return "none" if c is None else f"c{int(c)}"


def item_names() -> dict[str, dict[str, Any]]:
    """GB 3838-2002 Table 1 items: code → names, unit (both languages), Table 1 row, and
    whether the 2011 method assesses it (the 21 items); then the GB 3097-1997 items a
    sea-ward estuary section's samples may hold (no Table 1 row, not assessed by GB 3838)."""
    lim = water_limits()
    out: dict[str, dict[str, Any]] = {}
    for r in lim.drop_duplicates("item").to_dict("records"):
        u = str(r["unit"])
        zh_u, en_u = UNITS.get(u, (u, u))
        out[str(r["item"])] = {"item": str(r["item"]), "zh": str(r["name_zh"]), "en": str(r["name_en"]),
                               "unit": u, "unit_zh": zh_u, "unit_en": en_u, "table_no": int(r["table_no"]),
                               "assessed": str(r["assessed_2011"]).lower() == "yes"}
    sea = sea_water_limits()  # the GB 3097-1997 items of sea-ward estuary sections: never in a GB 3838 class
    for r in sea[~sea["item"].isin(list(out))].to_dict("records"):
        zh_u, en_u = UNITS.get(str(r["unit"]), (str(r["unit"]), str(r["unit"])))
        out[str(r["item"])] = {"item": str(r["item"]), "zh": str(r["name_zh"]), "en": str(r["name_en"]),
                               "unit": str(r["unit"]), "unit_zh": zh_u, "unit_en": en_u, "table_no": None,
                               "assessed": False}
    return out


def _names(codes: str | None, names: dict[str, dict[str, Any]], lang: str) -> str:
    if not codes:
        return ""
    sep = "、" if lang == "zh" else ", "
    return sep.join(str(names.get(c, {}).get(lang, c)) for c in str(codes).split(","))


def years(city: City) -> list[int]:
    """The years of the package's water samples (empty when it has none)."""
    pkg = city.package
    if any(t not in pkg or not len(pkg[t]) for t in water_doc.TABLES):
        return []
    return sorted({int(y) for y in pd.to_datetime(pkg["water_samples"]["date"]).dt.year.unique()})


def _known_year(city: City, year: int | None) -> int:
    have = years(city)
    if year is None:
        return have[-1]
    if year not in have:
        shown = "、".join(map(str, have))
        raise UnknownWaterItem(f"没有 {year} 年的地表水监测数据（有数据的年份：{shown}）",
                               f"there are no surface-water samples for {year} (years with samples: "
                               f"{', '.join(map(str, have))})")
    return year


def year_document(city: City, year: int) -> dict[str, Any]:
    """The water document of ``year`` (:func:`qingshan.documents.water.build`), kept by the city."""
    key = ("water-page", year)
    if key not in city.memo:
        city.memo[key] = water_doc.build(city, year)
    found: dict[str, Any] = city.memo[key]
    return found


def _month_means(city: City, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Month means of every item per section (``section_id, month`` + one column per item)
    and the number of samples of each section-month, as the engine forms them."""
    key = ("water-page-months", year)
    if key not in city.memo:
        _, samples = water_doc.tables(city)
        wide = wide_samples(samples)
        wide = wide[wide["date"].dt.year == year].assign(month=lambda f: f["date"].dt.month)
        items = [c for c in wide.columns if c not in ("section_id", "date", "month")]
        means = wq.period_means(wide, ["section_id", "month"], items).reset_index()
        counts = wide.groupby(["section_id", "month"]).size().rename("n").reset_index()
        city.memo[key] = (means, counts)
    found: tuple[pd.DataFrame, pd.DataFrame] = city.memo[key]
    return found


def _sections(city: City) -> pd.DataFrame:
    sections, _ = water_doc.tables(city)
    return sections.assign(section_id=sections["section_id"].astype(str),
                           district_id=sections["district_id"].astype(str),
                           body=body_of(sections["water_body"])).set_index("section_id", drop=False)


def _district(city: City, district: str | None) -> dict[str, str] | None:
    """The district ``district`` of the city (one without sections too: its page says it
    has none); an unknown code is :class:`UnknownWaterItem`."""
    if district is None:
        return None
    known = unit_names(city).districts
    if district not in known:
        raise UnknownWaterItem(f"没有区县 {district[:60]!r}", f"no district {district[:60]!r}")
    return {"code": district, "name": known[district]}


def _unavailable() -> dict[str, Any]:
    return {"available": False, "year": None, "years": [], "district": None}


def _limit_row(body: str, item: str) -> pd.Series | None:
    """The GB 3838-2002 Table 1 row of ``item`` in a water body (None for pH, which has two,
    a lower and an upper, and for an item without limits there)."""
    rows = wq.limits_for(water_limits(), body)
    mine = rows[rows["item"] == item]
    return mine.iloc[0] if len(mine) == 1 else None


def _target_limit(body: str, item: str, target: int) -> float | None:
    """The limit of ``item`` for class ``target`` (:func:`_limit_row`)."""
    row = _limit_row(body, item)
    return None if row is None else float(row[wq.LIMIT_COLUMNS[target - 1]])


def _share(row: dict[str, Any]) -> dict[str, Any]:
    """A share row of the water document with the page's field names (``water_grade``) and
    the note on a grade that is not given."""
    out = {k: v for k, v in row.items() if k not in ("grade", "grade_en")}
    return {**out, "water_grade": row["grade"], "water_grade_en": row["grade_en"],
            "grade_note": GRADE_NOTE if row["grade"] is None else None}


def _exceedance(e: dict[str, Any], sec: pd.DataFrame, names: dict[str, dict[str, Any]]) -> dict[str, Any]:
    sid, item, target = str(e["section_id"]), str(e["item"]), int(e["target_class"])
    n = names.get(item, {})
    return {"section_id": sid, "name": str(sec.loc[sid, "name"]), **({"month": e["month"]} if "month" in e else {}),
            "item": item, "item_zh": n.get("zh"), "item_en": n.get("en"), "mean": clean(e["mean"]),
            "unit": n.get("unit"), "unit_zh": n.get("unit_zh"), "unit_en": n.get("unit_en"),
            "target_class": target, "target_label": class_label(target),
            "limit": _target_limit(str(sec.loc[sid, "body"]), item, target), "multiple": clean(e["multiple"])}


def _month_exceedances(city: City, year: int, keep: set[str], names: dict[str, dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    """Each item of a section-month over the limit of the section's target class, with its
    month mean, the limit and the multiple (C − S)/S
    (:func:`~qingshan.methods.water_quality.exceedance_multiples`, GB 3838-2002 §5.1), for the
    sections of ``keep`` (the caller leaves out those classed by GB 3097-1997)."""
    means, _ = _month_means(city, year)
    sec = _sections(city)
    lim = water_limits()
    items = wq.assessed_items(lim)
    rows: list[dict[str, Any]] = []
    targets = pd.to_numeric(sec["target_class"], errors="coerce")
    for key, part in means.groupby("section_id", sort=True):
        sid = str(key)
        if sid not in keep or pd.isna(targets[sid]):
            continue
        target = int(targets[sid])
        vals = part.set_index("month")[[c for c in items if c in part.columns]]
        mult = wq.exceedance_multiples(vals, lim, str(sec.loc[sid, "body"]), target)
        means_of = vals.reset_index().to_dict("records")
        for i, r in enumerate(mult.to_dict("records")):
            for item, m in r.items():
                if pd.notna(m):
                    rows.append(_exceedance({"section_id": sid, "month": int(means_of[i]["month"]), "item": str(item),
                                             "mean": means_of[i][item], "target_class": target, "multiple": m},
                                            sec, names))
    return rows


def _section_row(s: dict[str, Any], over: list[dict[str, Any]], sec: pd.DataFrame,
                 names: dict[str, dict[str, Any]]) -> dict[str, Any]:
    sid = str(s["section_id"])
    deciding = str(s.get("deciding") or "")
    mults = [o for o in over if o["item"] in deciding.split(",")]
    body = WATER_BODIES.get(str(s["water_body"]), ("", ""))
    level = LEVELS.get(str(s["level"]), ("", ""))
    sea_deciding = str(s.get("sea_deciding") or "")
    sea_target = clean(s.get("sea_target_class"))
    return {"section_id": sid, "name": s["name"], "district_id": str(s["district_id"]),
            "district_name": s["district_name"], "water_body": s["water_body"], "water_body_zh": body[0],
            "water_body_en": body[1], "river": s.get("river"), "section_level": s["level"],
            "section_level_zh": level[0], "section_level_en": level[1], "samples": s["samples"],
            "water_class": s["class"], "class_label": class_label(s["class"]),
            "class_label_en": class_label(s["class"], "en"), "deciding": deciding,
            "deciding_zh": _names(deciding, names, "zh"), "deciding_en": _names(deciding, names, "en"),
            "target_class": s["target_class"], "target_label": class_label(s["target_class"]),
            "meets_target": s["meets_target"],
            "max_multiple": max((float(o["multiple"]) for o in mults), default=None),
            "multiples_zh": "、".join(f"{o['item_zh']} {o['multiple']:.2f} 倍" for o in mults),
            "multiples_en": ", ".join(f"{o['item_en']} {o['multiple']:.2f}×" for o in mults),
            "cwqi": s["cwqi"], "water_grade": s["grade"], "water_grade_en": s["grade_en"],
            "standard": str(s.get("standard") or "gb3838"), "sea_class": clean(s.get("sea_class")),
            "sea_class_label": s.get("sea_class_label"), "sea_class_label_en": s.get("sea_class_label_en"),
            "sea_deciding": sea_deciding, "sea_deciding_zh": _names(sea_deciding, names, "zh"),
            "sea_deciding_en": _names(sea_deciding, names, "en"), "sea_target_class": sea_target,
            "sea_target_label": wq.sea_class_label(sea_target),
            "sea_target_label_en": wq.sea_class_label(sea_target, "en"),
            "sea_meets_target": clean(s.get("sea_meets_target")),
            "lon": clean(sec.loc[sid, "lon"]), "lat": clean(sec.loc[sid, "lat"])}


def _point(s: dict[str, Any], year: int) -> dict[str, Any]:
    """A section on the map: coloured by its class, the class written in it (``mark``) and
    in its tooltip (``tip``; ``mark_en``, ``tip_en`` for English pages)."""
    if s["standard"] == SEA:
        return _sea_point(s, year)
    label, label_en, target = s["class_label"], s["class_label_en"], s["target_label"]
    classed = s["water_class"] is not None
    return {"code": s["section_id"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
            "category": _key(s["water_class"]), "mark": label, "mark_en": ">Ⅴ" if label_en == "worse than Ⅴ" else label,
            "href": f"/water/sections/{s['section_id']}?year={year}",
            "tip": f"{label}类（目标 {target}类）" if classed else "无类别",
            "tip_en": f"class {label_en} (target {target})" if classed else "no class"}


def _sea_point(s: dict[str, Any], year: int) -> dict[str, Any]:
    """A sea-ward section on the map: in the colour of :data:`SEA_LEGEND` (never a GB 3838
    class's), its GB 3097 class written in it and in its tooltip with its sea target."""
    cls = s["sea_class"]
    zh_t = f"，目标 {s['sea_target_label']}" if s["sea_target_label"] else ""
    en_t = f", target {s['sea_target_label_en']}" if s["sea_target_label_en"] else ""
    classed = cls is not None
    return {"code": s["section_id"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
            "category": "sea" if classed else "none",
            "mark": SEA_MARKS[int(cls) - 1][0] if classed else None,
            "mark_en": SEA_MARKS[int(cls) - 1][1] if classed else None,
            "href": f"/water/sections/{s['section_id']}?year={year}",
            "tip": f"{sea_label(cls)}（GB 3097-1997{zh_t}）" if classed else "无类别（GB 3097-1997）",
            "tip_en": f"{sea_label(cls, 'en')} (GB 3097-1997{en_t})" if classed else "no class (GB 3097-1997)"}


def _sea_share(row: dict[str, Any]) -> dict[str, Any]:
    """A share row of the water document's ``sea`` block with the page's field names: the
    GB 3097 classes as ``sea_class_1`` … ``sea_class_5`` (5 = 劣四类), never GB 3838's."""
    return {(f"sea_{k}" if k.startswith("class_") else k): v for k, v in row.items()}


def _sea_items(doc: dict[str, Any], names: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The GB 3097-1997 items the engine classed sea-ward sections on (empty under
    ``gb3838``): code, names and unit in both languages."""
    keys = ("item", "zh", "en", "unit", "unit_zh", "unit_en")
    return [{k: names[i][k] for k in keys} for i in doc["sea"]["items"] if i in names]


def water_page(city: City, year: int | None = None, district: str | None = None, *, own_only: bool = False
               ) -> dict[str, Any]:
    """The ``/water`` page of ``year`` (default the latest year with samples), of the whole
    city or of one ``district`` (its code; ``own_only``: a district's user, whose choices
    are its own district only). A package without water data gives the page that says so
    (``available`` false); a year without samples or a district without sections is
    :class:`UnknownWaterItem` (404)."""
    if not years(city):
        if year is not None and year not in city.years:
            raise UnknownWaterItem(f"数据中没有 {year} 年", f"year {year} is not in the data")
        return _unavailable()
    y = _known_year(city, year)
    doc = year_document(city, y)
    unit = _district(city, district)
    names = item_names()
    sec = _sections(city)
    keep = {str(s["section_id"]) for s in doc["sections"] if unit is None or str(s["district_id"]) == unit["code"]}
    sea_ids = {str(s["section_id"]) for s in doc["sections"]
               if str(s["section_id"]) in keep and s.get("standard") == SEA}
    exceedances = [_exceedance(e, sec, names) for e in doc["exceedances"] if str(e["section_id"]) in keep]
    sections = [_section_row(s, [e for e in exceedances if e["section_id"] == str(s["section_id"])], sec, names)
                for s in doc["sections"] if str(s["section_id"]) in keep]
    target_of = {s["section_id"]: s["target_class"] for s in sections}
    sea_target_of = {s["section_id"]: s["sea_target_class"] for s in sections}
    name_of = {s["section_id"]: s["name"] for s in sections}
    months = []
    for m in doc["months"]:
        sid = str(m["section_id"])
        if sid not in keep:
            continue
        t, st = target_of.get(sid), sea_target_of.get(sid)
        sea_cls = clean(m.get("sea_class"))
        months.append({"section_id": sid, "name": name_of[sid], "month": int(m["month"]), "water_class": m["class"],
                       "class_label": class_label(m["class"]), "class_label_en": class_label(m["class"], "en"),
                       "deciding": m["deciding"], "deciding_zh": _names(m["deciding"], names, "zh"),
                       "deciding_en": _names(m["deciding"], names, "en"),
                       "meets_target": None if m["class"] is None or t is None else int(m["class"]) <= int(t),
                       "standard": str(m.get("standard") or "gb3838"), "sea_class": sea_cls,
                       "sea_class_label": wq.sea_class_label(sea_cls),
                       "sea_class_label_en": wq.sea_class_label(sea_cls, "en"), "sea_deciding": m.get("sea_deciding"),
                       "sea_deciding_zh": _names(m.get("sea_deciding"), names, "zh"),
                       "sea_deciding_en": _names(m.get("sea_deciding"), names, "en"),
                       # the engine's rule for the year (wq.meets_target: the class is the target or better)
                       "sea_meets_target": None if sea_cls is None or st is None else int(sea_cls) <= int(st)})
    shares = [_share(doc["city"])] if unit is None and doc["city"] else []
    shares += [_share(d) for d in doc["districts"] if unit is None or str(d["code"]) == unit["code"]]
    sea = doc["sea"]
    sea_shares = [_sea_share(sea["city"])] if unit is None and sea["city"] else []
    sea_shares += [_sea_share(d) for d in sea["districts"] if unit is None or str(d["code"]) == unit["code"]]
    # the districts with sections: those with GB 3838 shares and those with sea-ward sections only
    with_sections = {str(d["code"]): str(d["name"]) for d in [*doc["districts"], *sea["districts"]]}
    shown = [{"code": unit["code"], "name": unit["name"]}] if unit and own_only else [
        {"code": c, "name": with_sections[c]} for c in sorted(with_sections)]
    the_map = point_map(city, [_point(s, y) for s in sections], legend=legend(sea=bool(sea_ids)),
                        district=None if unit is None else unit["code"])
    return {**{k: doc[k] for k in HEADER}, "available": True, "year": y, "years": years(city), "district": unit,
            "choices": shown, "shares": shares, "sections": sections, "months": months,
            "exceedances": exceedances, "month_exceedances": _month_exceedances(city, y, keep - sea_ids, names),
            "gb3838_items": [names[i] for i in doc["items"] if i in names],
            "sea_shares": sea_shares, "gb3097_items": _sea_items(doc, names) if sea_ids else [],
            "sea_left_out": sea["left_out"] if sea_ids else None,
            "sea_not_judged": {**SEA_NOT_JUDGED, "section_ids": sorted(sea_ids)} if sea_ids else None,
            "estuary_rule": cited(doc["estuary_rule"]), "not_built": [cited(n) for n in doc["not_built"]],
            "palette": cited(PALETTE_SOURCE),
            "map": the_map}


def section_page(city: City, section_id: str, year: int | None = None, district: str | None = None
                 ) -> dict[str, Any]:
    """The ``/water/sections/{section_id}`` page: one section's year (default the latest
    with samples): its annual class and deciding items, the month mean and class of every
    item (``indicators``, one row per item and month, with the number of samples), the
    trend of each deciding item against its target-class limit, and the samples. A sea-ward
    section classed by GB 3097-1997 shows that standard's items, classes and limits instead
    (``sea_class`` of each indicator, ``sea_limits``; its target is ``sea_target_class``). With
    ``district`` (a district's user), a section of another district is 404, as one that
    does not exist."""
    if not years(city):
        raise UnknownWaterItem("数据包中没有地表水监测数据", "the package has no surface-water monitoring data")
    sec = _sections(city)
    if section_id not in sec.index or (district is not None and str(sec.loc[section_id, "district_id"]) != district):
        raise UnknownWaterItem(f"没有断面 {section_id[:60]!r}", f"no section {section_id[:60]!r}")
    y = _known_year(city, year)
    page = water_page(city, y, str(sec.loc[section_id, "district_id"]))
    row = next((s for s in page["sections"] if s["section_id"] == section_id), None)
    if row is None:
        raise UnknownWaterItem(f"断面 {section_id[:60]!r} 没有 {y} 年的监测数据",
                               f"section {section_id[:60]!r} has no samples in {y}")
    names = item_names()
    body = str(sec.loc[section_id, "body"])
    is_sea = row["standard"] == SEA
    means, counts = _month_means(city, y)
    mine = means[means["section_id"] == section_id].set_index("month")
    n_of = counts[counts["section_id"] == section_id].set_index("month")["n"]
    sea_rows = wq.sea_rows(sea_water_limits()).set_index("item")
    if is_sea:  # GB 3097-1997's items only: the engine classes a sea-ward section on them alone
        item_cols = [c for c in sea_rows.index if c in mine.columns and c in names]
        classes = wq.sea_item_classes(mine[item_cols], sea_water_limits())
    else:
        item_cols = [c for c in names if c in mine.columns  # a GB 3097 item only where the section has it
                     and (names[c]["table_no"] is not None or mine[c].notna().any())]
        classes = wq.item_classes(mine[item_cols], water_limits(), body)
    indicators = []
    for item in item_cols:
        n = names[item]
        for month in mine.index:
            c = clean(classes.at[month, item]) if item in classes.columns else None
            river_c, sea_c = (None, c) if is_sea else (c, None)
            indicators.append({"item": item, "item_zh": n["zh"], "item_en": n["en"], "unit": n["unit"],
                               "unit_zh": n["unit_zh"], "unit_en": n["unit_en"],
                               "assessed": True if is_sea else n["assessed"],
                               "year": y, "month": int(month), "samples": int(n_of.get(month, 0)),
                               "mean": clean(mine.at[month, item]), "water_class": river_c,
                               "class_label": class_label(river_c), "class_label_en": class_label(river_c, "en"),
                               "standard": row["standard"], "sea_class": sea_c,
                               "sea_class_label": wq.sea_class_label(sea_c),
                               "sea_class_label_en": wq.sea_class_label(sea_c, "en")})
    target = clean(row["sea_target_class"] if is_sea else row["target_class"])
    trends = []
    for item in [d for d in str(row["sea_deciding"] if is_sea else row["deciding"]).split(",") if d]:
        n = names[item]
        if is_sea:
            limit = None if target is None else float(sea_rows[wq.SEA_LIMIT_COLUMNS[int(target) - 1]].to_dict()[item])
            direction: str | None = str(sea_rows["direction"].to_dict()[item])
        else:
            limit = None if target is None else _target_limit(body, item, int(target))
            lr = _limit_row(body, item)
            direction = None if lr is None else str(lr["direction"])
        trends.append({"item": item, "item_zh": n["zh"], "item_en": n["en"], "unit": n["unit"],
                       "unit_zh": n["unit_zh"], "unit_en": n["unit_en"], "target_limit": limit,
                       "direction": direction,
                       "rows": [{"item": item, "year": y, "month": i["month"], "mean": i["mean"],
                                 "target_limit": limit} for i in indicators if i["item"] == item]})
    _, samples = water_doc.tables(city)
    s = samples[(samples["section_id"].astype(str) == section_id)
                & (pd.to_datetime(samples["date"]).dt.year == y)]
    raw = [{"date": pd.Timestamp(r["date"]).strftime("%Y-%m-%d"), "item": str(r["item"]),
            "item_zh": names.get(str(r["item"]), {}).get("zh"), "item_en": names.get(str(r["item"]), {}).get("en"),
            "value": clean(r["value"]), "unit": names.get(str(r["item"]), {}).get("unit")}
           for r in s.sort_values(["date", "item"]).to_dict("records")]
    return {**{k: page[k] for k in HEADER}, "available": True, "year": y, "years": years(city),
            "district": page["district"], "section": row,
            "months": [m for m in page["months"] if m["section_id"] == section_id],
            "indicators": indicators, "trends": trends, "samples": raw,
            "exceedances": [e for e in page["exceedances"] if e["section_id"] == section_id],
            "month_exceedances": [e for e in page["month_exceedances"] if e["section_id"] == section_id],
            "sea_limits": _sea_limits(sea_rows, names, target) if is_sea else [],
            "sea_left_out": page["sea_left_out"] if is_sea else None,
            "sea_not_judged": {**SEA_NOT_JUDGED, "section_ids": [section_id]} if is_sea else None,
            "estuary_rule": page["estuary_rule"], "not_built": page["not_built"], "palette": page["palette"],
            "legend": legend(sea=is_sea)}


def _sea_limits(rows: pd.DataFrame, names: dict[str, dict[str, Any]], target: Any) -> list[dict[str, Any]]:
    """GB 3097-1997 Table 1 as held (``environment/standards/gb3097-1997.csv``, the rows
    assessed): each item's limits of classes 一–四 (``sea_limit_1`` … ``sea_limit_4``), its
    sign (``>`` for dissolved oxygen: a value must exceed the limit; ``≤`` for the others)
    and the limit of the section's sea target class (``target_limit``, None without one)."""
    out = []
    for item, r in rows.iterrows():
        n = names.get(str(item), {})
        out.append({"item": str(item), "item_zh": n.get("zh", str(r["name_zh"])),
                    "item_en": n.get("en", str(r["name_en"])),
                    "unit_zh": n.get("unit_zh"), "unit_en": n.get("unit_en"), "direction": str(r["direction"]),
                    "limit_sign": ">" if r["direction"] == "min_exclusive" else "≤",
                    **{f"sea_limit_{k}": float(r[c]) for k, c in enumerate(wq.SEA_LIMIT_COLUMNS, start=1)},
                    "target_class": clean(target),
                    "target_limit": None if target is None else float(r[wq.SEA_LIMIT_COLUMNS[int(target) - 1]])})
    return out
