"""The documents of the GEP web pages (issue #17, item 8; docs/gep/web.md): ``/gep`` (one
year's GEP by class, service, district and ecosystem, in value and physical units, with the
prices used, the services not accounted and the change from the other year split into
quantity and price effects), ``/gep/map`` (a service raster drawn as an image,
:mod:`qingshan.ecology.maps`) and ``/gep/coordination`` (GDP and GEP by district and year).

Each is assembled from the GEP documents of :mod:`qingshan.documents.gep` (the same as
``qingshan gep account | compare | export``): its figures are those documents' rows, summed
here by the page's groupings, so a page of the whole city gives the account's own totals.
Within one ``district`` (a district's user sees only its own: :mod:`qingshan.documents.scope`)
every table keeps that district's rows only, and the totals are its rows' sums; services not
accounted for a reason that names another district are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents import gep as gep_doc
from qingshan.documents.values import clean
from qingshan.ecology.accounting import RASTERS, SERVICES
from qingshan.ecology.maps import render_service_map
from qingshan.errors import QingshanError

if TYPE_CHECKING:
    from qingshan.city import City

#: the per-pixel rasters the engine writes (accounting.RASTERS), as the map pages name them
MAP_NAMES: dict[str, tuple[str, str]] = {
    "c_storage": ("碳储量", "carbon storage"),
    "c_sequestration": ("碳储量年变化（固碳）", "carbon storage change (sequestration)"),
    "wyield": ("产水量", "water yield"),
    "avoided_erosion": ("土壤保持量（避免的侵蚀）", "soil retention (avoided erosion)"),
}
#: units of the rasters in both languages
MAP_UNITS: dict[str, tuple[str, str]] = {
    "t C/ha": ("吨碳/公顷", "t C/ha"), "t C/(ha·a)": ("吨碳/(公顷·年)", "t C/(ha·yr)"), "mm/a": ("毫米/年", "mm/yr"),
    "t/(ha·a)": ("吨/(公顷·年)", "t/(ha·yr)"),
}
HEADER = ("profile", "price_set", "eco_package")
#: the coordination's columns normalised over every district and year (hidden from a district's user)
PANEL_INDICES = ("f", "g", "c", "t")
VALUE = "signed_value_yuan"  # a row's contribution to GEP (imported products negative)
#: the field a grouping's key is written to on the pages (``class`` is the 亩均 class in
#: downloads' headers: the class of a GEP service is ``gep_class``)
FIELD = {"class": "gep_class"}
#: the comparison's columns as the pages name them (``change`` is "change needed" in downloads)
EFFECTS = {c: ("value_change" if c == "change" else c) for c in gep_doc.EFFECT_COLUMNS}


class UnknownGepItem(QingshanError):
    """A year, service or district the city's GEP does not have: ``status`` is the web's
    answer (422 for a year, as other pages; 404 for a district or map that is not there)."""

    def __init__(self, zh: str, en: str, status: int = 404) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


def years(city: City) -> list[int]:
    """The accounting years of the city's ecological package (its LULC years)."""
    return [int(y) for y in city.eco_package().years]


def districts(city: City) -> dict[str, str]:
    """District code → name, from the ecological package's districts table."""
    t = city.eco_package().tables.get("districts")
    if t is None:
        return {}
    return {str(r["district_id"]): str(r["name"]) for r in t.to_dict("records")}


def _known_year(city: City, year: int | None) -> int:
    have = years(city)
    if year is None:
        return have[-1]
    if year not in have:
        raise UnknownGepItem(f"生态数据包没有 {year} 年（核算年份：{'、'.join(map(str, have))}）",
                             f"the ecological package has no year {year} (accounting years: "
                             f"{', '.join(map(str, have))})", 422)
    return year


def _no_package(city: City, year: int | None = None, service: str | None = None) -> bool:
    """Whether the city has no ecological package; then a year is checked against its data
    years (as every page checks it) and a service against the known maps, so that a wrong
    request is refused whether or not the city has the package."""
    if service is not None and service not in RASTERS:
        raise UnknownGepItem(f"没有服务分布图 {service[:60]!r}；可选：{'、'.join(RASTERS)}",
                             f"no service map {service[:60]!r}; known: {', '.join(RASTERS)}")
    if city.ecology_dir is not None:
        return False
    have = [int(y) for y in city.years]
    if year is not None and year not in have:
        raise UnknownGepItem(f"数据中没有 {year} 年", f"year {year} is not in the data", 422)
    return True


