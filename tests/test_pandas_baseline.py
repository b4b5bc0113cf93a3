"""The pandas baseline of the benchmark is a second, independent implementation of the
accounts (benchmarks/pandas_baseline.py): both must give the same numbers, on the
hand-made package of test_accounts.py (``small_package``) and on a small synthetic city of
the benchmark's generator (store schema: integer keys, ``coefficients``) that exercises
every use, measured values, process methods, missing economics and several years."""

from __future__ import annotations

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


def test_synthetic_city_agrees_with_engine(city: dict[str, pd.DataFrame]) -> None:
    energy = city["energy"]
    # the sample covers what the rules distinguish: every use, measured values, process rows
    assert len(pb.use_positions(energy)) == len(energy)
    assert set(pb.use_positions(energy)) == set(range(len(pb.USES)))
    assert energy["measured_ncv"].notna().any()
    assert len(city["process"]) > 0
    assert (city["process"]["material"] == "anode").any()  # and anode rows (the anode method)
    store = Store.connect(None)
    try:
        engine = _engine(store, city)
    finally:
        store.close()
    base = pb.compute(city)
    pb.assert_same(engine, base)
    assert len(base.monthly) > 1000
    assert set(base.rollups) == {"city", "district", "park", "industry"}


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
