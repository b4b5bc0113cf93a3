"""The accounts of :func:`qingshan.accounts.compute`, written a second time in plain pandas.

This is the baseline of ``benchmarks/bench_accounts.py`` and, in
``tests/test_pandas_baseline.py``, an independent implementation that cross-checks the
engine. It reads the same store tables (canonical units, the integer keys of
:func:`qingshan.accounts.store_tables`: ``entity_key``, ``carrier_key``, ``use_key``) but
**not** the engine's ``coefficients`` table: it rebuilds its own factor arrays per
(carrier, year) from the factor set and restates the rules from the method docs rather
than importing the kernels. Only the key conventions (which carrier and which use a key
stands for) come from :mod:`qingshan.methods.coefficients`. The rules:

* 综合能耗 (GB/T 2589-2020) with the sign of the row's use (fuel, feedstock and
  self-generated renewable +1, export −1, non-industrial 0); a measured NCV replaces the
  tabulated coefficient as NCV / 29.3076; electricity 等价值 per year;
* combustion CO2 = FC × NCV × CC × OF × 44/12 for fossil carriers, burnt only by fuel (+1)
  and export (−1) rows, measured NCV, CC and OF each taking precedence over the default;
  net purchased electricity and heat × the year's grid factor and the heat factor;
* process CO2: stoichiometric factor × calcination fraction (default 1) for carbonates,
  net anode consumption × (1 − sulphur − ash) × 44/12 for ``anode`` rows (GB/T 32151.4-2015
  5.2), CaO × 44/56 + MgO × 44/40 (from the process-factor table) for everything else;
* monthly sums per enterprise, yearly sums with value added and the entity's
  attributes, roll-ups to city, district, park and industry as ratios of sums;
* product intensities; the factor rows used per enterprise-year (a carrier present uses
  its standard-coal coefficient and, for electricity, the year's 等价值; a carrier burnt
  or sold uses its carbon defaults, the grid factor or the heat factor; measured
  parameters are ``measured:<carrier>``; process materials their process factors, anodes
  ``measured:anode``); the
  fallback notes of years without a published factor.

Only pandas and numpy compute here (no DuckDB, no polars); pyarrow reads Parquet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from qingshan.data.industry import division_name
from qingshan.factors import FactorSet, load_factor_set
from qingshan.methods.constants import CO2_PER_C, GJ_PER_TCE
from qingshan.schema.carriers import carriers

#: How a row's use enters 综合能耗 (docs/accounting.md, "Boundary").
COUNTED = {"fuel": 1.0, "feedstock": 1.0, "self_generated_renewable": 1.0, "export": -1.0,
           "non_industrial": 0.0}
#: How a row's use enters combustion CO2 and net purchases.
BURNT = {"fuel": 1.0, "export": -1.0}
USES = list(COUNTED)
#: Carrier categories that burn fossil carbon.
FOSSIL = ("coal", "coke", "oil", "gas")
ENERGY_SUMS = ["energy_tce", "energy_tce_equal", "feedstock_tce", "non_industrial_tce",
               "renewable_electricity_kwh", "renewable_tce", "electricity_kwh"]
CARBON_SUMS = ["co2_combustion_t", "net_purchased_electricity_kwh", "co2_electricity_t",
               "net_purchased_heat_gj", "co2_heat_t"]
LINE_SUMS = [*ENERGY_SUMS, *CARBON_SUMS]
SUMS = [*LINE_SUMS, "co2_process_t"]
ADDITIVE = [*SUMS, "co2_scope1_t", "co2_scope2_t", "co2_t"]
KEYS = ["entity_id", "year", "month"]
LEVELS: dict[str, str | None] = {"city": None, "district": "district_id", "park": "park_id",
                                 "industry": "industry_division"}
ENTITY_ATTRS = ["entity_id", "name", "district_id", "park_id", "industry_code", "scale"]
_NUMERIC = ["tce", "tce_equal", "ncv", "cc", "oxidation", "grid", "heat"]
_FLAGS = ["is_fossil", "is_electricity", "is_heat"]

#: Columns the baseline reads, if the table has them; strings as categoricals.
READ: dict[str, list[str]] = {
    "energy": ["entity_key", "entity_id", "year", "month", "carrier_key", "carrier", "use_key",
               "use", "quantity", "measured_ncv", "measured_carbon_content", "measured_oxidation"],
    "process": ["entity_key", "entity_id", "year", "month", "material", "quantity",
                "cao_fraction", "mgo_fraction", "calcination_fraction", "sulfur_fraction",
                "ash_fraction"],
    "entities": ["entity_key", "entity_id", "entity_type", "name", "district_id", "park_id",
                 "industry_code", "scale"],
    "economics": ["entity_key", "entity_id", "year", "value_added_10k_yuan",
                  "output_value_10k_yuan"],
    "production": ["entity_id", "year", "product", "quantity", "unit", "energy_share"],
}
CATEGORICAL = {"entity_id", "carrier", "use", "material"}


@dataclass
class Result:
    monthly: pd.DataFrame
    yearly: pd.DataFrame
    rollups: dict[str, pd.DataFrame]
    products: pd.DataFrame
    factor_usage: pd.DataFrame
    notes: list[dict[str, Any]] = field(default_factory=list)


def load(d: Path) -> dict[str, pd.DataFrame]:
    """Read the tables the accounts need from ``d``/<table>.parquet (store schema)."""
    out = {}
    for name, wanted in READ.items():
        path = d / f"{name}.parquet"
        have = set(pq.read_schema(path).names)
        cols = [c for c in wanted if c in have]
        cats = [c for c in cols if c in CATEGORICAL and name in ("energy", "process")]
        out[name] = pq.read_table(path, columns=cols, read_dictionary=cats or None).to_pandas()
    return out


# --------------------------------------------------------------------------------------
# Factors per (carrier, year), from the factor set
# --------------------------------------------------------------------------------------


@dataclass
class Factors:
    """Factor arrays indexed [carrier position, year - first_year], and their ids."""

    carriers: list[str]
    first_year: int
    arrays: dict[str, np.ndarray]
    ids: pd.DataFrame  # carrier, year, need ("present" | "burnt"), factor_id


def factors(fs: FactorSet, years: list[int]) -> Factors:
    cat = carriers()
    names = list(cat)
    ys = list(range(min(years), max(years) + 1)) if years else [0]
    t = pd.DataFrame({"carrier": names})
    t["is_fossil"] = [cat[c].category in FOSSIL for c in names]
    t["is_electricity"] = t["carrier"] == "electricity"
    t["is_heat"] = t["carrier"] == "heat"
    energy = fs.energy.set_index("carrier")
    carbon = fs.fuel_carbon.set_index("carrier")
    t["tce"] = t["carrier"].map(energy["tce_per_unit"])
    t["energy_factor_id"] = t["carrier"].map(energy["factor_id"])
    t["ncv"] = t["carrier"].map(carbon["ncv_gj_per_unit"])
    t["cc"] = t["carrier"].map(carbon["cc_tc_per_gj"])
    t["oxidation"] = t["carrier"].map(carbon["oxidation"])
    t["carbon_factor_id"] = t["carrier"].map(carbon["factor_id"])
    grid = fs.by_year("grid", ys).set_index("year")
    equal = fs.by_year("equal_value", ys).set_index("year")
    t = t.merge(pd.DataFrame({"year": ys}), how="cross")
    elec, heat = t["is_electricity"], t["is_heat"]
    t["tce_equal"] = t["tce"].where(~elec, t["year"].map(equal["tce_per_kwh"]))
    t["grid"] = t["year"].map(grid["tco2_per_kwh"]).where(elec, 0.0)
    t["heat"] = np.where(heat, fs.heat_tco2_per_gj, 0.0)
    t["equal_factor_id"] = t["year"].map(equal["factor_id"]).where(elec)
    t["grid_factor_id"] = t["year"].map(grid["factor_id"]).where(elec)
    t["heat_factor_id"] = pd.Series(fs.heat_factor_id, index=t.index).where(heat)
    shape = (len(names), len(ys))
    arrays = {c: t[c].to_numpy(dtype="float64", na_value=np.nan).reshape(shape) for c in _NUMERIC}
    arrays.update({c: t[c].to_numpy(dtype=bool).reshape(shape) for c in _FLAGS})
    long = t.melt(id_vars=["carrier", "year"], value_vars=[
        "energy_factor_id", "equal_factor_id", "carbon_factor_id", "grid_factor_id",
        "heat_factor_id"], value_name="factor_id").dropna(subset=["factor_id"])
    long["need"] = np.where(long["variable"].isin(["energy_factor_id", "equal_factor_id"]),
                            "present", "burnt")
    return Factors(names, ys[0], arrays, long[["carrier", "year", "need", "factor_id"]])


# --------------------------------------------------------------------------------------
# Keys: the store may hold codes (entity_key, carrier_key, use_key) or the codes' strings
# --------------------------------------------------------------------------------------


def _positions(values: pd.Series, labels: list[str]) -> np.ndarray:
    """Position of each value in ``labels`` (-1 if absent), via the categories if any."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        pos = pd.Index(labels).get_indexer(values.cat.categories.astype(str))
        codes = values.cat.codes.to_numpy()
        return np.where(codes < 0, -1, pos[codes])
    return np.asarray(pd.Index(labels).get_indexer(values.astype(str)))


