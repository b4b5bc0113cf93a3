"""Signing in with a real browser (issue #14): a city with accounts sends a visitor to the
login page, a first password is changed before anything else, the page comes back, the
header names the user, and logout ends it; the security policy lets every page work."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from qingshan.app import audit, database, organisations, users
from qingshan.city import City
from tests.browser.conftest import Watch, serve
from tests.web_city import demo_city

FIRST, NEW = "First-pass-2026", "Second-pass-2026"


@pytest.fixture(scope="module")
def login_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    d = demo_city(tmp_path_factory.mktemp("browser-login"))
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
    city_code = next(u.code for u in units if u.kind == "city")  # the whole city: screening is a city page
    with database.session(url) as s:
        organisations.sync(s, units, audit.Actor("test"))
        users.add_user(s, audit.Actor("test"), "li", f"{city_code}-fgw", ["analyst"], password=FIRST,
                       display_name="李分析")
    with serve(d) as base:
        yield base


@pytest.mark.browser
def test_sign_in_change_the_first_password_and_log_out(page: Page, watch: Watch, login_url: str) -> None:
    page.goto(f"{login_url}/map")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fmap$"))
    page.locator("input[name=username]").fill("li")
    page.locator("input[name=password]").fill("wrong password")
    with page.expect_navigation():
        page.locator("#sign-in").click()
    expect(page.locator("#login-failed")).to_be_visible()

    page.locator("input[name=password]").fill(FIRST)
    with page.expect_navigation():
        page.locator("#sign-in").click()
    expect(page).to_have_url(re.compile(r"/password\?next=%2Fmap$"))  # a first password: change it first
    expect(page.locator("#must-change")).to_be_visible()
    page.locator("input[name=old]").fill(FIRST)
    page.locator("input[name=new]").fill(NEW)
    page.locator("input[name=again]").fill(NEW)
    with page.expect_navigation():
        page.locator("#change-password").click()
    expect(page).to_have_url(f"{login_url}/map")
    expect(page.locator("#who-user")).to_have_text("李分析")
    expect(page.locator("#who-roles")).to_have_text("分析人员")
    expect(page.locator("#map svg")).to_be_visible()  # the script ran under the security policy
    page.locator("#map .firm").first.hover()
    expect(page.locator("#map .chart-tip")).to_be_visible()

    page.locator('header > a[href="/screen"]').click()
    page.locator("textarea[name=project]").fill("name: x\n")
    with page.expect_navigation():
        page.locator("form[action^='/screen'] button").click()
    expect(page.locator("h2.red")).to_be_visible()  # the form's change went through (its CSRF token)

    with page.expect_navigation():
        page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    page.goto(f"{login_url}/targets")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Ftargets$"))
    watch.assert_clean()
