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
  fallback notes of years without a published factor;
* (2026.2) measured element carbon per unit of fuel: FC × C × OF × 44/12 instead of
  FC × NCV × CC × OF × 44/12 (鲁环发〔2022〕4号 化工 formula (2); 环办气候〔2021〕9号 附件2 A.1–A.3);
  clinker and lime by (CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40, clinker from a raw meal
  by Cd / ((1 − L) × Fc) (粤环函〔2021〕103号 附件2 6.1.1.1 formulas (1)–(3)); carbon reductants
  Q × C × 44/12;
* the carbon balance of steel, coking and chemicals (鲁环发〔2022〕4号 steel formulas (1), (6)–(10),
  (17)–(19); chemical formulas (5), (6), (21)): each enterprise's method from the longest
  industry-code prefix of ``ghg_methods.toml`` or the entities column ``ghg_method``;
  materials rows quantity × EF × purity, EF the measured carbon × 44/12 or the guideline's
  default for that flow; inputs add, products and wastes are fixed carbon, supplied CO2 is
  recovered, both deducted from process CO2; feedstock energy rows of a balance year enter
  as inputs, quantity × NCV × CC × 44/12; notes for defaults used and for steel, coking and
  nitrogen-fertiliser enterprise-years without a balance;
* N2O of nitric and adipic acid, AD × EF × (1 − η × μ) / 1000, and PFCs of anode effects,
  P_Al × EF / 1000, in tonnes and in CO2e with the factor set's GWP set (鲁环发〔2022〕4号
  化工 formulas (7), (8); GB/T 32151.4 structure); ``ghg_t_co2e`` = ``co2_t`` + the CO2e.

