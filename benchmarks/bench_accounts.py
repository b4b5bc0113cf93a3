"""Benchmark of the accounts engine against a plain pandas implementation.

    python benchmarks/bench_accounts.py [--sizes 1000,10000,50000] [--repeat N] [--profile]
                                        [--write-docs] [--store file|memory]

For each size (enterprises × 72 months, 2020-01..2025-12) a seeded synthetic city is
generated once through :func:`qingshan.accounts.store_tables` (so it always has the
store schema the engine expects: integer keys, the ``coefficients`` table) and written to
Parquet under ``benchmarks/out/``. Every timed run is a fresh subprocess that starts from
those files, so the peak RSS it reports (``VmHWM``) belongs to that run alone:

* Qingshan: open an embedded DuckDB file in a fresh temporary directory (the product's
  default kind of store) and load the Parquet files with
  :meth:`Store.replace_tables_from_parquet` (DuckDB reads them itself); then
  :func:`qingshan.accounts.compute` (monthly and yearly accounts materialized in the
  store, yearly, roll-ups, products, factor usage and notes fetched to pandas; the monthly
  table stays in the store); then, timed apart, ``result.monthly`` fetched into pandas;
* pandas: ``benchmarks/pandas_baseline.py`` reads the same files and computes the same
  accounts, the monthly table included, in memory.

The first run of every size writes both results, and the parent asserts that they agree
(monthly per enterprise and month within rel 1e-9, yearly, every roll-up level, factor
usage, products, notes). ``--profile`` also times each store call of ``compute()`` at
the largest size; ``--write-docs`` rewrites docs/performance.md with the numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks import pandas_baseline as pb  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
DOC = ROOT / "docs" / "performance.md"
FIRST_YEAR, MONTHS = 2020, 72
CITY_ID = "450999"
TARGET_SECONDS, TARGET_RSS_MB, TARGET_SPEEDUP = 10.0, 3072.0, 5.0
#: Bumped when generate() changes what it writes: cached inputs of another version are
#: regenerated (2: the 2026.2 columns and the materials and gases tables).
GENERATOR_VERSION = 2

# --------------------------------------------------------------------------------------
# Synthetic city
# --------------------------------------------------------------------------------------

#: Carriers an enterprise may burn or use (use = fuel): weight of being in a portfolio,
#: median monthly quantity in the canonical unit (t, m³, kWh, GJ).
FUEL_POOL: tuple[tuple[str, float, float], ...] = (
    ("bituminous_coal", 0.20, 2_000.0), ("anthracite", 0.06, 800.0), ("raw_coal", 0.05, 1_500.0),
    ("cleaned_coal", 0.04, 1_000.0), ("lignite", 0.02, 1_000.0), ("coke", 0.06, 500.0),
    ("natural_gas", 0.18, 200_000.0), ("diesel", 0.12, 20.0), ("gasoline", 0.06, 10.0),
    ("fuel_oil", 0.03, 50.0), ("lpg", 0.04, 10.0), ("heat", 0.10, 2_000.0),
    ("coke_oven_gas", 0.01, 1_000_000.0), ("blast_furnace_gas", 0.01, 5_000_000.0),
    ("lng", 0.01, 50.0), ("petroleum_coke", 0.01, 200.0), ("fresh_water", 0.05, 50_000.0),
)
#: Rows with another use: (carrier, use, share of enterprises, median monthly quantity).
SPECIAL_ROWS: tuple[tuple[str, str, float, float], ...] = (
    ("electricity", "self_generated_renewable", 0.15, 200_000.0),
    ("heat", "export", 0.08, 1_000.0),
    ("electricity", "export", 0.03, 100_000.0),
    ("natural_gas", "feedstock", 0.04, 300_000.0),
    ("bituminous_coal", "feedstock", 0.02, 1_000.0),
    ("diesel", "non_industrial", 0.35, 2.0),
)
INDUSTRIES = ("2511", "2614", "2619", "2631", "2641", "2651", "2710", "2929", "3011", "3012",
              "3041", "3110", "3120", "3216", "3311", "3351", "3360", "3484", "3670", "3825",
              "3971", "1713", "2211", "1391", "4411")
#: Default NCV (GJ per canonical unit) of carriers that get some measured values.
MEASURED_NCV: dict[str, float] = {"bituminous_coal": 19.570, "anthracite": 26.7,
                                  "natural_gas": 0.038931, "coke": 28.435}


def uscc(i: int) -> str:
    """An 18-character unified social credit code with a valid GB 32100-2015 check character."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first = f"91450200MA{i:07d}"
    total = sum(chars.index(c) * pow(3, k, 31) for k, c in enumerate(first))
    return first + chars[(31 - total % 31) % 31]


