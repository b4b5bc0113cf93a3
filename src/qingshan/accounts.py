"""The accounts engine: a validated package in, enterprise and roll-up accounts out,
each with the factor rows that produced it.

This module moves tables between the store and the kernels of
:mod:`qingshan.methods.accounts`; it computes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from qingshan.data.industry import division_name
from qingshan.data.validate import Package
from qingshan.factors import FactorSet
from qingshan.methods import accounts as k
from qingshan.methods.line_factors import line_factor_table
from qingshan.methods.rollup import LEVELS, rollup
from qingshan.store import Store

ENERGY_COLUMNS = ("entity_id", "year", "month", "carrier", "use", "quantity", "measured_ncv",
                  "measured_carbon_content", "measured_oxidation", "source_file", "source_row")
PROCESS_COLUMNS = ("entity_id", "year", "month", "material", "quantity", "cao_fraction",
                   "mgo_fraction", "calcination_fraction")
ENTITY_COLUMNS = ("entity_id", "entity_type", "name", "district_id", "park_id", "industry_code",
                  "scale", "land_area_mu", "lon", "lat", "start_year")
ECONOMICS_COLUMNS = ("entity_id", "year", "output_value_10k_yuan", "value_added_10k_yuan",
                     "revenue_10k_yuan", "tax_10k_yuan", "employees", "rd_expense_10k_yuan")
PRODUCTION_COLUMNS = ("entity_id", "year", "product", "quantity", "unit", "energy_share")


@dataclass
class AccountResult:
    """Accounts of one run, with their lineage."""

    monthly: pd.DataFrame
    yearly: pd.DataFrame
    rollups: dict[str, pd.DataFrame]
    products: pd.DataFrame
    factor_usage: pd.DataFrame
    factor_set: dict[str, Any]
    citations: dict[str, dict[str, str]]
    notes: list[dict[str, Any]] = field(default_factory=list)


def _typed(frame: pd.DataFrame, columns: tuple[str, ...], ints: tuple[str, ...] = (),
           floats: tuple[str, ...] = ()) -> pd.DataFrame:
    out = frame.loc[:, list(columns)].copy()
    for c in columns:
        if c in ints:
            out[c] = out[c].astype("int64")
        elif c in floats:
            out[c] = out[c].astype("float64")
        else:
            out[c] = out[c].astype(object).where(out[c].notna(), None).astype("string")
    return out


def store_tables(pkg: Package, fs: FactorSet) -> dict[str, pd.DataFrame]:
    """The tables an account needs, typed for the store (canonical units)."""
    en = pkg.energy.rename(columns={"_file": "source_file", "_row": "source_row"})
    energy = _typed(en, ENERGY_COLUMNS, ints=("year", "month", "source_row"),
                    floats=("quantity", "measured_ncv", "measured_carbon_content", "measured_oxidation"))
    process = _typed(pkg.process, PROCESS_COLUMNS, ints=("year", "month"),
                     floats=("quantity", "cao_fraction", "mgo_fraction", "calcination_fraction"))
    entities = _typed(pkg.entities, ENTITY_COLUMNS, floats=("land_area_mu", "lon", "lat", "start_year"))
    economics = _typed(pkg.economics, ECONOMICS_COLUMNS, ints=("year",),
                       floats=ECONOMICS_COLUMNS[2:])
    production = _typed(pkg.production, PRODUCTION_COLUMNS, ints=("year",),
                        floats=("quantity", "energy_share"))
    years = sorted(set(energy["year"]) | set(process["year"]) | set(economics["year"]))
    return {
        "entities": entities, "energy": energy, "process": process, "economics": economics,
        "production": production, "line_factors": line_factor_table(fs, [int(y) for y in years]),
        "process_factors": fs.process[["material", "method", "tco2_per_t", "factor_id"]].copy(),
    }


def load(store: Store, pkg: Package, fs: FactorSet) -> None:
    """Write a validated package and its factor tables into the store (one transaction)."""
    store.replace_tables(store_tables(pkg, fs))


def compute(store: Store, fs: FactorSet, *, years: list[int] | None = None) -> AccountResult:
    """Run the kernels on the tables in ``store``; ``years`` limits the output."""
    energy, process = store.table("energy"), store.table("process")
    if years:
        energy = energy.filter(energy.year.isin(years))
        process = process.filter(process.year.isin(years))
    monthly_x = k.monthly_accounts(energy, store.table("line_factors"), process,
                                   store.table("process_factors"))
    # Intermediate results stay in the store, so the large join runs once and nothing
    # makes a round trip through Python between kernels.
    store.materialize("_accounts_monthly", monthly_x)
    entities_t = store.table("entities")
    yearly_x = k.yearly_accounts(store.table("_accounts_monthly"), store.table("economics"), entities_t)
    store.materialize("_accounts_yearly", yearly_x)
    monthly = store.execute(store.table("_accounts_monthly").order_by(list(k.MONTH_KEYS)))
    yearly = store.execute(store.table("_accounts_yearly").order_by(["entity_id", "year"]))
    city = store.execute(entities_t.filter(entities_t.entity_type == "city").select("entity_id"))
    city_id = str(city["entity_id"].iloc[0]) if len(city) else "city"
    ytab = store.table("_accounts_yearly")
    rollups = {lvl: store.execute(rollup(ytab, lvl, city_id).order_by(["unit_id", "year"]))
               for lvl in LEVELS}
    names = store.execute(entities_t.select("entity_id", "name"))
    name_of = dict(zip(names["entity_id"], names["name"], strict=True))
    for lvl, frame in rollups.items():
        ids = frame["unit_id"].astype(str)
        frame["unit_name"] = ids.map(lambda c: division_name(c, "zh")) if lvl == "industry" else ids.map(name_of)
    usage_x = k.factor_usage(energy, store.table("line_factors"), process, store.table("process_factors"))
    usage = store.execute(usage_x.order_by(["entity_id", "year", "factor_id"]))
    products = product_intensity(yearly, store.execute(store.table("production")))
    used = sorted(set(usage["factor_id"]))
    citations = {fid: fs.citations.get(fid, {"document": "measured by the enterprise (实测值)",
                                             "edition": "", "clause": "", "tag": "", "note": ""})
                 for fid in used}
    notes = fallback_notes(store.execute(store.table("line_factors")), sorted(set(yearly["year"])))
    return AccountResult(monthly=monthly, yearly=yearly, rollups=rollups, products=products,
                         factor_usage=usage, factor_set=fs.describe(), citations=citations,
                         notes=notes)


def product_intensity(yearly: pd.DataFrame, production: pd.DataFrame) -> pd.DataFrame:
    """Energy and CO2 per unit of product (GB/T 2589-2020 单位产品综合能耗).

    A single product takes the enterprise's whole account; several products need their
    ``energy_share`` (validation warns otherwise) and rows without one get no intensity.
    """
    if production.empty:
        return production.assign(energy_tce=[], co2_t=[], energy_kgce_per_unit=[], co2_t_per_unit=[])
    n = production.groupby(["entity_id", "year"])["product"].transform("count")
    share = production["energy_share"].where(production["energy_share"].notna(),
                                             (n == 1).map({True: 1.0, False: float("nan")}))
    m = production.assign(share=share).merge(
        yearly[["entity_id", "year", "energy_tce", "co2_t"]], on=["entity_id", "year"], how="left")
    m["energy_tce"] = m["energy_tce"] * m["share"]
    m["co2_t"] = m["co2_t"] * m["share"]
    q = m["quantity"].where(m["quantity"] > 0)
    m["energy_kgce_per_unit"] = m["energy_tce"] * 1000.0 / q
    m["co2_t_per_unit"] = m["co2_t"] / q
    return m.drop(columns=["share"])


def fallback_notes(line_factors: pd.DataFrame, years: list[int]) -> list[dict[str, Any]]:
    """One note per year whose grid or 等价值 factor comes from another year."""
    elec = line_factors[line_factors["is_electricity"]]
    notes = []
    for _, r in elec[elec["year"].isin(years)].iterrows():
        for kind, flag, fid, zh, en in (
                ("grid", "grid_fallback", "grid_factor_id", "电网排放因子", "grid emission factor"),
                ("electricity_equal_value", "equal_fallback", "equal_factor_id", "电力等价值折标系数",
                 "electricity equal-value coefficient")):
            if bool(r[flag]):
                y = int(r["year"])
                notes.append({"year": y, "factor": kind, "factor_id": r[fid],
                              "zh": f"{y} 年{zh}尚无公布值，采用 {r[fid]}",
                              "en": f"no published {en} for {y}; used {r[fid]}"})
    return notes
