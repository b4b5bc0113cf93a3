"""The demo city's map: district boundaries and park outlines (fictional).

District boundaries are the Voronoi cells of the district centres inside the city's box
(``[city] bbox`` in demo_calibration.toml), so "inside district d" means "nearer to d's centre
than to any other", in degrees. Parks are drawn as 24-sided polygons of their radius.
Enterprise coordinates drawn outside their district's cell are pulled towards the district
centre (no random numbers are used, so every other table is unchanged).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qingshan.data.demo._arrays import FloatArray, IntArray

Point = tuple[float, float]


def _clip(poly: list[Point], a: Point, b: float) -> list[Point]:
    """Sutherland–Hodgman: the part of ``poly`` where ``a·x <= b``."""
    out: list[Point] = []
    for i, p in enumerate(poly):
        q = poly[(i + 1) % len(poly)]
        fp = a[0] * p[0] + a[1] * p[1] - b
        fq = a[0] * q[0] + a[1] * q[1] - b
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def voronoi_cells(centres: Sequence[Point], bbox: Sequence[float]) -> list[list[Point]]:
    """Each centre's Voronoi cell clipped to ``bbox`` (lon_min, lat_min, lon_max, lat_max),
    as an open ring in counter-clockwise order."""
    x0, y0, x1, y1 = (float(v) for v in bbox)
    cells = []
    for i, (cx, cy) in enumerate(centres):
        poly: list[Point] = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        for j, (ox, oy) in enumerate(centres):
            if j != i:  # keep x nearer to c than to o: 2 x·(o - c) <= |o|² - |c|²
                poly = _clip(poly, (2 * (ox - cx), 2 * (oy - cy)), ox * ox + oy * oy - cx * cx - cy * cy)
        cells.append(poly)
    return cells


def nearest(centres: Sequence[Point], lon: FloatArray, lat: FloatArray) -> IntArray:
    c = np.asarray(centres, dtype=np.float64)
    d2 = (lon[:, None] - c[None, :, 0]) ** 2 + (lat[:, None] - c[None, :, 1]) ** 2
    out: IntArray = d2.argmin(axis=1)
    return out


#: How far inside its own cell a point must lie, in degrees (about 10 m): ten times the
#: rounding of the boundary's vertices (5 decimals), so a point is inside the boundary as
#: drawn, not only inside the exact cell.
MARGIN_DEG = 1e-4


def pull_inside(centres: Sequence[Point], district: IntArray, lon: FloatArray,
                lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Move points that lie nearer another district's centre, or within
    :data:`MARGIN_DEG` of their cell's edge, halfway to their own centre, until each lies
    well inside its own cell (the centre itself always does)."""
    c = np.asarray(centres, dtype=np.float64)
    lon, lat = lon.copy(), lat.copy()
    sep = np.hypot(c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1])
    np.fill_diagonal(sep, 1.0)  # a cell's own column, replaced by inf below
    own = np.arange(len(district))
    for _ in range(40):
        d2 = (lon[:, None] - c[None, :, 0]) ** 2 + (lat[:, None] - c[None, :, 1]) ** 2
        # distance to the bisector with each other centre (positive on the own side)
        gap = (d2 - d2[own, district][:, None]) / (2 * sep[district])
        gap[own, district] = np.inf
        out = gap.min(axis=1) < MARGIN_DEG
        if not out.any():
            break
        lon[out] = ((lon[out] + c[district[out], 0]) / 2).round(5)
        lat[out] = ((lat[out] + c[district[out], 1]) / 2).round(5)
    return lon, lat


def _ring(points: Sequence[Point]) -> list[list[float]]:
    ring = [[round(x, 5), round(y, 5)] for x, y in points]
    return [*ring, ring[0]]


def _circle(lon: float, lat: float, r: float, sides: int = 24) -> list[Point]:
    return [(lon + r * math.cos(2 * math.pi * k / sides), lat + r * math.sin(2 * math.pi * k / sides))
            for k in range(sides)]


def boundaries_frame(raw: dict[str, Any]) -> pd.DataFrame:
    """The ``boundaries`` table: one GeoJSON Polygon per district and park."""
    districts, parks = raw["district"], raw["park"]
    cells = voronoi_cells([(float(d["lon"]), float(d["lat"])) for d in districts], raw["city"]["bbox"])
    rows = [(d["entity_id"], {"type": "Polygon", "coordinates": [_ring(cell)]})
            for d, cell in zip(districts, cells, strict=True)]
    rows += [(p["entity_id"], {"type": "Polygon", "coordinates": [
        _ring(_circle(float(p["lon"]), float(p["lat"]), float(p["radius"])))]}) for p in parks]
    return pd.DataFrame({"entity_id": [e for e, _ in rows],
                         "geometry": [json.dumps(g, separators=(",", ":")) for _, g in rows]})
