"""The ecological data package: the demo package validates clean and is written byte for
byte the same every time; every problem code L001–L034 is raised by a hostile package, all
at once; a package in InVEST's own names is accepted; windowed and dask reading give the
rasters exactly."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan.ecology import EcoPackage, as_dask, check_eco_package, iter_blocks, read_eco_package
from qingshan.ecology.demo import write_demo_eco_package
from qingshan.ecology.tables import MAX_TABLE_BYTES
from qingshan.errors import ValidationError

H, W = 23, 37
T = Affine(30.0, 0.0, 500_000.0, 0.0, -30.0, 2_700_000.0)
VALUE_ROLES = {
    "dem": 50.0,
    "precipitation": 1800.0,
    "et0": 1100.0,
    "soil_depth": 800.0,
    "pawc": 0.15,
    "erodibility": 0.03,
    "erosivity": 9000.0,
}


def _tif(
    path: Path,
    data: np.ndarray,
    *,
    nodata: float,
    crs: str = "EPSG:4545",
    transform: object = T,
    dtype: str | None = None,
) -> None:
    data = data if data.ndim == 3 else data[None]
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[1],
        width=data.shape[2],
        count=data.shape[0],
        dtype=dtype or str(data.dtype),
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as ds:
        ds.write(data.astype(dtype or data.dtype))


def _lulc() -> np.ndarray:
    a = np.where(np.add.outer(np.arange(H), np.arange(W)) % 3 == 0, 11, 21).astype(np.uint8)
    a[0, 0] = 255
    return a


def _values(role: str) -> np.ndarray:
    grad = np.add.outer(np.arange(H), np.arange(W)).astype(np.float32) / (H + W)
    return (VALUE_ROLES[role] * (1.0 + 0.2 * grad)).astype(np.float32)


BIO = (
    "lucode,description,ecosystem,c_above,c_below,c_soil,c_dead,lulc_veg,root_depth,kc,usle_c,usle_p\n"
    "11,Paddy,farmland,3,1,60,0,1,600,0.9,0.1,0.15\n21,Forest,forest,45,10,90,4,1,4000,1.0,0.006,1\n"
)


def _tiny(d: Path) -> Path:
    """A small valid package (2 classes, 23 × 37 pixels of 30 m)."""
    d.mkdir(parents=True, exist_ok=True)
    _tif(d / "lulc_2020.tif", _lulc(), nodata=255)
    lulc25 = _lulc()
    lulc25[5:9, 5:9] = 21
    _tif(d / "lulc_2025.tif", lulc25, nodata=255)
    for role in VALUE_ROLES:
        _tif(d / f"{role}.tif", _values(role), nodata=-9999.0)
    dist = np.where(np.arange(W)[None, :] < W // 2, 1, 2).repeat(H, 0).astype(np.uint8)
    _tif(d / "districts.tif", dist, nodata=0)
    (d / "classes.csv").write_text("lucode,name,ecosystem\n11,水田,农田\n21,有林地,forest\n", "utf-8")
    (d / "biophysical.csv").write_text(BIO, "utf-8")
    (d / "districts.csv").write_text("raster_code,district_id,name\n1,459902,青山区\n2,459903,河东区\n", "utf-8")
    (d / "provisioning.csv").write_text(
        "year,district_id,product_group,product,quantity,unit,output_value,source\n"
        "2020,459902,农业,粮食,1000,t,300,yearbook 2021 table 12-3\n",
        "utf-8",
    )
    (d / "tourism.csv").write_text("year,district_id,visits,revenue,source\n2020,459902,10,8000,yearbook\n", "utf-8")
    (d / "prices.csv").write_text(
        "item,value,unit,price_year,source\nreservoir_cost,7.06,yuan/m3,2010,LY/T 1721-2008\n", "utf-8"
    )
    (d / "gdp.csv").write_text("year,district_id,gdp,source\n2020,459902,4200000,yearbook\n", "utf-8")
    rasters = "\n".join(f'{r} = "{r}.tif"' for r in VALUE_ROLES)
    tables = "\n".join(
        f'{t} = "{t}.csv"' for t in ("classes", "biophysical", "districts", "provisioning", "tourism", "prices", "gdp")
    )
    roles = [*VALUE_ROLES, "lulc", "districts", "classes", "biophysical", "provisioning", "tourism", "prices", "gdp"]
    sources = "\n".join(f'{r} = "test fixture"' for r in roles)
    (d / "ecology.toml").write_text(
        f'crs = "EPSG:4545"\nyears = [2020, 2025]\n[parameters]\nseasonality_z = 5.0\n[rasters]\n{rasters}\n'
        f'districts = "districts.tif"\n[rasters.lulc]\n2020 = "lulc_2020.tif"\n2025 = "lulc_2025.tif"\n'
        f"[tables]\n{tables}\n[sources]\n{sources}\n",
        "utf-8",
    )
    return d


def test_tiny_package_is_clean(tmp_path: Path) -> None:
    pkg = read_eco_package(_tiny(tmp_path / "p"))
    assert pkg.shape == (H, W) and pkg.years == (2020, 2025)
    assert pkg.pixel_area_ha == pytest.approx(30 * 30 / 10_000)  # 900 m² = 0.09 ha
    assert pkg.parameters == {"seasonality_z": 5.0}
    assert list(pkg.tables["classes"]["ecosystem"]) == ["farmland", "forest"]  # 农田 read as farmland
    assert pkg.tables["provisioning"]["product_group"].tolist() == ["agriculture"]
    assert pkg.warnings == ()


def test_demo_package_validates_clean_and_is_deterministic(tmp_path: Path) -> None:
    a = write_demo_eco_package(tmp_path / "a")
    pkg, problems = check_eco_package(a)
    assert problems == [] and pkg is not None
    assert pkg.crs.to_epsg() == 4545 and pkg.transform.a == 30.0
    size = sum(f.stat().st_size for f in a.iterdir())
    assert size < 10 << 20
    b = write_demo_eco_package(tmp_path / "b")

    def digest(d: Path) -> dict[str, str]:
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(d.iterdir())}

    assert digest(a) == digest(b)
    l20 = rasterio.open(a / "lulc_2020.tif").read(1)
    l25 = rasterio.open(a / "lulc_2025.tif").read(1)
    # the changes the demo promises: urban expansion, afforestation, mangrove restoration
    assert (l25 == 51).sum() > (l20 == 51).sum()
    assert (l25 == 21).sum() > (l20 == 21).sum()
    assert (l25 == 25).sum() > (l20 == 25).sum() > 0


def test_missing_manifest_is_e001(tmp_path: Path) -> None:
    d = _tiny(tmp_path / "p")
    (d / "ecology.toml").unlink()
    with pytest.raises(ValidationError) as e:
        read_eco_package(d)
    assert [p.code for p in e.value.problems] == ["L001"]
    (d / "ecology.toml").write_text("years = [2020\n", "utf-8")
    assert [p.code for p in check_eco_package(d)[1]] == ["L001"]


def test_every_problem_at_once(tmp_path: Path) -> None:
    """One hostile package raises every code from L002 to L034 in a single validation."""
    d = _tiny(tmp_path / "p")
    geo = Affine(0.0003, 0.0, 109.2, 0.0, -0.0003, 24.5)
    _tif(d / "dem.tif", _values("dem"), nodata=-9999.0, crs="EPSG:4490", transform=geo)  # L008 (+L007)
    (d / "precipitation.tif").write_bytes(b"not a tiff")  # L005
    _tif(d / "et0.tif", np.stack([_values("et0")] * 2), nodata=-9999.0)  # L006
    _tif(d / "soil_depth.tif", _values("soil_depth")[:-1], nodata=-9999.0)  # L009
    pawc = _values("pawc")
    pawc[3, 4], pawc[5, 6] = 1.5, np.inf  # L013, L014
    _tif(d / "pawc.tif", pawc, nodata=-9999.0)
    _tif(d / "erodibility.tif", np.full((H, W), -9999.0, np.float32), nodata=-9999.0)  # L012
    ros = _values("erosivity")
    ros[7, 8] = -9999.0  # L011 (warning)
    _tif(d / "erosivity.tif", ros, nodata=-9999.0)
    _tif(d / "lulc_2025.tif", _lulc().astype(np.float32), nodata=255)  # L010
    lulc = _lulc()
    lulc[2, 2], lulc[2, 3] = 99, 31  # L015+L016, L016
    _tif(d / "lulc_2020.tif", lulc, nodata=255)
    dist = np.ones((H, W), np.uint8)
    dist[1, 1] = 7  # L017
    _tif(d / "districts.tif", dist, nodata=0)
    (d / "classes.csv").write_text(
        "lucode,name,ecosystem\n11,水田,农田\n21,有林地,jungle\n21,有林地,forest\n31,草地,grassland\n", "utf-8"
    )  # L024, L025
    (d / "carbon.csv").write_text(
        "LUCODE,C_ABOVE,C_BELOW,C_SOIL,C_DEAD,Kc,ecosystem\n11,3,1,60,0,0.9,forest\n21,45,10,90,4,1.0,forest\n", "utf-8"
    )  # L030
    (d / "awy.csv").write_text("lucode,lulc_veg,root_depth,Kc\n11,1,600,0.8\n21,1,4000,1.0\n", "utf-8")  # L031; L019
    (d / "provisioning.csv").write_text(
        "year,district_id,product_group,product,quantity,unit,output_value,source\n"
        "2020,459902,农业,粮食,abc,t,300,yb\n"  # L021
        "2020,459902,林业,木材,-5,m3,30,yb\n"  # L022
        "2020,459902,渔业,鱼,nan,t,30,yb\n"  # L023
        "2020,459902,牧业,,5,t,30,yb\n"  # L020
        "2020,459902,水电,水电,5,10^4 kWh,30,\n"  # L027
        "2020,459902,渔业,虾,5,公斤,30,yb\n"  # L034
        "2020,459999,农业,蔬菜,5,t,30,yb\n",
        "utf-8",
    )  # L029
    (d / "prices.csv").write_text(
        "item,value,unit,price_year,source\ncarbon,1200,yuan/t C,,LY/T 1721-2008\n", "utf-8"
    )  # L026
    (d / "tourism.csv").write_bytes(b"PK\x03\x04 a workbook")  # L018
    with open(d / "gdp.csv", "wb") as fh:  # L004 (sparse)
        fh.truncate(MAX_TABLE_BYTES + 1)
    text = (d / "ecology.toml").read_text("utf-8")
    text = text.replace("years = [2020, 2025]", "years = [2020, 2025, 2030]\nfoo = 1")  # L032, L002
    text = text.replace("seasonality_z = 5.0", "")  # L028
    text = text.replace('biophysical = "biophysical.csv"', 'biophysical_table_path = ["carbon.csv", "awy.csv"]')
    text = text.replace('provisioning = "provisioning.csv"', 'provisioning = ["provisioning.csv", "gone.csv"]')  # L003
    text = text.split("[sources]")[0]  # L033 (warnings)
    (d / "ecology.toml").write_text(text, "utf-8")
    pkg, problems = check_eco_package(d)
    assert pkg is None
    codes = {p.code for p in problems}
    assert codes == {f"L{i:03d}" for i in range(2, 35)}
    by = {(p.code, p.file, p.row, p.column) for p in problems}
    assert ("L025", "classes.csv", 4, "lucode") in by
    assert ("L026", "prices.csv", 2, "price_year") in by
    assert ("L013", "pawc.tif", None, "band 1, pixel (row 3, col 4)") in by
    assert ("L015", "lulc_2020.tif", None, "band 1, pixel (row 2, col 2)") in by
    assert ("L019", "carbon.csv, awy.csv", 1, "usle_c") in by
    assert {p.severity for p in problems if p.code in ("L011", "L033")} == {"warning"}
    assert {p.file for p in problems if p.code == "L011"} == {"erosivity.tif"}  # inf is L014, not nodata
    assert {p.value for p in problems if p.code == "L031"} == {"lucode=11"}
    assert [(p.row, p.value) for p in problems if p.code == "L034"] == [(7, "公斤")]


def test_invest_names_accepted(tmp_path: Path) -> None:
    """A package in InVEST's argument and column names (any case) validates clean."""
    d = _tiny(tmp_path / "p")
    (d / "carbon_pools.csv").write_text(
        "LUCODE,LULC_name,C_ABOVE,C_BELOW,C_SOIL,C_DEAD\n11,Paddy,3,1,60,0\n21,Forest,45,10,90,4\n", "utf-8"
    )
    (d / "biophysical_table.csv").write_text(
        "lucode,lulc_veg,root_depth,Kc,usle_c,usle_p\n11,1,600,0.9,0.1,0.15\n21,1,4000,1.0,0.006,1\n", "utf-8"
    )
    (d / "ecology.toml").write_text(
        'years = [2020]\nlulc_path = "lulc_2020.tif"\nprecipitation_path = "precipitation.tif"\n'
        'eto_path = "et0.tif"\ndepth_to_root_rest_layer_path = "soil_depth.tif"\npawc_path = "pawc.tif"\n'
        'dem_path = "dem.tif"\nerosivity_path = "erosivity.tif"\nerodibility_path = "erodibility.tif"\n'
        'seasonality_constant = 5\ncarbon_pools_path = "carbon_pools.csv"\n'
        'biophysical_table_path = "biophysical_table.csv"\n[tables]\nclasses = "classes.csv"\n'
        "[sources]\n"
        + "".join(f'{k} = "InVEST-style fixture"\n' for k in (*VALUE_ROLES, "lulc", "classes", "biophysical")),
        "utf-8",
    )
    pkg = read_eco_package(d)
    bio = pkg.tables["biophysical"].set_index("lucode")
    assert bio.loc[21, "c_above"] == 45.0 and bio.loc[11, "kc"] == 0.9 and bio.loc[11, "usle_p"] == 0.15
    assert pkg.parameters["seasonality_z"] == 5.0
    assert set(pkg.rasters) == {"lulc_2020", *VALUE_ROLES}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny(tmp_path_factory.mktemp("eco") / "p")


