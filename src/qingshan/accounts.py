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

from qingshan.data.ghg_methods import method_registry
from qingshan.data.industry import division_name
from qingshan.data.package import Package
from qingshan.errors import StoreError
from qingshan.factors import FactorSet
from qingshan.methods import accounts as k
from qingshan.methods import carbon_balance as cb
from qingshan.methods.carbon import (
    ANODE_CITATION,
    ANODE_LINEAGE_ID,
    PROCESS_MEASURES,
    REDUCTANT_CITATION,
    REDUCTANT_LINEAGE_ID,
)
from qingshan.methods.carrier_rollup import enterprise_carrier_months
from qingshan.methods.coefficients import coefficient_table, factor_lookup, use_keys, year_coefficient_table
from qingshan.methods.lineage import factor_ids, gas_usage, process_usage
from qingshan.methods.non_co2 import MEASURED_N2O, MEASURED_PFC, NON_CO2_MEASURED, gas_rows
from qingshan.methods.rollup import LEVELS, rollup
from qingshan.schema.carriers import carrier_keys, carrier_table
from qingshan.store import Store

ENERGY_COLUMNS = ("entity_key", "year", "month", "carrier_key", "use_key", "quantity", "measured_ncv",
                  "measured_carbon_content", "measured_oxidation", "measured_carbon_per_unit")
PROCESS_COLUMNS = ("entity_key", "year", "month", "material", "quantity", "cao_fraction",
                   "mgo_fraction", "calcination_fraction", "sulfur_fraction", "ash_fraction",
                   *PROCESS_MEASURES)
GAS_COLUMNS = ("entity_key", "year", "month", "source", "technology", "quantity", "abatement", "abatement_use",
               "n2o_kg_per_t", "cf4_kg_per_t", "c2f6_kg_per_t")
ENTITY_COLUMNS = ("entity_key", "entity_id", "entity_type", "name", "district_id", "park_id", "industry_code",
                  "scale", "land_area_mu", "lon", "lat", "start_year")
ECONOMICS_COLUMNS = ("entity_key", "year", "output_value_10k_yuan", "value_added_10k_yuan",
                     "revenue_10k_yuan", "tax_10k_yuan", "employees", "rd_expense_10k_yuan")
MATERIAL_COLUMNS = ("entity_key", "year", "month", "material", "flow", "quantity", "carbon_fraction", "purity")
PRODUCTION_COLUMNS = ("entity_id", "year", "product", "quantity", "unit", "energy_share")
#: Columns of the monthly accounts fetched per query (:attr:`AccountResult.monthly`).
_MONTHLY_GROUP = 6
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
            # that the rows are never held twice (3.5 M rows at province scale); fetched a
            # few columns at a time, each group with the keys and released before the next,
            # so that the backend's Arrow result is never whole beside the frame.
            m = m.drop(*k.MASK_COLUMNS)
            names = [c for c in m.columns if c not in k.MONTH_KEYS]
            cols: dict[str, pd.Series] = {}
            first: list[np.ndarray] = []
            order = np.zeros(0, dtype=np.int64)
            for i in range(0, max(len(names), 1), _MONTHLY_GROUP):
                raw = self._store.execute_arrow(m.select(*k.MONTH_KEYS, *names[i:i + _MONTHLY_GROUP]), stream=True)
                keys = [raw[c].to_numpy() for c in k.MONTH_KEYS]
                if not first or not all(np.array_equal(a, b) for a, b in zip(first, keys, strict=True)):
                    order = np.lexsort((keys[2], keys[1], keys[0]))  # each group in its own order
                if not first:
                    first = keys
                    cols["entity_id"] = ids.take(pa.array(keys[0][order])).to_pandas()
                    cols["year"] = pd.Series(keys[1][order])
                    cols["month"] = pd.Series(keys[2][order])
                raw = raw.drop_columns(list(k.MONTH_KEYS))
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
                                                   "measured_oxidation", "measured_carbon_per_unit"))
    pr = pkg.process.assign(entity_key=pkg.process["entity_id"].map(key_of))
    process = _typed(pr, PROCESS_COLUMNS, floats=("quantity", "cao_fraction", "mgo_fraction",
                                                  "calcination_fraction", "sulfur_fraction", "ash_fraction",
                                                  *PROCESS_MEASURES))
    gs = pkg.gases.assign(entity_key=pkg.gases["entity_id"].map(key_of))
    gases = _typed(gs, GAS_COLUMNS, floats=("quantity", "abatement_use", "n2o_kg_per_t", "cf4_kg_per_t",
                                            "c2f6_kg_per_t"))
    entities = _typed(ent, ENTITY_COLUMNS, floats=("land_area_mu", "lon", "lat", "start_year"))
    ec = pkg.economics.assign(entity_key=pkg.economics["entity_id"].map(key_of))
    economics = _typed(ec, ECONOMICS_COLUMNS, floats=ECONOMICS_COLUMNS[2:])
    production = _typed(pkg.production.assign(year=pkg.production["year"].astype("int64")), PRODUCTION_COLUMNS,
                        floats=("quantity", "energy_share"))
    production = production.set_column(production.schema.get_field_index("year"), "year",
                                       production["year"].cast(pa.int64()))
    years = sorted({int(y) for t in (energy, process, gases, economics) for y in pc.unique(t["year"]).to_pylist()})
    return {
        "entities": entities, "energy": energy, "process": process, "economics": economics,
        "production": production, "coefficients": coefficient_table(fs, carrier_table()),
        "year_coefficients": year_coefficient_table(fs, years),
        "process_factors": fs.process[["material", "method", "tco2_per_t", "factor_id"]].copy(),
        "gases": gases,
        **balance_tables(pkg, fs, key_of),
        "n2o_generation": fs.n2o_generation[["source", "technology", "kg_n2o_per_t"]].copy(),
        "n2o_abatement": fs.n2o_abatement[["source", "abatement", "removal_fraction"]].copy(),
        "gwp": fs.gwp[["gas", "gwp"]].copy(),
    }


