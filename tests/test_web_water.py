"""Surface water in the browser (issue #18, item 6): ``/water`` and
``/water/sections/{section_id}`` with their JSON twins (:mod:`qingshan.web.water`,
:mod:`qingshan.documents.water_pages`), on the demo city's sections and samples.

A section's class is worked out here from GB 3838-2002 Table 1, written out below (not read
from the standards file the engine uses), and compared with what the page shows."""

from __future__ import annotations

import io
import itertools
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from qingshan.app.organisations import tree_paths
from qingshan.city import City
from qingshan.city.config import write_city_config
from qingshan.documents import water_pages
from qingshan.web.city import WebCity
from tests.web_city import api, client_of, demo_city, signed_in, visible, web_city
from tests.web_city import page as html

PASSWORD = "Water-pages-2026"

#: GB 3838-2002 Table 1 (表1 地表水环境质量标准基本项目标准限值), classes Ⅰ…Ⅴ, for the 21 items of
#: the 2011 assessment method (环办〔2011〕22号: Table 1 without water temperature, total nitrogen
#: and fecal coliform); mg/L, pH dimensionless. "max": a value at or below the limit is in the
#: class (≤); "min": at or above it (≥, dissolved oxygen); pH is 6–9 in every class.
TABLE_1: dict[str, tuple[str, tuple[float, float, float, float, float]]] = {
    "do": ("min", (7.5, 6, 5, 3, 2)),
    "codmn": ("max", (2, 4, 6, 10, 15)),
    "cod": ("max", (15, 15, 20, 30, 40)),
    "bod5": ("max", (3, 3, 4, 6, 10)),
    "nh3n": ("max", (0.15, 0.5, 1.0, 1.5, 2.0)),
    "tp": ("max", (0.02, 0.1, 0.2, 0.3, 0.4)),  # rivers; lakes and reservoirs: TP_LAKE
    "cu": ("max", (0.01, 1.0, 1.0, 1.0, 1.0)),
    "zn": ("max", (0.05, 1.0, 1.0, 2.0, 2.0)),
    "fluoride": ("max", (1.0, 1.0, 1.0, 1.5, 1.5)),
    "se": ("max", (0.01, 0.01, 0.01, 0.02, 0.02)),
    "as": ("max", (0.05, 0.05, 0.05, 0.1, 0.1)),
    "hg": ("max", (0.00005, 0.00005, 0.0001, 0.001, 0.001)),
    "cd": ("max", (0.001, 0.005, 0.005, 0.005, 0.01)),
    "cr6": ("max", (0.01, 0.05, 0.05, 0.05, 0.1)),
    "pb": ("max", (0.01, 0.01, 0.05, 0.05, 0.1)),
    "cyanide": ("max", (0.005, 0.05, 0.2, 0.2, 0.2)),
    "volatile_phenol": ("max", (0.002, 0.002, 0.005, 0.01, 0.1)),
    "petroleum": ("max", (0.05, 0.05, 0.05, 0.5, 1.0)),
    "las": ("max", (0.2, 0.2, 0.2, 0.3, 0.3)),
    "sulfide": ("max", (0.05, 0.1, 0.2, 0.5, 1.0)),
}
#: total phosphorus in lakes and reservoirs (湖、库, the bracketed values of Table 1)
TP_LAKE = (0.01, 0.025, 0.05, 0.1, 0.2)
PH_RANGE = (6.0, 9.0)


def hand_class(item: str, value: float, lake: bool) -> int:
    """The class 1…6 (6 = worse than Ⅴ) of one item's value: the best class whose limit it
    meets (GB 3838-2002 §5.1); a value at a limit is in that class."""
    if item == "ph":
        return 1 if PH_RANGE[0] <= value <= PH_RANGE[1] else 6
    direction, limits = TABLE_1[item]
    if item == "tp" and lake:
        limits = TP_LAKE
    for k, s in enumerate(limits, start=1):
        # the means are sums of three-significant-figure values: a tolerance of 1e-9 of the limit
        if (value <= s * (1 + 1e-9)) if direction == "max" else (value >= s * (1 - 1e-9)):
            return k
    return 6


