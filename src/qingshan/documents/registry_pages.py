"""The documents of the registry's web pages (issue #19 phase 2; docs/registries.md, "Web
pages"): ``/registry`` (the right types, the books' identity per right and vintage, the
accounts the user sees), ``/registry/rights/{code}`` (one right: its rules, its totals by
vintage, its accounts and transactions), ``/registry/accounts/{id}`` (one account: its
balance by vintage, its blocks with their serials, its transactions, the requests the user
may make on it), ``/registry/accounts/{id}/statement`` (an account statement: opening
balance, every movement with its serials, closing balance, reconciled) and
``/registry/requests`` (the requests awaiting the user's approval, the user's own pending
requests, and every transaction the user sees).

Every number is the kernel's (:mod:`qingshan.registry`: :func:`~qingshan.registry.balances`,
:func:`~qingshan.registry.totals`, :func:`~qingshan.registry.holdings`,
:func:`~qingshan.registry.statements.statement`), each read reconciled first: a registry
whose books do not reconcile raises :class:`~qingshan.registry.ReconciliationError` and no
page shows a number. Quantities are whole numbers of serial units in the kernel; here each
is converted once, exactly (:class:`~decimal.Decimal`), to the right's unit.

Who sees what:

- an account: :func:`qingshan.registry.access.may_see` (the right's authority; a user whose
  part of the city holds the account's holder: an enterprise its own accounts, a district's
  or park's user its units' accounts), and besides, the users of the whole city (the city, a
  bureau) see the jurisdiction's own accounts (government reserve, surrender, retirement,
  cancellation), which no organisation holds;
- the totals of the jurisdiction (issued = held + reserved + surrendered + retired +
  cancelled, per right and vintage) are figures of the whole city: the whole city's users
  see them; a district's, park's or enterprise's user sees that the books reconcile, and
  the identity of its own accounts (a statement: opening + movements = closing);
- a request: if the user sees its from or to account;
- an account or request the user does not see is as unknown as one that does not exist (404).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qingshan.app.models import Organisation
from qingshan.app.permissions import allowed, in_scope
from qingshan.errors import QingshanError
from qingshan.i18n import UNITS
from qingshan.registry import access, accounts, balances, holdings, pending_for, totals
from qingshan.registry.access import Acting
from qingshan.registry.balances import Balance, reconcile
from qingshan.registry.clock import CST
from qingshan.registry.compliance import STATUSES as STATUSES_COMPLIANCE
from qingshan.registry.models import STATUSES, Account, RightRequest
from qingshan.registry.orders import FIELDS, NEEDS_REASON
from qingshan.registry.refusals import ReconciliationError
from qingshan.registry.rights import ENDS, KINDS, RightBook, RightType
from qingshan.registry.statements import COLUMNS, Statement, statement

if TYPE_CHECKING:
    from qingshan.city import City

__all__ = ["ACCOUNT_KINDS", "KIND_NAMES", "STATE_NAMES", "STATUS_NAMES", "UnknownRegistryItem", "Viewer",
           "account_page", "compliance_page", "overview", "requests_page", "right_page", "statement_page"]

#: What the pages call each transaction kind (and the ``account`` row that opens an account).
KIND_NAMES = {"issue": ("发放", "issuance"), "transfer": ("转让", "transfer"), "lease": ("出租", "lease"),
              "lease_return": ("租赁收回", "lease return"), "pledge": ("质押", "pledge"),
              "release": ("解除质押", "release of a pledge"), "freeze": ("冻结", "freeze"),
              "unfreeze": ("解除冻结", "unfreezing"), "freeze_account": ("冻结账户", "account freeze"),
              "unfreeze_account": ("解冻账户", "account unfreezing"), "buyback": ("回购", "buy-back"),
              "surrender": ("清缴", "surrender"), "retire": ("自愿注销", "voluntary retirement"),
              "cancel": ("注销", "cancellation"), "account": ("开户", "account")}
#: The steps of the ledger.
STEP_NAMES = {"open": ("开户", "opened"), "request": ("申请", "requested"), "complete": ("办结", "completed"),
              "reject": ("驳回", "rejected"), "cancel": ("撤回", "withdrawn")}
#: The states of a request.
STATE_NAMES = {"pending": ("待审批", "pending"), "completed": ("已办结", "completed"),
               "rejected": ("已驳回", "rejected"), "cancelled": ("已撤回", "withdrawn")}
#: The status of a block, and the encumbered parts of "held" (a statement's columns).
STATUS_NAMES = {"held": ("持有", "held"), "reserved": ("申请占用", "reserved"),
                "surrendered": ("已清缴", "surrendered"), "retired": ("已自愿注销", "retired"),
                "cancelled": ("已注销", "cancelled"),
                "pledged": ("其中质押", "of which pledged"), "leased": ("其中租入", "of which leased"),
                "frozen": ("其中冻结", "of which frozen")}
ENCUMBRANCE_NAMES = {"pledged": ("质押", "pledged"), "leased": ("租入", "leased"), "frozen": ("冻结", "frozen")}
ACCOUNT_KINDS = {"holding": ("持有账户", "holding account"),
                 **{k: (zh, f"{en} account") for k, (zh, en) in accounts.SYSTEM_KINDS.items()}}
TRADE_FORM_NAMES = {"negotiated": ("协议转让", "negotiated"), "fixed_price": ("定价转让", "fixed price"),
                    "auction": ("竞拍转让", "auction")}
METHOD_NAMES = {"grandfathering": ("历史法免费分配", "free, by history (grandfathering)"),
                "benchmark": ("基准法免费分配", "free, by benchmark"), "paid": ("有偿取得", "paid"),
                "auction": ("拍卖", "auction"), "verified": ("核证签发", "verified (a methodology's report)")}
#: The organisations that can be a right's authority (registry/rights.py AUTHORITY_CODES).
AUTHORITY_NAMES = {"city": ("市人民政府", "the city government"),
                   "fgw": ("发展和改革委员会", "Development and Reform Commission"),
                   "gxj": ("工业和信息化局", "Bureau of Industry and Information Technology"),
                   "sthjj": ("生态环境局", "Bureau of Ecology and Environment"),
                   "tjj": ("统计局", "Bureau of Statistics")}
#: Units the i18n table lacks.
_MORE_UNITS = {"kg": ("千克", "kg")}
#: The fields of a request form, as the form names them, and how each is entered.
FIELD_NAMES = {"amount": ("数量", "amount"), "to_account": ("转入账户编号", "receiving account number"),
               "vintage": ("年度", "vintage"), "method": ("分配方式", "allocation method"),
               "trade_form": ("交易方式", "trade form"), "price": ("价格（元/单位）", "price (yuan per unit)"),
               "lease_end": ("租期截止日", "lease end"), "until": ("截止日", "until"),
               "period": ("履约期（2025 或 2025-06）", "compliance period (2025 or 2025-06)"),
               "reference": ("所结束的申请", "the request it ends"), "counterparty": ("质权人", "pledgee"),
               "reason": ("原因", "reason"), "evidence": ("依据（文号、文件名或摘要）",
                                                      "evidence (document number, file name or digest)")}
FIELD_INPUT = {"amount": "decimal", "to_account": "integer", "vintage": "integer", "method": "choice",
               "trade_form": "choice", "price": "decimal", "lease_end": "date", "until": "date", "period": "text",
               "reference": "choice", "counterparty": "text", "reason": "text", "evidence": "text"}
APPROVERS = {"authority": ("主管部门（另一人）", "the authority (another official)"),
             "none": ("无需审批，即时生效", "nobody: effective at once")}
#: Most transactions a page lists.
MAX_REQUESTS = 500


class UnknownRegistryItem(QingshanError):
    """A right, account or request the registry pages do not have, or the user does not see
    (404), or a registry the city has not set up."""

    def __init__(self, zh: str, en: str, status: int = 404) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


@dataclass(frozen=True)
class Viewer:
    """The signed-in user a page is for: who acts (:class:`~qingshan.registry.Acting`) and
    whether its organisation sees the whole city."""

    who: Acting
    whole_city: bool


def _pair(names: dict[str, tuple[str, str]], key: str | None) -> dict[str, str] | None:
    if key is None:
        return None
    zh, en = names.get(key, (key, key))
    return {"zh": zh, "en": en}


def _unit(symbol: str) -> dict[str, str]:
    """A right's unit in both languages (its symbol is ``unit_symbol`` beside it)."""
    zh, en = UNITS.get(symbol) or _MORE_UNITS.get(symbol) or (symbol, symbol)
    return {"zh": zh, "en": en}


