"""Benchmark of the accounts engine against a plain pandas implementation.

    python benchmarks/bench_accounts.py [--sizes 1000,10000,50000] [--repeat N] [--write-docs]

For each size (enterprises × 72 months, 2020-01..2025-12) a seeded synthetic city is
generated once, straight into the store tables in canonical units (the schema of
:func:`qingshan.accounts.store_tables`), and written to Parquet under ``benchmarks/out/``.
Every timed run is a fresh subprocess that starts from those files, so the peak RSS it
reports (``ru_maxrss``) belongs to that run alone:

* Qingshan: read the Parquet files with pyarrow and write them into the embedded DuckDB
  store (:meth:`Store.replace_tables`), then :func:`qingshan.accounts.compute` (monthly,
  yearly, roll-ups, products, factor usage, notes, all fetched to pandas);
* pandas: ``benchmarks/pandas_baseline.py`` reads the same files and computes the same
  accounts.

The first run of every size writes both results, and the parent asserts that they agree
(monthly per enterprise and month within rel 1e-9, yearly, every roll-up level, factor
usage, products). ``--write-docs`` rewrites docs/performance.md with the numbers.
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
TABLES = ("entities", "energy", "process", "economics", "production", "line_factors",
          "process_factors")
FIRST_YEAR, MONTHS = 2020, 72
CITY_ID = "450999"
TARGET_SECONDS, TARGET_RSS_MB, TARGET_SPEEDUP = 10.0, 3072.0, 5.0

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
    """A plain string column from integer codes into ``values`` (built in C++)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                          pa.array(values, pa.string())).cast(pa.string())


def _opt(values: np.ndarray, present: np.ndarray) -> pa.Array:
    """A float column that is null where ``present`` is false."""
    return pa.array(values.astype(np.float64), mask=~present)


