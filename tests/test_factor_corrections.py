"""Issue #15, item 2: the corrections found by an audit of the shipped factor numbers
(factor sets 2026.1; docs/factors.md).

Each expected value is typed here from the document named in the comment beside it (the
text that was read, and where), not taken from the factor files, so a test fails if a file
drifts from its document. The accounts at the end are worked out by hand from those values.
"""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from qingshan import accounts
from qingshan.data.validate import load_package
from qingshan.documents.accounts import account_document
from qingshan.factors import available_factor_sets, factor_choices, load_factor_set
from qingshan.schema.carriers import carrier_keys, resolve_carrier
from qingshan.store import Store
from tests.conftest import make_uscc

DOCS = Path(__file__).resolve().parents[1] / "docs" / "factors.md"
NEW_SET_VERSION = "2026.2"  # 2026.1 corrected the shipped numbers; 2026.2 added rows (cement, glass, 煤制品)

# --------------------------------------------------------------------------- published files

#: SHA-256 of every factor file ever shipped. A published file is never edited in place: a
#: corrected table is a new file (named after the set version that first reads it), listed
#: here, and the sets that read it get a new version. The 2025.1 files stay for the results
#: whose headers name them.
PUBLISHED = {
    # 2025.1 (superseded where a 2026.1 edition exists)
    "electricity_equal_value.csv": "093735bc661e838bd3b10ebd17fbd9a06e0b63b9cac03dc80a8c880e952247d7",
    "energy_coefficient_alternatives.csv": "5a6abd209cd36f94227b1687fc548f0761194246eef44010844fb79160de3c85",
    "energy_coefficients_gbt2589.csv": "65bcb37cebcc09b3e0340f687ae48446fcc7ff67655cff4fed2274e148da2976",
    "fuel_carbon_defaults.csv": "13870b33567e9f89bde24a065b1f1aab4b5bb34e621bc41a9d98d343bb6268be",
    "grid_emission_factors.csv": "cbb07b75f0056ade3400ecc366889b4147cb4d43eeef029d498adafdb8aa89be",
    "heat_emission_factors.csv": "02649c9f8d41566c23f92c03652c8523bbf04801c345bbbcca397ec2e73890b9",
    "process_factors.csv": "706ab2170ac2788166ec6d8a0a5f6c72bbd93e57773686a7a45346b9baaa19fc",
    # 2026.1
    "electricity_equal_value_2026.1.csv": "87c3bcee13a914cd09d932adc700a973865d61c9c55b8cd5c0825bd988f30e6b",
    "fuel_carbon_defaults_2026.1.csv": "9f5009ab0f6af47fa32c4c3f516df8614d8747aebf89d1e41f9d59a32a33db14",
    "grid_emission_factors_2026.1.csv": "b2f2b36e5adfb57cb37cade0a57920ffd2ab9a45378b8351ca9dd3184484930f",
    "process_factors_2026.1.csv": "606b415bae6a2c1d19c409116f0a2d6bee5c12056df57ecade9f28029738b515",
    # 2026.2 (cement formula (2), NaHCO3, 煤制品; tests/test_cement_glass_power.py)
    "process_factors_2026.2.csv": "9d8b94f9ed3f8dce5b569987bc411fa6ae713b0d1e13527fec79a6caf961515f",
    "energy_coefficients_gbt2589_2026.2.csv": "adb80791eae0e95796c8fe3c6082dfc20fadeb59ddc429aa0cf2c279921d314f",
    # non-CO2 gases (issue #15; docs/accounting.md, "Other greenhouse gases")
    "n2o_generation_2026.2.csv": "5151e84459d10094e85ce7a41de7d98af56854f3771719d0fbc2daad937aede7",
    "n2o_abatement_2026.2.csv": "71cca31ecbc34172112f90a8ad232bec296a69e1da1d7e2beab22dfcbf574b39",
    "gwp_2026.2.csv": "3de315f9e971e27df200b520f845b7566ea9d4f9a9080d0b7b7e1943692efa0e",
    "material_carbon_2026.2.csv": "4f605914f6506b73657d058638cc669a7d51401eceeec619f1afc7441a017fc4",
}


def _data(name: str) -> bytes:
    return resources.files("qingshan.factors").joinpath(f"data/{name}").read_bytes()


def _csv_files() -> set[str]:
    return {p.name for p in resources.files("qingshan.factors").joinpath("data").iterdir()
            if p.name.endswith(".csv")}


