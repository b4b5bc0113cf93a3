"""Hydrological routing on a DEM (汇流分析): pit filling, multiple-flow-direction (MFD) and D8
flow direction, flow accumulation (汇流累积量), stream extraction, distance to the stream and
sediment deposition, as InVEST's SDR model runs them through pygeoprocessing 2.4.x
(``routing.pyx``: ``fill_pits``, ``flow_dir_mfd``, ``flow_accumulation_mfd``,
``extract_streams_mfd``, ``flow_dir_d8``, ``flow_accumulation_d8``, ``distance_to_channel_mfd``;
``helper_functions.py``: ``extract_streams_d8``) and InVEST (``sdr_core.pyx``). The algorithms
were read, not copied; they are re-implemented on in-memory arrays and compiled with numba
(the loops are inherently sequential; docs/gep/soil-retention.md has the measured speed and the
cell-by-cell comparison with pygeoprocessing).

Conventions (the same as pygeoprocessing so results can be compared cell by cell):

* NaN marks nodata in a DEM; cells outside the array are "off the edge".
* Directions are numbered counter-clockwise from east, rows growing downwards::

      3 2 1
      4 x 0
      5 6 7

* An MFD flow direction is one int32 per cell holding eight 4-bit integer proportions,
  proportion ``k`` in bits ``4k … 4k+3``; 0 means "no flow direction" (nodata). A D8 direction
  is one uint8 (0–7; :data:`D8_NODATA` = none).

Routing is not local: a cell's accumulation depends on everything upstream. Watersheds are
independent, so an engine may process one watershed at a time (bounded memory): pass the
watershed's bounding box with the cells outside the watershed set to NaN (InVEST also masks its
inputs to the watershed polygons). The array edge and NaN cells both count as drains.

References
----------
Barnes, R., Lehman, C. & Mulla, D. (2014). Priority-flood: an optimal depression-filling and
watershed-labeling algorithm for digital elevation models. Computers & Geosciences 62,
117–127 (the filled surface equals pygeoprocessing's ``fill_pits`` result: every cell raised to
the lowest spill height on a path to the edge or to nodata, flats left flat).
Quinn, P., Beven, K., Chevallier, P. & Planchon, O. (1991). The prediction of hillslope flow
paths for distributed hydrological modelling using digital terrain models. Hydrol. Process.
5, 59–79 (MFD: flow split in proportion to the downhill drop, diagonal drops divided by √2).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import cast

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "COL_OFFSETS",
    "D8_NODATA",
    "ROW_OFFSETS",
    "STREAM_NODATA",
    "distance_to_channel_mfd",
    "fill_pits",
    "flow_accumulation_d8",
    "flow_accumulation_mfd",
    "flow_dir_d8",
    "flow_dir_mfd",
    "mfd_proportions",
    "sediment_deposition_mfd",
    "streams_d8",
    "streams_mfd",
]

#: Column / row offsets of the eight directions (0 = east, counter-clockwise).
COL_OFFSETS = (1, 1, 0, -1, -1, -1, 0, 1)
ROW_OFFSETS = (0, -1, -1, -1, 0, 1, 1, 1)

_COLS = np.array(COL_OFFSETS, dtype=np.int64)
_ROWS = np.array(ROW_OFFSETS, dtype=np.int64)
_SQRT2 = 1.4142135623730951
_SQRT2_INV = 1.0 / _SQRT2

#: pygeoprocessing visits cells tile by tile (256 × 256, its ``BLOCK_BITS = 8``); D8 flats and
#: MFD stream tracing can depend on the order, so their scans follow the same tiles.
_BLOCK = 256

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int32]


def _jit(fn: Callable[..., None]) -> Callable[..., None]:
    return cast(Callable[..., None], numba.njit(cache=False, nogil=True)(fn))


# --------------------------------------------------------------------------- pit filling
def _fill_kernel(z: FloatArray, out: FloatArray, queue: NDArray[np.integer]) -> None:
    # queue: FIFO of cells at or below the current spill level, one slot per cell
    nr, nc = z.shape
    closed = np.zeros((nr, nc), dtype=np.bool_)
    q_head = 0
    q_tail = 0
    heap = [(0.0, np.int64(0))]
    heap.pop()
    for r in range(nr):
        for c in range(nc):
            out[r, c] = z[r, c]
    # seeds: valid cells on the array edge or next to a nodata cell (both drain)
    for r in range(nr):
        for c in range(nc):
            if np.isnan(z[r, c]):
                continue
            drains = False
            for k in range(8):
                rn = r + _ROWS[k]
                cn = c + _COLS[k]
                if rn < 0 or rn >= nr or cn < 0 or cn >= nc or np.isnan(z[rn, cn]):
                    drains = True
                    break
            if drains:
                closed[r, c] = True
                heapq.heappush(heap, (z[r, c], np.int64(r * nc + c)))
    while len(heap) > 0 or q_head < q_tail:
        if q_head < q_tail:
            cell = np.int64(queue[q_head])
            q_head += 1
        else:
            cell = heapq.heappop(heap)[1]
        r = cell // nc
        c = cell % nc
        level = out[r, c]
        for k in range(8):
            rn = r + _ROWS[k]
            cn = c + _COLS[k]
            if rn < 0 or rn >= nr or cn < 0 or cn >= nc:
                continue
            if closed[rn, cn] or np.isnan(out[rn, cn]):
                continue
            closed[rn, cn] = True
            if out[rn, cn] <= level:
                out[rn, cn] = level
                queue[q_tail] = rn * nc + cn
                q_tail += 1
            else:
                heapq.heappush(heap, (out[rn, cn], np.int64(rn * nc + cn)))


_fill = _jit(_fill_kernel)


def fill_pits(dem: FloatArray) -> FloatArray:
    """Fill the pits (洼地填充) of a DEM to their lowest pour point.

    A pit is a connected region that does not drain to the array edge or to a nodata cell;
    each pit is raised to the height of its lowest pour point, leaving a flat (no gradient
    is imposed), as ``pygeoprocessing.routing.fill_pits`` does.

    Parameters
    ----------
    dem : 2-D float array, m
        Elevations; NaN is nodata.

    Returns
    -------
    2-D float array, m
        The filled DEM (every cell ≥ the input; NaN where the input is NaN).
    """
    z = _as_grid(dem)
    out = np.empty_like(z)
    queue = np.empty(z.size, dtype=np.int32 if z.size < 2**31 else np.int64)
    _fill(z, out, queue)
    return out


# --------------------------------------------------------------------------- MFD direction
def _pack(weights: FloatArray, total: float) -> int:
    packed = 0
    for k in range(8):
        packed |= int(0.5 + weights[k] / total * 15.0) << (4 * k)
    return packed


_pack_jit = cast(Callable[[FloatArray, float], int], numba.njit(cache=False)(_pack))


def _flow_dir_mfd_kernel(z: FloatArray, out: IntArray) -> None:
    nr, nc = z.shape
    flat = np.zeros((nr, nc), dtype=np.bool_)
    dist = np.full((nr, nc), np.inf)
    w = np.zeros(8)
    wn = np.zeros(8)
    for r0 in range(nr):
        for c0 in range(nc):
            h = z[r0, c0]
            if np.isnan(h) or out[r0, c0] != 0:
                continue
            # phase 1: downhill neighbours, diagonal drops divided by sqrt(2)
            total = 0.0
            for k in range(8):
                w[k] = 0.0
                rn = r0 + _ROWS[k]
                cn = c0 + _COLS[k]
                if rn < 0 or rn >= nr or cn < 0 or cn >= nc or np.isnan(z[rn, cn]):
                    continue
                drop = h - z[rn, cn]
                if drop > 0.0:
                    if k & 1:
                        drop *= _SQRT2_INV
                    w[k] = drop
                    total += drop
            if total > 0.0:
                out[r0, c0] = _pack_jit(w, total)
                continue
            if flat[r0, c0]:
                continue
            # phase 2: the flat region of equal height around this cell and its drains
            region = [np.int64(r0 * nc + c0)]
            flat[r0, c0] = True
            drains = [np.int64(0)]
            drains.pop()
            edge_drains = [np.int64(0)]
            edge_drains.pop()
            edge_dirs = [np.int64(0)]
            edge_dirs.pop()
            i = 0
            while i < len(region):
                cell = region[i]
                i += 1
                r = cell // nc
                c = cell % nc
                total = 0.0
                total_n = 0.0
                for k in range(8):
                    w[k] = 0.0
                    wn[k] = 0.0
                    rn = r + _ROWS[k]
                    cn = c + _COLS[k]
                    if rn < 0 or rn >= nr or cn < 0 or cn >= nc or np.isnan(z[rn, cn]):
                        wn[k] = _SQRT2_INV if k & 1 else 1.0
                        total_n += wn[k]
                        continue
                    drop = h - z[rn, cn]
                    if drop < 0.0:
                        continue
                    if drop == 0.0:
                        if not flat[rn, cn]:
                            flat[rn, cn] = True
                            region.append(np.int64(rn * nc + cn))
                        continue
                    if k & 1:
                        drop *= _SQRT2_INV
                    w[k] = drop
                    total += drop
                if total > 0.0:
                    out[r, c] = _pack_jit(w, total)
                    drains.append(cell)
                elif total_n > 0.0:
                    edge_drains.append(cell)
                    edge_dirs.append(np.int64(_pack_jit(wn, total_n)))
            if len(drains) == 0:
                for j in range(len(edge_drains)):
                    cell = edge_drains[j]
                    out[cell // nc, cell % nc] = edge_dirs[j]
                    drains.append(cell)
            if len(drains) == 0:
                continue  # an undrained pit: no flow direction (fill the DEM first)
            # phase 3: distance to the nearest drain across the flat (1 or sqrt(2) a step)
            fifo = [np.int64(0)]
            fifo.pop()
            for cell in drains:
                dist[cell // nc, cell % nc] = 0.0
                fifo.append(cell)
            i = 0
            while i < len(fifo):
                cell = fifo[i]
                i += 1
                r = cell // nc
                c = cell % nc
                for k in range(8):
                    rn = r + _ROWS[k]
                    cn = c + _COLS[k]
                    if rn < 0 or rn >= nr or cn < 0 or cn >= nc:
                        continue
                    nd = dist[r, c] + (_SQRT2 if k & 1 else 1.0)
                    if z[rn, cn] == h and dist[rn, cn] > nd:
                        dist[rn, cn] = nd
                        fifo.append(np.int64(rn * nc + cn))
            # phase 4: flat cells flow to equal-height neighbours nearer a drain
            for cell in region:
                r = cell // nc
                c = cell % nc
                if dist[r, c] == 0.0 or dist[r, c] == np.inf:
                    continue
                total = 0.0
                for k in range(8):
                    w[k] = 0.0
                    rn = r + _ROWS[k]
                    cn = c + _COLS[k]
                    if rn < 0 or rn >= nr or cn < 0 or cn >= nc or z[rn, cn] != h:
                        continue
                    if dist[rn, cn] < dist[r, c]:
                        w[k] = _SQRT2_INV if k & 1 else 1.0
                        total += w[k]
                if total > 0.0:
                    out[r, c] = _pack_jit(w, total)


_flow_dir_mfd = _jit(_flow_dir_mfd_kernel)


def flow_dir_mfd(filled_dem: FloatArray) -> IntArray:
    """Multiple-flow-direction routing (多流向) of a pit-filled DEM, as pygeoprocessing's
    ``flow_dir_mfd``.

    Each cell sends flow to every lower neighbour in proportion to the drop (diagonal drops
    × 1/√2), the proportions rounded to 4-bit integers ``int(0.5 + 15·p)``. Flats: the
    cells of a flat region that have a lower neighbour are its drains (if none has, the
    cells next to the edge or to nodata drain there, weight 1 orthogonal, 1/√2 diagonal);
    the other cells flow to the equal-height neighbours that are nearer (path length, 1 or √2
    a step) to a drain, weights 1 and 1/√2.

    Parameters
    ----------
    filled_dem : 2-D float array, m
        A DEM without pits (see :func:`fill_pits`); NaN is nodata.

    Returns
    -------
    2-D int32 array
        Packed proportions (see the module docstring); 0 where there is no direction.
    """
    z = _as_grid(filled_dem)
    out = np.zeros(z.shape, dtype=np.int32)
    _flow_dir_mfd(z, out)
    return out


def mfd_proportions(flow_dir: IntArray) -> FloatArray:
    """The packed MFD directions unpacked into fractions, shape (8, rows, cols), each cell's
    fractions summing to 1 (0 everywhere for a cell without direction)."""
    fd = np.asarray(flow_dir, dtype=np.int64)
    parts = np.stack([(fd >> (4 * k)) & 0xF for k in range(8)]).astype(np.float64)
    total = parts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(total > 0, parts / total, 0.0)
    return out


# --------------------------------------------------------------------------- accumulation
def _accumulation_kernel(fd: IntArray, weight: FloatArray, acc: FloatArray) -> None:
    nr, nc = fd.shape
    indeg = np.zeros((nr, nc), dtype=np.uint8)
    for r in range(nr):
        for c in range(nc):
            v = fd[r, c]
            if v == 0:
                acc[r, c] = np.nan
                continue
            wt = weight[r, c]
            acc[r, c] = 0.0 if np.isnan(wt) else wt
            for k in range(8):
                if (v >> (4 * k)) & 0xF == 0:
                    continue
                rn = r + _ROWS[k]
                cn = c + _COLS[k]
                if rn < 0 or rn >= nr or cn < 0 or cn >= nc or fd[rn, cn] == 0:
                    continue
                indeg[rn, cn] += 1
    stack = [np.int64(0)]
    stack.pop()
    for r in range(nr):
        for c in range(nc):
            if fd[r, c] != 0 and indeg[r, c] == 0:
                stack.append(np.int64(r * nc + c))
    while len(stack) > 0:
        cell = stack.pop()
        r = cell // nc
        c = cell % nc
        v = fd[r, c]
        total = 0
        for k in range(8):
            total += (v >> (4 * k)) & 0xF
        for k in range(8):
            part = (v >> (4 * k)) & 0xF
            if part == 0:
                continue
            rn = r + _ROWS[k]
            cn = c + _COLS[k]
            if rn < 0 or rn >= nr or cn < 0 or cn >= nc or fd[rn, cn] == 0:
                continue
            acc[rn, cn] += acc[r, c] * part / total
            indeg[rn, cn] -= 1
            if indeg[rn, cn] == 0:
                stack.append(np.int64(rn * nc + cn))


_accumulation = _jit(_accumulation_kernel)


def flow_accumulation_mfd(flow_dir: IntArray, weight: FloatArray | None = None) -> FloatArray:
    """Flow accumulation (汇流累积量) over MFD directions, as pygeoprocessing's
    ``flow_accumulation_mfd``.

    ``acc(i) = w(i) + Σ_upstream j acc(j)·p_ji`` where ``p_ji`` is the share of j's flow sent
    to i. Without weights ``w = 1``: the count of cells draining through i **including i
    itself** (so ≥ 1). Flow sent off the edge or into a cell without direction leaves the
    grid.

    Parameters
    ----------
    flow_dir : 2-D int32 array
        Packed MFD directions from :func:`flow_dir_mfd`.
    weight : 2-D float array, optional
        A per-cell quantity to route instead of 1; NaN counts as 0.

    Returns
    -------
    2-D float array
        Accumulation in cells (or weight units); NaN where the flow direction is 0.
    """
    fd = np.ascontiguousarray(flow_dir, dtype=np.int32)
    if fd.ndim != 2:
        raise ValueError(f"flow directions must be a 2-D array, got {fd.ndim} dimensions")
    w = np.ones(fd.shape) if weight is None else np.ascontiguousarray(weight, dtype=np.float64)
    if w.shape != fd.shape:
        raise ValueError(f"weight shape {w.shape} differs from flow-direction shape {fd.shape}")
    acc = np.empty(fd.shape, dtype=np.float64)
    _accumulation(fd, w, acc)
    return acc


# --------------------------------------------------------------------------- distance
def _distance_kernel(
    fd: IntArray, stream: NDArray[np.uint8], weight: FloatArray, use_weight: bool, out: FloatArray
) -> None:
    nr, nc = fd.shape
    pending = np.zeros((nr, nc), dtype=np.uint8)  # downstream neighbours not yet resolved
    for r in range(nr):
        for c in range(nc):
            v = fd[r, c]
            if stream[r, c] == 1 or v == 0:
                continue
            for k in range(8):
                if (v >> (4 * k)) & 0xF == 0:
                    continue
                rn = r + _ROWS[k]
                cn = c + _COLS[k]
                if 0 <= rn < nr and 0 <= cn < nc:
                    pending[r, c] += 1
    stack = [np.int64(0)]
    stack.pop()
    for r in range(nr):
        for c in range(nc):
            if pending[r, c] == 0:
                stack.append(np.int64(r * nc + c))
    while len(stack) > 0:
        cell = stack.pop()
        r = cell // nc
        c = cell % nc
        v = fd[r, c]
        if stream[r, c] == 1:
            out[r, c] = 0.0
        elif v == 0:
            out[r, c] = np.nan
        else:
            total = 0.0
            weighted = 0.0
            for k in range(8):
                part = (v >> (4 * k)) & 0xF
                if part == 0:
                    continue
                rn = r + _ROWS[k]
                cn = c + _COLS[k]
                if rn < 0 or rn >= nr or cn < 0 or cn >= nc or np.isnan(out[rn, cn]):
                    continue
                if use_weight:
                    step = weight[rn, cn]
                    if np.isnan(step):
                        step = 0.0
                else:
                    step = _SQRT2 if k & 1 else 1.0
                total += part
                weighted += part * (step + out[rn, cn])
            out[r, c] = weighted / total if total > 0 else np.nan
        # release the upstream neighbours that flow into this cell
        for k in range(8):
            ru = r + _ROWS[k]
            cu = c + _COLS[k]
            if ru < 0 or ru >= nr or cu < 0 or cu >= nc:
                continue
            vu = fd[ru, cu]
            if vu == 0 or stream[ru, cu] == 1:
                continue
            if (vu >> (4 * ((k + 4) % 8))) & 0xF == 0:
                continue
            pending[ru, cu] -= 1
            if pending[ru, cu] == 0:
                stack.append(np.int64(ru * nc + cu))


_distance = _jit(_distance_kernel)


def distance_to_channel_mfd(
    flow_dir: IntArray, stream: NDArray[np.uint8], weight: FloatArray | None = None
) -> FloatArray:
    """Mean flow-path distance to a stream over MFD directions, as pygeoprocessing's
    ``distance_to_channel_mfd``.

    d(i) = 0 on streams; otherwise Σ_n q_in·(l_in + d(n)) / Σ_n q_in over the downstream
    neighbours n whose distance is defined (q = the 4-bit shares), NaN if none. Without
    ``weight`` the step l is 1 (orthogonal) or √2 (diagonal) cell lengths; with ``weight`` it is
    the **neighbour's** weight (InVEST passes 1/(W·S) for d_dn), with no step length.

    Returns distances in cells (or weight units); NaN where undefined.
    """
    fd = np.ascontiguousarray(flow_dir, dtype=np.int32)
    st = np.ascontiguousarray(stream, dtype=np.uint8)
    if fd.shape != st.shape:
        raise ValueError(f"stream shape {st.shape} differs from flow-direction shape {fd.shape}")
    use_weight = weight is not None
    w = np.ascontiguousarray(weight, dtype=np.float64) if weight is not None else np.zeros((1, 1))
    if use_weight and w.shape != fd.shape:
        raise ValueError(f"weight shape {w.shape} differs from flow-direction shape {fd.shape}")
    out = np.full(fd.shape, np.nan)
    _distance(fd, st, w, use_weight, out)
    return out


# --------------------------------------------------------------------------- deposition
def _deposition_kernel(
    fd: IntArray, e_prime: FloatArray, sdr: FloatArray, dep: FloatArray, flux: FloatArray
) -> None:
    nr, nc = fd.shape
    indeg = np.zeros((nr, nc), dtype=np.uint8)
    for r in range(nr):
        for c in range(nc):
            dep[r, c] = np.nan
            flux[r, c] = np.nan
            v = fd[r, c]
            if v == 0:
                continue
            for k in range(8):
                if (v >> (4 * k)) & 0xF == 0:
                    continue
                rn = r + _ROWS[k]
                cn = c + _COLS[k]
                if 0 <= rn < nr and 0 <= cn < nc and fd[rn, cn] != 0:
                    indeg[rn, cn] += 1
    stack = [np.int64(0)]
    stack.pop()
    for r in range(nr):
        for c in range(nc):
            if fd[r, c] != 0 and indeg[r, c] == 0:
                stack.append(np.int64(r * nc + c))
    while len(stack) > 0:
        cell = stack.pop()
        r = cell // nc
        c = cell % nc
        # inflow: upslope fluxes times their (float32) shares into this cell
        inflow = 0.0
        for k in range(8):
            ru = r + _ROWS[k]
            cu = c + _COLS[k]
            if ru < 0 or ru >= nr or cu < 0 or cu >= nc:
                continue
            vu = fd[ru, cu]
            part = (vu >> (4 * ((k + 4) % 8))) & 0xF
            if vu == 0 or part == 0 or np.isnan(flux[ru, cu]):
                continue
            total_u = 0
            for kk in range(8):
                total_u += (vu >> (4 * kk)) & 0xF
            inflow += flux[ru, cu] * np.float32(np.float32(part) / np.float32(total_u))
        # downslope SDR, weighted by the 4-bit shares of the in-grid downslope neighbours
        v = fd[r, c]
        share_sum = 0
        sdr_down = 0.0
        for k in range(8):
            part = (v >> (4 * k)) & 0xF
            if part == 0:
                continue
            rn = r + _ROWS[k]
            cn = c + _COLS[k]
            if rn < 0 or rn >= nr or cn < 0 or cn >= nc:
                continue
            share_sum += part
            if fd[rn, cn] != 0:
                indeg[rn, cn] -= 1
                if indeg[rn, cn] == 0:
                    stack.append(np.int64(rn * nc + cn))
            s_j = sdr[rn, cn]
            if np.isnan(s_j):
                continue
            if s_j == 0.0:
                s_j = 1.0
            sdr_down += s_j * part
        s_i = sdr[r, c]
        e_i = e_prime[r, c]
        if np.isnan(s_i) or np.isnan(e_i):
            continue
        if share_sum > 0:
            sdr_down /= share_sum
        if sdr_down < s_i:
            sdr_down = s_i
        dr = 1.0 if s_i == 1.0 else (sdr_down - s_i) / (1.0 - s_i)
        t_i = dr * inflow
        f_i = (1.0 - dr) * inflow + e_i
        dep[r, c] = t_i if t_i > 0.0 else 0.0
        # InVEST keeps f in a float32 raster between cells
        flux[r, c] = np.float64(np.float32(f_i)) if f_i > 0.0 else 0.0


_deposition = cast(
    Callable[[IntArray, FloatArray, FloatArray, FloatArray, FloatArray], None],
    numba.njit(cache=False, nogil=True)(_deposition_kernel),
)


def sediment_deposition_mfd(
    flow_dir: IntArray, e_prime: FloatArray, sdr: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Sediment deposition t and flux f routed over MFD directions, as InVEST's
    ``sdr_core.calculate_sediment_deposition`` (its ``sediment_deposition.h``)::

        t_i = dr_i · Σ_j f_j·p(j,i)
        f_i = (1 − dr_i) · Σ_j f_j·p(j,i) + E'_i
        dr_i = (S̄_down − SDR_i)/(1 − SDR_i)   (1 where SDR_i = 1)

    with p(j,i) the upslope cell j's share into i, S̄_down the 4-bit-share-weighted mean SDR of
    i's in-grid downslope neighbours (an SDR of 0 counts as 1; not below SDR_i), E' = USLE·(1 −
    SDR) (0 on streams). Negative t and f are set to 0. NaN where SDR or E' is NaN.

    Returns
    -------
    (deposition, flux) : float arrays, t ha⁻¹ yr⁻¹ (the units of E')
    """
    fd = np.ascontiguousarray(flow_dir, dtype=np.int32)
    e = np.ascontiguousarray(e_prime, dtype=np.float64)
    s = np.ascontiguousarray(sdr, dtype=np.float64)
    if not (fd.shape == e.shape == s.shape):
        raise ValueError(f"grids differ in shape: {fd.shape}, {e.shape}, {s.shape}")
    dep = np.empty(fd.shape)
    flux = np.empty(fd.shape)
    _deposition(fd, e, s, dep, flux)
    return dep, flux


