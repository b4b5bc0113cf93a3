"""The web application: every page is the HTML rendering of a JSON document that the same
handler serves under ``/api`` (its JSON twin), so a page and the API cannot disagree.
Data access goes through :class:`qingshan.web.data.CityData` only.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from qingshan import __version__
from qingshan.web.charts import line_chart
from qingshan.web.data import CityData

PAGES = (("overview", "/", "总览", "Overview"), ("enterprises", "/enterprises", "企业", "Enterprises"),
         ("evaluation", "/evaluation", "亩均评价", "Evaluation"), ("targets", "/targets", "目标与预警", "Targets"))


def _env() -> Environment:
    folder = str(resources.files("qingshan.web").joinpath("templates"))
    env = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))
    env.globals["line_chart"] = line_chart

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
    app = FastAPI(title="青山 Qingshan", version=__version__,
                  description="青山：工业城市绿色转型数据平台 · Qingshan: green transition by the numbers. "
                              "Every page has a JSON twin under /api.")
    env = _env()
    app.mount("/static", StaticFiles(directory=str(resources.files("qingshan.web").joinpath("static"))),
              name="static")

    def page(request: Request, name: str, doc: dict[str, Any]) -> HTMLResponse:
        lang = request.query_params.get("lang", "zh")
        zh = lang != "en"

        def t(a: str, b: str) -> str:
            return a if zh else b

        html = env.get_template(f"{name}.html").render(doc=doc, lang=lang, zh=zh, t=t, pages=PAGES, active=name,
                                                       version=__version__, query=dict(request.query_params))
        return HTMLResponse(html)

    @app.get("/api/overview", tags=["pages"])
    def api_overview() -> dict[str, Any]:
        """City energy, CO2 and intensities by year; districts in the latest year; target colours."""
        return data.overview()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request) -> HTMLResponse:
        return page(request, "overview", api_overview())

    @app.get("/api/enterprises", tags=["pages"])
    def api_enterprises(q: str = "", district: str = "", industry: str = "", cls: str = Query("", alias="class"),
                        sort: str = "energy_tce", desc: bool = True, page_no: int = Query(1, alias="page"),
                        size: int = 50) -> dict[str, Any]:
        """Enterprises of the latest year: search by name or code, filter, sort, page."""
        return data.enterprises(q, district, industry, cls, sort, desc, page_no, size)

    @app.get("/enterprises", response_class=HTMLResponse, include_in_schema=False)
    def enterprises(request: Request, q: str = "", district: str = "", industry: str = "",
                    cls: str = Query("", alias="class"), sort: str = "energy_tce", desc: bool = True,
                    page_no: int = Query(1, alias="page"), size: int = 50) -> HTMLResponse:
        return page(request, "enterprises", api_enterprises(q, district, industry, cls, sort, desc, page_no, size))

    @app.get("/api/enterprises/{entity_id}", tags=["pages"])
    def api_enterprise(entity_id: str) -> dict[str, Any]:
        """One enterprise: yearly and monthly accounts, industry intensity, evaluation, measures."""
        doc = data.enterprise(entity_id)
        if doc is None:
            raise HTTPException(404, f"no enterprise {entity_id}")
        return doc

    @app.get("/enterprises/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def enterprise(request: Request, entity_id: str) -> HTMLResponse:
        return page(request, "enterprise", api_enterprise(entity_id))

    @app.get("/api/evaluation", tags=["pages"])
    def api_evaluation(scheme: str | None = None, year: int | None = None) -> dict[str, Any]:
        """Class counts, carbon grades, measures, parks and the class migration."""
        return data.evaluation_view(scheme, year)

    @app.get("/evaluation", response_class=HTMLResponse, include_in_schema=False)
    def evaluation(request: Request, scheme: str | None = None, year: int | None = None) -> HTMLResponse:
        return page(request, "evaluation", api_evaluation(scheme, year))

    @app.get("/api/targets", tags=["pages"])
    def api_targets() -> dict[str, Any]:
        """Latest progress of every target with its colour, the warnings, the remaining room."""
        return data.targets_view()

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets(request: Request) -> HTMLResponse:
        return page(request, "targets", api_targets())

    return app
