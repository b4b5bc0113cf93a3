"""The commands, end to end, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from qingshan.cli import main

SRC = Path(__file__).parents[1] / "src" / "qingshan"
REQUIRED = {"entity_id", "year", "energy_tce", "energy_tce_equal", "feedstock_tce", "co2_t", "co2_scope1_t",
            "co2_scope2_t", "electricity_kwh", "value_added_10k_yuan", "energy_per_va", "co2_per_va"}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("demo") / "数据"
    res = CliRunner().invoke(main, ["demo", "--data-dir", str(d), "--enterprises", "60", "--years", "2022-2023"])
    assert res.exit_code == 0, res.output
    return d


@pytest.fixture(scope="module")
def demo_2020(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city from the base year of its targets (2020)."""
    d = tmp_path_factory.mktemp("demo2020")
    res = CliRunner().invoke(main, ["demo", "--data-dir", str(d), "--enterprises", "60", "--years", "2020-2023"])
    assert res.exit_code == 0, res.output
    return d


def test_demo_writes_results_that_trace_to_factors(demo_dir: Path) -> None:
    doc = json.loads((demo_dir / "results" / "accounts.json").read_text(encoding="utf-8"))
    assert doc["years"] == [2022, 2023]
    ents = doc["enterprises"]
    assert len({e["entity_id"] for e in ents}) > 40
    for e in ents:
        assert set(e) >= REQUIRED
        assert e["factor_ids"], e["entity_id"]
        for fid in e["factor_ids"]:
            assert fid in doc["factors"], fid
    assert doc["factor_set"]["name"] == "cn-national"
    city = {r["year"]: r for r in doc["rollups"]["city"]}
    assert city[2023]["energy_tce"] == pytest.approx(sum(e["energy_tce"] for e in ents if e["year"] == 2023))
    assert (demo_dir / "qingshan.duckdb").exists()
    sheets = CalamineWorkbook.from_path(str(demo_dir / "results" / "accounts.xlsx")).sheet_names
    assert {"说明", "企业年度", "城市", "区县", "园区", "行业", "因子来源"} <= set(sheets)
    monthly = pd.read_csv(demo_dir / "results" / "accounts_monthly.csv", encoding="utf-8-sig")
    assert len(monthly) > 60 * 12


def test_demo_summary_shows_city_districts_and_industries(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["--lang", "en", "demo", "--data-dir", str(tmp_path), "--enterprises", "40",
                                    "--years", "2023"])
    assert res.exit_code == 0, res.output
    for text in ("City energy", "City CO2", "Districts, 2023", "Industries (GB/T 4754 divisions), 2023"):
        assert text in res.stdout


def test_validate_the_demo_package(demo_dir: Path) -> None:
    res = CliRunner().invoke(main, ["validate", str(demo_dir / "package")])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("fmt", ["json", "xlsx", "csv"])
