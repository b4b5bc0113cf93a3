"""The registry's transactions: request → approve | reject (with a reason) | cancel (with a
reason), each step one ledger row with its audit event, in the caller's transaction
(docs/registries.md, "Transaction kinds and states").

Every step runs in a savepoint, in this order:

1. the order is checked field by field (every problem at once), before anything is read;
2. the accounts it touches are locked, in id order (``SELECT … FOR UPDATE`` on PostgreSQL;
   on SQLite the write transaction began with ``BEGIN IMMEDIATE`` and holds the database),
   then the ledger head;
3. only then are balances, states and permissions read and judged, and the rows written.

So two requests on one account are judged one after the other, each on what the other left:
no amount is spent twice. A refusal raises before or instead of the writes, and the
savepoint undoes whatever the step had written, so a caller that goes on after a refusal
commits nothing of it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.permissions import allowed
from qingshan.registry import access, accounts, chain, clock, effects
from qingshan.registry.access import Acting
from qingshan.registry.blocks import Change
from qingshan.registry.models import Account, LedgerRow, RightRequest
from qingshan.registry.orders import Order, check, request_doc
from qingshan.registry.refusals import RegistryError
from qingshan.registry.rights import RightBook, RightType

#: Kinds that take rights out of an account on its holder's request: refused while the
#: account is frozen (an authority's buy-back, cancellation or freeze is not).
DISPOSALS = ("transfer", "lease", "pledge", "buyback", "surrender", "retire")
#: What each kind may take from (``from``) and give to (``to``).
_FROM = {"transfer": ("holding", "reserve"), "lease": ("holding",), "pledge": ("holding",), "freeze": ("holding",),
         "freeze_account": ("holding",), "unfreeze_account": ("holding",), "buyback": ("holding",),
         "surrender": ("holding",), "retire": ("holding", "reserve"), "cancel": ("holding", "reserve")}
_TO = {"issue": ("holding", "reserve"), "transfer": ("holding", "reserve"), "lease": ("holding",)}


def request(s: Session, who: Acting, book: RightBook, order: Order) -> RightRequest:
    """Make a request; one whose kind the rule file approves with ``none`` completes at once.
    Raises :class:`~qingshan.errors.ValidationError` (the order's problems) or
    :class:`~qingshan.registry.refusals.RegistryError`."""
    right = book.right(order.right)
    day = clock.today()
    units, price = check(order, right, day)
    ref = _reference(s, order)
    src_id, dst_id, lessor_id = order.from_account, order.to_account, None
    if ref is not None:
        src_id = ref.to_account_id if order.kind == "lease_return" else ref.from_account_id
        lessor_id = ref.from_account_id if order.kind == "lease_return" else None
    with s.begin_nested():
        locked = accounts.lock(s, [src_id, dst_id, lessor_id])
        chain.lock_head(s)
        src = locked.get(src_id) if src_id is not None else None
        if order.kind in effects.INTO:
            dst_id = accounts.system_account(s, book, right, effects.INTO[order.kind]).id
            locked[dst_id] = s.get_one(Account, dst_id)
        dst = locked.get(dst_id) if dst_id is not None else None
        _fit(book, right, order.kind, src, dst, ref)
        party = access.check_request(s, who, right, order.kind, src,
                                     lessor=locked.get(lessor_id) if lessor_id is not None else None)
        if src is not None and party == "holder" and order.kind in DISPOSALS and accounts.is_frozen(s, src.id):
            raise RegistryError("D104", f"账户 {src.id} 已冻结", f"account {src.id} is frozen", 409)
        _check_state(s, who, order, ref, src, party, day)
        req = RightRequest(kind=order.kind, state="pending", right_code=right.code, jurisdiction=book.jurisdiction,
                           vintage=order.vintage, units=units, from_account_id=src_id, to_account_id=dst_id,
                           reference_id=order.reference, method=order.method, trade_form=order.trade_form,
                           price=price, lease_end=order.lease_end, until=order.until, period=order.period,
                           counterparty=order.counterparty, reason=order.reason, evidence=list(order.evidence),
                           requested_by=who.user, requested_org=who.organisation, requested_at=clock.now(),
                           decision_reason="")
        s.add(req)
        s.flush()
        change = effects.reserve(s, right, req, src, day) if order.kind in effects.RESERVING and src else Change()
        _write(s, who, book, req, "request", change, units or 0)
        if right.approvals[order.kind].approve == "none":
            _decide(s, who, book, right, req, locked, "completed", "")
    return req


def approve(s: Session, who: Acting, book: RightBook, request_id: int) -> RightRequest:
    """Approve a pending request: it completes (``D105`` if it is not pending)."""
    with s.begin_nested():
        req, right, locked = _open_decision(s, book, request_id)
        access.check_approve(s, who, right, req)
        src = locked.get(req.from_account_id) if req.from_account_id is not None else None
        if src is not None and req.kind in DISPOSALS and req.requested_org == src.holder \
                and accounts.is_frozen(s, src.id):
            raise RegistryError("D104", f"账户 {src.id} 已冻结", f"account {src.id} is frozen", 409)
        _decide(s, who, book, right, req, locked, "completed", "")
    return req


def reject(s: Session, who: Acting, book: RightBook, request_id: int, reason: str) -> RightRequest:
    """Reject a pending request, with a reason: its reservation is held again."""
    _need_reason(reason)
    with s.begin_nested():
        req, right, locked = _open_decision(s, book, request_id)
        access.check_approve(s, who, right, req)
        _decide(s, who, book, right, req, locked, "rejected", reason)
    return req


def cancel(s: Session, who: Acting, book: RightBook, request_id: int, reason: str) -> RightRequest:
    """Withdraw a pending request, with a reason: by the user who made it, or the right's
    authority. Its reservation is held again."""
    _need_reason(reason)
    with s.begin_nested():
        req, right, locked = _open_decision(s, book, request_id)
        acts_for_authority = access.is_authority(s, who, right) and any(
            allowed(who.roles, a) for a in ("registry_admin", "registry_approve"))
        if who.user != req.requested_by and not acts_for_authority:
            raise RegistryError("D101", "只有申请人或主管部门可以撤回申请",
                                "only the requester or the authority withdraws a request", 403)
        _decide(s, who, book, right, req, locked, "cancelled", reason)
    return req


def pending_for(s: Session, who: Acting, book: RightBook) -> list[RightRequest]:
    """The pending requests ``who`` may approve: of the rights whose authority it acts for,
    made by someone else."""
    codes = [code for code, r in book.rights.items() if access.is_authority(s, who, r)]
    if not codes or not allowed(who.roles, "registry_approve"):
        return []
    return list(s.execute(select(RightRequest).where(
        RightRequest.state == "pending", RightRequest.jurisdiction == book.jurisdiction,
        RightRequest.right_code.in_(codes), RightRequest.requested_by != who.user).order_by(RightRequest.id)).scalars())


# --- steps -----------------------------------------------------------------------------


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise RegistryError("D108", "驳回或撤回须说明原因", "rejecting or withdrawing a request needs a reason")


def _reference(s: Session, order: Order) -> RightRequest | None:
    if order.reference is None or order.kind not in effects.ENDING:
        return None
    ref = s.get(RightRequest, order.reference)
    if ref is None or ref.right_code != order.right:
        raise RegistryError("D106", f"没有 {order.right} 的申请 {order.reference}",
                            f"no request {order.reference} of {order.right}", 404)
    return ref


def _fit(book: RightBook, right: RightType, kind: str, src: Account | None, dst: Account | None,
         ref: RightRequest | None) -> None:
    """``D107`` unless the accounts are of the right and jurisdiction and of kinds ``kind``
    takes from and gives to."""
    for a in (src, dst):
        if a is not None and (a.right_code, a.jurisdiction) != (right.code, book.jurisdiction):
            raise RegistryError("D107", f"账户 {a.id} 属于 {a.jurisdiction} 的 {a.right_code}，"
                                f"不是 {book.jurisdiction} 的 {right.code}",
                                f"account {a.id} is of {a.right_code} in {a.jurisdiction}, not of {right.code} in "
                                f"{book.jurisdiction}")
    if kind in _FROM and (src is None or src.kind not in _FROM[kind]):
        raise RegistryError("D107", f"{kind} 只能从{'、'.join(_FROM[kind])}账户发出",
                            f"{kind} takes only from a {' or '.join(_FROM[kind])} account")
    if kind in _TO and (dst is None or dst.kind not in _TO[kind]):
        raise RegistryError("D107", f"{kind} 只能转入{'、'.join(_TO[kind])}账户",
                            f"{kind} gives only to a {' or '.join(_TO[kind])} account")
    if src is not None and dst is not None and src.id == dst.id:
        raise RegistryError("D107", "转出与转入账户相同", "the two accounts are the same")
    if kind in effects.ENDING and ref is None:
        raise RegistryError("D106", "须指明所结束的申请", "the request it ends must be named", 404)


def _check_state(s: Session, who: Acting, order: Order, ref: RightRequest | None, src: Account | None,
                 party: str, day: dt.date) -> None:
    """What the request needs of the current state, read under the locks."""
    if order.kind in ("freeze_account", "unfreeze_account"):
        assert src is not None
        freezing = order.kind == "freeze_account"
        if accounts.is_frozen(s, src.id) == freezing:
            raise RegistryError("D110", f"账户 {src.id} 已经{'冻结' if freezing else '未冻结'}",
                                f"account {src.id} is already {'frozen' if freezing else 'not frozen'}", 409)
    if ref is None:
        return
    effects.check_ending(s, order.kind, ref)
    other = s.execute(select(RightRequest.id).where(RightRequest.reference_id == ref.id,
                                                    RightRequest.state == "pending")).first()
    if other is not None:
        raise RegistryError("D110", f"申请 {other[0]} 已在办理申请 {ref.id} 的解除",
                            f"request {other[0]} is already ending request {ref.id}", 409)
    if order.kind == "lease_return" and party == "holder" and src is not None and not access.holds(s, who, src):
        assert ref.lease_end is not None
        if ref.lease_end >= day:
            raise RegistryError("D110", f"租期至 {ref.lease_end} 止，出租方届时方可收回",
                                f"the lease runs until {ref.lease_end}: the lessor takes it back after that", 409)


def _open_decision(s: Session, book: RightBook, request_id: int) -> tuple[RightRequest, RightType, dict[int, Account]]:
    """Lock what a decision on ``request_id`` touches and read the request afresh."""
    first = s.get(RightRequest, request_id)
    if first is None or first.jurisdiction != book.jurisdiction:
        raise RegistryError("D106", f"没有申请 {request_id}", f"no request {request_id}", 404)
    ids = [first.from_account_id, first.to_account_id]
    if first.kind == "lease_return" and first.reference_id is not None:
        ref = s.get(RightRequest, first.reference_id)
        ids.append(ref.from_account_id if ref is not None else None)
    locked = accounts.lock(s, ids)
    chain.lock_head(s)
    req = s.execute(select(RightRequest).where(RightRequest.id == request_id).with_for_update()
                    .execution_options(populate_existing=True)).scalar_one()
    if req.state != "pending":
        raise RegistryError("D105", f"申请 {req.id} 的状态为 {req.state}，不在办理中",
                            f"request {req.id} is {req.state}, not pending", 409)
    _untouched(s, req)
    return req, book.right(req.right_code), locked


def _untouched(s: Session, req: RightRequest) -> None:
    """``D208`` if the request differs from its latest ledger row: a pending request edited
    by hand (its receiving account, price, period …) is never decided on."""
    row = s.execute(select(LedgerRow).where(LedgerRow.request_id == req.id).order_by(LedgerRow.id.desc())
                    .limit(1)).scalar_one_or_none()
    if row is None or row.payload != request_doc(req):
        raise RegistryError("D208", f"申请 {req.id} 与其账本记录不符（被修改），不予办理",
                            f"request {req.id} differs from its ledger row (changed by hand): not decided", 409)


def _decide(s: Session, who: Acting, book: RightBook, right: RightType, req: RightRequest,
            locked: dict[int, Account], state: str, reason: str) -> None:
    if state == "completed":
        change, units = effects.complete(s, right, req, locked, clock.today())
        step = "complete"
    else:
        change, units = effects.give_back(s, req), int(req.units or 0)
        step = "reject" if state == "rejected" else "cancel"
    req.state, req.decided_by, req.decided_org = state, who.user, who.organisation
    req.decided_at, req.decision_reason = clock.now(), reason
    s.flush()
    _write(s, who, book, req, step, change, units, reason)


def _write(s: Session, who: Acting, book: RightBook, req: RightRequest, step: str, change: Change, units: int,
           reason: str | None = None) -> None:
    account = req.from_account_id if req.kind in ("freeze_account", "unfreeze_account") else None
    chain.append(s, who.actor(), kind=req.kind, step=step, right=req.right_code, jurisdiction=req.jurisdiction,
                 rules=book.rules_id, payload=request_doc(req), units=units, request_id=req.id, account_id=account,
                 consumed=change.consumed, created=change.created,
                 reason=req.reason if reason is None else reason)
