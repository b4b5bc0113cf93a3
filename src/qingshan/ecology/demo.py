"""The demo city's ecological package (青山市, fictional): rasters on a 30 m grid in
CGCS2000 / 3-degree Gauss–Kruger CM 108E (EPSG:4545; the city lies at 109.2–109.6°E, in the
3-degree zone of 108°E, which spans 106.5–109.5°E, with its eastern edge 0.1° beyond) over
the city's box of ``[city] bbox`` in spec/demo_calibration.toml, and the tables of a package.

The landscape is drawn from smooth functions of position and one fixed-seed noise field, so
the same bytes come out every time: hills with forest and shrub in the north-west and north,
karst outcrops on the highest tops, cropland (paddy near the river, dry land above) on the
plains, a river from the north-west to a south-eastern coast, a tributary, a reservoir in
the hills and a lake in town, built-up land around the district centres and the industrial
parks, and a coast with tidal flats and mangrove. Between 2020 and 2025 towns and parks
grow, dry land and shrub on slopes are afforested, and tidal flat near the river mouth is
restored to mangrove. Every number here is a demo assumption (docs/demo-city.md,
"Ecological package"); none is a statistic or a measured parameter.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from numpy.typing import NDArray
from rasterio import features
from rasterio.warp import transform as warp_points
from scipy import ndimage

from qingshan.data.demo.calibration import load_calibration
from qingshan.data.demo.geography import voronoi_cells

F = NDArray[np.float64]
#: The demo grid: CGCS2000 / 3-degree Gauss–Kruger CM 108E, 30 m pixels (about 1.5 million per raster).
CRS = "EPSG:4545"
PIXEL_M = 30.0
YEARS = (2020, 2025)
SEED = 4599
LULC_NODATA = 255
VALUE_NODATA = -9999.0
DISTRICT_NODATA = 0

#: City LULC classes (codes after the CAS RESDC 1:100 000 land-use scheme as commonly
#: published, e.g. 刘纪远 et al. 2014, 地理学报 69(1):3-14; code 25 mangrove is a demo addition)
#: -> (name, English name, ecosystem type).
CLASSES: dict[int, tuple[str, str, str]] = {
    11: ("水田", "Paddy field", "farmland"),
    12: ("旱地", "Dry land", "farmland"),
    21: ("有林地", "Forest", "forest"),
    22: ("灌木林地", "Shrubland", "shrub"),
    24: ("其他林地（园地）", "Other woodland (orchards)", "forest"),
    25: ("红树林", "Mangrove", "wetland"),
    31: ("高覆盖度草地", "High-cover grassland", "grassland"),
    41: ("河渠", "River", "water"),
    42: ("湖泊", "Lake", "water"),
    43: ("水库坑塘", "Reservoir and pond", "water"),
    45: ("滩涂", "Tidal flat", "wetland"),
    51: ("城镇用地", "Urban land", "urban"),
    52: ("农村居民点", "Rural settlement", "urban"),
    53: ("其他建设用地（工矿、交通）", "Industrial and transport land", "urban"),
    66: ("裸岩石砾地", "Bare rock", "desert"),
}

#: Biophysical parameters per class, all DEMO ASSUMPTIONS of a plausible order of magnitude,
#: taken from no source (a real account needs local inventory and literature values):
#: c_above, c_below, c_soil, c_dead (t C/ha), lulc_veg, root_depth (mm), kc, usle_c, usle_p.
BIOPHYSICAL: dict[int, tuple[float, float, float, float, int, float, float, float, float]] = {
    11: (3.0, 1.0, 60.0, 0.0, 1, 600.0, 0.90, 0.10, 0.15),
    12: (3.0, 1.0, 45.0, 0.0, 1, 1000.0, 0.75, 0.25, 0.50),
    21: (45.0, 10.0, 90.0, 4.0, 1, 4000.0, 1.00, 0.006, 1.0),
    22: (12.0, 5.0, 70.0, 2.0, 1, 2500.0, 0.80, 0.04, 1.0),
    24: (15.0, 4.0, 60.0, 1.0, 1, 2500.0, 0.85, 0.08, 0.80),
    25: (60.0, 25.0, 180.0, 5.0, 1, 1000.0, 1.10, 0.001, 1.0),
    31: (2.0, 4.0, 70.0, 1.0, 1, 1500.0, 0.75, 0.05, 1.0),
    41: (0.0, 0.0, 0.0, 0.0, 0, 1.0, 1.05, 0.0, 1.0),
    42: (0.0, 0.0, 0.0, 0.0, 0, 1.0, 1.05, 0.0, 1.0),
    43: (0.0, 0.0, 0.0, 0.0, 0, 1.0, 1.05, 0.0, 1.0),
    45: (0.0, 0.0, 40.0, 0.0, 0, 1.0, 1.00, 0.0, 1.0),
    51: (1.0, 0.3, 25.0, 0.0, 0, 1.0, 0.30, 0.01, 1.0),
    52: (3.0, 1.0, 35.0, 0.0, 0, 1.0, 0.40, 0.02, 1.0),
    53: (0.5, 0.2, 20.0, 0.0, 0, 1.0, 0.20, 0.01, 1.0),
    66: (0.0, 0.0, 5.0, 0.0, 0, 1.0, 0.20, 0.30, 1.0),
}

#: Seasonality constant Z of the water-yield model: demo assumption (InVEST's sample run
#: of the annual water yield model uses 5).
SEASONALITY_Z = 5.0
DEMO_SOURCE = "Demo assumption (fictional city), docs/demo-city.md"


def _grid(bbox: list[float]) -> tuple[Any, int, int]:
    xs, ys = warp_points("EPSG:4490", CRS, [bbox[0], bbox[2], bbox[0], bbox[2]], [bbox[1], bbox[1], bbox[3], bbox[3]])
    x0 = math.floor(min(xs) / PIXEL_M) * PIXEL_M
    y1 = math.ceil(max(ys) / PIXEL_M) * PIXEL_M
    width = math.ceil((max(xs) - x0) / PIXEL_M)
    height = math.ceil((y1 - min(ys)) / PIXEL_M)
    return Affine(PIXEL_M, 0.0, x0, 0.0, -PIXEL_M, y1), height, width


def _project(lon: list[float], lat: list[float]) -> tuple[list[float], list[float]]:
    xs, ys = warp_points("EPSG:4490", CRS, lon, lat)
    return list(xs), list(ys)


def _noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> F:
    """Smooth noise of unit standard deviation: white noise on a grid 4× coarser, filtered
    (``sigma`` in fine pixels), repeated onto the fine grid and smoothed over the repeat."""
    f = 4
    coarse = rng.standard_normal((-(-shape[0] // f), -(-shape[1] // f)))
    n = ndimage.gaussian_filter(coarse, sigma / f, mode="reflect")
    n = ndimage.gaussian_filter(np.repeat(np.repeat(n, f, 0), f, 1)[: shape[0], : shape[1]], f / 2, mode="reflect")
    out: F = n / n.std()
    return out


def _box(u: F, v: F, cu: float, cv: float, r: float) -> tuple[slice, slice]:
    """The rows and columns of the grid within ``r`` km of (cu, cv) (u varies along columns,
    v along rows, decreasing)."""
    cols = np.flatnonzero(np.abs(u[0] - cu) <= r)
    rows = np.flatnonzero(np.abs(v[:, 0] - cv) <= r)
    if cols.size == 0 or rows.size == 0:
        return slice(0, 0), slice(0, 0)
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def _gauss(u: F, v: F, cu: float, cv: float, amp: float, s: float) -> F:
    out: F = amp * np.exp(-((u - cu) ** 2 + (v - cv) ** 2) / (2 * s * s))
    return out


def _landscape(
    height: int, width: int, transform: Any, cal: dict[str, Any], outside: NDArray[np.bool_]
) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    n1, n2, n3 = (_noise(rng, (height, width), s) for s in (720.0 / PIXEL_M, 240.0 / PIXEL_M, 1200.0 / PIXEL_M))
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    x = transform.c + cols * transform.a
    y = transform.f + rows * transform.e
    u = (x - transform.c) / 1000.0  # km east of the west edge
    v = (y - (transform.f + height * transform.e)) / 1000.0  # km north of the south edge
    coast = 0.6 + 0.05 * u + 0.5 * np.sin(u / 3.0)
    sea = (v < coast) | outside
    river_u = 31.0 - 0.75 * v + 2.0 * np.sin(v / 2.5)
    d_river = np.abs(u - river_u)
    trib_u = 21.0 + (v - 16.0) * 1.2 + np.sin(v / 2.0)
    d_trib = np.where((v >= 16.0) & (v <= 30.0), np.abs(u - trib_u), np.inf)
    hills = (
        _gauss(u, v, 5.0, 22.0, 650.0, 6.0)
        + _gauss(u, v, 14.0, 31.0, 500.0, 5.0)
        + _gauss(u, v, 36.0, 20.0, 350.0, 4.0)
        + _gauss(u, v, 8.0, 6.0, 200.0, 3.0)
    )
    dem = 5.0 + 2.0 * np.clip(v - coast, 0, None) + hills * (1.0 + 0.15 * n2) + 12.0 * n1
    floor = 1.0 + 1.2 * np.clip(v - coast, 0, None)
    dem = floor + (dem - floor) * (1.0 - np.exp(-((np.minimum(d_river, d_trib) / 2.0) ** 2)))
    dem = np.maximum(dem, 0.5)
    reservoir = ((u - 8.8) / 1.2) ** 2 + ((v - 27.0) / 0.6) ** 2 < 1.0
    lake = (u - 17.5) ** 2 + (v - 12.5) ** 2 < 0.5**2
    dem = np.where(reservoir, np.minimum(dem, 180.0), dem)
    water_river = (d_river < 0.09) | (d_trib < 0.05)
    ponds = (n2 > 2.3) & (dem < 60)
    # district centres and parks in km
    dx, dy = _project([d["lon"] for d in cal["district"]], [d["lat"] for d in cal["district"]])
    px, py = _project([p["lon"] for p in cal["park"]], [p["lat"] for p in cal["park"]])
    ox, oy = transform.c, transform.f + height * transform.e
    towns = [
        ((a - ox) / 1000, (b - oy) / 1000, 2.8 * math.sqrt(float(d["weight"]) / 0.3))
        for a, b, d in zip(dx, dy, cal["district"], strict=True)
    ]
    parks = [
        ((a - ox) / 1000, (b - oy) / 1000, float(p["radius"]) * 100.0)
        for a, b, p in zip(px, py, cal["park"], strict=True)
    ]
    mouth_u = float(31.0 - 0.75 * 1.5 + 2.0 * math.sin(1.5 / 2.5))
    lulc = {}
    for year, grow in zip(YEARS, (1.0, 1.12), strict=True):
        c = np.full((height, width), 12, np.uint8)
        c[(dem < 60) | (np.minimum(d_river, d_trib) < 2.0) & (dem < 120)] = 11
        c[(n1 > 1.2) & (dem < 120)] = 24
        mid = (dem >= 120) & (dem < 300)
        c[mid] = np.where(n1[mid] > -0.2, 21, np.where(n1[mid] > -0.8, 24, 22))
        c[mid & (n2 > 1.3)] = 31
        high = dem >= 300
        c[high] = np.where((n1[high] > 0.8) | (dem[high] > 700), 22, 21)
        c[(dem > 600) & (n2 > 1.6)] = 66
        if year == YEARS[1]:  # afforestation (退耕还林, shrub to forest) on slopes
            c[(c == 12) & (dem > 80) & (n3 > 0.3)] = 21
            c[(c == 22) & mid & (n3 > 0.5)] = 21
        c[(n2 > 2.0) & (dem < 120) & (n1 < 0)] = 52
        for tu, tv, r in towns:
            w = _box(u, v, tu, tv, 2.5 * r * grow)
            c[w][np.hypot(u[w] - tu, v[w] - tv) < r * grow * (1.0 + 0.25 * n2[w])] = 51
        for pu, pv, r in parks:
            w = _box(u, v, pu, pv, 1.2 * r)
            c[w][np.hypot(u[w] - pu, v[w] - pv) < r * (1.0 if year == YEARS[0] else 1.1)] = 53
        c[ponds] = 43
        c[lake] = 42
        c[reservoir] = 43
        c[water_river] = 41
        shore = (v >= coast) & (v < coast + 0.35) & (u > 12.0)
        c[shore & ~water_river] = 45
        restore = 4.0 if year == YEARS[0] else 6.0
        c[shore & ~water_river & (np.abs(u - mouth_u) < restore) & (n1 > (0.0 if year == YEARS[0] else -0.6))] = 25
        c[sea] = LULC_NODATA
        lulc[year] = c
    precip = 1600.0 + 0.55 * dem + 120.0 * (1.0 - v / 34.0) + 30.0 * n3
    et0 = 1180.0 - 0.18 * dem - 40.0 * v / 34.0 + 10.0 * n3
    soil = 200.0 + 1300.0 * np.exp(-dem / 400.0) + 100.0 * n2
    soil = np.where(lulc[YEARS[0]] == 66, 100.0, np.clip(soil, 150.0, None))
    pawc = np.clip(0.13 + 0.03 * n1 + 0.03 * (dem < 60), 0.05, 0.25)
    k = np.clip(0.030 + 0.006 * n3, 0.010, 0.060)
    erosivity = 6.0 * precip - 800.0
    values = {
        "dem": np.round(dem, 1),
        "precipitation": np.round(precip),
        "et0": np.round(et0),
        "soil_depth": np.round(soil, -1),
        "pawc": np.round(pawc, 2),
        "erodibility": np.round(k, 3),
        "erosivity": np.round(erosivity, -1),
    }
    for key in values:
        values[key] = np.where(sea, VALUE_NODATA, values[key])
    return {"lulc": lulc, "values": values, "sea": sea}


def _districts(height: int, width: int, transform: Any, cal: dict[str, Any]) -> NDArray[np.uint8]:
    """District codes 1.. (order of ``[[district]]``) of the Voronoi cells of the district
    centres (qingshan.data.demo.geography), projected and rasterised; 0 outside the city."""
    cells = voronoi_cells([(float(d["lon"]), float(d["lat"])) for d in cal["district"]], cal["city"]["bbox"])
    shapes = []
    for code, cell in enumerate(cells, start=1):
        xs, ys = _project([p[0] for p in cell], [p[1] for p in cell])
        ring = [(round(a, 2), round(b, 2)) for a, b in zip(xs, ys, strict=True)]
        shapes.append(({"type": "Polygon", "coordinates": [[*ring, ring[0]]]}, code))
    out = features.rasterize(
        shapes, out_shape=(height, width), transform=transform, fill=DISTRICT_NODATA, dtype="uint8"
    )
    arr: NDArray[np.uint8] = out
    return arr


def _write_tif(path: Path, data: NDArray[Any], transform: Any, nodata: float, dtype: str) -> None:
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": dtype,
        "crs": CRS,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
        "predictor": 3 if dtype.startswith("float") else 2,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data.astype(dtype), 1)


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    def cell(v: Any) -> str:
        s = f"{v:g}" if isinstance(v, float) else str(v)
        return f'"{s}"' if ("," in s or '"' in s) else s

    path.write_text("\n".join([",".join(header), *(",".join(cell(v) for v in r) for r in rows)]) + "\n", "utf-8")


#: Per-district statistics, DEMO ASSUMPTIONS: (grain t, vegetables t, timber m³, meat t,
#: aquatic t, water supply 10^4 m³, hydropower 10^4 kWh, visits 10^4, tourism revenue 10^4
#: yuan, GDP 10^4 yuan) in 2020; 2025 = 2020 × the growth factors below.
_STATS_2020: dict[str, tuple[float, ...]] = {
    "459902": (12000, 30000, 2000, 3000, 1500, 9000, 0, 320, 290000, 4200000),
    "459903": (18000, 42000, 3000, 4200, 2600, 6000, 0, 210, 180000, 3100000),
    "459904": (9000, 16000, 6000, 2100, 800, 3000, 0, 90, 60000, 2300000),
    "459921": (36000, 55000, 12000, 7800, 21000, 2500, 0, 160, 120000, 1500000),
    "459922": (41000, 48000, 38000, 8600, 3200, 4200, 5200, 240, 150000, 1400000),
}
_GROWTH = (0.98, 1.06, 1.10, 1.04, 1.08, 1.05, 1.00, 1.35, 1.45, 1.30)


def _tables(directory: Path, cal: dict[str, Any]) -> None:
    _csv(
        directory / "classes.csv",
        ["lucode", "name", "name_en", "ecosystem"],
        [[k, n, e, eco] for k, (n, e, eco) in CLASSES.items()],
    )
    _csv(
        directory / "biophysical.csv",
        [
            "lucode",
            "description",
            "ecosystem",
            "c_above",
            "c_below",
            "c_soil",
            "c_dead",
            "lulc_veg",
            "root_depth",
            "Kc",
            "usle_c",
            "usle_p",
        ],
        [[k, CLASSES[k][1], CLASSES[k][2], *vals] for k, vals in BIOPHYSICAL.items()],
    )
    _csv(
        directory / "districts.csv",
        ["raster_code", "district_id", "name"],
        [[i, d["entity_id"], d["name"]] for i, d in enumerate(cal["district"], start=1)],
    )
    prov, tour, gdp = [], [], []
    groups = [
        ("agriculture", "粮食", "t", 0.30),
        ("agriculture", "蔬菜", "t", 0.25),
        ("forestry", "木材", "m3", 0.08),
        ("husbandry", "肉类", "t", 2.2),
        ("fishery", "水产品", "t", 1.6),
        ("water_supply", "供水", "10^4 m3", 0.0),
        ("hydropower", "水电", "10^4 kWh", 0.0),
    ]
    for year in YEARS:
        for did, s in _STATS_2020.items():
            g = [1.0] * len(s) if year == YEARS[0] else list(_GROWTH)
            vals = [round(a * b) for a, b in zip(s, g, strict=True)]
            for i, (group, product, unit, price) in enumerate(groups):
                if vals[i] > 0:
                    value = round(vals[i] * price, 1) if price else ""
                    prov.append([year, did, group, product, vals[i], unit, value, DEMO_SOURCE])
            tour.append([year, did, vals[7], vals[8], DEMO_SOURCE])
            gdp.append([year, did, vals[9], DEMO_SOURCE])
    _csv(
        directory / "provisioning.csv",
        ["year", "district_id", "product_group", "product", "quantity", "unit", "output_value", "source"],
        prov,
    )
    _csv(directory / "tourism.csv", ["year", "district_id", "visits", "revenue", "source"], tour)
    _csv(directory / "gdp.csv", ["year", "district_id", "gdp", "source"], gdp)
    _csv(
        directory / "prices.csv",
        ["item", "value", "unit", "price_year", "source"],
        [
            [
                "reservoir_storage_cost",
                7.06,
                "yuan/m3",
                2010,
                "LY/T 1721-2008 as applied by 白玛卓嘎 et al. 2017 (生态学报 37(19):6302) for Ganzi 2010",
            ],
            ["water_price", 2.2, "yuan/m3", 2020, DEMO_SOURCE],
            ["water_price", 2.4, "yuan/m3", 2025, DEMO_SOURCE],
            ["electricity_price", 0.30, "yuan/kWh", 2020, DEMO_SOURCE],
            ["electricity_price", 0.31, "yuan/kWh", 2025, DEMO_SOURCE],
        ],
    )


_MANIFEST = """# The demo city's ecological package (fictional; every value a demo assumption, docs/demo-city.md)
crs = "{crs}"
years = [{years}]
models = ["carbon", "water_yield", "sdr"]
# water supplied from the reservoirs is valued beside the water the land conserves, as the Ganzi 2010
# account does (白玛卓嘎 et al. 2017, 生态学报 37(19), Table 3: 水资源供给 and 水源涵养 both counted)
[[accepted_double_counts]]
services = ["water_conservation", "water_supply"]
reason = "delivered water valued beside the land's conservation, as Ganzi 2010 counts both (Table 3)"
# hydropower generated from the reservoirs likewise (Table 3: 水电 and 水源涵养 both counted)
[[accepted_double_counts]]
services = ["water_conservation", "hydropower"]
reason = "hydropower valued beside the land's conservation, as Ganzi 2010 counts both (Table 3)"

