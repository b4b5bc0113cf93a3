"""Air quality in the browser (issue #18, item 6): the pages ``/air`` and
``/air/stations/{station_id}`` with their JSON twins (:mod:`qingshan.web.air`,
:mod:`qingshan.documents.air_pages`) on the demo city's monitoring data.

The page shows the twin's numbers, and the twin the air-quality document's (``qingshan air
--json``); one day's AQI is worked by hand from the HJ 633-2012 breakpoints written out
here, for a station and for the city (the mean of its stations); the calendar's colours are
HJ 633's; a district's user sees its own district only, a park's or an enterprise's is
refused; the downloads hold the rows; an unknown year is 404 in both languages; the pages
pass the crawler's language checks.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from qingshan.app.organisations import tree_paths
from qingshan.city import City
from qingshan.city.config import write_city_config
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.documents import air as air_doc
from qingshan.methods.aqi import CATEGORY_EN, CATEGORY_ZH, COLOUR_HEX
from qingshan.reports.labels import header, title
from qingshan.reports.tables import page_tables
from qingshan.web.app import PAGES
from qingshan.web.city import WebCity
from qingshan.web.downloads import twin_tables
from tests.test_web_crawl import Site as CrawlSite
from tests.test_web_crawl import check_page
from tests.web_city import api, client_of, demo_city, page, signed_in, visible, web_city

HTML = {"accept": "text/html"}
PASSWORD = "Air-pages-2026"
YEAR = 2023  # the demo city's last year (tests/web_city.py: 2020–2023)


@dataclass
class Site:
    web: WebCity
    client: dict[str, TestClient]  # city-analyst, district-analyst, park-viewer, enterprise-viewer
    own: str  # the district of the district's user
    names: set[str]  # the names of the city's units (proper names, shown in both languages)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo city (150 enterprises, its air stations and days) and four users signed in:
    an analyst of the city, an analyst of a district, a viewer of a park and of an enterprise."""
    d = demo_city(tmp_path_factory.mktemp("air-pages"))
    with City.open(d) as city:
        units = city.units()
        stations = {str(v) for v in city.package["air_stations"]["name"].dropna()}
    paths = tree_paths(units)
    city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    park = sorted(c for c, (u, _, _) in paths.items() if u.kind == "park")[0]
    district = paths[park][2]
    assert district is not None
    firm = sorted(c for c, (u, p, _) in paths.items()
                  if u.kind == "enterprise" and p.startswith(paths[park][1] + "/"))[0]
    who = {"city-analyst": (city_code, "analyst"), "district-analyst": (district, "analyst"),
           "park-viewer": (park, "viewer"), "enterprise-viewer": (firm, "viewer")}
    web, clients = signed_in(d, units, who, PASSWORD)
    # proper names, which an English page may show: the units' and the stations' (the map's tooltips)
    yield Site(web, clients, district, {u.name for u in units if u.name} | stations)


def table(text: str, table_id: str) -> str:
    found = re.search(rf'<table[^>]* id="{table_id}">(.*?)</table>', text, re.S)
    assert found, table_id
    return found.group(1)


def rows(text: str, table_id: str, key: str) -> dict[str, str]:
    """``data-<key>`` of each row of a table → the row's HTML."""
    return dict(re.findall(rf'<tr data-{key}="([^"]+)">(.*?)</tr>', table(text, table_id), re.S))


def values(row: str) -> list[str]:
    """The ``data-value`` of every number in a row, in order."""
    return re.findall(r'data-value="([^"]*)"', row)


def workbook(body: bytes) -> dict[str, pd.DataFrame]:
    """Every sheet of a downloaded workbook, read as a spreadsheet program reads it."""
    assert body[:2] == b"PK"
    return pd.read_excel(io.BytesIO(body), sheet_name=None, engine="calamine")


def charts(text: str) -> list[dict[str, Any]]:
    return [json.loads(html_lib.unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', text)]


def cells(text: str) -> dict[str, dict[str, str]]:
    """The calendar's day cells: date → class, AQI, level, title and the text shown."""
    out = {}
    for m in re.finditer(r'<td class="(aqi-\d)" data-date="([^"]+)"([^>]*)>(.*?)</td>', text, re.S):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(3)))
        shown = re.search(r'<span class="v">([^<]*)</span>', m.group(4))
        out[m.group(2)] = {"class": m.group(1), "aqi": attrs.get("data-aqi", ""), "level": attrs.get("data-level", ""),
                           "title": html_lib.unescape(attrs.get("title", "")), "shown": shown.group(1) if shown else ""}
    return out


