"""Peer comparison with InVEST (natcap.invest 3.20.2): our carbon, water-yield, terrain,
flow-routing and soil-retention kernels against InVEST's own outputs on the same inputs.

The inputs and the InVEST outputs are in tests/data/invest/ (made by
scripts/invest_reference.py; versions and run arguments in tests/data/invest/manifest.json
and README.md). Every comparison checks, pixel by pixel:

* the nodata mask: NaN here exactly where InVEST wrote its nodata value;
* the values: InVEST stores float32 rasters and computes most steps in float32 (each stored
  intermediate rounds to ~6e-8 relative), while our kernels run in float64, so the values
  agree to ``rtol = 1e-5`` — a few float32 roundings, far below any modelling difference.
  Where an output is a difference of two terms (ΔC, RKLS − USLE) the rounding is relative to
  the terms, not to the difference, so ``atol`` is 1e-5 times the largest term.
* categorical outputs (flow direction, streams) are compared exactly.

A kernel module that is missing makes this file fail at import (not skip).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import rasterio

from qingshan.methods import flow_routing, terrain
from qingshan.methods.carbon_storage import (
    CarbonPools,
    npv_density,
    pool_density,
    storage_change_density,
    storage_density,
    total_carbon,
    valuation_constant,
)
from qingshan.methods.soil_retention import cp_factor, sediment_delivery, soil_retention
from qingshan.methods.water_yield import (
    WaterYield,
    WaterYieldTable,
    annual_water_yield,
    water_yield_by_zone,
    watershed_yield_volume,
)
from qingshan.methods.zonal import zonal_sums

DATA = Path(__file__).parent / "data" / "invest"
INPUTS = DATA / "inputs"
OUTPUTS = DATA / "outputs"
MANIFEST = json.loads((DATA / "manifest.json").read_text())

#: float32 storage and float32 arithmetic in InVEST against float64 here (module docstring).
RTOL = 1e-5

Array = npt.NDArray[np.float64]


def _read(path: Path) -> tuple[Array, float | None]:
    """A raster as float64 with its nodata value turned into NaN, and that nodata value."""
    with rasterio.open(path) as src:
        raw = src.read(1)
        nodata = src.nodata
    out = raw.astype(np.float64)
    if nodata is not None:
        out[raw == raw.dtype.type(nodata)] = np.nan
    return out, nodata


def _raw(path: Path) -> tuple[npt.NDArray[np.generic], float | None]:
    with rasterio.open(path) as src:
        return src.read(1), src.nodata


def _table(name: str) -> dict[str, list[float]]:
    with (INPUTS / name).open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: [float(r[k]) for r in rows] for k in rows[0]}


def _assert_matches(name: str, ours: Array, ref: Array, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Same nodata mask and values within tolerance; the message lists the first pixels off."""
    ours = np.asarray(ours, dtype=np.float64)
    assert ours.shape == ref.shape, f"{name}: shape {ours.shape} != InVEST {ref.shape}"
    mask_ours, mask_ref = np.isnan(ours), np.isnan(ref)
    bad_mask = np.argwhere(mask_ours != mask_ref)
    assert bad_mask.size == 0, (
        f"{name}: nodata differs at {bad_mask.shape[0]} pixels, first (row, col, ours, InVEST): "
        + str([(int(r), int(c), ours[r, c], ref[r, c]) for r, c in bad_mask[:8]])
    )
    valid = ~mask_ref
    off = np.zeros(ref.shape, dtype=bool)
    off[valid] = ~np.isclose(ours[valid], ref[valid], rtol=rtol, atol=atol)
    bad = np.argwhere(off)
    assert bad.size == 0, (
        f"{name}: {bad.shape[0]} of {int(valid.sum())} pixels differ beyond rtol={rtol}, atol={atol}; "
        "first (row, col, ours, InVEST): "
        + str([(int(r), int(c), float(ours[r, c]), float(ref[r, c])) for r, c in bad[:8]])
    )


