"""Benchmark of the GEP raster models at scale (issue #17, item 7).

    python benchmarks/bench_gep.py [--sizes 2000,5000,10000] [--repeat N] [--write-docs]

For each size N a seeded synthetic ecological package of N × N pixels (30 m) is generated once
into ``benchmarks/out/gep/<N>/`` (git-ignored), window by window so that generation itself
stays within memory: compressed tiled GeoTIFFs of the demo package's roles (DEM, LULC 2020 and
2025, precipitation, ET0, soil depth, PAWC, erosivity, erodibility, districts) plus a
watershed label raster, with the demo package's tables. The DEM is a grid of square basins of
``--watershed`` pixels (2000 by default, 60 km), each bounded by a flat ridge and draining to
a small lake (nodata) near its centre, with relief and noise (pits to fill).

Every timed run is a fresh process that reports its wall time and peak RSS (``VmHWM``):

* ``read`` — the I/O floor: a plain rasterio read of the same rasters window by window
  (512-pixel windows, the engine's block size), nothing computed;
* ``local`` — :func:`qingshan.ecology.accounting.account_gep` for 2025 with soil retention
  off: carbon storage (InVEST carbon), the storage change from 2020, InVEST annual water yield,
  summed by district × ecosystem, valued (numpy over rasterio windows of 512);
* ``local-dask`` — the same on dask arrays (chunks of 2048; dask's threaded scheduler);
* ``local-cluster`` — the same on a ``dask.distributed`` LocalCluster of 2 worker processes ×
  1 thread (peak RSS: the client process plus the workers' peaks);
* ``soil`` — :func:`qingshan.ecology.tiling.soil_retention_by_watershed` (InVEST SDR's RKLS −
  USLE, MFD, one watershed per thread on 2 threads, A_s summed by district × ecosystem, the
  avoided-erosion raster written); the numba kernels are compiled first on a tiny grid and
  that compile time is reported apart;
* ``soil-whole`` — the baseline for soil retention: the same chain on the whole grid in
  memory (only up to ``--whole-max`` pixels a side; 10⁸ cells would need about 10 GB);
* ``all`` — what the issue's target measures: one process, kernels compiled, ``local`` on
  one thread beside ``soil`` on two (both cores busy while either runs).

``--write-docs`` rewrites the section "Ecological accounts (GEP)" of docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "gep"
DOC = ROOT / "docs" / "performance.md"
SECTION = "## Ecological accounts (GEP)"
GENERATOR_VERSION = 1
TARGET_SECONDS, TARGET_GB = 60.0, 4.0
YEAR, PREV = 2025, 2020
THRESHOLD, L_MAX = 1000.0, 122.0
NODATA = -9999.0
CELL = 30.0
#: GDAL's block cache (MB) in the workers; GDAL's default is 5 % of the RAM (1.2 GB here), which
#: windows read once each do not need.
GDAL_CACHE_MB = 128
MODES = ("read", "local", "local-dask", "local-cluster", "soil", "soil-whole", "all")


# --------------------------------------------------------------------------------------
# Synthetic package
# --------------------------------------------------------------------------------------


def _fields(r: np.ndarray, c: np.ndarray, n: int, p: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every raster of the package on the pixels (r, c) (global row and column indices)."""
    i, j = r // p, c // p
    h = np.minimum(p, n - i * p).astype(np.float64)
    w = np.minimum(p, n - j * p).astype(np.float64)
    dr = r - i * p - (h - 1) / 2.0
    dc = c - j * p - (w - 1) / 2.0
    rho = np.sqrt((dr / (h / 2.0)) ** 2 + (dc / (w / 2.0)) ** 2)
    edge = np.minimum.reduce([r - i * p, i * p + h - 1 - r, c - j * p, j * p + w - 1 - c])
    relief = 15.0 * np.sin(r / 37.0) * np.cos(c / 53.0) + 8.0 * np.sin((r + 2 * c) / 91.0)
    z = 50.0 + 300.0 * np.minimum(rho, 1.45) + relief + rng.uniform(0.0, 1.0, r.shape)
    z = np.where(edge < 2, 600.0, z)  # the ridge between basins, above every basin cell
    lake = (np.abs(dr) <= 1.0) & (np.abs(dc) <= 1.0)
    z = np.where(lake, NODATA, z)
    patch = np.sin(r / 23.0) * np.cos(c / 29.0) + 0.6 * rng.standard_normal(r.shape)

    def lulc(shift: float) -> np.ndarray:
        out = np.select(
            [lake, z < 110, z < 160, z < 260 + shift],
            [43, np.where(patch > 0.9, 51, np.where(patch > 0.5, 52, 11)), np.where(patch > 0.3, 12, 31),
             np.where(patch > 0.2, 22, 24)],
            default=21)
        return np.where(edge < 2, np.where(patch > 0.8, 66, 21), out)

    return {
        "dem": z,
        "lulc_2020": lulc(40.0),
        "lulc_2025": lulc(0.0),
        "precipitation": 1400.0 + 300.0 * np.sin(r / 1500.0) + 0.02 * (z.clip(0) - 200.0),
        "et0": 1000.0 + 80.0 * np.cos(c / 1700.0),
        "soil_depth": np.where(z == NODATA, NODATA, 300.0 + 700.0 * np.clip(1.0 - rho, 0.05, 1.0)),
        "pawc": 0.12 + 0.05 * np.sin(c / 301.0) * np.cos(r / 407.0),
        "erosivity": 3500.0 + 800.0 * np.sin((r + c) / 2500.0),
        "erodibility": 0.03 + 0.008 * np.sin(r / 211.0) * np.sin(c / 173.0),
        "districts": (1 + (c * 5) // n).astype(np.int64),
        "watersheds": (i * ((n + p - 1) // p) + j + 1).astype(np.int64),
    }


DTYPES = {"dem": "float32", "lulc_2020": "uint8", "lulc_2025": "uint8", "precipitation": "float32",
          "et0": "float32", "soil_depth": "float32", "pawc": "float32", "erosivity": "float32",
          "erodibility": "float32", "districts": "uint8", "watersheds": "uint16"}
NODATAS = {"lulc_2020": 255, "lulc_2025": 255, "districts": 0, "watersheds": 0}


def generate(n: int, p: int, directory: Path) -> dict[str, Any]:
    """Write the N × N package into ``directory`` strip by strip (512 rows at a time)."""
    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    from qingshan.ecology.demo import write_demo_eco_package

    if directory.exists():
        shutil.rmtree(directory)
    write_demo_eco_package(directory / "_demo")  # tables and manifest; its small rasters unused
    transform = Affine(CELL, 0.0, 500_000.0, 0.0, -CELL, 3_000_000.0)
    handles = {}
    for key, dtype in DTYPES.items():
        handles[key] = rasterio.open(
            directory / f"{key}.tif", "w", driver="GTiff", height=n, width=n, count=1, dtype=dtype,
            crs="EPSG:4545", transform=transform, nodata=NODATAS.get(key, NODATA), compress="deflate",
            predictor=3 if dtype == "float32" else 2, tiled=True, blockxsize=256, blockysize=256,
            num_threads="ALL_CPUS")
    t0 = time.perf_counter()
    try:
        for r0 in range(0, n, 512):
            rows = min(512, n - r0)
            r, c = np.mgrid[r0:r0 + rows, 0:n]
            f = _fields(r, c, n, p, np.random.default_rng([n, r0]))
            for key, ds in handles.items():
                ds.write(f[key].astype(DTYPES[key]), 1, window=Window(0, r0, n, rows))
    finally:
        for ds in handles.values():
            ds.close()
    size = sum(f.stat().st_size for f in directory.glob("*.tif"))
    info = {"n": n, "watershed": p, "version": GENERATOR_VERSION, "seconds": time.perf_counter() - t0,
            "mb": size / 1e6, "watersheds": ((n + p - 1) // p) ** 2}
    (directory / "info.json").write_text(json.dumps(info), "utf-8")
    return info


def ensure_data(n: int, p: int, force: bool = False) -> dict[str, Any]:
    d = OUT / str(n)
    info_path = d / "info.json"
    if not force and info_path.exists():
        info: dict[str, Any] = json.loads(info_path.read_text("utf-8"))
        if info.get("version") == GENERATOR_VERSION and info.get("watershed") == p:
            return info
    return generate(n, p, d)


def load_package(n: int) -> Any:
    """The demo package's tables and parameters on the N × N rasters (validated once on the
    demo's own small rasters; the synthetic rasters follow the same roles and codes)."""
    import rasterio

    from qingshan.ecology.package import read_eco_package

    d = OUT / str(n)
    demo = read_eco_package(d / "_demo")
    rasters = {k: d / f"{k}.tif" for k in demo.rasters}
    with rasterio.open(rasters["dem"]) as ds:
        transform, shape = ds.transform, (ds.height, ds.width)
    params = {k: v for k, v in demo.parameters.items() if k not in ("threshold_flow_accumulation", "l_max")}
    return dataclasses.replace(demo, directory=d, rasters=rasters, transform=transform, shape=shape,
                               parameters=params)


# --------------------------------------------------------------------------------------
# Worker (one timed run in a fresh process)
# --------------------------------------------------------------------------------------


def _vmhwm_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def _compile() -> float:
    from qingshan.methods.soil_retention import soil_retention

    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    z = rng.uniform(0, 10, (32, 32)) + np.arange(32)[:, None]
    one = np.ones_like(z)
    soil_retention(z, one, one, one * 0.1, 30.0, 10.0, 122.0, "mfd")
    return time.perf_counter() - t0


def _local(pkg: Any, engine: str, cluster: bool = False) -> dict[str, Any]:
    from qingshan.ecology.accounting import Pricing, account_gep

    pricing = Pricing.shipped("ganzi_2010")
    out: dict[str, Any] = {}
    client = None
    if cluster:
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                          dashboard_address=None)
        client = Client(lc)  # type: ignore[no-untyped-call]
        out["cluster_start_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    acc = account_gep(pkg, YEAR, pricing=pricing, soil=None, engine=engine,  # type: ignore[arg-type]
                      block_size=512, chunks=2048, client=client)
    out["local_s"] = time.perf_counter() - t0
    phys = acc.physical
    out["totals"] = {c: float(phys[c].sum()) for c in ("area_ha", "carbon_storage_tC",
                                                       "carbon_storage_change_tC_per_a", "water_yield_m3")}
    if client is not None:
        workers = client.run(lambda: _vmhwm_mb())
        out["worker_rss_mb"] = sorted(workers.values())
        client.close()  # type: ignore[no-untyped-call]
        lc.close()
    return out


def _soil(pkg: Any, tmp: Path) -> dict[str, Any]:
    import rasterio

    from qingshan.ecology import accounting as acc
    from qingshan.ecology.tiling import soil_retention_by_watershed

    key = pkg.lulc_key(YEAR)
    ctx = acc._context(pkg, [])
    out_path = acc._create_tiff(tmp / "avoided_erosion.tif", pkg)

    def zones(a: Any) -> Any:
        return acc._zones(a[key], pkg.nodata.get(key), a.get("districts"), pkg.nodata.get("districts"), ctx, key)

    t0 = time.perf_counter()
    res = soil_retention_by_watershed(pkg, YEAR, pkg.directory / "watersheds.tif",
                                      threshold_flow_accumulation=THRESHOLD, l_max=L_MAX, watershed_nodata=0,
                                      out_path=out_path, zones=zones,
                                      zone_ids=acc._zone_ids(ctx), workers=2)
    secs = time.perf_counter() - t0
    assert res.zone_totals is not None
    with rasterio.open(out_path) as ds:
        assert ds.shape == pkg.shape
    return {"soil_s": secs, "avoided_t": float(res.by_watershed["avoided_t"].sum()),
            "avoided_by_zone_t": float(res.zone_totals.sum()), "watersheds": len(res.by_watershed),
            "largest_box": int(max((b[1] - b[0]) * (c[1] - c[0]) for b, c in
                                   zip(res.by_watershed["rows"], res.by_watershed["cols"], strict=True)))}


def _soil_whole(pkg: Any) -> dict[str, Any]:
    from qingshan.ecology import accounting as acc
    from qingshan.methods.reclassify import reclassify
    from qingshan.methods.soil_retention import soil_retention

    t0 = time.perf_counter()
    key = pkg.lulc_key(YEAR)
    a = acc._whole(pkg, [key, "dem", "erosivity", "erodibility"])
    bio = pkg.tables["biophysical"]
    cp = reclassify(a[key], bio["lucode"].astype(int).to_numpy(),
                    (bio["usle_c"].astype(float) * bio["usle_p"].astype(float)).to_numpy(),
                    nodata=pkg.nodata.get(key), raster=key)
    res = soil_retention(a["dem"], a["erosivity"], a["erodibility"], cp, CELL, THRESHOLD, L_MAX, "mfd")
    return {"soil_s": time.perf_counter() - t0,
            "avoided_t": float(np.nansum(res.avoided_erosion) * pkg.pixel_area_ha)}


def _read_floor(pkg: Any) -> dict[str, Any]:
    import rasterio

    from qingshan.ecology.grid import grid_windows

    t0 = time.perf_counter()
    cells = 0
    handles = [rasterio.open(p) for p in pkg.rasters.values()]
    try:
        h, w = pkg.shape
        for win in grid_windows(h, w, 512):
            for ds in handles:
                cells += ds.read(1, window=win).size
    finally:
        for ds in handles:
            ds.close()
    return {"read_s": time.perf_counter() - t0, "rasters": len(handles), "cells_read": cells}


def worker_main(args: argparse.Namespace) -> None:
    t_start = time.perf_counter()
    pkg = load_package(args.size)
    out: dict[str, Any] = {"mode": args.worker, "rss_base_mb": _vmhwm_mb()}
    t0 = time.perf_counter()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = ru0.ru_utime + ru0.ru_stime
    with tempfile.TemporaryDirectory(prefix="bench-gep-") as tmp:
        if args.worker == "read":
            out |= _read_floor(pkg)
        elif args.worker == "local":
            out |= _local(pkg, "numpy")
        elif args.worker == "local-dask":
            out |= _local(pkg, "dask")
        elif args.worker == "local-cluster":
            out |= _local(pkg, "dask", cluster=True)
        elif args.worker == "soil":
            out["compile_s"] = _compile()
            t0 = time.perf_counter()
            ru0 = resource.getrusage(resource.RUSAGE_SELF)
            cpu0 = ru0.ru_utime + ru0.ru_stime
            out |= _soil(pkg, Path(tmp))
        elif args.worker == "soil-whole":
            out["compile_s"] = _compile()
            t0 = time.perf_counter()
            ru0 = resource.getrusage(resource.RUSAGE_SELF)
            cpu0 = ru0.ru_utime + ru0.ru_stime
            out |= _soil_whole(pkg)
        elif args.worker == "all":
            out["compile_s"] = _compile()
            t0 = time.perf_counter()
            ru0 = resource.getrusage(resource.RUSAGE_SELF)
            cpu0 = ru0.ru_utime + ru0.ru_stime
            # the local kernels (one thread, numpy windows) run beside soil retention (two
            # threads, one watershed each), so both cores stay busy while either part runs
            with ThreadPoolExecutor(max_workers=1) as pool:
                local = pool.submit(_local, pkg, "numpy")
                out |= _soil(pkg, Path(tmp))
                out |= local.result()
    out["seconds"] = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = ru.ru_utime + ru.ru_stime - cpu0
    out["process_s"] = time.perf_counter() - t_start
    out["rss_peak_mb"] = _vmhwm_mb() + sum(out.get("worker_rss_mb", []))
    print("RESULT " + json.dumps(out), flush=True)


def run_worker(mode: str, n: int) -> dict[str, Any]:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    env = os.environ | {"GDAL_CACHEMAX": str(GDAL_CACHE_MB)}
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--size", str(n)],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {mode} n={n} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    res: dict[str, Any] = json.loads(lines[-1][len("RESULT "):])
    res["wall_s"] = wall
    res["load_before"] = load
    res["load_after"] = os.getloadavg()[0]
    return res


# --------------------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------------------


def bench(sizes: list[int], modes: list[str], repeat: int, whole_max: int) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": {}}
    for n in sizes:
        per: dict[str, Any] = {"data": json.loads((OUT / str(n) / "info.json").read_text("utf-8"))}
        for mode in modes:
            if mode == "soil-whole" and n > whole_max:
                continue
            runs = []
            for k in range(repeat):
                r = run_worker(mode, n)
                runs.append(r)
                print(f"n={n:>6} {mode:<13} run {k + 1}: {r['seconds']:7.2f} s  peak {r['rss_peak_mb']:7.0f} MB"
                      f"  (compile {r.get('compile_s', 0):.1f} s; load {r['load_before']:.2f}→{r['load_after']:.2f})",
                      flush=True)
            per[mode] = {"runs": runs, "seconds": statistics.median(r["seconds"] for r in runs),
                         "rss_peak_mb": max(r["rss_peak_mb"] for r in runs),
                         "compile_s": statistics.median(r.get("compile_s", 0.0) for r in runs)}
        results["sizes"][str(n)] = per
    return results


def machine() -> dict[str, Any]:
    import dask
    import numba
    import rasterio

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": f"{int(mem) / 1024 / 1024:.0f} GiB",
            "os": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
            "rasterio": rasterio.__version__, "gdal": rasterio.__gdal_version__, "dask": dask.__version__,  # type: ignore[attr-defined]
            "numba": numba.__version__, "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def table(results: dict[str, Any]) -> str:
    lines = ["| pixels | mode | seconds (median) | × I/O floor | CPU s (median) | peak RSS MB "
             "| numba compile s (apart) | load avg before → after |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for n, per in results["sizes"].items():
        floor = per.get("read", {}).get("seconds")
        for mode in MODES:
            if mode not in per:
                continue
            m = per[mode]
            ratio = f"{m['seconds'] / floor:.1f}" if floor and mode != "read" else ""
            loads = ", ".join(f"{r['load_before']:.1f}→{r['load_after']:.1f}" for r in m["runs"])
            comp = f"{m['compile_s']:.1f}" if m["compile_s"] else ""
            cpu = statistics.median(r.get("cpu_s", float("nan")) for r in m["runs"])
            lines.append(f"| {int(n):,} × {int(n):,} | {mode} | {m['seconds']:.1f} | {ratio} | {cpu:.1f} "
                         f"| {m['rss_peak_mb']:,.0f} "
                         f"| {comp} | {loads} |")
    return "\n".join(lines)


def agreement(results: dict[str, Any]) -> list[str]:
    out = []
    for n, per in results["sizes"].items():
        if "soil" in per and "soil-whole" in per:
            a = per["soil"]["runs"][0]["avoided_t"]
            b = per["soil-whole"]["runs"][0]["avoided_t"]
            out.append(f"* {int(n):,}²: soil retention total by watershed {a:,.0f} t/a, whole grid {b:,.0f} t/a "
                       f"(relative difference {abs(a - b) / abs(b):.1e}; the cells along the ridges between basins "
                       "see the boundary as the edge of the data when run by watershed, see tiling.py)")
        if "local" in per and "local-dask" in per:
            a, b = per["local"]["runs"][0]["totals"], per["local-dask"]["runs"][0]["totals"]
            worst = max(abs(a[k] - b[k]) / max(abs(a[k]), 1e-300) for k in a)
            out.append(f"* {int(n):,}²: numpy windows and dask give the same totals (largest relative difference "
                       f"{worst:.1e})")
    return out


def verdict(results: dict[str, Any]) -> list[str]:
    big = results["sizes"].get("10000", {})
    if "all" not in big:
        return ["* The 10 000 × 10 000 `all` run was not made, so the target was not assessed."]
    a = big["all"]
    ok_t = a["seconds"] <= TARGET_SECONDS
    ok_m = a["rss_peak_mb"] / 1024 <= TARGET_GB
    tot = a["seconds"] + a["compile_s"]
    secs = ", ".join(f"{r['seconds']:.0f} s at load {r['load_before']:.1f}" for r in a["runs"])
    cpu = statistics.median(r["cpu_s"] for r in a["runs"])
    return [f"* Time, ≤ {TARGET_SECONDS:.0f} s: {'**met**' if ok_t else '**not met**'} as measured — carbon + water "
            f"yield + soil retention on 10⁸ pixels in {a['seconds']:.1f} s (median of {secs}), plus "
            f"{a['compile_s']:.1f} s of numba compilation once per process ({tot:.1f} s with it). The run needs "
            f"{cpu:.0f} CPU seconds, so on two free cores it cannot take less than {cpu / 2:.0f} s (+ compilation).",
            f"* Memory, ≤ {TARGET_GB:.0f} GB: {'**met**' if ok_m else '**not met**'} — peak RSS "
            f"{a['rss_peak_mb'] / 1024:.2f} GiB."]


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    parts = [
        SECTION + " (issue #17)",
        "",
        "Generated by `benchmarks/bench_gep.py`; rerun to refresh:",
        "",
        "```",
        results["command"],
        "```",
        "",
        "Target (issue #17, item 7): a 10 000 × 10 000 pixel area (10⁸ pixels) through carbon, water",
        "yield and soil retention in ≤ 60 s and ≤ 4 GB on this machine, memory flat as the area grows.",
        "",
        *verdict(results),
        "",
        "Every run is a fresh process; seconds are wall-clock, median of the runs; peak RSS is `VmHWM`",
        "(for `local-cluster` the client plus both workers). *× I/O floor*: the run's time over `read`,",
        "a plain rasterio read of the same rasters window by window measured in the same session. The",
        "machine is shared: the load average before and after each run is listed.",
        "",
        table(results),
        "",
        "Modes: `read` the I/O floor (all 10 rasters, 512-pixel windows); `local` `account_gep` with soil",
        "retention off (carbon storage, storage change 2020→2025, InVEST water yield, zonal sums by district",
        "× ecosystem, valuation; numpy on 512-pixel windows); `local-dask` the same on dask arrays (chunks",
        "2048, threaded scheduler); `local-cluster` on a `dask.distributed` LocalCluster of 2 processes × 1",
        "thread; `soil` `tiling.soil_retention_by_watershed` (InVEST SDR RKLS − USLE with MFD routing, one",
        "watershed per thread on 2 threads, A_s by district × ecosystem, avoided-erosion raster written);",
        "`soil-whole` the same chain on the whole grid in memory (the baseline; not run above 5 000²);",
        "`all` one process: `local` on one thread beside `soil` on two (the target's measure). Numba",
        "compiles the routing kernels once per process (flow_routing.py has `cache=False`); that time is",
        "measured on a tiny grid first and reported apart. *CPU s*: user + system time of the benchmark",
        "process (not of the cluster's workers); on two free cores a run cannot take less than half of it.",
        "",
        "Agreement:",
        "",
        *agreement(results),
        "",
        "Inputs: a seeded synthetic package per size (`generate()` in the script; deflate-compressed tiled",
        "GeoTIFFs written 512 rows at a time, cached in `benchmarks/out/gep/`): square basins of "
        f"{results['watershed']} pixels",
        "(60 km at 30 m) bounded by flat ridges two cells wide, each draining to a 3 × 3 lake (nodata) near",
        "its centre, relief and 1 m of noise (pits); LULC by elevation and a noise field with the demo",
        "package's classes (forest gaining on shrub from 2020 to 2025), smooth climate and soil fields,",
        "5 district bands; the demo package's tables and parameters (threshold 1 000 cells, l_max 122).",
        "",
        "| pixels | watersheds | GeoTIFF MB | generation s |",
        "|---:|---:|---:|---:|",
        *[f"| {int(n):,} × {int(n):,} | {p['data']['watersheds']} | {p['data']['mb']:,.0f} "
          f"| {p['data']['seconds']:.0f} |" for n, p in results["sizes"].items()],
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']}; {m['os']}; Python {m['python']}, numpy {m['numpy']},",
        f"rasterio {m['rasterio']} (GDAL {m['gdal']}), dask {m['dask']}, numba {m['numba']}; {m['date']}.",
        "",
    ]
    return "\n".join(parts)


ANALYSIS = "<!-- gep-analysis -->"


def write_doc(section: str) -> None:
    """Replace this benchmark's section of docs/performance.md (up to the next top-level
    ``## `` heading that is not its own), keeping a hand-written part after ``ANALYSIS``."""
    text = DOC.read_text("utf-8")
    if SECTION in text:
        start = text.index(SECTION)
        nxt = text.find("\n## ", start + len(SECTION))
        end = len(text) if nxt < 0 else nxt + 1
        old = text[start:end]
        kept = old[old.index(ANALYSIS):] if ANALYSIS in old else ANALYSIS + "\n"
        text = text[:start] + section + "\n" + kept.rstrip("\n") + "\n" + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n" + ANALYSIS + "\n"
    DOC.write_text(text, "utf-8")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time the GEP raster models at scale (see module doc).")
    ap.add_argument("--sizes", default="2000,5000,10000", help="pixels a side, comma-separated")
    ap.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size and mode")
    ap.add_argument("--watershed", type=int, default=2000, help="side of the square basins, pixels")
    ap.add_argument("--whole-max", type=int, default=5000, help="largest side for the whole-grid baseline")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--merge", action="store_true",
                    help="update the sizes and modes run now in the last results file, keeping the rest")
    ap.add_argument("--from-results", metavar="JSON", help="only rewrite the docs section from a results file")
    ap.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args)
        return
    cmd = " ".join(["python benchmarks/bench_gep.py", *(argv if argv is not None else sys.argv[1:])])
    if args.from_results:
        results = json.loads(Path(args.from_results).read_text("utf-8"))
        write_doc(render(results))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    modes = [m for m in args.modes.split(",") if m]
    for n in sizes:
        info = ensure_data(n, args.watershed, args.regenerate)
        print(f"data n={n:,}: {info['watersheds']} watersheds, {info['mb']:,.0f} MB of GeoTIFF "
              f"(generated in {info['seconds']:.0f} s)", flush=True)
    results = bench(sizes, modes, args.repeat, args.whole_max)
    results |= {"command": cmd, "machine": machine(), "watershed": args.watershed}
    if args.merge and (OUT / "results.json").exists():
        # keep the earlier run's other sizes and modes; note the later command beside it
        old = json.loads((OUT / "results.json").read_text("utf-8"))
        for n, per in results["sizes"].items():
            old["sizes"].setdefault(n, {}).update(per)
        old["command"] = old["command"] + "\n" + cmd
        old["machine"] = results["machine"]
        results = old
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=1), "utf-8")
    print()
    print(table(results))
    print("\n".join(agreement(results) + verdict(results)))
    if args.write_docs:
        write_doc(render(results))
        print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
