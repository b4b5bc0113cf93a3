"""Discharge permits in the browser (issue #18, items 4 and 6): ``/permits`` and
``/permits/{entity_id}`` with their JSON twins (:mod:`qingshan.web.permits`,
:mod:`qingshan.documents.permits_pages`): the page shows its twin's numbers, the twin is the
``qingshan permits`` document's rows, one over-permit enterprise of the demo is worked by
hand, its 四个一批 batch is explained by the rule file, every role sees only its part of the
city, and the downloads hold every row."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from qingshan.app.organisations import BUREAUS, tree_paths
from qingshan.city import City
from qingshan.documents import permits as permits_doc
from qingshan.documents import permits_pages
from qingshan.environment.four_batches import four_batch_rules
from qingshan.web.city import WebCity
from tests.web_city import api, demo_city, page, signed_in, visible

HTML = {"accept": "text/html"}
PASSWORD = "Permit-pages-2026"
YEAR = 2023
#: the demo's over-permit enterprise worked by hand below (钢城宏晟特钢有限责任公司, 钢城区, park P01)
FIRM, DISTRICT, PARK = "91459900100983856C", "459904", "P01"
#: another district, with an over-permit enterprise of its own (临江安昌石化有限公司)
OTHER_DISTRICT, OTHER_FIRM = "459921", "914599002721679776"


@dataclass
class Site:
    web: WebCity
    client: dict[str, TestClient]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo city (150 enterprises, 2020–2023, its permits, reports and quotas) and a user
    of each level signed in: the city, the ecology bureau (生态环境局), a district, a park, an
    enterprise."""
    d = demo_city(tmp_path_factory.mktemp("permit-pages"))
    with City.open(d) as city:
        units = city.units()
    paths = tree_paths(units)
    city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    assert paths[FIRM][2] == PARK and paths[PARK][2] == DISTRICT  # the tree the checks below rely on
    bureau = f"{city_code}-{next(code for code, name in BUREAUS if name == '生态环境局')}"
    who = {"city-analyst": (city_code, "analyst"), "bureau-viewer": (bureau, "viewer"),
           "district-viewer": (DISTRICT, "viewer"), "park-viewer": (PARK, "viewer"),
           "enterprise-reporter": (FIRM, "reporter")}
    web, clients = signed_in(d, units, who, PASSWORD)
    yield Site(web, clients)


def table(html: str, ident: str) -> str:
    found = re.search(rf'<table id="{ident}">(.*?)</table>', html, re.S)
    assert found, ident
    return found.group(1)


def shown_t(cell_html: str) -> list[tuple[float | None, str]]:
    """Every ``data-t`` cell of a piece of the page: (its value, the text it shows)."""
    return [(None if v == "None" else float(v), text) for v, text in
            re.findall(r'<td class="n" data-t="([^"]*)">([^<]*)</td>', cell_html)]


def two(v: float | None) -> str:
    return "—" if v is None else f"{v:,.2f}"


# --------------------------------------------------------------------------- the document


