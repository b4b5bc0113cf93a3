"""The rights registry in the browser (issue #19 phase 2; docs/registries.md, "Web pages"):
each page the rendering of the document its JSON twin returns
(:mod:`qingshan.documents.registry_pages`), with ``format=xlsx|csv``:

- ``/registry`` (``/api/registry``): the right types, the books' identity per right and
  vintage, the accounts the user sees, the requests awaiting its approval;
- ``/registry/rights/{code}``: one right type, its rules and sources, totals, accounts and
  transactions;
- ``/registry/accounts/{account_id}``: one account, its balance, blocks with serials,
  transactions, and the forms of the requests the user may make on it;
- ``/registry/accounts/{account_id}/statement``: its statement (``first``, ``last``: days,
  China Standard Time): opening balance, every movement with serials, closing balance,
  reconciled; as Excel with ``format=xlsx``;
- ``/registry/requests``: the requests awaiting the user's approval (approve, reject), its
  own pending requests (withdraw) and every transaction it sees (``state``).

Actions (POST, each with the session's CSRF token like every POST, web/protect.py), each
made by the kernel (:mod:`qingshan.registry`) with the signed-in user as the actor, so the
ledger row and the audit event name who did it: ``/registry/requests`` (a request on an
account), ``/registry/approvals/{request_id}`` (``decision`` approve or reject, with a
``reason`` to reject), ``/registry/withdrawals/{request_id}`` (with a ``reason``),
``/registry/accounts`` (the authority opens a holding account); each also under ``/api``
with a JSON body. A refusal answers the kernel's status (403 not allowed, 404 unknown, 409
not now, 422 not valid) with its code and message in both languages; the page shows it in
its language.

Who may do what is the kernel's (:mod:`qingshan.registry.access`); the access table
(web/access.py) lets every signed-in user with ``view`` reach the pages, scoped by the
documents; approving needs ``registry_approve``, opening accounts ``registry_admin``. The
registry changes without a new data version: no answer here is cached.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from qingshan.app import database
from qingshan.documents import registry_pages as pages
from qingshan.documents.registry_pages import UnknownRegistryItem, Viewer
from qingshan.errors import ConfigError, Problem, ValidationError
from qingshan.registry import Acting, Order, RegistryError, approve, cancel, open_account, reject, rights_for
from qingshan.registry import request as make_request
from qingshan.registry.refusals import ReconciliationError
from qingshan.registry.rights import RightBook
from qingshan.registry.serials import RIGHT_CODE
from qingshan.web.auth import NO_STORE, Signed
from qingshan.web.city import WebCity
from qingshan.web.drill import Tools, _format, _shown

#: a right's code as the rule files write it (registry/serials.py RIGHT_CODE)
RIGHT = re.compile(RIGHT_CODE)
#: the longest reason, evidence or counterparty taken; the longest code
TEXT_MAX, CODE_MAX = 1000, 64
OFF = ("该城市未启用账户：权益登记簿需要登录，以登录用户的身份办理和审批",
       "this city has no accounts: the rights registry needs a signed-in user, who requests and approves in its "
       "own name")
NO_RULES = ("配置未选择权益登记规则（registry.rights），没有登记簿",
            "the profile selects no registry rules (registry.rights): there is no registry")
AccountId = Annotated[str, Path(max_length=12, description="账户编号 / an account's number")]
RequestId = Annotated[str, Path(max_length=12, description="申请编号 / a request's number")]
RightCode = Annotated[str, Path(max_length=24)]
Day = Annotated[dt.date | None, Query(description="日期（中国标准时间）/ a day (China Standard Time)")]
Period = Annotated[int | None, Query(description="履约期（年份，缺省：最近的数据年份）/ the period (a year; default: "
                                                 "the latest)")]
RightQuery = Annotated[str | None, Query(max_length=24, description="权益代码 / a right's code")]
State = Annotated[str | None, Query(max_length=12, description="pending、completed、rejected、cancelled")]


class NewRequest(BaseModel):
    """A request as the JSON API takes it (the fields of :class:`qingshan.registry.Order`)."""

    kind: str = Field(max_length=24)
    right: str = Field(max_length=24)
    amount: str | int | None = Field(None, description="in the right's unit, as a decimal text (never a float)")
    from_account: int | None = None
    to_account: int | None = None
    vintage: int | None = None
    method: str | None = Field(None, max_length=24)
    trade_form: str | None = Field(None, max_length=24)
    price: str | int | None = Field(None, description="yuan per unit of the right, as a decimal text")
    lease_end: dt.date | None = None
    until: dt.date | None = None
    period: str | None = Field(None, max_length=16)
    reference: int | None = None
    counterparty: str = Field("", max_length=200)
    reason: str = Field("", max_length=TEXT_MAX)
    evidence: list[str] = Field(default_factory=list, max_length=20)


class Decision(BaseModel):
    decision: Literal["approve", "reject"]
    reason: str = Field("", max_length=TEXT_MAX)


class Withdrawal(BaseModel):
    reason: str = Field("", max_length=TEXT_MAX)


class NewAccount(BaseModel):
    right: str = Field(max_length=24)
    holder: str = Field(max_length=CODE_MAX, description="the holding organisation's code")


def _detail(zh: str, en: str) -> str:
    return f"{zh} / {en}"


def refusal(exc: Exception) -> tuple[int, dict[str, Any]]:
    """A kernel's refusal as an answer's status and body: the code, the message in both
    languages (``detail`` "中文 / English", as every refusal), and the order's problems."""
    if isinstance(exc, RegistryError):
        zh, en = f"[{exc.code}] {exc.zh}", f"[{exc.code}] {exc.en}"
        return exc.status, {"code": exc.code, "zh": zh, "en": en, "detail": _detail(zh, en), "problems": []}
    if isinstance(exc, ValidationError):
        problems = [_problem(p) for p in exc.problems]
        codes = "、".join(sorted({p.code for p in exc.problems}))
        zh = f"[{codes}] 申请有 {len(problems)} 个问题：" + "；".join(f"{p['field_name']['zh']}：{p['expected_zh']}"
                                                                     for p in problems)
        en = f"[{codes}] the request has {len(problems)} problems: " + "; ".join(
            f"{p['field_name']['en']}: {p['expected_en']}" for p in problems)
        return 422, {"code": codes, "zh": zh, "en": en, "detail": _detail(zh, en), "problems": problems}
    if isinstance(exc, UnknownRegistryItem):
        return exc.status, {"code": None, "zh": exc.zh, "en": exc.en, "detail": _detail(exc.zh, exc.en),
                            "problems": []}
    raise exc


