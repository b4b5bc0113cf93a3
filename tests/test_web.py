"""The web application in-process: every page has a JSON twin that carries the numbers the
page shows; filters, sorting and paging; OpenAPI."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qingshan.web.app import PAGES
from tests.web_city import accepted, client_of, demo_city, upload_workbook, web_city


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    d = tmp_path_factory.mktemp("web")
    return client_of(web_city(demo_city(d)))


def test_every_page_has_a_json_twin(client: TestClient) -> None:
    for name, href, _, _ in PAGES:
        page = client.get(href)
        api = client.get(f"/api/{name}")
        assert page.status_code == 200 and api.status_code == 200, name
        assert page.headers["content-type"].startswith("text/html")
        assert f"/api/{name}" in page.text


def test_overview_page_shows_the_api_numbers(client: TestClient) -> None:
    doc = client.get("/api/overview").json()
    last = doc["city"][-1]
    page = client.get("/").text
    assert f"{last['energy_tce'] / 10000:,.1f}" in page
    assert len(doc["districts"]) == 5 and all(d["unit_name"] in page for d in doc["districts"])
    assert {r["colour"] for r in doc["targets"]} <= {"red", "yellow", "green"}
    assert_offline(page)
    charts = chart_specs(page)
    energy = next(c for c in charts if c["unit"] == "吨标准煤")
    assert energy["x"] == [str(r["year"]) for r in doc["city"]]
    assert energy["series"][0]["y"] == [r["energy_tce"] for r in doc["city"]]  # the twin's numbers


def assert_offline(page: str) -> None:
    """Everything a page loads comes from this server: no CDN, no map tiles."""
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert refs and all(r.startswith(("/", "?", "#")) for r in refs), [r for r in refs if not r.startswith("/")]
    assert re.findall(r"<script[^>]*src=\"([^\"]+)\"", page) == ["/static/qingshan.js"]


def chart_specs(page: str) -> list[dict[str, Any]]:
    return [json.loads(html.unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', page)]


def test_script_and_api_docs_are_served_locally(client: TestClient) -> None:
    js = client.get("/static/qingshan.js")
    assert js.status_code == 200 and "http" not in js.text.replace("http://www.w3.org/2000/svg", "")
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load a CDN script
    api = client.get("/api").text
    assert_offline(api)
    for name, _, _, _ in PAGES:
        assert f"<code>/api/{name}</code>" in api


def test_one_map_twin(client: TestClient) -> None:
    doc = client.get("/api/map").json()
    kinds = [f["properties"]["entity_type"] for f in doc["areas"]["features"]]
    assert kinds.count("district") == 5 and kinds.count("park") == 6
    assert len(doc["enterprises"]) == 150 and all(e["lon"] and e["lat"] for e in doc["enterprises"])
    ev = {r["entity_id"]: r for r in client.get("/api/enterprises", params={"size": 500}).json()["rows"]}
    for e in doc["enterprises"]:
        assert e["class"] == ev[e["entity_id"]]["class"]
    # each district shows the worst colour of its own targets, with the numbers behind it
    latest = client.get("/api/targets").json()["latest"]
    rank = {"green": 0, "yellow": 1, "red": 2}
    for d, c in doc["district_colours"].items():
        mine = [r for r in latest if r["level"] == "district" and r["entity"] == d]
        assert mine and c["colour"] == max((r["colour"] for r in mine), key=rank.__getitem__)
        assert {t["target_id"] for t in c["targets"]} == {r["target_id"] for r in mine}
    page = client.get("/map").text
    assert_offline(page)
    embedded = json.loads(re.search(r'<script type="application/json" id="map-doc">(.*?)</script>',
                                    page, re.S).group(1))  # type: ignore[union-attr]
    assert embedded == doc  # the page draws exactly the twin's document
    assert client.get("/api/map", params={"colour": "grade"}).json()["colour"] == "grade"


def test_english_pages(client: TestClient) -> None:
    assert "City overview" in client.get("/?lang=en").text
    assert "城市总览" in client.get("/").text


def test_enterprise_list_filters_sorts_and_pages(client: TestClient) -> None:
    all_ = client.get("/api/enterprises", params={"size": 20}).json()
    assert all_["total"] == 150 and len(all_["rows"]) == 20 and all_["pages"] == 8
    energy = [r["energy_tce"] for r in all_["rows"]]
    assert energy == sorted(energy, reverse=True)
    asc = client.get("/api/enterprises", params={"sort": "co2_t", "desc": "false", "size": 500}).json()["rows"]
    co2 = [r["co2_t"] for r in asc if r["co2_t"] is not None]
    assert co2 == sorted(co2)
    d = all_["rows"][0]["district_id"]
    only = client.get("/api/enterprises", params={"district": d, "size": 500}).json()
    assert only["total"] >= 1 and {r["district_id"] for r in only["rows"]} == {d}
    cls_d = client.get("/api/enterprises", params={"class": "D", "size": 500}).json()
    assert all(r["class"] == "D" for r in cls_d["rows"])
    name = all_["rows"][3]["name"]
    found = client.get("/api/enterprises", params={"q": name[:4]}).json()
    assert any(r["name"] == name for r in found["rows"])
    last = client.get("/api/enterprises", params={"size": 20, "page": 99}).json()
    assert last["page"] == 8 and len(last["rows"]) == 150 - 7 * 20


def test_enterprise_page_and_twin(client: TestClient) -> None:
    eid = client.get("/api/enterprises").json()["rows"][0]["entity_id"]
    doc = client.get(f"/api/enterprises/{eid}").json()
    assert doc["entity_id"] == eid and doc["monthly"] and doc["yearly"]
    page = client.get(f"/enterprises/{eid}").text
    assert doc["name"] in page and doc["why"]["zh"] in page
    # monthly energy by carrier adds up to the account's monthly 综合能耗, and CO2 by carrier
    # plus process CO2 (which has no carrier) to its CO2
    by: dict[tuple[int, int], list[float]] = {}
    for r in doc["by_carrier"]:
        by.setdefault((r["year"], r["month"]), [0.0, 0.0])
        by[(r["year"], r["month"])][0] += r["energy_tce"]
        by[(r["year"], r["month"])][1] += r["co2_t"]
    for m in doc["monthly"]:
        assert by[(m["year"], m["month"])][0] == pytest.approx(m["energy_tce"], rel=1e-9, abs=1e-9)
        assert by[(m["year"], m["month"])][1] + m["co2_process_t"] == pytest.approx(m["co2_t"], rel=1e-9, abs=1e-9)
    specs = chart_specs(page)
    carriers = {r["carrier_zh"] for r in doc["by_carrier"]}
    assert {s["name"] for s in specs[0]["series"]} == carriers and len(specs[0]["x"]) == len(doc["monthly"])
    assert client.get("/api/enterprises/NOPE").status_code == 404


def test_evaluation_and_targets_twins(client: TestClient) -> None:
    ev = client.get("/api/evaluation").json()
    assert ev["scheme"]["id"] == "huaian-2024" and ev["summary"]["classes"]
    assert ev["profile"]["id"] == "demo" and ev["profile"]["selections"]["evaluation.measures"]["borrowed"]
    t = client.get("/api/targets").json()
    assert t["latest"] and t["remaining_room"]
    page = client.get("/targets").text
    for r in t["warnings"]:
        assert (r["zh"]) in page


def test_openapi_lists_every_twin(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for name, _, _, _ in PAGES:
        assert f"/api/{name}" in spec["paths"]


def test_excel_export_of_every_page(client: TestClient) -> None:
    from python_calamine import CalamineWorkbook

    for name, _, _, _ in PAGES:
        if name in ("screen", "import"):
            continue
        r = client.get(f"/api/{name}", params={"format": "xlsx"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml"), name
        import io

        wb = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
        assert wb.sheet_names, name
    wb = CalamineWorkbook.from_filelike(io.BytesIO(client.get("/api/enterprises", params={
        "format": "xlsx", "size": 10}).content))
    rows = wb.get_sheet_by_name("企业").to_python()  # Chinese by default (docs/web.md)
    assert len(rows) == 11 and "主体代码（统一社会信用代码）" in rows[0]
    wb = CalamineWorkbook.from_filelike(io.BytesIO(client.get("/api/enterprises", params={
        "format": "xlsx", "size": 10, "lang": "en"}).content))
    rows = wb.get_sheet_by_name("Enterprises").to_python()
    assert len(rows) == 11 and "entity id (unified social credit code)" in rows[0]


def test_excel_export_starts_with_the_profile(client: TestClient) -> None:
    import io

    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(client.get("/api/evaluation", params={"format": "xlsx"}).content))
    first = wb.sheet_names[0]
    assert first in ("说明", "About")
    cells = {str(c) for row in wb.get_sheet_by_name(first).to_python() for c in row}
    assert {"demo 2026.1", "huaian-2024", "shandong-2022"} <= cells


def test_screening_form_and_api(client: TestClient) -> None:
    text = (Path(__file__).parents[1] / "src" / "qingshan" / "screening" / "demo_projects"
            / "aluminium_expansion.yaml").read_text("utf-8")
    doc = client.post("/api/screen", content=text.encode("utf-8"), headers={"content-type": "text/plain"}).json()
    assert doc["result"]["verdict"] == "not_approvable" and not doc["problems"]
    page = client.post("/screen", data={"project": text}).text
    assert "不予审批" in page and "R-EFFICIENCY" in page
    # its PFCs (7.5 t CF4 x 6 500 + 0.75 t C2F6 x 9 200 = 55 650 t CO2e) beside its CO2, and the total
    fig = doc["result"]["figures"]
    assert abs(fig["non_co2_t_co2e"] - 55_650) < 1e-6 and fig["ghg_t_co2e"] == fig["co2_t"] + fig["non_co2_t_co2e"]
    assert "其他温室气体（N2O、PFC）" in page and 'id="ghg-total"' in page and "吨二氧化碳当量" in page
    en = client.post("/screen?lang=en", data={"project": text}).text
    assert "other greenhouse gases (N2O, PFCs)" in en and "tCO2e" in en
    bad = client.post("/api/screen", content=b"name: x\n", headers={"content-type": "text/plain"}).json()
    assert bad["result"] is None and {p["code"] for p in bad["problems"]} == {"X010"}


def _workbook(tmp: Path, *, break_it: bool) -> bytes:
    return upload_workbook(tmp / f"up{int(break_it)}.xlsx", break_it=break_it).read_bytes()


def test_import_a_bad_and_a_good_workbook(client: TestClient, tmp_path: Path) -> None:
    bad = client.post("/api/import", files={"file": ("bad.xlsx", _workbook(tmp_path, break_it=True))}).json()
    assert not bad["ok"] and bad["token"] is None
    assert any(p["value"] == "可燃冰" and p["row"] is not None and p["file"].startswith("bad.xlsx[")
               for p in bad["problems"])
    before = client.get("/api/enterprises").json()["total"]
    good = client.post("/api/import", files={"file": ("good.xlsx", _workbook(tmp_path, break_it=False))}).json()
    assert good["ok"] and good["token"]
    assert client.get("/api/enterprises").json()["total"] == before  # nothing changes before accepting
    done = accepted(client, good["token"])
    assert done["state"] == "done" and done["result"]["enterprises"] == 40
    assert client.get("/api/enterprises").json()["total"] == 40
    assert client.post("/api/import/accept", data={"token": good["token"]}).status_code == 404


def test_an_accepted_upload_keeps_the_city_s_settings(tmp_path: Path) -> None:
    """The new data are opened exactly as the old ones were: same profile, same factor-set
    override, same store; the package file is replaced only once the new city is computed."""
    from qingshan.city import City
    from qingshan.web.city import WebCity

    d = demo_city(tmp_path / "c")
    web = WebCity.start(City.open(d, factor_set="cn-ets"))
    c = client_of(web)
    good = c.post("/api/import", files={"file": ("good.xlsx", _workbook(tmp_path, break_it=False))}).json()
    assert accepted(c, good["token"])["state"] == "done"
    assert web.city.factor_set.name == "cn-ets" and web.city.profile.id == "demo"
    # the upload is version 2 of the history (version 1 is the package it replaced)
    assert web.city.package_path == d / "history" / "0002" / "package.xlsx" and web.city.package_path.exists()
    assert not list((d / "history").glob(".tmp-*")) and not list((d / "uploads").iterdir())  # nothing left
    assert c.get("/api/accounts?year=2023").json()["factor_set"]["name"] == "cn-ets"


def test_response_cache_serves_the_same_answer_and_forgets_on_new_data() -> None:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    from qingshan.web.cache import ResponseCache

    calls = {"n": 0}
    version = {"v": 0}
    inner = FastAPI()

    @inner.get("/x")
    def x(q: str = "") -> PlainTextResponse:
        calls["n"] += 1
        return PlainTextResponse(f"{q}:{calls['n']}:" + "y" * 100)

    @inner.get("/missing")
    def missing() -> PlainTextResponse:
        calls["n"] += 1
        return PlainTextResponse("no", status_code=404)

    cache = ResponseCache(inner, lambda: version["v"], max_bytes=250, max_entry_bytes=200)  # two bodies fit
    c = TestClient(cache)  # type: ignore[arg-type]
    first = c.get("/x?q=a").text
    assert c.get("/x?q=a").text == first and calls["n"] == 1  # served from the cache
    assert c.get("/x?q=b").text.startswith("b:2:")  # the query string is part of the key
    c.get("/missing")
    c.get("/missing")
    assert calls["n"] == 4  # errors are not kept
    version["v"] = 1  # an accepted upload
    assert c.get("/x?q=a").text.startswith("a:5:")
    c.get("/x?q=c")
    c.get("/x?q=d")  # bounded: the least recently used entry (a) goes first
    assert [k[1] for k in cache.entries] == [b"q=c", b"q=d"] and cache.size <= 250
    assert c.get("/x?q=a").text.startswith("a:8:")
    assert (cache.hits, cache.misses) == (1, 8)


def test_simultaneous_requests_for_one_page_build_it_once() -> None:
    """Single flight: ten requests for one key arriving while its answer is built wait for
    that build and get its answer; a request for another key does not wait."""
    import asyncio

    from qingshan.web.cache import ResponseCache

    calls: list[str] = []
    release = asyncio.Event()

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        if scope["path"] == "/slow":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": f"{scope['path']}:{len(calls)}".encode()})

    cache = ResponseCache(inner, lambda: 0)

    async def get(path: str) -> bytes:
        sent: list[Any] = []

        async def send(message: Any) -> None:
            sent.append(message)

        async def receive() -> Any:
            return {"type": "http.request"}

        await cache({"type": "http", "method": "GET", "path": path, "query_string": b""}, receive, send)
        return bytes(next(m["body"] for m in sent if m["type"] == "http.response.body"))

    async def main() -> list[bytes]:
        slow = [asyncio.create_task(get("/slow")) for _ in range(10)]
        await asyncio.sleep(0.01)
        other = await get("/other")  # not held up by /slow's build
        assert other == b"/other:2"
        release.set()
        return list(await asyncio.gather(*slow))

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # a loop of its own: another test's may be running in this thread
        bodies = pool.submit(lambda: asyncio.run(main())).result()
    assert calls == ["/slow", "/other"] and set(bodies) == {b"/slow:2"}  # one build, made after /other
    assert (cache.hits, cache.misses) == (9, 2)
