"""The overview page's document: energy, CO2 and intensities by year, the units one level
below in the latest year, and the latest colour of every target.

For the city's, a bureau's or a department's user it is the whole city's: its series, its
districts and every target. For a district's or park's user (issue #14: every page honours
scope) it is that unit's: its own series (the accounts' district or park roll-up), its parks
(a district's; a park lists itself) and the targets set for it; for an enterprise's user, its
own yearly figures. Nothing of another unit enters it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qingshan.documents import levels
from qingshan.documents import targets as targets_doc
from qingshan.documents.names import names
from qingshan.documents.scope import own_unit
from qingshan.documents.values import records

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.documents.scope import Scope

SERIES = ["year", "energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va", "co2_per_va"]
UNITS = ["unit_id", "unit_name", "enterprises", "energy_tce", "co2_t", "energy_per_va", "co2_per_va"]


def build(city: City, scope: Scope | None = None, year: int | None = None, scheme: str | None = None,
          from_month: str | None = None, to_month: str | None = None) -> dict[str, Any]:
    """The overview of ``year`` (default the latest; the series are every year's) for the
    user's unit; ``level`` holds its drill-down panels (:mod:`qingshan.documents.levels`,
    classes under ``scheme``, default the profile's; its months ``from_month``–``to_month``,
    YYYY-MM, default the year's), ``None`` for an enterprise's user."""
    result = city.accounts()
    year = city.latest_year if year is None else year
    plan = targets_doc.build(city)
    latest = plan["latest"]
    unit = None if scope is None else own_unit(city, scope)
    if unit is None or scope is None:
        c = result.rollups["city"].sort_values("year")
        d = result.rollups["district"]
        d = d[d["year"] == year].sort_values("unit_id")
        return {**city.header(year), "year": year, "unit": None, "below": "district",
                "city": records(c[SERIES]), "districts": records(d[UNITS]), "targets": latest,
                "schedule": targets_doc.schedule_of(plan, {str(t["target_id"]) for t in latest}),
                "level": levels.build(city, "city", names(city).city_code, year, scheme, scope, from_month, to_month),
                "factor_set_name": result.factor_set["name"], "notes": result.notes}
    kind, code = unit.kind, unit.code
    if kind in ("district", "park"):
        own = result.rollups[kind]
        series = own[own["unit_id"] == code].sort_values("year")
        parks = result.rollups["park"]
        below = parks[(parks["year"] == year) & parks["unit_id"].astype(str).isin(scope.units)].sort_values("unit_id")
        units = records(below[UNITS])
    else:  # an enterprise: its own yearly figures
        yearly = result.yearly
        series = yearly[yearly["entity_id"] == code].sort_values("year")
        units = []
    own_targets = [t for t in latest if t["level"] == kind and str(t["entity"]) == code]
    return {**city.header(year), "year": year,
            "unit": {"code": code, "kind": kind, "name": unit.name},
            "below": "park" if units else None,
            "city": records(series[SERIES]), "districts": units,
            "targets": own_targets,
            "schedule": targets_doc.schedule_of(plan, {str(t["target_id"]) for t in own_targets}),
            "level": (levels.build(city, kind, code, year, scheme, scope, from_month, to_month)
                      if kind in levels.KINDS else None),
            "factor_set_name": result.factor_set["name"], "notes": result.notes}
