"""Every shipped factor keyed twice (issue #15, item 4).

Each table below is an independent transcription of the document a factor file cites,
typed here from that document (or, for GB/T 2589, derived from the calorific values it
prints), and compared cell by cell with the file every built-in factor set reads. A changed
number in a file, or a row added or lost, fails a test here, whatever the accounts do with it.
What was read for each table is said above it; docs/factors.md has the citations.

The energy coefficients of GB/T 2589-2008 Annex A are not typed as decimals: the standard
defines 1 kgce as 29 307.6 kJ = 7 000 kcal and prints each carrier's mean low calorific value
in kcal, so the coefficient is that value / 7 000, rounded to the four decimals the annex
prints. That derivation is a second route to the same number.
"""

from __future__ import annotations

import csv
import tomllib
from importlib import resources

import pytest

KCAL_PER_KGCE = 7000  # GB/T 2589-2008 3.7: 1 kgce = 29 307.6 kJ = 7 000 kcal


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("qingshan.factors").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _current(table: str) -> str:
    """The file of ``table`` read by the built-in sets (all sets read the same edition)."""
    text = resources.files("qingshan.factors").joinpath("data/factor_sets.toml").read_text("utf-8")
    files = {spec[table] for spec in tomllib.loads(text).values()}
    assert len(files) == 1, f"the built-in sets read different {table} files: {sorted(files)}"
    return files.pop()


# --------------------------------------------------------------------------- GB/T 2589 (tce)

#: GB/T 2589-2008 Annex A 表A.1, mean low calorific value in kcal per kg (solids, liquids),
#: per m³ (gases) or per kWh (electricity), as the annex prints it (reference §1.3, two
#: reproductions of the annex). Coke-oven gas takes the top of the annex's range
#: 4 000-4 300 kcal/m³, which is what the NBS yearbook's 6.1430 tce/10⁴ m³ is.
GBT2589_KCAL = {
    "raw_coal": 5000, "anthracite": 5000, "bituminous_coal": 5000, "lignite": 5000,  # 原煤
    "cleaned_coal": 6300,       # 洗精煤
    "other_washed_coal": 2000,  # 其他洗煤 — 洗中煤
    "coke": 6800,               # 焦炭
    "crude_oil": 10000, "fuel_oil": 10000,  # 原油, 燃料油
    "gasoline": 10300, "kerosene": 10300,   # 汽油, 煤油
    "diesel": 10200,            # 柴油
    "lpg": 12000,               # 液化石油气
    "refinery_gas": 11000,      # 炼厂干气
    "coal_tar": 8000,           # 煤焦油
    "crude_benzene": 10000,     # 粗苯
    "blast_furnace_gas": 900,   # 高炉煤气 (per m³)
    "producer_gas": 1250,       # 其他煤气 — 发生炉煤气 (per m³)
    "coke_oven_gas": 4300,      # 焦炉煤气 (per m³, top of 4 000-4 300)
    "electricity": 860,         # 电力（当量值）(per kWh)
}
#: Rows printed as coefficients, not derived from a calorific value: the NBS yearbook's
#: 各种能源折标准煤参考系数 (tce per statistical unit: 型煤 0.6000 tce/t, 其他煤气 3.5701 tce/10⁴ m³,
#: 天然气 12.1430 tce/10⁴ m³, 其他石油制品 1.2000 tce/t) and GB/T 2589 Annex B (耗能工质:
#: 新鲜水 0.2571 kgce/t, 压缩空气 0.0400 kgce/m³, 氧气 0.4000 kgce/m³); heat is 1 MJ at
#: 1 000 / 4.1868 kcal (GB/T 2589 3.7: the international steam-table calorie).
PRINTED_COEFFICIENTS = {
    "briquette": 0.6000, "other_gas": 0.35701, "natural_gas": 1.2143, "other_petroleum": 1.2000,
    "fresh_water": 0.2571, "compressed_air": 0.0400, "oxygen": 0.4000,
    # 2026.2: 煤制品 (the aggregate) at the yearbook's 型煤 value, the coefficient it had as 型煤's alias
    "coal_products": 0.6000,
}
HEAT_KGCE_PER_MJ = round(1000 / 4.1868 / KCAL_PER_KGCE, 5)  # 0.03412


