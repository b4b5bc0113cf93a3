"""Carrying-capacity inputs of the demo city 青山市 (docs/demo-city.md, "Carrying-capacity
inputs"): a ``carrying_inputs`` row per district for three years and the illustrative
``carrying_national_rates`` of the two periods between them.

Every number comes from ``spec/demo_carrying.toml`` and is a demo assumption; the national
rates are illustrative, not national statistics, and their ``source`` says so. Nothing is
random, so no other table of the demo changes.

Years, from the package's years: ``last`` the last year, ``first`` = max(first year,
last − 4), ``base`` = first − 5 (the process base of the first evaluation, process
quantities only). For the default 2020–2025 city: 2016, 2021 and 2025.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from qingshan.schema.tables import tables

SOURCE = "demo assumption (docs/demo-city.md, \"Carrying-capacity inputs\")"
#: process quantities: column → (the toml's base value key, the indicator whose rate moves it)
QUANTITIES = {"construction_land_km2": "land_per_gdp", "water_use_10k_m3": "water_per_gdp", "cod_t": "cod_per_gdp",
              "nh3n_t": "nh3n_per_gdp", "so2_t": "so2_per_gdp", "nox_t": "nox_per_gdp"}
DIGITS = {"construction_land_km2": 2, "water_use_10k_m3": 0, "cod_t": 0, "nh3n_t": 0, "so2_t": 0, "nox_t": 0}


@cache
def carrying_calibration() -> dict[str, Any]:
    """``spec/demo_carrying.toml`` (cached; do not mutate)."""
    text = resources.files("qingshan.data").joinpath("spec/demo_carrying.toml").read_text("utf-8")
    return tomllib.loads(text)


def demo_years(years: np.ndarray) -> tuple[int, int, int]:
    """``(base, first, last)`` for the package's ``years`` (``first`` may equal ``last``)."""
    last = int(np.max(years))
    first = max(int(np.min(years)), last - 4)
    return first - 5, first, last


def _row(d: dict[str, Any], year: int, base: int) -> dict[str, Any]:
    """The process quantities of ``year``, ``year − base`` years of the district's rates on."""
    n = year - base
    gdp = d["gdp"] * (1.0 + d["gdp_growth"]) ** n
    growth = (1.0 + d["gdp_growth"]) ** n
    row: dict[str, Any] = {"district_id": d["entity_id"], "year": year, "land_area_km2": d["land_area_km2"],
                           "gdp_100m_yuan": round(gdp, 2)}
    for col, ind in QUANTITIES.items():
        row[col] = round(d[col] * growth * (1.0 + d["rates"][ind]) ** n, DIGITS[col])
    row["forest_grass_cover_pct"] = round(d["forest_grass_cover_pct"] * (1.0 + d["rates"]["forest_grass_cover"]) ** n,
                                          2)
    return row


def _elements(d: dict[str, Any], row: dict[str, Any], i: int) -> dict[str, Any]:
    """The element inputs of role ``i`` (0 first, 1 last) on top of ``row``."""
    use = float(row["water_use_10k_m3"])
    ground = round(use * d["groundwater_share"], 1)
    return {"land_pressure_index": d["d"][i], "water_control_10k_m3": round(use / d["water_ratio"][i], 1),
            "groundwater_supply_10k_m3": ground,
            "groundwater_control_10k_m3": round(ground / d["groundwater_ratio"][i], 1),
            "groundwater_overexploited": d["overexploited"][i],
            "degraded_area_km2": round(d["h"][i] * d["land_area_km2"], 2)}


def demo_carrying_tables(years: np.ndarray) -> dict[str, pd.DataFrame]:
    """``carrying_inputs`` and ``carrying_national_rates`` of the demo city for the
    package's ``years``."""
    cal = carrying_calibration()
    base, first, last = demo_years(years)
    roles = [(first, 0), (last, 1)] if first != last else [(last, 1)]
    rows = []
    for d in cal["district"]:
        rows.append({**_row(d, base, base), "source": SOURCE})
        for year, i in roles:
            rows.append({**_row(d, year, base), **_elements(d, _row(d, year, base), i), "source": SOURCE})
    cols = list(tables()["carrying_inputs"].column_names)
    inputs = pd.DataFrame(rows)[cols]
    nat = cal["national"]
    periods = [(base, first)] + ([(first, last)] if first != last else [])
    rates = pd.DataFrame([{"start_year": a, "end_year": b, "indicator": k, "annual_rate": float(v),
                           "source": str(nat["source"])}
                          for a, b in periods for k, v in nat.items() if k != "source"])
    return {"carrying_inputs": inputs, "carrying_national_rates": rates}