def generate(n_enterprises: int, *, months: int = MONTHS, seed: int = 20260509) -> dict[str, pa.Table]:
    """The store tables of a synthetic city with ``n_enterprises`` × ``months`` months.

    About 5.5 energy rows per enterprise-month (50 000 enterprises → about 20 M rows):
    electricity in every month, one to seven fuels drawn from :data:`FUEL_POOL`, and
    feedstock, export, self-generated renewable and non-industrial rows
    (:data:`SPECIAL_ROWS`); 2 % of enterprise-months are missing; about 1 % of coal and
    gas rows carry a measured NCV, a few also a measured carbon content and oxidation.
    Four per cent of enterprises (cement, lime) report monthly process rows.
    """
    from qingshan.factors import load_factor_set
    from qingshan.methods.line_factors import line_factor_table

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
    entities = pa.table({
        "entity_id": [CITY_ID, *dist_ids, *park_ids, *ids],
        "entity_type": ["city"] + ["district"] * n_dist + ["park"] * len(park_ids) + ["enterprise"] * n,
        "name": ["青山市", *[f"第{d + 1}区" for d in range(n_dist)],
                 *[f"第{p + 1}园区" for p in range(len(park_ids))], *[f"企业{i + 1}" for i in range(n)]],
        "district_id": [None, *[None] * n_dist, *[dist_ids[p // 3] for p in range(len(park_ids))],
                        *[dist_ids[d] for d in e_dist]],
        "park_id": [None] * n_other + [park_ids[p] if p >= 0 else None for p in e_park],
        "industry_code": [None] * n_other + [INDUSTRIES[i] for i in e_ind],
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
    by_ent = np.argsort(p_ent, kind="stable")
    p_ent, p_car, p_use, p_scale = p_ent[by_ent], p_car[by_ent], p_use[by_ent], p_scale[by_ent]
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
    energy = pa.table({
        "entity_id": _strings(ent_codes, ids),
        "year": pa.array(FIRST_YEAR + row_month // 12, pa.int64()),
        "month": pa.array(1 + row_month % 12, pa.int64()),
        "carrier": _strings(row_car, carrier_names),
        "use": _strings(p_use[row_p], uses),
        "quantity": pa.array(quantity, pa.float64()),
        "measured_ncv": _opt(ncv, has_ncv),
        "measured_carbon_content": _opt(rng.uniform(0.024, 0.028, rows), has_cc),
        "measured_oxidation": _opt(rng.uniform(0.9, 0.99, rows), has_of),
        "source_file": _strings(np.zeros(rows, dtype=np.int64), ["energy.csv"]),
        "source_row": pa.array(np.arange(2, rows + 2), pa.int64()),
    })

    # process rows: cement and lime makers, every month they report
    c_ent = np.nonzero(cement)[0]
    pm_month = np.repeat(np.arange(months), len(c_ent))
    pm_ent = np.tile(c_ent, months)
    materials = ["clinker", "caco3", "camg_co3_2", "lime"]
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
    process = pa.table({
        "entity_id": _strings(pe, ids),
        "year": pa.array(FIRST_YEAR + pmo // 12, pa.int64()),
        "month": pa.array(1 + pmo % 12, pa.int64()),
        "material": _strings(pk, materials),
        "quantity": pa.array(np.round(rng.lognormal(np.log(20_000.0), 0.8, m), 3), pa.float64()),
        "cao_fraction": _opt(cao, oxide),
        "mgo_fraction": _opt(mgo, oxide & (rng.random(m) < 0.9)),
        "calcination_fraction": _opt(calc, ~oxide & (rng.random(m) < 0.5)),
    })

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

    fs = load_factor_set()
    line_factors = line_factor_table(fs, list(range(FIRST_YEAR, FIRST_YEAR + years)))
    process_factors = fs.process[["material", "method", "tco2_per_t", "factor_id"]].copy()
    return {
        "entities": entities, "energy": energy, "process": process, "economics": economics,
        "production": production,
        "line_factors": pa.Table.from_pandas(line_factors, preserve_index=False),
        "process_factors": pa.Table.from_pandas(process_factors, preserve_index=False),
    }


def data_dir(n: int) -> Path:
    return OUT / f"city_{n}"


def ensure_data(n: int, *, force: bool = False) -> dict[str, Any]:
    """Generate the Parquet files of size ``n`` once; return their facts."""
    d = data_dir(n)
    facts = d / "facts.json"
    if facts.exists() and not force:
        out: dict[str, Any] = json.loads(facts.read_text("utf-8"))
        return out
    d.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tables = generate(n)
    gen_s = time.perf_counter() - t0
    for name, tbl in tables.items():
        pq.write_table(tbl, d / f"{name}.parquet", compression="zstd")
    energy = tables["energy"]
    info = {
        "enterprises": n, "months": MONTHS, "energy_rows": energy.num_rows,
        "process_rows": tables["process"].num_rows,
        "energy_rows_per_enterprise_month": energy.num_rows / (n * MONTHS),
        "parquet_mb": sum(f.stat().st_size for f in d.glob("*.parquet")) / 2**20,
        "generate_s": gen_s,
    }
    facts.write_text(json.dumps(info, indent=1), "utf-8")
    return info


# --------------------------------------------------------------------------------------
# Workers (one fresh process per timed run)
# --------------------------------------------------------------------------------------


def _rss_mb() -> float:
    """Peak resident set size of this process so far (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cur_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def read_arrow(d: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(d / f"{name}.parquet") for name in TABLES}


def work_qingshan(d: Path, store_kind: str, result_dir: Path | None) -> dict[str, Any]:
    from qingshan import accounts
    from qingshan.factors import load_factor_set
    from qingshan.store import Store

    fs = load_factor_set()
    rss0 = _rss_mb()
    tmp = tempfile.TemporaryDirectory(prefix="qs_bench_") if store_kind == "file" else None
    url = None if tmp is None else f"duckdb:///{tmp.name}/bench.duckdb"
    t0 = time.perf_counter()
    store = Store.connect(url)
    store.replace_tables(read_arrow(d))
    t1 = time.perf_counter()
    rss_load = _rss_mb()
    res = accounts.compute(store, fs)
    t2 = time.perf_counter()
    out = {"load_s": t1 - t0, "compute_s": t2 - t1, "rss_base_mb": rss0, "rss_load_mb": rss_load,
           "rss_peak_mb": _rss_mb(), "monthly_rows": len(res.monthly)}
    if result_dir is not None:
        pb.save_result(pb.Result(monthly=res.monthly, yearly=res.yearly, rollups=res.rollups,
                                 products=res.products, factor_usage=res.factor_usage,
                                 notes=res.notes), result_dir)
    store.close()
    if tmp is not None:
        tmp.cleanup()
    return out


def work_pandas(d: Path, result_dir: Path | None) -> dict[str, Any]:
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    tables = pb.load(d)
    t1 = time.perf_counter()
    rss_load = _rss_mb()
    res = pb.compute(tables)
    t2 = time.perf_counter()
    out = {"load_s": t1 - t0, "compute_s": t2 - t1, "rss_base_mb": rss0, "rss_load_mb": rss_load,
           "rss_peak_mb": _rss_mb(), "monthly_rows": len(res.monthly)}
    if result_dir is not None:
        pb.save_result(res, result_dir)
    return out


def _label(name: str, frame: pd.DataFrame) -> str:
    cols = set(frame.columns)
    if "level" in cols and len(frame):
        return f"rollup {frame['level'].iloc[0]}"
    if "level" in cols:
        return "rollup"
    if "factor_id" in cols and "material" not in cols and "carrier" not in cols:
        return "factor_usage"
    if "months_reported" in cols:
        return "fetch yearly"
    if "month" in cols and "co2_t" in cols:
        return "fetch monthly"
    if "grid_fallback" in cols:
        return "fetch line_factors (notes)"
    if "product" in cols:
        return "fetch production"
    return f"{name} ({len(frame)} rows)"


def work_profile(d: Path, store_kind: str) -> dict[str, Any]:
    """Time each store call that ``compute()`` makes (whatever its current shape)."""
    from qingshan import accounts
    from qingshan.factors import load_factor_set
    from qingshan.store import Store

    fs = load_factor_set()
    tmp = tempfile.TemporaryDirectory(prefix="qs_bench_") if store_kind == "file" else None
    store = Store.connect(None if tmp is None else f"duckdb:///{tmp.name}/bench.duckdb")
    store.replace_tables(read_arrow(d))
    log: list[dict[str, Any]] = []
    execute: Callable[[Any], pd.DataFrame] = store.execute
    materialize: Callable[[str, Any], None] = store.materialize

    def timed_execute(expr: Any) -> pd.DataFrame:
        t = time.perf_counter()
        out = execute(expr)
        log.append({"step": _label("execute", out), "s": time.perf_counter() - t,
                    "rows": len(out)})
        return out

    def timed_materialize(name: str, expr: Any) -> None:
        t = time.perf_counter()
        materialize(name, expr)
        log.append({"step": f"materialize {name}", "s": time.perf_counter() - t})

    store.execute = timed_execute  # type: ignore[method-assign]
    store.materialize = timed_materialize  # type: ignore[method-assign]
    t0 = time.perf_counter()
    accounts.compute(store, fs)
    total = time.perf_counter() - t0
    steps = sum(x["s"] for x in log)
    log.append({"step": "Python between store calls (expression building, products, notes)",
                "s": total - steps})

    store.close()
    if tmp is not None:
        tmp.cleanup()
    return {"compute_s": total, "steps": log, "rss_peak_mb": _rss_mb()}


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


def run_worker(kind: str, n: int, store: str, result_dir: Path | None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--size", str(n),
           "--store", store]
    if result_dir is not None:
        cmd += ["--result-dir", str(result_dir)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} worker for {n} failed:\n{proc.stdout}\n{proc.stderr}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    out: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return out


def machine() -> dict[str, str]:
    import duckdb
    import ibis

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": str(os.cpu_count()), "ram_gb": f"{mem_kb / 2**20:.1f}",
        "os": platform.platform(), "python": platform.python_version(),
        "duckdb": duckdb.__version__, "ibis": ibis.__version__, "pandas": pd.__version__,
        "numpy": np.__version__, "pyarrow": pa.__version__,
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("load_s", "compute_s")
    out = {k: statistics.median(r[k] for r in runs) for k in keys}
    out["total_s"] = statistics.median(r["load_s"] + r["compute_s"] for r in runs)
    out["rss_peak_mb"] = max(r["rss_peak_mb"] for r in runs)
    out["rss_load_mb"] = max(r["rss_load_mb"] for r in runs)
    out["rss_base_mb"] = min(r["rss_base_mb"] for r in runs)
    out["compute_min_s"] = min(r["compute_s"] for r in runs)
    out["compute_max_s"] = max(r["compute_s"] for r in runs)
    return out


def bench(sizes: list[int], repeat: int, store: str, check: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "store": store, "sizes": {}}
    for n in sizes:
        info = ensure_data(n)
        reps = max(repeat, 2) if n >= 50_000 else max(repeat, 3)
        qs_runs: list[dict[str, Any]] = []
        pd_runs: list[dict[str, Any]] = []
        check_dir = OUT / "check" / str(n)
        for i in range(reps):
            want = check and i == 0
            qs_runs.append(run_worker("qingshan", n, store, check_dir / "qingshan" if want else None))
            pd_runs.append(run_worker("pandas", n, store, check_dir / "pandas" if want else None))
            print(f"  n={n} run {i + 1}/{reps}: qingshan load {qs_runs[-1]['load_s']:.2f}s "
                  f"compute {qs_runs[-1]['compute_s']:.2f}s rss {qs_runs[-1]['rss_peak_mb']:.0f}MB | "
                  f"pandas load {pd_runs[-1]['load_s']:.2f}s compute {pd_runs[-1]['compute_s']:.2f}s "
                  f"rss {pd_runs[-1]['rss_peak_mb']:.0f}MB", flush=True)
        agreement = "not checked"
        if check:
            a = pb.load_result(check_dir / "qingshan")
            b = pb.load_result(check_dir / "pandas")
            pb.assert_same(a, b)
            agreement = (f"agree: {len(a.monthly)} enterprise-months, {len(a.yearly)} "
                         f"enterprise-years, {sum(len(x) for x in a.rollups.values())} roll-up rows, "
                         f"{len(a.factor_usage)} factor-usage rows")
            print(f"  n={n}: {agreement}", flush=True)
        results["sizes"][str(n)] = {"data": info, "qingshan": summarise(qs_runs),
                                    "pandas": summarise(pd_runs), "runs": reps,
                                    "raw": {"qingshan": qs_runs, "pandas": pd_runs},
                                    "agreement": agreement}
    return results


def table(results: dict[str, Any]) -> str:
    head = ("| enterprises | energy rows | Qingshan load s | Qingshan compute s | Qingshan peak RSS MB "
            "| pandas load s | pandas compute s | pandas peak RSS MB | speed-up compute | "
            "speed-up total |")
    lines = [head, "|" + "---:|" * 10]
    for n, r in results["sizes"].items():
        q, p = r["qingshan"], r["pandas"]
        lines.append(
            f"| {int(n):,} | {r['data']['energy_rows']:,} | {q['load_s']:.2f} | {q['compute_s']:.2f} "
            f"| {q['rss_peak_mb']:,.0f} | {p['load_s']:.2f} | {p['compute_s']:.2f} "
            f"| {p['rss_peak_mb']:,.0f} | {p['compute_s'] / q['compute_s']:.1f}× "
            f"| {p['total_s'] / q['total_s']:.1f}× |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per size (at least 3 below 50 000 enterprises, at least 2 from it)")
    ap.add_argument("--store", choices=("memory", "file"), default="memory",
                    help="in-memory DuckDB store (default) or a DuckDB file in a temp dir")
    ap.add_argument("--no-check", action="store_true", help="skip the agreement check")
    ap.add_argument("--profile", action="store_true",
                    help="also time each store call of compute() at the largest size")
    ap.add_argument("--write-docs", action="store_true", help="rewrite docs/performance.md")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the Parquet inputs")
    ap.add_argument("--worker", choices=("qingshan", "pandas", "profile"), help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--result-dir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    for n in sizes:
        info = ensure_data(n, force=args.regenerate)
        print(f"data n={n}: {info['energy_rows']:,} energy rows "
              f"({info['energy_rows_per_enterprise_month']:.2f} per enterprise-month), "
              f"{info['parquet_mb']:.0f} MB Parquet", flush=True)
    results = bench(sizes, args.repeat, args.store, not args.no_check)
    if "1000" not in results["sizes"] and not args.no_check:
        print("note: the 1k case was not run; agreement was checked on the sizes above")
    if args.profile:
        big = max(sizes)
        profs = [run_worker("profile", big, args.store, None) for _ in range(2)]
        results["profile"] = {"size": big, "runs": profs}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1), "utf-8")
    print()
    print(table(results))
    if "profile" in results:
        print()
        print(profile_table(results["profile"]))
    if args.write_docs:
        cmd = "python benchmarks/bench_accounts.py " + " ".join(
            a for a in (argv if argv is not None else sys.argv[1:]))
        DOC.write_text(render_doc(results, cmd.strip()), "utf-8")
        print(f"\nwrote {DOC.relative_to(ROOT)}")


def profile_table(prof: dict[str, Any]) -> str:
    runs = prof["runs"]
    lines = [f"compute() at {int(prof['size']):,} enterprises, per store call "
             f"(median of {len(runs)} runs)", "", "| step | s | share |", "|---|---:|---:|"]
    total = statistics.median(r["compute_s"] for r in runs)
    steps: dict[str, list[float]] = {}
    for r in runs:
        seen: dict[str, int] = {}
        for s in r["steps"]:
            key = s["step"]
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key} #{seen[key]}"
            steps.setdefault(key, []).append(s["s"])
    for key, vals in steps.items():
        v = statistics.median(vals)
        lines.append(f"| {key} | {v:.2f} | {100 * v / total:.0f} % |")
    lines.append(f"| **compute() total** | **{total:.2f}** | 100 % |")
    return "\n".join(lines)


def render_doc(results: dict[str, Any], cmd: str) -> str:  # filled in below
    from benchmarks.perf_doc import render  # type: ignore[import-not-found]

    out: str = render(results, cmd)
    return out


if __name__ == "__main__":
    main()
