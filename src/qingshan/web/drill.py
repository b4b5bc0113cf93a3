"""The drill-down pages (issue #16): a district, a park and an industry division, each with
its JSON twin, and the measures by group; the city's level is the overview (``/``).

Each page is the rendering of :mod:`qingshan.documents.levels` or
:mod:`qingshan.documents.measures` on the served city, for the year and scheme in the URL,
within the user's scope (a unit outside it answers 404 as one that does not exist).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from qingshan.documents import levels as levels_doc
from qingshan.documents import measures as measures_doc
from qingshan.documents.months import MonthRangeError
from qingshan.documents.scope import Scope

#: a month of a range (``YYYY-MM``), checked by :mod:`qingshan.documents.months`
MonthText = Annotated[str | None, Query(max_length=7)]
#: the URL segment of each level's pages, and the level it shows
ROUTES = {"districts": "district", "parks": "park", "industries": "industry"}
_WHAT = {"district": ("区县", "district"), "park": ("园区", "park"), "industry": ("行业", "industry")}


@dataclass(frozen=True)
class Tools:
    """What the drill-down routes share with the application's other pages."""

    page: Callable[[Request, str, dict[str, Any]], HTMLResponse]
    respond: Callable[[Request, dict[str, Any], str, str], Any]
    doc: Callable[..., dict[str, Any]]
    known_year: Callable[[int | None], int]
    known_scheme: Callable[[str | None], str | None]
    scope: Callable[[Request], Scope | None]
    refused: Callable[..., HTTPException]
    formats: tuple[str, ...] = ("json", "xlsx")


def install(app: FastAPI, tools: Tools) -> None:
    def level(request: Request, kind: str, code: str, year: int | None, scheme: str | None,
              from_month: str | None = None, to_month: str | None = None) -> dict[str, Any]:
        try:
            found: dict[str, Any] | None = tools.doc(levels_doc.build, kind, code, tools.known_year(year),
                                                     tools.known_scheme(scheme), tools.scope(request),
                                                     from_month, to_month)
        except MonthRangeError as exc:  # a month the data do not hold, a range backwards: 422
            raise tools.refused(exc.zh, exc.en) from exc
        if found is None:
            zh, en = _WHAT[kind]
            raise tools.refused(f"没有{zh} {_shown(code)}", f"no {en} {_shown(code)}", 404)
        return found

    for segment, kind in ROUTES.items():
        _level_routes(app, tools, segment, kind, level)

    def measures(request: Request, year: int | None, scheme: str | None) -> dict[str, Any]:
        return tools.doc(measures_doc.build, tools.known_year(year), tools.known_scheme(scheme),
                         tools.scope(request))

    @app.get("/api/measures", tags=["pages"])
    def api_measures(request: Request, year: int | None = None, scheme: str | None = None,
                     format: str = "json") -> Any:
        """Surcharges and other measures of ``year`` (default the latest) under ``scheme``
        (default the profile's) by district, park, industry division and class, each
        grouping adding up to the total; within the user's part of the city."""
        return tools.respond(request, measures(request, year, scheme), _format(tools, format), "measures")

    @app.get("/measures", response_class=HTMLResponse, include_in_schema=False)
    def measures_page(request: Request, year: int | None = None, scheme: str | None = None) -> HTMLResponse:
        return tools.page(request, "measures", measures(request, year, scheme))


def _shown(value: str) -> str:
    """A request's value as a message quotes it: at most 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…'"


def _format(tools: Tools, fmt: str) -> str:
    if fmt not in tools.formats:
        raise tools.refused(f"参数 format 应为 {'、'.join(tools.formats)} 之一，收到 {_shown(fmt)}",
                            f"format must be one of {', '.join(tools.formats)}; got {_shown(fmt)}")
    return fmt


def _level_routes(app: FastAPI, tools: Tools, segment: str, kind: str,
                  level: Callable[..., dict[str, Any]]) -> None:
    zh, en = _WHAT[kind]

    def api(request: Request, code: str, year: int | None = None, scheme: str | None = None,
            from_month: MonthText = None, to_month: MonthText = None, format: str = "json") -> Any:
        found = level(request, kind, code, year, scheme, from_month, to_month)
        return tools.respond(request, found, _format(tools, format), f"{kind}-{code}")

    api.__doc__ = (f"One {en} ({zh}) of ``year`` (default the latest): energy, CO2 and intensities by year, "
                   "the year's change and its parent's figures, classes and grades under ``scheme`` (default "
                   "the profile's), measures, targets, the units below it, and its months ``from_month``–"
                   "``to_month`` (YYYY-MM, default the year's) with their change on the month before and on "
                   "the same month a year before.")
    app.add_api_route(f"/api/{segment}/{{code}}", api, methods=["GET"], tags=["pages"], name=f"api_{kind}")

    def html(request: Request, code: str, year: int | None = None, scheme: str | None = None,
             from_month: MonthText = None, to_month: MonthText = None) -> HTMLResponse:
        return tools.page(request, "level", level(request, kind, code, year, scheme, from_month, to_month))

    app.add_api_route(f"/{segment}/{{code}}", html, methods=["GET"], response_class=HTMLResponse,
                      include_in_schema=False, name=f"page_{kind}")
