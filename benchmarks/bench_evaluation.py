"""Benchmark of the enterprise-evaluation engine (``qingshan.evaluation.evaluate``).

    python benchmarks/bench_evaluation.py [--sizes 1000,10000,50000] [--repeat 3] [--profile]
                                          [--write-docs] [--from-results JSON]

For each size a seeded synthetic evaluation input (one row per enterprise-year, N
enterprises × 2021–2024, every column that :func:`qingshan.evaluation.evaluate` reads) is
generated once by :func:`generate` and written to Parquet under ``benchmarks/out/``. Every
timed run is a fresh subprocess that reads that file (not timed), then times one call, so
the peak RSS it reports (``VmHWM``) belongs to that run alone:

* a preset: ``evaluate(inputs, load_scheme(name), 2024)`` for huangyan-2022, huaian-2024
  and jingde-2022 (scores, classes, next-class thresholds and needed values, 碳效码,
  measures, parks, migration; earlier years are evaluated inside it for the
  consecutive-year surcharge and the migration matrix);
* the baseline: :func:`baseline_classes`, a deliberately plain pandas implementation of
  huangyan-2022 scoring and percentile classes for 2024 only (no explanations, carbon,
  measures, parks or history).

Before any timing the parent asserts, at 10 000 enterprises, that the baseline gives every
firm the class that ``evaluate`` gives it under huangyan-2022. ``--write-docs`` replaces (or
appends) the section ``## Enterprise evaluation (issue #3)`` at the end of
docs/performance.md; ``--profile`` runs cProfile on each preset that misses the target at
the largest size and lists the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

# process and machine measurements shared with the accounts benchmark
from benchmarks.bench_accounts import (  # noqa: E402
    machine_cpu_s,
    own_cpu_s,
    peak_rss_mb,
    proc_field,
    run_in_fresh_process,
)

OUT = ROOT / "benchmarks" / "out" / "evaluation"
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Enterprise evaluation (issue #3)"
YEARS = (2021, 2022, 2023, 2024)
EVAL_YEAR = 2024
PRESETS = ("huangyan-2022", "huaian-2024", "jingde-2022")
BASELINE = "baseline"
TARGET_SECONDS, TARGET_SIZE = 5.0, 50_000
CHECK_SIZE = 10_000
SEED = 20260510

# --------------------------------------------------------------------------------------
# Synthetic input
# --------------------------------------------------------------------------------------

STRING_COLUMNS = ("entity_id", "name", "district_id", "park_id", "industry_code", "industry_division",
                  "industry_group", "scale")
#: The columns of tests/evaluation_frames.py (DEFAULTS plus the derived ones), in that order.
COLUMNS = ("entity_id", "name", "year", "district_id", "park_id", "industry_code", "industry_division",
           "industry_group", "scale", "land_area_mu", "start_year", "tax_10k_yuan", "value_added_10k_yuan",
           "revenue_10k_yuan", "output_value_10k_yuan", "rd_expense_10k_yuan", "employees", "energy_tce",
           "energy_tce_equal", "electricity_kwh", "electricity_10k_kwh", "net_purchased_electricity_kwh", "co2_t",
           "co2_energy_t", "pollutant_so2_t", "pollutant_nox_t", "pollutant_cod_t", "pollutant_nh3_n_t",
           "pollutant_particulates_t")


def _codes(values: list[str], codes: np.ndarray) -> pd.Series:
    """A "string" column from integer codes into ``values``; a negative code is missing."""
    cat = pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(values))
    return pd.Series(cat).astype("string")


def generate(n: int, seed: int = SEED) -> pd.DataFrame:
    """Evaluation inputs of ``n`` enterprises × 2021–2024 (4 n rows), sorted by entity and year.

    20 districts; 15 parks holding 60 % of the firms; 2-digit industry divisions 13–43
    (manufacturing) and 1.5 % utilities (44, 45, 46), 4-digit codes below them; 70 % above
    and 30 % below designated size; land lognormal in 0.5–200 mu, 0.3 % of firms with none;
    start year 1990–2024; revenue, value added, tax, R&D, employees, energy (当量值 and
    等价值), electricity (1 % net exporters), CO2 (5 % with process CO2) and pollutants, with
    all pollutants missing in 15 % of enterprise-years, NH3-N in another 20 % and
    particulates in half; tax negative in 1 % of enterprise-years.
    """
    rng = np.random.default_rng(seed)
    ny = len(YEARS)
    ids = [f"E{i:07d}" for i in range(1, n + 1)]
    district = rng.integers(0, 20, n)
    park = np.where(rng.random(n) < 0.6, rng.integers(0, 15, n), -1)
    utility = rng.random(n) < 0.015
    division = np.where(utility, rng.integers(44, 47, n), rng.integers(13, 44, n))
    code = division * 100 + rng.integers(1, 10, n) * 10 + rng.integers(1, 10, n)
    code_values = sorted(set(code.tolist()))
    code_idx = np.searchsorted(np.array(code_values), code)
    above = rng.random(n) < 0.7
    land = np.clip(rng.lognormal(np.log(15.0), 1.1, n), 0.5, 200.0)
    land = np.where(rng.random(n) < 0.003, 0.0, land)
    start = rng.integers(1990, 2025, n).astype("float64")
    productivity = rng.lognormal(np.log(250.0), 0.8, n)  # revenue per mu, 10k yuan
    va_share = rng.uniform(0.15, 0.35, n)
    tax_share = rng.uniform(0.01, 0.08, n)
    rd_share = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.0, 0.06, n))
    energy_int = rng.lognormal(np.log(0.08), 1.0, n)  # tce per 10k yuan of revenue
    elec_per_tce = rng.uniform(2_000.0, 6_000.0, n)
    process = np.where(rng.random(n) < 0.05, rng.uniform(0.2, 1.5, n), 0.0)
    pol_int = rng.lognormal(np.log(0.002), 1.0, n)  # t of each pollutant per tce

    # enterprise-years: firm-level values repeated, with yearly noise
    f = np.repeat(np.arange(n), ny)
    m = n * ny
    trend = np.tile(np.linspace(0.9, 1.05, ny), n)
    revenue = np.maximum(land[f], 0.5) * productivity[f] * trend * rng.lognormal(0.0, 0.15, m)
    va = revenue * va_share[f] * rng.uniform(0.9, 1.1, m)
    tax = revenue * tax_share[f] * rng.uniform(0.8, 1.2, m)
    tax = np.where(rng.random(m) < 0.01, -rng.uniform(0.0, 50.0, m), tax)
    energy = revenue * energy_int[f] * rng.lognormal(0.0, 0.1, m)
    electricity = energy * elec_per_tce[f] * rng.uniform(0.9, 1.1, m)
    net_purchased = electricity * rng.uniform(0.7, 1.0, m)
    net_purchased = np.where(rng.random(m) < 0.01, -electricity * rng.uniform(0.0, 0.3, m), net_purchased)
    co2_energy = energy * rng.uniform(1.8, 2.8, m)
    pollutants = {p: energy * pol_int[f] * rng.lognormal(0.0, 0.5, m) * s
                  for p, s in (("so2", 1.0), ("nox", 1.5), ("cod", 0.5), ("nh3_n", 0.05), ("particulates", 0.8))}
    none = rng.random(m) < 0.15
    for p in pollutants:
        pollutants[p] = np.where(none, np.nan, pollutants[p])
    pollutants["nh3_n"] = np.where(rng.random(m) < 0.2, np.nan, pollutants["nh3_n"])
    pollutants["particulates"] = np.where(rng.random(m) < 0.5, np.nan, pollutants["particulates"])

    t = pd.DataFrame({
        "entity_id": _codes(ids, f),
        "name": _codes([f"企业{i}" for i in range(1, n + 1)], f),
        "year": np.tile(np.array(YEARS, dtype=np.int64), n),
        "district_id": _codes([f"D{d:02d}" for d in range(1, 21)], district[f]),
        "park_id": _codes([f"P{p:02d}" for p in range(1, 16)], park[f]),
        "industry_code": _codes([str(c) for c in code_values], code_idx[f]),
    })
    t["industry_division"] = t["industry_code"].str.slice(0, 2)
    t["industry_group"] = t["industry_code"].str.slice(0, 3)
    t["scale"] = _codes(["above", "below"], np.where(above, 0, 1)[f])
    t["land_area_mu"] = land[f]
    t["start_year"] = start[f]
    t["tax_10k_yuan"] = tax
    t["value_added_10k_yuan"] = va
    t["revenue_10k_yuan"] = revenue
    t["output_value_10k_yuan"] = revenue * rng.uniform(0.95, 1.1, m)
    t["rd_expense_10k_yuan"] = revenue * rd_share[f]
    t["employees"] = np.maximum(1.0, np.round(revenue / rng.lognormal(np.log(60.0), 0.5, m)))
    t["energy_tce"] = energy
    t["energy_tce_equal"] = energy * rng.uniform(1.1, 1.6, m)
    t["electricity_kwh"] = electricity
    t["electricity_10k_kwh"] = electricity / 1e4
    t["net_purchased_electricity_kwh"] = net_purchased
    t["co2_t"] = co2_energy + revenue * process[f] * 0.01
    t["co2_energy_t"] = co2_energy
    for p, v in pollutants.items():
        t[f"pollutant_{p}_t"] = v
    return t[list(COLUMNS)]


def input_path(n: int) -> Path:
    return OUT / f"inputs_{n}.parquet"


def read_inputs(n: int) -> pd.DataFrame:
    """The Parquet file of size ``n``, with the column types of ``evaluation_inputs``."""
    t = pd.read_parquet(input_path(n))
    for c in STRING_COLUMNS:
        t[c] = t[c].astype("string")
    return t


def ensure_data(n: int, force: bool = False) -> dict[str, Any]:
    """Generate and write the input of size ``n`` once; return its facts."""
    facts = OUT / f"inputs_{n}.json"
    if facts.exists() and input_path(n).exists() and not force:
        out: dict[str, Any] = json.loads(facts.read_text("utf-8"))
        return out
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    t = generate(n)
    gen_s = time.perf_counter() - t0
    t.to_parquet(input_path(n), index=False)
    back = read_inputs(n)
    pd.testing.assert_frame_equal(back, t)  # the round trip keeps values and dtypes
    y = t[t["year"] == EVAL_YEAR]
    info = {
        "enterprises": n, "rows": len(t), "rows_eval_year": len(y), "years": list(YEARS),
        "above": int((y["scale"] == "above").sum()), "in_park": int(y["park_id"].notna().sum()),
        "utilities": int(y["industry_division"].isin(["44", "45", "46"]).sum()),
        "zero_land": int((y["land_area_mu"] <= 0).sum()),
        "negative_tax_rows": int((t["tax_10k_yuan"] < 0).sum()),
        "no_pollutant_rows": int(t[[f"pollutant_{p}_t" for p in ("so2", "nox", "cod", "nh3_n")]]
                                 .isna().all(axis=1).sum()),
        "parquet_mb": input_path(n).stat().st_size / 2**20, "generate_s": gen_s,
    }
    facts.write_text(json.dumps(info, indent=1), "utf-8")
    return info


# --------------------------------------------------------------------------------------
# Baseline: plain pandas huangyan-2022 scores and classes, one year
# --------------------------------------------------------------------------------------

#: 附件2 of the Huangyan announcement: (numerator, denominator, divisor, weight) per segment.
HUANGYAN_ABOVE = (
    ("tax_10k_yuan", "land_area_mu", 24.097, 30.0),
    ("value_added_10k_yuan", "land_area_mu", 136.16, 20.0),
    ("value_added_10k_yuan", "energy_tce_equal", 2.694, 20.0),
    ("value_added_10k_yuan", "pollutants", 4929.81, 10.0),  # missing: the segment's mean item score
    ("value_added_10k_yuan", "employees", 18.14, 10.0),
    ("rd_expense_10k_yuan", "revenue_10k_yuan", 0.0302, 10.0),
)
HUANGYAN_BELOW = (
    ("tax_10k_yuan", "land_area_mu", 11.5932, 50.0),
    ("tax_10k_yuan", "electricity_10k_kwh", 0.2352, 50.0),
)
#: Stand-in bands of the preset (cumulative shares, ties to the lower band).
HUANGYAN_BANDS = {"above": (("A", 0.20), ("B", 0.80), ("C", 0.95), ("D", 1.0)),
                  "below": (("A", 0.05), ("B", 0.75), ("C", 0.95), ("D", 1.0))}


def baseline_classes(inputs: pd.DataFrame, year: int) -> pd.DataFrame:
    """entity_id, segment, score, rank, class of every firm of ``year`` under huangyan-2022.

    Score = Σ value ÷ divisor × weight. A value is missing where its denominator is missing
    or not positive; a missing emission item (规上) gets the mean item score of the 规上
    firms that have one, any other missing item 0. Rank within the segment, ties sharing
    the worse (last) rank; class = the first band with rank ≤ ⌊share × n⌋.
    """
    f = inputs[inputs["year"] == year]
    pollutants = f[["pollutant_so2_t", "pollutant_nox_t", "pollutant_cod_t", "pollutant_nh3_n_t"]].sum(
        axis=1, min_count=1)
    parts = []
    for seg, items in (("above", HUANGYAN_ABOVE), ("below", HUANGYAN_BELOW)):
        s = f[f["scale"] == seg]
        total = pd.Series(0.0, index=s.index)
        for num, den, divisor, weight in items:
            d = pollutants.loc[s.index] if den == "pollutants" else s[den]
            score = s[num] / d.where(d > 0) / divisor * weight
            fill = score.mean() if den == "pollutants" else 0.0
            total = total + score.fillna(0.0 if pd.isna(fill) else fill)
        parts.append(pd.DataFrame({"entity_id": s["entity_id"], "segment": seg, "score": total}))
    out = pd.concat(parts, ignore_index=True)
    by_segment = out.groupby("segment")["score"]
    out["rank"] = by_segment.rank(method="max", ascending=False)
    n = by_segment.transform("size")
    out["class"] = pd.Series(pd.NA, index=out.index, dtype="string")
    for seg, bands in HUANGYAN_BANDS.items():
        here = out["segment"] == seg
        for letter, upto in reversed(bands):  # the better band overwrites: first band with rank ≤ cut
            out.loc[here & (out["rank"] <= np.floor(upto * n + 1e-9)), "class"] = letter
    return out


def check_baseline(n: int) -> str:
    """Assert that the baseline's class equals evaluate()'s for every firm under huangyan-2022."""
    from qingshan.evaluation import evaluate, load_scheme

    inputs = read_inputs(n)
    ev = evaluate(inputs, load_scheme("huangyan-2022"), EVAL_YEAR)
    mine = baseline_classes(inputs, EVAL_YEAR).set_index("entity_id")
    eng = ev.firms.set_index("entity_id")
    if set(mine.index) != set(eng.index):
        raise AssertionError(f"baseline and evaluate() hold different firms: {len(mine)} vs {len(eng)}")
    eng = eng.loc[mine.index]
    same = (eng["class"].astype("string") == mine["class"].astype("string")).fillna(False)
    if not same.all():
        bad = mine[~same.to_numpy()].join(eng[["score", "rank_last", "class"]], rsuffix="_engine")
        raise AssertionError(f"{int((~same).sum())} of {len(same)} firms get another class from the baseline; "
                             f"first ones:\n{bad.head(10)}")
    score_diff = float((eng["score"].astype("float64") - mine["score"]).abs().max())
    counts = mine["class"].value_counts().sort_index()
    by_class = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    return (f"{len(mine):,} firms of {EVAL_YEAR}, same class for every one ({by_class}); "
            f"largest score difference {score_diff:.1e}")


# --------------------------------------------------------------------------------------
# Measuring (inside the workers)
# --------------------------------------------------------------------------------------



def work(kind: str, n: int) -> dict[str, Any]:
    """One timed call in this fresh process: a preset's evaluate() or the baseline."""
    import qingshan.evaluation as qe  # imported before the clock starts

    inputs = read_inputs(n)
    rss0 = peak_rss_mb()
    t0, c0, b0 = time.perf_counter(), own_cpu_s(), machine_cpu_s()[0]
    if kind == BASELINE:
        res = baseline_classes(inputs, EVAL_YEAR)
        classed = int(res["class"].notna().sum())
        extra: dict[str, Any] = {}
    else:
        ev = qe.evaluate(inputs, qe.load_scheme(kind), EVAL_YEAR)
        classed = int(ev.firms["class"].isin(["A", "B", "C", "D"]).sum())
        extra = {"exempt": int((ev.firms["class"] == "T").sum()), "item_rows": len(ev.items),
                 "measure_rows": len(ev.measures), "notes": len(ev.notes)}
    wall, cpu = time.perf_counter() - t0, own_cpu_s() - c0
    others = max(0.0, machine_cpu_s()[0] - b0 - cpu)
    return {"s": wall, "cpu_s": cpu, "others_cores": others / max(wall, 1e-9), "rss_base_mb": rss0,
            "rss_peak_mb": peak_rss_mb(), "classed": classed, **extra}