def test_the_twin_is_the_permits_document(site: Site) -> None:
    """The city's twin holds the rows of ``qingshan permits --json`` (the same builder),
    with each batch's rule added; the district totals add up to the totals by pollutant."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/permits")
    theirs = site.web.document(permits_doc.permits_document, YEAR)
    assert (doc["year"], doc["years"], doc["view"]["kind"]) == (YEAR, [2020, 2021, 2022, 2023], "city")
    assert doc["enterprises"] == theirs["enterprises"] and doc["over_permit"] == theirs["over_permit"]
    assert doc["over_quota"] == theirs["over_quota"] and doc["notes"] == theirs["notes"]
    assert [{k: r[k] for k in theirs["four_batches"][0]} for r in doc["four_batches"]] == theirs["four_batches"]
    assert [{k: r[k] for k in theirs["districts"][0]} for r in doc["district_totals"]] == theirs["districts"]
    assert {k: doc["four_batches_rules"][k] for k in ("name", "source", "selection")} == theirs["four_batches_rules"]
    assert doc["counts"]["permits"] == theirs["counts"]["permits"] == len(doc["enterprises"])
    assert doc["counts"]["districts_over_quota"] == theirs["counts"]["districts_over_quota"] == 1
    # the parts add up to the whole: each pollutant's districts sum to its total (permits, actual, quota)
    for p in doc["pollutant_totals"]:
        ds = [d for d in doc["district_totals"] if d["pollutant"] == p["pollutant"]]
        es = [e for e in doc["enterprises"] if e["pollutant"] == p["pollutant"]]
        assert p["permitted_t"] == pytest.approx(sum(d["permitted_t"] for d in ds))
        assert p["permitted_t"] == pytest.approx(sum(e["permitted_t"] for e in es))
        assert p["actual_t"] == pytest.approx(sum(d["actual_t"] for d in ds))
        assert p["quota_t"] == pytest.approx(sum(d["quota_t"] for d in ds))
        assert p["enterprises"] == sum(d["enterprises"] for d in ds)
    # a district's totals are its enterprises' sums; over quota = actual − quota, permits − quota
    for d in doc["district_totals"]:
        es = [e for e in doc["enterprises"]
              if e["district_id"] == d["district_id"] and e["pollutant"] == d["pollutant"]]
        assert d["permitted_t"] == pytest.approx(sum(e["permitted_t"] for e in es))
        assert d["actual_t"] == pytest.approx(sum(e["actual_t"] for e in es))
        assert d["over_quota_t"] == pytest.approx(d["actual_t"] - d["quota_t"])
        assert d["permits_over_quota_t"] == pytest.approx(d["permitted_t"] - d["quota_t"])
        assert d["over_quota"] == (d["actual_t"] > d["quota_t"])
    # the bureau's users see what the city's see
    assert api(site.client["bureau-viewer"], "/api/permits") == doc


def test_one_over_permit_enterprise_worked_by_hand(site: Site) -> None:
    """钢城宏晟特钢有限责任公司 (demo), SO2 in 2023.

    Permit 91459900100983856C001P: 625.91 t/yr, valid 2020-01-01 to 2024-12-31, so every
    day of 2023 (365 of 365 days): permitted = 625.91 × 365 / 365 = 625.91 t.
    Quarterly execution reports of 2023 (all four, so the basis is their sum):
    283.9765 + 279.5430 + 141.4311 + 375.6604 = 1 080.6110 t.
    Over the permit: 1 080.6110 − 625.91 = 454.7010 t; actual / permitted = 1 080.6110 / 625.91
    = 1.72646 (173 %).
    12 consecutive months ending in 2023 (HJ 942-2018), with 2022's quarters 211.1242,
    205.0680, 214.9946, 182.5011:
      2022Q2–2023Q1 = 205.0680 + 214.9946 + 182.5011 + 283.9765 = 886.5402
      2022Q3–2023Q2 = 214.9946 + 182.5011 + 283.9765 + 279.5430 = 960.0152
      2022Q4–2023Q3 = 182.5011 + 283.9765 + 279.5430 + 141.4311 = 887.4517
      2023Q1–2023Q4 = 1 080.6110, the worst: 454.7010 t over.
    Its district 钢城区 emitted 2 214.23 t of SO2 against a quota of 1 992.81 t, so it is on the
    over-quota list too, with 1 080.6110 / its district's tonnes of them.
    """
    c = site.client["city-analyst"]
    doc = api(c, "/api/permits")
    pkg = site.web.city.package
    permit = pkg["permits"][(pkg["permits"]["entity_id"] == FIRM) & (pkg["permits"]["pollutant"] == "so2")]
    assert permit[["permit_no", "valid_from", "valid_to", "permitted_t"]].to_dict("records")[0] == {
        "permit_no": "91459900100983856C001P", "valid_from": "2020-01-01", "valid_to": "2024-12-31",
        "permitted_t": 625.91}
    rep = pkg["permit_reports"]
    q = rep[(rep["entity_id"] == FIRM) & (rep["pollutant"] == "so2") & (rep["year"] == YEAR)]
    assert sorted(q["actual_t"]) == sorted([283.9765, 279.5430, 141.4311, 375.6604])
    actual = 283.9765 + 279.5430 + 141.4311 + 375.6604
    assert actual == pytest.approx(1080.6110, abs=1e-9)
    row = next(r for r in doc["over_permit"] if r["entity_id"] == FIRM and r["pollutant"] == "so2")
    assert row["permitted_t"] == pytest.approx(625.91 * 365 / 365)
    assert row["actual_t"] == pytest.approx(1080.6110)
    assert row["basis"] == "quarters" and row["basis_zh"] == "四个季度执行报告之和"
    assert row["over_t"] == pytest.approx(454.7010)
    assert row["ratio"] == pytest.approx(1080.6110 / 625.91) and round(row["ratio"], 5) == 1.72646
    assert row["window"] == "2023Q1–2023Q4"
    assert row["reasons_zh"][0] == ("2023年实际排放 1,080.61 t，超过年许可排放量 625.91 t"
                                    "（超 454.70 t，为许可量的 173%）")
    assert row["reasons_en"][1].startswith("12 consecutive months (2023Q1–2023Q4) 1,080.61 t above")
    full = next(r for r in doc["enterprises"] if r["entity_id"] == FIRM and r["pollutant"] == "so2")
    assert full["window_t"] == pytest.approx(1080.6110) and full["window_over_t"] == pytest.approx(454.7010)
    # the over-permit list is ranked by ratio: 173 % is third after 195 % and 184 %
    ratios = [r["ratio"] for r in doc["over_permit"]]
    assert ratios == sorted(ratios, reverse=True) and [r["entity_id"] for r in doc["over_permit"]].index(FIRM) == 2
    # its district over quota, and its share of the district's tonnes
    dist = next(d for d in doc["district_totals"] if d["district_id"] == DISTRICT and d["pollutant"] == "so2")
    assert dist["quota_t"] == 1992.81 and dist["actual_t"] == pytest.approx(2214.2287, abs=1e-4)
    assert dist["over_quota_t"] == pytest.approx(2214.2287 - 1992.81, abs=1e-4) and dist["over_quota"]
    listed = next(r for r in doc["over_quota"] if r["entity_id"] == FIRM)
    assert listed["share"] == pytest.approx(1080.6110 / dist["actual_t"])
    # the page shows the twin's numbers, in 吨 with two decimals, the reasons in its language
    html = page(c, "/permits")
    over = table(html, "over-permit")
    first = re.search(rf'<tr data-entity="{FIRM}" data-pollutant="so2">(.*?)</tr>', over, re.S)
    assert first
    assert shown_t(first.group(1)) == [(625.91, "625.91"), (row["actual_t"], "1,080.61"), (row["over_t"], "454.70")]
    assert "173 %" in first.group(1) and row["reasons_zh"][0] in visible(first.group(1))
    en = visible(page(c, "/permits?lang=en"))
    assert row["reasons_en"][0] in en and "sum of the four quarterly reports" in en


def test_the_batch_of_one_enterprise_is_explained_by_its_rule(site: Site) -> None:
    """The demo's rule file four_batches-demo, rule 1 (close 关停一批): actual / permitted ≥ 1.5
    and two or more consecutive years over a permit. 钢城宏晟特钢 is over its SO2 permit in
    every year 2020–2023 (4 years ≥ 2) and its highest ratio is 1.72646 ≥ 1.5: rule 1. It
    also meets rule 2 (relocate: its district over quota, share 1 080.61 / 2 214.23 = 0.488 ≥
    0.3), but rules are tried in order, so the first gives the batch."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/permits")
    rf = doc["four_batches_rules"]
    source, rules = four_batch_rules("four_batches-demo")
    assert rf["name"] == "four_batches-demo" and rf["source"] == source and rf["selection"]["value"] == rf["name"]
    assert [r["batch"] for r in rf["rules"]] == [r["batch"] for r in rules]
    assert (rules[0]["batch"], rules[0]["min_ratio"], rules[0]["min_years_over"]) == ("close", 1.5, 2)
    assert (rules[1]["batch"], rules[1]["min_quota_share"], rules[1]["in_over_quota_district"]) == (
        "relocate", 0.3, True)
    years_over = [r["year"] for r in api(c, f"/api/permits/{FIRM}")["by_year"] if r["pollutant"] == "so2" and r["over"]]
    assert years_over == [2020, 2021, 2022, 2023]
    b = next(r for r in doc["four_batches"] if r["entity_id"] == FIRM)
    assert (b["batch"], b["rule"], b["years_over"]) == ("close", 1, 4)
    assert b["ratio"] == pytest.approx(1080.6110 / 625.91) and b["ratio"] >= 1.5
    assert b["quota_share"] == pytest.approx(0.488, abs=1e-3) and b["quota_share"] >= 0.3  # rule 2 holds too
    assert b["reason_zh"] == rules[0]["zh"] and b["batch_zh"] == "关停一批"
    assert b["conditions_zh"] == ["实际排放/许可排放量 ≥ 150%", "连续超许可年数 ≥ 2"]
    assert b["facts_zh"] == ["最高实际/许可 173%", "连续超许可 4 年", "所在区县超总量，占区县排放量 49%"]
    html = page(c, "/permits")
    row = re.search(rf'<tr data-entity="{FIRM}" data-rule="1">(.*?)</tr>', html, re.S)
    assert row and "第 1 条" in visible(row.group(1)) and "连续超许可 4 年" in visible(row.group(1))
    assert 'data-batch="close"' in html and "four_batches-demo" in html
    en = visible(page(c, "/permits?lang=en"))
    assert "rule 1: " + rules[0]["en"] in en and "actual / permitted ≥ 150%" in en
    # every batched enterprise is on a list, and its rule's conditions hold for it
    listed = {r["entity_id"] for r in doc["over_permit"]} | {r["entity_id"] for r in doc["over_quota"]}
    for r in doc["four_batches"]:
        assert r["entity_id"] in listed
        rule = rules[r["rule"] - 1]
        assert rule["batch"] == r["batch"] and r["ratio"] >= rule.get("min_ratio", 0.0)
        assert r["years_over"] >= rule.get("min_years_over", 0) and r["quota_share"] >= rule.get("min_quota_share", 0.0)
        assert r["over_permit"] or not rule["over_permit"]
        assert r["in_over_quota_district"] or not rule["in_over_quota_district"]


