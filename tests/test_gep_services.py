"""Hand-worked cases for every GEP service formula (qingshan.methods.gep_services), the valuation
(qingshan.methods.gep_value) and the price loader (qingshan.ecology.prices), with property tests
for GEP ≥ 0, additivity over districts and the exact quantity/price split of a change.

Inputs marked "illustrative" are round numbers chosen for the hand calculation, not defaults.
"""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.ecology import prices as pr
from qingshan.errors import ValidationError
from qingshan.methods import gep_services as s
from qingshan.methods import gep_value as gv

# --- service formulas, one pixel or one row each ---------------------------------------------


def test_water_conservation_one_pixel_and_a_block() -> None:
    # (800 − 100 − 500) mm = 0.2 m over a 30 m pixel (900 m²) = 180 m³/a
    assert s.water_conservation(800.0, 100.0, 500.0, 900.0) == pytest.approx(180.0)
    p = np.array([[800.0, 600.0]])
    got = s.water_conservation(p, np.array([[100.0, 50.0]]), np.array([[500.0, 600.0]]), 900.0)
    # second pixel: (600 − 50 − 600) mm = −0.05 m → −45 m³ (the printed formula has no floor)
    np.testing.assert_allclose(got, [[180.0, -45.0]])
    lazy = s.water_conservation(da.from_array(p, chunks=1), 100.0, 500.0, 900.0)  # type: ignore[no-untyped-call]
    np.testing.assert_allclose(lazy.compute(), [[180.0, 0.0]])


def test_soil_retention_parts() -> None:
    assert s.soil_retained(50.0, 12.0) == 38.0  # t/a
    assert s.sediment_avoided(100.0, 0.24, 1.2) == pytest.approx(20.0)  # 0.24 × 100 t / 1.2 t/m³
    assert s.nutrient_retained(1000.0, 0.002) == pytest.approx(2.0)  # 1000 t × 0.2 %


def test_nutrient_content_outside_zero_one_is_refused() -> None:
    with pytest.raises(ValueError, match="fraction"):
        s.nutrient_retained(1000.0, 37.0)


def test_sand_fixation_area() -> None:
    assert s.sand_fixation_area(128.0, 1.28, 0.1) == pytest.approx(1000.0)  # 128 t / 0.128 t/m² = 1000 m²
    with pytest.raises(ValueError):
        s.sand_fixation_area(1.0, 0.0, 0.1)


def test_flood_regulation() -> None:
    m = s.LAKE_STORAGE_MODELS["qinghai_tibet_plateau"]
    # e^6.636 = 762.0407, 100^0.678 = 22.69865 → 17 297.29 万m³ = 1.729729e8 m³
    assert s.lake_flood_storage(100.0, m) == pytest.approx(762.0407 * 22.69865 * 1e4, rel=1e-6)
    assert s.lake_flood_storage(100.0, m, exchange_times=2.0) == pytest.approx(2 * 1.729729e8, rel=1e-6)
    assert s.reservoir_flood_storage(1e6) == pytest.approx(3.5e5)  # 0.35 × 10⁶ m³
    assert s.marsh_flood_storage(2.0) == pytest.approx(6e5)  # 0.3 m × 2 km² × 10⁶ m²/km²


def test_carbon_and_oxygen() -> None:
    assert s.co2_fixed(10.0) == pytest.approx(16.3)
    assert s.o2_released(10.0) == pytest.approx(12.0)
    assert s.carbon_of_co2(44.0) == pytest.approx(12.0)
    assert s.co2_of_carbon(12.0) == pytest.approx(44.0)


def test_purification() -> None:
    assert s.purified({"SO2": 1137, "NOx": 2772}, s.AIR_POLLUTANTS) == {"SO2": 1137.0, "NOx": 2772.0}
    assert s.purified({"COD": 5424, "TP": 3}, s.WATER_POLLUTANTS) == {"COD": 5424.0, "TP": 3.0}
    with pytest.raises(ValueError, match="unknown pollutants"):
        s.purified({"CO2": 1.0}, s.AIR_POLLUTANTS)
    with pytest.raises(ValueError, match="≥ 0"):
        s.purified({"SO2": -1.0}, s.AIR_POLLUTANTS)


