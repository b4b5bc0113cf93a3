"""No double spending under concurrency, and a kill in the middle of a transaction leaves the
ledger consistent (issue #19, item 7; docs/registries.md, "Concurrency"). On SQLite and on
PostgreSQL.

- 50 threads ask at the same moment to sell 10 tce each out of an account that holds 100:
  exactly 10 requests reserve and complete, the other 40 are refused (``D102``), and the
  books reconcile.
- A process killed (``SIGKILL``) while its transaction has written a reservation, its ledger
  row and its audit event leaves nothing of it: the ledger verifies, the balance is as
  before, and the next writer is not blocked. So does a process killed at a random moment
  of a stream of transactions.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event

from qingshan.app import database
from qingshan.registry import Order, RegistryError, approve, load_rights, request, verify
from tests.test_registry_kernel import ORGS, World, app_url, issue, make_world  # noqa: F401  (app_url: a fixture)

N_THREADS = 50


def test_fifty_simultaneous_transfers_out_of_enough_for_ten(app_url: str) -> None:  # noqa: F811
    w = make_world(app_url, holders=(("YN", "E1"), ("YN", "E2")))
    issue(w, "YN", "E1", "100")
    src, dst = w.accounts["YN:E1"], w.accounts["YN:E2"]
    order = Order("transfer", "YN", amount="10", from_account=src, to_account=dst, trade_form="negotiated")
    start = threading.Barrier(N_THREADS)
    done: list[int] = []
    refused: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def sell() -> None:
        try:
            start.wait()
            with database.session(app_url) as s:
                rid = request(s, ORGS["e1"], w.book, order).id
            with database.session(app_url) as s:
                approve(s, ORGS["fgw2"], w.book, rid)
            with lock:
                done.append(rid)
        except RegistryError as exc:
            with lock:
                refused.append(exc.code)
        except Exception as exc:  # the test's point: none
            with lock:
                errors.append(repr(exc))

    threads = [threading.Thread(target=sell) for _ in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(done) == 10 and refused == ["D102"] * 40
    assert w.bal("YN:E1") == {} and w.bal("YN:E2") == {"held": 100}
    assert w.run(verify) == []


def _stuck_in_a_transaction(url: str, src: int, dst: int, ready: Event) -> None:
    """Reserve 40 and write the ledger row and audit event, then wait to be killed before the
    commit."""
    book = load_rights("rights-demo", "459900")
    with database.session(url) as s:
        request(s, ORGS["e1"], book, Order("transfer", "YN", amount="40", from_account=src, to_account=dst,
                                           trade_form="negotiated"))
        s.flush()
        ready.set()
        time.sleep(120)


def _stream(url: str, src: int, dst: int, ready: Event) -> None:
    """Sell 1 tce at a time, request and approval, until killed."""
    book = load_rights("rights-demo", "459900")
    while True:
        with database.session(url) as s:
            rid = request(s, ORGS["e1"], book, Order("transfer", "YN", amount="1", from_account=src, to_account=dst,
                                                     trade_form="negotiated")).id
        ready.set()
        with database.session(url) as s:
            approve(s, ORGS["fgw2"], book, rid)


def _kill(target: Callable[[str, int, int, Event], None], w: World, wait: float) -> None:
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=target, args=(w.url, w.accounts["YN:E1"], w.accounts["YN:E2"], ready))
    child.start()
    try:
        assert ready.wait(60), "the child never got going"
        time.sleep(wait)
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.join(30)
    assert child.exitcode == -signal.SIGKILL


def test_a_kill_in_the_middle_of_a_transaction_leaves_the_ledger_consistent(app_url: str) -> None:  # noqa: F811
    w = make_world(app_url, holders=(("YN", "E1"), ("YN", "E2")))
    issue(w, "YN", "E1", "100")
    database.engine(app_url).dispose()  # no pooled connection crosses into the child
    _kill(_stuck_in_a_transaction, w, 0.2)
    assert w.run(verify) == []
    assert w.bal("YN:E1") == {"held": 100}  # nothing of the killed transaction
    started = time.monotonic()
    w.done("e1", "fgw2", Order("transfer", "YN", amount="5", from_account=w.accounts["YN:E1"],
                               to_account=w.accounts["YN:E2"], trade_form="negotiated"))
    assert time.monotonic() - started < 10  # the dead writer's lock is gone
    assert w.bal("YN:E1") == {"held": 95} and w.bal("YN:E2") == {"held": 5}
    database.engine(app_url).dispose()
    _kill(_stream, w, random.uniform(0.05, 0.5))  # anywhere in a stream of transactions
    assert w.run(verify) == []
    e1, e2 = w.bal("YN:E1"), w.bal("YN:E2")
    assert e1.get("held", 0) + e1.get("reserved", 0) + e2["held"] == 100