# --------------------------------------------------------------------------- HJ 633-2012 by hand

#: HJ 633-2012 Table 1: IAQI 0, 50, 100, 150, 200, 300, 400, 500 and the concentrations of each
#: indicator of the daily report (µg/m³; CO mg/m³), written out from the standard
IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS_2012 = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "o3_1h_max": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h_max": (0, 100, 160, 215, 265, 800),  # above 800: the O3 1 h index (note (3))
    "pm25_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}
POLLUTANT_OF = {"so2_24h": "SO2", "no2_24h": "NO2", "pm10_24h": "PM10", "co_24h": "CO", "o3_1h_max": "O3",
                "o3_8h_max": "O3", "pm25_24h": "PM2_5"}


def iaqi_by_hand(column: str, c: float) -> int:
    """HJ 633-2012 formula (1), rounded up (§6.2): IAQI = (IAQI_Hi − IAQI_Lo)/(BP_Hi − BP_Lo)·(C − BP_Lo) + IAQI_Lo."""
    bp = BREAKPOINTS_2012[column]
    for i in range(1, len(bp)):
        if c <= bp[i]:
            return math.ceil((IAQI[i] - IAQI[i - 1]) / (bp[i] - bp[i - 1]) * (c - bp[i - 1]) + IAQI[i - 1] - 1e-9)
    raise AssertionError(f"{column} {c} above the table")


def day_by_hand(concentrations: dict[str, float]) -> tuple[int, set[str], int]:
    """AQI (the largest IAQI, formula (2)), the primary pollutants (AQI > 50: those whose IAQI
    is the AQI) and the level (Table 2: ≤ 50 I, ≤ 100 II, ≤ 150 III, ≤ 200 IV, ≤ 300 V, VI)."""
    each = {col: iaqi_by_hand(col, c) for col, c in concentrations.items()}
    aqi = max(each.values())
    primary = {POLLUTANT_OF[col] for col, v in each.items() if v == aqi} if aqi > 50 else set()
    level = next(i + 1 for i, upper in enumerate((50, 100, 150, 200, 300, math.inf)) if aqi <= upper)
    return aqi, primary, level


def test_a_station_day_worked_by_hand(site: Site) -> None:
    """Station QSA01 on 2023-02-21 (HJ 633-2012, before 2026-03-01), from the demo package's row
    (SO2 10, NO2 37, PM10 177, PM2.5 108, CO 1.0, O3 1 h 82, O3 8 h 65; 20 valid hours):
    SO2 50/50·10 = 10; NO2 50/40·37 = 46.25 → 47; PM10 (150−100)/(250−150)·(177−150) + 100 =
    113.5 → 114; PM2.5 (150−100)/(115−75)·(108−75) + 100 = 141.25 → 142; CO 50/2·1.0 = 25;
    O3 1 h 50/160·82 = 25.6 → 26; O3 8 h 50/100·65 = 32.5 → 33. AQI 142 (101–150: level III,
    轻度污染, orange #FF7E00), primary pollutant PM2.5."""
    raw = site.web.city.package["air_daily"]
    row = raw[(raw["station_id"].astype(str) == "QSA01") & (pd.to_datetime(raw["date"]) == "2023-02-21")]
    assert len(row) == 1
    r = row.iloc[0]
    assert r["valid_hours"] >= 20  # a valid day (GB 3095-2026 Table 4)
    got = {col: float(r[col]) for col in BREAKPOINTS_2012}
    assert got == {"so2_24h": 10.0, "no2_24h": 37.0, "pm10_24h": 177.0, "pm25_24h": 108.0, "co_24h": 1.0,
                   "o3_1h_max": 82.0, "o3_8h_max": 65.0}  # the demo's row, pinned
    aqi, primary, level = day_by_hand(got)
    assert (aqi, primary, level) == (142, {"PM2_5"}, 3)
    c = site.client["city-analyst"]
    doc = api(c, f"/api/air/stations/QSA01?year={YEAR}")
    day = next(d for d in doc["calendar"] if d["date"] == "2023-02-21")
    assert (day["aqi"], set(day["primary"]), day["aqi_level"], day["edition"]) == (142, {"PM2_5"}, 3, "HJ 633-2012")
    assert (day["category_zh"], day["category_en"], day["aqi_colour"]) == ("轻度污染", "lightly polluted", "#FF7E00")
    cell = cells(page(c, f"/air/stations/QSA01?year={YEAR}"))["2023-02-21"]
    assert cell == {"class": "aqi-3", "aqi": "142", "level": "3", "shown": "142",
                    "title": "2023-02-21 · AQI 142 · 轻度污染 · 首要污染物：PM₂.₅ · HJ 633-2012"}
    en = cells(page(c, f"/air/stations/QSA01?year={YEAR}&lang=en"))["2023-02-21"]
    assert en["title"] == "2023-02-21 · AQI 142 · lightly polluted · primary pollutant: PM₂.₅ · HJ 633-2012"


