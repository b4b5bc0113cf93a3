"""Blocks of serials: which are live, which an account may use, and how a change makes
children (never an edit): :func:`successor` copies a block with what changes, :func:`carve`
splits off the serials a request takes (the owner keeps the first, the request the last,
:func:`qingshan.registry.serials.split`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, aliased

from qingshan.registry.models import Block
from qingshan.registry.serials import SerialRange, split


def live_clause() -> ColumnElement[bool]:
    """A block is live while no block names it as parent."""
    child = aliased(Block)
    return ~exists().where(child.parent_id == Block.id)


def live(s: Session, *conditions: ColumnElement[bool]) -> list[Block]:
    """The live blocks meeting ``conditions``, by vintage and serial, read afresh."""
    q = (select(Block).where(live_clause(), *conditions)
         .order_by(Block.vintage, Block.right_code, Block.first_serial).execution_options(populate_existing=True))
    return list(s.execute(q).scalars())


def last_serial(s: Session, jurisdiction: str, right: str, vintage: int) -> int:
    """The highest serial ever issued for a jurisdiction, right and vintage (0: none).
    Children cover their parent's serials, so the maximum over every block is the issued one."""
    got = s.execute(select(func.max(Block.last_serial)).where(
        Block.jurisdiction == jurisdiction, Block.right_code == right, Block.vintage == vintage)).scalar_one()
    return int(got or 0)


def serial_range(b: Block) -> SerialRange:
    return SerialRange(b.jurisdiction, b.right_code, b.vintage, b.first_serial, b.last_serial)


_COPIED = ("account_id", "right_code", "jurisdiction", "vintage", "status", "request_id", "encumbrance",
           "encumbrance_request_id", "encumbrance_until", "lessor_account_id", "valid_to")


def successor(parent: Block, r: SerialRange | None = None, **changes: Any) -> Block:
    """A child of ``parent`` over ``r`` (default: all its serials), as ``parent`` with
    ``changes``."""
    r = r or serial_range(parent)
    values = {k: getattr(parent, k) for k in _COPIED} | changes
    return Block(parent_id=parent.id, first_serial=r.first, last_serial=r.last, units=r.quantity, **values)


@dataclass
class Change:
    """The blocks one ledger row consumes and creates."""

    consumed: list[Block] = field(default_factory=list)
    created: list[Block] = field(default_factory=list)

    def replace(self, parent: Block, **changes: Any) -> Block:
        """Consume ``parent``; its one child carries ``changes``."""
        self.consumed.append(parent)
        child = successor(parent, **changes)
        self.created.append(child)
        return child

    def carve(self, parent: Block, units: int, **changes: Any) -> Block:
        """Consume ``parent``; the owner keeps its first serials unchanged and the last
        ``units`` serials become a child with ``changes``."""
        kept, moved = split(serial_range(parent), units)
        self.consumed.append(parent)
        if kept is not None:
            self.created.append(successor(parent, kept))
        child = successor(parent, moved, **changes)
        self.created.append(child)
        return child

    def take(self, blocks: Sequence[Block], units: int, **changes: Any) -> int:
        """Carve ``units`` serial units out of ``blocks`` in order (whole blocks first, the
        last one split); the units taken (fewer than asked if the blocks hold fewer)."""
        left = units
        for b in blocks:
            if left <= 0:
                break
            n = min(left, b.units)
            self.carve(b, n, **changes)
            left -= n
        return units - left


def usable(b: Block, *, day: dt.date, leased: bool = False, expired: bool = False, year: int | None = None) -> bool:
    """Whether a live block can leave its account for a request: held and unencumbered (or,
    where allowed, leased to this account with the lease running), and within its validity
    (``valid_to``, a year, judged against ``year``: default ``day``'s) unless ``expired`` is
    allowed."""
    if b.status != "held":
        return False
    if not expired and b.valid_to is not None and b.valid_to < (day.year if year is None else year):
        return False
    if b.encumbrance is None:
        return True
    return b.encumbrance == "leased" and leased and b.encumbrance_until is not None and b.encumbrance_until >= day
