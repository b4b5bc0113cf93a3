"""The web application: every page is the HTML rendering of a JSON document that the same
handler serves under ``/api`` (its JSON twin), so a page and the API cannot disagree. The
documents are those of :mod:`qingshan.documents`, built on the served city
(:class:`qingshan.web.city.WebCity`): the CLI and the web return the same document for the
same city, profile and year. Every request passes :mod:`qingshan.web.protect` first (Host,
Origin, CSRF, sign-in when the city has accounts: :mod:`qingshan.web.auth`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlencode

from fastapi import Body, Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from qingshan import __version__
from qingshan.documents import accounts as accounts_doc
from qingshan.documents import audit as audit_doc
from qingshan.documents import enterprises as enterprises_doc
from qingshan.documents import evaluated
from qingshan.documents import evaluation as evaluation_doc
from qingshan.documents import map as map_doc
from qingshan.documents import overview as overview_doc
from qingshan.documents import screening as screening_doc
from qingshan.documents import targets as targets_doc
from qingshan.documents.months import MonthRangeError
from qingshan.documents.scope import Scope, scope_of
from qingshan.errors import BusyError, ConfigError, StoreError, ValidationError
from qingshan.i18n import unit
from qingshan.settings import setting
from qingshan.web import admin, analysis, auth, downloads, drill, errors, gep, protect, reporting, wording
from qingshan.web import air as air_web
from qingshan.web import carrying as carrying_web
from qingshan.web import permits as permits_pages
from qingshan.web import registry as registry_web
from qingshan.web import water as water_web
from qingshan.web.cache import ResponseCache
from qingshan.web.charts import bars, chart, paths
from qingshan.web.city import WebCity
from qingshan.web.drill import MonthText
from qingshan.web.limits import BodyLimit

PAGES = (("overview", "/", "总览", "Overview"), ("map", "/map", "一张图", "One-map"),
         ("enterprises", "/enterprises", "企业", "Enterprises"),
         ("evaluation", "/evaluation", "亩均评价", "Evaluation"), ("targets", "/targets", "目标与预警", "Targets"),
         ("lmdi", "/lmdi", "因素分解", "Drivers (LMDI)"), ("pathways", "/pathways", "达峰路径", "Pathways"),
         ("gep", "/gep", "生态产品", "GEP"),
         ("air", "/air", "空气质量", "Air quality"), ("water", "/water", "地表水", "Surface water"),
         ("permits", "/permits", "排污许可", "Permits"), ("registry", "/registry", "权益登记", "Registry"),
         ("carrying", "/carrying", "承载力预警", "Carrying capacity"),
         ("screen", "/screen", "项目审查", "Screening"), ("reports", "/reports", "企业填报", "Reports"),
         ("import", "/import", "数据导入", "Import"))
#: answers that change without a new data version (the import page, an accept's job): not
#: kept by the response cache nor by the browser
NO_STORE = {"Cache-Control": "no-store"}
#: ``format`` of every GET endpoint with a JSON twin: the document, or its tables as a workbook
Format = Literal["json", "xlsx", "csv"]
FORMATS: tuple[str, ...] = get_args(Format)
LANGUAGES = ("zh", "en")
#: the longest text a search or a filter takes, and the longest enterprise id looked up
TEXT_MAX = 200
Text = Annotated[str, Query(max_length=TEXT_MAX)]
PageNo = Annotated[int, Query(alias="page", ge=1)]
PageSize = Annotated[int, Query(ge=1, le=enterprises_doc.MAX_PAGE)]


def shown(value: Any) -> str:
    """A request's value as a message quotes it: its ``repr``, at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"


def refused(zh: str, en: str, status: int = 422) -> HTTPException:
    """A 4xx answer whose ``detail`` says what was wrong, in Chinese and in English."""
    return HTTPException(status, f"{zh} / {en}")


