"""GEP in the browser (issue #17, item 8): the service maps rendered on the server
(:mod:`qingshan.ecology.maps`) and the pages ``/gep``, ``/gep/map`` and
``/gep/coordination`` with their JSON twins (:mod:`qingshan.web.gep`)."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from fastapi.testclient import TestClient
from PIL import Image

from qingshan.app.organisations import tree_paths
from qingshan.city import City
from qingshan.documents import gep as gep_doc
from qingshan.documents import gep_pages
from qingshan.ecology import maps
from qingshan.ecology.demo import write_demo_eco_package
from qingshan.web.city import WebCity
from tests.web_city import api, client_of, demo_city, signed_in, visible, web_city
from tests.web_city import page as html

CRS = "EPSG:4545"


def tif(path: Path, data: np.ndarray, nodata: float | None) -> Path:
    """A one-band GeoTIFF of ``data`` on a 30 m grid."""
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1], count=1,
                       dtype=str(data.dtype), crs=CRS, transform=Affine(30.0, 0, 500_000.0, 0, -30.0, 2_500_000.0),
                       nodata=nodata) as dst:
        dst.write(data, 1)
    return path


def rgba(png: Path) -> np.ndarray:
    with Image.open(png) as im:
        return np.asarray(im.convert("RGBA"))


def ihdr(body: bytes) -> tuple[int, int, int, int]:
    """Width, height, bit depth and colour type of a PNG, read from its header chunk."""
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", body[8:16])
    assert kind == b"IHDR" and length == 13
    head = body[16:29]
    assert struct.unpack(">I", body[29:33])[0] == zlib.crc32(b"IHDR" + head) & 0xFFFFFFFF
    w, h, depth, colour = struct.unpack(">IIBB", head[:10])
    return w, h, depth, colour


# --------------------------------------------------------------------------- the palette


def lightness(rgb8: np.ndarray) -> np.ndarray:
    """CIE 1976 L* of 8-bit sRGB colours (IEC 61966-2-1 linearisation; Rec. 709 luminance
    weights; L* = 116·f(Y) − 16 with f the cube root above (6/29)³), written out here."""
    c = rgb8.astype(float) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    y = lin @ np.array([0.2126, 0.7152, 0.0722])
    f = np.where(y > (6 / 29) ** 3, np.cbrt(y), y / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.asarray(116 * f - 16)


def test_cubehelix_matches_green_2011_by_hand() -> None:
    # λ = 0.5, s = 3, r = −0.5, h = 1.5, γ = 1: φ = 2π(3/3 + 1 − 0.25) = 3.5π, so cos φ = 0,
    # sin φ = −1; a = 1.5 · 0.5 · 0.5 / 2 = 0.1875.
    # R = 0.5 + 0.1875 · (1.78277 · −1) = 0.16573; G = 0.5 + 0.1875 · (−0.90649 · −1) = 0.66997;
    # B = 0.5 + 0.1875 · (1.97294 · 0) = 0.5
    r, g, b = maps.cubehelix_colour(np.array([0.5]))[0]
    assert (r, g, b) == pytest.approx((0.16573, 0.66997, 0.5), abs=1e-5)
    # at λ = 0 and 1 the amplitude is 0: black and white, whatever the hue
    assert maps.cubehelix_colour(np.array([0.0, 1.0])).tolist() == [[0, 0, 0], [1, 1, 1]]


def test_ramp_lightness_rises_strictly() -> None:
    """A sequential palette readable in greyscale and under colour-vision deficiency: its
    CIE L* rises at every step (64 steps: about 1.2 L* units each), and no channel clips."""
    lam = np.linspace(maps.CUBEHELIX["low"], maps.CUBEHELIX["high"], 64)
    p = maps.CUBEHELIX
    lg = lam ** p["gamma"]
    amp = p["hue"] * lg * (1 - lg) / 2
    phi = 2 * np.pi * (p["start"] / 3 + 1 + p["rotations"] * lam)
    raw = np.stack([lg + amp * (-0.14861 * np.cos(phi) + 1.78277 * np.sin(phi)),
                    lg + amp * (-0.29227 * np.cos(phi) - 0.90649 * np.sin(phi)),
                    lg + amp * (1.97294 * np.cos(phi))], axis=1)
    assert raw.min() > 0 and raw.max() < 1  # never clipped: the brightness stays Green's λ
    assert maps.cubehelix_colour(lam) == pytest.approx(raw)
    ell = lightness(maps.cubehelix(64))
    assert np.all(np.diff(ell) > 0.5), np.diff(ell).min()
    # the darkest ramp colour is not the boundaries' black, the lightest not the page's white
    assert ell[0] > 10 and ell[-1] < 95
    assert maps.palette_hex(3)[0] == "#{:02x}{:02x}{:02x}".format(*maps.cubehelix(3)[0])


# --------------------------------------------------------------------------- the PNG


def test_indexed_png_decodes_to_the_palette(tmp_path: Path) -> None:
    idx = np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)
    rgb = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 0]], dtype=np.uint8)
    alpha = np.array([255, 128, 0], dtype=np.uint8)
    body = maps.indexed_png(idx, rgb, alpha)
    assert ihdr(body) == (3, 2, 8, 3)
    (tmp_path / "x.png").write_bytes(body)
    got = rgba(tmp_path / "x.png")
    assert got[0, 0].tolist() == [255, 0, 0, 255]
    assert got[0, 1].tolist() == [0, 255, 0, 128]
    assert got[0, 2, 3] == 0 and got[1, 0, 3] == 0 and got[1, 2].tolist() == [255, 0, 0, 255]
    with pytest.raises(ValueError):
        maps.indexed_png(idx, np.zeros((257, 3), np.uint8), np.zeros(257, np.uint8))


# --------------------------------------------------------------------------- service maps


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """A 4 × 6 service raster (values 0–10, two nodata pixels) and two districts (codes 1
    on the left three columns, 2 on the right three; the last row outside both)."""
    values = np.array([[0.0, 1.0, 2.0, 5.0, 5.0, 10.0],
                       [0.0, -9999.0, 2.0, 5.0, np.nan, 10.0],
                       [0.0, 1.0, 2.0, 5.0, 5.0, 10.0],
                       [3.0, 3.0, 3.0, 3.0, 3.0, 3.0]], dtype=np.float32)
    codes = np.array([[1, 1, 1, 2, 2, 2]] * 3 + [[0] * 6], dtype=np.uint8)
    return tif(tmp_path / "c_storage_2025.tif", values, -9999.0), tif(tmp_path / "districts.tif", codes, 0)


def test_small_map_pixel_by_pixel(small: tuple[Path, Path]) -> None:
    raster, districts = small
    m = maps.render_service_map(raster, districts)
    assert (m.width, m.height, m.step) == (6, 4, 1)
    assert (m.low, m.high, m.pixels) == (0.0, 10.0, 22)
    body = m.png.read_bytes()
    assert ihdr(body) == (6, 4, 8, 3)
    got = rgba(m.png)
    ramp = maps.cubehelix(maps.RAMP)
    # value v → ramp index floor((v − 0)/(10 − 0) · 254), the maximum on the last colour
    assert got[0, 0].tolist() == [*ramp[0], 255]  # 0 → 0
    assert got[0, 1].tolist() == [*ramp[25], 255]  # 1 → floor(25.4) = 25
    assert got[0, 5].tolist() == [*ramp[253], 255]  # 10 → 254, the top colour 253
    assert got[3, 0].tolist() == [*ramp[76], 255]  # 3 → floor(76.2) = 76; the row below the districts
    assert got[1, 1, 3] == 0 and got[1, 4, 3] == 0  # nodata and NaN: transparent
    # boundaries in black: the pixel left of each change of district (column 2 of rows 0–2)
    # and above the edge of the districts (row 2), where the codes differ
    black = (got[..., :3] == 0).all(axis=-1) & (got[..., 3] == 255)
    expected = np.zeros((4, 6), bool)
    expected[0:3, 2] = True
    expected[2, :] = True
    assert (black == expected).all(), black.astype(int)


def test_one_district_only(small: tuple[Path, Path]) -> None:
    """District 2 (rows 0–2, columns 3–5) alone: the image is its box widened by one pixel
    (rows 0–3, columns 2–5), other pixels transparent, its outline black, its own range."""
    raster, districts = small
    m = maps.render_service_map(raster, districts, only=[2])
    assert (m.width, m.height, m.window, m.districts) == (4, 4, [0, 2, 4, 4], [2])
    assert (m.low, m.high, m.pixels) == (5.0, 10.0, 8)  # 5, 5, 10 / 5, NaN, 10 / 5, 5, 10
    got = rgba(m.png)
    black = (got[..., :3] == 0).all(axis=-1) & (got[..., 3] == 255)
    expected = np.zeros((4, 4), bool)
    expected[0:3, 0] = True  # left of the district (district 1's column, outside the map)
    expected[2, 0:4] = True  # its last row, above the edge of the districts
    assert (black == expected).all(), black.astype(int)
    opaque = (got[..., 3] == 255) & ~black
    assert sorted(zip(*np.nonzero(opaque), strict=True)) == [(0, 1), (0, 2), (0, 3), (1, 1), (1, 3)]
    ramp = maps.cubehelix(maps.RAMP)
    assert got[0, 3].tolist() == [*ramp[253], 255] and got[0, 1].tolist() == [*ramp[0], 255]  # 10 and 5


def test_cached_and_keyed_by_content(small: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    raster, districts = small
    first = maps.render_service_map(raster, districts)
    assert first.png.parent == raster.parent  # next to the raster
    reads: list[Any] = []
    real = rasterio.open

    def opened(*a: Any, **k: Any) -> Any:
        reads.append(a)
        return real(*a, **k)

    monkeypatch.setattr(rasterio, "open", opened)
    again = maps.render_service_map(raster, districts)
    assert again == first and reads == []  # drawn once
    data = np.full((4, 6), 7.0, dtype=np.float32)
    data[0, 0] = 1.0
    tif(raster, data, -9999.0)  # new content: a new key, a new image
    changed = maps.render_service_map(raster, districts)
    assert changed.key != first.key and (changed.low, changed.high) == (1.0, 7.0)


def test_large_raster_read_decimated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A raster larger than the image is read once at the image's size (``out_shape``),
    never whole: 3 000 × 2 000 pixels to at most 256 on a side."""
    rows, cols = 3000, 2000
    data = np.add.outer(np.arange(rows, dtype=np.float32), np.arange(cols, dtype=np.float32))
    raster = tif(tmp_path / "wyield_2025.tif", data, -9999.0)
    codes = np.ones((rows, cols), dtype=np.uint8)
    codes[:, cols // 2:] = 2
    districts = tif(tmp_path / "districts.tif", codes, 0)
    calls: list[dict[str, Any]] = []
    real = rasterio.io.DatasetReader.read

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append({"shape": (self.height, self.width), **kwargs})
        return real(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    m = maps.render_service_map(raster, districts, max_side=256)
    assert len(calls) == 2  # the service raster and the districts
    # step = ceil(3000 / 256) = 12; the image: ceil(3000 / 12) = 250 rows, ceil(2000 / 12) = 167 columns
    for c in calls:
        assert c["shape"] == (rows, cols) and c["out_shape"] == (250, 167)
    assert (m.width, m.height, m.step, m.raster_width, m.raster_height) == (167, 250, 12, 2000, 3000)
    assert ihdr(m.png.read_bytes())[:2] == (167, 250)
    # each image pixel is one raster pixel of its 12 × 12 block (value row + column): the
    # range shown lies within the first and the last block's values
    assert m.low is not None and m.high is not None
    assert 0 <= m.low <= 11 + 11 and (rows - 12) + (cols - 12) <= m.high <= (rows - 1) + (cols - 1)
    got = rgba(m.png)
    # the boundary between the districts (column 1000 of the raster) is one black line, in
    # the image column of 1000 / (2000 / 167) = 83.5: the last column of district 1 (82) or 83
    black = (got[..., :3] == 0).all(axis=-1)
    lines = np.flatnonzero(black.all(axis=0))
    assert len(lines) == 1 and lines[0] in (82, 83) and black.sum() == 250


# --------------------------------------------------------------------------- the pages

PASSWORD = "Gep-pages-2026"


@dataclass
class Site:
    web: WebCity
    client: dict[str, TestClient]  # city-analyst, district-viewer, park-viewer
    own: str  # the district of the district's user
    folder: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo city (150 enterprises) with the demo's ecological package, and three users
    signed in: an analyst of the city, a viewer of a district, a viewer of a park."""
    d = demo_city(tmp_path_factory.mktemp("gep-pages"))
    write_demo_eco_package(d / "ecology")
    with City.open(d) as city:
        units = city.units()
    paths = tree_paths(units)
    city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    park = sorted(c for c, (u, _, _) in paths.items() if u.kind == "park")[0]
    district = paths[park][2]
    assert district is not None
    who = {"city-analyst": (city_code, "analyst"), "district-viewer": (district, "viewer"),
           "park-viewer": (park, "viewer")}
    web, clients = signed_in(d, units, who, PASSWORD)
    yield Site(web, clients, district, d)


def cells(page: str, table: str, key: str) -> dict[str, tuple[float, str]]:
    """``data-<key>`` of each row of the table ``table`` → (the first cell's ``data-yuan``,
    the text it shows)."""
    body = re.search(rf'<table id="{table}">(.*?)</table>', page, re.S)
    assert body, table
    found = re.findall(rf'<tr data-{key}="([^"]+)">.*?<td class="n" data-yuan="([^"]+)">([^<]*)</td>', body.group(1))
    return {k: (float(v), text) for k, v, text in found}


def by(items: list[dict[str, Any]], key: str, value: str = "value_yuan") -> dict[str, float]:
    return {str(r[key]): float(r[value]) for r in items}


def test_the_gep_page_is_the_account_in_both_languages(site: Site) -> None:
    """The page's twin holds the account's own totals (qingshan gep account's document) by
    class, service, district and ecosystem; the page shows the twin's numbers in 亿元 and
    万元; the English page is in English."""
    c = site.client["city-analyst"]
    doc = api(c, "/api/gep")
    account = site.web.document(gep_doc.account_document, 2025)
    assert (doc["year"], doc["years"], doc["district"]) == (2025, [2020, 2025], None)
    assert doc["gep_yuan"] == pytest.approx(account["gep_yuan"], rel=1e-12)
    for key, mine in (("class", "gep_class"), ("service", "service"), ("district", "district"),
                      ("ecosystem", "ecosystem")):
        assert by(doc[f"by_{key}"], mine) == pytest.approx(by(account[f"by_{key}"], key), rel=1e-12), key
        assert sum(r["share"] for r in doc[f"by_{key}"]) == pytest.approx(1.0)
    assert doc["not_accounted"] == account["not_accounted"] and doc["price_set"] == account["price_set"]
    # physical units: the water conserved is the sum of the account's rows in m³
    water = sum(r["quantity"] for r in account["rows"] if r["service"] == "water_conservation")
    assert [p["quantity"] for p in doc["physical"] if p["service"] == "water_conservation"] == [pytest.approx(water)]
    # every price shown is moved from its own year to 2025 by the index ratio (1 for a 2025 price)
    assert doc["prices"]
    for p in doc["prices"]:
        assert p["price"] == pytest.approx(p["base_price"] * p["price_index_ratio"]) and p["price_year"] <= 2025
        assert p["price_year"] < 2025 or p["price_index_ratio"] == 1.0
    zh = html(c, "/gep")
    assert 'id="twin">/api/gep?year=2025<' in zh
    shown = cells(zh, "by-service", "service")
    assert set(shown) == {r["service"] for r in doc["by_service"]}
    for r in doc["by_service"]:
        yuan, text = shown[r["service"]]
        assert yuan == r["value_yuan"] and text == f"{r['value_yuan'] / 1e4:,.0f}"  # 万元
    for table, key, items in (("by-district", "district", doc["by_district"]),
                              ("by-class", "class", doc["by_class"])):
        shown = cells(zh, table, key)
        for r in items:
            yuan, text = shown[r["district" if key == "district" else "gep_class"]]
            assert yuan == r["value_yuan"] and text == f"{r['value_yuan'] / 1e8:,.2f}"  # 亿元
    total = re.search(r'id="gep-value" data-yuan="([^"]+)">([^<]+)<', zh)
    assert total and float(total.group(1)) == doc["gep_yuan"] and total.group(2) == f"{doc['gep_yuan'] / 1e8:,.2f}"
    text = visible(zh)
    assert "生态系统生产总值（GEP）" in text and "亿元" in text and "未核算的服务" in text and "水源涵养" in text
    en = visible(html(c, "/gep?lang=en"))
    assert "Gross ecosystem product (GEP)" in en and "100M yuan" in en and "water conservation" in en
    assert "水源涵养" not in en and "未核算" not in en and "亿元" not in en


def test_the_change_is_split_into_quantity_and_price_effects(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/gep?year=2025")["comparison"]
    theirs = site.web.document(gep_doc.comparison_document, 2020, 2025)
    assert (doc["from"], doc["to"]) == (2020, 2025)
    t = doc["total"]
    assert t["quantity_effect"] + t["price_effect"] + t["unsplit"] + t["scope_change"] == pytest.approx(
        t["value_change"], rel=1e-9)
    assert t["value_change"] == pytest.approx(theirs["total"]["change"], rel=1e-12)
    # carbon sequestration is accounted in 2025 only (2020 is the first LULC year): a scope change
    carbon = next(r for r in doc["by_service"] if r["service"] == "carbon_sequestration")
    assert carbon["quantity_effect"] == 0.0 and carbon["scope_change"] == pytest.approx(carbon["value_target"])
    assert t["scope_change"] == pytest.approx(theirs["total"]["scope_change"], rel=1e-12)
    assert by(doc["by_service"], "service", "price_effect") == pytest.approx(
        by(theirs["by_service"], "service", "price_effect"), rel=1e-12)
    # the earlier year's page shows the same comparison
    assert api(c, "/api/gep?year=2020")["comparison"]["total"] == t
    page = html(c, "/gep?year=2020")
    assert 'id="comparison-title"' in page and "数量效应" in page and "价格效应" in page and "核算范围变化" in page


def test_a_service_map_is_a_png_drawn_from_the_raster(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/gep/map?service=c_storage&year=2025")
    assert api(c, "/api/gep/map")["service"] == "c_storage"  # the year's first map by default
    listed = {m["service"] for m in api(c, "/api/gep")["maps"]}
    assert {"c_storage", "c_sequestration", "wyield"} <= listed <= set(gep_pages.MAP_NAMES)
    assert "c_sequestration" not in {m["service"] for m in api(c, "/api/gep?year=2020")["maps"]}  # no year before
    r = c.get("/gep/maps/c_storage.png?year=2025")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    w, h, depth, colour = ihdr(r.content)
    assert (w, h, depth, colour) == (doc["image"]["width"], doc["image"]["height"], 8, 3)
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.size == (w, h)
        alpha = np.asarray(im.convert("RGBA"))[..., 3]
    assert (alpha == 0).any() and (alpha == 255).sum() >= doc["image"]["pixels"]  # the sea is transparent
    account = site.web.document(gep_doc.account_document, 2025)
    with rasterio.open(account["rasters"]["c_storage"]) as src:
        whole = src.read(1, masked=True)
    lg = doc["legend"]
    assert float(whole.min()) <= lg["low"] <= lg["high"] <= float(whole.max())
    assert lg["unit"] == "t C/ha" and lg["stops"] == maps.palette_hex() and "Green" in lg["palette"]
    page = html(c, "/gep/map?service=c_storage&year=2025")
    assert f'<img src="/gep/maps/c_storage.png?year=2025" width="{w}" height="{h}"' in page
    for end in ("low", "high"):
        assert f'data-value="{lg[end]}">{lg[end]:,.2f}<' in page
    assert "吨碳/公顷" in visible(page) and 'id="twin">/api/gep/map?service=c_storage&amp;year=2025<' in page
    assert "t C/ha" in visible(html(c, "/gep/map?service=c_storage&year=2025&lang=en"))


def test_the_map_never_reads_the_whole_raster(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    c = site.client["city-analyst"]
    api(c, "/api/gep?year=2020")  # the account is kept: only the map reads now
    for old in (site.folder / "results" / "gep").glob("wyield_2020.map-*"):
        old.unlink()
    calls: list[dict[str, Any]] = []
    real = rasterio.io.DatasetReader.read

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append({"shape": (self.height, self.width), **kwargs})
        return real(self, *args, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    r = c.get("/gep/maps/wyield.png?year=2020")
    assert r.status_code == 200 and ihdr(r.content)[:2] == (683, 561)
    assert len(calls) == 2  # the raster and the districts, once each
    for call in calls:  # 1 122 × 1 365 pixels read as 561 × 683 (every second pixel)
        assert call["shape"] == (1122, 1365) and call["out_shape"] == (561, 683)


def test_gdp_and_gep_coordination_by_district_and_year(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/gep/coordination")
    theirs = site.web.document(gep_doc.coordination_document)
    rows = doc["by_district_year"]
    assert len(rows) == len(theirs["rows"]) == 10  # five districts, two years
    for mine, their in zip(rows, theirs["rows"], strict=True):
        assert {k: mine[k] for k in their} == their and mine["district_name"] and not mine["district_name"].isdigit()
        assert mine["gep_gdp_ratio"] == pytest.approx(mine["gep_yuan"] / mine["gdp_yuan"])
    gep_2025 = by(api(c, "/api/gep?year=2025")["by_district"], "district")
    for r in rows:
        if r["year"] == 2025:
            assert r["gep_yuan"] == pytest.approx(gep_2025[r["district"]], rel=1e-12)
            assert r["gep_growth"] is not None
    page = html(c, "/gep/coordination")
    charts = [json.loads(html_lib.unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', page)]
    assert len(charts) == 4 and charts[0]["x"] == ["2020", "2025"]
    first = next(s for s in charts[0]["series"] if s["name"] == rows[0]["district_name"])
    assert first["y"] == [r["gep_yuan"] for r in rows if r["district"] == rows[0]["district"]]
    for r in rows:
        assert f'<tr data-district="{r["district"]}" data-year="{r["year"]}">' in page
    assert "优质协调" in visible(page) or "中级协调" in visible(page)
    en = visible(html(c, "/gep/coordination?lang=en"))
    assert "coupling coordination" in en and "协调" not in en.replace("王睿 & 杨国靖", "")


def test_downloads_of_the_gep_page(site: Site) -> None:
    c = site.client["city-analyst"]
    doc = api(c, "/api/gep")
    r = c.get("/gep?format=csv&table=by_service")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert list(frame["服务"]) == [r["service"] for r in doc["by_service"]]
    assert list(frame["价值（元）"]) == pytest.approx([r["value_yuan"] for r in doc["by_service"]])
    x = c.get("/gep?format=xlsx&lang=en")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    book = pd.read_excel(io.BytesIO(x.content), sheet_name=None, engine="calamine")
    sheet = book["By service"]
    assert list(sheet["value (yuan)"]) == pytest.approx([r["value_yuan"] for r in doc["by_service"]])
    assert 'data-table="by_service"' in html(c, "/gep")


def test_a_district_user_sees_only_its_own_district(site: Site) -> None:
    mine, city = site.client["district-viewer"], site.client["city-analyst"]
    own = site.own
    doc = api(mine, "/api/gep")
    assert doc["district"]["code"] == own and [d["code"] for d in doc["choices"]] == [own]
    assert [r["district"] for r in doc["by_district"]] == [own]
    theirs = api(city, f"/api/gep?district={own}")
    assert doc == theirs | {"choices": doc["choices"]}  # the city's analyst's view of that district
    city_total = by(api(city, "/api/gep")["by_district"], "district")[own]
    assert doc["gep_yuan"] == pytest.approx(city_total, rel=1e-12)
    assert sum(r["value_yuan"] for r in doc["by_service"]) == pytest.approx(doc["gep_yuan"], rel=1e-12)
    assert [r["district"] for r in doc["comparison"]["by_district"]] == [own]
    others = [r["district"] for r in api(city, "/api/gep")["by_district"] if r["district"] != own]
    for m in doc["not_accounted"]:  # no other district's reasons
        assert not any(o in m["why_zh"] or o in m["why_en"] for o in others)
    coord = api(mine, "/api/gep/coordination")
    assert {r["district"] for r in coord["by_district_year"]} == {own}
    # the panel-normalised indices would give away the other districts' extremes of GDP and GEP
    assert all(not {"f", "g", "c", "t"} & set(r) and r["d"] is not None for r in coord["by_district_year"])
    # no other district's code anywhere in what a district's user is sent
    for url in ("/api/gep", "/api/gep/coordination", "/api/gep/map?service=c_storage"):
        text = mine.get(url).text
        assert not [o for o in others if o in text], url
    other = others[0]
    for url in (f"/api/gep?district={other}", f"/gep?district={other}", f"/api/gep/coordination?district={other}",
                f"/gep/maps/c_storage.png?district={other}"):
        assert mine.get(url).status_code == 404, url
    page = html(mine, "/gep")
    assert f'name="district" value="{own}"' in page and 'id="by-district"' not in page
    m = api(mine, "/api/gep/map?service=c_storage")
    assert m["district"]["code"] == own
    whole = api(city, "/api/gep/map?service=c_storage")["image"]
    assert m["image"]["pixels"] < whole["pixels"]
    assert m["image"]["window"] != whole["window"] and m["image"]["step"] <= whole["step"]  # its own box
    assert mine.get("/gep/maps/c_storage.png").content != city.get("/gep/maps/c_storage.png").content
    park = site.client["park-viewer"]
    for url in ("/gep", "/api/gep", "/api/gep/coordination", "/api/gep/map?service=c_storage"):
        r = park.get(url)
        assert r.status_code == 403 and "not for a park" in r.text, url


def test_bad_gep_parameters(site: Site) -> None:
    c = site.client["city-analyst"]
    for url, status, words in (("/api/gep?year=2021", 422, "accounting years: 2020, 2025"),
                               ("/api/gep?district=000000", 404, "no district"),
                               ("/api/gep/map?service=nope", 404, "no service map"),
                               ("/api/gep/map?service=../../etc", 404, "no service map"),
                               ("/gep/maps/nope.png", 404, "no service map"),
                               ("/api/gep?format=pdf", 422, "format must be one of")):
        r = c.get(url)
        assert r.status_code == status and words in r.json()["detail"], (url, r.status_code, r.text[:200])


def test_a_city_without_an_ecological_package(tmp_path: Path) -> None:
    """The menu's GEP page of a city without an ecological package says so, in each language."""
    c = client_of(web_city(demo_city(tmp_path)))
    assert api(c, "/api/gep") == {"available": False, "year": None, "years": [], "district": None}
    assert api(c, "/api/gep?year=2021")["available"] is False  # a data year of the city: the same page
    assert c.get("/api/gep?year=1999").status_code == 422  # a year the city does not have: refused
    assert c.get("/api/gep/map?service=nope").status_code == 404
    assert "本城市还没有生态数据包" in visible(html(c, "/gep"))
    assert "This city has no ecological package yet" in visible(html(c, "/gep?lang=en"))
    for url in ("/api/gep/coordination", "/api/gep/map", "/api/gep/map?service=c_storage"):
        assert api(c, url)["available"] is False, url
    assert "本城市还没有生态数据包" in visible(html(c, "/gep/map"))
    assert "This city has no ecological package yet" in visible(html(c, "/gep/coordination?lang=en"))
    assert c.get("/gep/maps/c_storage.png").status_code == 404