def _known_district(city: City, district: str | None) -> dict[str, str] | None:
    if district is None:
        return None
    names = districts(city)
    if district not in names:
        raise UnknownGepItem(f"生态数据包中没有区县 {district[:60]!r}", f"no district {district[:60]!r} in the "
                             "ecological package")
    return {"code": district, "name": names[district]}


def _names(doc: dict[str, Any], key: str) -> dict[str, tuple[str, str]]:
    return {str(r[key]): (str(r["zh"]), str(r["en"])) for r in doc.get(f"by_{key}", [])}


def _grouped(frame: pd.DataFrame, key: str, names: dict[str, tuple[str, str]], value: str = VALUE
             ) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    total = float(frame[value].sum())
    out = []
    for k, v in frame.groupby(key, sort=True)[value].sum().items():
        zh, en = names.get(str(k), (str(k), str(k)))
        out.append({FIELD.get(key, key): str(k), "zh": zh, "en": en, "value_yuan": clean(v),
                    "share": clean(float(v) / total) if total else None})
    return out




def _mentions_other(item: dict[str, Any], own: str, codes: list[str]) -> bool:
    """Whether a not-accounted entry is another district's: its ``district`` (None: the whole
    area), or, for an entry without one, a district code in its text."""
    if item.get("district"):
        return str(item["district"]) != own
    text = f"{item.get('why_zh', '')} {item.get('why_en', '')}"
    return any(c != own and c in text for c in codes)


def _comparison(city: City, year: int, district: str | None, names: dict[str, dict[str, tuple[str, str]]]
                ) -> dict[str, Any] | None:
    """The change between ``year`` and the package's other year next to it (the earlier one
    if there is one), by class, service and district, with its quantity and price effects."""
    have = years(city)
    earlier = [y for y in have if y < year]
    later = [y for y in have if y > year]
    if not earlier and not later:
        return None
    y0, y1 = (earlier[-1], year) if earlier else (year, later[0])
    doc = city_document(city, gep_doc.comparison_document, y0, y1)
    rows = pd.DataFrame(doc["rows"])
    if district is not None and not rows.empty:
        rows = rows[rows["district"].astype(str) == district]
    cols = list(gep_doc.EFFECT_COLUMNS)
    total = {EFFECTS[c]: clean(rows[c].sum()) if not rows.empty else 0.0 for c in cols}

    def by(key: str) -> list[dict[str, Any]]:
        if rows.empty:
            return []
        out = []
        for k, r in rows.groupby(key, sort=True)[cols].sum().iterrows():
            zh, en = names[key].get(str(k), (str(k), str(k)))
            out.append({FIELD.get(key, key): str(k), "zh": zh, "en": en, **{EFFECTS[c]: clean(r[c]) for c in cols}})
        return out

    return {"from": y0, "to": y1, "method": doc["method"], "total": total, "by_class": by("class"),
            "by_service": by("service"), "by_district": by("district")}


def city_document(city: City, build: Any, *args: Any) -> dict[str, Any]:
    """A document of :mod:`qingshan.documents.gep`, kept by the city (its account is kept
    already; this keeps the assembled document too)."""
    key = ("gep-page", build.__name__, *args)
    if key not in city.memo:
        city.memo[key] = build(city, *args)
    found: dict[str, Any] = city.memo[key]
    return found


