"""The documents of the air-quality web pages (issue #18, item 6; docs/environment.md, "Web
pages"): ``/air`` (one year's annual assessment of the city or of one district, with the
district ranking, the stations on a map, a calendar of daily AQI, monthly mean
concentrations and the trend over the years) and ``/air/stations/{station_id}`` (one
station's statistics and calendar).

Each is assembled from the air-quality document of :mod:`qingshan.documents.air` (the same
as ``qingshan air --json``): its figures are that document's rows, picked for the page's
area. The only numbers computed here are presentation statistics, each said so on the page:
the monthly mean concentrations (arithmetic mean of the area's valid daily values of the
month; not a statistic of GB 3095 or HJ 663), the count of days per month and the
good-day ratio in per cent for the trend chart.

Within one ``district`` (a district's user sees only its own: :mod:`qingshan.documents.scope`)
every table keeps that district's rows and stations only; the ranking keeps its own row
(its rank among the districts ranked stays, as the city's ranking publishes it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents import air as air_doc
from qingshan.documents.names import names
from qingshan.documents.point_map import point_map
from qingshan.documents.values import clean
from qingshan.errors import QingshanError
from qingshan.methods.air_assessment import ANNUAL_MEAN, PERCENTILES
from qingshan.methods.aqi import CATEGORY_EN, CATEGORY_ZH, COLOUR_HEX, COLOUR_ZH, LEVEL_UPPER, POLLUTANTS

if TYPE_CHECKING:
    from qingshan.city import City

HEADER = ("profile", "factor_set", "package")
#: the pollutants as the pages name them (zh, en, unit of their concentrations: GB 3095 Table 1)
POLLUTANT_NAMES: dict[str, tuple[str, str, str]] = {
    "SO2": ("二氧化硫 SO₂", "sulphur dioxide SO₂", "µg/m³"), "NO2": ("二氧化氮 NO₂", "nitrogen dioxide NO₂", "µg/m³"),
    "PM10": ("可吸入颗粒物 PM₁₀", "particulate matter PM₁₀", "µg/m³"),
    "PM2_5": ("细颗粒物 PM₂.₅", "fine particulate matter PM₂.₅", "µg/m³"),
    "CO": ("一氧化碳 CO", "carbon monoxide CO", "mg/m³"), "O3": ("臭氧 O₃", "ozone O₃", "µg/m³")}
#: short symbols of the pollutants (primary pollutant, exceeding pollutants)
SYMBOLS = {"SO2": "SO₂", "NO2": "NO₂", "PM10": "PM₁₀", "PM2_5": "PM₂.₅", "CO": "CO", "O3": "O₃"}
#: the indicator columns of a day (environment.air.INDICATORS) whose monthly means the page shows
MONTHLY = ("SO2_24h", "NO2_24h", "PM10_24h", "PM2_5_24h", "CO_24h", "O3_8h")
#: the averaging of a percentile statistic (methods.air_assessment.PERCENTILES), in words
AVERAGING = {"24h": ("24 小时平均", "24-h means"), "8h": ("日最大 8 小时平均", "daily maximum 8-h means")}
#: station levels (the package's ``air_stations.level`` choices, data/spec/tables.toml)
LEVELS = {"national": ("国控", "national"), "provincial": ("省控", "provincial"), "municipal": ("市控", "municipal")}
#: English names of the HJ 633 colours (methods.aqi.COLOUR_ZH, HJ 633-2026 Appendix A Table A.1)
COLOUR_EN = ("green", "yellow", "orange", "red", "purple", "maroon")
#: level numbers as HJ 633 Table 2 (2012) / Table 1 (2026) writes them
LEVEL_NAMES = (("一级", "I"), ("二级", "II"), ("三级", "III"), ("四级", "IV"), ("五级", "V"), ("六级", "VI"))
#: the station map's colouring: GB 3095 grade II compliance of the year (the official annual
#: verdict). Colours from the Okabe–Ito palette (Okabe & Ito 2008, Color Universal Design),
#: told apart under the common colour-vision deficiencies; the mark in each point carries the
#: category too, so colour is never its only carrier.
MAP_LEGEND = (
    {"key": "complies", "colour": "#009E73", "mark": "✓", "zh": "✓ 达标（GB 3095 二级，全部污染物）",
     "en": "✓ complies (GB 3095 grade II, every pollutant)"},
    {"key": "exceeds", "colour": "#D55E00", "mark": "✗", "zh": "✗ 超标（至少一项污染物）",
     "en": "✗ exceeds (at least one pollutant)"},
    {"key": "no_verdict", "colour": "#FFFFFF", "mark": "?", "zh": "? 有效天数不足，不作达标判定",
     "en": "? too few valid days: no verdict"},
)
_REASON_YEAR = re.compile(r"^year (\d+) < (\d+)$")
_REASON_MONTH = re.compile(r"^month (\d+): (\d+) < (\d+)$")


class UnknownAirItem(QingshanError):
    """A year, district or station the city's air data do not have (``status`` 404), or a
    request outside the reader's part of the city."""

    def __init__(self, zh: str, en: str, status: int = 404) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


