"""The accounts of :func:`qingshan.accounts.compute`, written a second time in plain pandas.

This is the baseline of ``benchmarks/bench_accounts.py`` and, in
``tests/test_pandas_baseline.py``, an independent implementation that cross-checks the
engine. It reads the same store tables (canonical units) and follows the same rules,
restated here from the method docs rather than imported from the kernels:

* per energy row, the factors of its (carrier, year) from the line-factor table;
* 综合能耗 (GB/T 2589-2020) with the sign of the row's use (fuel, feedstock and
  self-generated renewable +1, export −1, non-industrial 0); a measured NCV replaces the
  tabulated coefficient as NCV / 29.3076; electricity 等价值 per year;
* combustion CO2 = FC × NCV × CC × OF × 44/12 for fossil carriers, burnt only by fuel (+1)
  and export (−1) rows, measured NCV, CC and OF each taking precedence over the default;
  net purchased electricity and heat × the year's grid factor and the heat factor;
* process CO2: stoichiometric factor × calcination fraction (default 1) for carbonates,
  CaO × 0.7848 + MgO × 1.0919 (from the process-factor table) for everything else;
* monthly sums per enterprise, yearly sums with value added and the entity's
  attributes, roll-ups to city, district, park and industry as ratios of sums;
* product intensities, the distinct factor rows used per enterprise-year, and the
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

from qingshan.factors.conversions import CO2_PER_C, GJ_PER_TCE

KEYS = ["entity_id", "year", "month"]
#: How a row's use enters 综合能耗 (docs/accounting.md, "Boundary").
COUNTED = {"fuel": 1.0, "feedstock": 1.0, "self_generated_renewable": 1.0, "export": -1.0,
           "non_industrial": 0.0}
#: How a row's use enters combustion CO2 and net purchases.
BURNT = {"fuel": 1.0, "export": -1.0}
ENERGY_SUMS = ["energy_tce", "energy_tce_equal", "feedstock_tce", "non_industrial_tce",
               "renewable_electricity_kwh", "renewable_tce", "electricity_kwh"]
CARBON_SUMS = ["co2_combustion_t", "net_purchased_electricity_kwh", "co2_electricity_t",
               "net_purchased_heat_gj", "co2_heat_t"]
SUMS = [*ENERGY_SUMS, *CARBON_SUMS, "co2_process_t"]
ADDITIVE = [*SUMS, "co2_scope1_t", "co2_scope2_t", "co2_t"]
LEVELS: dict[str, str | None] = {"city": None, "district": "district_id", "park": "park_id",
                                 "industry": "industry_division"}
FACTOR_ID_COLUMNS = ["energy_factor_id", "equal_factor_id", "carbon_factor_id", "grid_factor_id",
                     "heat_factor_id"]

#: Columns each table needs; strings read as categoricals where values repeat.
READ: dict[str, tuple[list[str], list[str]]] = {
    "energy": (["entity_id", "year", "month", "carrier", "use", "quantity", "measured_ncv",
                "measured_carbon_content", "measured_oxidation"], ["entity_id", "carrier", "use"]),
    "process": (["entity_id", "year", "month", "material", "quantity", "cao_fraction",
                 "mgo_fraction", "calcination_fraction"], ["entity_id", "material"]),
    "entities": (["entity_id", "entity_type", "name", "district_id", "park_id", "industry_code",
                  "scale"], []),
    "economics": (["entity_id", "year", "value_added_10k_yuan", "output_value_10k_yuan"], []),
    "production": (["entity_id", "year", "product", "quantity", "unit", "energy_share"], []),
    "line_factors": ([], []),
    "process_factors": ([], []),
}


@dataclass
class Result:
    monthly: pd.DataFrame
    yearly: pd.DataFrame
    rollups: dict[str, pd.DataFrame]
    products: pd.DataFrame
    factor_usage: pd.DataFrame
    notes: list[dict[str, Any]] = field(default_factory=list)


def load(d: Path) -> dict[str, pd.DataFrame]:
    """Read the store tables of a benchmark city from ``d``/<table>.parquet."""
    out = {}
    for name, (cols, cats) in READ.items():
        t = pq.read_table(d / f"{name}.parquet", columns=cols or None, read_dictionary=cats or None)
        out[name] = t.to_pandas()
    return out


def _values(s: pd.Series) -> pd.Index:
    """The distinct non-null values of ``s``, as strings."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return pd.Index(s.cat.categories).astype(str)
    return pd.Index(s.dropna().unique()).astype(str)


def _as_categories(s: pd.Series, categories: pd.Index) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.set_categories(categories)
    return s.astype(pd.CategoricalDtype(categories))