def carrier_positions(energy: pd.DataFrame, names: list[str]) -> np.ndarray:
    if "carrier" in energy.columns:
        return _positions(energy["carrier"], names)
    from qingshan.schema.carriers import carrier_keys  # the store's key convention

    by_key = {k: c for c, k in carrier_keys().items()}
    lut = np.array([names.index(by_key[k]) if k in by_key else -1
                    for k in range(max(by_key) + 1)])
    return np.asarray(lut[energy["carrier_key"].to_numpy(dtype="int64")])


def use_positions(energy: pd.DataFrame) -> np.ndarray:
    if "use" in energy.columns:
        return _positions(energy["use"], USES)
    from qingshan.methods.coefficients import use_keys  # the store's key convention

    by_key = {k: u for u, k in use_keys().items()}
    lut = np.array([USES.index(by_key[k]) if k in by_key else -1 for k in range(max(by_key) + 1)])
    return np.asarray(lut[energy["use_key"].to_numpy(dtype="int64")])


class Entities:
    """Enterprise codes 0..n-1 in the sorted order of ``entity_id``."""

    def __init__(self, entities: pd.DataFrame) -> None:
        ent = entities.astype({"entity_id": str}).sort_values("entity_id", ignore_index=True)
        self.table = ent
        self.ids = pd.Index(ent["entity_id"])
        self.lut: np.ndarray | None = None  # entity_key -> code
        if "entity_key" in ent.columns:
            keys = ent["entity_key"].to_numpy(dtype="int64")
            self.lut = np.full(int(keys.max()) + 2 if len(keys) else 1, -1, dtype=np.int32)
            self.lut[keys] = np.arange(len(keys), dtype=np.int32)

    def codes(self, frame: pd.DataFrame) -> np.ndarray:
        if self.lut is not None and "entity_key" in frame.columns:
            k = frame["entity_key"].to_numpy(dtype="int64")
            out = self.lut[np.clip(k, -1, len(self.lut) - 1)]  # -1 and too large hit a -1
        else:
            out = _positions(frame["entity_id"], list(self.ids))
        if (out < 0).any():
            raise ValueError("rows of an entity that is not in the entities table")
        return np.asarray(out, dtype=np.int32)

    def id_column(self, codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=self.ids)


