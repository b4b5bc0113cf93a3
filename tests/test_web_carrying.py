"""Carrying-capacity early warning in the browser (issue #18 item 5, "the district warning colours
show in the web with their reasons"): the page ``/carrying`` and its JSON twin
(:mod:`qingshan.web.carrying`, :mod:`qingshan.documents.carrying_pages`) on the demo city
2020–2025, whose evaluations are 2021 and 2025 (docs/demo-city.md, "Carrying-capacity inputs").

The twin holds the carrying document's figures (``qingshan carrying --json``) and the page
shows the twin's; 钢城区 2025 is worked by hand from its ``carrying_inputs`` rows with the
rules of the plan written out here (D > 0 超载; 0.05 < H ≤ 0.10 临界超载; water use / control
≤ 0.9 不超载; annual rate r = (v₂₀₂₅ / v₂₀₂₁)^(1/4) − 1 against the national rate: 低效率类 both
efficiency rates worse, 高强度类 ≥ 3 of 4 intensities worse, 低质量类 cover growth below
national; ≥ 2 classes 加剧型; 超载 + 加剧 → red). The colours are the 意见's five names with
this system's hex values, each with an ink of WCAG contrast ≥ 4.5:1, and the colour's name is
written with it everywhere (badge, map, legend). A district's user sees its own district only,
a park's or an enterprise's is refused; the downloads name no raw field; the pages pass the
crawler's language checks.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
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
from qingshan.city.demo import create_demo_city
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.documents import carrying as carrying_doc
from qingshan.documents.carrying_pages import COLOUR_HEX
from qingshan.reports.labels import header, title
from qingshan.reports.tables import page_tables
from qingshan.web.app import PAGES
from qingshan.web.city import WebCity
from qingshan.web.downloads import twin_tables
from tests.test_web_crawl import Site as CrawlSite
from tests.test_web_crawl import check_page
from tests.web_city import api, client_of, page, signed_in, web_city

HTML = {"accept": "text/html"}
PASSWORD = "Carrying-pages-2026"
YEAR = 2025
GANGCHENG = "459904"
COLOURS = ("red", "orange", "yellow", "blue", "green")
#: 意见 (2017-09-20) 二(三): the five warning levels, from the highest
COLOUR_ZH = {"red": "红色预警", "orange": "橙色预警", "yellow": "黄色预警", "blue": "蓝色预警", "green": "绿色无警"}


@dataclass
class Site:
    web: WebCity
    client: dict[str, TestClient]  # city-analyst, district-analyst, park-viewer, enterprise-viewer
    own: str  # the district of the district's user
    names: set[str]  # the names of the city's units (proper names, shown in both languages)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    d = tmp_path_factory.mktemp("carrying-pages")
    create_demo_city(d, enterprises=60, years=list(range(2020, 2026)), seed=2025)
    with City.open(d) as city:
        units = city.units()
    paths = tree_paths(units)
    city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    park = sorted(c for c, (u, _, _) in paths.items() if u.kind == "park")[0]  # P01, in 钢城区
    district = paths[park][2]
    assert district == GANGCHENG
    firm = sorted(c for c, (u, p, _) in paths.items()
                  if u.kind == "enterprise" and p.startswith(paths[park][1] + "/"))[0]
    who = {"city-analyst": (city_code, "analyst"), "district-analyst": (district, "analyst"),
           "park-viewer": (park, "viewer"), "enterprise-viewer": (firm, "viewer")}
    web, clients = signed_in(d, units, who, PASSWORD)
    yield Site(web, clients, district, {u.name for u in units if u.name})


def visible(text: str) -> str:
    raw = html_lib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", text, flags=re.S)))
    return " ".join(raw.split())


def table(text: str, table_id: str) -> str:
    found = re.search(rf'<table[^>]* id="{table_id}">(.*?)</table>', text, re.S)
    assert found, table_id
    return found.group(1)


def rows(text: str, table_id: str, *keys: str) -> dict[tuple[str, ...], str]:
    """A table's rows by their ``data-<key>`` attributes → the row's HTML."""
    out = {}
    for m in re.finditer(r"<tr ([^>]*)>(.*?)</tr>", table(text, table_id), re.S):
        attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', m.group(1)))
        if all(k in attrs for k in keys):
            out[tuple(attrs[k] for k in keys)] = m.group(2)
    return out


# --------------------------------------------------------------------------- 钢城区 by hand


def test_gangcheng_2025_worked_by_hand(site: Site) -> None:
    """钢城区 2025 from its carrying_inputs rows: D = 0.12 > 0 → land 超载 (so the district is
    超载, 短板效应); H = degraded / land area = 0.066 → 0.05 < H ≤ 0.10 临界超载; water use /
    control 0.88 ≤ 0.9 → 不超载. Process 2021 → 2025 (4 years): the demo's rates are worse
    than the national ones for both efficiencies, all four intensities and the cover, so three
    classes are met (≥ 2: 加剧型) → 超载 + 加剧 → red; its factor is land."""
    ci = site.web.city.package["carrying_inputs"]
    pick = ci[ci["district_id"].astype(str) == GANGCHENG].set_index("year")
    now: dict[Any, Any] = pick.loc[2025].to_dict()
    base: dict[Any, Any] = pick.loc[2021].to_dict()
    assert float(now["land_pressure_index"]) == 0.12 > 0.0
    h = float(now["degraded_area_km2"]) / float(now["land_area_km2"])
    assert h == pytest.approx(0.066, abs=1e-6) and 0.05 < h <= 0.10
    ratio = float(now["water_use_10k_m3"]) / float(now["water_control_10k_m3"])
    assert ratio <= 0.9

    def rate(num: str, den: str | None) -> float:
        a = float(base[num]) / (float(base[den]) if den else 1.0)
        b = float(now[num]) / (float(now[den]) if den else 1.0)
        return float((b / a) ** (1 / 4) - 1)

    rates = {"land_per_gdp": rate("construction_land_km2", "gdp_100m_yuan"),
             "water_per_gdp": rate("water_use_10k_m3", "gdp_100m_yuan"),
             "cod_per_gdp": rate("cod_t", "gdp_100m_yuan"), "nh3n_per_gdp": rate("nh3n_t", "gdp_100m_yuan"),
             "so2_per_gdp": rate("so2_t", "gdp_100m_yuan"), "nox_per_gdp": rate("nox_t", "gdp_100m_yuan"),
             "forest_grass_cover": rate("forest_grass_cover_pct", None)}
    nr = site.web.city.package["carrying_national_rates"]
    national = nr[(nr["start_year"] == 2021) & (nr["end_year"] == 2025)].set_index("indicator")["annual_rate"]
    worse = {k: bool(v < national[k]) if k == "forest_grass_cover" else bool(v > national[k]) for k, v in rates.items()}
    assert all(worse.values())
    low_efficiency = worse["land_per_gdp"] and worse["water_per_gdp"]
    high_intensity = sum(worse[k] for k in ("cod_per_gdp", "nh3n_per_gdp", "so2_per_gdp", "nox_per_gdp")) >= 3
    low_quality = worse["forest_grass_cover"]
    assert (low_efficiency, high_intensity, low_quality) == (True, True, True)

    c = site.client["city-analyst"]
    doc = api(c, f"/api/carrying?year={YEAR}")
    (row,) = [r for r in doc["by_district"] if r["district_id"] == GANGCHENG]
    assert (row["load_class"], row["trend"], row["colour"], row["classes_met"]) == ("overloaded", "worsening",
                                                                                      "red", 3)
    assert row["overload_factors_zh"] == "土地资源" and row["red_zone"] and row["consequence"] == "red"
    assert row["colour_reason_zh"] == "超载 + 加剧型 → 红色预警"
    elements = {e["element"]: e for e in doc["elements"] if e["district_id"] == GANGCHENG}
    assert (elements["land"]["value"], elements["land"]["load_class"]) == (0.12, "overloaded")
    assert elements["ecology"]["value"] == pytest.approx(h) and elements["ecology"]["load_class"] == "critical"
    assert elements["water"]["value"] == pytest.approx(ratio) and elements["water"]["load_class"] == "not_overloaded"
    got = {p["process_indicator"]: p for p in doc["process_indicators"] if p["district_id"] == GANGCHENG}
    for k, v in rates.items():
        assert got[k]["annual_rate"] == pytest.approx(v, rel=1e-9) and got[k]["worse_than_national"] is worse[k]
        assert got[k]["national_rate"] == pytest.approx(float(national[k]))
    assert {c["process_class"]: c["class_met"] for c in doc["process_classes"] if c["district_id"] == GANGCHENG} == {
        "low_efficiency": True, "high_intensity": True, "low_quality": True}

    zh = page(c, f"/carrying?year={YEAR}")
    r = rows(zh, "districts", "district")[(GANGCHENG,)]
    assert 'class="cc-badge cc-red" data-colour="red">红色预警<' in r
    assert "超载 + 加剧型 → 红色预警" in visible(r) and "区域限批" in visible(r) and "土地资源" in visible(r)
    assert "针对超载因素实施最严格的区域限批" in visible(r)
    flags = re.findall(r'<li data-class="(\w+)" data-met="(\w+)">', r)
    assert flags == [("low_efficiency", "yes"), ("high_intensity", "yes"), ("low_quality", "yes")]
    land = rows(zh, "elements", "district", "element")[(GANGCHENG, "land")]
    assert 'data-value="0.12"' in land and ">0.120<" in land and "超载" in visible(land)
    assert "D = 0.12" in visible(land)


# --------------------------------------------------------------------------- page and twin


def test_the_twin_holds_the_documents_figures_and_the_page_shows_them(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/carrying")
    theirs = site.web.document(carrying_doc.build, YEAR)
    assert (doc["year"], doc["years"], doc["district"]) == (YEAR, [2021, 2025], None)
    assert doc["rules"]["name"] == "carrying_capacity-2016" and doc["rules"]["version"] == "1"
    assert doc["rules"]["digest"] == theirs["rules"]["digest"] and doc["rules"]["selection"]["value"] == (
        "carrying_capacity-2016")
    assert [r["district_id"] for r in doc["by_district"]] == [d["district_id"] for d in theirs["districts"]]
    for r, d in zip(doc["by_district"], theirs["districts"], strict=True):
        assert (r["colour"], r["load_class"], r["trend"], r["load_determined"]) == (
            d["colour"], d["load"], d["trend"], d["load_determined"])
        assert (r["colour_reason_zh"], r["colour_reason_en"]) == (d["colour_reason_zh"], d["colour_reason_en"])
        assert (r["transition"], r["measure"]) == (d["transition"]["kind"], d["transition"]["measure"])
        assert r["integration_en"] == d["integration"]["reason_en"]
        for key, e in d["elements"].items():
            (mine,) = [x for x in doc["elements"] if x["district_id"] == d["district_id"] and x["element"] == key]
            assert (mine["load_class"], mine["status"], mine["reason_en"]) == (e["load"], e["status"], e["reason_en"])
    assert {r["name"]: r["colour"] for r in doc["by_district"]} == {
        "青山区": "orange", "河东区": "blue", "钢城区": "red", "临江县": "yellow", "石门县": "green"}
    assert doc["counts"] == {"red": 1, "orange": 1, "yellow": 1, "blue": 1, "green": 1, "undetermined": 0}
    # red zones: 钢城区 (red) and 青山区 (from 临界超载 to 超载: handled as red, 意见 二(三))
    assert [(z["name"], z["basis"]) for z in doc["red_zones"]] == [("青山区", "as_red"), ("钢城区", "red")]
    assert "高耗水行业" in doc["red_zones"][0]["industries_zh"] and "建设用地" in doc["red_zones"][1]["industries_zh"]
    assert doc["not_built"] == theirs["not_built"] and doc["unverified"] == theirs["unverified"]

    zh = page(c, "/carrying")
    assert 'id="twin">/api/carrying?year=2025<' in zh
    shown = rows(zh, "districts", "district", "colour")
    assert {k[0]: k[1] for k in shown} == {r["district_id"]: r["colour"] for r in doc["by_district"]}
    for r in doc["by_district"]:
        row = shown[(r["district_id"], r["colour"])]
        assert f'>{COLOUR_ZH[r["colour"]]}<' in row and r["colour_reason_zh"] in visible(row)
        assert (r["transition_zh"] or "—") in visible(row)
    elements = rows(zh, "elements", "district", "element")
    assert len(elements) == 4 * len(doc["by_district"])
    for e in doc["elements"]:
        row = elements[(e["district_id"], e["element"])]
        assert re.search(r'data-value="([^"]*)"', row).group(1) == ("" if e["value"] is None else str(e["value"]))  # type: ignore[union-attr]
        assert e["reason_zh"] in visible(row)
    red = rows(zh, "red-zones", "district", "basis")
    assert set(red) == {(z["district_id"], z["basis"]) for z in doc["red_zones"]}
    text = visible(zh)
    assert "资源环境承载能力监测预警" in text and "carrying_capacity-2016" in text and "版本 1" in text
    for n in doc["not_built"] + doc["unverified"]:
        assert n["zh"] in text
    for s in doc["sources"]:
        assert s["source"] in text
    en = visible(page(c, "/carrying?lang=en"))
    assert "Carrying-capacity early warning" in en and "red warning" in en and "regional approval restriction" in en
    en_rows = visible(table(page(c, "/carrying?lang=en"), "districts"))
    assert "预警" not in en_rows and "超载" not in en_rows and "red warning" in en_rows


def test_an_earlier_year_and_the_year_refusals(site: Site) -> None:
    """2021: 钢城区 and 临江县 red (environment overloaded in both; 钢城区's land too); no
    earlier evaluation, so no change of class. A data year without an evaluation is 422
    naming the evaluation years; a year outside the data 404; in both languages."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/carrying?year=2021")
    assert {r["name"]: r["colour"] for r in doc["by_district"] if r["colour"] == "red"} == {"钢城区": "red",
                                                                                          "临江县": "red"}
    assert all(r["transition"] == "none" for r in doc["by_district"])
    r = c.get("/api/carrying?year=2023")
    assert r.status_code == 422 and "2021、2025" in r.json()["detail"] and "2021, 2025" in r.json()["detail"]
    assert c.get("/api/carrying?year=2016").status_code == 422  # the process base only
    r = c.get("/api/carrying?year=1999")
    assert r.status_code == 404 and "没有资源环境承载能力评价" in r.json()["detail"]
    assert "no carrying-capacity evaluation in 1999" in visible(page(c, "/carrying?year=1999&lang=en", 404))
    assert c.get("/api/carrying?district=000000").status_code == 404
    assert c.get("/api/carrying?format=pdf").status_code == 422
    assert c.get("/api/carrying?year=x").status_code == 422


