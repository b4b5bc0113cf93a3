"""The audit log as a document (issue #14, item 6): the newest events, filtered, with the
state of the hash chain (:func:`qingshan.app.audit.verify`), for the administrators' page
and its download."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from qingshan.app import audit, database
from qingshan.app.models import AuditEvent

#: Most events one answer holds.
MAX_EVENTS = 1000


def build(url: str | None, *, action: str = "", actor: str = "", entity: str = "", since: dt.date | None = None,
          until: dt.date | None = None, limit: int = 200) -> dict[str, Any]:
    """The newest ``limit`` events (at most :data:`MAX_EVENTS`) matching the filters (plain
    text, matched exactly for ``action`` and ``actor``, as a prefix for ``entity``; dates
    inclusive, UTC), newest first, and whether the whole chain holds. ``url`` None: the city
    has no application database, so no events (and the document says so)."""
    limit = max(1, min(limit, MAX_EVENTS))
    filters = {"action": action, "actor": actor, "entity": entity, "since": since.isoformat() if since else None,
               "until": until.isoformat() if until else None, "limit": limit}
    if url is None:
        return {"database": False, "filters": filters, "chain": {"intact": True, "breaks": []}, "events": [],
                "note": {"zh": "该城市没有应用数据库（尚未运行 qingshan db upgrade），没有审计记录",
                         "en": "this city has no application database (no `qingshan db upgrade` yet): no events"}}
    with database.session(url) as s:
        q = select(AuditEvent).order_by(AuditEvent.id.desc())
        if any("\x00" in v for v in (action, actor, entity)):  # no event holds one (PostgreSQL refuses it)
            q = q.where(AuditEvent.id < 0)
        if action:
            q = q.where(AuditEvent.action == action)
        if actor:
            q = q.where(AuditEvent.actor == actor)
        if entity:
            q = q.where(AuditEvent.entity.startswith(entity, autoescape=True))
        if since is not None:
            q = q.where(AuditEvent.at >= dt.datetime.combine(since, dt.time(), dt.UTC))
        if until is not None:
            q = q.where(AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC))
        events = [{"id": e.id, "at": e.at.replace(tzinfo=e.at.tzinfo or dt.UTC).isoformat(timespec="seconds"),
                   "actor": e.actor, "organisation": e.organisation, "role": e.role, "action": e.action,
                   "entity": e.entity, "before": e.before, "after": e.after, "reason": e.reason, "hash": e.hash}
                  for e in s.execute(q.limit(limit)).scalars()]
        breaks = audit.verify(s)
    return {"database": True, "filters": filters,
            "chain": {"intact": not breaks, "breaks": [{"event": b.event, "zh": b.zh, "en": b.en} for b in breaks]},
            "events": events}