The factor tables new in 2026.2 (process factors, carbon-balance defaults, N2O generation
factors and removal rates, GWPs) are read from the CSV text of the files the factor set
names, checked against the SHA-256 the set recorded, and converted here (percent to
fraction, t/万Nm³ to t/m³, carbon to CO2), not taken from the engine's ``FactorSet``
tables: a wrong conversion in the engine's loading shows up as a disagreement. The method
registry is read from ``data/spec/ghg_methods.toml`` with ``tomllib``. The store's
``entities`` table has no ``ghg_method`` column; the baseline reads one if the caller adds
it (the benchmark's generator does), and otherwise assigns methods by industry code.

Only pandas and numpy compute here (no DuckDB, no polars); pyarrow reads Parquet.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
from dataclasses import dataclass, field
from importlib import resources
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
#: Tonnes of each non-CO2 gas and their CO2e (docs/accounting.md, "Other greenhouse gases").
GAS_SUMS = ["n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e"]
#: Carbon-balance deductions, positive (docs/accounting.md, "Carbon balance").
BALANCE_SUMS = ["co2_fixed_t", "co2_recovered_t"]
SUMS = [*LINE_SUMS, "co2_process_t", *GAS_SUMS, *BALANCE_SUMS]
TOTALS = ["co2_scope1_t", "co2_scope2_t", "co2_t", "ghg_t_co2e"]
ADDITIVE = [*SUMS, *TOTALS]
KEYS = ["entity_id", "year", "month"]
LEVELS: dict[str, str | None] = {"city": None, "district": "district_id", "park": "park_id",
                                 "industry": "industry_division"}
ENTITY_ATTRS = ["entity_id", "name", "district_id", "park_id", "industry_code", "scale"]
_NUMERIC = ["tce", "tce_equal", "ncv", "cc", "oxidation", "grid", "heat"]
_FLAGS = ["is_fossil", "is_electricity", "is_heat"]

#: Columns the baseline reads, if the table has them; strings as categoricals.
READ: dict[str, list[str]] = {
    "energy": ["entity_key", "entity_id", "year", "month", "carrier_key", "carrier", "use_key",
               "use", "quantity", "measured_ncv", "measured_carbon_content", "measured_oxidation",
               "measured_carbon_per_unit"],
    "process": ["entity_key", "entity_id", "year", "month", "material", "quantity",
                "cao_fraction", "mgo_fraction", "calcination_fraction", "sulfur_fraction",
                "ash_fraction", "cao_noncarbonate_fraction", "mgo_noncarbonate_fraction",
                "raw_meal_co2_fraction", "raw_meal_loss_on_ignition", "carbon_fraction"],
    "entities": ["entity_key", "entity_id", "entity_type", "name", "district_id", "park_id",
                 "industry_code", "scale", "ghg_method"],
    "materials": ["entity_key", "entity_id", "year", "month", "material", "flow", "quantity",
                  "carbon_fraction", "purity"],
    "gases": ["entity_key", "entity_id", "year", "month", "source", "technology", "quantity",
              "abatement", "abatement_use", "n2o_kg_per_t", "cf4_kg_per_t", "c2f6_kg_per_t"],
    "economics": ["entity_key", "entity_id", "year", "value_added_10k_yuan",
                  "output_value_10k_yuan"],
    "production": ["entity_id", "year", "product", "quantity", "unit", "energy_share"],
}
CATEGORICAL = {"entity_id", "carrier", "use", "material"}
#: Tables a package (and so a store) may lack: no rows then.
OPTIONAL_TABLES = ("materials", "gases")


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
        if name in OPTIONAL_TABLES and not path.exists():
            continue
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
# The factor files new in 2026.2, read from their CSV text; the method registry
# --------------------------------------------------------------------------------------

#: Units of the carbon-balance defaults (material_carbon ``value_unit``) → factor to t per
#: canonical unit (t, or m³ for a gas: 1 万Nm³ = 10 000 m³).
MATERIAL_UNITS = {"tonne/tonne": 1.0, "tonne/(1e4*meter**3)": 1e-4}
#: The factor tables the baseline reads from CSV, by the file-name prefix the set uses.
CSV_TABLES = ("process_factors_", "material_carbon_", "n2o_generation_", "n2o_abatement_", "gwp_")


@dataclass
class Tables:
    """The 2026.2 factor tables as the baseline reads them (canonical units, fractions)."""

    process: pd.DataFrame  # material, method, tco2_per_t, factor_id
    material: pd.DataFrame  # guideline, material, flows, tco2_per_unit, purity_required, factor_id
    generation: pd.DataFrame  # source, technology, kg_per_t, factor_id
    removal: pd.DataFrame  # source, abatement, removal, factor_id
    gwp: dict[str, tuple[float, str]]  # gas -> (GWP, factor_id) of the set's GWP set


def factor_csv(fs: FactorSet, prefix: str) -> pd.DataFrame:
    """The CSV file of the set whose name starts with ``prefix``, read from its text and
    checked against the SHA-256 the factor set recorded when it loaded the file."""
    names = [f for f in fs.files if f.startswith(prefix) and f.endswith(".csv")]
    if len(names) != 1:
        raise ValueError(f"factor set {fs.name}: not one file {prefix}*.csv but {names}")
    raw = resources.files("qingshan.factors").joinpath(f"data/{names[0]}").read_bytes()
    if hashlib.sha256(raw).hexdigest() != fs.files[names[0]]:
        raise ValueError(f"{names[0]}: not the file the factor set loaded")
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8")


def factor_tables(fs: FactorSet) -> Tables:
    """Read and convert the new factor tables. A set with overridden rows is refused: the
    baseline reads the shipped files only."""
    if fs.overridden:
        raise ValueError("the pandas baseline reads the shipped factor files; overrides are not applied")
    pr = factor_csv(fs, "process_factors_")
    if set(pr["value_unit"]) != {"tonne/tonne"}:
        raise ValueError(f"process factors: unexpected units {sorted(set(pr['value_unit']))}")
    process = pd.DataFrame({"material": pr["material"], "method": pr["method"],
                            "tco2_per_t": pr["value"].astype(float), "factor_id": pr["factor_id"]})
    mc = factor_csv(fs, "material_carbon_")
    unknown = set(mc["value_unit"]) - set(MATERIAL_UNITS)
    if unknown or not set(mc["basis"]) <= {"co2", "carbon"}:
        raise ValueError(f"material_carbon: unexpected units {sorted(unknown)} or basis")
    to_co2 = np.where(mc["basis"] == "carbon", CO2_PER_C, 1.0)  # a carbon content × 44/12
    material = pd.DataFrame({
        "guideline": mc["guideline"], "material": mc["material"], "flows": mc["flows"],
        "tco2_per_unit": mc["value"].astype(float) * mc["value_unit"].map(MATERIAL_UNITS) * to_co2,
        "purity_required": mc["purity"] == "required", "factor_id": mc["factor_id"]})
    g = factor_csv(fs, "n2o_generation_")
    generation = pd.DataFrame({"source": g["source"], "technology": g["technology"],
                               "kg_per_t": g["kg_n2o_per_t"].astype(float), "factor_id": g["factor_id"]})
    a = factor_csv(fs, "n2o_abatement_")
    removal = pd.DataFrame({"source": a["source"], "abatement": a["abatement"],
                            "removal": a["removal_pct"].astype(float) / 100.0,  # percent printed
                            "factor_id": a["factor_id"]})
    w = factor_csv(fs, "gwp_")
    w = w[w["gwp_set"] == fs.gwp_set]
    gwp = {str(r.gas): (float(r.gwp), str(r.factor_id)) for r in w.itertuples(index=False)}
    if not {"n2o", "cf4", "c2f6"} <= set(gwp):
        raise ValueError(f"GWP set {fs.gwp_set!r} lacks a gas")
    return Tables(process, material, generation, removal, gwp)


@dataclass(frozen=True)
class Registry:
    methods: dict[str, dict[str, Any]]  # method -> guideline, balance, supplied
    rules: list[tuple[str, str, bool]]  # (prefix, method, expect_balance)


def registry() -> Registry:
    """``data/spec/ghg_methods.toml``, read with tomllib."""
    text = resources.files("qingshan.data").joinpath("spec/ghg_methods.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    methods = {m: {"guideline": v.get("guideline", ""), "balance": bool(v.get("balance", False)),
                   "supplied": bool(v.get("supplied", False))} for m, v in raw["methods"].items()}
    rules = [(str(r["prefix"]), str(r["method"]), bool(r.get("expect_balance", False)))
             for r in raw["industry"]]
    return Registry(methods, rules)


