"""The drill-down (issue #16): city, district, park, industry and enterprise pages with names,
breadcrumbs, links up and down and the same panels, each a JSON twin; year and scheme
controls for every year the data hold; money by group that adds up; filters by name; no
internal codes or decimal counts on Chinese pages; errors as pages."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qingshan.documents.evaluation import known_schemes
from tests.web_city import client_of, demo_city, web_city

HTML = {"accept": "text/html"}
LINJIANG = "临江县"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return client_of(web_city(demo_city(tmp_path_factory.mktemp("levels"))))


def api(client: TestClient, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, (url, r.text[:300])
    return r.json()


def page(client: TestClient, url: str, status: int = 200) -> str:
    r = client.get(url, headers=HTML)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def visible(html: str) -> str:
    """The text a reader sees: tags, attributes and the page's JSON left out."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def district_code(client: TestClient, name: str = LINJIANG) -> str:
    rows = api(client, "/api/overview")["level"]["below"]["rows"]
    return str(next(r["code"] for r in rows if r["name"] == name))


def test_each_level_has_a_page_and_a_json_twin_with_names_and_breadcrumbs(client: TestClient) -> None:
    city = api(client, "/api/overview")["level"]
    assert city["unit"]["kind"] == "city" and [s["kind"] for s in city["breadcrumbs"]] == ["city"]
    district = district_code(client)
    d = api(client, f"/api/districts/{district}")
    assert d["unit"]["name"] == LINJIANG and [s["kind"] for s in d["breadcrumbs"]] == ["city", "district"]
    assert d["parent"]["kind"] == "city" and d["below"]["kind"] == "park"
    html = page(client, f"/districts/{district}")
    assert LINJIANG in html and 'href="/"' in html  # the way up to the city
    park = next(r for r in d["below"]["rows"] if r["code"] != "-")
    assert f'href="/parks/{park["code"]}"' in html and park["name"] in html  # and down to its parks
    p = api(client, f"/api/parks/{park['code']}")
    assert [s["code"] for s in p["breadcrumbs"]] == [city["unit"]["code"], district, park["code"]]
    assert p["parent"]["code"] == district and p["below"]["kind"] == "enterprise"
    html = page(client, f"/parks/{park['code']}")
    assert f'href="/districts/{district}"' in html and park["name"] in html
    firm = p["below"]["rows"][0]
    assert f'href="/enterprises/{firm["entity_id"]}"' in html
    e = api(client, f"/api/enterprises/{firm['entity_id']}")
    assert e["district_name"] == LINJIANG and e["park_name"] == park["name"]
    assert [s["kind"] for s in e["breadcrumbs"]] == ["city", "district", "park", "enterprise"]
    html = page(client, f"/enterprises/{firm['entity_id']}")
    assert f'href="/districts/{district}"' in html and f'href="/parks/{park["code"]}"' in html
    div = str(firm["industry_division"])
    i = api(client, f"/api/industries/{div}")
    assert i["unit"]["name"] and not i["unit"]["name"].isdigit() and i["parent"]["kind"] == "city"
    assert i["unit"]["name_en"] in page(client, f"/industries/{div}?lang=en")
    for url in (f"/api/districts/{district}", f"/api/parks/{park['code']}", f"/api/industries/{div}"):
        twin = page(client, url.replace("/api", ""))
        assert f'id="twin">{url}<' in twin  # the page names its JSON twin


def test_the_same_panels_at_every_level_and_parts_add_up(client: TestClient) -> None:
    city = api(client, "/api/overview")["level"]
    keys = {"figures", "previous", "change", "parent", "classes", "grades", "measures", "targets", "below", "series"}
    total = city["figures"]
    assert sum(r["energy_tce"] for r in city["below"]["rows"]) == pytest.approx(total["energy_tce"], rel=1e-9)
    assert sum(r["enterprises"] for r in city["below"]["rows"]) == total["enterprises"]
    assert sum(city["classes"].values()) <= total["enterprises"]
    for row in city["below"]["rows"]:
        d = api(client, f"/api/districts/{row['code']}")
        assert keys <= set(d)
        assert d["figures"]["energy_tce"] == pytest.approx(row["energy_tce"], rel=1e-12)
        assert d["parent"]["share"]["energy_tce"] == pytest.approx(row["energy_tce"] / total["energy_tce"])
        parks = d["below"]["rows"]  # its parks and the enterprises outside them
        assert sum(r["enterprises"] for r in parks) == d["figures"]["enterprises"]
        assert sum(r["co2_t"] for r in parks) == pytest.approx(d["figures"]["co2_t"], rel=1e-9)
        # the page shows the twin's numbers, with units in Chinese
        html = page(client, f"/districts/{row['code']}")
        assert f"{d['figures']['energy_tce'] / 10000:,.2f} 万吨标准煤" in html
        assert f"{d['figures']['energy_per_va']:,.3f} 吨标准煤/万元" in html
    prev = city["previous"]
    assert city["change"]["energy_tce"] == pytest.approx(total["energy_tce"] / prev["energy_tce"] - 1)


