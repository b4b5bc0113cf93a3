"""The reconciliation identity as a property (issue #19, item 9): over random sequences of
issuances, requests of every kind, approvals, rejections, withdrawals, releases, returns and
account freezes, with refusals among them, every read reconciles and

    issued = held + reserved + surrendered + retired + cancelled

per right and vintage, where ``issued`` is also what a model outside the registry counts;
the accounts' balances add up to the totals; and ``verify`` finds nothing.

Each example runs on a copy of one migrated SQLite database (the demo rules' 用能权 YN and
碳票 TS, three holders each): between them they have every transaction kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan.app import database
from qingshan.errors import ValidationError
from qingshan.registry import (
    Order,
    RegistryError,
    balances,
    cancel,
    clock,
    reject,
    totals,
    verify,
)
from qingshan.registry.accounts import is_frozen
from qingshan.registry.models import RightRequest
from tests.test_registry_kernel import ORGS, World, make_world

HOLDERS = ("E1", "E2", "E3")
AUTHORITY = {"YN": ("fgw1", "fgw2"), "TS": ("city1", "city2")}
METHOD = {"YN": "benchmark", "TS": "verified"}
KINDS = {"YN": ("transfer", "lease", "buyback", "surrender", "cancel", "freeze"),
         "TS": ("transfer", "pledge", "retire", "surrender", "cancel", "freeze")}
ENDS = {"pledge": "release", "freeze": "unfreeze", "lease": "lease_return"}


@pytest.fixture(scope="module")
def template() -> Iterator[World]:
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{Path(d) / 'template.sqlite3'}"
        w = make_world(url, holders=tuple((r, h) for r in ("YN", "TS") for h in HOLDERS))
        database.engine(url).dispose()
        yield w


issue_step = st.tuples(st.just("issue"), st.sampled_from(("YN", "TS")), st.sampled_from(HOLDERS),
                       st.integers(1, 60), st.sampled_from((2024, 2025)))
request_step = st.tuples(st.just("request"), st.sampled_from([(r, k) for r, ks in KINDS.items() for k in ks]),
                         st.integers(0, 2), st.integers(1, 2), st.integers(1, 30),
                         st.sampled_from((None, 2024, 2025)))
decide_step = st.tuples(st.just("decide"), st.sampled_from(("approve", "approve", "reject", "cancel")),
                        st.integers(0, 1000))
end_step = st.tuples(st.just("end"), st.integers(0, 1000))
account_step = st.tuples(st.just("account"), st.sampled_from(("YN", "TS")), st.sampled_from(HOLDERS))
#: How often each kind of step comes (``one_of`` would pick among distinct strategies evenly).
MIX = ("issue", "request", "request", "request", "request", "decide", "decide", "decide", "decide", "end", "end",
       "account")
STEP = {"issue": issue_step, "request": request_step, "decide": decide_step, "end": end_step,
        "account": account_step}
steps = st.lists(st.sampled_from(MIX).flatmap(STEP.__getitem__), min_size=5, max_size=40)
#: Every example starts with each holder holding 100 of each right's 2024 and 2025 vintages.
ENDOWMENT = [("issue", r, h, 100, v) for r in ("YN", "TS") for h in HOLDERS for v in (2024, 2025)]


def _order(w: World, right: str, kind: str, a: str, b: str, amount: int, vintage: int | None) -> Order:
    src, dst = w.accounts[f"{right}:{a}"], w.accounts[f"{right}:{b}"]
    later = clock.today() + dt.timedelta(days=30)
    extras: dict[str, dict[str, Any]] = {
        "transfer": {"to_account": dst, "trade_form": "negotiated"},
        "lease": {"to_account": dst, "lease_end": later}, "pledge": {"counterparty": "银行", "until": later},
        "surrender": {"period": "2025"}, "cancel": {"reason": "处罚"}, "freeze": {"reason": "冻结"}}
    extra = extras.get(kind, {})
    return Order(kind, right, amount=amount, from_account=src, vintage=vintage, **extra)


def _requester(right: str, order: Order, holder: str) -> str:
    if order.kind in ("cancel", "freeze"):
        return AUTHORITY[right][0]
    return {"E1": "e1", "E2": "e2", "E3": "e3"}[holder]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(seq=steps)
def test_every_sequence_reconciles(template: World, seq: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        copy = Path(d) / "app.sqlite3"
        shutil.copy(template.url.removeprefix("sqlite:///"), copy)
        w = dataclasses.replace(template, url=f"sqlite:///{copy}")
        try:
            _run(w, seq)
        finally:
            database.engine(w.url).dispose()


def _run(w: World, seq: list[tuple[Any, ...]]) -> None:
    issued: dict[tuple[str, int], int] = defaultdict(int)
    made: list[tuple[str, int, str]] = []  # (right, request id, requester) of every request made
    for step in [*ENDOWMENT, *seq]:
        try:
            if step[0] == "issue":
                _, right, holder, amount, vintage = step
                who, approver = AUTHORITY[right]
                w.done(who, approver, Order("issue", right, amount=amount, to_account=w.accounts[f"{right}:{holder}"],
                                            vintage=vintage, method=METHOD[right]))
                issued[(right, vintage)] += amount
            elif step[0] == "request":
                _, (right, kind), i, shift, amount, vintage = step  # from one holder to another
                a, b = HOLDERS[i], HOLDERS[(i + shift) % len(HOLDERS)]
                order = _order(w, right, kind, a, b, amount, vintage)
                who = _requester(right, order, a)
                r = w.req(who, order)
                made.append((right, r.id, who))
            elif step[0] == "decide" and (pending := [m for m in made if _state(w, m[1]) == "pending"]):
                _, decision, i = step
                right, rid, who = pending[i % len(pending)]
                approver = AUTHORITY[right][1]
                if decision == "approve":
                    w.ok(approver, rid)
                elif decision == "reject":
                    _decide(w, reject, approver, rid, "驳回")
                else:
                    _decide(w, cancel, who, rid, "撤回")
            elif step[0] == "end" and (ended := [m for m in made if _kind(w, m[1]) in ENDS
                                                 and _state(w, m[1]) == "completed"]):
                right, rid, who = ended[step[1] % len(ended)]
                kind = _kind(w, rid)
                if kind in ENDS:
                    r = w.req(AUTHORITY[right][0] if kind != "pledge" else who,
                              Order(ENDS[kind], right, reference=rid))
                    made.append((right, r.id, who))
            elif step[0] == "account":
                _, right, holder = step
                acc = w.accounts[f"{right}:{holder}"]
                kind = "unfreeze_account" if _frozen(w, acc) else "freeze_account"
                r = w.req(AUTHORITY[right][0], Order(kind, right, from_account=acc, reason="检查"))
                if r.state == "pending":
                    w.ok(AUTHORITY[right][1], r.id)
        except (RegistryError, ValidationError):
            pass  # a refusal writes nothing; the books must still hold
        _check(w, issued)
    assert w.run(verify) == []


def _decide(w: World, step: Callable[..., RightRequest], who: str, rid: int, reason: str) -> None:
    w.run(lambda s: step(s, ORGS[who], w.book, rid, reason))


def _state(w: World, rid: int) -> str:
    return str(w.run(lambda s: s.get_one(RightRequest, rid).state))


def _kind(w: World, rid: int) -> str:
    return str(w.run(lambda s: s.get_one(RightRequest, rid).kind))


def _frozen(w: World, account_id: int) -> bool:
    return bool(w.run(lambda s: is_frozen(s, account_id)))


def _check(w: World, issued: dict[tuple[str, int], int]) -> None:
    got = w.run(lambda s: (totals(s), balances(s)))
    tots, bals = got
    assert {(t.right, t.vintage): t.issued for t in tots} == {k: v for k, v in issued.items() if v}
    for t in tots:
        assert t.issued == t.held + t.reserved + t.surrendered + t.retired + t.cancelled
    summed: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * 5)
    for b in bals:
        for i, v in enumerate((b.held, b.reserved, b.surrendered, b.retired, b.cancelled)):
            summed[(b.right, b.vintage)][i] += v
        assert b.pledged + b.leased + b.frozen <= b.held
    assert {k: tuple(v) for k, v in summed.items()} == {
        (t.right, t.vintage): (t.held, t.reserved, t.surrendered, t.retired, t.cancelled) for t in tots}
