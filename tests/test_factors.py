"""Factor library: hand calculations, citations, year rule, overrides, docs completeness.

Hand-worked values are written out in each test with the document they come from, so a
reader can check the arithmetic without running the code (docs/factors.md).
"""

from __future__ import annotations

import csv
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from qingshan.errors import ConfigError, QingshanError, ValidationError
from qingshan.factors import (
    DEFAULT_FACTOR_SET,
    TABLE_KEYS,
    FactorSet,
    available_factor_sets,
    load_factor_set,
)
from qingshan.methods.constants import CO2_PER_C, GJ_PER_TCE

DOCS = Path(__file__).resolve().parents[1] / "docs" / "factors.md"

#: The column layout of each table, in every edition of its file. Changing it breaks user
#: override files.
LAYOUT: dict[str, list[str]] = {
    "energy_coefficients": [
        "factor_id", "carrier", "value", "value_unit", "document", "edition", "clause", "tag",
        "valid_from", "valid_to", "note"],
    "electricity_equal_value": [
        "factor_id", "data_year", "value", "value_unit", "document", "clause", "tag", "note"],
    "fuel_carbon": [
        "factor_id", "carrier", "ncv", "ncv_unit", "carbon_content_tc_per_tj", "oxidation_pct",
        "document", "edition", "clause", "tag", "note"],
    "grid": [
        "factor_id", "series", "region", "data_year", "value", "value_unit", "document", "clause",
        "tag", "note"],
    "heat": [
        "factor_id", "value", "value_unit", "document", "edition", "clause", "tag", "note"],
    "process": [
        "factor_id", "material", "name_zh", "method", "value", "value_unit", "document", "clause",
        "tag", "note"],
    "n2o_generation": [
        "factor_id", "source", "technology", "name_zh", "kg_n2o_per_t", "value_unit", "document", "edition",
        "clause", "tag", "note"],
    "n2o_abatement": [
        "factor_id", "source", "abatement", "name_zh", "removal_pct", "range_pct", "document", "edition",
        "clause", "tag", "note"],
    "gwp": [
        "factor_id", "gwp_set", "gas", "name_zh", "formula", "gwp", "document", "edition", "clause", "tag",
        "note"],
    "material_carbon": [
        "factor_id", "guideline", "material", "name_zh", "flows", "basis", "value", "value_unit", "purity",
        "document", "edition", "clause", "tag", "note"],
}


