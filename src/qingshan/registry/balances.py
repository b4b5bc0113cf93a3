"""Balances, derived from the live blocks and reconciled on every read.

Two independent records must agree before any number is given:

- **postings**: each ledger row's net change per account, right, vintage, status and
  encumbrance (double entry: a row that issues nothing nets to zero);
- **live blocks**: the blocks no later block names as parent.

and, per jurisdiction and right, the units issued (the ledger's ``issue`` rows, and the root
blocks per vintage) must equal what the live blocks hold in every status::

    issued = held + reserved + surrendered + retired + cancelled

A read whose books do not reconcile raises
:class:`~qingshan.registry.refusals.ReconciliationError` (codes ``D204``, ``D205``): it never
returns a number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from qingshan.registry.blocks import live, live_clause
from qingshan.registry.models import STATUSES, Account, Block, LedgerRow, Posting
from qingshan.registry.refusals import Break, ReconciliationError
from qingshan.registry.serials import SerialRange

_Key = tuple[int, str, int, str, str | None]  # account, right, vintage, status, encumbrance


@dataclass(frozen=True)
class Balance:
    """One account's units of one right and vintage, by status; ``pledged``, ``leased`` and
    ``frozen`` are the parts of ``held`` so encumbered (``leased``: held by the lessee)."""

    account_id: int
    right: str
    vintage: int
    held: int = 0
    reserved: int = 0
    surrendered: int = 0
    retired: int = 0
    cancelled: int = 0
    pledged: int = 0
    leased: int = 0
    frozen: int = 0

    @property
    def total(self) -> int:
        return self.held + self.reserved + self.surrendered + self.retired + self.cancelled


@dataclass(frozen=True)
class Total:
    """One right and vintage of a jurisdiction: what was issued and where it is now
    (``issued`` equals the sum of the five statuses, or the read refuses)."""

    jurisdiction: str
    right: str
    vintage: int
    issued: int
    held: int
    reserved: int
    surrendered: int
    retired: int
    cancelled: int


@dataclass(frozen=True)
class Holding:
    """One live block as an account statement shows it."""

    block_id: int
    serial: str
    vintage: int
    units: int
    status: str
    encumbrance: str | None
    encumbrance_until: str | None
    request_id: int | None
    valid_to: int | None


def _filters(model: type[Block] | type[Posting], rights: Sequence[str] | None,
             account_id: int | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if rights is not None:
        out.append(model.right_code.in_(rights))
    if account_id is not None:
        out.append(model.account_id == account_id)
    return out


def _live_sums(s: Session, rights: Sequence[str] | None, account_id: int | None) -> dict[_Key, int]:
    q = (select(Block.account_id, Block.right_code, Block.vintage, Block.status, Block.encumbrance,
                func.sum(Block.units))
         .where(live_clause(), *_filters(Block, rights, account_id))
         .group_by(Block.account_id, Block.right_code, Block.vintage, Block.status, Block.encumbrance))
    return {(a, r, v, st, e): int(n) for a, r, v, st, e, n in s.execute(q)}


def _posting_sums(s: Session, rights: Sequence[str] | None, account_id: int | None) -> dict[_Key, int]:
    q = (select(Posting.account_id, Posting.right_code, Posting.vintage, Posting.status, Posting.encumbrance,
                func.sum(Posting.units))
         .where(*_filters(Posting, rights, account_id))
         .group_by(Posting.account_id, Posting.right_code, Posting.vintage, Posting.status, Posting.encumbrance))
    return {(a, r, v, st, e): int(n) for a, r, v, st, e, n in s.execute(q) if int(n) != 0}


def reconcile(s: Session, rights: Sequence[str] | None = None, account_id: int | None = None) -> list[Break]:
    """Every disagreement between postings and live blocks (``D205``) and between what was
    issued and what the live blocks hold (``D204``), for ``rights`` (default: all) or one
    account (and its right)."""
    if account_id is not None and rights is None:
        acc = s.get(Account, account_id)
        rights = [acc.right_code] if acc is not None else []
    out: list[Break] = []
    blocks, postings = _live_sums(s, rights, account_id), _posting_sums(s, rights, account_id)
    for key in sorted(set(blocks) | set(postings), key=lambda k: (k[0], k[1], k[2], k[3], k[4] or "")):
        b, p = blocks.get(key, 0), postings.get(key, 0)
        if b != p:
            a, r, v, st, e = key
            what = f"{st}{'/' + e if e else ''}"
            out.append(Break("D205", f"account/{a}", f"{r} {v} 年度 {what}：记账为 {p}，区块为 {b}",
                             f"{r} {v} {what}: postings say {p}, the live blocks hold {b}"))
    out += _issued_breaks(s, rights)
    return out


def _issued_breaks(s: Session, rights: Sequence[str] | None) -> list[Break]:
    out: list[Break] = []
    ledger = defaultdict(int, {(j, r): int(n) for j, r, n in s.execute(
        select(LedgerRow.jurisdiction, LedgerRow.right_code, func.sum(LedgerRow.units))
        .where(LedgerRow.kind == "issue", LedgerRow.step == "complete",
               *([LedgerRow.right_code.in_(rights)] if rights is not None else []))
        .group_by(LedgerRow.jurisdiction, LedgerRow.right_code))})
    roots: dict[tuple[str, str, int], int] = defaultdict(int)
    for j, r, v, n in s.execute(select(Block.jurisdiction, Block.right_code, Block.vintage, func.sum(Block.units))
                                .where(Block.parent_id.is_(None), *_filters(Block, rights, None))
                                .group_by(Block.jurisdiction, Block.right_code, Block.vintage)):
        roots[(j, r, v)] = int(n)
    now: dict[tuple[str, str, int], int] = defaultdict(int)
    for j, r, v, n in s.execute(select(Block.jurisdiction, Block.right_code, Block.vintage, func.sum(Block.units))
                                .where(live_clause(), *_filters(Block, rights, None))
                                .group_by(Block.jurisdiction, Block.right_code, Block.vintage)):
        now[(j, r, v)] = int(n)
    for key in sorted(set(roots) | set(now)):
        if roots[key] != now[key]:
            j, r, v = key
            out.append(Break("D204", f"{j}/{r}/{v}", f"发放 {roots[key]}，现有各状态合计 {now[key]}",
                             f"issued {roots[key]}, the live blocks hold {now[key]} in all statuses"))
    by_right: dict[tuple[str, str], int] = defaultdict(int)
    for (j, r, _), n in now.items():
        by_right[(j, r)] += n
    for jr in sorted(set(ledger) | set(by_right)):
        if ledger[jr] != by_right[jr]:
            out.append(Break("D204", "/".join(jr), f"账本记载发放 {ledger[jr]}，现有各状态合计 {by_right[jr]}",
                             f"the ledger issued {ledger[jr]}, the live blocks hold {by_right[jr]}"))
    return out


def balances(s: Session, *, rights: Sequence[str] | None = None, account_id: int | None = None) -> list[Balance]:
    """Every account's balance by right and vintage (of ``rights``, or of one account),
    reconciled first."""
    breaks = reconcile(s, rights, account_id)
    if breaks:
        raise ReconciliationError(breaks)
    acc: dict[tuple[int, str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (a, r, v, status, enc), n in _live_sums(s, rights, account_id).items():
        acc[(a, r, v)][status] += n
        if status == "held" and enc is not None:
            acc[(a, r, v)][enc] += n
    return [Balance(a, r, v, **dict(parts)) for (a, r, v), parts in sorted(acc.items())]


def totals(s: Session, rights: Sequence[str] | None = None) -> list[Total]:
    """Per jurisdiction, right and vintage: issued and each status, reconciled first."""
    breaks = reconcile(s, rights)
    if breaks:
        raise ReconciliationError(breaks)
    issued = {(j, r, v): int(n) for j, r, v, n in s.execute(
        select(Block.jurisdiction, Block.right_code, Block.vintage, func.sum(Block.units))
        .where(Block.parent_id.is_(None), *_filters(Block, rights, None))
        .group_by(Block.jurisdiction, Block.right_code, Block.vintage))}
    parts: dict[tuple[str, str, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for j, r, v, st, n in s.execute(
            select(Block.jurisdiction, Block.right_code, Block.vintage, Block.status, func.sum(Block.units))
            .where(live_clause(), *_filters(Block, rights, None))
            .group_by(Block.jurisdiction, Block.right_code, Block.vintage, Block.status)):
        parts[(j, r, v)][st] = int(n)
    return [Total(j, r, v, issued.get((j, r, v), 0), **parts[(j, r, v)]) for j, r, v in sorted(issued)]


def holdings(s: Session, account_id: int) -> list[Holding]:
    """The live blocks of one account with their serials, its balance reconciled first."""
    breaks = reconcile(s, account_id=account_id)
    if breaks:
        raise ReconciliationError(breaks)
    return [Holding(b.id, str(SerialRange(b.jurisdiction, b.right_code, b.vintage, b.first_serial, b.last_serial)),
                    b.vintage, b.units, b.status, b.encumbrance,
                    None if b.encumbrance_until is None else b.encumbrance_until.isoformat(), b.request_id,
                    b.valid_to)
            for b in live(s, Block.account_id == account_id)]
