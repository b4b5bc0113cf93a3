"""Account statements and the books at a moment: what the web pages' statements and the
city report's registry section read (docs/registries.md, "Web pages"). Read-only: nothing
here writes, and every read reconciles the books first, as :mod:`.balances` does.

A **statement** of one account for a period [``start``, ``end``) is its balance by status at
``start`` (the sum of its postings written before), each ledger row that changed it within
the period (the row's postings on the account, and the serials that entered or left each
status and encumbrance in the account, from the blocks the row consumed and created), and
its balance at ``end``. It reconciles when, for every status, opening + the movements =
closing (:attr:`Statement.reconciled`); a statement running to now must also close on the
account's live blocks (:func:`qingshan.registry.balances.balances`), or the read refuses
(``D205``).

The **books at a moment** (:func:`totals_at`) are, per jurisdiction, right and vintage, the
units issued before it (root blocks written by rows before it) and the units in each status
(the postings of those rows), which must satisfy the identity
issued = held + reserved + surrendered + retired + cancelled, or the read refuses (``D204``).

Times are UTC; a period's ends are compared with the ledger rows' times (``at``): the rows of
a period are those written within it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingshan.registry.balances import Total, balances, reconcile
from qingshan.registry.models import STATUSES, Account, Block, LedgerRow, Posting
from qingshan.registry.refusals import Break, ReconciliationError, RegistryError
from qingshan.registry.serials import SerialRange

#: The columns of a statement: the five statuses, then the encumbered parts of ``held``.
COLUMNS = (*STATUSES, "pledged", "leased", "frozen")


def _utc(at: dt.datetime) -> dt.datetime:
    """A time read back from the database (SQLite gives it without a zone: it is UTC)."""
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _column_changes(status: str, encumbrance: str | None, units: int) -> dict[str, int]:
    out = {status: units}
    if status == "held" and encumbrance is not None:
        out[encumbrance] = units
    return out


@dataclass(frozen=True)
class Movement:
    """One ledger row's change to one account: the net units per column (:data:`COLUMNS`)
    and the serials that entered (``serials_in``) or left (``serials_out``) a status or
    encumbrance of the account, each as ``(status[/encumbrance], serial range)``."""

    ledger_id: int
    at: dt.datetime
    kind: str
    step: str
    request_id: int | None
    actor: str
    organisation: str
    reason: str
    changes: dict[str, int]
    serials_in: tuple[tuple[str, str], ...]
    serials_out: tuple[tuple[str, str], ...]

    @property
    def total(self) -> int:
        return sum(self.changes.get(s, 0) for s in STATUSES)


@dataclass(frozen=True)
class Statement:
    """One account's statement for [``start``, ``end``) (None: from the first row, to now)."""

    account_id: int
    right: str
    start: dt.datetime | None
    end: dt.datetime | None
    opening: dict[str, int]
    movements: list[Movement] = field(default_factory=list)
    closing: dict[str, int] = field(default_factory=dict)

    def moved(self, column: str) -> int:
        return sum(m.changes.get(column, 0) for m in self.movements)

    @property
    def reconciled(self) -> bool:
        """Opening + movements = closing, column by column."""
        return all(self.opening.get(c, 0) + self.moved(c) == self.closing.get(c, 0) for c in COLUMNS)


