"""Compliance (docs/registries.md, "Compliance"): obligations from the accounts and execution
reports, surrenders and offsets within their cap, the shortfall, the status of the provincial
surrender-summary form and the penalty of the rights file, worked by hand, then through the
kernel on SQLite and PostgreSQL.

Sources of the hand calculations:
- 碳排放权交易管理办法（试行）(2021), as platform.md a.2 quotes it: CCER may offset at most
  5 % of the allowances to surrender; a late or short surrender is fined ¥20 000–30 000 and,
  if still not corrected, the shortfall is deducted from next year's allocation (the demo's
  TP right; the demo applies the cap to 碳票, TS, its own choice);
- the provincial surrender-summary form: 按时完成履约 / 超时完成履约 / 未完成履约 (platform.md a.2);
- the demo city's deadlines (its own choice): TP 12-31 and YN 06-30 of the next year.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from qingshan.app import database
from qingshan.errors import ValidationError
from qingshan.registry import Order, clock, load_rights, open_account, request, verify
from qingshan.registry.compliance import (
    Obligation,
    Surrender,
    load_compliance,
    obligations_of,
    penalty_due,
    shortfalls,
    standing,
    standings,
)
from tests.test_registry_kernel import ORGS, World, app_url, make_world  # noqa: F401  (app_url: a fixture)

D = Decimal
BOOK = load_rights("rights-demo", "459900")
TP, TS, YN, COD = (BOOK.right(c) for c in ("TP", "TS", "YN", "PW-COD"))
RULES = load_compliance("compliance-demo")
DEADLINE = dt.date(2026, 12, 31)  # TP, period 2025: 12-31 of 2026 (the demo's own choice)


def ob(amount: str, holder: str = "E1", right: str = "TP") -> Obligation:
    return Obligation(holder, right, 2025, D(amount), D(amount), "", "", "")


def sv(rid: int, right: str, amount: str, day: dt.date) -> Surrender:
    return Surrender(rid, "E1", right, D(amount), day)


def test_the_deadlines_of_the_demo() -> None:
    assert RULES.deadline("TP", 2025) == DEADLINE
    assert RULES.deadline("YN", 2025) == dt.date(2026, 6, 30)
    assert RULES.deadline("PW-COD", 2025) == dt.date(2026, 3, 31)


def test_offsets_count_up_to_five_percent_and_a_shortfall_after_the_deadline_is_not_done() -> None:
    """Obligation 1 000 tCO2; 900 TP surrendered on 2026-06-01 and 80 碳票 on 2026-06-02.
    Cap: 5 % × 1 000 = 50, so 50 of the 80 count: covered 900 + 50 = 950; shortfall 50.
    On 2027-01-05 (after the 2026-12-31 deadline): 未完成履约, fined ¥20 000–30 000 and the
    50 deducted from next year's allocation."""
    x = standing(ob("1000"), TP, [sv(1, "TP", "900", dt.date(2026, 6, 1)), sv(2, "TS", "80", dt.date(2026, 6, 2))],
                 DEADLINE, dt.date(2027, 1, 5))
    assert (x.surrendered, x.offsets, x.offset_cap, x.offsets_counted) == (D(900), {"TS": D(80)}, D(50), D(50))
    assert (x.covered, x.shortfall, x.status, x.completed_on) == (D(950), D(50), "not_done", None)
    assert x.penalty is not None and x.penalty.fine_yuan == (D(20000), D(30000)) and x.penalty.deduct_next == D(50)
    assert x.last_surrender == dt.date(2026, 6, 2)
    assert shortfalls([x]) == {"E1": D(50)}
    # the same, judged on 2026-12-01: the deadline is still to come
    early = standing(ob("1000"), TP, x.surrenders, DEADLINE, dt.date(2026, 12, 1))
    assert (early.status, early.penalty) == ("open", None)


def test_covered_on_time_or_late() -> None:
    """950 by 2026-06-01 (900 TP + 50 of the 碳票 counted), the last 50 TP on 2026-12-31 → covered
    on the deadline: 按时完成履约. The same 50 on 2027-01-10 → 超时完成履约: fined, nothing
    deducted (it was corrected)."""
    first = [sv(1, "TP", "900", dt.date(2026, 6, 1)), sv(2, "TS", "80", dt.date(2026, 6, 1))]
    on_time = standing(ob("1000"), TP, [*first, sv(3, "TP", "50", DEADLINE)], DEADLINE, dt.date(2027, 3, 1))
    assert (on_time.covered, on_time.shortfall, on_time.status, on_time.completed_on) == (
        D(1000), D(0), "on_time", DEADLINE)
    assert on_time.penalty is None
    late = standing(ob("1000"), TP, [*first, sv(3, "TP", "50", dt.date(2027, 1, 10))], DEADLINE, dt.date(2027, 3, 1))
    assert (late.status, late.completed_on, late.shortfall) == ("late", dt.date(2027, 1, 10), D(0))
    assert late.penalty is not None and late.penalty.deduct_next == 0 and late.penalty.fine_yuan == (D(20000),
                                                                                                      D(30000))
    assert shortfalls([late, on_time]) == {}


