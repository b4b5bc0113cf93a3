"""The pandas baseline of the benchmark is a second, independent implementation of the
accounts (benchmarks/pandas_baseline.py): both must give the same numbers, on the
hand-made package of test_accounts.py (``small_package``), on the packages of the 2026.2
sector methods worked out by hand in test_carbon_balance.py, test_non_co2.py and
test_cement_glass_power.py, and on a small synthetic city of the benchmark's generator
(store schema: integer keys, ``coefficients``) that exercises every use, measured values,
process methods, the carbon balance, other gases, missing economics and several years."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from benchmarks import pandas_baseline as pb
from benchmarks.bench_accounts import generate

from qingshan import accounts
from qingshan.data.validate import load_package
from qingshan.factors import load_factor_set
from qingshan.store import Store
from tests import test_carbon_balance as tcb
from tests import test_cement_glass_power as tcg
from tests import test_non_co2 as tng
from tests.conftest import ENT_A, ENT_B
from tests.test_accounts import A_ENERGY, A_ENERGY_EQUAL, B_PROCESS


def _engine(store: Store, tables: Mapping[str, pd.DataFrame | pa.Table]) -> pb.Result:
    """The engine's accounts; ``monthly`` is read from the store, so while it is open."""
    store.replace_tables(tables)
    r = accounts.compute(store, load_factor_set())
    return pb.Result(monthly=r.monthly, yearly=r.yearly, rollups=r.rollups, products=r.products,
                     factor_usage=r.factor_usage, notes=r.notes)


@pytest.fixture(scope="module")
def city() -> dict[str, pd.DataFrame]:
    return generate(60, months=24, seed=7)


def test_small_package_agrees_with_engine(small_package: Path, store: Store) -> None:
    fs = load_factor_set()
    loaded = accounts.store_tables(load_package(small_package, fs), fs)
    base = pb.compute({name: t.to_pandas() if isinstance(t, pa.Table) else t for name, t in loaded.items()})
    pb.assert_same(_engine(store, loaded), base)
    # and the baseline reproduces the hand-worked numbers on its own
    m = base.monthly.set_index(["entity_id", "year", "month"])
    assert m.loc[(ENT_A, 2022, 3), "energy_tce"] == pytest.approx(A_ENERGY, rel=1e-12)
    assert m.loc[(ENT_A, 2022, 3), "energy_tce_equal"] == pytest.approx(A_ENERGY_EQUAL, rel=1e-12)
    assert m.loc[(ENT_B, 2022, 3), "co2_process_t"] == pytest.approx(B_PROCESS, rel=1e-12)


def _store_and_baseline_tables(d: Path) -> tuple[dict[str, pa.Table | pd.DataFrame], dict[str, pd.DataFrame]]:
    """The store tables of package ``d`` (for the engine) and the same as frames for the
    baseline, with the package's own ``ghg_method`` column on the entities (the store keeps
    the methods the engine assigned in ``entity_methods``, which the baseline must not read)."""
    fs = load_factor_set()
    pkg = load_package(d, fs)
    loaded = accounts.store_tables(pkg, fs)
    frames = {name: t.to_pandas() if isinstance(t, pa.Table) else t for name, t in loaded.items()}
    if "ghg_method" in pkg.entities.columns:
        own = dict(zip(pkg.entities["entity_id"].astype(str), pkg.entities["ghg_method"], strict=True))
        frames["entities"] = frames["entities"].assign(ghg_method=frames["entities"]["entity_id"].map(own))
    return loaded, frames


def _by(frame: pd.DataFrame, **keys: object) -> pd.Series:
    m = frame
    for k, v in keys.items():
        m = m[m[k] == v]
    assert len(m) == 1, keys
    return m.iloc[0]