def _intervals_minus(a: list[tuple[int, int, int]], b: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The serials of ranges ``a`` (vintage, first, last) not in ranges ``b``."""
    out: list[tuple[int, int, int]] = []
    cuts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for v, f, last in b:
        cuts[v].append((f, last))
    for v, f, last in sorted(a):
        pieces = [(f, last)]
        for cf, cl in sorted(cuts[v]):
            nxt = []
            for pf, pl in pieces:
                if cl < pf or cf > pl:
                    nxt.append((pf, pl))
                    continue
                if pf < cf:
                    nxt.append((pf, cf - 1))
                if cl < pl:
                    nxt.append((cl + 1, pl))
            pieces = nxt
        out += [(v, pf, pl) for pf, pl in pieces]
    return out


def _serials(jurisdiction: str, right: str, consumed: Iterable[Block], created: Iterable[Block]
             ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The serials that entered and left each status/encumbrance of an account in one row."""
    def by_key(blocks: Iterable[Block]) -> dict[str, list[tuple[int, int, int]]]:
        out: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for b in blocks:
            out[b.status + (f"/{b.encumbrance}" if b.encumbrance else "")].append(
                (b.vintage, b.first_serial, b.last_serial))
        return out

    gone, made = by_key(consumed), by_key(created)

    def shown(key: str, ranges: list[tuple[int, int, int]]) -> list[tuple[str, str]]:
        return [(key, str(SerialRange(jurisdiction, right, v, f, last))) for v, f, last in sorted(ranges)]

    entered = [x for k in sorted(made) for x in shown(k, _intervals_minus(made[k], gone.get(k, [])))]
    left = [x for k in sorted(gone) for x in shown(k, _intervals_minus(gone[k], made.get(k, [])))]
    return tuple(entered), tuple(left)


def statement(s: Session, account_id: int, start: dt.datetime | None = None,
              end: dt.datetime | None = None) -> Statement:
    """The statement of ``account_id`` for [``start``, ``end``) (UTC; None: open), its
    balances reconciled first; ``D106`` for an unknown account."""
    acc = s.get(Account, account_id)
    if acc is None:
        raise RegistryError("D106", f"没有账户 {account_id}", f"no account {account_id}", 404)
    live = balances(s, account_id=account_id)  # reconciles the account and its right first
    rows = {r.id: r for r in s.execute(
        select(LedgerRow).where(LedgerRow.id.in_(select(Posting.ledger_id).where(Posting.account_id == account_id)))
        .order_by(LedgerRow.id)).scalars()}
    postings: dict[int, list[Posting]] = defaultdict(list)
    for p in s.execute(select(Posting).where(Posting.account_id == account_id).order_by(Posting.id)).scalars():
        postings[p.ledger_id].append(p)
    opening: dict[str, int] = dict.fromkeys(COLUMNS, 0)
    closing: dict[str, int] = dict.fromkeys(COLUMNS, 0)
    chosen: list[LedgerRow] = []
    for rid in sorted(postings):
        at = _utc(rows[rid].at)
        before_end = end is None or at < end
        for p in postings[rid]:
            for col, n in _column_changes(p.status, p.encumbrance, p.units).items():
                if start is not None and at < start:
                    opening[col] += n
                if before_end:
                    closing[col] += n
        if (start is None or at >= start) and before_end:
            chosen.append(rows[rid])
    movements = _movements(s, acc, chosen, postings)
    if end is None:
        now: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        for b in live:
            for col in COLUMNS:
                now[col] += getattr(b, col)
        if now != closing:
            raise ReconciliationError([Break("D205", f"account/{account_id}", f"对账单期末 {closing}，区块为 {now}",
                                             f"the statement closes on {closing}, the live blocks hold {now}")])
    out = Statement(account_id, acc.right_code, start, end, opening, movements, closing)
    if not out.reconciled:
        raise ReconciliationError([Break("D205", f"account/{account_id}", "期初余额加本期变动不等于期末余额",
                                         "the opening balance plus the movements differs from the closing balance")])
    return out


def _movements(s: Session, acc: Account, rows: Sequence[LedgerRow], postings: dict[int, list[Posting]]
               ) -> list[Movement]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    created: dict[int, list[Block]] = defaultdict(list)
    for b in s.execute(select(Block).where(Block.ledger_id.in_(ids), Block.account_id == acc.id)).scalars():
        created[b.ledger_id].append(b)
    consumed_ids = {bid: r.id for r in rows for bid in (r.consumed or [])}
    consumed: dict[int, list[Block]] = defaultdict(list)
    if consumed_ids:
        for b in s.execute(select(Block).where(Block.id.in_(list(consumed_ids)), Block.account_id == acc.id)).scalars():
            consumed[consumed_ids[b.id]].append(b)
    out = []
    for r in rows:
        changes: dict[str, int] = defaultdict(int)
        for p in postings[r.id]:
            for col, n in _column_changes(p.status, p.encumbrance, p.units).items():
                changes[col] += n
        entered, left = _serials(acc.jurisdiction, acc.right_code, consumed[r.id], created[r.id])
        out.append(Movement(r.id, _utc(r.at), r.kind, r.step, r.request_id, r.actor, r.organisation, r.reason,
                            {k: v for k, v in changes.items() if v}, entered, left))
    return out


def totals_at(s: Session, end: dt.datetime | None = None, rights: Sequence[str] | None = None) -> list[Total]:
    """Per jurisdiction, right and vintage: what was issued before ``end`` (UTC; None: now)
    and where it was then, by status, from the rows written before ``end``; the books are
    reconciled first, and the identity is checked at ``end`` (``D204``). Every row keeps the
    identity (an issuance adds as much held as issued; every other row nets to zero), so it
    holds for the rows of any moment."""
    breaks = reconcile(s, rights)
    if breaks:
        raise ReconciliationError(breaks)
    before = {rid for rid, at in s.execute(select(LedgerRow.id, LedgerRow.at)) if end is None or _utc(at) < end}
    right_filter = [] if rights is None else [Block.right_code.in_(rights)]
    issued: dict[tuple[str, str, int], int] = defaultdict(int)
    for rid, j, r, v, n in s.execute(
            select(Block.ledger_id, Block.jurisdiction, Block.right_code, Block.vintage, func.sum(Block.units))
            .where(Block.parent_id.is_(None), *right_filter)
            .group_by(Block.ledger_id, Block.jurisdiction, Block.right_code, Block.vintage)):
        if rid in before:
            issued[(j, r, v)] += int(n)
    parts: dict[tuple[str, str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    posting_rights = [] if rights is None else [Posting.right_code.in_(rights)]
    for rid, j, r, v, st, n in s.execute(
            select(Posting.ledger_id, Account.jurisdiction, Posting.right_code, Posting.vintage, Posting.status,
                   func.sum(Posting.units))
            .join(Account, Account.id == Posting.account_id).where(*posting_rights)
            .group_by(Posting.ledger_id, Account.jurisdiction, Posting.right_code, Posting.vintage, Posting.status)):
        if rid in before:
            parts[(j, r, v)][st] += int(n)
    out: list[Total] = []
    wrong: list[Break] = []
    for key in sorted(set(issued) | {k for k, p in parts.items() if any(p.values())}):
        p = parts[key]
        if issued[key] != sum(p.values()):
            j, r, v = key
            n, held = issued[key], sum(p.values())
            wrong.append(Break("D204", f"{j}/{r}/{v}", f"截至该时点发放 {n}，各状态合计 {held}",
                               f"issued {n} by then, the statuses hold {held}"))
        out.append(Total(key[0], key[1], key[2], issued[key], **p))
    if wrong:
        raise ReconciliationError(wrong)
    return out


@dataclass(frozen=True)
class Activity:
    """The completed transactions of one right and kind in a period: how many, and the
    units they moved (issued, transferred, surrendered …)."""

    right: str
    kind: str
    count: int
    units: int


def activity(s: Session, start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[Activity]:
    """Per right and kind, the requests completed in [``start``, ``end``) (UTC) and their units."""
    got: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for right, kind, at, units in s.execute(select(LedgerRow.right_code, LedgerRow.kind, LedgerRow.at, LedgerRow.units)
                                            .where(LedgerRow.step == "complete").order_by(LedgerRow.id)):
        t = _utc(at)
        if (start is None or t >= start) and (end is None or t < end):
            got[(right, kind)][0] += 1
            got[(right, kind)][1] += int(units)
    return [Activity(r, k, n, u) for (r, k), (n, u) in sorted(got.items())]
