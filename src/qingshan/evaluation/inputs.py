"""The evaluation input: one row per enterprise and year, joining the validated package
(entities, economics, pollutants) with the yearly accounts (energy, electricity, CO2).

Enterprise-years come from the economics table (an evaluation needs tax and value added);
an enterprise-year without energy rows has its energy and CO2 missing, not zero, so that a
per-energy indicator is missing rather than infinite.
"""

from __future__ import annotations

import pandas as pd

from qingshan.accounts import AccountResult
from qingshan.data.package import Package

POLLUTANTS = ("so2", "nox", "cod", "nh3_n", "particulates")
ACCOUNT_COLUMNS = ("energy_tce", "energy_tce_equal", "electricity_kwh", "net_purchased_electricity_kwh",
                   "co2_combustion_t", "co2_electricity_t", "co2_heat_t", "co2_process_t", "co2_t")


def evaluation_inputs(pkg: Package, accounts: AccountResult) -> pd.DataFrame:
    """Enterprise-years with every base quantity of :mod:`qingshan.evaluation.catalogue`.

    ``pollutant_<name>_t`` holds each pollutant (missing where the enterprise reported
    none that year); ``co2_energy_t`` is combustion + electricity + heat.
    """
    ent = pkg.entities[pkg.entities["entity_type"] == "enterprise"]
    ent = ent[["entity_id", "name", "district_id", "park_id", "industry_code", "scale", "land_area_mu",
               "start_year"]]
    eco = pkg.economics[["entity_id", "year", "output_value_10k_yuan", "value_added_10k_yuan", "revenue_10k_yuan",
                         "tax_10k_yuan", "employees", "rd_expense_10k_yuan"]]
    t = eco.merge(ent, on="entity_id", how="inner")
    acc = accounts.yearly[["entity_id", "year", *ACCOUNT_COLUMNS]]
    t = t.merge(acc, on=["entity_id", "year"], how="left")
    pol = pkg.pollutants
    if len(pol):
        wide = pol.pivot_table(index=["entity_id", "year"], columns="pollutant", values="quantity_t",
                               aggfunc="sum").reset_index()
        wide.columns = ["entity_id", "year", *(f"pollutant_{c}_t" for c in wide.columns[2:])]
        t = t.merge(wide, on=["entity_id", "year"], how="left")
    for p in POLLUTANTS:
        if f"pollutant_{p}_t" not in t.columns:
            t[f"pollutant_{p}_t"] = float("nan")
    code = t["industry_code"].astype("string")
    t["industry_division"] = code.str.slice(0, 2)
    t["industry_group"] = code.str.slice(0, 3)
    t["electricity_10k_kwh"] = t["electricity_kwh"] / 1e4
    t["co2_energy_t"] = t["co2_combustion_t"] + t["co2_electricity_t"] + t["co2_heat_t"]
    t["year"] = t["year"].astype("int64")
    for c in ("district_id", "park_id", "industry_code", "scale", "name", "entity_id"):
        t[c] = t[c].astype("string")
    return t.sort_values(["entity_id", "year"], ignore_index=True)
