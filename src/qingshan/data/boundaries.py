"""District and park boundaries (边界) for the one-map: GeoJSON geometries (RFC 7946,
WGS 84 longitude/latitude), read from the package's optional ``boundaries`` table or from a
``boundaries.geojson`` FeatureCollection, and checked against the entities.

Problem codes P090–P092 (docs/data-package.md); a ``boundaries.geojson`` larger or nested
deeper than a boundary file can be is refused before it is parsed (P007).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qingshan.data.files import MAX_GEOJSON_BYTES, MAX_JSON_DEPTH, json_depth, open_binary
from qingshan.errors import Problem

GEOJSON_NAME = "boundaries.geojson"


def read_geojson(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """A ``boundaries.geojson`` FeatureCollection as rows ``entity_id, geometry`` (text),
    with the feature number as the row; each feature names its entity in
    ``properties.entity_id``."""
    with open_binary(path) as fh:
        data = fh.read(MAX_GEOJSON_BYTES + 1)
    if len(data) > MAX_GEOJSON_BYTES:
        problems.append(Problem("P007", path.name, None, None, None,
                                f"GeoJSON 文件超过 {MAX_GEOJSON_BYTES >> 20} MB，不读取",
                                f"the GeoJSON file is larger than {MAX_GEOJSON_BYTES >> 20} MB; not read"))
        return None
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        problems.append(Problem("P007", path.name, None, None, str(depth),
                                f"GeoJSON 嵌套 {depth} 层，超过上限 {MAX_JSON_DEPTH} 层（多面要素集合只需 6 层）",
                                f"the GeoJSON is nested {depth} levels deep, more than the limit of "
                                f"{MAX_JSON_DEPTH} (a FeatureCollection of MultiPolygons needs 6)"))
        return None
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        problems.append(Problem("P001", path.name, None, None, None,
                                f"无法解析 GeoJSON：{exc}", f"cannot parse GeoJSON: {exc}"))
        return None
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        problems.append(Problem("P001", path.name, None, None, None,
                                "应为 GeoJSON FeatureCollection", "expected a GeoJSON FeatureCollection"))
        return None
    rows = []
    for f in feats:
        feat: dict[str, Any] = f if isinstance(f, dict) else {}
        raw_props = feat.get("properties")
        props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
        geom = feat.get("geometry")
        rows.append({"entity_id": str(props.get("entity_id", "")).strip(),
                     "geometry": json.dumps(geom, ensure_ascii=False) if geom is not None else ""})
    return pd.DataFrame(rows, columns=["entity_id", "geometry"])


def parse_geometry(text: str) -> tuple[dict[str, Any] | None, str]:
    """A Polygon or MultiPolygon from GeoJSON text, or ``None`` and what is wrong."""
    depth = json_depth(text.encode("utf-8"))
    if depth > MAX_JSON_DEPTH:
        return None, f"nested {depth} levels deep, more than {MAX_JSON_DEPTH}"
    try:
        g = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None, "not JSON"
    if not isinstance(g, dict) or g.get("type") not in ("Polygon", "MultiPolygon"):
        return None, "not a Polygon or MultiPolygon"
    polys = [g.get("coordinates")] if g["type"] == "Polygon" else g.get("coordinates")
    if not isinstance(polys, list) or not polys:
        return None, "no coordinates"
    for poly in polys:
        if not isinstance(poly, list) or not poly:
            return None, "a polygon without rings"
        for ring in poly:
            try:
                a = np.asarray(ring, dtype=float)
            except (TypeError, ValueError):
                return None, "coordinates are not numbers"
            if a.ndim != 2 or a.shape[1] < 2 or len(a) < 4:
                return None, "a ring needs at least 4 [lon, lat] positions"
            if not np.array_equal(a[0, :2], a[-1, :2]):
                return None, "a ring must end where it starts"
            if (np.abs(a[:, 0]) > 180).any() or (np.abs(a[:, 1]) > 90).any():
                return None, "longitude or latitude out of range"
    return g, ""


def _rings(g: dict[str, Any]) -> list[list[np.ndarray]]:
    polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    return [[np.asarray(r, dtype=float)[:, :2] for r in poly] for poly in polys]


def _in_ring(ring: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Even-odd ray casting for many points against one ring."""
    inside = np.zeros(lon.shape, dtype=bool)
    x0, y0 = ring[:-1, 0], ring[:-1, 1]
    x1, y1 = ring[1:, 0], ring[1:, 1]
    for ax, ay, bx, by in zip(x0, y0, x1, y1, strict=True):
        crosses = (ay > lat) != (by > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = ax + (lat - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (lon < xc)
    return inside


def contains(g: dict[str, Any], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Which points lie inside the (Multi)Polygon ``g`` (holes excluded)."""
    out = np.zeros(lon.shape, dtype=bool)
    for poly in _rings(g):
        inside = _in_ring(poly[0], lon, lat)
        for hole in poly[1:]:
            inside &= ~_in_ring(hole, lon, lat)
        out |= inside
    return out


def check_boundaries(b: pd.DataFrame, ent: pd.DataFrame, problems: list[Problem], *,
                     references: bool = True) -> pd.DataFrame:
    """Check the boundaries against the entities; return them with a parsed ``shape``.

    P090 geometry that is not a valid Polygon/MultiPolygon; P091 ``entity_id`` that is not a
    district or park; P092 (warning) an enterprise whose coordinates lie outside its
    district's boundary. Without ``references`` (the entities could not be read) only the
    geometries are checked."""
    if b.empty:
        return b.assign(shape=pd.Series(dtype=object))
    # a missing geometry is already P010 (required cell); only a present one is parsed
    parsed = [parse_geometry(t) if isinstance(t, str) and t else (None, "") for t in b["geometry"]]
    b = b.assign(shape=pd.Series([g for g, _ in parsed], index=b.index, dtype=object))
    for (_, r), (g, why) in zip(b.iterrows(), parsed, strict=True):
        if g is None and why:
            problems.append(Problem("P090", str(r["_file"]), int(r["_row"]), "geometry", str(r["geometry"])[:60],
                                    f"应为 GeoJSON Polygon 或 MultiPolygon（{why}）",
                                    f"expected a GeoJSON Polygon or MultiPolygon ({why})"))
    if not references:
        return b
    areas = set(ent.loc[ent["entity_type"].isin(["district", "park"]), "entity_id"].dropna())
    for _, r in b[~b["entity_id"].isin(areas)].iterrows():
        problems.append(Problem("P091", str(r["_file"]), int(r["_row"]), "entity_id", str(r["entity_id"]),
                                "应为某区县或园区的 entity_id", "expected the entity_id of a district or park"))
    shapes = {e: g for e, g in zip(b["entity_id"], b["shape"], strict=True) if g is not None}
    firms = ent[(ent["entity_type"] == "enterprise") & ent["lon"].notna() & ent["lat"].notna()]
    for d, grp in firms.groupby("district_id"):
        g = shapes.get(str(d))
        if g is None:
            continue
        out = ~contains(g, grp["lon"].to_numpy(float), grp["lat"].to_numpy(float))
        for _, r in grp[out].iterrows():
            problems.append(Problem(
                "P092", str(r["_file"]), int(r["_row"]), "lon", f"{r['lon']}, {r['lat']}",
                f"坐标不在所属区县 {d} 的边界内", f"the coordinates are outside the boundary of its district {d}",
                severity="warning"))
    return b


def feature_collection(b: pd.DataFrame, ent: pd.DataFrame) -> dict[str, Any]:
    """The checked boundaries as a GeoJSON FeatureCollection, with each area's name and type."""
    names = ent.set_index("entity_id")
    feats = []
    for e, g in zip(b["entity_id"], b["shape"], strict=True):
        if g is None or e not in names.index:
            continue
        feats.append({"type": "Feature", "geometry": g,
                      "properties": {"entity_id": e, "name": names.at[e, "name"],
                                     "entity_type": names.at[e, "entity_type"]}})
    return {"type": "FeatureCollection", "features": feats}
