"""Discharge permits in the browser (issue #18, items 4 and 6; docs/environment.md, "Web
page"): ``/permits`` (one year's permitted against actual tonnes, the district totals
against their quota, the ranked over-permit and over-quota lists with their reasons, the
四个一批 batches with the rule of each) and ``/permits/{entity_id}`` (one enterprise's
permits, execution reports and 12-month windows), each the rendering of the document its
JSON twin returns (``/api/permits``, ``/api/permits/{entity_id}``:
:mod:`qingshan.documents.permits_pages`), with ``format=xlsx|csv``.

Scope (web/access.py marks the routes scoped): the city's and its bureaus' users see the
whole city and may choose a district; a district's user its own district (another is 404,
as one that does not exist); a park's user its park's enterprises; an enterprise's user its
own permits and listings. An enterprise outside the user's part of the city is 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse

from qingshan.documents import permits_pages
from qingshan.web import district_scope
from qingshan.web.drill import Tools, _format, _shown

Year = Annotated[int | None, Query(description="年份（缺省：有许可数据的最近一年）/ year (default: the latest with "
                                               "permit data)")]
District = Annotated[str | None, Query(max_length=200, description="区县代码 / a district's code")]
EntityId = Annotated[str, Path(max_length=200)]


def install(app: FastAPI, tools: Tools) -> None:
    """The permits pages and their twins."""

    def built(build: Any, *args: Any) -> Any:
        return district_scope.built(tools, permits_pages.UnknownPermitItem, build, *args)

    def permits(request: Request, year: int | None, district: str | None) -> dict[str, Any]:
        found: dict[str, Any] = built(permits_pages.permits_page, year, district or None, tools.scope(request))
        return found

    @app.get("/api/permits", tags=["results"])
    def api_permits(request: Request, year: Year = None, district: District = None, format: str = "json") -> Any:
        """Discharge permits of ``year`` (default the latest year with permit data), as
        ``qingshan permits --json`` assembles them, within the user's part of the city (a
        city's user may choose a ``district``): permitted against actual tonnes per
        enterprise and pollutant, district totals against their quota (the regional total
        is the sum of the permits), totals by pollutant, the over-permit list ranked with its
        reasons, the over-quota list, the 四个一批 batches with the rule that gave each and the
        rule file's name and source."""
        return tools.respond(request, permits(request, year, district), _format(tools, format), "permits")

    @app.get("/permits", response_class=HTMLResponse, include_in_schema=False)
    def permits_html(request: Request, year: Year = None, district: District = None) -> HTMLResponse:
        return tools.page(request, "permits", permits(request, year, district))

    def enterprise(request: Request, entity_id: str) -> dict[str, Any]:
        found: dict[str, Any] | None = built(permits_pages.enterprise_page, entity_id, tools.scope(request))
        if found is None:
            raise tools.refused(f"没有企业 {_shown(entity_id)}", f"no enterprise {_shown(entity_id)}", 404)
        return found

    @app.get("/api/permits/{entity_id}", tags=["results"])
    def api_permits_enterprise(request: Request, entity_id: EntityId, format: str = "json") -> Any:
        """One enterprise's discharge permits, execution reports and, for every year with
        permit data, its permitted against actual tonnes with the worst 12-month window
        ending in the year, its listings and batches (an enterprise outside the user's part
        of the city is 404)."""
        return tools.respond(request, enterprise(request, entity_id), _format(tools, format),
                             f"permits-{entity_id}")

    @app.get("/permits/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def permits_enterprise_html(request: Request, entity_id: EntityId) -> HTMLResponse:
        return tools.page(request, "permits_enterprise", enterprise(request, entity_id))