def test_every_year_the_data_hold_works_on_every_page(client: TestClient) -> None:
    """?year=2020, the first data year, answered 500 (issue #16): now every page of every
    year is a page, and the evaluation of the first year says why it cannot be given."""
    years = api(client, "/api/overview")["level"]["years"]
    district = district_code(client)
    d = api(client, f"/api/districts/{district}")
    park = next(r["code"] for r in d["below"]["rows"] if r["code"] != "-")
    firm = api(client, "/api/enterprises?size=1")["rows"][0]["entity_id"]
    for year in years:
        for url in ("/", f"/districts/{district}", f"/parks/{park}", "/industries/26", "/enterprises",
                    f"/enterprises/{firm}", "/measures", "/map", "/targets"):
            sep = "&" if "?" in url else "?"
            page(client, f"{url}{sep}year={year}")
            if url not in ("/map", "/targets"):
                api(client, f"/api{url if url != '/' else '/overview'}{sep}year={year}")
        ev = client.get(f"/evaluation?year={year}", headers=HTML)
        assert ev.status_code in (200, 422) and ev.headers["content-type"].startswith("text/html")
        if ev.status_code == 422:  # the first year: a page that says why, with the year selector
            assert year == years[0] and 'id="refusal"' in ev.text and 'id="years"' in ev.text
            assert "{&#34;detail&#34;" not in ev.text and '{"detail"' not in ev.text
            note = api(client, f"/api/districts/{district}?year={year}")["evaluation_note"]
            assert note and str(year) in note["zh"]
    assert client.get("/api/districts/x?year=1999").status_code == 422


def test_money_by_group_adds_up_for_every_year_and_scheme(client: TestClient) -> None:
    """The surcharges of every grouping sum to the total, which is the evaluation's; the
    enterprise list's totals and the level pages agree with the groups."""
    years = api(client, "/api/overview")["level"]["years"]
    for year in years:
        for scheme in [None, *known_schemes()]:
            q = f"?year={year}" + (f"&scheme={scheme}" if scheme else "")
            m = api(client, f"/api/measures{q}")
            if m["total_yuan"] is None:
                continue
            for kind, rows in m["groups"].items():
                assert sum(r["amount_yuan"] or 0.0 for r in rows) == pytest.approx(m["total_yuan"], rel=1e-12), kind
                assert sum(r["enterprises"] for r in rows) == m["enterprises"], kind
                assert sum(r["charged"] for r in rows) == m["charged"], kind
            ev = client.get(f"/api/evaluation{q}")
            if ev.status_code == 200:
                assert m["total_yuan"] == pytest.approx(ev.json()["summary"]["measures_total_yuan"], rel=1e-12)
    m = api(client, "/api/measures")
    for row in m["groups"]["district"]:
        listed = api(client, f"/api/enterprises?district={row['code']}&size=1")["totals"]
        assert (listed["measures_yuan"] or 0.0) == pytest.approx(row["amount_yuan"] or 0.0, rel=1e-12)
        level = api(client, f"/api/districts/{row['code']}")["measures"]
        assert (level["total_yuan"] or 0.0) == pytest.approx(row["amount_yuan"] or 0.0, rel=1e-12)
    by_class = {r["code"]: r for r in m["groups"]["class"]}
    d = api(client, "/api/enterprises?class=D&size=500")
    assert d["totals"]["measures_yuan"] == pytest.approx(by_class["D"]["amount_yuan"], rel=1e-12)
    assert math.isclose(sum(r["measures_yuan"] or 0.0 for r in d["rows"]), d["totals"]["measures_yuan"])