def work_profile(kind: str, n: int, top: int = 25) -> dict[str, Any]:
    """cProfile of one evaluate() call: the functions with the largest cumulative time."""
    import qingshan.evaluation as qe

    inputs = read_inputs(n)
    scheme = qe.load_scheme(kind)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    qe.evaluate(inputs, scheme, EVAL_YEAR)
    prof.disable()
    wall = time.perf_counter() - t0
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (path, line, func), (_cc, ncalls, tottime, cumtime, _callers) in raw.items():
        rows.append({"where": f"{_short(path)}:{line}", "function": func, "calls": ncalls,
                     "tottime_s": tottime, "cumtime_s": cumtime})
    rows.sort(key=lambda r: -float(r["cumtime_s"]))
    own = sorted(rows, key=lambda r: -float(r["tottime_s"]))[:top]
    return {"preset": kind, "size": n, "profiled_s": wall, "cumulative": rows[:top], "own": own}


def _short(path: str) -> str:
    p = Path(path)
    for marker in ("site-packages", "src"):
        if marker in p.parts:
            return str(Path(*p.parts[p.parts.index(marker) + 1:]))
    return path


# --------------------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------------------


def run_worker(kind: str, n: int, quiet_wait_s: float, profile: bool = False) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--size", str(n)]
    if profile:
        cmd.append("--profile-worker")
    return run_in_fresh_process(cmd, f"{kind} worker for {n}", quiet_wait_s)


