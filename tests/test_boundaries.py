"""District and park boundaries: geometry checks, point in polygon, the demo city's cells,
GeoJSON files and bad input (P090–P092)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.data.boundaries import contains, parse_geometry
from qingshan.data.demo import generate_demo_city
from qingshan.data.demo.geography import nearest, voronoi_cells
from qingshan.data.package import write_csv_package
from qingshan.data.validate import check_package

SQUARE_WITH_HOLE = {"type": "Polygon", "coordinates": [
    [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
    [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]]}


def _area(ring: list[tuple[float, float]]) -> float:
    """Shoelace formula."""
    return 0.5 * abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)))


def test_point_in_polygon_with_a_hole() -> None:
    lon = np.array([0.5, 1.5, 3.0, 5.0, 3.9, -0.1])
    lat = np.array([0.5, 1.5, 3.0, 1.0, 0.1, 2.0])
    # inside, in the hole, inside, right of it, inside near a corner, left of it
    assert contains(SQUARE_WITH_HOLE, lon, lat).tolist() == [True, False, True, False, True, False]
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE_WITH_HOLE["coordinates"],
                                                      [[[10, 10], [11, 10], [11, 11], [10, 10]]]]}
    assert contains(multi, np.array([10.9, 10.1]), np.array([10.5, 10.5])).tolist() == [True, False]


def test_geometry_checks_say_what_is_wrong() -> None:
    assert parse_geometry(json.dumps(SQUARE_WITH_HOLE))[0] is not None
    cases = {
        "{": "not JSON",
        '{"type": "Point", "coordinates": [1, 2]}': "not a Polygon",
        '{"type": "Polygon", "coordinates": [[[0,0],[1,0],[0,0]]]}': "at least 4",
        '{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1]]]}': "end where it starts",
        '{"type": "Polygon", "coordinates": [[[0,0],[200,0],[1,1],[0,0]]]}': "out of range",
    }
    for text, why in cases.items():
        g, msg = parse_geometry(text)
        assert g is None and why in msg, text


def test_voronoi_cells_tile_the_box() -> None:
    centres = [(0.2, 0.3), (0.7, 0.2), (0.5, 0.8), (0.9, 0.9)]
    cells = voronoi_cells(centres, (0, 0, 1, 1))
    assert abs(sum(_area(c) for c in cells) - 1.0) < 1e-12
    # two centres: the bisector x = 0.5 halves the unit box
    halves = voronoi_cells([(0.25, 0.5), (0.75, 0.5)], (0, 0, 1, 1))
    assert [_area(c) for c in halves] == [0.5, 0.5]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 0.99), st.floats(0.01, 0.99)), min_size=2, max_size=6, unique=True),
       st.lists(st.tuples(st.floats(0.001, 0.999), st.floats(0.001, 0.999)), min_size=1, max_size=30))
def test_a_point_lies_in_the_cell_of_its_nearest_centre(centres: list[tuple[float, float]],
                                                         pts: list[tuple[float, float]]) -> None:
    c = np.asarray(centres)
    if min(np.hypot(*(c[i] - c[j])) for i in range(len(c)) for j in range(i)) < 1e-3:
        return  # near-coincident centres: degenerate cells
    lon, lat = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    near = nearest(centres, lon, lat)
    d2 = (lon[:, None] - c[None, :, 0]) ** 2 + (lat[:, None] - c[None, :, 1]) ** 2
    clear = np.sort(d2, axis=1)[:, 1] - d2.min(axis=1) > 1e-9  # not on a bisector
    for k, cell in enumerate(voronoi_cells(centres, (0, 0, 1, 1))):
        g = {"type": "Polygon", "coordinates": [[*map(list, cell), list(cell[0])]]}
        inside = contains(g, lon, lat)
        assert (inside[clear] == (near[clear] == k)).all()


def test_demo_city_has_a_boundary_for_every_district_and_park(tmp_path: Path) -> None:
    city = generate_demo_city(enterprises=200, years=range(2024, 2025))
    write_csv_package(city, tmp_path / "p")
    pkg, problems = check_package(tmp_path / "p")
    assert problems == []  # every enterprise inside its district (no P092)
    areas = pkg.entities.loc[pkg.entities["entity_type"].isin(["district", "park"]), "entity_id"]
    assert set(pkg.boundaries["entity_id"]) == set(areas)


def test_a_geojson_file_and_bad_boundaries(tmp_path: Path) -> None:
    city = generate_demo_city(enterprises=60, years=range(2024, 2025))
    b = city.pop("boundaries")
    d = write_csv_package(city, tmp_path / "p")
    feats = [{"type": "Feature", "properties": {"entity_id": e}, "geometry": json.loads(g)}
             for e, g in zip(b["entity_id"], b["geometry"], strict=True)]
    feats[1]["properties"]["entity_id"] = "NOWHERE"  # P091
    feats[2]["geometry"] = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}  # P090
    # district 459902 shrunk to a tiny square away from its enterprises: P092 for each of them
    feats[0]["geometry"] = {"type": "Polygon", "coordinates": [[[100, 20], [100.001, 20], [100.001, 20.001],
                                                                 [100, 20.001], [100, 20]]]}
    (d / "boundaries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    pkg, problems = check_package(d)
    by = {p.code: p for p in reversed(problems)}
    assert by["P091"].file == "boundaries.geojson" and by["P091"].row == 2 and by["P091"].value == "NOWHERE"
    assert by["P090"].row == 3 and "not a Polygon" in by["P090"].expected_en
    ent = pkg.entities
    n_first = int(((ent["entity_type"] == "enterprise") & (ent["district_id"] == feats[0]["properties"]["entity_id"])
                   & ent["lon"].notna()).sum())
    p092 = [p for p in problems if p.code == "P092"]
    assert len(p092) == n_first > 0 and all(p.severity == "warning" and p.file == "entities.csv" for p in p092)
    assert isinstance(pkg.boundaries, pd.DataFrame)


def test_a_broken_geojson_file_is_reported(tmp_path: Path) -> None:
    city = generate_demo_city(enterprises=20, years=range(2024, 2025))
    city.pop("boundaries")
    d = write_csv_package(city, tmp_path / "p")
    (d / "boundaries.geojson").write_text("{not json", "utf-8")
    _, problems = check_package(d)
    assert [(p.code, p.file) for p in problems] == [("P001", "boundaries.geojson")]


def test_a_geojson_file_with_odd_features_is_reported_not_crashed(tmp_path: Path) -> None:
    city = generate_demo_city(enterprises=20, years=range(2024, 2025))
    city.pop("boundaries")
    d = write_csv_package(city, tmp_path / "p")
    doc = {"type": "FeatureCollection", "features": ["not a feature", {"properties": "x", "geometry": None}]}
    (d / "boundaries.geojson").write_text(json.dumps(doc), "utf-8")
    _, problems = check_package(d)
    codes = sorted((p.code, p.row) for p in problems if p.file == "boundaries.geojson")
    # each feature lacks an entity_id and a geometry (P010 twice) and names no district or park
    # (P091); the second repeats the first's (empty) key (P035)
    assert codes == [("P010", 1), ("P010", 1), ("P010", 2), ("P010", 2), ("P035", 2), ("P091", 1), ("P091", 2)]
