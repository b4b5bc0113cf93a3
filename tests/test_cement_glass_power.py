"""Cement clinker, lime, flat glass and power plants, worked out by hand (issue #15).

Formulas and the documents they were read in (docs/accounting.md):

- clinker, formula (1) of the Guangdong cement guideline (粤环函〔2021〕103号 附件2, 广东省水泥企业
  二氧化碳排放信息报告指南（2021年修订） 6.1.1.1): EF1 = Cc × 44/56 + Cm × 44/40, with the CaO and
  MgO that came from carbonates: Qingshan takes the clinker's CaO and MgO minus the
  non-carbonate parts (default 0);
- clinker with substitute raw materials, formula (2): EF2 = Cd / ((1 − L) × Fc), Fc = 1.04;
  formula (3) AE = AD × EF1 (or EF2). Kiln dust (窑尾 and 窑头, 6.1.1.2) and the raw meal's
  organic carbon (6.1.1.3) are "不予统计": not counted, so they have no columns;
- carbonates: the NDRC chemical table as printed in 鲁环发〔2022〕4号 化工 附录2 表2-4
  (CaCO3 0.4397, CaMg(CO3)2 0.4773, Na2CO3 0.4149, NaHCO3 0.5237) × calcination fraction;
- carbon reductants (炭粉): Q × C × 44/12 with the measured carbon C (鲁环发〔2022〕4号 化工
  formula (5) for one input without carbon outputs); no default;
- fuels with measured element carbon (含碳量计算法, 鲁环发〔2022〕4号 化工 formula (2); the MEE
  power guideline 环办气候〔2021〕9号 附件2 A.1, where FC × NCV × (C/NCV) × OF × 44/12 =
  FC × C × OF × 44/12): coal OF 99 % for power facilities (6.2.4.1, "燃煤的碳氧化率不区分煤种
  取 99%").
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from qingshan import accounts
from qingshan.data.validate import check_package, load_package
from qingshan.errors import Problem
from qingshan.factors import load_factor_set
from qingshan.methods.carbon import element_carbon_co2, oxide_co2, raw_meal_co2, reductant_co2
from qingshan.schema.carriers import resolve_carrier
from qingshan.store import Store
from tests.conftest import make_uscc
from tests.test_form_205_1 import FIRST_DATA_ROW, energy, form, parse, row

CEM = make_uscc("91450200MA5K00011")  # a cement plant
LIME = make_uscc("91450200MA5K00012")  # a lime kiln
GLASS = make_uscc("91450200MA5K00013")  # a flat-glass plant
POWER = make_uscc("91450200MA5K00014")  # a self-owned power plant (自备电厂)

ENTITIES = f"""entity_id,entity_type,name,district_id,park_id,industry_code,scale
450999,city,青山市,,,,
450901,district,东区,,,,
{CEM},enterprise,甲水泥有限公司,450901,,3011,规上
{LIME},enterprise,乙石灰有限公司,450901,,3012,规上
{GLASS},enterprise,丙玻璃有限公司,450901,,3041,规上
{POWER},enterprise,丁热电有限公司,450901,,4411,规上
"""

# --- clinker, March 2024: formula (1) with non-carbonate oxides ------------------------------
# 10 000 t clinker; CaO 65 %, of which 3 % not from carbonates (e.g. from slag); MgO 2 %, of
# which 0.5 % not from carbonates:
#   (0.65 − 0.03) × 44/56 = 0.62 × 0.785714… = 27.28/56 = 0.487142857
#   (0.02 − 0.005) × 44/40 = 0.015 × 1.1 = 0.0165
#   10 000 × 0.503642857 = 5 036.428571 t CO2
CLINKER_1 = 10_000 * ((0.65 - 0.03) * 44 / 56 + (0.02 - 0.005) * 44 / 40)
# --- clinker, April 2024: formula (2), a raw meal with carbide slag --------------------------
# 8 000 t clinker; raw meal CO2 34 % (Cd), loss on ignition 35.5 % (L), Fc 1.04:
#   EF2 = 0.34 / ((1 − 0.355) × 1.04) = 0.34 / 0.6708 = 0.506857483 t/t
#   8 000 × 0.506857483 = 4 054.859869 t CO2
CLINKER_2 = 8_000 * 0.34 / ((1 - 0.355) * 1.04)
# --- the same plant's March clinker of an older file (from-carbonates fractions only) ---------
# 1 000 t at CaO 64 %, MgO 1.5 %: 1 000 × (0.64 × 44/56 + 0.015 × 1.1) = 502.857143 + 16.5
CLINKER_OLD = 1_000 * (0.64 * 44 / 56 + 0.015 * 44 / 40)
# --- lime, March 2024: the oxide method ----------------------------------------------------
# 1 000 t lime at CaO 90 %, MgO 2 %: 1 000 × (0.9 × 44/56 + 0.02 × 1.1) = 707.142857 + 22 = 729.142857
LIME_CO2 = 1_000 * (0.90 * 44 / 56 + 0.02 * 44 / 40)
# --- flat glass, March 2024: carbonates and a carbon reductant ----------------------------
# soda ash 5 000 t × 0.4149 = 2 074.5; limestone 12 000 t × 0.4397 = 5 276.4; dolomite
# 3 000 t × 0.4773 = 1 431.9; NaHCO3 10 t × 0.5237 = 5.237; carbon powder (炭粉) 20 t at
# 85 % carbon: 20 × 0.85 × 44/12 = 17 × 3.666… = 62.333333; total 8 850.370333 t CO2
GLASS_CARBONATES = 5_000 * 0.4149 + 12_000 * 0.4397 + 3_000 * 0.4773 + 10 * 0.5237
GLASS_REDUCTANT = 20 * 0.85 * 44 / 12
# --- power plant, March 2024: measured element carbon --------------------------------------
# 100 000 t raw coal (原煤, no coal type), as-received element carbon 0.55 tC/t, OF 0.99
# (环办气候〔2021〕9号 附件2 6.2.4.1): 100 000 × 0.55 × 0.99 × 44/12 = 54 450 × 44/12 = 199 650 t
POWER_COAL = 100_000 * 0.55 * 0.99 * 44 / 12
# its tce: measured NCV 20.9 GJ/t → 100 000 × 20.9 / 29.3076 = 71 312.56 tce (GB/T 2589 definition)
POWER_COAL_TCE = 100_000 * 20.9 / 29.3076
# 1 000 t bituminous coal at 0.60 tC/t and the table's default OF 93 % (GB/T 32151 Table C.1):
#   1 000 × 0.60 × 0.93 × 44/12 = 558 × 44/12 = 2 046 t
POWER_BITUMINOUS = 1_000 * 0.60 * 0.93 * 44 / 12
# 100 万m³ natural gas at 5.9 tC/万Nm³ and the default OF 99 %: 100 × 5.9 × 0.99 × 44/12 = 2 141.7 t
POWER_GAS = 100 * 5.9 * 0.99 * 44 / 12

ENERGY = f"""entity_id,period,carrier,quantity,unit,use,measured_ncv,measured_oxidation,measured_carbon_per_unit
{POWER},2024-03,原煤,100000,t,fuel,20.9,0.99,0.55
{POWER},2024-03,烟煤,1000,t,fuel,,,0.60
{POWER},2024-03,天然气,100,万立方米,fuel,,,5.9
{CEM},2024-03,电力,100,MWh,fuel,,,
"""
PROCESS = f"""entity_id,period,material,quantity,unit,cao_fraction,mgo_fraction,cao_noncarbonate_fraction,\
mgo_noncarbonate_fraction,raw_meal_co2_fraction,raw_meal_loss_on_ignition,calcination_fraction,carbon_fraction
{CEM},2024-03,clinker,10000,t,0.65,0.02,0.03,0.005,,,,
{CEM},2024-04,熟料,0.8,万吨,,,,,0.34,0.355,,
{LIME},2024-03,lime,1000,t,0.90,0.02,,,,,,
{GLASS},2024-03,na2co3,5000,t,,,,,,,1,
{GLASS},2024-03,caco3,12000,t,,,,,,,,
{GLASS},2024-03,camg_co3_2,3000,t,,,,,,,,
{GLASS},2024-03,小苏打,10,t,,,,,,,,
{GLASS},2024-03,炭粉,20,t,,,,,,,,0.85
"""
# an older process file: only the columns of 2026.1 (from-carbonates fractions)
PROCESS_OLD = f"""entity_id,period,material,quantity,unit,cao_fraction,mgo_fraction,calcination_fraction
{CEM},2024-03,clinker,1000,t,0.64,0.015,
"""


def _write(d: Path, **tables: str) -> Path:
    d.mkdir(exist_ok=True)
    for name, text in tables.items():
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
    pkg = load_package(_write(tmp_path / "pkg", entities=ENTITIES, energy=ENERGY, process=PROCESS), fs)
    accounts.load(store, pkg, fs)
    return accounts.compute(store, fs)


def test_the_hand_numbers_are_the_written_ones() -> None:
    assert pytest.approx(5_036.428571, abs=1e-6) == CLINKER_1
    assert pytest.approx(4_054.859869, abs=1e-6) == CLINKER_2
    assert pytest.approx(519.357143, abs=1e-6) == CLINKER_OLD
    assert pytest.approx(729.142857, abs=1e-6) == LIME_CO2
    assert pytest.approx(8_788.037, abs=1e-9) == GLASS_CARBONATES
    assert pytest.approx(62.333333, abs=1e-6) == GLASS_REDUCTANT
    assert pytest.approx(199_650.0, abs=1e-6) == POWER_COAL
    assert pytest.approx(2_046.0, abs=1e-9) == POWER_BITUMINOUS
    assert pytest.approx(2_141.7, abs=1e-9) == POWER_GAS
    # the pure functions on numbers
    assert oxide_co2(10_000, 0.65, 0.02, 0.03, 0.005, 44 / 56, 44 / 40) == pytest.approx(CLINKER_1, rel=1e-12)
    assert raw_meal_co2(8_000, 0.34, 0.355, 1.04) == pytest.approx(CLINKER_2, rel=1e-12)
    assert reductant_co2(20, 0.85) == pytest.approx(GLASS_REDUCTANT, rel=1e-12)
    assert element_carbon_co2(100_000, 0.55, 0.99) == pytest.approx(POWER_COAL, rel=1e-12)


def test_clinker_lime_and_glass_by_hand(result: accounts.AccountResult) -> None:
    m = result.monthly
    assert _row(m, entity_id=CEM, year=2024, month=3)["co2_process_t"] == pytest.approx(CLINKER_1, rel=1e-12)
    # 0.8 万吨 = 8 000 t, material written 熟料, formula (2)
    assert _row(m, entity_id=CEM, year=2024, month=4)["co2_process_t"] == pytest.approx(CLINKER_2, rel=1e-12)
    assert _row(m, entity_id=LIME, year=2024, month=3)["co2_process_t"] == pytest.approx(LIME_CO2, rel=1e-12)
    glass = _row(m, entity_id=GLASS, year=2024, month=3)
    assert glass["co2_process_t"] == pytest.approx(GLASS_CARBONATES + GLASS_REDUCTANT, rel=1e-12)
    assert glass["co2_process_t"] == pytest.approx(8_850.370333, abs=1e-6)
    assert glass["co2_scope1_t"] == pytest.approx(8_850.370333, abs=1e-6)
    cem = _row(result.yearly, entity_id=CEM, year=2024)
    assert cem["co2_process_t"] == pytest.approx(CLINKER_1 + CLINKER_2, rel=1e-12)


def test_process_lineage(result: accounts.AccountResult) -> None:
    u = result.factor_usage
    cem = set(u.loc[u["entity_id"] == CEM, "factor_id"])
    assert {"gd-cement-2021:cao", "gd-cement-2021:mgo", "gd-cement-2021:fc"} <= cem
    glass = set(u.loc[u["entity_id"] == GLASS, "factor_id"])
    assert {"ndrc-chem:na2co3", "ndrc-chem:caco3", "ndrc-chem:camg_co3_2", "ndrc-chem:nahco3",
            "measured:carbon_reductant"} <= glass
    assert "gd-cement-2021:cao" not in glass
    fc = load_factor_set().citations["gd-cement-2021:fc"]
    assert "粤环函〔2021〕103号" in fc["document"] and "1.04" in fc["clause"] and fc["tag"] == "C"


def test_power_plant_with_measured_element_carbon(result: accounts.AccountResult) -> None:
    p = _row(result.monthly, entity_id=POWER, year=2024, month=3)
    assert p["co2_combustion_t"] == pytest.approx(POWER_COAL + POWER_BITUMINOUS + POWER_GAS, rel=1e-12)
    assert p["co2_combustion_t"] == pytest.approx(203_837.7, abs=1e-6)
    # 综合能耗 is untouched by the carbon method: raw coal by its measured NCV, bituminous coal at
    # GB/T 2589's 0.7143 kgce/kg, natural gas at 1.2143 kgce/m³ (100 万m³ = 1 000 000 m³)
    assert p["energy_tce"] == pytest.approx(POWER_COAL_TCE + 1_000 * 0.7143 + 1_000_000 * 1.2143e-3, rel=1e-12)


def test_an_older_process_file_gives_the_same_numbers(tmp_path: Path, store: Store) -> None:
    """Backward compatibility: a process file with the 2026.1 columns only (CaO and MgO
    from carbonates, no non-carbonate or raw-meal columns) validates and gives the 2026.1
    number."""
    fs = load_factor_set()
    d = _write(tmp_path / "old", entities=ENTITIES, energy=ENERGY, process=PROCESS_OLD)
    pkg, problems = check_package(d, fs)
    assert problems == []
    accounts.load(store, pkg, fs)
    got = _row(accounts.compute(store, fs).monthly, entity_id=CEM, year=2024, month=3)
    assert got["co2_process_t"] == pytest.approx(CLINKER_OLD, rel=1e-12)


def test_process_factor_edition_keeps_every_earlier_row() -> None:
    data = resources.files("qingshan.factors").joinpath("data")
    old = pd.read_csv(io.BytesIO(data.joinpath("process_factors_2026.1.csv").read_bytes()))
    new = pd.read_csv(io.BytesIO(data.joinpath("process_factors_2026.2.csv").read_bytes()))
    pd.testing.assert_frame_equal(new.iloc[: len(old)], old)
    assert list(new["factor_id"].iloc[len(old):]) == ["ndrc-chem:nahco3", "gd-cement-2021:fc"]
    old_e = resources.files("qingshan.factors").joinpath("data/energy_coefficients_gbt2589.csv").read_bytes()
    new_e = resources.files("qingshan.factors").joinpath("data/energy_coefficients_gbt2589_2026.2.csv").read_bytes()
    assert new_e.startswith(old_e) and hashlib.sha256(old_e).hexdigest() != hashlib.sha256(new_e).hexdigest()


# --------------------------------------------------------------------------- validation


def _problems(tmp_path: Path, energy: str = "", process: str = "") -> list[Problem]:
    d = _write(tmp_path / "bad", entities=ENTITIES,
               energy=energy or f"entity_id,period,carrier,quantity,unit\n{CEM},2024-03,电力,1,MWh\n",
               **({"process": process} if process else {}))
    _, problems = check_package(d, load_factor_set())
    return problems


def _codes(problems: list[Problem]) -> list[tuple[str, int | None, str | None]]:
    return sorted((p.code, p.row, p.column) for p in problems)


def test_bad_clinker_and_reductant_rows(tmp_path: Path) -> None:
    process = f"""entity_id,period,material,quantity,unit,cao_fraction,mgo_fraction,cao_noncarbonate_fraction,\