def test_the_page_shows_its_twins_numbers(site: Site) -> None:
    c = site.client["city-analyst"]
    for year in (2020, YEAR):
        doc = api(c, f"/api/permits?year={year}")
        html = page(c, f"/permits?year={year}")
        assert f'id="twin">/api/permits?year={year}<' in html
        assert re.search(r'id="count-permits">([^<]+)<', html).group(1) == f"{doc['counts']['permits']:,d}"  # type: ignore[union-attr]
        assert re.search(r'id="count-over-permit">([^<]+)<', html).group(1) == str(doc["counts"]["over_permit"])  # type: ignore[union-attr]
        totals = table(html, "district-totals")
        for d in doc["district_totals"]:
            tr = re.search(rf'<tr data-district="{d["district_id"]}" data-pollutant="{d["pollutant"]}"'
                           rf' class="([^"]*)">(.*?)</tr>', totals, re.S)
            assert tr, d
            cells = shown_t(tr.group(2))
            want = [d["permitted_t"], d["actual_t"], d["quota_t"], d["over_quota_t"]]
            assert cells == [(v, two(v)) for v in want]
            # over quota is said in words and marked, not by colour alone
            assert ("▲ 超总量" in visible(tr.group(2))) == d["over_quota"] == (tr.group(1) == "over-quota")
        pol = table(html, "pollutant-totals")
        for p in doc["pollutant_totals"]:
            tr = re.search(rf'<tr data-pollutant="{p["pollutant"]}">(.*?)</tr>', pol, re.S)
            assert tr and shown_t(tr.group(1)) == [(v, two(v)) for v in (p["permitted_t"], p["actual_t"], p["quota_t"])]
        rows = re.findall(r'<tr data-entity="([^"]+)" data-pollutant="([^"]+)"', table(html, "enterprises"))
        assert rows == [(r["entity_id"], r["pollutant"]) for r in doc["enterprises"]]
        ranked = re.findall(r'<tr data-entity="([^"]+)" data-pollutant="([^"]+)"', table(html, "over-permit"))
        assert ranked == [(r["entity_id"], r["pollutant"]) for r in doc["over_permit"]]
        # enterprise names link to their pages
        for r in doc["over_permit"]:
            assert f'<a href="/enterprises/{r["entity_id"]}" data-entity="{r["entity_id"]}">{r["name"]}</a>' in html
    html = page(c, "/permits")
    quota = re.findall(r'<table class="over-quota" data-district="([^"]+)" data-pollutant="([^"]+)">(.*?)</table>',
                       html, re.S)
    doc = api(c, "/api/permits")
    assert [(d, p) for d, p, _ in quota] == [(DISTRICT, "so2")]
    assert re.findall(r'<tr data-entity="([^"]+)">', quota[0][2]) == [r["entity_id"] for r in doc["over_quota"]]
    assert page(c, f"/enterprises/{FIRM}")