@pytest.fixture(scope="module")
def tiny_pkg(tiny: Path) -> EcoPackage:
    return read_eco_package(tiny)


def _full(path: Path) -> np.ndarray:
    with rasterio.open(path) as ds:
        x: np.ndarray = ds.read(1).astype(np.float64)
        x[x == ds.nodata] = np.nan
    return x


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(block=st.integers(1, 50), halo=st.integers(0, 3))
def test_windowed_sums_equal_whole(tiny_pkg: EcoPackage, block: int, halo: int) -> None:
    pkg = tiny_pkg
    full = _full(pkg.rasters["precipitation"])
    lulc = rasterio.open(pkg.rasters["lulc_2020"]).read(1)
    total, forest, n = 0.0, 0, 0
    padded = np.pad(full, halo, constant_values=np.nan)
    for b in iter_blocks(pkg, ["precipitation", "lulc_2020"], block_size=block, halo=halo):
        arr = b.arrays["precipitation"]
        r0, c0 = int(b.window.row_off), int(b.window.col_off)
        hh, ww = int(b.window.height), int(b.window.width)
        assert arr.shape == (hh + 2 * halo, ww + 2 * halo) and arr.dtype == np.float64
        np.testing.assert_array_equal(arr, padded[r0 : r0 + hh + 2 * halo, c0 : c0 + ww + 2 * halo])
        total += np.nansum(arr[b.core])
        codes, mask = b.arrays["lulc_2020"][b.core], b.masks["lulc_2020"][b.core]
        forest += int(((codes == 21) & ~mask).sum())
        n += arr[b.core].size
    assert n == H * W
    assert total == pytest.approx(np.nansum(full), rel=1e-12)
    assert forest == int((lulc == 21).sum())


