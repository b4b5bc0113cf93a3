"""Downloads on the web (issue #16, item 6): every page's tables as CSV and Excel, and the
printable reports as PDF and Word (docs/web.md, "Downloads and reports"; docs/reports.md).

- **Tables.** Any page asked with ``format=csv`` or ``format=xlsx`` answers its own
  document's tables (:mod:`qingshan.reports.tables`) instead of HTML: the page's URL is the
  download's, so the filters, order and language in it are kept. Headers are in the page's
  language (``lang``). Excel holds every table (and the About sheet); CSV one, named by
  ``table`` (the first by default). The enterprise list is paged through to its last row
  (every page of :func:`qingshan.documents.enterprises.listing` with the page's filters),
  so a download holds all rows, not the page shown. The partial ``downloads.html`` lists
  the buttons (:func:`buttons`).
- **Reports.** ``GET /download/city``, ``/download/district/{code}``,
  ``/download/park/{code}``, ``/download/enterprise/{entity_id}``, ``/download/evaluation``
  with ``format=pdf|docx`` (default pdf), ``year``, ``scheme``, ``lang``; and
  ``POST /download/screen?format=…`` (the project file, as the screening page's form posts
  it). Every report needs the ``export`` action (web/access.py). The city's report, the
  notice list and a verdict show figures of the whole city: the city's users only. A
  district's or park's user gets the report of its own unit (a district's: its parks too),
  and of no other (403), and the card of its own enterprises (another is 404, as on its
  page).
"""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Any

import pandas as pd
from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from qingshan.documents import enterprises as enterprises_doc
from qingshan.documents import screening as screening_doc
from qingshan.documents.scope import Scope, scope_of
from qingshan.errors import ConfigError, ValidationError
from qingshan.reports import printable
from qingshan.reports.formats import MEDIA, PrintFormat, render
from qingshan.reports.tables import Table, csv_bytes, page_tables, table_title, xlsx_bytes
from qingshan.web.city import WebCity

TABLE_FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
#: query names of the enterprise list's parameters that differ from the builder's
ALIASES = {"cls": "class"}


#: the report routes' parameters
Format = Annotated[PrintFormat, Query(description="pdf 或 docx / pdf or docx")]
Year = Annotated[int | None, Query(description="报告年份（缺省：最近一年）/ the year (default: the latest)")]


def _refused(zh: str, en: str, status: int = 422) -> HTTPException:
    return HTTPException(status, f"{zh} / {en}")


def _attachment(name: str, suffix: str) -> dict[str, str]:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)  # only characters that need no quoting in a header
    return {"Content-Disposition": f'attachment; filename="qingshan-{safe}.{suffix}"'}


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "zh")
    if lang not in ("zh", "en"):
        raise _refused(f"参数 lang 应为 zh、en 之一，收到 {lang[:60]!r}",
                       f"lang must be one of zh, en; got {lang[:60]!r}")
    return lang


def _everything(request: Request, data: WebCity, scope: Scope | None) -> dict[str, Any]:
    """The enterprise list with the page's filters and order, every page of it: the
    builder's parameters are read from the request by name (so a filter added to the list
    is kept without a change here), and the pages are fetched one after another."""
    kwargs: dict[str, Any] = {}
    for name, p in inspect.signature(enterprises_doc.listing).parameters.items():
        if name in ("city", "page", "size", "scope"):
            continue
        value = request.query_params.get(ALIASES.get(name, name))
        if value is None:
            continue
        if isinstance(p.default, bool):
            kwargs[name] = value.lower() in ("true", "1")
        elif str(p.annotation).startswith("int"):  # the year: checked by the page's handler already
            kwargs[name] = int(value)
        else:
            kwargs[name] = value
    rows: list[dict[str, Any]] = []
    page, doc = 1, {}
    while True:
        doc = data.document(enterprises_doc.listing, page=page, size=enterprises_doc.MAX_PAGE, scope=scope,
                            **kwargs)
        rows += doc["rows"]
        if page >= doc["pages"]:
            break
        page += 1
    return {**doc, "rows": rows, "page": 1, "pages": 1, "size": len(rows)}


