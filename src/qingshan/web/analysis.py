"""Analysis in the browser (issue #16, item 4): the LMDI decomposition (``/lmdi``) and the
pathways to 2035 (``/pathways``), each the rendering of the document its JSON twin returns
(``/api/lmdi``, ``/api/pathways``: :mod:`qingshan.documents.lmdi`,
:mod:`qingshan.documents.pathways`, the same builders as ``qingshan decompose`` and
``qingshan project``). The pathways show figures of the whole city: the access table
(:mod:`qingshan.web.access`) opens them to the city's and its bureaus' users only. The LMDI
is scoped: a district's user sees its own district's decomposition by industry (the
default for it), and no other split; another district is as unknown as one that does not
exist (404); a park's or an enterprise's user is refused (403: the decomposition is made for
the city or a district).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from qingshan.documents import lmdi as lmdi_doc
from qingshan.documents import pathways as pathways_doc
from qingshan.documents.names import names
from qingshan.documents.scope import Scope, own_unit
from qingshan.web.drill import Tools, _format, _shown

if TYPE_CHECKING:
    from qingshan.city import City

From = Annotated[int | None, Query(alias="from",
                                   description="起始年（缺省：最早的数据年）/ first year (default: earliest)")]
To = Annotated[int | None, Query(alias="to", description="终止年（缺省：最近的数据年）/ last year (default: latest)")]
District = Annotated[str | None, Query(max_length=200, description="区县代码或名称 / a district, code or name")]
By = Annotated[str | None, Query(max_length=20, description="industry 或 district / industry or district")]
Scenarios = Annotated[list[str] | None,
                      Query(description="内置情景名，可重复（缺省：全部）/ shipped scenarios (default all)")]


def _district_code(city: City, text: str) -> dict[str, str | None]:
    """The district a request names, by code or by name (临江县), or ``None``."""
    return {"code": names(city).resolve("district", text)}


def _own_unit(city: City, scope: Scope) -> dict[str, str]:
    """The kind and code of the unit a user of a part of the city belongs to (empty: the
    whole city's user)."""
    unit = own_unit(city, scope)
    return {} if unit is None else {"kind": unit.kind, "code": unit.code}


def install(app: FastAPI, tools: Tools, years: Any) -> None:
    """The two pages and their twins; ``years()`` gives the data years."""

    def lmdi(request: Request, y0: int | None, y1: int | None, by: str | None, district: str | None
             ) -> dict[str, Any]:
        scope = tools.scope(request)
        own = {} if scope is None else tools.doc(_own_unit, scope)
        if own:  # a user of a part of the city: its own district, by industry
            if own["kind"] != "district":
                raise tools.refused("因素分解只针对全市或一个区县；请查看本单位的逐年和逐月数据",
                                    "the decomposition is made for the city or a district; see your own unit's "
                                    "years and months", 403)
            if by == "district":
                raise tools.refused("您只能查看本区县按行业的分解", "you may see only your own district's "
                                    "decomposition, by industry", 403)
            by, district = "industry", own["code"] if district in (None, "") else district
        by = by or "district"
        if by not in lmdi_doc.BY:
            raise tools.refused(f"参数 by 应为 {'、'.join(lmdi_doc.BY)} 之一，收到 {_shown(by)}",
                                f"by must be one of {', '.join(lmdi_doc.BY)}; got {_shown(by)}")
        have = years()
        a = tools.known_year(have[0] if y0 is None else y0)
        b = tools.known_year(have[-1] if y1 is None else y1)
        if a >= b:
            raise tools.refused(f"起始年 {a} 应早于终止年 {b}", f"from ({a}) must be before to ({b})")
        if district == "":
            district = None
        if district is not None:
            if by != "industry":
                raise tools.refused("一个区县之内只能按行业分解（by=industry）",
                                    "within a district, decompose by industry (by=industry)")
            code = tools.doc(_district_code, district)["code"]
            if code is None or (scope is not None and not scope.whole_city and code not in scope.units):
                raise tools.refused(f"没有区县 {_shown(district)}", f"no district {_shown(district)}", 404)
            district = code
        found: dict[str, Any] = tools.doc(lmdi_doc.build, a, b, by, district)
        return found

    @app.get("/api/lmdi", tags=["results"])
    def api_lmdi(request: Request, y0: From = None, y1: To = None, by: By = None, district: District = None,
                 format: str = "json") -> Any:
        """LMDI decomposition of the change of energy and CO2 (as ``qingshan decompose``) from
        ``from`` to ``to`` by ``industry`` (the default) or ``district``, over the city or
        within one ``district`` (by industry): effects, each sector's effects by name, the
        drivers. A district's user: its own district by industry."""
        found = lmdi(request, y0, y1, by or "industry", district)
        return tools.respond(request, found, _format(tools, format), "lmdi")

    @app.get("/lmdi", response_class=HTMLResponse, include_in_schema=False)
    def lmdi_page(request: Request, y0: From = None, y1: To = None, by: By = None,
                  district: District = None) -> HTMLResponse:
        found = lmdi(request, y0, y1, by, district)
        scope = tools.scope(request)
        return tools.page(request, "lmdi", {**found, "years": years(),
                                            "whole_city": scope is None or scope.whole_city})

    def pathways(scenario: list[str] | None) -> dict[str, Any]:
        known = pathways_doc.known_scenarios()
        chosen = scenario or known
        bad = [s for s in chosen if s not in known]
        if bad:  # a name, never a path
            raise tools.refused(f"未知的情景 {_shown(bad[0])}；可用：{'、'.join(known)}",
                                f"unknown scenario {_shown(bad[0])}; known: {', '.join(known)}")
        if len(set(chosen)) < len(chosen):
            raise tools.refused("每个情景只能给出一次", "name each scenario once")
        found: dict[str, Any] = tools.doc(pathways_doc.build, pathways_doc.scenarios(chosen))
        return found

    @app.get("/api/pathways", tags=["results"])
    def api_pathways(request: Request, scenario: Scenarios = None, format: str = "json") -> Any:
        """Pathways of the shipped scenarios named (as ``qingshan project --scenario NAME``),
        each at most once (default: every shipped scenario): the central path, the p5–p95
        bands and the peak years."""
        return tools.respond(request, pathways(scenario), _format(tools, format), "pathways")

    @app.get("/pathways", response_class=HTMLResponse, include_in_schema=False)
    def pathways_page(request: Request, scenario: Scenarios = None) -> HTMLResponse:
        found = pathways(scenario)
        return tools.page(request, "pathways", {**found, "known_scenarios": pathways_doc.known_scenarios(),
                                                "scenario_names": pathways_doc.scenario_names()})
