"""The one-map as a map, the LMDI page and the targets' schedule, in Chromium (issue #16,
items 7, 4 and 2): dragging pans and never navigates, a click opens; districts and parks
are labelled and open their pages; the legend says what each colour and shape means;
clustered enterprises open by zooming; the view downloads as SVG; "which district drags the
city?" is answered by clicking; the schedule (进度目标) is drawn as a dashed line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import Watch

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def _centre(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _free_point(page: Page, district: str) -> tuple[float, float]:
    """A point inside the district's shape that no marker, cluster or park covers."""
    found = page.evaluate(
        """(id) => {
          const d = document.querySelector(`#map path.district[data-id="${id}"]`);
          const b = d.getBoundingClientRect();
          for (let i = 1; i < 24; i++) for (let j = 1; j < 24; j++) {
            const x = b.left + (b.width * i) / 24, y = b.top + (b.height * j) / 24;
            if (document.elementFromPoint(x, y) === d) return [x, y];
          }
          return null;
        }""", district)
    assert found, district
    return float(found[0]), float(found[1])


def test_dragging_pans_the_map_and_a_click_opens(page: Page, watch: Watch, base_url: str) -> None:
    doc = page.request.get(f"{base_url}/api/map").json()
    page.goto(f"{base_url}/map")
    page.wait_for_selector("#map svg .firm, #map svg .cluster")
    m = page.locator("#map")
    district = next(f["properties"] for f in doc["areas"]["features"] if f["properties"]["entity_type"] == "district")
    x, y = _free_point(page, district["entity_id"])
    before = page.locator("#map g.areas").get_attribute("transform")
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 11):  # a drag that starts and ends inside districts
        page.mouse.move(x + 12 * k, y + 6 * k)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert page.url == f"{base_url}/map", "a drag navigated"
    assert page.locator("#map g.areas").get_attribute("transform") != before  # it panned
    # zoomed in, a drag still pans and opens nothing
    page.locator(".map-zoom-in").click()
    assert float(m.get_attribute("data-zoom") or 0) > 1.4
    x, y = _free_point(page, district["entity_id"])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 60, y - 30, steps=8)
    page.mouse.up()
    page.wait_for_timeout(300)
    assert page.url == f"{base_url}/map"
    page.locator(".map-reset").click()
    assert m.get_attribute("data-zoom") == "1.00"
    # a click (press and release in place) opens the district's page
    x, y = _free_point(page, district["entity_id"])
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert page.url == f"{base_url}/districts/{district['entity_id']}"
    watch.assert_clean()


def test_districts_and_parks_are_labelled_and_parks_open(page: Page, watch: Watch, base_url: str) -> None:
    doc = page.request.get(f"{base_url}/api/map").json()
    page.goto(f"{base_url}/map")
    page.wait_for_selector("#map svg text.label")
    areas = {f["properties"]["entity_id"]: f["properties"] for f in doc["areas"]["features"]}
    districts = {i: p["name"] for i, p in areas.items() if p["entity_type"] == "district"}
    labels = page.locator("#map text.label.district")
    assert {labels.nth(i).get_attribute("data-id"): labels.nth(i).text_content() for i in range(labels.count())} \
        == districts
    parks = page.locator("#map text.label.park")
    assert parks.count() >= 1 and all(areas[parks.nth(i).get_attribute("data-id") or ""]["name"]
                                      == parks.nth(i).text_content() for i in range(parks.count()))
    park = next(i for i, p in areas.items() if p["entity_type"] == "park")
    shape = page.locator(f'#map path.park[data-id="{park}"]')
    assert shape.get_attribute("role") == "link"
    shape.focus()  # keyboard: Enter opens it (the pointer would hit the markers inside)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base_url}/parks/{park}"
    watch.assert_clean()


