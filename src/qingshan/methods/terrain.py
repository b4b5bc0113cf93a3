"""Terrain derivatives of a digital elevation model (DEM, 数字高程模型): slope (坡度).

The slope is the one InVEST's sediment delivery ratio model uses (it calls
``pygeoprocessing.calculate_slope``, pygeoprocessing 2.4.x ``geoprocessing_core.pyx``):
a 3 × 3 finite difference in the manner of Horn (1981) — the centre row/column weighted
twice — described by pygeoprocessing as Zevenbergen & Thorne (1987) extended with the
diagonal cells. With the neighbours named ::

    a b c
    d e f
    g h i

dz/dx = ((a + 2d + g) − (c + 2f + i)) / (8·Δx) and dz/dy = ((a + 2b + c) − (g + 2h + i)) / (8·Δy),
slope = 100·√((dz/dx)² + (dz/dy)²) in percent (m rise per 100 m run).

Missing neighbours (outside the raster or nodata) follow pygeoprocessing's rule, term by
term: for an outer row/column pair (e.g. a–c) use the pair if both exist (weight 2), else
a–b or b–c (weight 1), else the lone corner against the centre times √2 (weight 1); for the
middle pair d–f use both (weight 4) or one against the centre (weight 2). The divisor is the
sum of the weights used times the cell size; a direction with no usable term has zero
gradient. The function is local (3 × 3), so a window with a one-cell halo gives the same
result as the whole raster.

References
----------
Horn, B. K. P. (1981). Hill shading and the reflectance map. Proc. IEEE 69(1), 14–47.
Zevenbergen, L. W. & Thorne, C. R. (1987). Quantitative analysis of land surface
topography. Earth Surf. Process. Landforms 12, 47–56.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["slope_percent"]

_SQRT2 = float(np.sqrt(2.0))

FloatArray = NDArray[np.float64]


def _outer_pair(
    p: FloatArray, q: FloatArray, r: FloatArray, e: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Contribution (difference sum, weight) of an outer triple p, q, r (q between p and r)."""
    vp, vq, vr, = ~np.isnan(p), ~np.isnan(q), ~np.isnan(r)
    both = vp & vr
    pq = ~both & vp & vq
    qr = ~both & ~pq & vq & vr
    lone_p = ~both & ~pq & ~qr & vp
    lone_r = ~both & ~pq & ~qr & ~lone_p & vr
    with np.errstate(invalid="ignore"):
        diff = np.where(both, p - r, 0.0)
        diff = np.where(pq, p - q, diff)
        diff = np.where(qr, q - r, diff)
        diff = np.where(lone_p, (p - e) * _SQRT2, diff)
        diff = np.where(lone_r, (e - r) * _SQRT2, diff)
    weight = np.where(both, 2.0, np.where(pq | qr | lone_p | lone_r, 1.0, 0.0))
    return diff, weight


def _middle_pair(p: FloatArray, r: FloatArray, e: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Contribution (difference sum, weight) of the centre-row/column pair p, r around e."""
    vp, vr = ~np.isnan(p), ~np.isnan(r)
    with np.errstate(invalid="ignore"):
        diff = np.where(vp & vr, 2.0 * (p - r), 0.0)
        diff = np.where(vp & ~vr, 2.0 * (p - e), diff)
        diff = np.where(~vp & vr, 2.0 * (e - r), diff)
    weight = np.where(vp & vr, 4.0, np.where(vp ^ vr, 2.0, 0.0))
    return diff, weight


def slope_percent(dem: FloatArray, cell_size_x: float, cell_size_y: float) -> FloatArray:
    """Slope of a DEM in percent, as ``pygeoprocessing.calculate_slope`` computes it.

    Parameters
    ----------
    dem : 2-D float array, m
        Elevations; NaN marks nodata. Cells outside the array count as nodata.
    cell_size_x, cell_size_y : float, m
        Cell width and height (the sign is ignored).

    Returns
    -------
    2-D float array, %
        Slope 100·tan θ; NaN where the DEM is NaN.
    """
    z = np.asarray(dem, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"the DEM must be a 2-D array, got {z.ndim} dimensions")
    dx, dy = abs(float(cell_size_x)), abs(float(cell_size_y))
    if not (dx > 0 and dy > 0):
        raise ValueError(f"cell sizes must be positive, got {cell_size_x}, {cell_size_y}")
    p = np.pad(z, 1, constant_values=np.nan)
    a, b, c = p[:-2, :-2], p[:-2, 1:-1], p[:-2, 2:]
    d, f = p[1:-1, :-2], p[1:-1, 2:]
    g, h, i = p[2:, :-2], p[2:, 1:-1], p[2:, 2:]
    # full 3 x 3 neighbourhood: the plain formula (NaN wherever a neighbour is missing)
    dzdx = ((a + 2.0 * d + g) - (c + 2.0 * f + i)) / (8.0 * dx)
    dzdy = ((a + 2.0 * b + c) - (g + 2.0 * h + i)) / (8.0 * dy)
    out: FloatArray = 100.0 * np.hypot(dzdx, dzdy)
    out[np.isnan(z)] = np.nan
    # cells with a missing neighbour: pygeoprocessing's term-by-term rule, on those cells only
    rows, cols = np.nonzero(np.isnan(out) & ~np.isnan(z))
    if rows.size:
        def nb(dr: int, dc: int) -> FloatArray:
            return p[rows + 1 + dr, cols + 1 + dc]

        e = z[rows, cols]
        na, nb_, nc = nb(-1, -1), nb(-1, 0), nb(-1, 1)
        nd, nf = nb(0, -1), nb(0, 1)
        ng, nh, ni = nb(1, -1), nb(1, 0), nb(1, 1)
        terms_x = (_outer_pair(na, nb_, nc, e), _middle_pair(nd, nf, e), _outer_pair(ng, nh, ni, e))
        terms_y = (_outer_pair(na, nd, ng, e), _middle_pair(nb_, nh, e), _outer_pair(nc, nf, ni, e))
        sx = sum(t[0] for t in terms_x)
        wx = sum(t[1] for t in terms_x)
        sy = sum(t[0] for t in terms_y)
        wy = sum(t[1] for t in terms_y)
        with np.errstate(invalid="ignore", divide="ignore"):
            gx = np.where(wx > 0, sx / (wx * dx), 0.0)
            gy = np.where(wy > 0, sy / (wy * dy), 0.0)
        out[rows, cols] = 100.0 * np.hypot(gx, gy)
    return out
