"""What each transaction kind does to blocks: what a request reserves, what its completion
creates, and how a rejected or cancelled request gives its reservation back. Every effect
is a :class:`~qingshan.registry.blocks.Change` (blocks consumed, children created); the
kernel (:mod:`.kernel`) writes it as one ledger row.

=================  ===========================  =====================================================
kind               at the request               at completion
=================  ===========================  =====================================================
issue              nothing                      a new block, the next serials, held in the account
transfer, buyback  the amount, reserved         the reserved blocks, held in the receiving account
lease              the amount, reserved         held in the lessee's account, leased until the end
pledge, freeze     the amount, reserved         held in the same account, pledged / frozen
surrender          the amount (leased too;      surrendered, in the surrender account
                   vintages ≤ period)
retire, cancel     the amount (cancel: expired  retired / cancelled, in the retirement / cancellation
                   too)                         account
release, unfreeze  nothing                      the pledged / frozen blocks of the reference, held
lease_return       nothing                      the leased blocks of the reference, back to the lessor
=================  ===========================  =====================================================
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from qingshan.registry.blocks import Change, last_serial, live, usable
from qingshan.registry.models import Account, Block, RightRequest
from qingshan.registry.refusals import Break, ReconciliationError, RegistryError
from qingshan.registry.rights import RightType
from qingshan.registry.serials import next_range

#: Kinds that reserve an amount when requested, and the system account they move it to.
RESERVING = ("transfer", "lease", "pledge", "freeze", "buyback", "surrender", "retire", "cancel")
#: The system account each kind moves rights into (the receiving account of a request).
INTO = {"buyback": "reserve", "surrender": "surrender", "retire": "retirement", "cancel": "cancellation"}
#: Kinds that end an encumbrance, and the encumbrance they end.
ENDING = {"release": "pledged", "unfreeze": "frozen", "lease_return": "leased"}
_CLEAR: dict[str, Any] = {"request_id": None, "encumbrance": None, "encumbrance_request_id": None,
                          "encumbrance_until": None, "lessor_account_id": None}


def _amount(right: RightType, units: int) -> str:
    return f"{right.amount(units)} {right.unit}"


def reserve(s: Session, right: RightType, req: RightRequest, src: Account, day: dt.date) -> Change:
    """Reserve ``req.units`` of ``src``'s usable blocks (oldest vintage first) for ``req``;
    ``D102`` if it holds fewer. A surrender for period *P* takes only vintages up to *P*
    (no borrowing from later vintages) valid in *P* (:func:`period_year`)."""
    assert req.units is not None
    conditions = [Block.account_id == src.id, Block.status == "held"]
    if req.vintage is not None:
        conditions.append(Block.vintage == req.vintage)
    year = period_year(req)
    if year is not None:
        conditions.append(Block.vintage <= year)
    candidates = [b for b in live(s, *conditions)
                  if usable(b, day=day, leased=req.kind == "surrender", expired=req.kind == "cancel", year=year)]
    have = sum(b.units for b in candidates)
    if have < req.units:
        vintage = f"（{req.vintage} 年度）" if req.vintage else ""
        vintage_en = f" of vintage {req.vintage}" if req.vintage else ""
        raise RegistryError("D102", f"账户 {src.id} 可用的 {right.zh}{vintage} 为 {_amount(right, have)}，不足 "
                            f"{_amount(right, req.units)}", f"account {src.id} holds {_amount(right, have)} of "
                            f"{right.en}{vintage_en} it can use, less than {_amount(right, req.units)}", 409)
    change = Change()
    change.take(candidates, req.units, status="reserved", request_id=req.id)
    return change


def period_year(req: RightRequest) -> int | None:
    """The year of a surrender's compliance period (``None`` for other kinds): the vintages
    it may use are those up to that year and still valid in it."""
    return int(req.period) if req.kind == "surrender" and req.period is not None else None


def check_ending(s: Session, kind: str, ref: RightRequest) -> list[Block]:
    """The live blocks whose encumbrance a request of ``kind`` ends (those ``ref`` made);
    ``D110`` if ``ref`` made none of that kind, or none is left."""
    enc = ENDING[kind]
    made = {"pledged": "pledge", "frozen": "freeze", "leased": "lease"}[enc]
    found = [] if ref.kind != made or ref.state != "completed" else live(
        s, Block.encumbrance_request_id == ref.id, Block.encumbrance == enc, Block.status == "held")
    if not found:
        raise RegistryError("D110", f"申请 {ref.id} 没有仍处于{enc}状态的权益", f"request {ref.id} left nothing {enc}",
                            409)
    return found


#: Kinds whose completion needs the reserved vintages still valid on the day of approval (a
#: surrender: valid in its period's year, as at the request).
STILL_VALID = ("transfer", "lease", "pledge", "buyback", "retire")


def complete(s: Session, right: RightType, req: RightRequest, accounts: dict[int, Account],
             day: dt.date) -> tuple[Change, int]:
    """The blocks ``req``'s completion consumes and creates on ``day``, and the units it
    concerns. A vintage that lapsed (for a surrender: not valid in its period's year) or a
    lease that ended while the request waited (a lease asked, or leased blocks reserved) is
    refused (``D102``, ``D111``): the approver rejects it instead."""
    change = Change()
    if req.kind == "issue":
        assert req.vintage is not None and req.units is not None and req.to_account_id is not None
        dst = accounts[req.to_account_id]
        r = next_range(dst.jurisdiction, right.code, req.vintage,
                       last_serial(s, dst.jurisdiction, right.code, req.vintage), req.units)
        valid_to = req.vintage + right.validity_years - 1 if right.validity_years else None
        change.created.append(Block(parent_id=None, account_id=dst.id, right_code=right.code,
                                    jurisdiction=dst.jurisdiction, vintage=req.vintage, first_serial=r.first,
                                    last_serial=r.last, units=r.quantity, status="held", valid_to=valid_to))
        return change, req.units
    if req.kind in RESERVING:
        reserved = live(s, Block.request_id == req.id, Block.status == "reserved")
        if sum(b.units for b in reserved) != req.units:
            raise ReconciliationError([Break("D205", f"request/{req.id}", "申请保留的数量与其区块不符",
                                             "the blocks reserved for the request do not hold its amount")])
        year = period_year(req) if req.kind == "surrender" else (day.year if req.kind in STILL_VALID else None)
        if year is not None and any(b.valid_to is not None and b.valid_to < year for b in reserved):
            raise RegistryError("D102", f"申请 {req.id} 保留的权益已过有效期，请驳回",
                                f"the rights reserved for request {req.id} have lapsed: reject it", 409)
        ended = [b for b in reserved if b.encumbrance == "leased" and b.encumbrance_until is not None
                 and b.encumbrance_until < day]
        if ended:
            raise RegistryError("D111", f"租期已于 {ended[0].encumbrance_until} 结束，请驳回",
                                f"the lease ended on {ended[0].encumbrance_until}: reject it", 409)
        if req.kind == "lease" and req.lease_end is not None and req.lease_end <= day:
            raise RegistryError("D111", f"租期已于 {req.lease_end} 结束，请驳回",
                                f"the lease ended on {req.lease_end}: reject it", 409)
        for b in reserved:
            change.replace(b, **_target(req, accounts))
        return change, int(req.units or 0)
    if req.kind in ENDING:
        ref = s.get(RightRequest, req.reference_id)
        assert ref is not None
        for b in check_ending(s, req.kind, ref):
            owner = b.lessor_account_id if req.kind == "lease_return" else b.account_id
            change.replace(b, **_CLEAR, account_id=owner)
        return change, sum(b.units for b in change.created)
    return change, 0  # freeze_account, unfreeze_account: the ledger row is the change


def _target(req: RightRequest, accounts: dict[int, Account]) -> dict[str, Any]:
    """What a reserved block becomes when ``req`` completes."""
    kind = req.kind
    if kind in ("transfer", "buyback"):
        return {**_CLEAR, "status": "held", "account_id": req.to_account_id}
    if kind == "lease":
        return {**_CLEAR, "status": "held", "account_id": req.to_account_id, "encumbrance": "leased",
                "encumbrance_request_id": req.id, "encumbrance_until": req.lease_end,
                "lessor_account_id": req.from_account_id}
    if kind in ("pledge", "freeze"):
        return {**_CLEAR, "status": "held", "encumbrance": "pledged" if kind == "pledge" else "frozen",
                "encumbrance_request_id": req.id, "encumbrance_until": req.until}
    status = {"surrender": "surrendered", "retire": "retired", "cancel": "cancelled"}[kind]
    assert req.to_account_id in accounts
    return {**_CLEAR, "status": status, "account_id": req.to_account_id}


def give_back(s: Session, req: RightRequest) -> Change:
    """A rejected or cancelled request's reservation, held again as it was (a leased block
    stays leased)."""
    change = Change()
    for b in live(s, Block.request_id == req.id, Block.status == "reserved"):
        change.replace(b, status="held", request_id=None)
    return change
