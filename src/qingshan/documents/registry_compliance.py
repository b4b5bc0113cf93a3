"""The compliance document (docs/registries.md, "Compliance"): per right and period, each
holder's obligation, what it surrendered, the offsets counted within their cap, the
shortfall, its status (按时完成履约 / 超时完成履约 / 未完成履约 / 未到期) and the penalty of
the rights file, for ``qingshan registry compliance``, the compliance page, the green-finance
lists and the demo's year-end.

Pure assembly: the standings are :mod:`qingshan.registry.compliance`'s; the obligations come
from the city's accounts (energy, CO2) and its permit execution reports
(:func:`qingshan.methods.permits.actual_in_year`); the holders are those with a holding
account of the right in the application database (the session is the caller's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.methods.permits import actual_in_year
from qingshan.registry import clock
from qingshan.registry.allocation import as_float
from qingshan.registry.compliance import STATUSES, Standing, compliance_for, obligations_of, standings
from qingshan.registry.models import Account
from qingshan.registry.rights import RightBook, rights_for

if TYPE_CHECKING:
    from qingshan.city import City

#: The columns of the standings table: key, 中文, English.
COLUMNS = (("holder", "持有人代码", "holder code"), ("holder_name", "持有人", "holder"), ("right", "权益", "right"),
           ("obligation", "应清缴量", "obligation"), ("surrendered", "已清缴", "surrendered"),
           ("offsets_counted", "计入的抵销量", "offsets counted"), ("covered", "合计履约量", "covered"),
           ("shortfall", "缺口", "shortfall"), ("unit", "单位", "unit"), ("deadline", "截止日", "deadline"),
           ("completed_on", "完成日", "completed on"), ("status_zh", "履约状态", "status"),
           ("fine_yuan_low", "罚款下限（元）", "fine from (yuan)"),
           ("fine_yuan_high", "罚款上限（元）", "fine to (yuan)"),
           ("deduct_next", "核减下期分配", "deducted from next allocation"))


def holders(s: Session, book: RightBook, right: str) -> dict[str, str]:
    """Holder code → name of the right's holding accounts in the jurisdiction."""
    rows = s.execute(select(Account.holder, Account.holder_name).where(
        Account.right_code == right, Account.kind == "holding", Account.jurisdiction == book.jurisdiction)).all()
    return {h: n for h, n in rows}


def _date(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def row(x: Standing) -> dict[str, Any]:
    """One standing as a JSON-ready row."""
    zh, en = STATUSES[x.status]
    p = x.penalty
    return {"holder": x.holder, "holder_name": x.holder_name, "right": x.right, "unit": x.unit, "period": x.period,
            "obligation": as_float(x.obligation), "obligation_exact": as_float(x.obligation_exact),
            "basis_zh": x.basis_zh, "basis_en": x.basis_en, "surrendered": as_float(x.surrendered),
            "offsets": {k: as_float(v) for k, v in x.offsets.items()}, "offset_cap": as_float(x.offset_cap),
            "offsets_counted": as_float(x.offsets_counted), "covered": as_float(x.covered),
            "shortfall": as_float(x.shortfall), "deadline": _date(x.deadline), "completed_on": _date(x.completed_on),
            "last_surrender": _date(x.last_surrender), "status": x.status, "status_zh": zh, "status_en": en,
            "fine_yuan_low": as_float(p.fine_yuan[0]) if p is not None and p.fine_yuan else None,
            "fine_yuan_high": as_float(p.fine_yuan[1]) if p is not None and p.fine_yuan else None,
            "deduct_next": as_float(p.deduct_next) if p is not None else None,
            "penalty_zh": p.zh if p is not None else "", "penalty_en": p.en if p is not None else "",
            "penalty_source": p.source if p is not None else "",
            "surrender_requests": [sv.request_id for sv in x.surrenders], "source": x.source}


def compliance_document(city: City, session: Session, period: int, rights: Iterable[str] | None = None, *,
                        today: dt.date | None = None) -> dict[str, Any]:
    """Every holder's standing for ``period`` in each right of the compliance rules (or only
    ``rights``), under the rules the profile selects for the period's year."""
    rules = compliance_for(city.profile, period)
    book = rights_for(city.profile, period)
    wanted = [c for c in rules.rights if rights is None or c in set(rights)]
    yearly = city.accounts().yearly
    pkg = city.package
    actual = actual_in_year(pkg["permit_reports"], pkg["pollutants"], period)
    today = today or clock.today()
    rows: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    listed = []
    notes: list[dict[str, str]] = []
    for code in wanted:
        right = book.right(code)
        cr = rules.rights[code]
        obs = obligations_of(rules, right, period, holders(session, book, code), yearly=yearly, actual=actual)
        found = standings(session, book, rules, code, period, obs, today=today)
        rows += [row(x) for x in found]
        counts[code] = {k: sum(1 for x in found if x.status == k) for k in STATUSES}
        p = right.penalty
        listed.append({"code": code, "zh": right.zh, "en": right.en, "unit": right.unit,
                       "obligation": cr.obligation, "source": cr.source,
                       "deadline": rules.deadline(code, period).isoformat(), "deadline_source": cr.deadline_source,
                       "offset_cap": as_float(right.offset_cap), "offset_rights": list(right.offset_rights),
                       "offset_source": right.offset_source,
                       "penalty": None if p is None else {
                           "zh": p.zh, "en": p.en, "fine_yuan": [as_float(x) for x in p.fine_yuan] if p.fine_yuan
                           else None, "deduct_next_allocation": p.deduct_next_allocation, "source": p.source}})
        if p is None:
            notes.append({"zh": f"权益规则文件未规定 {right.zh} 的罚则（未读到），不列罚款与核减",
                          "en": f"the rights file states no penalty for {right.en} (none read): no fine or "
                                "deduction is listed"})
    return {**city.header(period), "period": period, "today": today.isoformat(),
            "rules": {"name": rules.name, "label": rules.label, "zh": rules.zh, "en": rules.en,
                      "source": rules.source, "surrender_date": rules.surrender_date,
                      "surrender_date_source": rules.surrender_date_source,
                      "statuses_source": rules.statuses_source},
            "rights": listed, "rows": rows, "counts": counts,
            "statuses": [{"key": k, "zh": z, "en": e} for k, (z, e) in STATUSES.items()],
            "columns": [{"key": k, "zh": z, "en": e} for k, z, e in COLUMNS], "notes": notes}