def test_climate_regulation() -> None:
    # illustrative: 3600 kJ m⁻² d⁻¹ × 10 m² × 10 d / (3600 × 2) = 50 kWh
    assert s.transpiration_cooling_energy(3600.0, 10.0, 10.0, 2.0) == pytest.approx(50.0)
    # illustrative: 1 m³ × 1000 kg/m³ × 2250 J/g / 3600 = 625 kWh, + 1 m³ × 10 kWh/m³ = 635 kWh
    assert s.evaporation_cooling_energy(1.0, 1000.0, 2250.0, 10.0) == pytest.approx(635.0)
    with pytest.raises(ValueError):
        s.transpiration_cooling_energy(1.0, 1.0, 1.0, 0.0)


def test_pest_control_and_recreation() -> None:
    assert s.pest_control_area(158e4) == 158e4
    with pytest.raises(ValueError):
        s.pest_control_area(np.array([1.0, -1.0]))
    assert s.time_cost_per_visit(200.0, 1.5) == pytest.approx(90.0)  # 200 yuan/d × 1.5 d × 30 %
    assert s.recreation_value(1000.0, 50.0, 90.0, 100.0) == pytest.approx(240_000.0)


# --- valuation -------------------------------------------------------------------------------


def test_units() -> None:
    assert gv.parse_unit("1e8 m3") == (1e8, "m3")
    assert gv.parse_price_unit("1e4 yuan/1e4 t") == (1e4, 1e4, "t")
    assert gv.value_of(2.0, "1e4 t", 875.0, "yuan/t") == pytest.approx(17.5e6)
    assert gv.value_of(3.0, "t", 2.0, "1e4 yuan/t") == pytest.approx(6e4)
    for bad in ("m3 x y", "-1 m3"):
        with pytest.raises(ValueError):
            gv.parse_unit(bad)
    with pytest.raises(ValueError):
        gv.parse_price_unit("usd/t")
    with pytest.raises(ValueError, match="cannot be priced"):
        gv.value_of(1.0, "m3", 1.0, "yuan/t")


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {"district": "A", "ecosystem": "forest", "class": "regulating",
                               "service": "water_conservation", "indicator": "w"}
    return {**base, **kw}


def test_value_table_collects_every_problem() -> None:
    t = gv.rows([
        _row(**{"class": "supporting"}, quantity=1, quantity_unit="m3", price=1, price_unit="yuan/m3"),
        _row(quantity=1, quantity_unit="m3"),
        _row(quantity=-1, quantity_unit="m3", price=1, price_unit="yuan/m3"),
        _row(quantity=1, quantity_unit="t", price=1, price_unit="yuan/m3"),
    ])
    with pytest.raises(ValidationError) as e:
        gv.value_table(t)
    assert [(p.code, p.row) for p in e.value.problems] == [("V001", 2), ("V002", 3), ("V003", 4), ("V004", 5)]


def test_gep_deducts_imported_products() -> None:
    t = gv.value_table(gv.rows([
        _row(quantity=100, quantity_unit="m3", price=7.06, price_unit="yuan/m3"),
        _row(**{"class": "provisioning"}, service="agriculture", output_value_yuan=50.0),
        _row(**{"class": "imported"}, service="water_supply", quantity=10, quantity_unit="m3", price=2.0,
             price_unit="yuan/m3"),
    ]))
    assert gv.gep(t) == pytest.approx(706.0 + 50.0 - 20.0)
    assert gv.gep_by(t, ["class"])["imported"] == pytest.approx(-20.0)


