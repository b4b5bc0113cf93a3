"""Screening projects that carry the sector data (docs/screening.md "Greenhouse gases and
carbon balance"): a project's ``gases`` rows (N2O, PFCs) and ``materials`` rows (carbon
balance) become its package's tables, its verdict reports CO2 and, apart, the other gases in
CO2e and the total (R-CARBON), and its own factors carry their basis (X011). Every expected
number is worked by hand below from the guideline's formula and printed defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from qingshan.errors import ValidationError
from qingshan.factors import load_factor_set
from qingshan.screening import read_project
from qingshan.screening import rules as r
from qingshan.screening.figures import project_figures

HEAD = ("name: 测试项目\nbuilder: 测试公司\napplication_date: 2026-03-01\ncommissioning_year: 2027\n"
        "district_id: \"459902\"\nenergy:\n  - {carrier: 电力, quantity: 1000, unit: 万千瓦时}\n")


def write(tmp: Path, code: str, body: str) -> Path:
    f = tmp / "p.yaml"
    f.write_text(f"industry_code: \"{code}\"\n" + HEAD + body, "utf-8")
    return f


def problems(tmp: Path, code: str, body: str) -> list[tuple[str, str, int | None, str | None]]:
    with pytest.raises(ValidationError) as e:
        p = read_project(write(tmp, code, body))
        project_figures(p, load_factor_set(), {})
    return [(x.code, x.file, x.row, x.column) for x in e.value.problems]


# --- the demo's aluminium expansion ------------------------------------------------------------

# aluminium_expansion.yaml: 300 000 t of aluminium with the cells' design factors 0.025 kg CF4/t
# and 0.0025 kg C2F6/t (the project's data, labelled `design`):
#   CF4  300 000 × 0.025  / 1000 = 7.5  t;  × 6 500 (SAR, 鲁环发〔2022〕4号 表2-9) = 48 750 t CO2e
#   C2F6 300 000 × 0.0025 / 1000 = 0.75 t;  × 9 200                              =  6 900 t CO2e
#   together 55 650 t CO2e; no CO2 column changes (anodes 426 800 t CO2, tests/test_anode.py)
DEMO_PFC_CO2E = 7.5 * 6500 + 0.75 * 9200


def test_the_aluminium_expansion_carries_its_pfcs() -> None:
    assert DEMO_PFC_CO2E == 55_650.0
    p = read_project("aluminium_expansion")
    f = project_figures(p, load_factor_set(), {"P03": "459922"})
    assert f.cf4_t == pytest.approx(7.5, rel=1e-12) and f.c2f6_t == pytest.approx(0.75, rel=1e-12)
    assert f.non_co2_t_co2e == pytest.approx(55_650.0, rel=1e-12) and f.n2o_t == 0.0
    assert f.gwp_set == "sar"
    assert f.co2_process_t == pytest.approx(426_800.0, rel=1e-12)  # the anodes, unchanged by the PFCs
    assert f.ghg_t_co2e == pytest.approx(f.co2_t + 55_650.0, rel=1e-12)
    reason = r.carbon(p, f)
    assert reason.rule == "R-CARBON" and reason.outcome == "info"
    assert reason.numbers["non_co2_t_co2e"] == pytest.approx(55_650.0)
    assert reason.numbers["own_factors"] == [{
        "list": "gases", "row": 1, "item": "aluminium_anode_effect", "cf4_kg_per_t": 0.025,
        "c2f6_kg_per_t": 0.0025, "basis": "design", "basis_zh": "设计值", "basis_en": "design value"}]
    assert "设计值" in reason.zh and "非指南缺省值" in reason.zh and "not guideline defaults" in reason.en
    assert "missing" not in reason.numbers


def test_an_aluminium_project_without_pfcs_is_told_so(tmp_path: Path) -> None:
    p = read_project(write(tmp_path, "3216", "process:\n  - {material: 炭阳极, quantity: 1000, unit: t, "
                                             "sulfur_fraction: 0.02, ash_fraction: 0.004}\n"))
    f = project_figures(p, load_factor_set(), {})
    reason = r.carbon(p, f)
    assert reason.numbers["missing"] == ["aluminium_anode_effect"]
    assert f.non_co2_t_co2e == 0.0 and f.ghg_t_co2e == f.co2_t
    # the Chinese source name is understood: no missing-PFC note then
    p = read_project(write(tmp_path, "3216", "process:\n  - {material: 炭阳极, quantity: 1000, unit: t, "
                                             "sulfur_fraction: 0.02, ash_fraction: 0.004}\n"
                                             "gases:\n  - {source: 电解铝阳极效应, quantity: 2400, unit: t, "
                                             "cf4_kg_per_t: 0.05, c2f6_kg_per_t: 0.005, basis: 类比装置实测值}\n"))
    f = project_figures(p, load_factor_set(), {})
    # 2 400 × 0.05 / 1000 = 0.12 t CF4 × 6 500 = 780; 2 400 × 0.005 / 1000 = 0.012 t C2F6 × 9 200 = 110.4
    assert f.non_co2_t_co2e == pytest.approx(780.0 + 110.4, rel=1e-12)
    reason = r.carbon(p, f)
    assert "missing" not in reason.numbers and reason.numbers["own_factors"][0]["basis"] == "analogue"


def test_an_expansion_counts_the_increment_of_its_gases(tmp_path: Path) -> None:
    body = ("kind: expansion\nexisting_energy:\n  - {carrier: 电力, quantity: 500, unit: 万千瓦时}\n"
            "gases:\n  - {source: aluminium_anode_effect, quantity: 10000, unit: t, cf4_kg_per_t: 0.05, "
            "c2f6_kg_per_t: 0.005, basis: design}\n"
            "existing_gases:\n  - {source: aluminium_anode_effect, quantity: 4000, unit: t, cf4_kg_per_t: 0.08, "
            "c2f6_kg_per_t: 0.008, basis: measured}\n")
    f = project_figures(read_project(write(tmp_path, "3216", body)), load_factor_set(), {})
    # after:  10 000 × 0.05 / 1000 = 0.5 t CF4, 0.05 t C2F6 → 3 250 + 460 = 3 710 t CO2e
    # before:  4 000 × 0.08 / 1000 = 0.32 t CF4, 0.032 t C2F6 → 2 080 + 294.4 = 2 374.4 t CO2e
    assert f.cf4_t == pytest.approx(0.5 - 0.32, rel=1e-12)
    assert f.non_co2_t_co2e == pytest.approx(3710.0 - 2374.4, rel=1e-12)


# --- N2O and the carbon balance -------------------------------------------------------------------

def test_a_nitric_acid_project_reports_its_n2o(tmp_path: Path) -> None:
    body = ("gases:\n  - {source: 硝酸, technology: 双加压法, quantity: 100000, unit: t, abatement: nscr, "
            "abatement_use: 0.9}\n")
    f = project_figures(read_project(write(tmp_path, "2611", body)), load_factor_set(), {})
    # 鲁环发〔2022〕4号 化工指南 formula (7): 100 000 t × 8.0 kg/t (表2-5 双加压法) = 800 t N2O generated;
    # × (1 − 0.85 (表2-6 非选择性催化还原) × 0.9) = × 0.235 → 188 t N2O; × 310 (GWP, formula (7)) = 58 280 t CO2e
    assert f.n2o_t == pytest.approx(188.0, rel=1e-12)
    assert f.non_co2_t_co2e == pytest.approx(58_280.0, rel=1e-12)
    assert f.co2_process_t == 0.0  # N2O is never in a CO2 column


def test_a_steel_project_carries_its_carbon_balance(tmp_path: Path) -> None:
    body = ("materials:\n"
            "  - {material: 石灰石, flow: input, quantity: 10000, unit: t, purity: 0.9}\n"
            "  - {material: electrode, flow: input, quantity: 300, unit: t}\n"
            "  - {material: carburiser, flow: input, quantity: 50, unit: t, carbon_fraction: 0.95, basis: guarantee}\n"
            "  - {material: 粗钢, flow: product, quantity: 100000, unit: t}\n")
    p = read_project(write(tmp_path, "3120", body))
    f = project_figures(p, load_factor_set(), {})
    # 鲁环发〔2022〕4号 钢铁指南 附录2: limestone 10 000 × 0.90 × 0.440 (表2-4) = 3 960;
    # electrode 300 × 3.663 (表2-4) = 1 098.9; carburiser 50 × 0.95 × 44/12 = 174.1667 (the supplier's);
    # fixed: crude steel 100 000 × 0.0154 (表2-5) = 1 540
    inputs = 10000 * 0.9 * 0.440 + 300 * 3.663 + 50 * 0.95 * 44 / 12
    assert f.co2_fixed_t == pytest.approx(1540.0, rel=1e-12)
    assert f.co2_process_t == pytest.approx(inputs - 1540.0, rel=1e-12)
    assert f.co2_process_t == pytest.approx(3693.0667, abs=1e-4)
    own = r.carbon(p, f).numbers["own_factors"]
    assert own == [{"list": "materials", "row": 3, "item": "carburiser", "carbon_fraction": 0.95,
                    "basis": "guarantee", "basis_zh": "供货方保证值", "basis_en": "supplier's guarantee"}]


def test_an_ammonia_project_balances_its_feedstock(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("name: 合成氨项目\nbuilder: 某化肥公司\nindustry_code: \"2621\"\napplication_date: 2026-03-01\n"
                 "commissioning_year: 2027\ndistrict_id: \"459902\"\n"
                 "energy:\n  - {carrier: 天然气, quantity: 1000, unit: 万立方米, use: feedstock}\n"
                 "materials:\n  - {material: 尿素, flow: product, quantity: 10000, unit: t}\n"
                 "  - {material: co2, flow: supplied, quantity: 500, unit: 万立方米, purity: 0.99}\n", "utf-8")
    fig = project_figures(read_project(f), load_factor_set(), {})
    # 化工指南 formula (5): feedstock 1 000 万m³ × 389.31 GJ/万m³ × 15.30 tC/TJ × 44/12 = 21 840.291;
    # urea 10 000 × 0.200 tC/t (表2-3) × 44/12 = 7 333.333 (fixed);
    # formula (21): 500 万Nm³ × 0.99 × 19.77 t/万Nm³ = 9 786.15 (recovered)
    feed = 1000 * 389.31 * 15.30e-3 * 44 / 12
    assert fig.co2_fixed_t == pytest.approx(10000 * 0.200 * 44 / 12, rel=1e-12)
    assert fig.co2_recovered_t == pytest.approx(500 * 0.99 * 19.77, rel=1e-12)
    assert fig.co2_process_t == pytest.approx(feed - 7333.333333 - 9786.15, rel=1e-9)
    assert fig.co2_process_t == pytest.approx(4720.808, abs=1e-3)


# --- bad project data -------------------------------------------------------------------------------

def test_an_own_factor_needs_its_basis(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as e:
        read_project(write(tmp_path, "3216", "gases:\n"
                           "  - {source: aluminium_anode_effect, quantity: 1, unit: t, cf4_kg_per_t: 0.05, "
                           "c2f6_kg_per_t: 0.005}\n"
                           "  - {source: aluminium_anode_effect, quantity: 1, unit: t, cf4_kg_per_t: 0.05, "
                           "c2f6_kg_per_t: 0.005, basis: guess}\n"
                           "materials:\n  - {material: 粗钢, flow: product, quantity: 1, unit: t, basis: design}\n"))
    found = sorted((x.code, x.column, x.value) for x in e.value.problems)
    assert found == [("X011", "gases[0].basis", None), ("X011", "gases[1].basis", "guess"),
                     ("X011", "materials[0].basis", "design")]


def test_gases_and_materials_keys_and_existing_rows_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as e:
        read_project(write(tmp_path, "3216", "gases:\n  - {source: aluminium_anode_effect, quantity: 1, unit: t, "
                                             "cf4: 0.05}\n"
                                             "existing_gases:\n  - {source: nitric_acid, quantity: 1, unit: t}\n"
                                             "existing_materials:\n  - {material: 粗钢, flow: product, quantity: 1, "
                                             "unit: t}\n"))
    where = {x.column for x in e.value.problems if x.code == "X010"}
    assert {"gases[0].cf4", "existing_gases", "existing_materials"} <= where


def test_bad_rows_get_the_package_codes_naming_the_list_and_row(tmp_path: Path) -> None:
    # an aluminium row without its C2F6 factor: P126 (no default is shipped)
    assert problems(tmp_path, "3216", "gases:\n  - {source: nitric_acid, technology: dual_pressure, quantity: 1, "
                                      "unit: t}\n  - {source: aluminium_anode_effect, quantity: 1, unit: t, "
                                      "cf4_kg_per_t: 0.05, basis: design}\n") == [("P126", "p.yaml: gases", 2,
                                                                                      "c2f6_kg_per_t")]
    # a material without a default and without its carbon content (P106); materials of a
    # project whose method keeps no balance (3670, general: P109)
    found = problems(tmp_path, "3120", "materials:\n  - {material: carburiser, flow: input, quantity: 5, unit: t}\n")
    assert [(c, f, row) for c, f, row, _ in found] == [("P106", "p.yaml: materials", 1)]
    found = problems(tmp_path, "3670", "materials:\n  - {material: 粗钢, flow: product, quantity: 5, unit: t}\n")
    assert {(c, f, row) for c, f, row, _ in found} == {("P109", "p.yaml: materials", 1)}


def test_ghg_method_overrides_the_industry_code(tmp_path: Path) -> None:
    # a 3670 project has method general (P109 above); named `steel` its balance is accounted:
    # 粗钢 1 000 t × 0.0154 = 15.4 t fixed
    p = read_project(write(tmp_path, "3670", "ghg_method: steel\nmaterials:\n  - {material: 粗钢, flow: product, "
                                             "quantity: 1000, unit: t}\n"))
    f = project_figures(p, load_factor_set(), {})
    assert f.co2_fixed_t == pytest.approx(15.4, rel=1e-12) and f.co2_process_t == pytest.approx(-15.4, rel=1e-12)
