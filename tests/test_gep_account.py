"""The GEP accounting engine (qingshan.ecology.accounting) against a hand calculation on a
4 × 5 package built here, pixel by pixel in plain ``math``; property tests (block size, dask,
districts); and the demo city's package for two years."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan.ecology import read_eco_package
from qingshan.ecology.accounting import Pricing, SoilOptions, account_gep, compare
from qingshan.ecology.coordination import coordination_table
from qingshan.ecology.prices import parse_prices

PIXEL = 100.0  # m: one pixel is one hectare
F, A, W = 1, 2, 3  # forest, farmland (cropland), water
LULC = {2020: [[F, F, F, A, A], [F, F, A, A, W], [A, A, A, W, W], [A, A, F, F, W]],
        2025: [[F, F, F, A, A], [F, F, F, A, W], [F, A, A, W, W], [A, A, A, F, W]]}
DISTRICT = [[1, 1, 2, 2, 2]] * 4  # columns 0–1: district 1 (D1); 2–4: district 2 (D2)
ECO = {F: "forest", A: "farmland", W: "water"}
ID = {1: "D1", 2: "D2"}
#: class: c_above, c_below, c_soil, c_dead (t C/ha), lulc_veg, root_depth (mm), kc, usle_c, usle_p
BIO = {F: (10.0, 2.0, 30.0, 1.0, 1, 2000.0, 1.0, 0.01, 1.0),
       A: (2.0, 1.0, 20.0, 0.0, 1, 500.0, 0.5, 0.2, 0.5),
       W: (0.0, 0.0, 0.0, 0.0, 0, 1.0, 1.2, 0.0, 1.0)}
Z = 5.0
R, K = 1000.0, 0.01  # erosivity, erodibility (uniform)
INDEX = {2020: 100.0, 2025: 125.0}
PRICES = """item,kind,value,unit,price_year,region,source,status,note
reservoir_storage_cost,price,5,yuan/m3,2020,test,test,read,
reservoir_dredging_cost,price,10,yuan/m3,2020,test,test,read,
nitrogen_treatment_cost,price,1000,yuan/t,2020,test,test,read,
phosphorus_treatment_cost,price,2000,yuan/t,2020,test,test,read,
carbon_price,price,100,yuan/tCO2,2020,test,test,read,
electricity_price,price,0.5,yuan/kWh,2020,test,test,read,
sediment_deposition_coefficient,parameter,0.24,1,2020,test,test,read,
soil_bulk_density,parameter,1.2,t/m3,2020,test,test,read,
soil_nitrogen_content,parameter,0.002,1,2020,test,test,read,
soil_phosphorus_content,parameter,0.001,1,2020,test,test,read,
"""


def precipitation(r: int, c: int) -> float:
    return 900.0 + 50.0 * c + 10.0 * r


def dem(r: int, c: int) -> float:
    return 100.0 - 10.0 * c  # a plane falling 10 m per 100 m to the east: slope 10 %


def _tif(path: Path, data: list[list[int]] | list[list[float]], dtype: str, nodata: float) -> None:
    arr = np.asarray(data, dtype=dtype)
    with rasterio.open(path, "w", driver="GTiff", height=arr.shape[0], width=arr.shape[1], count=1, dtype=dtype,
                       crs="EPSG:4545", transform=Affine(PIXEL, 0, 500000.0, 0, -PIXEL, 2500000.0),
                       nodata=nodata) as ds:
        ds.write(arr, 1)


def write_package(d: Path, districts: list[list[int]] = DISTRICT) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    grid = [[(r, c) for c in range(5)] for r in range(4)]
    for y, lulc in LULC.items():
        _tif(d / f"lulc_{y}.tif", lulc, "uint8", 255)
    _tif(d / "districts.tif", districts, "uint8", 0)
    for name, fn in (("precipitation", precipitation), ("dem", dem), ("et0", lambda r, c: 800.0),
                     ("soil_depth", lambda r, c: 1000.0), ("pawc", lambda r, c: 0.2),
                     ("erosivity", lambda r, c: R), ("erodibility", lambda r, c: K)):
        _tif(d / f"{name}.tif", [[fn(r, c) for r, c in row] for row in grid], "float32", -9999.0)
    (d / "classes.csv").write_text("lucode,name,ecosystem\n1,林地,forest\n2,耕地,farmland\n3,水体,water\n", "utf-8")
    bio = "lucode,c_above,c_below,c_soil,c_dead,lulc_veg,root_depth,kc,usle_c,usle_p\n" + "".join(
        f"{k},{','.join(str(v) for v in vals)}\n" for k, vals in BIO.items())
    (d / "biophysical.csv").write_text(bio, "utf-8")
    (d / "districts.csv").write_text("raster_code,district_id,name\n1,D1,甲区\n2,D2,乙区\n", "utf-8")
    (d / "provisioning.csv").write_text(
        "year,district_id,product_group,product,quantity,unit,output_value,source\n"
        "2020,D1,agriculture,粮食,90,t,40,test\n2025,D1,agriculture,粮食,100,t,50,test\n"
        "2025,D2,hydropower,水电,1000,10^4 kWh,,test\n", "utf-8")
    (d / "tourism.csv").write_text("year,district_id,visits,revenue,source\n2020,D2,1.5,20,test\n2025,D2,2,30,test\n",
                                   "utf-8")
    (d / "gdp.csv").write_text("year,district_id,gdp,source\n2020,D1,100,t\n2020,D2,300,t\n2025,D1,150,t\n"
                               "2025,D2,320,t\n", "utf-8")
    roles = ["lulc", "districts", "precipitation", "dem", "et0", "soil_depth", "pawc", "erosivity", "erodibility",
             "classes", "biophysical", "districts", "provisioning", "tourism", "gdp"]
    (d / "ecology.toml").write_text(
        'years = [2020, 2025]\n[parameters]\nseasonality_z = 5.0\n[rasters]\n'
        + "".join(f'{k} = "{k}.tif"\n' for k in ("dem", "precipitation", "et0", "soil_depth", "pawc", "erodibility",
                                                   "erosivity", "districts"))
        + '[rasters.lulc]\n2020 = "lulc_2020.tif"\n2025 = "lulc_2025.tif"\n[tables]\n'
        + "".join(f'{t} = "{t}.csv"\n' for t in ("classes", "biophysical", "districts", "provisioning", "tourism",
                                                 "gdp"))
        + "[sources]\n" + "".join(f'{r} = "test"\n' for r in dict.fromkeys(roles)), "utf-8")
    return d


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return read_eco_package(write_package(tmp_path_factory.mktemp("eco") / "pkg"))


def pricing() -> Pricing:
    return Pricing(parse_prices(PRICES, "test.csv"), INDEX, "test-index", "test")


SOIL = SoilOptions(threshold_flow_accumulation=1000, l_max=122, flow_dir="d8")


# --------------------------------------------------------------------------- the hand calculation


def storage(code: int) -> float:
    return sum(BIO[code][:4])  # t C/ha = t C per 1-ha pixel


def water_yield_mm(code: int, p: float) -> float:
    """InVEST annual water yield, one pixel (Fu–Zhang with Donohue's ω; not vegetated: min)."""
    _, _, _, _, veg, root, kc, _, _ = BIO[code]
    pet = kc * 800.0
    if veg == 0:
        return p - min(pet, p)
    awc = min(root, 1000.0) * 0.2
    omega = min(Z * awc / p + 1.25, 5.0)
    phi = pet / p
    fraction = min(phi, 1 + phi - (1 + phi**omega) ** (1 / omega))
    return float((1 - fraction) * p)


def avoided_t(code: int, col: int) -> float:
    """RKLS − USLE on the 10 % plane with D8 (every cell drains east: accumulation = col + 1),
    InVEST SDR's LS (Desmet & Govers form, m by Oliveira et al. above 9 %, McCool S)."""
    theta = math.atan(0.10)
    sin = math.sin(theta)
    beta = (sin / 0.0896) / (3 * sin**0.8 + 0.56)
    m = beta / (1 + beta)  # slope 10 % > 9 %
    s = 16.8 * sin - 0.50  # slope ≥ 9 %
    x = abs(math.sin(theta)) + abs(math.cos(theta))
    d = PIXEL
    a = math.sqrt(col * d * d)  # √((F − 1)·D²), F = col + 1
    length = min(((a + d * d) ** (m + 1) - a ** (m + 1)) / (d ** (m + 2) * x**m * 22.13**m), 122.0)
    rkls = length * s * R * K
    cp = BIO[code][7] * BIO[code][8]
    return float(rkls - rkls * cp)  # t/ha/yr on a 1-ha pixel


def hand(year: int, prev: int | None) -> dict[tuple[str, str], dict[str, float]]:
    out: dict[tuple[str, str], dict[str, float]] = {}
    for r in range(4):
        for c in range(5):
            code = LULC[year][r][c]
            key = (ID[DISTRICT[r][c]], ECO[code])
            z = out.setdefault(key, {"area": 0.0, "storage": 0.0, "seq": 0.0, "wy_m3": 0.0, "soil": 0.0})
            z["area"] += 1.0
            z["storage"] += storage(code)
            if prev is not None:
                z["seq"] += (storage(code) - storage(LULC[prev][r][c])) / (year - prev)
            z["wy_m3"] += water_yield_mm(code, precipitation(r, c)) / 1000.0 * PIXEL * PIXEL
            z["soil"] += avoided_t(code, c)
    return out


def hand_gep(year: int, prev: int | None) -> float:
    ratio = INDEX[year] / INDEX[2020]
    total = 0.0
    for z in hand(year, prev).values():
        total += z["wy_m3"] * 5 * ratio
        total += 0.24 * z["soil"] / 1.2 * 10 * ratio  # sediment: λ·A_s/ρ × dredging cost
        total += z["soil"] * 0.002 * 1000 * ratio + z["soil"] * 0.001 * 2000 * ratio  # N and P
    if year == 2025:
        # carbon: the NET storage change of each district over all its ecosystems, valued when
        # positive. 2020 → 2025 three pixels change (storage F 43, A 23 t C/ha, 1-ha pixels):
        # D1 (2,0) A→F +20 t C; D2 (1,2) A→F +20 and (3,2) F→A −20. Over 5 a:
        # D1 net +4 t C/a → 4 × 44/12 t CO2 × 100 yuan × 1.25 = 1 833.33 yuan;
        # D2 net (+20 − 20)/5 = 0 → nothing. (The old rule, D2 forest +4 valued and D2
        # farmland −4 dropped, gave 3 666.67.)
        total += 4 * 44 / 12 * 100 * 1.25
        total += 50e4 + 30e4 + 1000e4 * 0.5 * ratio  # grain output value, tourism revenue, hydropower
    else:
        total += 40e4 + 20e4
    return total


# --------------------------------------------------------------------------- tests


def test_physical_totals_equal_the_hand_calculation(package, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    acc = account_gep(package, 2025, pricing=pricing(), soil=SOIL, results_dir=tmp_path, block_size=2)
    expected = hand(2025, 2020)
    got = {(r.district, r.ecosystem): r for r in acc.physical.itertuples(index=False)}
    assert set(got) == set(expected)
    for key, z in expected.items():
        g = got[key]
        assert g.area_ha == pytest.approx(z["area"])
        assert g.carbon_storage_tC == pytest.approx(z["storage"], rel=1e-12)
        assert g.carbon_storage_change_tC_per_a == pytest.approx(z["seq"], rel=1e-12, abs=1e-12)
        assert g.water_yield_m3 == pytest.approx(z["wy_m3"], rel=1e-6)  # float32 rasters of P
        assert g.soil_retention_t == pytest.approx(z["soil"], rel=1e-6)  # K = 0.01 stored as float32
    # the per-pixel maps were written
    with rasterio.open(acc.rasters["c_storage"]) as ds:
        assert ds.read(1)[1, 2] == pytest.approx(storage(F))
    with rasterio.open(acc.rasters["wyield"]) as ds:
        assert ds.read(1)[0, 4] == pytest.approx(water_yield_mm(A, precipitation(0, 4)), rel=1e-5)


def test_gep_equals_the_hand_calculation(package) -> None:  # type: ignore[no-untyped-def]
    a20 = account_gep(package, 2020, pricing=pricing(), soil=SOIL)
    a25 = account_gep(package, 2025, pricing=pricing(), soil=SOIL)
    assert a20.gep == pytest.approx(hand_gep(2020, None), rel=1e-6)
    assert a25.gep == pytest.approx(hand_gep(2025, 2020), rel=1e-6)
    # 2020 is the first LULC year: no sequestration, and it says so
    assert "carbon_sequestration" not in set(a20.table["service"])
    assert any(m["service"] == "carbon_sequestration" for m in a20.not_accounted)
    # a lost pool (forest → cropland in D2) is not a negative service
    assert (a25.table["quantity"].dropna() >= 0).all()
    # the 2025 water price is the 2020 price × I2025/I2020
    wc = a25.table[a25.table["service"] == "water_conservation"]
    assert set(wc["price"]) == {5 * 1.25}
    assert set(wc["price_year"]) == {2020}
    # totals are additive
    for by in ("class", "service", "district", "ecosystem"):
        assert a25.totals(by).sum() == pytest.approx(a25.gep, rel=1e-12)
    # services without inputs are listed, never silently zero
    missing = {m["service"] for m in a25.not_accounted}
    assert {"flood_regulation", "air_purification", "oxygen_release"} <= missing
    assert not (missing & set(a25.table["service"])) - {"water_supply"}


def test_a_district_net_carbon_loss_is_recorded_not_dropped(tmp_path: Path) -> None:
    """Districts drawn so that D1 holds both A→F pixels ((2,0), (1,2)) and D2 the F→A pixel (3,2):
    D1 net (+20 + 20)/5 = +8 t C/a, valued 8 × 44/12 × 100 × 1.25 = 3 666.67 yuan;
    D2 net −20/5 = −4 t C/a = −14.667 t CO2/a: valued as zero, recorded as a loss of
    4 × 44/12 × 100 × 1.25 = 1 833.33 yuan at the same price."""
    districts = [[1, 1, 2, 2, 2], [1, 1, 1, 2, 2], [1, 1, 2, 2, 2], [1, 1, 2, 2, 2]]
    pkg = read_eco_package(write_package(tmp_path / "p", districts), accept_warnings=True)
    acc = account_gep(pkg, 2025, pricing=pricing())
    carbon = acc.table[acc.table["service"] == "carbon_sequestration"]
    assert list(carbon["district"]) == ["D1"]
    assert float(carbon["quantity"].iloc[0]) == pytest.approx(8 * 44 / 12, rel=1e-12)
    assert float(carbon["value_yuan"].iloc[0]) == pytest.approx(8 * 44 / 12 * 100 * 1.25, rel=1e-12)
    losses = [m for m in acc.not_accounted if m["kind"] == "carbon_loss"]
    assert [m["district"] for m in losses] == ["D2"]
    assert losses[0]["loss_tc_per_a"] == pytest.approx(4.0, rel=1e-12)
    assert losses[0]["loss_tco2_per_a"] == pytest.approx(4 * 44 / 12, rel=1e-12)
    assert losses[0]["value_yuan"] == pytest.approx(4 * 44 / 12 * 100 * 1.25, rel=1e-12)
    assert "D2" in losses[0]["why_en"] and "14.7 t CO2/a" in losses[0]["why_en"]


def test_area_without_a_value_is_reported_by_district(package) -> None:  # type: ignore[no-untyped-def]
    """D8 with threshold 4: every cell drains east and accumulation is col + 1, so the cells of
    column 4 (accumulation 5 > 4) are streams, where InVEST leaves avoided erosion NaN. They are
    4 pixels of D2 (columns 2–4, 12 ha): 4 ha (33.3 %) not covered; D1 is covered whole."""
    acc = account_gep(package, 2025, pricing=pricing(), soil=SoilOptions(4, 122, "d8"))
    cov = acc.provenance["coverage"]["soil_retention"]
    assert cov == {"D1": {"area_ha": 8.0, "covered_ha": 8.0}, "D2": {"area_ha": 12.0, "covered_ha": 8.0}}
    notes = [m for m in acc.not_accounted if m["kind"] == "coverage"]
    assert [(m["service"], m["district"]) for m in notes] == [("soil_retention", "D2")]
    assert "D2: 4.0 ha (33.3%) not covered" in notes[0]["why_en"]
    # water yield has a value on every pixel: covered whole, no note
    assert acc.provenance["coverage"]["water_conservation"]["D2"] == {"area_ha": 12.0, "covered_ha": 12.0}
    # the soil retained is that of the 16 covered pixels only (hand: columns 0–3)
    got = float(acc.physical["soil_retention_t"].sum())
    assert got == pytest.approx(sum(avoided_t(LULC[2025][r][c], c) for r in range(4) for c in range(4)), rel=1e-6)


def test_comparison_splits_the_change(package) -> None:  # type: ignore[no-untyped-def]
    a20 = account_gep(package, 2020, pricing=pricing(), soil=SOIL)
    a25 = account_gep(package, 2025, pricing=pricing(), soil=SOIL)
    c = compare(a20, a25)
    rows = c.rows
    assert rows["change"].sum() == pytest.approx(a25.gep - a20.gep, rel=1e-9)
    effects = rows["quantity_effect"] + rows["price_effect"] + rows["unsplit"] + rows["scope_change"]
    assert effects.to_numpy() == pytest.approx(rows["change"].to_numpy(), rel=1e-9, abs=1e-6)
    # carbon is accounted in 2025 only (2020 is the first LULC year): its whole change, D1's
    # 4 t C/a × 44/12 × 100 × 1.25 = 1 833.33 yuan, is a scope change, not a quantity effect
    carbon = rows[rows["service"] == "carbon_sequestration"]
    assert list(carbon["district"]) == ["D1"] and list(carbon["indicator"]) == ["storage_change"]
    assert float(carbon["scope_change"].iloc[0]) == pytest.approx(4 * 44 / 12 * 100 * 1.25, rel=1e-12)
    assert float(carbon["quantity_effect"].iloc[0]) == 0.0 and float(carbon["price_effect"].iloc[0]) == 0.0
    assert rows.loc[rows["service"] != "carbon_sequestration", "scope_change"].abs().sum() == 0.0
    # water conservation in one zone: quantity effect at the mean price, price effect at the mean quantity
    z20, z25 = hand(2020, None)[("D1", "forest")], hand(2025, 2020)[("D1", "forest")]
    row = rows[(rows["service"] == "water_conservation") & (rows["district"] == "D1") & (rows["ecosystem"] == "forest")]
    assert float(row["quantity_effect"].iloc[0]) == pytest.approx((z25["wy_m3"] - z20["wy_m3"]) * (5 + 6.25) / 2,
                                                                  rel=1e-6)
    assert float(row["price_effect"].iloc[0]) == pytest.approx((6.25 - 5) * (z20["wy_m3"] + z25["wy_m3"]) / 2,
                                                               rel=1e-6)
    # rows valued from output value with a quantity are split at their unit value: tourism in D2,
    # 1.5 → 2 万人次 and 20 → 30 万元: p0 = 200 000 / 15 000 = 13.33 yuan a visit, p1 = 15;
    # quantity (20 000 − 15 000)·(13.33 + 15)/2 = 70 833.33, price (15 − 13.33)·(15 000 + 20 000)/2 = 29 166.67
    rec = rows[rows["service"] == "recreation"]
    assert rec["unsplit"].sum() == 0.0
    assert rec["quantity_effect"].sum() == pytest.approx(5000 * (200_000 / 15_000 + 15) / 2, rel=1e-12)
    assert rec["price_effect"].sum() == pytest.approx((15 - 200_000 / 15_000) * 35_000 / 2, rel=1e-12)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(block=st.integers(min_value=1, max_value=6))
def test_totals_do_not_depend_on_the_block_size(package, block: int) -> None:  # type: ignore[no-untyped-def]
    ref = account_gep(package, 2025, pricing=pricing(), soil=SOIL, block_size=512)
    got = account_gep(package, 2025, pricing=pricing(), soil=SOIL, block_size=block)
    assert got.gep == pytest.approx(ref.gep, rel=1e-12)
    num = ["area_ha", "carbon_storage_tC", "carbon_storage_change_tC_per_a", "water_yield_m3", "soil_retention_t"]
    assert got.physical[num].to_numpy() == pytest.approx(ref.physical[num].to_numpy(), rel=1e-12)


def test_dask_gives_the_numpy_totals(package, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ref = account_gep(package, 2025, pricing=pricing(), soil=SOIL, block_size=3)
    got = account_gep(package, 2025, pricing=pricing(), soil=SOIL, engine="dask", chunks=2, results_dir=tmp_path)
    assert got.gep == pytest.approx(ref.gep, rel=1e-12)
    num = ["area_ha", "carbon_storage_tC", "water_yield_m3", "soil_retention_t"]
    assert got.physical[num].to_numpy() == pytest.approx(ref.physical[num].to_numpy(), rel=1e-12)
    with rasterio.open(got.rasters["wyield"]) as ds:
        assert ds.read(1)[2, 1] == pytest.approx(water_yield_mm(A, precipitation(2, 1)), rel=1e-5)


def test_dask_on_a_distributed_client(package, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    ref = account_gep(package, 2025, pricing=pricing(), soil=SOIL)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        got = account_gep(package, 2025, pricing=pricing(), soil=SOIL, engine="dask", chunks=3, client=client,
                          results_dir=tmp_path)
    assert got.gep == pytest.approx(ref.gep, rel=1e-12)
    with rasterio.open(got.rasters["c_storage"]) as ds:
        assert ds.read(1)[3, 3] == pytest.approx(storage(F))


def test_regulating_services_are_additive_over_districts(package, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An account of each district alone (the other's pixels out of the districts raster)
    adds up to the account of both."""
    whole = account_gep(package, 2025, pricing=pricing(), soil=SOIL)
    parts = []
    for keep in (1, 2):
        only = [[v if v == keep else 0 for v in row] for row in DISTRICT]
        pkg = read_eco_package(write_package(tmp_path / f"d{keep}", only), accept_warnings=True)
        parts.append(account_gep(pkg, 2025, pricing=pricing(), soil=SOIL))
    reg = [float(a.table.loc[a.table["class"] == "regulating", "signed_value_yuan"].sum()) for a in (whole, *parts)]
    assert reg[1] + reg[2] == pytest.approx(reg[0], rel=1e-12)


def test_soil_retention_is_not_accounted_without_routing_parameters(package) -> None:  # type: ignore[no-untyped-def]
    acc = account_gep(package, 2025, pricing=pricing())
    assert "soil_retention" not in set(acc.table["service"])
    assert any(m["service"] == "soil_retention" and "l_max" in m["why_en"] for m in acc.not_accounted)


def test_double_count_is_reported_unless_accepted(package) -> None:  # type: ignore[no-untyped-def]
    acc = account_gep(package, 2025, pricing=pricing(), soil=SOIL, reservoirs_m3={"D2": 1e6})
    # D2 values water conservation beside flood storage and beside hydropower
    assert sorted(str(p.value) for p in acc.problems) == ["D2: water_conservation + flood_regulation",
                                                     "D2: water_conservation + hydropower"]
    # pairs are unordered
    ok = account_gep(package, 2025, pricing=pricing(), soil=SOIL, reservoirs_m3={"D2": 1e6},
                     accept_double_count=[("flood_regulation", "water_conservation"),
                                          ("water_conservation", "hydropower")])
    assert ok.problems == []
    flood = ok.table[ok.table["service"] == "flood_regulation"]
    assert float(flood["value_yuan"].sum()) == pytest.approx(0.35 * 1e6 * 5 * 1.25)


def test_coordination_by_district_and_year(package) -> None:  # type: ignore[no-untyped-def]
    by = {y: {str(k): float(v) for k, v in account_gep(package, y, pricing=pricing(), soil=SOIL)
              .totals("district").items()} for y in (2020, 2025)}
    frame, why = coordination_table(by, package.tables["gdp"])
    assert why is None and len(frame) == 4
    assert frame["gep_gdp_ratio"].to_numpy() == pytest.approx((frame["gep_yuan"] / frame["gdp_yuan"]).to_numpy())
    d1 = frame[frame["district"] == "D1"].sort_values("year")
    assert d1["gdp_growth"].iloc[1] == pytest.approx((150 / 100) ** (1 / 5) - 1)
    assert ((frame["d"] >= 0) & (frame["d"] <= 1)).all()


def test_emissions_by_district_sums_reported_pollutants() -> None:
    import pandas as pd

    from qingshan.ecology.accounting import emissions_by_district

    ents = pd.DataFrame({"entity_id": ["e1", "e2", "e3", "D9"], "district_id": ["D1", "D1", "D2", None]})
    pol = pd.DataFrame({"entity_id": ["e1", "e2", "e2", "e3", "e3", "e1", "D9", "e7"],
                        "year": [2025, 2025, 2025, 2025, 2025, 2024, 2025, 2025],
                        "pollutant": ["so2", "so2", "cod", "particulates", "nh3_n", "so2", "so2", "nox"],
                        "quantity_t": [1.5, 2.0, 4.0, 9.0, 0.5, 100.0, 2.5, 1.0]})
    # D9 has no district and e7 is not in the entities table: 2.5 t SO2 and 1 t NOx kept apart
    assert emissions_by_district(pol, ents, 2025) == {"D1": {"SO2": 3.5, "COD": 4.0}, "D2": {"NH3-N": 0.5},
                                                      "": {"SO2": 2.5, "NOx": 1.0}}


def test_emissions_without_a_district_are_reported_not_dropped(package) -> None:  # type: ignore[no-untyped-def]
    acc = account_gep(package, 2025, pricing=pricing(), emissions_t={"": {"SO2": 2.5}})
    assert "air_purification" not in set(acc.table["service"])
    notes = [m for m in acc.not_accounted if m.get("mass_t") is not None]
    assert [(m["service"], m["pollutant"], m["mass_t"], m["district"]) for m in notes] == [
        ("air_purification", "SO2", 2.5, None)]
    assert "2.500 t emitted by enterprises without a district" in notes[0]["why_en"]


def test_no_provisioning_rows_for_the_year_lists_every_group(package) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    tables = dict(package.tables)
    tables["provisioning"] = tables["provisioning"].iloc[0:0]
    acc = account_gep(dataclasses.replace(package, tables=tables), 2025, pricing=pricing())
    listed = {m["service"] for m in acc.not_accounted if "no rows for 2025" in m["why_en"]}
    assert listed == {"agriculture", "forestry", "husbandry", "fishery", "water_supply", "hydropower"}


def test_a_single_district_coded_0_is_still_a_district(tmp_path: Path) -> None:
    """Every pixel in one district whose raster code is 0 (nodata of the districts raster set to
    255): the rows name that district, not "all"."""
    d = write_package(tmp_path / "p", [[0] * 5] * 4)
    _tif(d / "districts.tif", [[0] * 5] * 4, "uint8", 255)
    (d / "districts.csv").write_text("raster_code,district_id,name\n0,D0,零区\n", "utf-8")
    (d / "gdp.csv").write_text("year,district_id,gdp,source\n2020,D0,400,t\n2025,D0,470,t\n", "utf-8")
    for f in ("provisioning.csv", "tourism.csv"):
        text = (d / f).read_text("utf-8").replace(",D1,", ",D0,").replace(",D2,", ",D0,")
        (d / f).write_text(text, "utf-8")
    pkg = read_eco_package(d, accept_warnings=True)
    acc = account_gep(pkg, 2025, pricing=pricing())
    assert set(acc.table["district"]) == {"D0"} and acc.districts == {"D0": "零区"}


# --------------------------------------------------------------------------- the demo city


@pytest.fixture(scope="module")
def demo_accounts(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from qingshan.ecology.demo import write_demo_eco_package

    pkg = read_eco_package(write_demo_eco_package(tmp_path_factory.mktemp("demo") / "ecology"))
    p = Pricing.shipped("ganzi_2010")
    return [account_gep(pkg, y, pricing=p) for y in (2020, 2025)]


def test_the_demo_accounts_two_years(demo_accounts) -> None:  # type: ignore[no-untyped-def]
    a20, a25 = demo_accounts
    assert a20.gep > 0 and a25.gep > 0
    assert {"water_conservation", "soil_retention", "recreation"} <= set(a25.table["service"])
    assert "carbon_sequestration" in set(a25.table["service"])  # afforestation and mangrove 2020 → 2025
    assert a25.provenance["price_set"] == "ganzi_2010"
    # pins the demo package's GEP (ganzi_2010 prices, CPI) to 4 significant digits: update only
    # with a reason (a change of the demo data, a price set or a method), stated in the commit
    assert float(f"{a20.gep:.4g}") == 2.516e10
    assert float(f"{a25.gep:.4g}") == 2.952e10
    # carbon: the net storage change of each district; 459903 loses storage on balance and is
    # recorded, not dropped
    assert float(f"{a25.totals('service')['carbon_sequestration']:.4g}") == 9.935e7
    assert [m["district"] for m in a25.not_accounted if m["kind"] == "carbon_loss"] == ["459903"]
    assert a20.problems == [] and a25.problems == []  # the manifest accepts its double counts with reasons
    c = compare(a20, a25)
    total = c.rows[["quantity_effect", "price_effect", "unsplit", "scope_change"]].to_numpy().sum()
    assert total == pytest.approx(a25.gep - a20.gep, rel=1e-9)
    # carbon is accounted in 2025 only: a scope change, not a quantity effect
    assert c.rows["scope_change"].sum() == pytest.approx(a25.totals("service")["carbon_sequestration"], rel=1e-12)
    priced = c.rows[(c.rows["unsplit"] == 0) & (c.rows["scope_change"] == 0)]
    assert (priced["quantity_effect"] + priced["price_effect"]).sum() == pytest.approx(priced["change"].sum(),
                                                                                      rel=1e-9)


def test_carbon_indicator_names() -> None:
    from qingshan.documents.gep import indicator_name

    assert indicator_name("storage_change") == ("碳储量年净变化（区县内各生态系统合计）",
                                                "net carbon storage change a year (all ecosystems of the district)")
    # the per-period form of earlier exports still reads
    assert indicator_name("storage_change_2020_2025") == ("碳储量变化（2020–2025 年）",
                                                          "carbon storage change (2020–2025)")
