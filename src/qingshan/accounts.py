"""The accounts engine: a validated package in, enterprise and roll-up accounts out,
each with the factor rows that produced it.

This module moves tables between the store and the kernels of
:mod:`qingshan.methods.accounts`; it computes nothing itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qingshan.data.industry import division_name
from qingshan.data.package import Package
from qingshan.errors import StoreError
from qingshan.factors import FactorSet
from qingshan.methods import accounts as k
from qingshan.methods.carbon import ANODE_CITATION, ANODE_LINEAGE_ID
from qingshan.methods.carrier_rollup import enterprise_carrier_months
from qingshan.methods.coefficients import coefficient_table, factor_lookup, use_keys, year_coefficient_table
from qingshan.methods.lineage import factor_ids, process_usage
from qingshan.methods.rollup import LEVELS, rollup
from qingshan.schema.carriers import carrier_keys, carrier_table
from qingshan.store import Store

ENERGY_COLUMNS = ("entity_key", "year", "month", "carrier_key", "use_key", "quantity", "measured_ncv",
                  "measured_carbon_content", "measured_oxidation")
PROCESS_COLUMNS = ("entity_key", "year", "month", "material", "quantity", "cao_fraction",
                   "mgo_fraction", "calcination_fraction", "sulfur_fraction", "ash_fraction")
ENTITY_COLUMNS = ("entity_key", "entity_id", "entity_type", "name", "district_id", "park_id", "industry_code",
                  "scale", "land_area_mu", "lon", "lat", "start_year")
ECONOMICS_COLUMNS = ("entity_key", "year", "output_value_10k_yuan", "value_added_10k_yuan",
                     "revenue_10k_yuan", "tax_10k_yuan", "employees", "rd_expense_10k_yuan")
PRODUCTION_COLUMNS = ("entity_id", "year", "product", "quantity", "unit", "energy_share")
_INT_TYPES: dict[str, type[np.integer[Any]]] = {
    "entity_key": np.int32, "year": np.int16, "month": np.int8, "carrier_key": np.int16, "use_key": np.int8}


class AccountResult:
    """Accounts of one run, with their lineage.

    ``monthly`` (one row per enterprise and month) stays in the store as table
    ``_accounts_monthly`` and is fetched the first time it is read, so a province-scale
    run does not pull millions of rows into Python unless they are wanted.
    """

    def __init__(self, *, store: Store, yearly: pd.DataFrame, rollups: dict[str, pd.DataFrame],
                 products: pd.DataFrame, masks: pd.DataFrame, lookup: pd.DataFrame,
                 process_usage: pd.DataFrame, factor_set: dict[str, Any],
                 citations: dict[str, dict[str, str]], notes: list[dict[str, Any]]) -> None:
        self._store: Store | None = store
        self._monthly: pd.DataFrame | None = None
        self._usage: pd.DataFrame | None = None
        self._ids: pd.DataFrame | None = None
        self._masks = masks
        self._lookup = lookup
        self._process_usage = process_usage
        self.yearly = yearly
        self.rollups = rollups
        self.products = products
        self.factor_set = factor_set
        self.citations = citations
        self.notes = notes

    def release(self) -> None:
        """Let the store go without reading :attr:`monthly` (what a closing city does when
        nothing will read it: at province scale it is millions of rows)."""
        if self._monthly is None:
            self._store = None

    @property
    def monthly(self) -> pd.DataFrame:
        if self._monthly is None:
            if self._store is None:
                raise StoreError("月度核算结果未在城市关闭前读取；请在 with 块内读取 result.monthly，或显式调用 "
                                 "city.close() / the monthly accounts were not read before the city was closed: read "
                                 "result.monthly inside the with block, or call city.close(), which keeps them")
            m = k.monthly_accounts(self._store.table("_accounts_monthly"), self._store.table("year_coefficients"))
            ents = self._store.execute(self._store.table("entities").select("entity_key", "entity_id"))
            by_key = np.full(int(ents["entity_key"].max()) + 1 if len(ents) else 0, None, dtype=object)
            by_key[ents["entity_key"].to_numpy()] = ents["entity_id"].to_numpy()
            ids = pa.array(by_key, type=pa.string())  # position = entity_key
            # Sorted and labelled here rather than by the backend, one column at a time, so
            # that the rows are never held twice (3.5 M rows at province scale).
            raw = self._store.execute_arrow(m.drop(*k.MASK_COLUMNS), stream=True)
            key = raw["entity_key"].to_numpy()
            order = np.lexsort((raw["month"].to_numpy(), raw["year"].to_numpy(), key))
            cols = {"entity_id": ids.take(pa.array(key[order])).to_pandas()}
            raw = raw.drop_columns(["entity_key"])
            for c in list(raw.column_names):
                cols[c] = pd.Series(raw[c].to_numpy()[order])
                raw = raw.drop_columns([c])
            self._monthly = pd.DataFrame(cols)
        return self._monthly

    @property
    def factor_ids(self) -> pd.DataFrame:
        """(entity_id, year, factor_ids): the factor rows each enterprise-year used, a sorted
        tuple per row, expanded from the lineage masks the kernels recorded."""
        if self._ids is None:
            self._ids = factor_ids(self._masks, self._lookup, self._process_usage)
        return self._ids

    @property
    def factor_usage(self) -> pd.DataFrame:
        """The same as :attr:`factor_ids`, one row per (entity_id, year, factor_id)."""
        if self._usage is None:
            long = self.factor_ids.explode("factor_ids").dropna(subset=["factor_ids"])
            long = long.rename(columns={"factor_ids": "factor_id"})
            self._usage = long.sort_values(["entity_id", "year", "factor_id"]).reset_index(drop=True)
        return self._usage


def _typed(frame: pd.DataFrame | Mapping[str, pd.Series], columns: tuple[str, ...],
           floats: tuple[str, ...] = ()) -> pa.Table:
    """``columns`` of ``frame`` as an Arrow table of the store's types (integer keys, floats
    with NaN as null, text), column by column: no copy of the frame as a whole."""
    arrays = []
    for c in columns:
        s = frame[c]
        if c in _INT_TYPES:
            arrays.append(pa.array(s.to_numpy(dtype=_INT_TYPES[c])))
        elif c in floats:
            arrays.append(pa.array(s.to_numpy(dtype="float64"), from_pandas=True))
        else:
            arrays.append(pa.array(s.astype(object).where(s.notna(), None).to_numpy(dtype=object), type=pa.string()))
    return pa.Table.from_arrays(arrays, names=list(columns))


def _keys(values: pd.Series, key_of: Mapping[str, int]) -> pd.Series:
    """The integer key of each value, NaN where it has none (looked up once per distinct
    value of a categorical)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        table = np.array([key_of.get(str(c), np.nan) for c in values.cat.categories] + [np.nan], dtype=np.float64)
        return pd.Series(table[values.cat.codes.to_numpy()], index=values.index)
    return values.map(key_of)