def _strings(codes: np.ndarray, values: list[str]) -> pa.Array:
    """A string column from integer codes into ``values``, dictionary-encoded (a pandas
    categorical once converted), so that millions of rows cost no Python objects."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                          pa.array(values, pa.string()))


def _opt(values: np.ndarray, present: np.ndarray) -> pa.Array:
    """A float column that is null where ``present`` is false."""
    return pa.array(values.astype(np.float64), mask=~present)


#: Process columns of 2026.2 (cement formula (2), non-carbonate oxides, carbon reductants).
NEW_PROCESS_COLUMNS = ("cao_noncarbonate_fraction", "mgo_noncarbonate_fraction", "raw_meal_co2_fraction",
                       "raw_meal_loss_on_ignition", "carbon_fraction")


def _some(rng: np.random.Generator, pool: np.ndarray, share: float) -> np.ndarray:
    """A ``share`` of ``pool`` (enterprise codes), at least one when the pool has any, so that
    a small city still has every kind of row."""
    pick = np.asarray(pool)[rng.random(len(pool)) < share]
    if len(pick) == 0 and len(pool) > 0:
        pick = np.asarray(pool)[[int(rng.integers(0, len(pool)))]]
    return np.sort(pick)


def _monthly(ents: np.ndarray, months: int, rng: np.random.Generator, missing: float = 0.03
             ) -> tuple[np.ndarray, np.ndarray]:
    """(enterprise, month index) of every month of ``ents``, ``missing`` of them left out."""
    e = np.tile(ents, months)
    mo = np.repeat(np.arange(months), len(ents))
    keep = rng.random(len(e)) >= missing
    return e[keep], mo[keep]


def glass_rows(rng: np.random.Generator, codes: np.ndarray, ids: list[str], months: int,
               materials: list[str]) -> pa.Table:
    """Monthly batch carbonates and carbon powder of flat-glass makers (3041): soda ash,
    limestone, dolomite, a little NaHCO3 and 炭粉 at a measured 80-90 % carbon."""
    ents = _some(rng, np.nonzero(codes == "3041")[0], 0.6)
    e, mo = _monthly(ents, months, rng)
    spec = (("na2co3", 3_000.0), ("caco3", 5_000.0), ("camg_co3_2", 2_500.0), ("nahco3", 5.0),
            ("carbon_reductant", 10.0))
    k = len(e) * len(spec)
    ent = np.repeat(e, len(spec))
    mon = np.repeat(mo, len(spec))
    mat = np.tile([materials.index(m) for m, _ in spec], len(e))
    med = np.tile([q for _, q in spec], len(e))
    reductant = mat == materials.index("carbon_reductant")
    none = np.zeros(k, bool)
    return pa.table({
        "entity_id": _strings(ent, ids),
        "year": pa.array(FIRST_YEAR + mon // 12, pa.int64()),
        "month": pa.array(1 + mon % 12, pa.int64()),
        "material": _strings(mat, materials),
        "quantity": pa.array(np.round(med * rng.lognormal(0.0, 0.3, k), 3), pa.float64()),
        "cao_fraction": _opt(np.zeros(k), none), "mgo_fraction": _opt(np.zeros(k), none),
        "calcination_fraction": _opt(rng.uniform(0.97, 1.0, k), ~reductant & (rng.random(k) < 0.3)),
        "sulfur_fraction": _opt(np.zeros(k), none), "ash_fraction": _opt(np.zeros(k), none),
        "cao_noncarbonate_fraction": _opt(np.zeros(k), none), "mgo_noncarbonate_fraction": _opt(np.zeros(k), none),
        "raw_meal_co2_fraction": _opt(np.zeros(k), none), "raw_meal_loss_on_ignition": _opt(np.zeros(k), none),
        "carbon_fraction": _opt(rng.uniform(0.80, 0.90, k), reductant),
    })


#: Carbon-balance rows per sector: (material, flow, median monthly quantity in t or m³, share
#: of months, measured carbon fraction range or None for the guideline's default, purity
#: range or None). Carriers never appear as inputs (their carbon comes with the feedstock
#: energy rows, P112); products that are carriers take NCV × CC × 44/12.
BALANCE_ROWS: dict[str, tuple[tuple[str, str, float, float, tuple[float, float] | None,
                                    tuple[float, float] | None], ...]] = {
    "steel": (("limestone", "input", 8_000.0, 1.0, None, (0.88, 0.95)),
              ("dolomite", "input", 2_000.0, 0.8, None, (0.90, 0.97)),
              ("electrode", "input", 250.0, 0.7, None, None),
              ("pig_iron", "input", 4_000.0, 0.6, None, None),
              ("ferrochrome", "input", 80.0, 0.3, None, None),
              ("carburiser", "input", 40.0, 0.5, (0.90, 0.98), None),
              ("crude_steel", "product", 90_000.0, 1.0, None, None),
              ("coke", "product", 800.0, 0.4, None, None),
              ("dust", "waste", 500.0, 0.3, (0.02, 0.05), None)),
    # per 60 000 t of coal charged (feedstock): about 40 000 t of coke, tar, benzene and the
    # coke-oven gas sold (the rest heats the ovens: a fuel row)
    "coking": (("coke", "product", 40_000.0, 1.0, None, None),
               ("coal_tar", "product", 2_500.0, 1.0, None, None),
               ("crude_benzene", "product", 700.0, 0.9, None, None),
               ("coke_oven_gas", "product", 4_000_000.0, 0.8, None, None)),
    "ammonia": (("urea", "product", 3_500.0, 1.0, None, None),
                ("methanol", "product", 500.0, 0.5, None, None),
                ("ash", "waste", 150.0, 0.6, (0.05, 0.15), None),
                ("co2", "supplied", 600_000.0, 0.7, None, (0.98, 0.995))),
    "chemical": (("propylene", "input", 1_000.0, 1.0, None, None),
                 ("acrylonitrile", "product", 900.0, 1.0, None, None),
                 ("tar_residue", "waste", 30.0, 0.5, (0.6, 0.8), None)),
}


def materials_rows(rng: np.random.Generator, codes: np.ndarray, override: np.ndarray, ids: list[str],
                   months: int) -> pa.Table:
    """The ``materials`` table of the balance sectors: most steel works (3110, 3120; not those
    that chose the general method) and ammonia plants, the coke-makers, a fifth of the other
    chemical firms and the firms that chose the chemical method, every month (3 % missing)."""
    general = override == "general"
    steel = _some(rng, np.nonzero(np.isin(codes, ["3110", "3120"]) & ~general)[0], 0.7)
    groups = {
        "steel": steel,
        "coking": _some(rng, np.nonzero(codes == "2521")[0], 1.0),
        "ammonia": _some(rng, np.nonzero(codes == "2621")[0], 0.8),
        "chemical": np.union1d(
            _some(rng, np.nonzero(np.char.startswith(codes.astype(str), "26")
                                  & ~np.isin(codes, ["2621"]))[0], 0.2),
            np.nonzero(override == "chemical")[0]),
    }
    parts = []
    for group, ents in groups.items():
        e, mo = _monthly(ents, months, rng)
        for material, flow, median, share, cf, purity in BALANCE_ROWS[group]:
            sel = rng.random(len(e)) < share
            k = int(sel.sum())
            parts.append(pd.DataFrame({
                "entity": e[sel], "month_index": mo[sel], "material": material, "flow": flow,
                "quantity": np.round(median * rng.lognormal(0.0, 0.2, k), 3),
                "carbon_fraction": rng.uniform(*cf, k) if cf else np.full(k, np.nan),
                "purity": rng.uniform(*purity, k) if purity else np.full(k, np.nan)}))
    t = pd.concat(parts, ignore_index=True)
    names = sorted(set(t["material"]))
    flows = ["input", "product", "waste", "supplied"]
    return pa.table({
        "entity_id": _strings(t["entity"].to_numpy(), ids),
        "year": pa.array(FIRST_YEAR + t["month_index"].to_numpy() // 12, pa.int64()),
        "month": pa.array(1 + t["month_index"].to_numpy() % 12, pa.int64()),
        "material": _strings(t["material"].map(names.index).to_numpy(), names),
        "flow": _strings(t["flow"].map(flows.index).to_numpy(), flows),
        "quantity": pa.array(t["quantity"].to_numpy(), pa.float64()),
        "carbon_fraction": pa.array(t["carbon_fraction"].to_numpy(), from_pandas=True),
        "purity": pa.array(t["purity"].to_numpy(), from_pandas=True),
    })


def gases_rows(rng: np.random.Generator, codes: np.ndarray, ids: list[str], months: int) -> pa.Table:
    """The ``gases`` table: the nitric-acid plants (2611) by one technology of 表2-5 each,
    half with 非选择性催化还原 (use 70-100 %), a tenth with a measured N2O factor; two fifths of
    the 2614 firms making adipic acid by nitric-acid oxidation (or another route) with one of
    表2-7's treatments; three fifths of the aluminium smelters (3216) with measured CF4 and
    C2F6 factors. Every month, 3 % missing."""
    nitric_tech = ["high_pressure", "medium_pressure", "atmospheric", "dual_pressure", "combined"]
    adipic_abate = ["catalytic", "thermal", "recycle_to_nitric_acid", "recycle_to_adipic_feedstock"]
    frames = []
    ents = _some(rng, np.nonzero(codes == "2611")[0], 1.0)
    tech = dict(zip(ents, rng.choice(nitric_tech, len(ents)), strict=True))
    abate = dict(zip(ents, np.where(rng.random(len(ents)) < 0.5, "nscr",
                                    np.where(rng.random(len(ents)) < 0.3, "scr", "")), strict=True))
    own = _some(rng, ents, 0.1)
    measured = dict(zip(ents, np.where(np.isin(ents, own), rng.uniform(5.0, 10.0, len(ents)), np.nan), strict=True))
    e, _mo = _monthly(ents, months, rng)
    frames.append(pd.DataFrame({"entity": e, "month_index": _mo, "source": "nitric_acid",
                                "technology": [tech[x] for x in e], "abatement": [abate[x] for x in e],
                                "quantity": np.round(20_000.0 * rng.lognormal(0.0, 0.3, len(e)), 3),
                                "n2o_kg_per_t": [measured[x] for x in e]}))
    ents = _some(rng, np.nonzero(codes == "2614")[0], 0.4)
    tech = dict(zip(ents, np.where(rng.random(len(ents)) < 0.8, "nitric_acid_oxidation", "other"), strict=True))
    abate = dict(zip(ents, np.where(rng.random(len(ents)) < 0.85, rng.choice(adipic_abate, len(ents)), ""),
                     strict=True))
    e, _mo = _monthly(ents, months, rng)
    frames.append(pd.DataFrame({"entity": e, "month_index": _mo, "source": "adipic_acid",
                                "technology": [tech[x] for x in e], "abatement": [abate[x] for x in e],
                                "quantity": np.round(5_000.0 * rng.lognormal(0.0, 0.3, len(e)), 3),
                                "n2o_kg_per_t": np.nan}))
    ents = _some(rng, np.nonzero(codes == "3216")[0], 0.6)
    e, _mo = _monthly(ents, months, rng)
    cf4 = rng.uniform(0.02, 0.06, len(e))
    frames.append(pd.DataFrame({"entity": e, "month_index": _mo, "source": "aluminium_anode_effect",
                                "technology": "", "abatement": "",
                                "quantity": np.round(20_000.0 * rng.lognormal(0.0, 0.3, len(e)), 3),
                                "n2o_kg_per_t": np.nan, "cf4_kg_per_t": cf4,
                                "c2f6_kg_per_t": cf4 * rng.uniform(0.08, 0.12, len(e))}))
    t = pd.concat(frames, ignore_index=True)
    n2o = t["source"] != "aluminium_anode_effect"
    use = np.where(n2o & (t["abatement"] != ""), rng.uniform(0.7, 1.0, len(t)), np.nan)

    def text(col: str) -> pa.Array:
        return pa.array([str(x) if isinstance(x, str) and x else None for x in t[col]], pa.string())

    return pa.table({
        "entity_id": _strings(t["entity"].to_numpy(), ids),
        "year": pa.array(FIRST_YEAR + t["month_index"].to_numpy() // 12, pa.int64()),
        "month": pa.array(1 + t["month_index"].to_numpy() % 12, pa.int64()),
        "source": text("source"), "technology": text("technology"),
        "quantity": pa.array(t["quantity"].to_numpy(), pa.float64()),
        "unit": pa.array(["t"] * len(t), pa.string()),
        "abatement": text("abatement"),
        "abatement_use": pa.array(use, from_pandas=True),
        "n2o_kg_per_t": pa.array(t["n2o_kg_per_t"].to_numpy(dtype="float64"), from_pandas=True),
        "cf4_kg_per_t": pa.array(t.get("cf4_kg_per_t", pd.Series(np.nan, index=t.index)).to_numpy(dtype="float64"),
                                 from_pandas=True),
        "c2f6_kg_per_t": pa.array(t.get("c2f6_kg_per_t", pd.Series(np.nan, index=t.index))
                                  .to_numpy(dtype="float64"), from_pandas=True),
    })


def generate(n_enterprises: int, *, months: int = MONTHS,
             seed: int = 20260509) -> dict[str, pd.DataFrame]:
    """The store tables of a synthetic city with ``n_enterprises`` × ``months`` months.

    About 5.5 energy rows per enterprise-month (50 000 enterprises → about 20 M rows):
    electricity in every month, one to seven fuels drawn from :data:`FUEL_POOL`, and
    feedstock, export, self-generated renewable and non-industrial rows
    (:data:`SPECIAL_ROWS`); 2 % of enterprise-months are missing; about 1 % of coal and
    gas rows carry a measured NCV, a few also a measured carbon content and oxidation.
    Four per cent of enterprises (cement, lime) report monthly process rows, and the
    aluminium smelters (industry 3216) monthly anode rows.

    The 2026.2 methods, from a generator of their own (``[seed, 20262]``): some chemical
    firms become ammonia–urea (2621), nitric-acid (2611) or adipic-acid (2614) plants and some
    refineries coke-makers (2521); a few firms name their method (``ghg_method``: a steel
    works ``general``, a plastics firm ``chemical``); about 3 % of coal and gas fuel
    portfolios (60 % at power plants, 4411) carry measured element carbon per unit; a quarter
    of the cement and lime makers give non-carbonate CaO and MgO, a tenth make clinker from a
    raw meal (formula (2)); flat-glass makers (3041) report batch carbonates, NaHCO3 and carbon
    powder; steel, coking and chemical firms report ``materials`` rows (inputs, products,
    wastes, recovered CO2) with feedstock energy rows for the ammonia and coke plants; the
    nitric and adipic acid plants and three fifths of the smelters report ``gases`` rows.
    Every kind has at least one enterprise when its sector has any, so a small city
    exercises every rule.
    """
    rng = np.random.default_rng(seed)
    n = n_enterprises
    ids = [uscc(i + 1) for i in range(n)]

    # entities: the city, 8 districts, 3 parks per district, the enterprises
    n_dist = 8
    dist_ids = [f"4509{d + 1:02d}" for d in range(n_dist)]
    park_ids = [f"P{p + 1:02d}" for p in range(n_dist * 3)]
    e_dist = rng.integers(0, n_dist, n)
    e_park = np.where(rng.random(n) < 0.5, e_dist * 3 + rng.integers(0, 3, n), -1)
    e_ind = rng.integers(0, len(INDUSTRIES), n)
    cement = rng.random(n) < 0.04
    e_ind = np.where(cement, INDUSTRIES.index("3011"), e_ind)
    n_other = 1 + n_dist + len(park_ids)
    # the sectors of the 2026.2 methods, from a generator of their own (so that the draws
    # above are what they were): some chemical firms are ammonia–urea (2621) or nitric-acid
    # (2611) plants, some refineries coke-makers (2521); a few firms name their method
    xrng = np.random.default_rng([seed, 20262])
    codes = np.array(INDUSTRIES, dtype=object)[e_ind]
    chem = np.char.startswith(codes.astype(str), "26")
    u = xrng.random(n)
    codes = np.where(chem & (u < 0.25), "2621", np.where(chem & (u >= 0.25) & (u < 0.40), "2611", codes))
    codes = np.where(chem & (u >= 0.40) & (u < 0.50), "2614", codes)  # adipic acid among them (gases)
    codes = np.where((codes == "2511") & (xrng.random(n) < 0.3), "2521", codes)
    steel = np.isin(codes, ["3110", "3120"])
    override = np.full(n, None, dtype=object)
    override[_some(xrng, np.nonzero(steel)[0], 0.1)] = "general"  # reports no balance, by its choice
    # a firm whose own process is chemical (balance rows below)
    override[_some(xrng, np.nonzero(codes == "2929")[0], 0.2)] = "chemical"
    entities = pa.table({
        "entity_id": [CITY_ID, *dist_ids, *park_ids, *ids],
        "entity_type": ["city"] + ["district"] * n_dist + ["park"] * len(park_ids) + ["enterprise"] * n,
        "name": ["青山市", *[f"第{d + 1}区" for d in range(n_dist)],
                 *[f"第{p + 1}园区" for p in range(len(park_ids))], *[f"企业{i + 1}" for i in range(n)]],
        "district_id": [None, *[None] * n_dist, *[dist_ids[p // 3] for p in range(len(park_ids))],
                        *[dist_ids[d] for d in e_dist]],
        "park_id": [None] * n_other + [park_ids[p] if p >= 0 else None for p in e_park],
        "industry_code": [None] * n_other + [str(c) for c in codes],
        "scale": [None] * n_other + list(np.where(rng.random(n) < 0.7, "above", "below")),
        "land_area_mu": pa.array([None] * n_other + list(rng.lognormal(4.5, 1.0, n)), pa.float64()),
        "lon": pa.array([None] * n_other + list(rng.uniform(109.2, 109.8, n)), pa.float64()),
        "lat": pa.array([None] * n_other + list(rng.uniform(24.1, 24.6, n)), pa.float64()),
        "start_year": pa.array([None] * n_other + list(rng.integers(1990, 2020, n).astype(float)),
                               pa.float64()),
    })

    # portfolio: each enterprise reports the same (carrier, use) rows every month
    carriers = [c for c, _, _ in FUEL_POOL]
    weights = np.array([w for _, w, _ in FUEL_POOL])
    k = 1 + rng.binomial(6, 0.49, n)  # fuels besides electricity
    gumbel = np.log(weights)[None, :] - np.log(-np.log(rng.random((n, len(FUEL_POOL)))))
    order = np.argsort(-gumbel, axis=1)
    take = np.arange(len(FUEL_POOL))[None, :] < k[:, None]
    p_ent = np.concatenate([np.arange(n), np.nonzero(take)[0]])
    p_fuel = np.concatenate([np.full(n, -1), order[take]])
    carrier_names = [*carriers, "electricity"]
    p_car = np.where(p_fuel < 0, len(carriers), p_fuel)
    p_use = np.zeros(len(p_ent), dtype=np.int64)  # 0 = fuel
    p_med = np.where(p_fuel < 0, 2_000_000.0, np.array([m for _, _, m in FUEL_POOL])[p_fuel])
    uses = ["fuel", "feedstock", "export", "self_generated_renewable", "non_industrial"]
    for carrier, use, share, median in SPECIAL_ROWS:
        has = np.nonzero(rng.random(n) < share)[0]
        p_ent = np.concatenate([p_ent, has])
        p_car = np.concatenate([p_car, np.full(len(has), carrier_names.index(carrier))])
        p_use = np.concatenate([p_use, np.full(len(has), uses.index(use))])
        p_med = np.concatenate([p_med, np.full(len(has), median)])
    p_scale = p_med * rng.lognormal(0.0, 1.0, len(p_ent))
    # feedstock of the balance plants (their carbon enters the balance): natural gas of the
    # ammonia plants, cleaned coal charged by the coke-makers, where not drawn already
    carrier_names += [c for c in ("cleaned_coal",) if c not in carrier_names]
    for code, carrier, median in (("2621", "natural_gas", 3_000_000.0), ("2521", "cleaned_coal", 60_000.0)):
        who = np.nonzero(codes == code)[0]
        ci, fi = carrier_names.index(carrier), uses.index("feedstock")
        who = np.array([e for e in who if not ((p_ent == e) & (p_car == ci) & (p_use == fi)).any()], dtype=np.int64)
        p_ent = np.concatenate([p_ent, who])
        p_car = np.concatenate([p_car, np.full(len(who), ci)])
        p_use = np.concatenate([p_use, np.full(len(who), fi)])
        p_scale = np.concatenate([p_scale, median * xrng.lognormal(0.0, 0.5, len(who))])
    # measured element carbon (含碳量计算法) on some coal and gas fuel portfolios, most of the
    # power plants' (4411): tC/t (tC/m³ for gas) around typical as-received values
    elem_base = {"bituminous_coal": (0.50, 0.62), "anthracite": (0.60, 0.75), "raw_coal": (0.40, 0.60),
                 "lignite": (0.30, 0.40), "natural_gas": (0.00055, 0.00060)}
    e_share = np.where(codes[p_ent] == "4411", 0.6, 0.03)
    p_elem = np.full(len(p_ent), np.nan)
    for carrier, (lo, hi) in elem_base.items():
        if carrier in carrier_names:
            sel = (p_car == carrier_names.index(carrier)) & (p_use == 0) & (xrng.random(len(p_ent)) < e_share)
            p_elem[sel] = xrng.uniform(lo, hi, int(sel.sum()))
    by_ent = np.argsort(p_ent, kind="stable")
    p_ent, p_car, p_use, p_scale = p_ent[by_ent], p_car[by_ent], p_use[by_ent], p_scale[by_ent]
    p_elem = p_elem[by_ent]
    starts = np.searchsorted(p_ent, np.arange(n))
    counts = np.bincount(p_ent, minlength=n)

    # enterprise-months present (2 % missing), in reporting order: month, then enterprise
    em_month = np.repeat(np.arange(months), n)
    em_ent = np.tile(np.arange(n), months)
    keep = rng.random(len(em_ent)) >= 0.02
    em_month, em_ent = em_month[keep], em_ent[keep]
    reps = counts[em_ent]
    row_ent = np.repeat(em_ent, reps)
    row_month = np.repeat(em_month, reps)
    first = np.repeat(np.cumsum(reps) - reps, reps)
    row_p = np.repeat(starts[em_ent], reps) + (np.arange(len(row_ent)) - first)
    rows = len(row_ent)
    season = 1.0 + 0.15 * np.cos(2 * np.pi * (row_month % 12) / 12.0)
    quantity = np.round(p_scale[row_p] * season * rng.lognormal(0.0, 0.2, rows), 3)
    row_car = p_car[row_p]
    measured_car = np.array([carrier_names[c] in MEASURED_NCV for c in range(len(carrier_names))])
    ncv_default = np.array([MEASURED_NCV.get(c, np.nan) for c in carrier_names])
    has_ncv = measured_car[row_car] & (p_use[row_p] == 0) & (rng.random(rows) < 0.01)
    ncv = ncv_default[row_car] * rng.uniform(0.9, 1.1, rows)
    has_cc = has_ncv & (rng.random(rows) < 0.3)
    has_of = has_ncv & (rng.random(rows) < 0.3)
    ent_codes = np.asarray(row_ent, dtype=np.int64)
    elem = p_elem[row_p] * xrng.uniform(0.98, 1.02, rows)
    has_elem = ~np.isnan(elem) & ~has_cc  # not with a measured carbon per GJ as well (P144)
    m_cc = rng.uniform(0.024, 0.028, rows)
    m_of = rng.uniform(0.9, 0.99, rows)
    # 原煤 has no default oxidation rate: with element carbon it needs a measured one (P145);
    # the MEE power guideline's 99 % (环办气候〔2021〕9号 附件2 6.2.4.1)
    raw = has_elem & (row_car == carrier_names.index("raw_coal")) & ~has_of
    m_of = np.where(raw, 0.99, m_of)
    energy = pa.table({
        "entity_id": _strings(ent_codes, ids),
        "year": pa.array(FIRST_YEAR + row_month // 12, pa.int64()),
        "month": pa.array(1 + row_month % 12, pa.int64()),
        "carrier": _strings(row_car, carrier_names),
        "use": _strings(p_use[row_p], uses),
        "quantity": pa.array(quantity, pa.float64()),
        "measured_ncv": _opt(ncv, has_ncv),
        "measured_carbon_content": _opt(m_cc, has_cc),
        "measured_oxidation": _opt(m_of, has_of | raw),
        "measured_carbon_per_unit": _opt(np.nan_to_num(elem), has_elem),
    })

    # process rows: cement and lime makers, every month they report
    c_ent = np.nonzero(cement)[0]
    pm_month = np.repeat(np.arange(months), len(c_ent))
    pm_ent = np.tile(c_ent, months)
    materials = ["clinker", "caco3", "camg_co3_2", "lime", "anode", "na2co3", "nahco3", "carbon_reductant"]
    kinds = [0, 1, 2, 3]
    parts = []
    for kind in kinds:
        share = (1.0, 0.4, 0.1, 0.2)[kind]
        sel = rng.random(len(pm_ent)) < share
        parts.append((pm_ent[sel], pm_month[sel], np.full(int(sel.sum()), kind)))
    pe = np.concatenate([p[0] for p in parts])
    pmo = np.concatenate([p[1] for p in parts])
    pk = np.concatenate([p[2] for p in parts])
    m = len(pe)
    oxide = (pk == 0) | (pk == 3)
    cao = np.where(pk == 0, rng.uniform(0.62, 0.67, m), rng.uniform(0.85, 0.95, m))
    mgo = rng.uniform(0.005, 0.03, m)
    calc = rng.uniform(0.95, 1.0, m)
    has_mgo = oxide & (rng.random(m) < 0.9)
    # 2026.2 (粤环函〔2021〕103号 附件2 6.1.1.1): a quarter of the cement and lime makers give the
    # CaO and MgO not from carbonates (formula (1) with the difference), a tenth make clinker
    # from a raw meal with carbide slag (formula (2): the raw meal's CO2 and loss on ignition,
    # no CaO or MgO)
    nc_ent = _some(xrng, c_ent, 0.25)
    meal_ent = _some(xrng, np.setdiff1d(c_ent, nc_ent), 0.10)
    by_meal = (pk == 0) & np.isin(pe, meal_ent)
    has_nc = oxide & np.isin(pe, nc_ent)
    cao_nc = xrng.uniform(0.005, 0.03, m)
    mgo_nc = np.minimum(xrng.uniform(0.0, 0.004, m), mgo)
    cd, loi = xrng.uniform(0.32, 0.36, m), xrng.uniform(0.34, 0.37, m)
    process = pa.table({
        "entity_id": _strings(pe, ids),
        "year": pa.array(FIRST_YEAR + pmo // 12, pa.int64()),
        "month": pa.array(1 + pmo % 12, pa.int64()),
        "material": _strings(pk, materials),
        "quantity": pa.array(np.round(rng.lognormal(np.log(20_000.0), 0.8, m), 3), pa.float64()),
        "cao_fraction": _opt(cao, oxide & ~by_meal),
        "mgo_fraction": _opt(mgo, has_mgo & ~by_meal),
        "calcination_fraction": _opt(calc, ~oxide & (rng.random(m) < 0.5)),
        "sulfur_fraction": _opt(np.zeros(m), np.zeros(m, bool)),
        "ash_fraction": _opt(np.zeros(m), np.zeros(m, bool)),
        "cao_noncarbonate_fraction": _opt(cao_nc, has_nc),
        "mgo_noncarbonate_fraction": _opt(mgo_nc, has_nc & has_mgo),
        "raw_meal_co2_fraction": _opt(cd, by_meal),
        "raw_meal_loss_on_ignition": _opt(loi, by_meal),
        "carbon_fraction": _opt(np.zeros(m), np.zeros(m, bool)),
    })
    # anode rows of the aluminium smelters, every month, drawn from a generator of their
    # own so that the other tables are what they were before anodes were added
    arng = np.random.default_rng([seed, 3216])
    a_ent = np.nonzero(e_ind == INDUSTRIES.index("3216"))[0]
    a_month = np.repeat(np.arange(months), len(a_ent))
    a_ent = np.tile(a_ent, months)
    k = len(a_ent)
    anodes = pa.table({
        "entity_id": _strings(a_ent, ids),
        "year": pa.array(FIRST_YEAR + a_month // 12, pa.int64()),
        "month": pa.array(1 + a_month % 12, pa.int64()),
        "material": _strings(np.full(k, materials.index("anode")), materials),
        "quantity": pa.array(np.round(arng.lognormal(np.log(4_000.0), 0.6, k), 3), pa.float64()),
        "cao_fraction": _opt(np.zeros(k), np.zeros(k, bool)),
        "mgo_fraction": _opt(np.zeros(k), np.zeros(k, bool)),
        "calcination_fraction": _opt(np.zeros(k), np.zeros(k, bool)),
        "sulfur_fraction": pa.array(arng.uniform(0.015, 0.025, k)),
        "ash_fraction": pa.array(arng.uniform(0.003, 0.005, k)),
        **{c: _opt(np.zeros(k), np.zeros(k, bool)) for c in NEW_PROCESS_COLUMNS},
    })
    process = pa.concat_tables([process, anodes, glass_rows(xrng, codes, ids, months, materials)])

    # economics: one row per enterprise-year; 2 % missing, 1 % with value added <= 0
    years = months // 12 + (months % 12 > 0)
    ey_ent = np.repeat(np.arange(n), years)
    ey_year = np.tile(np.arange(years), n)
    ok = rng.random(len(ey_ent)) >= 0.02
    ey_ent, ey_year = ey_ent[ok], ey_year[ok]
    q = len(ey_ent)
    va = rng.lognormal(np.log(5_000.0), 1.2, q)
    va = np.where(rng.random(q) < 0.01, -rng.uniform(0, 500, q) * (rng.random(q) < 0.5), va)
    economics = pa.table({
        "entity_id": _strings(ey_ent, ids),
        "year": pa.array(FIRST_YEAR + ey_year, pa.int64()),
        "output_value_10k_yuan": np.abs(va) * rng.uniform(3, 5, q),
        "value_added_10k_yuan": va,
        "revenue_10k_yuan": np.abs(va) * rng.uniform(3, 6, q),
        "tax_10k_yuan": va * rng.uniform(0.05, 0.2, q),
        "employees": np.round(rng.lognormal(4.5, 1.0, q)),
        "rd_expense_10k_yuan": np.abs(va) * rng.uniform(0, 0.05, q),
    })

    # production: 30 % of enterprises one product a year, 5 % two products with shares
    one = rng.random(n) < 0.30
    two = ~one & (rng.random(n) < 0.05)
    pr_ent = np.concatenate([np.repeat(np.nonzero(one | two)[0], years),
                             np.repeat(np.nonzero(two)[0], years)])
    pr_year = np.concatenate([np.tile(np.arange(years), int((one | two).sum())),
                              np.tile(np.arange(years), int(two.sum()))])
    second = np.concatenate([np.zeros(int((one | two).sum()) * years, bool),
                             np.ones(int(two.sum()) * years, bool)])
    is_two = two[pr_ent]
    share = np.where(is_two, np.where(second, 0.4, 0.6), np.nan)
    r = len(pr_ent)
    production = pa.table({
        "entity_id": _strings(pr_ent, ids),
        "year": pa.array(FIRST_YEAR + pr_year, pa.int64()),
        "product": _strings(second.astype(np.int64), ["主产品", "副产品"]),
        "quantity": np.round(rng.lognormal(np.log(10_000.0), 1.0, r), 1),
        "unit": _strings(np.zeros(r, dtype=np.int64), ["t"]),
        "energy_share": _opt(np.nan_to_num(share), is_two),
    })

    entities = entities.append_column("ghg_method", pa.array([None] * n_other + list(override), pa.string()))
    package = {"entities": entities, "energy": energy, "process": process, "economics": economics,
               "production": production, "materials": materials_rows(xrng, codes, override, ids, months),
               "gases": gases_rows(xrng, codes, ids, months)}
    tables = to_store_tables({k: v.to_pandas() for k, v in package.items()})
    # the store's entities have no ghg_method column (the engine keeps the methods in
    # ``entity_methods``); the pandas baseline assigns methods itself and reads the
    # enterprises' own choice from here
    ent = tables["entities"]
    tables["entities"] = ent.assign(ghg_method=ent["entity_id"].map(
        dict(zip(package["entities"]["entity_id"].to_pylist(), package["entities"]["ghg_method"].to_pylist(),
                 strict=True))))
    return tables


def to_store_tables(package: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The store tables of a package-like set of canonical tables, through
    :func:`qingshan.accounts.store_tables` itself, so that the benchmark always feeds the
    store the schema the engine expects (keys, coefficient tables), whatever it is."""
    from qingshan import accounts
    from qingshan.factors import load_factor_set

    package = {"materials": pd.DataFrame({c: [] for c in ("entity_id", "year", "month", "material", "flow",
                                                          "quantity", "carbon_fraction", "purity")}),
               "gases": pd.DataFrame({c: [] for c in ("entity_id", "year", "month", "source", "technology",
                                                      "quantity", "abatement", "abatement_use", "n2o_kg_per_t",
                                                      "cf4_kg_per_t", "c2f6_kg_per_t")}), **package}
    pkg = SimpleNamespace(**package, pollutants=pd.DataFrame(), source="synthetic")
    tables = accounts.store_tables(pkg, load_factor_set())  # type: ignore[arg-type]
    return {name: t.to_pandas() if isinstance(t, pa.Table) else t for name, t in tables.items()}