def test_index_price() -> None:
    # illustrative fixed-base index: 100 yuan at 2010 prices × 600/500 = 120 yuan at 2015 prices
    assert gv.index_price(100.0, 2010, 2015, {2010: 500.0, 2015: 600.0}) == pytest.approx(120.0)
    with pytest.raises(ValidationError) as e:
        gv.index_price(100.0, 2009, 2016, {2010: 500.0})
    assert [p.code for p in e.value.problems] == ["V006", "V006"]


def test_value_change_hand_worked() -> None:
    y0 = gv.value_table(gv.rows([
        _row(quantity=10, quantity_unit="m3", price=2, price_unit="yuan/m3"),
        _row(**{"class": "provisioning"}, service="agriculture", indicator="nov", output_value_yuan=40.0),
        _row(**{"class": "imported"}, service="timber", indicator="t", quantity=5, quantity_unit="t", price=1,
             price_unit="yuan/t"),
    ]))
    y1 = gv.value_table(gv.rows([
        _row(quantity=12, quantity_unit="m3", price=3, price_unit="yuan/m3"),
        _row(**{"class": "provisioning"}, service="agriculture", indicator="nov", output_value_yuan=45.0),
        _row(**{"class": "imported"}, service="timber", indicator="t", quantity=4, quantity_unit="t", price=2,
             price_unit="yuan/t"),
        _row(service="flood_regulation", indicator="marsh", quantity=1, quantity_unit="1e4 m3", price=7,
             price_unit="yuan/m3"),
    ]))
    ch = gv.value_change(y0, y1)

    def effects(service: str, indicator: str) -> tuple[float, ...]:
        row = ch[(ch["service"] == service) & (ch["indicator"] == indicator)]
        return tuple(float(x) for x in row[["change", "quantity_effect", "price_effect", "unsplit"]].to_numpy()[0])

    # water: 36 − 20 = 16; quantity (12 − 10)·(2 + 3)/2 = 5; price (3 − 2)·(10 + 12)/2 = 11
    assert effects("water_conservation", "w") == (16.0, 5.0, 11.0, 0.0)
    # output value only: 45 − 40 = 5, unsplit
    assert effects("agriculture", "nov") == (5.0, 0.0, 0.0, 5.0)
    # imported (deducted): −8 − (−5) = −3; quantity (4 − 5)·1.5 = −1.5 → +1.5; price (2 − 1)·4.5 → −4.5
    assert effects("timber", "t") == (-3.0, 1.5, -4.5, 0.0)
    # new row: 1e4 m³ × 7 = 70 000, all quantity effect
    assert effects("flood_regulation", "marsh") == (70_000.0, 70_000.0, 0.0, 0.0)