def test_gbt2589_coefficients_are_the_annex_calorific_values_over_7000() -> None:
    rows = {r["carrier"]: r for r in _rows(_current("energy_coefficients"))}
    expected = {c: round(kcal / KCAL_PER_KGCE, 4) for c, kcal in GBT2589_KCAL.items()}
    expected |= PRINTED_COEFFICIENTS | {"heat": HEAT_KGCE_PER_MJ}
    assert set(rows) == set(expected)
    for carrier, value in expected.items():
        assert float(rows[carrier]["value"]) == pytest.approx(value, abs=1e-12), carrier
    # spot checks of the derivation, by hand
    assert expected["raw_coal"] == 0.7143      # 5 000 / 7 000 = 0.714 29
    assert expected["coke"] == 0.9714          # 6 800 / 7 000 = 0.971 43
    assert expected["electricity"] == 0.1229   # 860 / 7 000 = 0.122 86
    assert HEAT_KGCE_PER_MJ == 0.03412         # 238.846 / 7 000 = 0.034 121


def test_oil_field_gas_alternative_is_its_annex_row() -> None:
    (row,) = _rows("energy_coefficient_alternatives.csv")
    assert row["carrier"] == "natural_gas"
    assert float(row["value"]) == round(9310 / KCAL_PER_KGCE, 4) == 1.33  # 油田天然气 9 310 kcal/m³


# --------------------------------------------------------------------------- fuel defaults

#: GB/T 32151.22-2024 附录C 表C.1 常用化石燃料相关参数缺省值 (the table the NDRC 2015 guidelines
#: print; reference §2.3): NCV (GJ/t or GJ/10⁴ Nm³), CC (tC/TJ), OF (%). 其他煤制品 as 鲁环发
#: 〔2022〕4号 化工 附录2 表2-2 prints it (read in PDF).
FUEL_CARBON = {
    "anthracite": (26.7, 27.4, 94), "bituminous_coal": (19.570, 26.1, 93),
    "lignite": (11.9, 28.0, 96), "cleaned_coal": (26.334, 25.41, 90),
    "other_washed_coal": (12.545, 25.41, 90), "briquette": (17.460, 33.6, 90),
    "other_coal_products": (17.460, 33.6, 98), "coke": (28.435, 29.5, 93),
    "petroleum_coke": (32.5, 27.5, 98), "crude_oil": (41.816, 20.1, 98),
    "fuel_oil": (41.816, 21.1, 98), "gasoline": (43.070, 18.9, 98),
    "diesel": (42.652, 20.2, 98), "kerosene": (43.070, 19.6, 98),
    "lng": (51.498, 15.3, 98), "lpg": (50.179, 17.2, 98), "naphtha": (44.5, 20.0, 98),
    "coal_tar": (33.453, 22.0, 98), "crude_benzene": (41.816, 22.7, 98),
    "other_petroleum": (41.031, 20.0, 98), "natural_gas": (389.31, 15.3, 99),
    "blast_furnace_gas": (33.00, 70.8, 99), "converter_gas": (84.00, 49.6, 99),
    "coke_oven_gas": (179.81, 13.58, 99), "refinery_gas": (45.998, 18.2, 99),
    "other_gas": (52.270, 12.2, 99),
}
#: Rows where 鲁环发〔2022〕4号 化工/钢铁 附录2 表2-2 (a provincial text that cites the 2020 energy
#: yearbook and IPCC 2006 for its NCVs) prints the same three numbers: the shipped values are
#: confirmed by a second, official, text for these carriers. Where it differs (洗精煤 26.344,
#: LNG 44.2 / 17.2, 其他石油制品 40.2, 其他洗煤 and 天然气 as ranges) docs/factors.md says so.
SHANDONG_TABLE_2_2_AGREES = {
    "anthracite", "bituminous_coal", "lignite", "briquette", "other_coal_products", "coke",
    "crude_oil", "fuel_oil", "gasoline", "diesel", "kerosene", "refinery_gas", "lpg",
    "naphtha", "coal_tar", "crude_benzene", "blast_furnace_gas", "converter_gas",
}