def data_dir(n: int) -> Path:
    return OUT / f"city_{n}"


def ensure_data(n: int, *, force: bool = False) -> dict[str, Any]:
    """Generate the Parquet files of size ``n`` once; return their facts."""
    d = data_dir(n)
    facts = d / "facts.json"
    if facts.exists() and not force:
        out: dict[str, Any] = json.loads(facts.read_text("utf-8"))
        if out.get("generator") == GENERATOR_VERSION:  # else: files of an earlier generator
            return out
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("*.parquet"):  # tables of an earlier store schema
        old.unlink()
    t0 = time.perf_counter()
    tables = generate(n)
    gen_s = time.perf_counter() - t0
    for name, frame in tables.items():
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), d / f"{name}.parquet",
                       compression="zstd")
    info = {
        "generator": GENERATOR_VERSION,
        "enterprises": n, "months": MONTHS, "energy_rows": len(tables["energy"]),
        "process_rows": len(tables["process"]), "materials_rows": len(tables["materials"]),
        "gases_rows": len(tables["gases"]),
        "energy_rows_per_enterprise_month": len(tables["energy"]) / (n * MONTHS),
        "tables": {name: list(frame.columns) for name, frame in tables.items()},
        "parquet_mb": sum(f.stat().st_size for f in d.glob("*.parquet")) / 2**20,
        "generate_s": gen_s,
    }
    facts.write_text(json.dumps(info, indent=1), "utf-8")
    return info


