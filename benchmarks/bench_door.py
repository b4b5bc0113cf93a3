"""Benchmark of the door (issue #13): a package from files to accounts, end to end, as a
user runs it, against a DuckDB scan of the same CSV files measured in the same run.

    python benchmarks/bench_door.py [--enterprises 10000] [--years 2020-2025] [--repeat 3]
                                    [--write-docs]

The package is the demo city (``qingshan demo``'s generator, seeded) written as CSV into a
temporary data directory. Each timed step is a fresh process, so import time and every read
count, and its peak memory is the process's ``VmHWM``:

- ``scan``: DuckDB reads every CSV file of the package and sums the energy quantities by
  enterprise and year (the floor: what reading the files costs);
- ``validate``: ``qingshan validate DIR``;
- ``account (first)``: ``qingshan account DIR --year Y --out accounts.json`` on a data
  directory with no validated copy and no store;
- ``account (again)``: the same command again (validated copy and store reused).

Each step runs ``--repeat`` times (the first account after removing the cache each time);
the median is reported, and each step's ratio to the scan's median.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_accounts import machine  # noqa: E402
from benchmarks.bench_evaluation import write_section  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "door"
def heading(enterprises: int) -> str:
    """One section of docs/performance.md per size (10 000 enterprises; a province)."""
    size = f"{enterprises:,}".replace(",", " ")
    return f"## The door: files to accounts, {size} enterprises (issue #13)"
QINGSHAN = str(Path(sys.executable).with_name("qingshan"))
#: issue #13's targets at 10 000 enterprises (account ≤ 8× the scan, ≤ 1.5 GB) and for a
#: province of 50 000 enterprises × 72 months (validate + load + account ≤ 60 s, ≤ 4 GB)
TARGET_RATIO, TARGET_PEAK_GIB = 8.0, 1.5
PROVINCE_SECONDS, PROVINCE_PEAK_GIB = 60.0, 4.0

SCAN = """
import sys, duckdb
con = duckdb.connect()
folder = sys.argv[1]
for name in ("entities", "economics", "production", "process", "pollutants"):
    con.execute(f"SELECT count(*) FROM read_csv('{folder}/{name}.csv', header=true)").fetchall()
rows = con.execute(f"SELECT entity_id, substr(period, 1, 4) AS y, sum(quantity) FROM "
                   f"read_csv('{folder}/energy.csv', header=true) GROUP BY ALL").fetchall()
print(len(rows))
"""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak GiB) of one fresh process; fails loudly if the command fails."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak_kb = 0
    status = f"/proc/{p.pid}/status"
    while p.poll() is None:
        try:
            for line in Path(status).read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        err = p.stderr.read().decode() if p.stderr else ""
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err[-2000:]}")
    # VmHWM is the high-water mark, so a sample 20 ms before the end holds the peak so far
    return seconds, peak_kb / 2**20


def run(enterprises: int, years: str, repeat: int) -> dict[str, Any]:
    from qingshan.city.demo import create_demo_city

    work = Path(tempfile.mkdtemp(prefix="qingshan-door-"))
    try:
        ys = list(range(int(years.split("-")[0]), int(years.split("-")[-1]) + 1))
        create_demo_city(work, enterprises=enterprises, years=ys, seed=2025)
        pkg = work / "package"
        size_mb = sum(f.stat().st_size for f in pkg.iterdir()) / 1e6
        energy_rows = sum(1 for _ in (pkg / "energy.csv").open("rb")) - 1
        env = {**os.environ, "QINGSHAN_LANG": "en"}
        out = work / "accounts.json"
        steps: dict[str, list[tuple[float, float]]] = {"scan": [], "validate": [], "account (first)": [],
                                                         "account (again)": []}
        for _ in range(repeat):
            steps["scan"].append(timed([sys.executable, "-c", SCAN, str(pkg)], env))
            steps["validate"].append(timed([QINGSHAN, "validate", str(work)], env))
            shutil.rmtree(work / "cache", ignore_errors=True)
            for f in work.glob("qingshan.duckdb*"):
                f.unlink()
            account = [QINGSHAN, "account", str(work), "--year", str(ys[-1]), "--out", str(out)]
            steps["account (first)"].append(timed(account, env))
            steps["account (again)"].append(timed(account, env))
        scan = statistics.median(s for s, _ in steps["scan"])
        table = {k: {"seconds": statistics.median(s for s, _ in v), "peak_gib": max(m for _, m in v),
                     "ratio_to_scan": statistics.median(s for s, _ in v) / scan, "runs": v}
                 for k, v in steps.items()}
        return {"enterprises": enterprises, "years": years, "energy_rows": energy_rows, "csv_mb": size_mb,
                "repeat": repeat, "steps": table}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def section(res: dict[str, Any]) -> str:
    m = res["machine"]
    lines = [heading(res["enterprises"]), "",
             f"Measured {res['date']} with `python benchmarks/bench_door.py --enterprises {res['enterprises']}` "
             f"on {m['cpu']} ({m['cores']} cores, {m['ram']}); the demo city, {res['enterprises']:,} enterprises, "
             f"{res['years']}, {res['energy_rows']:,} energy rows, {res['csv_mb']:.0f} MB of CSV; median of "
             f"{res['repeat']} fresh processes per step; peak = the process's VmHWM.", "",
             "| step | seconds | × DuckDB scan | peak GiB |", "|---|---:|---:|---:|"]
    for k, v in res["steps"].items():
        lines.append(f"| {k} | {v['seconds']:.1f} | {v['ratio_to_scan']:.1f} | {v['peak_gib']:.2f} |")
    first = res["steps"]["account (first)"]
    if res["enterprises"] == 10_000:
        ok = first["ratio_to_scan"] <= TARGET_RATIO and first["peak_gib"] <= TARGET_PEAK_GIB
        lines += ["", f"Target (issue #13, 10 000 enterprises): `qingshan account` ≤ {TARGET_RATIO:g}× the scan "
                      f"and ≤ {TARGET_PEAK_GIB} GB peak: **{'met' if ok else 'not met'}** "
                      f"({first['ratio_to_scan']:.1f}×, {first['peak_gib']:.2f} GiB)."]
    if res["enterprises"] == 50_000:
        ok = first["seconds"] <= PROVINCE_SECONDS and first["peak_gib"] <= PROVINCE_PEAK_GIB
        lines += ["", f"Target (issue #13, a province of 50 000 enterprises × 72 months): validate + load + "
                      f"account (`qingshan account`, first run) ≤ {PROVINCE_SECONDS:g} s and ≤ "
                      f"{PROVINCE_PEAK_GIB:g} GB peak: **{'met' if ok else 'not met'}** "
                      f"({first['seconds']:.1f} s, {first['peak_gib']:.2f} GiB)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time the door: CSV files to accounts, against a DuckDB scan.")
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--years", default="2020-2025")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true", help="replace the section in docs/performance.md")
    a = ap.parse_args(argv)
    res = run(a.enterprises, a.years, a.repeat)
    res["machine"] = machine()
    res["date"] = dt.date.today().isoformat()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"door-{a.enterprises}.json").write_text(json.dumps(res, indent=1), "utf-8")
    text = section(res)
    print(text)
    if a.write_docs:
        write_section(text)


if __name__ == "__main__":
    main()