def machine() -> dict[str, str]:
    import pyarrow

    mem = proc_field("/proc/meminfo", "MemTotal")
    ram = f"{int(mem.split()[0]) / 2**20:.1f} GiB" if mem != "unknown" else mem
    return {"cpu": proc_field("/proc/cpuinfo", "model name"), "cores": str(os.cpu_count()), "ram": ram,
            "os": platform.platform(), "python": platform.python_version(), "pandas": pd.__version__,
            "numpy": np.__version__, "pyarrow": pyarrow.__version__,
            "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    med = statistics.median
    return {"s": med(r["s"] for r in runs), "min_s": min(r["s"] for r in runs),
            "max_s": max(r["s"] for r in runs), "cpu_s": med(r["cpu_s"] for r in runs),
            "rss_peak_mb": max(r["rss_peak_mb"] for r in runs), "rss_base_mb": min(r["rss_base_mb"] for r in runs),
            "others_cores": max(r["others_cores"] for r in runs), "classed": runs[0]["classed"]}


def bench(sizes: list[int], repeat: int, quiet_wait_s: float) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "repeat": repeat, "sizes": {}}
    kinds = (BASELINE, *PRESETS)
    for n in sizes:
        runs: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
        for i in range(repeat):  # interleaved, so that a slow spell hits every kind alike
            for kind in kinds:
                r = run_worker(kind, n, quiet_wait_s)
                runs[kind].append(r)
                print(f"  n={n:>6} run {i + 1}/{repeat} {kind:14s} {r['s']:7.3f} s  cpu {r['cpu_s']:7.3f} s  "
                      f"peak {r['rss_peak_mb']:6.0f} MB  others {r['others_cores']:.2f} cores", flush=True)
        results["sizes"][str(n)] = {"data": ensure_data(n), "raw": runs,
                                    **{k: summarise(v) for k, v in runs.items()}}
    return results