def test_offsets_counted_in_the_order_they_count() -> None:
    """The cap applies to the running total: 40 碳票 first (all count, 40 < 50), then 960 TP:
    covered 1 000 on the day of the TP surrender; surrendering more 碳票 afterwards adds only
    10 more within the cap (50 in all)."""
    x = standing(ob("1000"), TP, [sv(1, "TS", "40", dt.date(2026, 5, 1)), sv(2, "TP", "960", dt.date(2026, 7, 1)),
                                  sv(3, "TS", "100", dt.date(2026, 8, 1))], DEADLINE, dt.date(2027, 1, 1))
    assert (x.completed_on, x.offsets_counted, x.covered, x.status) == (dt.date(2026, 7, 1), D(50), D(1010),
                                                                         "on_time")


def test_a_right_without_offsets_or_penalty() -> None:
    """用能权 (YN): the rights file gives neither offset cap nor penalty: 碳票 do not count, and a
    shortfall after the deadline is 未完成履约 with no fine listed."""
    x = standing(ob("100", right="YN"), YN, [sv(1, "YN", "60", dt.date(2026, 6, 1)),
                                             sv(2, "TS", "40", dt.date(2026, 6, 1))], dt.date(2026, 6, 30),
                 dt.date(2026, 7, 1))
    assert (x.covered, x.shortfall, x.status, x.penalty, x.offset_cap) == (D(60), D(40), "not_done", None, None)
    assert penalty_due(YN, "not_done", D(40)) is None


def test_no_obligation_and_no_figure() -> None:
    nothing = standing(ob("0"), TP, [], DEADLINE, dt.date(2027, 1, 1))
    assert (nothing.status, nothing.shortfall) == ("on_time", D(0))
    unknown = standing(Obligation("E1", "TP", 2025, None, None, "", "", ""), TP, [], DEADLINE, dt.date(2027, 1, 1))
    assert (unknown.status, unknown.shortfall, unknown.penalty) == ("unknown", None, None)


def test_obligations_from_the_accounts_and_the_execution_reports() -> None:
    """YN: 2025 energy 12 670.405694 tce (等价值; the 当量值 6 295.2 is not used) → 12 671 tce,
    rounded up to whole serials. TP: 22 452.864115 tCO2 → 22 453. PW-COD: 0.2797 t of COD
    from the annual report, serial 1 kg → 279.7 kg → 280 kg = 0.280 t. A holder without a row:
    no figure."""
    yearly = pd.DataFrame({"entity_id": ["E1", "E1"], "year": [2025, 2024], "energy_tce_equal": [12670.405694, 1.0],
                           "energy_tce": [6295.24641, 1.0], "co2_t": [22452.864115, 1.0]})
    actual = pd.DataFrame({"entity_id": ["E1"], "pollutant": ["cod"], "actual_t": [0.2797],
                           "basis": ["annual_report"], "quarters": [0]})
    holders = {"E1": "甲厂", "E2": "乙厂"}
    (e1, e2) = obligations_of(RULES, YN, 2025, holders, yearly=yearly)
    assert (e1.amount, e1.exact, e1.holder_name) == (D(12671), D("12670.405694"), "甲厂")
    assert "等价值" in e1.basis_zh and e2.amount is None
    (t1, _) = obligations_of(RULES, TP, 2025, holders, yearly=yearly)
    assert t1.amount == D(22453)
    (c1, c2) = obligations_of(RULES, COD, 2025, holders, actual=actual)
    assert (c1.amount, c2.amount) == (D("0.280"), None) and "annual_report" in c1.basis_en


def test_the_rule_file_is_checked(tmp_path: Path) -> None:
    f = tmp_path / "compliance-bad.toml"
    f.write_text('name = "x"\nzh = "x"\nen = "x"\nsource = "s"\nsurrender_date = "whenever"\n'
                 'surrender_date_source = "s"\nstatuses_source = "s"\n'
                 '[[right]]\ncode = "YN"\nobligation = "energy"\nsource = "s"\ndeadline = "02-29"\n'
                 'deadline_source = "s"\npollutant = "cod"\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        load_compliance(f)
    assert {p.column for p in e.value.problems} == {"surrender_date", "right[0].energy_basis", "right[0].deadline",
                                                    "right[0].pollutant"}


# --- through the kernel ----------------------------------------------------------------------


def _at(monkeypatch: pytest.MonkeyPatch, day: dt.date) -> None:
    """The registry's clock at 10:00 China time on ``day``."""
    moment = dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)
    monkeypatch.setattr(clock, "today", lambda: day)