@dataclass
class Site:
    web: WebCity
    client: dict[str, TestClient]  # city-analyst, district-viewer, park-viewer, firm-viewer
    own: str  # the district of the district's user (one with sections)
    other: str  # another district with sections
    folder: Path
    samples: pd.DataFrame  # the package's water samples
    sections: pd.DataFrame


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo city (150 enterprises, 2020–2023, with its ten water sections) and four users
    signed in: an analyst of the city, viewers of a district, a park and an enterprise."""
    d = demo_city(tmp_path_factory.mktemp("water-pages"))
    with City.open(d) as city:
        units = city.units()
        sections = city.package["water_sections"].copy()
        samples = city.package["water_samples"].copy()
    paths = tree_paths(units)
    city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    with_sections = sorted(set(sections["district_id"].astype(str)))
    # a district with sections, a park in it and an enterprise
    own = next(x for x in with_sections if any(u.kind == "park" and dist == x for u, _, dist in paths.values()))
    park = sorted(c for c, (u, _, dist) in paths.items() if u.kind == "park" and dist == own)[0]
    in_park = paths[park][1] + "/"
    firm = sorted(c for c, (u, p, _) in paths.items() if u.kind == "enterprise" and p.startswith(in_park))[0]
    who = {"city-analyst": (city_code, "analyst"), "district-viewer": (own, "viewer"),
           "park-viewer": (park, "viewer"), "firm-viewer": (firm, "viewer")}
    web, clients = signed_in(d, units, who, PASSWORD)
    other = next(x for x in with_sections if x != own)
    yield Site(web, clients, own, other, d, samples, sections)


def table(page: str, table_id: str) -> str:
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert body, table_id
    return body.group(1)


def annual_means(site: Site, section: str, year: int) -> pd.Series:
    """Each item's arithmetic mean over the section's samples of the year."""
    s = site.samples
    mine = s[(s["section_id"].astype(str) == section) & (pd.to_datetime(s["date"]).dt.year == year)]
    return mine.assign(value=pd.to_numeric(mine["value"])).groupby("item")["value"].mean()


# --------------------------------------------------------------------------- a section worked by hand


@pytest.mark.parametrize("section", ["QSW04", "QSW02", "QSW09"])
def test_a_sections_class_worked_from_table_1(site: Site, section: str) -> None:
    """QSW04 (a river, target Ⅳ), QSW02 (a reservoir: total phosphorus against the lake
    limits) and QSW09 (an estuary: the river limits, GB 3838-2002 foreword) in the latest
    year: each item's annual mean is classed against Table 1 as written above; the section's
    class is the worst of the 21 items and its deciding items those at that class."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/water")
    year = doc["year"]
    sec = site.sections.set_index(site.sections["section_id"].astype(str)).loc[section].to_dict()
    lake = str(sec["water_body"]) in ("lake", "reservoir")
    means = annual_means(site, section, year)
    classes = {item: hand_class(item, float(means[item]), lake) for item in [*TABLE_1, "ph"] if item in means}
    assert len(classes) == 21  # every assessed item was sampled
    worst = max(classes.values())
    deciding = {item for item, k in classes.items() if k == worst}
    row = next(r for r in doc["sections"] if r["section_id"] == section)
    assert row["water_class"] == worst
    assert set(row["deciding"].split(",")) == deciding
    assert row["target_class"] == int(sec["target_class"])
    assert row["meets_target"] is (worst <= int(sec["target_class"]))
    assert row["class_label"] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"][worst - 1]
    if lake:  # the demo reservoir's phosphorus is class Ⅱ on the lake row and would be Ⅰ on the river row:
        # it decides the section's class only because the lake limits apply
        tp = float(means["tp"])
        assert hand_class("tp", tp, lake=True) == worst > hand_class("tp", tp, lake=False) and "tp" in deciding
    # the page shows the same class in the section's row
    page = html(c, "/water")
    assert re.search(rf'<tr data-section="{section}" data-class="{worst}">', table(page, "sections"))