# --------------------------------------------------------------------------------------
# Measuring (inside the workers)
# --------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    ``VmHWM`` of /proc/self/status, the high-water mark of this program's own memory.
    ``ru_maxrss`` is the fallback; on Linux it also counts the parent's resident size at
    fork time (it survives fork and exec), which would overstate a small worker's peak.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def own_cpu_s() -> float:
    """CPU seconds used by this process, all threads (DuckDB's included)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def machine_cpu_s() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq = v[:7]
    steal = v[7] if len(v) > 7 else 0
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK


def minor_faults() -> int:
    """Minor page faults of this process so far (each maps a fresh page of memory)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Phase:
    """Wall time, own CPU time, page faults and other processes' CPU over a stretch of code."""

    def __init__(self) -> None:
        self.t, self.cpu, (self.busy, self.steal) = time.perf_counter(), own_cpu_s(), machine_cpu_s()
        self.faults = minor_faults()

    def end(self) -> dict[str, float]:
        wall, cpu = time.perf_counter() - self.t, own_cpu_s() - self.cpu
        busy, steal = machine_cpu_s()
        return {"s": wall, "cpu_s": cpu, "others_cpu_s": max(0.0, busy - self.busy - cpu),
                "steal_s": steal - self.steal, "faults": float(minor_faults() - self.faults)}