def answer(request: Request, name: str, doc: dict[str, Any], data: WebCity, scope: Scope | None) -> HTMLResponse:
    """A page's tables as the download its query asks for (``format``, ``table``, ``lang``)."""
    fmt = request.query_params.get("format", "")
    if fmt not in TABLE_FORMATS:
        raise _refused(f"参数 format 应为 {'、'.join(TABLE_FORMATS)} 之一，收到 {fmt[:60]!r}",
                       f"format must be one of {', '.join(TABLE_FORMATS)}; got {fmt[:60]!r}")
    lang = _lang(request)
    if name == "enterprises":
        doc = _everything(request, data, scope)
    tables = page_tables(doc, lang)
    if fmt == "xlsx":  # typed as the page's answer; the media type says what it is
        return HTMLResponse(xlsx_bytes(tables, doc, lang), media_type=XLSX, headers=_attachment(name, "xlsx"))
    chosen = _chosen(request, tables)
    return HTMLResponse(csv_bytes(chosen, lang), media_type=CSV,
                        headers=_attachment(f"{name}-{chosen.key}", "csv"))


def twin_tables(doc: dict[str, Any]) -> list[Table]:
    """Every list of records of a JSON twin's document, at any depth and none left out (the
    twin's workbook holds what its JSON holds, :func:`qingshan.reports.workbook.document_sheets`),
    each named by its path; a value that is no scalar goes to its cell as text."""
    found: list[Table] = []

    def walk(path: str, v: Any) -> None:
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            frame = pd.DataFrame(v).map(lambda x: x if isinstance(x, int | float | str | type(None)) else str(x))
            found.append(Table(path or "data", frame))
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(f"{path}.{k}" if path else str(k), x)

    walk("", doc)
    return found


def twin(request: Request, doc: dict[str, Any], fmt: str, name: str) -> Response:
    """A JSON twin's download (``/api/…?format=xlsx`` or ``csv``): its tables with headers
    and sheet names in the request's language (``lang``, Chinese by default, as the pages);
    the JSON keys stay as they are. CSV holds one table, named by ``table`` (the first by
    default)."""
    lang = _lang(request)
    tables = twin_tables(doc)
    if fmt == "xlsx":
        return Response(xlsx_bytes(tables, doc, lang), media_type=XLSX, headers=_attachment(name, "xlsx"))
    return Response(csv_bytes(_chosen(request, tables), lang), media_type=CSV, headers=_attachment(name, "csv"))


def _chosen(request: Request, tables: list[Table]) -> Table:
    """The table a CSV download names (``table``; the first by default)."""
    wanted = request.query_params.get("table")
    chosen: Table | None = tables[0] if tables and wanted is None else next(
        (t for t in tables if t.key == wanted), None)
    if chosen is None:
        known = "、".join(t.key for t in tables) or "—"
        asked = (wanted or "")[:60]
        raise _refused(f"本页没有表格 {asked!r}；可选：{known}", f"this page has no table {asked!r}; known: {known}")
    return chosen


def buttons(doc: dict[str, Any], zh: bool) -> list[tuple[str, str]]:
    """(table, title) of each table of a page's document: the partial's CSV buttons."""
    lang = "zh" if zh else "en"
    return [(t.key, table_title(t, lang)) for t in page_tables(doc, lang)]


