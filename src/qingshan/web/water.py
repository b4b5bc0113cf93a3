"""Surface water in the browser (issue #18, item 6; docs/environment.md, "Web pages"):
``/water`` (one year's GB 3838-2002 classes of the city's or a district's sections: shares,
compliance with the target classes, the grade, the section map, the class table, the
section × month grid and the exceedances) and ``/water/sections/{section_id}`` (one
section's monthly values and classes per item and the trend of its deciding items), each
the rendering of the document its JSON twin returns (``/api/water``,
``/api/water/sections/{section_id}``: :mod:`qingshan.documents.water_pages`), with
``format=xlsx`` or ``csv`` for its tables.

Scope (web/access.py): the city's and its bureaus' users see the whole city and may choose a
district; a district's user sees its own district's sections only (another district, or a
section of one, is 404, as one that does not exist); a park's or an enterprise's user is
refused (403: surface water is monitored at sections, for the city and its districts).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse

from qingshan.documents import water_pages
from qingshan.web.district_scope import DistrictPages
from qingshan.web.drill import Tools, _format

Year = Annotated[int | None, Query(description="监测年份（缺省：有监测数据的最近一年）/ the year (default: the latest "
                                               "with samples)")]
District = Annotated[str | None, Query(max_length=200, description="区县代码 / a district's code")]
Section = Annotated[str, Path(max_length=60, description="断面代码 / the section's code")]


def install(app: FastAPI, tools: Tools) -> None:
    """The surface-water pages and their twins."""

    pages = DistrictPages(tools, water_pages.UnknownWaterItem,
                          "地表水按断面监测，按全市和区县评价；园区、企业用户无此页面",
                          "surface water is monitored at sections and assessed for the city and its districts, "
                          "not for a park or an enterprise")
    district_of, built = pages.district, pages.built

    def water(request: Request, year: int | None, district: str | None) -> dict[str, Any]:
        return built(water_pages.water_page, year, district_of(request, district), own_only=pages.own_only(request))

    @app.get("/api/water", tags=["results"])
    def api_water(request: Request, year: Year = None, district: District = None, format: str = "json") -> Any:
        """Surface water in ``year`` (default the latest year with samples), of the whole
        city or of one ``district`` (a district's user: its own): the shares of sections in
        each GB 3838-2002 class, in Ⅰ–Ⅲ and worse than Ⅴ, compliance with the target classes
        and the grade (环办〔2011〕22号); each section's annual class, deciding items with their
        exceedance multiples, target class and CWQI; the section-month classes; the
        exceedances of the year and of the months; the section map; what is not built and
        the estuary rule (as ``qingshan water``)."""
        return tools.respond(request, water(request, year, district), _format(tools, format), "water")

    @app.get("/water", response_class=HTMLResponse, include_in_schema=False)
    def water_html(request: Request, year: Year = None, district: District = None) -> HTMLResponse:
        return tools.page(request, "water", water(request, year, district))

    def section(request: Request, section_id: str, year: int | None) -> dict[str, Any]:
        return built(water_pages.section_page, section_id, year, district_of(request, None))

    @app.get("/api/water/sections/{section_id}", tags=["results"])
    def api_water_section(request: Request, section_id: Section, year: Year = None, format: str = "json") -> Any:
        """One section in ``year`` (default the latest with samples): its annual class and
        deciding items, the month mean and class of every GB 3838-2002 item, the trend of
        each deciding item against its target-class limit, the samples. A district's user:
        its own district's sections (another is 404)."""
        found = section(request, section_id, year)
        return tools.respond(request, found, _format(tools, format), f"water-section-{found['section']['section_id']}")

    @app.get("/water/sections/{section_id}", response_class=HTMLResponse, include_in_schema=False)
    def water_section_html(request: Request, section_id: Section, year: Year = None) -> HTMLResponse:
        return tools.page(request, "water_section", section(request, section_id, year))