# --------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------


def energy_lines(energy: pd.DataFrame, fx: Factors, out: np.ndarray | None = None) -> np.ndarray:
    """Per-row contributions of every energy row, shape (len(LINE_SUMS), rows).

    Row ``i`` of the result is column ``LINE_SUMS[i]``. Results are written into ``out``
    when given (one preallocated block, so nothing is copied into a DataFrame later).
    """
    c = carrier_positions(energy, fx.carriers)
    y = energy["year"].to_numpy(dtype="int64") - fx.first_year
    if (c < 0).any():
        raise ValueError("energy rows with a carrier the carrier list does not have")
    use = use_positions(energy)

    def col(name: str) -> np.ndarray:
        return np.asarray(fx.arrays[name][c, y])

    def num(name: str) -> np.ndarray:
        return np.asarray(energy[name].to_numpy(dtype="float64", na_value=np.nan))

    counted = np.array([COUNTED[u] for u in USES] + [0.0])[use]
    burnt = np.array([BURNT.get(u, 0.0) for u in USES] + [0.0])[use]
    q, m_ncv = num("quantity"), num("measured_ncv")
    m_cc, m_of = num("measured_carbon_content"), num("measured_oxidation")
    is_elec, is_heat, is_fossil = col("is_electricity"), col("is_heat"), col("is_fossil")
    no_ncv = np.isnan(m_ncv)

    n = len(energy)
    out = np.empty((len(LINE_SUMS), n)) if out is None else out
    r = dict(zip(LINE_SUMS, out, strict=True))
    coef = np.where(no_ncv, col("tce"), m_ncv / GJ_PER_TCE)
    qc = np.multiply(q, coef, out=r["feedstock_tce"])  # scratch, overwritten last
    np.multiply(counted, qc, out=r["energy_tce"])
    np.multiply(counted * q, np.where(is_elec, col("tce_equal"), coef), out=r["energy_tce_equal"])
    renew = use == USES.index("self_generated_renewable")
    np.multiply(renew, q * col("tce"), out=r["renewable_tce"])  # tabulated 当量值 (electricity)
    np.multiply(renew, q, out=r["renewable_electricity_kwh"])
    np.multiply(use == USES.index("non_industrial"), qc, out=r["non_industrial_tce"])
    np.multiply(use == USES.index("feedstock"), qc, out=r["feedstock_tce"])
    np.multiply(is_elec * counted, q, out=r["electricity_kwh"])
    del coef
    combustion = r["co2_combustion_t"]
    np.multiply(is_fossil * burnt, q, out=combustion)
    combustion *= np.where(no_ncv, col("ncv"), m_ncv)
    combustion *= np.where(np.isnan(m_cc), col("cc"), m_cc)
    combustion *= np.where(np.isnan(m_of), col("oxidation"), m_of)
    combustion *= CO2_PER_C
    np.nan_to_num(combustion, copy=False, nan=0.0)
    np.multiply(is_elec * burnt, q, out=r["net_purchased_electricity_kwh"])
    np.multiply(r["net_purchased_electricity_kwh"], col("grid"), out=r["co2_electricity_t"])
    np.multiply(is_heat * burnt, q, out=r["net_purchased_heat_gj"])
    np.multiply(r["net_purchased_heat_gj"], col("heat"), out=r["co2_heat_t"])
    return out