def test_published_factor_files_are_never_edited_in_place() -> None:
    assert _csv_files() == set(PUBLISHED), "a new factor file must be listed in PUBLISHED"
    for name, digest in PUBLISHED.items():
        assert hashlib.sha256(_data(name)).hexdigest() == digest, (
            f"{name} changed: a published file is never edited; write a new edition and a new set version")


def test_every_set_reads_the_corrected_editions_under_a_new_version() -> None:
    sets = tomllib.loads(_data("factor_sets.toml").decode("utf-8"))
    assert set(sets) == set(available_factor_sets())
    for name, spec in sets.items():
        assert spec["version"] == NEW_SET_VERSION, name
        assert spec["electricity_equal_value"] == "electricity_equal_value_2026.1.csv", name
        assert spec["fuel_carbon"] == "fuel_carbon_defaults_2026.1.csv", name
        assert spec["grid"] == "grid_emission_factors_2026.1.csv", name
        # 2026.2 holds every 2026.1 row unchanged (tests/test_cement_glass_power.py)
        assert spec["process"] == "process_factors_2026.2.csv", name
        assert spec["energy_coefficients"] == "energy_coefficients_gbt2589_2026.2.csv", name
        assert load_factor_set(name).describe()["version"] == NEW_SET_VERSION


# --------------------------------------------------------------------------- 1. carbon-market grid factors


def test_ets_reporting_series_by_year() -> None:
    fs = load_factor_set("cn-ets")
    grid = fs.grid.set_index("data_year")
    # 环办气候〔2021〕9号 (2021-03-28) 附件2《企业温室气体排放核算方法与报告指南 发电设施》 7.2.2:
    # "电网排放因子采用 0.6101tCO2/MWh，或生态环境部发布的最新数值" — the notice's reports are of 2020.
    assert grid.loc[2020, "tco2_per_kwh"] == pytest.approx(0.6101 / 1000, rel=1e-12)
    # 环办气候函〔2022〕111号, restated by 津环气候〔2022〕19号 一（二）: "核算 2021 年度排放量（其中电网
    # 排放因子调整为 0.5810 tCO2/MWh）".
    assert grid.loc[2021, "tco2_per_kwh"] == pytest.approx(0.5810 / 1000, rel=1e-12)
    # 生态环境部《关于做好2023—2025年发电行业企业温室气体排放报告管理有关工作的通知》 (as reported
    # 2023-02-15): "2022年度全国电网平均排放因子为0.5703tCO2/MWh".
    assert grid.loc[2022, "tco2_per_kwh"] == pytest.approx(0.5703 / 1000, rel=1e-12)
    assert sorted(grid.index) == [2020, 2021, 2022]

    c2020 = fs.citations["mee-ets-2020:reporting"]
    assert "环办气候〔2021〕9号" in c2020["document"] and "发电设施" in c2020["document"]
    assert c2020["clause"].startswith("附件2 7.2.2") and "0.6101" in c2020["clause"]
    c2021 = fs.citations["mee-ets-2021:reporting"]
    assert "环办气候函〔2022〕111号" in c2021["document"] and "津环气候〔2022〕19号" in c2021["document"]
    assert "0.5810" in c2021["clause"]
    c2022 = fs.citations["mee-ets-2022:reporting"]
    # the notice's number was not seen: the row cites the title only and says so
    assert "〔2023〕" not in c2022["document"] and "not confirmed" in c2022["note"]
    assert {c2020["tag"], c2021["tag"], c2022["tag"]} == {"C"}


def test_ets_years_fall_back_within_the_series_only() -> None:
    fs = load_factor_set("cn-ets")
    got = fs.by_year("grid", list(range(2015, 2031))).set_index("year")
    assert set(got["factor_id"]) == {"mee-ets-2020:reporting", "mee-ets-2021:reporting", "mee-ets-2022:reporting"}
    assert got.loc[2019, "factor_year"] == 2020 and bool(got.loc[2019, "fallback"])  # earliest after
    assert got.loc[2024, "factor_year"] == 2022 and bool(got.loc[2024, "fallback"])  # latest before
    assert got.loc[2024, "tco2_per_kwh"] == pytest.approx(0.5703 / 1000, rel=1e-12)
    for y in (2020, 2021, 2022):
        assert got.loc[y, "factor_year"] == y and not bool(got.loc[y, "fallback"])
    # the national-average set never borrows the carbon-market series, nor the reverse
    nat = load_factor_set("cn-national").by_year("grid", list(range(2015, 2031)))
    assert not nat["factor_id"].str.startswith("mee-ets-").any()