def balance_tables(pkg: Package, fs: FactorSet, key_of: Mapping[str, int]) -> dict[str, pa.Table | pd.DataFrame]:
    """The carbon-balance tables (:mod:`qingshan.methods.carbon_balance`): the materials rows,
    each enterprise's method (``entity_methods``), the defaults per guideline
    (``material_factors``) and the NCV and carbon content of fuels used as feedstock."""
    mt = pkg.materials.assign(entity_key=pkg.materials["entity_id"].map(key_of))
    materials = _typed(mt, MATERIAL_COLUMNS, floats=("quantity", "carbon_fraction", "purity"))
    methods = cb.assign_methods(pkg.entities, method_registry())
    methods = methods.assign(entity_key=methods["entity_id"].map(key_of).astype("int32"))
    guidelines = sorted({m.guideline for m in method_registry().methods.values() if m.guideline})
    factors = cb.material_factor_table(fs.material_carbon, fs.process, fs.fuel_carbon, guidelines)
    keys = carrier_keys()
    fc = fs.fuel_carbon[fs.fuel_carbon["carrier"].isin(keys)]
    return {
        "materials": materials,
        "entity_methods": methods[["entity_key", "ghg_method", "guideline", "balance", "supplied", "expect_balance"]],
        "material_factors": factors[["guideline", "material", "flows", "tco2_per_unit", "factor_id"]],
        "feedstock_carbon": pd.DataFrame({"carrier_key": fc["carrier"].map(keys).astype("int16").to_numpy(),
                                          "ncv_gj_per_unit": fc["ncv_gj_per_unit"].to_numpy(),
                                          "cc_tc_per_gj": fc["cc_tc_per_gj"].to_numpy()}),
    }


def load(store: Store, pkg: Package, fs: FactorSet) -> None:
    """Write a validated package and its coefficient tables into the store (one transaction).
    The store's metadata is emptied: what it held described the tables replaced."""
    store.replace_tables(store_tables(pkg, fs), meta={})