def test_a_city_user_may_choose_a_district(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, f"/api/permits?district={DISTRICT}")
    assert doc["view"] == {"kind": "district", "code": DISTRICT, "name": "钢城区", "district": DISTRICT}
    assert {r["district_id"] for r in doc["enterprises"]} == {DISTRICT}
    assert {r["district_id"] for r in doc["district_totals"]} == {DISTRICT} and len(doc["choices"]) == 5
    html = page(c, f"/permits?district={DISTRICT}")
    assert f'id="twin">/api/permits?year={YEAR}&amp;district={DISTRICT}<' in html


# --------------------------------------------------------------------------- every role


def other_ids(site: Site, keep: set[str]) -> set[str]:
    every = {r["entity_id"] for r in api(site.client["city-analyst"], "/api/permits")["enterprises"]}
    return every - keep


def test_a_district_user_sees_its_own_district(site: Site) -> None:
    mine = site.client["district-viewer"]
    doc = api(mine, "/api/permits")
    city = api(site.client["city-analyst"], f"/api/permits?district={DISTRICT}")
    assert doc == city | {"choices": [{"code": DISTRICT, "name": "钢城区"}]}
    ids = {r["entity_id"] for r in doc["enterprises"]}
    assert FIRM in ids and {r["district_id"] for r in doc["enterprises"]} == {DISTRICT}
    assert [r["district_id"] for r in doc["district_totals"]] == [DISTRICT] * 5
    assert {r["entity_id"] for r in doc["over_permit"]} == {FIRM, "91459900604941380L"}
    assert {r["entity_id"] for r in doc["four_batches"]} == {FIRM, "91459900604941380L"}
    assert len(doc["over_quota"]) == 8 and doc["counts"]["districts_over_quota"] == 1
    text = mine.get("/api/permits").text
    others = other_ids(site, ids)
    assert others and not [o for o in others if o in text]
    codes = {d["code"] for d in api(site.client["city-analyst"], "/api/permits")["choices"]} - {DISTRICT}
    assert not [c for c in codes if c in text]
    for url in (f"/api/permits?district={OTHER_DISTRICT}", f"/permits?district={OTHER_DISTRICT}",
                f"/api/permits/{OTHER_FIRM}", f"/permits/{OTHER_FIRM}"):
        assert mine.get(url).status_code == 404, url
    html = page(mine, "/permits")
    assert 'id="district"' not in html and 'id="district-totals"' in html and OTHER_FIRM not in html
    assert api(mine, f"/api/permits/{FIRM}")["entity_id"] == FIRM


