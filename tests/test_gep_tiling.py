"""Tiling invariance of the GEP raster models (issue #17, item 7): soil retention watershed by
watershed equals the whole grid, and the local kernels run by window equal the same kernels
on whole in-memory arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from numpy.typing import NDArray
from rasterio.crs import CRS
from rasterio.windows import Window

from qingshan.ecology.accounting import Pricing, account_gep
from qingshan.ecology.package import EcoPackage, read_eco_package
from qingshan.ecology.tiling import soil_retention_by_watershed, watershed_boxes
from qingshan.methods.carbon_storage import CarbonPools, storage_density
from qingshan.methods.soil_retention import soil_retention
from qingshan.methods.water_yield import WaterYieldTable, annual_water_yield

ROWS, COLS = 40, 64
NODATA = -9999.0
CELL = 30.0
TRANSFORM = Affine(CELL, 0.0, 500_000.0, 0.0, -CELL, 3_000_000.0)


def _tif(path: Path, data: NDArray[np.generic], dtype: str, nodata: float) -> Path:
    with rasterio.open(path, "w", driver="GTiff", height=ROWS, width=COLS, count=1, dtype=dtype,
                       crs=CRS.from_epsg(4545), transform=TRANSFORM, nodata=nodata) as ds:
        ds.write(data.astype(dtype), 1)
    return path


def _landscape() -> dict[str, NDArray[np.float64]]:
    """Two catchments on either side of a slanting river two cells wide (nodata in the DEM,
    so no cell of one catchment touches the other, even diagonally), over hills with pits.
    Each catchment's bounding box holds part of the other."""
    r, c = np.mgrid[0:ROWS, 0:COLS].astype(np.float64)
    river = 20.0 + r * 0.6
    rng = np.random.default_rng(17)
    dem = (100.0 + 3.0 * np.abs(c - river) + 0.5 * r + 6.0 * np.sin(r / 3.0) * np.cos(c / 4.0)
           + rng.uniform(0.0, 1.5, r.shape))
    gap = (c >= np.floor(river)) & (c < np.floor(river) + 2)
    dem[gap] = NODATA
    labels = np.where(gap, 0, np.where(c < river, 1, 2))
    return {"dem": dem, "erosivity": 3_000.0 + 10.0 * c + 5.0 * r,
            "erodibility": 0.02 + 0.0005 * ((r + 2 * c) % 11),
            "lulc": np.where((r + c) % 7 < 4, 21.0, 12.0), "labels": labels.astype(np.float64)}


@pytest.fixture(scope="module")
def basins(tmp_path_factory: pytest.TempPathFactory) -> tuple[EcoPackage, Path, dict[str, NDArray[np.float64]]]:
    d = tmp_path_factory.mktemp("basins")
    land = _landscape()
    rasters = {k: _tif(d / f"{k}.tif", land[k], "float32", NODATA) for k in ("dem", "erosivity", "erodibility")}
    rasters["lulc_2020"] = _tif(d / "lulc.tif", land["lulc"], "uint8", 255)
    ws = _tif(d / "watersheds.tif", land["labels"], "uint8", 0)
    bio = pd.DataFrame({"lucode": [12, 21], "usle_c": [0.25, 0.006], "usle_p": [0.5, 1.0]})
    pkg = EcoPackage(directory=d, crs=CRS.from_epsg(4545), transform=TRANSFORM, shape=(ROWS, COLS), years=(2020,),
                     models=("sdr",), rasters=rasters,
                     roles={"dem": "dem", "erosivity": "erosivity", "erodibility": "erodibility", "lulc_2020": "lulc"},
                     nodata={"dem": NODATA, "erosivity": NODATA, "erodibility": NODATA, "lulc_2020": 255.0},
                     tables={"biophysical": bio}, parameters={}, sources={})
    return pkg, ws, land


def _empty_float32(path: Path) -> Path:
    return _tif(path, np.full((ROWS, COLS), np.nan), "float32", float("nan"))