def test_halo_beyond_edge_is_nodata(tiny_pkg: EcoPackage) -> None:
    pkg = tiny_pkg
    first = next(iter_blocks(pkg, ["dem", "lulc_2020"], block_size=8, halo=2))
    assert np.isnan(first.arrays["dem"][:2, :]).all() and np.isnan(first.arrays["dem"][:, :2]).all()
    assert first.masks["lulc_2020"][:2, :].all()
    assert not np.isnan(first.arrays["dem"][first.core]).any()


@pytest.mark.parametrize("chunks", [7, (5, 11), 64])
def test_dask_array_equals_raster(tiny_pkg: EcoPackage, chunks: int | tuple[int, int]) -> None:
    pkg = tiny_pkg
    arr = as_dask(pkg, "precipitation", chunks)
    whole = _full(pkg.rasters["precipitation"])
    got = arr.compute(scheduler="synchronous")  # type: ignore[no-untyped-call]
    np.testing.assert_array_equal(got, whole)
    codes = as_dask(pkg, "lulc_2020", chunks).compute(scheduler="synchronous")  # type: ignore[no-untyped-call]
    np.testing.assert_array_equal(codes, rasterio.open(pkg.rasters["lulc_2020"]).read(1).astype(np.int64))
    total = arr.sum().compute(scheduler="synchronous")  # type: ignore[no-untyped-call]
    assert float(total) == pytest.approx(np.nansum(whole), rel=1e-12)