def test_a_park_user_sees_its_parks_enterprises(site: Site) -> None:
    mine = site.client["park-viewer"]
    doc = api(mine, "/api/permits")
    ent = site.web.city.package["entities"]
    park = set(ent[ent["park_id"] == PARK]["entity_id"].astype(str))
    ids = {r["entity_id"] for r in doc["enterprises"]}
    assert FIRM in ids and ids <= park
    assert doc["view"]["kind"] == "park" and doc["choices"] == []
    assert doc["district_totals"] == [] and all("quota_t" not in p for p in doc["pollutant_totals"])
    assert {r["entity_id"] for r in doc["over_permit"]} <= park and {r["entity_id"] for r in doc["over_quota"]} <= park
    assert {r["entity_id"] for r in doc["four_batches"]} <= park
    city = api(site.client["city-analyst"], "/api/permits")
    assert doc["over_permit"] == [r for r in city["over_permit"] if r["entity_id"] in park]
    for p in doc["pollutant_totals"]:  # the park's own sums
        assert p["permitted_t"] == pytest.approx(sum(r["permitted_t"] for r in doc["enterprises"]
                                                     if r["pollutant"] == p["pollutant"]))
    text = mine.get("/api/permits").text
    assert not [o for o in other_ids(site, ids) if o in text]
    assert mine.get(f"/api/permits?district={DISTRICT}").status_code == 404
    assert mine.get(f"/api/permits/{OTHER_FIRM}").status_code == 404
    html = page(mine, "/permits")
    assert 'id="district-totals"' not in html and 'id="scope-note"' in html