def test_value_change_books_a_service_of_one_year_as_scope_change() -> None:
    # carbon is accounted in the target year only (the base year is the first LULC year):
    # 2 t CO2 × 50 yuan = 100 yuan, all scope change; water 10 → 12 m³ at 2 → 3 yuan is split
    # as before: change 16, quantity 5, price 11, scope 0
    y0 = gv.value_table(gv.rows([_row(quantity=10, quantity_unit="m3", price=2, price_unit="yuan/m3")]))
    y1 = gv.value_table(gv.rows([
        _row(quantity=12, quantity_unit="m3", price=3, price_unit="yuan/m3"),
        _row(service="carbon_sequestration", indicator="storage_change", quantity=2, quantity_unit="tCO2",
             price=50, price_unit="yuan/tCO2"),
    ]))
    ch = gv.value_change(y0, y1, out_of_scope={"carbon_sequestration"})
    cols = ["change", "quantity_effect", "price_effect", "unsplit", "scope_change"]
    got = {str(r["service"]): tuple(float(r[c]) for c in cols) for r in ch.to_dict("records")}
    assert got == {"water_conservation": (16.0, 5.0, 11.0, 0.0, 0.0),
                   "carbon_sequestration": (100.0, 0.0, 0.0, 0.0, 100.0)}
    # without the scope, the new row is (wrongly, for a scope change) all quantity effect
    plain = gv.value_change(y0, y1)
    carbon = plain[plain["service"] == "carbon_sequestration"]
    assert tuple(float(carbon[c].iloc[0]) for c in cols) == (100.0, 100.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize(("text", "expected"), [
    ("万m³", "1e4 m3"), ("万 kWh", "1e4 kWh"), ("亿m3", "1e8 m3"), ("亿 kWh", "1e8 kWh"),
    ("10^4 m3", "1e4 m3"), ("10^6 m3", "1e6 m3"), ("10^8m³", "1e8 m3"), ("1e4 t", "1e4 t"),
    ("t", "t"), ("hm²", "hm2"), ("10000 t", "10000 t"),
])
def test_statistics_units_are_normalised(text: str, expected: str) -> None:
    assert gv.normalise_unit(text) == expected
    assert gv.unit_problem(text) is None
    # a normalised quantity prices against the price's unit: 万m³ × 2 yuan/m³ = 20 000 yuan
    if expected.endswith("m3"):
        assert gv.value_of(1.0, gv.normalise_unit(text), 2.0, "yuan/m3") == pytest.approx(
            2.0 * float(expected.split()[0]) if " " in expected else 2.0)


@pytest.mark.parametrize("text", ["公斤", "0 t", "吨", "1e4 m3 x/y z"])
def test_unreadable_units_are_named(text: str) -> None:
    assert gv.unit_problem(text) is not None


def test_double_count_pairs_are_unordered() -> None:
    t = gv.value_table(gv.rows([
        _row(quantity=1, quantity_unit="m3", price=1, price_unit="yuan/m3"),
        _row(**{"class": "provisioning"}, service="hydropower", indicator="h", quantity=1, quantity_unit="kWh",
             price=1, price_unit="yuan/kWh"),
    ]))
    assert [p.code for p in gv.double_count_problems(t)] == ["V008"]
    assert gv.double_count_problems(t, [("hydropower", "water_conservation")]) == []


def test_value_change_refuses_a_changed_unit() -> None:
    y0 = gv.value_table(gv.rows([_row(quantity=1, quantity_unit="m3", price=1, price_unit="yuan/m3")]))
    y1 = gv.value_table(gv.rows([_row(quantity=1, quantity_unit="t", price=1, price_unit="yuan/t")]))
    with pytest.raises(ValidationError) as e:
        gv.value_change(y0, y1)
    assert e.value.problems[0].code == "V005"


def test_value_change_refuses_a_repeated_row_key() -> None:
    r = _row(quantity=1, quantity_unit="m3", price=1, price_unit="yuan/m3")
    y0 = gv.value_table(gv.rows([r, r]))
    with pytest.raises(ValidationError) as e:
        gv.value_change(y0, gv.value_table(gv.rows([r])))
    assert [p.code for p in e.value.problems] == ["V007"]


# --- properties -------------------------------------------------------------------------------

pos = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
row_st = st.tuples(st.sampled_from(["A", "B", "C"]), st.sampled_from(["provisioning", "regulating", "cultural"]),
                   pos, st.floats(min_value=0, max_value=1e4, allow_nan=False))


def _table(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return gv.value_table(gv.rows([
        _row(district=d, **{"class": c}, indicator=str(i), quantity=q, quantity_unit="m3", price=p,
             price_unit="yuan/m3") for i, (d, c, q, p) in enumerate(rows)]))


@settings(max_examples=60, deadline=None)
@given(st.lists(row_st, min_size=1, max_size=12))
def test_gep_is_not_negative_and_additive_over_districts(rows: list[tuple[str, str, float, float]]) -> None:
    t = _table(rows)
    total = gv.gep(t)
    assert total >= 0
    by_d = gv.gep_by(t, ["district"])
    assert math.isclose(by_d.sum(), total, rel_tol=1e-12, abs_tol=1e-6)
    parts = [gv.gep(t[t["district"] == d]) for d in sorted(set(t["district"]))]
    assert math.isclose(math.fsum(parts), total, rel_tol=1e-12, abs_tol=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(pos, pos, pos, pos), min_size=1, max_size=10))
def test_quantity_and_price_effects_add_up_to_the_change(qp: list[tuple[float, float, float, float]]) -> None:
    q0, p0, q1, p1 = (np.array(c) for c in zip(*qp, strict=True))
    qe, pe = gv.bennet_split(q0, p0, q1, p1)
    change = q1 * p1 - q0 * p0
    # exact in real arithmetic; in floating point the sum is off by a few ulps of the largest term
    # (the effects can be large and of opposite sign when the change is small)
    scale = np.abs(qe) + np.abs(pe) + np.abs(q1 * p1) + np.abs(q0 * p0) + 1.0
    assert np.all(np.abs(qe + pe - change) <= 1e-14 * scale)


ints = st.integers(min_value=0, max_value=10**6)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(ints, ints, ints, ints), min_size=1, max_size=10))
def test_the_split_is_exact_where_the_arithmetic_is(qp: list[tuple[int, int, int, int]]) -> None:
    """With whole quantities and prices every product and half is a float exactly, and the two
    effects add up to the change with ==."""
    q0, p0, q1, p1 = (np.array(c, dtype="float64") for c in zip(*qp, strict=True))
    qe, pe = gv.bennet_split(q0, p0, q1, p1)
    assert np.array_equal(qe + pe, q1 * p1 - q0 * p0)