def test_the_citys_day_is_indexed_on_its_stations_mean(site: Site) -> None:
    """The city's concentration of a day is the arithmetic mean of its stations' values (24 h
    means of days with fewer than 20 valid hours left out); its AQI is worked from those means
    with the breakpoints above, not averaged from the stations' AQI."""
    raw = site.web.city.package["air_daily"]
    day = raw[pd.to_datetime(raw["date"]) == "2023-02-21"]
    assert len(day) == 8  # every demo station
    valid = day[day["valid_hours"] >= 20]
    means = {col: float((day if col.startswith("o3") else valid)[col].mean()) for col in BREAKPOINTS_2012}
    aqi, primary, level = day_by_hand(means)
    c = site.client["city-analyst"]
    doc = api(c, f"/api/air?year={YEAR}")
    got = next(d for d in doc["calendar"] if d["date"] == "2023-02-21")
    assert (got["aqi"], set(got["primary"]), got["aqi_level"]) == (aqi, primary, level)
    cell = cells(page(c, f"/air?year={YEAR}"))["2023-02-21"]
    assert (cell["class"], cell["aqi"], cell["shown"]) == (f"aqi-{level}", str(aqi), str(aqi))
    assert cell["title"].startswith(f"2023-02-21 · AQI {aqi} · {CATEGORY_ZH[level - 1]}")


# --------------------------------------------------------------------------- page and twin


