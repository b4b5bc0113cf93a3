"""The accounts document (docs/accounting.md, "Outputs"): enterprise-years with the factor
rows each used, roll-ups to park, district, industry and city, products, the factor set
and every factor row's citation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan import __version__
from qingshan.accounts import AccountResult
from qingshan.documents.scope import Scope
from qingshan.documents.values import records

if TYPE_CHECKING:
    from qingshan.city import City

#: The fields every enterprise-year record carries (docs/accounting.md).
ENTERPRISE_FIELDS = (
    "entity_id", "name", "year", "district_id", "park_id", "industry_code", "scale",
    "months_reported", "energy_tce", "energy_tce_equal", "feedstock_tce", "non_industrial_tce",
    "renewable_electricity_kwh", "renewable_tce", "electricity_kwh",
    "net_purchased_electricity_kwh", "net_purchased_heat_gj", "co2_t", "co2_scope1_t",
    "co2_scope2_t", "co2_combustion_t", "co2_process_t", "co2_fixed_t", "co2_recovered_t", "ghg_method",
    "co2_electricity_t", "co2_heat_t", "n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e", "ghg_t_co2e",
    "value_added_10k_yuan", "output_value_10k_yuan", "energy_per_va", "co2_per_va",
)
ROLLUP_FIELDS = (
    "level", "unit_id", "unit_name", "year", "enterprises", "energy_tce", "energy_tce_equal", "feedstock_tce",
    "renewable_tce", "electricity_kwh", "co2_t", "co2_scope1_t", "co2_scope2_t",
    "co2_process_t", "co2_fixed_t", "co2_recovered_t", "n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e",
    "ghg_t_co2e", "value_added_10k_yuan", "energy_tce_with_va", "co2_t_with_va", "energy_per_va", "co2_per_va",
)


def select_years(frame: pd.DataFrame, years: list[int] | None) -> pd.DataFrame:
    return frame if not years else frame[frame["year"].isin(years)]


def account_document(result: AccountResult, years: list[int] | None = None,
                     units: frozenset[str] | None = None) -> dict[str, Any]:
    """The accounts of ``years`` (all when ``None``) as a JSON-ready document; with ``units``,
    only those enterprises, their products and the roll-ups of those districts and parks
    (filtered before any record is made)."""
    def mine(frame: pd.DataFrame, column: str = "entity_id") -> pd.DataFrame:
        frame = select_years(frame, years)
        return frame if units is None or column not in frame.columns else frame[frame[column].astype(str).isin(units)]

    yearly = mine(result.yearly)
    usage = mine(result.factor_ids)
    ids = {(e, int(y)): list(f) for e, y, f in usage.itertuples(index=False)}
    ents = records(yearly, ENTERPRISE_FIELDS)
    for rec in ents:
        rec["factor_ids"] = ids.get((rec["entity_id"], rec["year"]), [])
    levels = result.rollups if units is None else {k: v for k, v in result.rollups.items() if k in ("district", "park")}
    rollups = {lvl: records(mine(df, "unit_id"), ROLLUP_FIELDS) for lvl, df in levels.items()}
    return {
        "qingshan_version": __version__,
        "years": years or sorted(int(y) for y in result.yearly["year"].unique()),
        "factor_set": result.factor_set,
        "factors": result.citations,
        "notes": [n for n in result.notes if not years or n["year"] in years],
        "enterprises": ents,
        "rollups": rollups,
        "products": records(mine(result.products)) if units is None or "entity_id" in result.products.columns
        else [],
    }


def build(city: City, years: list[int] | None = None, scope: Scope | None = None) -> dict[str, Any]:
    """The city's accounts of ``years`` under its profile; within ``scope``, only its
    enterprises, products and the roll-ups of its own districts and parks (the city's and
    the industries' totals are figures of the whole city)."""
    scoped = scope is not None and not scope.whole_city
    doc = account_document(city.accounts(), years, scope.units if scope is not None and scoped else None)
    head = city.header(max(years) if years else city.latest_year)
    return {**head, **doc, "factor_set": head["factor_set"]}