def test_fuel_defaults_are_the_printed_table_cell_by_cell() -> None:
    rows = {r["carrier"]: r for r in _rows(_current("fuel_carbon"))}
    assert set(rows) == set(FUEL_CARBON)
    for carrier, (ncv, cc, of) in FUEL_CARBON.items():
        row = rows[carrier]
        got = (float(row["ncv"]), float(row["carbon_content_tc_per_tj"]), float(row["oxidation_pct"]))
        assert got == pytest.approx((ncv, cc, of), abs=1e-12), carrier
        unit = "GJ/(1e4*meter**3)" if carrier.endswith("_gas") and carrier != "refinery_gas" else "GJ/tonne"
        assert row["ncv_unit"] == unit, carrier
    assert set(FUEL_CARBON) >= SHANDONG_TABLE_2_2_AGREES


# --------------------------------------------------------------------------- grid, heat, 等价值

#: Grid factors (tCO2/MWh) by factor id, typed from the announcements (docs/factors.md):
#: MEE-NBS 公告2024年第12号 (2021: 全国 0.5568, 化石 0.8426; 附件1 华北 0.7120, 南方 0.4326);
#: 《关于发布2022年电力二氧化碳排放因子的公告》(2024-12-20): 全国 0.5366, 不含市场化非化石
#: 0.5856, 化石 0.8325, 区域 华北 0.6776 东北 0.5564 华东 0.5617 华中 0.5395 西北 0.5857 南方
#: 0.3869 西南 0.2268; 公告2025年第47号 (2023): 全国 0.5306, 0.6096, 0.8273, 区域 0.6361 0.5122
#: 0.5500 0.5271 0.5543 0.4042 0.2472; carbon-market reporting values 0.6101 (2020, 环办气候
#: 〔2021〕9号 附件2 7.2.2), 0.5810 (2021, 环办气候函〔2022〕111号), 0.5703 (2022 notice).
GRID = {
    "mee-nbs-2021:national": 0.5568, "mee-nbs-2021:national_fossil": 0.8426,
    "mee-nbs-2021:north": 0.7120, "mee-nbs-2021:south": 0.4326,
    "mee-nbs-2022:national": 0.5366, "mee-nbs-2022:national_excl_market_nonfossil": 0.5856,
    "mee-nbs-2022:national_fossil": 0.8325,
    "mee-nbs-2022:north": 0.6776, "mee-nbs-2022:northeast": 0.5564, "mee-nbs-2022:east": 0.5617,
    "mee-nbs-2022:central": 0.5395, "mee-nbs-2022:northwest": 0.5857,
    "mee-nbs-2022:south": 0.3869, "mee-nbs-2022:southwest": 0.2268,
    "mee-nbs-2023:national": 0.5306, "mee-nbs-2023:national_excl_market_nonfossil": 0.6096,
    "mee-nbs-2023:national_fossil": 0.8273,
    "mee-nbs-2023:north": 0.6361, "mee-nbs-2023:northeast": 0.5122, "mee-nbs-2023:east": 0.5500,
    "mee-nbs-2023:central": 0.5271, "mee-nbs-2023:northwest": 0.5543,
    "mee-nbs-2023:south": 0.4042, "mee-nbs-2023:southwest": 0.2472,
    "mee-ets-2020:reporting": 0.6101, "mee-ets-2021:reporting": 0.5810,
    "mee-ets-2022:reporting": 0.5703,
}
REGIONS = {"north": "华北", "northeast": "东北", "east": "华东", "central": "华中",
           "northwest": "西北", "south": "南方", "southwest": "西南"}