def others_load(seconds: float = 2.0) -> float:
    """Cores kept busy by other processes over ``seconds`` (this process is idle meanwhile)."""
    b0, _ = machine_cpu_s()
    time.sleep(seconds)
    b1, _ = machine_cpu_s()
    return (b1 - b0) / seconds


# --------------------------------------------------------------------------------------
# Workers (one fresh process per timed run)
# --------------------------------------------------------------------------------------


def table_files(d: Path) -> dict[str, Path]:
    """The store tables of a generated city: one Parquet file per table."""
    return {f.stem: f for f in sorted(d.glob("*.parquet"))}


def _connect(store_kind: str) -> tuple[Any, tempfile.TemporaryDirectory[str] | None]:
    """The store of one run: a DuckDB file in a fresh temporary directory (the product's
    default kind of store, ``duckdb:///…``), or in-memory DuckDB (``--store memory``)."""
    from qingshan.store import Store

    if store_kind == "memory":
        return Store.connect(None), None
    tmp = tempfile.TemporaryDirectory(prefix="qs_bench_")
    return Store.connect(f"duckdb:///{tmp.name}/qingshan.duckdb"), tmp


def work_qingshan(d: Path, store_kind: str, result_dir: Path | None) -> dict[str, Any]:
    """Load the Parquet files into the store (inside DuckDB), then ``accounts.compute``,
    then, timed apart, fetch the monthly accounts (kept in the store) into pandas."""
    from qingshan import accounts
    from qingshan.factors import load_factor_set

    fs = load_factor_set()
    rss0 = peak_rss_mb()
    ph = Phase()
    store, tmp = _connect(store_kind)
    store.replace_tables_from_parquet(table_files(d))
    load = ph.end()
    rss_load = peak_rss_mb()
    ph = Phase()
    res = accounts.compute(store, fs)
    # Factor usage is expanded from the lineage masks when first read; the pandas baseline
    # builds it inside its compute, so it is read inside the timed compute here too.
    assert len(res.factor_ids) > 0
    compute = ph.end()
    rss_compute = peak_rss_mb()
    ph = Phase()  # the monthly accounts stay in the store until read (a lazy attribute)
    monthly_rows = len(res.monthly)
    fetch = ph.end()
    out = {"load": load, "compute": compute, "fetch_monthly": fetch, "rss_base_mb": rss0,
           "rss_load_mb": rss_load, "rss_compute_mb": rss_compute, "rss_peak_mb": peak_rss_mb(),
           "monthly_rows": monthly_rows}
    if result_dir is not None:
        pb.save_result(pb.Result(monthly=res.monthly, yearly=res.yearly, rollups=res.rollups,
                                 products=res.products, factor_usage=res.factor_usage,
                                 notes=res.notes), result_dir)
    store.close()
    if tmp is not None:
        tmp.cleanup()
    return out


