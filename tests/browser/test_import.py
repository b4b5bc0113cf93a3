"""Import in a real browser: a bad workbook is refused with its problem listed; a good one
is accepted and becomes the city's data. Its own server: accepting replaces the data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch, serve
from tests.web_city import demo_city, upload_workbook


@pytest.fixture(scope="module")
def import_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(demo_city(tmp_path_factory.mktemp("browser-import"))) as url:
        yield url


def _validate(page: Page, workbook: Path) -> None:
    page.locator("input[type=file][name=file]").set_input_files(workbook)
    with page.expect_navigation():
        page.locator("form[action^='/import'] button").first.click()
    expect(page.locator("#report")).to_be_visible()


@pytest.mark.browser
def test_import_a_bad_then_a_good_workbook(page: Page, watch: Watch, import_url: str, tmp_path: Path) -> None:
    bad = upload_workbook(tmp_path / "bad.xlsx", break_it=True)
    good = upload_workbook(tmp_path / "good.xlsx", break_it=False)

    page.goto(f"{import_url}/enterprises")
    expect(page.locator("h1")).to_contain_text("(150 家)")
    page.goto(f"{import_url}/import")

    _validate(page, bad)
    expect(page.locator("#report")).to_have_class(re.compile(r"\bred\b"))
    problem = page.locator("table tr", has=page.locator("td", has_text="可燃冰"))
    expect(problem).to_have_count(1)
    cells = [c.strip() for c in problem.locator("td").all_inner_texts()]
    # its column (by its Chinese header on a Chinese page: carrier = 能源品种) and row are named
    assert "能源品种" in cells and any(c.isdigit() for c in cells), cells
    expect(page.locator("#accept")).to_have_count(0)

    _validate(page, good)
    expect(page.locator("#report")).to_have_class(re.compile(r"\bgreen\b"))
    expect(page.locator("td", has_text="可燃冰")).to_have_count(0)
    with page.expect_navigation():
        page.locator("#accept").click()
    expect(page.locator("#accepted")).to_contain_text("40")
    expect(page.locator("#accept")).to_have_count(0)

    page.locator('header > a[href="/enterprises"]').click()
    expect(page.locator("h1")).to_contain_text("(40 家)")
    expect(page.locator("h1")).to_contain_text("2023")
    watch.assert_clean()