# --------------------------------------------------------------------------- colours and the map


def luminance(hex_colour: str) -> float:  # WCAG 2.1 relative luminance
    ch = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in ch]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_the_colours_are_the_five_of_the_opinions_with_readable_ink(site: Site) -> None:
    """The legend: the 意见's five levels in its order, each with its load class and trend; the
    stylesheet's classes are the document's hex values with an ink of contrast ≥ 4.5:1."""
    doc = api(site.client["city-analyst"], "/api/carrying")
    assert [(x["colour"], x["zh"], x["load_class"], x["trend"]) for x in doc["warning_levels"]] == [
        ("red", "红色预警", "overloaded", "worsening"), ("orange", "橙色预警", "overloaded", "easing"),
        ("yellow", "黄色预警", "critical", "worsening"), ("blue", "蓝色预警", "critical", "easing"),
        ("green", "绿色无警", "not_overloaded", "any")]
    css = resources.files("qingshan.web").joinpath("static", "app.css").read_text("utf-8")
    for key, (fill, ink) in COLOUR_HEX.items():
        rule = re.search(rf"\.cc-{key} {{ background:(#[0-9A-Fa-f]{{6}}); color:(#[0-9A-Fa-f]{{6}}); }}", css)
        assert rule, key
        assert (rule.group(1).upper(), rule.group(2).upper()) == (fill, ink)
        assert contrast(fill, ink) >= 4.5, (key, contrast(fill, ink))
    for x in doc["warning_levels"]:
        assert (x["colour_hex"], x["ink"]) == COLOUR_HEX[x["colour"]]


