"""The registry kernel (docs/registries.md): every transaction kind and every request state,
worked by hand on serial numbers and balances, who may do what, and every change written
with its ledger row and audit event. Every test runs on SQLite and on PostgreSQL, each on a
database of its own, migrated from nothing.

The helpers at the top (``World``, ``make_world``, ``ORGS``) are imported by the other
registry tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.app import audit, database, organisations
from qingshan.app.models import AuditEvent
from qingshan.app.organisations import Unit
from qingshan.errors import ValidationError
from qingshan.registry import (
    Acting,
    Order,
    RegistryError,
    approve,
    balances,
    cancel,
    clock,
    holdings,
    load_rights,
    open_account,
    pending_for,
    reject,
    request,
    totals,
    verify,
)
from qingshan.registry.access import may_see
from qingshan.registry.models import Account, LedgerRow, RightRequest
from qingshan.registry.rights import RightBook
from tests.conftest import fresh_pg_database

UNITS = [Unit("459900", "city", "青山市"), Unit("459901", "district", "东区"),
         Unit("E1", "enterprise", "甲厂", district="459901"), Unit("E2", "enterprise", "乙厂", district="459901"),
         Unit("E3", "enterprise", "丙厂", district="459901")]
SETUP = audit.Actor("cli:test", role="administrator")


def _acting(user: str, org: str, *roles: str) -> Acting:
    path = "/459900" if org.startswith("459900") else f"/459900/459901/{org}"
    return Acting(user, org, path, roles)


#: Who acts: the 发改委 (YN's authority) requests with one official and approves with
#: another; the city (TS's and YS's authority) likewise; enterprises request as holders.
ORGS = {"fgw1": _acting("fgw1", "459900-fgw", "administrator"), "fgw2": _acting("fgw2", "459900-fgw", "reviewer"),
        "both": _acting("both", "459900-fgw", "administrator", "reviewer"),
        "city1": _acting("city1", "459900", "administrator"), "city2": _acting("city2", "459900", "reviewer"),
        "env1": _acting("env1", "459900-sthjj", "administrator"), "env2": _acting("env2", "459900-sthjj", "reviewer"),
        "e1": _acting("e1", "E1", "reporter"), "e2": _acting("e2", "E2", "reporter"),
        "e3": _acting("e3", "E3", "reporter"),
        "v1": _acting("v1", "E1", "viewer"), "fgwv": _acting("fgwv", "459900-fgw", "viewer"),
        "east": Acting("east", "459901", "/459900/459901", ("viewer",))}


@dataclasses.dataclass
class World:
    url: str
    book: RightBook
    accounts: dict[str, int]  # "YN:E1" → account id

    def run(self, fn: Callable[[Session], Any]) -> Any:
        with database.session(self.url) as s:
            return fn(s)

    def req(self, who: str, order: Order) -> RightRequest:
        return self.run(lambda s: request(s, ORGS[who], self.book, order))  # type: ignore[no-any-return]

    def ok(self, who: str, rid: int) -> RightRequest:
        return self.run(lambda s: approve(s, ORGS[who], self.book, rid))  # type: ignore[no-any-return]

    def done(self, who: str, approver: str, order: Order) -> RightRequest:
        """Request and approve."""
        return self.ok(approver, self.req(who, order).id)

    def serials(self, key: str) -> list[tuple[str, str, str | None]]:
        return [(h.serial, h.status, h.encumbrance) for h in self.run(lambda s: holdings(s, self.accounts[key]))]

    def bal(self, key: str) -> dict[str, int]:
        got = self.run(lambda s: balances(s, account_id=self.accounts[key]))
        out: dict[str, int] = {}
        for b in got:
            for f in ("held", "reserved", "surrendered", "retired", "cancelled", "pledged", "leased", "frozen"):
                out[f] = out.get(f, 0) + getattr(b, f)
        return {k: v for k, v in out.items() if v}

    def refused(self, code: str, fn: Callable[[Session], Any]) -> RegistryError:
        with pytest.raises(RegistryError) as e:
            self.run(fn)
        assert e.value.code == code, e.value
        return e.value


def make_world(url: str, book: RightBook | None = None,
               holders: tuple[tuple[str, str], ...] = (("YN", "E1"), ("YN", "E2"), ("YN", "E3"), ("TS", "E1"),
                                                        ("TS", "E2"), ("PW-COD", "E1"), ("PW-COD", "E2"),
                                                        ("YS", "E1"))) -> World:
    """A migrated database with the test city's organisations and holding accounts."""
    database.upgrade(url)
    book = book or load_rights("rights-demo", "459900")
    opener = {"YN": "fgw1", "TS": "city1", "YS": "city1", "PW-COD": "env1"}
    with database.session(url) as s:
        organisations.sync(s, UNITS, SETUP)
        ids = {f"{r}:{h}": open_account(s, ORGS[opener.get(r, "fgw1")], book, r, h).id for r, h in holders}
    return World(url, book, ids)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.sqlite3'}"
        return
    with fresh_pg_database("qingshan_registry") as plain:
        url = plain.replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            yield url
        finally:
            database.engine(url).dispose()