def _data_text(name: str) -> str:
    return resources.files("qingshan.factors").joinpath(f"data/{name}").read_text("utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_data_text(name).splitlines()))


def _set_files() -> dict[str, str]:
    """File → table, for every file a built-in factor set reads (the current editions)."""
    sets = tomllib.loads(_data_text("factor_sets.toml"))
    return {spec[table]: table for spec in sets.values() for table in TABLE_KEYS}


def _all_rows() -> list[tuple[str, dict[str, str]]]:
    return [(name, row) for name in sorted(_set_files()) for row in _rows(name)]


@pytest.fixture(scope="module")
def fs() -> FactorSet:
    return load_factor_set(DEFAULT_FACTOR_SET)


def _energy(fs: FactorSet, carrier: str) -> float:
    return float(fs.energy.loc[fs.energy["carrier"] == carrier, "tce_per_unit"].iloc[0])


def _fuel(fs: FactorSet, carrier: str, col: str) -> float:
    return float(fs.fuel_carbon.loc[fs.fuel_carbon["carrier"] == carrier, col].iloc[0])


# --------------------------------------------------------------------------- constants


def test_constants() -> None:
    # 1 kgce = 7 000 kcal × 4.1868 kJ/kcal = 29 307.6 kJ → 29.3076 GJ/tce (GB/T 2589 标准煤).
    assert abs(GJ_PER_TCE - 7000 * 4.1868 / 1000) < 1e-12
    assert abs(CO2_PER_C - 44 / 12) < 1e-15


# --------------------------------------------------------------------------- hand calculations


def test_anthracite_emission_factor_by_hand(fs: FactorSet) -> None:
    # GB/T 32151.22-2024 表C.1 无烟煤: NCV 26.7 GJ/t, CC 27.4 tC/TJ, OF 94 %.
    # EF = 26.7 GJ/t × 0.0274 tC/GJ × 0.94 × 44/12 = 2.52151 t CO2/t (table column: 2.5215).
    by_hand = 26.7 * 27.4e-3 * 0.94 * 44 / 12
    assert by_hand == pytest.approx(2.5215, abs=5e-5)
    assert _fuel(fs, "anthracite", "ncv_gj_per_unit") == pytest.approx(26.7)
    assert _fuel(fs, "anthracite", "cc_tc_per_gj") == pytest.approx(0.0274)
    assert _fuel(fs, "anthracite", "oxidation") == pytest.approx(0.94)
    assert _fuel(fs, "anthracite", "co2_t_per_unit") == pytest.approx(by_hand, rel=1e-12)


def test_natural_gas_per_cubic_metre_by_hand(fs: FactorSet) -> None:
    # 表C.1 天然气: 389.31 GJ/10⁴ Nm³ → 0.038931 GJ/m³;
    # EF = 0.038931 × 15.3e-3 tC/GJ × 0.99 × 44/12 = 0.00216219 t CO2/m³.
    assert _fuel(fs, "natural_gas", "ncv_gj_per_unit") == pytest.approx(0.038931, rel=1e-12)
    by_hand = 0.038931 * 15.3e-3 * 0.99 * 44 / 12
    assert by_hand == pytest.approx(0.00216219, abs=5e-9)
    assert _fuel(fs, "natural_gas", "co2_t_per_unit") == pytest.approx(by_hand, rel=1e-12)


#: The derived EF column of the reference table (energy-carbon.md §2.3), 4 decimals,
#: t CO2 per t or per 10⁴ Nm³. It is computed from NCV × CC × OF × 44/12, not a source value.
REFERENCE_EF = {
    "anthracite": 2.5215, "bituminous_coal": 1.7417, "lignite": 1.1729, "cleaned_coal": 2.2082,
    "other_washed_coal": 1.0519, "briquette": 1.9360, "other_coal_products": 2.1081,
    "coke": 2.8604, "petroleum_coke": 3.2115,
    "crude_oil": 3.0202, "fuel_oil": 3.1705, "gasoline": 2.9251, "diesel": 3.0959,
    "kerosene": 3.0334, "lng": 2.8313, "lpg": 3.1013, "naphtha": 3.1981, "coal_tar": 2.6446,
    "crude_benzene": 3.4109, "other_petroleum": 2.9488, "natural_gas": 21.6219,
    "blast_furnace_gas": 8.4811, "converter_gas": 15.1240, "coke_oven_gas": 8.8638,
    "refinery_gas": 3.0389, "other_gas": 2.3148,
}
PER_10K_M3 = {"natural_gas", "blast_furnace_gas", "converter_gas", "coke_oven_gas", "other_gas"}


@pytest.mark.parametrize("carrier", sorted(REFERENCE_EF))
def test_fuel_emission_factors_match_reference_column(fs: FactorSet, carrier: str) -> None:
    ef = _fuel(fs, carrier, "co2_t_per_unit")
    if carrier in PER_10K_M3:
        ef *= 1e4  # the canonical unit is m³; the table is per 10⁴ Nm³
    assert ef == pytest.approx(REFERENCE_EF[carrier], abs=6e-5)


def test_every_built_in_fuel_has_a_reference_value(fs: FactorSet) -> None:
    assert set(fs.fuel_carbon["carrier"]) == set(REFERENCE_EF)


def test_electricity_calorific_equivalent(fs: FactorSet) -> None:
    # GB/T 2589 附录A 电力(当量值) 0.1229 kgce/kWh → 1.229 × 10⁻⁴ tce/kWh.
    assert _energy(fs, "electricity") == pytest.approx(1.229e-4, rel=1e-12)


def test_heat_calorific_equivalent(fs: FactorSet) -> None:
    # 热力 0.03412 kgce/MJ = 34.12 kgce/GJ = 0.03412 tce/GJ.
    assert _energy(fs, "heat") == pytest.approx(0.03412, rel=1e-12)


def test_natural_gas_statistical_coefficient(fs: FactorSet) -> None:
    # NBS yearbook 天然气 12.1430 tce/10⁴ m³ = 1.2143 kgce/m³ → 1.2143 × 10⁻³ tce/m³.
    assert _energy(fs, "natural_gas") == pytest.approx(1.2143e-3, rel=1e-12)


def test_equal_value_of_electricity(fs: FactorSet) -> None:
    # CEC 2022: 300.7 gce/kWh → 3.007 × 10⁻⁴ tce/kWh; NDRC 2020: 305.5 gce/kWh.
    ev = fs.equal_value.set_index("data_year")["tce_per_kwh"]
    assert ev.loc[2022] == pytest.approx(3.007e-4, rel=1e-12)
    assert ev.loc[2020] == pytest.approx(3.055e-4, rel=1e-12)


def test_grid_factor_units(fs: FactorSet) -> None:
    # 0.5306 kg CO2/kWh = 0.5306 t CO2/MWh = 5.306 × 10⁻⁴ t CO2/kWh (MEE–NBS 2023 national).
    grid = fs.grid.set_index("data_year")["tco2_per_kwh"]
    assert grid.loc[2023] == pytest.approx(5.306e-4, rel=1e-12)


def test_heat_emission_factor(fs: FactorSet) -> None:
    # GB/T 32150-2025 7.5.6–7.5.7: 0.11 t CO2/GJ.
    assert fs.heat_tco2_per_gj == pytest.approx(0.11)
    assert fs.heat_factor_id == "ghg:purchased_heat"


# --------------------------------------------------------------------------- stoichiometry

#: IUPAC standard atomic weights (abridged, 4–5 significant figures).
ATOMIC = {"H": 1.008, "C": 12.011, "O": 15.999, "Ca": 40.078, "Mg": 24.305, "Na": 22.990, "Fe": 55.845,
          "Mn": 54.938, "Ba": 137.33, "Li": 6.94, "K": 39.098, "Sr": 87.62}

FORMULAS = {  # material: (formula of the carbonate or oxide, moles of CO2 released)
    "caco3": ({"Ca": 1, "C": 1, "O": 3}, 1),
    "mgco3": ({"Mg": 1, "C": 1, "O": 3}, 1),
    "camg_co3_2": ({"Ca": 1, "Mg": 1, "C": 2, "O": 6}, 2),
    "na2co3": ({"Na": 2, "C": 1, "O": 3}, 1),
    "feco3": ({"Fe": 1, "C": 1, "O": 3}, 1),
    "mnco3": ({"Mn": 1, "C": 1, "O": 3}, 1),
    "baco3": ({"Ba": 1, "C": 1, "O": 3}, 1),
    "li2co3": ({"Li": 2, "C": 1, "O": 3}, 1),
    "k2co3": ({"K": 2, "C": 1, "O": 3}, 1),
    "srco3": ({"Sr": 1, "C": 1, "O": 3}, 1),
    "nahco3": ({"Na": 1, "H": 1, "C": 1, "O": 3}, 1),  # all of its carbon, as the table prints it
    "cao": ({"Ca": 1, "O": 1}, 1),
    "mgo": ({"Mg": 1, "O": 1}, 1),
}


#: Rows whose cited document prints a value that is not the molar-mass ratio to 1e-4, with
#: the value as the document prints it (docs/factors.md, "process"):
PRINTED_NOT_MOLAR = {
    # NDRC 《中国化工生产企业温室气体排放核算方法与报告指南（试行）》 常见碳酸盐的CO2排放因子, as
    # reproduced in 鲁环发〔2022〕4号 化工 guideline 附录2 表2-4: Na2CO3 0.4149, Li2CO3 0.5955, SrCO3 0.2980
    "na2co3": 0.4149,
    "li2co3": 0.5955,
    "srco3": 0.2980,
    # the same table (2026.2): NaHCO3 0.5237; molar masses give 44.0095/84.0066 = 0.52388
    "nahco3": 0.5237,
    # cement guideline formula (1) (粤环函〔2021〕103号 附件2, 广东省水泥企业…指南 6.1.1.1):
    # EF1 = (Cc × 44/56 + Cm × 44/40), whole-number molar masses
    "cao": 44 / 56,
    "mgo": 44 / 40,
}


def _molar_mass(formula: dict[str, int]) -> float:
    return sum(ATOMIC[el] * n for el, n in formula.items())


@pytest.mark.parametrize("material", sorted(FORMULAS))
def test_process_factors_are_stoichiometric(fs: FactorSet, material: str) -> None:
    formula, n_co2 = FORMULAS[material]
    co2 = ATOMIC["C"] + 2 * ATOMIC["O"]
    expected = n_co2 * co2 / _molar_mass(formula)
    value = float(fs.process.loc[fs.process["material"] == material, "tco2_per_t"].iloc[0])
    if material not in PRINTED_NOT_MOLAR:
        assert value == pytest.approx(expected, abs=1e-4)
        return
    # the document's own value, exactly as printed ...
    assert value == pytest.approx(PRINTED_NOT_MOLAR[material], rel=1e-12)
    # ... which really is off the molar ratio (no row hides here needlessly), by less than 1 %
    # (a rounding or a convention of the guideline, not a different quantity)
    assert abs(value - expected) > 1e-4
    assert value == pytest.approx(expected, rel=1e-2)


#: Process rows that are not CO2 factors, with the value their document prints: the cement
#: guideline's coal-ash factor Fc of formula (2) (粤环函〔2021〕103号 附件2 水泥 6.1.1.1: "取值为 1.04").
NOT_STOICHIOMETRIC = {"coal_ash_fc": 1.04}


def test_every_process_row_is_checked(fs: FactorSet) -> None:
    assert set(fs.process["material"]) == set(FORMULAS) | set(NOT_STOICHIOMETRIC)
    for material, printed in NOT_STOICHIOMETRIC.items():
        row = fs.process.loc[fs.process["material"] == material].iloc[0]
        assert row["method"] == "coal_ash_factor" and float(row["tco2_per_t"]) == pytest.approx(printed, rel=1e-12)


# --------------------------------------------------------------------------- derived coefficients


def test_derived_lng_coefficient(fs: FactorSet) -> None:
    # GB/T 2589 has no LNG row: 折标准煤系数 = NCV / 29.3076 = 51.498 / 29.3076 = 1.75716 tce/t.
    assert _energy(fs, "lng") == pytest.approx(51.498 / 29.3076, rel=1e-12)
    assert _energy(fs, "lng") == pytest.approx(1.7572, abs=5e-5)
    row = fs.energy.set_index("carrier").loc["lng"]
    assert row["factor_id"] == "derived-ncv:lng"
    cite = fs.citations["derived-ncv:lng"]
    assert "GB/T 2589" in cite["document"] and "GB/T 32151.22" in cite["document"]
    assert cite["tag"] == "R"


def test_derived_rows_only_where_gbt2589_has_none(fs: FactorSet) -> None:
    derived = set(fs.energy.loc[fs.energy["factor_id"].str.startswith("derived-ncv:"), "carrier"])
    assert derived == {"petroleum_coke", "lng", "naphtha", "converter_gas", "other_coal_products"}
    assert not fs.energy["carrier"].duplicated().any()
    # converter gas: 84.00 GJ/10⁴ m³ → 0.0084 GJ/m³ / 29.3076 = 2.866 × 10⁻⁴ tce/m³.
    assert _energy(fs, "converter_gas") == pytest.approx(0.0084 / 29.3076, rel=1e-12)


# --------------------------------------------------------------------------- year rule


def test_grid_year_fallback(fs: FactorSet) -> None:
    # Built-in national average: 2021, 2022, 2023.
    got = fs.by_year("grid", [2025, 2020, 2022]).set_index("year")
    assert got.loc[2020, "factor_year"] == 2021 and bool(got.loc[2020, "fallback"])
    assert got.loc[2022, "factor_year"] == 2022 and not bool(got.loc[2022, "fallback"])
    assert got.loc[2025, "factor_year"] == 2023 and bool(got.loc[2025, "fallback"])
    assert got.loc[2025, "factor_id"] == "mee-nbs-2023:national"
    assert list(got.index) == [2020, 2022, 2025]


def test_equal_value_year_fallback(fs: FactorSet) -> None:
    # Built-in equal value: 2020, 2022. 2021 takes the latest year before it.
    got = fs.by_year("equal_value", [2019, 2021, 2023]).set_index("year")
    assert got.loc[2019, "factor_year"] == 2020
    assert got.loc[2021, "factor_year"] == 2020
    assert got.loc[2023, "factor_year"] == 2022
    assert got["fallback"].all()


def test_by_year_repeated_years_resolve_once(fs: FactorSet) -> None:
    got = fs.by_year("grid", [2022, 2022, 2021])
    assert list(got["year"]) == [2021, 2022]


# --------------------------------------------------------------------------- citations


def test_column_layout_is_unchanged() -> None:
    files = _set_files()
    assert set(files.values()) == set(LAYOUT)
    for name, table in files.items():
        header = next(csv.reader(_data_text(name).splitlines()))
        assert header == LAYOUT[table], name


def test_every_row_is_cited_and_tagged() -> None:
    for name, row in _all_rows():
        assert row["document"].strip(), (name, row["factor_id"])
        assert row["clause"].strip(), (name, row["factor_id"])
        assert row["tag"] in {"C", "R"}, (name, row["factor_id"], row["tag"])
        if "edition" in row:
            assert row["edition"].strip(), (name, row["factor_id"])


def test_factor_ids_are_unique_across_files() -> None:
    ids = [row["factor_id"] for _, row in _all_rows()]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes
    assert all(i and not i.startswith("derived-ncv:") for i in ids)


def test_table_keys_are_unique_within_each_file() -> None:
    for name, table in _set_files().items():
        seen = [tuple(row[k] for k in TABLE_KEYS[table]) for row in _rows(name)]
        assert len(seen) == len(set(seen)), name


def test_every_resolved_factor_has_a_citation() -> None:
    for name in available_factor_sets():
        fs = load_factor_set(name)
        ids = [*fs.energy["factor_id"], *fs.fuel_carbon["factor_id"], *fs.equal_value["factor_id"],
               *fs.grid["factor_id"], fs.heat_factor_id, *fs.process["factor_id"]]
        for i in ids:
            cite = fs.citations[i]
            assert cite["document"] and cite["clause"] and cite["tag"] in {"C", "R"}, i


# --------------------------------------------------------------------------- factor sets


def test_all_factor_sets_load() -> None:
    text = resources.files("qingshan.factors").joinpath("data/factor_sets.toml").read_text("utf-8")
    declared = tomllib.loads(text)
    assert set(available_factor_sets()) == set(declared)
    assert DEFAULT_FACTOR_SET in declared
    for name, spec in declared.items():
        fs = load_factor_set(name)
        assert fs.name == name and fs.version == str(spec["version"])
        assert not fs.grid.empty and not fs.equal_value.empty
        assert fs.grid_series == spec["grid_series"] and fs.grid_region == spec["grid_region"]
        header = fs.describe()
        assert header["overridden_factor_ids"] == []
        assert set(header["files"]) == {spec[t] for t in TABLE_KEYS}
        assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in header["files"].values())


