"""An enterprise's report in a real browser (issue #14, item 7): the reporter fills in the
month's energy on the reports page, its park's reviewer returns it with a comment, the
reporter corrects it, the reviewer accepts it, and the enterprise's figures change only
then, naming the report version they include; the security policy lets the pages work."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from qingshan.app import audit, database, organisations, users
from qingshan.app.organisations import tree_paths
from qingshan.city import City
from tests.browser.conftest import Watch, serve
from tests.web_city import demo_city

PASSWORD = "Report-browser-2026"
MONTH = "2023-03"


@pytest.fixture(scope="module")
def report_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    d = demo_city(tmp_path_factory.mktemp("browser-report"))
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
    paths = tree_paths(units)
    park = sorted(c for c, (u, _, _) in paths.items() if u.kind == "park")[0]
    below = paths[park][1] + "/"
    firm = sorted(c for c, (u, p, _) in paths.items() if u.kind == "enterprise" and p.startswith(below))[0]
    with database.session(url) as s:
        organisations.sync(s, units, audit.Actor("test"))
        users.add_user(s, audit.Actor("test"), "firm", firm, ["reporter"], password="Temporary-pass-1")
        users.add_user(s, audit.Actor("test"), "park", park, ["reviewer"], password="Temporary-pass-1")
    with database.session(url) as s:
        for name in ("firm", "park"):
            users.change_password(s, name, "Temporary-pass-1", PASSWORD)
    with serve(d) as base:
        yield base, firm


def _sign_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/reports")
    page.locator("input[name=username]").fill(name)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#sign-in").click()
    expect(page).to_have_url(f"{base}/reports")


def _march(page: Page, base: str, firm: str) -> tuple[float, int]:
    doc = page.request.get(f"{base}/api/enterprises/{firm}").json()
    [month] = [m for m in doc["monthly"] if (m["year"], m["month"]) == (2023, 3)]
    return float(month["energy_tce"]), len(doc["reported"])


@pytest.mark.browser
def test_an_enterprise_reports_is_returned_corrects_and_is_accepted(browser: Browser, watch: Watch,
                                                                    report_city: tuple[str, str]) -> None:
    base, firm = report_city
    reporter = browser.new_context(locale="zh-CN", service_workers="block").new_page()
    reviewer = browser.new_context(locale="zh-CN", service_workers="block").new_page()
    for p in (reporter, reviewer):
        p.on("console", watch.on_console)
        p.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
        p.on("request", watch.on_request)
    try:
        _report_cycle(reporter, reviewer, base, firm)
    finally:
        reporter.context.close()
        reviewer.context.close()
    watch.assert_clean()


def _report_cycle(reporter: Page, reviewer: Page, base: str, firm: str) -> None:
    _sign_in(reporter, base, "firm")
    before = _march(reporter, base, firm)
    assert before[1] == 0
    form = reporter.locator("#report-form")
    form.locator("input[name=period]").fill(MONTH)
    first = (("electricity", "1200", "万千瓦时"), ("natural_gas", "35", "万立方米"))
    for i, (carrier, quantity, unit) in enumerate(first):
        form.locator(f"input[name='r{i}.carrier']").fill(carrier)
        form.locator(f"input[name='r{i}.quantity']").fill(quantity)
        form.locator(f"input[name='r{i}.unit']").fill(unit)
        form.locator(f"select[name='r{i}.use']").select_option("fuel")
    with reporter.expect_navigation():
        reporter.locator("#submit-report").click()
    expect(reporter.locator("#submitted")).to_be_visible()
    # the park's reviewer returns it with a comment
    _sign_in(reviewer, base, "park")
    waiting = reviewer.locator(".review").first
    expect(waiting).to_contain_text(firm)
    waiting.locator("input[name=comment]").fill("燃气数量请按表计核对")
    with reviewer.expect_navigation():
        waiting.locator("button.return").click()
    expect(reviewer.locator("#reviewed")).to_contain_text("已退回")
    reporter.goto(f"{base}/reports")
    expect(reporter.locator("#versions")).to_contain_text("燃气数量请按表计核对")
    assert _march(reporter, base, firm) == before  # returned: the figures are unchanged
    # corrected and submitted again; accepted
    form = reporter.locator("#report-form")
    form.locator("input[name=period]").fill(MONTH)
    form.locator("input[name='r0.carrier']").fill("electricity")
    form.locator("input[name='r0.quantity']").fill("1200")
    form.locator("input[name='r0.unit']").fill("万千瓦时")
    form.locator("input[name='r1.carrier']").fill("natural_gas")
    form.locator("input[name='r1.quantity']").fill("36")
    form.locator("input[name='r1.unit']").fill("万立方米")
    with reporter.expect_navigation():
        reporter.locator("#submit-report").click()
    expect(reporter.locator("#submitted")).to_contain_text("v2")
    assert _march(reporter, base, firm) == before  # submitted: still unchanged
    reviewer.goto(f"{base}/reports")
    waiting = reviewer.locator(".review").first
    expect(waiting).to_contain_text("v2")
    with reviewer.expect_navigation():
        waiting.locator("button.accept").click()
    expect(reviewer.locator("#reviewed")).to_contain_text("已通过")
    deadline = time.monotonic() + 120
    while (after := _march(reporter, base, firm))[1] == 0 and time.monotonic() < deadline:
        time.sleep(0.5)  # the city is recomputed in the background
    assert after[1] == 1 and after[0] != before[0]
    reporter.goto(f"{base}/enterprises/{firm}")
    expect(reporter.locator("#reported")).to_contain_text("v2")
