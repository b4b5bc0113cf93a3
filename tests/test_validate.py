"""Bad input: every problem is reported at once, with file, row, column, value and what
was expected; nothing is written when input is bad."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qingshan.cli import main
from qingshan.data.package import write_xlsx_package
from qingshan.data.validate import check_package, load_package, parse_period
from qingshan.errors import Problem, ValidationError
from tests.conftest import ENERGY_CSV, ENT_A, ENT_B, make_uscc


def _with(pkg: Path, table: str, extra_rows: str = "", replace: tuple[str, str] | None = None) -> Path:
    f = pkg / f"{table}.csv"
    text = f.read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    f.write_text(text + extra_rows, encoding="utf-8")
    return pkg


def _codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def _one(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, (code, problems)
    return found[0]


def test_clean_package_has_no_problems(small_package: Path) -> None:
    _, problems = check_package(small_package)
    assert problems == []


ENERGY_ROWS = len(ENERGY_CSV.strip().splitlines())  # header + 8 rows: next row is row 10


def test_unknown_carrier_names_file_row_column_value(small_package: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-04,天燃气,5,万立方米,燃料\n")
    _, problems = check_package(small_package)
    p = _one(problems, "P031")
    assert (p.file, p.row, p.column, p.value) == ("energy.csv", ENERGY_ROWS + 1, "carrier", "天燃气")
    assert "能源品种" in p.expected_zh and "carrier" in p.expected_en


def test_unknown_and_incompatible_units(small_package: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-04,电力,5,千千瓦,燃料\n{ENT_A},2022-05,电力,5,吨,燃料\n")
    _, problems = check_package(small_package)
    assert _one(problems, "P032").value == "千千瓦"
    p = _one(problems, "P033")
    assert p.row == ENERGY_ROWS + 2 and p.column == "unit" and "kWh" in p.expected_en


def test_negative_quantity(small_package: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-04,柴油,-3,吨,燃料\n")
    _, problems = check_package(small_package)
    p = _one(problems, "P012")
    assert (p.column, p.value) == ("quantity", "-3")


def test_duplicate_key_points_at_the_first_row(small_package: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-03,烟煤,5,吨,燃料\n")
    _, problems = check_package(small_package)
    p = _one(problems, "P035")
    assert p.row == ENERGY_ROWS + 1
    assert "energy.csv 第2行" in p.expected_zh and "row 2" in p.expected_en


@pytest.mark.parametrize("period,code", [("2022-13", "P013"), ("1999-05", "P034"),
                                          ("2099-01", "P034"), ("March", "P013")])
def test_period_out_of_range(small_package: Path, period: str, code: str) -> None:
    _with(small_package, "energy", f"{ENT_A},{period},柴油,3,吨,燃料\n")
    _, problems = check_package(small_package)
    p = _one(problems, code)
    assert (p.column, p.value) == ("period", period)


@pytest.mark.parametrize("text,expected", [("2024-1", "2024-01"), ("2024/01", "2024-01"),
                                           ("202401", "2024-01"), ("2024年1月", "2024-01"),
                                           ("2024-01-01 00:00:00", "2024-01"), ("2024-00", None)])
def test_period_formats(text: str, expected: str | None) -> None:
    assert parse_period(text) == expected


def test_enterprise_without_district(small_package: Path) -> None:
    c = make_uscc("91450200MA5K00003")
    _with(small_package, "entities", f"{c},enterprise,丙公司,,,3311,规下,10,109.4,24.3,2019\n"
                                      f"{make_uscc('91450200MA5K00004')},enterprise,丁公司,459999,,3311,规下,10,,,\n")
    _, problems = check_package(small_package)
    found = [p for p in problems if p.code == "P020"]
    assert [p.row for p in found] == [8, 9]
    assert found[1].value == "459999"


def test_value_added_larger_than_output(small_package: Path) -> None:
    _with(small_package, "economics", f"{ENT_A},2021,100,150,100,1,10,0,万元\n")
    _, problems = check_package(small_package)
    p = _one(problems, "P041")
    assert (p.row, p.column, p.value) == (4, "value_added_10k_yuan", "150.0")


def test_invalid_credit_code(small_package: Path) -> None:
    bad = ENT_A[:-1] + ("0" if ENT_A[-1] != "0" else "1")
    _with(small_package, "entities", replace=(f"{ENT_A},enterprise", f"{bad},enterprise"))
    _, problems = check_package(small_package)
    p = _one(problems, "P024")
    assert p.value == bad and "GB 32100" in p.expected_en


def test_unit_slip_is_a_blocking_warning(small_package: Path) -> None:
    rows = "".join(f"{ENT_B},2023-{m:02d},电力,{q},万千瓦时,燃料\n"
                   for m, q in zip(range(1, 7), [50, 52, 48, 500_000, 51, 49], strict=True))
    _with(small_package, "energy", rows)
    _, problems = check_package(small_package)
    p = _one(problems, "P036")
    assert p.severity == "warning" and p.row == ENERGY_ROWS + 4
    with pytest.raises(ValidationError):
        load_package(small_package)
    pkg = load_package(small_package, accept_warnings=True)
    assert len(pkg.energy) == ENERGY_ROWS - 1 + 6


def test_raw_coal_needs_its_type_for_co2(small_package: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-04,原煤,5,吨,燃料\n{ENT_A},2022-05,原煤,5,吨,原料\n")
    _, problems = check_package(small_package)
    p = _one(problems, "P038")  # the feedstock row burns nothing and needs no carbon factor
    assert p.row == ENERGY_ROWS + 1


def test_missing_required_column_and_table(tmp_path: Path, small_package: Path) -> None:
    f = small_package / "energy.csv"
    df = pd.read_csv(f, dtype=str)
    df.drop(columns=["计量单位"]).to_csv(f, index=False)
    (small_package / "entities.csv").unlink()
    _, problems = check_package(small_package)
    assert "P002" in _codes(problems) and "P005" in _codes(problems)


def test_every_problem_is_collected_in_one_pass(small_package: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-04,天燃气,5,万立方米,燃料\n"
                                    f"{ENT_A},2022-13,柴油,-3,吨,燃料\n"
                                    f"{ENT_A},2022-06,电力,5,千千瓦,燃料\n")
    _with(small_package, "economics", f"{ENT_A},2021,100,150,100,1,10,0,万元\n")
    with pytest.raises(ValidationError) as info:
        load_package(small_package)
    codes = set(_codes(list(info.value.problems)))
    assert {"P031", "P013", "P012", "P032", "P041"} <= codes
    assert "P031" in str(info.value)


def test_workbook_gives_the_same_package_as_csv(small_package: Path, tmp_path: Path) -> None:
    csv_pkg = load_package(small_package)
    frames = {name: pd.read_csv(small_package / f"{name}.csv", dtype=str, keep_default_na=False)
              for name in ("entities", "energy", "economics", "process", "production")}
    book = write_xlsx_package(frames, tmp_path / "青山.xlsx")
    xlsx_pkg = load_package(book)
    for name in ("energy", "economics", "process"):
        a = csv_pkg.table(name).drop(columns=["_file", "_row"]).reset_index(drop=True)
        b = xlsx_pkg.table(name).drop(columns=["_file", "_row"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_a_table_split_over_sheets_is_one_table(small_package: Path, tmp_path: Path) -> None:
    """An energy table longer than a sheet holds is split over sheets named 能源 and
    能源消费: the rows are the same table, each located in its own sheet, and a problem
    in the second part names that sheet and its row."""
    csv_pkg = load_package(small_package)
    energy = pd.read_csv(small_package / "energy.csv", dtype=str, keep_default_na=False)
    first, second = energy.iloc[:5], energy.iloc[5:].copy()
    book = tmp_path / "split.xlsx"
    with pd.ExcelWriter(book, engine="xlsxwriter") as xw:
        for name in ("entities", "economics", "process", "production"):
            pd.read_csv(small_package / f"{name}.csv", dtype=str,
                        keep_default_na=False).to_excel(xw, sheet_name=name, index=False)
        first.to_excel(xw, sheet_name="能源", index=False)
        second.to_excel(xw, sheet_name="能源消费", index=False)
    split = load_package(book)
    key = ["entity_id", "period", "carrier", "use"]
    a = csv_pkg.energy.drop(columns=["_file", "_row"]).sort_values(key).reset_index(drop=True)
    b = split.energy.drop(columns=["_file", "_row"]).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_categorical=False)
    assert set(split.energy["_file"].astype(str)) == {"split.xlsx[能源]", "split.xlsx[能源消费]"}
    second.iloc[0, second.columns.get_loc("数量")] = "12吨"
    with pd.ExcelWriter(book, engine="xlsxwriter") as xw:
        pd.read_csv(small_package / "entities.csv", dtype=str, keep_default_na=False).to_excel(
            xw, sheet_name="entities", index=False)
        first.to_excel(xw, sheet_name="能源", index=False)
        second.to_excel(xw, sheet_name="能源消费", index=False)
    _, problems = check_package(book)
    bad = [(p.code, p.file, p.row, p.column, p.value) for p in problems if p.severity == "error"]
    assert bad == [("P018", "split.xlsx[能源消费]", 2, "quantity", "12吨")]


def test_gb18030_csv_is_read(small_package: Path) -> None:
    f = small_package / "energy.csv"
    f.write_bytes(f.read_text(encoding="utf-8").encode("gb18030"))
    _, problems = check_package(small_package)
    assert problems == []


def test_cli_writes_nothing_for_bad_input(small_package: Path, tmp_path: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-04,柴油,-3,吨,燃料\n")
    out = tmp_path / "out.json"
    res = CliRunner().invoke(main, ["account", str(small_package), "--year", "2022", "--out", str(out)])
    assert res.exit_code == 1
    assert not out.exists()
    assert list(tmp_path.glob(".out.json*")) == []


def test_cli_validate_json_lists_every_problem(small_package: Path) -> None:
    _with(small_package, "energy", f"{ENT_A},2022-04,天燃气,5,万立方米,燃料\n{ENT_A},2022-05,柴油,-1,吨,燃料\n")
    res = CliRunner().invoke(main, ["--lang", "en", "validate", str(small_package), "--format", "json"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["errors"] == 2
    assert {p["code"] for p in doc["problems"]} == {"P031", "P012"}
    assert all({"file", "row", "column", "value", "message"} <= set(p) for p in doc["problems"])