def test_ets_set_uses_the_reporting_series() -> None:
    # 环办气候〔2021〕9号 附件2 7.2.2: 0.6101 (2020 reports); 环办气候函〔2022〕111号: 0.5810 (2021
    # reports); the 2023—2025 power-sector notice: 0.5703 (2022 data). t CO2/MWh → t CO2/kWh.
    fs = load_factor_set("cn-ets")
    assert list(fs.grid["factor_id"]) == ["mee-ets-2020:reporting", "mee-ets-2021:reporting",
                                          "mee-ets-2022:reporting"]
    got = fs.grid.set_index("data_year")["tco2_per_kwh"]
    assert got.loc[2020] == pytest.approx(6.101e-4, rel=1e-12)
    assert got.loc[2021] == pytest.approx(5.810e-4, rel=1e-12)
    assert got.loc[2022] == pytest.approx(5.703e-4, rel=1e-12)


def test_unknown_factor_set_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        load_factor_set("no-such-set")


# --------------------------------------------------------------------------- overrides

ENERGY_HEADER = ("table,factor_id,carrier,value,value_unit,document,edition,clause,tag,"
                 "valid_from,valid_to,note\n")


def _write(tmp_path: Path, text: str, name: str = "override.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_override_replaces_natural_gas_coefficient(tmp_path: Path) -> None:
    # Worked example of docs/factors.md: GB/T 2589-2008 油田天然气 1.3300 kgce/m³.
    path = _write(tmp_path, ENERGY_HEADER + (
        "energy_coefficients,user:natural_gas_oilfield,natural_gas,1.3300,kgce/meter**3,"
        "GB/T 2589 综合能耗计算通则,2008 Annex A,附录A 表A.1 油田天然气,R,2008-01-01,,"
        "38 931 kJ/m³\n"), "natural_gas_1.33.csv")
    fs = load_factor_set("cn-national", override=path)
    assert _energy(fs, "natural_gas") == pytest.approx(1.33e-3, rel=1e-12)
    # 10 000 m³ → 13.300 tce instead of 12.143 tce.
    assert 10_000 * _energy(fs, "natural_gas") == pytest.approx(13.3)
    assert (fs.energy["carrier"] == "natural_gas").sum() == 1
    header = fs.describe()
    assert header["overridden_factor_ids"] == ["user:natural_gas_oilfield"]
    assert path.name in header["files"]  # the name only: no user path in result headers
    assert fs.citations["user:natural_gas_oilfield"]["clause"] == "附录A 表A.1 油田天然气"
    # The emission factor of natural gas is a different table and does not change.
    assert _fuel(fs, "natural_gas", "co2_t_per_unit") == pytest.approx(0.038931 * 0.0153 * 0.99
                                                                       * 44 / 12)


def test_override_adds_a_grid_year(tmp_path: Path) -> None:
    path = _write(tmp_path, (
        "table,factor_id,series,region,data_year,value,value_unit,document,clause,tag,note\n"
        "grid,user:ets-2024,ets_reporting,全国,2024,0.5500,tonne/megawatt_hour,"
        "User notice (example),table 1,R,test value\n"))
    fs = load_factor_set("cn-ets", override=path)
    got = fs.by_year("grid", [2024, 2025]).set_index("year")
    assert got.loc[2024, "factor_id"] == "user:ets-2024" and not bool(got.loc[2024, "fallback"])
    assert got.loc[2025, "factor_year"] == 2024
    assert fs.describe()["overridden_factor_ids"] == ["user:ets-2024"]


def test_override_of_heat_reuses_its_id(tmp_path: Path) -> None:
    path = _write(tmp_path, (
        "table,factor_id,value,value_unit,document,edition,clause,tag,note\n"
        "heat,ghg:purchased_heat,0.095,tonne/gigajoule,Heat supplier certificate,2024,"
        "sheet 2,R,measured\n"))
    fs = load_factor_set("cn-national", override=path)
    assert fs.heat_tco2_per_gj == pytest.approx(0.095)
    assert fs.citations["ghg:purchased_heat"]["document"] == "Heat supplier certificate"


def test_override_without_document_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, ENERGY_HEADER + (
        "energy_coefficients,user:ng,natural_gas,1.3300,kgce/meter**3,,2008,附录A,R,,,\n"))
    with pytest.raises(ValidationError) as err:
        load_factor_set("cn-national", override=path)
    problem = err.value.problems[0]
    assert problem.code == "F003" and problem.row == 2 and problem.column == "document"
    assert isinstance(err.value, QingshanError)