def assign_methods(entities: pd.DataFrame, reg: Registry) -> pd.DataFrame:
    """entity_id, ghg_method, guideline, balance, supplied, expect_balance per enterprise: the
    entities column ``ghg_method`` where given, else the longest industry-code prefix of the
    registry, else ``general``; ``expect_balance`` only from a rule whose method it is."""
    ent = entities[entities["entity_type"].astype(str) == "enterprise"]
    over = ent["ghg_method"] if "ghg_method" in ent.columns else pd.Series(None, index=ent.index, dtype=object)
    rows = []
    for eid, code, o in zip(ent["entity_id"].astype(str), ent["industry_code"], over, strict=True):
        c = "" if code is None or pd.isna(code) else str(code).strip()
        hits = [r for r in reg.rules if c.startswith(r[0])]
        rule = max(hits, key=lambda r: len(r[0])) if hits else None
        overridden = o is not None and not pd.isna(o) and str(o) != ""
        method = str(o) if overridden else (rule[1] if rule else "general")
        m = reg.methods[method]
        rows.append({"entity_id": eid, "ghg_method": method, "guideline": m["guideline"],
                     "balance": m["balance"], "supplied": m["supplied"],
                     "expect_balance": bool(rule and rule[1] == method and rule[2])})
    return pd.DataFrame(rows, columns=["entity_id", "ghg_method", "guideline", "balance", "supplied",
                                       "expect_balance"])


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