def test_manifest_records_the_peer_versions() -> None:
    assert MANIFEST["natcap.invest"] == "3.20.2"
    assert MANIFEST["gdal"].startswith("3.")
    assert set(MANIFEST["runs"]) == {"carbon", "annual_water_yield", "sdr_d8", "sdr_mfd"}


# --------------------------------------------------------------------------- carbon
def _pools() -> CarbonPools:
    t = _table("carbon_pools.csv")
    return CarbonPools.from_columns([int(v) for v in t["lucode"]], t["c_above"], t["c_below"],
                                    t["c_soil"], t["c_dead"])


@pytest.mark.parametrize("scenario", ["bas", "alt"])
def test_carbon_pools_and_storage_match_invest(scenario: str) -> None:
    lulc, nodata = _raw(INPUTS / f"lulc_{scenario}.tif")
    pools = _pools()
    out = OUTPUTS / "carbon"
    for pool in ("c_above", "c_below", "c_soil", "c_dead"):
        ref, _ = _read(out / f"{pool}_{scenario}.tif")
        _assert_matches(f"{pool}_{scenario}", pool_density(lulc, pools, pool, nodata=nodata), ref)
    ref, _ = _read(out / f"c_storage_{scenario}.tif")
    _assert_matches(f"c_storage_{scenario}", storage_density(lulc, pools, nodata=nodata), ref)


def test_carbon_change_and_npv_match_invest() -> None:
    bas, nd_bas = _raw(INPUTS / "lulc_bas.tif")
    alt, nd_alt = _raw(INPUTS / "lulc_alt.tif")
    pools = _pools()
    change = storage_change_density(bas, alt, pools, nodata_bas=nd_bas, nodata_alt=nd_alt)
    largest_storage = float(pools.density.sum(axis=1).max())
    ref, _ = _read(OUTPUTS / "carbon" / "c_change_bas_alt.tif")
    _assert_matches("c_change_bas_alt", change, ref, atol=RTOL * largest_storage)
    args = MANIFEST["runs"]["carbon"]
    constant = valuation_constant(args["lulc_bas_year"], args["lulc_alt_year"],
                                  args["price_per_metric_ton_of_c"], args["discount_rate"],
                                  args["rate_change"])
    ref, _ = _read(OUTPUTS / "carbon" / "npv_alt.tif")
    _assert_matches("npv_alt", npv_density(change, constant), ref, atol=RTOL * largest_storage * constant)


def test_carbon_summary_totals_match_invest() -> None:
    """InVEST's raster_values_summary.csv: Σ density × pixel area / 10 000 over valid pixels
    (t C; currency for the NPV). Sums of ~4 800 float32 values: rtol 1e-5 still holds."""
    bas, nd_bas = _raw(INPUTS / "lulc_bas.tif")
    alt, nd_alt = _raw(INPUTS / "lulc_alt.tif")
    pools = _pools()
    with (OUTPUTS / "carbon" / "raster_values_summary.csv").open(newline="") as f:
        ref = {r["Filename"]: float(r["Total"]) for r in csv.DictReader(f)}
    area = 30.0 * 30.0
    change = storage_change_density(bas, alt, pools, nodata_bas=nd_bas, nodata_alt=nd_alt)
    args = MANIFEST["runs"]["carbon"]
    constant = valuation_constant(args["lulc_bas_year"], args["lulc_alt_year"],
                                  args["price_per_metric_ton_of_c"], args["discount_rate"],
                                  args["rate_change"])
    ours = {
        "c_storage_bas.tif": total_carbon(storage_density(bas, pools, nodata=nd_bas), area),
        "c_storage_alt.tif": total_carbon(storage_density(alt, pools, nodata=nd_alt), area),
        "c_change_bas_alt.tif": total_carbon(change, area),
        "npv_alt.tif": total_carbon(npv_density(change, constant), area),
    }
    assert set(ref) == set(ours)
    for name, value in ours.items():
        assert float(value) == pytest.approx(ref[name], rel=RTOL), name