# --------------------------------------------------------------------------- 2. process factors


def test_oxide_factors_are_the_cement_guideline_ratios() -> None:
    fs = load_factor_set()
    proc = fs.process.set_index("material")
    # 广东省水泥企业二氧化碳排放信息报告指南（2021年修订）(粤环函〔2021〕103号 附件2) 6.1.1.1 公式(1):
    # EF1 = (Cc × 44/56 + Cm × 44/40); "44/56 ——CO2 与 CaO 之间的分子量比值；44/40 ——CO2 与 MgO 之间的分子量比值".
    assert proc.loc["cao", "tco2_per_t"] == pytest.approx(44 / 56, rel=1e-12)  # 0.785714…
    assert proc.loc["mgo", "tco2_per_t"] == pytest.approx(44 / 40, rel=1e-12)  # 1.1
    for m in ("cao", "mgo"):
        cite = fs.citations[str(proc.loc[m, "factor_id"])]
        assert "粤环函〔2021〕103号" in cite["document"] and "6.1.1.1" in cite["clause"]
        assert cite["tag"] == "C"


#: 鲁环发〔2022〕4号, 《山东省化工行业建设项目温室气体排放环境影响评价技术指南（试行）》 附录2 表2-4
#: 常见碳酸盐的 CO2 排放因子缺省值 (t CO2/t 碳酸盐), "注：数据来源于《中国化工生产企业温室气体排放核算方法与
#: 报告指南（试行）》" — typed from the table (NaHCO3 0.5237 is in the table but not shipped).
CHEM_TABLE_2_4 = {
    "caco3": 0.4397, "mgco3": 0.5220, "na2co3": 0.4149, "feco3": 0.3799, "mnco3": 0.3829,
    "baco3": 0.2230, "li2co3": 0.5955, "k2co3": 0.3184, "srco3": 0.2980, "camg_co3_2": 0.4773,
    "nahco3": 0.5237,  # the table's eleventh row, shipped since 2026.2
}


def test_carbonates_are_the_chemical_guideline_table() -> None:
    fs = load_factor_set()
    stoich = fs.process[fs.process["method"] == "stoichiometric"].set_index("material")
    assert set(stoich.index) == set(CHEM_TABLE_2_4)
    for material, printed in CHEM_TABLE_2_4.items():
        assert stoich.loc[material, "tco2_per_t"] == pytest.approx(printed, abs=1e-12), material
        cite = fs.citations[str(stoich.loc[material, "factor_id"])]
        assert "中国化工生产企业温室气体排放核算方法与报告指南" in cite["document"], material
        assert "鲁环发〔2022〕4号" in cite["document"] and "表2-4" in cite["clause"], material
        # IPCC 2006 Table 2.1 was not read (and is not thought to list Ba, Li, K or Sr carbonates)
        assert "Table 2.1" not in cite["clause"] and "IPCC" not in cite["document"], material


# --------------------------------------------------------------------------- 3. 其他煤制品


def test_other_coal_products_row_as_the_table_prints_it() -> None:
    fs = load_factor_set()
    fuel = fs.fuel_carbon.set_index("carrier")
    # 鲁环发〔2022〕4号 化工 附录2 表2-2 / 钢铁 附录2 表2-3 常用化石燃料相关参数缺省值:
    # "其他煤制品 吨 17.460 33.6 98%"; "型煤 吨 17.460 33.6 90%".
    assert fuel.loc["other_coal_products", "ncv_gj_per_unit"] == pytest.approx(17.460, rel=1e-12)
    assert fuel.loc["other_coal_products", "cc_tc_per_gj"] == pytest.approx(33.6e-3, rel=1e-12)
    assert fuel.loc["other_coal_products", "oxidation"] == pytest.approx(0.98, rel=1e-12)
    assert fuel.loc["briquette", "oxidation"] == pytest.approx(0.90, rel=1e-12)
    # EF = 17.460 × 0.0336 × 0.98 × 44/12 = 2.10805 t CO2/t (reference table column: 2.1081)
    assert fuel.loc["other_coal_products", "co2_t_per_unit"] == pytest.approx(17.460 * 33.6e-3 * 0.98 * 44 / 12,
                                                                              rel=1e-12)
    assert fuel.loc["other_coal_products", "co2_t_per_unit"] == pytest.approx(2.1081, abs=5e-5)
    cite = fs.citations["sd-2022:other_coal_products"]
    assert "鲁环发〔2022〕4号" in cite["document"] and "其他煤制品" in cite["clause"] and cite["tag"] == "C"
    # no GB/T 2589 row: 折标准煤系数 = NCV / 29.3076 = 17.460 / 29.3076 = 0.59575 tce/t
    energy = fs.energy.set_index("carrier")
    assert energy.loc["other_coal_products", "tce_per_unit"] == pytest.approx(17.460 / 29.3076, rel=1e-12)
    assert energy.loc["other_coal_products", "factor_id"] == "derived-ncv:other_coal_products"