@settings(max_examples=40, deadline=None)
@given(st.lists(row_st, min_size=1, max_size=8), st.lists(row_st, min_size=1, max_size=8))
def test_value_change_rows_add_up(a: list[tuple[str, str, float, float]],
                                  b: list[tuple[str, str, float, float]]) -> None:
    t0, t1 = _table(a), _table(b)
    ch = gv.value_change(t0, t1)
    total = ch["quantity_effect"] + ch["price_effect"] + ch["unsplit"]
    scale = (ch["quantity_effect"].abs() + ch["price_effect"].abs() + ch["value_base"].abs()
             + ch["value_target"].abs() + 1.0)
    assert (abs(total - ch["change"]) <= 1e-14 * scale).all()
    assert math.isclose(ch["change"].sum(), gv.gep(t1) - gv.gep(t0), rel_tol=1e-9, abs_tol=1e-3)


# --- price loader -----------------------------------------------------------------------------


def test_shipped_price_sets_load() -> None:
    assert set(pr.shipped_price_sets()) == {"ganzi_2010", "baiyangdian_2011"}
    g = pr.load_price_set("ganzi_2010")
    assert g.value("reservoir_storage_cost") == 7.06 and g.get("reservoir_storage_cost").unit == "yuan/m3"
    assert all(p.source and p.price_year for p in g.prices)
    with pytest.raises(KeyError):
        g.get("carbon_tax")
    with pytest.raises(ValidationError) as e:
        pr.load_price_set("shenzhen_2020")
    assert e.value.problems[0].code == "V010"


def test_a_bad_price_file_reports_every_problem() -> None:
    text = ("item,kind,value,unit,price_year,region,source,status,note\n"
            "a,price,abc,yuan/t,2010,r,src,read,\n"
            "b,price,1,yuan/t,,r,,read,\n"
            "c,rate,1,yuan/t,2010,r,src,guess,\n"
            "a,price,2,yuan/t,2010,r,src,read,\n")
    with pytest.raises(ValidationError) as e:
        pr.parse_prices(text, "mine.csv")
    assert [(p.code, p.row, p.column) for p in e.value.problems] == [
        ("V011", 2, "value"), ("V012", 3, "price_year"), ("V012", 3, "source"),
        ("V013", 4, "kind"), ("V013", 4, "status"), ("V013", 5, "item")]
    with pytest.raises(ValidationError) as e2:
        pr.parse_prices("item,value\n", "short.csv")
    assert {p.code for p in e2.value.problems} == {"V010"}
