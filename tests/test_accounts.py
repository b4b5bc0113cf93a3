"""Reference accounts worked out by hand from the cited factor tables.

Factors used (see src/qingshan/factors/data and docs/factors.md):
- GB/T 2589-2008 Annex A: 烟煤 (as 原煤) 0.7143 kgce/kg; electricity 0.1229 kgce/kWh (当量值);
  heat 0.03412 kgce/MJ; diesel 1.4571 kgce/kg; natural gas 12.143 tce/10⁴ m³ (yearbook).
- 等价值: 2022 300.7 gce/kWh (CEC), 2020 305.5 gce/kWh (NDRC).
- GB/T 32151 Table C.1: bituminous NCV 19.570 GJ/t, CC 26.1 tC/TJ, OF 93 %.
- MEE/NBS national grid factor: 2021 0.5568, 2022 0.5366 tCO2/MWh.
- Purchased heat 0.11 tCO2/GJ.
- Clinker oxide method: CaO 44/56, MgO 44/40 (cement guideline formula (1), 粤环函〔2021〕103号
  附件2 6.1.1.1); CaCO3 0.4397 (NDRC chemical guideline table, 鲁环发〔2022〕4号 附录2 表2-4).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from qingshan import accounts
from qingshan.data.validate import load_package
from qingshan.factors import load_factor_set
from qingshan.store import Store
from tests.conftest import ENT_A, ENT_B

# Enterprise A, 2022-03 --------------------------------------------------------------
COAL_TCE = 1000 * 0.7143  # 1 000 t bituminous coal = 714.3 tce
ELEC_TCE = 1_000_000 * 0.1229 / 1000  # 100 万kWh = 1 000 000 kWh → 122.9 tce
GAS_FEED_TCE = 100_000 * 12.143 / 10_000  # 10 万m³ feedstock → 121.43 tce
HEAT_OUT_TCE = 500 * 0.03412  # 500 GJ exported → 17.06 tce deducted
PV_TCE = 50_000 * 0.1229 / 1000  # 6.145 tce
A_ENERGY = COAL_TCE + ELEC_TCE + GAS_FEED_TCE - HEAT_OUT_TCE + PV_TCE  # 947.715
A_ENERGY_EQUAL = COAL_TCE + 1_050_000 * 300.7e-6 + GAS_FEED_TCE - HEAT_OUT_TCE  # 1 134.405
A_NONIND = 2 * 1.4571  # diesel for staff living, outside 综合能耗: 2.9142
A_COAL_CO2 = 1000 * 19.570 * 26.1e-3 * 0.93 * 44 / 12  # 1 741.7496 t
A_ELEC_CO2 = 1000 * 0.5366  # net purchased 1 000 MWh (PV is not purchased)
A_HEAT_CO2 = -500 * 0.11  # net exporter of heat: −55 t
# Enterprise B, 2022-03 --------------------------------------------------------------
B_ELEC_TCE = 2000 * 0.1229 / 1000  # 2 MWh → 0.2458 tce
B_PROCESS = 10_000 * (0.65 * 44 / 56 + 0.015 * 44 / 40) + 1000 * 0.4397  # 5 711.842857 t
B_ELEC_CO2 = 2 * 0.5366  # 1.0732 t
# Enterprise B, 2020-05: no 2020 grid factor was published, so 2021's is used ------------
B2020_ELEC_CO2 = 1 * 0.5568
B2020_EQUAL_TCE = 1000 * 305.5e-6


@pytest.fixture
def result(small_package: Path, store: Store) -> accounts.AccountResult:
    fs = load_factor_set()
    pkg = load_package(small_package, fs)
    accounts.load(store, pkg, fs)
    return accounts.compute(store, fs)


def _row(df, **keys):  # type: ignore[no-untyped-def]
    m = df
    for k, v in keys.items():
        m = m[m[k] == v]
    assert len(m) == 1, keys
    return m.iloc[0]


def test_enterprise_a_energy_by_hand(result: accounts.AccountResult) -> None:
    r = _row(result.monthly, entity_id=ENT_A, year=2022, month=3)
    assert r["energy_tce"] == pytest.approx(947.715, rel=1e-9)
    assert r["energy_tce"] == pytest.approx(A_ENERGY, rel=1e-9)
    assert r["energy_tce_equal"] == pytest.approx(A_ENERGY_EQUAL, rel=1e-9)
    assert r["feedstock_tce"] == pytest.approx(121.43, rel=1e-9)
    assert r["non_industrial_tce"] == pytest.approx(A_NONIND, rel=1e-9)
    assert r["renewable_electricity_kwh"] == pytest.approx(50_000)
    assert r["renewable_tce"] == pytest.approx(PV_TCE)
    assert r["electricity_kwh"] == pytest.approx(1_050_000)


def test_enterprise_a_co2_by_hand(result: accounts.AccountResult) -> None:
    r = _row(result.monthly, entity_id=ENT_A, year=2022, month=3)
    assert pytest.approx(1741.7496, abs=1e-4) == A_COAL_CO2
    assert r["co2_combustion_t"] == pytest.approx(A_COAL_CO2, rel=1e-9)
    assert r["co2_electricity_t"] == pytest.approx(A_ELEC_CO2, rel=1e-9)
    assert r["co2_heat_t"] == pytest.approx(A_HEAT_CO2, rel=1e-9)
    assert r["co2_process_t"] == 0
    assert r["co2_scope1_t"] == pytest.approx(A_COAL_CO2, rel=1e-9)
    assert r["co2_scope2_t"] == pytest.approx(A_ELEC_CO2 + A_HEAT_CO2, rel=1e-9)
    assert r["co2_t"] == pytest.approx(2223.3496, abs=1e-3)


def test_enterprise_b_process_and_units(result: accounts.AccountResult) -> None:
    r = _row(result.monthly, entity_id=ENT_B, year=2022, month=3)
    assert r["energy_tce"] == pytest.approx(B_ELEC_TCE, rel=1e-9)
    assert r["co2_process_t"] == pytest.approx(5711.842857, rel=1e-9)
    assert r["co2_process_t"] == pytest.approx(B_PROCESS, rel=1e-9)
    assert r["co2_t"] == pytest.approx(B_PROCESS + B_ELEC_CO2, rel=1e-9)
    y = _row(result.yearly, entity_id=ENT_B, year=2022)
    # 80 000 000 元 = 8 000 万元
    assert y["value_added_10k_yuan"] == pytest.approx(8000)
    assert y["energy_per_va"] == pytest.approx(B_ELEC_TCE / 8000, rel=1e-9)


def test_year_without_published_factor_falls_back_and_says_so(result: accounts.AccountResult) -> None:
    r = _row(result.monthly, entity_id=ENT_B, year=2020, month=5)
    assert r["co2_electricity_t"] == pytest.approx(B2020_ELEC_CO2, rel=1e-9)
    assert r["energy_tce_equal"] == pytest.approx(B2020_EQUAL_TCE, rel=1e-9)
    kinds = {(n["year"], n["factor"]) for n in result.notes}
    assert (2020, "grid") in kinds
    assert (2020, "electricity_equal_value") not in kinds
    assert (2022, "grid") not in kinds


def test_intensity_per_value_added(result: accounts.AccountResult) -> None:
    y = _row(result.yearly, entity_id=ENT_A, year=2022)
    assert y["energy_per_va"] == pytest.approx(A_ENERGY / 5000, rel=1e-9)
    assert y["co2_per_va"] == pytest.approx((A_COAL_CO2 + A_ELEC_CO2 + A_HEAT_CO2) / 5000, rel=1e-9)
    assert y["months_reported"] == 1


def test_rollups_are_sums_of_parts(result: accounts.AccountResult) -> None:
    city = _row(result.rollups["city"], unit_id="450999", year=2022)
    assert city["energy_tce"] == pytest.approx(A_ENERGY + B_ELEC_TCE, rel=1e-9)
    assert city["enterprises"] == 2
    assert city["value_added_10k_yuan"] == pytest.approx(13_000)
    assert city["energy_per_va"] == pytest.approx((A_ENERGY + B_ELEC_TCE) / 13_000, rel=1e-9)
    east = _row(result.rollups["district"], unit_id="450901", year=2022)
    assert east["co2_t"] == pytest.approx(A_COAL_CO2 + A_ELEC_CO2 + A_HEAT_CO2, rel=1e-9)
    park = _row(result.rollups["park"], unit_id="P01", year=2022)
    assert park["energy_tce"] == pytest.approx(A_ENERGY, rel=1e-9)
    cement = _row(result.rollups["industry"], unit_id="30", year=2022)
    assert cement["co2_process_t"] == pytest.approx(B_PROCESS, rel=1e-9)


def test_product_intensity(result: accounts.AccountResult) -> None:
    p = _row(result.products, entity_id=ENT_B, year=2022)
    assert p["quantity"] == pytest.approx(10_000)  # 1 万吨
    assert p["energy_kgce_per_unit"] == pytest.approx(B_ELEC_TCE * 1000 / 10_000, rel=1e-9)


def test_lineage_names_every_factor_row(result: accounts.AccountResult) -> None:
    used = set(result.factor_usage.loc[result.factor_usage["entity_id"] == ENT_A, "factor_id"])
    assert {"gbt2589:bituminous_coal", "ghg:bituminous_coal", "gbt2589:electricity",
            "mee-nbs-2022:national", "cec-2022:supply_coal", "nbs-yearbook:natural_gas",
            "gbt2589:heat", "ghg:purchased_heat"} <= used
    for fid in used:
        c = result.citations[fid]
        assert c["document"] and c["clause"], fid
    assert result.factor_set["name"] == "cn-national"
    assert all(len(d) == 64 for d in result.factor_set["files"].values())


def test_months_add_up_to_the_year_for_every_derived_column(result: accounts.AccountResult) -> None:
    # Electricity and heat take the year's factors on sums (E = AD × EF): a month's
    # co2_electricity_t is its net kWh × the factor, the year's is the year's kWh × the
    # same factor, so the months must add up to the year column by column.
    cols = ["energy_tce", "energy_tce_equal", "renewable_tce", "electricity_kwh", "co2_electricity_t",
            "co2_heat_t", "co2_scope2_t", "co2_t"]
    by_year = result.monthly.groupby(["entity_id", "year"])[cols].sum().reset_index()
    merged = by_year.merge(result.yearly[["entity_id", "year", *cols]], on=["entity_id", "year"],
                           suffixes=("_m", "_y"))
    assert len(merged) == len(result.yearly)
    for c in cols:
        assert merged[f"{c}_m"].to_numpy() == pytest.approx(merged[f"{c}_y"].to_numpy(), rel=1e-12, abs=1e-9), c


def test_results_are_in_credit_code_order(result: accounts.AccountResult) -> None:
    # entity_key is assigned in code-point order of entity_id, and results sort on it
    m = result.monthly[["entity_id", "year", "month"]]
    assert list(m.itertuples(index=False)) == sorted(m.itertuples(index=False))
    y = result.yearly[["entity_id", "year"]]
    assert list(y.itertuples(index=False)) == sorted(y.itertuples(index=False))
    ids = ["b", "A", "a", "10", "9"]
    assert accounts.entity_ids_by_key(pd.Series(ids)) == ["10", "9", "A", "a", "b"]


def test_a_factor_set_without_electricity_is_refused() -> None:
    from qingshan.errors import ConfigError
    from qingshan.methods.coefficients import year_coefficient_table

    fs = load_factor_set()
    no_elec = dataclasses.replace(fs, energy=fs.energy[fs.energy["carrier"] != "electricity"])
    with pytest.raises(ConfigError, match="electricity"):
        year_coefficient_table(no_elec, [2022])
    t = year_coefficient_table(fs, [2021, 2022])
    assert list(t["tce_per_kwh"]) == [0.0001229, 0.0001229]  # GB/T 2589 当量值 0.1229 kgce/kWh
    assert list(t["tce_per_kwh_equal"])[1] == pytest.approx(300.7e-6)  # CEC 2022 等价值
    assert list(t["tco2_per_kwh"]) == pytest.approx([0.5568e-3, 0.5366e-3])  # MEE/NBS 2021, 2022, t/kWh