def entity_ids_by_key(entity_ids: pd.Series) -> list[str]:
    """The entity ids in ``entity_key`` order: sorted by code point, so that ordering by
    the integer key orders by ``entity_id`` (the same on every backend, whatever its
    collation, and cheaper than sorting strings)."""
    return sorted(str(e) for e in entity_ids)


def store_tables(pkg: Package, fs: FactorSet) -> dict[str, pa.Table | pd.DataFrame]:
    """The tables an account needs, typed and keyed for the store (canonical units): the
    package's as Arrow tables, the coefficient tables as frames.

    Enterprises, carriers and uses become small integer keys (``entity_key``,
    ``carrier_key``, ``use_key``), so that the kernels group and join on integers.
    """
    ent = pkg.entities.reset_index(drop=True).copy()
    by_key = entity_ids_by_key(ent["entity_id"])
    key_of = {eid: i for i, eid in enumerate(by_key)}
    ent["entity_key"] = ent["entity_id"].map(key_of)
    en = pkg.energy
    keyed = {**{c: en[c] for c in ENERGY_COLUMNS if c in en.columns}, "entity_key": _keys(en["entity_id"], key_of),
             "carrier_key": _keys(en["carrier"], carrier_keys()), "use_key": _keys(en["use"], use_keys())}
    energy = _typed(keyed, ENERGY_COLUMNS, floats=("quantity", "measured_ncv", "measured_carbon_content",
                                                   "measured_oxidation"))
    pr = pkg.process.assign(entity_key=pkg.process["entity_id"].map(key_of))
    process = _typed(pr, PROCESS_COLUMNS, floats=("quantity", "cao_fraction", "mgo_fraction",
                                                  "calcination_fraction", "sulfur_fraction", "ash_fraction"))
    entities = _typed(ent, ENTITY_COLUMNS, floats=("land_area_mu", "lon", "lat", "start_year"))
    ec = pkg.economics.assign(entity_key=pkg.economics["entity_id"].map(key_of))
    economics = _typed(ec, ECONOMICS_COLUMNS, floats=ECONOMICS_COLUMNS[2:])
    production = _typed(pkg.production.assign(year=pkg.production["year"].astype("int64")), PRODUCTION_COLUMNS,
                        floats=("quantity", "energy_share"))
    production = production.set_column(production.schema.get_field_index("year"), "year",
                                       production["year"].cast(pa.int64()))
    years = sorted({int(y) for t in (energy, process, economics) for y in pc.unique(t["year"]).to_pylist()})
    return {
        "entities": entities, "energy": energy, "process": process, "economics": economics,
        "production": production, "coefficients": coefficient_table(fs, carrier_table()),
        "year_coefficients": year_coefficient_table(fs, years),
        "process_factors": fs.process[["material", "method", "tco2_per_t", "factor_id"]].copy(),
    }


def load(store: Store, pkg: Package, fs: FactorSet) -> None:
    """Write a validated package and its coefficient tables into the store (one transaction).
    The store's metadata is emptied: what it held described the tables replaced."""
    store.replace_tables(store_tables(pkg, fs), meta={})


