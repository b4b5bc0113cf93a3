"""A transaction as asked (:class:`Order`), checked field by field before anything is read
or written, every problem collected (``D103`` a wrong value, ``D108`` a missing reason,
``D109`` not in the rule file, ``D111`` a date not after today, ``D114`` a field missing or
not taken); and a request as its ledger rows record it (:func:`request_doc`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from qingshan.errors import Problem, ValidationError
from qingshan.i18n import tr
from qingshan.registry.chain import canonical, stamp
from qingshan.registry.models import RightRequest
from qingshan.registry.refusals import RegistryError
from qingshan.registry.rights import KINDS, RightType

#: kind → (fields it needs, fields it may take besides reason and evidence)
FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "issue": (frozenset({"amount", "to_account", "vintage", "method"}), frozenset({"price"})),
    "transfer": (frozenset({"amount", "from_account", "to_account", "trade_form"}), frozenset({"vintage", "price"})),
    "lease": (frozenset({"amount", "from_account", "to_account", "lease_end"}),
              frozenset({"vintage", "price", "trade_form"})),
    "lease_return": (frozenset({"reference"}), frozenset()),
    "pledge": (frozenset({"amount", "from_account", "counterparty"}), frozenset({"vintage", "until"})),
    "release": (frozenset({"reference"}), frozenset()),
    "freeze": (frozenset({"amount", "from_account"}), frozenset({"vintage", "until"})),
    "unfreeze": (frozenset({"reference"}), frozenset()),
    "freeze_account": (frozenset({"from_account"}), frozenset()),
    "unfreeze_account": (frozenset({"from_account"}), frozenset()),
    "buyback": (frozenset({"amount", "from_account"}), frozenset({"vintage", "price", "trade_form"})),
    "surrender": (frozenset({"amount", "from_account", "period"}), frozenset({"vintage"})),
    "retire": (frozenset({"amount", "from_account"}), frozenset({"vintage"})),
    "cancel": (frozenset({"amount", "from_account"}), frozenset({"vintage"})),
}
#: Kinds that need a reason.
NEEDS_REASON = frozenset({"cancel", "freeze", "freeze_account"})
#: A compliance period is a year: compliance counts surrenders by year (:mod:`.compliance`).
_PERIOD = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Order:
    """One transaction as asked. ``amount`` is in the right's unit (a ``Decimal``, an
    ``int`` or a decimal text, never a float); ``price`` is yuan per unit of the right;
    ``reference`` is the request whose pledge, lease or freeze a ``release``,
    ``lease_return`` or ``unfreeze`` ends; ``period`` the compliance period a surrender is
    for (a year, ``2025``); ``counterparty`` the pledgee."""

    kind: str
    right: str
    amount: Decimal | int | str | None = None
    from_account: int | None = None
    to_account: int | None = None
    vintage: int | None = None
    method: str | None = None
    trade_form: str | None = None
    price: Decimal | int | str | None = None
    lease_end: dt.date | None = None
    until: dt.date | None = None
    period: str | None = None
    reference: int | None = None
    counterparty: str = ""
    reason: str = ""
    evidence: tuple[str, ...] = ()

    def given(self) -> set[str]:
        """The optional fields that hold a value."""
        names = ("amount", "from_account", "to_account", "vintage", "method", "trade_form", "price", "lease_end",
                 "until", "period", "reference", "counterparty")
        return {n for n in names if getattr(self, n) not in (None, "")}


def _p(code: str, column: str, value: object, zh: str, en: str) -> Problem:
    """A problem of the order (the "file" it names is the request being made)."""
    return Problem(code, tr("登记申请", "registry request"), None, column, None if value is None else str(value),
                   zh, en)


def check(order: Order, right: RightType, day: dt.date) -> tuple[int | None, str | None]:
    """``(units, price)`` of a well-formed order for ``right``, judged on ``day``; else one
    :class:`ValidationError` with every problem."""
    if order.kind not in KINDS:
        raise ValidationError([_p("D109", "kind", order.kind, f"交易类型之一：{', '.join(KINDS)}",
                                  f"one of the transaction kinds {', '.join(KINDS)}")])
    out: list[Problem] = []
    if order.kind not in right.kinds:
        out.append(_p("D109", "kind", order.kind, f"{right.code} 的交易类型之一：{', '.join(sorted(right.kinds))}",
                      f"one of the kinds of {right.code}: {', '.join(sorted(right.kinds))}"))
    need, may = FIELDS[order.kind]
    given = order.given()
    for f in sorted(need - given):
        out.append(_p("D114", f, None, f"{order.kind} 须填写 {f}", f"{order.kind} needs {f}"))
    for f in sorted(given - need - may):
        out.append(_p("D114", f, getattr(order, f), f"{order.kind} 不接受 {f}", f"{order.kind} does not take {f}"))
    units = None
    if order.amount is not None:
        try:
            units = right.to_units(order.amount)
        except RegistryError as exc:
            out.append(_p(exc.code, "amount", order.amount, exc.zh, exc.en))
    for name in ("from_account", "to_account", "reference"):
        v = getattr(order, name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            out.append(_p("D103", name, v, "正整数编号", "a positive integer id"))
    if order.vintage is not None and (isinstance(order.vintage, bool) or not isinstance(order.vintage, int)
                                      or not 1000 <= order.vintage <= 9999):
        out.append(_p("D103", "vintage", order.vintage, "四位数年份", "a four-digit year"))
    if order.method is not None and order.method not in right.allocation:
        out.append(_p("D109", "method", order.method, f"{right.code} 的分配方式之一：{', '.join(right.allocation)}",
                      f"one of the allocation methods of {right.code}: {', '.join(right.allocation) or '(none)'}"))
    if order.trade_form is not None and order.trade_form not in right.trade_forms:
        out.append(_p("D109", "trade_form", order.trade_form,
                      f"{right.code} 的交易方式之一：{', '.join(right.trade_forms)}",
                      f"one of the trade forms of {right.code}: {', '.join(right.trade_forms) or '(none)'}"))
    price = _price(order.price, out)
    for name in ("lease_end", "until"):
        v = getattr(order, name)
        if v is not None and (not isinstance(v, dt.date) or isinstance(v, dt.datetime) or v <= day):
            out.append(_p("D111", name, v, f"{day.isoformat()} 之后的日期", f"a date after {day.isoformat()}"))
    if order.period is not None and not (isinstance(order.period, str) and _PERIOD.fullmatch(order.period)):
        out.append(_p("D103", "period", order.period, "履约期：四位数年份（如 2025）",
                      "a compliance period: a four-digit year (such as 2025)"))
    if order.kind in NEEDS_REASON and not order.reason.strip():
        out.append(_p("D108", "reason", None, f"{order.kind} 须说明原因", f"{order.kind} needs a reason"))
    if not all(isinstance(e, str) and e.strip() for e in order.evidence):
        out.append(_p("D103", "evidence", order.evidence, "非空文字（文件名、文号或摘要）",
                      "non-empty texts (file names, document numbers or digests)"))
    if out:
        raise ValidationError(out)
    return units, price


def _price(v: Decimal | int | str | None, out: list[Problem]) -> str | None:
    if v is None:
        return None
    d: Decimal | None = None
    if isinstance(v, Decimal | int | str) and not isinstance(v, bool):
        try:
            d = Decimal(v.strip()) if isinstance(v, str) else Decimal(v)
        except InvalidOperation:
            d = None
    if d is None or not d.is_finite() or d < 0:
        out.append(_p("D103", "price", v, "不小于零的十进制数（元/单位）", "a decimal number ≥ 0 (yuan per unit)"))
        return None
    return str(d)


def request_doc(r: RightRequest) -> dict[str, Any]:
    """Every field of a request, as the ledger row of its latest step holds it."""
    def day(d: dt.date | None) -> str | None:
        return None if d is None else d.isoformat()

    doc: dict[str, Any] = canonical({
        "id": r.id, "kind": r.kind, "state": r.state, "right": r.right_code, "jurisdiction": r.jurisdiction,
        "vintage": r.vintage, "units": r.units, "from": r.from_account_id, "to": r.to_account_id,
        "reference": r.reference_id, "method": r.method, "trade_form": r.trade_form, "price": r.price,
        "lease_end": day(r.lease_end), "until": day(r.until), "period": r.period, "counterparty": r.counterparty,
        "reason": r.reason, "evidence": list(r.evidence or []), "requested_by": r.requested_by,
        "requested_org": r.requested_org, "requested_at": stamp(r.requested_at), "decided_by": r.decided_by,
        "decided_org": r.decided_org, "decided_at": None if r.decided_at is None else stamp(r.decided_at),
        "decision_reason": r.decision_reason})
    return doc
