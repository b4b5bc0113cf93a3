"""Electrolytic aluminium: the CO2 of the anodes consumed (炭阳极消耗), worked out by hand.

The formula (GB/T 32151.4-2015 5.2 and the NDRC 中国电解铝生产企业温室气体排放核算方法与报告
指南（试行）; docs/accounting.md, "Electrolytic aluminium: anodes"):

    E_anode = NC × (1 − S − A) × 44/12

NC the net anode consumption (t of anode), S and A the anode's measured sulphur and ash mass
fractions. No default NC, S or A is shipped: an anode row without its S or A is refused
(P063). Other factors used below (docs/factors.md):
- MEE/NBS national grid factor 2022: 0.5366 tCO2/MWh; GB/T 2589 electricity 0.1229 kgce/kWh;
- petroleum coke (石油焦): NCV 32.5 GJ/t (GB/T 32151 Table C.1 as printed in GB/T 32151.22-2024),
  so 32.5 / 29.3076 tce/t (GB/T 2589's definition of the coefficient, no Annex A row);
- natural gas (GB/T 32151 Table C.1): NCV 389.31 GJ/10⁴ m³, CC 15.3 tC/TJ, OF 99 %.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qingshan import accounts
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.data.validate import check_package, load_package
from qingshan.errors import Problem, ValidationError
from qingshan.factors import load_factor_set
from qingshan.screening.figures import project_figures
from qingshan.screening.project import read_project
from qingshan.store import Store
from tests.conftest import make_uscc

ALU = make_uscc("91450200MA5K00003")

# --- the hand-worked smelter, 2022 ------------------------------------------------------------
# March: 10 000 t of aluminium at a net anode consumption of 0.42 t per t → 4 200 t of anode,
# sulphur 2 %, ash 0.4 %:
#   4 200 × (1 − 0.02 − 0.004) = 4 200 × 0.976 = 4 099.2 t of carbon
#   4 099.2 × 44/12 = 180 364.8 / 12 = 15 030.4 t CO2
MARCH_ANODE_CO2 = 4200 * (1 - 0.02 - 0.004) * 44 / 12
# April: 0.42 万吨 = 4 200 t of anode, written 预焙阳极 with Chinese headers, sulphur 2.5 %, ash 0.5 %:
#   4 200 × 0.970 = 4 074 t of carbon; 4 074 × 44/12 = 179 256 / 12 = 14 938 t CO2
APRIL_ANODE_CO2 = 4200 * (1 - 0.025 - 0.005) * 44 / 12
# March energy: 135 000 MWh of grid electricity (13 500 kWh/t) and the anodes' 3 600 t of
# petroleum coke as feedstock (原料用能): in 综合能耗, no combustion CO2.
COKE_TCE = 3600 * 32.5 / 29.3076  # 3 992.138 tce
ELEC_TCE = 135_000_000 * 0.1229 / 1000  # 16 591.5 tce
ELEC_CO2 = 135_000 * 0.5366  # 72 441 t

ENTITIES = f"""entity_id,entity_type,name,district_id,park_id,industry_code,scale
450999,city,青山市,,,,
450901,district,东区,,,,
{ALU},enterprise,丙铝业有限公司,450901,,3216,规上
"""
ENERGY = f"""entity_id,period,carrier,quantity,unit,use
{ALU},2022-03,electricity,135000,MWh,fuel
{ALU},2022-03,石油焦,3600,吨,原料用能
"""
PROCESS = f"""entity_id,period,material,quantity,unit,sulfur_fraction,ash_fraction
{ALU},2022-03,anode,4200,t,0.02,0.004
"""
# the April row with Chinese material name and headers (物料, 数量, 阳极硫分, 阳极灰分)
PROCESS_APRIL = f"""统一社会信用代码,报告期,物料,数量,计量单位,阳极硫分,阳极灰分
{ALU},2022-03,anode,4200,t,0.02,0.004
{ALU},2022-04,预焙阳极,0.42,万吨,0.025,0.005
"""


def _package(tmp_path: Path, process: str = PROCESS) -> Path:
    d = tmp_path / "aluminium"
    d.mkdir(exist_ok=True)
    for name, text in (("entities", ENTITIES), ("energy", ENERGY), ("process", process)):
        (d / f"{name}.csv").write_text(text, encoding="utf-8")
    return d


def _row(df: pd.DataFrame, **keys: object) -> pd.Series:
    m = df
    for k, v in keys.items():
        m = m[m[k] == v]
    assert len(m) == 1, keys
    return m.iloc[0]


@pytest.fixture
def result(tmp_path: Path, store: Store) -> accounts.AccountResult:
    fs = load_factor_set()
    pkg = load_package(_package(tmp_path, PROCESS_APRIL), fs)
    accounts.load(store, pkg, fs)
    return accounts.compute(store, fs)


def test_the_hand_numbers_are_the_written_ones() -> None:
    assert pytest.approx(15_030.4, abs=1e-9) == MARCH_ANODE_CO2
    assert pytest.approx(14_938.0, abs=1e-9) == APRIL_ANODE_CO2
    assert pytest.approx(3_992.1385, abs=1e-4) == COKE_TCE
    assert pytest.approx(16_591.5, abs=1e-9) == ELEC_TCE
    assert pytest.approx(72_441.0, abs=1e-9) == ELEC_CO2


def test_anode_co2_of_a_smelter_by_hand(result: accounts.AccountResult) -> None:
    march = _row(result.monthly, entity_id=ALU, year=2022, month=3)
    assert march["co2_process_t"] == pytest.approx(15_030.4, rel=1e-12)
    assert march["co2_scope1_t"] == pytest.approx(15_030.4, rel=1e-12)  # combustion is 0: see below
    assert march["co2_electricity_t"] == pytest.approx(ELEC_CO2, rel=1e-12)
    assert march["co2_t"] == pytest.approx(15_030.4 + 72_441.0, rel=1e-12)
    april = _row(result.monthly, entity_id=ALU, year=2022, month=4)
    assert april["co2_process_t"] == pytest.approx(14_938.0, rel=1e-12)  # 0.42 万吨 = 4 200 t, Chinese names
    assert april["co2_t"] == pytest.approx(14_938.0, rel=1e-12)
    year = _row(result.yearly, entity_id=ALU, year=2022)
    assert year["co2_process_t"] == pytest.approx(15_030.4 + 14_938.0, rel=1e-12)
    assert year["co2_scope1_t"] == pytest.approx(15_030.4 + 14_938.0, rel=1e-12)
    division = _row(result.rollups["industry"], unit_id="32", year=2022)
    assert division["co2_process_t"] == pytest.approx(15_030.4 + 14_938.0, rel=1e-12)


def test_the_anodes_coke_as_feedstock_is_energy_but_not_co2_again(result: accounts.AccountResult) -> None:
    """The anodes' petroleum coke reported as feedstock stays in 综合能耗 (GB/T 2589) and
    gives no combustion CO2: the anodes' carbon is counted once, by the anode row."""
    march = _row(result.monthly, entity_id=ALU, year=2022, month=3)
    assert march["feedstock_tce"] == pytest.approx(COKE_TCE, rel=1e-12)
    assert march["energy_tce"] == pytest.approx(COKE_TCE + ELEC_TCE, rel=1e-12)
    assert march["co2_combustion_t"] == 0.0
    used = set(result.factor_usage.loc[result.factor_usage["entity_id"] == ALU, "factor_id"])
    assert "ghg:petroleum_coke" not in used  # the coke's carbon defaults are not used: nothing burnt


