"""The rights registry in the browser (issue #19 phase 2; docs/registries.md, "Web pages"): the
pages and their JSON twins agree and show the books' identity worked out by hand; an account
statement's opening balance + its movements = its closing balance, worked by hand from dated
movements; a request is made, approved and rejected through the web forms with the signed-in
user as the actor of the ledger row and the audit event; a forged or unauthorised POST
changes nothing; a refused action shows the kernel's code and message in the page's
language; every role at every level sees only what its scope holds; the downloads open in
Excel; books that do not reconcile show no number; the registry section of the city's report.

The registry data are made through the kernel API (tests/registry_data.py, worked by hand
there). Tests that change the registry run after those that read its first state, and check
their changes against the state before them.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from qingshan.app import audit, database, organisations, users
from qingshan.app.models import AuditEvent
from qingshan.app.organisations import Unit, tree_paths
from qingshan.app.permissions import roles
from qingshan.city import City
from qingshan.documents import registry_pages
from qingshan.registry import Acting, Order, ReconciliationError, approve, clock, open_account, request, rights_for
from qingshan.registry.models import Block, LedgerRow
from qingshan.registry.rights import RightBook
from qingshan.reports import printable, registry_section
from qingshan.reports.model import Grid, Heading, Text
from qingshan.web.app import create_app
from qingshan.web.city import WebCity
from tests import registry_data
from tests.web_city import demo_city, with_csrf

ADMIN = audit.Actor("cli:test", role="administrator")
PASSWORD = "Registry-pass-2026"
HTML = {"accept": "text/html"}
LEVELS = ("city", "district", "park", "enterprise")


@dataclass
class Served:
    web: WebCity
    url: str
    units: list[Unit]
    book: RightBook
    seeded: registry_data.Seeded
    level_unit: dict[str, str]  # level → the unit its users act for (the enterprise level: A)
    paths: dict[str, str]  # unit code → its path


def _add(s: Any, name: str, org: str, role_names: list[str]) -> None:
    users.add_user(s, ADMIN, name, org, role_names, password="Temporary-pass-1")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    d = demo_city(tmp_path_factory.mktemp("registry-web"))
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
        book = rights_for(city.profile, city.years[-1])
    paths = {c: p for c, (_, p, _) in tree_paths(units).items()}
    firms = registry_data.choose_firms(units)
    by_code = {u.code: u for u in units}
    a = by_code[firms["A"]]
    city_code = next(u.code for u in units if u.kind == "city")
    level_unit = {"city": city_code, "district": str(a.district), "park": str(a.park), "enterprise": a.code}
    # besides every role at every level ("<role>-<level>": analyst-city, viewer-district …, the enterprise being A)
    names = {"viewer-other": (str(by_code[firms["C"]].district), ["viewer"]),
             "reporter-a": (firms["A"], ["reporter"]), "reporter-b": (firms["B"], ["reporter"]),
             "reporter-c": (firms["C"], ["reporter"]), "fgw-reviewer": (f"{city_code}-fgw", ["reviewer"]),
             "fgw-admin": (f"{city_code}-fgw", ["administrator"]),
             "env-reviewer": (f"{city_code}-sthjj", ["reviewer"]), "city-reviewer": (city_code, ["reviewer"])}
    with database.session(url) as s:
        organisations.sync(s, units, ADMIN)
        for name, (org, role_names) in names.items():
            _add(s, name, org, role_names)
        for role in roles():
            for level in LEVELS:
                _add(s, f"{role}-{level}", level_unit[level], [role])
    with database.session(url) as s:
        for name in [*names, *(f"{r}-{lv}" for r in roles() for lv in LEVELS)]:
            users.change_password(s, name, "Temporary-pass-1", PASSWORD)
    seeded = registry_data.seed(url, units, book)
    web = WebCity.start(City.open(d))
    assert web.auth.required
    yield Served(web, url, units, book, seeded, level_unit, paths)


def _signed_in(served: Served, name: str) -> TestClient:
    c = with_csrf(TestClient(create_app(served.web), follow_redirects=False))
    r = c.post("/login", data={"username": name, "password": PASSWORD, "next": "/registry"})
    assert r.status_code == 303, r.text[:300]
    return with_csrf(c)


def _acc(served: Served, key: str) -> int:
    return served.seeded.accounts[key]


def _rows(page: str, table: str) -> list[dict[str, str]]:
    """The data-* attributes of each row of the table with ``id``."""
    m = re.search(rf'<table id="{re.escape(table)}">(.*?)</table>', page, re.S)
    assert m is not None, table
    rows = re.findall(r"<tr ([^>]*data-[^>]*)>", m.group(1))
    return [dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tr)) for tr in rows]


def _ledger_rows(served: Served) -> int:
    with database.session(served.url) as s:
        return int(s.execute(select(func.count(LedgerRow.id))).scalar_one())


# --- the first state, worked by hand (tests/registry_data.py) ---------------------------------

def test_page_and_twin_agree_and_the_identity_is_worked_by_hand(served: Served) -> None:
    c = _signed_in(served, "analyst-city")
    doc = c.get("/api/registry").json()
    assert doc["reconciled"] and doc["totals_shown"]
    totals = {(r["right"], r["vintage"]): r for r in doc["right_totals"]}
    v = registry_data.VINTAGE
    # YN: 5 000 + 3 000 issued; A holds 3 500 and 500 reserved for its pending sale; B surrendered 2 000
    yn = totals[("YN", v)]
    assert (yn["issued"], yn["held"], yn["reserved"], yn["surrendered"], yn["retired"], yn["cancelled"]) == (
        8000, 5500, 500, 2000, 0, 0)
    assert 8000 == 5500 + 500 + 2000 and yn["difference"] == 0 and yn["statuses_sum_units"] == yn["issued_units"]
    ts = totals[("TS", v)]
    assert (ts["issued"], ts["held"], ts["retired"]) == (1200, 1000, 200)
    pw = totals[("PW-COD", v)]  # 1.5 t issued at 1 kg a serial: 1 500 serials, all held (1.25 t + 0.25 t)
    assert (pw["issued"], pw["held"], pw["issued_units"]) == (1.5, 1.5, 1500)
    page = c.get("/registry", headers=HTML).text
    shown = {(r["right"], int(r["vintage"])): r for r in _rows(page, "right-totals")}
    for key, r in totals.items():  # the page shows the twin's numbers
        for col in ("issued", "held", "reserved", "surrendered", "retired", "cancelled"):
            assert float(shown[key][col]) == r[col], (key, col)
    accounts = {a["account"]: a for a in doc["registry_accounts"]}
    expect = {"YN:A": (4000, 3500, 500), "YN:B": (2000, 2000, 0), "YN:C": (0, 0, 0), "TS:A": (1000, 1000, 0),
              "PW-COD:A": (1.25, 1.25, 0), "PW-COD:B": (0.25, 0.25, 0)}
    for key, (total, held, reserved) in expect.items():
        a = accounts[_acc(served, key)]
        assert (a["total"], a["held"], a["reserved"]) == (total, held, reserved), key
    on_page = {int(r["account"]): r for r in _rows(page, "registry-accounts")}
    assert {k: float(r["total"]) for k, r in on_page.items()} == {k: a["total"] for k, a in accounts.items()}
    # the whole city's users see the jurisdiction's own accounts: the surrender account holds B's 2 000
    kinds = {(a["right"], a["account_kind"]): a for a in doc["registry_accounts"]}
    assert kinds[("YN", "surrender")]["surrendered"] == 2000 and kinds[("TS", "retirement")]["retired"] == 200
    # an account's serials: A keeps the first, B got the last of what A sold (UNDP's convention)
    a_doc = c.get(f"/api/registry/accounts/{_acc(served, 'YN:A')}").json()
    assert [(h["serial"], h["status"], h["amount"]) for h in a_doc["account_holdings"]] == [
        (f"459900-YN-{v}-000000001-000003500", "held", 3500), (f"459900-YN-{v}-000003501-000004000", "reserved", 500)]
    b_doc = c.get(f"/api/registry/accounts/{_acc(served, 'YN:B')}").json()
    assert [(h["serial"], h["status"]) for h in b_doc["account_holdings"]] == [
        (f"459900-YN-{v}-000005001-000006900", "held"), (f"459900-YN-{v}-000006901-000007000", "held")]
    pw_b = c.get(f"/api/registry/accounts/{_acc(served, 'PW-COD:B')}").json()
    assert [(h["serial"], h["amount"], h["units"]) for h in pw_b["account_holdings"]] == [
        (f"459900-PW-COD-{v}-000001251-000001500", 0.25, 250)]
    a_page = c.get(f"/registry/accounts/{_acc(served, 'YN:A')}", headers=HTML).text
    assert [(r["serial"], float(r["amount"])) for r in _rows(a_page, "account-holdings")] == [
        (h["serial"], h["amount"]) for h in a_doc["account_holdings"]]
    assert re.search(r'id="balance" data-total="4000.0" data-held="3500.0" data-reserved="500.0"', a_page)
    assert a_doc["history"] == {"movements": 4, "reconciled": True, "closing": a_doc["history"]["closing"]}
    assert a_doc["history"]["closing"]["held"] == 3500 and a_doc["history"]["closing"]["reserved"] == 500
    right = c.get("/api/registry/rights/YN").json()
    assert [r["vintage"] for r in right["right_totals"]] == [v] and right["right"]["code"] == "YN"
    assert {r["request"] for r in right["registry_requests"]} == {
        served.seeded.requests[k] for k in ("yn-issue-a", "yn-issue-b", "yn-sale", "yn-surrender", "yn-pending",
                                            "yn-rejected")}
    r_page = c.get("/registry/rights/YN", headers=HTML).text
    assert {int(r["request"]): r["state"] for r in _rows(r_page, "registry-requests")} == {
        r["request"]: r["state"] for r in right["registry_requests"]}


def test_every_page_in_both_languages_shows_the_identity(served: Served) -> None:
    c = _signed_in(served, "analyst-city")
    a = _acc(served, "YN:A")
    for path in ("/registry", "/registry/rights/YN", f"/registry/accounts/{a}", f"/registry/accounts/{a}/statement",
                 "/registry/requests"):
        zh, en = c.get(path, headers=HTML), c.get(path + "?lang=en", headers=HTML)
        assert zh.status_code == en.status_code == 200, path
        assert "发放 = 持有 + 申请占用 + 已清缴 + 已自愿注销 + 已注销" in zh.text, path
        assert "issued = held + reserved + surrendered + retired + cancelled" in en.text, path
        assert "no-store" in zh.headers["cache-control"]  # the registry changes without a new data version


# --- statements -------------------------------------------------------------------------------

def _at(day: str, hour: int = 10) -> dt.datetime:
    """A moment of ``day`` in China Standard Time, as the ledger writes it (UTC)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), clock.CST).astimezone(dt.UTC)


