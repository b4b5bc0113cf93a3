"""The registry's clock (registry/clock.py): the real time, and the simulated time the demo's
markets run at (docs/registries.md, "The demo's markets"): it starts where it is told, moves
on strictly increasing, never back, is not nested, stays in its own thread, and ledger rows
written under it chain and verify like any other, with their audit events at the real time."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.models import AuditEvent
from qingshan.registry import Order, clock, verify
from qingshan.registry.models import LedgerRow, RightRequest
from tests.test_registry_kernel import World, app_url, issue, make_world  # noqa: F401  (app_url: a fixture)

CST = clock.CST
#: 20:00 UTC on 14 January 2025 is 04:00 on 15 January in China: the registry's day is China's.
START = dt.datetime(2025, 1, 14, 20, 0, tzinfo=dt.UTC)


def test_outside_a_simulation_the_clock_is_real() -> None:
    before = dt.datetime.now(dt.UTC)
    got = clock.now()
    assert not clock.is_simulated() and before <= got <= dt.datetime.now(dt.UTC)
    assert got.tzinfo is not None and clock.today() == dt.datetime.now(CST).date()


def test_a_simulation_starts_where_told_and_only_moves_forward() -> None:
    with clock.simulated(START) as sim:
        assert clock.is_simulated()
        first = clock.now()
        assert START <= first < START + dt.timedelta(seconds=5)
        assert clock.today() == dt.date(2025, 1, 15)  # the CST date, not the UTC one (14 January)
        stamps = [clock.now() for _ in range(2000)]
        assert all(b - a >= clock.TICK for a, b in zip([first, *stamps], stamps, strict=False))  # strictly increasing
        assert clock.wall().year >= 2026  # the real time stays at hand
        sim.move_to(dt.datetime(2025, 7, 15, 9, 0, tzinfo=CST))
        moved = clock.now()
        assert moved >= dt.datetime(2025, 7, 15, 1, 0, tzinfo=dt.UTC) and clock.today() == dt.date(2025, 7, 15)
        with pytest.raises(ValueError, match="forward only"):
            sim.move_to(dt.datetime(2025, 7, 1, tzinfo=CST))  # back in time
        with pytest.raises(ValueError, match="forward only"):
            sim.move_to(moved)  # not after the latest reading
        assert clock.now() > moved
    assert not clock.is_simulated() and clock.now().year >= 2026


def test_a_simulation_needs_a_zone_is_not_nested_and_ends_on_an_error() -> None:
    with pytest.raises(ValueError, match="time zone"), clock.simulated(dt.datetime(2025, 1, 15, 9, 0)):
        pass
    with clock.simulated(START) as sim:
        with pytest.raises(RuntimeError, match="already"), clock.simulated(START):
            pass
        with pytest.raises(ValueError, match="time zone"):
            sim.move_to(dt.datetime(2025, 2, 1))
    with pytest.raises(KeyError), clock.simulated(START):
        raise KeyError("x")
    assert not clock.is_simulated()


def test_another_thread_keeps_the_real_time() -> None:
    seen: list[dt.datetime] = []
    with clock.simulated(START):
        t = threading.Thread(target=lambda: seen.append(clock.now()))
        t.start()
        t.join()
        assert clock.now() < dt.datetime(2025, 1, 16, tzinfo=dt.UTC)
    assert seen and seen[0].year >= 2026


def test_ledger_rows_written_at_a_simulated_time_chain_and_verify(app_url: str) -> None:  # noqa: F811
    w: World = make_world(app_url)  # accounts opened at the real time: the simulation starts after them
    real_start = dt.datetime.now(dt.UTC)
    with clock.simulated(real_start + dt.timedelta(days=1)) as sim:
        issue(w, "YN", "E1", "5000")
        sim.move_to(real_start + dt.timedelta(days=40))
        t = w.done("e1", "fgw2", Order("transfer", "YN", amount="1200", from_account=w.accounts["YN:E1"],
                                       to_account=w.accounts["YN:E2"], trade_form="negotiated"))

    def rows(s: Session) -> list[tuple[int, dt.datetime, int]]:
        return [(r.id, r.at if r.at.tzinfo else r.at.replace(tzinfo=dt.UTC), r.audit_id)
                for r in s.execute(select(LedgerRow).order_by(LedgerRow.id)).scalars()]

    got = w.run(rows)
    assert [a for _, a, _ in got] == sorted({a for _, a, _ in got})  # the whole ledger: strictly increasing times
    sim_rows = [r for r in got if r[1] > real_start + dt.timedelta(hours=12)]
    # issue request + completion, transfer request + completion: four rows, simulated
    assert len(sim_rows) == 4 and len(got) == 4 + len(w.accounts)
    assert (sim_rows[0][1] - real_start).days == 1 and (sim_rows[-1][1] - real_start).days == 40
    req = w.run(lambda s: s.get(RightRequest, t.id))
    assert req is not None and (req.requested_at if req.requested_at.tzinfo
                                else req.requested_at.replace(tzinfo=dt.UTC)) >= real_start + dt.timedelta(days=40)
    # the audit events of the simulated rows carry the real time of the run
    audits = w.run(lambda s: {e.id: e.at for e in s.execute(select(AuditEvent)).scalars()})
    for _, _, aid in sim_rows:
        at = audits[aid] if audits[aid].tzinfo else audits[aid].replace(tzinfo=dt.UTC)
        assert real_start <= at <= dt.datetime.now(dt.UTC)
    assert w.run(verify) == []  # the chain does not judge the rows' times
