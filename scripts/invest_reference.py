"""Regenerate the InVEST peer reference data in tests/data/invest/.

Builds small deterministic inputs (60 x 80 pixels, 30 m, EPSG:32650), runs the
peer tool InVEST (``natcap.invest``) on them -- carbon (baseline + alternate,
with valuation), annual water yield, and SDR (D8 and MFD) -- and copies the
outputs that ``tests/test_invest_peer.py`` compares into
``tests/data/invest/outputs/<model>/`` as DEFLATE-compressed GeoTIFFs, plus a
manifest ``tests/data/invest/manifest.json``.

CI never runs this script; the committed outputs are the reference. It needs
GDAL and InVEST, which are NOT project dependencies. Set up a scratch
environment outside the repo (Debian 12, Python 3.11)::

    apt-get install -y gdal-bin libgdal-dev          # GDAL 3.6.2
    python3 -m venv /tmp/investenv
    P=/tmp/investenv/bin/pip
    $P install numpy wheel babel "setuptools>=77" "setuptools_scm>=8" "cython<3.1"
    $P install --no-build-isolation "GDAL==$(gdal-config --version)"
    # pygeoprocessing and natcap.invest ship no Linux wheels; their sdists
    # fail with Cython 3.1+ and with setuptools < 77, hence the pins above.
    $P install --no-build-isolation "pygeoprocessing==2.4.11"
    PATH=/tmp/investenv/bin:$PATH $P install --no-build-isolation "natcap.invest==3.20.2"

Then, from the repository root::

    /tmp/investenv/bin/python scripts/invest_reference.py

The inputs are synthetic (made here, not copied from anywhere). InVEST is
Apache-2.0; only the outputs of running it on these inputs are stored.
"""

from __future__ import annotations

import csv
import datetime
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "invest"
INPUTS = DATA / "inputs"
OUTPUTS = DATA / "outputs"

ROWS, COLS = 60, 80
PIXEL = 30.0  # metres
ORIGIN_X, ORIGIN_Y = 500_000.0, 3_500_000.0  # UTM 50N, upper-left corner
EPSG = 32650
FLOAT_NODATA = -1.0
LULC_NODATA = 255

# Land-use classes of the synthetic city (codes are ours, demo only).
FOREST, SHRUB, CROP, WATER, BUILT, MANGROVE, BARE = 1, 2, 3, 4, 5, 6, 7

# Biophysical tables: demo parameters, plausible magnitudes only (they feed a
# peer comparison, not an account; no source is claimed for them).
CARBON_POOLS = [  # lucode, c_above, c_below, c_soil, c_dead  (t C / ha)
    (FOREST, 140.0, 35.0, 90.0, 12.0),
    (SHRUB, 25.0, 10.0, 60.0, 3.0),
    (CROP, 5.0, 2.0, 55.0, 0.0),
    (WATER, 0.0, 0.0, 0.0, 0.0),
    (BUILT, 2.0, 0.5, 20.0, 0.0),
    (MANGROVE, 80.0, 40.0, 200.0, 5.0),
    (BARE, 0.0, 0.0, 10.0, 0.0),
]
AWY_TABLE = [  # lucode, lulc_veg, root_depth (mm), kc
    (FOREST, 1, 5000.0, 1.0),
    (SHRUB, 1, 2000.0, 0.8),
    (CROP, 1, 1500.0, 0.65),
    (WATER, 0, 1.0, 1.05),
    (BUILT, 0, 1.0, 0.3),
    (MANGROVE, 1, 1000.0, 1.1),
    (BARE, 0, 1.0, 0.2),
]
SDR_TABLE = [  # lucode, usle_c, usle_p
    (FOREST, 0.003, 1.0),
    (SHRUB, 0.03, 1.0),
    (CROP, 0.25, 0.5),
    (WATER, 0.0, 1.0),
    (BUILT, 0.001, 1.0),
    (MANGROVE, 0.002, 1.0),
    (BARE, 0.45, 1.0),
]