def one_of(name: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of ``allowed``, else 422 naming the allowed values."""
    if value not in allowed:
        raise refused(f"参数 {name} 应为 {'、'.join(allowed)} 之一，收到 {shown(value)}",
                      f"{name} must be one of {', '.join(allowed)}; got {shown(value)}")
    return value


def _parameter_problem(e: dict[str, Any]) -> tuple[str, str]:
    """One of FastAPI's parameter errors (type, range, length, missing) in both languages."""
    name = str(e["loc"][-1]) if e.get("loc") else "?"
    got, ctx, kind = shown(e.get("input")), e.get("ctx") or {}, e.get("type", "")
    ge, le, expected = ctx.get("ge"), ctx.get("le"), ctx.get("expected")
    if kind == "missing":
        return f"缺少参数 {name}", f"{name} is required"
    if kind in ("int_parsing", "int_from_float"):
        return f"参数 {name} 应为整数，收到 {got}", f"{name} must be an integer; got {got}"
    if kind == "bool_parsing":
        return f"参数 {name} 应为 true 或 false，收到 {got}", f"{name} must be true or false; got {got}"
    if kind == "literal_error":
        listed = str(expected).replace(" or ", "、").replace(", ", "、")
        return f"参数 {name} 应为 {listed} 之一，收到 {got}", f"{name} must be {expected}; got {got}"
    if kind == "greater_than_equal":
        return f"参数 {name} 应不小于 {ge}，收到 {got}", f"{name} must be at least {ge}; got {got}"
    if kind == "less_than_equal":
        return f"参数 {name} 应不大于 {le}，收到 {got}", f"{name} must be at most {le}; got {got}"
    if kind == "string_too_long":
        n = ctx.get("max_length")
        return f"参数 {name} 最长 {n} 个字符", f"{name} takes at most {n} characters"
    return f"参数 {name} 无效（{e.get('msg')}），收到 {got}", f"{name} is not valid ({e.get('msg')}); got {got}"


def count(v: Any) -> str:
    """A count as pages show it: an integer with thousands separators ("1,500"), never "150.0"."""
    if v is None:
        return "—"
    try:
        return f"{round(float(v)):,d}"
    except (TypeError, ValueError):
        return str(v)


def pct(v: Any, digits: int = 1, sign: bool = True) -> str:
    """A fraction as a percentage ("−5.2 %" for -0.052), "—" when missing."""
    if v is None:
        return "—"
    try:
        x = float(v) * 100
    except (TypeError, ValueError):
        return str(v)
    text = f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
    return text.replace("-", "−") + " %"


def _env() -> Environment:
    folder = str(resources.files("qingshan.web").joinpath("templates"))
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    env.globals["chart"] = chart
    env.globals["bars"] = bars  # the LMDI effects
    env.globals["paths"] = paths  # the pathways with their bands
    env.globals["download_buttons"] = downloads.buttons  # the partial downloads.html
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "allow_nan": False}  # `tojson`: the map's document

    def num(v: Any, digits: int = 0) -> str:
        if v is None:
            return "—"
        try:
            return f"{float(v):,.{digits}f}"
        except (TypeError, ValueError):
            return str(v)

    env.filters["num"] = num
    env.globals["scheme_names"] = evaluation_doc.known_schemes
    wording.install(env)  # names for codes, a message in the page's language (web/wording.py)
    env.filters["count"] = count
    env.filters["pct"] = pct
    return env