def gep_page(city: City, year: int | None = None, district: str | None = None, *, own_only: bool = False
             ) -> dict[str, Any]:
    """The ``/gep`` page of ``year`` (default the latest accounting year), of the whole
    city or of one ``district`` (its code); ``districts`` lists those the reader may choose
    (``own_only``: a district's user, its own). A city without an ecological package gets
    the page that says so (``available`` false), whatever the year."""
    if _no_package(city, year):
        return {"available": False, "year": None, "years": [], "district": None}
    y = _known_year(city, year)
    unit = _known_district(city, district)
    acc = city_document(city, gep_doc.account_document, y)
    rows = pd.DataFrame(acc["rows"])
    if unit is not None and not rows.empty:
        rows = rows[rows["district"].astype(str) == unit["code"]]
    dnames = {k: (v, v) for k, v in districts(city).items()}
    names = {"class": {k: v for k, v in gep_doc.CLASS_NAMES.items()},
             "service": {k: (v[1], v[2]) for k, v in SERVICES.items()} | _names(acc, "service"),
             "ecosystem": _names(acc, "ecosystem"), "district": dnames}
    by_class = _grouped(rows, "class", names["class"])
    by_service = _grouped(rows, "service", names["service"])
    for r in by_service:
        r["gep_class"] = SERVICES[r["service"]][0] if r["service"] in SERVICES else None
    physical: list[dict[str, Any]] = []
    if not rows.empty:
        q = rows[rows["quantity"].notna()].groupby(["service", "indicator", "quantity_unit"], sort=True)[
            ["quantity", VALUE]].sum().reset_index()
        for g in q.to_dict("records"):
            zh, en = names["service"].get(str(g["service"]), (str(g["service"]), str(g["service"])))
            ind_zh, ind_en = gep_doc.indicator_name(str(g["indicator"]))
            physical.append({"service": str(g["service"]), "zh": zh, "en": en, "indicator": str(g["indicator"]),
                             "indicator_zh": ind_zh, "indicator_en": ind_en,
                             "quantity": clean(g["quantity"]), "quantity_unit": str(g["quantity_unit"]),
                             "value_yuan": clean(g[VALUE])})
    prices: list[dict[str, Any]] = []
    if not rows.empty and "price" in rows:
        keys = ["service", "price_unit", "base_price", "price_year", "price_index_ratio", "price", "price_source"]
        used = rows[rows["price"].notna()][keys].drop_duplicates().sort_values(["service", "price_unit"])
        for g in used.to_dict("records"):
            zh, en = names["service"].get(str(g["service"]), (str(g["service"]), str(g["service"])))
            year_of_price = clean(g["price_year"])
            prices.append({"service": str(g["service"]), "zh": zh, "en": en, "price": clean(g["price"]),
                           "price_unit": g["price_unit"], "base_price": clean(g["base_price"]),
                           "price_year": None if year_of_price is None else int(year_of_price),
                           "price_index_ratio": clean(g["price_index_ratio"]), "source": g["price_source"]})
    codes = list(districts(city))
    missing = [m for m in acc["not_accounted"] if unit is None or not _mentions_other(m, unit["code"], codes)]
    shown = [{"code": unit["code"], "name": unit["name"]}] if unit and own_only else [
        {"code": k, "name": v} for k, v in districts(city).items()]
    return {**{k: acc[k] for k in HEADER}, "available": True, "year": y, "years": years(city), "district": unit,
            "choices": shown,
            "gep_yuan": clean(rows[VALUE].sum()) if not rows.empty else 0.0,
            "by_class": by_class, "by_service": by_service,
            "by_district": _grouped(rows, "district", names["district"]),
            "by_ecosystem": _grouped(rows, "ecosystem", names["ecosystem"]),
            "physical": physical, "prices": prices, "not_accounted": missing,
            "problems": [q for q in acc["problems"] if unit is None or not any(
                c != unit["code"] and c in str(q.get("value", "")) for c in codes)],
            "comparison": _comparison(city, y, None if unit is None else unit["code"], names),
            "maps": [{"service": k, "zh": MAP_NAMES[k][0], "en": MAP_NAMES[k][1], "unit": RASTERS[k],
                      "unit_zh": MAP_UNITS[RASTERS[k]][0], "unit_en": MAP_UNITS[RASTERS[k]][1]}
                     for k in RASTERS if k in acc["rasters"]]}


def _map_raster(city: City, service: str, year: int) -> Path:
    if service not in RASTERS:
        raise UnknownGepItem(f"没有服务分布图 {service[:60]!r}；可选：{'、'.join(RASTERS)}",
                             f"no service map {service[:60]!r}; known: {', '.join(RASTERS)}")
    acc = city_document(city, gep_doc.account_document, year)
    path = acc["rasters"].get(service)
    if path is None or not Path(path).is_file():
        raise UnknownGepItem(f"{year} 年没有 {MAP_NAMES[service][0]} 的栅格", f"there is no {MAP_NAMES[service][1]} "
                             f"raster for {year}")
    return Path(path)