def table(results: dict[str, Any]) -> str:
    lines = ["| enterprises | enterprise-year rows | run | median s | min–max s | CPU s | × baseline "
             "| peak RSS MB | RSS before the call MB | firms classed A–D | other processes, cores (worst run) |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in results["sizes"].items():
        base = r[BASELINE]["s"]
        for kind in (BASELINE, *PRESETS):
            k = r[kind]
            label = "baseline (plain pandas, huangyan-2022 classes, 2024 only)" if kind == BASELINE \
                else f"`evaluate()` {kind}"
            lines.append(f"| {int(n):,} | {r['data']['rows']:,} | {label} | {k['s']:.3f} "
                         f"| {k['min_s']:.3f}–{k['max_s']:.3f} | {k['cpu_s']:.3f} | {k['s'] / base:.1f} × "
                         f"| {k['rss_peak_mb']:,.0f} | {k['rss_base_mb']:,.0f} | {k['classed']:,} "
                         f"| {k['others_cores']:.2f} |")
    return "\n".join(lines)


def ratios(results: dict[str, Any]) -> list[str]:
    out = []
    for n, r in results["sizes"].items():
        base = r[BASELINE]["s"]
        parts = [f"{kind} = {r[kind]['s'] / base:.1f} ×" for kind in PRESETS]
        out.append(f"* {int(n):,} enterprises ({r['data']['rows']:,} rows; baseline {base:.3f} s): "
                   + "; ".join(parts) + " the plain scoring baseline")
    return out


def verdict(results: dict[str, Any]) -> str:
    big = results["sizes"].get(str(TARGET_SIZE))
    if big is None:
        return f"The {TARGET_SIZE:,}-enterprise case was not run, so the target was not assessed."
    worst = max(PRESETS, key=lambda k: big[k]["s"])
    met = all(big[k]["s"] <= TARGET_SECONDS for k in PRESETS)
    each = ", ".join(f"{k} {big[k]['s']:.2f} s" for k in PRESETS)
    return (f"Target, ≤ {TARGET_SECONDS:.0f} s for {TARGET_SIZE:,} enterprises on {results['machine']['cores']} "
            f"cores: **{'met' if met else 'not met'}** ({each}; slowest {worst}, "
            f"{big[worst]['s'] / TARGET_SECONDS:.2f} × the target).")


def profile_lines(prof: dict[str, Any], top: int = 10) -> list[str]:
    lines = [f"cProfile of one `evaluate()` call, {prof['preset']}, {int(prof['size']):,} enterprises "
             f"({prof['profiled_s']:.1f} s under the profiler); top {top} by cumulative time:", "",
             "| function | where | calls | cumulative s | own s |", "|---|---|---:|---:|---:|"]
    for r in prof["cumulative"][:top]:
        lines.append(f"| `{r['function']}` | {r['where']} | {r['calls']:,} | {r['cumtime_s']:.2f} "
                     f"| {r['tottime_s']:.2f} |")
    return lines


def render_section(results: dict[str, Any]) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    data = ["| enterprises | enterprise-year rows (2021–2024) | firms in 2024: above scale / in a park "
            "/ utilities / no land | rows without pollutants | rows with negative tax |",
            "|---:|---:|---:|---:|---:|"]
    for n, r in sizes.items():
        d = r["data"]
        data.append(f"| {int(n):,} | {d['rows']:,} | {d['above']:,} / {d['in_park']:,} / {d['utilities']:,} "
                    f"/ {d['zero_land']:,} | {d['no_pollutant_rows']:,} | {d['negative_tax_rows']:,} |")
    parts = [
        HEADING, "",
        "Generated by `benchmarks/bench_evaluation.py`, which replaces only this section on a rerun",
        "(`bench_accounts.py --write-docs` rewrites the file above it and keeps this section).", "",
        "```", results["command"], "```", "",
        f"* {verdict(results)}",
        "* Baseline, measured in the same run: a deliberately plain pandas implementation of",
        "  huangyan-2022 scoring only (`baseline_classes()` in the script): per firm, Σ value ÷",
        "  published divisor × weight (规上 30/20/20/10/10/10, 规下 50/50), rank within the segment",
        "  with `groupby().rank(method=\"max\", ascending=False)`, the preset's percentile bands.",
        "  No explanations, next-class thresholds, carbon grades, measures, parks or history.",
        f"* Agreement, checked before timing: {results.get('agreement', 'not checked')}.", "",
        "Full evaluation time as a multiple of the baseline at the same size:", "",
        *ratios(results), "",
        f"Median of {results['repeat']} runs per size and run kind, every run a fresh process that reads the",
        "input from Parquet (not timed) and then times one call: `evaluate(inputs, load_scheme(name), 2024)`",
        "or `baseline_classes(inputs, 2024)`. CPU s: user + system time of the process during the call.",
        "Peak RSS: the process's `VmHWM` (largest over its runs), including the interpreter, pandas and",
        "the input frame (the *RSS before the call* column). The last column is the CPU that other",
        "processes used during the call (the script waits for a quiet machine before each run).", "",
        table(results), "",
        "What `evaluate()` does besides scoring 2024: for the measures' 3-year escalating surcharge",
        "(shandong-2022) it also scores 2023, 2022 and 2021 (huaian-2024 stops at 2022, since its",
        "benchmarks need the previous year's means and there is no 2020); it computes each firm's",
        "next-class threshold and the value of every item that would reach it, 碳效码 grades, the",
        "measures, the park table and the migration matrix.", "",
        "### Inputs", "",
        "Seeded synthetic enterprise-years (`generate()` in the script; `numpy.random.default_rng`),",
        "every column of the evaluation input (tests/evaluation_frames.py): 20 districts, 15 parks",
        "(60 % of firms), industry divisions 13–43 plus 1.5 % utilities (44/45/46, class T under",
        "huaian-2024 and jingde-2022), 70 % above / 30 % below designated size, land lognormal in",
        "0.5–200 mu with 0.3 % of firms at 0, start years 1990–2024, all pollutants missing in 15 % of",
        "rows, a negative tax in 1 %, 1 % net electricity exporters.", "",
        *data, "",
    ]
    if "profile" in results:
        parts += ["### Where the time goes", ""]
        for prof in results["profile"]:
            parts += [*profile_lines(prof), ""]
    parts += [
        "### Machine", "",
        f"* CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram']}; {m['os']}",
        f"* Python {m['python']}; pandas {m['pandas']}; numpy {m['numpy']}; pyarrow {m['pyarrow']}",
        f"* Date: {m['date']}", "",
    ]
    return "\n".join(parts)


def write_section(section: str) -> None:
    """Replace the section under the section's own heading (its first line) up to the next
    ``## `` heading or the end, or append it at the end; the rest of the file stays as it is."""
    heading = section.splitlines()[0]
    text = DOC.read_text("utf-8") if DOC.exists() else ""
    lines = text.splitlines(keepends=True)
    start = next((i for i, x in enumerate(lines) if x.rstrip("\n") == heading), None)
    body = section.rstrip("\n") + "\n"
    if start is None:
        sep = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
        DOC.write_text(text + sep + body, "utf-8")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    DOC.write_text("".join(lines[:start]) + body + ("\n" + tail if tail else ""), "utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time qingshan.evaluation.evaluate against a plain pandas baseline.")
    ap.add_argument("--sizes", default="1000,10000,50000", help="enterprises, comma-separated")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size and kind (median reported)")
    ap.add_argument("--quiet-wait", type=float, default=120.0,
                    help="seconds to wait, before each run, for other processes to go idle")
    ap.add_argument("--no-check", action="store_true", help="skip the baseline agreement check")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile each preset slower than the target at the largest size")
    ap.add_argument("--write-docs", action="store_true", help="replace the section in docs/performance.md")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the Parquet inputs")
    ap.add_argument("--from-results", metavar="JSON", help="only render the section from an earlier results file")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        out = work_profile(args.worker, args.size) if args.profile_worker else work(args.worker, args.size)
        print("RESULT " + json.dumps(out))
        return
    cmd = " ".join(["python benchmarks/bench_evaluation.py", *(argv if argv is not None else sys.argv[1:])])
    if args.from_results:
        results = json.loads(Path(args.from_results).read_text("utf-8"))
    else:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        for n in sizes:
            info = ensure_data(n, force=args.regenerate)
            print(f"data n={n:,}: {info['rows']:,} enterprise-year rows, {info['parquet_mb']:.1f} MB", flush=True)
        agreement = "not checked"
        if not args.no_check:
            check_n = CHECK_SIZE if CHECK_SIZE in sizes else min(sizes)
            ensure_data(check_n)
            agreement = f"{check_n:,} enterprises: " + check_baseline(check_n)
            print(f"agreement: {agreement}", flush=True)
        results = bench(sizes, args.repeat, args.quiet_wait)
        results["agreement"] = agreement
        results["command"] = cmd
        if args.profile:
            big = str(max(sizes))
            slow = [k for k in PRESETS if results["sizes"][big][k]["s"] > TARGET_SECONDS]
            results["profile"] = [run_worker(k, int(big), args.quiet_wait, profile=True) for k in slow]
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "results.json").write_text(json.dumps(results, indent=1), "utf-8")
    print()
    print(table(results))
    print()
    print("\n".join(ratios(results)))
    print(verdict(results))
    for prof in results.get("profile", []):
        print()
        print("\n".join(profile_lines(prof, top=15)))
    if args.write_docs:
        write_section(render_section(results))
        print(f"\nwrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