def test_the_map_fills_each_district_and_writes_its_level(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/carrying")
    colour_of = {r["district_id"]: r["colour"] for r in doc["by_district"]}
    assert {a["code"]: a["fill"] for a in doc["map"]["areas"]} == colour_of
    zh = page(c, "/carrying")
    areas = dict(re.findall(r'<path [^>]*data-code="(\d+)" data-fill="(\w*)"', zh))
    assert areas == colour_of
    for code, colour in colour_of.items():
        path = re.search(rf'<path d="[^"]+" fill="([^"]+)"[^>]*data-code="{code}"', zh)
        assert path and path.group(1) == COLOUR_HEX[colour][0]
        label = re.search(rf'<text [^>]*data-code="{code}" fill="([^"]+)">(.*?)</text>', zh, re.S)
        assert label and label.group(1) == COLOUR_HEX[colour][1]
        short = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色", "green": "绿色"}[colour]
        assert f">{short}<" in label.group(2)
    en = page(c, "/carrying?lang=en")
    label = re.search(rf'<text [^>]*data-code="{GANGCHENG}" fill="[^"]+">(.*?)</text>', en, re.S)
    assert label and ">red<" in label.group(1) and "钢城区" in label.group(1)


# --------------------------------------------------------------------------- access


def test_a_district_user_sees_only_its_own_district(site: Site) -> None:
    mine, city = site.client["district-analyst"], site.client["city-analyst"]
    own = site.own
    doc = api(mine, "/api/carrying")
    assert doc["district"]["code"] == own and [d["code"] for d in doc["choices"]] == [own]
    assert [r["district_id"] for r in doc["by_district"]] == [own]
    assert {e["district_id"] for e in doc["elements"]} == {own}
    assert [a["code"] for a in doc["map"]["areas"]] == [own]
    assert doc == api(city, f"/api/carrying?district={own}") | {"choices": doc["choices"]}
    others = [r["district_id"] for r in api(city, "/api/carrying")["by_district"] if r["district_id"] != own]
    text = mine.get("/api/carrying").text
    assert others and not [o for o in others if f'"{o}"' in text]
    for url in (f"/api/carrying?district={others[0]}", f"/carrying?district={others[0]}"):
        assert mine.get(url, headers=HTML).status_code == 404, url
    html = page(mine, "/carrying")
    assert f'name="district" value="{own}"' in html
    book = pd.read_excel(io.BytesIO(mine.get("/api/carrying?format=xlsx").content), sheet_name=None,
                         engine="calamine")
    assert list(book[title("by_district", "zh")][header("district_id", "zh")].astype(str)) == [own]
    for name in ("park-viewer", "enterprise-viewer"):
        for url in ("/carrying", "/api/carrying", f"/api/carrying?district={own}"):
            r = site.client[name].get(url)
            assert r.status_code == 403 and "not for a park or an enterprise" in r.text, (name, url)


# --------------------------------------------------------------------------- downloads


IDENTIFIER = re.compile(r"[A-Za-z0-9]_|_[A-Za-z0-9]")
CHINESE = re.compile(r"[\u3400-\u9fff]")


def shows_raw(key: str, shown: str, lang: str) -> bool:
    return (shown == key and "_" in key) or bool(IDENTIFIER.search(shown)) or (
        lang == "zh" and not CHINESE.search(shown))


def test_downloads_hold_the_rows_and_name_no_raw_field(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/carrying")
    book = pd.read_excel(io.BytesIO(c.get("/api/carrying?format=xlsx").content), sheet_name=None, engine="calamine")
    districts = book[title("by_district", "zh")]
    assert list(districts[header("colour", "zh")]) == [r["colour"] for r in doc["by_district"]]
    assert list(districts[header("colour_zh", "zh")]) == [r["colour_zh"] for r in doc["by_district"]]
    elements = book[title("elements", "zh")]
    assert len(elements) == len(doc["elements"])
    r = c.get("/carrying?format=csv&table=red_zones&lang=en")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", dtype=str)
    assert list(frame[header("district_id", "en")]) == [z["district_id"] for z in doc["red_zones"]]
    found = []
    for lang in ("zh", "en"):
        q = "&lang=en" if lang == "en" else ""
        for url, tables in (("/carrying", page_tables(doc, lang)), ("/api/carrying", twin_tables(doc))):
            keys = {t.key for t in tables}
            assert {"by_district", "elements", "process_indicators", "process_classes", "red_zones", "warning_levels",
                    "sources", "not_built", "unverified"} <= keys, (url, keys)
            got = pd.read_excel(io.BytesIO(c.get(f"{url}?format=xlsx{q}").content), sheet_name=None, header=None,
                                engine="calamine")
            assert list(got) == ["说明" if lang == "zh" else "About", *(title(t.key, lang) for t in tables)]
            for t in tables:
                name = title(t.key, lang)
                if shows_raw(t.key, name, lang):
                    found.append((url, lang, "title", t.key, name))
                fields = [str(k) for k in t.frame.columns]
                shown = [header(k, lang) for k in fields]
                assert [str(h) for h in got[name].iloc[0]] == shown, (url, lang, t.key)
                one = c.get(f"{url}?format=csv&table={t.key}{q}")
                assert next(csv.reader(io.StringIO(one.content.decode("utf-8-sig")))) == shown, (url, lang, t.key)
                assert len(set(shown)) == len(shown), (url, lang, t.key, shown)
                found += [(url, lang, t.key, k, h) for k, h in zip(fields, shown, strict=True)
                          if shows_raw(k, h, lang)]
    assert not found, found


# --------------------------------------------------------------------------- language and menu


def test_the_pages_pass_the_crawlers_language_checks(site: Site) -> None:
    c = site.client["city-analyst"]
    crawl = CrawlSite(c, [2021, 2025], site.names | {"中文", "青山"}, set(), {"error", "warning", "red", "green"})
    for url in ("/carrying", "/carrying?year=2021", f"/carrying?district={GANGCHENG}"):
        for lang in ("zh", "en"):
            target = url + (("&" if "?" in url else "?") + "lang=en" if lang == "en" else "")
            shown = page(c, target).replace(">city-analyst<", "><")
            found = check_page(crawl, target, shown, lang)
            assert not found, (target, found)
    assert ("carrying", "/carrying", "承载力预警", "Carrying capacity") in PAGES  # in the menu: the crawler visits it


def test_a_city_without_carrying_inputs(tmp_path: Path) -> None:
    tables = generate_demo_city(enterprises=30, years=range(2022, 2024))
    for name in ("carrying_inputs", "carrying_national_rates"):
        tables.pop(name, None)
    write_csv_package(tables, tmp_path / "package")
    write_city_config(tmp_path, "demo")
    c = client_of(web_city(tmp_path))
    assert api(c, "/api/carrying") == {"available": False, "year": None, "years": [], "district": None}
    assert 'id="no-carrying-data"' in page(c, "/carrying")
    assert c.get("/api/carrying?year=1999").status_code == 404