def floats(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A float column as numpy, NaN where null; all NaN where the table has no such column."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(frame[name].to_numpy(dtype="float64", na_value=np.nan))


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
        return floats(energy, name)

    counted = np.array([COUNTED[u] for u in USES] + [0.0])[use]
    burnt = np.array([BURNT.get(u, 0.0) for u in USES] + [0.0])[use]
    q, m_ncv = num("quantity"), num("measured_ncv")
    m_cc, m_of = num("measured_carbon_content"), num("measured_oxidation")
    m_c = num("measured_carbon_per_unit")  # element carbon, tC per unit (含碳量计算法)
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
    # carbon per unit: NCV × CC, or the measured element carbon C, which replaces both
    # (E = FC × C × OF × 44/12; 鲁环发〔2022〕4号 化工 formula (2), 环办气候〔2021〕9号 附件2 A.1–A.3)
    per_unit = np.where(no_ncv, col("ncv"), m_ncv) * np.where(np.isnan(m_cc), col("cc"), m_cc)
    combustion *= np.where(np.isnan(m_c), per_unit, m_c)
    del per_unit
    combustion *= np.where(np.isnan(m_of), col("oxidation"), m_of)
    combustion *= CO2_PER_C
    np.nan_to_num(combustion, copy=False, nan=0.0)
    np.multiply(is_elec * burnt, q, out=r["net_purchased_electricity_kwh"])
    np.multiply(r["net_purchased_electricity_kwh"], col("grid"), out=r["co2_electricity_t"])
    np.multiply(is_heat * burnt, q, out=r["net_purchased_heat_gj"])
    np.multiply(r["net_purchased_heat_gj"], col("heat"), out=r["co2_heat_t"])
    return out


def process_co2(process: pd.DataFrame, process_factors: pd.DataFrame) -> np.ndarray:
    """Process CO2 per process row (docs/accounting.md, "CO2", "Cement clinker and lime",
    "Flat glass and ceramics", "Electrolytic aluminium: anodes"):

    * carbonates (a stoichiometric factor): Q × EF × calcination fraction (default 1);
    * ``anode``: NC × (1 − S − A) × 44/12;
    * ``carbon_reductant``: Q × C × 44/12, C the measured carbon fraction;
    * anything else (clinker, lime), by the raw meal where the row gives its CO2 fraction:
      Q × Cd / ((1 − L) × Fc), Fc the coal-ash factor; otherwise by the oxides:
      Q × ((CaO − CaO_nc) × 44/56 + (MgO − MgO_nc) × 44/40), missing fractions 0.
    """
    pf = process_factors
    stoich = pf[pf["method"] == "stoichiometric"].set_index("material")["tco2_per_t"]
    cao = pf.loc[pf["material"] == "cao", "tco2_per_t"].max()
    mgo = pf.loc[pf["material"] == "mgo", "tco2_per_t"].max()
    fc = pf.loc[pf["material"] == "coal_ash_fc", "tco2_per_t"].max()
    material = process["material"].astype(str).to_numpy()
    ef = pd.Series(material).map(stoich).to_numpy(dtype="float64")
    q = floats(process, "quantity")

    def frac(name: str, default: float | None = None) -> np.ndarray:
        v = floats(process, name)
        return v if default is None else np.where(np.isnan(v), default, v)

    carbonate = q * ef * frac("calcination_fraction", 1.0)
    oxide = q * ((frac("cao_fraction", 0.0) - frac("cao_noncarbonate_fraction", 0.0)) * cao
                 + (frac("mgo_fraction", 0.0) - frac("mgo_noncarbonate_fraction", 0.0)) * mgo)
    cd = frac("raw_meal_co2_fraction")
    raw_meal = q * cd / ((1.0 - frac("raw_meal_loss_on_ignition")) * fc)
    oxide = np.where(np.isnan(cd), oxide, raw_meal)
    anode = q * (1.0 - frac("sulfur_fraction") - frac("ash_fraction")) * CO2_PER_C
    reductant = q * frac("carbon_fraction") * CO2_PER_C
    out = np.where(np.isnan(ef), oxide, carbonate)
    out = np.where(material == "carbon_reductant", reductant, out)
    return np.asarray(np.where(material == "anode", anode, out), dtype="float64")


def gas_lines(gases: pd.DataFrame, tb: Tables) -> np.ndarray:
    """Per gases row, shape (len(GAS_SUMS), rows): t N2O, t CF4, t C2F6 and t CO2e.

    N2O = Q × EF × (1 − η × μ) / 1000 with EF the measured ``n2o_kg_per_t`` or the table's
    factor of (source, technology), η the removal rate of (source, abatement), μ its use (no
    abatement: nothing removed); CF4, C2F6 = Q × measured EF / 1000; CO2e with the GWPs.
    """
    n = len(gases)
    if n == 0:
        return np.zeros((len(GAS_SUMS), 0))

    def key(a: str, b: str) -> pd.Series:
        x, y = gases[a].astype(object), gases[b].astype(object)
        return (x.astype(str) + "|" + y.astype(str)).where(x.notna() & y.notna())

    gen = dict(zip(tb.generation["source"] + "|" + tb.generation["technology"],
                   tb.generation["kg_per_t"], strict=True))
    rem = dict(zip(tb.removal["source"] + "|" + tb.removal["abatement"], tb.removal["removal"], strict=True))
    q = floats(gases, "quantity")
    measured = floats(gases, "n2o_kg_per_t")
    ef = np.where(np.isnan(measured), key("source", "technology").map(gen).to_numpy(dtype="float64"), measured)
    eta = np.nan_to_num(key("source", "abatement").map(rem).to_numpy(dtype="float64"))
    mu = np.nan_to_num(floats(gases, "abatement_use"))
    out = np.empty((len(GAS_SUMS), n))
    out[0] = np.nan_to_num(q * ef * (1.0 - eta * mu) / 1000.0)
    out[1] = np.nan_to_num(q * floats(gases, "cf4_kg_per_t") / 1000.0)
    out[2] = np.nan_to_num(q * floats(gases, "c2f6_kg_per_t") / 1000.0)
    out[3] = out[0] * tb.gwp["n2o"][0] + out[1] * tb.gwp["cf4"][0] + out[2] * tb.gwp["c2f6"][0]
    return out


@dataclass
class Balance:
    """The carbon balance: per-line contributions and what each enterprise-year used."""

    entity: np.ndarray  # enterprise codes of the lines (materials rows, then feedstock rows)
    year: np.ndarray
    month: np.ndarray
    lines: np.ndarray  # (3, lines): co2_process_t, co2_fixed_t, co2_recovered_t
    usage: pd.DataFrame  # entity (code), year, factor_id, material, default


def _defaults(tb: Tables, fuel_carbon: pd.DataFrame, guidelines: list[str]) -> pd.DataFrame:
    """guideline, material, flows, tco2_per_unit, factor_id: each guideline's own rows first,
    then the carbonates (inputs) and the fuels leaving as products (NCV × CC × 44/12)."""
    own = tb.material[["guideline", "material", "flows", "tco2_per_unit", "factor_id"]]
    st = tb.process[tb.process["method"] == "stoichiometric"]
    shared = [pd.DataFrame({"material": st["material"], "flows": "input", "tco2_per_unit": st["tco2_per_t"],
                            "factor_id": st["factor_id"]}),
              pd.DataFrame({"material": fuel_carbon["carrier"], "flows": "product",
                            "tco2_per_unit": fuel_carbon["ncv_gj_per_unit"] * fuel_carbon["cc_tc_per_gj"] * CO2_PER_C,
                            "factor_id": fuel_carbon["factor_id"]})]
    parts = [own, *(x.assign(guideline=g) for g in guidelines for x in shared)]
    return pd.concat(parts, ignore_index=True).drop_duplicates(["guideline", "material"], keep="first")


def balance(materials: pd.DataFrame | None, energy: pd.DataFrame, methods: pd.DataFrame, tb: Tables,
            fuel_carbon: pd.DataFrame, ents: Entities) -> Balance:
    """Materials rows of enterprises under a balance method, and the feedstock energy rows of
    their enterprise-years with a balance. Refuses what validation refuses (a row of a
    method without a balance, no carbon content, supplied CO2 the method does not deduct)."""
    cols = ["entity", "year", "factor_id", "material", "default"]
    empty = Balance(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((3, 0)),
                    pd.DataFrame({c: [] for c in cols}))
    if materials is None or len(materials) == 0:
        return empty
    m = pd.DataFrame({"entity": ents.codes(materials), "year": materials["year"].to_numpy(dtype="int64"),
                      "month": materials["month"].to_numpy(dtype="int64"),
                      "material": materials["material"].astype(str).to_numpy(),
                      "flow": materials["flow"].astype(str).to_numpy(), "q": floats(materials, "quantity"),
                      "cf": floats(materials, "carbon_fraction"), "purity": floats(materials, "purity")})
    meth = methods.assign(entity=ents.codes(methods))
    m = m.merge(meth[["entity", "ghg_method", "guideline", "balance", "supplied"]], on="entity", how="left")
    if not m["balance"].fillna(False).astype(bool).all():
        raise ValueError("materials rows of an enterprise whose method has no carbon balance (P109)")
    if ((m["flow"] == "supplied") & ~m["supplied"].astype(bool)).any():
        raise ValueError("recovered CO2 under a method that does not deduct it (P111)")
    guidelines = sorted({str(v["guideline"]) for v in registry().methods.values() if v["guideline"]})
    d = _defaults(tb, fuel_carbon, guidelines)
    m = m.merge(d, on=["guideline", "material"], how="left")
    applies = m["factor_id"].notna() & ((m["flows"] == "any") | (m["flows"] == m["flow"])
                                        | ((m["flows"] == "output") & m["flow"].isin(["product", "waste"])))
    measured = m["cf"].notna()
    if (~measured & ~applies).any():
        raise ValueError("a materials row without a measured carbon content or a default for its flow (P106)")
    ef = np.where(measured, m["cf"] * CO2_PER_C, m["tco2_per_unit"])
    co2 = m["q"].to_numpy() * ef * m["purity"].fillna(1.0).to_numpy()
    flow = m["flow"].to_numpy()
    lines = np.vstack([np.where(flow == "input", co2, -co2),
                       np.where(np.isin(flow, ["product", "waste"]), co2, 0.0),
                       np.where(flow == "supplied", co2, 0.0)])
    m["factor_id"] = m["factor_id"].where(~measured, "measured:" + m["material"])
    m["default"] = ~measured
    usage = [m[cols]]
    # feedstock rows of the enterprise-years with a balance: quantity × NCV × CC × 44/12
    years = m[["entity", "year"]].drop_duplicates()
    use = use_positions(energy)
    fe = np.nonzero(use == USES.index("feedstock"))[0]
    f = pd.DataFrame({"entity": ents.codes(energy)[fe], "year": energy["year"].to_numpy(dtype="int64")[fe],
                      "month": energy["month"].to_numpy(dtype="int64")[fe],
                      "carrier": np.asarray(carriers_list(), dtype=object)[
                          carrier_positions(energy, carriers_list())[fe]],
                      "q": floats(energy, "quantity")[fe], "ncv": floats(energy, "measured_ncv")[fe],
                      "cc": floats(energy, "measured_carbon_content")[fe]})
    f = f.merge(years, on=["entity", "year"])
    fcar = fuel_carbon.set_index("carrier")
    ncv = f["ncv"].fillna(f["carrier"].map(fcar["ncv_gj_per_unit"]))
    cc = f["cc"].fillna(f["carrier"].map(fcar["cc_tc_per_gj"]))
    f_co2 = (f["q"] * ncv * cc * CO2_PER_C).fillna(0.0).to_numpy()
    f_meas = f["ncv"].notna() | f["cc"].notna() | ~f["carrier"].isin(fcar.index)
    f = f.assign(material=f["carrier"], default=~f_meas,
                 factor_id=f["carrier"].map(fcar["factor_id"]).where(~f_meas, "measured:" + f["carrier"]))
    usage.append(f[cols])
    return Balance(entity=np.concatenate([m["entity"].to_numpy(), f["entity"].to_numpy()]).astype(np.int32),
                   year=np.concatenate([m["year"].to_numpy(), f["year"].to_numpy()]),
                   month=np.concatenate([m["month"].to_numpy(), f["month"].to_numpy()]),
                   lines=np.hstack([lines, np.vstack([f_co2, np.zeros(len(f)), np.zeros(len(f))])]),
                   usage=pd.concat(usage, ignore_index=True).drop_duplicates(ignore_index=True))


def carriers_list() -> list[str]:
    return list(carriers())


def monthly_accounts(energy: pd.DataFrame, process: pd.DataFrame, gases: pd.DataFrame, bal: Balance,
                     fx: Factors, tb: Tables, ents: Entities) -> pd.DataFrame:
    """Energy, process, gases and balance lines, each with its contributions, summed per month.

    ``entity_id`` of the result holds the enterprise codes of ``ents``.
    """
    ne, nproc, ngas, nbal = len(energy), len(process), len(gases), len(bal.entity)
    block = np.zeros((len(SUMS), ne + nproc + ngas + nbal))  # rows: SUMS; columns: the lines
    energy_lines(energy, fx, out=block[:len(LINE_SUMS), :ne])
    a, b = ne, ne + nproc
    block[SUMS.index("co2_process_t"), a:b] = process_co2(process, tb.process)
    g0 = SUMS.index(GAS_SUMS[0])
    block[g0:g0 + len(GAS_SUMS), b:b + ngas] = gas_lines(gases, tb)
    c = b + ngas
    block[SUMS.index("co2_process_t"), c:] = bal.lines[0]
    block[SUMS.index("co2_fixed_t"), c:] = bal.lines[1]
    block[SUMS.index("co2_recovered_t"), c:] = bal.lines[2]
    lines = pd.DataFrame(block.T, columns=SUMS, copy=False)
    lines["entity_id"] = np.concatenate([ents.codes(energy), ents.codes(process), ents.codes(gases), bal.entity])
    for k in ("year", "month"):
        lines[k] = np.concatenate([energy[k].to_numpy(dtype="int64"), process[k].to_numpy(dtype="int64"),
                                   gases[k].to_numpy(dtype="int64"), getattr(bal, k)])
    m = lines.groupby(KEYS, sort=False).sum()
    del lines, block
    m = m.sort_index().reset_index()
    m["co2_scope1_t"] = m["co2_combustion_t"] + m["co2_process_t"]
    m["co2_scope2_t"] = m["co2_electricity_t"] + m["co2_heat_t"]
    m["co2_t"] = m["co2_scope1_t"] + m["co2_scope2_t"]
    m["ghg_t_co2e"] = m["co2_t"] + m["non_co2_t_co2e"]
    return m[[*KEYS, *ADDITIVE]]


def yearly_accounts(monthly: pd.DataFrame, economics: pd.DataFrame, ents: Entities,
                    methods: pd.DataFrame | None = None) -> pd.DataFrame:
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
    if methods is not None:
        y["ghg_method"] = y["entity_id"].map(dict(zip(methods["entity_id"], methods["ghg_method"], strict=True)))
        y["ghg_method"] = y["ghg_method"].fillna("general")
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


def factor_usage(energy: pd.DataFrame, process: pd.DataFrame, gases: pd.DataFrame, bal: Balance,
                 fx: Factors, tb: Tables, ents: Entities) -> pd.DataFrame:
    """Distinct (entity_id, year, factor_id) of every factor row the accounts used."""
    use = use_positions(energy)
    burnt_use = np.array([u in BURNT for u in USES] + [False])[use]
    measured = np.zeros(len(energy), dtype=bool)
    for c in ("measured_ncv", "measured_carbon_content", "measured_oxidation", "measured_carbon_per_unit"):
        measured |= ~np.isnan(floats(energy, c))
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
    pf = tb.process
    stoich = pf.loc[pf["method"] == "stoichiometric", ["material", "factor_id"]]
    oxide = pf.loc[pf["method"] == "oxide", ["factor_id"]]
    ash = pf.loc[pf["material"] == "coal_ash_fc", ["factor_id"]]
    mats = pd.DataFrame({"entity_id": ents.codes(process),
                         "year": process["year"].to_numpy(dtype="int64"),
                         "material": process["material"].astype(str).to_numpy(),
                         "raw_meal": ~np.isnan(floats(process, "raw_meal_co2_fraction"))}).drop_duplicates()
    anode = mats[mats["material"] == "anode"].assign(factor_id="measured:anode")
    reductant = mats[mats["material"] == "carbon_reductant"].assign(factor_id="measured:carbon_reductant")
    mats = mats[~mats["material"].isin(["anode", "carbon_reductant"])]
    by_stoich = mats.merge(stoich, on="material")
    other = mats[~mats["material"].isin(stoich["material"])]
    by_oxide = other[~other["raw_meal"]].merge(oxide, how="cross")
    by_meal = other[other["raw_meal"]].merge(ash, how="cross")  # formula (2): Fc
    cols = ["entity_id", "year", "factor_id"]
    parts = [present[cols], burnt[cols], meas[cols], by_stoich[cols], by_oxide[cols], by_meal[cols],
             anode[cols], reductant[cols], gas_usage(gases, tb, ents),
             bal.usage.rename(columns={"entity": "entity_id"})[cols]]
    out = pd.concat(parts, ignore_index=True).drop_duplicates()
    out["entity_id"] = ents.ids.to_numpy()[out["entity_id"].to_numpy(dtype="int64")]
    return out.sort_values(cols, ignore_index=True)


def gas_usage(gases: pd.DataFrame, tb: Tables, ents: Entities) -> pd.DataFrame:
    """(entity code, year, factor_id) of gases rows: an N2O row its generation factor (or
    ``measured:n2o_generation``), its removal rate where it names an abatement and the N2O
    GWP; an aluminium row ``measured:pfc`` and the CF4 and C2F6 GWPs."""
    cols = ["entity_id", "year", "factor_id"]
    if len(gases) == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "factor_id" else object) for c in cols})
    g = pd.DataFrame({"entity_id": ents.codes(gases), "year": gases["year"].to_numpy(dtype="int64"),
                      "source": gases["source"].astype(object), "technology": gases["technology"].astype(object),
                      "abatement": gases["abatement"].astype(object),
                      "measured": ~np.isnan(floats(gases, "n2o_kg_per_t"))})
    pfc = g["source"] == "aluminium_anode_effect"
    n2o = g[~pfc]
    gen = tb.generation.rename(columns={"factor_id": "gen_id"})
    parts = [
        n2o[~n2o["measured"]].dropna(subset=["technology"]).merge(gen, on=["source", "technology"])
        .rename(columns={"gen_id": "factor_id"})[cols],
        n2o[n2o["measured"]].assign(factor_id="measured:n2o_generation")[cols],
        n2o.dropna(subset=["abatement"]).merge(tb.removal, on=["source", "abatement"])[cols],
        n2o.assign(factor_id=tb.gwp["n2o"][1])[cols],
        g[pfc].assign(factor_id="measured:pfc")[cols],
        g[pfc].assign(factor_id=tb.gwp["cf4"][1])[cols],
        g[pfc].assign(factor_id=tb.gwp["c2f6"][1])[cols],
    ]
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def fallback_notes(fs: FactorSet, years: list[int]) -> list[dict[str, Any]]:
    notes = []
    if not years:
        return notes
    for kind, table in (("grid", "grid"), ("electricity_equal_value", "equal_value")):
        for r in fs.by_year(table, years).itertuples(index=False):
            if bool(r.fallback):
                notes.append({"year": int(r.year), "factor": kind, "factor_id": str(r.factor_id)})
    return notes