def install(app: FastAPI, data: WebCity) -> None:
    """Add the report routes (``/download/…``) to ``app``."""

    def scope(request: Request) -> Scope | None:
        signed = getattr(request.state, "signed", None)
        if signed is None or signed.whole_city:
            return None
        with data.lock:
            return scope_of(data.city, signed.organisation_path)

    def year_of(year: int | None) -> int:
        years = data.city.years
        if year is not None and year not in years:
            raise _refused(f"数据中没有 {year} 年（{years[0]}–{years[-1]}）",
                           f"year {year} is not in the data ({years[0]}–{years[-1]})")
        return year if year is not None else years[-1]

    def report(request: Request, kind: str, fmt: str, unit: str | None = None, year: int | None = None,
               scheme: str | None = None) -> Response:
        lang = _lang(request)
        try:
            src = data.document(printable.sources, kind, unit, year_of(year), scheme)
            built = printable.build(kind, src, lang, unit)
        except ConfigError as exc:
            missing = str(exc).startswith("[R002]")
            raise _refused("无法生成此报告", f"cannot make this report: {exc}", 404 if missing else 422) from exc
        except ValidationError as exc:
            first = exc.problems[0]
            raise _refused(f"数据无法给出此报告：{first.expected_zh}",
                           f"the data cannot give this report: {first.expected_en}") from exc
        try:
            body = render(built, fmt)
        except ConfigError as exc:  # R001: no Chinese font installed
            raise HTTPException(500, str(exc)) from exc
        return Response(body, media_type=MEDIA[fmt], headers=_attachment(f"{kind}-{unit or year or 'latest'}", fmt))

    def mine(request: Request, code: str, kind_zh: str, kind_en: str) -> None:
        """A district's or park's report for a user whose part of the city holds it; 403 otherwise."""
        s = scope(request)
        if s is not None and not s.whole_city and code not in s.units:
            raise _refused(f"您只能查看本单位的{kind_zh}报告", f"you may see only your own unit's {kind_en} report",
                           403)

    @app.get("/download/city", tags=["downloads"])
    def city_report(request: Request, format: Format = "pdf", year: Year = None) -> Response:
        """The city's annual energy-and-carbon report (PDF or Word; the city's users only)."""
        return report(request, "city", format, None, year)

    @app.get("/download/district/{unit}", tags=["downloads"])
    def district_report(request: Request, unit: str, format: Format = "pdf", year: Year = None) -> Response:
        """A district's report (a district's user: its own district only)."""
        mine(request, unit, "区县", "district")
        return report(request, "district", format, unit, year)

    @app.get("/download/park/{unit}", tags=["downloads"])
    def park_report(request: Request, unit: str, format: Format = "pdf", year: Year = None) -> Response:
        """A park's report (a park's user: its own park; a district's: its parks)."""
        mine(request, unit, "园区", "park")
        return report(request, "park", format, unit, year)

    @app.get("/download/enterprise/{entity_id}", tags=["downloads"])
    def enterprise_report(request: Request, entity_id: str, format: Format = "pdf") -> Response:
        """An enterprise's report card (企业画像); one outside the user's part of the city is 404."""
        s = scope(request)
        if len(entity_id) > 200 or (s is not None and not s.whole_city and entity_id not in s.units):
            raise _refused(f"没有企业 {entity_id[:60]!r}", f"no enterprise {entity_id[:60]!r}", 404)
        return report(request, "enterprise", format, entity_id)

    @app.get("/download/evaluation", tags=["downloads"])
    def evaluation_report(request: Request, format: Format = "pdf", year: Year = None,
                          scheme: Annotated[str | None, Query(max_length=200)] = None) -> Response:
        """The evaluation notice list (公示名单) of a year under a shipped scheme."""
        from qingshan.documents.evaluation import known_schemes

        if scheme is not None and scheme not in known_schemes():  # a name, never a path
            raise _refused(f"未知的评价方案 {scheme!r}", f"unknown scheme {scheme!r}")
        return report(request, "evaluation", format, None, year, scheme)

    @app.post("/download/screen", tags=["downloads"])
    def screen_report(request: Request, format: Format = "pdf", project: str = Form(...)) -> Response:
        """The screening verdict of a project file (YAML, as the screening page posts it)."""
        import tempfile
        from pathlib import Path

        lang = _lang(request)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                f = Path(tmp) / "project.yaml"
                f.write_text(project, "utf-8")
                proj = screening_doc.read_project(f)
            doc = data.document(screening_doc.build, proj)
        except ValidationError as exc:
            first = exc.problems[0]
            raise _refused(f"项目文件有 {len(exc.problems)} 个问题，如 {first.expected_zh}",
                           f"the project file has {len(exc.problems)} problems, e.g. {first.expected_en}") from exc
        try:
            body = render(printable.build("screen", {"screening": doc}, lang), format)
        except ConfigError as exc:
            raise HTTPException(500, str(exc)) from exc
        return Response(body, media_type=MEDIA[format], headers=_attachment("screening", format))