def test_grid_factors_are_the_announced_values_cell_by_cell() -> None:
    rows = {r["factor_id"]: r for r in _rows(_current("grid"))}
    assert set(rows) == set(GRID)
    for fid, value in GRID.items():
        row = rows[fid]
        assert float(row["value"]) == pytest.approx(value, abs=1e-12), fid
        assert row["value_unit"] == "tonne/megawatt_hour"
        # the id names the data year and the region or series the row is filed under
        prefix, key = fid.split(":")
        assert int(row["data_year"]) == int(prefix[-4:]), fid
        assert row["region"] == REGIONS.get(key, "全国"), fid
        series = {"national": "national_average", "reporting": "ets_reporting"}.get(key, key)
        assert row["series"] == (series if key not in REGIONS else "regional_average"), fid


def test_heat_and_equal_value_rows() -> None:
    (heat,) = _rows(_current("heat"))
    assert float(heat["value"]) == 0.11 and heat["value_unit"] == "tonne/gigajoule"  # GB/T 32150
    ev = {int(r["data_year"]): float(r["value"]) for r in _rows(_current("electricity_equal_value"))}
    # 发改运行〔2021〕1519号 (2020: 305.5 gce/kWh); CEC 2023 annual report (2022: 300.7 gce/kWh)
    assert ev == {2020: 305.5, 2022: 300.7}


# --------------------------------------------------------------------------- process factors

#: 鲁环发〔2022〕4号 化工 附录2 表2-4 常见碳酸盐的CO2排放因子缺省值 (read in PDF; its note: from
#: the NDRC chemical guideline), tCO2 per t; CaO and MgO as the cement guideline writes them
#: (粤环函〔2021〕103号 附件2, formula (1): 44/56 and 44/40).
PROCESS = {
    "caco3": 0.4397, "mgco3": 0.5220, "camg_co3_2": 0.4773, "na2co3": 0.4149,
    "feco3": 0.3799, "mnco3": 0.3829, "baco3": 0.2230, "li2co3": 0.5955, "k2co3": 0.3184,
    "srco3": 0.2980, "cao": 44 / 56, "mgo": 44 / 40,
}


def test_process_factors_are_the_printed_tables() -> None:
    rows = {r["material"]: r for r in _rows(_current("process"))}
    for material, value in PROCESS.items():
        assert float(rows[material]["value"]) == pytest.approx(value, abs=1e-11), material
    assert set(PROCESS) <= set(rows)


def test_process_factors_2026_2_add_nahco3_and_the_cement_fc() -> None:
    """The 2026.2 process rows: the 2026.1 rows (above) and two more, typed from their texts:
    NaHCO3 0.5237 tCO2/t (鲁环发〔2022〕4号 化工 附录2 表2-4, read in PDF) and the cement
    guideline's coal-ash factor Fc = 1.04 of formula (2) (粤环函〔2021〕103号 附件2 水泥 6.1.1.1:
    "Fc ——熟料中燃煤灰分掺入量换算因子，取值为 1.04", citing HJ 2519—2012 附录A A.5.1.1)."""
    rows = {r["material"]: r for r in _rows(_current("process"))}
    assert _current("process") == "process_factors_2026.2.csv"
    expected = PROCESS | {"nahco3": 0.5237, "coal_ash_fc": 1.04}
    assert set(rows) == set(expected)
    for material, value in expected.items():
        assert float(rows[material]["value"]) == pytest.approx(value, abs=1e-11), material
    assert rows["nahco3"]["factor_id"] == "ndrc-chem:nahco3" and rows["coal_ash_fc"]["factor_id"] == "gd-cement-2021:fc"


# --------------------------------------------------------------------------- carbon balance defaults