def process_co2(process: pd.DataFrame, process_factors: pd.DataFrame) -> np.ndarray:
    """Process CO2 per process row: carbonates by factor, anodes by their carbon (the mass
    that is neither sulphur nor ash) × 44/12, oxides by CaO and MgO."""
    pf = process_factors
    stoich = pf[pf["method"] == "stoichiometric"].set_index("material")["tco2_per_t"]
    cao = pf.loc[pf["material"] == "cao", "tco2_per_t"].max()
    mgo = pf.loc[pf["material"] == "mgo", "tco2_per_t"].max()
    material = process["material"].astype(str)
    ef = material.map(stoich).astype("float64")
    q = process["quantity"].astype("float64")
    carbonate = q * ef * process["calcination_fraction"].astype("float64").fillna(1.0)
    oxide = q * (process["cao_fraction"].astype("float64").fillna(0.0) * cao
                 + process["mgo_fraction"].astype("float64").fillna(0.0) * mgo)
    carbon = 1.0 - process["sulfur_fraction"].astype("float64") - process["ash_fraction"].astype("float64")
    anode = q * carbon * CO2_PER_C
    out = carbonate.where(ef.notna(), oxide).where(material != "anode", anode)
    return np.asarray(out.to_numpy(dtype="float64"))


def monthly_accounts(energy: pd.DataFrame, process: pd.DataFrame, fx: Factors,
                     process_factors: pd.DataFrame, ents: Entities) -> pd.DataFrame:
    """Energy rows and process rows, each with its contributions, summed per month.

    ``entity_id`` of the result holds the enterprise codes of ``ents``.
    """
    ne, nproc = len(energy), len(process)
    block = np.zeros((len(SUMS), ne + nproc))  # rows: SUMS; energy rows first, then process
    energy_lines(energy, fx, out=block[:len(LINE_SUMS), :ne])
    block[SUMS.index("co2_process_t"), ne:] = process_co2(process, process_factors)
    lines = pd.DataFrame(block.T, columns=SUMS, copy=False)
    lines["entity_id"] = np.concatenate([ents.codes(energy), ents.codes(process)])
    for k in ("year", "month"):
        lines[k] = np.concatenate([energy[k].to_numpy(dtype="int64"),
                                   process[k].to_numpy(dtype="int64")])
    m = lines.groupby(KEYS, sort=False).sum()
    del lines, block
    m = m.sort_index().reset_index()
    m["co2_scope1_t"] = m["co2_combustion_t"] + m["co2_process_t"]
    m["co2_scope2_t"] = m["co2_electricity_t"] + m["co2_heat_t"]
    m["co2_t"] = m["co2_scope1_t"] + m["co2_scope2_t"]
    return m[[*KEYS, *SUMS, "co2_scope1_t", "co2_scope2_t", "co2_t"]]