def energy_lines(energy: pd.DataFrame, line_factors: pd.DataFrame) -> pd.DataFrame:
    """One row per energy row: the month keys and every per-row contribution."""
    lf = line_factors.set_index(["carrier", "year"])
    pos = lf.index.get_indexer(pd.MultiIndex.from_arrays(
        [energy["carrier"].astype(str) if not isinstance(energy["carrier"].dtype, pd.CategoricalDtype)
         else energy["carrier"], energy["year"]]))
    if (pos < 0).any():  # a carrier or year without factors: left join semantics (nulls)
        lf = pd.concat([lf, pd.DataFrame(index=[("?", -1)], columns=lf.columns)])
        pos = np.where(pos < 0, len(lf) - 1, pos)

    def col(name: str) -> np.ndarray:
        return np.asarray(lf[name].to_numpy(dtype="float64", na_value=np.nan)[pos])

    def flag(name: str) -> np.ndarray:
        return np.asarray(lf[name].fillna(False).to_numpy(dtype=bool)[pos])

    use = energy["use"]
    counted = use.map(COUNTED).astype("float64").fillna(0.0).to_numpy()
    burnt = use.map(BURNT).astype("float64").fillna(0.0).to_numpy()
    q = energy["quantity"].to_numpy(dtype="float64", na_value=np.nan)
    m_ncv = energy["measured_ncv"].to_numpy(dtype="float64", na_value=np.nan)
    m_cc = energy["measured_carbon_content"].to_numpy(dtype="float64", na_value=np.nan)
    m_of = energy["measured_oxidation"].to_numpy(dtype="float64", na_value=np.nan)
    is_elec, is_heat, is_fossil = flag("is_electricity"), flag("is_heat"), flag("is_fossil")

    coef = np.where(np.isnan(m_ncv), col("tce_per_unit"), m_ncv / GJ_PER_TCE)
    coef_equal = np.where(is_elec, col("tce_per_unit_equal"), coef)
    qc = q * coef
    feed = (use == "feedstock").to_numpy()
    nonind = (use == "non_industrial").to_numpy()
    renew = (use == "self_generated_renewable").to_numpy()
    ncv = np.where(np.isnan(m_ncv), col("ncv_gj_per_unit"), m_ncv)
    cc = np.where(np.isnan(m_cc), col("cc_tc_per_gj"), m_cc)
    of = np.where(np.isnan(m_of), col("oxidation"), m_of)
    combustion = np.nan_to_num(is_fossil * burnt * q * ncv * cc * of * CO2_PER_C, nan=0.0)
    net_kwh = is_elec * burnt * q
    net_gj = is_heat * burnt * q
    data = {
        "energy_tce": counted * qc,
        "energy_tce_equal": counted * q * coef_equal,
        "feedstock_tce": feed * qc,
        "non_industrial_tce": nonind * qc,
        "renewable_electricity_kwh": renew * q,
        "renewable_tce": renew * qc,
        "electricity_kwh": is_elec * counted * q,
        "co2_combustion_t": combustion,
        "net_purchased_electricity_kwh": net_kwh,
        "co2_electricity_t": net_kwh * col("grid_tco2_per_kwh"),
        "net_purchased_heat_gj": net_gj,
        "co2_heat_t": net_gj * col("heat_tco2_per_gj"),
    }
    out = pd.DataFrame(data, index=energy.index)
    for k in KEYS:
        out.insert(len(out.columns), k, energy[k])
    return out


def process_lines(process: pd.DataFrame, process_factors: pd.DataFrame) -> pd.DataFrame:
    """Process CO2 per process row: carbonates by factor, oxides by CaO and MgO."""
    pf = process_factors
    stoich = pf[pf["method"] == "stoichiometric"].set_index("material")["tco2_per_t"]
    cao = pf.loc[pf["material"] == "cao", "tco2_per_t"].max()
    mgo = pf.loc[pf["material"] == "mgo", "tco2_per_t"].max()
    ef = process["material"].astype(object).map(stoich).astype("float64")
    q = process["quantity"].astype("float64")
    carbonate = q * ef * process["calcination_fraction"].astype("float64").fillna(1.0)
    oxide = q * (process["cao_fraction"].astype("float64").fillna(0.0) * cao
                 + process["mgo_fraction"].astype("float64").fillna(0.0) * mgo)
    return pd.DataFrame({k: process[k] for k in KEYS}).assign(
        co2_process_t=carbonate.where(ef.notna(), oxide))


def monthly_accounts(energy: pd.DataFrame, line_factors: pd.DataFrame, process: pd.DataFrame,
                     process_factors: pd.DataFrame) -> pd.DataFrame:
    lines = energy_lines(energy, line_factors)
    e = lines.groupby(KEYS, observed=True, sort=False).sum()
    p = process_lines(process, process_factors).groupby(KEYS, observed=True, sort=False).sum()
    # months with only energy rows, or only process rows, get zeros for the other part
    m = e.join(p, how="outer").fillna(0.0) if len(p) else e.assign(co2_process_t=0.0)
    m = m.sort_index().reset_index()
    m["co2_scope1_t"] = m["co2_combustion_t"] + m["co2_process_t"]
    m["co2_scope2_t"] = m["co2_electricity_t"] + m["co2_heat_t"]
    m["co2_t"] = m["co2_scope1_t"] + m["co2_scope2_t"]
    return m[[*KEYS, *SUMS, "co2_scope1_t", "co2_scope2_t", "co2_t"]]