def test_account_formats(demo_dir: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"a.{fmt}"
    res = CliRunner().invoke(main, ["account", str(demo_dir / "package"), "--year", "2023", "--format", fmt,
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0
    if fmt == "json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert {e["year"] for e in doc["enterprises"]} == {2023}
    if fmt == "csv":
        df = pd.read_csv(out, dtype={"entity_id": str}, encoding="utf-8-sig")
        assert set(df.columns) >= REQUIRED and set(df["year"]) == {2023}


def test_account_json_to_stdout_matches_file(demo_dir: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["account", str(demo_dir / "package"), "--year", "2022"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["years"] == [2022] and doc["enterprises"]


def test_demo_with_defects_is_refused_with_every_problem(tmp_path: Path) -> None:
    from qingshan.data.demo import generate_demo_city
    from qingshan.data.package import write_csv_package

    pkg = write_csv_package(generate_demo_city(enterprises=30, years=[2023], defects=True), tmp_path / "bad")
    res = CliRunner().invoke(main, ["--lang", "en", "validate", str(pkg), "--format", "json"])
    assert res.exit_code == 1
    codes = {p["code"] for p in json.loads(res.stdout)["problems"]}
    assert {"P031", "P032", "P012", "P035", "P020", "P041", "P024"} <= codes
    out = tmp_path / "a.json"
    res = CliRunner().invoke(main, ["account", str(pkg), "--year", "2023", "--out", str(out)])
    assert res.exit_code == 1 and not out.exists()


def test_validate_offers_only_the_options_it_uses(demo_dir: Path) -> None:
    r = CliRunner().invoke(main, ["validate", "--help"])
    assert all(o in r.output for o in ("--profile", "--factor-set", "--factors"))
    assert "--db" not in r.output and "--accept-warnings" not in r.output
    r = CliRunner().invoke(main, ["validate", str(demo_dir), "--accept-warnings"])
    assert r.exit_code == 2 and "No such option" in r.output
    assert CliRunner().invoke(main, ["validate", str(demo_dir), "--profile", "demo"]).exit_code == 0


def test_screen_takes_a_scheme_file_and_a_growth(demo_2020: Path, tmp_path: Path) -> None:
    scheme = tmp_path / "my-scheme.toml"
    text = (SRC / "evaluation" / "schemes" / "huaian-2024.toml").read_text("utf-8")
    scheme.write_text(text.replace('id = "huaian-2024"', 'id = "my-2024"', 1), "utf-8")
    project = demo_2020 / "projects" / "aluminium_expansion.yaml"
    docs = []
    for growth in ([], ["--growth", "0.5"]):
        r = CliRunner().invoke(main, ["screen", str(project), "--package", str(demo_2020), "--scheme", str(scheme),
                                      *growth])
        assert r.exit_code == 0, r.output
        docs.append(json.loads(r.stdout))
    assert docs[0]["expected_class"]["scheme"] == "my-2024"  # the file, not a built-in name
    # a faster growth of value added leaves more room under an intensity target
    room = [{r["target_id"]: r["room_without"] for r in d["impact"]} for d in docs]
    assert room[0] and all(room[1][k] > v for k, v in room[0].items() if v is not None)


def test_every_workbook_of_a_document_starts_with_its_profile(demo_2020: Path, tmp_path: Path) -> None:
    project = demo_2020 / "projects" / "aluminium_expansion.yaml"
    runs = {"targets": ["targets", str(demo_2020)], "decompose": ["decompose", str(demo_2020), "--from", "2022",
                                                                "--to", "2023"],
            "screen": ["screen", str(project), "--package", str(demo_2020)]}
    for name, args in runs.items():
        out = tmp_path / f"{name}.xlsx"
        r = CliRunner().invoke(main, ["--lang", "en", *args, "--format", "xlsx", "--out", str(out)])
        assert r.exit_code == 0, r.output
        wb = CalamineWorkbook.from_path(str(out))
        assert wb.sheet_names[0] == "About" and len(wb.sheet_names) > 1, name
        rows = dict(wb.get_sheet_by_name("About").to_python()[1:])
        assert rows["jurisdiction profile"] == "demo 2026.1" and rows["profile digest"], name
        assert rows["factor set"].startswith("cn-national ") and rows["package digest"], name
        if name != "decompose":  # documents of one year carry that year's selections
            assert rows["evaluation.measures"] == "shandong-2022"
            assert "borrows Shandong" in rows["evaluation.measures · borrowed"]


def test_evaluate_says_when_the_measures_are_borrowed(demo_2020: Path, tmp_path: Path) -> None:
    said = {"en": "(borrowed: the demo city borrows Shandong's differentiated electricity price)",
            "zh": "（借用：演示城市借用山东省差别化电价）"}
    for lang, text in said.items():
        r = CliRunner().invoke(main, ["--lang", lang, "evaluate", str(demo_2020), "--year", "2023",
                                      "--out", str(tmp_path / f"{lang}.json")])
        assert r.exit_code == 0, r.output
        assert "".join(text.split()) in "".join(r.stdout.split())  # the console wraps lines
    # Dezhou's own province's measures (the scheme given, as the small city lacks Dezhou's data)
    own = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(demo_2020), "--year", "2023", "--profile",
                                    "dezhou", "--scheme", "huaian-2024", "--out", str(tmp_path / "dz.json")])
    assert own.exit_code == 0, own.output
    assert "surcharges in total" in own.stdout and "borrowed" not in own.stdout
