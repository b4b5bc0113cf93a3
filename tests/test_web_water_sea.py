"""The surface-water pages under a profile that selects ``environment.estuary_rule = "gb3097"``
(issue #18, items 3 and 6): a sea-ward estuary section shows its GB 3097-1997 class, deciding
items, seawater target and whether it meets it, in the section table, the month grid and the
map (a legend entry of its own, never a GB 3838 colour); the sea-ward sections' shares are a
table of their own; they get no GB 3838 exceedance; their section page shows GB 3097's
items, classes and limits.

The city: the demo package (2024–2025) under a profile whose parent is the demo profile and
which selects ``gb3097`` (as tests/test_estuary.py writes it), with one more sea-ward section,
QSW11 (a copy of QSW10's samples, seawater target class 二类), alone in 钢城区 (QSW04 moved
to 青山区), so that one district has sea-ward sections only. QSW10's class is worked out here
from GB 3097-1997 Table 1 as written below, not read from the standards file the engine uses."""

from __future__ import annotations

import html as html_lib
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from qingshan.city.config import write_city_config
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.documents import water_pages
from qingshan.reports.labels import header, title
from qingshan.reports.tables import page_tables
from tests.test_web_crawl import CJK_ON_EN, check_page
from tests.test_web_crawl import Site as CrawlSite
from tests.web_city import client_of, web_city

HTML = {"accept": "text/html"}
YEAR = 2025
SEA_SIDE, SHARED = "QSW10", "QSW11"  # QSW10 in 临江县 with river sections; QSW11 alone in 钢城区
ALONE = "459904"  # 钢城区: QSW11 only
MIXED = "459921"  # 临江县: QSW08, QSW09 (river side) and QSW10 (sea side)

#: GB 3097-1997 Table 1 (海水水质标准), the items confirmed in two independent copies (海洋科学
#: 2020 44(6) p. 32 Table 1; a public table of all items), mg/L, classes 一…四. ">": a value is in
#: a class when it exceeds the limit (dissolved oxygen); "≤": when it does not exceed it.
#: Where two classes share a limit, the value is in the better one.
GB3097: dict[str, tuple[str, tuple[float, float, float, float]]] = {
    "do": (">", (6, 5, 4, 3)),
    "cod_sea": ("≤", (2, 3, 4, 5)),
    "din": ("≤", (0.20, 0.30, 0.40, 0.50)),
    "po4_p": ("≤", (0.015, 0.030, 0.030, 0.045)),
    "petroleum": ("≤", (0.05, 0.05, 0.30, 0.50)),
}
LABELS = ("一类", "二类", "三类", "四类", "劣四类")
LABELS_EN = ("class 1", "class 2", "class 3", "class 4", "worse than class 4")
MARKS = ("一", "二", "三", "四", "劣四")


def sea_class(item: str, value: float) -> int:
    """The GB 3097 class 1…5 (5 = 劣四类) of one item's value: the best class whose limit it
    meets; the means are sums of three-significant-figure values, so a limit is met within
    1e-9 of it."""
    sign, limits = GB3097[item]
    for k, s in enumerate(limits, start=1):
        if (value > s * (1 + 1e-9)) if sign == ">" else (value <= s * (1 + 1e-9)):
            return k
    return 5


def hand(means: dict[str, float]) -> tuple[int, set[str]]:
    """A section-period's class (the worst over the five items, single-factor) and its
    deciding items (every item at that class)."""
    classes = {item: sea_class(item, v) for item, v in means.items() if item in GB3097}
    worst = max(classes.values())
    return worst, {item for item, k in classes.items() if k == worst}


@dataclass
class Sea:
    client: TestClient
    samples: pd.DataFrame
    folder: Path


def _tables() -> dict[str, pd.DataFrame]:
    tables = generate_demo_city(enterprises=30, years=[2024, YEAR])
    sec = tables["water_sections"].copy()
    sec.loc[sec["section_id"] == "QSW04", "district_id"] = "459902"
    extra = sec[sec["section_id"] == SEA_SIDE].assign(
        section_id=SHARED, name="钢城港", district_id=ALONE, river="钢城港（青山湾）", level="municipal",
        sea_target_class=pd.array([2], dtype="Int64"), lon=109.39, lat=24.41)
    tables["water_sections"] = pd.concat([sec, extra], ignore_index=True)
    smp = tables["water_samples"]
    tables["water_samples"] = pd.concat([smp, smp[smp["section_id"] == SEA_SIDE].assign(section_id=SHARED)],
                                        ignore_index=True)
    return tables