def yearly_accounts(monthly: pd.DataFrame, economics: pd.DataFrame, ents: Entities
                    ) -> pd.DataFrame:
    """Per enterprise and year; ``monthly`` keyed by the codes of ``ents``."""
    g = monthly.groupby(["entity_id", "year"], sort=True)
    y = g[ADDITIVE].sum()
    y.insert(0, "months_reported", g.size())  # monthly keys are unique: size = distinct months
    y = y.reset_index()
    ec = economics[["year", "value_added_10k_yuan", "output_value_10k_yuan"]].assign(
        entity_id=ents.codes(economics))
    y = y.merge(ec, on=["entity_id", "year"], how="left")
    attrs = ents.table[ENTITY_ATTRS[1:]].reset_index(drop=True)
    y = pd.concat([y, attrs.iloc[y["entity_id"].to_numpy()].reset_index(drop=True)], axis=1)
    y["entity_id"] = ents.ids.to_numpy()[y["entity_id"].to_numpy()]
    va = y["value_added_10k_yuan"]
    ok = va.notna() & (va > 0)
    y["energy_per_va"] = (y["energy_tce"] / va).where(ok)
    y["co2_per_va"] = (y["co2_t"] / va).where(ok)
    y["industry_division"] = y["industry_code"].str.slice(0, 2)
    return y


def rollup(yearly: pd.DataFrame, level: str, city_id: str) -> pd.DataFrame:
    key = LEVELS[level]
    t = yearly if key is None else yearly[yearly[key].notna()]
    va = t["value_added_10k_yuan"]
    has = va.notna() & (va > 0)
    t = t.assign(_va=va.where(has, 0.0), _e=t["energy_tce"].where(has, 0.0),
                 _c=t["co2_t"].where(has, 0.0))
    group = ["year"] if key is None else [key, "year"]
    g = t.groupby(group, sort=True)
    agg = g[["_va", "_e", "_c", *ADDITIVE]].sum()
    agg.insert(0, "enterprises", g["entity_id"].nunique())
    agg = agg.rename(columns={"_va": "value_added_10k_yuan", "_e": "energy_tce_with_va",
                              "_c": "co2_t_with_va"}).reset_index()
    pos = agg["value_added_10k_yuan"] > 0
    agg["energy_per_va"] = (agg["energy_tce_with_va"] / agg["value_added_10k_yuan"]).where(pos)
    agg["co2_per_va"] = (agg["co2_t_with_va"] / agg["value_added_10k_yuan"]).where(pos)
    agg = agg.assign(unit_id=city_id) if key is None else agg.rename(columns={key: "unit_id"})
    agg["level"] = level
    return agg


