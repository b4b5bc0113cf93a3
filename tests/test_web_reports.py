"""Enterprise self-reporting on the web (issue #14, item 5 and "done when"): an enterprise
reports a month, is returned, corrects and is accepted, and the city's totals change only
then; a supplemental version with a reason; a form 205-1 uploaded; scope, roles and CSRF
on every step; the late and missing reporters of each district and park."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qingshan.app import audit, database, organisations, users
from qingshan.app.models import AuditEvent
from qingshan.app.organisations import tree_paths
from qingshan.city import City
from qingshan.web.app import create_app
from qingshan.web.city import WebCity
from tests.web_city import demo_city, with_csrf

ADMIN = audit.Actor("cli:test", role="administrator")
PASSWORD = "Reports-pass-2026"
MONTH = "2023-03"
ROWS = [{"carrier": "electricity", "quantity": "1200", "unit": "万千瓦时", "use": "fuel"},
        {"carrier": "natural_gas", "quantity": 35, "unit": "万立方米"}]
FORM = Path(__file__).parent / "data" / "form_205_1" / "205-1_steel_2024-03.csv"
FORM_FIRM = "91450200MA5K2G301P"


@dataclass
class Reporting:
    web: WebCity
    url: str
    firm: str  # an enterprise of the park
    second: str  # another enterprise of the park
    park: str
    district: str
    other_district: str
    folder: Path


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reporting]:
    d = demo_city(tmp_path_factory.mktemp("reports"))
    with (d / "city.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[reporting]\nenergy_due_day = 10\n")
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as c:
        units = c.units()
    paths = tree_paths(units)
    parks = sorted(c for c, (u, _, _) in paths.items() if u.kind == "park")
    park = parks[0]
    district = paths[park][2]
    assert district is not None
    firms = sorted(c for c, (u, p, _) in paths.items() if u.kind == "enterprise" and p.startswith(paths[park][1] + "/"))
    other_district = sorted(c for c, (u, _, _) in paths.items() if u.kind == "district" and c != district)[0]
    accounts = {"firm": (firms[0], ["reporter"]), "second": (firms[1], ["reporter"]),
                "park": (park, ["reviewer"]), "district": (district, ["reviewer"]),
                "west": (other_district, ["reviewer"]), "viewer": (district, ["viewer"]),
                "district-reporter": (district, ["reporter"])}
    with database.session(url) as s:
        organisations.sync(s, units, ADMIN)
        for name, (org, roles) in accounts.items():
            users.add_user(s, ADMIN, name, org, roles, password="Temporary-pass-1")
    with database.session(url) as s:
        for name in accounts:
            users.change_password(s, name, "Temporary-pass-1", PASSWORD)
    web = WebCity.start(City.open(d))
    assert web.auth.required
    yield Reporting(web, url, firms[0], firms[1], park, district, other_district, d)


def _client(r: Reporting, name: str) -> TestClient:
    c = with_csrf(TestClient(create_app(r.web), follow_redirects=False))
    assert c.post("/api/login", json={"username": name, "password": PASSWORD}).status_code == 200
    return with_csrf(c)


def _month_tce(r: Reporting, firm: str) -> float:
    with r.web.lock:
        m = r.web.city.accounts().monthly
    row = m[(m["entity_id"] == firm) & (m["year"] == 2023) & (m["month"] == 3)]
    assert len(row) == 1
    return float(row["energy_tce"].iloc[0])


def _city_total(r: Reporting) -> float:
    with r.web.lock:
        return float(r.web.city.accounts().rollups["city"].query("year == 2023")["energy_tce"].sum())


def test_report_returned_corrected_accepted_and_only_then_counted(city: Reporting) -> None:
    firm, park, west = _client(city, "firm"), _client(city, "park"), _client(city, "west")
    before, before_total = _month_tce(city, city.firm), _city_total(city)
    sent = firm.post("/api/reports", json={"kind": "energy", "period": MONTH, "rows": ROWS})
    assert sent.status_code == 200, sent.text
    v1 = sent.json()["report"]
    assert (v1["version"], v1["status"], v1["organisation"]) == (1, "submitted", city.firm)
    assert [d["carrier"] for d in v1["data"]] == ["electricity", "natural_gas"]
    # another district's reviewer neither sees it nor may review it
    assert [w["id"] for w in west.get("/api/reports").json()["waiting"]] == []
    assert west.post(f"/api/reviews/{v1['id']}", json={"decision": "accept"}).status_code == 403
    assert [w["id"] for w in park.get("/api/reports").json()["waiting"]] == [v1["id"]]
    refused = park.post(f"/api/reviews/{v1['id']}", json={"decision": "return"})
    assert refused.status_code == 422 and "needs a comment" in refused.text
    returned = park.post(f"/api/reviews/{v1['id']}", json={"decision": "return", "comment": "电量请按抄表数核对"})
    assert returned.status_code == 200 and returned.json()["report"]["status"] == "returned"
    assert city.web.settled(60)
    assert _month_tce(city, city.firm) == before  # returned: nothing changes
    fixed = [ROWS[0], {**ROWS[1], "quantity": "36"}]
    v2 = firm.post("/api/reports", json={"kind": "energy", "period": MONTH, "rows": fixed}).json()["report"]
    assert v2["version"] == 2
    assert city.web.settled(60) and _month_tce(city, city.firm) == before  # submitted: still nothing
    version = city.web.version
    assert park.post(f"/api/reviews/{v2['id']}", json={"decision": "accept"}).status_code == 200
    assert city.web.settled(120)
    assert city.web.reports_state["state"] == "current" and city.web.version == version + 1
    after, after_total = _month_tce(city, city.firm), _city_total(city)
    assert after != before
    # 1200 万kWh of electricity and 36 万m³ of gas, at the factors the city uses for them
    # (checked against the same rows put into the package by tests/test_reported.py); here:
    # the city's total moved by exactly the firm's month, and nothing else changed
    assert after_total - before_total == pytest.approx(after - before, rel=1e-9)
    assert city.web.city.reports[0].version == 2
    en = city.web.city.package.energy
    mine = en[(en["entity_id"] == city.firm) & (en["period"] == MONTH)]
    assert set(mine["_file"].astype(str)) == {f"report-{v2['id']}-v2[{city.firm} energy {MONTH}]"}
    # the pages show the new figures: the cache was emptied by the new version
    page = firm.get(f"/api/enterprises/{city.firm}").json()
    [march] = [m for m in page["monthly"] if (m["year"], m["month"]) == (2023, 3)]
    assert march["energy_tce"] == pytest.approx(after, rel=1e-12)
    assert [(r["report"], r["version"]) for r in page["reported"]] == [(v2["id"], 2)]
    # a supplemental version needs a reason, and counts only once accepted
    again = firm.post("/api/reports", json={"kind": "energy", "period": MONTH, "rows": fixed})
    assert again.status_code == 409 and "needs a reason" in again.text
    v3 = firm.post("/api/reports", json={"kind": "energy", "period": MONTH, "rows": [ROWS[0]],
                                         "reason": "燃气已计入另一户号"}).json()["report"]
    assert (v3["version"], v3["initiator"]) == (3, "supplemental")
    assert city.web.settled(60) and _month_tce(city, city.firm) == after
    assert park.post(f"/api/reviews/{v3['id']}", json={"decision": "accept"}).status_code == 200
    assert city.web.settled(120)
    assert _month_tce(city, city.firm) < after  # the gas is gone
    with database.session(city.url) as s:
        events = [(e.action, e.actor, e.organisation) for e in s.execute(select(AuditEvent)).scalars()
                  if e.action.startswith("report.")]
        assert audit.verify(s) == []
    assert events == [("report.submit", "firm", city.firm), ("report.return", "park", city.park),
                      ("report.submit", "firm", city.firm), ("report.accept", "park", city.park),
                      ("report.submit", "firm", city.firm), ("report.accept", "park", city.park)]


def test_a_report_with_a_blocking_problem_is_not_submitted(city: Reporting) -> None:
    firm = _client(city, "second")
    bad = [{"carrier": "electricity", "quantity": "-5", "unit": "万千瓦时"}, {"carrier": "unobtainium", "quantity": "1",
                                                                          "unit": "吨", "colour": "red"}]
    answer = firm.post("/api/reports", json={"kind": "energy", "period": MONTH, "rows": bad})
    assert answer.status_code == 422 and answer.json()["ok"] is False
    got = {(p["code"], p["row"], p["column"]) for p in answer.json()["problems"]}
    assert ("Q001", None, "colour") in got
    assert any(code != "Q001" and row == 2 and col == "quantity" for code, row, col in got)  # negative
    assert any(row == 3 and col == "carrier" for _, row, col in got)  # unknown carrier
    assert firm.get("/api/reports").json()["reports"] == []  # nothing was written
    with database.session(city.url) as s:
        assert not [e for e in s.execute(select(AuditEvent)).scalars() if e.actor == "second"
                    and e.action.startswith("report.")]


def test_who_may_report_and_review(city: Reporting) -> None:
    viewer, district_reporter = _client(city, "viewer"), _client(city, "district-reporter")
    body = {"kind": "energy", "period": "2023-04", "rows": ROWS}
    assert viewer.post("/api/reports", json=body).status_code == 403  # no `report` action
    assert district_reporter.post("/api/reports", json=body).status_code == 403  # not an enterprise
    assert viewer.get("/api/reports").status_code == 200  # its district's reports, to view
    firm = _client(city, "firm")
    no_token = TestClient(create_app(city.web), follow_redirects=False)
    no_token.cookies.update(firm.cookies)
    assert no_token.post("/api/reports", json=body).status_code == 403  # CSRF
    cross = firm.post("/api/reports", json=body, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    # a firm sees its own reports only; another firm of the same park sees none of them
    mine = firm.get("/api/reports").json()["reports"]
    assert mine and {r["organisation"] for r in mine} == {city.firm}
    assert all(r["organisation"] != city.firm for r in _client(city, "second").get("/api/reports").json()["reports"])
    # the review endpoints are the reviewers'
    assert firm.post("/api/reviews/1", json={"decision": "accept"}).status_code == 403
    assert _client(city, "park").post("/api/reviews/999999", json={"decision": "accept"}).status_code == 404


def test_a_form_205_1_is_a_month_of_energy(city: Reporting, tmp_path: Path) -> None:
    text = FORM.read_text("utf-8").replace(FORM_FIRM, city.second)
    firm = _client(city, "second")
    sent = firm.post("/api/reports/upload", files={"file": ("205-1 三月.csv", text.encode(), "text/csv")})
    assert sent.status_code == 200, sent.text
    [report] = sent.json()["reports"]
    assert (report["kind"], report["period"], report["organisation"]) == ("energy", "2024-03", city.second)
    # the electricity row of the form: column 5 = 1480.25 万千瓦时, column 7 = 20
    elec = {(d["use"], d["quantity"]) for d in report["data"] if d["carrier"] == "electricity"}
    assert elec == {("fuel", "1480.25"), ("non_industrial", "20")}
    # a form of another enterprise is refused, naming the file as uploaded
    other = firm.post("/api/reports/upload", files={"file": ("别家.csv", FORM.read_bytes(), "text/csv")})
    assert other.status_code == 422
    [problem] = [p for p in other.json()["problems"] if p["code"] == "Q005"]
    assert problem["value"] == FORM_FIRM and problem["file"].startswith("别家.csv")
    junk = firm.post("/api/reports/upload", files={"file": ("x.xlsx", b"PK\x03\x04 not a workbook", "application/zip")})
    assert junk.status_code == 422 and junk.json()["problems"]


def test_late_and_missing_reporters_per_district_and_park(city: Reporting) -> None:
    park = _client(city, "park")
    doc = park.get("/api/reports", params={"kind": "energy", "period": MONTH}).json()["status"]
    assert doc["due"] == "2023-04-11T00:00:00+08:00"  # the end of 10 April, UTC+8
    firms = {e["entity_id"]: e for e in doc["enterprises"]}
    assert set(firms) >= {city.firm, city.second} and all(e["park_id"] == city.park for e in firms.values())
    assert firms[city.firm]["state"] == "accepted" and firms[city.firm]["late"]  # submitted in 2026
    assert firms[city.second]["state"] == "missing" and firms[city.second]["late"]
    [unit] = [u for u in doc["units"] if u["code"] == city.park]
    assert unit["expected"] == len(firms) == doc["expected"]
    assert unit["accepted"] + unit["submitted"] + unit["returned"] + unit["missing"] == unit["expected"]
    assert city.second in unit["missing_ids"] and unit["late"] == len(firms)
    # a district's reviewer sees the district's parks; the page is the document as HTML
    district = _client(city, "district").get("/api/reports", params={"period": MONTH}).json()["status"]
    assert {u["code"] for u in district["units"] if u["level"] == "district"} == {city.district}
    html = park.get("/reports", params={"period": MONTH})
    assert html.status_code == 200 and 'id="units"' in html.text and html.headers["cache-control"] == "no-store"
    assert park.get("/api/reports", params={"period": "2023-13"}).status_code == 422


def test_the_page_form_submits_a_report(city: Reporting) -> None:
    firm = _client(city, "second")
    page = firm.get("/reports", params={"kind": "economics"})
    assert page.status_code == 200 and 'name="r0.value_added_10k_yuan"' in page.text
    token = firm.headers["X-CSRF-Token"]
    sent = firm.post("/reports", data={"csrf_token": token, "kind": "economics", "period": "2023",
                                       "r0.value_added_10k_yuan": "12345", "r0.output_value_10k_yuan": "50000"})
    assert sent.status_code == 200, sent.text
    assert 'id="submitted"' in sent.text
    bad = firm.post("/reports", data={"csrf_token": token, "kind": "economics", "period": "2023",
                                      "r0.value_added_10k_yuan": "lots"})
    assert bad.status_code in (409, 422) and 'id="refused"' in bad.text
    mine = firm.get("/api/reports", params={"kind": "economics"}).json()["reports"]
    assert [(r["period"], r["status"]) for r in mine] == [("2023", "submitted")]
    assert mine[0]["data"][0]["value_added_10k_yuan"] == "12345"


def test_reports_need_accounts(tmp_path: Path) -> None:
    web = WebCity.start(City.open(demo_city(tmp_path / "open")))
    c = TestClient(create_app(web))
    with_csrf(c)
    off = c.get("/api/reports")
    assert off.status_code == 200 and off.json()["database"] is False and off.json()["reports"] == []
    assert c.post("/api/reports", json={"kind": "energy", "period": MONTH, "rows": ROWS}).status_code == 404

