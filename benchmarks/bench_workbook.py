"""Benchmark of the largest workbook (issue #13): a package workbook whose energy sheet holds
1 048 576 rows, the most an .xlsx sheet holds, from the file to accounts, against a plain
read of its energy sheet with python-calamine measured in the same run.

    python benchmarks/bench_workbook.py [--rows 1048575] [--repeat 1] [--strings shared]
                                        [--regenerate] [--write-docs]

The workbook is the demo city (``qingshan demo``'s generator, seeded, 2020-2025) with enough
enterprises that its energy table has at least ``--rows`` rows; the energy rows are sorted by
enterprise and period and the first ``--rows`` kept (only the last enterprise kept may lose
the end of its series), and the enterprises after it are left out of every table. Each table
is a sheet named as ``write_xlsx_package`` names it, written with xlsxwriter: numbers as
numbers, text as text, empty cells left empty, and text in the shared-string table as Excel
writes it (``--strings inline`` writes inline strings in xlsxwriter's ``constant_memory``
mode instead). The workbook is checked once with ``qingshan validate`` and cached under
``benchmarks/out/workbook/`` by its size, so a rerun does not rebuild it.

Each timed step is a fresh process, so import time and every read count, and its peak memory
is the process's ``VmHWM``:

- ``calamine read``: python-calamine opens the workbook and reads its energy sheet into
  Python lists (the floor: what reading the sheet costs);
- ``validate``: ``qingshan validate WORKBOOK --profile demo``;
- ``account (first)``: ``qingshan account DIR --year Y --out accounts.json`` on a data
  directory whose ``city.toml`` names the demo profile and the workbook as its package,
  with no validated copy and no store;
- ``account (again)``: the same command again (validated copy and store reused).

Each step runs ``--repeat`` times (the first account after removing the cache each time);
the median is reported, and each step's ratio to the calamine read's median.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_accounts import machine  # noqa: E402
from benchmarks.bench_door import timed  # noqa: E402
from benchmarks.bench_evaluation import write_section  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "workbook"
HEADING = "## The largest workbook (issue #13)"
QINGSHAN = str(Path(sys.executable).with_name("qingshan"))
#: rows of an .xlsx sheet (Excel specifications and limits), the header row included
EXCEL_ROWS = 1_048_576
YEARS = list(range(2020, 2026))
SEED = 2025
PROFILE = "demo"
#: energy rows per enterprise of the demo city over 2020-2025, a first guess (the generator
#: decides; too few enterprises are made up for by generating again)
ROWS_PER_ENTERPRISE = 185
#: spec column types written as numbers
NUMERIC_TYPES = ("float", "year")

READ = """
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_name(sys.argv[2]).to_python()
print(len(rows))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "QINGSHAN_LANG": "en"}


def _sheet_name(table: str) -> str:
    from qingshan.schema.tables import tables

    return tables()[table].sheet_aliases[0]


