"""Slope, pit filling, MFD flow direction, flow accumulation and streams
(qingshan.methods.terrain, qingshan.methods.flow_routing), checked against values worked by
hand from pygeoprocessing's published algorithms and against invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from qingshan.methods import flow_routing as fr
from qingshan.methods.terrain import slope_percent

SQ2 = math.sqrt(2.0)


# ----------------------------------------------------------------------------- slope
def test_slope_of_a_plane_interior_and_edges() -> None:
    # z = 0.1·x + 0.05·y with x east, y south, cells 10 m × 10 m:
    # dz/dx = 0.1, dz/dy = 0.05 → slope = 100·√(0.1² + 0.05²) = 11.180339887 %
    rows, cols = np.mgrid[0:5, 0:6]
    dem = 0.1 * 10.0 * cols + 0.05 * 10.0 * rows
    s = slope_percent(dem.astype(float), 10.0, 10.0)
    assert s[1:-1, 1:-1] == pytest.approx(np.full((3, 4), 11.180339887498949))
    # corner (0, 0) of a plane z = 2·col, 10 m cells: x terms d–f: d missing → 2(e−f) = −4
    # (weight 2); g–i: g missing → h − i = −2 (weight 1); dz/dx = −6/(3·10) = −0.2.
    # y terms: b–h: 2(e − h) = 0 (w 2); c–i: f − i = 0 (w 1) → dz/dy = 0 → 20 %.
    plane = 2.0 * np.mgrid[0:3, 0:3][1].astype(float)
    assert slope_percent(plane, 10.0, 10.0)[0, 0] == pytest.approx(20.0)


def test_slope_lone_diagonal_neighbour_counts_root_two() -> None:
    # only e (0 m) and its NE neighbour c (5 m) are valid, 10 m cells.
    # x: lone c → (e − c)·√2 = −5√2, weight 1 → dz/dx = −5√2/10 = −0.70711
    # y: lone c → (c − e)·√2 = 5√2, weight 1 → dz/dy = 0.70711
    # slope = 100·√(0.5 + 0.5) = 100 %
    dem = np.full((3, 3), np.nan)
    dem[1, 1] = 0.0
    dem[0, 2] = 5.0
    s = slope_percent(dem, 10.0, 10.0)
    assert s[1, 1] == pytest.approx(100.0)
    assert np.isnan(s[0, 0])


def test_slope_flat_and_rectangular_cells() -> None:
    # z = 3·row on 20 m (x) × 30 m (y) cells: dz/dy = 3/30 = 0.1 → 10 %, dz/dx = 0
    dem = 3.0 * np.mgrid[0:4, 0:4][0].astype(float)
    assert slope_percent(dem, 20.0, -30.0) == pytest.approx(np.full((4, 4), 10.0))
    assert slope_percent(np.zeros((3, 3)), 30.0, 30.0) == pytest.approx(np.zeros((3, 3)))


# ----------------------------------------------------------------------------- pits
def test_fill_pit_to_lowest_pour_point() -> None:
    # a bowl (1 m deep centre, 3 m ring) inside a 5 m rim whose lowest cell is the 4 m corner;
    # the bowl fills to 4 m, the pour point; the rim is unchanged.
    dem = np.array([
        [5, 5, 5, 5, 5],
        [5, 3, 3, 3, 5],
        [5, 3, 1, 3, 5],
        [5, 3, 3, 3, 5],
        [5, 5, 5, 5, 4],
    ], dtype=float)
    filled = fr.fill_pits(dem)
    expected = dem.copy()
    expected[1:4, 1:4] = 4.0
    np.testing.assert_array_equal(filled, expected)


def test_fill_drains_to_nodata_hole() -> None:
    # the same bowl but with a nodata cell in it: the bowl drains into the hole, nothing fills
    dem = np.array([
        [5, 5, 5, 5],
        [5, 2, np.nan, 5],
        [5, 3, 1, 5],
        [5, 5, 5, 5],
    ])
    np.testing.assert_array_equal(fr.fill_pits(dem), dem)


dem_strategy = arrays(
    np.float64, st.tuples(st.integers(2, 9), st.integers(2, 9)),
    elements=st.integers(0, 6).map(float),
)


@settings(max_examples=60, deadline=None)
@given(dem_strategy)
def test_filled_dem_has_no_pits(dem: np.ndarray) -> None:
    filled = fr.fill_pits(dem)
    assert np.all(filled >= dem)
    # every cell has a non-ascending 8-connected path to the edge: after filling, MFD gives
    # every cell a direction
    assert np.all(fr.flow_dir_mfd(filled) != 0)


def _fill_by_relaxation(z: np.ndarray) -> np.ndarray:
    """Independent reference (Planchon & Darboux 2001 without ε): start from +∞ inside and the
    DEM on cells that touch the edge or nodata, then repeat F = max(z, min of the 8 neighbours'
    F) until nothing changes."""
    nr, nc = z.shape
    valid = ~np.isnan(z)
    f = np.where(valid, np.inf, np.nan)
    for r in range(nr):
        for c in range(nc):
            if not valid[r, c]:
                continue
            for k in range(8):
                rn, cn = r + fr.ROW_OFFSETS[k], c + fr.COL_OFFSETS[k]
                if not (0 <= rn < nr and 0 <= cn < nc) or not valid[rn, cn]:
                    f[r, c] = z[r, c]
                    break
    changed = True
    while changed:
        changed = False
        for r in range(nr):
            for c in range(nc):
                if not valid[r, c] or f[r, c] == z[r, c]:
                    continue
                low = min(
                    f[r + dr, c + dc]
                    for dr, dc in zip(fr.ROW_OFFSETS, fr.COL_OFFSETS, strict=True)
                    if 0 <= r + dr < nr and 0 <= c + dc < nc and valid[r + dr, c + dc]
                )
                new = max(z[r, c], low)
                if new < f[r, c]:
                    f[r, c] = new
                    changed = True
    return f


holey_dem = arrays(
    np.float64, st.tuples(st.integers(3, 8), st.integers(3, 8)),
    elements=st.one_of(st.integers(0, 9).map(float), st.just(np.nan)),
)


@settings(max_examples=80, deadline=None)
@given(holey_dem)
def test_fill_matches_relaxation_reference(dem: np.ndarray) -> None:
    np.testing.assert_array_equal(fr.fill_pits(dem), _fill_by_relaxation(dem))


# ----------------------------------------------------------------------------- MFD
def _tilted_plane() -> np.ndarray:
    # 4 × 4 plane falling 1 m per row to the south (row 0 highest)
    plane: np.ndarray = np.repeat(np.arange(4.0)[::-1, None], 4, axis=1)
    return plane


def test_mfd_direction_packing_on_a_tilted_plane() -> None:
    fd = fr.flow_dir_mfd(_tilted_plane())
    # interior cell: S drop 1, SW and SE drops 1/√2 → shares 1/(1+√2) = 0.41421 and 0.29289;
    # 4-bit: int(0.5 + 15·0.41421) = 6, int(0.5 + 15·0.29289) = 4 → dirs 5, 6, 7 = 4, 6, 4
    assert fd[1, 1] == (4 << 20) | (6 << 24) | (4 << 28)
    # west column: S 1 and SE 1/√2 → 0.58579, 0.41421 → int(9.29) = 9, int(6.71) = 6
    assert fd[1, 0] == (9 << 24) | (6 << 28)
    props = fr.mfd_proportions(fd)
    assert props[:, 1, 1] == pytest.approx([0, 0, 0, 0, 0, 4 / 14, 6 / 14, 4 / 14])


def test_mfd_accumulation_by_hand_on_a_tilted_plane() -> None:
    acc = fr.flow_accumulation_mfd(fr.flow_dir_mfd(_tilted_plane()))
    # row 0 receives nothing: 1 (the cell itself)
    assert acc[0] == pytest.approx([1, 1, 1, 1])
    # (1,0): itself + 3/5 of (0,0) [S share of a west-column cell 9/15] + 2/7 of (0,1) [SW 4/14]
    # (1,1): itself + 2/5 of (0,0) [SE 6/15] + 3/7 of (0,1) [S] + 2/7 of (0,2) [SW]
    assert acc[1, 0] == pytest.approx(1 + 3 / 5 + 2 / 7)
    assert acc[1, 1] == pytest.approx(1 + 2 / 5 + 3 / 7 + 2 / 7)
    assert acc[1, 2] == pytest.approx(acc[1, 1])
    assert acc[1, 3] == pytest.approx(acc[1, 0])
    # (2,0) = 1 + 3/5·acc(1,0) + 2/7·acc(1,1)
    assert acc[2, 0] == pytest.approx(1 + 0.6 * (1 + 3 / 5 + 2 / 7) + 2 / 7 * (1 + 2 / 5 + 5 / 7))
    # the bottom row (a flat at the edge) sends everything off the grid: all 16 cells leave there
    assert acc[3].sum() == pytest.approx(16.0)


def test_v_valley_collects_along_the_thalweg() -> None:
    # V valley: sides rise 2 m per column away from column 2, the thalweg falls 1 m per row
    # to the south: z = 2·|col − 2| + (4 − row).  Row 0 = 8 6 4 6 8, row 1 = 7 5 3 5 7, …
    rows, cols = np.mgrid[0:5, 0:5]
    dem = (2.0 * np.abs(cols - 2) + (4 - rows)).astype(float)
    fd = fr.flow_dir_mfd(dem)
    acc = fr.flow_accumulation_mfd(fd)
    # Shares (drop, diagonal drop / √2, then int(0.5 + 15·share)):
    #  (0,0) z 8: E drop 2, S 1, SE 3/√2 → 5.1213 total → E 6, S 3, SE 6 (/15)
    #  (0,1) z 6: E 2, S 1, SE 3/√2 → the same: E 6/15, S 3/15, SE 6/15
    #  (1,0) z 7: NE 1/√2, E 2, SE 3/√2, S 1 → 5.8284 → NE 2, E 5, SE 5, S 3 (/15); (2,0) alike
    #  (1,1) z 5: NE 1/√2, E 2, SE 3/√2, S 1 → NE 2/15 (into the thalweg cell (0,2))
    # acc(0,0) = 1; acc(1,0) = 1 + 3/15 = 1.2; acc(0,1) = 1 + 6/15 + 2/15·1.2 = 1.56
    # acc(2,0) = 1 + 3/15·1.2 = 1.24
    # acc(1,1) = 1 + 6/15 (from (0,0)) + 3/15·1.56 + 5/15·1.2 + 2/15·1.24 = 2.2773333
    # acc(0,2) = 1 + 2·(6/15·1.56) + 2·(2/15·2.2773333) = 2.8552889
    assert acc[1, 0] == pytest.approx(1.2)
    assert acc[0, 1] == pytest.approx(1.56)
    assert acc[1, 1] == pytest.approx(2.2773333333)
    assert acc[0, 2] == pytest.approx(2.8552888889)
    # the thalweg outlet (4,2) is lower than all its neighbours and on the edge: all 25 cells
    # leave the grid through it
    assert acc[4, 2] == pytest.approx(25.0)
    np.testing.assert_allclose(acc, acc[:, ::-1])


def test_weighted_accumulation_routes_weights() -> None:
    fd = fr.flow_dir_mfd(_tilted_plane())
    w = np.zeros((4, 4))
    w[0, 0] = 10.0
    acc = fr.flow_accumulation_mfd(fd, w)
    # 10 at (0,0) splits 3/5 S and 2/5 SE
    assert acc[1, 0] == pytest.approx(6.0)
    assert acc[1, 1] == pytest.approx(4.0)
    assert acc[3].sum() == pytest.approx(10.0)


def _outflow(acc: np.ndarray, fd: np.ndarray) -> float:
    """Flow leaving the grid: each cell's accumulation times its shares going off the grid or
    into cells without direction."""
    props = fr.mfd_proportions(fd)
    nr, nc = fd.shape
    total = 0.0
    for r in range(nr):
        for c in range(nc):
            if fd[r, c] == 0:
                continue
            for k in range(8):
                rn, cn = r + fr.ROW_OFFSETS[k], c + fr.COL_OFFSETS[k]
                if not (0 <= rn < nr and 0 <= cn < nc) or fd[rn, cn] == 0:
                    total += acc[r, c] * props[k, r, c]
    return total


@settings(max_examples=60, deadline=None)
@given(dem_strategy)
def test_accumulation_conserves_cells(dem: np.ndarray) -> None:
    # every cell's unit of flow leaves the grid exactly once
    fd = fr.flow_dir_mfd(fr.fill_pits(dem))
    acc = fr.flow_accumulation_mfd(fd)
    assert np.all(acc >= 1.0)
    assert _outflow(acc, fd) == pytest.approx(float(dem.size))


@settings(max_examples=40, deadline=None)
@given(dem_strategy)
def test_mirror_and_rotation_give_mirrored_accumulation(dem: np.ndarray) -> None:
    def acc_of(z: np.ndarray) -> np.ndarray:
        return fr.flow_accumulation_mfd(fr.flow_dir_mfd(fr.fill_pits(np.ascontiguousarray(z))))

    base = acc_of(dem)
    np.testing.assert_allclose(acc_of(dem[:, ::-1])[:, ::-1], base, rtol=1e-9)
    np.testing.assert_allclose(acc_of(dem[::-1, :])[::-1, :], base, rtol=1e-9)
    np.testing.assert_allclose(np.rot90(acc_of(np.rot90(dem)), -1), base, rtol=1e-9)


def test_flat_drains_towards_its_lower_exit() -> None:
    # a flat 3-cell-wide shelf at 5 m whose only lower neighbour is the 4 m cell at its east
    # end; the other cells route across the flat to it (distance to the drain).
    dem = np.array([
        [9, 9, 9, 9, 9],
        [9, 5, 5, 5, 4],
        [9, 9, 9, 9, 9],
    ], dtype=float)
    fd = fr.flow_dir_mfd(dem)
    p = fr.mfd_proportions(fd)
    # (1,3) drains east (drop 1), (1,2) flows east to (1,3), (1,1) east to (1,2)
    assert p[:, 1, 3] == pytest.approx([1, 0, 0, 0, 0, 0, 0, 0])
    assert p[:, 1, 2] == pytest.approx([1, 0, 0, 0, 0, 0, 0, 0])
    assert p[:, 1, 1] == pytest.approx([1, 0, 0, 0, 0, 0, 0, 0])
    acc = fr.flow_accumulation_mfd(fd)
    assert acc[1, 4] > acc[1, 3] > acc[1, 2] > acc[1, 1] >= 1.0


def test_streams_follow_threshold_from_the_outlet() -> None:
    acc = fr.flow_accumulation_mfd(fd := fr.flow_dir_mfd(_tilted_plane()))
    st_ = fr.streams_mfd(acc, fd, threshold=3.0, trace_threshold_proportion=1.0)
    # accumulation ≥ 3 only in rows 2–3 interior and row 3: streams grow up from the bottom row
    np.testing.assert_array_equal(st_, (acc >= 3.0).astype(np.uint8))
    assert fr.streams_mfd(acc, fd, threshold=1e9).max() == 0


def test_nodata_is_kept() -> None:
    dem = _tilted_plane()
    dem[0, 0] = np.nan
    fd = fr.flow_dir_mfd(fr.fill_pits(dem))
    assert fd[0, 0] == 0
    acc = fr.flow_accumulation_mfd(fd)
    assert np.isnan(acc[0, 0])
    assert fr.streams_mfd(acc, fd, 2.0)[0, 0] == fr.STREAM_NODATA


# ----------------------------------------------------------------------------- D8
def test_d8_on_a_tilted_plane() -> None:
    fd = fr.flow_dir_d8(_tilted_plane())
    # rows 0–2: steepest is S (drop 1 > diagonal 1/√2) → direction 6
    assert np.all(fd[:3] == 6)
    # bottom row: a flat at the edge; cells drain off the grid, an orthogonal off-grid
    # neighbour preferred, the first in direction order 0–7: (3,0) → W (4; SW 5 comes later),
    # (3,1), (3,2) → S (6, after the diagonal SW 5), (3,3) → E (0, off the grid, orthogonal)
    assert list(fd[3]) == [4, 6, 6, 0]
    acc = fr.flow_accumulation_d8(fd)
    # each column is a chain: accumulation = row + 1
    np.testing.assert_array_equal(acc, np.repeat(np.arange(1.0, 5.0)[:, None], 4, axis=1))
    # strictly greater than the threshold, as pygeoprocessing's extract_streams_d8
    np.testing.assert_array_equal(fr.streams_d8(acc, 3.0), (acc > 3.0).astype(np.uint8))


def test_d8_v_valley() -> None:
    rows, cols = np.mgrid[0:5, 0:5]
    dem = (2.0 * np.abs(cols - 2) + (4 - rows)).astype(float)
    fd = fr.flow_dir_d8(dem)
    # (0,0) z 8: E drop 2, S 1, SE 3/√2 = 2.121 → SE (7); (0,1) z 6: E 2 vs SE 2.121 → SE
    # (0,2) on the thalweg z 4: S drop 1, SE/SW (1,3)/(1,1) z 5 higher → S (6)
    assert fd[0, 0] == 7 and fd[0, 1] == 7 and fd[0, 2] == 6
    acc = fr.flow_accumulation_d8(fd)
    assert acc[4, 2] == pytest.approx(25.0)
    np.testing.assert_array_equal(acc, acc[:, ::-1])


@settings(max_examples=60, deadline=None)
@given(dem_strategy)
def test_d8_accumulation_conserves_cells(dem: np.ndarray) -> None:
    fd = fr.flow_dir_d8(fr.fill_pits(dem))
    assert np.all(fd != fr.D8_NODATA)
    acc = fr.flow_accumulation_d8(fd)
    nr, nc = fd.shape
    out = 0.0
    for r in range(nr):
        for c in range(nc):
            k = int(fd[r, c])
            rn, cn = r + fr.ROW_OFFSETS[k], c + fr.COL_OFFSETS[k]
            if not (0 <= rn < nr and 0 <= cn < nc):
                out += acc[r, c]
    assert out == pytest.approx(float(dem.size))


def test_full_share_to_the_south_east_survives_int32_packing() -> None:
    # (0,0)'s only lower neighbour is SE: share 15 in bits 28–31, i.e. a negative int32 as in
    # pygeoprocessing's 32-bit raster; it must still route all of (0,0) into (1,1).
    dem = np.array([[5.0, 5.0], [5.0, 0.0]])
    fd = fr.flow_dir_mfd(dem)
    assert fd[0, 0] == np.int32(np.uint32(15 << 28).view(np.int32))
    assert fr.mfd_proportions(fd)[7, 0, 0] == 1.0
    assert fr.flow_accumulation_mfd(fd)[1, 1] == pytest.approx(4.0)


# ----------------------------------------------------------------------------- distance
def test_distance_to_channel_by_hand() -> None:
    fd = fr.flow_dir_mfd(_tilted_plane())
    stream = np.zeros((4, 4), dtype=np.uint8)
    stream[3] = 1
    d = fr.distance_to_channel_mfd(fd, stream)
    assert d[3] == pytest.approx([0, 0, 0, 0])
    # (2,1): S 6/14 one step, SW and SE 4/14 each √2: (6 + 8√2)/14 = 1.2366935
    # (2,0): S 9/15, SE 6/15·√2: (9 + 6√2)/15 = 1.1656854
    assert d[2, 1] == pytest.approx((6 + 8 * SQ2) / 14)
    assert d[2, 1] == pytest.approx(1.2366935)
    assert d[2, 0] == pytest.approx(1.1656854)
    # (1,1) = [4(√2 + d(2,0)) + 6(1 + d(2,1)) + 4(√2 + d(2,2))]/14
    assert d[1, 1] == pytest.approx((4 * (SQ2 + d[2, 0]) + 6 * (1 + d[2, 1]) + 4 * (SQ2 + d[2, 2])) / 14)
    # with a weight the step is the downstream cell's weight (no length): 2 per step
    dw = fr.distance_to_channel_mfd(fd, stream, np.full((4, 4), 2.0))
    assert dw[:3] == pytest.approx(np.array([[6.0] * 4, [4.0] * 4, [2.0] * 4]))
    # no stream at all: undefined everywhere
    assert np.all(np.isnan(fr.distance_to_channel_mfd(fd, np.zeros((4, 4), dtype=np.uint8))))


# ----------------------------------------------------------------------------- deposition
def test_sediment_deposition_along_a_chain_by_hand() -> None:
    # one row falling east: every cell sends all its flow to its east neighbour
    dem = np.array([[4.0, 3.0, 2.0, 1.0]])
    fd = fr.flow_dir_mfd(dem)
    sdr = np.array([[0.2, 0.4, 0.7, 1.0]])
    e_prime = np.array([[10.0, 6.0, 3.0, 0.0]])
    dep, flux = fr.sediment_deposition_mfd(fd, e_prime, sdr)
    # (0,0): no inflow → t = 0, f = E' = 10
    # (0,1): inflow 10; downslope SDR 0.7; dr = (0.7 − 0.4)/(1 − 0.4) = 0.5 → t = 5, f = 5 + 6 = 11
    # (0,2): inflow 11; downslope SDR 1.0; dr = (1 − 0.7)/(1 − 0.7) = 1 → t = 11, f = 0 + 3 = 3
    # (0,3): SDR 1 → dr = 1 → t = 3, f = 0
    assert dep[0] == pytest.approx([0.0, 5.0, 11.0, 3.0])
    assert flux[0] == pytest.approx([10.0, 11.0, 3.0, 0.0])
    # a NaN SDR leaves the cell undefined, and its flux does not reach downstream
    sdr_nan = sdr.copy()
    sdr_nan[0, 0] = np.nan
    dep2, flux2 = fr.sediment_deposition_mfd(fd, e_prime, sdr_nan)
    assert np.isnan(dep2[0, 0]) and np.isnan(flux2[0, 0])
    assert dep2[0, 1] == pytest.approx(0.0)


@settings(max_examples=60, deadline=None)
@given(holey_dem)
def test_accumulation_conserves_cells_around_nodata(dem: np.ndarray) -> None:
    # flow into a nodata hole leaves the grid there; every valid cell still leaves exactly once
    fd = fr.flow_dir_mfd(fr.fill_pits(dem))
    valid = ~np.isnan(dem)
    np.testing.assert_array_equal(fd != 0, valid)
    acc = fr.flow_accumulation_mfd(fd)
    assert _outflow(acc, fd) == pytest.approx(float(valid.sum()))
