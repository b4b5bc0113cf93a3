"""The registry's tables in the application database (migration ``0003_registry``).

- :class:`Account`: who holds rights of one right type in one jurisdiction (a holder's
  ``holding`` account, or the jurisdiction's ``reserve``, ``surrender``, ``retirement`` and
  ``cancellation`` accounts). Never changed after it is opened; whether it is frozen is
  derived from the ledger (:func:`qingshan.registry.accounts.is_frozen`).
- :class:`Block`: a range of serials with one owner, status and encumbrance. **Append-only**:
  a change to any part of a block consumes it and creates its children (``parent_id``), which
  cover exactly its serials; a block is *live* while no block names it as parent.
- :class:`LedgerRow`: one step of the registry (an account opened, a request made, completed,
  rejected or cancelled), hash-chained like the audit trail over its own fields, the blocks it
  created, its postings and the request or account it concerns; :class:`LedgerHead` holds the
  chain's end and is locked by every append.
- :class:`Posting`: the change a ledger row makes to one account's balance of one right,
  vintage, status and encumbrance (double entry: the postings of a row that issues nothing
  sum to zero).
- :class:`RightRequest`: a transaction as a request (pending → completed | rejected |
  cancelled). Its ``state`` and decision columns change only in the transaction that appends
  the ledger row of that step, whose payload holds the request as it then is, so
  :func:`qingshan.registry.verify.verify` finds a request edited by hand.

Quantities are whole numbers of serial units (``units``): never floats.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qingshan.app.models import Base

#: Kinds of account.
ACCOUNT_KINDS = ("holding", "reserve", "surrender", "retirement", "cancellation")
#: Status of a block.
STATUSES = ("held", "reserved", "surrendered", "retired", "cancelled")
#: What encumbers a held block (or a reserved one, which keeps it until the request ends).
ENCUMBRANCES = ("pledged", "leased", "frozen")
#: States of a request.
STATES = ("pending", "completed", "rejected", "cancelled")


class Account(Base):
    __tablename__ = "registry_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    right_code: Mapped[str] = mapped_column(String(24))
    jurisdiction: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    unit: Mapped[str] = mapped_column(String(8))
    serial_unit: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(64))


class RightRequest(Base):
    __tablename__ = "registry_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(12), index=True)
    right_code: Mapped[str] = mapped_column(String(24))
    jurisdiction: Mapped[str] = mapped_column(String(6))
    vintage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    units: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    from_account_id: Mapped[int | None] = mapped_column(ForeignKey("registry_accounts.id"), nullable=True)
    to_account_id: Mapped[int | None] = mapped_column(ForeignKey("registry_accounts.id"), nullable=True)
    reference_id: Mapped[int | None] = mapped_column(ForeignKey("registry_requests.id"), nullable=True)
    method: Mapped[str | None] = mapped_column(String(24), nullable=True)
    trade_form: Mapped[str | None] = mapped_column(String(24), nullable=True)
    price: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lease_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    period: Mapped[str | None] = mapped_column(String(16), nullable=True)
    counterparty: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[Any] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_org: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_org: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text)


class LedgerRow(Base):
    __tablename__ = "registry_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(24))
    step: Mapped[str] = mapped_column(String(12))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("registry_requests.id"), nullable=True, index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("registry_accounts.id"), nullable=True, index=True)
    right_code: Mapped[str] = mapped_column(String(24))
    jurisdiction: Mapped[str] = mapped_column(String(6))
    units: Mapped[int] = mapped_column(BigInteger)
    consumed: Mapped[Any] = mapped_column(JSON)
    payload: Mapped[Any] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    rules: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    audit_id: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LedgerHead(Base):
    """The ledger's end (one row, ``id`` 1, made by the migration): every append locks it."""

    __tablename__ = "registry_ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Block(Base):
    __tablename__ = "registry_blocks"
    __table_args__ = (
        CheckConstraint("first_serial >= 1 AND last_serial >= first_serial", name="ck_registry_blocks_serials"),
        CheckConstraint("units = last_serial - first_serial + 1", name="ck_registry_blocks_units"),
        Index("ix_registry_blocks_series", "jurisdiction", "right_code", "vintage", "last_serial"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("registry_ledger.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("registry_blocks.id"), nullable=True, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("registry_accounts.id"), index=True)
    right_code: Mapped[str] = mapped_column(String(24))
    jurisdiction: Mapped[str] = mapped_column(String(6))
    vintage: Mapped[int] = mapped_column(Integer)
    first_serial: Mapped[int] = mapped_column(BigInteger)
    last_serial: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("registry_requests.id"), nullable=True)
    encumbrance: Mapped[str | None] = mapped_column(String(8), nullable=True)
    encumbrance_request_id: Mapped[int | None] = mapped_column(ForeignKey("registry_requests.id"), nullable=True)
    encumbrance_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    lessor_account_id: Mapped[int | None] = mapped_column(ForeignKey("registry_accounts.id"), nullable=True)
    valid_to: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Posting(Base):
    __tablename__ = "registry_postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("registry_ledger.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("registry_accounts.id"), index=True)
    right_code: Mapped[str] = mapped_column(String(24))
    vintage: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    encumbrance: Mapped[str | None] = mapped_column(String(8), nullable=True)
    units: Mapped[int] = mapped_column(BigInteger)