def _demo_package(rows: int, work: Path) -> tuple[dict[str, pd.DataFrame], int]:
    """The demo city's tables as text (as its CSV files hold them), with at least ``rows``
    energy rows, and the number of enterprises generated."""
    from qingshan.city.demo import create_demo_city
    from qingshan.schema.tables import TABLE_ORDER

    n = math.ceil(rows / ROWS_PER_ENTERPRISE * 1.02)
    while True:
        t0 = time.perf_counter()
        pkg = create_demo_city(work / "city", enterprises=n, years=YEARS, seed=SEED)
        frames = {name: pd.read_csv(pkg / f"{name}.csv", dtype=str, keep_default_na=False, na_filter=False)
                  for name in TABLE_ORDER if (pkg / f"{name}.csv").exists()}
        have = len(frames["energy"])
        print(f"  demo city of {n:,} enterprises: {have:,} energy rows ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr)
        if have >= rows:
            shutil.rmtree(work / "city", ignore_errors=True)
            return frames, n
        n = math.ceil(n * rows / have * 1.01) + 1
        shutil.rmtree(work / "city", ignore_errors=True)


def truncate(frames: dict[str, pd.DataFrame], rows: int) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The first ``rows`` energy rows by enterprise and period, and every table without the
    enterprises after the last one kept (whose series may end early)."""
    energy = frames["energy"].sort_values(["entity_id", "period"], kind="stable").reset_index(drop=True)
    last = str(energy["entity_id"].iloc[rows - 1])
    kept_rows = int((energy["entity_id"].iloc[:rows] == last).sum())
    full_rows = int((energy["entity_id"] == last).sum())
    ents = frames["entities"]
    dropped = set(ents.loc[(ents["entity_type"] == "enterprise") & (ents["entity_id"] > last), "entity_id"])
    out = {"energy": energy.iloc[:rows].reset_index(drop=True)}
    for name, f in frames.items():
        if name != "energy":
            out[name] = f.loc[~f["entity_id"].isin(dropped)].reset_index(drop=True)
    kept = out["entities"]
    info = {"enterprises": int((kept["entity_type"] == "enterprise").sum()), "last_enterprise": last,
            "last_series_rows": kept_rows, "last_series_full_rows": full_rows,
            "last_series_period": str(energy["period"].iloc[rows - 1]),
            "rows_per_table": {name: len(f) for name, f in out.items()}}
    return out, info


def _cells(frame: pd.DataFrame, table: str) -> list[list[float | str | None]]:
    """Each column's cells as a person's workbook holds them: numbers of the spec's number
    columns as floats, other cells as text, empty cells as None."""
    from qingshan.schema.tables import tables

    spec = tables()[table]
    types = {c.name: c.type for c in spec.columns}
    out: list[list[float | str | None]] = []
    for col in frame.columns:
        values = frame[col].tolist()
        cells: list[float | str | None] = []
        numeric = types.get(col) in NUMERIC_TYPES
        for v in values:
            if v == "":
                cells.append(None)
            elif numeric:
                try:
                    cells.append(float(v))
                except ValueError:
                    cells.append(v)
            else:
                cells.append(v)
        out.append(cells)
    return out


def write_workbook(frames: dict[str, pd.DataFrame], path: Path, strings: str) -> None:
    """One sheet per table, named as ``write_xlsx_package`` names them; written row by row
    (the order ``constant_memory`` needs), into a temporary file moved into place."""
    import xlsxwriter

    from qingshan.schema.tables import TABLE_ORDER

    tmp = path.with_name(f".{path.name}.tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": strings == "inline"})
    try:
        for name in TABLE_ORDER:
            if name not in frames:
                continue
            frame = frames[name]
            if len(frame) + 1 > EXCEL_ROWS:
                raise ValueError(f"{name}: {len(frame) + 1:,} rows do not fit in a sheet ({EXCEL_ROWS:,})")
            ws = wb.add_worksheet(_sheet_name(name))
            ws.write_row(0, 0, list(frame.columns))
            columns = _cells(frame, name)
            write_number, write_string = ws.write_number, ws.write_string
            for r, row in enumerate(zip(*columns, strict=True), start=1):
                for c, v in enumerate(row):
                    if v is None:
                        continue
                    if isinstance(v, float):
                        write_number(r, c, v)
                    else:
                        write_string(r, c, v)
            del columns
    finally:
        wb.close()
    os.replace(tmp, path)


def check(path: Path) -> dict[str, Any]:
    """``qingshan validate --format json`` of the workbook: its errors, warnings and the
    first problems (the build fails on an error)."""
    p = subprocess.run([QINGSHAN, "validate", str(path), "--profile", PROFILE, "--format", "json"],
                       capture_output=True, text=True, env=_env(), check=False)
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"qingshan validate failed ({p.returncode}): {p.stderr[-2000:]}") from exc
    problems = doc.get("problems", [])
    out = {"errors": doc["errors"], "warnings": doc["warnings"], "problems": problems[:20]}
    if doc["errors"]:
        raise RuntimeError(f"the workbook {path} does not validate: {json.dumps(out, ensure_ascii=False)[:4000]}")
    return out


def workbook(rows: int, strings: str, regenerate: bool) -> tuple[Path, dict[str, Any]]:
    """The cached workbook of ``rows`` energy rows (built when missing) and what it holds."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"package-{rows}" + ("" if strings == "shared" else f"-{strings}")
    path, meta_file = OUT / f"{stem}.xlsx", OUT / f"{stem}.json"
    if path.exists() and meta_file.exists() and not regenerate:
        meta: dict[str, Any] = json.loads(meta_file.read_text("utf-8"))
        if meta.get("xlsx_bytes") == path.stat().st_size:
            return path, meta
    meta_file.unlink(missing_ok=True)
    t0 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="qingshan-workbook-"))
    try:
        frames, generated = _demo_package(rows, work)
        t1 = time.perf_counter()
        frames, info = truncate(frames, rows)
        print(f"  writing {path.name} ({strings} strings)", file=sys.stderr)
        write_workbook(frames, path, strings)
        t2 = time.perf_counter()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("  checking it with qingshan validate", file=sys.stderr)
    validated = check(path)
    meta = {"rows": rows, "strings": strings, "years": f"{YEARS[0]}-{YEARS[-1]}", "seed": SEED,
            "enterprises_generated": generated, **info, "energy_sheet": _sheet_name("energy"),
            "xlsx_bytes": path.stat().st_size, "generate_seconds": t1 - t0, "write_seconds": t2 - t1,
            "check_seconds": time.perf_counter() - t2, "validate": validated}
    meta_file.write_text(json.dumps(meta, indent=1, ensure_ascii=False), "utf-8")
    return path, meta