def test_a_statement_opening_plus_movements_is_closing_worked_by_hand(served: Served,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """C gets a 排污权 (COD) account: 2.000 t issued on 1 March, 0.500 t sold to B on 10–11
    April, 0.300 t surrendered on 20–21 May. April's statement opens on 2.000 t held, moves
    −0.500 held and +0.500 reserved (the request), −0.500 reserved (its completion) and
    closes on 1.500 t held: 2.000 − 0.500 = 1.500. The serials: COD's numbering goes on from
    the 1 500 serials issued before, so C holds 1 501–3 500 and sells the last 500
    (3 001–3 500)."""
    s_book, v = served.book, registry_data.VINTAGE
    who = registry_data.officials(served.level_unit["city"])
    firms = served.seeded.firms
    c_holder = Acting("reporter-c", firms["C"], served.paths[firms["C"]], ("reporter",))
    now = {"t": _at("2026-03-01")}
    monkeypatch.setattr(clock, "now", lambda: now["t"])
    with database.session(served.url) as s:
        acc = open_account(s, who["env-admin"], s_book, "PW-COD", firms["C"]).id
    b = _acc(served, "PW-COD:B")

    def step(day: str, hour: int, fn: Any) -> int:
        now["t"] = _at(day, hour)
        with database.session(served.url) as s:
            return int(fn(s).id)

    rid = step("2026-03-01", 11, lambda s: request(s, who["env-admin"], s_book, Order(
        "issue", "PW-COD", amount="2", to_account=acc, vintage=v, method="paid", price="4000")))
    step("2026-03-01", 12, lambda s: approve(s, who["env-reviewer"], s_book, rid))
    sale = step("2026-04-10", 9, lambda s: request(s, c_holder, s_book, Order(
        "transfer", "PW-COD", amount="0.5", from_account=acc, to_account=b, trade_form="negotiated", price="4100")))
    step("2026-04-11", 9, lambda s: approve(s, who["env-reviewer"], s_book, sale))
    give = step("2026-05-20", 9, lambda s: request(s, c_holder, s_book, Order(
        "surrender", "PW-COD", amount="0.3", from_account=acc, period="2026")))
    step("2026-05-21", 9, lambda s: approve(s, who["env-reviewer"], s_book, give))
    monkeypatch.undo()

    c = _signed_in(served, "reporter-c")
    april = c.get(f"/api/registry/accounts/{acc}/statement?first=2026-04-01&last=2026-04-30").json()
    lines = april["statement_lines"]
    assert [(ln["line"]["en"], ln["held"], ln["reserved"], ln["balance"]) for ln in lines] == [
        ("opening balance", 2.0, 0.0, 2.0),
        ("transfer, requested", -0.5, 0.5, 2.0),
        ("transfer, completed", 0.0, -0.5, 1.5),
        ("closing balance", 1.5, 0.0, 1.5)]
    assert 2.0 + (-0.5) + 0.0 == 1.5 and 0.0 + 0.5 + (-0.5) == 0.0  # opening + movements = closing, per column
    assert lines[1]["serials_out"]["en"] == f"held: 459900-PW-COD-{v}-000003001-000003500"
    assert lines[1]["serials_in"]["en"] == f"reserved: 459900-PW-COD-{v}-000003001-000003500"
    assert lines[2]["serials_out"]["zh"] == f"申请占用：459900-PW-COD-{v}-000003001-000003500"
    assert lines[2]["counterparty"]["account"] == b and lines[1]["time"] == "2026-04-10 09:00:00"
    check = {r["column"]: r for r in april["statement_check"]}
    assert (check["held"]["opening_units"], check["held"]["movements_units"], check["held"]["closing_units"]) == (
        2000, -500, 1500)
    assert all(r["difference"] == 0 for r in april["statement_check"]) and april["statement_reconciled"]
    whole = c.get(f"/api/registry/accounts/{acc}/statement").json()["statement_lines"]
    assert [ln["line"]["en"] for ln in whole] == [
        "opening balance", "issuance, completed", "transfer, requested", "transfer, completed", "surrender, requested",
        "surrender, completed", "closing balance"]
    assert whole[0]["balance"] == 0 and whole[-1]["held"] == 2.0 - 0.5 - 0.3 == 1.2
    assert whole[1]["serials_in"]["en"] == f"held: 459900-PW-COD-{v}-000001501-000003500"
    may = c.get(f"/api/registry/accounts/{acc}/statement?first=2026-05-01&last=2026-05-31").json()
    assert may["statement_lines"][0]["held"] == 1.5 and may["statement_lines"][-1]["held"] == 1.2
    page = c.get(f"/registry/accounts/{acc}/statement?first=2026-04-01&last=2026-04-30&lang=en", headers=HTML).text
    assert [float(r["balance"]) for r in _rows(page, "statement-lines")] == [ln["balance"] for ln in lines]
    assert [(r["column"], float(r["opening"]), float(r["movements"]), float(r["closing"]))
            for r in _rows(page, "statement-check")] == [(r["column"], r["opening"], r["movements"], r["closing"])
                                                         for r in april["statement_check"]]
    assert "reserved: 459900-PW-COD-2026-000003001-000003500" in page and "The statement reconciles." in page
    # the statement as Excel: the same rows, headed in the page's language
    book = pd.read_excel(io.BytesIO(c.get(f"/registry/accounts/{acc}/statement?first=2026-04-01&last=2026-04-30"
                                          "&format=xlsx").content), sheet_name=None, engine="calamine")
    sheet = book["对账单"]
    assert list(sheet["摘要"]) == ["期初余额", "转让·申请", "转让·办结", "期末余额"]
    assert list(sheet["余额"]) == [2.0, 2.0, 1.5, 1.5] and list(sheet["持有"]) == [2.0, -0.5, 0.0, 1.5]
    assert set(book["对账核对"]["差额"]) == {0}
    assert c.get(f"/api/registry/accounts/{acc}/statement?first=2026-05-01&last=2026-04-01").status_code == 422


# --- approving and rejecting through the web --------------------------------------------------

def _form_csrf(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', page))


def _held(c: TestClient, account: int) -> float:
    return float(c.get(f"/api/registry/accounts/{account}").json()["balance"]["held"])


def test_a_request_approved_and_one_rejected_through_the_web(served: Served) -> None:
    a, b = _acc(served, "YN:A"), _acc(served, "YN:B")
    seller, reviewer = _signed_in(served, "reporter-a"), _signed_in(served, "fgw-reviewer")
    page = seller.get(f"/registry/accounts/{a}", headers=HTML).text
    assert 'id="form-transfer"' in page and 'id="form-issue"' not in page  # a holder does not issue
    assert _form_csrf(page) == {seller.headers["X-CSRF-Token"]}
    held_a, held_b = _held(reviewer, a), _held(reviewer, b)
    r = seller.post("/registry/requests?lang=en", headers=HTML, data={
        "csrf_token": seller.headers["X-CSRF-Token"], "account": str(a), "kind": "transfer", "amount": "200",
        "to_account": str(b), "trade_form": "negotiated", "price": "82"})
    assert r.status_code == 200 and 'id="done"' in r.text, r.text[:500]
    rid = int(re.search(r'id="done-request">(\d+)<', r.text).group(1))  # type: ignore[union-attr]
    assert 'data-state="pending"' in r.text and "pending" in r.text
    assert _held(reviewer, a) == held_a - 200  # reserved while it waits
    waiting = reviewer.get("/api/registry/requests").json()["waiting"]
    assert rid in {w["request"] for w in waiting} and all(w["can_decide"] for w in waiting)
    q = reviewer.get("/registry/requests", headers=HTML).text
    assert f'action="/registry/approvals/{rid}"' in q
    done = reviewer.post(f"/registry/approvals/{rid}", headers=HTML,
                         data={"csrf_token": reviewer.headers["X-CSRF-Token"], "decision": "approve"})
    assert done.status_code == 200 and 'data-state="completed"' in done.text and "已办结" in done.text
    assert _held(reviewer, a) == held_a - 200 and _held(reviewer, b) == held_b + 200
    with database.session(served.url) as s:  # the signed-in users are the actors, in the ledger and the audit log
        steps = [(row.step, row.actor, row.organisation) for row in s.execute(
            select(LedgerRow).where(LedgerRow.request_id == rid).order_by(LedgerRow.id)).scalars()]
        events = [(e.action, e.actor) for e in s.execute(select(AuditEvent).where(
            AuditEvent.action.startswith("registry.transfer."), AuditEvent.entity.in_(
                [f"registry/ledger/{i}" for i in s.execute(select(LedgerRow.id).where(
                    LedgerRow.request_id == rid)).scalars()]))).scalars()]
    assert steps == [("request", "reporter-a", served.seeded.firms["A"]), ("complete", "fgw-reviewer",
                                                                           f"{served.level_unit['city']}-fgw")]
    assert sorted(events) == [("registry.transfer.complete", "fgw-reviewer"),
                              ("registry.transfer.request", "reporter-a")]
    # one rejected: without a reason it is refused (D108), with one it is rejected and held again
    r = seller.post("/api/registry/requests", json={"kind": "transfer", "right": "YN", "amount": "50",
                                                    "from_account": a, "to_account": b, "trade_form": "negotiated"})
    assert r.status_code == 200 and r.json()["done"]["state"] == "pending"
    rid2 = r.json()["done"]["request"]
    no_reason = reviewer.post(f"/registry/approvals/{rid2}", headers=HTML,
                              data={"csrf_token": reviewer.headers["X-CSRF-Token"], "decision": "reject"})
    assert no_reason.status_code == 422 and 'data-code="D108"' in no_reason.text
    assert "[D108] 驳回或撤回须说明原因" in no_reason.text
    rejected = reviewer.post(f"/api/registry/approvals/{rid2}", json={"decision": "reject", "reason": "价格未填写"})
    assert rejected.status_code == 200 and rejected.json()["done"]["state"] == "rejected"
    assert _held(reviewer, a) == held_a - 200
    again = reviewer.post(f"/api/registry/approvals/{rid2}", json={"decision": "approve"})
    assert again.status_code == 409 and again.json()["code"] == "D105"
    # a holder withdraws its own pending request with a reason
    r = seller.post("/api/registry/requests", json={"kind": "retire", "right": "TS", "amount": "10",
                                                    "from_account": _acc(served, "TS:A")})
    rid3 = r.json()["done"]["request"]
    w = seller.post(f"/registry/withdrawals/{rid3}?lang=en", headers=HTML,
                    data={"csrf_token": seller.headers["X-CSRF-Token"], "reason": "changed our mind"})
    assert w.status_code == 200 and 'data-state="cancelled"' in w.text and "withdrawn" in w.text


def test_refused_actions_show_the_coded_message_in_the_pages_language(served: Served) -> None:
    a, b = _acc(served, "YN:A"), _acc(served, "YN:B")
    seller = _signed_in(served, "reporter-a")
    before = _ledger_rows(served)
    form = {"csrf_token": seller.headers["X-CSRF-Token"], "account": str(a), "kind": "transfer",
            "amount": "999999", "to_account": str(b), "trade_form": "negotiated"}
    zh = seller.post("/registry/requests", headers=HTML, data=form)
    assert zh.status_code == 409 and 'data-code="D102"' in zh.text and "[D102] 账户" in zh.text and "不足" in zh.text
    en = seller.post("/registry/requests?lang=en", headers=HTML, data=form)
    assert en.status_code == 409 and "[D102] account" in en.text and "less than 999999 tce" in html.unescape(en.text)
    bad = seller.post("/registry/requests?lang=en", headers=HTML, data={**form, "amount": "1.5", "price": "-1",
                                                                        "trade_form": "barter"})
    assert bad.status_code == 422 and 'id="refusal-problems"' in bad.text
    found = re.findall(r"<tr><td>(D1\d\d)</td>", bad.text)
    assert sorted(found) == ["D103", "D103", "D109"]  # every problem of the order, each coded
    api = seller.post("/api/registry/requests", json={"kind": "transfer", "right": "YN", "amount": "999999",
                                                      "from_account": a, "to_account": b, "trade_form": "negotiated"})
    assert api.status_code == 409 and api.json()["code"] == "D102" and " / " in api.json()["detail"]
    assert _ledger_rows(served) == before  # nothing written


def test_a_forged_or_unauthorised_post_changes_nothing(served: Served) -> None:
    pending = served.seeded.requests["yn-pending"]
    a, c_acc = _acc(served, "YN:A"), _acc(served, "YN:C")
    before = _ledger_rows(served)
    reviewer = _signed_in(served, "fgw-reviewer")
    token = reviewer.headers.pop("X-CSRF-Token")
    for kw in ({"data": {"decision": "approve"}}, {"data": {"decision": "approve", "csrf_token": "x" * 43}},
               {"json": {"decision": "approve"}}):
        path = f"/api/registry/approvals/{pending}" if "json" in kw else f"/registry/approvals/{pending}"
        r = reviewer.post(path, **kw)
        assert r.status_code == 403 and "CSRF" in r.json()["detail"], kw
    reviewer.headers["X-CSRF-Token"] = token
    # a reporter has no registry_approve: the access layer refuses it
    r = _signed_in(served, "reporter-b").post(f"/api/registry/approvals/{pending}", json={"decision": "approve"})
    assert r.status_code == 403 and r.json()["detail"] == "您的角色不能进行此操作 / your role may not do this"
    # reviewers of another authority (生态环境局, the city) may approve, but not 用能权: the kernel's D101
    for name in ("env-reviewer", "city-reviewer"):
        other = _signed_in(served, name)
        r = other.post(f"/api/registry/approvals/{pending}", json={"decision": "approve"})
        assert r.status_code == 403 and r.json()["code"] == "D101", name
        page = other.post(f"/registry/approvals/{pending}?lang=en", headers=HTML,
                          data={"csrf_token": other.headers["X-CSRF-Token"], "decision": "approve"})
        assert page.status_code == 403 and 'data-code="D101"' in page.text and "not allowed" in page.text
    # another enterprise may neither see A's account nor dispose of it
    thief = _signed_in(served, "reporter-c")
    assert thief.get(f"/registry/accounts/{a}", headers=HTML).status_code == 404
    assert thief.get(f"/api/registry/accounts/{a}/statement").status_code == 404
    r = thief.post("/api/registry/requests", json={"kind": "transfer", "right": "YN", "amount": "10",
                                                   "from_account": a, "to_account": c_acc,
                                                   "trade_form": "negotiated"})
    assert r.status_code == 403 and r.json()["code"] == "D101"
    # a viewer has no registry_request; an administrator of a district is no authority
    for name in ("viewer-district", "administrator-district"):
        r = _signed_in(served, name).post("/api/registry/requests", json={
            "kind": "transfer", "right": "YN", "amount": "10", "from_account": a, "to_account": c_acc,
            "trade_form": "negotiated"})
        assert r.status_code == 403 and r.json()["code"] == "D101", name
    # only the authority's administrator opens accounts (the access layer, then the kernel)
    r = _signed_in(served, "reporter-a").post("/api/registry/accounts", json={"right": "YS", "holder": "x"})
    assert r.status_code == 403 and "your role may not do this" in r.json()["detail"]
    r = _signed_in(served, "administrator-city").post("/api/registry/accounts",
                                                      json={"right": "YN", "holder": served.seeded.firms["C"]})
    assert r.status_code == 403 and r.json()["code"] == "D101"  # the city is not 用能权's authority (发改委 is)
    assert _ledger_rows(served) == before
    with database.session(served.url) as s:
        assert s.execute(select(func.count(Block.id)).where(Block.request_id == pending)).scalar_one() == 1


def test_the_authority_opens_an_account_and_issues_into_it(served: Served) -> None:
    admin = _signed_in(served, "fgw-admin")
    page = admin.get("/registry/rights/YN", headers=HTML).text
    assert 'id="open-account"' in page
    firm = served.seeded.firms["B"]
    r = admin.post("/registry/accounts", headers=HTML,
                   data={"csrf_token": admin.headers["X-CSRF-Token"], "right": "YN", "holder": firm})
    assert r.status_code == 409 and 'data-code="D107"' in r.text  # B has one already
    account = _acc(served, "YN:C")
    issue = admin.get(f"/registry/accounts/{account}", headers=HTML).text
    assert 'id="form-issue"' in issue and 'id="form-transfer"' not in issue
    r = admin.post("/registry/requests", headers=HTML, data={
        "csrf_token": admin.headers["X-CSRF-Token"], "account": str(account), "kind": "issue", "amount": "300",
        "vintage": str(registry_data.VINTAGE), "method": "benchmark", "evidence": "确权意见书 2026-07"})
    assert r.status_code == 200 and 'data-state="pending"' in r.text
    rid = int(re.search(r'id="done-request">(\d+)<', r.text).group(1))  # type: ignore[union-attr]
    # the administrator is no approver; an approver never approves its own request
    assert admin.post(f"/api/registry/approvals/{rid}", json={"decision": "approve"}).status_code == 403
    ok = _signed_in(served, "fgw-reviewer").post(f"/api/registry/approvals/{rid}", json={"decision": "approve"})
    assert ok.status_code == 200 and ok.json()["done"]["state"] == "completed"


# --- who sees what -----------------------------------------------------------------------------

def _holders_in(served: Served, level: str) -> set[str]:
    """The seeded holders within the part of the city of a user of ``level``."""
    own = served.paths[served.level_unit[level]]
    return {code for code in served.seeded.firms.values()
            if served.paths[code] == own or served.paths[code].startswith(own + "/")}


def test_every_role_at_every_level_sees_its_scope(served: Served) -> None:
    holding = {}
    admin = _signed_in(served, "analyst-city")
    for a in admin.get("/api/registry").json()["registry_accounts"]:
        holding[a["account"]] = a
    for role in roles():
        for level in LEVELS:
            c = _signed_in(served, f"{role}-{level}")
            r = c.get("/api/registry")
            assert r.status_code == 200, (role, level)
            doc = r.json()
            seen = {a["account"] for a in doc["registry_accounts"]}
            mine = {i for i, a in holding.items() if a["account_kind"] == "holding"
                    and a["holder"] in _holders_in(served, level)}
            if level == "city":  # the city's users: everything, and the city's totals
                assert seen == set(holding) and doc["totals_shown"] and doc["right_totals"], role
            else:
                assert seen == mine and not doc["totals_shown"] and doc["right_totals"] == [], (role, level)
                other = next(i for i in holding if i not in mine)
                assert c.get(f"/api/registry/accounts/{other}").status_code == 404, (role, level)
                assert c.get(f"/registry/accounts/{other}", headers=HTML).status_code == 404
                listed = c.get("/api/registry/requests").json()["registry_requests"]
                assert all(x["from_account"] in seen or x["to_account"] in seen for x in listed), (role, level)
            assert c.get("/registry/requests", headers=HTML).status_code == 200


def test_an_enterprise_sees_its_own_accounts_and_the_authority_its_queue(served: Served) -> None:
    a = _signed_in(served, "reporter-a").get("/api/registry").json()
    assert {x["account"] for x in a["registry_accounts"]} == {_acc(served, k) for k in ("YN:A", "TS:A", "PW-COD:A")}
    own = _signed_in(served, "reporter-a").get(f"/api/registry/accounts/{_acc(served, 'YN:A')}").json()
    assert {f["kind"] for f in own["request_forms"]} == {"transfer", "lease", "buyback", "surrender"}
    assert all(f["as"] == "holder" for f in own["request_forms"])
    district = _signed_in(served, "viewer-district").get("/api/registry").json()
    firms = served.seeded.firms
    assert {x["holder"] for x in district["registry_accounts"]} == {firms["A"], firms["B"]}
    assert {x["holder"] for x in _signed_in(served, "viewer-other").get("/api/registry").json()[
        "registry_accounts"]} == {firms["C"]}
    fgw = _signed_in(served, "fgw-reviewer").get("/api/registry/requests").json()
    assert served.seeded.requests["yn-pending"] in {w["request"] for w in fgw["waiting"]}
    assert fgw["viewer"]["approves"] and fgw["viewer"]["authority_of"] == ["YN"]
    city = _signed_in(served, "city-reviewer").get("/api/registry/requests").json()
    assert all(w["right"] in ("TS", "YS") for w in city["waiting"])
    assert not _signed_in(served, "analyst-city").get("/api/registry/requests").json()["waiting"]


# --- compliance (documents/registry_compliance.py) ------------------------------------------------

def test_the_compliance_page_within_scope(served: Served) -> None:
    """Each holder's row as A's compliance document gives it, to the users who see the holder:
    covered = surrendered + offsets counted, shortfall = obligation − covered (not below 0)."""
    city = _signed_in(served, "analyst-city")
    doc = city.get("/api/registry/compliance").json()
    year = served.web.city.years[-1]
    assert doc["period"] == year and doc["reconciled"]
    firms = served.seeded.firms
    rows = {(r["holder"], r["right"]): r for r in doc["compliance_rows"]}
    assert {(firms[k], "YN") for k in "ABC"} <= set(rows)
    for r in doc["compliance_rows"]:
        if r["obligation"] is not None:
            assert r["covered"] == r["surrendered"] + r["offsets_counted"]
            assert r["shortfall"] == max(0.0, r["obligation"] - r["covered"])
    for c in doc["compliance_counts"]:
        assert c["count"] == sum(1 for r in doc["compliance_rows"] if r["right"] == c["right"]
                                 and r["status"] == c["status"])
    page = city.get("/registry/compliance", headers=HTML).text
    assert {(r["holder"], r["right"], r["status"]) for r in _rows(page, "compliance-rows")} == {
        (r["holder"], r["right"], r["status"]) for r in doc["compliance_rows"]}
    mine = _signed_in(served, "reporter-a").get("/api/registry/compliance?right=YN").json()
    assert {r["holder"] for r in mine["compliance_rows"]} == {firms["A"]}
    district = _signed_in(served, "viewer-district").get("/api/registry/compliance").json()
    assert {r["holder"] for r in district["compliance_rows"]} == {firms["A"], firms["B"]}
    assert city.get("/api/registry/compliance?period=1999").status_code == 422
    assert city.get("/api/registry/compliance?right=XX").status_code == 404
    assert city.get("/registry/compliance?lang=en", headers=HTML).status_code == 200


# --- downloads, broken books -------------------------------------------------------------------

def test_the_downloads_open_in_excel(served: Served) -> None:
    c = _signed_in(served, "analyst-city")
    for url in ("/registry?format=xlsx", "/api/registry?format=xlsx", "/registry/rights/YN?format=xlsx&lang=en",
                f"/api/registry/accounts/{_acc(served, 'YN:A')}?format=xlsx", "/registry/requests?format=xlsx"):
        r = c.get(url)
        assert r.status_code == 200 and r.content[:2] == b"PK", url
        book = pd.read_excel(io.BytesIO(r.content), sheet_name=None, engine="calamine")
        assert book, url
    book = pd.read_excel(io.BytesIO(c.get("/registry?format=xlsx").content), sheet_name=None, engine="calamine")
    totals = book["发放与去向"]
    yn = totals[totals["权益代码"] == "YN"].iloc[0]
    assert yn["发放"] == yn["持有"] + yn["申请占用"] + yn["已清缴"] + yn["已自愿注销"] + yn["已注销"]
    csv = c.get("/registry?format=csv&table=right_totals")
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())


def test_books_that_do_not_reconcile_show_no_number(tmp_path: Path) -> None:
    """A block's units changed by hand: every registry document refuses (D205/D204), never a number."""
    from tests.test_registry_kernel import ORGS, make_world

    w = make_world(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    w.done("fgw1", "fgw2", Order("issue", "YN", amount=100, to_account=w.accounts["YN:E1"], vintage=2026,
                                 method="grandfathering"))
    viewer = registry_pages.Viewer(ORGS["fgw2"], True)
    with database.session(w.url) as s:
        assert registry_pages.overview(s, viewer, w.book)["right_totals"][0]["issued"] == 100
    with database.session(w.url) as s:
        s.execute(update(Block).where(Block.account_id == w.accounts["YN:E1"]).values(
            last_serial=Block.last_serial + 5, units=Block.units + 5))
    with database.session(w.url) as s:
        for build, args in ((registry_pages.overview, ()), (registry_pages.account_page, (w.accounts["YN:E1"],)),
                            (registry_pages.statement_page, (w.accounts["YN:E1"],)),
                            (registry_pages.requests_page, ())):
            with pytest.raises(ReconciliationError) as e:
                build(s, viewer, w.book, *args)
            assert {b.code for b in e.value.breaks} & {"D204", "D205"}, build


# --- the city's report --------------------------------------------------------------------------

def _section(blocks: list[Any], heading: str) -> list[Any]:
    start = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text == heading)
    rest = blocks[start + 1:]
    end = next((i for i, b in enumerate(rest) if isinstance(b, Heading) and b.level == 1), len(rest))
    return rest[:end]


def test_the_registry_section_of_the_city_report(tmp_path: Path) -> None:
    """The section's books at the end of 2026 are those worked by hand in tests/registry_data.py;
    the city's report of its latest data year (2023) has the section, with nothing issued by then."""
    (tmp_path / "report").mkdir()
    d = demo_city(tmp_path / "report")
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
        book = rights_for(city.profile, 2026)
        with database.session(url) as s:
            organisations.sync(s, units, ADMIN)
        registry_data.seed(url, units, book)
        src = registry_section.sources(city, 2026)
        assert src["status"] == "ok" and not src["breaks"], src
        totals = {t["right"]: t for t in src["totals"]}
        assert (totals["YN"]["issued"], totals["YN"]["held"], totals["YN"]["reserved"],
                totals["YN"]["surrendered"]) == (8000, 5500, 500, 2000)
        assert (totals["TS"]["issued"], totals["TS"]["held"], totals["TS"]["retired"]) == (1200, 1000, 200)
        assert (totals["PW-COD"]["issued"], totals["PW-COD"]["held"]) == (1.5, 1.5)
        assert all(t["difference_units"] == 0 for t in src["totals"])
        moved = {(a["right"], a["kind"]): (a["count"], a["amount"]) for a in src["activity"]}
        assert moved[("YN", "issue")] == (2, 8000) and moved[("YN", "transfer")] == (1, 1000)
        assert moved[("YN", "surrender")] == (1, 2000) and moved[("PW-COD", "transfer")] == (1, 0.25)
        assert src["pending"] == 1 and src["accounts"] == {"YN": 3, "TS": 1, "PW-COD": 2}
        for lang, heading in (("zh", "十、权益登记"), ("en", "10. Rights registry")):
            blocks = registry_section.blocks(src, lang, heading)
            assert isinstance(blocks[0], Heading) and blocks[0].text == heading
            grids = [b for b in blocks if isinstance(b, Grid)]
            row = next(r for r in grids[0].rows if "YN" in r[0])
            assert row[2:9] == ("8,000", "5,500", "500", "2,000", "0", "0", "0"), row
            pw = next(r for r in grids[0].rows if "PW-COD" in r[0])
            assert pw[2:4] == ("1.500", "1.500")
            texts = " ".join(b.text for b in blocks if isinstance(b, Text))
            assert ("哈希链完整" in texts) if lang == "zh" else ("chain is intact" in texts)
        report_src = printable.sources(city, "city")
        assert report_src["registry"]["status"] == "ok" and report_src["registry"]["year"] == 2023
        for lang, title in (("zh", "权益登记"), ("en", "Rights registry")):
            report = printable.build("city", report_src, lang)
            heading = next(b.text for b in report.blocks if isinstance(b, Heading) and title in b.text)
            section = _section(list(report.blocks), heading)
            assert section and not any(isinstance(b, Text) and b.kind == "note" and "could not" in b.text
                                       for b in section)
            assert next(b for b in section if isinstance(b, Grid)).rows == ()  # nothing issued by the end of 2023


def test_a_city_without_an_application_database_has_no_registry_section(tmp_path: Path) -> None:
    (tmp_path / "none").mkdir()
    with City.open(demo_city(tmp_path / "none")) as city:
        src = registry_section.sources(city, 2023)
    assert src["status"] == "none" and not registry_section.shown(src)  # no registry: the report has no section
    blocks = registry_section.blocks(src, "en", "10. Rights registry")
    assert len(blocks) == 2 and isinstance(blocks[1], Text) and "no application database" in blocks[1].text
