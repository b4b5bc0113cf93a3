"""Analysis in the browser (issue #16, items 4 and 2): the LMDI page and the pathways page,
each rendered from the document of its JSON twin, in both languages, open to the city's
users only (as their twins); and the targets' time-proportional schedule (进度目标) that
the targets, overview and level pages draw."""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qingshan.app import audit, database, organisations, users
from qingshan.app.organisations import tree_paths
from qingshan.city import City
from qingshan.web.app import create_app
from qingshan.web.city import WebCity
from tests.web_city import client_of, demo_city, web_city, with_csrf

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_city(tmp_path_factory.mktemp("analysis"))


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    return client_of(web_city(folder))


def api(client: TestClient, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, (url, r.text[:300])
    return r.json()


def page(client: TestClient, url: str, status: int = 200) -> str:
    r = client.get(url, headers=HTML)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    return r.text


def visible(text: str) -> str:
    text = re.sub(r"<script.*?</script>", " ", text, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", text))


def charts(text: str) -> list[dict[str, Any]]:
    """The chart specifications a page carries (``data-chart``)."""
    return [json.loads(html_lib.unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', text)]


# ---- LMDI ------------------------------------------------------------------------------

def test_the_lmdi_twin_names_each_district_and_its_effects_add_up(client: TestClient) -> None:
    doc = api(client, "/api/lmdi?from=2020&to=2023&by=district")
    assert (doc["from"], doc["to"], doc["by"], doc["district"]) == (2020, 2023, "district", None)
    sectors = doc["sectors"]
    districts = {r["code"]: r["name"] for r in api(client, "/api/overview")["level"]["below"]["rows"]}
    assert {s["code"] for s in sectors} <= set(districts) and len(sectors) >= 3
    for s in sectors:  # by name, never a bare code
        assert s["name"] == districts[s["code"]] and not s["name"].isdigit()
    for q, effects in (("energy", ("activity", "structure", "intensity")),
                       ("co2", ("activity", "structure", "intensity", "mix", "emission_factor"))):
        summary = doc[q]["summary"]
        total = sum(summary["additive"].values()) + summary["not_decomposed"]
        assert math.isclose(total, summary["change"], rel_tol=1e-9, abs_tol=1e-3)
        for k in effects:  # each sector's effects are its cells' sums, and they make the city's
            assert math.isclose(sum(s[q][k] for s in sectors), summary["additive"][k], rel_tol=1e-9, abs_tol=1e-3)
        assert [e["effect"] for e in doc["effects"] if e[q] is not None] == list(effects)
    changes = [s["co2"]["change"] for s in sectors]
    assert changes == sorted(changes, reverse=True)  # the largest increase first
    top = doc["drivers"]["co2"]["largest_change"]
    assert top["code"] == sectors[0]["code"] and top["name"] == sectors[0]["name"]


def test_the_lmdi_defaults_are_the_first_and_last_data_years(client: TestClient) -> None:
    doc = api(client, "/api/lmdi")
    assert (doc["from"], doc["to"], doc["by"]) == (2020, 2023, "industry")
    assert all(not s["name"].isdigit() for s in doc["sectors"])  # GB/T 4754 names


def test_the_lmdi_page_is_its_twin_in_both_languages(client: TestClient) -> None:
    doc = api(client, "/api/lmdi?from=2020&to=2023&by=district")
    zh = page(client, "/lmdi?from=2020&to=2023&by=district")
    assert 'id="twin">/api/lmdi?from=2020&amp;to=2023&amp;by=district<' in zh
    top = doc["drivers"]["co2"]["largest_change"]
    driver = re.search(r'<p id="driver-co2">(.*?)</p>', zh, re.S)
    assert driver and top["name"] in driver.group(1) and f'href="/districts/{top["code"]}"' in driver.group(1)
    assert "推高二氧化碳最多的区县" in visible(zh) and "规模效应" in visible(zh)
    for s in doc["sectors"]:  # every district linked by name, and its decomposition by industry
        assert f'<a href="/districts/{s["code"]}">{s["name"]}</a>' in zh
        assert f'/lmdi?from=2020&amp;to=2023&amp;by=industry&amp;district={s["code"]}' in zh
    bars = [c for c in charts(zh) if c.get("type") == "bars"]
    assert len(bars) == 2 and [r["label"] for r in bars[0]["rows"]] == [s["name"] for s in doc["sectors"]]
    assert bars[0]["rows"][0]["href"] == f"/districts/{top['code']}"
    assert math.isclose(bars[0]["rows"][0]["total"], doc["sectors"][0]["co2"]["change"])
    en = page(client, "/lmdi?from=2020&to=2023&by=district&lang=en")
    assert "The district adding most CO2" in visible(en) and "activity (value added)" in visible(en)
    assert "规模效应" not in visible(en) and "推高" not in visible(en)
    assert f'/districts/{top["code"]}?lang=en' in en


def test_a_districts_page_links_to_its_decomposition_by_industry(client: TestClient) -> None:
    code = api(client, "/api/lmdi?by=district")["sectors"][0]["code"]
    level = page(client, f"/districts/{code}")
    assert f'href="/lmdi?by=industry&amp;district={code}" id="lmdi-link"' in level
    doc = api(client, f"/api/lmdi?by=industry&district={code}")
    city = api(client, "/api/lmdi?by=district")
    mine = next(s for s in city["sectors"] if s["code"] == code)
    assert doc["district"]["code"] == code and doc["by"] == "industry"
    by_name = api(client, f"/api/lmdi?by=industry&district={doc['district']['name']}")  # a name as the filters take
    assert by_name["district"]["code"] == code and by_name["sectors"] == doc["sectors"]
    # the district's change by industry is its change in the city's decomposition by district
    assert math.isclose(doc["energy"]["summary"]["change"], mine["energy"]["change"], rel_tol=1e-9)
    text = visible(page(client, f"/lmdi?by=industry&district={code}"))
    assert doc["district"]["name"] in text and "按行业（本区县之内）" in text
    assert "/" in visible(page(client, "/")) and 'id="lmdi-link"' in page(client, "/")


def test_bad_lmdi_parameters_are_refused_with_a_reason(client: TestClient) -> None:
    for url, status, words in (("/api/lmdi?by=park", 422, "by must be one of"),
                               ("/api/lmdi?from=2023&to=2020", 422, "must be before"),
                               ("/api/lmdi?from=1999", 422, "not in the data"),
                               ("/api/lmdi?by=district&district=459904", 422, "by industry"),
                               ("/api/lmdi?by=industry&district=nowhere", 404, "no district")):
        r = client.get(url)
        assert r.status_code == status and words in r.json()["detail"], (url, r.text)
    assert client.get("/lmdi?by=park", headers=HTML).status_code == 422


# ---- pathways --------------------------------------------------------------------------

def test_the_pathways_page_shows_each_scenarios_peak_and_bands(client: TestClient) -> None:
    doc = api(client, "/api/pathways")
    assert [s["id"] for s in doc["scenarios"]] == ["baseline", "policy"]  # every shipped one by default
    assert doc == api(client, "/api/pathways?scenario=baseline&scenario=policy")
    zh = page(client, "/pathways")
    assert 'id="twin">/api/pathways?scenario=baseline&amp;scenario=policy<' in zh
    for sc in doc["scenarios"]:
        row = re.search(rf'<tr data-scenario="{sc["id"]}">(.*?)</tr>', zh, re.S)
        assert row and sc["zh"] in row.group(1)
        assert f'<td class="n peak-year">{sc["summary"]["co2_peak_year"]}</td>' in row.group(1)
    co2 = next(c for c in charts(zh) if c["title"].startswith("二氧化碳排放路径"))
    assert [s["name"] for s in co2["series"]] == [s["zh"] for s in doc["scenarios"]]
    base = doc["scenarios"][0]["years"]
    assert co2["bands"][0]["lo"][-1] == base[-1]["co2_t_p5"] and co2["bands"][0]["hi"][-1] == base[-1]["co2_t_p95"]
    en = page(client, "/pathways?lang=en&scenario=policy")
    assert "Pathways and scenarios" in visible(en) and "基准情景" not in visible(en)
    # every shipped scenario is offered by its name in the page's language, the unchosen too
    form = re.search(r'<form class="controls" method="get" id="pathways-form">.*?</form>', en, re.S)
    assert form and doc["scenarios"][0]["en"] in visible(form.group(0)) and "baseline" not in visible(form.group(0))
    zh_one = re.search(r'<form class="controls" method="get" id="pathways-form">.*?</form>',
                       page(client, "/pathways?scenario=policy"), re.S)
    assert zh_one and doc["scenarios"][0]["zh"] in visible(zh_one.group(0))
    assert not re.search(r"[A-Za-z]{3,}", visible(zh_one.group(0)))
    assert 'id="twin">/api/pathways?scenario=policy<' in en
    for url in ("/api/pathways?scenario=../x", "/api/pathways?scenario=policy&scenario=policy"):
        assert client.get(url).status_code == 422


# ---- the schedule (进度目标) -------------------------------------------------------------

def test_the_targets_schedule_is_time_proportional_and_drawn_dashed(client: TestClient) -> None:
    doc = api(client, "/api/targets")
    rows = doc["schedule"]
    assert rows
    for t in doc["targets"]:
        mine = [r for r in rows if r["target_id"] == t["id"]]
        if not mine:
            continue
        assert [r["year"] for r in mine] == list(range(t["base_year"], t["target_year"] + 1))
        base = mine[0]["required_value"]
        assert mine[0]["required_change"] == 0 and mine[0]["value"] == base
        r = t["target_change"]
        for row in mine:
            f = (row["year"] - t["base_year"]) / (t["target_year"] - t["base_year"])
            assert math.isclose(row["required_change"], r * f, abs_tol=1e-12)
            assert math.isclose(row["required_value"], base * (1 + r * f), rel_tol=1e-12)
        latest = next(x for x in doc["latest"] if x["target_id"] == t["id"])
        now = next(x for x in mine if x["year"] == latest["year"])
        assert math.isclose(now["required_change"], latest["required_change"], abs_tol=1e-12)
        assert math.isclose(now["value"], latest["value"], rel_tol=1e-12)
    for url, lang in (("/targets", "zh"), ("/targets?lang=en", "en")):
        drawn = [c for c in charts(page(client, url)) if any(s.get("dash") for s in c["series"])]
        assert len(drawn) == len({r["target_id"] for r in rows})
        name = "进度目标（按时序进度）" if lang == "zh" else "schedule (time-proportional)"
        assert drawn[0]["series"][1]["name"] == name


def test_the_overview_and_a_districts_page_draw_their_own_targets_schedule(client: TestClient) -> None:
    overview = api(client, "/api/overview")
    assert {r["target_id"] for r in overview["schedule"]} == {t["target_id"] for t in overview["targets"]}
    assert any(any(s.get("dash") for s in c["series"]) for c in charts(page(client, "/")) if "series" in c)
    targets = api(client, "/api/targets")
    district = next(t for t in targets["targets"] if t["level"] == "district")
    level = api(client, f"/api/districts/{district['entity']}")
    assert {r["target_id"] for r in level["schedule"]} == {district["id"]}
    drawn = [c for c in charts(page(client, f"/districts/{district['entity']}"))
             if any(s.get("dash") for s in c.get("series", []))]
    assert len(drawn) == 1 and drawn[0]["title"] == district["zh"]


# ---- scope -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TestClient]]:
    """An analyst of the city and a viewer of a district, signed in."""
    d = demo_city(tmp_path_factory.mktemp("analysis-scope"))
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
    paths = tree_paths(units)
    city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    district = sorted(c for c, (u, _, _) in paths.items() if u.kind == "district")[0]
    actor = audit.Actor("cli:test", role="administrator")
    with database.session(url) as s:
        organisations.sync(s, units, actor)
        users.add_user(s, actor, "city-analyst", city_code, ["analyst"], password="Temporary-pass-1")
        users.add_user(s, actor, "district-viewer", district, ["viewer"], password="Temporary-pass-1")
    password = "Analysis-pass-2026"
    with database.session(url) as s:
        for name in ("city-analyst", "district-viewer"):
            users.change_password(s, name, "Temporary-pass-1", password)
    web = WebCity.start(City.open(d))
    out = {}
    for name in ("city-analyst", "district-viewer"):
        c = with_csrf(TestClient(create_app(web), follow_redirects=False))
        assert c.post("/login", data={"username": name, "password": password, "next": "/"}).status_code == 303
        out[name] = with_csrf(c)
    yield out


def test_the_analysis_pages_are_the_city_users_as_their_twins(signed: dict[str, TestClient]) -> None:
    for url in ("/lmdi", "/api/lmdi", "/pathways", "/api/pathways", "/lmdi?lang=en", "/api/lmdi?format=xlsx"):
        assert signed["city-analyst"].get(url).status_code == 200, url
    for url in ("/pathways", "/api/pathways", "/api/lmdi?format=xlsx"):
        refused = signed["district-viewer"].get(url)
        assert refused.status_code == 403 and ("whole city" in refused.text or "download" in refused.text), url


def test_a_district_user_sees_its_own_districts_decomposition_and_no_other(signed: dict[str, TestClient]) -> None:
    """A district's user opens the LMDI of its own district by industry (its default), the
    same document the city's analyst gets for that district; the city's split by district
    is refused (403), another district is as unknown as one that does not exist (404)."""
    mine_client, city_client = signed["district-viewer"], signed["city-analyst"]
    own = api(mine_client, "/api/overview")["unit"]["code"]
    districts = [s["code"] for s in api(city_client, "/api/lmdi?by=district")["sectors"]]
    other = next(c for c in districts if c != own)
    mine = api(mine_client, "/api/lmdi")
    assert mine["by"] == "industry" and mine["district"]["code"] == own
    theirs = api(city_client, f"/api/lmdi?by=industry&district={own}")
    assert mine["effects"] == theirs["effects"] and mine["sectors"] == theirs["sectors"]
    same = api(mine_client, f"/api/lmdi?district={own}&from={mine['from']}&to={mine['to']}")
    assert same["effects"] == mine["effects"]
    # the district's change is its own, not the city's: the city's CO2 base is larger
    whole = api(city_client, "/api/lmdi?by=industry")
    assert mine["co2"]["summary"]["base"] < whole["co2"]["summary"]["base"]
    for url in ("/api/lmdi?by=district", "/lmdi?by=district"):
        r = mine_client.get(url)
        assert r.status_code == 403 and "your own district" in r.text, url
    for url in (f"/api/lmdi?district={other}", f"/lmdi?by=industry&district={other}"):
        assert mine_client.get(url).status_code == 404, url
    html = page(mine_client, "/lmdi")
    assert f'name="district" value="{own}"' in html and "by=district" not in html  # no link to the city's split
    assert page(mine_client, "/lmdi?lang=en").count("by industry (within the district)") == 1
    assert f"district={own}" in page(mine_client, "/")  # the overview links to it
    assert f"district={own}" in page(mine_client, f"/districts/{own}")