def test_anode_lineage_names_the_method_and_no_factor_row(result: accounts.AccountResult) -> None:
    used = set(result.factor_usage.loc[result.factor_usage["entity_id"] == ALU, "factor_id"])
    assert "measured:anode" in used
    assert not {f for f in used if f.startswith("gd-cement-2021:")}  # not taken for clinker (oxide method)
    cite = result.citations["measured:anode"]
    assert cite["edition"] == "GB/T 32151.4-2015"
    assert cite["clause"].startswith("5.2")
    assert "NC × (1 − S − A) × 44/12" in cite["document"]
    for fid in used:
        assert result.citations[fid]["document"] and result.citations[fid]["clause"], fid


def _one(problems: list[Problem], code: str, column: str) -> Problem:
    found = [p for p in problems if p.code == code and p.column == column]
    assert len(found) == 1, (code, column, problems)
    return found[0]


def test_an_anode_without_its_sulphur_or_ash_is_refused(tmp_path: Path) -> None:
    process = f"""entity_id,period,material,quantity,unit,sulfur_fraction,ash_fraction
{ALU},2022-03,anode,4200,t,,0.004
{ALU},2022-04,炭阳极,4200,t,0.02,
{ALU},2022-05,anode,4200,t,,
{ALU},2022-06,caco3,100,t,,
"""
    _, problems = check_package(_package(tmp_path, process))
    codes = [(p.code, p.row, p.column) for p in problems]
    assert sorted(codes) == [("P063", 2, "sulfur_fraction"), ("P063", 3, "ash_fraction"),
                             ("P063", 4, "ash_fraction"), ("P063", 4, "sulfur_fraction")]
    p = _one([x for x in problems if x.row == 2], "P063", "sulfur_fraction")
    assert p.file == "process.csv" and p.value is None and p.severity == "error"
    assert "含硫量" in p.expected_zh and "sulphur" in p.expected_en and "not verified" in p.expected_en
    with pytest.raises(ValidationError):
        load_package(_package(tmp_path, process))


