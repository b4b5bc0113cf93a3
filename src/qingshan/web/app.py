"""The web application: every page is the HTML rendering of a JSON document that the same
handler serves under ``/api`` (its JSON twin), so a page and the API cannot disagree.
Data access goes through :class:`qingshan.web.data.CityData` only.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Body, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from qingshan import __version__
from qingshan.web.cache import ResponseCache
from qingshan.web.charts import chart
from qingshan.web.data import CityData

PAGES = (("overview", "/", "总览", "Overview"), ("map", "/map", "一张图", "One-map"),
         ("enterprises", "/enterprises", "企业", "Enterprises"),
         ("evaluation", "/evaluation", "亩均评价", "Evaluation"), ("targets", "/targets", "目标与预警", "Targets"),
         ("screen", "/screen", "项目审查", "Screening"), ("import", "/import", "数据导入", "Import"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(doc: dict[str, Any]) -> bytes:
    """Every table of a page's document (each list of records, also one level down) as a
    sheet: the Excel export of every page."""
    import pandas as pd

    from qingshan.reports.workbook import workbook_bytes

    sheets: list[tuple[str, pd.DataFrame]] = []

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            sheets.append((prefix[:31] or "data", pd.DataFrame(v)))
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)

    walk("", doc)
    # values that are not scalars (lists inside a record) go to a cell as text
    tidy = [(n, df.map(lambda v: v if isinstance(v, int | float | str | type(None)) else str(v)))
            for n, df in sheets]
    return workbook_bytes(tidy or [("data", pd.DataFrame([{k: str(v) for k, v in doc.items()}]))])


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


def create_app(data: CityData) -> FastAPI:
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
            return Response(workbook(doc), media_type=XLSX,
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

    @app.get("/api/overview", tags=["pages"])
    def api_overview(format: str = "json") -> Any:
        """City energy, CO2 and intensities by year; districts in the latest year; target colours.
        ``format=xlsx`` returns the tables as a workbook."""
        return respond(data.overview(), format, "overview")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        return page(request, "overview", data.overview())

    @app.get("/api/map", tags=["pages"])
    def api_map(colour: str = "class", format: str = "json") -> Any:
        """The one-map: district and park boundaries (GeoJSON), enterprises with coordinates,
        class, carbon grade and accounts; each district's worst target colour and why.
        ``colour`` is ``class`` or ``grade`` (碳效等级)."""
        return respond(data.map_view(colour), format, "map")

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, colour: str = "class") -> HTMLResponse:
        return page(request, "map", data.map_view(colour))

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
        return respond(data.enterprises(q, district, industry, cls, sort, desc, page_no, size), format, "enterprises")

    @app.get("/enterprises", response_class=HTMLResponse, include_in_schema=False)
    def enterprises(request: Request, q: str = "", district: str = "", industry: str = "",
                    cls: str = Query("", alias="class"), sort: str = "energy_tce", desc: bool = True,
                    page_no: int = Query(1, alias="page"), size: int = 50) -> HTMLResponse:
        return page(request, "enterprises", data.enterprises(q, district, industry, cls, sort, desc, page_no, size))

    def one(entity_id: str) -> dict[str, Any]:
        doc = data.enterprise(entity_id)
        if doc is None:
            raise HTTPException(404, f"no enterprise {entity_id}")
        return doc

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
        return respond(data.evaluation_view(scheme, year), format, "evaluation")

    @app.get("/evaluation", response_class=HTMLResponse, include_in_schema=False)
    def evaluation(request: Request, scheme: str | None = None, year: int | None = None) -> HTMLResponse:
        return page(request, "evaluation", data.evaluation_view(scheme, year))

    @app.get("/api/targets", tags=["pages"])
    def api_targets(format: str = "json") -> Any:
        """Latest progress of every target with its colour, the warnings, the remaining room."""
        return respond(data.targets_view(), format, "targets")

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets(request: Request) -> HTMLResponse:
        return page(request, "targets", data.targets_view())

    def screening(text: str) -> dict[str, Any]:
        from qingshan.errors import ValidationError

        try:
            return {"result": data.screen(text), "problems": []}
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