def test_the_legend_says_what_colours_and_shapes_mean(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/map")
    legend = page.locator("#map-legend")
    legend.locator("li").first.wait_for()
    text = legend.inner_text()
    for words in ("A 类：评价最高", "D 类：评价最低", "红色（斜线）：一级预警", "黄色（圆点）：二级预警",
                  "绿色（无纹理）：达到或超过进度目标", "园区边界", "未评价"):
        assert words in text, words
    # the warnings are patterns as well as tints, and each class has its own shape
    fills = page.locator("#map path.district").evaluate_all(
        "ps => ps.map(p => [p.dataset.warning, p.getAttribute('fill')])")
    for warning, fill in fills:
        assert fill == ("#eef1f0" if warning == "none" else f"url(#warn-{warning})")
    shapes = set(page.locator("#map .firm").evaluate_all("fs => fs.map(f => f.dataset.shape)"))
    assert len(shapes) >= 3
    page.select_option("#colour-by", "grade")
    assert "1 级：碳效最优" in legend.inner_text() and page.locator("#map").get_attribute("data-colour") == "grade"
    page.goto(f"{base_url}/map?lang=en")
    legend.locator("li").first.wait_for()
    assert "D: bottom, strictest measures" in legend.inner_text() and "红色" not in legend.inner_text()
    watch.assert_clean()


def test_clustered_enterprises_open_by_zooming(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/map")
    page.wait_for_selector("#map svg .firm, #map svg .cluster")
    m = page.locator("#map")
    drawn = page.evaluate("""() => [...document.querySelectorAll('#map .firm')].length +
        [...document.querySelectorAll('#map .cluster')].reduce((n, c) => n + Number(c.dataset.count), 0)""")
    total = len(page.request.get(f"{base_url}/api/map").json()["enterprises"])
    assert drawn == total  # every enterprise is a marker or counted in a cluster
    if page.locator("#map .cluster").count() == 0:
        pytest.skip("no enterprises close enough to cluster in this city")
    cluster = page.locator("#map .cluster").first
    ids = (cluster.get_attribute("data-ids") or "").split()
    cluster.hover()
    assert "家企业" in m.locator(".chart-tip").inner_text()
    cluster.click()
    assert float(m.get_attribute("data-zoom") or 0) > 1.5  # a click on a cluster zooms, never navigates
    assert page.url == f"{base_url}/map"
    for _ in range(6):  # zoom until the cluster's enterprises stand apart (or are listed)
        if page.locator(f'#map .firm[data-id="{ids[0]}"]').count() or page.locator("#map-list li").count():
            break
        page.locator(f'#map .cluster[data-ids~="{ids[0]}"]').first.click()
    assert page.locator(f'#map .firm[data-id="{ids[0]}"]').count() or page.locator("#map-list li").count()
    watch.assert_clean()


def test_the_map_view_downloads_as_svg_with_its_legend(page: Page, watch: Watch, base_url: str) -> None:
    page.goto(f"{base_url}/map")
    page.wait_for_selector("#map svg .firm, #map svg .cluster")
    with page.expect_download() as caught:
        page.locator(".map-export").click()
    download = caught.value
    assert download.suggested_filename.endswith(".svg")
    path = download.path()
    assert path
    with open(path, encoding="utf-8") as f:
        svg = f.read()
    assert svg.startswith("<?xml") and "<svg" in svg and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "一级预警" in svg and "A 类：评价最高" in svg and "warn-red" in svg
    watch.assert_clean()


def test_which_district_drags_the_city_by_clicking(page: Page, watch: Watch, base_url: str) -> None:
    doc = page.request.get(f"{base_url}/api/lmdi?by=district").json()
    top = doc["drivers"]["co2"]["largest_change"]
    page.goto(f"{base_url}/")
    with page.expect_navigation():
        page.locator("#lmdi-link").click()
    assert "/lmdi" in page.url
    page.wait_for_selector("figure.chart g.bar")
    assert top["name"] in page.locator("#driver-co2").inner_text()
    first = page.locator("figure.chart").first.locator("g.bar.link").first
    assert first.get_attribute("data-label") == top["name"]  # the longest bar is listed first
    first.hover()
    assert top["name"] in page.locator("figure.chart .chart-tip").first.inner_text()
    with page.expect_navigation():
        first.click()
    assert page.url.endswith(f"/districts/{top['code']}")
    # and, from the district's page, which industries drive it
    with page.expect_navigation():
        page.locator("#lmdi-link").click()
    assert f"district={top['code']}" in page.url and top["name"] in page.locator("h1").inner_text()
    page.select_option("#from", "2021")
    with page.expect_navigation():
        page.locator("#lmdi-apply").click()
    assert "from=2021" in page.url and "2021–2023" in page.locator("h1").inner_text()
    watch.assert_clean()


def test_the_schedule_is_drawn_dashed_beside_the_actual_values(page: Page, watch: Watch, base_url: str) -> None:
    targets = page.request.get(f"{base_url}/api/targets").json()
    with_schedule = {r["target_id"] for r in targets["schedule"]}
    page.goto(f"{base_url}/targets")
    page.wait_for_selector("#schedules path.line.schedule")
    lines = page.locator("#schedules path.line.schedule")
    assert lines.count() == len(with_schedule)
    assert lines.first.get_attribute("stroke-dasharray") == "7 4"
    assert (lines.first.get_attribute("d") or "").count("L") >= 2  # base year to target year
    page.goto(f"{base_url}/?lang=en")
    page.wait_for_selector("#schedules path.line.schedule")
    assert "schedule (time-proportional)" in page.locator("#schedules").inner_text()
    watch.assert_clean()
