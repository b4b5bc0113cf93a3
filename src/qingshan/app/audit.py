"""The audit trail: every change, appended in the same transaction as the change, hash-chained.

An event says who (``actor``), acting for which organisation and role, when, what
(``action`` on ``entity``), the state before and after, and why. Its ``hash`` is SHA-256 of
the previous event's hash and of its own fields in canonical JSON (:func:`row_hash`); the
chain's end (count and hash) is kept in ``audit_head`` and updated with each event. So
:func:`verify` finds an event edited by hand (its hash no longer matches), one deleted from
the middle (a gap in the ids, a broken link) or from the end (the head disagrees).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.models import AuditEvent, AuditHead

#: The hash the first event chains from.
GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (or ``system`` / ``cli:<os user>``), for which organisation, in which role."""

    name: str
    organisation: str = ""
    role: str = ""


def _canonical(value: Any) -> Any:
    """JSON as stored and read back (so the hash of a row read from the database is the
    hash computed when it was written)."""
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)) if value is not None else None


def row_hash(*, id: int, at: dt.datetime, actor: str, organisation: str, role: str, action: str, entity: str,
             before: Any, after: Any, reason: str, prev_hash: str) -> str:
    """SHA-256 of an event's fields and the previous event's hash, in canonical JSON."""
    stamp = at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    doc = {"id": id, "at": stamp, "actor": actor, "organisation": organisation, "role": role, "action": action,
           "entity": entity, "before": _canonical(before), "after": _canonical(after), "reason": reason,
           "prev_hash": prev_hash}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _head(s: Session) -> AuditHead:
    head = s.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, count=0, hash=GENESIS)
        s.add(head)
        s.flush()
    return head


def record(s: Session, actor: Actor, action: str, entity: str = "", *, before: Any = None, after: Any = None,
           reason: str = "") -> AuditEvent:
    """Append one event in the session's transaction (it is committed, or not, with the change)."""
    head = _head(s)
    at = dt.datetime.now(dt.UTC)
    event = AuditEvent(id=head.count + 1, at=at, actor=actor.name, organisation=actor.organisation, role=actor.role,
                       action=action, entity=entity, before=_canonical(before), after=_canonical(after),
                       reason=reason, prev_hash=head.hash)
    event.hash = row_hash(id=event.id, at=at, actor=event.actor, organisation=event.organisation, role=event.role,
                          action=action, entity=entity, before=event.before, after=event.after, reason=reason,
                          prev_hash=head.hash)
    s.add(event)
    head.count, head.hash = event.id, event.hash
    s.flush()
    return event


@dataclass(frozen=True)
class Break:
    """Where the chain does not hold."""

    event: int | None
    zh: str
    en: str


def verify(s: Session) -> list[Break]:
    """Every place where the chain does not hold (empty: the log is as written)."""
    out: list[Break] = []
    prev, expected_id = GENESIS, 1
    for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars():
        if e.id != expected_id:
            out.append(Break(e.id, f"缺少第 {expected_id}–{e.id - 1} 条记录（被删除）",
                             f"events {expected_id}–{e.id - 1} are missing (deleted)"))
        if e.prev_hash != prev:
            out.append(Break(e.id, f"第 {e.id} 条记录与前一条不相连",
                             f"event {e.id} does not chain from the one before"))
        want = row_hash(id=e.id, at=e.at if e.at.tzinfo else e.at.replace(tzinfo=dt.UTC), actor=e.actor,
                        organisation=e.organisation, role=e.role, action=e.action, entity=e.entity, before=e.before,
                        after=e.after, reason=e.reason, prev_hash=e.prev_hash)
        if want != e.hash:
            out.append(Break(e.id, f"第 {e.id} 条记录在写入后被修改", f"event {e.id} was changed after it was written"))
        prev, expected_id = e.hash, e.id + 1
    head = s.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    count, last = (head.count, head.hash) if head is not None else (0, GENESIS)
    if count != expected_id - 1 or last != prev:
        out.append(Break(None, f"日志末尾与记录的链尾不符（链尾：第 {count} 条）：最新的记录被删除或修改",
                         f"the log's end does not match the recorded end of the chain (event {count}): the newest "
                         "events were deleted or changed"))
    return out