def test_a_storm_month_worked_by_hand(site: Site) -> None:
    """QSW04 (target Ⅳ) in its month of highest ammonia nitrogen: the demo's storm run-off
    puts NH3-N above the class-Ⅳ limit 1.5 mg/L. Its class: Ⅴ up to 2.0 mg/L, worse than Ⅴ
    above; its exceedance multiple against the target class (GB 3838-2002 §5.1):
    (C − 1.5) / 1.5; the month is worse than the target, marked in the grid."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/water")
    year = doc["year"]
    s = site.samples
    nh3n = s[(s["section_id"] == "QSW04") & (s["item"] == "nh3n") & (pd.to_datetime(s["date"]).dt.year == year)]
    nh3n = nh3n.assign(month=pd.to_datetime(nh3n["date"]).dt.month, value=pd.to_numeric(nh3n["value"]))
    by_month = nh3n.groupby("month")["value"].mean()
    month, conc = int(by_month.idxmax()), float(by_month.max())
    assert conc > 1.5  # the demo's storm: 1.15–1.8 times the target-class limit
    expected_class = 5 if conc <= 2.0 else 6
    assert hand_class("nh3n", conc, lake=False) == expected_class
    grid = next(m for m in doc["months"] if m["section_id"] == "QSW04" and m["month"] == month)
    assert grid["water_class"] >= expected_class and grid["meets_target"] is False
    exc = next(e for e in doc["month_exceedances"]
               if e["section_id"] == "QSW04" and e["month"] == month and e["item"] == "nh3n")
    assert exc["mean"] == pytest.approx(conc)
    assert exc["limit"] == 1.5 and exc["target_class"] == 4
    assert exc["multiple"] == pytest.approx((conc - 1.5) / 1.5)
    page = html(c, "/water")
    row = re.search(r'<tr data-section="QSW04">(.*?)</tr>', table(page, "month-grid"), re.S)
    assert row
    cells = re.findall(r"<td class=\"wq ([^\"]*)\"", row.group(1))
    assert cells[month - 1].startswith(f"c{grid['water_class']}") and "over" in cells[month - 1]
    # the section's page: the month mean of the item and its class, and the exceedance
    sec = api(c, f"/api/water/sections/QSW04?year={year}")
    ind = next(i for i in sec["indicators"] if i["item"] == "nh3n" and i["month"] == month)
    assert ind["mean"] == pytest.approx(conc) and ind["water_class"] == expected_class
    assert any(e["month"] == month and e["item"] == "nh3n" for e in sec["month_exceedances"])


# --------------------------------------------------------------------------- page and twin


def test_the_page_shows_its_twin_in_both_languages(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/water")
    assert doc["available"] is True and doc["year"] == max(doc["years"]) and doc["district"] is None
    page = html(c, "/water")
    assert f'href="/api/water?year={doc["year"]}"' in page  # the twin's link
    city = doc["shares"][0]
    assert city["kind"] == "city"
    m = re.search(r'id="share-i-iii" data-pct="([^"]+)"', page)
    assert m and float(m.group(1)) == pytest.approx(city["i_iii"])
    m = re.search(r'id="share-worse-v" data-pct="([^"]+)"', page)
    assert m and float(m.group(1)) == pytest.approx(city["worse_v"])
    rows = re.findall(r'<tr data-section="([^"]+)" data-class="([^"]*)">', table(page, "sections"))
    assert rows == [(r["section_id"], str(r["water_class"])) for r in doc["sections"]]
    grid = table(page, "month-grid")
    assert grid.count('<td class="wq c') == len(doc["months"]) + len(doc["sections"])  # the months and the year
    text = visible(page)
    assert city["water_grade"] in text and "地表水环境质量" in text
    # the map: every section drawn, coloured and marked with its class, linked to its page
    assert len(doc["map"]["points"]) == len(doc["sections"]) and not doc["map"]["missing"]
    for r in doc["sections"]:
        assert re.search(rf'data-code="{r["section_id"]}" data-category="c{r["water_class"]}"', page)
        assert f'href="/water/sections/{r["section_id"]}?year={doc["year"]}"' in page
    colour = {leg["key"]: leg["colour"] for leg in doc["map"]["legend"]}
    for k, (fill, _) in water_pages.CLASS_COLOURS.items():
        assert colour[f"c{k}"] == fill
    # what is not built, and the estuary rule, stated on the page
    for n in doc["not_built"]:
        assert n["zh"] in text
    assert doc["estuary_rule"]["rule"] == "gb3838" and doc["estuary_rule"]["zh"] in text
    en = visible(html(c, "/water?lang=en"))
    assert city["water_grade_en"] in en and "Surface-water quality" in en
    assert "fewer than 5 sections: the grade from mean concentrations is not built" in en
    assert "estuary sections classed by the GB 3838-2002 river limits" in en
    assert "This system's choice" in en and "本系统的选择" in text  # the colours are the system's own


def test_the_section_page_and_its_twin(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/water/sections/QSW06")
    row = doc["section"]
    assert row["section_id"] == "QSW06" and doc["year"] == max(doc["years"])
    page = html(c, "/water/sections/QSW06")
    m = re.search(r'<strong id="annual-class">([^<]+)</strong>', page)
    assert m and m.group(1) == row["class_label"]
    items = {i["item"] for i in doc["indicators"]}
    assert len(re.findall(r'<tr data-item="', table(page, "indicators"))) == len(items)
    # a trend chart for each deciding item, its rows the item's month means
    assert [t["item"] for t in doc["trends"]] == row["deciding"].split(",")
    for t in doc["trends"]:
        means = [i["mean"] for i in doc["indicators"] if i["item"] == t["item"]]
        assert [r["mean"] for r in t["rows"]] == means and len(means) == 12
        assert t["target_limit"] is None or t["target_limit"] > 0
    assert page.count('<figure class="chart"') == len(doc["trends"])
    # the month classes are those of the /water page
    whole = api(c, f"/api/water?year={doc['year']}")
    assert doc["months"] == [m for m in whole["months"] if m["section_id"] == "QSW06"]
    en = visible(html(c, "/water/sections/QSW06?lang=en"))
    assert "Each item by month" in en and row["deciding_en"].split(", ")[0] in en


def test_invariants_of_the_page(site: Site) -> None:
    """Shares add up to 100 % and the districts' sections to the city's; Ⅰ–Ⅲ is the sum of
    its classes; the compliant count is the sections meeting their target; each month's
    class (the engine's) is the worst class of its assessed items (the section page's); an
    exceedance is only ever in a month worse than its target."""
    c = site.client["city-analyst"]
    for year in api(c, "/api/water")["years"]:
        doc = api(c, f"/api/water?year={year}")
        city, districts = doc["shares"][0], doc["shares"][1:]
        assert city["sections"] == sum(d["sections"] for d in districts) == len(doc["sections"])
        for s in doc["shares"]:
            assert sum(s[f"class_{k}"] for k in range(1, 7)) == pytest.approx(100.0)
            assert s["i_iii"] == pytest.approx(s["class_1"] + s["class_2"] + s["class_3"])
        assert city["meeting_target"] == sum(1 for r in doc["sections"] if r["meets_target"])
        worse = {(m["section_id"], m["month"]) for m in doc["months"] if m["meets_target"] is False}
        assert {(e["section_id"], e["month"]) for e in doc["month_exceedances"]} <= worse
        for e in doc["month_exceedances"]:
            assert e["mean"] > e["limit"] and e["multiple"] == pytest.approx((e["mean"] - e["limit"]) / e["limit"])
    year = api(c, "/api/water")["year"]
    for sid in ("QSW01", "QSW04", "QSW10"):
        sec = api(c, f"/api/water/sections/{sid}?year={year}")
        for m in sec["months"]:
            worst = max(i["water_class"] for i in sec["indicators"]
                        if i["month"] == m["month"] and i["assessed"] and i["water_class"] is not None)
            assert m["water_class"] == worst, (sid, m["month"])


# --------------------------------------------------------------------------- scope


def test_a_district_user_sees_only_its_own_district(site: Site) -> None:
    mine, city = site.client["district-viewer"], site.client["city-analyst"]
    own = site.own
    doc = api(mine, "/api/water")
    assert doc["district"]["code"] == own and [d["code"] for d in doc["choices"]] == [own]
    assert {r["district_id"] for r in doc["sections"]} == {own}
    assert [s["code"] for s in doc["shares"]] == [own]
    theirs = api(city, f"/api/water?district={own}")
    assert doc == theirs | {"choices": doc["choices"]}  # the city's analyst's view of that district
    ids = set(site.sections.loc[site.sections["district_id"].astype(str) == own, "section_id"])
    others = set(site.sections["section_id"]) - ids
    text = mine.get("/api/water").text
    assert not [o for o in others if o in text]  # no other district's section anywhere in what it is sent
    assert [a["code"] for a in doc["map"]["areas"]] == [own]
    other_section = sorted(site.sections.loc[site.sections["district_id"].astype(str) == site.other, "section_id"])[0]
    for url in (f"/api/water?district={site.other}", f"/water?district={site.other}",
                f"/api/water/sections/{other_section}", f"/water/sections/{other_section}"):
        assert mine.get(url).status_code == 404, url
    assert api(city, f"/api/water/sections/{other_section}")["section"]["section_id"] == other_section
    own_section = sorted(ids)[0]
    assert api(mine, f"/api/water/sections/{own_section}")["section"]["district_id"] == own
    page = html(mine, "/water")
    assert f'name="district" value="{own}"' in page
    for name in ("park-viewer", "firm-viewer"):
        for url in ("/water", "/api/water", f"/api/water/sections/{own_section}", f"/water/sections/{own_section}"):
            r = site.client[name].get(url)
            assert r.status_code == 403 and "not for a park or an enterprise" in r.text, (name, url)


# --------------------------------------------------------------------------- downloads, errors


def test_downloads_hold_every_row(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/water")
    x = c.get("/api/water?format=xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    book = pd.read_excel(io.BytesIO(x.content), sheet_name=None, engine="calamine")
    assert len(book["断面水质类别"]) == len(doc["sections"]) == 10
    assert len(book["逐月"]) == len(doc["months"]) == 120
    assert len(book["月均值超标"]) == len(doc["month_exceedances"])
    assert list(book["断面水质类别"]["断面代码"]) == [r["section_id"] for r in doc["sections"]]
    p = c.get("/water?format=xlsx&lang=en")
    assert p.status_code == 200 and p.content[:2] == b"PK"
    page_book = pd.read_excel(io.BytesIO(p.content), sheet_name=None, engine="calamine")
    sheet = page_book["Class of each section"]
    assert list(sheet["water class (1–6, 6 = worse than Ⅴ)"]) == [r["water_class"] for r in doc["sections"]]
    assert len(page_book["By month"]) == 120
    r = c.get("/water?format=csv&table=sections")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert list(frame["水质类别"]) == [r["class_label"] for r in doc["sections"]]
    sec = c.get("/api/water/sections/QSW04?format=xlsx")
    sbook = pd.read_excel(io.BytesIO(sec.content), sheet_name=None, engine="calamine")
    assert len(sbook["各指标逐月均值与类别"]) == len(api(c, "/api/water/sections/QSW04")["indicators"]) == 24 * 12
    assert 'data-table="sections"' in html(c, "/water")


def test_unknown_year_section_and_district(site: Site) -> None:
    c = site.client["city-analyst"]
    for url, words in (("/api/water?year=1999", ("没有 1999 年的地表水监测数据", "no surface-water samples for 1999")),
                       ("/api/water/sections/QSW01?year=1999", ("没有 1999 年", "for 1999")),
                       ("/api/water/sections/NOPE", ("没有断面", "no section 'NOPE'")),
                       ("/api/water?district=000000", ("没有区县", "no district '000000'"))):
        r = c.get(url)
        assert r.status_code == 404, (url, r.status_code)
        zh, en = r.json()["detail"].split(" / ", 1)
        assert words[0] in zh and words[1] in en, (url, r.json())
    assert c.get("/api/water?format=pdf").status_code == 422
    assert "没有 1999 年的地表水监测数据" in visible(html(c, "/water?year=1999", 404))
    assert "no surface-water samples for 1999" in visible(html(c, "/water?year=1999&lang=en", 404))


def test_a_city_without_water_data(site: Site, tmp_path: Path) -> None:
    """A package without the water tables: the page says so in each language; a section is 404."""
    d = tmp_path / "no-water"
    shutil.copytree(site.folder / "package", d / "package")
    for t in ("water_sections.csv", "water_samples.csv"):
        (d / "package" / t).unlink()
    write_city_config(d, "demo")
    c = client_of(web_city(d))
    assert api(c, "/api/water") == {"available": False, "year": None, "years": [], "district": None}
    assert "数据包中还没有地表水监测断面" in visible(html(c, "/water"))
    assert "The package has no surface-water sections" in visible(html(c, "/water?lang=en"))
    assert c.get("/api/water/sections/QSW01").status_code == 404
    assert c.get("/api/water?year=1999").status_code == 404


# --------------------------------------------------------------------------- colours


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance(hex_colour: str) -> float:
    """Relative luminance (IEC 61966-2-1 linearisation, Rec. 709 weights; WCAG 2.1)."""
    return float(_linear(hex_colour) @ np.array([0.2126, 0.7152, 0.0722]))


def lightness(hex_colour: str) -> float:
    """CIE 1976 L*: 116·f(Y) − 16, f the cube root above (6/29)³."""
    y = luminance(hex_colour)
    f = np.cbrt(y) if y > (6 / 29) ** 3 else y / (3 * (6 / 29) ** 2) + 4 / 29
    return float(116 * f - 16)


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_class_colours_are_sequential_legible_and_the_same_in_the_stylesheet() -> None:
    """The system's own ramp: L* falls by at least 10 at every class from Ⅰ to 劣Ⅴ (the order
    reads in greyscale); the class text's ink has WCAG contrast ≥ 4.5 on its fill; the
    stylesheet's cells use the document's colours."""
    fills = [water_pages.CLASS_COLOURS[k][0] for k in range(1, 7)]
    ell = [lightness(f) for f in fills]
    assert all(a - b >= 10 for a, b in itertools.pairwise(ell)), ell
    for fill, ink in water_pages.CLASS_COLOURS.values():
        assert contrast(fill, ink) >= 4.5, (fill, ink)
    assert contrast(*water_pages.NO_CLASS) >= 4.5
    css = resources.files("qingshan.web").joinpath("static", "app.css").read_text("utf-8")
    for k, (fill, ink) in water_pages.CLASS_COLOURS.items():
        m = re.search(rf"\.wq\.c{k} \{{ background:(#[0-9a-f]{{6}}); color:(#[0-9a-f]{{3,6}}); \}}", css)
        assert m and m.group(1) == fill, k
        short = m.group(2)
        assert (short if len(short) == 7 else "#" + "".join(ch * 2 for ch in short[1:])) == ink, k
    # the map's white marks are on the two darkest classes, exactly those whose ink is white
    assert {k for k, (_, ink) in water_pages.CLASS_COLOURS.items() if ink == "#ffffff"} == {5, 6}
    assert '#water-map .point[data-category="c5"] text.mark, #water-map .point[data-category="c6"] text.mark' in css


def test_labels_of_classes() -> None:
    assert [water_pages.class_label(k) for k in range(1, 7)] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]
    assert water_pages.class_label(6, "en") == "worse than Ⅴ" and water_pages.class_label(None) is None
    assert water_pages.cited({"zh": "甲", "en": "the text of 环办监测〔2017〕51号 was not read"})["cite"] \
        == "环办监测〔2017〕51号"
    assert water_pages.cited({"zh": "甲", "en": "GB 3097-1997 seawater"})["cite"] is None