def test_an_enterprise_user_sees_only_its_own(site: Site) -> None:
    mine = site.client["enterprise-reporter"]
    doc = api(mine, "/api/permits")
    assert doc["view"]["kind"] == "enterprise" and doc["view"]["code"] == FIRM
    assert {r["entity_id"] for r in doc["enterprises"]} == {FIRM}
    assert [r["pollutant"] for r in doc["enterprises"]] == ["nox", "particulates", "so2"]
    assert [(r["entity_id"], r["pollutant"]) for r in doc["over_permit"]] == [(FIRM, "so2")]
    assert [r["entity_id"] for r in doc["over_quota"]] == [FIRM]
    assert [r["entity_id"] for r in doc["four_batches"]] == [FIRM]
    assert doc["district_totals"] == [] and doc["choices"] == []
    text = mine.get("/api/permits").text
    assert not [o for o in other_ids(site, {FIRM}) if o in text]
    city = api(site.client["city-analyst"], "/api/permits")
    # no other district's quota or totals, no other firm's name
    for d in city["district_totals"]:
        if d["district_id"] != DISTRICT:
            assert d["district_id"] not in text
    names = {r["name"] for r in city["enterprises"]} - {doc["enterprises"][0]["name"]}
    html = page(mine, "/permits")
    assert not [n for n in names if n in html]
    assert mine.get(f"/api/permits/{OTHER_FIRM}").status_code == 404
    assert mine.get("/api/permits/91459900604941380L").status_code == 404  # of its own park, but not its own
    own = api(mine, f"/api/permits/{FIRM}")
    assert own["name"] == "钢城宏晟特钢有限责任公司"
    assert {r["pollutant"] for r in own["permits"]} == {"nox", "particulates", "so2"}
    assert site.client["park-viewer"].get("/api/permits?format=xlsx").status_code == 403  # a viewer: no export
    xlsx = mine.get("/api/permits?format=xlsx").content
    book = pd.read_excel(io.BytesIO(xlsx), sheet_name=None, engine="calamine", dtype=str)
    cells = " ".join(frame.to_string() for frame in book.values())
    assert FIRM in cells and not [o for o in other_ids(site, {FIRM}) if o in cells]


def test_an_enterprises_permits_page(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, f"/api/permits/{FIRM}")
    assert doc["district"] == {"code": DISTRICT, "name": "钢城区"} and doc["park"]["code"] == PARK
    assert doc["years"] == [2020, 2021, 2022, 2023]
    assert [r["permit_no"] for r in doc["permits"] if r["pollutant"] == "so2"] == [
        "91459900100983856C001P", "91459900100983856C002P"]
    so2 = [r for r in doc["reports"] if r["pollutant"] == "so2" and r["year"] == YEAR]
    assert [r["quarter"] for r in so2] == [1, 2, 3, 4]
    assert sum(r["actual_t"] for r in so2) == pytest.approx(1080.6110)
    for year in doc["years"]:  # each year's rows are that year's document's
        theirs = site.web.document(permits_doc.permits_document, year)
        assert [r for r in doc["by_year"] if r["year"] == year] == [r for r in theirs["enterprises"]
                                                                   if r["entity_id"] == FIRM]
    # its SO2 ratio by year: 896.3779 / 625.91 = 1.43212 (2020, first year over), 678.5231 / 625.91 =
    # 1.08406, 813.6879 / 625.91 = 1.30001, 1.72646 (2023): rule 1 (≥ 1.5 and ≥ 2 years) holds only in
    # 2023; rule 3 (renovate, ≥ 1.2) in 2020 and 2022; rule 4 (rectify, over a permit) in 2021
    ratios = {r["year"]: r["ratio"] for r in doc["by_year"] if r["pollutant"] == "so2"}
    assert ratios == pytest.approx({2020: 896.3779 / 625.91, 2021: 678.5231 / 625.91, 2022: 813.6879 / 625.91,
                                    2023: 1080.6110 / 625.91})
    assert [(b["year"], b["batch"], b["rule"], b["years_over"]) for b in doc["four_batches"]] == [
        (2020, "renovate", 3, 1), (2021, "rectify", 4, 2), (2022, "renovate", 3, 3), (2023, "close", 1, 4)]
    html = page(c, f"/permits/{FIRM}")
    rows = re.findall(r'<tr data-year="(\d+)" data-pollutant="([^"]+)" class="([^"]*)">', table(html, "by-year"))
    assert rows == [(str(r["year"]), r["pollutant"], "over-permit" if r["over"] else "") for r in doc["by_year"]]
    assert f'id="twin">/api/permits/{FIRM}<' in html and f'href="/enterprises/{FIRM}"' in html
    assert "Permitted and actual tonnes by year" in visible(page(c, f"/permits/{FIRM}?lang=en"))
    assert c.get("/api/permits/nope").status_code == 404


