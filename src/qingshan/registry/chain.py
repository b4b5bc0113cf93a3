"""The registry's ledger: append-only rows, hash-chained like the audit trail (app/audit.py).

Each row's ``hash`` is SHA-256 of the previous row's hash and, in canonical JSON, of its own
fields, of the blocks it created, of its postings and of its payload (the request or account
as the step left it). The chain's end is :class:`~qingshan.registry.models.LedgerHead`,
which every append locks, and every row is written in the same transaction as its audit
event (``registry.<kind>.<step>``), whose id it keeps. So :func:`verify_chain` finds a row,
a block or a posting edited, added or deleted by hand.

Within its own transaction a row is flushed before its blocks (they name it), and its hash
is filled in once they have their ids: nothing outside the transaction ever sees it without.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.audit import Actor, record
from qingshan.app.models import AuditEvent
from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.registry import clock
from qingshan.registry.models import Block, LedgerHead, LedgerRow, Posting
from qingshan.registry.refusals import Break

#: The hash the first row chains from.
GENESIS = "0" * 64


def canonical(value: Any) -> Any:
    """JSON as stored and read back (so a row read from the database hashes as written)."""
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def stamp(at: dt.datetime) -> str:
    """A time as hashed: UTC, microseconds, no zone (SQLite gives it back without one)."""
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def block_doc(b: Block) -> dict[str, Any]:
    """Every field of a block, as its creating row hashes it."""
    return {"id": b.id, "ledger": b.ledger_id, "parent": b.parent_id, "account": b.account_id, "right": b.right_code,
            "jurisdiction": b.jurisdiction, "vintage": b.vintage, "first": b.first_serial, "last": b.last_serial,
            "units": b.units, "status": b.status, "request": b.request_id, "encumbrance": b.encumbrance,
            "encumbrance_request": b.encumbrance_request_id,
            "encumbrance_until": None if b.encumbrance_until is None else b.encumbrance_until.isoformat(),
            "lessor": b.lessor_account_id, "valid_to": b.valid_to}


def _posting_doc(p: Posting) -> list[Any]:
    return [p.account_id, p.right_code, p.vintage, p.status, p.encumbrance, p.units]


def row_hash(row: LedgerRow, blocks: Iterable[Block], postings: Iterable[Posting]) -> str:
    doc = {"id": row.id, "at": stamp(row.at), "kind": row.kind, "step": row.step, "request": row.request_id,
           "account": row.account_id, "right": row.right_code, "jurisdiction": row.jurisdiction, "units": row.units,
           "consumed": row.consumed, "payload": row.payload, "actor": row.actor, "organisation": row.organisation,
           "role": row.role, "rules": row.rules, "reason": row.reason, "audit": row.audit_id,
           "prev_hash": row.prev_hash,
           "blocks": sorted((block_doc(b) for b in blocks), key=lambda d: int(d["id"])),
           "postings": sorted((_posting_doc(p) for p in postings), key=lambda x: json.dumps(x))}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def lock_head(s: Session) -> LedgerHead:
    """The ledger's head, locked until the transaction ends (``SELECT … FOR UPDATE``; on
    SQLite the write transaction already holds the database's write lock)."""
    head = s.execute(select(LedgerHead).where(LedgerHead.id == 1).with_for_update()
                     .execution_options(populate_existing=True)).scalar_one_or_none()
    if head is None:
        raise ConfigError(tr("登记簿缺少链尾记录（registry_ledger_head）：数据库未迁移或已损坏",
                             "the registry has no ledger head (registry_ledger_head): not migrated, or damaged"))
    return head


def postings_of(consumed: Sequence[Block], created: Sequence[Block]) -> list[Posting]:
    """The net change to each account's balance by right, vintage, status and encumbrance."""
    net: dict[tuple[int, str, int, str, str | None], int] = defaultdict(int)
    for b, sign in ((b, -1) for b in consumed):
        net[(b.account_id, b.right_code, b.vintage, b.status, b.encumbrance)] += sign * b.units
    for b in created:
        net[(b.account_id, b.right_code, b.vintage, b.status, b.encumbrance)] += b.units
    return [Posting(account_id=k[0], right_code=k[1], vintage=k[2], status=k[3], encumbrance=k[4], units=v)
            for k, v in sorted(net.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3], kv[0][4] or ""))
            if v != 0]