def compute(store: Store, fs: FactorSet, *, years: list[int] | None = None) -> AccountResult:
    """Run the kernels on the tables in ``store``; ``years`` limits the output."""
    energy, process, gases = store.table("energy"), store.table("process"), store.table("gases")
    if years:
        energy = energy.filter(energy.year.isin(years))
        process = process.filter(process.year.isin(years))
        gases = gases.filter(gases.year.isin(years))
    gas_x = gas_rows(gases, store.table("n2o_generation"), store.table("n2o_abatement"), store.table("gwp"),
                     k.MONTH_KEYS)
    balance_x = None
    if store.has_table("materials"):  # the carbon balance (methods/carbon_balance.py)
        materials = store.table("materials")
        if years:
            materials = materials.filter(materials.year.isin(years))
        balance_x = cb.balance_rows(materials, energy, store.table("entity_methods"), store.table("material_factors"),
                                    store.table("feedstock_carbon"), use_keys()["feedstock"])
    sums_x = k.monthly_sums(energy, store.table("coefficients"), process, store.table("process_factors"), gas_x,
                            balance_x)
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
    mats = store.execute(process.select("entity_key", "year", "material",
                                        by_raw_meal=process.raw_meal_co2_fraction.notnull()).distinct())
    mats.insert(0, "entity_id", pd.Series(ents["entity_id"].to_numpy(), index=ents["entity_key"].to_numpy())
                .reindex(mats["entity_key"].to_numpy()).to_numpy())
    lookup = factor_lookup(fs, data_years, carrier_table())
    masks = yearly[["entity_id", "year", *k.MASK_COLUMNS]].copy()
    gas_lines = store.execute(gases.select("entity_key", "year", "source", "technology", "abatement",
                                           "n2o_kg_per_t").distinct())
    gas_lines.insert(0, "entity_id", pd.Series(ents["entity_id"].to_numpy(), index=ents["entity_key"].to_numpy())
                     .reindex(gas_lines["entity_key"].to_numpy()).to_numpy())
    proc_usage = pd.concat([process_usage(mats, fs.process), gas_usage(gas_lines, fs)], ignore_index=True)
    methods, bal_usage = _balance_lineage(store, ents, energy, fs, years)
    proc_usage = pd.concat([proc_usage, bal_usage[["entity_id", "year", "factor_id"]]], ignore_index=True)
    # The rows used anywhere: expand the OR of each year's masks (one row per year).
    union = masks.groupby("year")[list(k.MASK_COLUMNS)].agg(np.bitwise_or.reduce).reset_index()
    every_year = factor_ids(union.assign(entity_id="*"), lookup, proc_usage.iloc[0:0])
    used = sorted({f for ids in every_year["factor_ids"] for f in ids} | set(proc_usage["factor_id"]))
    yearly = yearly.drop(columns=[*k.MASK_COLUMNS, "entity_key"])
    yearly["ghg_method"] = yearly["entity_id"].map(dict(zip(methods["entity_id"], methods["ghg_method"],
                                                            strict=True))).fillna(cb.GENERAL)
    products = product_intensity(yearly, store.execute(store.table("production")))
    measured = {"document": "measured by the enterprise (实测值)", "edition": "", "clause": "", "tag": "",
                "note": ""}
    method_citations = {ANODE_LINEAGE_ID: dict(ANODE_CITATION), REDUCTANT_LINEAGE_ID: dict(REDUCTANT_CITATION),
                        MEASURED_N2O: dict(NON_CO2_MEASURED[MEASURED_N2O]),
                        MEASURED_PFC: dict(NON_CO2_MEASURED[MEASURED_PFC])}
    citations = {fid: fs.citations.get(fid, method_citations.get(fid, measured)) for fid in used}
    return AccountResult(store=store, yearly=yearly, rollups=rollups, products=products, masks=masks,
                         lookup=lookup, process_usage=proc_usage, factor_set=fs.describe(),
                         citations=citations, notes=fallback_notes(fs, data_years) + balance_notes(bal_usage)
                         + missing_balance_notes(methods, yearly, bal_usage))