# --------------------------------------------------------------------------- downloads and refusals


def test_the_workbook_holds_every_row(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/permits")
    for url, lang in (("/permits?format=xlsx", "zh"), ("/api/permits?format=xlsx", "zh"),
                      ("/permits?format=xlsx&lang=en", "en")):
        r = c.get(url)
        assert r.status_code == 200 and r.content[:2] == b"PK", url
        # read as the project reads workbooks (python-calamine; openpyxl is no dependency of it)
        book = pd.read_excel(io.BytesIO(r.content), sheet_name=None, engine="calamine")
        sheets = {name: [tuple(f.columns), *f.itertuples(index=False, name=None)] for name, f in book.items()}
        names = {"zh": ("企业", "超许可名单", "区县总量与指标", "四个一批", "超总量名单", "按污染物合计"),
                 "en": ("Enterprises", "Over their permit", "District totals and quotas", "Four batches",
                        "Over-quota list", "Totals by pollutant")}[lang]
        for name, key in zip(names, ("enterprises", "over_permit", "district_totals", "four_batches", "over_quota",
                                     "pollutant_totals"), strict=True):
            assert name in sheets, (url, list(sheets))
            assert len(sheets[name]) == 1 + len(doc[key]), (url, name)
        head = sheets[names[1]][0]
        col = head.index("实际/许可" if lang == "zh" else "actual / permitted")
        assert [row[col] for row in sheets[names[1]][1:]] == pytest.approx([r["ratio"] for r in doc["over_permit"]])
    r = c.get("/permits?format=csv&table=over_permit")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", dtype={"许可证编号": str})
    assert list(frame["许可证编号"]) == [r["permit_no"] for r in doc["over_permit"]]
    assert 'data-table="over_permit"' in page(c, "/permits")


def test_unknown_year_district_and_format(site: Site) -> None:
    c = site.client["city-analyst"]
    r = c.get("/api/permits?year=1999")
    assert r.status_code == 404
    detail = r.json()["detail"]
    assert "没有 1999 年的排污许可数据" in detail and "there are no permit data for 1999" in detail
    assert "2020、2021、2022、2023" in detail and "2020, 2021, 2022, 2023" in detail
    assert c.get("/permits?year=1999", headers=HTML).status_code == 404
    for url, status, words in (("/api/permits?district=000000", 404, "no district"),
                               ("/api/permits?format=pdf", 422, "format must be one of"),
                               ("/api/permits?year=abc", 422, "year must be an integer"),
                               (f"/api/permits/{'x' * 300}", 422, "at most 200")):
        r = c.get(url)
        assert r.status_code == status and words in r.json()["detail"], (url, r.status_code, r.text[:200])


def test_a_city_without_permits(tmp_path: Path) -> None:
    """A package without the permits table: the page says so in each language."""
    from tests.web_city import client_of, web_city

    folder = demo_city(tmp_path)
    (folder / "package" / "permits.csv").unlink()
    c = client_of(web_city(folder))
    assert api(c, "/api/permits") == {"available": False, "year": None, "years": [], "view": None}
    assert c.get("/api/permits?year=1999").status_code == 404
    assert "数据包中还没有排污许可表" in visible(page(c, "/permits"))
    assert "The data package has no permits table yet" in visible(page(c, "/permits?lang=en"))
    with City.open(folder) as city:
        assert permits_pages.permit_years(city) == []