def balance_notes(bal: Balance, methods: pd.DataFrame, yearly: pd.DataFrame, ents: Entities
                  ) -> list[dict[str, Any]]:
    """A ``material_carbon`` note per enterprise-year whose balance took a default (its factor
    ids, comma-separated), and a ``carbon_balance`` note per enterprise-year of a sector that
    expects a balance (steel, coking, nitrogen fertiliser) without materials rows."""
    notes: list[dict[str, Any]] = []
    u = bal.usage
    for key, g in u[u["default"].astype(bool)].groupby(["entity", "year"], sort=True):
        e, y = (int(str(k)) for k in key)  # type: ignore[union-attr]
        notes.append({"year": y, "entity_id": str(ents.ids[e]), "factor": "material_carbon",
                      "factor_id": ", ".join(sorted(set(g["factor_id"].astype(str))))})
    have = {(str(ents.ids[int(e)]), int(y)) for e, y in zip(u["entity"], u["year"], strict=True)}
    expect = set(methods.loc[methods["expect_balance"].astype(bool), "entity_id"].astype(str))
    years = {(str(eid), int(yr)) for eid, yr in zip(yearly["entity_id"], yearly["year"], strict=True)}
    for eid, yr in sorted(years):
        if eid in expect and (eid, yr) not in have:
            notes.append({"year": yr, "entity_id": eid, "factor": "carbon_balance", "factor_id": ""})
    return notes


