"""The rights-registry section of the city's report (权益登记, docs/reports.md,
docs/registries.md "Web pages"): the registry's books at the end of the report's year, each
right and vintage with the identity issued = held + reserved + surrendered + retired +
cancelled worked out; the transactions completed in the year by right and kind; the state of
the ledger (rows, chain, every check of ``qingshan registry verify``); and, where the profile
selects compliance rules, the holders' compliance for the year by status
(:mod:`qingshan.documents.registry_compliance`).

Every number is the kernel's (:func:`qingshan.registry.statements.totals_at`,
:func:`~qingshan.registry.statements.activity`, :func:`qingshan.registry.verify`), read in a
read-only session of the city's application database; the section only picks, orders and
formats them. The year ends at midnight of 1 January after it, China Standard Time. A city
without an application database has no registry and its report no such section
(:func:`shown`); one without registry rules gets one line saying so; a section that fails
gives one line with the message, and the rest of the report prints all the same.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from qingshan.app import database
from qingshan.documents.registry_pages import KIND_NAMES
from qingshan.errors import ConfigError, QingshanError
from qingshan.i18n import UNITS
from qingshan.registry import rights_for, verify
from qingshan.registry.clock import CST
from qingshan.registry.models import STATUSES, Account, LedgerRow, RightRequest
from qingshan.registry.statements import activity, totals_at
from qingshan.reports.model import Block, Grid, Heading, Text, count, grid, number

if TYPE_CHECKING:
    from qingshan.city import City

log = logging.getLogger(__name__)

#: What the section calls each transaction kind (as the registry's pages do).
KINDS = KIND_NAMES
#: The compliance statuses in the order the section counts them.
STATUS_ORDER = ("on_time", "late", "not_done", "open", "unknown")


def _year_start(year: int) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=CST).astimezone(dt.UTC)


def _amount(serial_unit: Decimal, units: int) -> float:
    return float((serial_unit * units).normalize()) if units else 0.0


def _decimals(serial_unit: Decimal) -> int:
    exponent = serial_unit.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def sources(city: City, year: int) -> dict[str, Any]:
    """The registry's figures for the report of ``year``: ``status`` ``ok`` with the books at
    the year's end, the year's transactions, the ledger's state and the compliance counts;
    ``none`` (no application database, or no registry rules for the year) or ``error``
    with the message."""
    url = database.existing_url(city.data_dir)
    if url is None:
        return {"status": "none", "year": year, "why": "database"}
    try:
        book = rights_for(city.profile, year)
    except ConfigError:
        return {"status": "none", "year": year, "why": "rules"}
    try:
        database.check_current(url)
        start, end = _year_start(year), _year_start(year + 1)
        with database.session(url, read_only=True) as s:
            breaks = verify(s)
            rows = int(s.execute(select(func.count(LedgerRow.id))).scalar_one())
            totals = [] if breaks else [t for t in totals_at(s, end) if t.jurisdiction == book.jurisdiction]
            moved = activity(s, start, end)
            opened = {r: int(n) for r, n in s.execute(
                select(Account.right_code, func.count(Account.id)).where(
                    Account.jurisdiction == book.jurisdiction, Account.kind == "holding")
                .group_by(Account.right_code))}
            pending = int(s.execute(select(func.count(RightRequest.id)).where(
                RightRequest.jurisdiction == book.jurisdiction, RightRequest.state == "pending")).scalar_one())
            compliance = _compliance(city, s, year)
        rights = {code: {"zh": r.zh, "en": r.en, "unit": r.unit, "serial_unit": str(r.serial_unit)}
                  for code, r in book.rights.items()}
        su = {code: r.serial_unit for code, r in book.rights.items()}
        return {"status": "ok", "year": year, "rules": book.label, "rights": rights, "ledger_rows": rows,
                "breaks": [{"code": b.code, "where": b.where, "zh": b.zh, "en": b.en} for b in breaks],
                "totals": [{"right": t.right, "vintage": t.vintage, "decimals": _decimals(su.get(t.right, Decimal(1))),
                            **{k: _amount(su.get(t.right, Decimal(1)), getattr(t, k))
                               for k in ("issued", "held", "reserved", "surrendered", "retired", "cancelled")},
                            "difference_units": sum(getattr(t, k) for k in STATUSES) - t.issued}
                           for t in totals],
                "activity": [{"right": a.right, "kind": a.kind, "count": a.count,
                              "amount": _amount(su.get(a.right, Decimal(1)), a.units),
                              "decimals": _decimals(su.get(a.right, Decimal(1)))}
                             for a in moved if a.right in su],
                "accounts": opened, "pending": pending, "compliance": compliance}
    except QingshanError as exc:  # a registry that does not reconcile, a database not migrated
        return {"status": "error", "year": year, "message": str(exc)}
    except Exception as exc:  # an error in this section never stops the report (docs/reports.md)
        log.exception("the registry section of the %s report failed", year)
        return {"status": "error", "year": year, "message": f"{type(exc).__name__}: {exc}"}


def _compliance(city: City, s: Any, year: int) -> dict[str, Any] | None:
    """The holders' compliance for ``year`` counted by status, per right (None: the profile
    selects no compliance rules for the year; an error: its message)."""
    from qingshan.documents.registry_compliance import compliance_document

    try:
        doc = compliance_document(city, s, year)
    except ConfigError:
        return None
    except QingshanError as exc:
        return {"error": str(exc)}
    return {"counts": doc.get("counts", {}), "deadlines": {r["code"]: r["deadline"] for r in doc.get("rights", [])},
            "statuses": {x["key"]: {"zh": x["zh"], "en": x["en"]} for x in doc.get("statuses", [])}}


def shown(src: dict[str, Any] | None) -> bool:
    """Whether the report has the section: a city with an application database (a city that
    has none, no ``qingshan db upgrade`` yet, has no registry and no section)."""
    return src is not None and not (src.get("status") == "none" and src.get("why") == "database")


def blocks(src: dict[str, Any], lang: str, heading: str) -> list[Block]:
    """The section headed ``heading`` from :func:`sources`, in ``lang``."""
    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    out: list[Block] = [Heading(heading)]
    year = src.get("year")
    try:
        if src["status"] == "none":
            why = (t("该城市没有应用数据库（尚未运行 qingshan db upgrade），没有权益登记簿",
                     "this city has no application database (no `qingshan db upgrade` yet): there is no registry")
                   if src.get("why") == "database" else
                   t(f"配置未为 {year} 年选择权益登记规则（registry.rights），本节从略",
                     f"the profile selects no registry rules (registry.rights) for {year}: nothing to report"))
            return [*out, Text(why, "note")]
        if src["status"] == "error":
            message = src["message"]
            return [*out, Text(t(f"本节未能生成：{message}", f"This section could not be made: {message}"), "note")]
        out += _body(src, lang, t)
    except Exception as exc:  # a document this renderer does not understand: one line, then go on
        log.exception("rendering the registry section failed")
        out = [Heading(heading), Text(t(f"本节未能生成：{type(exc).__name__}: {exc}",
                                        f"This section could not be made: {type(exc).__name__}: {exc}"), "note")]
    return out


def _unit(symbol: str, lang: str) -> str:
    pair = UNITS.get(symbol) or {"kg": ("千克", "kg")}.get(symbol)
    return symbol if pair is None else pair[0 if lang == "zh" else 1]


def _body(src: dict[str, Any], lang: str, t: Any) -> list[Block]:
    year, rights = src["year"], src["rights"]

    def right(code: str) -> str:
        r = rights.get(code)
        if r is None:
            return code
        return f"{r['zh']}（{code}）" if lang == "zh" else f"{r['en']} ({code})"

    def unit_of(code: str) -> str:
        r = rights.get(code)
        return "" if r is None else _unit(r["unit"], lang)

    breaks = src["breaks"]
    out: list[Block] = []
    if breaks:
        codes = "、".join(sorted({b["code"] for b in breaks}))
        out.append(Text(t(f"登记簿核验发现 {len(breaks)} 处问题（{codes}）：账目不平时不给出余额。",
                          f"Verifying the registry found {len(breaks)} breaks ({codes}): no balance is given while "
                          "the books do not reconcile."), "verdict"))
        out.append(grid([(t("代码", "code"), False), (t("位置", "where"), False), (t("问题", "break"), False)],
                        [[b["code"], b["where"], b["zh"] if lang == "zh" else b["en"]] for b in breaks[:20]]))
        return out
    accounts = sum(src["accounts"].values())
    pending = count(src["pending"])
    out.append(Text(t(f"规则文件 {src['rules']}。登记簿共 {count(src['ledger_rows'])} 行账本，哈希链完整，"
                      f"每个账户和权益的余额核对平衡；持有账户 {count(accounts)} 个，待审批申请 {pending} 件"
                      "（以生成报告时为准）。",
                      f"Rule file {src['rules']}. The registry holds {count(src['ledger_rows'])} ledger rows, its hash "
                      f"chain is intact and every account and right reconciles; {count(accounts)} holding accounts, "
                      f"{count(src['pending'])} requests pending (as the report is made).")))
    out.append(Heading(t(f"{year} 年末的发放与去向", f"Issued and where it is at the end of {year}"), 2))
    out.append(Text(t("每个权益和年度：发放 = 持有 + 申请占用 + 已清缴 + 已自愿注销 + 已注销（差额为零）。",
                      "Per right and vintage: issued = held + reserved + surrendered + retired + cancelled "
                      "(the difference is zero)."), "note"))
    out.append(_totals(src["totals"], lang, t, right, unit_of))
    out.append(Heading(t(f"{year} 年办结的交易", f"Transactions completed in {year}"), 2))
    out.append(grid([(t("权益", "right"), False), (t("交易类型", "kind"), False), (t("笔数", "count"), True),
                     (t("数量", "amount"), True), (t("单位", "unit"), False)],
                    [[right(a["right"]), KINDS.get(a["kind"], (a["kind"], a["kind"]))[0 if lang == "zh" else 1],
                      count(a["count"]), number(a["amount"], a["decimals"]), unit_of(a["right"])]
                     for a in src["activity"]]))
    comp = src.get("compliance")
    if comp is not None:
        out.append(Heading(t(f"{year} 年度履约", f"Compliance for {year}"), 2))
        if "error" in comp:
            out.append(Text(t(f"履约情况未能生成：{comp['error']}", f"Compliance could not be made: {comp['error']}"),
                            "note"))
        else:
            names = comp["statuses"]
            out.append(grid([(t("权益", "right"), False), (t("截止日", "deadline"), False),
                             *[(names[k]["zh" if lang == "zh" else "en"], True) for k in STATUS_ORDER if k in names]],
                            [[right(code), comp["deadlines"].get(code, "—"),
                              *[count(c.get(k, 0)) for k in STATUS_ORDER if k in names]]
                             for code, c in comp["counts"].items()]))
    return out


def _totals(rows: list[dict[str, Any]], lang: str, t: Any, right: Any, unit_of: Any) -> Grid:
    return grid([(t("权益", "right"), False), (t("年度", "vintage"), False), (t("发放", "issued"), True),
                 (t("持有", "held"), True), (t("申请占用", "reserved"), True), (t("已清缴", "surrendered"), True),
                 (t("已自愿注销", "retired"), True), (t("已注销", "cancelled"), True), (t("差额", "difference"), True),
                 (t("单位", "unit"), False)],
                [[right(r["right"]), str(r["vintage"]),
                  *[number(r[k], r["decimals"]) for k in ("issued", "held", "reserved", "surrendered", "retired",
                                                          "cancelled")],
                  count(r["difference_units"]), unit_of(r["right"])] for r in rows])