#: 鲁环发〔2022〕4号 附件《山东省钢铁行业建设项目温室气体排放环境影响评价技术指南（试行）》附录2,
#: read in the PDF: 表2-4 生产过程排放因子推荐值 (tCO2/t; the note: 《国际钢铁协会二氧化碳排放数据
#: 收集指南（第六版）》) — 石灰石 0.440, 白云石 0.471, 电极 3.663, 生铁 0.172, 直接还原铁 0.073,
#: 镍铁合金 0.037, 铬铁合金 0.275, 钼铁合金 0.018; 表2-5 其他排放因子和参数推荐值 — 粗钢 0.0154
#: tCO2/t (its note 2: from GB/T 32151.5). The fluxes' purity DX has no printed default.
STEEL_TABLE_2_4 = {"limestone": 0.440, "dolomite": 0.471, "electrode": 3.663, "pig_iron": 0.172, "dri": 0.073,
                   "ferronickel": 0.037, "ferrochrome": 0.275, "ferromolybdenum": 0.018}
STEEL_TABLE_2_5 = {"crude_steel": 0.0154}
#: The same notice's 化工 guideline 附录2 表2-3 常见化工产品的含碳量缺省值 (tC/t; the note: the NDRC
#: 中国化工生产企业温室气体排放核算方法与报告指南（试行）), in the table's order: 乙腈 0.5852, 丙烯腈
#: 0.6664, 丁二烯 0.888, 炭黑 0.970, 乙烯 0.856, 二氯乙烷 0.245, 乙二醇 0.387, 环氧乙烷 0.545, 氰化氢
#: 0.4444, 甲醇 0.375, 甲烷 0.749, 乙烷 0.856, 丙烷 0.817, 丙烯 0.8563, 氯乙烯单体 0.384, 尿素 0.200,
#: 碳酸氢铵 0.1519, 标准电石 0.314 (footnote 1: 300 L/kg at 20 ℃, 101.3 kPa).
CHEM_TABLE_2_3 = {"acetonitrile": 0.5852, "acrylonitrile": 0.6664, "butadiene": 0.888, "carbon_black": 0.970,
                  "ethylene": 0.856, "ethylene_dichloride": 0.245, "ethylene_glycol": 0.387,
                  "ethylene_oxide": 0.545, "hydrogen_cyanide": 0.4444, "methanol": 0.375, "methane": 0.749,
                  "ethane": 0.856, "propane": 0.817, "propylene": 0.8563, "vinyl_chloride": 0.384, "urea": 0.200,
                  "ammonium_bicarbonate": 0.1519, "calcium_carbide": 0.314}
#: 化工 guideline formula (21) 式中: "ρ — … CO2 取值为19.77" t per 10⁴ Nm³ (标准状况).
CO2_DENSITY = 19.77


def test_material_carbon_is_the_printed_tables_cell_by_cell() -> None:
    rows = {r["factor_id"]: r for r in _rows(_current("material_carbon"))}
    expected = {f"sd-steel:{m}": ("steel", m, "input", "co2", v) for m, v in STEEL_TABLE_2_4.items()}
    expected |= {f"sd-steel:{m}": ("steel", m, "output", "co2", v) for m, v in STEEL_TABLE_2_5.items()}
    expected |= {f"sd-chem:{m}": ("chemical", m, "any", "carbon", v) for m, v in CHEM_TABLE_2_3.items()}
    expected["sd-chem:co2_density"] = ("chemical", "co2", "supplied", "co2", CO2_DENSITY)
    assert set(rows) == set(expected)
    for fid, (guideline, material, flows, basis, value) in expected.items():
        r = rows[fid]
        assert (r["guideline"], r["material"], r["flows"], r["basis"]) == (guideline, material, flows, basis), fid
        assert float(r["value"]) == pytest.approx(value, abs=1e-12), fid
        assert r["tag"] == "C", fid
    # the purity is the enterprise's where the formula has one: fluxes (7) and supplied CO2 (21)
    assert {fid for fid, r in rows.items() if r["purity"] == "required"} == {
        "sd-steel:limestone", "sd-steel:dolomite", "sd-chem:co2_density"}
    assert rows["sd-chem:co2_density"]["value_unit"] == "tonne/(1e4*meter**3)"
    # the hand numbers of docs/accounting.md follow from these cells
    assert 10_000 * 0.90 * STEEL_TABLE_2_4["limestone"] == pytest.approx(3960.0)
    assert pytest.approx(9786.15) == 500 * 0.99 * CO2_DENSITY