def yearly_accounts(monthly: pd.DataFrame, economics: pd.DataFrame,
                    entities: pd.DataFrame) -> pd.DataFrame:
    g = monthly.groupby(["entity_id", "year"], observed=True, sort=True)
    y = g[ADDITIVE].sum()
    y.insert(0, "months_reported", g.size())  # monthly keys are unique: size = distinct months
    y = y.reset_index()
    y["entity_id"] = y["entity_id"].astype(str)
    ec = economics[["entity_id", "year", "value_added_10k_yuan", "output_value_10k_yuan"]].astype(
        {"entity_id": str})
    ent = entities[["entity_id", "name", "district_id", "park_id", "industry_code", "scale"]].astype(
        {"entity_id": str})
    y = y.merge(ec, on=["entity_id", "year"], how="left").merge(ent, on="entity_id", how="left")
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


def factor_usage(energy: pd.DataFrame, line_factors: pd.DataFrame) -> pd.DataFrame:
    """Distinct (entity_id, year, factor_id) of every factor row the accounts used."""
    measured = (energy["measured_ncv"].notna() | energy["measured_carbon_content"].notna()
                | energy["measured_oxidation"].notna())
    keys = (energy[["entity_id", "year", "carrier"]].assign(measured=measured)
            .groupby(["entity_id", "year", "carrier"], observed=True, sort=False)["measured"]
            .any().reset_index())
    ids = (line_factors[["carrier", "year", *FACTOR_ID_COLUMNS]]
           .melt(id_vars=["carrier", "year"], value_name="factor_id")
           .dropna(subset=["factor_id"])[["carrier", "year", "factor_id"]])
    keys["carrier"] = keys["carrier"].astype(str)
    ids = ids.astype({"carrier": str, "factor_id": str})
    used = keys.merge(ids, on=["carrier", "year"])[["entity_id", "year", "factor_id"]]
    meas = keys[keys["measured"]]
    meas = meas.assign(factor_id="measured:" + meas["carrier"])[["entity_id", "year", "factor_id"]]
    out = pd.concat([used, meas], ignore_index=True)
    out["entity_id"] = out["entity_id"].astype(str)
    return out.drop_duplicates().sort_values(["entity_id", "year", "factor_id"],
                                             ignore_index=True)


def fallback_notes(line_factors: pd.DataFrame, years: list[int]) -> list[dict[str, Any]]:
    elec = line_factors[line_factors["is_electricity"].astype(bool)
                        & line_factors["year"].isin(years)].sort_values("year")
    notes = []
    for r in elec.itertuples(index=False):
        if bool(r.grid_fallback):
            notes.append({"year": int(r.year), "factor": "grid", "factor_id": r.grid_factor_id})
        if bool(r.equal_fallback):
            notes.append({"year": int(r.year), "factor": "electricity_equal_value",
                          "factor_id": r.equal_factor_id})
    return notes


def compute(tables: dict[str, pd.DataFrame]) -> Result:
    """All the accounts of ``tables`` (store tables, as :func:`load` or ``store_tables`` give)."""
    energy, process = tables["energy"], tables["process"]
    ids = _values(energy["entity_id"]).union(_values(process["entity_id"])).sort_values()
    energy = energy.assign(entity_id=_as_categories(energy["entity_id"], ids))
    process = process.assign(entity_id=_as_categories(process["entity_id"], ids))
    lf = tables["line_factors"]
    monthly = monthly_accounts(energy, lf, process, tables["process_factors"])
    entities = tables["entities"]
    yearly = yearly_accounts(monthly, tables["economics"], entities)
    monthly["entity_id"] = monthly["entity_id"].astype(str)
    city = entities.loc[entities["entity_type"] == "city", "entity_id"]
    city_id = str(city.iloc[0]) if len(city) else "city"
    rollups = {lvl: rollup(yearly, lvl, city_id) for lvl in LEVELS}
    return Result(monthly=monthly, yearly=yearly, rollups=rollups,
                  products=products(yearly, tables["production"]),
                  factor_usage=factor_usage(energy, lf),
                  notes=fallback_notes(lf, sorted(set(yearly["year"].astype(int)))))


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
    _aligned(a.factor_usage, b.factor_usage, ["entity_id", "year", "factor_id"],
                      "factor_usage")
    p1, p2 = _aligned(a.products, b.products, ["entity_id", "year", "product"], "products")
    for c in ("energy_tce", "co2_t", "energy_kgce_per_unit", "co2_t_per_unit"):
        _close(p1[c], p2[c], f"products.{c}", rel, abs_)
    n1 = sorted((n["year"], n["factor"], n["factor_id"]) for n in a.notes)
    n2 = sorted((n["year"], n["factor"], n["factor_id"]) for n in b.notes)
    if n1 != n2:
        raise AssertionError(f"notes differ: {n1} vs {n2}")