def test_the_page_shows_the_twins_numbers(site: Site) -> None:
    """The twin holds the air-quality document's figures (as ``qingshan air --json``); the
    page shows the twin's numbers: the summary, the compliance table, the ranking, the
    stations, every calendar day and the charts."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/air")
    theirs = site.web.document(air_doc.build, YEAR)
    assert (doc["year"], doc["years"], doc["district"]) == (YEAR, [2020, 2021, 2022, 2023], None)
    area = doc["area"]
    for k in ("days", "good_days", "good_day_ratio", "composite_index", "complies"):
        assert area[k] == theirs["city"][k], k
    stats = {s["pollutant"]: s for s in theirs["statistics"] if s["scope"] == "city"}
    assert [r["pollutant"] for r in doc["compliance"]] == ["SO2", "NO2", "PM10", "PM2_5", "CO", "O3"]
    for r in doc["compliance"]:
        s = stats[r["pollutant"]]
        assert (r["percentile_value"], r["short_limit"], r["complies"]) == (s["percentile_value"], s["short_limit"],
                                                                            s["complies"])
        assert r["annual_mean"] == (s["annual_mean"] if r["pollutant"] not in ("CO", "O3") else None)
    assert [(d["district"], d["rank"], d["composite_index"]) for d in doc["by_district"]] == [
        (x["code"], x["rank"], x["composite_index"]) for x in theirs["districts"]]
    assert [d["rank"] for d in doc["by_district"]] == sorted(d["rank"] for d in doc["by_district"])
    assert {s["station_id"] for s in doc["stations"]} == {s["station_id"] for s in theirs["station_list"]}
    assert doc["aqi_standard"]["editions"] == [{"edition": "HJ 633-2012", "first_day": "2023-01-01",
                                                "last_day": "2023-12-31", "days": 365}]
    assert doc["unverified"] == air_doc.UNVERIFIED
    # every day of the year, each the city's day of the document
    days = {d["date"]: d for d in theirs["days"]["city"]}
    assert len(doc["calendar"]) == 365 and len(days) == 365
    for d in doc["calendar"]:
        assert d["aqi"] == int(days[d["date"]]["aqi"]) and d["aqi_colour"] == days[d["date"]]["colour"]
    assert sum(m["good_days"] for m in doc["months"]) == area["good_days"]
    assert sum(m["days"] for m in doc["months"]) == area["days"]

    zh = page(c, "/air")
    assert 'id="twin">/api/air?year=2023<' in zh
    assert re.search(r'id="good-days">([^<]+)<', zh).group(1) == f"{area['good_days']:,d}"  # type: ignore[union-attr]
    ratio = re.search(r'id="good-day-ratio" data-value="([^"]+)">([^<]+)<', zh)
    assert ratio and float(ratio.group(1)) == area["good_day_ratio"]
    assert ratio.group(2) == f"{area['good_day_ratio'] * 100:.1f} %"
    index = re.search(r'id="composite-index" data-value="([^"]+)">([^<]+)<', zh)
    assert index and float(index.group(1)) == area["composite_index"]
    assert index.group(2) == f"{area['composite_index']:,.2f}"
    shown = rows(zh, "compliance", "pollutant")
    for r in doc["compliance"]:
        got = values(shown[r["pollutant"]])
        want = [r["annual_mean"], r["annual_limit"], r["percentile_value"], r["short_limit"]]
        assert got == ["" if v is None else str(v) for v in want], r["pollutant"]
        digits = 2 if r["pollutant"] == "CO" else 1
        assert f">{r['percentile_value']:,.{digits}f}</span>" in shown[r["pollutant"]]
        assert ("达标" if r["complies"] else "超标") in shown[r["pollutant"]]
    ranking = rows(zh, "by-district", "district")
    assert list(ranking) == [d["district"] for d in doc["by_district"]]
    for d in doc["by_district"]:
        assert values(ranking[d["district"]]) == [str(d["composite_index"]), str(d["good_day_ratio"])]
        assert f">{d['composite_index']:,.2f}<" in ranking[d["district"]]
    stations = rows(zh, "stations", "station")
    assert list(stations) == [s["station_id"] for s in doc["stations"]]
    for s in doc["stations"]:
        assert values(stations[s["station_id"]]) == [str(s["good_day_ratio"]), str(s["composite_index"])]
        assert f'href="/air/stations/{s["station_id"]}?year=2023"' in stations[s["station_id"]]
    calendar = cells(zh)
    assert len(calendar) == 365
    for d in doc["calendar"]:
        cell = calendar[d["date"]]
        assert (cell["aqi"], cell["class"], cell["level"]) == (str(d["aqi"]), f"aqi-{d['aqi_level']}",
                                                               str(d["aqi_level"]))
        assert cell["shown"] == str(d["aqi"]) + ("" if d["complete"] else "*")
    # twelve month grids, each month's days in its own table, the first on its weekday
    for m in range(1, 13):
        month = table(zh, f"month-{m}")
        first = next(d for d in doc["calendar"] if d["month"] == m)
        assert month.count('data-date="') == sum(1 for d in doc["calendar"] if d["month"] == m)
        assert re.search(r"<tbody><tr>(.*?)</tr>", month).group(1).count('class="aqi-blank"') == first["weekday"]  # type: ignore[union-attr]
    figures = {f["title"]: f for f in charts(zh)}
    daily = figures["逐日 AQI"]
    assert daily["x"] == [d["date"] for d in doc["calendar"]] and daily["series"][0]["y"] == [
        float(d["aqi"]) for d in doc["calendar"]]
    monthly = figures["各月平均浓度"]
    pm25 = next(s for s in monthly["series"] if s["name"] == "PM₂.₅")
    assert monthly["x"] == [str(m["month"]) for m in doc["months"]] and pm25["y"] == [
        m["PM2_5_24h"] for m in doc["months"]]
    good = figures["优良天数比例（%）"]
    assert good["x"] == ["2020", "2021", "2022", "2023"] and good["series"][0]["y"] == [
        r["good_day_pct"] for r in doc["trend"]]
    assert [r["good_day_ratio"] for r in doc["trend"] if r["year"] == YEAR] == [area["good_day_ratio"]]
    text = visible(zh)
    assert "环境空气质量" in text and "优良天数比例" in text and "未经核实的依据" in text
    for u in doc["unverified"]:
        assert u["zh"] in text
    assert "HJ 633-2012" in text and "2023-01-01 至 2023-12-31" in text and "按日期" in text


def test_the_legend_and_the_calendars_colours_are_hj_633s(site: Site) -> None:
    """Six categories in the legend with HJ 633's colours (HJ 633-2026 Appendix A Table A.1,
    methods/aqi.py); the stylesheet colours the cells with the same hex values, each with the
    text colour of the higher WCAG 2.1 contrast, never below 4.5 : 1."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/air")
    cats = doc["categories"]
    assert [(k["aqi_level"], k["aqi_from"], k["aqi_to"]) for k in cats] == [
        (1, 0, 50), (2, 51, 100), (3, 101, 150), (4, 151, 200), (5, 201, 300), (6, 301, None)]
    assert [k["aqi_colour"] for k in cats] == ["#00E400", "#FFFF00", "#FF7E00", "#FF0000", "#99004C", "#7E0023"]
    assert [k["aqi_colour"] for k in cats] == list(COLOUR_HEX)
    assert [k["zh"] for k in cats] == list(CATEGORY_ZH) and [k["en"] for k in cats] == list(CATEGORY_EN)
    legend = page(c, "/air")
    for k in cats:
        assert f'<li data-level="{k["aqi_level"]}" data-colour="{k["aqi_colour"]}">' in legend
    css = resources.files("qingshan.web").joinpath("static", "app.css").read_text("utf-8")

    def luminance(hex_colour: str) -> float:  # WCAG 2.1 relative luminance
        ch = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for level, colour in enumerate(COLOUR_HEX, start=1):
        rule = re.search(rf"\.aqi-{level} {{ background:(#[0-9A-Fa-f]{{6}}); color:(#[0-9a-f]{{3}}); }}", css)
        assert rule, level
        assert rule.group(1).upper() == colour
        text = "#000000" if rule.group(2) == "#000" else "#ffffff"
        lb, lt = luminance(colour), luminance(text)
        contrast = (max(lb, lt) + 0.05) / (min(lb, lt) + 0.05)
        other = (max(lb, 1 - luminance(text)) + 0.05) / (min(lb, 1 - luminance(text)) + 0.05)
        assert contrast >= 4.5 and contrast >= other, (level, contrast, other)


