"""Air quality in the browser (issue #18, item 6; docs/environment.md, "Web pages"): ``/air``
(one year's annual assessment of the city or of one district: GB 3095 grade II compliance by
pollutant, good-day ratio, comprehensive index, the district ranking, the HJ 633 editions
applied, a station map, a calendar of daily AQI, monthly means and the trend over the years)
and ``/air/stations/{station_id}`` (one station), each the rendering of the document its
JSON twin returns (``/api/air``, ``/api/air/stations/{station_id}``:
:mod:`qingshan.documents.air_pages`), with ``format=xlsx`` or ``csv`` for its tables.

Scope (web/access.py): the city's and its bureaus' users see the whole city and may choose a
district; a district's user sees its own district and its stations only (another district
or station is 404, as one that does not exist); a park's or an enterprise's user is refused
(403: air quality is monitored by station and assessed for the city and its districts).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse

from qingshan.documents import air_pages
from qingshan.web.district_scope import DistrictPages
from qingshan.web.drill import Tools, _format

Year = Annotated[int | None, Query(description="评价年份（缺省：空气监测数据的最近年份）/ the year (default: the "
                                               "latest year of the air monitoring data)")]
District = Annotated[str | None, Query(max_length=200, description="区县代码 / a district's code")]
Station = Annotated[str, Path(max_length=60, description="站点代码 / the station's code")]


def install(app: FastAPI, tools: Tools) -> None:
    """The air-quality pages and their twins."""

    pages = DistrictPages(tools, air_pages.UnknownAirItem,
                          "空气质量按监测站点监测、按全市和区县评价；园区、企业用户无此页面",
                          "air quality is monitored by station and assessed for the city and its "
                          "districts, not for a park or an enterprise")
    district_of, built = pages.district, pages.built

    def air(request: Request, year: int | None, district: str | None) -> dict[str, Any]:
        return built(air_pages.air_page, year, district_of(request, district), own_only=pages.own_only(request))

    @app.get("/api/air", tags=["results"])
    def api_air(request: Request, year: Year = None, district: District = None, format: str = "json") -> Any:
        """Ambient air quality of ``year`` (default the latest year of the package's
        ``air_daily``), of the whole city or of one ``district`` (a district's user: its
        own): GB 3095 grade II compliance by pollutant with the statistic used, good-day
        ratio, comprehensive index, the district ranking, the HJ 633 edition of each span of
        days and the profile's ``environment.aqi_standard``, the stations (annual figures,
        map), every day's AQI (calendar), monthly mean concentrations, the figures of every
        year, and what is unverified. ``format=xlsx`` or ``csv``: its tables."""
        return tools.respond(request, air(request, year, district), _format(tools, format), "air")

    @app.get("/air", response_class=HTMLResponse, include_in_schema=False)
    def air_html(request: Request, year: Year = None, district: District = None) -> HTMLResponse:
        return tools.page(request, "air", air(request, year, district))

    def station(request: Request, station_id: str, year: int | None) -> dict[str, Any]:
        return built(air_pages.station_page, station_id, year, district=district_of(request, None))

    @app.get("/api/air/stations/{station_id}", tags=["results"])
    def api_air_station(request: Request, station_id: Station, year: Year = None, format: str = "json") -> Any:
        """One air monitoring station in ``year`` (default the latest year of the air
        data): its annual statistics and GB 3095 grade II verdict by pollutant, every day's
        AQI, monthly mean concentrations and its figures in every year. A district's user:
        the stations of its own district."""
        found = station(request, station_id, year)
        return tools.respond(request, found, _format(tools, format), f"air-station-{station_id}")

    @app.get("/air/stations/{station_id}", response_class=HTMLResponse, include_in_schema=False)
    def air_station_html(request: Request, station_id: Station, year: Year = None) -> HTMLResponse:
        return tools.page(request, "air_station", station(request, station_id, year))