def test_carbon_balance_package_agrees_and_gives_the_hand_numbers(tmp_path: Path, store: Store) -> None:
    """The steel works and the ammonia–urea plant of test_carbon_balance.py (鲁环发〔2022〕4号 steel
    formulas (1), (6)–(10), (17), (19); chemical formulas (5), (21)): engine and baseline agree,
    notes included, and the baseline alone gives the worked example of docs/accounting.md."""
    loaded, frames = _store_and_baseline_tables(tcb._write(tmp_path / "cb"))
    base = pb.compute(frames)
    pb.assert_same(_engine(store, loaded), base)
    steel = _by(base.yearly, entity_id=tcb.STEEL, year=2022)
    # inputs 3 960 + 894.9 + 1 098.9 + 860 + 27.5 + 174.1667 = 7 015.4667; fixed 1 540 + 3 075.7192
    # = 4 615.7192; process 2 399.7475 t
    assert steel["ghg_method"] == "steel"
    assert steel["co2_fixed_t"] == pytest.approx(tcb.STEEL_FIXED, rel=1e-12)
    assert steel["co2_process_t"] == pytest.approx(2_399.7475, abs=1e-4)
    assert steel["co2_combustion_t"] == pytest.approx(tcb.COKE_BURNT, rel=1e-12)
    ammonia = _by(base.yearly, entity_id=tcb.AMMONIA, year=2022)
    # feedstock 21 840.2910 − (7 333.3333 + 1 375 + 73.3333) − 9 786.15 = 3 272.4743 t
    assert ammonia["ghg_method"] == "chemical"
    assert ammonia["co2_fixed_t"] == pytest.approx(tcb.AMMONIA_FIXED, rel=1e-12)
    assert ammonia["co2_recovered_t"] == pytest.approx(9_786.15, rel=1e-12)
    assert ammonia["co2_process_t"] == pytest.approx(3_272.4743, abs=1e-4)
    assert _by(base.yearly, entity_id=tcb.CEMENT, year=2022)["ghg_method"] == "general"
    kinds = {(n["factor"], n.get("entity_id")) for n in base.notes}
    assert ("material_carbon", tcb.STEEL) in kinds and ("material_carbon", tcb.AMMONIA) in kinds
    used = set(base.factor_usage.loc[base.factor_usage["entity_id"] == tcb.AMMONIA, "factor_id"])
    assert {"sd-chem:urea", "sd-chem:methanol", "sd-chem:co2_density", "ghg:natural_gas", "measured:ash"} <= used


def test_a_steel_works_without_its_balance_gets_the_same_note(tmp_path: Path, store: Store) -> None:
    rows = [r for r in tcb.MATERIALS_ROWS if not r.startswith(tcb.STEEL)]
    loaded, frames = _store_and_baseline_tables(tcb._write(tmp_path / "nb", rows=rows))
    base = pb.compute(frames)
    pb.assert_same(_engine(store, loaded), base)
    assert [(n["entity_id"], n["year"]) for n in base.notes if n["factor"] == "carbon_balance"] == [
        (tcb.STEEL, 2022)]


def test_other_gases_package_agrees_and_gives_the_hand_numbers(tmp_path: Path, store: Store) -> None:
    """Nitric and adipic acid N2O and aluminium PFCs of test_non_co2.py (鲁环发〔2022〕4号 化工
    formulas (7), (8), 表2-5–2-7, GWP 表2-9)."""
    loaded, frames = _store_and_baseline_tables(tng._package(tmp_path))
    base = pb.compute(frames)
    pb.assert_same(_engine(store, loaded), base)
    m = base.monthly
    # 100 000 × 8.0 × (1 − 0.85 × 0.9) / 1000 = 188 t N2O, × 310 = 58 280 t CO2e
    nitric = _by(m, entity_id=tng.NITRIC, year=2022, month=3)
    assert nitric["n2o_t"] == pytest.approx(188.0, rel=1e-12)
    assert nitric["non_co2_t_co2e"] == pytest.approx(58_280.0, rel=1e-12)
    # 80 000 × 13.9 / 1000 = 1 112 t, no abatement
    assert _by(m, entity_id=tng.NITRIC, year=2022, month=4)["n2o_t"] == pytest.approx(1_112.0, rel=1e-12)
    # 50 000 × 300 × (1 − 0.985 × 0.95) / 1000 = 963.75 t; the 其他工艺 line adds 0
    assert _by(m, entity_id=tng.ADIPIC, year=2022, month=3)["n2o_t"] == pytest.approx(963.75, rel=1e-12)
    alu = _by(m, entity_id=tng.ALU, year=2022, month=3)
    # 0.5 t CF4 × 6 500 + 0.05 t C2F6 × 9 200 = 3 710 t CO2e; co2_t stays 1 000 MWh × 0.5366
    assert (alu["cf4_t"], alu["c2f6_t"]) == (pytest.approx(0.5, rel=1e-12), pytest.approx(0.05, rel=1e-12))
    assert alu["non_co2_t_co2e"] == pytest.approx(3_710.0, rel=1e-12)
    assert alu["co2_t"] == pytest.approx(536.6, rel=1e-12)
    assert alu["ghg_t_co2e"] == pytest.approx(536.6 + 3_710.0, rel=1e-12)
    used = set(base.factor_usage["factor_id"])
    assert {"lu2022-chem:n2o:nitric_acid:dual_pressure", "lu2022-chem:n2o-removal:nitric_acid:nscr",
            "gwp:sar:n2o", "gwp:sar:cf4", "gwp:sar:c2f6", "measured:pfc"} <= used