mgo_noncarbonate_fraction,raw_meal_co2_fraction,raw_meal_loss_on_ignition,carbon_fraction
{CEM},2024-01,clinker,100,t,0.60,0.02,0.61,,,,
{CEM},2024-02,clinker,100,t,0.60,0.02,,0.03,,,
{CEM},2024-03,clinker,100,t,,,,,0.34,,
{CEM},2024-04,clinker,100,t,0.60,,,,0.34,0.35,
{CEM},2024-05,clinker,100,t,,,,,0.34,1,
{CEM},2024-06,lime,100,t,0.9,,,,0.34,0.35,
{CEM},2024-07,炭粉,100,t,,,,,,,
{CEM},2024-08,clinker,100,t,,,,,,,
"""
    problems = _problems(tmp_path, process=process)
    assert _codes(problems) == [
        ("P062", 9, "cao_fraction"),                 # clinker without either method
        ("P140", 2, "cao_noncarbonate_fraction"),    # 0.61 of non-carbonate CaO > 0.60 of CaO
        ("P140", 3, "mgo_noncarbonate_fraction"),    # 0.03 > 0.02
        ("P141", 4, "raw_meal_co2_fraction"),        # Cd without L
        ("P141", 5, "cao_fraction"),                 # both formula (1) and formula (2)
        ("P141", 6, "raw_meal_loss_on_ignition"),    # L = 1 would divide by 0
        ("P142", 7, "raw_meal_co2_fraction"),        # raw meal on lime
        ("P143", 8, "carbon_fraction"),              # carbon powder without its carbon content
    ]
    p143 = next(p for p in problems if p.code == "P143")
    assert "no default" in p143.expected_en and p143.file == "process.csv"


def test_bad_measured_element_carbon(tmp_path: Path) -> None:
    energy = f"""entity_id,period,carrier,quantity,unit,measured_carbon_content,measured_oxidation,\