[parameters]
seasonality_z = {z}
# soil retention (InVEST SDR routing): the values of InVEST's sample data, a demo assumption
threshold_flow_accumulation = 1000
l_max = 122

[rasters]
dem = "dem.tif"
precipitation = "precipitation.tif"
et0 = "et0.tif"
soil_depth = "soil_depth.tif"
pawc = "pawc.tif"
erodibility = "erodibility.tif"
erosivity = "erosivity.tif"
districts = "districts.tif"

[rasters.lulc]
2020 = "lulc_2020.tif"
2025 = "lulc_2025.tif"

[tables]
classes = "classes.csv"
biophysical = "biophysical.csv"
districts = "districts.csv"
provisioning = "provisioning.csv"
tourism = "tourism.csv"
prices = "prices.csv"
gdp = "gdp.csv"

[sources]
"""

_ROLE_DTYPES = {
    "dem": "float32",
    "precipitation": "float32",
    "et0": "float32",
    "soil_depth": "float32",
    "pawc": "float32",
    "erodibility": "float32",
    "erosivity": "float32",
}


def write_demo_eco_package(directory: Path) -> Path:
    """Write the demo city's ecological package into ``directory`` (created if needed) and
    return it. Deterministic: the same files, byte for byte, on every run."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cal = load_calibration()
    transform, height, width = _grid(cal["city"]["bbox"])
    districts = _districts(height, width, transform, cal)
    land = _landscape(height, width, transform, cal, districts == DISTRICT_NODATA)
    districts[land["sea"]] = DISTRICT_NODATA
    for year, arr in land["lulc"].items():
        _write_tif(directory / f"lulc_{year}.tif", arr, transform, LULC_NODATA, "uint8")
    for key, arr in land["values"].items():
        _write_tif(directory / f"{key}.tif", arr, transform, VALUE_NODATA, _ROLE_DTYPES[key])
    _write_tif(directory / "districts.tif", districts, transform, DISTRICT_NODATA, "uint8")
    _tables(directory, cal)
    roles = ["lulc", *land["values"], "districts", "classes", "biophysical", "provisioning", "tourism", "prices", "gdp"]
    sources = "".join(f'{r} = "{DEMO_SOURCE}"\n' for r in roles)
    head = _MANIFEST.format(crs=CRS, years=", ".join(map(str, YEARS)), z=SEASONALITY_Z)
    (directory / "ecology.toml").write_text(head + sources, "utf-8")
    return directory