def _profile(folder: Path) -> None:
    (folder / "estuary-gb3097.toml").write_text(
        'id = "estuary-gb3097"\nzh = "河口按海水标准"\nen = "estuaries by the seawater standard"\nlevel = "city"\n'
        'region_code = "459900"\nparent = "demo"\nversion = "1"\nreleased = 2026-12-01\nchanges = "test"\n\n'
        '[[environment.estuary_rule]]\nvalue = "gb3097"\nfrom = 2020\nsource = "test: sea-ward estuary sections"\n',
        encoding="utf-8")
    write_city_config(folder, "estuary-gb3097.toml")


@pytest.fixture(scope="module")
def sea(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sea]:
    d = tmp_path_factory.mktemp("water-sea")
    tables = _tables()
    write_csv_package(tables, d / "package")
    _profile(d)
    yield Sea(client_of(web_city(d)), tables["water_samples"], d)


def api(c: TestClient, url: str, status: int = 200) -> Any:
    r = c.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    return r.json()


def html(c: TestClient, url: str) -> str:
    r = c.get(url, headers=HTML)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.text


def visible(text: str) -> str:
    """A page's text as read: no tags, no script, no citation in its own language."""
    text = re.sub(r"<script.*?</script>", " ", text, flags=re.S)
    text = re.sub(r'<cite translate="no">.*?</cite>', " ", text, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", text)))


def table(page: str, table_id: str) -> str:
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert body, table_id
    return body.group(1)


def means(sea: Sea, section: str, month: int | None = None) -> dict[str, float]:
    """Each item's arithmetic mean over the section's samples of the year (or one month)."""
    s = sea.samples
    date = pd.to_datetime(s["date"])
    mine = s[(s["section_id"] == section) & (date.dt.year == YEAR) & ((date.dt.month == month) if month else True)]
    found = mine.assign(value=pd.to_numeric(mine["value"])).groupby("item")["value"].mean()
    return {str(k): float(v) for k, v in found.items()}


# --------------------------------------------------------------------------- a section worked by hand


def test_the_sea_ward_sections_class_worked_from_gb3097_table_1(sea: Sea) -> None:
    """QSW10's annual means of the five GB 3097 items, classed against Table 1 as written above:
    the section's class is the worst, its deciding items those at it, its seawater target 三类
    (the demo's); it has no GB 3838 class, target verdict, multiple, CWQI or grade, and the
    page's section table shows the seawater class, never a GB 3838 one."""
    c = sea.client
    doc = api(c, f"/api/water?year={YEAR}")
    m = means(sea, SEA_SIDE)
    assert set(GB3097) <= set(m)  # every GB 3097 item held was sampled
    worst, deciding = hand(m)
    row = next(r for r in doc["sections"] if r["section_id"] == SEA_SIDE)
    assert row["standard"] == "gb3097"
    assert row["sea_class"] == worst and set(row["sea_deciding"].split(",")) == deciding
    assert row["sea_class_label"] == LABELS[worst - 1] and row["sea_class_label_en"] == LABELS_EN[worst - 1]
    assert row["sea_target_class"] == 3 and row["sea_target_label"] == "三类"
    assert row["sea_meets_target"] is (worst <= 3)
    assert row["water_class"] is None and row["class_label"] is None and row["meets_target"] is None
    assert row["cwqi"] is None and row["water_grade"] is None and row["max_multiple"] is None
    # QSW11: the same samples, a seawater target of 二类
    twin = next(r for r in doc["sections"] if r["section_id"] == SHARED)
    assert twin["sea_class"] == worst and twin["sea_meets_target"] is (worst <= 2)
    page = html(c, f"/water?year={YEAR}")
    rows = table(page, "sections")
    m_row = re.search(rf'<tr data-section="{SEA_SIDE}" data-class="" data-standard="gb3097" '
                      rf'data-sea-class="{worst}">(.*?)</tr>', rows, re.S)
    assert m_row
    cell = re.search(r'<td class="wq ([^"]*)"[^>]*>([^<]*)', m_row.group(1))
    assert cell and cell.group(1) == "sea" and cell.group(2) == f"海水{LABELS[worst - 1]}"
    assert "wq c" not in m_row.group(1)  # no GB 3838 class colour anywhere in the row
    text = visible(m_row.group(1))
    assert "海水三类" in text and ("达标" if worst <= 3 else "未达标") in text
    en = table(html(c, f"/water?year={YEAR}&lang=en"), "sections")
    en_row = re.search(rf'<tr data-section="{SEA_SIDE}"[^>]*>(.*?)</tr>', en, re.S)
    assert en_row and f"seawater {LABELS_EN[worst - 1]}" in visible(en_row.group(1))
    assert "seawater class 3" in visible(en_row.group(1))  # its target
    # the river sections keep their GB 3838 rows as before
    assert re.search(r'<tr data-section="QSW09" data-class="[1-6]">', rows)


def test_months_of_the_sea_ward_section_against_its_seawater_target(sea: Sea) -> None:
    """Each month of QSW10 is classed by hand from its month means; a month worse than the
    seawater target 三类 is marked (*) in the month grid, in the sea colour; none of its
    months is judged against GB 3838 (no monthly exceedance), and the page says why."""
    c = sea.client
    doc = api(c, f"/api/water?year={YEAR}")
    grid = {m["month"]: m for m in doc["months"] if m["section_id"] == SEA_SIDE}
    assert sorted(grid) == list(range(1, 13))
    worse = []
    for month, m in grid.items():
        worst, deciding = hand(means(sea, SEA_SIDE, month))
        assert (m["sea_class"], set(m["sea_deciding"].split(","))) == (worst, deciding), month
        assert m["water_class"] is None and m["meets_target"] is None and m["standard"] == "gb3097"
        assert m["sea_meets_target"] is (worst <= 3)
        if worst > 3:
            worse.append(month)
    assert worse  # the demo's storm months push 无机氮 over the target (a month to mark)
    page = html(c, f"/water?year={YEAR}")
    row = re.search(rf'<tr data-section="{SEA_SIDE}" data-standard="gb3097">(.*?)</tr>', table(page, "month-grid"),
                    re.S)
    assert row
    cells = re.findall(r'<td class="wq ([^"]*)"[^>]*>([^<]*)', row.group(1))
    assert len(cells) == 13  # twelve months and the year
    for month in range(1, 13):
        kind, text = cells[month - 1]
        assert kind == ("sea over" if month in worse else "sea"), month
        assert text == LABELS[grid[month]["sea_class"] - 1]
    # no GB 3838 exceedance for a sea-ward section, and the reason stated
    assert not [e for e in doc["month_exceedances"] if e["section_id"] in (SEA_SIDE, SHARED)]
    assert not [e for e in doc["exceedances"] if e["section_id"] in (SEA_SIDE, SHARED)]
    assert doc["month_exceedances"]  # the river sections' are still there (QSW04, QSW06)
    assert doc["sea_not_judged"]["section_ids"] == [SEA_SIDE, SHARED]
    note = re.search(r'<p class="notice" id="sea-not-judged" data-sections="([^"]+)">(.*?)</p>', page, re.S)
    assert note and note.group(1) == f"{SEA_SIDE},{SHARED}"
    assert "临江口" in note.group(2) and "不按地表水目标类别判断超标" in note.group(2)
    assert "not judged against a surface-water target class" in visible(html(c, f"/water?year={YEAR}&lang=en"))


# --------------------------------------------------------------------------- map and colours


def test_the_map_draws_sea_ward_sections_apart(sea: Sea) -> None:
    """On the map a sea-ward section has the legend entry 海水水质类别 (GB 3097-1997), in a colour
    that is no GB 3838 class's and not that of 'no class', with its seawater class written
    in it and its seawater target in its tooltip."""
    c = sea.client
    doc = api(c, f"/api/water?year={YEAR}")
    worst, _ = hand(means(sea, SEA_SIDE))
    legend = {entry["key"]: entry for entry in doc["map"]["legend"]}
    assert legend["sea"]["zh"] == "海水水质类别 (GB 3097-1997)"
    assert legend["sea"]["en"] == "seawater class (GB 3097-1997)"
    assert legend["sea"]["colour"] == water_pages.SEA_COLOURS[0]
    others = {fill for fill, _ in water_pages.CLASS_COLOURS.values()} | {water_pages.NO_CLASS[0]}
    assert legend["sea"]["colour"] not in others
    point = next(p for p in doc["map"]["points"] if p["code"] == SEA_SIDE)
    assert point["category"] == "sea" and point["mark"] == MARKS[worst - 1]
    assert point["tip"] == f"海水{LABELS[worst - 1]}（GB 3097-1997，目标 三类）"
    assert point["tip_en"] == f"seawater {LABELS_EN[worst - 1]} (GB 3097-1997, target class 3)"
    assert {p["category"] for p in doc["map"]["points"] if p["code"] not in (SEA_SIDE, SHARED)} <= {
        f"c{k}" for k in range(1, 7)}
    page = html(c, f"/water?year={YEAR}")
    drawn = re.search(rf'<g class="point" data-code="{SEA_SIDE}" data-category="sea"><circle [^>]*fill="([^"]+)"',
                      page)
    assert drawn and drawn.group(1) == water_pages.SEA_COLOURS[0]
    assert re.search(r'<li data-key="sea">.*?海水水质类别 \(GB 3097-1997\) \(2\)</li>', page)


def test_the_sea_colour_is_legible_and_the_same_in_the_stylesheet() -> None:
    """WCAG 2.1 contrast of the ink on the sea colour ≥ 4.5 (relative luminance with the
    IEC 61966-2-1 linearisation), and app.css's ``.wq.sea`` is the document's colour."""
    def lum(hex_colour: str) -> float:
        rgb = [int(hex_colour[i:i + 2], 16) / 255.0 for i in (1, 3, 5)]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    fill, ink = water_pages.SEA_COLOURS
    hi, lo = sorted((lum(fill), lum(ink)), reverse=True)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5
    css = resources.files("qingshan.web").joinpath("static", "app.css").read_text("utf-8")
    m = re.search(r"\.wq\.sea \{ background:(#[0-9a-f]{6}); color:#000; \}", css)
    assert m and m.group(1) == fill and ink == "#000000"


# --------------------------------------------------------------------------- shares


def test_sea_shares_are_their_own_table(sea: Sea) -> None:
    """The two sea-ward sections are counted in ``sea_shares`` only: the GB 3838 shares hold
    the nine river-side sections; the sea shares put both in the hand-worked class, one of two
    meeting its target (QSW10's 三类 meets 三类, QSW11's does not meet 二类, if the class is 三类)."""
    c = sea.client
    doc = api(c, f"/api/water?year={YEAR}")
    worst, _ = hand(means(sea, SEA_SIDE))
    city = doc["shares"][0]
    river = [r for r in doc["sections"] if r["standard"] == "gb3838"]
    assert city["sections"] == len(river) == 9 and len(doc["sections"]) == 11
    s = doc["sea_shares"][0]
    assert (s["kind"], s["sections"]) == ("city", 2)
    assert [s[f"sea_class_{k}"] for k in range(1, 6)] == [100.0 if k == worst else 0.0 for k in range(1, 6)]
    assert (s["meeting_target"], s["with_target"]) == (int(worst <= 3) + int(worst <= 2), 2)
    assert "class_1" not in s  # never under the GB 3838 field names
    assert [d["code"] for d in doc["sea_shares"][1:]] == [ALONE, MIXED]
    assert [i["item"] for i in doc["gb3097_items"]] == list(GB3097)
    page = html(c, f"/water?year={YEAR}")
    rows = re.findall(r'<tr data-kind="([^"]+)" data-code="([^"]+)">', table(page, "sea-shares"))
    assert rows == [("city", "city"), ("district", ALONE), ("district", MIXED)]
    summary = re.search(r'<div class="answer" id="sea-summary" data-sections="(\d+)">', page)
    assert summary and summary.group(1) == "2"
    assert "不计入上述地表水类别比例" in visible(page)


def test_a_district_with_sea_ward_sections_only(sea: Sea) -> None:
    """钢城区 has QSW11 only: it is offered as a district, and its page shows the section, its
    sea shares and no GB 3838 summary (not 'no sections')."""
    c = sea.client
    city = api(c, f"/api/water?year={YEAR}")
    assert ALONE in [d["code"] for d in city["choices"]]
    doc = api(c, f"/api/water?year={YEAR}&district={ALONE}")
    assert doc["shares"] == [] and [s["code"] for s in doc["sea_shares"]] == [ALONE]
    assert [r["section_id"] for r in doc["sections"]] == [SHARED] and doc["month_exceedances"] == []
    assert [p["category"] for p in doc["map"]["points"]] == ["sea"]
    page = html(c, f"/water?year={YEAR}&district={ALONE}")
    assert 'id="no-sections"' not in page and 'id="water-summary"' not in page and '<table id="shares">' not in page
    assert '<table id="sea-shares">' in page and f'<tr data-section="{SHARED}"' in table(page, "sections")
    mixed = api(c, f"/api/water?year={YEAR}&district={MIXED}")
    assert [s["sections"] for s in mixed["shares"]] == [2] and [s["sections"] for s in mixed["sea_shares"]] == [1]


# --------------------------------------------------------------------------- the section page


def test_the_sea_ward_sections_page_shows_gb3097_items_and_limits(sea: Sea) -> None:
    """QSW10's page: the five GB 3097 items only, each month's mean with its GB 3097 class
    (by hand), Table 1's limits with the target class's, the deciding items' trends against the
    seawater target limit, no GB 3838 exceedance."""
    c = sea.client
    doc = api(c, f"/api/water/sections/{SEA_SIDE}?year={YEAR}")
    row = doc["section"]
    worst, deciding = hand(means(sea, SEA_SIDE))
    assert row["standard"] == "gb3097" and row["sea_class"] == worst
    items = list(dict.fromkeys(i["item"] for i in doc["indicators"]))
    assert items == list(GB3097)
    for i in doc["indicators"]:
        m = means(sea, SEA_SIDE, i["month"])[i["item"]]
        assert i["mean"] == pytest.approx(m)
        assert i["sea_class"] == sea_class(i["item"], m) and i["water_class"] is None, (i["item"], i["month"])
        assert i["sea_class_label"] == LABELS[i["sea_class"] - 1] and i["assessed"] is True
    limits = {r["item"]: r for r in doc["sea_limits"]}
    assert list(limits) == list(GB3097)
    for item, (sign, values) in GB3097.items():
        r = limits[item]
        assert [r[f"sea_limit_{k}"] for k in range(1, 5)] == [float(v) for v in values]
        assert r["limit_sign"] == (">" if sign == ">" else "≤") and r["target_limit"] == float(values[2])
    assert {t["item"] for t in doc["trends"]} == deciding
    for t in doc["trends"]:
        assert t["target_limit"] == float(GB3097[t["item"]][1][2])  # 三类, the seawater target
        assert t["direction"] == ("min_exclusive" if t["item"] == "do" else "max")
    assert doc["month_exceedances"] == [] and doc["exceedances"] == []
    assert doc["sea_not_judged"]["section_ids"] == [SEA_SIDE]
    assert [entry["key"] for entry in doc["legend"]].count("sea") == 1
    page = html(c, f"/water/sections/{SEA_SIDE}?year={YEAR}")
    strong = re.search(r'<strong id="annual-class">([^<]+)</strong>', page)
    assert strong and strong.group(1) == LABELS[worst - 1]
    assert re.search(r'<span id="sea-target">三类</span>', page)
    assert len(re.findall(r'<tr data-item="', table(page, "indicators"))) == len(GB3097)
    assert "wq c" not in table(page, "indicators") and "wq c" not in table(page, "month-grid")
    lim = table(page, "sea-limits")
    assert re.search(r'<tr data-item="do"><td>溶解氧 &gt;</td><td>毫克/升</td><td class="n">6</td>', lim)
    assert '<td class="n" data-target="1"><strong>0.4</strong></td>' in lim  # 无机氮 三类
    text = visible(page)
    assert "不计超标倍数" in text and "未判断超标" in text and "GB 3838-2002" not in text.split("全部样品")[0]
    assert 'id="no-month-exceedances"' not in page
    en = visible(html(c, f"/water/sections/{SEA_SIDE}?year={YEAR}&lang=en"))
    assert f"annual seawater class: {LABELS_EN[worst - 1]}" in en and "Seawater limits" in en
    for word in ("海水", "三类", "劣四类", "未判断"):
        assert word not in en, word
    # a river-side estuary section's page stays GB 3838's
    river = api(c, f"/api/water/sections/QSW09?year={YEAR}")
    assert river["section"]["standard"] == "gb3838" and river["sea_limits"] == []
    assert all(i["sea_class"] is None for i in river["indicators"])
    assert "sea" not in [entry["key"] for entry in river["legend"]]


# --------------------------------------------------------------------------- downloads, languages


def test_every_sea_field_has_a_label_and_the_downloads_hold_the_sea_tables(sea: Sea) -> None:
    c = sea.client
    doc = api(c, f"/api/water?year={YEAR}")
    section = api(c, f"/api/water/sections/{SEA_SIDE}?year={YEAR}")
    wanted = {"sections", "months", "sea_shares", "gb3097_items", "indicators", "sea_limits"}
    seen = set()
    for d in (doc, section):
        for t in page_tables(d, "zh"):
            if t.key not in wanted:
                continue
            seen.add(t.key)
            for col in t.frame.columns:
                if str(col).startswith("sea_") or col in ("standard", "limit_sign"):
                    for lang in ("zh", "en"):
                        assert header(str(col), lang) != col, (t.key, col, lang)
            for lang in ("zh", "en"):
                assert title(t.key, lang) != t.key, (t.key, lang)
    assert seen == wanted
    book = pd.read_excel(io.BytesIO(c.get(f"/water?year={YEAR}&format=xlsx").content), sheet_name=None,
                         engine="calamine")
    sheet = book[title("sea_shares", "zh")]
    assert len(sheet) == len(doc["sea_shares"]) == 3
    assert list(sheet[header("sea_class_3", "zh")]) == [s["sea_class_3"] for s in doc["sea_shares"]]
    sections = book[title("sections", "zh")]
    assert list(sections[header("sea_class", "zh")].dropna().astype(int)) == [
        r["sea_class"] for r in doc["sections"] if r["sea_class"] is not None]
    r = c.get(f"/water/sections/{SEA_SIDE}?year={YEAR}&format=csv&table=sea_limits&lang=en")
    assert r.status_code == 200 and "seawater class 3 limit" in r.content.decode("utf-8-sig").splitlines()[0]


def test_the_english_pages_name_the_seawater_classes_in_english(sea: Sea) -> None:
    c = sea.client
    page = html(c, f"/water?year={YEAR}&lang=en")
    text = visible(page)
    for words in ("seawater class (GB 3097-1997)", "Sea-ward estuary sections by seawater class",
                  "meeting their seawater target class"):
        assert words in text, words
    for word in ("海水", "一类", "三类", "劣四类", "未判断", "不计", "不适用"):
        assert word not in text, word
    zh = visible(html(c, f"/water?year={YEAR}"))
    for word in ("seawater", "class 3", "not judged", "not computed"):
        assert word not in zh, word


# --------------------------------------------------------------------------- the default rule


def test_under_gb3838_the_pages_are_as_before(sea: Sea, tmp_path: Path) -> None:
    """The same package under the demo profile (``gb3838``): every section is a GB 3838
    section, there is no sea table, legend entry or note, and QSW10 is judged against its
    GB 3838 target like any river section."""
    d = tmp_path / "gb3838"
    shutil.copytree(sea.folder / "package", d / "package")
    write_city_config(d, "demo")
    c = client_of(web_city(d))
    doc = api(c, f"/api/water?year={YEAR}")
    assert {r["standard"] for r in doc["sections"]} == {"gb3838"} and doc["shares"][0]["sections"] == 11
    assert doc["sea_shares"] == [] and doc["gb3097_items"] == [] and doc["sea_not_judged"] is None
    assert "sea" not in [entry["key"] for entry in doc["map"]["legend"]]
    row = next(r for r in doc["sections"] if r["section_id"] == SEA_SIDE)
    assert row["water_class"] in range(1, 7) and row["sea_class"] is None
    page = html(c, f"/water?year={YEAR}")
    assert 'id="sea-shares"' not in page and 'id="sea-not-judged"' not in page and 'data-key="sea"' not in page
    section = api(c, f"/api/water/sections/{SEA_SIDE}?year={YEAR}")
    assert section["sea_limits"] == [] and "do" in {i["item"] for i in section["indicators"]}
    assert any(i["item"] == "nh3n" for i in section["indicators"])  # GB 3838's items


def test_the_sea_pages_pass_the_crawlers_language_checks(sea: Sea) -> None:
    """The crawler's checks (tests/test_web_crawl.py ``check_page``: no English words on a
    Chinese page, no Chinese but proper names on an English one, no snake_case identifier, no
    count with a decimal) on the pages that show sea-ward sections, which the crawler's demo
    city (under ``gb3838``) does not have."""
    c = sea.client
    doc = api(c, f"/api/water?year={YEAR}")
    sections = pd.read_csv(sea.folder / "package" / "water_sections.csv", dtype=str)
    proper = ({str(v) for col in ("name", "river") for v in sections[col].dropna()}
              | {d["name"] for d in doc["choices"]} | {doc["shares"][0]["name"]} | CJK_ON_EN)
    site = CrawlSite(c, [YEAR], proper, set(), set())
    for url in (f"/water?year={YEAR}", f"/water?year={YEAR}&district={ALONE}", f"/water?year={YEAR}&district={MIXED}",
                f"/water/sections/{SEA_SIDE}?year={YEAR}", f"/water/sections/{SHARED}?year={YEAR}"):
        for lang in ("zh", "en"):
            shown = url if lang == "zh" else f"{url}&lang=en"
            assert check_page(site, shown, html(c, shown), lang) == [], shown
