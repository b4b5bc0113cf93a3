"""Registry accounts: opened by the right's authority (a ``holding`` account for an
organisation), or by the registry itself the first time a right needs its jurisdiction's
``reserve``, ``surrender``, ``retirement`` or ``cancellation`` account. Opening is a ledger
row (``open``) whose payload is the account, so an account edited by hand is found; an
account is never changed afterwards, and whether it is frozen is read from its ledger rows
(:func:`is_frozen`)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.audit import Actor
from qingshan.app.permissions import allowed
from qingshan.registry import chain, clock
from qingshan.registry.access import Acting, is_authority, organisation
from qingshan.registry.models import ACCOUNT_KINDS, Account, LedgerRow
from qingshan.registry.refusals import RegistryError
from qingshan.registry.rights import RightBook, RightType

#: The registry's own accounts of a jurisdiction and right, and their holder names.
SYSTEM_KINDS = {"reserve": ("政府储备账户", "government reserve"), "surrender": ("清缴账户", "surrender"),
                "retirement": ("自愿注销账户", "retirement"), "cancellation": ("注销账户", "cancellation")}
#: The status a block takes in each system account it is moved to.
STATUS_IN = {"surrender": "surrendered", "retirement": "retired", "cancellation": "cancelled", "reserve": "held"}
SYSTEM = Actor("registry", role="system")


def account_doc(a: Account) -> dict[str, Any]:
    """Every field of an account, as its ``open`` row holds it."""
    return {"id": a.id, "right": a.right_code, "jurisdiction": a.jurisdiction, "kind": a.kind, "holder": a.holder,
            "holder_name": a.holder_name, "organisation": a.organisation_id, "unit": a.unit,
            "serial_unit": a.serial_unit, "opened_at": chain.stamp(a.opened_at),
            "opened_by": a.opened_by}


def _consistent(s: Session, book: RightBook, right: RightType) -> None:
    """``D113`` if accounts of the right were opened with another unit or serial unit: a
    serial means one thing for ever."""
    other = s.execute(select(Account).where(Account.jurisdiction == book.jurisdiction,
                                            Account.right_code == right.code).limit(1)).scalar_one_or_none()
    if other is not None and (other.unit != right.unit or Decimal(other.serial_unit) != right.serial_unit):
        raise RegistryError("D113", f"{right.code} 的账户以 {other.serial_unit} {other.unit} 为编号单位开立，"
                            f"规则文件现为 {right.serial_unit} {right.unit}",
                            f"accounts of {right.code} were opened with serial unit {other.serial_unit} {other.unit}; "
                            f"the rule file now says {right.serial_unit} {right.unit}", 409)


def _open(s: Session, actor: Actor, book: RightBook, right: RightType, kind: str, holder: str, name: str,
          organisation_id: int | None) -> Account:
    _consistent(s, book, right)
    chain.lock_head(s)
    a = Account(right_code=right.code, jurisdiction=book.jurisdiction, kind=kind, holder=holder, holder_name=name,
                organisation_id=organisation_id, unit=right.unit, serial_unit=str(right.serial_unit),
                opened_at=clock.now(), opened_by=actor.name)
    s.add(a)
    s.flush()
    chain.append(s, actor, kind="account", step="open", right=right.code, jurisdiction=book.jurisdiction,
                 rules=book.rules_id, payload=account_doc(a), account_id=a.id)
    return a


def open_account(s: Session, who: Acting, book: RightBook, right_code: str, holder: str) -> Account:
    """Open the ``holding`` account of organisation ``holder`` (its code) for a right; only
    the right's authority (``registry_admin``) does. ``D106`` unknown organisation, ``D107``
    one it already has."""
    right = book.right(right_code)
    if not (allowed(who.roles, "registry_admin") and is_authority(s, who, right)):
        raise RegistryError("D101", f"只有 {right.zh} 的主管部门可以开立账户",
                            f"only the authority of {right.en} opens accounts", 403)
    org = organisation(s, holder)
    if org is None:
        raise RegistryError("D106", f"没有组织 {holder}", f"no organisation {holder}", 404)
    with s.begin_nested():
        chain.lock_head(s)
        if find(s, book, right.code, "holding", holder) is not None:
            raise RegistryError("D107", f"{holder} 已有 {right.code} 账户",
                                f"{holder} already has a {right.code} account", 409)
        return _open(s, who.actor(), book, right, "holding", holder, org.name, org.id)


def find(s: Session, book: RightBook, right_code: str, kind: str, holder: str) -> Account | None:
    return s.execute(select(Account).where(
        Account.jurisdiction == book.jurisdiction, Account.right_code == right_code, Account.kind == kind,
        Account.holder == holder)).scalar_one_or_none()


def system_account(s: Session, book: RightBook, right: RightType, kind: str) -> Account:
    """The jurisdiction's ``kind`` account of ``right``, opened by the registry the first
    time it is needed. Call with the ledger head locked (every writer does), so two
    transactions never open it twice."""
    if kind not in SYSTEM_KINDS or kind not in ACCOUNT_KINDS:
        raise ValueError(kind)
    got = find(s, book, right.code, kind, kind)
    if got is not None:
        return got
    zh, en = SYSTEM_KINDS[kind]
    return _open(s, SYSTEM, book, right, kind, kind, f"{zh} / {en}", None)


def lock(s: Session, ids: Sequence[int | None]) -> dict[int, Account]:
    """Lock the accounts ``ids`` (in id order, so two writers never wait on each other in a
    circle) and return them read afresh; ``D106`` for an unknown one, ``D201`` for one that
    differs from its ``open`` row (edited by hand: its organisation is not trusted). With
    ``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write transaction holds the database."""
    wanted = sorted({i for i in ids if i is not None})
    got = {a.id: a for a in s.execute(select(Account).where(Account.id.in_(wanted)).order_by(Account.id)
                                      .with_for_update().execution_options(populate_existing=True)).scalars()}
    missing = [i for i in wanted if i not in got]
    if missing:
        raise RegistryError("D106", f"没有账户 {missing}", f"no account {missing}", 404)
    opened = {r.account_id: r.payload for r in s.execute(select(LedgerRow).where(
        LedgerRow.kind == "account", LedgerRow.step == "open", LedgerRow.account_id.in_(wanted))).scalars()}
    changed = [i for i in wanted if opened.get(i) != account_doc(got[i])]
    if changed:
        raise RegistryError("D201", f"账户 {changed} 与其开户记录不符（开户后被修改），不予办理",
                            f"account {changed} differs from its opening row (changed after it was opened): "
                            "nothing is done", 409)
    return got


def is_frozen(s: Session, account_id: int) -> bool:
    """Whether the account is frozen: its latest completed ``freeze_account`` or
    ``unfreeze_account`` row says so."""
    kind = s.execute(select(LedgerRow.kind).where(
        LedgerRow.account_id == account_id, LedgerRow.step == "complete",
        LedgerRow.kind.in_(("freeze_account", "unfreeze_account"))).order_by(LedgerRow.id.desc()).limit(1)
    ).scalar_one_or_none()
    return kind == "freeze_account"