def create_app(data: WebCity, host: str | None = None) -> FastAPI:
    """The application on the served city; ``host`` is the address the server binds to (a
    name it answers to, besides loopback and ``QINGSHAN_ALLOWED_HOSTS``)."""
    # FastAPI's /docs and /redoc pages load their script from a CDN: off (offline rule).
    # The API is described by /openapi.json and by the /api page rendered here from it.
    # Every route checks the CSRF token of a request that may change something.
    app = FastAPI(title="青山 Qingshan", version=__version__, docs_url=None, redoc_url=None,
                  dependencies=[Depends(protect.csrf_checked)],
                  description="青山：工业城市绿色转型数据平台 · Qingshan: green transition by the numbers. "
                              "Every page has a JSON twin under /api. Every POST carries the CSRF token of "
                              "GET /api/login in the header X-CSRF-Token (docs/web.md).")
    env = _env()
    marks = protect.Marks.new()

    def who(signed: auth.Signed, zh: bool, csrf: str) -> str:
        """The signed-in user's part of the page header (written into every page on its way out)."""
        return env.get_template("who.html").render(user=signed.describe(), zh=zh, csrf_token=csrf)

    # the outermost last: the guard sees every request first (then the body limit, the cache)
    app.add_middleware(ResponseCache, version=lambda: data.version)
    app.add_middleware(BodyLimit, limit=lambda: int(float(setting("max_upload_mb")) * 2**20))
    app.add_middleware(protect.Guard, sign_in=data.auth, hosts=protect.Hosts.of(host), marks=marks, who=who)
    app.mount("/static", StaticFiles(directory=str(resources.files("qingshan.web").joinpath("static"))),
              name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """The icon a browser asks for by itself (on an answer without a page, such as a 403),
        open to all like /static: the site's SVG icon."""
        icon = resources.files("qingshan.web").joinpath("static", "favicon.svg").read_bytes()
        return Response(icon, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})

    def error_page(request: Request, status: int, detail: str) -> Response:
        return errors.page_of(request, status, detail, page)

    shown_as_page = errors.shown_as_page

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        """A GET request's parameter of the wrong type, out of range or missing: 422 with a
        message in both languages (``detail``) and FastAPI's records (``errors``)."""
        if request.method != "GET":  # the actions keep FastAPI's own answer
            return await request_validation_exception_handler(request, exc)
        errors = list(exc.errors())
        zh, en = zip(*(_parameter_problem(e) for e in errors), strict=True) if errors else (("?",), ("?",))
        if shown_as_page(request):  # a browser asked for a page: the message as a page
            return error_page(request, 422, f"{'；'.join(zh)} / {'; '.join(en)}")
        return JSONResponse({"detail": f"{'；'.join(zh)} / {'; '.join(en)}",
                             "errors": [{"loc": [str(x) for x in e.get("loc", ())], "type": e.get("type"),
                                         "msg": e.get("msg")} for e in errors]}, status_code=422)

    def respond(request: Request, doc: dict[str, Any], fmt: str, name: str) -> Any:
        if fmt in downloads.TABLE_FORMATS:  # its tables, headed in the request's language
            return downloads.twin(request, doc, fmt, name)
        # documents are JSON-ready: no second pass through jsonable_encoder; Starlette's
        # JSONResponse serialises with allow_nan=False, so a NaN that slipped through is a
        # loud error, never invalid JSON (tests/test_safe_outputs.py)
        return JSONResponse(doc)

    def page(request: Request, name: str, doc: dict[str, Any]) -> HTMLResponse:
        lang = request.query_params.get("lang", "zh")
        if request.method == "GET":
            one_of("lang", lang, LANGUAGES)
        zh = lang != "en"
        if request.method == "GET" and "format" in request.query_params:  # the page's tables, all rows
            return downloads.answer(request, name, doc, data, scope_of_request(request))

        def t(a: str, b: str) -> str:
            return a if zh else b

        def link(**changes: Any) -> str:
            """This page's URL with some query parameters changed (filters, order and
            language are kept)."""
            q = {**dict(request.query_params), **{k: str(v) for k, v in changes.items()}}
            return "?" + urlencode({k: v for k, v in q.items() if v != ""})

        def href(path: str, **params: Any) -> str:
            """A link to another page of this language: ``path`` with ``params`` (empty ones
            left out), e.g. a class count's list with the same year and scheme."""
            q = {k.rstrip("_"): str(v) for k, v in params.items() if v not in (None, "")}
            q |= {} if zh else {"lang": "en"}
            return path + ("?" + urlencode(q) if q else "")

        # one browser's values are markers here, written in by the guard (protect.Marks): the
        # response cache may keep this page for everyone of the same scope
        html = env.get_template(f"{name}.html").render(doc=doc, lang=lang, zh=zh, t=t, pages=PAGES, active=name,
                                                       version=__version__, query=dict(request.query_params),
                                                       link=link, href=href, u=lambda sym: unit(sym, lang),
                                                       csrf_token=marks.csrf,
                                                       who=Markup(marks.who) if data.auth.required else "",
                                                       signin_off=not data.auth.required)
        return HTMLResponse(html)

    def scope_of_request(request: Request) -> Scope | None:
        """The signed-in user's part of the city (None: sign-in is off, the whole city)."""
        signed: auth.Signed | None = getattr(request.state, "signed", None)
        if signed is None or signed.whole_city:
            return None
        with data.lock:  # the city computes its tree once; the lock as for documents
            return scope_of(data.city, signed.organisation_path)

    def doc(build: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return data.document(build, *args, **kwargs)
        except ConfigError as exc:  # the profile selects nothing for this (no scheme, no targets)
            raise refused("该配置或数据无法给出此结果", f"the profile or the data cannot give this result: {exc}") \
                from exc
        except ValidationError as exc:  # e.g. an evaluation of the first data year (no year before it)
            first = exc.problems[0]
            raise refused(f"数据无法给出此结果：{len(exc.problems)} 个问题，如 {first.expected_zh}",
                          f"the data cannot give this result: {len(exc.problems)} problems, e.g. "
                          f"{first.expected_en}") from exc

    def known_year(year: int | None) -> int:
        years = data.city.years
        if year is None:
            return years[-1]
        if year not in years:
            raise refused(f"数据中没有 {year} 年（{years[0]}–{years[-1]}）",
                          f"year {year} is not in the data ({years[0]}–{years[-1]})")
        return year

    def known_scheme(scheme: str | None) -> str | None:
        known = evaluation_doc.known_schemes()
        if scheme is not None and scheme not in known:  # a name, never a path
            raise refused(f"未知的评价方案 {shown(scheme)}；可用：{'、'.join(known)}",
                          f"unknown scheme {shown(scheme)}; known: {', '.join(known)}")
        return scheme

    def evaluation_page(scheme: str | None, year: int | None) -> dict[str, Any]:
        return doc(evaluation_doc.build, known_year(year), known_scheme(scheme))

    def with_controls(found: dict[str, Any], scheme: str | None) -> dict[str, Any]:
        """A page's document with what its year and scheme selectors offer (the page only)."""
        return {**found, "years": data.city.years, "schemes": evaluation_doc.known_schemes(),
                "chosen_scheme": scheme}

    @app.get("/api/profile", tags=["pages"])
    def api_profile(year: int | None = None) -> dict[str, Any]:
        """The jurisdiction profile the city runs under, with its selections for ``year``
        (default: the latest data year)."""
        return data.city.profile.describe(known_year(year))

    @app.get("/api/accounts", tags=["results"])
    def api_accounts(request: Request, year: int | None = None, format: Format = "json") -> Any:
        """The accounts document (as ``qingshan account --year``): enterprise-years with the
        factor rows used, roll-ups, products, factors; every year when ``year`` is omitted."""
        years = [known_year(year)] if year is not None else None
        return respond(request, doc(accounts_doc.build, years, scope_of_request(request)), format, "accounts")

    def overview_page(request: Request, year: int | None, scheme: str | None, from_month: str | None = None,
                      to_month: str | None = None) -> dict[str, Any]:
        try:
            return doc(overview_doc.build, scope_of_request(request), known_year(year) if year is not None else None,
                       known_scheme(scheme), from_month, to_month)
        except MonthRangeError as exc:  # a month the data do not hold, a range backwards
            raise refused(exc.zh, exc.en) from exc

    @app.get("/api/overview", tags=["pages"])
    def api_overview(request: Request, year: int | None = None, scheme: str | None = None,
                     from_month: MonthText = None, to_month: MonthText = None, format: Format = "json") -> Any:
        """City energy, CO2 and intensities by year; districts in ``year`` (default the latest);
        target colours (a district's or park's user: its own unit's, and its parks); the
        level panels of the user's unit (``level``: as ``/api/districts/{code}``, with its
        months ``from_month``–``to_month``, YYYY-MM, default the year's, and their change on
        the month before and on the year before). ``format=xlsx`` returns the tables as a
        workbook."""
        return respond(request, overview_page(request, year, scheme, from_month, to_month), format, "overview")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request, year: int | None = None, scheme: str | None = None,
                 from_month: MonthText = None, to_month: MonthText = None) -> HTMLResponse:
        return page(request, "overview", overview_page(request, year, scheme, from_month, to_month))

    @app.get("/api/map", tags=["pages"])
    def api_map(request: Request, colour: str = "class", format: Format = "json") -> Any:
        """The one-map: district and park boundaries (GeoJSON), enterprises with coordinates,
        class, carbon grade and accounts; each district's worst target colour and why.
        ``colour`` is ``class`` or ``grade`` (碳效等级)."""
        one_of("colour", colour, map_doc.COLOURINGS)
        return respond(request, doc(map_doc.build, colour, scope_of_request(request)), format, "map")

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, colour: str = "class") -> HTMLResponse:
        one_of("colour", colour, map_doc.COLOURINGS)
        return page(request, "map", doc(map_doc.build, colour, scope_of_request(request)))

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_page(request: Request) -> HTMLResponse:
        spec = app.openapi()
        ops = [{"method": m.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tag": (op.get("tags") or [""])[0],
                "params": [{"name": q["name"], "in": q["in"], "required": q.get("required", False)}
                           for q in op.get("parameters", [])]}
               for path, item in spec["paths"].items() for m, op in item.items()]
        return page(request, "api", {"operations": ops, "version": spec["info"]["version"]})

    def enterprise_list(request: Request, q: str, district: str, industry: str, cls: str, sort: str, desc: bool,
                        page_no: int, size: int, park: str, grade: str, scale: str, year: int | None,
                        scheme: str | None) -> dict[str, Any]:
        one_of("sort", sort, enterprises_doc.SORTABLE)
        if scale:
            one_of("scale", scale, enterprises_doc.SCALES)
        return doc(enterprises_doc.listing, q, district, industry, cls, sort, desc, page_no, size,
                   scope_of_request(request), park=park, grade=grade, scale=scale,
                   year=known_year(year), scheme=known_scheme(scheme))

    @app.get("/api/enterprises", tags=["pages"])
    def api_enterprises(request: Request, q: Text = "", district: Text = "", industry: Text = "",
                        cls: Annotated[str, Query(alias="class", max_length=TEXT_MAX)] = "",
                        sort: str = "energy_tce", desc: bool = True, page_no: PageNo = 1, size: PageSize = 50,
                        park: Text = "", grade: Text = "", scale: Text = "", year: int | None = None,
                        scheme: str | None = None, format: Format = "json") -> Any:
        """Enterprises of ``year`` (default the latest): search by name, code or the name of
        their district, park or industry (``q`` is plain text, not a pattern), filter
        (``district``, ``park``, ``industry`` by code or name; ``class`` and ``grade`` under
        ``scheme``, default the profile's; ``scale`` above or below), sort (one of the
        sortable columns), page (from 1; a page past the last is the last) of ``size`` rows
        (1–500); ``totals`` of every row the filters keep (surcharges included)."""
        found = enterprise_list(request, q, district, industry, cls, sort, desc, page_no, size, park, grade, scale,
                                year, scheme)
        return respond(request, found, format, "enterprises")

    @app.get("/enterprises", response_class=HTMLResponse, include_in_schema=False)
    def enterprises(request: Request, q: Text = "", district: Text = "", industry: Text = "",
                    cls: Annotated[str, Query(alias="class", max_length=TEXT_MAX)] = "", sort: str = "energy_tce",
                    desc: bool = True, page_no: PageNo = 1, size: PageSize = 50, park: Text = "", grade: Text = "",
                    scale: Text = "", year: int | None = None, scheme: str | None = None) -> HTMLResponse:
        return page(request, "enterprises",
                    with_controls(enterprise_list(request, q, district, industry, cls, sort, desc, page_no, size,
                                                  park, grade, scale, year, scheme), scheme))

    def one(request: Request, entity_id: str, year: int | None = None, from_month: str | None = None,
            to_month: str | None = None) -> dict[str, Any]:
        """One enterprise in the user's scope; one outside it is as unknown as one that does not exist."""
        try:
            found: dict[str, Any] | None = (doc(enterprises_doc.one, entity_id, scope_of_request(request),
                                                known_year(year), from_month, to_month)
                                            if len(entity_id) <= TEXT_MAX else None)
        except MonthRangeError as exc:  # a month the data do not hold, a range backwards
            raise refused(exc.zh, exc.en) from exc
        if found is None:
            raise refused(f"没有企业 {shown(entity_id)}", f"no enterprise {shown(entity_id)}", 404)
        return found

    @app.get("/api/enterprises/{entity_id}", tags=["pages"])
    def api_enterprise(request: Request, entity_id: str, year: int | None = None, from_month: MonthText = None,
                       to_month: MonthText = None, format: Format = "json") -> Any:
        """One enterprise: yearly and monthly accounts, industry and district intensity, its
        district and park, the evaluation of ``year`` (default the latest), measures; its
        months ``from_month``–``to_month`` (YYYY-MM, default the year's) with their change on
        the month before and on the same month a year before."""
        return respond(request, one(request, entity_id, year, from_month, to_month), format, entity_id)

    @app.get("/enterprises/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def enterprise(request: Request, entity_id: str, year: int | None = None, from_month: MonthText = None,
                   to_month: MonthText = None) -> HTMLResponse:
        return page(request, "enterprise", one(request, entity_id, year, from_month, to_month))

    @app.get("/api/evaluation", tags=["pages"])
    def api_evaluation(request: Request, scheme: str | None = None, year: int | None = None,
                       format: Format = "json") -> Any:
        """Class counts, carbon grades, measures, parks and the class migration."""
        return respond(request, evaluation_page(scheme, year), format, "evaluation")

    @app.get("/evaluation", response_class=HTMLResponse, include_in_schema=False)
    def evaluation(request: Request, scheme: str | None = None, year: int | None = None) -> HTMLResponse:
        try:
            found = evaluation_page(scheme, year)
        except HTTPException as exc:  # e.g. the first data year: the page says why, with its selectors
            if exc.status_code != 422 or year is None or year not in data.city.years:
                raise
            answer = page(request, "evaluation", with_controls({"refusal": exc.detail, "year": year}, scheme))
            answer.status_code = 422
            return answer
        shown_names = doc(evaluated.names_for_page, found["year"], scheme)
        return page(request, "evaluation", with_controls(found, scheme) | {"names": shown_names})

    def audit_page(action: str, actor: str, entity: str, since: dt.date | None, until: dt.date | None,
                   limit: int) -> dict[str, Any]:
        return audit_doc.build(data.auth.url, action=action, actor=actor, entity=entity, since=since, until=until,
                               limit=limit)

    @app.get("/api/audit", tags=["pages"])
    def api_audit(request: Request, action: Text = "", actor: Text = "", entity: Text = "",
                  since: dt.date | None = None, until: dt.date | None = None,
                  limit: Annotated[int, Query(ge=1, le=audit_doc.MAX_EVENTS)] = 200, format: Format = "json") -> Any:
        """The audit log, newest first (administrators): filtered by action, actor, entity
        prefix and dates (UTC, inclusive), with the state of its hash chain."""
        answer: Response = respond(request, audit_page(action, actor, entity, since, until, limit), format,
                                   "audit")
        answer.headers.update(NO_STORE)  # the log grows without a new data version: never kept
        return answer

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit(request: Request, action: Text = "", actor: Text = "", entity: Text = "",
              since: dt.date | None = None, until: dt.date | None = None,
              limit: Annotated[int, Query(ge=1, le=audit_doc.MAX_EVENTS)] = 200) -> HTMLResponse:
        answer = page(request, "audit", audit_page(action, actor, entity, since, until, limit))
        answer.headers.update(NO_STORE)
        return answer

    @app.get("/api/targets", tags=["pages"])
    def api_targets(request: Request, format: Format = "json") -> Any:
        """Latest progress of every target with its colour, the warnings, the remaining room."""
        return respond(request, doc(targets_doc.build), format, "targets")

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets(request: Request) -> HTMLResponse:
        return page(request, "targets", doc(targets_doc.build))

    def screening(text: str) -> dict[str, Any]:
        import tempfile

        try:
            with tempfile.TemporaryDirectory() as tmp:
                f = Path(tmp) / "project.yaml"
                f.write_text(text, "utf-8")
                project = screening_doc.read_project(f)
            return {"result": data.document(screening_doc.build, project), "problems": []}
        except ValidationError as exc:
            return {"result": None, "problems": [p.to_dict() for p in exc.problems]}

    @app.get("/api/screen", tags=["pages"])
    def api_screen_form() -> dict[str, Any]:
        """The screening page's document before a project is submitted."""
        return {"result": None, "problems": []}

    @app.post("/api/screen", tags=["actions"])
    def api_screen(project: str = Body(..., media_type="text/plain",
                                       description="the project file (YAML, docs/screening.md)")) -> dict[str, Any]:
        """Screen a project (YAML text): verdict, reasons, figures, effect on targets."""
        return screening(project)

    @app.get("/screen", response_class=HTMLResponse, include_in_schema=False)
    def screen_form(request: Request) -> HTMLResponse:
        return page(request, "screen", {"result": None, "problems": []})

    @app.post("/screen", response_class=HTMLResponse, include_in_schema=False)
    def screen_post(request: Request, project: str = Form(...)) -> HTMLResponse:
        return page(request, "screen", {**screening(project), "text": project})

    @app.exception_handler(StoreError)
    async def store_busy(request: Request, exc: StoreError) -> Response:
        """The store is busy (an accepted upload is being computed) or unreachable: 503."""
        return JSONResponse({"detail": str(exc)}, status_code=503)

    # --- imports: upload, check, accept (docs/web.md, "Imports") -------------------------

    async def check(request: Request, file: UploadFile) -> dict[str, Any]:
        # the body is on disk already (Starlette spools it); the check runs in a worker
        # thread, so other requests are served while the child process validates. The
        # upload is staged for this session (or browser): no other can accept it.
        signed: auth.Signed | None = request.state.signed
        return await run_in_threadpool(data.check_upload, file.file, file.filename, request.state.owner,
                                       signed.actor if signed else None)

    def start_accept(request: Request, token: str) -> Any:
        signed: auth.Signed | None = request.state.signed
        try:
            return data.accept(token, request.state.owner, signed.actor if signed else None)
        except KeyError as exc:
            raise refused(f"没有待采用的上传 {shown(token)}（已采用、已过期或校验未通过）",
                          f"no staged upload {shown(token)} (accepted, expired or refused)", 404) from exc
        except BusyError as exc:
            raise HTTPException(409, str(exc)) from exc

    def known_job(job_id: str) -> Any:
        job = data.job(job_id)
        if job is None:
            raise refused(f"没有任务 {shown(job_id)}", f"no job {shown(job_id)}", 404)
        return job

    @app.get("/api/import", tags=["pages"])
    def api_import_page() -> Response:
        """The import page's document: where the city's data come from, the package history
        (newest first), the accept running now and the limits of uploads."""
        return JSONResponse(data.import_page(), headers=NO_STORE)

    @app.post("/api/import", tags=["actions"])
    async def api_import(request: Request, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
        """Validate an uploaded workbook (.xlsx, docs/data-package.md) in a separate process
        with memory and time limits: every problem, and a token to accept it if it would be
        accepted (errors always refuse it; warnings unless the city accepts warnings). Only
        the session (or browser) that uploaded it can accept it."""
        return await check(request, file)

    @app.post("/api/import/accept", tags=["actions"], status_code=202)
    def api_import_accept(request: Request, token: str = Form(...)) -> dict[str, Any]:
        """Start accepting a validated upload in the background: 202 with the job (poll
        ``GET /api/import/jobs/{id}``); 409 while another accept of this city runs; 404 for
        an unknown token or one given to another session. The old data are served until the
        new ones are computed."""
        doc: dict[str, Any] = start_accept(request, token).to_dict()
        return doc

    @app.get("/api/import/jobs/{job_id}", tags=["actions"])
    def api_import_job(job_id: str) -> Response:
        """An accept's state (queued, validating, computing, done, failed), its progress, and
        its result or problems."""
        return JSONResponse(known_job(job_id).to_dict(), headers=NO_STORE)

    def import_doc(**extra: Any) -> dict[str, Any]:
        return {**data.import_page(), **extra}

    @app.get("/import", response_class=HTMLResponse, include_in_schema=False)
    def import_page(request: Request) -> HTMLResponse:
        answer = page(request, "import", import_doc())
        answer.headers.update(NO_STORE)
        return answer

    @app.post("/import", response_class=HTMLResponse, include_in_schema=False)
    async def import_post(request: Request, file: Annotated[UploadFile, File()]) -> HTMLResponse:
        return page(request, "import", import_doc(report=await check(request, file)))

    @app.post("/import/accept", include_in_schema=False)
    def import_accept(request: Request, token: str = Form(...)) -> Response:
        try:
            job = start_accept(request, token)
        except HTTPException as exc:
            answer = page(request, "import", import_doc(refusal=exc.detail))
            answer.status_code = exc.status_code
            return answer
        job.done.wait(3)  # a small upload is done by then: no progress page to see
        lang = "?lang=en" if request.query_params.get("lang") == "en" else ""
        return RedirectResponse(f"/import/jobs/{job.id}{lang}", status_code=303)

    @app.get("/import/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
    def import_job_page(request: Request, job_id: str) -> HTMLResponse:
        job = known_job(job_id).to_dict()
        answer = page(request, "import", import_doc(job=job, accepted=job["result"]))
        answer.headers.update(NO_STORE)
        return answer

    drill.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                   known_scheme=known_scheme, scope=scope_of_request, refused=refused,
                                   formats=FORMATS))
    analysis.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                      known_scheme=known_scheme, scope=scope_of_request, refused=refused,
                                      formats=FORMATS), lambda: data.city.years)
    gep.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                 known_scheme=known_scheme, scope=scope_of_request, refused=refused, formats=FORMATS))
    permits_pages.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                           known_scheme=known_scheme, scope=scope_of_request, refused=refused,
                                           formats=FORMATS))
    air_web.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                     known_scheme=known_scheme, scope=scope_of_request, refused=refused,
                                     formats=FORMATS))
    water_web.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                       known_scheme=known_scheme, scope=scope_of_request, refused=refused,
                                       formats=FORMATS))
    carrying_web.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                          known_scheme=known_scheme, scope=scope_of_request, refused=refused,
                                          formats=FORMATS))
    registry_web.install(app, drill.Tools(page=page, respond=respond, doc=doc, known_year=known_year,
                                          known_scheme=known_scheme, scope=scope_of_request, refused=refused,
                                          formats=FORMATS), data)
    errors.install(app, page)
    auth.install(app, data.auth, page)
    admin.install(app, data.auth, page)
    reporting.install(app, data, page)
    downloads.install(app, data)
    return app