# --------------------------------------------------------------------------- N2O and GWP

#: 鲁环发〔2022〕4号 化工 附录2 表2-5 硝酸生产过程氧化亚氮生成因子推荐值 (kg N2O/t HNO3; the note:
#: 《省级温室气体清单指南（试行）》): 高压法 13.9, 中压法 11.77, 常压法 9.72, 双加压法 8.0, 综合法 7.5;
#: adipic acid from the text of formula (8): "无检测数据时，硝酸氧化制取己二酸生产工艺的氧化亚氮生成
#: 因子可取 300" kg N2O/t, and 0 for the other routes.
N2O_GENERATION = {("nitric_acid", "high_pressure"): 13.9, ("nitric_acid", "medium_pressure"): 11.77,
                  ("nitric_acid", "atmospheric"): 9.72, ("nitric_acid", "dual_pressure"): 8.0,
                  ("nitric_acid", "combined"): 7.5, ("adipic_acid", "nitric_acid_oxidation"): 300.0,
                  ("adipic_acid", "other"): 0.0}
#: 表2-6 硝酸生产中不同尾气处理技术的氧化亚氮去除率: 非选择性催化还原 85%（80%~90%）, 选择性催化
#: 还原 0, 延长吸收 0; 表2-7 己二酸生产中…: 催化去除 92.5%（90%~95%）, 热去除 98.5%（98%~99%）,
#: 回收为硝酸 98.5%（98%~99%）, 回收用作己二酸的原料 94%（90%~98%）. (central %, printed range)
N2O_REMOVAL = {("nitric_acid", "nscr"): (85.0, "80~90"), ("nitric_acid", "scr"): (0.0, ""),
               ("nitric_acid", "extended_absorption"): (0.0, ""),
               ("adipic_acid", "catalytic"): (92.5, "90~95"), ("adipic_acid", "thermal"): (98.5, "98~99"),
               ("adipic_acid", "recycle_to_nitric_acid"): (98.5, "98~99"),
               ("adipic_acid", "recycle_to_adipic_feedstock"): (94.0, "90~98")}
#: GWP100. ``sar``: 鲁环发〔2022〕4号 化工 附录2 表2-9 温室气体全球增温潜势值 (IPCC SAR values, from
#: 《省级温室气体清单编制指南（试行）》): CH4 21, N2O 310 (also formula (7): 取值为310), HFC-23 11 700,
#: PFC-14 CF4 6 500, PFC-116 C2F6 9 200, SF6 23 900. ``ar5``: IPCC AR5 WG1 (2013) Chapter 8,
#: Table 8.A.1 (GWP100, no climate-carbon feedbacks): CH4 28, N2O 265, HFC-23 12 400, CF4 6 630,
#: C2F6 11 100, SF6 23 500.
GWP = {("sar", "ch4"): 21, ("sar", "n2o"): 310, ("sar", "hfc23"): 11700, ("sar", "cf4"): 6500,
       ("sar", "c2f6"): 9200, ("sar", "sf6"): 23900,
       ("ar5", "ch4"): 28, ("ar5", "n2o"): 265, ("ar5", "hfc23"): 12400, ("ar5", "cf4"): 6630,
       ("ar5", "c2f6"): 11100, ("ar5", "sf6"): 23500}