def test_sulphur_and_ash_above_one_are_refused(tmp_path: Path) -> None:
    process = f"""entity_id,period,material,quantity,unit,sulfur_fraction,ash_fraction
{ALU},2022-03,anode,4200,t,0.6,0.5
{ALU},2022-04,anode,4200,t,1.2,0.0
"""
    _, problems = check_package(_package(tmp_path, process))
    p = _one(problems, "P064", "ash_fraction")
    assert (p.file, p.row, p.value) == ("process.csv", 2, "0.6 + 0.5")
    assert _one(problems, "P012", "sulfur_fraction").row == 3  # a fraction above 1 (the column's bound)


# --- the demo city -----------------------------------------------------------------------------

MASS_TO_T = {"吨": 1.0, "t": 1.0, "万吨": 1e4}


@pytest.fixture(scope="module")
def smelters(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pd.DataFrame], accounts.AccountResult]:
    """The default demo city's aluminium smelters (industry 3216) and their accounts."""
    city = generate_demo_city(years=[2023, 2024])
    ent = city["entities"]
    ids = set(ent.loc[ent["industry_code"] == "3216", "entity_id"])
    keep = {"entities": ent[(ent["entity_type"] != "enterprise") | ent["entity_id"].isin(ids)]}
    for name in ("energy", "economics", "production", "process", "pollutants"):
        keep[name] = city[name][city[name]["entity_id"].astype(str).isin(ids)]
    keep["boundaries"] = city["boundaries"]
    pkg_dir = write_csv_package(keep, tmp_path_factory.mktemp("smelters") / "package")
    fs = load_factor_set()
    store = Store.connect(None)
    try:
        accounts.load(store, load_package(pkg_dir, fs), fs)
        res = accounts.compute(store, fs)
    finally:
        store.close()
    return keep, res


def test_demo_smelters_report_anodes_and_have_process_co2(
        smelters: tuple[dict[str, pd.DataFrame], accounts.AccountResult]) -> None:
    city, res = smelters
    ent = city["entities"]
    above = set(ent.loc[(ent["entity_type"] == "enterprise") & (ent["scale"] == "above"), "entity_id"])
    assert len(above) >= 2
    pr = city["process"].assign(t=lambda d: d["quantity"] * d["unit"].map(MASS_TO_T))
    assert set(pr["material"]) == {"anode"}
    assert set(pr["entity_id"]) == above  # every 规上 smelter, every month it produces
    # demo values (demo data): S 1.5–2.5 %, ash 0.3–0.5 %, one value per enterprise
    assert pr["sulfur_fraction"].between(0.015, 0.025).all()
    assert pr["ash_fraction"].between(0.003, 0.005).all()
    assert (pr.groupby("entity_id")[["sulfur_fraction", "ash_fraction"]].nunique() == 1).all().all()
    # net anode consumption 0.41–0.43 t per t of aluminium (rounding of the reported figures aside)
    prod = city["production"].assign(t=lambda d: d["quantity"] * d["unit"].map(MASS_TO_T))
    al = prod[prod["product"] == "电解铝"].set_index(["entity_id", "year"])["t"]
    pr["year"] = pr["period"].astype(str).str[:4].astype(int)
    nc = pr.groupby(["entity_id", "year"])["t"].sum() / al
    assert nc.notna().all() and nc.between(0.41 - 1e-3, 0.43 + 1e-3).all()
    # the engine's process CO2 = Σ rows NC × (1 − S − A) × 44/12, computed here from the rows
    pr["co2"] = pr["t"] * (1 - pr["sulfur_fraction"] - pr["ash_fraction"]) * 44 / 12
    want = pr.groupby(["entity_id", "year"])["co2"].sum()
    y = res.yearly.set_index(["entity_id", "year"])
    got = y.loc[want.index, "co2_process_t"]
    assert (got > 0).all()
    assert got.to_numpy() == pytest.approx(want.to_numpy(), rel=1e-9)
    assert (y.loc[want.index, "co2_scope1_t"] >= got).all()
    # about 1.5 t CO2 per t of aluminium: 0.42 × 0.975 × 44/12 ≈ 1.50
    per_t = want / al
    assert per_t.between(0.41 * (1 - 0.030) * 44 / 12, 0.43 * (1 - 0.018) * 44 / 12 + 1e-3).all()


