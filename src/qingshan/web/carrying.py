"""Carrying-capacity early warning in the browser (issue #18, item 5; docs/environment.md,
"Carrying-capacity early warning"): ``/carrying`` (one evaluation year of the city or of one
district: the districts on a map filled with their warning colour, their elements, process,
colour, change of class and red-zone consequences with the reasons, the legend, the rule
file and its sources, what is not built and not verified), the rendering of the document
its JSON twin returns (``/api/carrying``: :mod:`qingshan.documents.carrying_pages`), with
``format=xlsx`` or ``csv`` for its tables.

Scope (web/access.py): the city's and its bureaus' users see the whole city and may choose a
district; a district's user sees its own district only (another is 404, as one that does
not exist); a park's or an enterprise's user is refused (403): the evaluation unit of the
method is the county (以县级行政区为评价单元), as for the air and water pages, and a park's
or an enterprise's own consequence — whether its project is restricted — is given where it
arises, in project screening (``R-CARRYING``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from qingshan.documents import carrying_pages
from qingshan.web.district_scope import DistrictPages
from qingshan.web.drill import Tools, _format

Year = Annotated[int | None, Query(description="评价年份（缺省：最近的评价年份）/ the evaluation year (default: the "
                                               "latest)")]
District = Annotated[str | None, Query(max_length=200, description="区县代码 / a district's code")]


def install(app: FastAPI, tools: Tools) -> None:
    """The carrying-capacity page and its twin."""

    pages = DistrictPages(tools, carrying_pages.UnknownCarryingItem,
                          "资源环境承载能力按区县评价；园区、企业用户无此页面（项目是否受区域限批见项目审查）",
                          "carrying capacity is evaluated for the districts, not for a park or an "
                          "enterprise (whether a project is restricted is told in project screening)")

    def carrying(request: Request, year: int | None, district: str | None) -> dict[str, Any]:
        return pages.built(carrying_pages.carrying_page, year, pages.district(request, district),
                           own_only=pages.own_only(request))

    @app.get("/api/carrying", tags=["results"])
    def api_carrying(request: Request, year: Year = None, district: District = None, format: str = "json") -> Any:
        """Carrying-capacity early warning (资源环境承载能力监测预警) of ``year`` (default the
        latest evaluation year of the package's ``carrying_inputs``), of the whole city or of
        one ``district`` (a district's user: its own), as ``qingshan carrying --json``
        evaluates it: per district the four elements (value, class, reason), the integration,
        the process trend with its classes and indicators, the warning colour and its reason,
        the change since the previous evaluation and its measure, the red-zone consequences
        and the industries project screening restricts there; the legend, the district map,
        the rule file's id, version and sources, what is not built and not verified.
        ``format=xlsx`` or ``csv``: its tables."""
        return tools.respond(request, carrying(request, year, district), _format(tools, format), "carrying")

    @app.get("/carrying", response_class=HTMLResponse, include_in_schema=False)
    def carrying_html(request: Request, year: Year = None, district: District = None) -> HTMLResponse:
        return tools.page(request, "carrying", carrying(request, year, district))