@pytest.mark.parametrize("flow_dir", ["mfd", "d8"])
def test_soil_retention_by_watershed_equals_the_whole_grid(basins, tmp_path: Path, flow_dir: str) -> None:  # type: ignore[no-untyped-def]
    pkg, ws, land = basins
    boxes = watershed_boxes(ws, 0)
    lab = land["labels"]
    for k in (1, 2):
        rows, cols = np.nonzero(lab == k)
        assert boxes[k] == Window(cols.min(), rows.min(), cols.max() + 1 - cols.min(), rows.max() + 1 - rows.min())
    assert boxes[1].col_off + boxes[1].width > boxes[2].col_off  # the boxes overlap
    # the whole grid at once, from float32 inputs as stored
    f32 = {k: np.where(land[k] == NODATA, np.nan, land[k].astype(np.float32).astype(np.float64))
           for k in ("dem", "erosivity", "erodibility")}
    cp = np.where(land["lulc"] == 21, 0.006, 0.25 * 0.5)
    whole = soil_retention(f32["dem"], f32["erosivity"], f32["erodibility"], cp, CELL, 20.0, 122.0, flow_dir)  # type: ignore[arg-type]
    finite = int(np.isfinite(whole.avoided_erosion).sum())
    assert 0.5 * ROWS * COLS < finite < (lab > 0).sum()  # streams (and the river) are NaN
    out = _empty_float32(tmp_path / "avoided.tif")
    res = soil_retention_by_watershed(pkg, 2020, ws, threshold_flow_accumulation=20.0, l_max=122.0,
                                      flow_dir=flow_dir,  # type: ignore[arg-type]
                                      watershed_nodata=0, out_path=out, workers=2,
                                      zones=lambda a: np.where(a["lulc_2020"] == 21, 1, 2), zone_ids=np.array([1, 2]))
    with rasterio.open(out) as ds:
        got = ds.read(1).astype(np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(whole.avoided_erosion))
    np.testing.assert_allclose(got, whole.avoided_erosion.astype(np.float32), rtol=0, atol=0, equal_nan=True)
    ha = CELL * CELL / 10_000.0
    for label in (1, 2):
        row = res.by_watershed.set_index("watershed").loc[label]
        inside = lab == label
        assert row["cells"] == inside.sum()
        assert row["avoided_t"] == pytest.approx(np.nansum(whole.avoided_erosion[inside]) * ha, rel=1e-12)
        assert row["rkls_t"] == pytest.approx(np.nansum(whole.rkls[inside]) * ha, rel=1e-12)
    lulc_zone = np.where(land["lulc"] == 21, 1, 2)
    expected = [np.nansum(np.where(lulc_zone == z, whole.avoided_erosion, np.nan)) * ha for z in (1, 2)]
    assert res.zone_totals is not None
    np.testing.assert_allclose(res.zone_totals, expected, rtol=1e-12)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> EcoPackage:
    from qingshan.ecology.demo import write_demo_eco_package

    return read_eco_package(write_demo_eco_package(tmp_path_factory.mktemp("demo")))


def _read(path: Path, nodata: float | None) -> NDArray[np.float64]:
    with rasterio.open(path) as ds:
        x: NDArray[np.float64] = ds.read(1).astype(np.float64)
    if nodata is not None:
        x[x == nodata] = np.nan
    return x


def test_windowed_local_kernels_equal_whole_array_kernels(demo: EcoPackage, tmp_path: Path) -> None:
    """The engine's per-pixel carbon storage, sequestration and water yield, computed over
    windows of 100 pixels, equal the kernels applied once to the whole arrays."""
    account_gep(demo, 2025, pricing=Pricing.shipped("ganzi_2010"), soil=None, results_dir=tmp_path, block_size=100)
    bio = demo.tables["biophysical"]
    lucode = bio["lucode"].astype(int).to_numpy()
    pools = CarbonPools.from_columns(lucode, bio["c_above"], bio["c_below"], bio["c_soil"], bio["c_dead"])
    with rasterio.open(demo.rasters["lulc_2025"]) as ds:
        l25 = ds.read(1).astype(np.int64)
    with rasterio.open(demo.rasters["lulc_2020"]) as ds:
        l20 = ds.read(1).astype(np.int64)
    c25 = storage_density(l25, pools, nodata=255)
    c20 = storage_density(l20, pools, nodata=255)
    table = WaterYieldTable.from_columns(lucode, bio["lulc_veg"].astype(float),
                                         bio["root_depth"].astype(float).fillna(1.0), bio["kc"].astype(float))
    v = {k: _read(demo.rasters[k], demo.nodata[k]) for k in ("precipitation", "et0", "soil_depth", "pawc")}
    wy = annual_water_yield(l25, v["precipitation"], v["et0"], v["soil_depth"], v["pawc"], table,
                            demo.parameters["seasonality_z"], lulc_nodata=255)
    for name, whole in (("c_storage", c25), ("c_sequestration", (c25 - c20) / 5.0), ("wyield", wy.wyield_mm)):
        got = _read(tmp_path / f"{name}_2025.tif", None)
        np.testing.assert_array_equal(got, np.asarray(whole, dtype=np.float64).astype(np.float32), err_msg=name)