def _raster_codes(city: City, district: str) -> list[int]:
    t = city.eco_package().tables["districts"]
    return [int(r["raster_code"]) for r in t.to_dict("records") if str(r["district_id"]) == district]


def map_page(city: City, service: str | None = None, year: int | None = None, district: str | None = None
             ) -> dict[str, Any]:
    """The ``/gep/map`` page: the map of ``service`` (a raster of :data:`RASTERS`; default the
    first the year has) in ``year``, of the whole city or of one ``district`` (the others
    transparent), with its legend (the range of the values shown, the unit, the colour
    stops, the palette's source). A city without an ecological package: ``available`` false."""
    if _no_package(city, year, service):
        return {"available": False, "service": None, "year": None, "years": [], "district": None}
    y = _known_year(city, year)
    unit = _known_district(city, district)
    if service is None:
        have = city_document(city, gep_doc.account_document, y)["rasters"]
        service = next((k for k in RASTERS if k in have), "c_storage")
    raster = _map_raster(city, service, y)
    pkg = city.eco_package()
    only = _raster_codes(city, unit["code"]) if unit else []
    m = render_service_map(raster, pkg.rasters.get("districts"), only=only)
    acc = city_document(city, gep_doc.account_document, y)
    u = RASTERS[service]
    return {**{k: acc[k] for k in HEADER}, "available": True, "service": service, "zh": MAP_NAMES[service][0],
            "en": MAP_NAMES[service][1], "year": y, "years": years(city), "district": unit,
            "unit": u, "unit_zh": MAP_UNITS[u][0], "unit_en": MAP_UNITS[u][1],
            "maps": [{"service": k, "zh": MAP_NAMES[k][0], "en": MAP_NAMES[k][1]} for k in RASTERS
                     if k in acc["rasters"]],
            "image": {"width": m.width, "height": m.height, "step": m.step, "raster_width": m.raster_width,
                      "raster_height": m.raster_height, "pixels": m.pixels, "key": m.key,
                      "window": m.window},
            "legend": {"low": m.low, "high": m.high, "unit": u, "stops": m.stops, "palette": m.palette},
            "boundaries": "districts" in pkg.rasters}


def map_png(city: City, service: str, year: int | None = None, district: str | None = None) -> dict[str, Any]:
    """Where the image of :func:`map_page` is (``png``: its path on the server)."""
    if _no_package(city, year, service):
        raise UnknownGepItem("本城市没有生态数据包", "this city has no ecological package")
    y = _known_year(city, year)
    unit = _known_district(city, district)
    raster = _map_raster(city, service, y)
    only = _raster_codes(city, unit["code"]) if unit else []
    m = render_service_map(raster, city.eco_package().rasters.get("districts"), only=only)
    return {"png": str(m.png)}


def coordination_page(city: City, district: str | None = None) -> dict[str, Any]:
    """The ``/gep/coordination`` page: GDP and GEP by district and year, their growth, GEP/GDP
    and the coupling-coordination degree and grade (:func:`qingshan.documents.gep.coordination_document`);
    within one ``district``, its rows only (the degree stays normalised over the whole panel,
    as the document computes it). A city without an ecological package: ``available`` false."""
    if city.ecology_dir is None:
        return {"available": False, "district": None, "by_district_year": []}
    unit = _known_district(city, district)
    doc = city_document(city, gep_doc.coordination_document)
    names = districts(city)
    # a district sees its own rows without the normalised indices f, g and C, T: with two of its
    # years and its own GDP and GEP, f and g would give away the panel's extremes, which are other
    # districts' GDP and GEP; D and its grade stay
    hidden = () if unit is None else PANEL_INDICES
    rows = [{**{k: v for k, v in r.items() if k not in hidden},
             "district_name": names.get(str(r["district"]), str(r["district"]))} for r in doc["rows"]
            if unit is None or str(r["district"]) == unit["code"]]
    latest = max((int(r["year"]) for r in rows), default=None)
    return {**{k: doc[k] for k in HEADER}, "available": True, "years": doc["years"], "district": unit,
            "method": doc["method"],
            "not_computed": doc["not_computed"], "by_district_year": rows,
            "latest_year": [r for r in rows if int(r["year"]) == latest]}