def compute(tables: dict[str, pd.DataFrame], fs: FactorSet | None = None) -> Result:
    """All the accounts of ``tables`` (store tables, as :func:`load` or ``store_tables`` give)."""
    fs = load_factor_set() if fs is None else fs
    energy, process, economics = tables["energy"], tables["process"], tables["economics"]
    gases = tables.get("gases")
    gases = pd.DataFrame({c: pd.Series(dtype="int64") for c in ("entity_key", "year", "month")}) if (
        gases is None) else gases
    ents = Entities(tables["entities"])
    years = sorted({int(y) for y in np.unique(energy["year"].to_numpy())}
                   | {int(y) for y in process["year"].unique()}
                   | {int(y) for y in gases["year"].unique()}
                   | {int(y) for y in economics["year"].unique()})
    fx = factors(fs, years)
    tb = factor_tables(fs)
    methods = assign_methods(ents.table, registry())
    bal = balance(tables.get("materials"), energy, methods, tb, fs.fuel_carbon, ents)
    monthly = monthly_accounts(energy, process, gases, bal, fx, tb, ents)
    yearly = yearly_accounts(monthly, economics, ents, methods)
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
                  factor_usage=factor_usage(energy, process, gases, bal, fx, tb, ents),
                  notes=fallback_notes(fs, sorted({int(y) for y in yearly["year"]}))
                  + balance_notes(bal, methods, yearly, ents))