# --------------------------------------------------------------------------- water yield
def _water_yield() -> tuple[WaterYield, Array]:
    t = _table("awy_biophysical.csv")
    table = WaterYieldTable.from_columns([int(v) for v in t["lucode"]], t["lulc_veg"],
                                         t["root_depth"], t["kc"])
    lulc, lulc_nd = _raw(INPUTS / "lulc_bas.tif")
    p, p_nd = _raw(INPUTS / "precipitation.tif")
    et0, et0_nd = _raw(INPUTS / "eto.tif")
    depth, depth_nd = _raw(INPUTS / "depth_to_root_restricting_layer.tif")
    pawc, pawc_nd = _raw(INPUTS / "pawc.tif")
    out = annual_water_yield(
        lulc, p.astype(np.float64), et0.astype(np.float64), depth.astype(np.float64),
        pawc.astype(np.float64), table, MANIFEST["runs"]["annual_water_yield"]["seasonality_constant"],
        lulc_nodata=lulc_nd, precip_nodata=p_nd, et0_nodata=et0_nd, soil_depth_nodata=depth_nd,
        pawc_nodata=pawc_nd)
    precip, _ = _read(INPUTS / "precipitation.tif")
    return out, precip


def test_water_yield_pixels_match_invest() -> None:
    out, _ = _water_yield()
    ref_dir = OUTPUTS / "annual_water_yield"
    for name, ours in (("pet", out.pet_mm), ("fractp", out.aet_fraction),
                       ("aet", out.aet_mm), ("wyield", out.wyield_mm)):
        ref, _ = _read(ref_dir / f"{name}.tif")
        _assert_matches(name, ours, ref)


def _watershed_ids(shape: tuple[int, int]) -> npt.NDArray[np.int64]:
    """The two watershed polygons of the inputs follow pixel edges: columns 0–39 are
    ws_id 1, columns 40–79 ws_id 2 (scripts/invest_reference.py, write_watersheds)."""
    zones = np.ones(shape, dtype=np.int64)
    zones[:, 40:] = 2
    return zones


def test_water_yield_watershed_results_match_invest() -> None:
    out, precip = _water_yield()
    with (OUTPUTS / "annual_water_yield" / "watershed_results_wyield.csv").open(newline="") as f:
        ref = {int(r["ws_id"]): r for r in csv.DictReader(f)}
    zones = _watershed_ids(precip.shape)
    # InVEST's *_mn columns are means over the polygon's valid pixels
    for column, grid in (("precip_mn", precip), ("PET_mn", out.pet_mm),
                         ("AET_mn", out.aet_mm), ("wyield_mn", out.wyield_mm)):
        means = zonal_sums(grid, zones, [1, 2]).mean
        for i, ws in enumerate((1, 2)):
            assert float(means[i]) == pytest.approx(float(ref[ws][column]), rel=RTOL), (column, ws)
    # wyield_vol = wyield_mn × polygon area / 1000 (m³); each polygon is 40 × 60 whole pixels of
    # 900 m², and the nodata pixels make it differ from the sum of
    # the pixel volumes (water_yield_by_zone)
    pixel_area = 30.0 * 30.0
    means = zonal_sums(out.wyield_mm, zones, [1, 2]).mean
    vols = watershed_yield_volume(means, 40 * 60 * pixel_area)
    sums = water_yield_by_zone(out.wyield_mm, zones, [1, 2], pixel_area)
    for i, ws in enumerate((1, 2)):
        assert float(vols[i]) == pytest.approx(float(ref[ws]["wyield_vol"]), rel=RTOL), ws
    # nodata: land cover at (0, 0), (5, 17), (23, 2) and precipitation at (50, 10) in ws 1;
    # land cover at (44, 71), (59, 79) and PAWC at (10, 70) in ws 2
    assert float(sums.count[0]) == 40 * 60 - 4 and float(sums.count[1]) == 40 * 60 - 3