def _amount(serial_unit: str | Decimal, units: int) -> float:
    """``units`` serial units in the right's unit, exactly, as a JSON number (its shortest
    decimal form is the exact decimal: the kernel's Decimal, not a float sum)."""
    with localcontext() as ctx:
        ctx.prec = 60
        return float((Decimal(serial_unit) * units).normalize()) if units else 0.0


def _decimals(serial_unit: str | Decimal) -> int:
    """How many decimals a quantity of the right has (those of its serial unit: 0.001 → 3)."""
    exponent = Decimal(serial_unit).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _stamp(at: dt.datetime | None) -> str | None:
    """A time as the pages show it: China Standard Time, to the second."""
    if at is None:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def rules_of(book: RightBook) -> dict[str, Any]:
    return {"id": book.rules_id, "name": book.label, "jurisdiction": book.jurisdiction, "source": book.source,
            "borrowed": book.borrowed}


def _joined(names: dict[str, tuple[str, str]], keys: Iterable[str]) -> dict[str, str]:
    """Several names as one text in each language ("发放、转让" / "issuance, transfer")."""
    keys = list(keys)
    return {"zh": "、".join(names.get(k, (k, k))[0] for k in keys) or "—",
            "en": ", ".join(names.get(k, (k, k))[1] for k in keys) or "—"}


