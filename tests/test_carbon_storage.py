"""InVEST-equivalent carbon storage and sequestration (methods/carbon_storage.py): hand-worked
pixels, the peer tool's own published test values, nodata and unknown codes, and property
tests (additive over tiles; dask with any chunks equals numpy)."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qingshan.errors import ValidationError
from qingshan.methods.carbon_storage import (
    CarbonPools,
    carbon_per_pixel,
    npv_density,
    pool_density,
    price_per_t_c,
    storage_change_density,
    storage_density,
    total_carbon,
    valuation_constant,
)

# lucode 1 forest, 2 cropland, 3 built-up, 4 water (t C/ha; test values, not a data source)
POOLS = CarbonPools.from_columns(
    lucode=[1, 2, 3, 4],
    c_above=[100.0, 5.0, 0.0, 0.0],
    c_below=[25.0, 3.0, 0.0, 0.0],
    c_soil=[80.0, 60.0, 10.0, 0.0],
    c_dead=[5.0, 0.0, 0.0, 0.0],
)
NODATA = 255


def test_one_forest_pixel_by_hand() -> None:
    # forest: 100 + 25 + 80 + 5 = 210 t C/ha; a 30 m pixel is 900 m² = 0.09 ha
    # → 210 × 0.09 = 18.9 t C
    lulc = np.array([[1]], dtype=np.uint8)
    dens = storage_density(lulc, POOLS, nodata=NODATA)
    assert dens[0, 0] == pytest.approx(210.0)
    assert carbon_per_pixel(dens, 30.0 * 30.0)[0, 0] == pytest.approx(18.9)
    assert pool_density(lulc, POOLS, "c_soil", nodata=NODATA)[0, 0] == 80.0
    assert pool_density(lulc, POOLS, "c_dead", nodata=NODATA)[0, 0] == 5.0


def test_pools_add_up_to_storage() -> None:
    lulc = np.array([[1, 2], [3, 4]], dtype=np.int16)
    parts = sum(pool_density(lulc, POOLS, p, nodata=None) for p in ("c_above", "c_below", "c_soil", "c_dead"))
    np.testing.assert_array_equal(parts, storage_density(lulc, POOLS, nodata=None))
    np.testing.assert_array_equal(parts, [[210.0, 68.0], [10.0, 0.0]])


def test_change_and_totals_by_hand() -> None:
    # forest → cropland: 68 − 210 = −142 t C/ha; cropland → forest: +142; built-up kept: 0
    bas = np.array([[1, 2, 3]], dtype=np.int32)
    alt = np.array([[2, 1, 3]], dtype=np.int32)
    change = storage_change_density(bas, alt, POOLS, nodata_bas=-1, nodata_alt=-1)
    np.testing.assert_array_equal(change, [[-142.0, 142.0, 0.0]])
    # baseline total on 10 m pixels (100 m² = 0.01 ha): (210 + 68 + 10) × 0.01 = 2.88 t C
    assert float(total_carbon(storage_density(bas, POOLS, nodata=-1), 100.0)) == pytest.approx(2.88)


def test_nodata_in_nodata_out() -> None:
    # a nodata pixel of either year is nodata (NaN) in storage, change and NPV, and is left
    # out of the totals (InVEST: pygeoprocessing.raster_map masks any nodata input)
    bas = np.array([[1, NODATA], [2, 2]], dtype=np.uint8)
    alt = np.array([[2, 1], [NODATA, 1]], dtype=np.uint8)
    s_bas = storage_density(bas, POOLS, nodata=NODATA)
    assert np.isnan(s_bas[0, 1]) and int(np.isnan(s_bas).sum()) == 1
    change = storage_change_density(bas, alt, POOLS, nodata_bas=NODATA, nodata_alt=NODATA)
    np.testing.assert_array_equal(np.isnan(change), [[False, True], [True, False]])
    np.testing.assert_array_equal(change[~np.isnan(change)], [-142.0, 142.0])
    assert float(total_carbon(s_bas, 10_000.0)) == pytest.approx(210.0 + 68.0 + 68.0)
    assert np.isnan(npv_density(change, 10.0)[0, 1])


def test_nodata_that_is_a_table_code_is_reclassified() -> None:
    # pygeoprocessing.reclassify_raster: a nodata value present in the table is mapped like a code
    lulc = np.array([[4, 1]], dtype=np.uint8)
    np.testing.assert_array_equal(storage_density(lulc, POOLS, nodata=4), [[0.0, 210.0]])


def test_unknown_codes_are_listed_all_at_once() -> None:
    lulc = np.array([[1, 7], [9, 7]], dtype=np.int16)
    with pytest.raises(ValidationError) as err:
        storage_density(lulc, POOLS, nodata=None, raster="lulc_2020.tif")
    (problem,) = err.value.problems
    assert problem.code == "G001" and problem.value == "7, 9" and problem.column == "lucode"
    assert problem.file == "lulc_2020.tif"


def test_codes_outside_the_dense_range_use_the_search_path() -> None:
    # codes < 0 or > 65 536 are looked up by search instead of a dense table; same results
    pools = CarbonPools.from_columns([-3, 1, 100_000], [1.0, 2.0, 3.0], [0, 0, 0], [0, 0, 0], [0, 0, 0])
    lulc = np.array([[100_000, -3, 1, -9999]], dtype=np.int32)
    np.testing.assert_array_equal(storage_density(lulc, pools, nodata=-9999), [[3.0, 1.0, 2.0, np.nan]])
    with pytest.raises(ValidationError) as err:
        storage_density(np.array([[5, 1, -4]], dtype=np.int32), pools, nodata=None)
    assert err.value.problems[0].value == "-4, 5"


def test_unknown_codes_beyond_the_table_range() -> None:
    # dense path: a code above the largest table code, and a negative one, are unknown
    lulc = np.array([[1, 300, -2]], dtype=np.int16)
    with pytest.raises(ValidationError) as err:
        storage_density(lulc, POOLS, nodata=None)
    assert err.value.problems[0].value == "-2, 300"


def test_unknown_codes_in_a_dask_array_raise_when_computed() -> None:
    lulc = da.from_array(np.array([[1, 7]], dtype=np.int16), chunks=1)
    lazy = storage_density(lulc, POOLS, nodata=None)
    with pytest.raises(ValidationError):
        lazy.compute()


def test_duplicated_codes_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        CarbonPools.from_columns([1, 1, 2], [1, 2, 3], [0, 0, 0], [0, 0, 0], [0, 0, 0])
    assert err.value.problems[0].code == "G002"


def test_valuation_constant_by_hand() -> None:
    # N = 2030 − 2020 = 10, d = 7 %, c = 0: r = 1/1.07;
    # Σ_{k=0}^{9} r^k = (1 − 1.07^−10)/(1 − 1/1.07) = (1 − 0.508349292)/0.065420561 = 7.515232249
    # constant = 100/10 × 7.515232249 = 75.15232249 per t C
    assert valuation_constant(2020, 2030, 100.0, 7.0, 0.0) == pytest.approx(75.15232249, rel=1e-9)
    # no discounting and no price change: r = 1, constant = price
    assert valuation_constant(2000, 2013, 43.0, 0.0, 0.0) == pytest.approx(43.0, rel=1e-12)


def test_valuation_constant_matches_invest_tests() -> None:
    # natcap/invest tests/test_carbon.py (commit 54ff9ca1): test_calculate_valuation_constant
    # (2010 → 2012, d 50 %, c 5 %, price 50 → 40.87302) and test_carbon_full (2016 → 2030,
    # d −7.1 %, c 2.8 %, price 43 → 59.00136; NPV of −58 t C/ha = −3422.079 per ha)
    # By hand for the first: r = 1/(1.5 × 1.05) = 0.6349206; 50/2 × (1 + 0.6349206) = 40.87302
    assert round(valuation_constant(2010, 2012, 50.0, 50.0, 5.0), 5) == 40.87302
    k = valuation_constant(2016, 2030, 43.0, -7.1, 2.8)
    assert round(k, 5) == 59.00136
    assert npv_density(np.array([-58.0]), k)[0] == pytest.approx(-3422.079, abs=5e-4)


def test_invest_full_run_storage_values() -> None:
    # the same InVEST test: pools bas 15 + 10 + 60 + 1 = 86, alt 5 + 3 + 20 + 0 = 28 Mg/ha; change −58
    pools = CarbonPools.from_columns([1, 2], [15, 5], [10, 3], [60, 20], [1, 0])
    bas = np.full((10, 10), 1, dtype=np.int32)
    alt = np.full((10, 10), 2, dtype=np.int32)
    np.testing.assert_array_equal(storage_density(bas, pools, nodata=-1), 86.0)
    np.testing.assert_array_equal(storage_change_density(bas, alt, pools, nodata_bas=-1, nodata_alt=-1), -58.0)
    # 1 m pixels: total = 86 × 100 m² / 10 000 = 0.86 t C
    assert float(total_carbon(storage_density(bas, pools, nodata=-1), 1.0)) == pytest.approx(0.86)


def test_alternate_year_must_follow_baseline() -> None:
    with pytest.raises(ValueError, match="after the baseline"):
        valuation_constant(2030, 2030, 1.0, 1.0, 1.0)


def test_co2_price_is_converted_with_44_over_12() -> None:
    # 60 per t CO2 × 44/12 = 220 per t C
    assert price_per_t_c(60.0) == pytest.approx(220.0)


codes = st.sampled_from([1, 2, 3, 4, NODATA])


@settings(max_examples=60, deadline=None)
@given(lulc=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12), elements=codes),
       data=st.data())
def test_storage_is_additive_over_tiles(lulc: np.ndarray, data: st.DataObject) -> None:
    rows, cols = lulc.shape
    r = data.draw(st.integers(0, rows))
    c = data.draw(st.integers(0, cols))
    area = 900.0
    whole = float(total_carbon(storage_density(lulc, POOLS, nodata=NODATA), area))
    tiles = [lulc[:r, :c], lulc[:r, c:], lulc[r:, :c], lulc[r:, c:]]
    parts = sum(float(total_carbon(storage_density(t, POOLS, nodata=NODATA), area)) for t in tiles if t.size)
    assert parts == pytest.approx(whole, rel=1e-12, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(bas=hnp.arrays(np.uint8, (9, 11), elements=codes), alt=hnp.arrays(np.uint8, (9, 11), elements=codes),
       chunks=st.tuples(st.integers(1, 9), st.integers(1, 11)),
       chunks_alt=st.tuples(st.integers(1, 9), st.integers(1, 11)))
def test_dask_with_any_chunks_equals_numpy(bas: np.ndarray, alt: np.ndarray, chunks: tuple[int, int],
                                           chunks_alt: tuple[int, int]) -> None:
    k = valuation_constant(2015, 2025, 300.0, 5.0, 1.0)
    want_s = storage_density(bas, POOLS, nodata=NODATA)
    want_c = storage_change_density(bas, alt, POOLS, nodata_bas=NODATA, nodata_alt=NODATA)
    bas_d, alt_d = da.from_array(bas, chunks=chunks), da.from_array(alt, chunks=chunks_alt)
    got_s = storage_density(bas_d, POOLS, nodata=NODATA)
    got_c = storage_change_density(bas_d, alt_d, POOLS, nodata_bas=NODATA, nodata_alt=NODATA)
    assert isinstance(got_s, da.Array) and isinstance(got_c, da.Array)
    np.testing.assert_allclose(got_s.compute(), want_s, rtol=1e-15, atol=0)
    np.testing.assert_allclose(got_c.compute(), want_c, rtol=1e-15, atol=0)
    np.testing.assert_allclose(npv_density(got_c, k).compute(), npv_density(want_c, k), rtol=1e-15)
    np.testing.assert_allclose(float(total_carbon(got_c, 900.0).compute()), float(total_carbon(want_c, 900.0)),
                               rtol=1e-12, atol=1e-9)
