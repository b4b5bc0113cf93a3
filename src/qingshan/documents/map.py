"""The one-map's document: district and park boundaries (GeoJSON), enterprises with
coordinates, industry (its division's name in both languages), class, carbon grade and
accounts in the latest year, and each district's
worst target colour with the targets behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.data.boundaries import feature_collection
from qingshan.data.industry import division_name
from qingshan.documents import targets as targets_doc
from qingshan.documents.enterprises import classes
from qingshan.documents.scope import Scope
from qingshan.documents.values import records

if TYPE_CHECKING:
    from qingshan.city import City

COLOURINGS = ("class", "grade")


def build(city: City, colour: str = "class", scope: Scope | None = None) -> dict[str, Any]:
    """The one-map of the latest year: the enterprises in ``scope`` with their figures, and
    the outlines of the districts and parks in it."""
    year = city.latest_year
    ent = city.package.entities
    if scope is not None:
        ent = scope.keep(ent)
    firms = ent[(ent["entity_type"] == "enterprise") & ent["lon"].notna() & ent["lat"].notna()]
    y = city.accounts().yearly
    y = y[y["year"] == year][["entity_id", "energy_tce", "co2_t"]]
    ev = classes(city.evaluation_or_none(year))[["entity_id", "class", "carbon_grade"]]
    t = firms[["entity_id", "name", "lon", "lat", "district_id", "park_id", "industry_code"]]
    t = t.merge(y, on="entity_id", how="left").merge(ev, on="entity_id", how="left")
    division = t["industry_code"].astype(str).str[:2]
    t = t.assign(industry_name=division.map(lambda d: division_name(d, "zh")),
                 industry_name_en=division.map(lambda d: division_name(d, "en")),
                 carbon_grade=t["carbon_grade"].map(lambda g: None if pd.isna(g) else str(int(g))))
    return {**city.header(year), "year": year, "colour": colour if colour in COLOURINGS else "class",
            "areas": feature_collection(city.package.boundaries, ent),
            "district_colours": {d: c for d, c in targets_doc.build(city)["district_colours"].items()
                                 if scope is None or scope.whole_city or d in scope.units},
            "enterprises": records(t.sort_values("entity_id"))}