@pytest.mark.parametrize("z", ["0", "-1", '"five"', "nan"])
def test_seasonality_must_be_positive(tmp_path: Path, z: str) -> None:
    d = _tiny(tmp_path / "p")
    text = (d / "ecology.toml").read_text("utf-8").replace("seasonality_z = 5.0", f"seasonality_z = {z}")
    (d / "ecology.toml").write_text(text, "utf-8")
    assert [(p.code, p.column) for p in check_eco_package(d)[1]] == [("L028", "seasonality_z")]


def test_accepted_double_counts_need_two_services_and_a_reason(tmp_path: Path) -> None:
    d = _tiny(tmp_path / "p")
    text = (d / "ecology.toml").read_text("utf-8")
    good = ('accepted_double_counts = [{services = ["water_conservation", "water_supply"], '
            'reason = "as the Ganzi account"}]\n')
    (d / "ecology.toml").write_text(good + text, "utf-8")
    pkg = read_eco_package(d)
    assert pkg.accepted_double_counts == (("water_conservation", "water_supply", "as the Ganzi account"),)
    bad = ('accepted_double_counts = [{services = ["water_conservation", "water_supply"], reason = " "}, '
           '{services = ["water_conservation"], reason = "one service"}]\n')
    (d / "ecology.toml").write_text(bad + text, "utf-8")
    assert [(p.code, p.column) for p in check_eco_package(d)[1]] == [
        ("L002", "accepted_double_counts[0]"), ("L002", "accepted_double_counts[1]")]
    # a pair is unordered, and must be one the double-count guard knows (gep_value.DOUBLE_COUNT_PAIRS)
    pairs = ('accepted_double_counts = [{services = ["hydropower", "water_conservation"], reason = "r"}, '
             '{services = ["water_conservation", "recreation"], reason = "not a known pair"}]\n')
    (d / "ecology.toml").write_text(pairs + text, "utf-8")
    probs = check_eco_package(d)[1]
    assert [(p.code, p.column, p.value) for p in probs] == [
        ("L002", "accepted_double_counts[1].services", "water_conservation + recreation")]


def test_huge_raster_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qingshan.ecology import rasters

    monkeypatch.setattr(rasters, "MAX_RASTER_PIXELS", H * W - 1)
    problems = check_eco_package(_tiny(tmp_path / "p"))[1]
    assert {p.code for p in problems} == {"L004"} and len(problems) == 10  # every raster, none read


def test_large_manifest_refused_before_parsing(tmp_path: Path) -> None:
    d = _tiny(tmp_path / "p")
    with open(d / "ecology.toml", "ab") as fh:
        fh.write(b"#" * (2 << 20))
    problems = check_eco_package(d)[1]
    assert [p.code for p in problems] == ["L004"]
    assert os.path.getsize(d / "ecology.toml") > 1 << 20


def test_every_problem_code_is_documented() -> None:
    import re

    root = Path(__file__).resolve().parents[1]
    used = set()
    for f in (root / "src" / "qingshan" / "ecology").glob("*.py"):
        used |= set(re.findall(r'"(L0\d\d)"', f.read_text("utf-8")))
    doc = (root / "docs" / "gep" / "package.md").read_text("utf-8")
    assert used and sorted(used ^ set(re.findall(r"^\| (L0\d\d) \|", doc, re.M))) == []
