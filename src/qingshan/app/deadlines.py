"""When enterprises' reports are due, and who is late or missing (issue #14, item 5).

For one table and period, every enterprise within a unit's part of the city is in one state:
``missing`` (no version submitted), ``submitted`` (waiting for review), ``returned``
(waiting for the enterprise's correction) or ``accepted``. It is *late* when its first
version was submitted after the due date, or when none has been and the due date has passed.
Counts and lists are given for each district and park.

The due dates are the city's (``city.toml`` ``[reporting]``, :class:`Due`): a month's
energy by a day of the following month, a year's reports by a date of the following year,
both at the end of that day, China Standard Time (UTC+8). A city that sets none has no late
reporters, only missing ones.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.models import Organisation, Report
from qingshan.app.permissions import in_scope

#: China Standard Time: the due day ends at its midnight here
CST = dt.timezone(dt.timedelta(hours=8), "CST")
STATES = ("missing", "submitted", "returned", "accepted")


@dataclass(frozen=True)
class Due:
    """When reports are due (``city.toml`` ``[reporting]``): a month's energy by
    ``energy_day`` of the next month, a year's reports by ``yearly`` (month, day) of the next
    year; None: not set by the city."""

    energy_day: int | None = None
    yearly: tuple[int, int] | None = None


def due_at(kind: str, period: str, due: Due) -> dt.datetime | None:
    """The moment ``kind``'s report for ``period`` is due (the end of the due day, UTC+8),
    or None when the city sets no due date for it."""
    if kind == "energy":
        if due.energy_day is None:
            return None
        year, month = int(period[:4]), int(period[5:7])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        day = dt.date(year, month, due.energy_day)
    else:
        if due.yearly is None:
            return None
        day = dt.date(int(period[:4]) + 1, *due.yearly)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CST)


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def status(s: Session, own_path: str, kind: str, period: str, due: Due,
           now: dt.datetime | None = None) -> dict[str, Any]:
    """The reporting state of every enterprise within ``own_path`` for ``kind`` and
    ``period``, and its counts per district and park."""
    now = now or dt.datetime.now(dt.UTC)
    deadline = due_at(kind, period, due)
    orgs = {o.code: o for o in s.execute(select(Organisation)).scalars()}
    firms = sorted((o for o in orgs.values() if o.kind == "enterprise" and in_scope(own_path, o.path)),
                   key=lambda o: o.path)
    versions = s.execute(select(Report).where(Report.kind == kind, Report.period == period)
                         .order_by(Report.version)).scalars()
    first: dict[int, dt.datetime] = {}
    latest: dict[int, Report] = {}
    for v in versions:
        first.setdefault(v.organisation_id, _aware(v.submitted_at))
        latest[v.organisation_id] = v
    rows: list[dict[str, Any]] = []
    for o in firms:
        parts = o.path.strip("/").split("/")
        above = [orgs[c] for c in parts[1:-1] if c in orgs]
        district = next((u.code for u in above if u.kind == "district"), None)
        park = next((u.code for u in above if u.kind == "park"), None)
        r = latest.get(o.id)
        submitted = first.get(o.id)
        late = deadline is not None and ((submitted or now) > deadline)
        rows.append({"entity_id": o.code, "name": o.name, "district_id": district, "park_id": park,
                     "state": r.status if r else "missing", "version": r.version if r else None,
                     "report": r.id if r else None,
                     "first_submitted": submitted.isoformat() if submitted else None, "late": late})
    units = []
    for level, key in (("district", "district_id"), ("park", "park_id")):
        for code in sorted({row[key] for row in rows if row[key]}):
            mine = [row for row in rows if row[key] == code]
            counts = Counter(row["state"] for row in mine)
            units.append({"level": level, "code": code, "name": orgs[code].name if code in orgs else code,
                          "expected": len(mine), **{st: counts.get(st, 0) for st in STATES},
                          "late": sum(row["late"] for row in mine),
                          "missing_ids": [row["entity_id"] for row in mine if row["state"] == "missing"],
                          "late_ids": [row["entity_id"] for row in mine if row["late"]]})
    totals = Counter(row["state"] for row in rows)
    return {"kind": kind, "period": period, "due": deadline.isoformat() if deadline else None,
            "as_of": now.isoformat(), "expected": len(rows), **{st: totals.get(st, 0) for st in STATES},
            "late": sum(row["late"] for row in rows), "units": units, "enterprises": rows}