def products(yearly: pd.DataFrame, production: pd.DataFrame) -> pd.DataFrame:
    """Energy and CO2 per unit of product; one product takes the whole account."""
    p = production.astype({"entity_id": str}).copy()
    n = p.groupby(["entity_id", "year"])["product"].transform("size")
    p["_share"] = p["energy_share"].astype("float64").where(p["energy_share"].notna(),
                                                            np.where(n == 1, 1.0, np.nan))
    m = p.merge(yearly[["entity_id", "year", "energy_tce", "co2_t"]], on=["entity_id", "year"],
                how="left")
    m["energy_tce"] = m["energy_tce"] * m["_share"]
    m["co2_t"] = m["co2_t"] * m["_share"]
    qty = m["quantity"].where(m["quantity"] > 0)
    m["energy_kgce_per_unit"] = m["energy_tce"] * 1000.0 / qty
    m["co2_t_per_unit"] = m["co2_t"] / qty
    return m.drop(columns="_share")


def factor_usage(energy: pd.DataFrame, process: pd.DataFrame, fx: Factors,
                 process_factors: pd.DataFrame, ents: Entities) -> pd.DataFrame:
    """Distinct (entity_id, year, factor_id) of every factor row the accounts used."""
    use = use_positions(energy)
    burnt_use = np.array([u in BURNT for u in USES] + [False])[use]
    measured = (energy["measured_ncv"].notna() | energy["measured_carbon_content"].notna()
                | energy["measured_oxidation"].notna()).to_numpy()
    rows = pd.DataFrame({"entity_id": ents.codes(energy),
                         "year": energy["year"].to_numpy(dtype="int64"),
                         "carrier": carrier_positions(energy, fx.carriers),
                         "burnt": burnt_use, "measured": measured})
    keys = rows.groupby(["entity_id", "year", "carrier"], sort=False)[["burnt", "measured"]].any()
    keys = keys.reset_index()
    keys["carrier"] = np.asarray(fx.carriers, dtype=object)[keys["carrier"].to_numpy()]
    ids = fx.ids
    present = keys.merge(ids[ids["need"] == "present"], on=["carrier", "year"])
    burnt = keys[keys["burnt"]].merge(ids[ids["need"] == "burnt"], on=["carrier", "year"])
    meas = keys[keys["measured"]]
    meas = meas.assign(factor_id="measured:" + meas["carrier"])
    pf = process_factors.astype({"material": str, "factor_id": str})
    stoich = pf.loc[pf["method"] == "stoichiometric", ["material", "factor_id"]]
    oxide = pf.loc[pf["method"] == "oxide", ["factor_id"]]
    mats = pd.DataFrame({"entity_id": ents.codes(process),
                         "year": process["year"].to_numpy(dtype="int64"),
                         "material": process["material"].astype(str).to_numpy()}).drop_duplicates()
    anode = mats[mats["material"] == "anode"].assign(factor_id="measured:anode")
    mats = mats[mats["material"] != "anode"]
    by_stoich = mats.merge(stoich, on="material")
    by_oxide = mats[~mats["material"].isin(stoich["material"])].merge(oxide, how="cross")
    cols = ["entity_id", "year", "factor_id"]
    out = pd.concat([present[cols], burnt[cols], meas[cols], by_stoich[cols], by_oxide[cols],
                     anode[cols]], ignore_index=True).drop_duplicates()
    out["entity_id"] = ents.ids.to_numpy()[out["entity_id"].to_numpy()]
    return out.sort_values(cols, ignore_index=True)


def fallback_notes(fs: FactorSet, years: list[int]) -> list[dict[str, Any]]:
    notes = []
    if not years:
        return notes
    for kind, table in (("grid", "grid"), ("electricity_equal_value", "equal_value")):
        for r in fs.by_year(table, years).itertuples(index=False):
            if bool(r.fallback):
                notes.append({"year": int(r.year), "factor": kind, "factor_id": str(r.factor_id)})
    return notes