def _balance_lineage(store: Store, ents: pd.DataFrame, energy: Any, fs: FactorSet, years: list[int] | None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each enterprise's method (entity_id, ghg_method, guideline, balance) and what its
    carbon balance used (:func:`qingshan.methods.carbon_balance.balance_usage`)."""
    cols = ["entity_id", "ghg_method", "guideline", "balance", "expect_balance"]
    if not store.has_table("materials"):
        return pd.DataFrame(columns=cols), cb.balance_usage(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(columns=cols),
                                                            pd.DataFrame(), fs.fuel_carbon)
    id_of = pd.Series(ents["entity_id"].to_numpy(), index=ents["entity_key"].to_numpy())
    methods = store.execute(store.table("entity_methods"))
    methods.insert(0, "entity_id", id_of.reindex(methods["entity_key"].to_numpy()).to_numpy())
    mt = store.table("materials")
    if years:
        mt = mt.filter(mt.year.isin(years))
    mats = store.execute(mt.select("entity_key", "year", "material", "flow", "carbon_fraction").distinct())
    mats.insert(0, "entity_id", id_of.reindex(mats["entity_key"].to_numpy()).to_numpy())
    fe = energy.filter(energy.use_key == use_keys()["feedstock"])
    measured = (fe.measured_ncv.notnull() | fe.measured_carbon_content.notnull())
    feed = store.execute(fe.select("entity_key", "year", "carrier_key", measured=measured).distinct())
    feed.insert(0, "entity_id", id_of.reindex(feed["entity_key"].to_numpy()).to_numpy())
    feed["carrier"] = np.array(list(carrier_keys()), dtype=object)[feed["carrier_key"].to_numpy("int64")]
    factors = store.execute(store.table("material_factors"))
    usage = cb.balance_usage(mats, feed, methods, factors, fs.fuel_carbon)
    return methods[cols], usage


def missing_balance_notes(methods: pd.DataFrame, yearly: pd.DataFrame, usage: pd.DataFrame) -> list[dict[str, Any]]:
    """One note per enterprise-year of a sector whose guideline expects a carbon balance
    (``expect_balance`` in ghg_methods.toml: steel, coking, ammonia) that reported none: its
    process CO2 is then only what its ``process`` rows give, and the output says so."""
    if methods.empty or "expect_balance" not in methods:
        return []
    expect = methods[methods["expect_balance"].astype(bool)]
    method_of = dict(zip(expect["entity_id"].astype(str), expect["ghg_method"].astype(str), strict=True))
    pairs = usage[["entity_id", "year"]].drop_duplicates() if len(usage) else usage
    have = {(str(e), int(y)) for e, y in zip(pairs["entity_id"].tolist(), pairs["year"].tolist(), strict=True)}
    notes: list[dict[str, Any]] = []
    rows = yearly[yearly["entity_id"].astype(str).isin(method_of)]
    for eid, year in sorted({(str(e), int(y)) for e, y in zip(rows["entity_id"], rows["year"], strict=True)}):
        if (eid, year) in have:
            continue
        m = method_of[eid]
        notes.append({"year": year, "entity_id": eid, "factor": "carbon_balance", "factor_id": "",
                      "zh": f"{eid} {year} 年（核算方法 {m}）未填报碳平衡（含碳物料），工业过程排放仅含工业过程表所填",
                      "en": f"{eid} {year} (method {m}): no carbon balance (materials rows) was reported; its "
                            "process CO2 is only what its process rows give"})
    return notes


def balance_notes(usage: pd.DataFrame) -> list[dict[str, Any]]:
    """One note per enterprise-year whose carbon balance took a guideline default for a
    material without a measured carbon content (or a feedstock without measured NCV and CC)."""
    notes: list[dict[str, Any]] = []
    if not len(usage):
        return notes
    used = usage[usage["default"].astype(bool) & usage["entity_id"].notna() & usage["year"].notna()]
    # One pass over plain lists (a pandas group per enterprise-year cost seconds at 50 000).
    groups: dict[tuple[Any, Any], tuple[set[str], set[str]]] = {}
    for e, y, f, m in zip(used["entity_id"].tolist(), used["year"].tolist(), used["factor_id"].tolist(),
                          used["material"].tolist(), strict=True):
        ids_of, mats_of = groups.setdefault((e, y), (set(), set()))
        ids_of.add(str(f))
        mats_of.add(str(m))
    for key in sorted(groups):
        eid, year = str(key[0]), int(key[1])
        ids = ", ".join(sorted(groups[key][0]))
        mats = "、".join(sorted(groups[key][1]))
        notes.append({"year": year, "entity_id": eid, "factor": "material_carbon", "factor_id": ids,
                      "zh": f"{eid} {year} 年碳平衡中 {mats} 无实测含碳量，采用指南缺省值 {ids}",
                      "en": f"{eid} {year}: no measured carbon content for {mats} in the carbon balance; "
                            f"used the guideline default {ids}"})
    return notes


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