def test_the_enterprise_list_filters_by_names_and_keeps_them_in_the_url(client: TestClient) -> None:
    code = district_code(client)
    by_name = api(client, f"/api/enterprises?district={LINJIANG}&class=D&size=500")
    by_code = api(client, f"/api/enterprises?district={code}&class=D&size=500")
    assert by_name["rows"] == by_code["rows"] and by_name["total"] == by_code["total"]
    assert all(r["district_name"] == LINJIANG and r["class"] == "D" for r in by_name["rows"])
    assert by_name["totals"]["measures_yuan"] == pytest.approx(sum(r["measures_yuan"] or 0 for r in by_name["rows"]))
    searched = api(client, f"/api/enterprises?q={LINJIANG}&size=500")
    assert searched["total"] >= by_name["total"] and any(r["district_name"] == LINJIANG for r in searched["rows"])
    options = by_name["options"]
    assert {o["name"] for o in options["district"]} >= {LINJIANG} and options["park"] and options["industry"]
    park = options["park"][0]
    assert {r["park_id"] for r in api(client, f"/api/enterprises?park={park['name']}&size=500")["rows"]} == {
        park["code"]}
    chem = api(client, "/api/enterprises?industry=化学原料&size=500")["rows"]
    assert chem and {str(r["industry_division"]) for r in chem} == {"26"}
    assert api(client, "/api/enterprises?grade=5&size=500")["rows"][0]["carbon_grade"] == 5
    assert {r["scale"] for r in api(client, "/api/enterprises?scale=below&size=500")["rows"]} == {"below"}
    html = page(client, f"/enterprises?district={LINJIANG}&class=D")
    assert f'<option value="{code}" selected>{LINJIANG}</option>' in html
    assert 'id="totals-surcharge"' in html and "差别化加价" in html
    srt = api(client, "/api/enterprises?sort=measures_yuan&size=5")["rows"]
    assert srt[0]["measures_yuan"] == max(r["measures_yuan"] or 0 for r in api(client, "/api/enterprises?size=500")[
        "rows"])


def test_class_counts_link_to_the_list_of_the_same_scheme_and_year(client: TestClient) -> None:
    html = page(client, "/evaluation?scheme=huangyan-2022&year=2022")
    links = re.findall(r'href="(/enterprises\?[^"]*)" data-class="D"', html)
    assert links and all("scheme=huangyan-2022" in x and "year=2022" in x for x in links)
    url = links[0].replace("&amp;", "&")
    listed = api(client, "/api" + url + "&size=500")
    ev = api(client, "/api/evaluation?scheme=huangyan-2022&year=2022")
    assert listed["total"] == sum(1 for e in ev["enterprises"] if e["class"] == "D")
    assert listed["scheme"]["id"] == "huangyan-2022" and listed["year"] == 2022
    district = district_code(client)
    html = page(client, f"/districts/{district}?year=2022&scheme=huangyan-2022")
    link = re.findall(r'href="(/enterprises\?[^"]*)" data-class="D"', html)[0].replace("&amp;", "&")
    assert f"district={district}" in link and "scheme=huangyan-2022" in link and "year=2022" in link
    level = api(client, f"/api/districts/{district}?year=2022&scheme=huangyan-2022")
    assert api(client, "/api" + link + "&size=500")["total"] == level["classes"]["D"]


def test_chinese_pages_show_no_codes_and_counts_as_integers(client: TestClient) -> None:
    district = district_code(client)
    for url in ("/", "/evaluation", "/measures", f"/districts/{district}", "/enterprises", "/industries/26"):
        text = visible(page(client, url))
        assert not re.search(r"\b(above|below_3mu|below|info|pass|fail)\b", text), url
        assert not re.search(r"\d\.0 (家|名)", text), url
        assert "10k yuan" not in text and "tce/" not in text, url
    text = visible(page(client, "/enterprises?lang=en&industry=26"))
    assert "Manufacture of raw chemical materials" in text


def test_errors_are_pages_for_a_browser_and_json_for_the_api(client: TestClient) -> None:
    html = page(client, "/districts/nowhere", 404)
    assert 'id="error-title"' in html and "未找到" in html and '"detail"' not in html
    assert "Not found" in page(client, "/districts/nowhere?lang=en", 404)
    assert "参数" in page(client, "/enterprises?size=100000", 422)
    assert client.get("/api/districts/nowhere").json()["detail"]
    assert client.get("/districts/nowhere").json()["detail"]  # a script without Accept: text/html


def test_the_overview_has_the_month_range_and_month_on_month_of_the_city(client: TestClient) -> None:
    """The city's level (the overview) has the same month controls as a district's page:
    the same URL parameters, each month's change on the month before and the year before."""
    years = api(client, "/api/overview")["level"]["years"]
    year = years[-1]
    city = api(client, f"/api/overview?year={year}")
    m = city["level"]["months"]
    assert [r["period"] for r in m["rows"]] == [f"{year}-{k:02d}" for k in range(1, 13)]
    total = sum(r["energy_tce"] for r in m["rows"])
    assert math.isclose(total, city["level"]["figures"]["energy_tce"], rel_tol=1e-9)  # the months add up
    wide = api(client, f"/api/overview?from_month={year - 1}-12&to_month={year}-02")["level"]["months"]
    rows = {r["period"]: r for r in wide["rows"]}
    assert list(rows) == [f"{year - 1}-12", f"{year}-01", f"{year}-02"]
    jan, dec = rows[f"{year}-01"], rows[f"{year - 1}-12"]
    assert math.isclose(jan["energy_tce_mom"], jan["energy_tce"] / dec["energy_tce"] - 1, rel_tol=1e-9)
    # the city's month is the sum of its districts' same month
    parts = [api(client, f"/api/districts/{r['code']}?from_month={year}-01&to_month={year}-01")["months"]["rows"][0]
             for r in city["level"]["below"]["rows"] if r["code"] != "-"]
    assert math.isclose(sum(p["co2_t"] for p in parts), jan["co2_t"], rel_tol=1e-9)
    html = page(client, f"/?from_month={year}-03&to_month={year}-05")
    assert 'id="months-form"' in html and f'<option value="{year}-05" selected>' in html
    assert html.count('<tr data-period="') == 3 and "环比" in html and "同比" in html
    en = page(client, f"/?from_month={year}-03&to_month={year}-03&lang=en")
    assert "on the month before" in en and en.count('<tr data-period="') == 1
    assert "from_month" not in re.search(r'<nav class="years".*?</nav>', html, flags=re.S).group(0)  # type: ignore[union-attr]
    for bad in ("from_month=2023-13", "from_month=1999-01", f"from_month={year}-05&to_month={year}-02"):
        r = client.get(f"/api/overview?{bad}")
        assert r.status_code == 422 and " / " in r.json()["detail"], (bad, r.text[:200])
        assert client.get(f"/?{bad}&lang=en", headers=HTML).status_code == 422