@pytest.fixture
def w(app_url: str) -> World:
    return make_world(app_url)


def issue(w: World, right: str, holder: str, amount: str, vintage: int = 2025, method: str | None = None) -> int:
    who, approver = {"YN": ("fgw1", "fgw2"), "TS": ("city1", "city2"), "YS": ("city1", "city2"),
                     "PW-COD": ("env1", "env2")}[right]
    m = method or {"YN": "grandfathering", "TS": "verified", "YS": "grandfathering", "PW-COD": "paid"}[right]
    return w.done(who, approver, Order("issue", right, amount=amount, to_account=w.accounts[f"{right}:{holder}"],
                                       vintage=vintage, method=m)).id


def test_issue_and_a_partial_transfer_split_the_block(w: World) -> None:
    """5 000 tce issued to 甲厂 are serials 1–5000; selling 1 200 to 乙厂 leaves 甲厂 the
    first 3 800 (1–3800) and gives 乙厂 the last 1 200 (3801–5000); a second issuance of the
    same vintage continues at 5001."""
    issue(w, "YN", "E1", "5000")
    assert w.serials("YN:E1") == [("459900-YN-2025-000000001-000005000", "held", None)]
    t = w.req("e1", Order("transfer", "YN", amount="1200", from_account=w.accounts["YN:E1"],
                          to_account=w.accounts["YN:E2"], trade_form="negotiated", price="80.00"))
    assert t.state == "pending" and t.units == 1200 and t.price == "80.00"
    assert w.serials("YN:E1") == [("459900-YN-2025-000000001-000003800", "held", None),
                                  ("459900-YN-2025-000003801-000005000", "reserved", None)]
    assert w.bal("YN:E1") == {"held": 3800, "reserved": 1200}
    assert w.ok("fgw2", t.id).state == "completed"
    assert w.serials("YN:E1") == [("459900-YN-2025-000000001-000003800", "held", None)]
    assert w.serials("YN:E2") == [("459900-YN-2025-000003801-000005000", "held", None)]
    issue(w, "YN", "E3", "2000")
    assert w.serials("YN:E3") == [("459900-YN-2025-000005001-000007000", "held", None)]
    issue(w, "YN", "E3", "10", vintage=2026)  # another vintage numbers from 1
    assert w.serials("YN:E3")[-1] == ("459900-YN-2026-000000001-000000010", "held", None)
    (t25, t26) = w.run(lambda s: totals(s, ["YN"]))
    assert (t25.issued, t25.held, t25.reserved) == (7000, 7000, 0) and (t26.vintage, t26.issued) == (2026, 10)
    with database.session(w.url) as s:
        steps = [(r.kind, r.step) for r in s.execute(select(LedgerRow).order_by(LedgerRow.id)).scalars()]
        actions = [e.action for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
                   if e.action.startswith("registry.")]
        assert verify(s) == [] and audit.verify(s) == []
    assert steps[8:] == [("issue", "request"), ("issue", "complete"), ("transfer", "request"),
                         ("transfer", "complete"), ("issue", "request"), ("issue", "complete"),
                         ("issue", "request"), ("issue", "complete")]
    assert steps[:8] == [("account", "open")] * 8  # the eight holding accounts
    assert actions == [f"registry.{k}.{st}" for k, st in steps]  # one audit event per ledger row