def test_override_without_document_column_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, (
        "table,factor_id,carrier,value,value_unit,clause\n"
        "energy_coefficients,user:ng,natural_gas,1.33,kgce/meter**3,附录A\n"))
    with pytest.raises(ValidationError) as err:
        load_factor_set("cn-national", override=path)
    assert [p.code for p in err.value.problems] == ["F001"]
    assert err.value.problems[0].column == "document"


def test_override_problems_are_collected(tmp_path: Path) -> None:
    path = _write(tmp_path, ENERGY_HEADER + (
        "no_such_table,user:a,natural_gas,1.33,kgce/meter**3,Doc,2008,A,R,,,\n"
        "energy_coefficients,user:b,natural_gas,1.33,kgce/meter**3,Doc,2008,,R,,,\n"))
    with pytest.raises(ValidationError) as err:
        load_factor_set("cn-national", override=path)
    assert [(p.code, p.row) for p in err.value.problems] == [("F002", 2), ("F003", 3)]


def test_override_lacking_table_columns_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, (
        "table,factor_id,carrier,value,document,clause\n"
        "energy_coefficients,user:ng,natural_gas,1.33,Doc,A\n"))
    with pytest.raises(ValidationError) as err:
        load_factor_set("cn-national", override=path)
    assert err.value.problems[0].code == "F004"