def _problem(p: Problem) -> dict[str, Any]:
    name = pages.FIELD_NAMES.get(p.column or "", (p.column or "", p.column or ""))
    return {"code": p.code, "field": p.column, "field_name": {"zh": name[0], "en": name[1]}, "value": p.value,
            "expected_zh": p.expected_zh, "expected_en": p.expected_en}


def _broken(exc: ReconciliationError) -> HTTPException:
    """Books that do not reconcile: no page shows a number (500, every break named)."""
    zh = "登记簿账目不平，拒绝给出余额：" + "；".join(f"[{b.code}] {b.where} {b.zh}" for b in exc.breaks[:20])
    en = "the registry's books do not reconcile, no balance is given: " + "; ".join(
        f"[{b.code}] {b.where} {b.en}" for b in exc.breaks[:20])
    return HTTPException(500, _detail(zh, en))


def install(app: FastAPI, tools: Tools, data: WebCity) -> None:
    """The registry's pages, their twins and its actions."""

    def signed_of(request: Request) -> Signed:
        signed: Signed | None = getattr(request.state, "signed", None)
        if signed is None or data.auth.url is None:
            raise tools.refused(*OFF, 404)
        return signed

    def viewer(signed: Signed) -> Viewer:
        return Viewer(Acting(signed.username, signed.organisation, signed.organisation_path, signed.roles),
                      signed.whole_city)

    def url() -> str:
        assert data.auth.url is not None
        return data.auth.url

    def year() -> int:
        return data.city.years[-1]

    def book() -> RightBook:
        key = ("registry-book", year())
        if key not in data.city.memo:
            try:
                data.city.memo[key] = rights_for(data.city.profile, year())
            except ConfigError as exc:
                raise tools.refused(*NO_RULES, 404) from exc
        found: RightBook = data.city.memo[key]
        return found

    def profile() -> dict[str, Any]:
        described: dict[str, Any] = data.city.profile.describe(year())
        return described

    def read(request: Request, build: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        """A page's document, read in a session of its own (it takes no write lock)."""
        v = viewer(signed_of(request))
        b = book()
        try:
            with database.session(url(), read_only=True) as s:
                return build(s, v, b, *args, profile=profile())
        except ReconciliationError as exc:
            raise _broken(exc) from exc
        except (UnknownRegistryItem, RegistryError) as exc:
            status, body = refusal(exc)
            raise HTTPException(status, body["detail"]) from exc

    def unavailable(request: Request) -> dict[str, Any] | None:
        """Why a page without an id has no registry to show (no signed-in user, or no rules
        in the profile): its document says so; None when there is one."""
        signed: Signed | None = getattr(request.state, "signed", None)
        if signed is None or data.auth.url is None:
            return {"available": False, "note": {"zh": OFF[0], "en": OFF[1]}}
        try:
            book()
        except HTTPException:
            return {"available": False, "note": {"zh": NO_RULES[0], "en": NO_RULES[1]}}
        return None

    def overview_doc(request: Request) -> dict[str, Any]:
        return unavailable(request) or {"available": True, **read(request, pages.overview)}

    def number_of(text: str, what: tuple[str, str]) -> int:
        """An account's or request's number from a path: another text is one that does not exist (404)."""
        if not text.isdigit() or not 0 < int(text) < 2**31:
            raise tools.refused(f"没有{what[0]} {_shown(text)}", f"no {what[1]} {_shown(text)}", 404)
        return int(text)

    def account_of(text: str) -> int:
        return number_of(text, ("账户", "account"))

    def request_of(text: str) -> int:
        return number_of(text, ("申请", "request"))

    def requests_doc(request: Request, state: str | None) -> dict[str, Any]:
        if state and state not in pages.STATE_NAMES:
            raise tools.refused(f"申请状态应为 {'、'.join(pages.STATE_NAMES)} 之一，收到 {_shown(state)}",
                                f"state must be one of {', '.join(pages.STATE_NAMES)}; got {_shown(state)}")
        return unavailable(request) or {"available": True, **read(request, pages.requests_page, state or None)}

    def answer(request: Request, name: str, doc: dict[str, Any], status: int = 200) -> HTMLResponse:
        out = tools.page(request, name, doc)
        out.status_code = status
        out.headers.update(NO_STORE)
        return out

    def twin(request: Request, doc: dict[str, Any], fmt: str, name: str) -> Any:
        out: Response = tools.respond(request, doc, _format(tools, fmt), name)
        out.headers.update(NO_STORE)
        return out

    # --- the pages and their twins ------------------------------------------------------------

    @app.get("/api/registry", tags=["registry"])
    def api_registry(request: Request, format: str = "json") -> Any:
        """The registry's right types with their rules and sources; per right and vintage the
        units issued and where they are (held, reserved, surrendered, retired, cancelled),
        with the identity issued = the sum of the five worked out (the whole city's users);
        the accounts you see with their balances; how many requests await your approval.
        Never cached: the registry changes without a new data version."""
        return twin(request, overview_doc(request), format, "registry")

    @app.get("/registry", response_class=HTMLResponse, include_in_schema=False)
    def registry_html(request: Request) -> HTMLResponse:
        return answer(request, "registry", overview_doc(request))

    @app.get("/api/registry/rights/{code}", tags=["registry"])
    def api_registry_right(request: Request, code: RightCode, format: str = "json") -> Any:
        """One right type: its rules with their sources (unit, serial unit, validity, kinds,
        trade forms, allocation, authorities, approvals, offsets, penalty), its totals by
        vintage (the whole city's users), the accounts of it you see by vintage, and its
        transactions."""
        return twin(request, read(request, pages.right_page, code), format, f"registry-{code}")

    @app.get("/registry/rights/{code}", response_class=HTMLResponse, include_in_schema=False)
    def registry_right_html(request: Request, code: RightCode) -> HTMLResponse:
        return answer(request, "registry_right", read(request, pages.right_page, code))

    @app.get("/api/registry/accounts/{account_id}", tags=["registry"])
    def api_registry_account(request: Request, account_id: AccountId, format: str = "json") -> Any:
        """One account you see: its balance by vintage and status (and the pledged, leased
        and frozen parts of what it holds), its blocks with their serials, its history
        reconciled, its transactions and the requests you may make on it."""
        found = read(request, pages.account_page, account_of(account_id))
        return twin(request, found, format, f"registry-account-{account_id}")

    @app.get("/registry/accounts/{account_id}", response_class=HTMLResponse, include_in_schema=False)
    def registry_account_html(request: Request, account_id: AccountId) -> HTMLResponse:
        return answer(request, "registry_account", read(request, pages.account_page, account_of(account_id)))

    @app.get("/api/registry/accounts/{account_id}/statement", tags=["registry"])
    def api_registry_statement(request: Request, account_id: AccountId, first: Day = None, last: Day = None,
                               format: str = "json") -> Any:
        """An account's statement from day ``first`` to day ``last`` (China Standard Time;
        default: since it was opened, to now): the opening balance, every movement with the
        serials that entered or left the account, the closing balance, and per column
        opening + movements − closing = 0. ``format=xlsx``: the statement as a workbook."""
        return twin(request, read(request, pages.statement_page, account_of(account_id), first, last), format,
                    f"registry-statement-{account_id}")

    @app.get("/registry/accounts/{account_id}/statement", response_class=HTMLResponse, include_in_schema=False)
    def registry_statement_html(request: Request, account_id: AccountId, first: Day = None,
                                last: Day = None) -> HTMLResponse:
        found = read(request, pages.statement_page, account_of(account_id), first, last)
        return answer(request, "registry_statement", found)

    @app.get("/api/registry/requests", tags=["registry"])
    def api_registry_requests(request: Request, state: State = None, format: str = "json") -> Any:
        """The requests awaiting your approval, your own pending requests, and every
        transaction you see, newest first (``state``: pending, completed, rejected or
        cancelled)."""
        return twin(request, requests_doc(request, state), format, "registry-requests")

    @app.get("/registry/requests", response_class=HTMLResponse, include_in_schema=False)
    def registry_requests_html(request: Request, state: State = None) -> HTMLResponse:
        return answer(request, "registry_requests", requests_doc(request, state))

    def compliance(request: Request, period: int | None, right: str | None) -> dict[str, Any]:
        years = data.city.years
        chosen = period if period is not None else years[-1]
        if chosen not in years:
            raise tools.refused(f"履约期应为数据中的年份（{years[0]}–{years[-1]}），收到 {chosen}",
                                f"the period must be a year of the data ({years[0]}–{years[-1]}); got {chosen}")
        if right and not RIGHT.fullmatch(right):
            raise tools.refused(f"没有权益类型 {_shown(right)}", f"no right type {_shown(right)}", 404)
        off = unavailable(request)
        if off is not None:
            return off
        v = viewer(signed_of(request))
        b = book()
        try:
            with database.session(url(), read_only=True) as s:
                return data.document(pages.compliance_page, s, v, b, chosen, right or None, profile=profile())
        except ReconciliationError as exc:
            raise _broken(exc) from exc
        except (UnknownRegistryItem, RegistryError) as exc:
            status, body = refusal(exc)
            raise HTTPException(status, body["detail"]) from exc
        except ConfigError as exc:  # the profile selects no compliance rules for the period
            raise tools.refused("配置未为该年选择履约规则（registry.compliance）",
                                f"the profile selects no compliance rules (registry.compliance): {exc}", 404) from exc

    @app.get("/api/registry/compliance", tags=["registry"])
    def api_registry_compliance(request: Request, period: Period = None, right: RightQuery = None,
                                format: str = "json") -> Any:
        """Each holder's compliance for ``period`` (a data year; default the latest): the
        obligation from the accounts or the execution reports, what it surrendered, the
        offsets counted within their cap, the shortfall, the status (按时完成履约, 超时完成履约,
        未完成履约, 未到期, 无核算数据) and the penalty of the rule file; the holders whose
        accounts you see (``right``: of one right)."""
        return twin(request, compliance(request, period, right), format, "registry-compliance")

    @app.get("/registry/compliance", response_class=HTMLResponse, include_in_schema=False)
    def registry_compliance_html(request: Request, period: Period = None, right: RightQuery = None) -> HTMLResponse:
        return answer(request, "registry_compliance", compliance(request, period, right))

    # --- the actions ----------------------------------------------------------------------------

    def act(request: Request, change: Callable[..., Any]) -> dict[str, Any]:
        """Make one change through the kernel, as the signed-in user, in one transaction:
        what it did, or a refusal (an :class:`HTTPException` whose detail is the body)."""
        signed = signed_of(request)
        who = viewer(signed).who
        b = book()
        try:
            with database.session(url()) as s:
                done = change(s, who, b)
                return {"ok": True, "done": done}
        except (RegistryError, ValidationError) as exc:
            status, body = refusal(exc)
            raise HTTPException(status, body) from exc
        except ReconciliationError as exc:
            raise _broken(exc) from exc

    def as_json(request: Request, change: Callable[..., Any]) -> JSONResponse:
        try:
            return JSONResponse(act(request, change), headers=NO_STORE)
        except HTTPException as exc:
            body = exc.detail if isinstance(exc.detail, dict) else {"detail": exc.detail}
            return JSONResponse(body, status_code=exc.status_code, headers=NO_STORE)

    def as_page(request: Request, change: Callable[..., Any], name: str,
                build: Callable[..., dict[str, Any]], *args: Any) -> HTMLResponse:
        """The page the form was on, after the change: what was done, or why not (in the
        page's language, with the kernel's status)."""
        try:
            result: dict[str, Any] = act(request, change)
            status = 200
        except HTTPException as exc:
            if not isinstance(exc.detail, dict):
                raise
            result, status = {"ok": False, "refusal": exc.detail}, exc.status_code
        try:
            doc = read(request, build, *args)
        except HTTPException:  # the page itself is not there (an unknown account): say why on the overview
            doc, name = overview_doc(request), "registry"
        return answer(request, name, {**doc, "result": result}, status)

    def done_request(r: Any) -> dict[str, Any]:
        return {"request": r.id, "kind": r.kind, "transaction_name": pages._pair(pages.KIND_NAMES, r.kind),
                "state": r.state, "state_name": pages._pair(pages.STATE_NAMES, r.state)}

    def order_of(body: NewRequest) -> Order:
        return Order(body.kind, body.right, amount=body.amount, from_account=body.from_account,
                     to_account=body.to_account, vintage=body.vintage, method=body.method, trade_form=body.trade_form,
                     price=body.price, lease_end=body.lease_end, until=body.until, period=body.period,
                     reference=body.reference, counterparty=body.counterparty, reason=body.reason,
                     evidence=tuple(body.evidence))

    @app.post("/api/registry/requests", tags=["registry"])
    def api_registry_request(request: Request, body: NewRequest) -> Response:
        """Make a request (the fields of an order: ``kind``, ``right``, ``amount`` in the
        right's unit as decimal text, ``from_account``, ``to_account``, ``vintage``,
        ``method``, ``trade_form``, ``price``, ``lease_end``, ``until``, ``period``,
        ``reference``, ``counterparty``, ``reason``, ``evidence``), as the holder of the
        account or the right's authority; one the rule file approves with ``none``
        completes at once. A refusal: its status, ``code`` and message in both languages,
        and every problem of the order."""
        return as_json(request, lambda s, who, b: done_request(make_request(s, who, b, order_of(body))))

    @app.post("/api/registry/approvals/{request_id}", tags=["registry"])
    def api_registry_decide(request: Request, request_id: RequestId, body: Decision) -> Response:
        """Approve a pending request (it completes), or reject it with a ``reason`` (its
        reservation is held again): the right's authority, never the requester (four eyes)."""
        return as_json(request, decide(request_of(request_id), body.decision, body.reason))

    @app.post("/api/registry/withdrawals/{request_id}", tags=["registry"])
    def api_registry_withdraw(request: Request, request_id: RequestId, body: Withdrawal) -> Response:
        """Withdraw a pending request, with a ``reason``: its requester, or the right's authority."""
        number = request_of(request_id)
        return as_json(request, lambda s, who, b: done_request(cancel(s, who, b, number, body.reason)))

    @app.post("/api/registry/accounts", tags=["registry"], status_code=200)
    def api_registry_open(request: Request, body: NewAccount) -> Response:
        """Open the holding account of an organisation (``holder``: its code) for a right:
        the right's authority only."""
        return as_json(request, opener(body.right, body.holder))

    def decide(request_id: int, decision: str, reason: str) -> Callable[..., Any]:
        def change(s: Any, who: Acting, b: RightBook) -> dict[str, Any]:
            if decision == "approve":
                return done_request(approve(s, who, b, request_id))
            if decision == "reject":
                return done_request(reject(s, who, b, request_id, reason))
            raise RegistryError("D103", f"决定应为 approve 或 reject，收到 {_shown(decision)}",
                                f"the decision is approve or reject; got {_shown(decision)}")
        return change

    def opener(right: str, holder: str) -> Callable[..., Any]:
        def change(s: Any, who: Acting, b: RightBook) -> dict[str, Any]:
            a = open_account(s, who, b, right, holder)
            return {"account": a.id, "right": a.right_code, "holder": a.holder, "holder_name": a.holder_name}
        return change

    # --- the forms (the pages' POSTs) -------------------------------------------------------------

    async def form_of(request: Request) -> dict[str, str]:
        form = await request.form(max_fields=40, max_files=0)
        return {k: (v[:TEXT_MAX] if isinstance(v, str) else "") for k, v in form.items()}

    def number(form: dict[str, str], name: str) -> int | None:
        text = form.get(name, "").strip()
        if not text:
            return None
        if not text.isdigit() or len(text) > 10:
            zh, en = pages.FIELD_NAMES.get(name, (name, name))
            raise RegistryError("D103", f"{zh} 应为正整数，收到 {_shown(text)}",
                                f"{en} must be a positive whole number; got {_shown(text)}")
        return int(text)

    def day(form: dict[str, str], name: str) -> dt.date | None:
        text = form.get(name, "").strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            zh, en = pages.FIELD_NAMES[name]
            raise RegistryError("D103", f"{zh} 应为日期（2025-06-30），收到 {_shown(text)}",
                                f"{en} must be a date (2025-06-30); got {_shown(text)}") from exc

    def form_order(form: dict[str, str], s: Any, b: RightBook) -> Order:
        """A page's request form as an order on its account: the account gives (or, for an
        issuance, receives) the rights; a kind that ends an encumbrance names its request."""
        from qingshan.registry.models import Account

        account_id = number(form, "account")
        acc = s.get(Account, account_id) if account_id is not None else None
        if acc is None:
            raise RegistryError("D106", f"没有账户 {form.get('account', '')[:20]}",
                                f"no account {form.get('account', '')[:20]}", 404)
        kind = form.get("kind", "").strip()
        text = {k: form.get(k, "").strip() or None for k in ("amount", "method", "trade_form", "price", "period")}
        reference = number(form, "reference")
        ends = kind in ("lease_return", "release", "unfreeze")
        evidence = tuple(x.strip() for x in form.get("evidence", "").split("；") if x.strip())
        return Order(kind, acc.right_code, amount=text["amount"],
                     from_account=None if kind == "issue" or ends else acc.id,
                     to_account=acc.id if kind == "issue" else number(form, "to_account"),
                     vintage=number(form, "vintage"), method=text["method"], trade_form=text["trade_form"],
                     price=text["price"], lease_end=day(form, "lease_end"), until=day(form, "until"),
                     period=text["period"], reference=reference, counterparty=form.get("counterparty", "").strip(),
                     reason=form.get("reason", "").strip(), evidence=evidence)

    @app.post("/registry/requests", response_class=HTMLResponse, include_in_schema=False)
    async def registry_request_form(request: Request) -> HTMLResponse:
        form = await form_of(request)
        account = form.get("account", "")
        target = int(account) if account.isdigit() and 0 < len(account) <= 10 else None

        def change(s: Any, who: Acting, b: RightBook) -> dict[str, Any]:
            return done_request(make_request(s, who, b, form_order(form, s, b)))

        if target is None:
            return as_page(request, change, "registry", pages.overview)
        return as_page(request, change, "registry_account", pages.account_page, target)

    @app.post("/registry/approvals/{request_id}", response_class=HTMLResponse, include_in_schema=False)
    async def registry_decide_form(request: Request, request_id: RequestId) -> HTMLResponse:
        form = await form_of(request)
        return as_page(request, decide(request_of(request_id), form.get("decision", ""), form.get("reason", "")),
                       "registry_requests", pages.requests_page, None)

    @app.post("/registry/withdrawals/{request_id}", response_class=HTMLResponse, include_in_schema=False)
    async def registry_withdraw_form(request: Request, request_id: RequestId) -> HTMLResponse:
        form = await form_of(request)
        number = request_of(request_id)
        return as_page(request, lambda s, who, b: done_request(cancel(s, who, b, number, form.get("reason", ""))),
                       "registry_requests", pages.requests_page, None)

    @app.post("/registry/accounts", response_class=HTMLResponse, include_in_schema=False)
    async def registry_open_form(request: Request) -> HTMLResponse:
        form = await form_of(request)
        right = form.get("right", "")[:24]
        return as_page(request, opener(right, form.get("holder", "").strip()[:CODE_MAX]), "registry_right",
                       pages.right_page, right)