# --------------------------------------------------------------------------- soil retention
def _sdr_inputs() -> dict[str, Array]:
    t = _table("sdr_biophysical.csv")
    codes = [int(v) for v in t["lucode"]]
    raw, lulc_nd = _raw(INPUTS / "lulc_bas.tif")
    lulc = raw.astype(np.int64)
    usle_c = dict(zip(codes, t["usle_c"], strict=True))
    usle_p = dict(zip(codes, t["usle_p"], strict=True))
    ones = dict.fromkeys(codes, 1.0)
    nd = None if lulc_nd is None else int(lulc_nd)
    return {
        "dem": _read(INPUTS / "dem.tif")[0],
        "erosivity": _read(INPUTS / "erosivity.tif")[0],
        "erodibility": _read(INPUTS / "erodibility.tif")[0],
        "cp": cp_factor(lulc, usle_c, usle_p, nd),
        "c": cp_factor(lulc, usle_c, ones, nd),
    }


@pytest.mark.parametrize("algorithm", ["d8", "mfd"])
def test_soil_retention_matches_invest(algorithm: str) -> None:
    inp = _sdr_inputs()
    args = MANIFEST["runs"][f"sdr_{algorithm}"]
    res = soil_retention(inp["dem"], inp["erosivity"], inp["erodibility"], inp["cp"], 30.0,
                         args["threshold_flow_accumulation"], args["l_max"],
                         flow_dir_algorithm="mfd" if algorithm == "mfd" else "d8")
    ref_dir = OUTPUTS / f"sdr_{algorithm}"

    filled, _ = _read(ref_dir / "pit_filled_dem.tif")
    _assert_matches("pit_filled_dem", res.filled_dem, filled)
    fd_ref, fd_nd = _raw(ref_dir / "flow_direction.tif")
    fd_ours = np.asarray(res.flow_dir).astype(np.int64)
    if algorithm == "d8":
        fd_ours = np.where(fd_ours == flow_routing.D8_NODATA, int(fd_nd), fd_ours)  # type: ignore[arg-type]
    diff = np.argwhere(fd_ours != fd_ref.astype(np.int64))
    assert diff.size == 0, f"flow_direction differs at {diff.shape[0]} pixels, first {diff[:8].tolist()}"
    stream_ref, _ = _raw(ref_dir / "stream.tif")
    diff = np.argwhere(res.stream.astype(np.int64) != stream_ref.astype(np.int64))
    assert diff.size == 0, f"stream differs at {diff.shape[0]} pixels, first {diff[:8].tolist()}"

    # slope of the pit-filled DEM (InVEST computes it on the filled DEM)
    slope_ref, _ = _read(ref_dir / "slope.tif")
    _assert_matches("slope", terrain.slope_percent(filled, 30.0, 30.0), slope_ref)
    _assert_matches("slope (chain)", res.slope_pct, slope_ref)
    for name, ours in (("flow_accumulation", res.flow_accumulation), ("ls", res.ls),
                       ("rkls", res.rkls), ("usle", res.usle)):
        ref, _ = _read(ref_dir / f"{name}.tif")
        _assert_matches(name, ours, ref)
    rkls_ref, _ = _read(ref_dir / "rkls.tif")
    ref, _ = _read(ref_dir / "avoided_erosion.tif")
    _assert_matches("avoided_erosion", res.avoided_erosion, ref, atol=RTOL * float(np.nanmax(rkls_ref)))


def test_sediment_export_matches_invest_mfd() -> None:
    inp = _sdr_inputs()
    args = MANIFEST["runs"]["sdr_mfd"]
    res = soil_retention(inp["dem"], inp["erosivity"], inp["erodibility"], inp["cp"], 30.0,
                         args["threshold_flow_accumulation"], args["l_max"], flow_dir_algorithm="mfd")
    delivery = sediment_delivery(res.flow_dir, res.flow_accumulation, res.stream,  # type: ignore[arg-type]
                                 res.slope_pct, inp["c"], res.usle, res.avoided_erosion, 30.0,
                                 args["sdr_max"], args["ic_0_param"], args["k_param"])
    ref, _ = _read(OUTPUTS / "sdr_mfd" / "sed_export.tif")
    _assert_matches("sed_export", delivery.sed_export, ref)