REQUESTERS = {"holder": ("持有人", "the holder"), "authority": ("主管部门", "the authority")}


def right_summary(r: RightType) -> dict[str, Any]:
    """A right type in one row: its name, unit, serial unit, validity and authorities."""
    return {"code": r.code, "name": {"zh": r.zh, "en": r.en}, "unit": _unit(r.unit),
            "unit_symbol": r.unit, "serial_unit": str(r.serial_unit),
            "decimals": _decimals(r.serial_unit), "validity_years": r.validity_years,
            "authorities": _joined(AUTHORITY_NAMES, r.authorities), "authority_codes": list(r.authorities)}


def right_doc(r: RightType) -> dict[str, Any]:
    """A right type with every rule of the rule file and its source."""
    return {**right_summary(r), "serial_unit_source": r.serial_unit_source, "source": r.source,
            "validity_source": r.validity_source,
            "transaction_kinds": _joined(KIND_NAMES, [k for k in KINDS if k in r.kinds]),
            "kind_codes": [k for k in KINDS if k in r.kinds], "kinds_source": r.kinds_source,
            "trade_forms": _joined(TRADE_FORM_NAMES, r.trade_forms), "trade_form_codes": list(r.trade_forms),
            "trade_forms_source": r.trade_forms_source,
            "allocation": _joined(METHOD_NAMES, r.allocation), "allocation_codes": list(r.allocation),
            "allocation_source": r.allocation_source, "authorities_source": r.authorities_source,
            "approval_rules": [{"kind": k, "transaction_name": _pair(KIND_NAMES, k),
                                "requested_by": _joined(REQUESTERS, r.approvals[k].request),
                                "approved_by": _pair(APPROVERS, r.approvals[k].approve),
                                "source": r.approvals[k].source} for k in KINDS if k in r.approvals],
            "offset_cap": None if r.offset_cap is None else float(r.offset_cap), "offset_rights": list(r.offset_rights),
            "offset_source": r.offset_source,
            "penalty": None if r.penalty is None else {
                "zh": r.penalty.zh, "en": r.penalty.en, "source": r.penalty.source,
                "fine_yuan": None if r.penalty.fine_yuan is None else [float(x) for x in r.penalty.fine_yuan],
                "deduct_next_allocation": r.penalty.deduct_next_allocation}}


# --- who sees what -----------------------------------------------------------------------

class _Seen:
    """What one viewer sees, worked out once per document."""

    def __init__(self, s: Session, v: Viewer, book: RightBook) -> None:
        self.s, self.v, self.book = s, v, book
        self.authority = {code for code, r in book.rights.items() if access.is_authority(s, v.who, r)}
        self._orgs: dict[int, Organisation] | None = None

    def orgs(self) -> dict[int, Organisation]:
        if self._orgs is None:
            self._orgs = {o.id: o for o in self.s.execute(select(Organisation)).scalars()}
        return self._orgs

    def account(self, a: Account) -> bool:
        if a.jurisdiction != self.book.jurisdiction:
            return False
        right = self.book.rights.get(a.right_code)
        if right is not None and access.may_see(self.s, self.v.who, right, a):
            return True
        return a.organisation_id is None and self.v.whole_city and allowed(self.v.who.roles, "view")

    def accounts(self, right: str | None = None) -> list[Account]:
        q = select(Account).where(Account.jurisdiction == self.book.jurisdiction).order_by(Account.id)
        if right is not None:
            q = q.where(Account.right_code == right)
        return [a for a in self.s.execute(q).scalars() if self.account(a)]

    def approver_of(self, right: str) -> bool:
        return right in self.authority and allowed(self.v.who.roles, "registry_approve")

    def withdraws(self, r: RightRequest) -> bool:
        acts = r.right_code in self.authority and any(allowed(self.v.who.roles, a)
                                                       for a in ("registry_admin", "registry_approve"))
        return r.state == "pending" and (r.requested_by == self.v.who.user or acts)


def _account_name(a: Account) -> dict[str, str]:
    if a.kind in accounts.SYSTEM_KINDS:
        zh, en = accounts.SYSTEM_KINDS[a.kind]
        return {"zh": zh, "en": en}
    return {"zh": a.holder_name, "en": a.holder_name}