def years(city: City) -> list[int]:
    """The years the package's ``air_daily`` holds (empty without air monitoring data)."""
    key = ("air-page", "years")
    if key not in city.memo:
        pkg = city.package
        if any(t not in pkg or not len(pkg[t]) for t in air_doc.TABLES):
            city.memo[key] = []
        else:
            d = pd.to_datetime(pkg["air_daily"]["date"], errors="coerce").dropna()
            city.memo[key] = sorted({int(y) for y in d.dt.year})
    found: list[int] = city.memo[key]
    return found


def assessment(city: City, year: int) -> dict[str, Any]:
    """The air-quality document of ``year`` (:func:`qingshan.documents.air.build`), kept by
    the city."""
    key = ("air-page", "doc", year)
    if key not in city.memo:
        city.memo[key] = air_doc.build(city, year)
    found: dict[str, Any] = city.memo[key]
    return found


def _known_year(city: City, year: int | None) -> int:
    have = years(city)
    if year is None:
        return have[-1]
    if year not in have:
        listed = f"{have[0]}–{have[-1]}" if len(have) > 1 else str(have[0])
        raise UnknownAirItem(f"空气监测数据中没有 {year} 年（有数据的年份：{listed}）",
                             f"the air monitoring data have no year {year} (years with data: {listed})")
    return year


def _no_data(city: City, year: int | None) -> bool:
    """Whether the city has no air monitoring data; then a year is checked against the
    data years, so a wrong year is refused with or without air data."""
    if years(city):
        return False
    if year is not None and year not in city.years:
        raise UnknownAirItem(f"数据中没有 {year} 年", f"year {year} is not in the data")
    return True


def _known_district(city: City, district: str | None) -> dict[str, str] | None:
    if district is None:
        return None
    known = names(city).districts
    if district not in known:
        raise UnknownAirItem(f"没有区县 {district[:60]!r}", f"no district {district[:60]!r}")
    return {"code": district, "name": known[district]}


def pollutants() -> list[dict[str, Any]]:
    """The six pollutants with their names, unit and the statistics their compliance rests on."""
    out = []
    for pol in POLLUTANTS:
        zh, en, unit = POLLUTANT_NAMES[pol]
        s_zh, s_en = statistic(pol)
        out.append({"pollutant": pol, "symbol": SYMBOLS[pol], "zh": zh, "en": en, "concentration_unit": unit,
                    "statistic_zh": s_zh, "statistic_en": s_en})
    return out


def statistic(pollutant: str) -> tuple[str, str]:
    """The statistic(s) a pollutant's compliance is judged on (methods.air_assessment:
    annual mean where GB 3095 has an annual limit, and the percentile of PERCENTILES), in
    both languages."""
    avg, p = PERCENTILES[pollutant]
    what_zh, what_en = AVERAGING[avg]
    zh, en = f"{what_zh}第 {p:g} 百分位数", f"{p:g}th percentile of the {what_en}"
    if pollutant in ANNUAL_MEAN:
        return f"年平均；{zh}", f"annual mean; {en}"
    return zh, en


def reasons(text: str) -> tuple[str, str]:
    """The reasons a year is incomplete (methods.air_assessment.year_is_complete: ``"year
    300 < 324; month 2: 24 < 25"``) in both languages."""
    zh, en = [], []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        y, m = _REASON_YEAR.match(part), _REASON_MONTH.match(part)
        if y:
            zh.append(f"全年有效 {y[1]} 天，少于 {y[2]} 天")
            en.append(f"{y[1]} valid days in the year, fewer than {y[2]}")
        elif m:
            zh.append(f"{m[1]} 月有效 {m[2]} 天，少于 {m[3]} 天")
            en.append(f"{m[2]} valid days in month {m[1]}, fewer than {m[3]}")
        else:  # a reason this page does not know: as the method gives it
            zh.append(part)
            en.append(part)
    return "；".join(zh), "; ".join(en)