def compute(tables: dict[str, pd.DataFrame], fs: FactorSet | None = None) -> Result:
    """All the accounts of ``tables`` (store tables, as :func:`load` or ``store_tables`` give)."""
    fs = load_factor_set() if fs is None else fs
    energy, process, economics = tables["energy"], tables["process"], tables["economics"]
    ents = Entities(tables["entities"])
    years = sorted({int(y) for y in np.unique(energy["year"].to_numpy())}
                   | {int(y) for y in process["year"].unique()}
                   | {int(y) for y in economics["year"].unique()})
    fx = factors(fs, years)
    pf = fs.process[["material", "method", "tco2_per_t", "factor_id"]]
    monthly = monthly_accounts(energy, process, fx, pf, ents)
    yearly = yearly_accounts(monthly, economics, ents)
    monthly["entity_id"] = ents.id_column(monthly["entity_id"].to_numpy())
    et = ents.table
    city = et.loc[et["entity_type"] == "city", "entity_id"]
    city_id = str(city.iloc[0]) if len(city) else "city"
    rollups = {lvl: rollup(yearly, lvl, city_id) for lvl in LEVELS}
    name_of = et.set_index("entity_id")["name"]
    for lvl, frame in rollups.items():
        ids = frame["unit_id"].astype(str)
        frame["unit_name"] = (ids.map(lambda c: division_name(c, "zh")) if lvl == "industry"
                              else ids.map(name_of))
    return Result(monthly=monthly, yearly=yearly, rollups=rollups,
                  products=products(yearly, tables["production"]),
                  factor_usage=factor_usage(energy, process, fx, pf, ents),
                  notes=fallback_notes(fs, sorted({int(y) for y in yearly["year"]})))


# --------------------------------------------------------------------------------------
# Agreement with the engine
# --------------------------------------------------------------------------------------


def save_result(res: Result, d: Path) -> None:
    """Write a result (engine's or baseline's) to ``d`` for :func:`assert_same`."""
    d.mkdir(parents=True, exist_ok=True)
    res.monthly.to_parquet(d / "monthly.parquet", index=False)
    res.yearly.to_parquet(d / "yearly.parquet", index=False)
    pd.concat(res.rollups.values(), ignore_index=True).to_parquet(d / "rollups.parquet", index=False)
    res.products.to_parquet(d / "products.parquet", index=False)
    res.factor_usage.to_parquet(d / "factor_usage.parquet", index=False)
    pd.DataFrame(res.notes, columns=["year", "factor", "factor_id"]).to_parquet(
        d / "notes.parquet", index=False)


def load_result(d: Path) -> Result:
    r = pd.read_parquet(d / "rollups.parquet")
    notes = pd.read_parquet(d / "notes.parquet")
    return Result(
        monthly=pd.read_parquet(d / "monthly.parquet"), yearly=pd.read_parquet(d / "yearly.parquet"),
        rollups={str(lvl): g.reset_index(drop=True) for lvl, g in r.groupby("level", sort=False)},
        products=pd.read_parquet(d / "products.parquet"),
        factor_usage=pd.read_parquet(d / "factor_usage.parquet"),
        notes=[{"year": int(x.year), "factor": str(x.factor), "factor_id": str(x.factor_id)}
               for x in notes.itertuples(index=False)])


def _aligned(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], what: str
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    def norm(f: pd.DataFrame) -> pd.DataFrame:
        f = f.copy()
        for k in keys:
            f[k] = f[k].astype(str) if k != "year" and k != "month" else f[k].astype("int64")
        return f.sort_values(keys, ignore_index=True)

    a, b = norm(a), norm(b)
    if len(a) != len(b) or not a[keys].equals(b[keys]):
        extra = a[keys].merge(b[keys], how="outer", indicator=True)
        diff = extra[extra["_merge"] != "both"].head(5)
        raise AssertionError(f"{what}: keys differ ({len(a)} vs {len(b)} rows), e.g.\n{diff}")
    return a, b