def _data_dir(book: Path) -> Path:
    """A data directory (under OUT, so that the workbook can be hard-linked) whose
    ``city.toml`` names the demo profile and the workbook as its package."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=OUT))
    target = work / "package.xlsx"
    try:
        os.link(book, target)
    except OSError:
        shutil.copyfile(book, target)
    (work / "city.toml").write_text(f'profile = "{PROFILE}"\npackage = "package.xlsx"\n', "utf-8")
    return work


def run(book: Path, meta: dict[str, Any], repeat: int) -> dict[str, Any]:
    from qingshan.city import cache as package_cache

    env = _env()
    work = _data_dir(book)
    try:
        out = work / "accounts.json"
        steps: dict[str, list[tuple[float, float]]] = {"calamine read": [], "validate": [], "account (first)": [],
                                                         "account (again)": []}
        account = [QINGSHAN, "account", str(work), "--year", str(YEARS[-1]), "--out", str(out)]
        for i in range(repeat):
            print(f"  run {i + 1}/{repeat}: calamine read", file=sys.stderr)
            steps["calamine read"].append(timed([sys.executable, "-c", READ, str(book), meta["energy_sheet"]], env))
            print(f"  run {i + 1}/{repeat}: validate", file=sys.stderr)
            steps["validate"].append(timed([QINGSHAN, "validate", str(book), "--profile", PROFILE], env))
            shutil.rmtree(package_cache.folder_of(work), ignore_errors=True)
            for f in work.glob("qingshan.duckdb*"):
                f.unlink()
            print(f"  run {i + 1}/{repeat}: account (first)", file=sys.stderr)
            steps["account (first)"].append(timed(account, env))
            print(f"  run {i + 1}/{repeat}: account (again)", file=sys.stderr)
            steps["account (again)"].append(timed(account, env))
            for k, v in steps.items():
                print(f"    {k}: {v[-1][0]:.1f} s, {v[-1][1]:.2f} GiB", file=sys.stderr)
        accounts = json.loads(out.read_text("utf-8"))
        read = statistics.median(s for s, _ in steps["calamine read"])
        table = {k: {"seconds": statistics.median(s for s, _ in v), "peak_gib": max(m for _, m in v),
                     "ratio_to_read": statistics.median(s for s, _ in v) / read, "runs": v}
                 for k, v in steps.items()}
        return {**meta, "repeat": repeat, "accounts_json_keys": sorted(accounts)[:20], "steps": table}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def section(res: dict[str, Any]) -> str:
    m = res["machine"]
    full = res["rows"] + 1 == EXCEL_ROWS
    args = ("" if full else f" --rows {res['rows']}") + \
        ("" if res["strings"] == "shared" else f" --strings {res['strings']}")
    size = "the most an .xlsx sheet holds" if full else f"Excel holds {EXCEL_ROWS:,}"
    partial = ("" if res["last_series_rows"] == res["last_series_full_rows"] else
               f" (the last enterprise's series ends at {res['last_series_period']})")
    lines = [HEADING, "",
             f"Measured {res['date']} with `python benchmarks/bench_workbook.py{args}` on {m['cpu']} "
             f"({m['cores']} cores, {m['ram']}): one .xlsx package workbook whose energy sheet has "
             f"{res['rows'] + 1:,} rows with its header ({size}), the demo city of {res['enterprises']:,} "
             f"enterprises, {res['years']}{partial}, written with {res['strings']} strings, "
             f"{res['xlsx_bytes'] / 1e6:.0f} MB; median of {res['repeat']} fresh process"
             f"{'es' if res['repeat'] > 1 else ''} per step; peak = the process's VmHWM. The floor is "
             "python-calamine reading the energy sheet into Python lists; `validate` is "
             "`qingshan validate WORKBOOK`, `account` runs on a data directory whose package is the "
             "workbook, the first time (no validated copy, no store) and again.", "",
             "| step | seconds | × calamine read | peak GiB |", "|---|---:|---:|---:|"]
    for k, v in res["steps"].items():
        lines.append(f"| {k} | {v['seconds']:.1f} | {v['ratio_to_read']:.1f} | {v['peak_gib']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time the largest workbook, file to accounts, against a calamine read.")
    ap.add_argument("--rows", type=int, default=EXCEL_ROWS - 1, help="energy data rows (header not counted)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--strings", choices=("shared", "inline"), default="shared",
                    help="text cells in the shared-string table (as Excel writes) or inline (constant_memory)")
    ap.add_argument("--regenerate", action="store_true", help="rebuild the cached workbook")
    ap.add_argument("--write-docs", action="store_true", help="replace the section in docs/performance.md")
    a = ap.parse_args(argv)
    if not 1 <= a.rows < EXCEL_ROWS:
        ap.error(f"--rows must be between 1 and {EXCEL_ROWS - 1:,}")
    book, meta = workbook(a.rows, a.strings, a.regenerate)
    print(f"  {book} ({meta['xlsx_bytes'] / 1e6:.0f} MB, {meta['enterprises']:,} enterprises; validate: "
          f"{meta['validate']['errors']} errors, {meta['validate']['warnings']} warnings)", file=sys.stderr)
    res = run(book, meta, a.repeat)
    res["machine"] = machine()
    res["date"] = dt.date.today().isoformat()
    (OUT / f"{book.stem}-results.json").write_text(json.dumps(res, indent=1, ensure_ascii=False), "utf-8")
    text = section(res)
    print(text)
    if a.write_docs:
        write_section(text)


if __name__ == "__main__":
    main()