def test_built_in_files_are_untouched_by_an_override(tmp_path: Path) -> None:
    path = _write(tmp_path, ENERGY_HEADER + (
        "energy_coefficients,user:ng,natural_gas,1.3300,kgce/meter**3,Doc,2008,A,R,,,\n"))
    load_factor_set("cn-national", override=path)
    assert _energy(load_factor_set("cn-national"), "natural_gas") == pytest.approx(1.2143e-3)


# --------------------------------------------------------------------------- docs


def test_docs_list_every_factor_id() -> None:
    text = DOCS.read_text("utf-8")
    ids = {row["factor_id"] for _, row in _all_rows()}
    for name in available_factor_sets():
        ids |= set(load_factor_set(name).citations)
    missing = sorted(i for i in ids if f"`{i}`" not in text)
    assert not missing, f"docs/factors.md lacks {missing}"


def test_docs_name_every_factor_set_and_table() -> None:
    text = DOCS.read_text("utf-8")
    for name in available_factor_sets():
        assert f"`{name}`" in text
    for table in TABLE_KEYS:
        assert f"`{table}`" in text or f"### {table}" in text
    assert "## Years without a published factor" in text  # named by FactorSet.by_year
    assert "## What is not included and why" in text


def test_override_with_unknown_carrier_or_unverified_tag_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, ENERGY_HEADER + (
        "energy_coefficients,user:x,no_such_carrier,1.0,kgce/kilogram,doc,ed,cl,R,,,\n"
        "energy_coefficients,user:y,natural_gas,1.0,kgce/meter**3,doc,ed,cl,U,,,\n"))
    with pytest.raises(ValidationError) as info:
        load_factor_set("cn-national", override=path)
    codes = sorted(p.code for p in info.value.problems)
    assert codes == ["F005", "F006"]
    assert [p.row for p in sorted(info.value.problems, key=lambda p: p.code)] == [2, 3]


def test_heat_override_replaces_the_single_row(tmp_path: Path) -> None:
    header = "table,factor_id,value,value_unit,document,edition,clause,tag,note\n"
    path = _write(tmp_path, header + "heat,user:heat_supplier,0.095,tonne/gigajoule,"
                  "供热企业核算报告,2024,表3,C,supplier's own factor\n")
    fs = load_factor_set("cn-national", override=path)
    assert fs.heat_tco2_per_gj == pytest.approx(0.095)
    assert fs.heat_factor_id == "user:heat_supplier"