def test_a_request_ends_completed_rejected_or_cancelled(w: World) -> None:
    issue(w, "YN", "E1", "1000")
    src, dst = w.accounts["YN:E1"], w.accounts["YN:E2"]
    order = Order("transfer", "YN", amount="400", from_account=src, to_account=dst, trade_form="fixed_price",
                  price="80")
    r1 = w.req("e1", order)
    w.refused("D108", lambda s: reject(s, ORGS["fgw2"], w.book, r1.id, " "))  # a rejection needs a reason
    assert w.run(lambda s: reject(s, ORGS["fgw2"], w.book, r1.id, "价格低于基准价")).state == "rejected"
    assert w.serials("YN:E1") == [("459900-YN-2025-000000001-000000600", "held", None),
                                  ("459900-YN-2025-000000601-000001000", "held", None)]  # given back, as children
    w.refused("D105", lambda s: approve(s, ORGS["fgw2"], w.book, r1.id))  # a rejected request stays rejected
    r2 = w.req("e1", order)
    w.refused("D101", lambda s: cancel(s, ORGS["e2"], w.book, r2.id, "not mine"))  # only its requester
    done = w.run(lambda s: cancel(s, ORGS["e1"], w.book, r2.id, "买方放弃"))
    assert (done.state, done.decision_reason, done.decided_by) == ("cancelled", "买方放弃", "e1")
    assert w.bal("YN:E1") == {"held": 1000}
    r3 = w.req("e1", order)
    assert w.ok("fgw2", r3.id).state == "completed"
    w.refused("D105", lambda s: cancel(s, ORGS["e1"], w.book, r3.id, "too late"))
    assert w.bal("YN:E1") == {"held": 600} and w.bal("YN:E2") == {"held": 400}
    both = w.req("both", Order("issue", "YN", amount="5", to_account=src, vintage=2025, method="benchmark"))
    w.refused("D112", lambda s: approve(s, ORGS["both"], w.book, both.id))  # four eyes
    w.refused("D112", lambda s: reject(s, ORGS["both"], w.book, both.id, "x"))
    assert w.run(lambda s: [r.id for r in pending_for(s, ORGS["fgw2"], w.book)]) == [both.id]
    assert w.run(lambda s: pending_for(s, ORGS["both"], w.book)) == []  # not its own
    assert w.run(lambda s: pending_for(s, ORGS["city2"], w.book)) == []  # not YN's authority
    assert w.run(lambda s: verify(s)) == []


