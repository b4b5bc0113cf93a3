"""Soil retention (qingshan.methods.soil_retention): LS factor, RKLS, USLE and avoided erosion
as InVEST SDR computes them, checked on pixels worked by hand and on invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.errors import ConfigError
from qingshan.methods import soil_retention as sr


def test_ls_one_pixel_by_hand() -> None:
    # cell 30 m, slope 5 %, flow accumulation 5 cells (the cell + 4 upstream)
    # θ = atan(0.05) = 0.0499584 rad; sin θ = 0.0499376, cos θ = 0.9987523
    # A = √((5 − 1)·900) = 60; x = sin θ + cos θ = 1.0486900; m = 0.4 (3.5 % < 5 % ≤ 5 %)
    # L = ((60 + 900)^1.4 − 60^1.4) / (30^2.4 · x^0.4 · 22.13^0.4)
    #   = (14968.54979 − 308.61125) / (3508.25386 · 1.01919866 · 3.45137831)
    #   = 14659.93854 / 12340.77460 = 1.18792693
    # S = 10.8 · 0.0499376 + 0.03 = 0.56932626 (slope < 9 %)
    # LS = 1.18792693 · 0.56932626 = 0.67631800
    ls = sr.ls_factor(np.array([5.0]), np.array([5.0]), 30.0, l_max=122.0)
    assert ls[0] == pytest.approx(0.67631800, rel=1e-7)


def test_m_and_s_by_slope_class() -> None:
    slope = np.array([0.5, 1.0, 2.0, 3.5, 4.0, 5.0, 6.0, 9.0, 20.0])
    m = sr.slope_exponent_m(slope)
    # 20 %: sin θ = 0.2/√1.04 = 0.19611614; β = (0.19611614/0.0896)/(3·0.19611614^0.8 + 0.56)
    #      = 1.59190757; m = β/(1 + β) = 0.61418377
    assert m == pytest.approx([0.2, 0.2, 0.3, 0.3, 0.4, 0.4, 0.5, 0.5, 0.61418377])
    s = sr.slope_steepness_s(np.array([8.0, 9.0, 20.0]))
    # 8 %: 10.8·sin(atan 0.08) + 0.03 = 10.8·0.07974522 + 0.03 = 0.89124840
    # 9 % (steep form from 9 %): 16.8·sin(atan 0.09) − 0.5 = 16.8·0.08963770 − 0.5 = 1.00591335
    # 20 %: 16.8·0.19611614 − 0.5 = 2.79475107
    assert s == pytest.approx([0.89124840, 1.00591335, 2.79475107], rel=1e-7)


def test_l_is_capped_at_l_max() -> None:
    # 20 % slope and 10 000 upstream cells of 30 m: L far above 2 → capped
    slope = np.array([20.0])
    capped = sr.ls_factor(slope, np.array([10_001.0]), 30.0, l_max=2.0)
    assert capped[0] == pytest.approx(2.0 * 2.79475107, rel=1e-7)


def test_single_cell_without_upstream_area() -> None:
    # F = 1 → A = 0: L = D^(2m+2)/(D^(m+2)·x^m·22.13^m) = (D/(x·22.13))^m
    # 30 m, 2 % slope (m = 0.3): sin θ = 0.01999600, cos θ = 0.99980006, x = 1.01979606
    # L = (30/(1.01979606·22.13))^0.3 = 1.32931073^0.3 = 1.08915065;
    # S = 10.8·0.01999600 + 0.03 = 0.24595681
    ls = sr.ls_factor(np.array([2.0]), np.array([1.0]), 30.0, 122.0)
    theta = math.atan(0.02)
    x = math.sin(theta) + math.cos(theta)
    assert x == pytest.approx(1.01979606)
    assert ls[0] == pytest.approx((30 / (x * 22.13)) ** 0.3 * (10.8 * math.sin(theta) + 0.03))
    assert ls[0] == pytest.approx(1.08915065 * 0.24595681, rel=1e-7)


def test_usle_and_avoided_erosion_one_pixel() -> None:
    # R = 3000 MJ mm/(ha h yr), K = 0.03 t ha h/(ha MJ mm), LS = 0.676318 (pixel above)
    # RKLS = 3000 · 0.03 · 0.676318 = 60.86862 t/ha/yr
    # C = 0.2, P = 0.5 → USLE = 60.86862 · 0.1 = 6.086862; avoided = 54.78176 t/ha/yr
    # 30 m cell = 0.09 ha → 4.930358 t/yr retained on the pixel
    rkls = sr.potential_soil_loss(np.array([0.676318]), np.array([3000.0]), np.array([0.03]))
    cp = sr.cp_factor(np.array([3]), {3: 0.2}, {3: 0.5})
    loss = sr.usle(rkls, cp)
    kept = sr.avoided_erosion(rkls, loss)
    assert rkls[0] == pytest.approx(60.86862)
    assert loss[0] == pytest.approx(6.086862)
    assert kept[0] == pytest.approx(54.781758)
    assert sr.per_pixel_tonnes(kept, 30.0, -30.0)[0] == pytest.approx(4.9303582)


def test_rkls_is_nodata_on_streams() -> None:
    rkls = sr.potential_soil_loss(
        np.array([1.0, 1.0, 1.0]), np.full(3, 100.0), np.full(3, 0.02),
        stream=np.array([0, 1, 255], dtype=np.uint8),
    )
    assert rkls[0] == pytest.approx(2.0)
    assert np.isnan(rkls[1]) and np.isnan(rkls[2])


def test_cp_lookup_and_unknown_classes() -> None:
    lulc = np.array([[1, 2], [255, 1]])
    cp = sr.cp_factor(lulc, {1: 0.1, 2: 0.003}, {1: 1.0, 2: 0.5}, lulc_nodata=255)
    assert cp[0, 0] == pytest.approx(0.1)
    assert cp[0, 1] == pytest.approx(0.0015)
    assert np.isnan(cp[1, 0])
    with pytest.raises(ConfigError, match=r"\[7, 9\]"):
        sr.cp_factor(np.array([1, 7, 9]), {1: 0.1}, {1: 1.0})


def test_sdr_from_ic() -> None:
    # IC = IC0 → SDR = SDRmax/2; Gura sample parameters SDRmax 0.8, IC0 0.5, k 2
    # IC = 2.5: 0.8/(1 + e^(−1)) = 0.8/1.36787944 = 0.58484686
    out = sr.sdr_from_ic(np.array([0.5, 2.5]), 0.8, 0.5, 2.0)
    assert out == pytest.approx([0.4, 0.58484686])


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0.0, 300.0), st.floats(1.0, 1e6), st.floats(1.0, 1e4),
    st.floats(0.0, 0.1), st.floats(0.0, 1.0), st.floats(0.0, 1.0),
)
def test_avoided_erosion_nonnegative_when_cp_at_most_one(
    slope: float, acc: float, r: float, k: float, c: float, p: float
) -> None:
    ls = sr.ls_factor(np.array([slope]), np.array([acc]), 30.0, 122.0)
    rkls = sr.potential_soil_loss(ls, np.array([r]), np.array([k]))
    kept = sr.avoided_erosion(rkls, sr.usle(rkls, np.array([c * p])))
    assert ls[0] > 0.0
    assert kept[0] >= 0.0
    # RKLS − RKLS·CP and RKLS·(1 − CP) round differently: the error scales with RKLS
    assert kept[0] == pytest.approx(rkls[0] * (1 - c * p), rel=1e-9, abs=1e-12 * rkls[0])


def test_chain_on_a_small_hill() -> None:
    # a 9 × 9 cone around the centre: every cell drains outwards, a few streams at the edges
    rows, cols = np.mgrid[0:9, 0:9]
    dem = 50.0 - 3.0 * np.hypot(rows - 4, cols - 4)
    ones = np.ones(dem.shape)
    cp = np.full(dem.shape, 0.25)
    cp[0, 0] = np.nan
    out = sr.soil_retention(dem, 1000.0 * ones, 0.02 * ones, cp, 30.0, 4.0, 122.0)
    valid = ~np.isnan(out.rkls)
    assert np.isnan(out.rkls[0, 0]) and np.isnan(out.avoided_erosion[0, 0])
    assert np.all(np.isnan(out.rkls[out.stream == 1]))
    assert valid.sum() > 40
    np.testing.assert_allclose(out.avoided_erosion[valid], 0.75 * out.rkls[valid])
    np.testing.assert_allclose(out.rkls[valid], 20.0 * out.ls[valid])


def test_chain_with_d8() -> None:
    rows, cols = np.mgrid[0:9, 0:9]
    dem = 50.0 - 3.0 * np.hypot(rows - 4, cols - 4)
    ones = np.ones(dem.shape)
    out = sr.soil_retention(dem, 1000.0 * ones, 0.02 * ones, 0.5 * ones, 30.0, 4.0, 122.0, "d8")
    valid = ~np.isnan(out.rkls)
    np.testing.assert_array_equal(valid, out.stream == 0)
    np.testing.assert_allclose(out.usle[valid], 0.5 * out.rkls[valid])
    with pytest.raises(ConfigError):
        sr.soil_retention(dem, ones, ones, ones, 30.0, 4.0, 122.0, "dinf")  # type: ignore[arg-type]


def test_connectivity_and_sdr_one_pixel_by_hand() -> None:
    # 4 × 4 plane falling 1 m per 10 m row (slope 10 % everywhere), stream = bottom row,
    # usle_c 0.1 everywhere: W = 0.1, S = 0.10 m/m, W̄ = S̄ = 0.1 (constant weights).
    from qingshan.methods import flow_routing as fr
    from qingshan.methods.terrain import slope_percent

    dem = np.repeat(np.arange(4.0)[::-1, None], 4, axis=1)
    fd = fr.flow_dir_mfd(dem)
    fa = fr.flow_accumulation_mfd(fd)
    stream = np.zeros((4, 4), dtype=np.uint8)
    stream[3] = 1
    slope = slope_percent(dem, 10.0, 10.0)
    assert slope == pytest.approx(np.full((4, 4), 10.0))
    out = sr.sediment_delivery(
        fd, fa, stream, slope, np.full((4, 4), 0.1), np.full((4, 4), 2.0), np.full((4, 4), 18.0),
        10.0, 0.8, 0.5, 2.0,
    )
    # cell (1,1): F = 1 + 2/5 + 3/7 + 2/7 = 2.1142857
    # D_up = 0.1·0.1·√(2.1142857·100) = 0.01·14.540584 = 0.14540584
    # D_dn: 1/(W·S) = 100 per step, two steps to the stream row → 200
    # IC = log10(0.14540584/200) = −3.1384482; SDR = 0.8/(1 + e^((0.5 + 3.1384482)/2))
    #    = 0.8/(1 + 6.1670714) = 0.1116216; export = 2·SDR = 0.2232432
    assert out.d_up[1, 1] == pytest.approx(0.14540584)
    assert out.d_dn[1, 1] == pytest.approx(200.0)
    assert out.ic[1, 1] == pytest.approx(-3.1384482)
    assert out.sdr[1, 1] == pytest.approx(0.1116216, rel=1e-6)
    assert out.sed_export[1, 1] == pytest.approx(0.2232432, rel=1e-6)
    # streams: SDR 1 (InVEST issue #2379), E' = 0
    assert out.sdr[3] == pytest.approx([1, 1, 1, 1])
    assert out.e_prime[3] == pytest.approx([0, 0, 0, 0])
    # E' = USLE·(1 − SDR); row 0 receives nothing, so no deposition there
    assert out.e_prime[1, 1] == pytest.approx(2.0 * (1 - 0.1116216), rel=1e-6)
    assert out.sed_deposition[0] == pytest.approx([0, 0, 0, 0])
    np.testing.assert_allclose(out.avoided_export, 18.0 * out.sdr + out.sed_deposition)
    assert np.all(out.sed_deposition >= 0)
