"""The carbon-balance methods of steel and chemicals, worked out by hand (docs/accounting.md,
"Carbon balance"), the sector-method registry and the materials table's codes.

Formulas and printed defaults, read in the PDF of 鲁环发〔2022〕4号 (the document itself):

Steel guideline 附录2 (restating GB/T 32151.5): E = E燃烧 + E过程 + E电热 − R固碳 (1);
E过程 = E熔剂 + E电极 + E原料 (6); E熔剂 = Σ P × DX × EF (7); E电极 = P × EF (8);
E原料 = Σ M × EF (9); R固碳 = Σ AD × EF (17), EF = NCV × CC × 44/12 for coke etc. (19).
  表2-4: limestone 0.440, dolomite 0.471, electrode 3.663, pig iron 0.172, ferrochrome 0.275 tCO2/t;
  表2-5: crude steel 0.0154 tCO2/t; 表2-3: coke NCV 28.435 GJ/t, CC 29.5 tC/TJ.
Chemical guideline 附录2 (restating GB/T 32151.10): E原料 = (Σ AD_j CC_j − Σ AD_p CC_p −
Σ AD_w CC_w) × 44/12 (5); E外供 = Q × PUR × ρ × GWP (21), ρ(CO2) 19.77 t/万Nm³, GWP 1.
  表2-2: natural gas NCV 389.31 GJ/万m³ (the top of the printed 322.38～389.31; the set's
  fuel_carbon row ghg:natural_gas), CC 15.30 tC/TJ; 表2-3: urea 0.200, methanol 0.375 tC/t.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from qingshan import accounts
from qingshan.data.ghg_methods import method_registry
from qingshan.data.validate import check_package, load_package
from qingshan.errors import NEVER_BLOCKING, Problem
from qingshan.factors import load_factor_set
from qingshan.methods.carbon_balance import assign_methods
from qingshan.store import Store
from tests.conftest import make_uscc

STEEL = make_uscc("91450200MA5K00011")
AMMONIA = make_uscc("91450200MA5K00012")
CEMENT = make_uscc("91450200MA5K00013")
C = 44 / 12

# --- steel works, March 2022 (formulas (6)-(9), (17), (19)) ---------------------------------
LIMESTONE = 10_000 * 0.90 * 0.440  # P × DX × EF (7), 表2-4 = 3 960
DOLOMITE = 2_000 * 0.95 * 0.471  # (7), 表2-4 = 894.9
ELECTRODE = 300 * 3.663  # (8), 表2-4 = 1 098.9
PIG_IRON = 5_000 * 0.172  # (9), 表2-4 = 860
FERROCHROME = 100 * 0.275  # (9), 表2-4 = 27.5
CARBURISER = 50 * 0.95 * C  # measured 0.95 tC/t (no default is printed) = 174.1667
CRUDE_STEEL = 100_000 * 0.0154  # R固碳 (17), 表2-5 = 1 540
COKE_OUT = 1_000 * 28.435 * 29.5 / 1000 * C  # (19), 表2-3: NCV × CC × 44/12 = 3 075.7192
STEEL_IN = LIMESTONE + DOLOMITE + ELECTRODE + PIG_IRON + FERROCHROME + CARBURISER
STEEL_FIXED = CRUDE_STEEL + COKE_OUT
STEEL_PROCESS = STEEL_IN - STEEL_FIXED
COKE_BURNT = 20_000 * 28.435 * 29.5 / 1000 * 0.93 * C  # combustion (2)-(5), OF 93 %

# --- ammonia / urea plant, March 2022 (formulas (5), (21)) ------------------------------------
GAS_FEED = 1_000 * 389.31 * 15.30 / 1000 * C  # 1 000 万m³ feedstock: AD × CC (表2-2 NCV × CC) = 21 840.29
UREA = 10_000 * 0.200 * C  # product, 表2-3 = 7 333.33
METHANOL = 1_000 * 0.375 * C  # product, 表2-3 = 1 375
ASH = 200 * 0.10 * C  # waste, measured 0.10 tC/t = 73.33
RECOVERED = 500 * 0.99 * 19.77 * 1  # (21): 500 万Nm³ × 99 % × 19.77 t/万Nm³ × GWP 1 = 9 786.15
AMMONIA_FIXED = UREA + METHANOL + ASH
AMMONIA_PROCESS = GAS_FEED - AMMONIA_FIXED - RECOVERED
GAS_BURNT = 100 * 389.31 * 15.30 / 1000 * 0.99 * C  # natural gas as fuel, OF 99 %

ENTITIES = f"""entity_id,entity_type,name,district_id,park_id,industry_code,scale,ghg_method
450999,city,青山市,,,,,
450901,district,东区,,,,,
{STEEL},enterprise,甲钢铁有限公司,450901,,3120,规上,
{AMMONIA},enterprise,乙化肥有限公司,450901,,2621,规上,
{CEMENT},enterprise,丙建材有限公司,450901,,3011,规上,
"""
ENERGY = f"""entity_id,period,carrier,quantity,unit,use
{STEEL},2022-03,coke,20000,吨,fuel
{STEEL},2022-03,electricity,10000,MWh,fuel
{AMMONIA},2022-03,natural_gas,1000,万立方米,feedstock
{AMMONIA},2022-03,natural_gas,100,万立方米,fuel
{CEMENT},2022-03,electricity,100,MWh,fuel
"""
MATERIALS_ROWS = [
    f"{STEEL},2022-03,石灰石,input,10000,吨,,0.90",
    f"{STEEL},2022-03,dolomite,投入,0.2,万吨,,0.95",
    f"{STEEL},2022-03,electrode,input,300,t,,",
    f"{STEEL},2022-03,pig_iron,input,5000,t,,",
    f"{STEEL},2022-03,铬铁合金,input,100,t,,",
    f"{STEEL},2022-03,carburiser,input,50,t,0.95,",
    f"{STEEL},2022-03,粗钢,product,100000,t,,",
    f"{STEEL},2022-03,焦炭,固碳产品,1000,t,,",
    f"{AMMONIA},2022-03,urea,product,10000,t,,",
    f"{AMMONIA},2022-03,甲醇,产品,1000,t,,",
    f"{AMMONIA},2022-03,ash,waste,200,t,0.10,",
    f"{AMMONIA},2022-03,co2,supplied,500,万立方米,,0.99",
]
HEADER = "entity_id,period,material,flow,quantity,unit,carbon_fraction,purity"


def _write(d: Path, *, energy: str = ENERGY, rows: list[str] | None = None, entities: str = ENTITIES) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    mats = "\n".join([HEADER, *(MATERIALS_ROWS if rows is None else rows)]) + "\n"
    for name, text in (("entities", entities), ("energy", energy), ("materials", mats)):
        (d / f"{name}.csv").write_text(text, encoding="utf-8")
    return d


def _account(d: Path, store: Store) -> accounts.AccountResult:
    fs = load_factor_set()
    pkg = load_package(d, fs)
    accounts.load(store, pkg, fs)
    return accounts.compute(store, fs)


def _year(r: accounts.AccountResult, eid: str) -> pd.Series:
    y = r.yearly[(r.yearly["entity_id"] == eid) & (r.yearly["year"] == 2022)]
    assert len(y) == 1
    return y.iloc[0]


def test_the_hand_numbers() -> None:
    assert pytest.approx(3_960.0) == LIMESTONE
    assert pytest.approx(894.9) == DOLOMITE
    assert pytest.approx(1_098.9) == ELECTRODE
    assert pytest.approx(3_075.7192, abs=1e-4) == COKE_OUT
    assert pytest.approx(2_399.7475, abs=1e-4) == STEEL_PROCESS
    assert pytest.approx(21_840.2910, abs=1e-4) == GAS_FEED
    assert pytest.approx(9_786.15) == RECOVERED
    assert pytest.approx(3_272.4743, abs=1e-4) == AMMONIA_PROCESS


@pytest.fixture
def result(tmp_path: Path, store: Store) -> accounts.AccountResult:
    return _account(_write(tmp_path / "pkg"), store)


def test_steel_works_by_hand(result: accounts.AccountResult) -> None:
    s = _year(result, STEEL)
    assert s["ghg_method"] == "steel"
    assert s["co2_fixed_t"] == pytest.approx(STEEL_FIXED, rel=1e-12)
    assert s["co2_recovered_t"] == 0.0
    assert s["co2_process_t"] == pytest.approx(STEEL_PROCESS, rel=1e-12)
    assert s["co2_combustion_t"] == pytest.approx(COKE_BURNT, rel=1e-12)  # unchanged by the balance
    assert s["co2_scope1_t"] == pytest.approx(COKE_BURNT + STEEL_PROCESS, rel=1e-12)


def test_ammonia_plant_by_hand(result: accounts.AccountResult) -> None:
    a = _year(result, AMMONIA)
    assert a["ghg_method"] == "chemical"
    assert a["co2_fixed_t"] == pytest.approx(AMMONIA_FIXED, rel=1e-12)
    assert a["co2_recovered_t"] == pytest.approx(RECOVERED, rel=1e-12)
    assert a["co2_process_t"] == pytest.approx(AMMONIA_PROCESS, rel=1e-12)
    assert a["co2_combustion_t"] == pytest.approx(GAS_BURNT, rel=1e-12)  # the feedstock is not burnt
    assert a["co2_scope1_t"] == pytest.approx(GAS_BURNT + AMMONIA_PROCESS, rel=1e-12)
    c = _year(result, CEMENT)
    assert c["ghg_method"] == "general" and c["co2_process_t"] == 0.0


def test_lineage_and_default_notes(result: accounts.AccountResult) -> None:
    used = set(result.factor_usage.loc[result.factor_usage["entity_id"] == STEEL, "factor_id"])
    assert {"sd-steel:limestone", "sd-steel:dolomite", "sd-steel:electrode", "sd-steel:pig_iron",
            "sd-steel:ferrochrome", "sd-steel:crude_steel", "ghg:coke", "measured:carburiser"} <= used
    used = set(result.factor_usage.loc[result.factor_usage["entity_id"] == AMMONIA, "factor_id"])
    assert {"sd-chem:urea", "sd-chem:methanol", "sd-chem:co2_density", "ghg:natural_gas", "measured:ash"} <= used
    assert "表2-5" in result.citations["sd-steel:crude_steel"]["clause"]
    notes = [n for n in result.notes if n.get("entity_id") == STEEL]
    assert notes and "sd-steel:limestone" in notes[0]["factor_id"]
    assert "measured:carburiser" not in notes[0]["factor_id"]


def test_rows_in_any_order_and_an_equal_carbon_pair_change_nothing(tmp_path: Path, store: Store) -> None:
    base = _year(_account(_write(tmp_path / "a"), store), AMMONIA)
    rows = list(MATERIALS_ROWS)
    rows += [f"{AMMONIA},2022-03,x_in,input,100,t,0.5,", f"{AMMONIA},2022-03,x_out,product,50,t,1.0,"]
    random.Random(15).shuffle(rows)
    other = _year(_account(_write(tmp_path / "b", rows=rows), store), AMMONIA)
    for col in ("co2_process_t", "co2_scope1_t", "co2_t", "co2_recovered_t"):
        assert other[col] == pytest.approx(base[col], rel=1e-12)
    assert other["co2_fixed_t"] == pytest.approx(base["co2_fixed_t"] + 50 * 1.0 * C, rel=1e-12)


def test_registry_and_override() -> None:
    reg = method_registry()
    ent = pd.DataFrame({"entity_id": ["a", "b", "c", "d", "e"], "entity_type": "enterprise",
                        "industry_code": ["3120", "2621", "2619", "3011", "3011"],
                        "ghg_method": [None, None, None, None, "chemical"]})
    m = assign_methods(ent, reg).set_index("entity_id")
    assert list(m["ghg_method"]) == ["steel", "chemical", "chemical", "general", "chemical"]
    assert list(m["expect_balance"]) == [True, True, False, False, False]
    assert list(m["method_source"]) == ["industry", "industry", "industry", "default", "override"]
    assert reg.rule_for("2521").method == "coking"  # type: ignore[union-attr]


def _codes(problems: list[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in problems:
        out.setdefault(p.code, []).append(p)
    return out


def test_validation_codes(tmp_path: Path) -> None:
    rows = [
        f"{STEEL},2022-03,limestone,input,100,t,,",  # P107: the flux's purity
        f"{STEEL},2022-03,mystery,input,100,t,,",  # P106: no default, no measured carbon content
        f"{STEEL},2022-03,co2,supplied,10,万立方米,,0.9",  # P111: steel deducts no recovered CO2
        f"{STEEL},2022-03,coke,input,10,t,,",  # P112: a carrier as input belongs to energy/feedstock
        f"{AMMONIA},2022-03,co2,supplied,10,吨,,0.9",  # P105: recovered CO2 is a volume
        f"{AMMONIA},2022-03,urea,product,10,t,1.5,",  # P108: more than 1 tC/t
        f"{CEMENT},2022-03,urea,product,10,t,,",  # P109: the general method has no balance
    ]
    energy = ENERGY + f"{STEEL},2022-03,coke,5,吨,export\n"
    rows.append(f"{STEEL},2022-03,coke,product,5,t,,")  # P113: deducted twice
    _, problems = check_package(_write(tmp_path / "v", rows=rows, energy=energy))
    codes = _codes(problems)
    for code, column, value in (("P107", "purity", None), ("P106", "carbon_fraction", "mystery / input"),
                                ("P111", "flow", "supplied / co2"), ("P112", "material", "coke"),
                                ("P105", "unit", "吨"), ("P108", "carbon_fraction", "1.5"),
                                ("P109", "entity_id", CEMENT), ("P113", "material", "coke")):
        assert code in codes, code
        p = codes[code][0]
        assert p.column == column and p.file.endswith("materials.csv") and p.row, (code, p)
        if value is not None:
            assert p.value == value, (code, p.value)
        assert p.severity == "error"


def test_a_steel_works_without_a_balance_is_said_in_the_accounts(tmp_path: Path, store: Store) -> None:
    """A steel works that reports energy but no balance is not a problem of the package (it
    may be reporting process rows only): the accounts carry a note naming the enterprise,
    the year and its method, and nothing else changes."""
    rows = [r for r in MATERIALS_ROWS if not r.startswith(STEEL)]
    _, problems = check_package(_write(tmp_path / "w", rows=rows))
    assert not [p for p in problems if p.severity == "error"]
    assert "P115" not in {p.code for p in problems} and "P115" not in NEVER_BLOCKING
    r = _account(tmp_path / "w", store)
    notes = [n for n in r.notes if n["factor"] == "carbon_balance"]
    assert [(n["entity_id"], n["year"]) for n in notes] == [(STEEL, 2022)]
    assert "steel" in notes[0]["en"] and "未填报碳平衡" in notes[0]["zh"]
    # with its balance reported, no enterprise has such a note
    full = _account(_write(tmp_path / "f"), store)
    assert not [n for n in full.notes if n["factor"] == "carbon_balance"]