# --------------------------------------------------------------------------- D8
#: D8 flow-direction value of a cell without direction (pygeoprocessing's nodata).
D8_NODATA = 128


def _flow_dir_d8_kernel(z: FloatArray, out: NDArray[np.uint8]) -> None:
    nr, nc = z.shape
    flat = np.zeros((nr, nc), dtype=np.bool_)
    dist = np.full((nr, nc), np.inf)
    for br in range(0, nr, _BLOCK):
        for bc in range(0, nc, _BLOCK):
            for r0 in range(br, min(br + _BLOCK, nr)):
                for c0 in range(bc, min(bc + _BLOCK, nc)):
                    h = z[r0, c0]
                    if np.isnan(h) or out[r0, c0] != 128:
                        continue
                    best = -1
                    best_slope = 0.0
                    for k in range(8):
                        rn = r0 + _ROWS[k]
                        cn = c0 + _COLS[k]
                        if rn < 0 or rn >= nr or cn < 0 or cn >= nc or np.isnan(z[rn, cn]):
                            continue
                        drop = h - z[rn, cn]
                        if k & 1:
                            drop *= _SQRT2_INV
                        if drop > best_slope:
                            best = k
                            best_slope = drop
                    if best >= 0:
                        out[r0, c0] = best
                        continue
                    if flat[r0, c0]:
                        continue
                    region = [np.int64(r0 * nc + c0)]
                    flat[r0, c0] = True
                    drains = [np.int64(0)]
                    drains.pop()
                    edge_drains = [np.int64(0)]
                    edge_drains.pop()
                    edge_dirs = [np.int64(0)]
                    edge_dirs.pop()
                    i = 0
                    while i < len(region):
                        cell = region[i]
                        i += 1
                        r = cell // nc
                        c = cell % nc
                        best = -1
                        best_slope = 0.0
                        diagonal_nodata = True
                        for k in range(8):
                            rn = r + _ROWS[k]
                            cn = c + _COLS[k]
                            if rn < 0 or rn >= nr or cn < 0 or cn >= nc or np.isnan(z[rn, cn]):
                                if diagonal_nodata and best_slope == 0.0:
                                    best = k
                                    diagonal_nodata = (k & 1) == 1
                                continue
                            drop = h - z[rn, cn]
                            if drop < 0.0:
                                continue
                            if drop == 0.0:
                                if not flat[rn, cn]:
                                    flat[rn, cn] = True
                                    region.append(np.int64(rn * nc + cn))
                                continue
                            if k & 1:
                                drop *= _SQRT2_INV
                            if drop > best_slope:
                                best_slope = drop
                                best = k
                        if best >= 0:
                            if best_slope > 0.0:
                                out[r, c] = best
                                drains.append(cell)
                            else:
                                edge_drains.append(cell)
                                edge_dirs.append(np.int64(best))
                    if len(drains) == 0:
                        for j in range(len(edge_drains)):
                            cell = edge_drains[j]
                            out[cell // nc, cell % nc] = edge_dirs[j]
                            drains.append(cell)
                    for cell in drains:
                        dist[cell // nc, cell % nc] = 0.0
                    i = 0
                    while i < len(drains):
                        cell = drains[i]
                        i += 1
                        r = cell // nc
                        c = cell % nc
                        for k in range(8):
                            rn = r + _ROWS[k]
                            cn = c + _COLS[k]
                            if rn < 0 or rn >= nr or cn < 0 or cn >= nc:
                                continue
                            nd = dist[r, c] + (_SQRT2 if k & 1 else 1.0)
                            if z[rn, cn] == h and dist[rn, cn] > nd:
                                out[rn, cn] = (k + 4) % 8
                                dist[rn, cn] = nd
                                drains.append(np.int64(rn * nc + cn))


_flow_dir_d8 = _jit(_flow_dir_d8_kernel)


def flow_dir_d8(filled_dem: FloatArray) -> NDArray[np.uint8]:
    """Single (steepest-descent) flow direction D8 of a pit-filled DEM, as pygeoprocessing's
    ``flow_dir_d8``: the neighbour with the largest drop (diagonal drops × 1/√2; the first
    direction wins a tie); flats drain along shortest paths to their lower exits (or, with
    none, to the edge/nodata, an orthogonal neighbour preferred).

    Returns a uint8 array of direction numbers 0–7, :data:`D8_NODATA` where undefined.
    """
    z = _as_grid(filled_dem)
    out = np.full(z.shape, D8_NODATA, dtype=np.uint8)
    _flow_dir_d8(z, out)
    return out


def _accumulation_d8_kernel(fd: NDArray[np.uint8], weight: FloatArray, acc: FloatArray) -> None:
    nr, nc = fd.shape
    indeg = np.zeros((nr, nc), dtype=np.uint8)
    for r in range(nr):
        for c in range(nc):
            k = fd[r, c]
            if k == 128:
                acc[r, c] = np.nan
                continue
            wt = weight[r, c]
            acc[r, c] = 0.0 if np.isnan(wt) else wt
            rn = r + _ROWS[k]
            cn = c + _COLS[k]
            if 0 <= rn < nr and 0 <= cn < nc and fd[rn, cn] != 128:
                indeg[rn, cn] += 1
    stack = [np.int64(0)]
    stack.pop()
    for r in range(nr):
        for c in range(nc):
            if fd[r, c] != 128 and indeg[r, c] == 0:
                stack.append(np.int64(r * nc + c))
    while len(stack) > 0:
        cell = stack.pop()
        r = cell // nc
        c = cell % nc
        k = fd[r, c]
        rn = r + _ROWS[k]
        cn = c + _COLS[k]
        if rn < 0 or rn >= nr or cn < 0 or cn >= nc or fd[rn, cn] == 128:
            continue
        acc[rn, cn] += acc[r, c]
        indeg[rn, cn] -= 1
        if indeg[rn, cn] == 0:
            stack.append(np.int64(rn * nc + cn))


_accumulation_d8 = _jit(_accumulation_d8_kernel)


def flow_accumulation_d8(flow_dir: NDArray[np.uint8], weight: FloatArray | None = None) -> FloatArray:
    """Flow accumulation over D8 directions, as pygeoprocessing's ``flow_accumulation_d8``:
    the cell's own weight (1 by default, so the cell counts itself) plus everything upstream;
    NaN where the direction is :data:`D8_NODATA`."""
    fd = np.ascontiguousarray(flow_dir, dtype=np.uint8)
    if fd.ndim != 2:
        raise ValueError(f"flow directions must be a 2-D array, got {fd.ndim} dimensions")
    w = np.ones(fd.shape) if weight is None else np.ascontiguousarray(weight, dtype=np.float64)
    if w.shape != fd.shape:
        raise ValueError(f"weight shape {w.shape} differs from flow-direction shape {fd.shape}")
    acc = np.empty(fd.shape, dtype=np.float64)
    _accumulation_d8(fd, w, acc)
    return acc


# --------------------------------------------------------------------------- streams
def _streams_kernel(
    acc: FloatArray, fd: IntArray, threshold: float, trace: float, out: NDArray[np.uint8]
) -> None:
    nr, nc = acc.shape
    open_set = [np.int64(0)]
    open_set.pop()
    back = [np.int64(0)]
    back.pop()
    for br in range(0, nr, _BLOCK):
        for bc in range(0, nc, _BLOCK):
            for r0 in range(br, min(br + _BLOCK, nr)):
                for c0 in range(bc, min(bc + _BLOCK, nc)):
                    if np.isnan(acc[r0, c0]) or out[r0, c0] != 255:
                        continue
                    out[r0, c0] = 0
                    if acc[r0, c0] < threshold:
                        continue
                    v = fd[r0, c0]
                    outlet = False
                    for k in range(8):
                        if (v >> (4 * k)) & 0xF == 0:
                            continue
                        rn = r0 + _ROWS[k]
                        cn = c0 + _COLS[k]
                        if rn < 0 or rn >= nr or cn < 0 or cn >= nc or np.isnan(acc[rn, cn]):
                            outlet = True
                            break
                    if not outlet:
                        continue
                    out[r0, c0] = 1
                    open_set.append(np.int64(r0 * nc + c0))
                    head = 0
                    while head < len(open_set):
                        cell = open_set[head]
                        head += 1
                        r = cell // nc
                        c = cell % nc
                        for k in range(8):
                            rs = r + _ROWS[k]
                            cs = c + _COLS[k]
                            if rs < 0 or rs >= nr or cs < 0 or cs >= nc or fd[rs, cs] == 0:
                                continue
                            if (fd[rs, cs] >> (4 * ((k + 4) % 8))) & 0xF == 0:
                                continue  # the neighbour does not flow into this cell
                            if out[rs, cs] == 1 or out[rs, cs] == 2:
                                continue
                            a = acc[rs, cs]
                            if a >= threshold:
                                out[rs, cs] = 1
                                open_set.append(np.int64(rs * nc + cs))
                                back.append(np.int64(rs * nc + cs))
                                while len(back) > 0:
                                    b = back.pop()
                                    rb = b // nc
                                    cb = b % nc
                                    vb = fd[rb, cb]
                                    for kb in range(8):
                                        if (vb >> (4 * kb)) & 0xF == 0:
                                            continue
                                        rd = rb + _ROWS[kb]
                                        cd = cb + _COLS[kb]
                                        if rd < 0 or rd >= nr or cd < 0 or cd >= nc:
                                            continue
                                        if out[rd, cd] == 2:
                                            out[rd, cd] = 1
                                            back.append(np.int64(rd * nc + cd))
                            elif a >= trace:
                                out[rs, cs] = 2
                                open_set.append(np.int64(rs * nc + cs))
                    open_set.clear()
    for r in range(nr):
        for c in range(nc):
            if out[r, c] == 2:
                out[r, c] = 0


_streams = cast(
    Callable[[FloatArray, IntArray, float, float, NDArray[np.uint8]], None],
    numba.njit(cache=False, nogil=True)(_streams_kernel),
)

#: Stream-raster value of a cell without flow accumulation (nodata).
STREAM_NODATA = 255


def streams_mfd(
    flow_accumulation: FloatArray,
    flow_dir: IntArray,
    threshold: float,
    trace_threshold_proportion: float = 0.7,
) -> NDArray[np.uint8]:
    """Stream cells (河网) traced upstream from the outlets, as pygeoprocessing's
    ``extract_streams_mfd`` (InVEST SDR calls it with ``trace_threshold_proportion=0.7``).

    From every cell with accumulation ≥ ``threshold`` that sends flow off the grid, streams
    grow upstream into cells with accumulation ≥ ``threshold``; cells with accumulation
    ≥ ``trace_threshold_proportion × threshold`` are kept only where they connect such a cell
    downstream to the network.

    Parameters
    ----------
    flow_accumulation : 2-D float array, cells
        From :func:`flow_accumulation_mfd` (NaN = nodata).
    flow_dir : 2-D int32 array
        Packed MFD directions.
    threshold : float, cells
        InVEST's ``threshold_flow_accumulation``.
    trace_threshold_proportion : float
        Fraction of ``threshold`` a connecting cell needs.

    Returns
    -------
    2-D uint8 array
        1 stream, 0 not a stream, :data:`STREAM_NODATA` where the accumulation is NaN.
    """
    acc = np.ascontiguousarray(flow_accumulation, dtype=np.float64)
    fd = np.ascontiguousarray(flow_dir, dtype=np.int32)
    if acc.shape != fd.shape:
        raise ValueError(f"accumulation shape {acc.shape} differs from flow-direction shape {fd.shape}")
    out = np.full(acc.shape, STREAM_NODATA, dtype=np.uint8)
    _streams(acc, fd, float(threshold), float(trace_threshold_proportion) * float(threshold), out)
    return out


def streams_d8(flow_accumulation: FloatArray, threshold: float) -> NDArray[np.uint8]:
    """Stream cells of a D8 accumulation, as pygeoprocessing's ``extract_streams_d8``: 1 where
    the accumulation is strictly greater than ``threshold`` (cells), 0 elsewhere,
    :data:`STREAM_NODATA` where it is NaN. (The MFD tracer uses ≥; the two differ upstream.)"""
    acc = np.asarray(flow_accumulation, dtype=np.float64)
    out = np.where(np.isnan(acc), STREAM_NODATA, np.where(acc > threshold, 1, 0)).astype(np.uint8)
    return out


def _as_grid(dem: FloatArray) -> FloatArray:
    z = np.ascontiguousarray(dem, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"the DEM must be a 2-D array, got {z.ndim} dimensions")
    return z
