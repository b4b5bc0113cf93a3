"""A map of points over the district outlines, drawn as inline SVG by the template
``_point_map.html``: monitoring stations, water sections, anything placed by longitude and
latitude. The outlines come from the package's boundaries (WGS 84, data/boundaries.py); no
tiles and no script are needed, so the map prints and works offline.

Projection: equirectangular about the middle latitude of what is shown (x ∝ longitude ×
cos φ₀, y ∝ −latitude), which keeps a city's shapes and distances true to within a fraction
of a per cent over the few tenths of a degree a city spans. It is for orientation, not for
measuring.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qingshan.city import City

#: blank margin around the drawing, in SVG units
PAD = 12.0
#: the SVG coordinates are rounded to this many decimals (0.1 of a unit: below a screen pixel)
DECIMALS = 1


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    """The rings (outer and holes) of a GeoJSON Polygon or MultiPolygon."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return [list(r) for r in coords]
    if kind == "MultiPolygon":
        return [list(r) for poly in coords for r in poly]
    return []


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def _label_point(rings: Sequence[list[list[float]]]) -> tuple[float, float] | None:
    """Where an area's label goes: the centroid (shoelace formula) of its largest ring, in
    longitude and latitude (the mean of its vertices for a ring without area)."""
    best: tuple[float, float, float] | None = None  # (|area|, x, y)
    for ring in rings:
        pts = [(float(c[0]), float(c[1])) for c in ring]
        if len(pts) < 3:
            continue
        a = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
            cross = x0 * y1 - x1 * y0
            a += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(a) < 1e-15:
            cand = (0.0, sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts))
        else:
            cand = (abs(a) / 2, cx / (3 * a), cy / (3 * a))
        if best is None or cand[0] > best[0]:
            best = cand
    return None if best is None else (best[1], best[2])


def point_map(city: City, points: Sequence[Mapping[str, Any]], *, legend: Sequence[Mapping[str, Any]],
              district: str | None = None, width: int = 640, fills: Mapping[str, str] | None = None
              ) -> dict[str, Any]:
    """The map's document: the districts' outlines as SVG paths (``areas``), the points
    with their SVG positions (``points``, each as given plus ``x`` and ``y``), the legend as
    given, and the codes of the points without coordinates (``missing``: listed beside the
    map, never dropped silently). With ``district``, only that district's outline is drawn.

    Each point is a mapping with ``code``, ``name``, ``lon``, ``lat`` (degrees, WGS 84),
    ``category`` (a legend ``key``), and optionally ``href`` and ``tip`` (text shown on
    hover). The longer side of the drawing is ``width`` units; the other follows the shapes.

    ``fills`` (district code → a legend ``key``) colours those districts' areas: each area
    then carries ``fill`` (the key, ``None`` for a district not named) and the SVG position
    of its label (``lx``, ``ly``: the centroid of its largest ring), where the template
    writes the legend entry's name (its ``mark``, if it has one) so that colour is never the
    only carrier. Without ``fills`` the areas are as before.
    """
    ent = city.package.entities
    kinds = dict(zip(ent["entity_id"].astype(str), ent["entity_type"].astype(str), strict=True))
    names = dict(zip(ent["entity_id"].astype(str), ent["name"].astype(str), strict=True))
    b = city.package.boundaries
    outlines: list[tuple[str, list[list[list[float]]]]] = []
    if b is not None and len(b):
        for code, shape in zip(b["entity_id"].astype(str), b["shape"], strict=True):
            if shape is None or kinds.get(code) != "district" or (district is not None and code != district):
                continue
            outlines.append((code, _rings(shape)))
    placed = [p for p in points if _finite(p.get("lon")) and _finite(p.get("lat"))]
    missing = [str(p.get("code")) for p in points if p not in placed]
    xs: list[float] = [float(p["lon"]) for p in placed]
    ys: list[float] = [float(p["lat"]) for p in placed]
    for _, rings in outlines:
        for ring in rings:
            xs.extend(float(c[0]) for c in ring)
            ys.extend(float(c[1]) for c in ring)
    if not xs:
        return {"width": width, "height": 0, "areas": [], "points": [], "legend": list(legend), "missing": missing}
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    k = math.cos(math.radians((lat0 + lat1) / 2))
    span_x = (lon1 - lon0) * k
    span_y = lat1 - lat0
    # the longer side fills ``width``; a single point (no span) sits in the middle
    scale = (width - 2 * PAD) / max(span_x, span_y, 1e-9)
    if max(span_x, span_y) < 1e-9:
        scale = 0.0
    drawn_w = round(span_x * scale + 2 * PAD, DECIMALS)
    height = round(span_y * scale + 2 * PAD, DECIMALS)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (round(PAD + (lon - lon0) * k * scale, DECIMALS), round(PAD + (lat1 - lat) * scale, DECIMALS))

    def path(rings: Iterable[list[list[float]]]) -> str:
        parts = []
        for ring in rings:
            pts = [xy(float(c[0]), float(c[1])) for c in ring]
            if pts:
                parts.append("M" + " L".join(f"{x:g},{y:g}" for x, y in pts) + " Z")
        return " ".join(parts)

    areas: list[dict[str, Any]] = [{"code": code, "name": names.get(code, code), "d": path(rings)}
                                   for code, rings in sorted(outlines)]
    if fills is not None:
        for area, (_, rings) in zip(areas, sorted(outlines), strict=True):
            spot = _label_point(rings)
            lx, ly = xy(*spot) if spot is not None else (None, None)
            area.update({"fill": fills.get(area["code"]), "lx": lx, "ly": ly})
    out_points = []
    for p in placed:
        x, y = xy(float(p["lon"]), float(p["lat"]))
        out_points.append({**p, "x": x, "y": y})
    return {"width": drawn_w, "height": height, "areas": areas, "points": out_points,
            "legend": list(legend), "missing": missing}
