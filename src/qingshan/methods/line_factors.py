"""The factor table joined to every energy row: one row per (carrier, year).

Built from a :class:`~qingshan.factors.FactorSet` for the years present in the data, so
that the kernels stay a single join against a small table whatever the data size.
"""

from __future__ import annotations

import pandas as pd

from qingshan.data.spec import carriers
from qingshan.factors import FactorSet

#: Carrier categories whose rows burn fossil carbon (combustion CO2).
FOSSIL_CATEGORIES = ("coal", "coke", "oil", "gas")


def line_factor_table(fs: FactorSet, years: list[int]) -> pd.DataFrame:
    """Columns: carrier, year, is_fossil, is_electricity, is_heat, tce_per_unit,
    tce_per_unit_equal, ncv_gj_per_unit, cc_tc_per_gj, oxidation, grid_tco2_per_kwh,
    heat_tco2_per_gj, energy_factor_id, equal_factor_id, carbon_factor_id, grid_factor_id,
    grid_fallback, equal_fallback.

    ``tce_per_unit_equal`` is the 等价值 coefficient: for electricity the year's national
    average supply coal consumption of thermal power (GB/T 2589-2008 Annex A, 电力(等价值)
    "按当年火电发电标准煤耗计算"); for every other carrier the same as the 当量值.
    """
    cat = carriers()
    ys = sorted(set(int(y) for y in years)) or [0]
    base = pd.DataFrame({"carrier": list(cat)})
    base["is_fossil"] = base["carrier"].map(lambda c: cat[c].category in FOSSIL_CATEGORIES)
    base["is_electricity"] = base["carrier"] == "electricity"
    base["is_heat"] = base["carrier"] == "heat"
    base = base.merge(fs.energy.rename(columns={"factor_id": "energy_factor_id"}), on="carrier", how="left")
    base = base.merge(
        fs.fuel_carbon[["carrier", "ncv_gj_per_unit", "cc_tc_per_gj", "oxidation", "factor_id"]]
        .rename(columns={"factor_id": "carbon_factor_id"}),
        on="carrier", how="left",
    )
    grid = fs.by_year("grid", ys).rename(columns={"factor_id": "grid_factor_id", "fallback": "grid_fallback"})
    eq = fs.by_year("equal_value", ys).rename(
        columns={"factor_id": "equal_factor_id", "fallback": "equal_fallback"})
    years_df = pd.DataFrame({"year": ys}).merge(
        grid[["year", "tco2_per_kwh", "grid_factor_id", "grid_fallback"]], on="year"
    ).merge(eq[["year", "tce_per_kwh", "equal_factor_id", "equal_fallback"]], on="year")
    out = base.merge(years_df, how="cross")
    elec = out["is_electricity"]
    out["tce_per_unit_equal"] = out["tce_per_unit"].where(~elec, out["tce_per_kwh"])
    out["grid_tco2_per_kwh"] = out["tco2_per_kwh"].where(elec, 0.0)
    out["heat_tco2_per_gj"] = fs.heat_tco2_per_gj * out["is_heat"].astype(float)
    out["heat_factor_id"] = out["is_heat"].map({True: fs.heat_factor_id, False: None})
    out.loc[~elec, ["grid_factor_id", "equal_factor_id"]] = None
    out.loc[~elec, ["grid_fallback", "equal_fallback"]] = False
    cols = ["carrier", "year", "is_fossil", "is_electricity", "is_heat", "tce_per_unit",
            "tce_per_unit_equal", "ncv_gj_per_unit", "cc_tc_per_gj", "oxidation",
            "grid_tco2_per_kwh", "heat_tco2_per_gj", "energy_factor_id", "equal_factor_id",
            "carbon_factor_id", "grid_factor_id", "heat_factor_id", "grid_fallback", "equal_fallback"]
    out = out[cols].copy()
    out["year"] = out["year"].astype("int64")
    for c in ("grid_fallback", "equal_fallback", "is_fossil", "is_electricity", "is_heat"):
        out[c] = out[c].astype(bool)
    for c in ("tce_per_unit", "tce_per_unit_equal", "ncv_gj_per_unit", "cc_tc_per_gj", "oxidation",
              "grid_tco2_per_kwh", "heat_tco2_per_gj"):
        out[c] = out[c].astype("float64")
    return out.reset_index(drop=True)
