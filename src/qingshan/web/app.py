"""The web application: every page is the HTML rendering of a JSON document that the same
handler serves under ``/api`` (its JSON twin), so a page and the API cannot disagree. The
documents are those of :mod:`qingshan.documents`, built on the served city
(:class:`qingshan.web.city.WebCity`): the CLI and the web return the same document for the
same city, profile and year.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Body, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from qingshan import __version__
from qingshan.documents import accounts as accounts_doc
from qingshan.documents import enterprises as enterprises_doc
from qingshan.documents import evaluation as evaluation_doc
from qingshan.documents import lmdi as lmdi_doc
from qingshan.documents import map as map_doc
from qingshan.documents import overview as overview_doc
from qingshan.documents import pathways as pathways_doc
from qingshan.documents import screening as screening_doc
from qingshan.documents import targets as targets_doc
from qingshan.errors import ConfigError, ValidationError
from qingshan.reports.workbook import document_sheets, workbook_bytes
from qingshan.web.cache import ResponseCache
from qingshan.web.charts import chart
from qingshan.web.city import WebCity

PAGES = (("overview", "/", "总览", "Overview"), ("map", "/map", "一张图", "One-map"),
         ("enterprises", "/enterprises", "企业", "Enterprises"),
         ("evaluation", "/evaluation", "亩均评价", "Evaluation"), ("targets", "/targets", "目标与预警", "Targets"),
         ("screen", "/screen", "项目审查", "Screening"), ("import", "/import", "数据导入", "Import"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _env() -> Environment:
    folder = str(resources.files("qingshan.web").joinpath("templates"))
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    env.globals["chart"] = chart

    def num(v: Any, digits: int = 0) -> str:
        if v is None:
            return "—"
        try:
            return f"{float(v):,.{digits}f}"
        except (TypeError, ValueError):
            return str(v)

    env.filters["num"] = num
    return env


def create_app(data: WebCity) -> FastAPI:
    # FastAPI's /docs and /redoc pages load their script from a CDN: off (offline rule).
    # The API is described by /openapi.json and by the /api page rendered here from it.
    app = FastAPI(title="青山 Qingshan", version=__version__, docs_url=None, redoc_url=None,
                  description="青山：工业城市绿色转型数据平台 · Qingshan: green transition by the numbers. "
                              "Every page has a JSON twin under /api.")
    app.add_middleware(ResponseCache, version=lambda: data.version)
    env = _env()
    app.mount("/static", StaticFiles(directory=str(resources.files("qingshan.web").joinpath("static"))),
              name="static")

    def respond(doc: dict[str, Any], fmt: str, name: str) -> Any:
        if fmt == "xlsx":
            return Response(workbook_bytes(document_sheets(doc)), media_type=XLSX,
                            headers={"Content-Disposition": f'attachment; filename="qingshan-{name}.xlsx"'})
        return JSONResponse(doc)  # documents are JSON-ready: no second pass through jsonable_encoder

    def page(request: Request, name: str, doc: dict[str, Any]) -> HTMLResponse:
        lang = request.query_params.get("lang", "zh")
        zh = lang != "en"

        def t(a: str, b: str) -> str:
            return a if zh else b

        def link(**changes: Any) -> str:
            """This page's URL with some query parameters changed (filters, order and
            language are kept)."""
            q = {**dict(request.query_params), **{k: str(v) for k, v in changes.items()}}
            return "?" + urlencode({k: v for k, v in q.items() if v != ""})

        html = env.get_template(f"{name}.html").render(doc=doc, lang=lang, zh=zh, t=t, pages=PAGES, active=name,
                                                       version=__version__, query=dict(request.query_params),
                                                       link=link)
        return HTMLResponse(html)

    def doc(build: Any, *args: Any) -> dict[str, Any]:
        try:
            return data.document(build, *args)
        except ConfigError as exc:  # the profile selects nothing for this (no scheme, no targets)
            raise HTTPException(422, str(exc)) from exc

    def known_year(year: int | None) -> int:
        years = data.city.years
        if year is None:
            return years[-1]
        if year not in years:
            raise HTTPException(422, f"year {year} is not in the data ({years[0]}–{years[-1]})")
        return year

    def evaluation_page(scheme: str | None, year: int | None) -> dict[str, Any]:
        known = evaluation_doc.known_schemes()
        if scheme is not None and scheme not in known:  # a name, never a path
            raise HTTPException(422, f"unknown scheme {scheme!r}; known: {', '.join(known)}")
        return doc(evaluation_doc.build, known_year(year), scheme)

    @app.get("/api/profile", tags=["pages"])
    def api_profile(year: int | None = None) -> dict[str, Any]:
        """The jurisdiction profile the city runs under, with its selections for ``year``
        (default: the latest data year)."""
        return data.city.profile.describe(known_year(year))

    @app.get("/api/accounts", tags=["results"])
    def api_accounts(year: int | None = None, format: str = "json") -> Any:
        """The accounts document (as ``qingshan account --year``): enterprise-years with the
        factor rows used, roll-ups, products, factors; every year when ``year`` is omitted."""
        return respond(doc(accounts_doc.build, [known_year(year)] if year is not None else None), format, "accounts")

    @app.get("/api/lmdi", tags=["results"])
    def api_lmdi(y0: int = Query(..., alias="from"), y1: int = Query(..., alias="to"), by: str = "industry",
                 format: str = "json") -> Any:
        """LMDI decomposition of the change of energy and CO2 (as ``qingshan decompose``)."""
        if by not in lmdi_doc.BY:
            raise HTTPException(422, f"by must be one of {', '.join(lmdi_doc.BY)}")
        return respond(doc(lmdi_doc.build, known_year(y0), known_year(y1), by), format, "lmdi")

    @app.get("/api/pathways", tags=["results"])
    def api_pathways(scenario: Annotated[list[str], Query()], format: str = "json") -> Any:
        """Pathways of the shipped scenarios named (as ``qingshan project --scenario NAME``)."""
        known = pathways_doc.known_scenarios()
        bad = [s for s in scenario if s not in known]
        if bad:
            raise HTTPException(422, f"unknown scenario {bad[0]!r}; known: {', '.join(known)}")
        return respond(doc(pathways_doc.build, pathways_doc.scenarios(scenario)), format, "pathways")

    @app.get("/api/overview", tags=["pages"])
    def api_overview(format: str = "json") -> Any:
        """City energy, CO2 and intensities by year; districts in the latest year; target colours.
        ``format=xlsx`` returns the tables as a workbook."""
        return respond(doc(overview_doc.build), format, "overview")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        return page(request, "overview", doc(overview_doc.build))

    @app.get("/api/map", tags=["pages"])
    def api_map(colour: str = "class", format: str = "json") -> Any:
        """The one-map: district and park boundaries (GeoJSON), enterprises with coordinates,
        class, carbon grade and accounts; each district's worst target colour and why.
        ``colour`` is ``class`` or ``grade`` (碳效等级)."""
        return respond(doc(map_doc.build, colour), format, "map")

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, colour: str = "class") -> HTMLResponse:
        return page(request, "map", doc(map_doc.build, colour))

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_page(request: Request) -> HTMLResponse:
        spec = app.openapi()
        ops = [{"method": m.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tag": (op.get("tags") or [""])[0],
                "params": [{"name": q["name"], "in": q["in"], "required": q.get("required", False)}
                           for q in op.get("parameters", [])]}
               for path, item in spec["paths"].items() for m, op in item.items()]
        return page(request, "api", {"operations": ops, "version": spec["info"]["version"]})

    @app.get("/api/enterprises", tags=["pages"])
    def api_enterprises(q: str = "", district: str = "", industry: str = "", cls: str = Query("", alias="class"),
                        sort: str = "energy_tce", desc: bool = True, page_no: int = Query(1, alias="page"),
                        size: int = 50, format: str = "json") -> Any:
        """Enterprises of the latest year: search by name or code, filter, sort, page."""
        return respond(doc(enterprises_doc.listing, q, district, industry, cls, sort, desc, page_no, size), format,
                       "enterprises")

    @app.get("/enterprises", response_class=HTMLResponse, include_in_schema=False)
    def enterprises(request: Request, q: str = "", district: str = "", industry: str = "",
                    cls: str = Query("", alias="class"), sort: str = "energy_tce", desc: bool = True,
                    page_no: int = Query(1, alias="page"), size: int = 50) -> HTMLResponse:
        return page(request, "enterprises",
                    doc(enterprises_doc.listing, q, district, industry, cls, sort, desc, page_no, size))

    def one(entity_id: str) -> dict[str, Any]:
        found: dict[str, Any] | None = doc(enterprises_doc.one, entity_id)
        if found is None:
            raise HTTPException(404, f"no enterprise {entity_id}")
        return found

    @app.get("/api/enterprises/{entity_id}", tags=["pages"])
    def api_enterprise(entity_id: str, format: str = "json") -> Any:
        """One enterprise: yearly and monthly accounts, industry intensity, evaluation, measures."""
        return respond(one(entity_id), format, entity_id)

    @app.get("/enterprises/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def enterprise(request: Request, entity_id: str) -> HTMLResponse:
        return page(request, "enterprise", one(entity_id))

    @app.get("/api/evaluation", tags=["pages"])
    def api_evaluation(scheme: str | None = None, year: int | None = None,
                       format: str = "json") -> Any:
        """Class counts, carbon grades, measures, parks and the class migration."""
        return respond(evaluation_page(scheme, year), format, "evaluation")

    @app.get("/evaluation", response_class=HTMLResponse, include_in_schema=False)
    def evaluation(request: Request, scheme: str | None = None, year: int | None = None) -> HTMLResponse:
        return page(request, "evaluation", evaluation_page(scheme, year))

    @app.get("/api/targets", tags=["pages"])
    def api_targets(format: str = "json") -> Any:
        """Latest progress of every target with its colour, the warnings, the remaining room."""
        return respond(doc(targets_doc.build), format, "targets")

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

    @app.get("/api/import", tags=["pages"])
    def api_import_page() -> dict[str, Any]:
        """The import page's document: where the city's data come from."""
        return {"source": data.source, "report": None}

    @app.post("/api/import", tags=["actions"])
    async def api_import(file: Annotated[UploadFile, File()]) -> dict[str, Any]:
        """Validate an uploaded workbook (.xlsx, docs/data-package.md): every problem, and a
        token to accept it if it has no error."""
        return data.check_upload(await file.read(), file.filename)

    @app.post("/api/import/accept", tags=["actions"])
    def api_import_accept(token: str = Form(...)) -> dict[str, Any]:
        """Make a validated upload the city's data; every result is recomputed."""
        try:
            return data.accept(token)
        except KeyError as exc:
            raise HTTPException(404, f"no staged upload {token}") from exc

    @app.get("/import", response_class=HTMLResponse, include_in_schema=False)
    def import_page(request: Request) -> HTMLResponse:
        return page(request, "import", {"source": data.source, "report": None})

    @app.post("/import", response_class=HTMLResponse, include_in_schema=False)
    async def import_post(request: Request, file: Annotated[UploadFile, File()]) -> HTMLResponse:
        report = data.check_upload(await file.read(), file.filename)
        return page(request, "import", {"source": data.source, "report": report})

    @app.post("/import/accept", response_class=HTMLResponse, include_in_schema=False)
    def import_accept(request: Request, token: str = Form(...)) -> HTMLResponse:
        try:
            done = data.accept(token)
        except KeyError as exc:
            raise HTTPException(404, f"no staged upload {token}") from exc
        return page(request, "import", {"source": data.source, "report": None, "accepted": done})

    return app