def _world(url: str, *holders: tuple[str, str]) -> World:
    """The kernel tests' world with TP accounts too, opened by the 生态环境局 (TP's authority)."""
    w = make_world(url, holders=tuple(h for h in holders if h[0] != "TP"))
    for right, holder in holders:
        if right == "TP":
            with database.session(url) as s:
                w.accounts[f"TP:{holder}"] = open_account(s, ORGS["env1"], w.book, "TP", holder).id
    return w


def _surrender(w: World, who: str, right: str, amount: str, approver: str, period: str = "2025") -> int:
    return w.done(who, approver, Order("surrender", right, amount=amount, from_account=w.accounts[f"{right}:E1"],
                                       period=period)).id


def test_standings_read_the_completed_surrenders_of_the_period(app_url: str,  # noqa: F811
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """E1 holds 1 000 TP and 100 碳票 of 2025 and 10 TP of 2024; on 2026-06-01 it surrenders
    the 10 TP of 2024 for 2024 (another period), 900 TP and 80 碳票 for 2025 (approved by the
    生态环境局 and the city), and asks to surrender 50 TP more that nobody approves. Obligation
    1 000: covered 900 + 50 (5 % cap) = 950, shortfall 50: on 2026-12-01 未到期, on 2027-01-05
    未完成履约 with the 50 to deduct. A pending or another period's surrender does not count;
    a surrender for 2024 cannot use the vintage 2025 (no borrowing)."""
    _at(monkeypatch, dt.date(2026, 6, 1))
    w = _world(app_url, ("TP", "E1"), ("TS", "E1"), ("TP", "E2"))
    w.done("env1", "env2", Order("issue", "TP", amount="1000", to_account=w.accounts["TP:E1"], vintage=2025,
                                 method="benchmark"))
    w.done("env1", "env2", Order("issue", "TP", amount="10", to_account=w.accounts["TP:E1"], vintage=2024,
                                 method="benchmark"))
    w.done("city1", "city2", Order("issue", "TS", amount="100", to_account=w.accounts["TS:E1"], vintage=2025,
                                   method="verified"))
    _surrender(w, "e1", "TP", "10", "env2", period="2024")
    first = _surrender(w, "e1", "TP", "900", "env2")
    _surrender(w, "e1", "TS", "80", "city2")
    w.req("e1", Order("surrender", "TP", amount="50", from_account=w.accounts["TP:E1"], period="2025"))
    w.refused("D102", lambda s: request(s, ORGS["e1"], w.book, Order(  # 50 of 2025 held, none of 2024
        "surrender", "TP", amount="1", from_account=w.accounts["TP:E1"], period="2024")))
    obligations = [ob("1000"), ob("0", holder="E2")]
    before = w.run(lambda s: standings(s, BOOK, RULES, "TP", 2025, obligations, today=dt.date(2026, 12, 1)))
    assert [(x.holder, x.status) for x in before] == [("E1", "open"), ("E2", "on_time")]
    (e1, _) = w.run(lambda s: standings(s, BOOK, RULES, "TP", 2025, obligations, today=dt.date(2027, 1, 5)))
    assert (e1.surrendered, e1.offsets_counted, e1.covered, e1.shortfall, e1.status) == (
        D(900), D(50), D(950), D(50), "not_done")
    assert e1.surrenders[0].request_id == first and e1.last_surrender == dt.date(2026, 6, 1)
    assert e1.penalty is not None and e1.penalty.deduct_next == D(50)
    assert w.run(verify) == []


def test_a_holder_that_surrendered_without_an_obligation_is_listed(app_url: str,  # noqa: F811
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, dt.date(2026, 3, 1))
    w = _world(app_url, ("TP", "E1"))
    w.done("env1", "env2", Order("issue", "TP", amount="10", to_account=w.accounts["TP:E1"], vintage=2025,
                                 method="benchmark"))
    _surrender(w, "e1", "TP", "10", "env2")
    (x,) = w.run(lambda s: standings(s, BOOK, RULES, "TP", 2025, [], today=dt.date(2027, 1, 5)))
    assert (x.holder, x.status, x.surrendered, x.obligation) == ("E1", "unknown", D(10), None)