def account_doc(a: Account, book: RightBook, frozen: bool | None = None) -> dict[str, Any]:
    right = book.rights.get(a.right_code)
    return {"account": a.id, "right": a.right_code, "right_name": {"zh": right.zh, "en": right.en} if right
            else {"zh": a.right_code, "en": a.right_code}, "account_kind": a.kind,
            "account_kind_name": _pair(ACCOUNT_KINDS, a.kind), "holder": a.holder, "holder_name": _account_name(a),
            "unit": _unit(a.unit), "unit_symbol": a.unit, "serial_unit": a.serial_unit,
            "decimals": _decimals(a.serial_unit),
            "opened_at": _stamp(a.opened_at),
            **({} if frozen is None else {"frozen_account": frozen})}


def _balance_parts(a: Account, rows: Iterable[Balance]) -> dict[str, float]:
    sums: dict[str, int] = dict.fromkeys(COLUMNS, 0)
    for b in rows:
        for c in COLUMNS:
            sums[c] += int(getattr(b, c))
    out = {c: _amount(a.serial_unit, n) for c, n in sums.items()}
    out["total"] = _amount(a.serial_unit, sum(sums[c] for c in STATUSES))
    return out


def _accounts_rows(s: Session, book: RightBook, shown: Sequence[Account]) -> list[dict[str, Any]]:
    """Each account with its balance over its vintages (reconciled: one read of every
    account's balances)."""
    if not shown:
        return []
    by_account: dict[int, list[Any]] = defaultdict(list)
    for b in balances(s, rights=sorted({a.right_code for a in shown})):
        by_account[b.account_id].append(b)
    return [{**account_doc(a, book, accounts.is_frozen(s, a.id)), **_balance_parts(a, by_account[a.id])}
            for a in shown]


def _totals_rows(s: Session, book: RightBook, rights: Sequence[str] | None) -> list[dict[str, Any]]:
    """Per right and vintage of the jurisdiction: issued and where it is, and the identity
    issued = held + reserved + surrendered + retired + cancelled worked out (in serial
    units: ``difference`` is 0 on every row, or the read refused)."""
    out = []
    for t in totals(s, rights=rights):
        if t.jurisdiction != book.jurisdiction:
            continue
        right = book.rights.get(t.right)
        su = right.serial_unit if right else Decimal(1)
        parts = {st: getattr(t, st) for st in STATUSES}
        out.append({"right": t.right, "right_name": {"zh": right.zh, "en": right.en} if right
                    else {"zh": t.right, "en": t.right}, "unit": _unit(right.unit if right else ""),
                    "unit_symbol": right.unit if right else "",
                    "decimals": _decimals(su),
                    "vintage": t.vintage, "issued": _amount(su, t.issued),
                    **{st: _amount(su, n) for st, n in parts.items()},
                    "statuses_sum": _amount(su, sum(parts.values())),
                    "difference": _amount(su, sum(parts.values()) - t.issued) if sum(parts.values()) != t.issued
                    else 0.0, "issued_units": t.issued, "statuses_sum_units": sum(parts.values())})
    return out


def _requests(s: Session, seen: _Seen, *, right: str | None = None, account: int | None = None,
              state: str | None = None, limit: int = MAX_REQUESTS) -> list[RightRequest]:
    q = select(RightRequest).where(RightRequest.jurisdiction == seen.book.jurisdiction)
    if right is not None:
        q = q.where(RightRequest.right_code == right)
    if account is not None:
        q = q.where(or_(RightRequest.from_account_id == account, RightRequest.to_account_id == account))
    if state is not None:
        q = q.where(RightRequest.state == state)
    visible = {a.id for a in seen.accounts(right)}
    got = []
    for r in s.execute(q.order_by(RightRequest.id.desc())).scalars():
        if r.from_account_id in visible or r.to_account_id in visible:
            got.append(r)
            if len(got) >= limit:
                break
    return got


