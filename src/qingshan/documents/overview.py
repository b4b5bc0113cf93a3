"""The overview page's document: the city's energy, CO2 and intensities by year, its
districts in the latest year and the latest colour of every target."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qingshan.documents import targets as targets_doc
from qingshan.documents.values import records

if TYPE_CHECKING:
    from qingshan.city import City


def build(city: City) -> dict[str, Any]:
    result = city.accounts()
    year = city.latest_year
    c = result.rollups["city"].sort_values("year")
    d = result.rollups["district"]
    d = d[d["year"] == year].sort_values("unit_id")
    return {**city.header(year), "year": year,
            "city": records(c[["year", "energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va",
                               "co2_per_va"]]),
            "districts": records(d[["unit_id", "unit_name", "enterprises", "energy_tce", "co2_t", "energy_per_va",
                                    "co2_per_va"]]),
            "targets": targets_doc.build(city)["latest"], "factor_set_name": result.factor_set["name"],
            "notes": result.notes}
