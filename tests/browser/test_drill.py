"""Two of issue #16's everyday questions, answered by clicking alone in a real browser:
"Which class-D enterprises are in 临江县, and how much surcharge do they pay?" and "drill
from city to district to park to enterprise and back up"; and the year selector on a level
page (the first data year included)."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch

DISTRICT = "临江县"  # a district of the demo city (docs/demo-city.md)


def _json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=30) as r:
        doc: dict[str, object] = json.loads(r.read())
    return doc


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_which_class_d_enterprises_are_in_a_district_and_what_they_pay(page: Page, watch: Watch, base_url: str,
                                                                      lang: str) -> None:
    page.goto(f"{base_url}/" + ("?lang=en" if lang == "en" else ""))
    with page.expect_navigation():
        page.locator("#below a", has_text=DISTRICT).click()
    expect(page.locator("h1")).to_contain_text(DISTRICT)
    with page.expect_navigation():
        page.locator("#classes a[data-class=D]").click()
    # the enterprise list, filtered by the district's name and class D, with their surcharges
    expect(page.locator("#f-district option:checked")).to_have_text(DISTRICT)
    expect(page.locator("#f-class")).to_have_value("D")
    rows = page.locator("#enterprises tr:has(td)")
    n = rows.count()
    assert n >= 1
    assert set(page.locator("#enterprises tr td:nth-child(2)").all_inner_texts()) == {DISTRICT}
    assert set(page.locator("#enterprises tr td:nth-child(9)").all_inner_texts()) == {"D"}
    url = page.url.replace("/enterprises?", "/api/enterprises?")
    doc = _json(url)
    totals = doc["totals"]
    assert isinstance(totals, dict) and totals["enterprises"] == n
    expect(page.locator("#totals-surcharge")).to_have_text(f"{totals['measures_yuan']:,.0f}")
    assert ("差别化加价" if lang == "zh" else "surcharges") in page.locator("#totals").inner_text()
    watch.assert_clean()


@pytest.mark.browser
def test_drill_from_city_to_enterprise_and_back_up(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/")
    city = page.locator("#crumbs [data-level=city]").inner_text()
    with page.expect_navigation():
        page.locator("#below a", has_text=DISTRICT).click()
    expect(page).to_have_url(re.compile(r"/districts/\w+$"))
    park_link = page.locator("#below a[data-level=park]").first
    park = park_link.inner_text()
    with page.expect_navigation():
        park_link.click()
    expect(page.locator("h1")).to_contain_text(park)
    expect(page.locator("#crumbs")).to_contain_text(DISTRICT)
    firm_link = page.locator("#below a[href^='/enterprises/']").first
    firm = firm_link.inner_text()
    with page.expect_navigation():
        firm_link.click()
    expect(page.locator("h1")).to_contain_text(firm)
    expect(page.locator("#where")).to_contain_text(DISTRICT)
    expect(page.locator("#where")).to_contain_text(park)
    # and back up, by the breadcrumbs
    with page.expect_navigation():
        page.locator("#crumbs a[data-level=park]").click()
    expect(page.locator("h1")).to_contain_text(park)
    with page.expect_navigation():
        page.locator("#crumbs a[data-level=district]").click()
    expect(page.locator("h1")).to_contain_text(DISTRICT)
    with page.expect_navigation():
        page.locator("#crumbs a[data-level=city]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#crumbs")).to_contain_text(city)
    watch.assert_clean()


@pytest.mark.browser
def test_the_year_selector_opens_every_year(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/")
    with page.expect_navigation():
        page.locator("#below a", has_text=DISTRICT).click()
    years = page.locator("#years a").all_inner_texts()
    assert years
    for year in years:
        with page.expect_navigation() as nav:
            page.locator("#years a", has_text=year).click()
        response = nav.value
        assert response is not None and response.status == 200
        expect(page.locator("#years strong")).to_have_text(year)
        expect(page.locator("h1")).to_contain_text(year)
    watch.assert_clean()


@pytest.mark.browser
def test_the_overview_month_range_by_clicking(page: Page, watch: Watch, base_url: str) -> None:
    """The city's overview has the drill-down's month range: chosen in its selects and
    applied, the URL keeps ``from_month``/``to_month`` and the table holds those months with
    their change on the month before."""
    page.goto(f"{base_url}/?lang=en")
    held = page.locator("#from-month option").all_inner_texts()
    assert len(held) >= 24  # two years of months or more
    start, end = held[-6], held[-4]
    page.locator("#from-month").select_option(start)
    page.locator("#to-month").select_option(end)
    with page.expect_navigation():
        page.locator("#months-apply").click()
    expect(page).to_have_url(re.compile(rf"from_month={start}&to_month={end}"))
    expect(page.locator("#months tr[data-period]")).to_have_count(3)
    expect(page.locator("#months")).to_contain_text("on the month before")
    assert page.locator("#months tr[data-period]").first.get_attribute("data-period") == start
    watch.assert_clean()