def test_n2o_generation_factors_are_table_2_5_and_formula_8() -> None:
    rows = {(r["source"], r["technology"]): r for r in _rows(_current("n2o_generation"))}
    assert set(rows) == set(N2O_GENERATION)
    for key, value in N2O_GENERATION.items():
        assert float(rows[key]["kg_n2o_per_t"]) == pytest.approx(value, abs=1e-12), key
        assert rows[key]["factor_id"] == f"lu2022-chem:n2o:{key[0]}:{key[1]}" and rows[key]["tag"] == "C"


def test_n2o_removal_rates_are_tables_2_6_and_2_7() -> None:
    rows = {(r["source"], r["abatement"]): r for r in _rows(_current("n2o_abatement"))}
    assert set(rows) == set(N2O_REMOVAL)
    for key, (pct, rng) in N2O_REMOVAL.items():
        assert float(rows[key]["removal_pct"]) == pytest.approx(pct, abs=1e-12), key
        assert rows[key]["range_pct"] == rng, key
        assert rows[key]["factor_id"] == f"lu2022-chem:n2o-removal:{key[0]}:{key[1]}"
    # the worked example of docs/accounting.md: 100 000 t × 8.0 × (1 − 0.85 × 0.9) / 1000 = 188 t
    assert 100_000 * N2O_GENERATION[("nitric_acid", "dual_pressure")] * (1 - 0.85 * 0.9) / 1000 == pytest.approx(188.0)


def test_gwp_sets_are_table_2_9_and_ar5_table_8_a_1() -> None:
    rows = {(r["gwp_set"], r["gas"]): r for r in _rows(_current("gwp"))}
    assert set(rows) == set(GWP)
    for key, value in GWP.items():
        assert float(rows[key]["gwp"]) == value, key
        assert rows[key]["factor_id"] == f"gwp:{key[0]}:{key[1]}"
        assert rows[key]["tag"] == ("C" if key[0] == "sar" else "R"), key
    text = resources.files("qingshan.factors").joinpath("data/factor_sets.toml").read_text("utf-8")
    assert {spec["gwp_set"] for spec in tomllib.loads(text).values()} == {"sar"}  # the guideline's set


# --------------------------------------------------------------------------- sector methods by industry

#: GB/T 4754-2017 国民经济行业分类: the classes (and the division) whose guideline is a carbon
#: balance, with the class title as the classification prints it (repeated in independent copies
#: of the code list), the method of 鲁环发〔2022〕4号 that applies, and whether that guideline
#: expects every enterprise-year to report a balance (steel, coking, ammonia: docs/accounting.md).
GHG_METHOD_CLASSES = {
    "3110": ("炼铁", "steel", True), "3120": ("炼钢", "steel", True), "2521": ("炼焦", "coking", True),
    "2522": ("煤制合成气生产", "chemical", False), "2523": ("煤制液体燃料生产", "chemical", False),
    "26": ("化学原料和化学制品制造业", "chemical", False), "2621": ("氮肥制造", "chemical", True),
}


def test_ghg_method_prefixes_are_the_gbt4754_classes() -> None:
    text = resources.files("qingshan.data").joinpath("spec/ghg_methods.toml").read_text("utf-8")
    spec = tomllib.loads(text)
    rows = {r["prefix"]: r for r in spec["industry"]}
    assert set(rows) == set(GHG_METHOD_CLASSES)
    for prefix, (title, method, expect) in GHG_METHOD_CLASSES.items():
        r = rows[prefix]
        assert r["name_zh"].startswith(title), prefix
        assert (r["method"], r["expect_balance"]) == (method, expect), prefix
    assert set(spec["methods"]) == {"general", "steel", "coking", "chemical"}
    assert {k: (m["balance"], m["supplied"]) for k, m in spec["methods"].items()} == {
        "general": (False, False), "steel": (True, False), "coking": (True, False), "chemical": (True, True)}