def categories() -> list[dict[str, Any]]:
    """The six AQI categories of HJ 633 (2012 Table 2; 2026 Table 1 and Appendix A Table A.1):
    level, AQI range, category, colour (official hex and name). Named ``aqi_level*`` and
    ``aqi_colour*`` (as the calendar's days; a station's level is ``station_level*``): in the
    downloads' headers (reports/labels.py) ``level`` is a summary level and ``colour`` a
    target warning."""
    out = []
    lower = 0
    for i in range(6):
        upper = LEVEL_UPPER[i] if i < len(LEVEL_UPPER) else None
        out.append({"aqi_level": i + 1, "aqi_level_zh": LEVEL_NAMES[i][0], "aqi_level_en": LEVEL_NAMES[i][1],
                    "aqi_from": lower, "aqi_to": upper, "zh": CATEGORY_ZH[i], "en": CATEGORY_EN[i],
                    "aqi_colour": COLOUR_HEX[i], "aqi_colour_zh": COLOUR_ZH[i], "aqi_colour_en": COLOUR_EN[i]})
        lower = (upper or 0) + 1
    return out


def _split(codes: Any) -> list[str]:
    return [c for c in str(codes or "").split(",") if c]


def _compliance(doc: dict[str, Any], scope: str, code: str) -> list[dict[str, Any]]:
    """The pollutants' statistics and GB 3095 verdicts of one station, district or the city."""
    out = []
    for s in doc["statistics"]:
        if s["scope"] != scope or str(s["code"]) != code:
            continue
        pol = str(s["pollutant"])
        avg, p = PERCENTILES[pol]
        r_zh, r_en = reasons(s.get("reasons") or "")
        zh, en, unit = POLLUTANT_NAMES[pol]
        s_zh, s_en = statistic(pol)
        out.append({"pollutant": pol, "symbol": SYMBOLS[pol], "zh": zh, "en": en, "concentration_unit": unit,
                    "statistic_zh": s_zh, "statistic_en": s_en, "days": s["days"], "complete": s["complete"],
                    "reasons_zh": r_zh, "reasons_en": r_en,
                    "annual_mean": s["annual_mean"] if pol in ANNUAL_MEAN else None,
                    "annual_limit": s["annual_limit"] if pol in ANNUAL_MEAN else None,
                    "averaging": avg, "percentile": p, "percentile_value": s["percentile_value"],
                    "short_limit": s["short_limit"], "complies": s["complies"]})
    return out


