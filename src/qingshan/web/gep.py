"""GEP in the browser (issue #17, item 8; docs/gep/web.md): ``/gep`` (one year's GEP by
class, service, district and ecosystem, prices, services not accounted, the change from the
other year), ``/gep/map`` (a service map drawn on the server, its image at
``/gep/maps/{service}.png``)
and ``/gep/coordination`` (GDP and GEP by district and year, the coupling-coordination
degree), each the rendering of the document its JSON twin returns (``/api/gep``,
``/api/gep/map``, ``/api/gep/coordination``: :mod:`qingshan.documents.gep_pages`).

Scope (web/access.py): the city's and its bureaus' users see the whole city and may choose a
district; a district's user sees its own district only (another one is 404, as one that
does not exist); a park's or an enterprise's user is refused (403: GEP is accounted for the
city and its districts).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse

from qingshan.documents import gep_pages
from qingshan.web.district_scope import DistrictPages
from qingshan.web.drill import Tools, _format

Year = Annotated[int | None, Query(description="核算年份（缺省：最近的核算年份）/ accounting year (default: latest)")]
District = Annotated[str | None, Query(max_length=200, description="区县代码 / a district's code")]
Service = Annotated[str | None, Query(max_length=60, description="服务栅格（缺省：该年第一个）：c_storage、"
                                      "c_sequestration、wyield、avoided_erosion / the service raster "
                                      "(default: the year's first)")]


def install(app: FastAPI, tools: Tools) -> None:
    """The GEP pages, their twins and the map image."""

    pages = DistrictPages(tools, gep_pages.UnknownGepItem,
                          "生态产品总值按全市和区县核算；园区、企业用户无此页面",
                          "GEP is accounted for the city and its districts, not for a park or an enterprise")
    district_of, built = pages.district, pages.built

    def gep(request: Request, year: int | None, district: str | None) -> dict[str, Any]:
        return built(gep_pages.gep_page, year, district_of(request, district), own_only=pages.own_only(request))

    @app.get("/api/gep", tags=["results"])
    def api_gep(request: Request, year: Year = None, district: District = None, format: str = "json") -> Any:
        """GEP of ``year`` (default the latest accounting year of the ecological package) by
        class, service, district and ecosystem, in yuan and in physical units; the prices
        used with their year and index; the services not accounted and why; the change from
        the package's other year split into quantity and price effects; the service maps of
        the year. Of the whole city, or of one ``district`` (a district's user: its own)."""
        return tools.respond(request, gep(request, year, district), _format(tools, format), "gep")

    @app.get("/gep", response_class=HTMLResponse, include_in_schema=False)
    def gep_html(request: Request, year: Year = None, district: District = None) -> HTMLResponse:
        return tools.page(request, "gep", gep(request, year, district))

    def service_map(request: Request, service: str | None, year: int | None, district: str | None
                    ) -> dict[str, Any]:
        return built(gep_pages.map_page, service, year, district_of(request, district))

    @app.get("/api/gep/map", tags=["results"])
    def api_gep_map(request: Request, service: Service = None, year: Year = None, district: District = None,
                    format: str = "json") -> Any:
        """The map of one service raster of ``year`` (its image: ``/gep/maps/{service}.png``
        with the same year and district): the image's size and decimation, the legend (range
        of the values shown, unit, colour stops, the palette's source). A district's user:
        its own district."""
        found = service_map(request, service, year, district)
        return tools.respond(request, found, _format(tools, format), f"gep-map-{found['service']}")

    @app.get("/gep/map", response_class=HTMLResponse, include_in_schema=False)
    def gep_map_html(request: Request, service: Service = None, year: Year = None, district: District = None
                     ) -> HTMLResponse:
        return tools.page(request, "gep_map", service_map(request, service, year, district))

    @app.get("/gep/maps/{service}.png", tags=["results"], response_class=FileResponse)
    def gep_map_png(request: Request, service: Annotated[str, Path(max_length=60)], year: Year = None,
                    district: District = None) -> FileResponse:
        """The image of ``/api/gep/map`` (PNG, drawn on the server from the raster, kept next
        to it under its content hash); an unknown service, or a city without an ecological
        package, is 404."""
        found = built(gep_pages.map_png, service, year, district_of(request, district))
        return FileResponse(found["png"], media_type="image/png")

    def coordination(request: Request, district: str | None) -> dict[str, Any]:
        return built(gep_pages.coordination_page, district_of(request, district))

    @app.get("/api/gep/coordination", tags=["results"])
    def api_gep_coordination(request: Request, district: District = None, format: str = "json") -> Any:
        """GDP and GEP by district and accounting year, their growth rates, GEP/GDP and the
        coupling-coordination degree with its grade (as ``qingshan gep export``). A
        district's user: its own district's rows."""
        return tools.respond(request, coordination(request, district), _format(tools, format), "gep-coordination")

    @app.get("/gep/coordination", response_class=HTMLResponse, include_in_schema=False)
    def gep_coordination_html(request: Request, district: District = None) -> HTMLResponse:
        return tools.page(request, "gep_coordination", coordination(request, district))