def _sheets(content: bytes) -> dict[str, Any]:
    import io

    import pandas as pd

    return pd.read_excel(io.BytesIO(content), sheet_name=None, engine="calamine")


def test_the_json_twins_downloads_are_headed_in_the_requests_language(client: TestClient) -> None:
    """``/api/…?format=xlsx`` and ``csv``: Chinese headers and sheet names by default and with
    ``lang=zh``, English with ``lang=en``; the JSON keys stay the document's field names."""
    district = district_code(client)
    for url in ("/api/enterprises?size=5", f"/api/districts/{district}", "/api/overview", "/api/evaluation"):
        sep = "&" if "?" in url else "?"
        zh = _sheets(client.get(f"{url}{sep}format=xlsx").content)
        assert _sheets(client.get(f"{url}{sep}format=xlsx&lang=zh").content).keys() == zh.keys()
        en = _sheets(client.get(f"{url}{sep}format=xlsx&lang=en").content)
        assert "说明" in zh and "About" in en, url
        assert len(zh) == len(en) > 1, url
        zh_heads = {str(c) for f in zh.values() for c in f.columns}
        en_heads = {str(c) for f in en.values() for c in f.columns}
        assert zh_heads != en_heads and not any(re.search(r"[\u4e00-\u9fff]", h) for h in en_heads), url
    rows = api(client, "/api/enterprises?size=5")["rows"]
    assert "entity_id" in rows[0] and "energy_tce" in rows[0]  # the JSON keeps its keys
    book = _sheets(client.get("/api/enterprises?size=5&format=xlsx").content)
    heads = {str(c) for f in book.values() for c in f.columns}
    assert "企业名称" in heads or any(h.startswith("综合能耗") for h in heads), sorted(heads)[:20]
    assert "energy_tce" not in heads and "entity_id" not in heads
    csv_zh = client.get("/api/enterprises?size=5&format=csv")
    assert csv_zh.status_code == 200 and csv_zh.headers["content-type"].startswith("text/csv")
    first_zh = csv_zh.content.decode("utf-8-sig").splitlines()[0]
    first_en = client.get("/api/enterprises?size=5&format=csv&lang=en").content.decode("utf-8-sig").splitlines()[0]
    assert re.search(r"[\u4e00-\u9fff]", first_zh) and not re.search(r"[\u4e00-\u9fff]", first_en)
    assert "entity_id" not in first_zh.split(",")
    assert client.get("/api/enterprises?format=csv&table=nothing").status_code == 422
    assert client.get("/api/enterprises?format=xlsx&lang=fr").status_code == 422


def test_the_profile_version_is_shown_read_only_beside_the_year(client: TestClient) -> None:
    """A city keeps only its profile's current version (docs/profiles.md), so the controls
    show it read-only with a link to the rules in force, and offer no selector to fake."""
    profile = api(client, "/api/profile")
    district = district_code(client)
    year = api(client, "/api/overview")["level"]["years"][-2]
    for url in ("/", f"/districts/{district}", f"/enterprises?year={year}", "/measures", f"/evaluation?year={year}"):
        html = page(client, url)
        bar = re.search(r'<p class="controls muted" id="profile-version"[^>]*>.*?</p>', html, flags=re.S)
        assert bar is not None, url
        assert f'data-version="{profile["version"]}"' in bar.group(0) and "/api/profile?year=" in bar.group(0), url
        assert "<select" not in bar.group(0) and "profile_version" not in html and "本市只保存当前版本" in bar.group(0)
    assert f"/api/profile?year={year}" in page(client, f"/enterprises?year={year}")
    assert "the city keeps this version only" in page(client, "/?lang=en")
