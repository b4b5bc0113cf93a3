"""Greenhouse gases other than CO2: N2O of nitric and adipic acid, PFCs of aluminium anode
effects, worked out by hand (docs/accounting.md, "Other greenhouse gases").

Nitric and adipic acid, 山东省生态环境厅 鲁环发〔2022〕4号 附件《山东省化工行业建设项目温室气体排放
环境影响评价技术指南（试行）》 (read in the PDF of the document), formulas (7) and (8):

    E = Σ ADᵢ × EFᵢ × (1 − ηₖ × μₖ) × 10⁻³ × GWP_N2O,  GWP_N2O = 310 ("取值为310")

with, as printed:
- 附录2 表2-5 硝酸生产过程氧化亚氮生成因子推荐值: 高压法 13.9, 中压法 11.77, 常压法 9.72,
  双加压法 8.0, 综合法 7.5 kgN2O/tHNO3;
- formula (8): 硝酸氧化制取己二酸 300 kgN2O/t (无检测数据时), 其他工艺 0;
- 表2-6 (nitric acid): 非选择性催化还原 85 %, 选择性催化还原 0, 延长吸收 0;
- 表2-7 (adipic acid): 催化去除 92.5 %, 热去除 98.5 %, 回收为硝酸 98.5 %, 回收用作己二酸的原料 94 %;
- 表2-9 GWPs (IPCC SAR as the table says): N2O 310, PFC-14 CF4 6500, PFC-116 C2F6 9200.

Aluminium: E_PFC = P_Al × (EF_CF4 × GWP_CF4 + EF_C2F6 × GWP_C2F6) × 10⁻³, the EFs the enterprise's
measured values (no default is shipped). AR5 GWPs (IPCC AR5 WG1 Table 8.A.1, tag R): N2O 265,
CF4 6630, C2F6 11100.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan import accounts
from qingshan.data.validate import check_package, load_package
from qingshan.documents.accounts import account_document
from qingshan.errors import Problem
from qingshan.factors import load_factor_set
from qingshan.methods.rollup import ADDITIVE
from qingshan.store import Store
from tests.conftest import make_uscc

NITRIC = make_uscc("91450200MA5K00011")
ADIPIC = make_uscc("91450200MA5K00012")
ALU = make_uscc("91450200MA5K00013")
PLAIN = make_uscc("91450200MA5K00014")

# --- nitric acid, March 2022 -----------------------------------------------------------------
# 100 000 t HNO3, 双加压法 (dual pressure, 表2-5: 8.0 kg N2O/t), 非选择性催化还原 (表2-6: 85 %) used
# 90 % of the plant's operating time:
#   100 000 × 8.0 = 800 000 kg = 800 t N2O generated
#   1 − 0.85 × 0.9 = 1 − 0.765 = 0.235 left
#   800 × 0.235 = 188 t N2O; × 310 = 58 280 t CO2e
NITRIC_N2O = 100_000 * 8.0 * (1 - 0.85 * 0.9) / 1000
NITRIC_CO2E = NITRIC_N2O * 310
# April: 80 000 t by 高压法 (13.9 kg/t), no abatement: 80 000 × 13.9 / 1000 = 1 112 t N2O; × 310 = 344 720
NITRIC_APRIL_N2O = 80_000 * 13.9 / 1000
# --- adipic acid, March 2022 -----------------------------------------------------------------
# 5 万吨 = 50 000 t of adipic acid by 硝酸氧化工艺 (300 kg N2O/t), 热去除 (表2-7: 98.5 %) used 95 %:
#   50 000 × 300 = 15 000 000 kg = 15 000 t N2O generated
#   1 − 0.985 × 0.95 = 1 − 0.93575 = 0.06425 left
#   15 000 × 0.06425 = 963.75 t N2O; × 310 = 298 762.5 t CO2e
ADIPIC_N2O = 50_000 * 300 * (1 - 0.985 * 0.95) / 1000
# a second line, 其他工艺 (0 kg/t), 1 000 t: no N2O
# --- aluminium, March 2022 -------------------------------------------------------------------
# 10 000 t of aluminium, measured EF_CF4 0.05 and EF_C2F6 0.005 kg/t (test values, not defaults):
#   CF4 = 10 000 × 0.05 / 1000 = 0.5 t; C2F6 = 10 000 × 0.005 / 1000 = 0.05 t
#   SAR (表2-9): 0.5 × 6 500 + 0.05 × 9 200 = 3 250 + 460 = 3 710 t CO2e
#   AR5 (Table 8.A.1): 0.5 × 6 630 + 0.05 × 11 100 = 3 315 + 555 = 3 870 t CO2e
ALU_CF4, ALU_C2F6 = 0.5, 0.05
ALU_CO2E_SAR = ALU_CF4 * 6500 + ALU_C2F6 * 9200
ALU_CO2E_AR5 = ALU_CF4 * 6630 + ALU_C2F6 * 11100
# every enterprise buys 1 000 MWh in March 2022: 1 000 × 0.5366 = 536.6 t CO2 (2022 national grid)
ELEC_CO2 = 1000 * 0.5366

ENTITIES = f"""entity_id,entity_type,name,district_id,park_id,industry_code,scale
450999,city,青山市,,,,
450901,district,东区,,,,
450902,district,西区,,,,
{NITRIC},enterprise,甲硝酸有限公司,450901,,2611,规上
{ADIPIC},enterprise,乙化学有限公司,450901,,2614,规上
{ALU},enterprise,丙铝业有限公司,450902,,3216,规上
{PLAIN},enterprise,丁机械有限公司,450902,,3411,规上
"""
ENERGY = "entity_id,period,carrier,quantity,unit,use\n" + "".join(
    f"{e},2022-03,electricity,1000,MWh,fuel\n" for e in (NITRIC, ADIPIC, ALU, PLAIN))
GASES = f"""entity_id,period,source,technology,quantity,unit,abatement,abatement_use,n2o_kg_per_t,cf4_kg_per_t,\
c2f6_kg_per_t
{NITRIC},2022-03,nitric_acid,dual_pressure,100000,t,nscr,0.9,,,
{NITRIC},2022-04,硝酸,高压法,80000,t,,,,,
{ADIPIC},2022-03,己二酸,硝酸氧化工艺,5,万吨,热去除,0.95,,,
{ADIPIC},2022-03,adipic_acid,other,1000,t,,,,,
{ALU},2022-03,aluminium_anode_effect,,10000,t,,,,0.05,0.005
"""


def _package(tmp_path: Path, gases: str | None = GASES) -> Path:
    d = tmp_path / "gases"
    d.mkdir(parents=True, exist_ok=True)
    files = {"entities": ENTITIES, "energy": ENERGY}
    if gases is not None:
        files["gases"] = gases
    for name, text in files.items():
        (d / f"{name}.csv").write_text(text, encoding="utf-8")
    return d


def _year(result: accounts.AccountResult, entity: str) -> pd.Series:
    y = result.yearly
    return y[(y["entity_id"] == entity) & (y["year"] == 2022)].iloc[0]


@pytest.fixture
def result(tmp_path: Path, store: Store) -> accounts.AccountResult:
    fs = load_factor_set()
    pkg = load_package(_package(tmp_path), fs)
    accounts.load(store, pkg, fs)
    return accounts.compute(store, fs)


def test_the_hand_numbers_are_the_written_ones() -> None:
    assert pytest.approx(188.0) == NITRIC_N2O
    assert pytest.approx(58_280.0) == NITRIC_CO2E
    assert pytest.approx(1112.0) == NITRIC_APRIL_N2O
    assert pytest.approx(963.75) == ADIPIC_N2O
    assert pytest.approx(298_762.5) == ADIPIC_N2O * 310
    assert pytest.approx(3710.0) == ALU_CO2E_SAR
    assert pytest.approx(3870.0) == ALU_CO2E_AR5


def test_nitric_acid_n2o_by_hand(result: accounts.AccountResult) -> None:
    r = _year(result, NITRIC)
    assert r["n2o_t"] == pytest.approx(NITRIC_N2O + NITRIC_APRIL_N2O, rel=1e-12)  # 188 + 1 112 = 1 300 t
    assert r["non_co2_t_co2e"] == pytest.approx((188 + 1112) * 310, rel=1e-12)  # 403 000 t CO2e
    assert r["cf4_t"] == 0 and r["c2f6_t"] == 0
    # the CO2 columns are CO2 only: the N2O is beside them, never in them
    assert r["co2_t"] == pytest.approx(ELEC_CO2, rel=1e-12)
    assert r["co2_process_t"] == 0 and r["co2_scope1_t"] == 0
    assert r["ghg_t_co2e"] == pytest.approx(ELEC_CO2 + 403_000, rel=1e-12)
    m = result.monthly
    march = m[(m["entity_id"] == NITRIC) & (m["month"] == 3)].iloc[0]
    april = m[(m["entity_id"] == NITRIC) & (m["month"] == 4)].iloc[0]
    assert march["n2o_t"] == pytest.approx(188.0, rel=1e-12)
    assert march["non_co2_t_co2e"] == pytest.approx(58_280.0, rel=1e-12)
    assert april["n2o_t"] == pytest.approx(1112.0, rel=1e-12)
    assert april["co2_t"] == 0  # a month with gases and no energy is still an account month


def test_adipic_acid_n2o_by_hand(result: accounts.AccountResult) -> None:
    r = _year(result, ADIPIC)
    assert r["n2o_t"] == pytest.approx(963.75, rel=1e-12)  # the 其他工艺 line adds 0
    assert r["non_co2_t_co2e"] == pytest.approx(298_762.5, rel=1e-12)
    assert r["co2_t"] == pytest.approx(ELEC_CO2, rel=1e-12)


def test_aluminium_pfcs_by_hand(result: accounts.AccountResult) -> None:
    r = _year(result, ALU)
    assert r["cf4_t"] == pytest.approx(ALU_CF4, rel=1e-12)
    assert r["c2f6_t"] == pytest.approx(ALU_C2F6, rel=1e-12)
    assert r["n2o_t"] == 0
    assert r["non_co2_t_co2e"] == pytest.approx(3710.0, rel=1e-12)
    assert r["ghg_t_co2e"] == pytest.approx(ELEC_CO2 + 3710.0, rel=1e-12)


def test_the_ar5_gwp_set_is_a_choice_and_the_header_names_it(tmp_path: Path) -> None:
    fs = load_factor_set(choices={"gwp_set": "ar5"})
    store = Store.connect(None)
    try:
        accounts.load(store, load_package(_package(tmp_path), fs), fs)
        res = accounts.compute(store, fs)
    finally:
        store.close()
    assert _year(res, ALU)["non_co2_t_co2e"] == pytest.approx(ALU_CO2E_AR5, rel=1e-12)  # 3 870
    # nitric acid under AR5: (188 + 1 112) × 265 = 344 500
    assert _year(res, NITRIC)["non_co2_t_co2e"] == pytest.approx(1300 * 265, rel=1e-12)
    assert res.factor_set["gwp_set"] == "ar5"
    assert load_factor_set().describe()["gwp_set"] == "sar"


def test_an_enterprise_without_gases_has_none_and_the_same_co2(tmp_path: Path, result: accounts.AccountResult
                                                              ) -> None:
    r = _year(result, PLAIN)
    for c in ("n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e"):
        assert r[c] == 0
    assert r["ghg_t_co2e"] == r["co2_t"] == pytest.approx(ELEC_CO2, rel=1e-12)
    # the same package without a gases table: every CO2 column unchanged, every gas 0
    fs = load_factor_set()
    store = Store.connect(None)
    try:
        accounts.load(store, load_package(_package(tmp_path / "none", None), fs), fs)
        bare = accounts.compute(store, fs)
    finally:
        store.close()
    co2 = [c for c in ADDITIVE if c.startswith(("co2", "energy", "electricity"))]
    for e in (NITRIC, ADIPIC, ALU, PLAIN):
        for c in co2:
            assert _year(bare, e)[c] == pytest.approx(_year(result, e)[c], rel=1e-12, abs=1e-12), (e, c)
    assert (bare.yearly["non_co2_t_co2e"] == 0).all()
    assert (bare.yearly["ghg_t_co2e"] == bare.yearly["co2_t"]).all()


def test_rollups_add_up(result: accounts.AccountResult) -> None:
    y = result.yearly
    city = result.rollups["city"].iloc[0]
    for c in ("n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e", "ghg_t_co2e", "co2_t"):
        assert city[c] == pytest.approx(y[c].sum(), rel=1e-12)
    assert city["non_co2_t_co2e"] == pytest.approx(403_000 + 298_762.5 + 3710, rel=1e-12)
    d = result.rollups["district"].set_index("unit_id")
    assert d.loc["450901", "n2o_t"] == pytest.approx(1300 + 963.75, rel=1e-12)
    assert d.loc["450902", "non_co2_t_co2e"] == pytest.approx(3710, rel=1e-12)
    assert city["ghg_t_co2e"] == pytest.approx(city["co2_t"] + city["non_co2_t_co2e"], rel=1e-12)


def test_lineage_names_the_factor_rows_and_the_gwp_set(result: accounts.AccountResult) -> None:
    ids = {(e, int(y)): set(f) for e, y, f in result.factor_ids.itertuples(index=False)}
    nitric = ids[(NITRIC, 2022)]
    assert {"lu2022-chem:n2o:nitric_acid:dual_pressure", "lu2022-chem:n2o:nitric_acid:high_pressure",
            "lu2022-chem:n2o-removal:nitric_acid:nscr", "gwp:sar:n2o"} <= nitric
    assert "gwp:sar:cf4" not in nitric
    assert {"lu2022-chem:n2o:adipic_acid:nitric_acid_oxidation", "lu2022-chem:n2o:adipic_acid:other",
            "lu2022-chem:n2o-removal:adipic_acid:thermal", "gwp:sar:n2o"} <= ids[(ADIPIC, 2022)]
    assert {"measured:pfc", "gwp:sar:cf4", "gwp:sar:c2f6"} <= ids[(ALU, 2022)]
    assert not any(f.startswith(("gwp:", "lu2022-chem")) for f in ids[(PLAIN, 2022)])
    assert "表2-5" in result.citations["lu2022-chem:n2o:nitric_acid:dual_pressure"]["clause"]
    assert result.citations["gwp:sar:cf4"]["tag"] == "C"
    assert "no default" in result.citations["measured:pfc"]["note"]
    doc = account_document(result)
    assert doc["factor_set"]["gwp_set"] == "sar"
    rec = next(r for r in doc["enterprises"] if r["entity_id"] == ALU)
    assert rec["non_co2_t_co2e"] == pytest.approx(3710.0) and rec["ghg_t_co2e"] == pytest.approx(ELEC_CO2 + 3710)
    assert "non_co2_t_co2e" in doc["rollups"]["city"][0]


def test_a_measured_n2o_factor_replaces_the_table(tmp_path: Path) -> None:
    # 10 000 t by a measured 6.5 kg/t, no technology: 10 000 × 6.5 / 1000 = 65 t N2O; × 310 = 20 150
    gases = ("entity_id,period,source,quantity,unit,n2o_kg_per_t\n"
             f"{NITRIC},2022-03,nitric_acid,10000,t,6.5\n")
    fs = load_factor_set()
    store = Store.connect(None)
    try:
        accounts.load(store, load_package(_package(tmp_path, gases), fs), fs)
        res = accounts.compute(store, fs)
    finally:
        store.close()
    r = _year(res, NITRIC)
    assert r["n2o_t"] == pytest.approx(65.0, rel=1e-12)
    assert r["non_co2_t_co2e"] == pytest.approx(20_150.0, rel=1e-12)
    ids = set(res.factor_ids.set_index("entity_id").loc[NITRIC, "factor_ids"])
    assert "measured:n2o_generation" in ids and not any(f.startswith("lu2022-chem:n2o:") for f in ids)


# --- validation --------------------------------------------------------------------------------

def _problems(tmp_path: Path, gases: str) -> list[Problem]:
    _, problems = check_package(_package(tmp_path, gases))
    return problems


def _codes(problems: list[Problem]) -> set[tuple[str, str | None, int | None]]:
    return {(p.code, p.column, p.row) for p in problems}


HEAD = ("entity_id,period,source,technology,quantity,unit,abatement,abatement_use,n2o_kg_per_t,cf4_kg_per_t,"
        "c2f6_kg_per_t\n")


def test_bad_gases_rows_get_their_codes(tmp_path: Path) -> None:
    rows = [
        "91000000000000000X,2022-03,nitric_acid,dual_pressure,1,t,,,,,",  # 2: not an enterprise (P120)
        f"{NITRIC},2022-03,nitric_acid,ultra_pressure,1,t,,,,,",  # 3: unknown technology (P121)
        f"{NITRIC},2022-04,nitric_acid,,1,t,,,,,",  # 4: no technology and no measured factor (P122)
        f"{NITRIC},2022-05,nitric_acid,combined,1,t,thermal,0.5,,,",  # 5: an adipic abatement (P123)
        f"{NITRIC},2022-06,nitric_acid,combined,1,t,nscr,,,,",  # 6: abatement without its use rate (P124)
        f"{NITRIC},2022-07,nitric_acid,combined,1,t,,0.5,,,",  # 7: use rate without abatement (P125)
        f"{ALU},2022-03,aluminium_anode_effect,,1,t,,,,,0.005",  # 8: no measured CF4 (P126)
        f"{ALU},2022-04,aluminium_anode_effect,,1,t,,,,0.05,",  # 9: no measured C2F6 (P126)
        f"{NITRIC},2022-08,nitric_acid,combined,1,t,,,,0.05,",  # 10: CF4 on an N2O row (P127)
        f"{ALU},2022-05,aluminium_anode_effect,combined,1,t,,,,0.05,0.005",  # 11: technology on Al (P127)
        f"{ALU},2022-06,aluminium_anode_effect,,1,t,,,3,0.05,0.005",  # 12: N2O factor on Al (P127)
        f"{NITRIC},2022-09,nitric_acid,combined,1,m3,,,,,",  # 13: not a mass unit (P016)
        f"{NITRIC},2022-10,nitric_acid,combined,1,t,scr,1.5,,,",  # 14: use rate above 1 (P012)
        f"{NITRIC},2022-11,sulphuric_acid,,1,t,,,,,",  # 15: unknown source (P015)
        f"{NITRIC},2022-03,nitric_acid,dual_pressure,5,t,nscr,0.9,,,",  # 16: duplicate key (P035)
        f"{NITRIC},2022-03,nitric_acid,dual_pressure,100000,t,nscr,0.9,,,",  # 17: first of the pair
    ]
    found = _codes(_problems(tmp_path, HEAD + "\n".join(rows) + "\n"))
    for expected in [("P120", "entity_id", 2), ("P121", "technology", 3), ("P122", "technology", 4),
                     ("P123", "abatement", 5), ("P124", "abatement_use", 6), ("P125", "abatement", 7),
                     ("P126", "cf4_kg_per_t", 8), ("P126", "c2f6_kg_per_t", 9), ("P127", "cf4_kg_per_t", 10),
                     ("P127", "technology", 11), ("P127", "n2o_kg_per_t", 12), ("P016", "unit", 13),
                     ("P012", "abatement_use", 14), ("P015", "source", 15)]:
        assert expected in found, expected
    assert any(c == "P035" for c, _, _ in found)


def test_a_refused_row_names_file_row_value_and_what_was_expected(tmp_path: Path) -> None:
    problems = _problems(tmp_path, HEAD + f"{ALU},2022-03,aluminium_anode_effect,,1,t,,,,,0.005\n")
    p = next(p for p in problems if p.code == "P126")
    assert p.file.endswith("gases.csv") and p.row == 2 and p.column == "cf4_kg_per_t"
    assert "measured CF4" in p.expected_en and "实测" in p.expected_zh


def test_good_rows_pass(tmp_path: Path) -> None:
    assert [p for p in _problems(tmp_path, GASES) if p.severity == "error"] == []


# --- properties: the gas columns add up at every level, whatever the rows -------------------

GAS_SUMS = ["n2o_t", "cf4_t", "c2f6_t", "non_co2_t_co2e", "ghg_t_co2e", "co2_t"]
ENTS = [NITRIC, ADIPIC, ALU, PLAIN]


@st.composite
def gas_packages(draw: st.DrawFn) -> str:
    lines = []
    keys = draw(st.sets(st.tuples(st.sampled_from(ENTS), st.integers(1, 6), st.integers(0, 3)), min_size=1,
                        max_size=12))
    for ent, month, kind in sorted(keys):
        q = draw(st.floats(min_value=0.0, max_value=1e6, allow_nan=False))
        use = draw(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
        period = f"2022-{month:02d}"
        if kind == 0:
            tech = draw(st.sampled_from(["high_pressure", "medium_pressure", "atmospheric", "dual_pressure",
                                         "combined"]))
            ab = draw(st.sampled_from(["nscr", "scr", "extended_absorption", ""]))
            lines.append(f"{ent},{period},nitric_acid,{tech},{q},t,{ab},{use if ab else ''},,,")
        elif kind == 1:
            ab = draw(st.sampled_from(["catalytic", "thermal", "recycle_to_nitric_acid", ""]))
            lines.append(f"{ent},{period},adipic_acid,nitric_acid_oxidation,{q},t,{ab},{use if ab else ''},,,")
        elif kind == 2:
            ef = draw(st.floats(min_value=0.0, max_value=20.0, allow_nan=False))
            lines.append(f"{ent},{period},nitric_acid,,{q},t,,,{ef},,")
        else:
            cf4 = draw(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
            lines.append(f"{ent},{period},aluminium_anode_effect,,{q},t,,,,{cf4},{cf4 / 10}")
    return HEAD + "\n".join(lines) + "\n"


def _account(d: Path) -> accounts.AccountResult:
    fs = load_factor_set()
    store = Store.connect(None)
    try:
        accounts.load(store, load_package(d, fs), fs)
        res = accounts.compute(store, fs)
        res.monthly  # noqa: B018 - read while the store is open
        return res
    finally:
        store.close()


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(gas_packages(), st.randoms(use_true_random=False))
def test_gas_columns_add_up_and_ignore_row_order(tmp_path: Path, gases: str, rnd: Any) -> None:
    r = _account(_package(tmp_path / "a", gases))
    monthly = r.monthly.groupby(["entity_id", "year"])[GAS_SUMS].sum()
    yearly = r.yearly.set_index(["entity_id", "year"])[GAS_SUMS]
    np.testing.assert_allclose(monthly.to_numpy(), yearly.loc[monthly.index].to_numpy(), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(r.yearly["ghg_t_co2e"], r.yearly["co2_t"] + r.yearly["non_co2_t_co2e"],
                               rtol=1e-12, atol=1e-6)
    city = r.rollups["city"].set_index("year")
    for lvl in ("district", "industry"):
        parts = r.rollups[lvl].groupby("year")[GAS_SUMS].sum()
        np.testing.assert_allclose(parts.to_numpy(), city.loc[parts.index, GAS_SUMS].to_numpy(), rtol=1e-9, atol=1e-6)
    ent = r.yearly.groupby("year")[GAS_SUMS].sum()
    np.testing.assert_allclose(ent.to_numpy(), city.loc[ent.index, GAS_SUMS].to_numpy(), rtol=1e-9, atol=1e-6)
    lines = gases.strip().splitlines()
    body = lines[1:]
    rnd.shuffle(body)
    b = _account(_package(tmp_path / "b", "\n".join([lines[0], *body]) + "\n"))
    pd.testing.assert_frame_equal(r.yearly, b.yearly, rtol=1e-12)


# --- the demo's smelters ------------------------------------------------------------------------

def test_demo_smelters_carry_measured_pfcs() -> None:
    from qingshan.data.demo.activities import production_table
    from qingshan.data.demo.calibration import typed_calibration
    from qingshan.data.demo.economics import simulate_economics
    from qingshan.data.demo.energy import simulate_energy
    from qingshan.data.demo.firms import draw_firms
    from qingshan.data.demo.gases import gases_table

    cal = typed_calibration()
    yrs = np.array([2022])
    ss = np.random.SeedSequence(7)
    r = [np.random.default_rng(s) for s in ss.spawn(8)]
    f = draw_firms(cal, r[0], 600, yrs)
    eco = simulate_economics(cal, r[1], f, yrs)
    en = simulate_energy(cal, r[2], f, eco, yrs)
    prod, qty = production_table(cal, r[3], f, eco, en, yrs)
    g = gases_table(cal, np.random.default_rng(ss.spawn(1)[0]), f, en, qty)
    assert not g.empty and set(g["source"]) == {"aluminium_anode_effect"}
    assert g["cf4_kg_per_t"].between(0.02, 0.06).all() and g["c2f6_kg_per_t"].between(0.002, 0.006).all()
    assert g["technology"].isna().all() and g["n2o_kg_per_t"].isna().all()
    # the months add up to the smelter's yearly aluminium (rounded to 0.1 t a month)
    al = prod[prod["product"] == "电解铝"].copy()
    al["t"] = np.where(al["unit"] == "万吨", al["quantity"] * 1e4, al["quantity"])
    by_ent = g.groupby("entity_id")["quantity"].sum()
    for e, t in zip(al["entity_id"], al["t"], strict=True):
        if e in by_ent.index:
            assert by_ent[e] == pytest.approx(t, abs=1.0)
    # the demo's values are demo assumptions, labelled as such
    entry = next(i for i in cal.raw["industry"] if i["code"] == "3216")["gases"]
    assert entry["basis"].startswith("assumption (demo data)")


def test_lineage_takes_more_process_factors_than_one_mask_holds() -> None:
    """A run whose process and gas rows use more factor rows than a 64-bit mask holds lists
    them all (several masks of 52): 70 made-up ids over two enterprises."""
    from qingshan.methods.lineage import factor_ids

    lookup = pd.DataFrame({"carrier_key": [0], "carrier": ["electricity"], "year": [2022],
                           "energy_factor_id": [None], "equal_factor_id": [None], "carbon_factor_id": [None],
                           "grid_factor_id": [None], "heat_factor_id": [None]})
    masks = pd.DataFrame({"entity_id": ["a", "b"], "year": [2022, 2022], "carriers_mask": [0, 0],
                          "burnt_mask": [0, 0], "measured_mask": [0, 0]})
    ids = [f"f{i:03d}" for i in range(70)]
    process = pd.DataFrame({"entity_id": ["a"] * 70 + ["b"], "year": [2022] * 71, "factor_id": [*ids, "f069"]})
    out = factor_ids(masks, lookup, process).set_index("entity_id")["factor_ids"]
    assert list(out["a"]) == ids
    assert list(out["b"]) == ["f069"]
