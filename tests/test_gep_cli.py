"""``qingshan gep`` and ``qingshan sinks`` on the demo city, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from qingshan.cli import main
from qingshan.ecology.sink_projects import estimate_sink_project
from qingshan.errors import ValidationError


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("gepdemo") / "数据"
    res = CliRunner().invoke(main, ["demo", "--data-dir", str(d), "--enterprises", "40", "--years", "2024-2025"])
    assert res.exit_code == 0, res.output
    assert (d / "ecology" / "ecology.toml").exists() and (d / "sinks" / "mangrove_restoration.toml").exists()
    return d


def test_gep_account_says_what_produced_it(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "gep2025.json"
    res = CliRunner().invoke(main, ["--lang", "en", "gep", "account", str(demo_dir), "--year", "2025",
                                    "--accept-double-count", "water_conservation+water_supply", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["profile"]["id"] == "demo"
    assert doc["price_set"]["name"] == "ganzi_2010" and doc["price_set"]["selection"]["value"] == "ganzi_2010"
    assert doc["gep_yuan"] > 0
    assert sum(r["value_yuan"] for r in doc["by_district"]) == pytest.approx(doc["gep_yuan"], rel=1e-9)
    assert {m["service"] for m in doc["not_accounted"]} >= {"flood_regulation", "oxygen_release"}
    assert "not accounted" in res.output
    assert Path(doc["rasters"]["wyield"]).exists()
    assert doc["problems"] == []  # the demo's water supply beside water conservation, accepted


def test_gep_compare_splits_the_change(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cmp.json"
    res = CliRunner().invoke(main, ["gep", "compare", str(demo_dir), "--from", "2020", "--to", "2025",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    t = doc["total"]
    assert t["change"] == pytest.approx(doc["gep_target_yuan"] - doc["gep_base_yuan"], rel=1e-9)
    assert t["quantity_effect"] + t["price_effect"] + t["unsplit"] + t["scope_change"] == pytest.approx(
        t["change"], rel=1e-9)
    # carbon sequestration is accounted in 2025 only (2020 is the package's first LULC year): its
    # whole 2025 value is a change of scope, none of it a quantity effect
    carbon = next(r for r in doc["by_service"] if r["service"] == "carbon_sequestration")
    assert carbon["value_base"] == 0.0 and carbon["quantity_effect"] == 0.0
    assert carbon["scope_change"] == pytest.approx(carbon["value_target"], rel=1e-12) and carbon["value_target"] > 0
    # so are air and water purification: the demo enterprises report emissions for 2024–2025 only
    scope = [r for r in doc["by_service"] if r["scope_change"] != 0.0]
    assert {r["service"] for r in scope} == {"carbon_sequestration", "air_purification", "water_purification"}
    assert all(r["value_base"] == 0.0 and r["quantity_effect"] == 0.0 and r["price_effect"] == 0.0 for r in scope)
    assert t["scope_change"] == pytest.approx(sum(r["value_target"] for r in scope), rel=1e-12)
    assert "功能量效应" in res.output
    # every demo statistics row gives its quantity, so every row is split (at its unit value if valued
    # from output value) and nothing is left unsplit
    assert t["unsplit"] == 0.0
    # the demo's manifest accepts water supply beside water conservation, with its reason: no V008
    # (the guard itself: tests/test_gep_account.py)
    assert doc["problems"] == [] and "V008" not in res.output


@pytest.mark.parametrize("lang, header", [("zh", "价值量（元）"), ("en", "value (yuan)")])
def test_gep_export_workbook(demo_dir: Path, tmp_path: Path, lang: str, header: str) -> None:
    out = tmp_path / "gep.xlsx"
    res = CliRunner().invoke(main, ["--lang", lang, "gep", "export", str(demo_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    wb = CalamineWorkbook.from_path(str(out))
    names = wb.sheet_names
    assert names[0] in ("说明", "About")
    rows_sheet = next(n for n in names if n.startswith("2025") and ("核算表" in n or "rows" in n))
    head = wb.get_sheet_by_name(rows_sheet).to_python()[0]
    assert header in head


def test_gep_export_csv_and_json(demo_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["gep", "export", str(demo_dir), "--format", "csv", "--out", str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output
    assert any(p.name.endswith(".csv") for p in (tmp_path / "csv").iterdir())
    res = CliRunner().invoke(main, ["gep", "export", str(demo_dir), "--format", "json",
                                    "--out", str(tmp_path / "g.json")])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "g.json").read_text("utf-8"))
    assert [a["year"] for a in doc["accounts"]] == [2020, 2025]
    assert doc["coordination"]["rows"] and all(0 <= r["d"] <= 1 for r in doc["coordination"]["rows"])


def test_sinks_estimate_the_demo_project(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sink.json"
    res = CliRunner().invoke(main, ["sinks", "estimate", str(demo_dir / "sinks" / "mangrove_restoration.toml"),
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    e = doc["estimate_tco2e"]
    # stocks 2025 → 2035: tree 0 → 6600, soil 0 → 2100; baseline 0; GHG_E 150; LK 0; deduction 10 %
    assert e["project_sink"] == pytest.approx(6600 + 2100 - 150)
    assert e["reduction"] == pytest.approx(8550)
    assert e["credited"] == pytest.approx(8550 * 0.9)
    assert all(i["source"] for i in doc["inputs"])


DEMO_SINK = "src/qingshan/ecology/sinks/demo_projects/mangrove_restoration.toml"


@pytest.mark.parametrize("text, code, column", [
    (b'project = "x"\n', "K001", "project"),  # a table given as text
    (b'inputs = 5\n[project]\nmethodology = "AR-CM-001-V01"\n', "K001", "inputs"),
    (b'[project]\nmethodology = ["a"]\n', "K001", "project.methodology"),  # unhashable
    (b"\xff\xfe[project]\n", "K001", None),  # not UTF-8
    (b"[project\n", "K001", None),  # TOML syntax
])
def test_sinks_refuse_hostile_project_files(tmp_path: Path, text: bytes, code: str, column: str | None) -> None:
    p = tmp_path / "p.toml"
    p.write_bytes(text)
    with pytest.raises(ValidationError) as exc:
        estimate_sink_project(p)
    assert [(q.code, q.column) for q in exc.value.problems] == [(code, column)]
    res = CliRunner().invoke(main, ["sinks", "estimate", str(p)])
    assert res.exit_code == 1 and code in res.output


def test_sinks_refuse_a_stock_that_is_not_finite(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / DEMO_SINK).read_text("utf-8")
    text = text.replace("tree_biomass = 2400.0", "tree_biomass = inf", 1)
    p = tmp_path / "p.toml"
    p.write_text(text, "utf-8")
    with pytest.raises(ValidationError) as exc:
        estimate_sink_project(p)
    assert [(q.code, q.column) for q in exc.value.problems] == [("K004", "project_stocks")]


def test_sinks_refuse_a_project_without_the_required_inputs(tmp_path: Path) -> None:
    p = tmp_path / "p.toml"
    p.write_text('[project]\nid = "x"\nname = "x"\nmethodology = "CCER-14-001-V01"\nestimate = "ex-ante"\n'
                 "[[project_stocks]]\nyear = 2025\ntree_biomass = 0\n[[project_stocks]]\nyear = 2030\n"
                 "tree_biomass = 10\n[[baseline_stocks]]\nyear = 2025\ntree_biomass = 0\n[[baseline_stocks]]\n"
                 "year = 2030\ntree_biomass = 0\n", "utf-8")
    res = CliRunner().invoke(main, ["--lang", "en", "sinks", "estimate", str(p)])
    assert res.exit_code == 1
    assert "7 errors" in res.output
    with pytest.raises(ValidationError) as exc:
        estimate_sink_project(p)
    columns = {q.column for q in exc.value.problems}
    assert columns == {f"inputs.{n}" for n in ("leakage", "wood_density", "bef", "root_shoot", "carbon_fraction",
                                               "deduction_fraction", "project_emissions")}


def test_city_toml_names_the_ecological_package(tmp_path: Path) -> None:
    from qingshan.city.config import read_city_config

    (tmp_path / "city.toml").write_text('profile = "demo"\necology = "eco"\n', "utf-8")
    assert read_city_config(tmp_path).ecology == tmp_path / "eco"
    (tmp_path / "city.toml").write_text('profile = "demo"\necology = "../eco"\n', "utf-8")
    with pytest.raises(ValidationError) as exc:
        read_city_config(tmp_path)
    assert [p.column for p in exc.value.problems] == ["ecology"]


def test_gep_without_an_ecological_package_says_so(tmp_path: Path) -> None:
    (tmp_path / "package").mkdir()
    (tmp_path / "city.toml").write_text('profile = "demo"\n', "utf-8")
    res = CliRunner().invoke(main, ["--lang", "en", "gep", "account", str(tmp_path), "--year", "2025"])
    assert res.exit_code == 2
    assert "no ecological package" in res.output
