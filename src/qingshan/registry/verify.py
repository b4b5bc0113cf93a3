"""``qingshan registry verify``: everything the registry's books must satisfy, each break
coded (docs/registries.md, "Verify").

1. the ledger's hash chain, the blocks and postings each row hashed, its audit events
   (:func:`qingshan.registry.chain.verify_chain`: ``D201``–``D203``, ``D209``, ``D210``);
2. each account as its ``open`` row recorded it, and each request as its latest row
   recorded it, every row of a request as its first row asked it (only the state and the
   decision change) (``D201``, ``D208``);
3. block lineage: every block is issued (a root, written by an ``issue`` completion) or a
   child; a block is consumed by one row only, and its children, all written by that row,
   cover exactly its serials (``D207``);
4. serials: no two live blocks share a serial, nor two issued ranges (``D206``);
5. reservations: a reserved block belongs to a pending request, and a pending request that
   reserves holds exactly its amount (``D205``, ``D208``);
6. reconciliation of every account and right (:func:`qingshan.registry.balances.reconcile`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.registry.accounts import account_doc
from qingshan.registry.balances import reconcile
from qingshan.registry.blocks import live, serial_range
from qingshan.registry.chain import verify_chain
from qingshan.registry.effects import RESERVING
from qingshan.registry.models import Account, Block, LedgerRow, RightRequest
from qingshan.registry.orders import request_doc
from qingshan.registry.refusals import Break
from qingshan.registry.serials import overlaps, partitions


def verify(s: Session) -> list[Break]:
    """Every break in the registry's books (empty: they hold)."""
    rows = list(s.execute(select(LedgerRow).order_by(LedgerRow.id)).scalars())
    blocks = list(s.execute(select(Block).order_by(Block.id)).scalars())
    return [*verify_chain(s), *_records(s, rows), *_lineage(rows, blocks), *_serials(s, blocks),
            *_reservations(s), *reconcile(s)]


def _records(s: Session, rows: list[LedgerRow]) -> list[Break]:
    out: list[Break] = []
    opened = {r.account_id: r for r in rows if r.kind == "account" and r.step == "open"}
    for a in s.execute(select(Account).order_by(Account.id)).scalars():
        row = opened.get(a.id)
        if row is None or row.payload != account_doc(a):
            out.append(Break("D201", f"account/{a.id}", "账户与其开户记录不符（开户后被修改）",
                             "the account differs from its opening row (changed after it was opened)"))
    latest: dict[int, LedgerRow] = {}
    first: dict[int, LedgerRow] = {}
    for r in rows:
        if r.request_id is not None:
            latest[r.request_id] = r
            base = first.setdefault(r.request_id, r)
            if _asked(r.payload) != _asked(base.payload):
                out.append(Break("D208", f"request/{r.request_id}",
                                 f"第 {r.id} 行记录的申请与其第一行（第 {base.id} 行）不符（办理前被修改）",
                                 f"row {r.id} records the request otherwise than its first row {base.id} "
                                 "(changed before it was decided)"))
    for req in s.execute(select(RightRequest).order_by(RightRequest.id)).scalars():
        row = latest.get(req.id)
        if row is None or row.payload != request_doc(req):
            out.append(Break("D208", f"request/{req.id}", "申请与其最近的账本行不符（被修改）",
                             "the request differs from its latest ledger row (changed by hand)"))
    return out


#: The fields of a request that its decision writes; every other field stays as requested.
_DECISION = frozenset({"state", "decided_by", "decided_org", "decided_at", "decision_reason"})


def _asked(payload: dict[str, Any]) -> dict[str, Any]:
    """A request's ledger payload without the fields its decision writes."""
    return {k: v for k, v in payload.items() if k not in _DECISION}


def _lineage(rows: list[LedgerRow], blocks: list[Block]) -> list[Break]:
    out: list[Break] = []
    by_id = {b.id: b for b in blocks}
    row_of = {r.id: r for r in rows}
    children: dict[int, list[Block]] = defaultdict(list)
    for b in blocks:
        if b.parent_id is not None:
            children[b.parent_id].append(b)
        elif (row := row_of.get(b.ledger_id)) is None or (row.kind, row.step) != ("issue", "complete"):
            out.append(Break("D207", f"block/{b.id}", "没有上级区块，却不是发放所生成",
                             "has no parent and was not issued"))
    consumer: dict[int, int] = {}
    for r in rows:
        for bid in r.consumed:
            if bid in consumer:
                out.append(Break("D207", f"block/{bid}", f"被第 {consumer[bid]} 行和第 {r.id} 行两次使用",
                                 f"consumed twice, by rows {consumer[bid]} and {r.id}"))
            consumer[bid] = r.id
    for pid, kids in children.items():
        parent = by_id.get(pid)
        by = consumer.get(pid)
        if parent is None or by is None or any(k.ledger_id != by for k in kids) \
                or not partitions(serial_range(parent), [serial_range(k) for k in kids]):
            out.append(Break("D207", f"block/{pid}", "其下级区块不是由使用它的那一行写入，或未恰好覆盖其编号",
                             "its children were not written by the row that consumed it, or do not cover exactly "
                             "its serials"))
    for bid, rid in consumer.items():
        if bid not in children:
            out.append(Break("D207", f"block/{bid}", f"第 {rid} 行使用了它，却没有下级区块",
                             f"row {rid} consumed it but it has no children"))
    return out


def _serials(s: Session, blocks: list[Block]) -> list[Break]:
    out: list[Break] = []
    for kind, ranges in (("live", [serial_range(b) for b in live(s)]),
                         ("issued", [serial_range(b) for b in blocks if b.parent_id is None])):
        for a, b in overlaps(ranges):
            out.append(Break("D206", f"{a} / {b}", f"{'现存' if kind == 'live' else '发放的'}区块编号重叠",
                             f"{kind} blocks share serials"))
    return out


def _reservations(s: Session) -> list[Break]:
    out: list[Break] = []
    reserved: dict[int | None, int] = defaultdict(int)
    for b in live(s, Block.status == "reserved"):
        reserved[b.request_id] += b.units
    pending = {r.id: r for r in s.execute(select(RightRequest).where(RightRequest.state == "pending")).scalars()}
    for rid, n in sorted(reserved.items(), key=lambda kv: kv[0] or 0):
        if rid not in pending:
            out.append(Break("D208", f"request/{rid}", f"不在办理中，却保留着 {n} 个编号单位",
                             f"not pending, yet {n} serial units are reserved for it"))
    for rid, r in pending.items():
        if r.kind in RESERVING and reserved.get(rid, 0) != r.units:
            out.append(Break("D205", f"request/{rid}", f"申请 {r.units}，保留 {reserved.get(rid, 0)}",
                             f"asks for {r.units}, {reserved.get(rid, 0)} reserved"))
    return out
