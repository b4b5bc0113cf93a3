"""Enterprise self-reporting on the web (issue #14, item 5): the reports page ``/reports``
and its JSON twin ``/api/reports`` (docs/roles.md, "Enterprise reports").

- An enterprise's reporter (a role with ``report``, acting for an enterprise) submits a
  month's energy (by carrier and use, as on form 205-1) or a year's economics, production
  or pollutants: through the page's form (its fields are the table's columns, from
  ``spec/tables.toml``), as JSON (``POST /api/reports``), or as an uploaded form 205-1
  (``POST /reports/upload``, read in a child process with the limits of an upload). The
  rows are checked by the same validation as a package (:meth:`qingshan.city.City.check_report`),
  with the city's judgement of warnings; a report with a blocking problem is not submitted.
- A reviewer of a unit above it (its park or district, or a bureau) accepts it or returns it
  with a comment (``POST /reviews/{id}``). Once a report is accepted the served city is
  recomputed with it in the background (:meth:`qingshan.web.city.WebCity.refresh_reports`):
  the city's totals change then, and only then.
- The page lists the reports of the user's part of the city (every version, newest first),
  those waiting for the user's review, and for one table and period the state of every
  enterprise: missing, submitted, returned or accepted, and late against the city's due
  dates (:mod:`qingshan.app.deadlines`), per district and park.

Every step is an audit event (:mod:`qingshan.app.reports`). These answers are never cached.
A city without accounts has no reporters: its page says so, and the actions answer 404.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from qingshan.app import database, deadlines, reports
from qingshan.app.permissions import allowed
from qingshan.city import uploads as staging
from qingshan.city.config import read_city_config
from qingshan.city.forms import FormReport, read_forms, report_fields
from qingshan.errors import Problem
from qingshan.web import downloads
from qingshan.web.auth import NO_STORE, Page, Signed
from qingshan.web.city import WebCity

#: What can be reported, as the page names it.
KINDS = {"energy": ("月度能源消费（205-1 表）", "Monthly energy (form 205-1)"),
         "economics": ("年度经济指标", "Yearly economics"),
         "production": ("年度产品产量", "Yearly production"),
         "pollutants": ("年度污染物排放", "Yearly pollutants")}
#: Blank rows of the page's form, per table.
FORM_ROWS = {"energy": 12, "economics": 1, "production": 6, "pollutants": 8}
#: The most rows one report takes, and the longest reason or comment.
MAX_ROWS, TEXT_MAX = 500, 1000
#: The most cells a form posts (rows × columns, and the other fields).
MAX_FIELDS = FORM_ROWS["energy"] * 16 + 16
STATUSES = ("submitted", "returned", "accepted")
OFF = ("该城市未启用账户，没有企业填报", "this city has no accounts, so no enterprise reports")
NOT_REPORTER = ("只有企业的填报人员填报本企业的数据", "only an enterprise's reporter reports its own data")
CELL = re.compile(r"r(\d{1,3})\.([a-z_0-9]{1,40})")


class Submission(BaseModel):
    kind: Literal["energy", "economics", "production", "pollutants"]
    period: str = Field(max_length=7, description="YYYY-MM for energy, YYYY for the yearly tables")
    rows: list[dict[str, str | float | int | None]] = Field(max_length=MAX_ROWS)
    reason: str = Field("", max_length=TEXT_MAX, description="why an accepted report is corrected")


class Decision(BaseModel):
    decision: Literal["accept", "return"]
    comment: str = Field("", max_length=TEXT_MAX)


def _refused(pair: tuple[str, str], status: int) -> HTTPException:
    return HTTPException(status, f"{pair[0]} / {pair[1]}")


def _default_period(kind: str, today: dt.date) -> str:
    """The period due next: last month for energy, last year for the yearly tables."""
    if kind == "energy":
        first = today.replace(day=1) - dt.timedelta(days=1)
        return f"{first.year}-{first.month:02d}"
    return str(today.year - 1)


def _problems(problems: list[Problem], staged: str | None = None, shown: str | None = None) -> list[dict[str, Any]]:
    out = [p.to_dict() for p in problems]
    if staged and shown:
        out = [{**d, "file": str(d["file"]).replace(staged, shown)} for d in out]
    return out


def install(app: FastAPI, data: WebCity, page: Page) -> None:
    """Add the reports page, its JSON twin and the report and review actions to ``app``."""

    def signed_of(request: Request) -> Signed:
        signed: Signed | None = getattr(request.state, "signed", None)
        if signed is None or data.auth.url is None:
            raise _refused(OFF, 404)
        return signed

    def acting(signed: Signed) -> reports.Acting:
        return reports.Acting(signed.username, signed.organisation, signed.organisation_path, signed.roles)

    def url() -> str:
        assert data.auth.url is not None
        return data.auth.url

    def can_report(signed: Signed) -> bool:
        return allowed(signed.roles, "report") and _is_enterprise(signed)

    def _is_enterprise(signed: Signed) -> bool:
        units = data.city.memo.get("unit_kinds")
        if units is None:
            units = {u.code: u.kind for u in data.city.units()}
            data.city.memo["unit_kinds"] = units
        return units.get(signed.organisation) == "enterprise"

    def filters(request: Request) -> dict[str, str]:
        q = request.query_params
        kind = q.get("kind", "energy")
        if kind not in KINDS:
            raise _refused((f"未知的报告种类 {kind[:40]!r}", f"unknown kind of report {kind[:40]!r}"), 422)
        period = q.get("period") or _default_period(kind, dt.datetime.now(deadlines.CST).date())
        if not reports.KINDS[kind].fullmatch(period):
            raise _refused((f"报告期 {period[:20]!r} 应为 {'YYYY-MM' if kind == 'energy' else 'YYYY'}",
                            f"the period {period[:20]!r} should be {'YYYY-MM' if kind == 'energy' else 'YYYY'}"), 422)
        status = q.get("status", "")
        if status and status not in STATUSES:
            raise _refused((f"未知的状态 {status[:20]!r}", f"unknown status {status[:20]!r}"), 422)
        return {"kind": kind, "period": period, "status": status}

    def document(request: Request, signed: Signed | None, **extra: Any) -> dict[str, Any]:
        f = filters(request)
        if signed is None or data.auth.url is None:  # a city without accounts: no reporters
            return {"filters": f, "kinds": {k: {"zh": z, "en": e} for k, (z, e) in KINDS.items()},
                    "database": False, "note": {"zh": OFF[0], "en": OFF[1]}, "fields": [], "form_rows": 0,
                    "can_report": False, "can_review": False, "organisation": None, "reports": [],
                    "waiting": [], "status": None, "city": {"reports_in_use": len(data.city.reports),
                                                            "refresh": data.reports_state}, "result": None}
        who = acting(signed)
        due = read_city_config(data.city.data_dir).due if data.city.data_dir is not None else deadlines.Due()
        with database.session(url()) as s:
            listed = [reports.shown(r) for r in reports.listing(s, who, kind=f["kind"], status=f["status"] or None)]
            waiting = [reports.shown(r) for r in reports.waiting(s, who)] if allowed(signed.roles, "review") else []
            status = deadlines.status(s, signed.organisation_path, f["kind"], f["period"], due)
        return {"filters": f, "kinds": {k: {"zh": z, "en": e} for k, (z, e) in KINDS.items()}, "database": True,
                "note": None, "fields": report_fields(f["kind"]), "form_rows": FORM_ROWS[f["kind"]],
                "can_report": can_report(signed), "can_review": allowed(signed.roles, "review"),
                "organisation": signed.organisation, "reports": listed, "waiting": waiting, "status": status,
                "city": {"reports_in_use": len(data.city.reports), "refresh": data.reports_state},
                "result": None, **extra}

    def submit(signed: Signed, kind: str, period: str, rows: list[dict[str, Any]], reason: str, *,
               label: str, numbers: list[int] | None = None) -> dict[str, Any]:
        """Check the rows as a package's; submit them unless a problem blocks."""
        if not can_report(signed):
            raise _refused(NOT_REPORTER, 403)
        if not reports.KINDS[kind].fullmatch(period):
            raise _refused((f"报告期 {period[:20]!r} 应为 {'YYYY-MM' if kind == 'energy' else 'YYYY'}",
                            f"the period {period[:20]!r} should be {'YYYY-MM' if kind == 'energy' else 'YYYY'}"), 422)
        if not rows:
            raise _refused(("报告没有数据行", "the report has no rows"), 422)
        with data.lock:  # the city's factor set and judgement, as for a document
            problems = data.city.check_report(kind, signed.organisation, period, rows, label, numbers)
        verdict = data.city.verdict(problems)
        if verdict is not None:
            return {"ok": False, "message": verdict, "problems": _problems(problems), "report": None}
        try:
            with database.session(url()) as s:
                report = reports.shown(reports.submit(s, acting(signed), kind, period, rows, reason=reason))
        except reports.ReportError as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        return {"ok": True, "message": None, "problems": _problems(problems), "report": report}

    def review(signed: Signed, report_id: int, decision: str, comment: str) -> dict[str, Any]:
        try:
            with database.session(url()) as s:
                report = reports.shown(reports.review(s, acting(signed), report_id, decision, comment))
        except reports.ReportError as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        if report["status"] == "accepted":
            data.refresh_reports()  # the city's totals change now, in the background
        return {"ok": True, "report": report}

    async def forms_of(upload: UploadFile) -> tuple[list[FormReport], list[Problem], str, str]:
        """The forms 205-1 of an uploaded file, read in a child process with the limits of an
        upload; the staged copy is removed afterwards."""
        if data.city.data_dir is None:
            raise _refused(("上传需要数据目录", "uploads need a data directory"), 404)
        folder = staging.folder(data.city.data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        shown = staging.display_name(upload.filename)
        suffix = Path(shown).suffix.lower() if Path(shown).suffix.lower() in (".csv", ".xlsx", ".xls") else ".xlsx"
        tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=folder))
        path = tmp / f"form{suffix}"
        try:
            with path.open("wb") as out:
                await run_in_threadpool(shutil.copyfileobj, upload.file, out)
            found, problems = await run_in_threadpool(read_forms, path, data.limits, shown)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return found, problems, path.name, shown

    async def upload(signed: Signed, file: UploadFile, reason: str) -> dict[str, Any]:
        if not can_report(signed):
            raise _refused(NOT_REPORTER, 403)
        found, problems, staged, shown = await forms_of(file)
        own = [f for f in found if f.entity_id == signed.organisation]
        problems += [Problem("Q005", f.file, None, "entity_id", f.entity_id,
                             f"本企业的统一社会信用代码 {signed.organisation}",
                             f"this enterprise's credit code {signed.organisation}: the form is another's")
                     for f in found if f.entity_id != signed.organisation]
        if not found and not problems:
            problems.append(Problem("Q006", shown, None, None, None, "至少一张有数据的 205-1 表",
                                    "at least one form 205-1 with figures"))
        verdict = data.city.verdict(problems) if problems else None
        if verdict is not None or not own:
            return {"ok": False, "message": verdict or "未找到本企业的 205-1 表 / no form 205-1 of this enterprise",
                    "problems": _problems(problems, staged, shown), "reports": []}
        done = []
        for form in own:  # one report per form (one month each)
            label = form.file.replace(staged, shown)
            result = await run_in_threadpool(submit, signed, "energy", form.period, list(form.rows), reason,
                                             label=label, numbers=list(form.numbers))
            done.append(result)
            if not result["ok"]:
                return {"ok": False, "message": result["message"],
                        "problems": _problems(problems, staged, shown) + result["problems"], "reports": done}
        return {"ok": True, "message": None, "problems": _problems(problems, staged, shown),
                "reports": [d["report"] for d in done]}

    def answer(request: Request, doc: dict[str, Any], status: int = 200) -> HTMLResponse:
        out = page(request, "reports", doc)
        out.status_code = status
        out.headers.update(NO_STORE)
        return out

    async def form_rows(request: Request) -> tuple[dict[str, str], list[dict[str, str]]]:
        """The page form's fields and its rows (``r3.quantity``): rows with any value."""
        form = await request.form(max_fields=MAX_FIELDS, max_files=0)
        fields: dict[str, str] = {}
        cells: dict[int, dict[str, str]] = {}
        for key, value in form.multi_items():
            text = value if isinstance(value, str) else ""
            m = CELL.fullmatch(key)
            if m:
                cells.setdefault(int(m.group(1)), {})[m.group(2)] = text
            else:
                fields[key] = text
        rows = [r for _, r in sorted(cells.items()) if any(v.strip() for v in r.values())]
        return fields, [{k: v for k, v in r.items() if v.strip()} for r in rows]

    # --- JSON -----------------------------------------------------------------------------

    @app.get("/api/reports", tags=["reports"])
    def api_reports(request: Request, format: Literal["json", "xlsx"] = "json") -> Response:
        """The reports of your part of the city (every version, newest first; ``kind``,
        ``status``), those waiting for your review, and for ``kind`` and ``period`` the state
        of every enterprise (missing, submitted, returned, accepted; late against the city's
        due dates), per district and park; ``format=xlsx``: its tables as a workbook."""
        doc = document(request, getattr(request.state, "signed", None))
        if format == "xlsx":  # headed in the request's language, as every twin's (web/downloads.py)
            answer = downloads.twin(request, doc, format, "reports")
            answer.headers.update(NO_STORE)
            return answer
        return JSONResponse(doc, headers=NO_STORE)

    @app.post("/api/reports", tags=["reports"])
    def api_submit(request: Request, body: Submission) -> Response:
        """Submit your enterprise's report: its rows are checked as a package's are; 422 with
        every problem if one blocks. A returned report is corrected by submitting it again;
        an accepted one by a supplemental version with a ``reason``."""
        signed = signed_of(request)
        rows = [{k: ("" if v is None else str(v)) for k, v in r.items()} for r in body.rows]
        result = submit(signed, body.kind, body.period, rows, body.reason, label=f"{body.kind} {body.period}")
        return JSONResponse(result, status_code=200 if result["ok"] else 422, headers=NO_STORE)

    @app.post("/api/reports/upload", tags=["reports"])
    async def api_upload(request: Request, file: Annotated[UploadFile, File()],
                         reason: Annotated[str, Form(max_length=TEXT_MAX)] = "") -> Response:
        """Submit your enterprise's month(s) of energy as a filled-in form 205-1 (CSV or
        workbook; one report per form)."""
        result = await upload(signed_of(request), file, reason)
        return JSONResponse(result, status_code=200 if result["ok"] else 422, headers=NO_STORE)

    @app.post("/api/reviews/{report_id}", tags=["reports"])
    def api_review(request: Request, report_id: int, body: Decision) -> Response:
        """Accept a submitted report of an enterprise of your part of the city, or return it
        with a comment. An accepted report enters the city's data at once (recomputed in the
        background)."""
        return JSONResponse(review(signed_of(request), report_id, body.decision, body.comment), headers=NO_STORE)

    # --- the page ---------------------------------------------------------------------------

    @app.get("/reports", response_class=HTMLResponse, include_in_schema=False)
    def reports_page(request: Request) -> HTMLResponse:
        return answer(request, document(request, getattr(request.state, "signed", None)))

    @app.post("/reports", response_class=HTMLResponse, include_in_schema=False)
    async def reports_submit(request: Request) -> HTMLResponse:
        signed = signed_of(request)
        fields, rows = await form_rows(request)
        kind = fields.get("kind", "")
        if kind not in KINDS:
            raise _refused((f"未知的报告种类 {kind[:40]!r}", f"unknown kind of report {kind[:40]!r}"), 422)
        try:
            period = fields.get("period", "").strip()
            result = await run_in_threadpool(submit, signed, kind, period, rows, fields.get("reason", "")[:TEXT_MAX],
                                             label=f"{kind} {period}")
        except HTTPException as exc:
            result = {"ok": False, "message": str(exc.detail), "problems": [], "report": None}
            return answer(request, document(request, signed, result=result, entered=rows), exc.status_code)
        return answer(request, document(request, signed, result=result, entered=[] if result["ok"] else rows),
                      200 if result["ok"] else 422)

    @app.post("/reports/upload", response_class=HTMLResponse, include_in_schema=False)
    async def reports_upload(request: Request, file: Annotated[UploadFile, File()],
                             reason: Annotated[str, Form(max_length=TEXT_MAX)] = "") -> HTMLResponse:
        signed = signed_of(request)
        try:
            result = await upload(signed, file, reason)
        except HTTPException as exc:
            result = {"ok": False, "message": str(exc.detail), "problems": [], "reports": []}
            return answer(request, document(request, signed, result=result), exc.status_code)
        return answer(request, document(request, signed, result=result), 200 if result["ok"] else 422)

    @app.post("/reviews/{report_id}", response_class=HTMLResponse, include_in_schema=False)
    def reviews_post(request: Request, report_id: int, decision: Annotated[str, Form(max_length=8)],
                     comment: Annotated[str, Form(max_length=TEXT_MAX)] = "") -> HTMLResponse:
        signed = signed_of(request)
        try:
            result = review(signed, report_id, decision, comment)
        except HTTPException as exc:
            return answer(request, document(request, signed, result={"ok": False, "message": str(exc.detail),
                                                                      "problems": []}), exc.status_code)
        return answer(request, document(request, signed, result={**result, "message": None, "problems": [],
                                                                  "reviewed": result["report"]}))
