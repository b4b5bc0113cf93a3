"""Hand-made evaluation inputs (one row per enterprise-year) for the evaluation tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

DEFAULTS: dict[str, Any] = {
    "name": "企业", "district_id": "D1", "park_id": None, "industry_code": "3311", "scale": "above",
    "land_area_mu": 10.0, "start_year": 2000.0, "tax_10k_yuan": 100.0, "value_added_10k_yuan": 1000.0,
    "revenue_10k_yuan": 3000.0, "output_value_10k_yuan": 3000.0, "rd_expense_10k_yuan": 30.0, "employees": 50.0,
    "energy_tce": 400.0, "energy_tce_equal": 500.0, "electricity_kwh": 1_000_000.0,
    "net_purchased_electricity_kwh": 1_000_000.0, "co2_t": 1000.0, "co2_energy_t": 1000.0,
    "pollutant_so2_t": 1.0, "pollutant_nox_t": 1.0, "pollutant_cod_t": 0.5, "pollutant_nh3_n_t": 0.0,
    "pollutant_particulates_t": np.nan,
}


def frame(rows: list[dict[str, Any]], year: int = 2024) -> pd.DataFrame:
    """Rows with ``entity_id`` and any overrides of :data:`DEFAULTS`."""
    recs = [{**DEFAULTS, "year": year, **r} for r in rows]
    t = pd.DataFrame(recs)
    t["industry_division"] = t["industry_code"].astype("string").str.slice(0, 2)
    t["industry_group"] = t["industry_code"].astype("string").str.slice(0, 3)
    t["electricity_10k_kwh"] = t["electricity_kwh"] / 1e4
    for c in ("entity_id", "name", "district_id", "park_id", "industry_code", "scale"):
        t[c] = t[c].astype("string")
    return t