def compute(store: Store, fs: FactorSet, *, years: list[int] | None = None) -> AccountResult:
    """Run the kernels on the tables in ``store``; ``years`` limits the output."""
    energy, process = store.table("energy"), store.table("process")
    if years:
        energy = energy.filter(energy.year.isin(years))
        process = process.filter(process.year.isin(years))
    sums_x = k.monthly_sums(energy, store.table("coefficients"), process, store.table("process_factors"))
    # The monthly sums stay in the store: the large join runs once, and the monthly
    # accounts are derived from the sums where they are read. The yearly accounts (one
    # row per enterprise-year) are fetched; the roll-ups sum them.
    store.materialize("_accounts_monthly", sums_x)
    entities_t = store.table("entities")
    yearly_x = k.yearly_accounts(store.table("_accounts_monthly"), store.table("year_coefficients"),
                                 store.table("economics"), entities_t)
    yearly = store.execute(yearly_x.order_by(["entity_key", "year"]))  # = entity_id order
    ents = store.execute(entities_t.select("entity_key", "entity_id", "entity_type", "name"))
    city = ents[ents["entity_type"] == "city"]
    city_id = str(city["entity_id"].iloc[0]) if len(city) else "city"
    name_of = pd.Series(ents["name"].to_numpy(), index=ents["entity_id"].to_numpy())
    rollups = {}
    for lvl in LEVELS:
        frame = rollup(yearly, lvl, city_id)
        ids = frame["unit_id"].astype(str)
        frame["unit_name"] = ids.map(lambda c: division_name(c, "zh")) if lvl == "industry" else ids.map(name_of)
        rollups[lvl] = frame
    data_years = sorted(int(y) for y in yearly["year"].unique())
    mats = store.execute(process.select("entity_key", "year", "material").distinct())
    mats.insert(0, "entity_id", pd.Series(ents["entity_id"].to_numpy(), index=ents["entity_key"].to_numpy())
                .reindex(mats["entity_key"].to_numpy()).to_numpy())
    lookup = factor_lookup(fs, data_years, carrier_table())
    masks = yearly[["entity_id", "year", *k.MASK_COLUMNS]].copy()
    proc_usage = process_usage(mats, fs.process)
    # The rows used anywhere: expand the OR of each year's masks (one row per year).
    union = masks.groupby("year")[list(k.MASK_COLUMNS)].agg(np.bitwise_or.reduce).reset_index()
    every_year = factor_ids(union.assign(entity_id="*"), lookup, proc_usage.iloc[0:0])
    used = sorted({f for ids in every_year["factor_ids"] for f in ids} | set(proc_usage["factor_id"]))
    yearly = yearly.drop(columns=[*k.MASK_COLUMNS, "entity_key"])
    products = product_intensity(yearly, store.execute(store.table("production")))
    measured = {"document": "measured by the enterprise (实测值)", "edition": "", "clause": "", "tag": "",
                "note": ""}
    method_citations = {ANODE_LINEAGE_ID: dict(ANODE_CITATION)}
    citations = {fid: fs.citations.get(fid, method_citations.get(fid, measured)) for fid in used}
    return AccountResult(store=store, yearly=yearly, rollups=rollups, products=products, masks=masks,
                         lookup=lookup, process_usage=proc_usage, factor_set=fs.describe(),
                         citations=citations, notes=fallback_notes(fs, data_years))


def carrier_months(store: Store, pkg: Package) -> pd.DataFrame:
    """Monthly energy (tce, 当量值) and CO2 (combustion, purchased electricity and heat) per
    enterprise and carrier, ordered by enterprise, year, month and carrier."""
    cells = store.execute(enterprise_carrier_months(store.table("energy"), store.table("coefficients"),
                                                    store.table("year_coefficients")))
    keys = np.array(entity_ids_by_key(pkg.entities["entity_id"]), dtype=object)
    names = list(carrier_keys())
    cells = cells.assign(entity_id=keys[cells["entity_key"].to_numpy()],
                         carrier=pd.Series(names, dtype="category").to_numpy()[cells["carrier_key"].to_numpy("int64")])
    cells = cells.sort_values(["entity_id", "year", "month", "carrier_key"])
    return cells.drop(columns=["entity_key", "carrier_key"]).reset_index(drop=True)


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


def fallback_notes(fs: FactorSet, years: list[int]) -> list[dict[str, Any]]:
    """One note per year whose grid or 等价值 factor comes from another year."""
    notes: list[dict[str, Any]] = []
    if not years:
        return notes
    for kind, table, zh, en in (("grid", "grid", "电网排放因子", "grid emission factor"),
                                ("electricity_equal_value", "equal_value", "电力等价值折标系数",
                                 "electricity equal-value coefficient")):
        for _, r in fs.by_year(table, years).iterrows():
            if bool(r["fallback"]):
                y = int(r["year"])
                notes.append({"year": y, "factor": kind, "factor_id": r["factor_id"],
                              "zh": f"{y} 年{zh}尚无公布值，采用 {r['factor_id']}",
                              "en": f"no published {en} for {y}; used {r['factor_id']}"})
    return sorted(notes, key=lambda n: (n["year"], n["factor"]))