def test_other_coal_products_is_a_carrier_of_its_own() -> None:
    assert resolve_carrier("其他煤制品") == "other_coal_products"
    assert resolve_carrier("型煤") == "briquette"
    # appended: the keys of the carriers before it (the store's carrier_key) are unchanged
    keys = carrier_keys()
    assert keys["oxygen"] == keys["other_coal_products"] - 1
    # 2026.2 appended 煤制品 (the aggregate) after it: no earlier key moved
    assert list(keys)[-1] == "coal_products" and keys["coal_products"] == keys["other_coal_products"] + 1


# --------------------------------------------------------------------------- 4. and 5. documented, values unchanged


def test_equal_value_2020_cites_the_official_notice() -> None:
    fs = load_factor_set()
    # 发改运行〔2021〕1519号 附件《全国煤电机组改造升级实施方案》 一: "2020 年全国 6000 千瓦及以上火电厂
    # 供电煤耗为305.5克标准煤/千瓦时" → 305.5 gce/kWh = 3.055 × 10⁻⁴ tce/kWh (supply, not generation).
    ev = fs.equal_value.set_index("data_year")
    assert ev.loc[2020, "tce_per_kwh"] == pytest.approx(305.5e-6, rel=1e-12)
    cite = fs.citations["ndrc-2020:supply_coal"]
    assert "发改运行〔2021〕1519号" in cite["document"] and "305.5" in cite["clause"]
    assert "供电" in cite["clause"] and cite["tag"] == "C"


def test_natural_gas_default_and_its_profile_choice() -> None:
    # NBS yearbook 天然气 12.1430 tce/10⁴ m³ (the default) and GB/T 2589-2008 油田天然气 38 931 kJ/m³
    # → 1.3300 kgce/m³ (a profile choice); the yearbook's range is 1.1000–1.3300 kgce/m³.
    assert set(factor_choices("cn-national")["natural_gas"]) == {"nbs-yearbook:natural_gas",
                                                                "gbt2589:natural_gas_oilfield"}
    text = DOCS.read_text("utf-8")
    assert "1.1000–1.3300" in text and "322.38～389.31" in text


def test_docs_state_the_equal_value_convention() -> None:
    text = DOCS.read_text("utf-8")
    for phrase in ("供电", "发电", "GB 30251-2024", "按上年电厂发电标准煤耗计算", "发改运行〔2021〕1519号"):
        assert phrase in text, phrase


# --------------------------------------------------------------------------- accounts by hand

ENT_P = make_uscc("91450200MA5K00003")  # a cement plant (clinker, soda ash)
ENT_Q = make_uscc("91450200MA5K00004")  # burns coal products; buys electricity in several years

ENTITIES = f"""entity_id,entity_type,name,district_id,park_id,industry_code,scale,land_area_mu,lon,lat,start_year
450999,city,青山市,,,,,,,,
450901,district,东区,,,,,,,,
{ENT_P},enterprise,丙水泥有限公司,450901,,3011,规上,200,109.4,24.3,2005
{ENT_Q},enterprise,丁化工有限公司,450901,,2619,规上,100,109.5,24.4,2010
"""
ENERGY = f"""统一社会信用代码,报告期,能源品种,数量,计量单位,用途
{ENT_Q},2019-06,电力,1000,MWh,燃料
{ENT_Q},2020-06,电力,1000,MWh,燃料
{ENT_Q},2021-06,电力,1000,MWh,燃料
{ENT_Q},2022-06,电力,1000,MWh,燃料
{ENT_Q},2024-06,电力,1000,MWh,燃料
{ENT_Q},2024-06,其他煤制品,100,吨,燃料
{ENT_Q},2024-06,型煤,100,吨,燃料
{ENT_P},2024-03,电力,1,MWh,燃料
"""
ECONOMICS = f"""entity_id,year,output_value_10k_yuan,value_added_10k_yuan,revenue_10k_yuan,tax_10k_yuan,\
employees,rd_expense_10k_yuan,money_unit
{ENT_P},2024,30000,8000,31000,500,200,0,万元
{ENT_Q},2024,20000,5000,21000,800,300,400,万元
"""
PROCESS = f"""entity_id,period,material,quantity,unit,cao_fraction,mgo_fraction,calcination_fraction
{ENT_P},2024-03,clinker,10000,t,0.65,0.015,
{ENT_P},2024-03,na2co3,1000,t,,,
"""