# --- the screening demo project ------------------------------------------------------------------

# aluminium_expansion.yaml: 120 000 t of anodes, sulphur 2.5 %, ash 0.5 % (demo data):
#   120 000 × (1 − 0.025 − 0.005) = 116 400 t of carbon; 116 400 × 44/12 = 5 121 600 / 12 = 426 800 t CO2
PROJECT_ANODE_CO2 = 120_000 * (1 - 0.025 - 0.005) * 44 / 12
# its only combustion is the increment of natural gas, 3 000 − 1 200 = 1 800 万m³ (the coke is feedstock):
#   1 800 × 389.31 = 700 758 GJ × 15.3e-3 tC/GJ × 0.99 × 44/12 = 38 919.3986 t
PROJECT_GAS_CO2 = 1800 * 389.31 * 15.3e-3 * 0.99 * 44 / 12


def test_the_aluminium_expansion_counts_its_anodes() -> None:
    assert pytest.approx(426_800.0, abs=1e-6) == PROJECT_ANODE_CO2
    assert pytest.approx(38_919.3986, abs=1e-4) == PROJECT_GAS_CO2
    p = read_project("aluminium_expansion")
    f = project_figures(p, load_factor_set(), {"P03": "459922"})
    assert f.co2_process_t == pytest.approx(426_800.0, rel=1e-12)
    assert f.co2_combustion_t == pytest.approx(PROJECT_GAS_CO2, rel=1e-9)
    assert f.feedstock_tce == pytest.approx(120_000 * 32.5 / 29.3076, rel=1e-12)  # the coke: energy only
    assert f.co2_t == pytest.approx(426_800.0 + PROJECT_GAS_CO2 + f.co2_electricity_t + f.co2_heat_t, rel=1e-12)


def _project(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "p.yaml"
    f.write_text("name: 铝项目\nbuilder: 某铝业公司\nindustry_code: '3216'\napplication_date: 2024-03-01\n"
                 "commissioning_year: 2026\ndistrict_id: '459902'\n"
                 "energy:\n  - {carrier: 电力, quantity: 1000, unit: 万千瓦时}\n" + text, "utf-8")
    return f


def test_a_project_anode_needs_its_measured_sulphur_and_ash(tmp_path: Path) -> None:
    p = read_project(_project(tmp_path, "process:\n  - {material: anode, quantity: 1000, unit: t, "
                                        "sulfur_fraction: 0.02}\n"))
    with pytest.raises(ValidationError) as e:
        project_figures(p, load_factor_set(), {})
    found = [(x.code, x.file, x.row, x.column) for x in e.value.problems]
    assert found == [("P063", "p.yaml: process", 1, "ash_fraction")]
    # with both: 1 000 × (1 − 0.02 − 0.004) × 44/12 = 976 × 44/12 = 3 578.6667 t
    p = read_project(_project(tmp_path, "process:\n  - {material: 炭阳极, quantity: 1000, unit: t, "
                                        "sulfur_fraction: 0.02, ash_fraction: 0.004}\n"))
    f = project_figures(p, load_factor_set(), {})
    assert f.co2_process_t == pytest.approx(976 * 44 / 12, rel=1e-12)
    assert f.co2_process_t == pytest.approx(3578.6667, abs=1e-4)


def test_project_process_keys_and_existing_process_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as e:
        read_project(_project(tmp_path, "process:\n  - {material: anode, quantity: 1, unit: t, sulphur: 0.02}\n"
                                        "existing_process:\n  - {material: anode, quantity: 1, unit: t}\n"))
    where = {x.column for x in e.value.problems if x.code == "X010"}
    assert {"process[0].sulphur", "existing_process"} <= where