# --------------------------------------------------------------------------------------
# Agreement with the engine
# --------------------------------------------------------------------------------------


#: What identifies a note: its year, kind, factor rows and (balance notes) enterprise.
NOTE_KEYS = ["year", "factor", "factor_id", "entity_id"]


def _note_keys(notes: list[dict[str, Any]]) -> list[tuple[int, str, str, str]]:
    return sorted((int(n["year"]), str(n["factor"]), str(n["factor_id"]), str(n.get("entity_id", "") or ""))
                  for n in notes)


def save_result(res: Result, d: Path) -> None:
    """Write a result (engine's or baseline's) to ``d`` for :func:`assert_same`."""
    d.mkdir(parents=True, exist_ok=True)
    res.monthly.to_parquet(d / "monthly.parquet", index=False)
    res.yearly.to_parquet(d / "yearly.parquet", index=False)
    pd.concat(res.rollups.values(), ignore_index=True).to_parquet(d / "rollups.parquet", index=False)
    res.products.to_parquet(d / "products.parquet", index=False)
    res.factor_usage.to_parquet(d / "factor_usage.parquet", index=False)
    pd.DataFrame([{**n, "entity_id": n.get("entity_id", "")} for n in res.notes],
                 columns=NOTE_KEYS).to_parquet(d / "notes.parquet", index=False)