def test_a_station_page_with_an_incomplete_year(site: Site) -> None:
    """The demo's station QSA06 loses 48 days in its third year (2022): no GB 3095 verdict,
    and the reasons in the page's language; its figures are the document's."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/air/stations/QSA06?year=2022")
    theirs = next(s for s in site.web.document(air_doc.build, 2022)["stations"] if s["code"] == "QSA06")
    st = doc["station"]
    assert (st["days"], st["good_day_ratio"], st["composite_index"]) == (theirs["days"], theirs["good_day_ratio"],
                                                                          theirs["composite_index"])
    assert st["complete"] is False and st["complies"] is None and st["category"] == "no_verdict"
    assert all(r["complies"] is None for r in doc["compliance"] if not r["complete"])
    pm = next(r for r in doc["compliance"] if r["pollutant"] == "PM2_5")
    assert not pm["complete"] and "少于 324 天" in pm["reasons_zh"] and "fewer than 324" in pm["reasons_en"]
    assert sum(1 for d in doc["calendar"] if d["aqi"] is None) >= 41  # the outage
    zh = page(c, "/air/stations/QSA06?year=2022")
    assert 'id="twin">/api/air/stations/QSA06?year=2022<' in zh
    assert pm["reasons_zh"] in visible(zh) and "不评价" in visible(zh)
    assert cells(zh)[next(d["date"] for d in doc["calendar"] if d["aqi"] is None)]["class"] == "aqi-0"
    en = visible(page(c, "/air/stations/QSA06?year=2022&lang=en"))
    assert pm["reasons_en"] in en and "no verdict" in en
    # the city's map: the station without a verdict in white with its mark "?"
    city = api(c, "/api/air?year=2022")
    point = next(p for p in city["map"]["points"] if p["code"] == "QSA06")
    assert (point["category"], point["mark"]) == ("no_verdict", "?")
    assert {p["code"] for p in city["map"]["points"]} == {s["station_id"] for s in city["stations"]}


# --------------------------------------------------------------------------- access


def test_a_district_user_sees_only_its_own_district(site: Site) -> None:
    mine, city = site.client["district-analyst"], site.client["city-analyst"]
    own = site.own
    doc = api(mine, "/api/air")
    assert doc["district"]["code"] == own and [d["code"] for d in doc["choices"]] == [own]
    assert [d["district"] for d in doc["by_district"]] == [own] and doc["area"]["rank"] is not None
    assert doc["stations"] and {s["district"] for s in doc["stations"]} == {own}
    assert [a["code"] for a in doc["map"]["areas"]] == [own]
    theirs = api(city, f"/api/air?district={own}")
    assert doc == theirs | {"choices": doc["choices"]}  # the city's analyst's view of that district
    everything = api(city, "/api/air")
    others = [d["district"] for d in everything["by_district"] if d["district"] != own]
    other_stations = [s["station_id"] for s in everything["stations"] if s["district"] != own]
    assert others and other_stations
    for url in ("/api/air", f"/api/air/stations/{doc['stations'][0]['station_id']}"):
        text = mine.get(url).text
        assert not [o for o in others + other_stations if f'"{o}"' in text], url  # as a value anywhere
    for url in (f"/api/air?district={others[0]}", f"/air?district={others[0]}",
                f"/api/air/stations/{other_stations[0]}", f"/air/stations/{other_stations[0]}"):
        assert mine.get(url, headers=HTML).status_code == 404, url
    assert api(mine, f"/api/air/stations/{doc['stations'][0]['station_id']}")["district"]["code"] == own
    html = page(mine, "/air")
    assert f'name="district" value="{own}"' in html and 'id="by-district"' not in html
    # its download holds its own stations only
    book = workbook(mine.get("/api/air?format=xlsx").content)
    assert list(book[title("stations", "zh")][header("station_id", "zh")]) == [s["station_id"] for s in doc["stations"]]
    for name in ("park-viewer", "enterprise-viewer"):
        for url in ("/air", "/api/air", "/api/air/stations/QSA01", "/air/stations/QSA01"):
            r = site.client[name].get(url)
            assert r.status_code == 403 and "not for a park or an enterprise" in r.text, (name, url)


# --------------------------------------------------------------------------- downloads and refusals


def test_downloads_hold_the_rows(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/air")
    r = c.get("/api/air?format=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    book = workbook(r.content)  # each sheet by the title of the twin's table
    calendar = book[title("calendar", "zh")]
    assert list(calendar[header("date", "zh")]) == [d["date"] for d in doc["calendar"]]
    assert list(calendar[header("aqi", "zh")]) == [d["aqi"] for d in doc["calendar"]]
    assert list(book[title("stations", "zh")][header("good_day_ratio", "zh")]) == pytest.approx(
        [s["good_day_ratio"] for s in doc["stations"]])
    assert list(book[title("compliance", "zh")][header("pollutant", "zh")]) == ["SO2", "NO2", "PM10", "PM2_5", "CO",
                                                                               "O3"]
    x = c.get("/air?format=xlsx&lang=en")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    en = workbook(x.content)
    assert list(en[title("by_district", "en")][header("district", "en")].astype(str)) == [
        d["district"] for d in doc["by_district"]]
    r = c.get("/air?format=csv&table=by_district")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", dtype=str)
    assert list(frame["区县"]) == [d["district"] for d in doc["by_district"]]
    assert len(pd.read_csv(io.BytesIO(c.get("/api/air?format=csv&table=calendar").content),
                           encoding="utf-8-sig")) == 365
    html = page(c, "/air")
    for key in ("compliance", "by_district", "stations", "calendar", "months", "trend"):
        assert f'data-table="{key}"' in html, key


#: a snake_case identifier in a header or title (``first_day``, ``PM2_5``, ``aqi_standard · editions``)
IDENTIFIER = re.compile(r"[A-Za-z0-9]_|_[A-Za-z0-9]")
CHINESE = re.compile(r"[\u3400-\u9fff]")


def shows_raw(key: str, shown: str, lang: str) -> bool:
    """Whether a header or title shows the raw field name instead of a label: it is the
    field's key and the key is an identifier (``first_day``), it has an identifier in it, or
    on a Chinese download it has no Chinese (``compliance``, ``days``, ``map · areas``)."""
    return (shown == key and "_" in key) or bool(IDENTIFIER.search(shown)) or (
        lang == "zh" and not CHINESE.search(shown))


def test_the_downloads_name_no_raw_field(site: Site) -> None:
    """Every sheet title and column header of the downloads of the air page and a station
    page (the page's tables, ``/air?format=…``, and its JSON twin's, ``/api/air?format=…``: the
    Excel workbook's sheets and each table's CSV), in Chinese and in English, is a label
    (reports/labels.py), never a raw field name. The AQI level (calendar, categories) and a
    station's level are not labelled as the summary level (``level``: 汇总层级), and no table
    has two columns of one header."""
    c = site.client["city-analyst"]
    found = []
    for twin, html_url in (("/api/air", "/air"), ("/api/air/stations/QSA01", "/air/stations/QSA01")):
        doc = api(c, twin)
        for lang in ("zh", "en"):
            q = "&lang=en" if lang == "en" else ""
            for url, tables in ((html_url, page_tables(doc, lang)), (twin, twin_tables(doc))):
                keys = {t.key for t in tables}
                assert keys >= {"aqi_standard.editions", "compliance", "calendar", "months", "trend", "categories",
                                "pollutants", "unverified"}, (url, keys)
                assert ("stations" in keys) == ("stations" in doc), (url, keys)
                r = c.get(f"{url}?format=xlsx{q}")
                assert r.status_code == 200 and r.content[:2] == b"PK", (url, lang)
                book = pd.read_excel(io.BytesIO(r.content), sheet_name=None, header=None, engine="calamine")
                assert list(book) == ["说明" if lang == "zh" else "About", *(title(t.key, lang) for t in tables)]
                for t in tables:
                    name = title(t.key, lang)
                    if shows_raw(t.key, name, lang):
                        found.append((url, lang, "title", t.key, name))
                    fields = [str(k) for k in t.frame.columns]
                    shown = [header(k, lang) for k in fields]
                    assert [str(h) for h in book[name].iloc[0]] == shown, (url, lang, t.key)
                    got = c.get(f"{url}?format=csv&table={t.key}{q}")
                    assert got.status_code == 200, (url, lang, t.key)
                    assert next(csv.reader(io.StringIO(got.content.decode("utf-8-sig")))) == shown, (url, lang, t.key)
                    assert len(set(shown)) == len(shown), (url, lang, t.key, shown)
                    if t.key in ("stations", "calendar", "categories"):
                        assert header("level", lang) not in shown, (url, lang, t.key, shown)
                    found += [(url, lang, t.key, k, h) for k, h in zip(fields, shown, strict=True)
                              if shows_raw(k, h, lang)]
    assert not found, found


def test_unknown_year_station_and_district(site: Site) -> None:
    c = site.client["city-analyst"]
    for url in ("/api/air?year=1999", "/api/air/stations/QSA01?year=2030"):
        r = c.get(url)
        assert r.status_code == 404, url
        detail = r.json()["detail"]
        year = url.rsplit("=", 1)[1]
        assert f"空气监测数据中没有 {year} 年" in detail and f"have no year {year}" in detail and "2020–2023" in detail
    assert "have no year 1999" in visible(page(c, "/air?year=1999&lang=en", 404))
    assert "没有 1999 年" in visible(page(c, "/air?year=1999", 404))
    for url, words in (("/api/air?district=000000", "no district"), ("/api/air/stations/NOPE", "no air monitoring"),
                       ("/api/air/stations/QSA01?year=x", "must be an integer")):
        r = c.get(url)
        assert r.status_code in (404, 422) and words in r.text and " / " in r.json()["detail"], url
    assert c.get("/api/air?format=pdf").status_code == 422


def test_the_pages_pass_the_crawlers_language_checks(site: Site) -> None:
    """No English words on a Chinese page, no Chinese but proper names on an English page, no
    snake_case identifier, no count with a decimal (tests/test_web_crawl.py's checks); the
    station names are marked as names (``translate="no"``)."""
    c = site.client["city-analyst"]
    crawl = CrawlSite(c, [2020, 2021, 2022, 2023], site.names | {"中文", "青山"}, set(), {"error", "warning"})
    district = api(c, "/api/air")["by_district"][0]["district"]
    for url in ("/air", f"/air?year=2022&district={district}", "/air/stations/QSA06?year=2022",
                "/air/stations/QSA08"):
        for lang in ("zh", "en"):
            target = url + (("&" if "?" in url else "?") + "lang=en" if lang == "en" else "")
            shown = page(c, target).replace(">city-analyst<", "><")  # the signed-in user's name in the header
            found = check_page(crawl, target, shown, lang)
            assert not found, (target, found)
    en = visible(page(c, "/air?lang=en"))
    assert "Ambient air quality" in en and "good-day ratio" in en and "Not verified" in en
    assert "优良" not in en and "达标" not in en and "轻度污染" not in en
    assert "air" in [href.strip("/") for _, href, _, _ in PAGES]  # in the menu: the crawler visits it


def test_a_city_without_air_data(tmp_path: Path) -> None:
    tables = generate_demo_city(enterprises=30, years=range(2022, 2024))
    for name in ("air_stations", "air_daily"):
        tables.pop(name, None)
    write_csv_package(tables, tmp_path / "package")
    write_city_config(tmp_path, "demo")
    c = client_of(web_city(tmp_path))
    assert api(c, "/api/air") == {"available": False, "year": None, "years": [], "district": None}
    assert 'id="no-air-data"' in page(c, "/air")
    assert c.get("/api/air?year=1999").status_code == 404
    assert c.get("/api/air/stations/QSA01").status_code == 404


def test_a_profile_that_forces_hj_633_2026(tmp_path: Path) -> None:
    """The profile's ``environment.aqi_standard`` = 2026 indexes every day by HJ 633-2026, and the
    page says so. Station QSA01 on 2023-02-21 (the row above) by HJ 633-2026 Table 3, whose PM
    breakpoints differ (PM2.5 60 µg/m³ at IAQI 100, PM10 120) and which has no O3 1 h index in a
    daily report (§4.2.2): PM2.5 (150−100)/(115−60)·(108−60) + 100 = 143.6 → 144; PM10
    (150−100)/(250−120)·(177−120) + 100 = 121.9 → 122; the others as under 2012 (NO2 47, O3 8 h
    33, CO 25, SO2 10). AQI 144 (2012: 142), still level III."""
    tables = generate_demo_city(enterprises=30, years=range(2020, 2024))  # the monitoring days are the same
    write_csv_package(tables, tmp_path / "package")
    write_city_config(tmp_path, "demo")
    prof = tmp_path / "forced.toml"
    prof.write_text('id = "forced"\nzh = "测试"\nen = "test"\nlevel = "city"\nregion_code = "450900"\n'
                    'parent = "national"\nversion = "1"\nreleased = 2026-12-01\nchanges = "test"\n\n'
                    '[[environment.aqi_standard]]\nvalue = "2026"\nfrom = 2020\nsource = "test"\n', encoding="utf-8")
    c = client_of(WebCity.start(City.open(tmp_path, profile=prof)))
    doc = api(c, f"/api/air/stations/QSA01?year={YEAR}")
    a = doc["aqi_standard"]
    assert a["override"] == "HJ 633-2026" and a["selection"]["value"] == "2026"
    assert a["editions"] == [{"edition": "HJ 633-2026", "first_day": "2023-01-01", "last_day": "2023-12-31",
                              "days": 365}]
    day = next(d for d in doc["calendar"] if d["date"] == "2023-02-21")
    assert (day["aqi"], day["primary"], day["aqi_level"], day["edition"]) == (144, ["PM2_5"], 3, "HJ 633-2026")
    html = page(c, f"/air/stations/QSA01?year={YEAR}")
    assert cells(html)["2023-02-21"]["title"] == "2023-02-21 · AQI 144 · 轻度污染 · 首要污染物：PM₂.₅ · HJ 633-2026"
    selection = visible(re.search(r'<p class="muted" id="aqi-selection">(.*?)</p>', html, re.S).group(1))  # type: ignore[union-attr]
    assert "全年按 HJ 633-2026" in " ".join(selection.split())
    assert "every day by HJ 633-2026" in " ".join(visible(page(c, f"/air?year={YEAR}&lang=en")).split())
