"""The commands, end to end, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from qingshan.cli import main

REQUIRED = {"entity_id", "year", "energy_tce", "energy_tce_equal", "feedstock_tce", "co2_t", "co2_scope1_t",
            "co2_scope2_t", "electricity_kwh", "value_added_10k_yuan", "energy_per_va", "co2_per_va"}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("demo") / "数据"
    res = CliRunner().invoke(main, ["demo", "--data-dir", str(d), "--enterprises", "60", "--years", "2022-2023"])
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
