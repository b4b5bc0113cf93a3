"""A district's user in a real browser (issue #14): signed in, the overview is its
district's, the enterprise list shows only its district's, another district's enterprise is not
there by its URL, and a whole-city page is refused with a message; its own district's LMDI
decomposition opens by a click from the overview; the security policy lets its pages work."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from qingshan.app import audit, database, organisations, users
from qingshan.city import City
from tests.browser.conftest import Watch, serve
from tests.web_city import demo_city

PASSWORD = "District-view-2026"


@pytest.fixture(scope="module")
def district_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, str]]:
    d = demo_city(tmp_path_factory.mktemp("browser-district"))
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
    ent = [u for u in units if u.kind == "enterprise"]
    district = sorted({u.district for u in ent if u.district})[0]
    district_name = next(u.name for u in units if u.code == district)
    other = next(u.code for u in sorted(ent, key=lambda u: u.code) if u.district != district)
    with database.session(url) as s:
        organisations.sync(s, units, audit.Actor("test"))
        users.add_user(s, audit.Actor("test"), "east", str(district), ["viewer"], password="Temporary-pass-1")
    with database.session(url) as s:
        users.change_password(s, "east", "Temporary-pass-1", PASSWORD)
    with serve(d) as base:
        yield base, str(district), other, district_name


@pytest.mark.browser
def test_a_district_user_sees_its_own_enterprises(page: Page, watch: Watch,
                                                  district_url: tuple[str, str, str, str]) -> None:
    base, _, other, district_name = district_url
    page.goto(f"{base}/")
    page.locator("input[name=username]").fill("east")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#sign-in").click()
    expect(page).to_have_url(re.compile(r"/$"))  # the overview, of its own district
    expect(page.locator("h1")).to_contain_text(str(district_name))
    page.goto(f"{base}/enterprises")
    cells = page.locator("table tr td:nth-child(2)")
    expect(cells.first).to_be_visible()
    assert set(cells.all_inner_texts()) == {district_name}  # by name, never a bare code (issue #16)
    response = page.goto(f"{base}/enterprises/{other}")
    assert response is not None and response.status == 404
    response = page.goto(f"{base}/evaluation")
    assert response is not None and response.status == 403
    assert "whole city" in page.content() or "全市" in page.content()
    watch.console_errors.clear()  # the 404 and 403 above were asked for
    page.goto(f"{base}/map")
    expect(page.locator("#map svg")).to_be_visible()
    watch.assert_clean()


@pytest.mark.browser
def test_a_district_user_opens_its_own_decomposition(page: Page, watch: Watch,
                                                     district_url: tuple[str, str, str, str]) -> None:
    base, district, _, district_name = district_url
    page.goto(f"{base}/")
    page.locator("input[name=username]").fill("east")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#sign-in").click()
    with page.expect_navigation():
        page.locator("#lmdi-link").click()
    expect(page.locator("h1")).to_contain_text(district_name)
    expect(page.locator("#crumbs")).to_contain_text(district_name)
    expect(page.locator(f'#lmdi-form input[name=district][value="{district}"]')).to_have_count(1)
    expect(page.locator("#sectors tr[data-code]").first).to_be_visible()  # its industries
    expect(page.locator("#by")).to_have_count(0)  # no split by district to choose
    watch.assert_clean()