def _close(a: pd.Series, b: pd.Series, what: str, rel: float, abs_: float) -> None:
    x = a.to_numpy(dtype="float64", na_value=np.nan)
    y = b.to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isclose(x, y, rtol=rel, atol=abs_) | (np.isnan(x) & np.isnan(y))
    if not ok.all():
        i = int(np.argmin(ok))
        raise AssertionError(f"{what}: {int((~ok).sum())} values differ, first at row {i}: "
                             f"{x[i]!r} vs {y[i]!r}")


def assert_same(a: Result, b: Result, *, rel: float = 1e-9, abs_: float = 1e-6) -> None:
    """Raise AssertionError unless ``a`` and ``b`` agree.

    Sums may add in a different order, so numbers agree within ``rel`` (relative) or
    ``abs_`` (absolute, in tce, t, kWh, GJ, 万元: a microtonne) where a sum cancels to
    near zero.
    """
    m1, m2 = _aligned(a.monthly, b.monthly, KEYS, "monthly")
    for c in [*SUMS, "co2_scope1_t", "co2_scope2_t", "co2_t"]:
        _close(m1[c], m2[c], f"monthly.{c}", rel, abs_)
    y1, y2 = _aligned(a.yearly, b.yearly, ["entity_id", "year"], "yearly")
    for c in [*ADDITIVE, "value_added_10k_yuan", "output_value_10k_yuan", "energy_per_va",
              "co2_per_va"]:
        _close(y1[c], y2[c], f"yearly.{c}", rel, abs_)
    if not (y1["months_reported"].astype("int64") == y2["months_reported"].astype("int64")).all():
        raise AssertionError("yearly.months_reported differs")
    for c in ("district_id", "park_id", "industry_code", "industry_division", "name", "scale"):
        s1 = y1[c].astype(object).where(y1[c].notna(), None)
        s2 = y2[c].astype(object).where(y2[c].notna(), None)
        if not (s1.fillna("<NA>").astype(str) == s2.fillna("<NA>").astype(str)).all():
            raise AssertionError(f"yearly.{c} differs")
    if set(a.rollups) != set(b.rollups):
        raise AssertionError(f"roll-up levels differ: {sorted(a.rollups)} vs {sorted(b.rollups)}")
    for lvl in a.rollups:
        r1, r2 = _aligned(a.rollups[lvl], b.rollups[lvl], ["unit_id", "year"], f"rollup {lvl}")
        for c in [*ADDITIVE, "value_added_10k_yuan", "energy_tce_with_va", "co2_t_with_va",
                  "energy_per_va", "co2_per_va"]:
            _close(r1[c], r2[c], f"rollup {lvl}.{c}", rel, abs_)
        if not (r1["enterprises"].astype("int64") == r2["enterprises"].astype("int64")).all():
            raise AssertionError(f"rollup {lvl}.enterprises differs")
        if "unit_name" in r1.columns or "unit_name" in r2.columns:
            n1 = r1.get("unit_name", pd.Series(dtype=object)).astype(object)
            n2 = r2.get("unit_name", pd.Series(dtype=object)).astype(object)
            if not (n1.fillna("<NA>").astype(str) == n2.fillna("<NA>").astype(str)).all():
                raise AssertionError(f"rollup {lvl}.unit_name differs")
    _aligned(a.factor_usage, b.factor_usage, ["entity_id", "year", "factor_id"],
                      "factor_usage")
    p1, p2 = _aligned(a.products, b.products, ["entity_id", "year", "product"], "products")
    for c in ("energy_tce", "co2_t", "energy_kgce_per_unit", "co2_t_per_unit"):
        _close(p1[c], p2[c], f"products.{c}", rel, abs_)
    n1 = sorted((n["year"], n["factor"], n["factor_id"]) for n in a.notes)
    n2 = sorted((n["year"], n["factor"], n["factor_id"]) for n in b.notes)
    if n1 != n2:
        raise AssertionError(f"notes differ: {n1} vs {n2}")