def work_pandas(d: Path, result_dir: Path | None) -> dict[str, Any]:
    """Read the Parquet files into pandas, then the baseline's accounts."""
    rss0 = peak_rss_mb()
    ph = Phase()
    tables = pb.load(d)
    load = ph.end()
    rss_load = peak_rss_mb()
    ph = Phase()
    res = pb.compute(tables)
    compute = ph.end()
    out = {"load": load, "compute": compute, "rss_base_mb": rss0, "rss_load_mb": rss_load,
           "rss_peak_mb": peak_rss_mb(), "monthly_rows": len(res.monthly)}
    if result_dir is not None:
        pb.save_result(res, result_dir)
    return out


#: Helpers of ``qingshan.accounts`` that the profile times when ``compute()`` calls them.
PYTHON_STEPS = ("process_usage", "product_intensity", "fallback_notes",
                "factor_lookup")


def _label(frame: pd.DataFrame) -> str:
    """Name a result fetched by ``compute()`` after its columns."""
    cols = set(frame.columns)
    if "level" in cols:
        return f"fetch rollup {frame['level'].iloc[0]}" if len(frame) else "fetch rollup"
    if "months_reported" in cols:
        return "fetch yearly"
    if "month" in cols and "co2_t" in cols:
        return "fetch monthly"
    if "product" in cols:
        return "fetch production"
    if cols == {"entity_id"}:
        return "fetch city id"
    if cols == {"entity_id", "name"}:
        return "fetch city" if len(frame) <= 1 else "fetch entity names"
    if cols == {"entity_id", "year", "material"}:
        return "fetch process materials (lineage)"
    return f"other query ({', '.join(sorted(cols))[:40]}; {len(frame)} rows)"