def append(s: Session, actor: Actor, *, kind: str, step: str, right: str, jurisdiction: str, rules: str,
           payload: dict[str, Any], units: int = 0, request_id: int | None = None, account_id: int | None = None,
           consumed: Sequence[Block] = (), created: Sequence[Block] = (), reason: str = "") -> LedgerRow:
    """Append one row with the blocks it creates, its postings and its audit event, in the
    session's transaction. ``consumed`` blocks must be live (the caller locked the accounts
    and the head, and checked)."""
    head = lock_head(s)
    row = LedgerRow(id=head.count + 1, at=clock.now(), kind=kind, step=step, request_id=request_id,
                    account_id=account_id, right_code=right, jurisdiction=jurisdiction, units=units,
                    consumed=sorted(b.id for b in consumed), payload=canonical(payload), actor=actor.name,
                    organisation=actor.organisation, role=actor.role, rules=rules, reason=reason, audit_id=0,
                    prev_hash=head.hash, hash="")
    s.add(row)
    s.flush()
    for b in created:
        b.ledger_id = row.id
    s.add_all(created)
    s.flush()
    postings = postings_of(consumed, created)
    for p in postings:
        p.ledger_id = row.id
    s.add_all(postings)
    event = record(s, actor, f"registry.{kind}.{step}", f"registry/ledger/{row.id}", reason=reason,
                   after={"ledger": row.id, "right": right, "units": units, "request": request_id,
                          "account": account_id, "blocks": [b.id for b in created],
                          "consumed": row.consumed})
    row.audit_id = event.id
    row.hash = row_hash(row, created, postings)
    head.count, head.hash = row.id, row.hash
    s.flush()
    return row


def verify_chain(s: Session) -> list[Break]:
    """Every place where the ledger's chain, or the blocks and postings its rows hashed, or
    the link to the audit trail, does not hold."""
    out: list[Break] = []
    blocks: dict[int, list[Block]] = defaultdict(list)
    for b in s.execute(select(Block)).scalars():
        blocks[b.ledger_id].append(b)
    postings: dict[int, list[Posting]] = defaultdict(list)
    for p in s.execute(select(Posting)).scalars():
        postings[p.ledger_id].append(p)
    events = {e.id: (e.action, e.entity) for e in s.execute(
        select(AuditEvent).where(AuditEvent.action.startswith("registry."))).scalars()}
    prev, expected = GENESIS, 1
    seen: set[int] = set()
    for row in s.execute(select(LedgerRow).order_by(LedgerRow.id)).scalars():
        where = f"ledger/{row.id}"
        seen.add(row.id)
        if row.id != expected:
            out.append(Break("D202", where, f"缺少第 {expected}–{row.id - 1} 行（被删除）",
                             f"rows {expected}–{row.id - 1} are missing (deleted)"))
        if row.prev_hash != prev:
            out.append(Break("D202", where, "与前一行不相连", "does not chain from the row before"))
        if row_hash(row, blocks.get(row.id, ()), postings.get(row.id, ())) != row.hash:
            out.append(Break("D201", where, "本行、其区块或记账在写入后被修改",
                             "the row, its blocks or its postings were changed after it was written"))
        if events.get(row.audit_id) != (f"registry.{row.kind}.{row.step}", f"registry/ledger/{row.id}"):
            out.append(Break("D210", where, f"审计记录 {row.audit_id} 缺失或不符",
                             f"audit event {row.audit_id} is missing or different"))
        prev, expected = row.hash, row.id + 1
    head = s.execute(select(LedgerHead).where(LedgerHead.id == 1)).scalar_one_or_none()
    if head is None or head.count != expected - 1 or head.hash != prev:
        n = head.count if head else "—"
        out.append(Break("D203", "ledger", f"链尾（第 {n} 行）与最后一行不符：最新的行被删除或修改",
                         f"the head (row {n}) does not match the last row: the newest "
                         "rows were deleted or changed"))
    for lid in sorted(set(blocks) - seen):
        out.append(Break("D209", f"ledger/{lid}", "区块所称的账本行不存在",
                         "blocks name a ledger row that does not exist"))
    for lid in sorted(set(postings) - seen):
        out.append(Break("D209", f"ledger/{lid}", "记账所称的账本行不存在",
                         "postings name a ledger row that does not exist"))
    return out