def test_cement_glass_power_package_agrees_and_gives_the_hand_numbers(tmp_path: Path, store: Store) -> None:
    """Clinker by formulas (1) and (2) of 粤环函〔2021〕103号 附件2, lime, glass carbonates with
    NaHCO3 and a carbon reductant, and element carbon per tonne (test_cement_glass_power.py)."""
    d = tcg._write(tmp_path / "cgp", entities=tcg.ENTITIES, energy=tcg.ENERGY, process=tcg.PROCESS)
    loaded, frames = _store_and_baseline_tables(d)
    base = pb.compute(frames)
    pb.assert_same(_engine(store, loaded), base)
    m = base.monthly
    # 10 000 × ((0.65 − 0.03) × 44/56 + (0.02 − 0.005) × 1.1) = 5 036.428571 t
    assert _by(m, entity_id=tcg.CEM, year=2024, month=3)["co2_process_t"] == pytest.approx(5_036.428571, abs=1e-6)
    # 8 000 × 0.34 / ((1 − 0.355) × 1.04) = 4 054.859869 t
    assert _by(m, entity_id=tcg.CEM, year=2024, month=4)["co2_process_t"] == pytest.approx(4_054.859869, abs=1e-6)
    assert _by(m, entity_id=tcg.LIME, year=2024, month=3)["co2_process_t"] == pytest.approx(729.142857, abs=1e-6)
    # 2 074.5 + 5 276.4 + 1 431.9 + 5.237 + 20 × 0.85 × 44/12 = 8 850.370333 t
    assert _by(m, entity_id=tcg.GLASS, year=2024, month=3)["co2_process_t"] == pytest.approx(8_850.370333, abs=1e-6)
    # 199 650 + 2 046 + 2 141.7 = 203 837.7 t
    assert _by(m, entity_id=tcg.POWER, year=2024, month=3)["co2_combustion_t"] == pytest.approx(203_837.7, abs=1e-6)


def test_a_wrong_factor_in_the_engines_loading_is_caught(tmp_path: Path, store: Store) -> None:
    """The baseline reads the new factor files from their CSV text: an engine given a
    carbon-balance default off by 1 % (as a wrong conversion while loading would give)
    disagrees with it."""
    fs = load_factor_set()
    mc = fs.material_carbon
    bad = dataclasses.replace(fs, material_carbon=mc.assign(
        tco2_per_unit=mc["tco2_per_unit"].where(mc["material"] != "urea", mc["tco2_per_unit"] * 1.01)))
    pkg = load_package(tcb._write(tmp_path / "w"), fs)
    loaded = accounts.store_tables(pkg, bad)
    frames = {name: t.to_pandas() if isinstance(t, pa.Table) else t for name, t in loaded.items()}
    with pytest.raises(AssertionError, match=r"co2_process_t|co2_fixed_t"):
        pb.assert_same(_engine(store, loaded), pb.compute(frames))