measured_carbon_per_unit
{POWER},2024-01,原煤,100,t,,,0.55
{POWER},2024-02,烟煤,100,t,0.026,,0.55
{POWER},2024-03,烟煤,100,t,,,1.2
{POWER},2024-04,天然气,10,万立方米,,,30
{POWER},2024-05,烟煤,100,t,,,0
{POWER},2024-06,电力,100,MWh,,,0.5
{POWER},2024-07,天然气,10,万立方米,,,21
"""
    problems = _problems(tmp_path, energy=energy)
    assert _codes(problems) == [
        ("P039", 7, "measured_ncv"),                 # measured carbon on electricity
        ("P144", 3, "measured_carbon_per_unit"),     # both carbon methods
        ("P145", 2, "measured_oxidation"),           # raw coal: no default OF, none measured
        ("P146", 4, "measured_carbon_per_unit"),     # 1.2 tC/t > 1
        ("P146", 5, "measured_carbon_per_unit"),     # 30 tC/万Nm³ > 21.4
        ("P146", 6, "measured_carbon_per_unit"),     # 0
    ]
    p146 = [p for p in problems if p.code == "P146"]
    assert p146[1].value is not None and p146[1].value.startswith("30")  # shown per 10⁴ Nm³, as typed


def test_raw_coal_with_measured_heat_carbon_needs_an_oxidation_rate(tmp_path: Path) -> None:
    """Before 2026.2 such a row passed validation and its CO2 was 0 (no default OF to
    multiply by): now it is refused until the oxidation rate is given."""
    energy = f"""entity_id,period,carrier,quantity,unit,measured_ncv,measured_carbon_content,measured_oxidation
{POWER},2024-01,原煤,100,t,20.9,0.0275,
{POWER},2024-02,原煤,100,t,20.9,0.0275,0.99
"""
    assert _codes(_problems(tmp_path, energy=energy)) == [("P145", 2, "measured_oxidation")]


# --------------------------------------------------------------------------- 煤制品


def test_coal_products_is_the_aggregate_not_briquettes() -> None:
    assert resolve_carrier("煤制品") == "coal_products"
    assert resolve_carrier("型煤") == "briquette"
    assert resolve_carrier("其他煤制品") == "other_coal_products"
    fs = load_factor_set()
    assert "coal_products" not in set(fs.fuel_carbon["carrier"])  # no CO2 default for the total
    energy = fs.energy.set_index("carrier")
    # its tce coefficient is the one it had as 型煤's alias: 0.6000 tce/t (NBS yearbook 型煤)
    assert energy.loc["coal_products", "tce_per_unit"] == pytest.approx(0.6, rel=1e-12)
    assert energy.loc["coal_products", "factor_id"] == "nbs-yearbook:coal_products"


def test_burnt_coal_products_ask_for_the_split(tmp_path: Path, store: Store) -> None:
    energy = f"""entity_id,period,carrier,quantity,unit,use
{POWER},2024-03,煤制品,100,吨,燃料
{POWER},2024-03,煤制品,50,吨,非工业生产消费
"""
    problems = _problems(tmp_path, energy=energy)
    assert _codes(problems) == [("P147", 2, "carrier")]
    (p,) = problems
    assert p.value == "煤制品" and "型煤" in p.expected_zh and "其他煤制品" in p.expected_zh
    assert "report 型煤 and 其他煤制品 apart" in p.expected_en
    # non-industrial 煤制品 is accepted and keeps its tce: 50 t × 0.6000 = 30 tce outside 综合能耗
    ok = f"""entity_id,period,carrier,quantity,unit,use
{POWER},2024-03,煤制品,50,吨,非工业生产消费
{POWER},2024-03,型煤,60,吨,燃料
{POWER},2024-03,其他煤制品,40,吨,燃料
"""
    fs = load_factor_set()
    d = _write(tmp_path / "ok", entities=ENTITIES, energy=ok)
    pkg, problems = check_package(d, fs)
    assert problems == []
    accounts.load(store, pkg, fs)
    got = _row(accounts.compute(store, fs).monthly, entity_id=POWER, year=2024, month=3)
    assert got["non_industrial_tce"] == pytest.approx(50 * 0.6, rel=1e-12)
    # the split: 型煤 60 t at 90 %, 其他煤制品 40 t at 98 % (17.460 GJ/t, 33.6 tC/TJ):
    #   60 × 17.460 × 0.0336 × 0.90 × 44/12 = 116.1599 t; 40 × 17.460 × 0.0336 × 0.98 × 44/12 = 84.3219 t
    assert got["co2_combustion_t"] == pytest.approx(
        (60 * 0.90 + 40 * 0.98) * 17.460 * 33.6e-3 * 44 / 12, rel=1e-12)


def test_form_205_1_coal_products_and_their_split() -> None:
    # 煤制品 alone: imported as the aggregate (validation then asks for the split, P147)
    t, problems = parse(form(row("煤制品", "吨", "", "", "", "", "100", "100")))
    assert problems == [] and t is not None
    assert energy(t) == {(FIRST_DATA_ROW, "coal_products", "fuel", "100", "吨")}
    # with the rows 型煤 and 其他煤制品 under it, the parts are imported and 煤制品 is not
    t, problems = parse(form(
        row("煤制品", "吨", "", "", "", "", "100", "100"),
        row("其中：型煤", "吨", "", "", "", "", "60", "60"),
        row("    其他煤制品", "吨", "", "", "", "", "40", "40"),
    ))
    assert problems == [] and t is not None
    assert energy(t) == {(FIRST_DATA_ROW + 1, "briquette", "fuel", "60", "吨"),
                         (FIRST_DATA_ROW + 2, "other_coal_products", "fuel", "40", "吨")}
    # parts that do not add up to 煤制品 are imported, with the form's P082 warning
    t, problems = parse(form(
        row("煤制品", "吨", "", "", "", "", "100", "100"),
        row("其中：型煤", "吨", "", "", "", "", "60", "60"),
    ))
    assert t is not None and energy(t) == {(FIRST_DATA_ROW + 1, "briquette", "fuel", "60", "吨")}
    assert {(p.code, p.row) for p in problems} == {("P082", FIRST_DATA_ROW)}