# by hand, from the documents' values typed above
P_CLINKER_CO2 = 10_000 * (0.65 * 44 / 56 + 0.015 * 44 / 40)  # = 5 272.142857 t (2025.1: 5 265.0 t)
P_SODA_CO2 = 1000 * 0.4149  # 414.9 t (2025.1: 415.2 t)
Q_OTHER_COAL_CO2 = 100 * 17.460 * 33.6e-3 * 0.98 * 44 / 12  # 210.805 t
Q_BRIQUETTE_CO2 = 100 * 17.460 * 33.6e-3 * 0.90 * 44 / 12  # 193.600 t
ETS_T_PER_MWH = {2019: 0.6101, 2020: 0.6101, 2021: 0.5810, 2022: 0.5703, 2024: 0.5703}


@pytest.fixture
def ets_result(tmp_path: Path, store: Store) -> accounts.AccountResult:
    d = tmp_path / "package"
    d.mkdir()
    for name, text in (("entities", ENTITIES), ("energy", ENERGY), ("economics", ECONOMICS), ("process", PROCESS)):
        (d / f"{name}.csv").write_text(text, encoding="utf-8")
    fs = load_factor_set("cn-ets")
    pkg = load_package(d, fs)
    accounts.load(store, pkg, fs)
    return accounts.compute(store, fs)


def _year(result: accounts.AccountResult, entity: str, year: int) -> dict[str, float]:
    y = result.yearly
    rows = y[(y["entity_id"] == entity) & (y["year"] == year)]
    assert len(rows) == 1
    return dict(rows.iloc[0])


def test_ets_account_uses_each_years_factor_and_says_when_it_borrows(ets_result: accounts.AccountResult) -> None:
    for year, t_per_mwh in ETS_T_PER_MWH.items():
        got = _year(ets_result, ENT_Q, year)["co2_electricity_t"]
        assert got == pytest.approx(1000 * t_per_mwh, rel=1e-9), year
    grid_notes = {n["year"]: n for n in ets_result.notes if n["factor"] == "grid"}
    # 2019 (before the series) and 2024 (after it) borrow a year; 2020–2022 are published
    assert sorted(grid_notes) == [2019, 2024]
    assert grid_notes[2019]["factor_id"] == "mee-ets-2020:reporting"
    assert grid_notes[2024]["factor_id"] == "mee-ets-2022:reporting"
    assert "mee-ets-2022:reporting" in grid_notes[2024]["en"] and "2024" in grid_notes[2024]["en"]
    # the accounts document of 2024 (what the CLI and the web render) carries the note
    doc = account_document(ets_result, [2024])
    assert {(n["year"], n["factor"], n["factor_id"]) for n in doc["notes"]} >= {
        (2024, "grid", "mee-ets-2022:reporting")}
    assert doc["factors"]["mee-ets-2022:reporting"]["document"].startswith("生态环境部")


def test_account_with_the_corrected_process_and_coal_product_factors(ets_result: accounts.AccountResult) -> None:
    p = _year(ets_result, ENT_P, 2024)
    assert p["co2_process_t"] == pytest.approx(P_CLINKER_CO2 + P_SODA_CO2, rel=1e-9)
    assert p["co2_process_t"] == pytest.approx(5687.042857, abs=1e-5)
    q = _year(ets_result, ENT_Q, 2024)
    assert q["co2_combustion_t"] == pytest.approx(Q_OTHER_COAL_CO2 + Q_BRIQUETTE_CO2, rel=1e-9)
    # 综合能耗: 100 t × 17.460/29.3076 + 100 t × 0.6000 (NBS yearbook 型煤) + 1 000 MWh × 0.1229 kgce/kWh
    assert q["energy_tce"] == pytest.approx(100 * 17.460 / 29.3076 + 100 * 0.6 + 1_000_000 * 0.1229e-3, rel=1e-9)
    used = set(ets_result.factor_usage["factor_id"])
    assert {"sd-2022:other_coal_products", "ghg:briquette", "gd-cement-2021:cao", "gd-cement-2021:mgo",
            "ndrc-chem:na2co3", "derived-ncv:other_coal_products"} <= used