def _calendar(days: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    """Every day of ``year`` with the area's daily AQI (None on a day without data; its
    ``aqi_level`` 0)."""
    by_date = {str(d["date"]): d for d in days}
    out = []
    for day in pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D"):
        key = day.strftime("%Y-%m-%d")
        row: dict[str, Any] = {"date": key, "month": int(day.month), "day": int(day.day),
                               "weekday": int(day.weekday()), "aqi": None, "aqi_level": 0, "category_zh": None,
                               "category_en": None, "aqi_colour": None, "primary": [], "edition": None,
                               "complete": None}
        d = by_date.get(key)
        if d is not None and d.get("edition"):
            row["edition"] = f"HJ 633-{d['edition']}"
        if d is not None and d.get("aqi") is not None:
            row.update({"aqi": int(d["aqi"]), "aqi_level": int(d["level"]), "category_zh": d["category_zh"],
                        "category_en": d["category_en"], "aqi_colour": d["colour"], "primary": _split(d.get("primary")),
                        "complete": bool(d["complete"])})
        out.append(row)
    return out


def _months(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per month: days with an AQI, good days (AQI ≤ 100), polluted days (AQI > 100) and
    the arithmetic mean of each indicator's valid daily values (a presentation statistic)."""
    frame = pd.DataFrame(days)
    out: list[dict[str, Any]] = []
    if frame.empty:
        return out
    frame["month"] = pd.to_datetime(frame["date"]).dt.month
    for col in MONTHLY:
        if col not in frame:
            frame[col] = float("nan")
    aqi = pd.to_numeric(frame["aqi"], errors="coerce")
    frame["_has"] = aqi.notna()
    frame["_good"] = aqi <= 100
    frame["_bad"] = aqi > 100
    for month, g in frame.groupby("month", sort=True):
        out.append({"month": int(str(month)), "days": int(g["_has"].sum()), "good_days": int(g["_good"].sum()),
                    "polluted_days": int(g["_bad"].sum()),
                    **{col: clean(pd.to_numeric(g[col], errors="coerce").mean()) for col in MONTHLY}})
    return out


def _station_rows(city: City, doc: dict[str, Any], district: str | None) -> list[dict[str, Any]]:
    annual = {str(s["code"]): s for s in doc["stations"]}
    dnames = names(city).districts
    out = []
    for st in doc["station_list"]:
        sid = str(st["station_id"])
        home = str(st["district_id"])
        if district is not None and home != district:
            continue
        a = annual.get(sid, {})
        complies = a.get("complies")
        category = "no_verdict" if complies is None else "complies" if complies else "exceeds"
        level = str(st.get("level") or "")
        lz, le = LEVELS.get(level, (level, level))
        out.append({"station_id": sid, "name": str(st["name"]), "district": home,
                    "district_name": dnames.get(home, home), "station_level": level, "station_level_zh": lz,
                    "station_level_en": le,
                    "lon": st.get("lon"), "lat": st.get("lat"), "days": a.get("days", 0),
                    "good_days": a.get("good_days", 0), "good_day_ratio": a.get("good_day_ratio"),
                    "composite_index": a.get("composite_index"), "complete": a.get("complete"),
                    "complies": complies, "exceeding": _split(a.get("exceeding")), "category": category})
    return out


def _map(city: City, stations: list[dict[str, Any]], year: int, district: str | None) -> dict[str, Any]:
    marks = {m["key"]: m["mark"] for m in MAP_LEGEND}
    points = [{"code": s["station_id"], "name": s["name"], "lon": s["lon"], "lat": s["lat"],
               "category": s["category"], "mark": marks[s["category"]],
               "href": f"/air/stations/{s['station_id']}?year={year}"} for s in stations]
    legend = [{k: v for k, v in m.items() if k != "mark"} for m in MAP_LEGEND]
    return point_map(city, points, legend=legend, district=district)


def _area_row(row: dict[str, Any], ranked: int | None = None) -> dict[str, Any]:
    out = {k: row.get(k) for k in ("kind", "code", "name", "days", "good_days", "good_day_ratio", "composite_index",
                                   "complete", "complies")}
    out["exceeding"] = _split(row.get("exceeding"))
    if ranked is not None:
        out["rank"], out["ranked"] = row.get("rank"), ranked
    return out


def _trend(city: City, pick: Any) -> list[dict[str, Any]]:
    """The area's annual figures in every year of the air data (``pick(doc)``: its row and
    its statistics)."""
    out = []
    for y in years(city):
        row, stats = pick(assessment(city, y))
        if row is None:
            continue
        pm: dict[str, Any] = next((s for s in stats if s["pollutant"] == "PM2_5"), {})
        o3: dict[str, Any] = next((s for s in stats if s["pollutant"] == "O3"), {})
        ratio = row.get("good_day_ratio")
        out.append({"year": y, "days": row.get("days"), "good_days": row.get("good_days"), "good_day_ratio": ratio,
                    "good_day_pct": None if ratio is None else clean(ratio * 100),
                    "composite_index": row.get("composite_index"), "complies": row.get("complies"),
                    "PM2_5_annual_mean": pm.get("annual_mean"), "O3_percentile_value": o3.get("percentile_value")})
    return out


def _district_pick(code: str) -> Any:
    def pick(doc: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        row = next((d for d in doc["districts"] if str(d["code"]) == code), None)
        return row, _compliance(doc, "district", code)
    return pick


def _city_pick(doc: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    return doc["city"], _compliance(doc, "city", "city")


def _station_pick(code: str) -> Any:
    def pick(doc: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        row = next((s for s in doc["stations"] if str(s["code"]) == code), None)
        return row, _compliance(doc, "station", code)
    return pick


def _standards(doc: dict[str, Any]) -> dict[str, Any]:
    a = doc["aqi_standard"]
    return {"selection": a["selection"], "override": a["override"], "editions": a["editions"]}


def air_page(city: City, year: int | None = None, district: str | None = None, *, own_only: bool = False
             ) -> dict[str, Any]:
    """The ``/air`` page of ``year`` (default the latest year of the air data), of the whole
    city or of one ``district`` (its code); ``choices`` lists the districts the reader may
    choose (``own_only``: a district's user, its own). A city without air monitoring data
    gets the page that says so (``available`` false)."""
    if _no_data(city, year):
        return {"available": False, "year": None, "years": [], "district": None}
    y = _known_year(city, year)
    unit = _known_district(city, district)
    doc = assessment(city, y)
    ranked = sum(1 for d in doc["districts"] if d.get("rank") is not None)
    if unit is None:
        area: dict[str, Any] | None = _area_row(doc["city"]) if doc["city"] else None
        days = doc["days"]["city"]
        compliance = _compliance(doc, "city", "city")
        pick = _city_pick
    else:
        row = next((d for d in doc["districts"] if str(d["code"]) == unit["code"]), None)
        area = None if row is None else _area_row(row, ranked)
        days = [d for d in doc["days"]["districts"] if str(d["unit"]) == unit["code"]]
        compliance = _compliance(doc, "district", unit["code"])
        pick = _district_pick(unit["code"])
    ranking = [{"district": str(d["code"]), "district_name": d["name"], "rank": d.get("rank"), "days": d["days"],
                "good_days": d["good_days"], "good_day_ratio": d["good_day_ratio"],
                "composite_index": d["composite_index"], "complete": d["complete"], "complies": d["complies"],
                "exceeding": _split(d.get("exceeding"))}
               for d in doc["districts"] if unit is None or str(d["code"]) == unit["code"]]
    stations = _station_rows(city, doc, None if unit is None else unit["code"])
    with_stations = [{"code": str(d["code"]), "name": d["name"]} for d in doc["districts"]]
    shown = [c for c in with_stations if c["code"] == unit["code"]] if unit and own_only else \
        sorted(with_stations, key=lambda c: c["code"])
    return {**{k: doc[k] for k in HEADER}, "available": True, "year": y, "years": years(city), "district": unit,
            "choices": shown, "area": area, "gb3095": doc["gb3095"], "aqi_standard": _standards(doc),
            "compliance": compliance, "by_district": ranking, "ranked": ranked if unit is None else None,
            "stations": stations, "map": _map(city, stations, y, None if unit is None else unit["code"]),
            "calendar": _calendar(days, y), "months": _months(days), "trend": _trend(city, pick),
            "categories": categories(), "pollutants": pollutants(),
            "unverified": doc["unverified"], "problems": doc["problems"]}


def station_page(city: City, station_id: str, year: int | None = None, *, district: str | None = None
                 ) -> dict[str, Any]:
    """The ``/air/stations/{station_id}`` page: one station's annual statistics and GB 3095
    verdicts in ``year`` (default the latest year of the air data), its calendar of daily
    AQI, monthly means and its figures over the years. ``district``: the reader's own
    district (a station elsewhere is 404, as one that does not exist)."""
    if _no_data(city, year):
        raise UnknownAirItem("数据包中没有空气监测站点", "the package has no air monitoring stations")
    y = _known_year(city, year)
    doc = assessment(city, y)
    st = next((s for s in doc["station_list"] if str(s["station_id"]) == station_id), None)
    if st is None or (district is not None and str(st["district_id"]) != district):
        raise UnknownAirItem(f"没有空气监测站点 {station_id[:60]!r}", f"no air monitoring station {station_id[:60]!r}")
    row = next(s for s in _station_rows(city, doc, None) if s["station_id"] == station_id)
    days = [d for d in doc["days"]["stations"] if str(d["unit"]) == station_id]
    home = str(st["district_id"])
    return {**{k: doc[k] for k in HEADER}, "available": True, "year": y, "years": years(city),
            "station": row, "district": {"code": home, "name": names(city).districts.get(home, home)},
            "gb3095": doc["gb3095"], "aqi_standard": _standards(doc),
            "compliance": _compliance(doc, "station", station_id), "calendar": _calendar(days, y),
            "months": _months(days), "trend": _trend(city, _station_pick(station_id)),
            "categories": categories(), "pollutants": pollutants(),
            "unverified": doc["unverified"], "problems": doc["problems"]}

