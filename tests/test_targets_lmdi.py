"""Decomposition tables on a demo city, on DuckDB and PostgreSQL: the carrier roll-up
agrees with the accounts, and the effects add up to the change."""

from __future__ import annotations

from pathlib import Path

import pytest

from qingshan import accounts
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.data.validate import load_package
from qingshan.factors import load_factor_set
from qingshan.store import Store
from qingshan.targets.lmdi import decompose_carbon, decompose_energy


@pytest.fixture(scope="module")
def demo_pkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("decomp")
    return write_csv_package(generate_demo_city(enterprises=80, years=range(2021, 2024)), d / "package")


@pytest.mark.parametrize("by", ["industry", "district"])
def test_effects_add_up_and_cells_match_the_accounts(demo_pkg: Path, store: Store, by: str) -> None:
    fs = load_factor_set()
    pkg = load_package(demo_pkg, fs)
    accounts.load(store, pkg, fs)
    res = accounts.compute(store, fs)
    d, s = decompose_energy(res, 2021, 2023, by)
    assert abs(s["residual"]) <= 1e-9 * max(1.0, abs(s["base"]))
    assert d[["activity", "structure", "intensity"]].to_numpy().sum() == pytest.approx(s["change"], rel=1e-9)
    assert s["base"] == pytest.approx(res.yearly.query("year == 2021 and value_added_10k_yuan > 0")["energy_tce"].sum())
    c, k = decompose_carbon(res, store, 2021, 2023, by)
    assert abs(k["residual"]) <= 1e-9 * max(1.0, abs(k["base"]))
    y = res.yearly.query("year == 2023 and value_added_10k_yuan > 0")
    energy_co2 = (y["co2_combustion_t"] + y["co2_electricity_t"] + y["co2_heat_t"]).sum()
    assert k["target"] == pytest.approx(energy_co2, rel=1e-9)
    if k["multiplicative"] is not None:
        prod = 1.0
        for v in k["multiplicative"].values():
            prod *= v
        assert prod == pytest.approx(c["target"].sum() / c["base"].sum(), rel=1e-9)