def request_doc(s: Session, seen: _Seen, r: RightRequest, names: dict[int, Account] | None = None) -> dict[str, Any]:
    """A request as the pages list it, with what the viewer may do with it."""
    def acc(i: int | None) -> Account | None:
        if i is None:
            return None
        if names is not None and i in names:
            return names[i]
        return s.get(Account, i)

    src, dst = acc(r.from_account_id), acc(r.to_account_id)
    one = src or dst
    su = one.serial_unit if one is not None else "1"
    pending = r.state == "pending"
    return {"request": r.id, "kind": r.kind, "transaction_name": _pair(KIND_NAMES, r.kind), "state": r.state,
            "state_name": _pair(STATE_NAMES, r.state), "right": r.right_code, "vintage": r.vintage,
            "amount": None if r.units is None else _amount(su, r.units), "units": r.units,
            "unit": _unit(one.unit if one else ""), "unit_symbol": one.unit if one else "", "decimals": _decimals(su),
            "from_account": r.from_account_id, "from_name": _account_name(src) if src else None,
            "from_visible": src is not None and seen.account(src),
            "to_account": r.to_account_id, "to_name": _account_name(dst) if dst else None,
            "to_visible": dst is not None and seen.account(dst),
            "reference": r.reference_id, "method": r.method, "method_name": _pair(METHOD_NAMES, r.method),
            "trade_form": r.trade_form, "trade_form_name": _pair(TRADE_FORM_NAMES, r.trade_form),
            "price_yuan": None if r.price is None else float(Decimal(r.price)),
            "lease_end": None if r.lease_end is None else r.lease_end.isoformat(),
            "until": None if r.until is None else r.until.isoformat(), "compliance_period": r.period,
            "counterparty": r.counterparty or None, "reason": r.reason or None, "evidence": list(r.evidence or []),
            "requested_by": r.requested_by, "requested_org": r.requested_org, "requested_at": _stamp(r.requested_at),
            "decided_by": r.decided_by, "decided_at": _stamp(r.decided_at),
            "decision_reason": r.decision_reason or None,
            "can_decide": pending and seen.approver_of(r.right_code) and r.requested_by != seen.v.who.user,
            "can_withdraw": seen.withdraws(r)}


def _header(viewer: Viewer, seen: _Seen, book: RightBook, profile: dict[str, Any] | None) -> dict[str, Any]:
    breaks = reconcile(seen.s)
    if breaks:
        raise ReconciliationError(breaks)
    return {**({"profile": profile} if profile else {}), "rules": rules_of(book),
            "viewer": {"user": viewer.who.user, "organisation": viewer.who.organisation,
                       "whole_city": viewer.whole_city, "authority_of": sorted(seen.authority),
                       "approves": allowed(viewer.who.roles, "registry_approve") and bool(seen.authority)},
            "reconciled": True, "totals_shown": viewer.whole_city}


# --- the pages -------------------------------------------------------------------------

