"""InVEST-equivalent annual water yield (methods/water_yield.py): hand-worked pixels, the
peer tool's own published ``fractp_op`` values, nodata and P = 0, zonal volumes, and
property tests (0 ≤ Y ≤ P; additive over tiles; dask with any chunks equals numpy)."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from qingshan.errors import ValidationError
from qingshan.methods.water_yield import (
    WaterYieldTable,
    annual_water_yield,
    budyko_omega,
    water_yield_by_zone,
    water_yield_volume,
    watershed_yield_volume,
)
from qingshan.methods.zonal import zonal_sums

# lucode 1 forest (vegetated), 2 water (not vegetated), 3 built-up (not vegetated; root depth
# blank as InVEST allows); test values, not a data source
TABLE = WaterYieldTable.from_columns(lucode=[1, 2, 3], lulc_veg=[1, 0, 0],
                                     root_depth_mm=[2000.0, np.nan, np.nan], kc=[0.9, 1.0, 0.3])
NODATA = 255


def _px(lulc: int, p: float, et0: float, soil: float = 1500.0, pawc: float = 0.2, z: float = 5.0,
        **nodata: float) -> tuple[float, float, float, float]:
    out = annual_water_yield(np.array([[lulc]], dtype=np.uint8), np.array([[p]]), np.array([[et0]]),
                             np.array([[soil]]), np.array([[pawc]]), TABLE, z, lulc_nodata=NODATA, **nodata)
    return (float(out.pet_mm[0, 0]), float(out.aet_fraction[0, 0]), float(out.aet_mm[0, 0]),
            float(out.wyield_mm[0, 0]))


def test_vegetated_pixel_by_hand() -> None:
    # P = 1200, ET0 = 1000, Kc = 0.9 → PET = 900 mm
    # AWC = min(root 2000, soil 1500) × PAWC 0.2 = 300 mm
    # ω = Z·AWC/P + 1.25 = 5 × 300/1200 + 1.25 = 2.5 (below the cap 5)
    # φ = PET/P = 0.75; φ^ω = 0.75^2.5 = 0.5625 × √0.75 = 0.4871392896
    # (1 + φ^ω)^(1/ω) = 1.4871392896^0.4 = exp(0.4 × 0.3968543347) = exp(0.1587417339) = 1.1720352106
    # AET/P = 1 + 0.75 − 1.1720352106 = 0.5779647894 (< φ, so the Fu–Zhang value is kept)
    # AET = 0.5779647894 × 1200 = 693.5577473 mm; Y = 1200 − 693.5577473 = 506.4422527 mm
    pet, frac, aet, y = _px(1, 1200.0, 1000.0)
    assert pet == pytest.approx(900.0, rel=1e-12)
    assert frac == pytest.approx(0.5779647894, rel=1e-9)
    assert aet == pytest.approx(693.5577473, rel=1e-9)
    assert y == pytest.approx(506.4422527, rel=1e-9)


def test_capped_omega_by_hand() -> None:
    # Z = 30: ω = 30 × 300/1200 + 1.25 = 8.75 → capped at 5
    # φ = 0.75; φ^5 = 0.2373046875; 1.2373046875^0.2 = exp(0.2 × 0.2129353747) = 1.0435069157
    # AET/P = 1.75 − 1.0435069157 = 0.7064930843; Y = (1 − 0.7064930843) × 1200 = 352.2082989 mm
    assert budyko_omega(np.array(300.0), np.array(1200.0), 30.0) == 5.0
    _, frac, _, y = _px(1, 1200.0, 1000.0, z=30.0)
    assert frac == pytest.approx(0.7064930843, rel=1e-9)
    assert y == pytest.approx(352.2082989, rel=1e-9)


def test_soil_shallower_than_roots_and_roots_shallower_than_soil() -> None:
    # soil 500 mm < root 2000 mm: AWC = 500 × 0.2 = 100; ω = 5 × 100/1200 + 1.25 = 1.6666667
    # soil 3000 mm > root 2000 mm: AWC = 2000 × 0.2 = 400; ω = 5 × 400/1200 + 1.25 = 2.9166667
    np.testing.assert_allclose(budyko_omega(np.array([100.0, 400.0]), np.array([1200.0, 1200.0]), 5.0),
                               [5 / 3, 2.9166666667], rtol=1e-9)
    # more water holding means more AET and less yield
    assert _px(1, 1200.0, 1000.0, soil=500.0)[3] > _px(1, 1200.0, 1000.0, soil=3000.0)[3]


def test_non_vegetated_pixels_by_hand() -> None:
    # water: Kc 1.0, ET0 1000 → PET 1000; P 1200 > PET → AET = 1000, Y = 200, AET/P = 0.8333
    pet, frac, aet, y = _px(2, 1200.0, 1000.0)
    assert (pet, aet, y) == pytest.approx((1000.0, 1000.0, 200.0))
    assert frac == pytest.approx(1000 / 1200)
    # P 800 < PET 1000 → AET = P = 800, Y = 0
    assert _px(2, 800.0, 1000.0)[2:] == pytest.approx((800.0, 0.0))
    # built-up: Kc 0.3 → PET 300 mm; P 1200 → Y = 900 mm (its blank root depth is never used)
    assert _px(3, 1200.0, 1000.0)[3] == pytest.approx(900.0)


def test_zero_precipitation_is_nodata_as_in_invest() -> None:
    # fractp_op masks isclose(precip, 0): AET/P, AET and Y are nodata; PET is still computed
    pet, frac, aet, y = _px(1, 0.0, 1000.0)
    assert pet == pytest.approx(900.0)
    assert np.isnan(frac) and np.isnan(aet) and np.isnan(y)


def test_nodata_in_nodata_out() -> None:
    # one nodata per input, each alone on a pixel; the last pixel is valid
    lulc = np.array([[NODATA, 1, 1, 1, 1, 1]], dtype=np.uint8)
    p = np.array([[1200, -1, 1200, 1200, 1200, 1200]], dtype=np.float64)
    et0 = np.array([[1000, 1000, -9999, 1000, 1000, 1000]], dtype=np.float64)
    soil = np.array([[1500, 1500, 1500, np.nan, 1500, 1500]], dtype=np.float64)
    pawc = np.array([[0.2, 0.2, 0.2, 0.2, -1, 0.2]], dtype=np.float64)
    out = annual_water_yield(lulc, p, et0, soil, pawc, TABLE, 5.0, lulc_nodata=NODATA, precip_nodata=-1,
                             et0_nodata=-9999, soil_depth_nodata=None, pawc_nodata=-1)
    np.testing.assert_array_equal(np.isnan(out.wyield_mm), [[True] * 5 + [False]])
    np.testing.assert_array_equal(np.isnan(out.aet_mm), np.isnan(out.wyield_mm))
    # PET is nodata only where the land cover or ET0 is
    np.testing.assert_array_equal(np.isnan(out.pet_mm), [[True, False, True, False, False, False]])
    assert out.wyield_mm[0, 5] == pytest.approx(506.4422527, rel=1e-9)


def test_matches_invest_fractp_op_test() -> None:
    # natcap/invest tests/test_annual_water_yield.py::test_fractp_op (commit 54ff9ca1), values
    # "generated by running fractp_op" (float32). Classes: 1 veg Kc 1, 2 veg Kc .1, 3 non-veg
    # Kc .1, 4 non-veg Kc .6, 5 veg Kc .6, 6 non-veg Kc .1 (the test passes per-pixel Kc, root and veg rasters)
    table = WaterYieldTable.from_columns([1, 2, 3, 4, 5, 6], [1, 1, 0, 0, 1, 0],
                                         [99, 300, 400, 5, 500, 800], [1, .1, .1, .6, .6, .1])
    lulc = np.array([[1, 2, 3], [4, 5, 6]])
    et0 = np.array([[1000, 900, 900], [1100, 1005, 1000]], dtype=np.float64)
    precip = np.array([[100, 1000, 10], [500, 800, 1100]], dtype=np.float64)
    soil = np.array([[600, 700, 700], [800, 900, 600]], dtype=np.float64)
    pawc = np.array([[.11, .11, .12], [.55, .55, .19]])
    out = annual_water_yield(lulc, precip, et0, soil, pawc, table, 6.0, lulc_nodata=None)
    want = np.array([[0.9345682, 0.06896508, 1.0], [1.0, 0.6487423, 0.09090909]])
    np.testing.assert_allclose(out.aet_fraction, want, rtol=1e-6)


def test_unknown_code_is_a_problem() -> None:
    with pytest.raises(ValidationError) as err:
        _px(9, 1200.0, 1000.0)
    assert err.value.problems[0].code == "G001" and err.value.problems[0].value == "9"


def test_volumes_by_hand() -> None:
    # 506.4422527 mm on a 30 m pixel (900 m²): 0.5064422527 m × 900 = 455.7980274 m³
    y = np.array([[506.4422527, 200.0], [np.nan, 100.0]])
    np.testing.assert_allclose(water_yield_volume(y, 900.0)[0], [455.7980274, 180.0], rtol=1e-9)
    # zones: 1 holds (0,0) and (1,0) (nodata); 2 holds (0,1) and (1,1); 5 is absent
    zones = np.array([[1, 2], [1, 2]])
    z = water_yield_by_zone(y, zones, [2, 1, 5], 900.0)
    np.testing.assert_array_equal(z.zone_ids, [1, 2, 5])
    np.testing.assert_allclose(z.total, [455.7980274, 180.0 + 90.0, 0.0], rtol=1e-9)
    np.testing.assert_array_equal(z.count, [1, 2, 0])
    # InVEST's wyield_vol = mean of the valid pixels (mm) × polygon area / 1000: zone 2 mean
    # 150 mm over a 1 800 m² polygon = 270 m³; zone 1 counts its whole 1 800 m² polygon
    # with the mean of its one valid pixel: 506.4422527 × 1800 / 1000 = 911.5960549 m³
    means = zonal_sums(y, zones, [1, 2]).mean
    np.testing.assert_allclose(means, [506.4422527, 150.0], rtol=1e-12)
    np.testing.assert_allclose(watershed_yield_volume(means, 1800.0), [911.5960549, 270.0], rtol=1e-9)
    assert np.isnan(z.mean[2])


Climate = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _values(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def climates(draw: st.DrawFn, shape: tuple[int, int] = (7, 9)) -> Climate:
    """lulc, precipitation (0 or 1–4000 mm), ET0, soil depth, PAWC."""
    lulc = draw(hnp.arrays(np.uint8, shape, elements=st.sampled_from([1, 2, 3, NODATA])))
    p = draw(hnp.arrays(np.float64, shape, elements=st.one_of(st.just(0.0), _values(1.0, 4000.0))))
    et0 = draw(hnp.arrays(np.float64, shape, elements=_values(0.0, 2500.0)))
    soil = draw(hnp.arrays(np.float64, shape, elements=_values(0.0, 5000.0)))
    pawc = draw(hnp.arrays(np.float64, shape, elements=_values(0.0, 1.0)))
    return lulc, p, et0, soil, pawc


@settings(max_examples=80, deadline=None)
@given(inputs=climates(), z=st.floats(1.0, 30.0))
def test_yield_is_between_zero_and_precipitation(inputs: Climate, z: float) -> None:
    lulc, p, et0, soil, pawc = inputs
    out = annual_water_yield(lulc, p, et0, soil, pawc, TABLE, z, lulc_nodata=NODATA)
    ok = ~np.isnan(out.wyield_mm)
    np.testing.assert_array_equal(ok, (lulc != NODATA) & (p != 0))
    assert np.all(out.wyield_mm[ok] >= 0.0)
    assert np.all(out.wyield_mm[ok] <= p[ok])
    np.testing.assert_allclose(out.aet_mm[ok] + out.wyield_mm[ok], p[ok], rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(inputs=climates(), r=st.integers(0, 7), c=st.integers(0, 9))
def test_zone_volumes_are_additive_over_tiles(inputs: Climate, r: int, c: int) -> None:
    zones = np.tile(np.array([1, 2, 3]), (7, 3))
    lulc, p, et0, soil, pawc = inputs
    y = annual_water_yield(lulc, p, et0, soil, pawc, TABLE, 5.0, lulc_nodata=NODATA).wyield_mm
    whole = water_yield_by_zone(y, zones, [1, 2, 3], 900.0)
    parts = [water_yield_by_zone(y[rs, cs], zones[rs, cs], [1, 2, 3], 900.0)
             for rs in (slice(0, r), slice(r, None)) for cs in (slice(0, c), slice(c, None))]
    np.testing.assert_allclose(sum(p.total for p in parts), whole.total, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(sum(p.count for p in parts), whole.count)


@settings(max_examples=25, deadline=None)
@given(inputs=climates(), z=st.floats(1.0, 30.0),
       chunks=st.lists(st.tuples(st.integers(1, 7), st.integers(1, 9)), min_size=6, max_size=6))
def test_dask_with_any_chunks_equals_numpy(inputs: Climate, z: float,
                                           chunks: list[tuple[int, int]]) -> None:
    names = ("pet_mm", "aet_fraction", "aet_mm", "wyield_mm")
    zones = np.tile(np.array([1, 2, 3]), (7, 3))
    lulc, p, et0, soil, pawc = inputs
    want = annual_water_yield(lulc, p, et0, soil, pawc, TABLE, z, lulc_nodata=NODATA)
    want_zones = water_yield_by_zone(want.wyield_mm, zones, [1, 2, 3], 900.0)
    lazy = [da.from_array(a, chunks=ch) for a, ch in zip((*inputs, zones), chunks, strict=True)]
    got = annual_water_yield(lazy[0], lazy[1], lazy[2], lazy[3], lazy[4], TABLE, z, lulc_nodata=NODATA)
    got_zones = water_yield_by_zone(got.wyield_mm, lazy[5], [1, 2, 3], 900.0)
    outs = [getattr(got, n) for n in names] + [got_zones.total, got_zones.count]
    assert all(isinstance(o, da.Array) for o in outs)
    computed = dask.compute(*outs, scheduler="synchronous")
    for name, g in zip(names, computed, strict=False):
        np.testing.assert_allclose(g, getattr(want, name), rtol=1e-14, atol=0, equal_nan=True)
    np.testing.assert_allclose(computed[4], want_zones.total, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(computed[5], want_zones.count)
