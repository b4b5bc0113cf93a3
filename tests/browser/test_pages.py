"""The read-only pages in a real browser: navigation, language, enterprise filters, sorting
and paging, one enterprise, and charts that are actually drawn (pixels, tooltip)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch


def _total(page: Page) -> int:
    """The count in the enterprise list's heading, ``企业 · 2023 (150 家)``."""
    m = re.search(r"\((\d+)(?: 家| enterprises)?\)", page.locator("h1").inner_text())
    assert m, page.locator("h1").inner_text()
    return int(m.group(1))


def _column(page: Page, header: str) -> list[str]:
    """The cells of the list's column whose header reads ``header``."""
    heads = [h.strip() for h in page.locator("table th").all_inner_texts()]
    assert header in heads, heads
    return [c.strip() for c in page.locator(f"table tr td:nth-child({heads.index(header) + 1})").all_inner_texts()]


def _numbers(cells: list[str]) -> list[float]:
    return [float(c.replace(",", "")) for c in cells if c not in ("—", "")]


def _submit_filters(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form.filters button").click()


@dataclass
class Ink:
    colours: int  # distinct colours
    drawn: float  # share of pixels unlike the background
    coloured: float  # share of pixels in a colour (not white, grey or black)
    coloured_span: float  # share of the columns that hold a coloured pixel


def _ink(img: Image.Image) -> Ink:
    """How much of a screenshot is drawn. The background is the commonest colour."""
    raw = img.convert("RGB").tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    counts = Counter(pixels)
    bg = counts.most_common(1)[0][0]
    drawn = sum(n for px, n in counts.items() if sum(abs(a - b) for a, b in zip(px, bg, strict=True)) > 60)
    coloured = [i for i, px in enumerate(pixels) if max(px) - min(px) >= 40]
    return Ink(colours=len(counts), drawn=drawn / len(pixels), coloured=len(coloured) / len(pixels),
               coloured_span=len({i % img.width for i in coloured}) / img.width)


@pytest.mark.browser
def test_header_navigation(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/")
    links = [(a.get_attribute("href") or "", a.inner_text().strip()) for a in page.locator("header > a").all()]
    assert len(links) >= 6, links
    seen: dict[str, tuple[str, str]] = {}
    for href, text in links:
        page.locator(f'header > a[href="{href}"]').click()
        expect(page).to_have_url(f"{base_url}{href}")
        expect(page.locator("header > a.active")).to_have_text(text)
        h1 = page.locator("h1").first.inner_text().strip()
        assert h1, href
        seen[href] = (page.title(), h1)
    titles = [t for t, _ in seen.values()]
    headings = [h for _, h in seen.values()]
    assert len(set(titles)) == len(links), titles  # every page has its own title and heading
    assert len(set(headings)) == len(links), headings
    assert any("/static/" in u for u in watch.requests)  # the style sheet came from the app
    watch.assert_clean()


@pytest.mark.browser
def test_language_switch(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/")
    expect(page.locator("h1")).to_contain_text("城市总览")
    page.locator("header .lang a", has_text="English").click()
    expect(page.locator("h1")).to_contain_text("City overview")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header > a.active")).to_have_text("Overview")
    page.locator("header .lang a", has_text="中文").click()
    expect(page.locator("h1")).to_contain_text("城市总览")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    watch.assert_clean()


@pytest.mark.browser
def test_enterprise_filters(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/enterprises")
    everyone = _total(page)
    assert everyone == 150

    page.locator("form.filters select[name=class]").select_option("D")
    _submit_filters(page)
    assert "class=D" in page.url
    classes = _column(page, "类别")
    assert classes and set(classes) == {"D"}, classes
    assert _total(page) == len(classes) < everyone

    page.goto(f"{base_url}/enterprises")
    district = _column(page, "区县")[0]
    page.locator("form.filters select[name=district]").select_option(label=district)  # by name (issue #16)
    _submit_filters(page)
    districts = _column(page, "区县")
    assert districts and set(districts) == {district}, districts
    assert _total(page) < everyone
    expect(page.locator("form.filters select[name=district] option:checked")).to_have_text(district)
    watch.assert_clean()


@pytest.mark.browser
def test_enterprise_sorting_and_paging(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/enterprises")
    head = page.locator("table th a", has_text="二氧化碳")
    head.click()
    expect(page).to_have_url(re.compile(r"sort=co2_t&desc=true"))
    down = _numbers(_column(page, "二氧化碳（吨）"))
    head.click()
    expect(page).to_have_url(re.compile(r"sort=co2_t&desc=false"))
    up = _numbers(_column(page, "二氧化碳（吨）"))
    assert len(down) > 10 and len(up) > 10
    assert down == sorted(down, reverse=True) and up == sorted(up)
    assert up[0] < down[0]  # the order flipped

    page.goto(f"{base_url}/enterprises")
    first = _column(page, "企业")[0]
    expect(page.locator(".pager")).to_contain_text("1 / 3")
    page.locator(".pager a", has_text="›").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    expect(page.locator(".pager")).to_contain_text("2 / 3")
    assert _column(page, "企业")[0] != first
    watch.assert_clean()



@pytest.mark.browser
def test_sorting_keeps_the_filters_and_paging_the_order(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/enterprises?class=D")
    page.locator("table th a", has_text="二氧化碳").click()
    expect(page).to_have_url(re.compile(r"sort=co2_t"))
    assert set(_column(page, "类别")) == {"D"}, "sorting dropped the class filter"

    page.goto(f"{base_url}/enterprises?sort=co2_t&desc=false")
    first_page = _numbers(_column(page, "二氧化碳（吨）"))
    page.locator(".pager a", has_text="›").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    second_page = _numbers(_column(page, "二氧化碳（吨）"))
    assert second_page == sorted(second_page) and second_page[0] >= first_page[-1], "paging dropped the order"
    watch.assert_clean()

@pytest.mark.browser
def test_enterprise_page(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/enterprises")
    link = page.locator("table td a").first
    name = link.inner_text().strip()
    assert name
    link.click()
    expect(page).to_have_url(re.compile(r"/enterprises/[^/?]+$"))
    expect(page.locator("h1")).to_contain_text(name)
    page.wait_for_selector("figure.chart svg")
    assert page.locator("figure.chart svg").count() >= 1
    watch.assert_clean()


@pytest.mark.browser
def test_charts_are_drawn(page: Page, watch: Watch, base_url: str, tmp_path: Path) -> None:
    page.goto(f"{base_url}/")
    # charts are drawn by static/qingshan.js into figure.chart from the numbers the page carries
    page.wait_for_selector("figure.chart svg", state="visible")
    figure = page.locator("figure.chart").first
    svg = figure.locator("svg").first
    shot = tmp_path / "overview-chart.png"
    figure.screenshot(path=str(shot), animations="disabled")

    # the plot area: the svg's box inside the figure's screenshot
    fbox, sbox = figure.bounding_box(), svg.bounding_box()
    assert fbox and sbox and sbox["width"] > 100 and sbox["height"] > 50, (fbox, sbox)
    with Image.open(shot) as img:
        left, top = round(sbox["x"] - fbox["x"]), round(sbox["y"] - fbox["y"])
        plot = img.convert("RGB").crop((left, top, left + round(sbox["width"]), top + round(sbox["height"])))
    ink = _ink(plot)
    assert ink.colours >= 8, f"only {ink.colours} colours in the chart ({shot})"
    assert ink.drawn >= 0.005, f"only {ink.drawn:.2%} of the plot is drawn ({shot})"
    # a data series: coloured (axes and labels are grey) and across the plot, not in one corner
    assert ink.coloured >= 0.002, f"only {ink.coloured:.2%} of the plot is in colour ({shot})"
    assert ink.coloured_span >= 0.5, f"the coloured part spans {ink.coloured_span:.0%} of the width ({shot})"

    # Tooltip: the mouse goes to a point in the middle of the series with Mouse.move (a
    # transparent hover layer lies over the points and takes the pointer).
    points = svg.locator(".dot")  # each series' points, drawn in its own shape
    count = points.count()
    assert count >= 2
    box = points.nth(count // 2).bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = figure.locator(".chart-tip").first
    expect(tip).to_be_visible()
    assert re.search(r"\d", tip.inner_text()), tip.inner_text()  # a value, not an empty box
    watch.assert_clean()


@pytest.mark.browser
def test_pages_name_an_icon(page: Page, watch: Watch, base_url: str) -> None:
    # Without an icon Chromium asks for /favicon.ico and logs a 404 console error on every page.
    # Checked on the page, not by waiting for Chromium's own icon request, which comes at an
    # unpredictable time after the page has loaded.
    page.goto(f"{base_url}/")
    icons = page.locator('link[rel~="icon"]')
    href = (icons.first.get_attribute("href") if icons.count() else None) or "/favicon.ico"
    if not href.startswith("data:"):
        url = urljoin(page.url, href)
        assert urlsplit(url).hostname == "127.0.0.1", url
        assert page.request.get(url).ok, url
    watch.assert_clean()


@pytest.mark.browser
def test_chart_zoom(page: Page, watch: Watch, base_url: str) -> None:
    """Dragging across a monthly chart zooms to that range; the reset button goes back."""
    page.goto(f"{base_url}/enterprises")
    page.locator("table td a").first.click()
    page.wait_for_selector("figure.chart svg")
    figure = page.locator("figure.chart").first
    box = figure.locator("svg rect.hit").bounding_box()
    assert box
    before = figure.locator("svg text").all_inner_texts()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=6)
    page.mouse.up()
    zoom = figure.get_attribute("data-zoom") or ""
    assert re.fullmatch(r"\d{4}-\d{2}\.\.\d{4}-\d{2}", zoom), zoom
    first, last = zoom.split("..")
    assert first != last and first != before[0]
    reset = figure.locator("button.chart-reset")
    expect(reset).to_be_visible()
    reset.click()
    expect(reset).to_be_hidden()
    watch.assert_clean()


@pytest.mark.browser
def test_one_map(page: Page, watch: Watch, base_url: str, tmp_path: Path) -> None:
    """Districts, parks and every enterprise are drawn from the package; enterprises are
    coloured by class or by carbon grade; the map zooms; hover and click work."""
    doc = page.request.get(f"{base_url}/api/map").json()
    page.goto(f"{base_url}/map")
    page.wait_for_selector("#map svg")
    m = page.locator("#map")
    assert m.locator("path.district").count() == 5 and m.locator("path.park").count() == 6
    # every enterprise is a marker, or counted in a cluster of those too close to tell apart
    clustered = sum(int(n) for n in m.locator(".cluster").evaluate_all("cs => cs.map(c => c.dataset.count)"))
    assert m.locator(".firm").count() + clustered == len(doc["enterprises"])
    # each district is filled with its warning's tint and pattern (the patterns of static/qingshan.js)
    assert doc["district_colours"]
    for d, c in doc["district_colours"].items():
        assert m.locator(f'path.district[data-id="{d}"]').get_attribute("fill") == f"url(#warn-{c['colour']})", d
    by_class = m.locator(".firm").evaluate_all("cs => cs.map(c => c.getAttribute('fill'))")
    page.select_option("#colour-by", "grade")
    by_grade = m.locator(".firm").evaluate_all("cs => cs.map(c => c.getAttribute('fill'))")
    assert by_class != by_grade and m.get_attribute("data-colour") == "grade"
    shot = tmp_path / "map.png"
    m.screenshot(path=str(shot))
    with Image.open(shot) as img:
        ink = _ink(img)
    assert ink.coloured >= 0.2, f"only {ink.coloured:.1%} of the map is in colour ({shot})"
    page.locator(".map-zoom-in").click()
    assert float(m.get_attribute("data-zoom") or 0) > 1.4
    page.locator(".map-reset").click()
    assert m.get_attribute("data-zoom") == "1.00"
    first = m.locator(".firm").first.get_attribute("data-id")
    firm = next(e for e in doc["enterprises"] if e["entity_id"] == first)
    dot = m.locator(f'.firm[data-id="{firm["entity_id"]}"]')
    b = dot.bounding_box()
    assert b
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    tip = m.locator(".chart-tip")
    expect(tip).to_be_visible()
    assert firm["name"] in tip.inner_text()
    with page.expect_navigation():
        page.mouse.click(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    assert page.url.endswith(f"/enterprises/{firm['entity_id']}")
    watch.assert_clean()


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1366, 768), (2560, 1440)])
def test_pages_fit_a_laptop_and_a_large_screen(page: Page, watch: Watch, base_url: str,
                                              size: tuple[int, int]) -> None:
    """No page scrolls sideways, and charts and the map use the width they are given."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for path in ("/", "/map", "/enterprises", "/evaluation", "/targets", "/screen", "/import"):
        page.goto(f"{base_url}{path}")
        over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert over <= 0, (path, size, over)
    page.goto(f"{base_url}/map")
    page.wait_for_selector("#map svg")
    box = page.locator("#map svg").bounding_box()
    assert box and box["width"] >= 0.8 * min(size[0], 1600) - 100 and box["y"] < size[1], box
    page.goto(f"{base_url}/")
    page.wait_for_selector("figure.chart svg")
    widths = page.locator("figure.chart svg").evaluate_all("ss => ss.map(s => s.getBoundingClientRect().width)")
    assert min(widths) >= 400, widths
    watch.assert_clean()
