"""Issue #19's "Done when", on the demo city (docs/demo-city.md, "The demo's markets"):
an enterprise is allocated 用能权, sells part of it to a new project that screening told how
much to buy, surrenders at year end and appears on the compliance list; the 碳票 of a
mangrove restoration are issued and retired; every balance reconciles and
`qingshan registry verify` passes. Also: 排污权 and 用水权 are allocated and traded once, the
markets never run twice, and the green-finance lists read the compliance list.

One `qingshan demo` run (200 enterprises, 2022–2025) is shared by the tests. Its ledger is
dated as the demo's simulation (demo_markets.toml [simulation]): issued 15 January 2025,
traded 15 July, 碳票 15 September, the short 用能权 holders cover their shortfall on 10 May 2026
(from a holder with a surplus, the rest by paid allocation), surrendered 16 March (排污权) and
20 May 2026 (用能权), before the deadlines of 31 March and 30 June, except the holders the file
names as late (20 July 2026) or missing. The real clock is set to 1 December 2026 while it runs (the day the
compliance list is judged on, after every simulated day), so nothing below depends on the
day the test runs; the audit events carry the real time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qingshan.app import database
from qingshan.app.models import AuditEvent
from qingshan.city import City
from qingshan.cli import main
from qingshan.documents.registry_compliance import compliance_document
from qingshan.documents.registry_demo import choices, schedule
from qingshan.documents.registry_green_finance import green_finance_document
from qingshan.documents.screening import energy_right
from qingshan.errors import ValidationError
from qingshan.registry import balances, clock, holdings, totals, verify
from qingshan.registry.accounts import find
from qingshan.registry.compliance import load_compliance
from qingshan.registry.models import Account, LedgerHead, LedgerRow, RightRequest
from qingshan.registry.rights import load_rights
from qingshan.screening.project import read_project

RUN_AT = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # the real clock: 10:00 in China, 1 December 2026
BOOK = load_rights("rights-demo", "459900")
PROJECT_ORG = "459900-project-copper_cathode"
ARGS = ["demo", "--enterprises", "200", "--years", "2022-2025"]
#: The demo's simulated days (demo_markets.toml [simulation]), China Standard Time.
ISSUE, TRADE, TICKETS = "2025-01-15", "2025-07-15", "2025-09-15"
COVER = "2026-05-10"  # the short 用能权 holders buy their shortfall
SURRENDER = {"YN": "2026-05-20", "PW-COD": "2026-03-16"}
DEADLINE = {"YN": "2026-06-30", "PW-COD": "2026-03-31"}  # compliance-demo.toml: 06-30 and 03-31 of 2026
LATE_DAY = "2026-07-20"
#: The holders of the 200-enterprise city demo_markets.toml chooses, by hand, to surrender late or not at all.
LATE = {"YN": {"91459900180396190L", "914599029272933671"}, "PW-COD": {"91459900MAMGLXY23H"}}
MISSING = {"YN": {"91459900185023750X", "91459904278759082R"}, "PW-COD": {"91459921034460080E"}}


@dataclasses.dataclass(frozen=True)
class Run:
    path: Path
    started: dt.datetime  # the real time the command ran between
    ended: dt.datetime


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    d = tmp_path_factory.mktemp("markets") / "city"
    started = dt.datetime.now(dt.UTC)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clock, "wall", lambda: RUN_AT)
        r = CliRunner().invoke(main, [*ARGS, "--data-dir", str(d)])
    assert r.exit_code == 0, r.output
    assert "权益市场 · 2025 年" in r.output and "登记簿核验通过" in r.output
    assert "账本按演示模拟日期记账（demo_markets.toml[simulation]）" in "".join(r.output.split())  # lines wrap
    return Run(d, started, dt.datetime.now(dt.UTC))


@pytest.fixture(scope="module")
def demo(demo_run: Run) -> Path:
    return demo_run.path


@pytest.fixture(scope="module")
def markets(demo: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((demo / "results" / "markets.json").read_text("utf-8"))
    return doc


def url(d: Path) -> str:
    return database.app_url(d)


def tce(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def held(d: Path, right: str, holder: str) -> dict[str, int]:
    with database.session(url(d), read_only=True) as s:
        acct = find(s, BOOK, right, "holding", holder)
        assert acct is not None, (right, holder)
        out: dict[str, int] = {}
        for b in balances(s, account_id=acct.id):
            for f in ("held", "reserved", "surrendered", "retired", "cancelled"):
                out[f] = out.get(f, 0) + getattr(b, f)
        return {k: v for k, v in out.items() if v}


def test_an_enterprise_is_allocated_sells_to_the_new_project_and_surrenders(demo: Path,
                                                                           markets: dict[str, Any]) -> None:
    # the project: screening tells it how much to buy (豫发改环资〔2022〕586号 Art. 4, quota = A × B × C ÷ P,
    # rounded up to whole tce) and at what price (石嘴山 2025: 150 × A × B ÷ 4.48)
    with City.open(demo) as city:
        er = energy_right(city.screen(read_project("copper_cathode")))
        yearly = city.accounts().yearly
    assert er is not None and er["required"] is True
    step = {x["name"]: tce(x["value"]) for x in er["steps"]}
    quota = (step["A"] * step["B"] * step["C"] / step["P"]).to_integral_value(ROUND_CEILING)
    assert step["B"] == Decimal("0.3") and Decimal(repr(er["quota_tce"])) == quota > 0
    price = Decimal(150) * step["A_price"] * step["B_price"] / Decimal("4.48")
    assert float(er["price_yuan_per_tce"]) == pytest.approx(float(price), rel=1e-12)

    # what the project holds is what screening told it to buy, bought at that price, 定价转让
    bought = [t for t in markets["trades"] if t["right"] == "YN" and t["to"] == PROJECT_ORG]
    assert bought and all(t["day"] == TRADE for t in bought)
    assert sum(Decimal(repr(t["amount"])) for t in bought) == quota
    assert held(demo, "YN", PROJECT_ORG) == {"held": int(quota)}
    with database.session(url(demo), read_only=True) as s:
        reqs = [s.get(RightRequest, t["request"]) for t in bought]
        assert all(r is not None and r.state == "completed" and r.trade_form == "fixed_price"
                   and Decimal(r.price or "nan") == tce(er["price_yuan_per_tce"]) for r in reqs)
        seller = bought[0]["from"]
        issue = s.execute(select(RightRequest).join(Account, Account.id == RightRequest.to_account_id).where(
            RightRequest.kind == "issue", Account.holder == seller, RightRequest.right_code == "YN")).scalar_one()
        method, issued = issue.method, issue.units

    # the seller's allocation by hand: 豫政办〔2019〕25号 历史法 as allocation-demo.toml reads it, the mean of
    # its 2022–2024 energy (等价值), rounded down to whole tce; it was at least 5 000 tce in 2024
    mine = yearly[yearly["entity_id"].astype(str) == seller].set_index("year")["energy_tce_equal"]
    assert method == "grandfathering" and mine[2024] >= 5000
    allocation = (sum((tce(mine[y]) for y in (2022, 2023, 2024)), Decimal(0)) / 3).to_integral_value(ROUND_FLOOR)
    assert issued == int(allocation)
    # year end: it surrenders its 2025 energy, rounded up (compliance-demo.toml), out of what it kept
    obligation = tce(mine[2025]).to_integral_value(ROUND_CEILING)
    # (to the project, and to short holders on 10 May 2026)
    sold = sum(int(t["amount"]) for t in markets["trades"] if t["right"] == "YN" and t["from"] == seller)
    assert allocation - sold >= obligation  # it sold only its surplus
    # (surrendered units leave for the jurisdiction's surrender account: the seller keeps the rest)
    assert held(demo, "YN", seller).get("held", 0) == int(allocation - sold - obligation)
    gave = [x for x in markets["surrenders"] if x["right"] == "YN" and x["from"] == seller]
    assert [Decimal(repr(x["amount"])) for x in gave] == [obligation]

    # and appears on the compliance list of 2025: on time (surrendered 20 May 2026, deadline 30 June)
    with City.open(demo) as city, database.session(url(demo), read_only=True) as s:
        doc = compliance_document(city, s, 2025, ["YN"], today=dt.date(2026, 7, 1))
        early = compliance_document(city, s, 2025, ["YN"], today=dt.date(2026, 1, 20))
    row = next(r for r in doc["rows"] if r["holder"] == seller)
    assert (row["status"], row["status_zh"]) == ("on_time", "按时完成履约")
    assert Decimal(repr(row["surrendered"])) == Decimal(repr(row["obligation"])) == obligation
    assert row["shortfall"] == 0 and row["completed_on"] == "2026-05-20" and row["deadline"] == "2026-06-30"
    # a missing holder: not done after the deadline, not yet due before it
    one = min(MISSING["YN"])
    assert next(r for r in doc["rows"] if r["holder"] == one)["status"] == "not_done"
    assert next(r for r in early["rows"] if r["holder"] == one)["status"] == "open"
    assert {r["holder"] for r in doc["rows"]} >= {x["from"] for x in markets["surrenders"] if x["right"] == "YN"}


def test_a_short_holder_buys_its_shortfall_before_the_surrender_day(demo: Path, markets: dict[str, Any]) -> None:
    # a holder whose free allocation (豫政办〔2019〕25号 历史法: the mean of its 2022–2024 energy, 等价值, rounded
    # down) falls short of its 2025 energy (rounded up) buys obligation − allocation on 10 May 2026: first from
    # one holder with a surplus (协议转让), the rest by paid allocation at the rule's price (石嘴山 2025:
    # 150 × A × B ÷ 4.48, B its own 2025 energy per value added), and surrenders it all on 20 May
    with database.session(url(demo), read_only=True) as s:
        reqs = list(s.execute(select(RightRequest).where(RightRequest.right_code == "YN")).scalars())
        holder = {a.id: a.holder for a in s.execute(select(Account)).scalars()}
    paid = {holder[r.to_account_id or 0]: r for r in reqs if r.kind == "issue" and r.method == "paid"}
    free = {holder[r.to_account_id or 0]: r for r in reqs if r.kind == "issue" and r.method != "paid"}
    into = [r for r in reqs if r.kind == "transfer" and holder[r.to_account_id or 0] != PROJECT_ORG]
    assert paid and into and all(r.state == "completed" for r in [*paid.values(), *into])
    assert all(r.trade_form == "negotiated" for r in into)
    bought = {holder[r.to_account_id or 0] for r in into}
    assert len(bought) == len(into)  # one transfer per buyer at most
    both = sorted(h for h in bought & set(paid) if free[h].method == "grandfathering")
    buyer = both[0] if both else min(h for h in paid if free[h].method == "grandfathering")
    with City.open(demo) as city:
        yearly = city.accounts().yearly
    mine = yearly[yearly["entity_id"].astype(str) == buyer].set_index("year")
    energy = {int(str(y)): tce(v) for y, v in mine["energy_tce_equal"].items()}
    allocation = (sum((energy[y] for y in (2022, 2023, 2024)), Decimal(0)) / 3).to_integral_value(ROUND_FLOOR)
    obligation = energy[2025].to_integral_value(ROUND_CEILING)
    assert free[buyer].units == int(allocation) < obligation
    transferred = sum(r.units or 0 for r in into if holder[r.to_account_id or 0] == buyer)
    assert transferred + (paid[buyer].units or 0) == obligation - allocation > 0
    b = energy[2025] / tce(float(mine["value_added_10k_yuan"].to_dict()[2025]))
    price = Decimal(150) * Decimal("0.3") * b / Decimal("4.48")
    assert float(Decimal(paid[buyer].price or "nan")) == pytest.approx(float(price), rel=1e-12)
    gave = [x for x in markets["surrenders"] if x["right"] == "YN" and x["from"] == buyer]
    assert [(Decimal(repr(x["amount"])), x["day"]) for x in gave] == [(obligation, SURRENDER["YN"])]
    assert held(demo, "YN", buyer) == {}  # it holds nothing more: all it had is surrendered
    # the sellers kept what they owe; the late and missing holders neither bought nor sold
    named = LATE["YN"] | MISSING["YN"]
    assert not named & ({holder[r.from_account_id or 0] for r in into} | bought | set(paid))


def test_the_compliance_list_shows_each_status_with_the_holders_chosen_by_hand(demo: Path,
                                                                             markets: dict[str, Any]) -> None:
    sim = choices().simulation
    for r in ("YN", "PW-COD"):  # the holders this test expects are the ones demo_markets.toml names
        assert LATE[r] <= set(sim.late_holders[r]) and MISSING[r] <= set(sim.missing_holders[r])
    doc = markets["simulation"]
    assert doc["simulated"] is True and doc["days"] == {"issue": ISSUE, "trade": TRADE, "tickets": TICKETS,
                                                        "cover": COVER, "surrender": SURRENDER, "late": LATE_DAY}
    assert doc["late"] == {r: sorted(h) for r, h in LATE.items()}
    assert doc["missing"] == {r: sorted(h) for r, h in MISSING.items()}
    # the other holders the file names are the default city's (1 500 enterprises): not holders here
    assert doc["passed_over"] == {r: sorted({*sim.late_holders[r], *sim.missing_holders[r]} - LATE[r] - MISSING[r])
                                  for r in ("PW-COD", "YN")}

    comp = markets["compliance"]
    assert comp["today"] == "2026-12-01"  # judged on the real day of the run, after every deadline
    with City.open(demo) as city:
        yearly = city.accounts().yearly
    for r in ("YN", "PW-COD"):
        rows = {x["holder"]: x for x in comp["rows"] if x["right"] == r}
        status = {h: x["status"] for h, x in rows.items()}
        assert {"on_time", "late", "not_done"} <= set(status.values())
        if r == "YN":  # every short holder bought its shortfall: only the missing ones are not done
            assert {h for h, st in status.items() if st == "not_done"} == MISSING[r]
            assert {st for h, st in status.items() if h not in LATE[r] | MISSING[r]} <= {"on_time", "unknown"}
        assert {h for h, st in status.items() if st == "late"} == LATE[r]
        for h in LATE[r]:  # all it owed, on 20 July 2026: after the deadline
            x = rows[h]
            assert x["status_zh"] == "超时完成履约" and x["completed_on"] == LATE_DAY > x["deadline"] == DEADLINE[r]
            assert x["surrendered"] == x["obligation"] > 0 and x["shortfall"] == 0
        for h in MISSING[r]:  # nothing surrendered, though it held enough
            x = rows[h]
            assert (x["status"], x["status_zh"], x["surrendered"]) == ("not_done", "未完成履约", 0)
            assert x["shortfall"] == x["obligation"] > 0 and x["completed_on"] is None
            assert held(demo, r, h)["held"] >= x["obligation"] * (1000 if r == "PW-COD" else 1)  # kg
        # every other holder not done surrendered all it held, short of its obligation
        for h in {h for h, st in status.items() if st == "not_done"} - MISSING[r]:
            x = rows[h]
            assert 0 <= x["surrendered"] < x["obligation"] and held(demo, r, h).get("held", 0) == 0
        # and the rest completed on the right's surrender day, before its deadline
        on_time = [x for x in rows.values() if x["status"] == "on_time" and (x["obligation"] or 0) > 0]
        assert on_time and all(x["completed_on"] == SURRENDER[r] <= x["deadline"] for x in on_time)
    # by hand, one late holder of 用能权: its 2025 energy (等价值) rounded up is what it owed and surrendered
    one = min(LATE["YN"])
    energy = yearly[(yearly["entity_id"].astype(str) == one) & (yearly["year"] == 2025)]["energy_tce_equal"]
    late_row = next(x for x in comp["rows"] if x["right"] == "YN" and x["holder"] == one)
    assert tce(energy.iloc[0]).to_integral_value(ROUND_CEILING) == tce(late_row["surrendered"])


def test_the_ledger_is_dated_as_a_simulation_and_says_so(demo_run: Run, markets: dict[str, Any]) -> None:
    def cst(at: dt.datetime) -> str:
        return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(clock.CST).date().isoformat()

    with database.session(url(demo_run.path), read_only=True) as s:
        rows = list(s.execute(select(LedgerRow).order_by(LedgerRow.id)).scalars())
        reqs = {r.id: r for r in s.execute(select(RightRequest)).scalars()}
        accts = list(s.execute(select(Account)).scalars())
        holder = {a.id: a.holder for a in accts}
        kind = {a.id: a.kind for a in accts}
        audits = {e.id: e.at for e in s.execute(select(AuditEvent).where(AuditEvent.action.startswith("registry.")))
                  .scalars()}
    times = [r.at if r.at.tzinfo else r.at.replace(tzinfo=dt.UTC) for r in rows]
    assert all(a < b for a, b in itertools.pairwise(times))  # strictly increasing, row by row
    assert {cst(t) for t in times} == {ISSUE, TRADE, TICKETS, COVER, *SURRENDER.values(), LATE_DAY}

    def expected(req: RightRequest) -> str:
        if req.kind == "issue":
            return TICKETS if req.right_code == "TS" else COVER if req.method == "paid" and req.right_code == "YN" \
                else ISSUE
        if req.kind == "transfer":
            if req.right_code == "YN" and holder[req.to_account_id or 0] != PROJECT_ORG:
                return COVER
            return TICKETS if req.right_code == "TS" else TRADE
        if req.kind == "retire":
            return TICKETS
        assert req.kind == "surrender" and req.from_account_id is not None
        return LATE_DAY if holder[req.from_account_id] in LATE[req.right_code] else SURRENDER[req.right_code]

    for row in rows:
        if row.request_id is None:  # an account opened: on the day of the step that needed it
            continue
        req = reqs[row.request_id]
        day = expected(req)
        assert cst(row.at) == cst(req.requested_at) == day, (row.id, req.kind)
        # the request's evidence says the date is the demo's simulation
        assert any(e.startswith(f"演示模拟日期 {day}") and f"simulated demo date {day}" in e for e in req.evidence)
        # its audit event carries the real time of the run
        real = audits[row.audit_id] if audits[row.audit_id].tzinfo else audits[row.audit_id].replace(tzinfo=dt.UTC)
        assert demo_run.started <= real <= demo_run.ended
    # an account opened on the day of the step that first needed it: a surrender account on its surrender day
    opened = [(r.account_id or 0, r.right_code, cst(t)) for r, t in zip(rows, times, strict=True)
              if r.kind == "account"]
    assert opened and all(day == SURRENDER[right] if kind[a] == "surrender" else day in (ISSUE, TRADE, TICKETS)
                          for a, right, day in opened)
    assert all(x["day"] == expected(reqs[x["request"]]) for x in markets["trades"] + markets["surrenders"])


def test_the_simulated_days_keep_the_deadlines_and_wait_for_the_year_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    c = choices()
    rules = load_compliance("compliance-demo")
    notes: list[dict[str, str]] = []
    monkeypatch.setattr(clock, "wall", lambda: RUN_AT)
    sc = schedule(c, 2025, rules, notes)
    assert sc is not None and notes == []
    assert sc.issue == dt.datetime(2025, 1, 15, 9, 0, tzinfo=clock.CST) and sc.late.date() == dt.date(2026, 7, 20)
    assert sc.cover == dt.datetime(2026, 5, 10, 9, 0, tzinfo=clock.CST) < sc.surrender["YN"]
    assert sc.surrender == {"YN": dt.datetime(2026, 5, 20, 9, 0, tzinfo=clock.CST),
                            "PW-COD": dt.datetime(2026, 3, 16, 9, 0, tzinfo=clock.CST)}
    # a surrender day after its right's deadline, or a late day on or before one, is refused (D610)
    wrong = dataclasses.replace(c, simulation=dataclasses.replace(
        c.simulation, surrender={"YN": (7, 1), "PW-COD": (3, 16)}, late=(3, 31)))
    with pytest.raises(ValidationError) as e:
        schedule(wrong, 2025, rules, notes)
    got = {(p.code, p.column, p.value) for p in e.value.problems}
    assert got == {("D610", "simulation.surrender.YN", "07-01"), ("D610", "simulation.late", "03-31")}
    # a market year not yet over when the demo runs: real time, with a note
    monkeypatch.setattr(clock, "wall", lambda: dt.datetime(2026, 7, 20, 0, 0, tzinfo=dt.UTC))  # 08:00 in China
    assert schedule(c, 2025, rules, notes) is None
    assert len(notes) == 1 and "2026-07-20" in notes[0]["zh"] and "real time" in notes[0]["en"]


def test_the_mangrove_tickets_are_issued_and_retired(demo: Path, markets: dict[str, Any]) -> None:
    # mangrove_restoration.toml, by hand: stocks grow by 6 600 (trees) + 2 100 (soil) = 8 700 t CO2e over
    # 2025–2035, less the project's emissions 150 = 8 550; baseline 0, leakage 0; after the 10 % deduction
    # 8 550 × 0.9 = 7 695 t CO2e credited, issued to the project's district, sold to the 生态环境局, retired
    assert markets["sink"]["credited_tco2e"] == 7695.0 and markets["sink"]["issued_tco2e"] == 7695.0
    kinds = [(t["kind"], t["from"], t["to"], t["amount"]) for t in markets["tickets"]]
    assert kinds == [("issue", None, "459921", 7695.0), ("transfer", "459921", "459900-sthjj", 7695.0),
                     ("retire", "459900-sthjj", None, 7695.0)]
    with database.session(url(demo), read_only=True) as s:
        ts = [t for t in totals(s, rights=["TS"])]
        assert [(t.vintage, t.issued, t.held, t.retired) for t in ts] == [(2025, 7695, 0, 7695)]
        issue = s.get(RightRequest, markets["tickets"][0]["request"])
        assert issue is not None and issue.method == "verified" and issue.state == "completed"
        assert any("CCER-14-002-V01" in e for e in issue.evidence) and any("ex-ante" in e for e in issue.evidence)
        retired = s.execute(select(Account).where(Account.right_code == "TS",
                                                  Account.kind == "retirement")).scalar_one()
        assert [(h.serial, h.status) for h in holdings(s, retired.id)] == [
            ("459900-TS-2025-000000001-000007695", "retired")]
    assert held(demo, "TS", "459921") == {} and held(demo, "TS", "459900-sthjj") == {}  # nothing left held


def test_discharge_and_water_rights_are_allocated_and_traded_once(demo: Path, markets: dict[str, Any]) -> None:
    c = markets["counts"]
    assert c["PW-COD"]["issue"] > 1 and c["PW-COD"]["transfer"] == 1
    assert c["YS"]["issue"] > 1 and c["YS"]["transfer"] == 1
    pw = next(t for t in markets["trades"] if t["right"] == "PW-COD")
    ys = next(t for t in markets["trades"] if t["right"] == "YS")
    with City.open(demo) as city:
        pkg = city.package
        reports = pkg["permit_reports"]
        e = pkg["energy"]
    # the buyer of COD emitted more in 2025 (its quarterly execution reports) than it was allocated
    cod = reports[(reports["pollutant"] == "cod") & (reports["year"] == 2025)]
    actual = Decimal(repr(float(cod.loc[cod["entity_id"].astype(str) == pw["to"], "actual_t"].sum())))
    with database.session(url(demo), read_only=True) as s:
        issue = s.execute(select(RightRequest).join(Account, Account.id == RightRequest.to_account_id).where(
            RightRequest.kind == "issue", Account.holder == pw["to"], RightRequest.right_code == "PW-COD")).scalar_one()
        assert issue.method == "paid"
    assert issue.units is not None and actual > Decimal(issue.units) / 1000  # units are kg
    # the buyer of water used more in 2025 than it was allocated (the mean of 2022–2024, whole m³)
    w = e[(e["carrier"].astype(str) == "fresh_water") & (e["entity_id"].astype(str) == ys["to"])]
    by_year = w.groupby(w["year"].astype(int))["quantity"].sum()
    allocation = (sum((tce(by_year[y]) for y in (2022, 2023, 2024)), Decimal(0)) / 3).to_integral_value(ROUND_FLOOR)
    assert tce(by_year[2025]) > allocation
    assert held(demo, "YS", ys["to"]) == {"held": int(allocation) + int(ys["amount"])}


def test_every_balance_reconciles_and_verify_passes(demo: Path, markets: dict[str, Any]) -> None:
    r = CliRunner().invoke(main, ["registry", "verify", str(demo), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["breaks"] == [] and out["ledger_rows"] == markets["verify"]["ledger_rows"] > 0
    with database.session(url(demo), read_only=True) as s:
        assert verify(s) == []
        tot = totals(s)
        bal = balances(s)
    assert {t.right for t in tot} == {"YN", "PW-COD", "YS", "TS"}
    for t in tot:  # issued = held + reserved + surrendered + retired + cancelled, and the accounts add up
        assert t.issued == t.held + t.reserved + t.surrendered + t.retired + t.cancelled
        mine = [b for b in bal if b.right == t.right and b.vintage == t.vintage]
        assert sum(b.total for b in mine) == t.issued and sum(b.held for b in mine) == t.held
        assert t.reserved == 0  # nothing left pending
    r = CliRunner().invoke(main, ["registry", "balances", str(demo), "--right", "TS"])
    assert r.exit_code == 0, r.output


def test_the_markets_never_run_twice(demo: Path, markets: dict[str, Any]) -> None:
    # `qingshan demo` again on the same directory: the registry holds ledger rows, so nothing is allocated again
    def books() -> tuple[Any, ...]:
        with database.session(url(demo), read_only=True) as s:
            head = s.get_one(LedgerHead, 1)
            issues = len(s.execute(select(RightRequest.id).where(RightRequest.kind == "issue")).all())
            return (head.count, head.hash, issues,
                    sorted((t.right, t.vintage, t.issued, t.held, t.surrendered, t.retired) for t in totals(s)))

    before = books()
    assert before[0] == markets["verify"]["ledger_rows"] and before[2] == sum(
        n.get("issue", 0) for n in markets["counts"].values())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clock, "wall", lambda: RUN_AT)
        r = CliRunner().invoke(main, [*ARGS, "--data-dir", str(demo)])
    assert r.exit_code == 0, r.output
    assert "登记簿已有记录（演示市场此前已运行），未再分配" in r.output
    again = json.loads((demo / "results" / "markets.json").read_text("utf-8"))
    assert again["skipped"] is True and again["counts"] == {} and again["trades"] == []
    assert again["verify"] == {"ledger_rows": before[0], "breaks": []}
    assert books() == before  # the same rows, the same chain head, the same issuances and totals


def test_the_green_finance_lists_read_the_compliance_list(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC))  # past the deadlines
    with City.open(demo) as city:
        gf = green_finance_document(city, 2025, only=["compliance_watch", "carbon_efficiency_loan"])
        with database.session(url(demo), read_only=True) as s:
            comp = compliance_document(city, s, 2025)
    assert gf["compliance"]["available"] is True
    not_done = {r["holder"] for r in comp["rows"] if r["status"] == "not_done"}
    watch = {x["entity_id"] for x in gf["listings"] if x["list"] == "compliance_watch"}
    assert watch == not_done and watch  # every holder that did not complete is on the banks' watch list
    loan = {x["entity_id"] for x in gf["listings"] if x["list"] == "carbon_efficiency_loan"}
    short_yn = {r["holder"] for r in comp["rows"] if r["status"] == "not_done" and r["right"] in ("YN", "TP")}
    assert not loan & short_yn


def test_a_wrong_choices_file_reports_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "m.toml"
    f.write_text('name = "x"\nsource = "x"\n[energy_use]\nproject = "copper_cathode"\n[discharge]\n'
                 'right = "PW-COD"\npollutant = "cod"\nmin_actual_t = "-1"\nfee = 3\n[water]\nyears = 0\n[sink]\n',
                 "utf-8")
    with pytest.raises(ValidationError) as e:
        choices(f)
    got = {(p.code, p.column) for p in e.value.problems}
    assert {("D610", "discharge.min_actual_t"), ("D610", "discharge.fee"), ("D610", "water.years"),
            ("D610", "energy_use.trade_form"), ("D610", "sink.buyer"), ("D610", "sink.project_source")} <= got
    assert choices().min_actual_t == Decimal("10") and choices().water_years == 3
    assert ("D610", "simulation") in got  # the simulation's days are required
    sim = ('\n[simulation]\nsource = "x"\ntime = "9h"\nissue = "07-15"\ntrade = "01-15"\ntickets = "02-30"\n'
           'cover = "06-01"\nlate = "03-01"\n[simulation.surrender]\nYN = "05-20"\n[simulation.late_holders]\n'
           'YN = ["E1"]\nTP = ["E2"]\n[simulation.missing_holders]\nYN = ["E1", 3]\n')
    f.write_text(f.read_text("utf-8").replace("fee = 3\n", "") + sim, "utf-8")
    with pytest.raises(ValidationError) as e:
        choices(f)
    got = {(p.code, p.column) for p in e.value.problems}
    assert {("D610", "simulation.time"), ("D610", "simulation.tickets"), ("D610", "simulation.trade"),
            ("D610", "simulation.surrender.PW-COD"), ("D610", "simulation.surrender.YN"),
            ("D610", "simulation.late_holders.TP"), ("D610", "simulation.missing_holders.YN"),
            ("D610", "simulation.cover")} <= got  # the covering after the surrender day of YN


def test_the_demo_document_says_what_it_rests_on(markets: dict[str, Any]) -> None:
    assert markets["profile"]["id"] == "demo" and markets["year"] == 2025
    assert markets["project"]["verdict"] == "conditions" and markets["project"]["quota_formula"] == "henan_586"
    assert all(v for v in markets["sources"].values())
    units = {"YN": "tce", "PW-COD": "t", "YS": "m3", "TS": "tCO2e"}
    assert {t["right"] for t in markets["trades"]} == set(units)
    assert all(t["unit"] == units[t["right"]] for t in markets["trades"])
