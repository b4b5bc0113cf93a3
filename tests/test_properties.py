"""Invariants, checked with hypothesis:

- unit round trips return the input;
- the same quantity in different units gives the same account;
- row order never changes a result;
- roll-ups add up: districts, industries and the city agree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan import accounts
from qingshan.data.validate import load_package
from qingshan.factors import load_factor_set
from qingshan.schema.units import conversion_factor, dimension_of, unit_aliases
from qingshan.store import Store
from tests.conftest import ENT_A, ENT_B, ENTITIES_CSV, make_uscc

ALIASES = sorted(unit_aliases())
BY_DIM: dict[str, list[str]] = {}
for _a in ALIASES:
    _d = dimension_of(_a)
    if _d is not None:
        BY_DIM.setdefault(_d, []).append(_a)


@given(st.sampled_from(sorted(BY_DIM)), st.data(),
       st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
def test_unit_round_trip(dim: str, data: st.DataObject, x: float) -> None:
    a = data.draw(st.sampled_from(BY_DIM[dim]))
    b = data.draw(st.sampled_from(BY_DIM[dim]))
    there = x * conversion_factor(a, b)
    back = there * conversion_factor(b, a)
    assert back == pytest.approx(x, rel=1e-12)


def test_every_alias_has_a_dimension() -> None:
    assert sorted(a for a in ALIASES if dimension_of(a) is None) == []


def test_incompatible_units_refuse_to_convert() -> None:
    with pytest.raises(ValueError):
        conversion_factor("吨", "kWh")


FS = load_factor_set()
CARRIERS = [("烟煤", "吨", 1.0), ("烟煤", "万吨", 1e4), ("电力", "万千瓦时", 1e4), ("电力", "MWh", 1e3),
            ("电力", "kWh", 1.0), ("天然气", "万立方米", 1e4), ("天然气", "Nm3", 1.0), ("热力", "百万千焦", 1.0),
            ("热力", "MJ", 1e-3), ("柴油", "kg", 1e-3), ("焦炭", "t", 1.0)]
USES = ["燃料", "原料用能", "外供", "非工业生产消费"]


def _energy_rows(draw: st.DrawFn, n_ent: int) -> list[tuple[str, str, str, float, str, str]]:
    ents = [ENT_A, ENT_B] + [make_uscc(f"91450200MA5K{i:05d}") for i in range(3, 3 + n_ent - 2)]
    rows = []
    keys = draw(st.sets(st.tuples(st.sampled_from(ents), st.integers(1, 6),
                                  st.integers(0, len(CARRIERS) - 1), st.sampled_from(USES)),
                        min_size=1, max_size=25))
    seen = set()
    for ent, month, ci, use in sorted(keys):
        name, unit, _ = CARRIERS[ci]
        if use == "原料用能" and name in ("电力", "热力"):
            use = "燃料"
        if (ent, month, name, use) in seen:
            continue
        seen.add((ent, month, name, use))
        q = draw(st.floats(min_value=0.0, max_value=1e5, allow_nan=False))
        rows.append((ent, f"2022-{month:02d}", name, q, unit, use))
    return rows


@st.composite
def packages(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str, float, str, str]], str]:
    n_ent = draw(st.integers(2, 5))
    extra = ""
    for i in range(3, 3 + n_ent - 2):
        d = draw(st.sampled_from(["450901", "450902"]))
        park = draw(st.sampled_from(["", "P01"])) if d == "450901" else ""  # P01 lies in 450901 (P027)
        ind = draw(st.sampled_from(["2619", "3011", "3110", "3216"]))
        extra += f"{make_uscc(f'91450200MA5K{i:05d}')},enterprise,企业{i},{d},{park},{ind},规上,10,,,\n"
    rows = _energy_rows(draw, n_ent)
    econ = "entity_id,year,output_value_10k_yuan,value_added_10k_yuan\n"
    for i, ent in enumerate(sorted({r[0] for r in rows})):
        econ += f"{ent},2022,{1000 + 100 * i},{draw(st.sampled_from(['', '0', '-5', '300', '450.5']))}\n"
    return ENTITIES_CSV + extra, rows, econ


def _write(d: Path, entities: str, rows: list[tuple[str, str, str, float, str, str]], econ: str) -> Path:
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    (d / "entities.csv").write_text(entities, encoding="utf-8")
    (d / "economics.csv").write_text(econ, encoding="utf-8")
    pd.DataFrame(rows, columns=["entity_id", "period", "carrier", "quantity", "unit", "use"]).to_csv(
        d / "energy.csv", index=False)
    return d


def _run(d: Path) -> accounts.AccountResult:
    store = Store.connect(None)
    try:
        accounts.load(store, load_package(d, FS, accept_warnings=True), FS)
        result = accounts.compute(store, FS)
        # monthly accounts are fetched from the store while it is open; they add up to the
        # yearly accounts of each enterprise-year, and an enterprise-year without months has none
        monthly = result.monthly.groupby(["entity_id", "year"])[SUMS].sum()
        yearly = result.yearly.set_index(["entity_id", "year"])[SUMS]
        assert monthly.index.isin(yearly.index).all()
        np.testing.assert_allclose(monthly.to_numpy(dtype="float64"),
                                   yearly.loc[monthly.index].to_numpy(dtype="float64"), rtol=1e-9, atol=1e-9)
        rest = yearly.drop(index=monthly.index).fillna(0.0).to_numpy(dtype="float64")
        np.testing.assert_array_equal(rest, np.zeros_like(rest))
        return result
    finally:
        store.close()


SUMS = ["energy_tce", "energy_tce_equal", "feedstock_tce", "co2_t", "co2_scope1_t", "co2_scope2_t",
        "electricity_kwh"]
SLOW = settings(max_examples=12, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SLOW
@given(packages(), st.randoms(use_true_random=False))
def test_row_order_never_changes_a_result(tmp_path: Path, pkg: tuple, rnd) -> None:  # type: ignore[no-untyped-def,type-arg]
    entities, rows, econ = pkg
    a = _run(_write(tmp_path / "a", entities, rows, econ))
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    ent_lines = entities.strip().splitlines()
    body = ent_lines[1:]
    rnd.shuffle(body)
    b = _run(_write(tmp_path / "b", "\n".join([ent_lines[0], *body]) + "\n", shuffled, econ))
    pd.testing.assert_frame_equal(a.monthly, b.monthly, rtol=1e-12)
    pd.testing.assert_frame_equal(a.yearly, b.yearly, rtol=1e-12)
    for lvl in a.rollups:
        pd.testing.assert_frame_equal(a.rollups[lvl], b.rollups[lvl], rtol=1e-12)


@SLOW
@given(packages())
def test_rollups_add_up(tmp_path: Path, pkg: tuple) -> None:  # type: ignore[type-arg]
    entities, rows, econ = pkg
    r = _run(_write(tmp_path / "p", entities, rows, econ))
    city = r.rollups["city"].set_index("year")
    for lvl in ("district", "industry"):
        parts = r.rollups[lvl].groupby("year")[[*SUMS, "value_added_10k_yuan", "enterprises"]].sum()
        for c in [*SUMS, "value_added_10k_yuan", "enterprises"]:
            np.testing.assert_allclose(parts[c], city.loc[parts.index, c], rtol=1e-9, atol=1e-9)
    ent = r.yearly.groupby("year")[SUMS].sum()
    for c in SUMS:
        np.testing.assert_allclose(ent[c], city.loc[ent.index, c], rtol=1e-9, atol=1e-9)
    parks = r.rollups["park"].groupby("year")["energy_tce"].sum()
    in_parks = r.yearly[r.yearly["park_id"].notna()].groupby("year")["energy_tce"].sum()
    np.testing.assert_allclose(parks, in_parks, rtol=1e-9, atol=1e-9)
    # Intensities are ratios of sums over enterprises with positive value added.
    va = r.yearly[r.yearly["value_added_10k_yuan"] > 0]
    for year, grp in va.groupby("year"):
        expected = grp["energy_tce"].sum() / grp["value_added_10k_yuan"].sum()
        assert city.loc[year, "energy_per_va"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("unit", "factor"), [("吨", 1.0), ("万吨", 1e-4), ("kg", 1000.0)])
def test_same_quantity_in_other_units_gives_the_same_account(tmp_path: Path, unit: str,
                                                              factor: float) -> None:
    rows = [(ENT_A, "2022-01", "烟煤", 2000.0 * factor, unit, "燃料"),
            (ENT_A, "2022-01", "电力", 30.0, "万千瓦时", "燃料")]
    r = _run(_write(tmp_path / "u", ENTITIES_CSV, rows, "entity_id,year\n"))
    m = r.monthly.iloc[0]
    assert m["energy_tce"] == pytest.approx(2000 * 0.7143 + 300_000 * 0.1229e-3, rel=1e-12)


@given(st.floats(min_value=0.0, max_value=1e6, allow_nan=False), st.sampled_from(["焦炭", "天然气", "电力", "热力"]))
@SLOW
def test_export_of_what_was_bought_nets_to_zero(tmp_path: Path, q: float, carrier: str) -> None:
    unit = {"焦炭": "吨", "天然气": "立方米", "电力": "kWh", "热力": "GJ"}[carrier]
    rows = [(ENT_A, "2022-01", carrier, q, unit, "燃料"), (ENT_A, "2022-01", carrier, q, unit, "外供")]
    m = _run(_write(tmp_path / "x", ENTITIES_CSV, rows, "entity_id,year\n")).monthly.iloc[0]
    for c in ("energy_tce", "energy_tce_equal", "co2_t", "electricity_kwh"):
        assert m[c] == pytest.approx(0.0, abs=1e-6)
