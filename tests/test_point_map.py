"""The point map's projection and bookkeeping (documents/point_map.py), worked by hand."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from qingshan.documents.point_map import PAD, point_map

LEGEND = [{"key": "a", "colour": "#00e400", "zh": "甲", "en": "A"}]


def _city(shapes: dict[str, Any]) -> Any:
    ent = pd.DataFrame({"entity_id": ["D1", "D2", "P1"], "name": ["东区", "西区", "园区"],
                        "entity_type": ["district", "district", "park"]})
    b = pd.DataFrame({"entity_id": list(shapes), "shape": list(shapes.values())})
    return SimpleNamespace(package=SimpleNamespace(entities=ent, boundaries=b))


def _square(lon: float, lat: float, side: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_projection_by_hand() -> None:
    # one district 0.2° × 0.2° at 30–30.2°N; cos(30.1°) = 0.86530 shrinks the x span to
    # 0.17306 of a degree; the longer side (latitude, 0.2°) fills 640 − 2·12 = 616 units,
    # so one degree is 3 080 units.
    city = _city({"D1": _square(120.0, 30.0, 0.2), "P1": _square(120.05, 30.05, 0.05)})
    pts: list[dict[str, Any]] = [{"code": "s1", "name": "站一", "lon": 120.1, "lat": 30.1, "category": "a"},
           {"code": "s2", "name": "站二", "lon": None, "lat": 30.1, "category": "a"}]
    m = point_map(city, pts, legend=LEGEND)
    k = math.cos(math.radians(30.1))
    scale = 616 / 0.2
    assert m["height"] == pytest.approx(640.0)
    assert m["width"] == pytest.approx(round(0.2 * k * scale + 2 * PAD, 1))
    (p,) = m["points"]
    assert p["x"] == pytest.approx(round(PAD + 0.1 * k * scale, 1))
    assert p["y"] == pytest.approx(round(PAD + 0.1 * scale, 1))
    assert m["missing"] == ["s2"]          # listed, never dropped silently
    assert [a["code"] for a in m["areas"]] == ["D1"]   # parks are not drawn
    assert m["areas"][0]["d"].startswith("M12,628 L")  # the south-west corner: 12 + 0.2 × 3080


def test_one_district_only_and_no_boundaries() -> None:
    city = _city({"D1": _square(120.0, 30.0, 0.2), "D2": _square(119.8, 30.0, 0.2)})
    m = point_map(city, [], legend=LEGEND, district="D2")
    assert [a["code"] for a in m["areas"]] == ["D2"]
    empty: Any = SimpleNamespace(package=SimpleNamespace(entities=city.package.entities, boundaries=None))
    assert point_map(empty, [], legend=LEGEND)["points"] == []


def test_point_order_does_not_move_points() -> None:
    city = _city({"D1": _square(120.0, 30.0, 0.2)})
    pts = [{"code": f"s{i}", "name": str(i), "lon": 120.0 + i / 50, "lat": 30.0 + i / 70, "category": "a"}
           for i in range(6)]
    a = {p["code"]: (p["x"], p["y"]) for p in point_map(city, pts, legend=LEGEND)["points"]}
    b = {p["code"]: (p["x"], p["y"]) for p in point_map(city, pts[::-1], legend=LEGEND)["points"]}
    assert a == b


def test_fills_colour_the_areas_and_place_their_labels() -> None:
    """``fills`` gives each area its legend key and a label at the centroid of its largest
    ring: for the square D1 (120.0–120.2°E, 30.0–30.2°N) its middle, 120.1°E 30.1°N, at the
    same place a point there would be drawn. A district not named gets ``fill`` None; without
    ``fills`` the areas keep their keys (existing callers unchanged)."""
    city = _city({"D1": _square(120.0, 30.0, 0.2), "D2": _square(120.2, 30.0, 0.2)})
    pin = [{"code": "s1", "name": "站", "lon": 120.1, "lat": 30.1, "category": "a"}]
    m = point_map(city, pin, legend=LEGEND, fills={"D1": "a"})
    d1, d2 = m["areas"]
    assert (d1["code"], d1["fill"], d2["code"], d2["fill"]) == ("D1", "a", "D2", None)
    assert (d1["lx"], d1["ly"]) == (pytest.approx(m["points"][0]["x"]), pytest.approx(m["points"][0]["y"]))
    plain = point_map(city, pin, legend=LEGEND)
    assert all(set(a) == {"code", "name", "d"} for a in plain["areas"])
    assert [a["d"] for a in plain["areas"]] == [a["d"] for a in m["areas"]]


def test_the_partial_fills_and_names_each_area() -> None:
    """The template writes the fill colour, the area's name and its legend entry's mark (never
    the colour alone), and counts the filled areas in the legend."""
    from importlib import resources

    from jinja2 import Environment, FileSystemLoader

    folder = str(resources.files("qingshan.web").joinpath("templates"))
    env = Environment(loader=FileSystemLoader(folder), autoescape=True)
    legend = [{"key": "a", "colour": "#C62828", "ink": "#FFFFFF", "zh": "甲级", "en": "grade A", "mark": "甲",
               "mark_en": "A"},
              {"key": "b", "colour": "#2E7D32", "ink": "#FFFFFF", "zh": "乙级", "en": "grade B"}]
    city = _city({"D1": _square(120.0, 30.0, 0.2), "D2": _square(120.2, 30.0, 0.2)})
    m = point_map(city, [], legend=legend, fills={"D1": "a", "D2": "b"})
    macro = env.from_string('{% from "_point_map.html" import point_map with context %}{{ point_map(m, "x", "c") }}')
    for zh, mark, name in ((True, "甲", "乙级"), (False, "A", "grade B")):
        html = macro.render(m=m, zh=zh, t=lambda a, b, zh=zh: a if zh else b)
        assert 'fill="#C62828"' in html and 'fill="#2E7D32"' in html and 'data-fill="a"' in html
        labels = re.findall(r'<text [^>]*class="area-label" data-code="(\w+)" fill="([^"]+)">(.*?)</text>', html)
        assert [(c, ink) for c, ink, _ in labels] == [("D1", "#FFFFFF"), ("D2", "#FFFFFF")]
        assert "东区" in labels[0][2] and f">{mark}<" in labels[0][2] and f">{name}<" in labels[1][2]
        assert re.search(r'<li data-key="a">.*?<rect[^>]*fill="#C62828".*?\(1\)</li>', html)