def test_synthetic_city_agrees_with_engine(city: dict[str, pd.DataFrame]) -> None:
    energy = city["energy"]
    # the sample covers what the rules distinguish: every use, measured values, process rows
    assert len(pb.use_positions(energy)) == len(energy)
    assert set(pb.use_positions(energy)) == set(range(len(pb.USES)))
    assert energy["measured_ncv"].notna().any()
    assert len(city["process"]) > 0
    assert (city["process"]["material"] == "anode").any()  # and anode rows (the anode method)
    # 2026.2: element carbon per unit, non-carbonate oxides, raw-meal clinker, glass batches
    assert energy["measured_carbon_per_unit"].notna().any()
    process = city["process"]
    assert process["cao_noncarbonate_fraction"].notna().any()
    assert process["raw_meal_co2_fraction"].notna().any() and process["raw_meal_loss_on_ignition"].notna().any()
    assert {"carbon_reductant", "nahco3", "na2co3"} <= set(process["material"].astype(str))
    # the carbon balance: every flow, defaults and measured carbon, recovered CO2
    materials = city["materials"]
    assert set(materials["flow"].astype(str)) == {"input", "product", "waste", "supplied"}
    assert materials["carbon_fraction"].notna().any() and materials["carbon_fraction"].isna().any()
    assert {"co2", "crude_steel", "coke", "urea"} <= set(materials["material"].astype(str))
    # methods by industry code and by the enterprises' own choice
    assert {"general", "chemical"} <= set(city["entities"]["ghg_method"].dropna())
    # other gases: nitric and adipic acid N2O with and without abatement, a measured factor, PFCs
    gases = city["gases"]
    assert set(gases["source"]) == {"nitric_acid", "adipic_acid", "aluminium_anode_effect"}
    assert gases["abatement"].notna().any() and gases["abatement"].isna().any()
    assert gases["n2o_kg_per_t"].notna().any() and gases["cf4_kg_per_t"].notna().any()
    store = Store.connect(None)
    try:
        engine = _engine(store, city)
    finally:
        store.close()
    base = pb.compute(city)
    pb.assert_same(engine, base)
    assert len(base.monthly) > 1000
    assert set(base.rollups) == {"city", "district", "park", "industry"}
    y = base.yearly
    assert set(y["ghg_method"]) == {"general", "steel", "coking", "chemical"}
    for c in ("co2_fixed_t", "co2_recovered_t", "n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e"):
        assert (y[c] > 0).any(), c
    assert (y["ghg_t_co2e"] > y["co2_t"]).any()
    # feedstock of a balance year enters the balance: an ammonia plant's gas carbon
    used = set(base.factor_usage["factor_id"])
    assert {"sd-chem:co2_density", "sd-steel:crude_steel", "measured:carbon_reductant", "gd-cement-2021:fc",
            "measured:pfc", "gwp:sar:n2o", "measured:n2o_generation"} <= used
    assert {"material_carbon", "carbon_balance"} <= {n["factor"] for n in base.notes}


def test_synthetic_city_read_back_from_parquet(city: dict[str, pd.DataFrame],
                                               tmp_path: Path) -> None:
    """The benchmark's path: Parquet files loaded by DuckDB itself into a store file
    (``Store.replace_tables_from_parquet``) give the engine the same accounts, and the
    baseline reads the same files back to the same accounts."""
    files = {}
    for name, frame in city.items():
        files[name] = tmp_path / f"{name}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), files[name])
    base = pb.compute(pb.load(tmp_path))
    pb.assert_same(pb.compute(city), base)
    store = Store.connect(f"duckdb:///{tmp_path / 'qingshan.duckdb'}")
    try:
        store.replace_tables_from_parquet(files)
        r = accounts.compute(store, load_factor_set())
        engine = pb.Result(monthly=r.monthly, yearly=r.yearly, rollups=r.rollups,  # store open
                           products=r.products, factor_usage=r.factor_usage, notes=r.notes)
    finally:
        store.close()
    pb.assert_same(engine, base)


def test_disagreement_is_detected(city: dict[str, pd.DataFrame]) -> None:
    good = pb.compute(city)
    energy = city["energy"].copy()
    i = energy.index[energy["quantity"] > 0][0]
    energy.loc[i, "quantity"] *= 1.0 + 1e-6  # one row off by a millionth
    bad = pb.compute({**city, "energy": energy})
    with pytest.raises(AssertionError, match="monthly"):
        pb.assert_same(good, bad)
    # and so is one materials or gases row off by a millionth
    for table, column in (("materials", "co2_process_t"), ("gases", "n2o_t|cf4_t|c2f6_t|non_co2")):
        t = city[table].copy()
        t.loc[t.index[0], "quantity"] *= 1.0 + 1e-6
        with pytest.raises(AssertionError, match=rf"monthly\.({column})"):
            pb.assert_same(good, pb.compute({**city, table: t}))


def test_the_baseline_refuses_what_validation_refuses(city: dict[str, pd.DataFrame]) -> None:
    """Materials rows of an enterprise under the general method (P109) are not accounted by
    the engine and refused by validation; the baseline refuses them too, rather than agree
    with a silent drop."""
    ent = city["entities"]
    general = ent.loc[ent["ghg_method"] == "general", "entity_key"].iloc[0]
    t = city["materials"].copy()
    t.loc[t.index[0], "entity_key"] = general
    with pytest.raises(ValueError, match="P109"):
        pb.compute({**city, "materials": t})