def load_result(d: Path) -> Result:
    r = pd.read_parquet(d / "rollups.parquet")
    notes = pd.read_parquet(d / "notes.parquet")
    return Result(
        monthly=pd.read_parquet(d / "monthly.parquet"), yearly=pd.read_parquet(d / "yearly.parquet"),
        rollups={str(lvl): g.reset_index(drop=True) for lvl, g in r.groupby("level", sort=False)},
        products=pd.read_parquet(d / "products.parquet"),
        factor_usage=pd.read_parquet(d / "factor_usage.parquet"),
        notes=[{"year": int(x.year), "factor": str(x.factor), "factor_id": str(x.factor_id),
                "entity_id": str(getattr(x, "entity_id", "") or "")}
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
    for c in ADDITIVE:
        _close(m1[c], m2[c], f"monthly.{c}", rel, abs_)
    y1, y2 = _aligned(a.yearly, b.yearly, ["entity_id", "year"], "yearly")
    for c in [*ADDITIVE, "value_added_10k_yuan", "output_value_10k_yuan", "energy_per_va",
              "co2_per_va"]:
        _close(y1[c], y2[c], f"yearly.{c}", rel, abs_)
    if not (y1["months_reported"].astype("int64") == y2["months_reported"].astype("int64")).all():
        raise AssertionError("yearly.months_reported differs")
    for c in ("district_id", "park_id", "industry_code", "industry_division", "name", "scale", "ghg_method"):
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
    k1, k2 = _note_keys(a.notes), _note_keys(b.notes)
    if k1 != k2:
        raise AssertionError(f"notes differ: {sorted(set(k1) ^ set(k2))[:5]} (of {len(k1)} vs {len(k2)})")
