"""The registry's clock: the time a ledger row is written and the date a lease or a vintage
is judged on (China Standard Time). One place, so tests can set the date.

:func:`simulated` runs a block of code at a **simulated** time, for the demo city's year of
markets only (:mod:`qingshan.registry.demo`; docs/registries.md, "The demo's markets"):
inside it :func:`now` and :func:`today` give the simulated time, which moves on with the
real time elapsed since the simulation started (or was last moved) and is strictly
increasing, so the ledger's rows keep their order in time. Production code never enters
it; the audit trail (:mod:`qingshan.app.audit`) keeps its own clock, so an audit event
always carries the real time of the run.

The simulation belongs to the context it was entered in (a :class:`~contextvars.ContextVar`):
another thread, such as a web server's, keeps the real time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: China Standard Time: leases end and vintages lapse on its dates.
CST = dt.timezone(dt.timedelta(hours=8), "CST")
#: The smallest step of the simulated time: the ledger stores microseconds.
TICK = dt.timedelta(microseconds=1)


class Simulation:
    """A simulated time (UTC): ``at`` when it was entered or last moved, plus the real time
    elapsed since; every reading later than the one before by at least :data:`TICK`."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = _aware(at)
        self._since = time.monotonic()
        self._last: dt.datetime | None = None

    def now(self) -> dt.datetime:
        """The simulated time, later than every earlier reading."""
        t = self._at + dt.timedelta(seconds=time.monotonic() - self._since)
        if self._last is not None and t <= self._last:
            t = self._last + TICK
        self._last = t
        return t

    def move_to(self, at: dt.datetime) -> None:
        """Go on at ``at``; never back (``ValueError`` if ``at`` is not after the latest
        reading or the latest move): the ledger's times keep the rows' order."""
        at = _aware(at)
        latest = self._at if self._last is None else max(self._last, self._at)
        if at <= latest:
            raise ValueError(f"a simulated time moves forward only: {at.isoformat()} is not after "
                             f"{latest.isoformat()}")
        self._at, self._since = at, time.monotonic()


_SIMULATION: ContextVar[Simulation | None] = ContextVar("qingshan_registry_simulation", default=None)


def _aware(at: dt.datetime) -> dt.datetime:
    if not isinstance(at, dt.datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a simulated time needs a time zone: {at!r}")
    return at.astimezone(dt.UTC)


@contextmanager
def simulated(at: dt.datetime) -> Iterator[Simulation]:
    """Within the block, :func:`now` and :func:`today` are simulated, starting at ``at`` (a
    time with its zone); the :class:`Simulation` yielded moves it on (``move_to``). Not
    nested (``RuntimeError``): one simulation at a time. For the demo's markets only."""
    if _SIMULATION.get() is not None:
        raise RuntimeError("a simulated time is already running")
    sim = Simulation(at)
    token = _SIMULATION.set(sim)
    try:
        yield sim
    finally:
        _SIMULATION.reset(token)


def is_simulated() -> bool:
    """Whether :func:`now` is simulated here."""
    return _SIMULATION.get() is not None


def wall() -> dt.datetime:
    """The real time (UTC), simulated or not."""
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    sim = _SIMULATION.get()
    return wall() if sim is None else sim.now()


def today() -> dt.date:
    return now().astimezone(CST).date()