def test_lease_then_return_by_the_lessee_or_after_the_end_by_the_lessor(w: World,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A lease (平湖 租赁) moves the serials to the lessee until the end date; the lessee may
    use them (surrender) but not sell, lease or pledge them; what is left goes back."""
    issue(w, "YN", "E1", "1000")
    today = clock.today()
    end = today + dt.timedelta(days=90)
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    lease = w.done("e1", "fgw2", Order("lease", "YN", amount="300", from_account=e1, to_account=e2, lease_end=end,
                                       price="20"))
    assert w.serials("YN:E2") == [("459900-YN-2025-000000701-000001000", "held", "leased")]
    assert w.bal("YN:E2") == {"held": 300, "leased": 300}
    w.refused("D102", lambda s: request(s, ORGS["e2"], w.book, Order(
        "transfer", "YN", amount="1", from_account=e2, to_account=w.accounts["YN:E3"], trade_form="negotiated")))
    w.done("e2", "fgw2", Order("surrender", "YN", amount="100", from_account=e2, period="2025"))
    assert w.bal("YN:E2") == {"held": 200, "leased": 200}
    w.refused("D110", lambda s: request(s, ORGS["e1"], w.book, Order("lease_return", "YN", reference=lease.id)))
    ret = w.req("e2", Order("lease_return", "YN", reference=lease.id))  # the lessee returns early
    w.refused("D110", lambda s: request(s, ORGS["e2"], w.book, Order("lease_return", "YN", reference=lease.id)))
    w.ok("fgw2", ret.id)
    assert w.bal("YN:E1") == {"held": 900} and w.bal("YN:E2") == {}
    # leased 701–1000; the lessee surrendered its last 100 (901–1000) and returns 701–900
    assert w.serials("YN:E1")[-1] == ("459900-YN-2025-000000701-000000900", "held", None)
    lease2 = w.done("e1", "fgw2", Order("lease", "YN", amount="50", from_account=e1, to_account=e2, lease_end=end))
    late = w.req("e1", Order("lease", "YN", amount="10", from_account=e1, to_account=e2, lease_end=end))
    monkeypatch.setattr(clock, "today", lambda: end + dt.timedelta(days=1))
    w.refused("D111", lambda s: approve(s, ORGS["fgw2"], w.book, late.id))  # it ended while it waited
    w.run(lambda s: cancel(s, ORGS["e1"], w.book, late.id, "租期已过"))
    w.refused("D102", lambda s: request(s, ORGS["e2"], w.book, Order(  # an ended lease cannot be used
        "surrender", "YN", amount="1", from_account=e2, period="2025")))
    w.done("e1", "fgw2", Order("lease_return", "YN", reference=lease2.id))  # the lessor, after the end
    assert w.bal("YN:E1") == {"held": 900} and w.bal("YN:E2") == {}
    (t,) = w.run(lambda s: totals(s, ["YN"]))
    assert (t.issued, t.held, t.surrendered) == (1000, 900, 100)
    assert w.run(lambda s: verify(s)) == []


def test_pledge_release_and_retire_a_carbon_ticket(w: World) -> None:
    """碳票 (三明: circulation, pledge, offset): issued from a verified report, pledged to a
    bank, released, and partly retired by a public body offsetting its footprint."""
    issue(w, "TS", "E1", "1000")
    ts1, ts2 = w.accounts["TS:E1"], w.accounts["TS:E2"]
    with pytest.raises(ValidationError) as e:  # no pledgee
        w.req("e1", Order("pledge", "TS", amount="400", from_account=ts1))
    assert [(p.code, p.column) for p in e.value.problems] == [("D114", "counterparty")]
    pledge = w.done("e1", "city2", Order("pledge", "TS", amount="400", from_account=ts1, counterparty="青山农商银行",
                                         until=clock.today() + dt.timedelta(days=365)))
    assert w.bal("TS:E1") == {"held": 1000, "pledged": 400}
    w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(
        "transfer", "TS", amount="601", from_account=ts1, to_account=ts2, trade_form="negotiated")))
    w.done("e1", "city2", Order("transfer", "TS", amount="600", from_account=ts1, to_account=ts2,
                                trade_form="negotiated"))
    w.done("e1", "city2", Order("release", "TS", reference=pledge.id))
    assert w.bal("TS:E1") == {"held": 400}
    w.refused("D110", lambda s: request(s, ORGS["e1"], w.book, Order("release", "TS", reference=pledge.id)))
    w.done("e2", "city2", Order("retire", "TS", amount="250", from_account=ts2, reason="抵消机关办公碳排放"))
    assert w.bal("TS:E2") == {"held": 350}
    (t,) = w.run(lambda s: totals(s, ["TS"]))
    assert (t.issued, t.held, t.retired) == (1000, 750, 250)
    assert t.issued == t.held + t.reserved + t.surrendered + t.retired + t.cancelled
    with database.session(w.url) as s:
        retirement = s.execute(select(Account).where(Account.kind == "retirement")).scalar_one()
        assert (retirement.right_code, retirement.holder, retirement.organisation_id) == ("TS", "retirement", None)
        assert [h.status for h in holdings(s, retirement.id)] == ["retired"]
        assert verify(s) == []


def test_freeze_an_amount_or_an_account(w: World) -> None:
    issue(w, "YN", "E1", "1000")
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    with pytest.raises(ValidationError) as e:  # a freeze needs a reason
        w.req("fgw1", Order("freeze", "YN", amount="300", from_account=e1))
    assert [p.code for p in e.value.problems] == ["D108"]
    frz = w.req("fgw1", Order("freeze", "YN", amount="300", from_account=e1, reason="法院协助冻结"))
    assert frz.state == "completed"  # approve = none: at once
    assert w.bal("YN:E1") == {"held": 1000, "frozen": 300}
    pend = w.req("e1", Order("transfer", "YN", amount="700", from_account=e1, to_account=e2, trade_form="negotiated"))
    w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(
        "transfer", "YN", amount="1", from_account=e1, to_account=e2, trade_form="negotiated")))
    unf = w.req("fgw1", Order("unfreeze", "YN", reference=frz.id))
    assert unf.state == "pending"  # lifting a freeze needs a second official
    w.ok("fgw2", unf.id)
    assert w.bal("YN:E1") == {"held": 300, "reserved": 700}
    w.req("fgw1", Order("freeze_account", "YN", from_account=e1, reason="涉嫌数据造假"))
    w.refused("D110", lambda s: request(s, ORGS["fgw1"], w.book, Order("freeze_account", "YN", from_account=e1,
                                                                        reason="again")))
    w.refused("D104", lambda s: approve(s, ORGS["fgw2"], w.book, pend.id))  # approving a sale from a frozen account
    w.refused("D104", lambda s: request(s, ORGS["e1"], w.book, Order(
        "transfer", "YN", amount="1", from_account=e1, to_account=e2, trade_form="negotiated")))
    cut = w.done("fgw1", "fgw2", Order("cancel", "YN", amount="100", from_account=e1, reason="核减配额（处罚）"))
    assert cut.state == "completed"  # an authority's cancellation goes on while the account is frozen
    w.done("fgw1", "fgw2", Order("unfreeze_account", "YN", from_account=e1))
    w.ok("fgw2", pend.id)
    assert w.bal("YN:E1") == {"held": 200} and w.bal("YN:E2") == {"held": 700}
    (t,) = w.run(lambda s: totals(s, ["YN"]))
    assert (t.issued, t.held, t.cancelled) == (1000, 900, 100)
    assert w.run(lambda s: verify(s)) == []


def test_buyback_surrender_and_cancel_reconcile(w: World) -> None:
    """By hand: 2 000 issued; 300 bought back into the reserve, 1 000 surrendered for 2025,
    50 cancelled: held 2 000 − 1 350 + 300 (the reserve holds) = 950, and
    issued 2 000 = held 950 + surrendered 1 000 + cancelled 50."""
    issue(w, "YN", "E1", "2000")
    e1 = w.accounts["YN:E1"]
    w.done("e1", "fgw2", Order("buyback", "YN", amount="300", from_account=e1, price="80"))
    w.done("e1", "fgw2", Order("surrender", "YN", amount="1000", from_account=e1, period="2025"))
    w.done("fgw1", "fgw2", Order("cancel", "YN", amount="50", from_account=e1, reason="关停企业注销"))
    assert w.bal("YN:E1") == {"held": 650}
    (t,) = w.run(lambda s: totals(s, ["YN"]))
    assert (t.issued, t.held, t.reserved, t.surrendered, t.retired, t.cancelled) == (2000, 950, 0, 1000, 0, 50)
    with database.session(w.url) as s:
        kinds = {a.kind: a.id for a in s.execute(select(Account).where(Account.right_code == "YN")).scalars()}
        got = {b.account_id: (b.held, b.surrendered, b.cancelled) for b in balances(s, rights=["YN"])}
        surrendered = s.execute(select(RightRequest).where(RightRequest.kind == "surrender")).scalar_one()
    assert got[kinds["reserve"]] == (300, 0, 0) and got[kinds["surrender"]] == (0, 1000, 0)
    assert got[kinds["cancellation"]] == (0, 0, 50) and surrendered.period == "2025"
    # the reserve sells on (a paid allocation out of the government reserve)
    w.done("fgw1", "fgw2", Order("issue", "YN", amount="10", to_account=kinds["reserve"], vintage=2025,
                                 method="paid"))
    assert w.run(lambda s: verify(s)) == []


def test_who_may_do_what(w: World) -> None:
    issue(w, "YN", "E1", "100")
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    sale = Order("transfer", "YN", amount="10", from_account=e1, to_account=e2, trade_form="negotiated")
    w.refused("D101", lambda s: request(s, ORGS["e2"], w.book, sale))  # not its account
    w.refused("D101", lambda s: request(s, ORGS["v1"], w.book, sale))  # a viewer of E1
    w.refused("D101", lambda s: request(s, ORGS["fgw1"], w.book, sale))  # the authority does not sell for it
    w.refused("D101", lambda s: request(s, ORGS["e1"], w.book, Order(  # an enterprise does not issue
        "issue", "YN", amount="1", to_account=e1, vintage=2025, method="paid")))
    w.refused("D101", lambda s: request(s, ORGS["env1"], w.book, Order(  # 生态环境局 is not YN's authority
        "issue", "YN", amount="1", to_account=e1, vintage=2025, method="paid")))
    r = w.req("e1", sale)
    def approve_as(who: str) -> Callable[[Session], Any]:
        return lambda s: approve(s, ORGS[who], w.book, r.id)

    for who in ("e1", "e2", "fgw1", "city2", "env2"):  # not an approver of YN
        w.refused("D101", approve_as(who))
    w.refused("D101", lambda s: cancel(s, ORGS["fgwv"], w.book, r.id, "x"))  # the bureau, but only a viewer
    w.refused("D101", lambda s: cancel(s, ORGS["e2"], w.book, r.id, "x"))
    assert w.run(lambda s: cancel(s, ORGS["fgw2"], w.book, r.id, "交易所暂停")).state == "cancelled"
    with database.session(w.url) as s:  # who sees which account (for the pages to come)
        yn = w.book.right("YN")
        e1_acc, e2_acc = s.get_one(Account, e1), s.get_one(Account, e2)
        assert may_see(s, ORGS["e1"], yn, e1_acc) and not may_see(s, ORGS["e1"], yn, e2_acc)
        assert may_see(s, ORGS["east"], yn, e2_acc)  # the district sees its enterprises
        assert may_see(s, ORGS["fgw2"], yn, e2_acc)  # the authority
        assert may_see(s, ORGS["fgwv"], yn, e2_acc)  # a bureau sits at the city's path: it sees the city
        assert not may_see(s, Acting("x", "E2", "/459900/459901/E2", ("reporter",)), yn, e1_acc)
    w.refused("D101", lambda s: open_account(s, ORGS["e1"], w.book, "YN", "E3"))
    w.refused("D107", lambda s: open_account(s, ORGS["fgw1"], w.book, "YN", "E1"))  # one account a holder
    w.refused("D106", lambda s: open_account(s, ORGS["fgw1"], w.book, "YN", "E404"))
    w.refused("D107", lambda s: request(s, ORGS["e1"], w.book, dataclasses.replace(sale, to_account=e1)))
    w.refused("D107", lambda s: request(s, ORGS["e1"], w.book, dataclasses.replace(
        sale, to_account=w.accounts["TS:E2"])))  # another right's account
    w.refused("D106", lambda s: request(s, ORGS["e1"], w.book, dataclasses.replace(sale, to_account=999)))
    with pytest.raises(ValidationError) as e:  # YS has no lease in the demo rules
        w.req("e1", Order("lease", "YS", amount="1", from_account=w.accounts["YS:E1"], to_account=e2,
                          lease_end=clock.today() + dt.timedelta(days=1)))
    assert "D109" in {p.code for p in e.value.problems}


def test_an_order_reports_every_problem_and_writes_nothing(w: World) -> None:
    issue(w, "YN", "E1", "100")
    rows = w.run(lambda s: s.execute(select(func.count()).select_from(LedgerRow)).scalar_one())
    with pytest.raises(ValidationError) as e:
        w.req("e1", Order("transfer", "YN", amount="1.5", from_account=w.accounts["YN:E1"], trade_form="barter",
                          price="-1", lease_end=clock.today(), period="25"))
    got = {(p.code, p.column) for p in e.value.problems}
    assert got == {("D103", "amount"), ("D109", "trade_form"), ("D103", "price"), ("D114", "to_account"),
                   ("D114", "lease_end"), ("D114", "period"), ("D111", "lease_end"), ("D103", "period")}
    with pytest.raises(ValidationError) as e:
        w.req("e1", Order("teleport", "YN"))
    assert e.value.problems[0].code == "D109"
    with pytest.raises(ValidationError):
        w.req("e1", Order("transfer", "YN", amount=1.5, from_account=1, to_account=2,  # type: ignore[arg-type]
                          trade_form="negotiated"))
    assert w.run(lambda s: s.execute(select(func.count()).select_from(LedgerRow)).scalar_one()) == rows


def test_a_refusal_inside_a_session_undoes_only_its_own_step(w: World) -> None:
    """A caller that catches a refusal and commits the rest keeps nothing of the refused step
    (each step runs in a savepoint)."""
    issue(w, "YN", "E1", "100")
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    with database.session(w.url) as s:
        request(s, ORGS["e1"], w.book, Order("transfer", "YN", amount="60", from_account=e1, to_account=e2,
                                             trade_form="negotiated"))
        with pytest.raises(RegistryError) as e:  # 40 left: reserved nothing, wrote nothing
            request(s, ORGS["e1"], w.book, Order("transfer", "YN", amount="50", from_account=e1, to_account=e2,
                                                 trade_form="negotiated"))
        assert e.value.code == "D102" and e.value.status == 409
    assert w.bal("YN:E1") == {"held": 40, "reserved": 60}
    with database.session(w.url) as s:
        assert s.execute(select(func.count()).select_from(RightRequest)).scalar_one() == 2  # the issue and one sale
        assert verify(s) == []


def test_a_vintage_past_its_validity_cannot_be_traded_but_can_be_cancelled(w: World,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """排污权 valid 5 years (丽水, platform.md a.4): vintage 2021 is valid to 2025 and lapses in
    2026. 1.5 t of COD are 1 500 serials of 1 kg."""
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 6, 1))
    issue(w, "PW-COD", "E1", "1.5", vintage=2021)
    pw1, pw2 = w.accounts["PW-COD:E1"], w.accounts["PW-COD:E2"]
    (h,) = w.run(lambda s: holdings(s, pw1))
    assert (h.serial, h.valid_to) == ("459900-PW-COD-2021-000000001-000001500", 2025)
    w.done("e1", "env2", Order("transfer", "PW-COD", amount="0.25", from_account=pw1, to_account=pw2,
                               trade_form="negotiated"))
    assert w.bal("PW-COD:E2") == {"held": 250}
    waiting = w.req("e1", Order("transfer", "PW-COD", amount="0.5", from_account=pw1, to_account=pw2,
                                trade_form="negotiated"))
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 1, 1))
    w.refused("D102", lambda s: approve(s, ORGS["env2"], w.book, waiting.id))  # it lapsed while it waited
    w.run(lambda s: reject(s, ORGS["env2"], w.book, waiting.id, "已过有效期"))
    err = w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(
        "transfer", "PW-COD", amount="0.001", from_account=pw1, to_account=pw2, trade_form="negotiated")))
    assert "0 t" in err.en
    w.done("env1", "env2", Order("cancel", "PW-COD", amount="1.25", from_account=pw1, reason="有效期届满"))
    (t,) = w.run(lambda s: totals(s, ["PW-COD"]))
    assert (t.issued, t.held, t.cancelled) == (1500, 250, 1250)


def test_a_right_keeps_its_serial_unit(w: World) -> None:
    yn = w.book.right("YN")
    changed = dataclasses.replace(w.book, rights={**w.book.rights, "YN": dataclasses.replace(
        yn, serial_unit=Decimal("0.1"))})
    err = w.refused("D113", lambda s: open_account(s, ORGS["fgw1"], changed, "YN", "459901"))
    assert "serial unit 1 tce" in err.en and "0.1 tce" in err.en
    assert open_account is not None and w.run(lambda s: verify(s)) == []


def test_a_leased_surrender_waiting_past_the_lease_end_is_refused(w: World,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """乙厂 leases 300 from 甲厂 to day + 90 and asks to surrender 100 of them for 2025 while the
    lease runs; the request waits past the end: the approval refuses it (D111) and nothing
    moves (the lessee may not surrender the lessor's rights after the lease); rejected, the
    300 stay leased and go back to 甲厂."""
    issue(w, "YN", "E1", "1000")
    end = clock.today() + dt.timedelta(days=90)
    e1, e2 = w.accounts["YN:E1"], w.accounts["YN:E2"]
    lease = w.done("e1", "fgw2", Order("lease", "YN", amount="300", from_account=e1, to_account=e2, lease_end=end))
    waiting = w.req("e2", Order("surrender", "YN", amount="100", from_account=e2, period="2025"))
    assert w.bal("YN:E2") == {"held": 200, "reserved": 100, "leased": 200}
    monkeypatch.setattr(clock, "today", lambda: end + dt.timedelta(days=1))
    w.refused("D111", lambda s: approve(s, ORGS["fgw2"], w.book, waiting.id))
    assert w.bal("YN:E2") == {"held": 200, "reserved": 100, "leased": 200}
    w.run(lambda s: reject(s, ORGS["fgw2"], w.book, waiting.id, "租期已过"))
    w.done("e1", "fgw2", Order("lease_return", "YN", reference=lease.id))
    assert w.bal("YN:E1") == {"held": 1000} and w.bal("YN:E2") == {}
    assert w.run(lambda s: verify(s)) == []


def test_a_surrender_uses_no_later_vintage_and_its_period_is_a_year(w: World) -> None:
    """甲厂 holds 100 tce of vintage 2025 and 100 of 2026. A surrender for period 2025 may use
    only the 100 of 2025 (borrowing from 2026 is not allowed): 150 or any of vintage 2026 is
    refused (D102); 100 for 2025 takes serials 1–100 of 2025. A month (2025-06) is not a
    period (D103): compliance counts surrenders by year."""
    issue(w, "YN", "E1", "100", vintage=2025)
    issue(w, "YN", "E1", "100", vintage=2026)
    e1 = w.accounts["YN:E1"]
    w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(
        "surrender", "YN", amount="150", from_account=e1, period="2025")))
    w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(
        "surrender", "YN", amount="1", from_account=e1, period="2025", vintage=2026)))
    with pytest.raises(ValidationError) as e:
        w.req("e1", Order("surrender", "YN", amount="1", from_account=e1, period="2025-06"))
    assert [(p.code, p.column) for p in e.value.problems] == [("D103", "period")]
    w.done("e1", "fgw2", Order("surrender", "YN", amount="100", from_account=e1, period="2025"))
    assert w.serials("YN:E1") == [("459900-YN-2026-000000001-000000100", "held", None)]
    assert w.run(lambda s: verify(s)) == []


def test_a_surrender_judges_validity_by_its_period(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """排污权 valid 5 years: vintage 2021 is valid to 2025. It may be surrendered for period 2025
    after 2025 has ended (on 2026-03-01, before the demo's 03-31 deadline), at the request and
    at the approval alike; a request waiting from 2025-12-31 to 2026-01-02 completes too. For
    period 2026 it is refused (D102) even while 2025 runs."""
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 6, 1))
    issue(w, "PW-COD", "E1", "1.5", vintage=2021)
    pw1 = w.accounts["PW-COD:E1"]
    w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(
        "surrender", "PW-COD", amount="0.001", from_account=pw1, period="2026")))
    monkeypatch.setattr(clock, "today", lambda: dt.date(2025, 12, 31))
    waiting = w.req("e1", Order("surrender", "PW-COD", amount="0.5", from_account=pw1, period="2025"))
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 1, 2))
    w.ok("env2", waiting.id)
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 3, 1))
    w.done("e1", "env2", Order("surrender", "PW-COD", amount="0.75", from_account=pw1, period="2025"))
    w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(
        "surrender", "PW-COD", amount="0.001", from_account=pw1, period="2026")))
    (t,) = w.run(lambda s: totals(s, ["PW-COD"]))
    assert (t.issued, t.held, t.surrendered) == (1500, 250, 1250)
    assert w.run(lambda s: verify(s)) == []