def overview(s: Session, viewer: Viewer, book: RightBook, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """``/registry``: the right types, the jurisdiction's totals (the whole city's users),
    the accounts the user sees and how many requests await its approval."""
    seen = _Seen(s, viewer, book)
    head = _header(viewer, seen, book, profile)
    shown = seen.accounts()
    waiting = pending_for(s, viewer.who, book)
    counts: dict[str, int] = defaultdict(int)
    for a in shown:
        counts[a.right_code] += 1
    return {**head, "right_types": [{**right_summary(r), "accounts_seen": counts[code]}
                                    for code, r in book.rights.items()],
            "right_totals": _totals_rows(s, book, None) if viewer.whole_city else [],
            "registry_accounts": _accounts_rows(s, book, shown), "waiting_count": len(waiting)}


def _known_right(book: RightBook, code: str) -> RightType:
    r = book.rights.get(code)
    if r is None:
        raise UnknownRegistryItem(f"没有权益类型 {code[:40]!r}", f"no right type {code[:40]!r}")
    return r


def right_page(s: Session, viewer: Viewer, book: RightBook, code: str,
               profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """``/registry/rights/{code}``: one right type's rules with their sources, its totals by
    vintage (the whole city's users), the accounts of it the user sees (by vintage) and its
    transactions."""
    right = _known_right(book, code)
    seen = _Seen(s, viewer, book)
    head = _header(viewer, seen, book, profile)
    shown = seen.accounts(code)
    rows = []
    by_id = {a.id: a for a in shown}
    for b in balances(s, rights=[code]) if shown else []:
        a = by_id.get(b.account_id)
        if a is None:
            continue
        parts = {c: _amount(a.serial_unit, getattr(b, c)) for c in COLUMNS}
        rows.append({**account_doc(a, book), "vintage": b.vintage, **parts,
                     "total": _amount(a.serial_unit, b.total)})
    names = {a.id: a for a in s.execute(select(Account).where(Account.right_code == code)).scalars()}
    admin = code in seen.authority and allowed(viewer.who.roles, "registry_admin")
    return {**head, "right": right_doc(right),
            "right_totals": _totals_rows(s, book, [code]) if viewer.whole_city else [],
            "registry_accounts": _accounts_rows(s, book, shown), "account_balances": rows,
            "registry_requests": [request_doc(s, seen, r, names) for r in _requests(s, seen, right=code)],
            "can_open_accounts": admin}


def _known_account(s: Session, seen: _Seen, account_id: int) -> Account:
    a = s.get(Account, account_id)
    if a is None or not seen.account(a):
        raise UnknownRegistryItem(f"没有账户 {account_id}", f"no account {account_id}")
    return a


def _form_fields(s: Session, seen: _Seen, right: RightType, a: Account, kind: str) -> list[dict[str, Any]] | None:
    """The fields of the form that requests ``kind`` on account ``a`` (the account itself is
    filled in: the receiving account of an issuance, the giving one otherwise); None if a
    kind that ends an encumbrance has nothing to end."""
    need, may = FIELDS[kind]
    names = sorted((need | may) - {"from_account"} - ({"to_account"} if kind == "issue" else set()),
                   key=list(FIELD_NAMES).index)
    out = []
    for name in [*names, "reason", "evidence"]:
        field: dict[str, Any] = {"name": name, "label": _pair(FIELD_NAMES, name), "input": FIELD_INPUT[name],
                                 "required": name in need or (name == "reason" and kind in NEEDS_REASON)}
        if name == "method":
            field["choices"] = [{"value": m, "name": _pair(METHOD_NAMES, m)} for m in right.allocation]
        elif name == "trade_form":
            field["choices"] = [{"value": f, "name": _pair(TRADE_FORM_NAMES, f)} for f in right.trade_forms]
        elif name == "reference":
            made = ENDS[kind]
            got = s.execute(select(RightRequest).where(
                RightRequest.kind == made, RightRequest.state == "completed",
                or_(RightRequest.from_account_id == a.id, RightRequest.to_account_id == a.id))
                .order_by(RightRequest.id)).scalars()
            unit = _unit(a.unit)
            field["choices"] = [{"value": str(r.id), "name": {
                "zh": f"{KIND_NAMES[made][0]}申请 {r.id}（{_amount(a.serial_unit, r.units or 0):g} {unit['zh']}）",
                "en": f"{KIND_NAMES[made][1]} request {r.id} ({_amount(a.serial_unit, r.units or 0):g} "
                      f"{unit['en']})"}} for r in got]
            if not field["choices"]:
                return None
        out.append(field)
    return out


def request_forms(s: Session, seen: _Seen, right: RightType, a: Account) -> list[dict[str, Any]]:
    """The kinds the viewer may request on account ``a``, as the rule file's approval table
    and the roles say (:func:`qingshan.registry.access.check_request`), with their fields;
    the kernel judges every request again."""
    if a.kind not in ("holding", "reserve"):
        return []
    who = seen.v.who
    authority = right.code in seen.authority and allowed(who.roles, "registry_admin")
    holder = allowed(who.roles, "registry_request") and access.holds(s, who, a)
    out = []
    for kind in KINDS:
        if kind not in right.kinds:
            continue
        ap = right.approvals[kind]
        party = "authority" if authority and "authority" in ap.request else (
            "holder" if holder and "holder" in ap.request else None)
        if party is None:
            continue
        fields = _form_fields(s, seen, right, a, kind)
        if fields is None:
            continue
        out.append({"kind": kind, "name": _pair(KIND_NAMES, kind), "as": party,
                    "approved_by": ap.approve, "fields": fields})
    return out


def account_page(s: Session, viewer: Viewer, book: RightBook, account_id: int,
                 profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """``/registry/accounts/{id}``: the account, its balance by vintage, its live blocks
    with their serials, its whole history reconciled (the statement since it was opened:
    0 + the movements = the balance), its transactions and the requests the user may make."""
    seen = _Seen(s, viewer, book)
    head = _header(viewer, seen, book, profile)
    a = _known_account(s, seen, account_id)
    right = book.rights.get(a.right_code)
    bal = balances(s, account_id=a.id)
    since_opening = statement(s, a.id)
    names = {x.id: x for x in s.execute(select(Account).where(Account.right_code == a.right_code)).scalars()}
    return {**head, "account": account_doc(a, book, accounts.is_frozen(s, a.id)),
            "right": right_summary(right) if right else None,
            "account_balances": [{"vintage": b.vintage, **{c: _amount(a.serial_unit, getattr(b, c)) for c in COLUMNS},
                                  "total": _amount(a.serial_unit, b.total)} for b in bal],
            "balance": _balance_parts(a, bal),
            "account_holdings": [{"serial": h.serial, "vintage": h.vintage, "amount": _amount(a.serial_unit, h.units),
                                  "units": h.units, "status": h.status, "status_name": _pair(STATUS_NAMES, h.status),
                                  "encumbrance": h.encumbrance,
                                  "encumbrance_name": _pair(ENCUMBRANCE_NAMES, h.encumbrance),
                                  "encumbrance_until": h.encumbrance_until, "request": h.request_id,
                                  "valid_to": h.valid_to} for h in holdings(s, a.id)],
            "history": {"movements": len(since_opening.movements), "reconciled": since_opening.reconciled,
                        "closing": {c: _amount(a.serial_unit, n) for c, n in since_opening.closing.items()}},
            "registry_requests": [request_doc(s, seen, r, names) for r in _requests(s, seen, account=a.id)],
            "request_forms": request_forms(s, seen, right, a) if right else []}


def statement_lines(a: Account, st: Statement, counterparties: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The statement as the rows of one table: the opening balance, every movement (its
    change per column, the serials that entered and left, the running balance) and the
    closing balance."""
    def amounts(values: dict[str, int]) -> dict[str, float]:
        return {c: _amount(a.serial_unit, values.get(c, 0)) for c in COLUMNS}

    def serials(pairs: Sequence[tuple[str, str]]) -> dict[str, str] | None:
        if not pairs:
            return None

        def key(k: str, lang: int) -> str:
            status, _, enc = k.partition("/")
            return STATUS_NAMES[status][lang] + (f"·{ENCUMBRANCE_NAMES[enc][0]}" if enc and lang == 0
                                                 else f"/{ENCUMBRANCE_NAMES[enc][1]}" if enc else "")

        return {"zh": "；".join(f"{key(k, 0)}：{x}" for k, x in pairs),
                "en": "; ".join(f"{key(k, 1)}: {x}" for k, x in pairs)}

    running = sum(st.opening.get(c, 0) for c in STATUSES)
    out: list[dict[str, Any]] = [{"line": {"zh": "期初余额", "en": "opening balance"}, "ledger": None, "time": None,
                                  "transaction_name": None, "step_name": None, "request": None, "counterparty": None,
                                  "serials_in": None, "serials_out": None, **amounts(st.opening),
                                  "total": _amount(a.serial_unit, running), "balance": _amount(a.serial_unit, running)}]
    for m in st.movements:
        running += m.total
        kind = _pair(KIND_NAMES, m.kind) or {"zh": m.kind, "en": m.kind}
        step = _pair(STEP_NAMES, m.step) or {"zh": m.step, "en": m.step}
        other = counterparties.get(m.request_id) if m.request_id is not None else None
        out.append({"line": {"zh": f"{kind['zh']}·{step['zh']}", "en": f"{kind['en']}, {step['en']}"},
                    "ledger": m.ledger_id, "time": _stamp(m.at), "transaction_name": kind, "step_name": step,
                    "request": m.request_id, "counterparty": other, "serials_in": serials(m.serials_in),
                    "serials_out": serials(m.serials_out), **amounts(m.changes),
                    "total": _amount(a.serial_unit, m.total), "balance": _amount(a.serial_unit, running)})
    closing = sum(st.closing.get(c, 0) for c in STATUSES)
    out.append({"line": {"zh": "期末余额", "en": "closing balance"}, "ledger": None, "time": None,
                "transaction_name": None, "step_name": None, "request": None, "counterparty": None, "serials_in": None,
                "serials_out": None,
                **amounts(st.closing), "total": _amount(a.serial_unit, closing),
                "balance": _amount(a.serial_unit, closing)})
    return out


def _day(d: dt.date | None, *, after: bool = False) -> dt.datetime | None:
    """The start of day ``d`` in China Standard Time (``after``: of the day after), in UTC."""
    if d is None:
        return None
    return dt.datetime.combine(d + dt.timedelta(days=1 if after else 0), dt.time(), CST).astimezone(dt.UTC)


def statement_page(s: Session, viewer: Viewer, book: RightBook, account_id: int, first: dt.date | None = None,
                   last: dt.date | None = None, profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """``/registry/accounts/{id}/statement``: the account's statement from day ``first`` to
    day ``last`` (both included, China Standard Time; None: from the opening, to now), and
    its reconciliation column by column: opening + movements − closing = 0."""
    if first is not None and last is not None and last < first:
        raise UnknownRegistryItem(f"截止日 {last} 早于起始日 {first}",
                                  f"the last day {last} is before the first {first}", 422)
    seen = _Seen(s, viewer, book)
    head = _header(viewer, seen, book, profile)
    a = _known_account(s, seen, account_id)
    st = statement(s, a.id, _day(first), _day(last, after=True))
    reqs = {m.request_id for m in st.movements if m.request_id is not None}
    others: dict[int, dict[str, Any]] = {}
    for r in s.execute(select(RightRequest).where(RightRequest.id.in_(reqs))).scalars() if reqs else []:
        other_id = r.to_account_id if r.from_account_id == a.id else r.from_account_id
        other = s.get(Account, other_id) if other_id is not None else None
        if other is not None and other.id != a.id:
            others[r.id] = {"account": other.id, "name": _account_name(other)}
    check = [{"column": c, "column_name": _pair(STATUS_NAMES, c), "opening": _amount(a.serial_unit, st.opening[c]),
              "movements": _amount(a.serial_unit, st.moved(c)), "closing": _amount(a.serial_unit, st.closing[c]),
              "difference": _amount(a.serial_unit, st.opening[c] + st.moved(c) - st.closing[c])
              if st.opening[c] + st.moved(c) != st.closing[c] else 0.0,
              "opening_units": st.opening[c], "movements_units": st.moved(c), "closing_units": st.closing[c]}
             for c in COLUMNS]
    return {**head, "account": account_doc(a, book, accounts.is_frozen(s, a.id)),
            "period": {"first": None if first is None else first.isoformat(),
                       "last": None if last is None else last.isoformat()},
            "statement_lines": statement_lines(a, st, others), "statement_check": check,
            "statement_reconciled": st.reconciled}


def requests_page(s: Session, viewer: Viewer, book: RightBook, state: str | None = None,
                  profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """``/registry/requests``: the requests awaiting the user's approval (with approve and
    reject), the user's own pending requests (to withdraw), and every transaction the user
    sees, newest first (``state``: of one state)."""
    if state is not None and state not in STATE_NAMES:
        raise UnknownRegistryItem(f"申请状态应为 {'、'.join(STATE_NAMES)} 之一，收到 {state[:20]!r}",
                                  f"state must be one of {', '.join(STATE_NAMES)}; got {state[:20]!r}", 422)
    seen = _Seen(s, viewer, book)
    head = _header(viewer, seen, book, profile)
    names = {x.id: x for x in s.execute(select(Account).where(Account.jurisdiction == book.jurisdiction)).scalars()}
    waiting = [request_doc(s, seen, r, names) for r in pending_for(s, viewer.who, book)]
    mine = [request_doc(s, seen, r, names) for r in s.execute(
        select(RightRequest).where(RightRequest.jurisdiction == book.jurisdiction, RightRequest.state == "pending",
                                   RightRequest.requested_by == viewer.who.user).order_by(RightRequest.id)).scalars()]
    return {**head, "filters": {"state": state, "states": [{"state": k, "name": _pair(STATE_NAMES, k)}
                                                           for k in STATE_NAMES]},
            "waiting": waiting, "mine": mine,
            "registry_requests": [request_doc(s, seen, r, names) for r in _requests(s, seen, state=state)]}



def compliance_page(city: City, s: Session, viewer: Viewer, book: RightBook, period: int, right: str | None = None,
                    profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """``/registry/compliance``: each holder's compliance for ``period`` (of one ``right``, or
    every right of the compliance rules), as :func:`qingshan.documents.registry_compliance.
    compliance_document` gives it: obligation, surrendered, offsets counted within their cap,
    shortfall, status and penalty. A holder's row is shown to the users who see its accounts
    (the right's authority and the whole city's users: every row); the counts by status are
    those of the rows shown."""
    from qingshan.documents.registry_compliance import compliance_document

    if right is not None:
        _known_right(book, right)
    seen = _Seen(s, viewer, book)
    head = _header(viewer, seen, book, profile)
    doc = compliance_document(city, s, period, [right] if right else None)
    orgs = {o.code: o.path for o in seen.orgs().values()}

    views = allowed(viewer.who.roles, "view")

    def shown(row: dict[str, Any]) -> bool:
        if row["right"] in seen.authority or (viewer.whole_city and views):
            return True
        path = orgs.get(str(row["holder"]))
        return views and path is not None and in_scope(viewer.who.path, path)

    rows = [{**r, "status_name": {"zh": r["status_zh"], "en": r["status_en"]},
             "basis": {"zh": r["basis_zh"], "en": r["basis_en"]},
             "penalty": {"zh": r["penalty_zh"], "en": r["penalty_en"]} if r["penalty_zh"] else None}
            for r in doc["rows"] if shown(r)]
    counts = [{"right": code, "status": k, "status_name": {"zh": zh, "en": en},
               "count": sum(1 for r in rows if r["right"] == code and r["status"] == k)}
              for code in [x["code"] for x in doc["rights"]] for k, (zh, en) in STATUSES_COMPLIANCE.items()]
    return {**head, "period": period, "today": doc["today"], "compliance_rules": doc["rules"],
            "compliance_rights": [{**x, "name": {"zh": x["zh"], "en": x["en"]}, "unit_name": _unit(x["unit"]),
                                   "decimals": _decimals(book.rights[x["code"]].serial_unit)
                                   if x["code"] in book.rights else 0} for x in doc["rights"]],
            "compliance_rows": rows, "compliance_counts": counts,
            "filters": {"period": period, "right": right, "periods": list(city.years),
                        "rights": [{"code": x["code"], "name": {"zh": x["zh"], "en": x["en"]}}
                                   for x in doc["rights"]]},
            "notes": doc.get("notes", [])}
