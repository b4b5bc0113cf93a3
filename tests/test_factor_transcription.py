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