def work_profile(d: Path, store_kind: str) -> dict[str, Any]:
    """Time each store call that ``compute()`` makes, whatever its current shape."""
    from qingshan import accounts
    from qingshan.factors import load_factor_set

    fs = load_factor_set()
    store, tmp = _connect(store_kind)
    store.replace_tables_from_parquet(table_files(d))
    log: list[dict[str, Any]] = [{"step": "(after the load, not part of compute)", "s": 0.0,
                                  "cpu_s": 0.0, "others_cpu_s": 0.0, "peak_mb": peak_rss_mb()}]
    execute: Callable[[Any], pd.DataFrame] = store.execute
    materialize: Callable[[str, Any], None] = store.materialize

    def timed_execute(expr: Any) -> pd.DataFrame:
        ph = Phase()
        out = execute(expr)
        log.append({"step": _label(out), **ph.end(), "rows": len(out), "peak_mb": peak_rss_mb()})
        return out

    def timed_materialize(name: str, expr: Any) -> None:
        ph = Phase()
        materialize(name, expr)
        log.append({"step": f"materialize {name}", **ph.end(), "peak_mb": peak_rss_mb()})

    def timed_python(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            ph = Phase()
            out = fn(*args, **kwargs)
            log.append({"step": f"Python: {name}()", **ph.end(), "peak_mb": peak_rss_mb()})
            return out
        return wrapper

    store.execute = timed_execute  # type: ignore[method-assign]
    store.materialize = timed_materialize  # type: ignore[method-assign]
    patched = {}
    for name in PYTHON_STEPS:  # helpers compute() calls by module-level name, if it has them
        fn = getattr(accounts, name, None)
        if callable(fn):
            patched[name] = fn
            setattr(accounts, name, timed_python(name, fn))
    ph = Phase()
    try:
        res = accounts.compute(store, fs)
        ph_ids = Phase()  # read inside the timed compute of work_qingshan too
        assert len(res.factor_ids) > 0
        log.append({"step": "Python: factor_ids (lineage)", **ph_ids.end(), "peak_mb": peak_rss_mb()})
    finally:
        for name, fn in patched.items():
            setattr(accounts, name, fn)
    total = ph.end()
    log.append({"step": "other Python in compute() (expressions, sets, names, citations)",
                "s": total["s"] - sum(x["s"] for x in log),
                "cpu_s": total["cpu_s"] - sum(x["cpu_s"] for x in log), "others_cpu_s": 0.0})
    store.close()
    if tmp is not None:
        tmp.cleanup()
    return {"compute": total, "steps": log, "rss_peak_mb": peak_rss_mb()}


def worker_main(args: argparse.Namespace) -> None:
    d = data_dir(args.size)
    result_dir = Path(args.result_dir) if args.result_dir else None
    if args.worker == "qingshan":
        out = work_qingshan(d, args.store, result_dir)
    elif args.worker == "pandas":
        out = work_pandas(d, result_dir)
    else:
        out = work_profile(d, args.store)
    print("RESULT " + json.dumps(out))


# --------------------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------------------


def wait_quiet(max_wait_s: float, threshold: float = 0.3) -> float:
    """Wait (at most ``max_wait_s``) until other processes use < ``threshold`` cores."""
    deadline = time.monotonic() + max_wait_s
    load = others_load()
    while load > threshold and time.monotonic() < deadline:
        time.sleep(5.0)
        load = others_load()
    return load


def run_worker(kind: str, n: int, store: str, result_dir: Path | None,
               quiet_wait_s: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--size", str(n),
           "--store", store]
    if result_dir is not None:
        cmd += ["--result-dir", str(result_dir)]
    return run_in_fresh_process(cmd, f"{kind} worker for {n}", quiet_wait_s)


def run_in_fresh_process(cmd: list[str], label: str, quiet_wait_s: float) -> dict[str, Any]:
    """Run a worker command after waiting for a quiet machine; return the JSON it printed
    on its last ``RESULT`` line, with the other processes' load before it started."""
    before = wait_quiet(quiet_wait_s) if quiet_wait_s > 0 else others_load(1.0)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{proc.stdout}\n{proc.stderr}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    out: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    out["others_cores_before"] = before
    return out


def proc_field(path: str, prefix: str) -> str:
    """The value of the first ``prefix: value`` line of a /proc file, or ``unknown``."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    import duckdb
    import ibis

    probe = ("import time, numpy; t = time.perf_counter(); a = numpy.ones(2**27); "
             "print(time.perf_counter() - t)")
    touch = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=False).stdout.strip()
    mem = proc_field("/proc/meminfo", "MemTotal")
    ram = f"{int(mem.split()[0]) / 2**20:.1f} GiB" if mem != "unknown" else mem
    return {
        "cpu": proc_field("/proc/cpuinfo", "model name"), "cores": str(os.cpu_count()), "ram": ram,
        "os": platform.platform(), "python": platform.python_version(),
        "duckdb": duckdb.__version__, "ibis": ibis.__version__, "pandas": pd.__version__,
        "numpy": np.__version__, "pyarrow": pa.__version__,
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "touch_1gib_s": f"{float(touch):.2f}" if touch else "unknown",
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    med = statistics.median
    zero = {"s": 0.0}
    return {
        "load_s": med(r["load"]["s"] for r in runs),
        "compute_s": med(r["compute"]["s"] for r in runs),
        "fetch_s": med(r.get("fetch_monthly", zero)["s"] for r in runs),
        "compute_fetch_s": med(r["compute"]["s"] + r.get("fetch_monthly", zero)["s"]
                               for r in runs),
        "rss_compute_mb": max(r.get("rss_compute_mb", r["rss_peak_mb"]) for r in runs),
        "total_s": med(r["load"]["s"] + r["compute"]["s"] for r in runs),
        "load_cpu_s": med(r["load"]["cpu_s"] for r in runs),
        "compute_cpu_s": med(r["compute"]["cpu_s"] for r in runs),
        "compute_min_s": min(r["compute"]["s"] for r in runs),
        "compute_max_s": max(r["compute"]["s"] for r in runs),
        "others_cores": max((r["load"]["others_cpu_s"] + r["compute"]["others_cpu_s"])
                            / max(r["load"]["s"] + r["compute"]["s"], 1e-9) for r in runs),
        "faults_m": med((r["load"]["faults"] + r["compute"]["faults"]) / 1e6 for r in runs),
        "rss_base_mb": min(r["rss_base_mb"] for r in runs),
        "rss_load_mb": max(r["rss_load_mb"] for r in runs),
        "rss_peak_mb": max(r["rss_peak_mb"] for r in runs),
    }


def bench(sizes: list[int], repeat: int, store: str, check: bool,
          quiet_wait_s: float) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "store": store, "sizes": {}}
    for n in sizes:
        info = ensure_data(n)
        reps = max(repeat, 2) if n >= 50_000 else max(repeat, 3)
        runs: dict[str, list[dict[str, Any]]] = {"qingshan": [], "pandas": []}
        check_dir = OUT / "check" / str(n)
        for i in range(reps):
            for kind in ("qingshan", "pandas"):
                want = check and i == 0
                r = run_worker(kind, n, store, check_dir / kind if want else None, quiet_wait_s)
                runs[kind].append(r)
                print(f"  n={n} run {i + 1}/{reps} {kind:8s}: load {r['load']['s']:6.2f}s  "
                      f"compute {r['compute']['s']:6.2f}s (cpu {r['compute']['cpu_s']:6.2f}s)  "
                      f"peak {r['rss_peak_mb']:6.0f} MB  others "
                      f"{r['compute']['others_cpu_s'] / max(r['compute']['s'], 1e-9):.2f} cores",
                      flush=True)
        agreement = "not checked"
        if check:
            a = pb.load_result(check_dir / "qingshan")
            b = pb.load_result(check_dir / "pandas")
            pb.assert_same(a, b)  # raises AssertionError: the run fails loudly
            agreement = (f"agree: {len(a.monthly):,} enterprise-months, {len(a.yearly):,} "
                         f"enterprise-years, {sum(len(x) for x in a.rollups.values()):,} roll-up "
                         f"rows, {len(a.factor_usage):,} factor-usage rows, "
                         f"{len(a.products):,} product rows")
            print(f"  n={n}: {agreement}", flush=True)
        results["sizes"][str(n)] = {"data": info, "runs": reps, "raw": runs,
                                    "qingshan": summarise(runs["qingshan"]),
                                    "pandas": summarise(runs["pandas"]), "agreement": agreement}
    return results


def table(results: dict[str, Any]) -> str:
    lines = [
        "| enterprises | energy rows | Qingshan load s | Qingshan compute s "
        "| Qingshan `.monthly` fetch s | Qingshan peak RSS MB (compute / with fetch) "
        "| pandas load s | pandas compute s | pandas peak RSS MB | speed-up, compute "
        "| speed-up, compute + fetch | speed-up, load + compute "
        "| speed-up, load + compute + fetch |",
        "|" + "---:|" * 13,
    ]
    for n, r in results["sizes"].items():
        q, p = r["qingshan"], r["pandas"]
        qf = q.get("fetch_s", 0.0)
        lines.append(
            f"| {int(n):,} | {r['data']['energy_rows']:,} | {q['load_s']:.2f} | {q['compute_s']:.2f} "
            f"| {qf:.2f} | {q.get('rss_compute_mb', q['rss_peak_mb']):,.0f} / "
            f"{q['rss_peak_mb']:,.0f} | {p['load_s']:.2f} | {p['compute_s']:.2f} "
            f"| {p['rss_peak_mb']:,.0f} | {p['compute_s'] / q['compute_s']:.2f}× "
            f"| {p['compute_s'] / q.get('compute_fetch_s', q['compute_s']):.2f}× "
            f"| {p['total_s'] / q['total_s']:.2f}× "
            f"| {p['total_s'] / (q['total_s'] + qf):.2f}× |")
    return "\n".join(lines)


def cpu_table(results: dict[str, Any]) -> str:
    lines = ["| enterprises | Qingshan load CPU s | Qingshan compute CPU s | pandas load CPU s "
             "| pandas compute CPU s | Qingshan compute min–max s | pandas compute min–max s "
             "| page faults, millions (Qingshan / pandas) | other processes, cores (worst run) |",
             "|" + "---:|" * 9]
    for n, r in results["sizes"].items():
        q, p = r["qingshan"], r["pandas"]
        lines.append(
            f"| {int(n):,} | {q['load_cpu_s']:.2f} | {q['compute_cpu_s']:.2f} | {p['load_cpu_s']:.2f} "
            f"| {p['compute_cpu_s']:.2f} | {q['compute_min_s']:.2f}–{q['compute_max_s']:.2f} "
            f"| {p['compute_min_s']:.2f}–{p['compute_max_s']:.2f} "
            f"| {q['faults_m']:.2f} / {p['faults_m']:.2f} "
            f"| {max(q['others_cores'], p['others_cores']):.2f} |")
    return "\n".join(lines)


def profile_table(prof: dict[str, Any]) -> str:
    runs = prof["runs"]
    total = statistics.median(r["compute"]["s"] for r in runs)
    lines = [f"`compute()` at {int(prof['size']):,} enterprises, time per store call "
             f"(median of {len(runs)} runs; wall and CPU seconds):", "",
             "| step | wall s | CPU s | share of wall | peak RSS after, MB |",
             "|---|---:|---:|---:|---:|"]
    steps: dict[str, list[tuple[float, float, float]]] = {}
    for r in runs:
        seen: dict[str, int] = {}
        for s in r["steps"]:
            key = s["step"]
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key} ({seen[key]})"
            steps.setdefault(key, []).append((s["s"], s["cpu_s"], s.get("peak_mb", 0.0)))
    for key, vals in steps.items():
        w = statistics.median(v[0] for v in vals)
        c = statistics.median(v[1] for v in vals)
        peak = max(v[2] for v in vals)
        lines.append(f"| {key} | {w:.2f} | {c:.2f} | {100 * w / total:.0f} % "
                     f"| {f'{peak:,.0f}' if peak else ''} |")
    cpu = statistics.median(r["compute"]["cpu_s"] for r in runs)
    peak = max(r["rss_peak_mb"] for r in runs)
    lines.append(f"| **compute() total** | **{total:.2f}** | **{cpu:.2f}** | 100 % | {peak:,.0f} |")
    return "\n".join(lines)


ANALYSIS_START, ANALYSIS_END = "<!-- analysis:start -->", "<!-- analysis:end -->"


def _kept_analysis() -> str:
    """The hand-written analysis of the current docs/performance.md, kept across rewrites."""
    if not DOC.exists():
        return ""
    text = DOC.read_text("utf-8")
    if ANALYSIS_START in text and ANALYSIS_END in text:
        return text.split(ANALYSIS_START, 1)[1].split(ANALYSIS_END, 1)[0].strip("\n")
    return ""


#: Sections other benchmarks own (bench_evaluation.py), kept at the end of the file.
OTHER_SECTIONS = ("\n## Enterprise evaluation", "\n## Web platform")


def _kept_other_sections() -> str:
    if not DOC.exists():
        return ""
    text = DOC.read_text("utf-8")
    starts = [text.index(h) for h in OTHER_SECTIONS if h in text]
    return text[min(starts):] if starts else ""


def write_doc(text: str) -> None:
    """Write the accounts part of docs/performance.md, keeping the other benchmarks' sections."""
    DOC.write_text(text.rstrip("\n") + "\n" + _kept_other_sections(), "utf-8")


def verdicts(results: dict[str, Any]) -> list[str]:
    big = results["sizes"].get("50000")
    if big is None:
        return ["The 50 000-enterprise case was not run, so the targets were not assessed."]
    q, p = big["qingshan"], big["pandas"]
    speed = p["compute_s"] / q["compute_s"]
    qf = q.get("compute_fetch_s", q["compute_s"])
    rss_c = q.get("rss_compute_mb", q["rss_peak_mb"])

    def mark(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    return [
        f"* Time, ≤ {TARGET_SECONDS:.0f} s for 50 000 enterprises: "
        f"{mark(q['compute_s'] <= TARGET_SECONDS)} (`compute()` {q['compute_s']:.1f} s; "
        f"{qf:.1f} s with the monthly table fetched to pandas; loading the store takes "
        f"{q['load_s']:.1f} s before that).",
        f"* Memory, ≤ 3 GB peak: {mark(rss_c <= TARGET_RSS_MB)} for load + `compute()`, "
        f"{mark(q['rss_peak_mb'] <= TARGET_RSS_MB)} once `result.monthly` is fetched into "
        f"pandas (peak RSS {q['rss_load_mb'] / 1024:.2f} GiB after the load, "
        f"{rss_c / 1024:.2f} GiB after `compute()`, {q['rss_peak_mb'] / 1024:.2f} GiB with the "
        f"monthly table fetched; the pandas baseline peaks at "
        f"{p['rss_peak_mb'] / 1024:.2f} GiB).",
        f"* Speed, ≥ {TARGET_SPEEDUP:.0f}× the pandas baseline: {mark(speed >= TARGET_SPEEDUP)} "
        f"({speed:.2f}× on compute; {p['compute_s'] / qf:.2f}× with the monthly fetch; "
        f"{p['total_s'] / q['total_s']:.2f}× on load + compute, "
        f"{p['total_s'] / (q['total_s'] + q.get('fetch_s', 0.0)):.2f}× on load + compute + fetch).",
    ]


def render_doc(results: dict[str, Any], cmd: str) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    data_rows = ["| enterprises | months | energy rows | rows per enterprise-month | process rows "
                 "| materials rows | gases rows | Parquet MB |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in sizes.items():
        dd = r["data"]
        data_rows.append(f"| {int(n):,} | {dd['months']} | {dd['energy_rows']:,} "
                         f"| {dd['energy_rows_per_enterprise_month']:.2f} | {dd['process_rows']:,} "
                         f"| {dd.get('materials_rows', 0):,} | {dd.get('gases_rows', 0):,} "
                         f"| {dd['parquet_mb']:.0f} |")
    agree = [f"* {int(n):,}: {r['agreement']}" for n, r in sizes.items()]
    store = ("in-memory DuckDB (`Store.connect(None)`)" if results["store"] == "memory"
             else "a DuckDB file in a temporary directory (`Store.connect('duckdb:///…')`)")
    reps = ", ".join(f"{int(n):,}: {r['runs']}" for n, r in sizes.items())
    analysis = _kept_analysis() or "_No analysis written yet._"
    parts = [
        "# Performance of the accounts engine",
        "",
        "Generated by `benchmarks/bench_accounts.py`; the numbers below are from one run of",
        "that script on the machine described under [Machine](#machine). Rerun it to refresh",
        "them (the [analysis](#analysis) section is hand-written and kept across reruns).",
        "",
        "```",
        cmd,
        "```",
        "",
        "## Targets",
        "",
        "From the issue: 50 000 enterprises × 72 months (about 20 M energy rows) in ≤ 10 s on",
        "2 cores, with ≤ 3 GB peak memory, at least 5× faster than a plain pandas",
        "implementation of the same accounts.",
        "",
        *verdicts(results),
        "",
        "## Results",
        "",
        f"Median of the runs per size ({reps}); every run is a fresh process. Times in",
        "seconds of wall-clock time. *Load*: for Qingshan, opening the store and",
        "`Store.replace_tables_from_parquet` of the Parquet files (DuckDB reads them itself,",
        "nothing passes through Python); for pandas, reading the files into DataFrames.",
        "*Compute*: `qingshan.accounts.compute(store, fs)`, which materializes the monthly sums",
        "as a store table (`_accounts_monthly`), fetches `result.yearly` into pandas and",
        "computes the four roll-up levels, product intensities and notes from it, and then",
        "reads `result.factor_ids` (the factor rows of every enterprise-year);",
        "or `pandas_baseline.compute(tables)`, the same outputs. **The monthly",
        "accounts differ in where they end up:** the pandas baseline holds them in memory as a",
        "DataFrame, Qingshan keeps their sums in the store table `_accounts_monthly` until",
        "`result.monthly` is read. Fetching them into pandas is timed apart (the *`.monthly`",
        "fetch* column) and the speed-ups are given with and without it. Peak RSS is the",
        "worker's `VmHWM` (high-water mark of resident memory; the largest over its runs),",
        "for Qingshan after `compute()` and after the monthly fetch,",
        "and includes the interpreter and libraries "
        f"(about {min(r['qingshan']['rss_base_mb'] for r in sizes.values()):.0f} MB for Qingshan, "
        f"{min(r['pandas']['rss_base_mb'] for r in sizes.values()):.0f} MB for pandas, "
        "before any data).",
        "",
        table(results),
        "",
        "CPU seconds (all threads of the worker) and spread, with the CPU that other processes",
        "on the machine used during the runs (the benchmark waits for a quiet machine before",
        "each run, but cannot stop others from starting meanwhile):",
        "",
        cpu_table(results),
        "",
        "### Inputs",
        "",
        "A seeded synthetic city (`generate()` in the script), written once to Parquet under",
        "`benchmarks/out/` (git-ignored) in the store schema and canonical units: electricity",
        "every month, one to seven other carriers per enterprise (coal types, coke, natural gas,",
        "oil products, heat, gases, water), feedstock, export, self-generated renewable and",
        "non-industrial rows, measured NCV on about 1 % of coal and gas rows, 2 % of",
        "enterprise-months missing, process rows (clinker, lime, carbonates) for 4 % of",
        "enterprises, economics with some missing or non-positive value added, production;",
        "since generator version 2 (2026.2 methods) also measured element carbon on some coal and",
        "gas rows, non-carbonate oxides and raw-meal clinker, glass batches with NaHCO3 and carbon",
        "powder, `materials` rows of steel, coking and chemical firms (with their feedstock) and",
        "`gases` rows of nitric-acid, adipic-acid and aluminium plants.",
        "",
        *data_rows,
        "",
        "### Agreement",
        "",
        "Before the numbers count, the first run of each size writes both results and the",
        "script asserts that they agree (`pandas_baseline.assert_same`: monthly, yearly,",
        "roll-ups, factor usage, products within rel 1e-9 or 1e-6 absolute, and the notes):",
        "",
        *agree,
        "",
        "### Set-up",
        "",
        f"* Store: {store}, created fresh by each run. Load =",
        "  `Store.replace_tables_from_parquet` (one transaction; DuckDB's `read_parquet`).",
        "* pandas baseline: `benchmarks/pandas_baseline.py`. It reads only the columns it",
        "  needs and works on the integer keys (`entity_key`, `carrier_key`, `use_key`) with",
        "  numpy lookup arrays. It does **not** read the engine's `coefficients` tables: it",
        "  rebuilds its own per-(carrier, year) factor arrays from the factor set and applies",
        "  the rules itself, row by row (signs by use, measured NCV / CC / OF first, electricity",
        "  and heat CO2 per row with the year's factor, process CO2, the carbon balance, N2O",
        "  and PFCs, roll-ups as ratios of sums, factor usage, notes); the factor files new in",
        "  2026.2 it reads from their CSV text. Per-row contributions go into one",
        "  preallocated numpy block, then one `groupby().sum()`; no DuckDB or polars. It is",
        "  also the second implementation that `tests/test_pandas_baseline.py` checks the",
        "  engine against.",
        "* DuckDB uses its default thread count (the number of cores).",
        "",
    ]
    if "profile" in results:
        parts += ["## Where the time goes", "", profile_table(results["profile"]), "",
                  "Each row is one call of `Store.materialize` or `Store.execute` made by",
                  "`compute()`, named after the table it produces; the last row is the time",
                  "spent in Python between those calls.", ""]
    parts += [
        "## Machine", "",
        f"* CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram']}",
        f"* OS: {m['os']}",
        f"* Python {m['python']}; duckdb {m['duckdb']}; ibis {m['ibis']}; pandas {m['pandas']}; "
        f"numpy {m['numpy']}; pyarrow {m['pyarrow']}",
        f"* Date: {m['date']}",
        f"* First touch of 1 GiB of fresh memory in a new process: {m['touch_1gib_s']} s "
        "(memory a process has not touched before costs time to map on this virtual machine)",
        "",
        "## Analysis",
        "",
        ANALYSIS_START,
        analysis,
        ANALYSIS_END,
        "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description="Time qingshan.accounts against a pandas baseline (see module doc).")
    ap.add_argument("--sizes", default="1000,10000,50000", help="enterprises, comma-separated")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per size (at least 3 below 50 000 enterprises, 2 from there)")
    ap.add_argument("--store", choices=("file", "memory"), default="file",
                    help="a DuckDB file in a temporary directory (default, as the product) "
                         "or in-memory DuckDB")
    ap.add_argument("--no-check", action="store_true", help="skip the agreement check")
    ap.add_argument("--profile", action="store_true",
                    help="also time each store call of compute() at the largest size")
    ap.add_argument("--quiet-wait", type=float, default=180.0,
                    help="seconds to wait, before each run, for other processes to go idle")
    ap.add_argument("--write-docs", action="store_true", help="rewrite docs/performance.md")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the Parquet inputs")
    ap.add_argument("--from-results", metavar="JSON",
                    help="only rewrite docs/performance.md from a results file of an earlier run "
                         "(benchmarks/out/results.json)")
    ap.add_argument("--worker", choices=("qingshan", "pandas", "profile"), help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--result-dir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args)
        return
    cmd = " ".join(["python benchmarks/bench_accounts.py",
                    *(argv if argv is not None else sys.argv[1:])])
    if args.from_results:
        results = json.loads(Path(args.from_results).read_text("utf-8"))
        write_doc(render_doc(results, results.get("command", cmd)))
        print(f"wrote {DOC.relative_to(ROOT)} from {args.from_results}")
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    for n in sizes:
        info = ensure_data(n, force=args.regenerate)
        print(f"data n={n:,}: {info['energy_rows']:,} energy rows "
              f"({info['energy_rows_per_enterprise_month']:.2f} per enterprise-month), "
              f"{info['parquet_mb']:.0f} MB of Parquet", flush=True)
    results = bench(sizes, args.repeat, args.store, not args.no_check, args.quiet_wait)
    results["command"] = cmd
    if args.profile:
        big = max(sizes)
        runs = [run_worker("profile", big, args.store, None, args.quiet_wait) for _ in range(2)]
        results["profile"] = {"size": big, "runs": runs}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1), "utf-8")
    print()
    print(table(results))
    print()
    print(cpu_table(results))
    if "profile" in results:
        print()
        print(profile_table(results["profile"]))
    print()
    print("\n".join(verdicts(results)))
    if args.write_docs:
        write_doc(render_doc(results, cmd))
        print(f"\nwrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