CARBON_ARGS = {
    "lulc_bas_year": 2020,
    "lulc_alt_year": 2030,
    "do_valuation": True,
    "calc_sequestration": True,
    "price_per_metric_ton_of_c": 200.0,
    "discount_rate": 3.0,  # percent
    "rate_change": 1.0,  # percent
}
AWY_ARGS = {"seasonality_constant": 5.0}
SDR_ARGS = {
    "threshold_flow_accumulation": 100,
    "k_param": 2.0,
    "sdr_max": 0.8,
    "ic_0_param": 0.5,
    "l_max": 122,
}


def grid() -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates relative to the upper-left corner, metres."""
    yy, xx = np.mgrid[0:ROWS, 0:COLS].astype(np.float64)
    return (yy + 0.5) * PIXEL, (xx + 0.5) * PIXEL


def make_dem() -> np.ndarray:
    """Two hills, a valley draining south-east, a one-pixel pit, m a.s.l."""
    y, x = grid()
    dem = 20.0 + 0.02 * (ROWS * PIXEL - y) + 0.01 * (COLS * PIXEL - x)
    dem += 180.0 * np.exp(-((x - 600.0) ** 2 + (y - 500.0) ** 2) / (2 * 350.0**2))
    dem += 120.0 * np.exp(-((x - 1800.0) ** 2 + (y - 1300.0) ** 2) / (2 * 300.0**2))
    valley = np.abs(y - 0.55 * x - 200.0) / np.hypot(1.0, 0.55)
    dem -= 25.0 * np.exp(-(valley**2) / (2 * 120.0**2))
    dem[30, 40] -= 15.0  # a pit
    dem[12, 60] -= 8.0  # a second, shallower pit
    dem[20, 20] = FLOAT_NODATA  # a nodata hole on a hillslope (a drain for routing)
    return dem.astype(np.float32)


def make_lulc(dem: np.ndarray, alternate: bool) -> np.ndarray:
    y, x = grid()
    lulc = np.full((ROWS, COLS), CROP, dtype=np.uint8)
    lulc[dem > 90.0] = SHRUB
    lulc[dem > 120.0] = FOREST
    lulc[(x > 1500.0) & (y > 1300.0)] = BUILT
    lulc[(x > 2100.0) & (y < 400.0)] = BARE
    lulc[(x < 300.0) & (y > 1500.0)] = MANGROVE
    lulc[(np.abs(y - 0.55 * x - 200.0) < 40.0) & (x > 900.0)] = WATER
    if alternate:
        lulc[(x > 1200.0) & (x <= 1500.0) & (y > 1300.0)] = BUILT  # sprawl
        lulc[(lulc == CROP) & (dem > 75.0)] = FOREST  # afforestation
        lulc[(lulc == MANGROVE) & (y > 1650.0)] = CROP  # mangrove loss
    for r, c in ((0, 0), (5, 17), (44, 71), (59, 79), (23, 2)):
        lulc[r, c] = LULC_NODATA
    return lulc


def make_climate_and_soil(dem: np.ndarray) -> dict[str, np.ndarray]:
    y, x = grid()
    precip = 1200.0 + 1.5 * (dem - dem.min()) + 0.05 * x
    precip[50, 10] = FLOAT_NODATA  # nodata pixels, one per raster role
    eto = 1100.0 - 0.8 * (dem - dem.min()) + 0.02 * y
    depth = 300.0 + 2500.0 * (1.0 - (dem - dem.min()) / np.ptp(dem))
    pawc = 0.08 + 0.12 * (x / (COLS * PIXEL))
    erosivity = 3500.0 + 2.0 * x  # MJ mm / (ha h yr)
    erodibility = 0.02 + 0.02 * (y / (ROWS * PIXEL))  # t ha h / (ha MJ mm)
    pawc[10, 70] = FLOAT_NODATA
    erodibility[35, 60] = FLOAT_NODATA
    return {
        "precipitation": precip.astype(np.float32),
        "eto": eto.astype(np.float32),
        "depth_to_root_restricting_layer": depth.astype(np.float32),
        "pawc": pawc.astype(np.float32),
        "erosivity": erosivity.astype(np.float32),
        "erodibility": erodibility.astype(np.float32),
    }


def write_raster(path: Path, array: np.ndarray, nodata: float) -> None:
    from osgeo import gdal, osr  # type: ignore[import-not-found,unused-ignore]

    dtype = gdal.GDT_Byte if array.dtype == np.uint8 else gdal.GDT_Float32
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(str(path), COLS, ROWS, 1, dtype, options=["COMPRESS=DEFLATE"])
    ds.SetGeoTransform((ORIGIN_X, PIXEL, 0.0, ORIGIN_Y, 0.0, -PIXEL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    band.WriteArray(array)
    band.FlushCache()
    ds = None


def write_watersheds(path: Path) -> None:
    """Two watersheds: west (ws_id 1) and east (ws_id 2) halves of the grid."""
    from osgeo import ogr, osr  # type: ignore[import-not-found,unused-ignore]

    if path.exists():
        path.unlink()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("watersheds", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("ws_id", ogr.OFTInteger))
    x0, y0 = ORIGIN_X, ORIGIN_Y
    xm = x0 + 40 * PIXEL
    x1, y1 = x0 + COLS * PIXEL, y0 - ROWS * PIXEL
    for ws_id, (a, b) in ((1, (x0, xm)), (2, (xm, x1))):
        wkt = f"POLYGON(({a} {y0},{b} {y0},{b} {y1},{a} {y1},{a} {y0}))"
        feat = ogr.Feature(layer.GetLayerDefn())
        feat.SetField("ws_id", ws_id)
        feat.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feat)
    ds = None


def write_table(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def build_inputs() -> dict[str, Path]:
    INPUTS.mkdir(parents=True, exist_ok=True)
    dem = make_dem()
    paths = {"dem": INPUTS / "dem.tif"}
    write_raster(paths["dem"], dem, FLOAT_NODATA)
    for name, alt in (("lulc_bas", False), ("lulc_alt", True)):
        paths[name] = INPUTS / f"{name}.tif"
        write_raster(paths[name], make_lulc(dem, alt), LULC_NODATA)
    for name, arr in make_climate_and_soil(dem).items():
        paths[name] = INPUTS / f"{name}.tif"
        write_raster(paths[name], arr, FLOAT_NODATA)
    paths["watersheds"] = INPUTS / "watersheds.gpkg"
    write_watersheds(paths["watersheds"])
    paths["carbon_pools"] = INPUTS / "carbon_pools.csv"
    write_table(paths["carbon_pools"], ["lucode", "c_above", "c_below", "c_soil", "c_dead"],
                CARBON_POOLS)
    paths["awy_biophysical"] = INPUTS / "awy_biophysical.csv"
    write_table(paths["awy_biophysical"], ["lucode", "lulc_veg", "root_depth", "kc"], AWY_TABLE)
    paths["sdr_biophysical"] = INPUTS / "sdr_biophysical.csv"
    write_table(paths["sdr_biophysical"], ["lucode", "usle_c", "usle_p"], SDR_TABLE)
    return paths


def copy_raster(src: Path, dst: Path) -> None:
    from osgeo import gdal  # type: ignore[import-not-found,unused-ignore]

    gdal.Translate(str(dst), str(src), creationOptions=["COMPRESS=DEFLATE", "PREDICTOR=1"])


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


def run_models(paths: dict[str, Path]) -> dict[str, object]:
    from natcap.invest import annual_water_yield, carbon, sdr  # type: ignore[import-not-found,unused-ignore]

    runs: dict[str, object] = {}
    work = Path(tempfile.mkdtemp(prefix="invest_ref_"))

    # Carbon: baseline + alternate with valuation.
    args: dict[str, object] = {
        "workspace_dir": str(work / "carbon"), "results_suffix": "", "n_workers": -1,
        "lulc_bas_path": str(paths["lulc_bas"]), "lulc_alt_path": str(paths["lulc_alt"]),
        "carbon_pools_path": str(paths["carbon_pools"]), **CARBON_ARGS,
    }
    carbon.execute(args)
    out = OUTPUTS / "carbon"
    out.mkdir(parents=True, exist_ok=True)
    ws = Path(str(args["workspace_dir"]))
    for name in ("c_storage_bas", "c_storage_alt", "c_change_bas_alt", "npv_alt"):
        copy_raster(ws / f"{name}.tif", out / f"{name}.tif")
    for pool in ("c_above", "c_below", "c_soil", "c_dead"):
        for sc in ("bas", "alt"):
            copy_raster(ws / "intermediate_outputs" / f"{pool}_{sc}.tif", out / f"{pool}_{sc}.tif")
    shutil.copy(ws / "raster_values_summary.csv", out / "raster_values_summary.csv")
    runs["carbon"] = _recorded(args, work)

    # Annual water yield.
    args = {
        "workspace_dir": str(work / "awy"), "results_suffix": "", "n_workers": -1,
        "lulc_path": str(paths["lulc_bas"]),
        "depth_to_root_rest_layer_path": str(paths["depth_to_root_restricting_layer"]),
        "precipitation_path": str(paths["precipitation"]), "pawc_path": str(paths["pawc"]),
        "eto_path": str(paths["eto"]), "watersheds_path": str(paths["watersheds"]),
        "biophysical_table_path": str(paths["awy_biophysical"]), **AWY_ARGS,
    }
    annual_water_yield.execute(args)
    out = OUTPUTS / "annual_water_yield"
    out.mkdir(parents=True, exist_ok=True)
    ws = Path(str(args["workspace_dir"]))
    for name in ("wyield", "aet", "fractp"):
        copy_raster(ws / "output" / "per_pixel" / f"{name}.tif", out / f"{name}.tif")
    copy_raster(ws / "intermediate" / "pet.tif", out / "pet.tif")
    shutil.copy(ws / "output" / "watershed_results_wyield.csv",
                out / "watershed_results_wyield.csv")
    runs["annual_water_yield"] = _recorded(args, work)

    # SDR, once per flow-direction algorithm.
    for algo in ("D8", "MFD"):
        args = {
            "workspace_dir": str(work / f"sdr_{algo}"), "results_suffix": "", "n_workers": -1,
            "dem_path": str(paths["dem"]), "erosivity_path": str(paths["erosivity"]),
            "erodibility_path": str(paths["erodibility"]), "lulc_path": str(paths["lulc_bas"]),
            "watersheds_path": str(paths["watersheds"]),
            "biophysical_table_path": str(paths["sdr_biophysical"]),
            "flow_dir_algorithm": algo, **SDR_ARGS,
        }
        sdr.execute(args)
        out = OUTPUTS / f"sdr_{algo.lower()}"
        out.mkdir(parents=True, exist_ok=True)
        ws = Path(str(args["workspace_dir"]))
        for name in ("rkls", "usle", "avoided_erosion", "sed_export", "stream"):
            copy_raster(ws / f"{name}.tif", out / f"{name}.tif")
        for name in ("pit_filled_dem", "slope", "flow_direction", "flow_accumulation", "ls",
                     "cp"):
            copy_raster(ws / "intermediate_outputs" / f"{name}.tif", out / f"{name}.tif")
        runs[f"sdr_{algo.lower()}"] = _recorded(args, work)

    shutil.rmtree(work)
    return runs


def _recorded(args: dict[str, object], work: Path) -> dict[str, object]:
    """Args with paths made repository-relative (workspace paths dropped)."""
    kept: dict[str, object] = {}
    for k, v in args.items():
        if k == "workspace_dir":
            continue
        if isinstance(v, str) and v.startswith(str(ROOT)):
            v = rel(Path(v))
        kept[k] = v
    return kept


def main() -> int:
    import natcap.invest  # type: ignore[import-not-found,unused-ignore]
    import pygeoprocessing  # type: ignore[import-not-found,unused-ignore]
    from osgeo import gdal  # type: ignore[import-not-found,unused-ignore]

    paths = build_inputs()
    if OUTPUTS.exists():
        shutil.rmtree(OUTPUTS)
    runs = run_models(paths)
    manifest = {
        "natcap.invest": natcap.invest.__version__,
        "pygeoprocessing": pygeoprocessing.__version__,
        "gdal": gdal.__version__,
        "python": sys.version.split()[0],
        "generated_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "grid": {"rows": ROWS, "cols": COLS, "pixel_m": PIXEL, "epsg": EPSG,
                 "origin_xy": [ORIGIN_X, ORIGIN_Y]},
        "runs": runs,
    }
    (DATA / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
