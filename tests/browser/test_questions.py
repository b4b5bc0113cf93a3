"""Issue #16's four everyday questions answered end to end by clicking alone, in Chinese and
in English (item 9):

(a) which class-D enterprises are in a district, and what surcharge they pay, downloaded as
    Excel;
(b) is the city on track, and which district drags it (targets page, the LMDI page, the
    district's page with its targets against the city);
(c) drill from the city to a district, a park and an enterprise, and back up;
(d) change the year (the first data year included) and the scheme by the page's controls,
    never a server error.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch

DISTRICT = "临江县"  # a district of the demo city (docs/demo-city.md)
LANGS = ["zh", "en"]


def _json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def _open(page: Page, base_url: str, path: str, lang: str) -> None:
    page.goto(base_url + path + ("?lang=en" if lang == "en" else ""))


def _nav(page: Page, zh: str, en: str, lang: str) -> None:
    with page.expect_navigation():
        page.locator("header a", has_text=zh if lang == "zh" else en).first.click()


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_a_class_d_enterprises_of_a_district_and_their_surcharge_as_excel(page: Page, watch: Watch, base_url: str,
                                                                          lang: str) -> None:
    _open(page, base_url, "/", lang)
    with page.expect_navigation():
        page.locator("#below a", has_text=DISTRICT).click()
    with page.expect_navigation():
        page.locator("#classes a[data-class=D]").click()
    expect(page.locator("#f-district option:checked")).to_have_text(DISTRICT)
    expect(page.locator("#f-class")).to_have_value("D")
    totals = _json(page.url.replace("/enterprises?", "/api/enterprises?"))["totals"]
    assert totals["enterprises"] >= 1
    with page.expect_download() as dl:
        page.locator("#download-xlsx").click()
    sheets = pd.read_excel(dl.value.path(), sheet_name=None, engine="calamine")
    table = sheets["企业" if lang == "zh" else "Enterprises"]
    assert len(table) == totals["enterprises"]
    assert DISTRICT in set(table.astype(str).stack())  # the district by its name
    money = next(c for c in table.columns if str(c).startswith(("差别化", "measures")))
    assert abs(float(table[money].fillna(0).sum()) - float(totals["measures_yuan"] or 0)) < 0.5
    assert ("差别化加价" if lang == "zh" else "surcharges") in page.locator("#totals").inner_text()
    watch.assert_clean()


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_b_is_the_city_on_track_and_which_district_drags_it(page: Page, watch: Watch, base_url: str,
                                                            lang: str) -> None:
    _open(page, base_url, "/", lang)
    _nav(page, "目标与预警", "Targets", lang)
    colours = page.locator("main table").first.locator("td.red, td.yellow, td.green")
    assert colours.count() >= 1  # every target has its colour, in words
    assert re.search(r"红|黄|绿" if lang == "zh" else r"red|yellow|green", colours.first.inner_text())
    # which district drags it: the decomposition by district names the one adding most CO2
    _nav(page, "因素分解", "Drivers", lang)
    page.locator("#by").select_option("district")
    with page.expect_navigation():
        page.locator("#lmdi-apply").click()
    worst = page.locator("#driver-co2 a").first
    name = worst.inner_text()
    with page.expect_navigation():
        worst.click()
    expect(page.locator("h1")).to_contain_text(name)
    # its own page compares it with the city, and shows its targets' progress and colours
    expect(page.locator("#figures")).to_contain_text("×")
    if page.locator("#level-targets").count():
        expect(page.locator("#level-targets td.red, #level-targets td.yellow, #level-targets td.green")
               .first).to_be_visible()
    watch.assert_clean()


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_c_drill_from_city_to_enterprise_and_back_up(page: Page, watch: Watch, base_url: str, lang: str) -> None:
    _open(page, base_url, "/", lang)
    with page.expect_navigation():
        page.locator("#below a", has_text=DISTRICT).click()
    expect(page).to_have_url(re.compile(r"/districts/\w+(\?lang=en)?$"))
    park_link = page.locator("#below a[data-level=park]").first
    park = park_link.inner_text()
    with page.expect_navigation():
        park_link.click()
    expect(page.locator("h1")).to_contain_text(park)
    firm_link = page.locator("#below a[href^='/enterprises/']").first
    firm = firm_link.inner_text()
    with page.expect_navigation():
        firm_link.click()
    expect(page.locator("h1")).to_contain_text(firm)
    expect(page.locator("#where")).to_contain_text(DISTRICT)
    expect(page.locator("#months")).to_be_visible()  # its months, with the change on the month before
    for level, text in (("park", park), ("district", DISTRICT)):
        with page.expect_navigation():
            page.locator(f"#crumbs a[data-level={level}]").click()
        expect(page.locator("h1")).to_contain_text(text)
        assert ("lang=en" in page.url) == (lang == "en")  # the language is kept all the way
    with page.expect_navigation():
        page.locator("#crumbs a[data-level=city]").click()
    expect(page.locator("h1")).to_contain_text("城市总览" if lang == "zh" else "City overview")
    watch.assert_clean()


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_d_change_year_and_scheme_by_the_controls(page: Page, watch: Watch, base_url: str, lang: str) -> None:
    _open(page, base_url, "/", lang)
    with page.expect_navigation():
        page.locator("#below a", has_text=DISTRICT).click()
    years = page.locator("#years a").all_inner_texts()
    assert years and min(years) < max(years)
    for year in sorted(years):  # the first data year included
        with page.expect_navigation() as nav:
            page.locator("#years a", has_text=year).click()
        assert nav.value is not None and nav.value.status == 200
        expect(page.locator("#years strong")).to_have_text(year)
    options = page.locator("#scheme option[value]:not([value=''])")
    assert options.count() >= 2
    value, label = options.nth(1).get_attribute("value"), options.nth(1).inner_text()
    assert value and label and value not in label  # the scheme by its name, never its id
    page.locator("#scheme").select_option(value)
    with page.expect_navigation() as nav:
        page.locator("#scheme-form button").click()
    assert nav.value is not None and nav.value.status == 200
    expect(page.locator("#scheme option:checked")).to_have_text(label)
    # the class counts open the list of the same year and scheme
    with page.expect_navigation():
        page.locator("#classes a[data-class]").first.click()
    assert f"scheme={value}" in page.url
    # the evaluation page, every year by its selector: a page in every case, never a 500
    _nav(page, "亩均评价", "Evaluation", lang)
    for year in sorted(page.locator("#years a").all_inner_texts()):
        with page.expect_navigation() as nav:
            page.locator("#years a", has_text=year).click()
        assert nav.value is not None and nav.value.status in (200, 422)
        expect(page.locator("#years strong")).to_have_text(year)
        if nav.value.status == 422:  # the first data year: says why, in the page's language
            expect(page.locator("#refusal")).to_be_visible()
    assert not watch.page_errors and not watch.offsite()
