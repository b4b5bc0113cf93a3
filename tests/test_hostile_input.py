"""Bad input (issue #13, items 2 and 7): every class of bad input gets a clear coded problem
at its file, row and column, and nothing is written; what a Chinese user reasonably types
is accepted.

The corpus (tests/hostile/) is the demo city with one targeted corruption per package, in
CSV and in workbook form. For each package: :func:`check_package` reports the problem where
it is (and, for a root cause, nothing else), :func:`load_package` refuses it, and a
:class:`~qingshan.city.City` on a data directory holding it raises ValidationError without
creating ``cache/`` or ``qingshan.duckdb``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import qingshan.data.files as files
from qingshan.city import City
from qingshan.data.cells import parse_numbers, parse_period
from qingshan.data.files import json_depth
from qingshan.data.validate import check_package, load_package
from qingshan.data.workbook import MAX_SHEET_CELLS, open_workbook, read_sheet
from qingshan.errors import Problem, ValidationError
from tests.hostile import CASES, Case, base_tables, build, write_tables
from tests.hostile.corpus import WORKBOOK, Formula, write_csv, write_xlsx


def _where(problems: list[Problem]) -> list[tuple[str, str, int | None, str | None]]:
    return [(p.code, p.file, p.row, p.column) for p in problems]


@pytest.fixture
def make_unreadable(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make files of one name unreadable to the readers (the tests run as root, for whom
    file permissions do not stop a read)."""
    def make(name: str) -> None:
        real = files.open_binary

        def refuse(path: Path) -> Any:
            if Path(path).name == name:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)
        monkeypatch.setattr(files, "open_binary", refuse)
    return make


def test_the_corpus_covers_every_class_in_both_forms() -> None:
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)
    by_code: dict[str, set[str]] = {}
    for c in CASES:
        by_code.setdefault(c.code, set()).add(c.form)
    # every class that exists in both forms is in both: numbers, separators, dates, formula
    # errors, the tree, empty tables, files, nesting
    for code in ("P006", "P009", "P013", "P014", "P017", "P018", "P019", "P026", "P027", "P028", "P090"):
        assert by_code[code] == {"csv", "xlsx"}, code
    assert {"P007", "P008"} <= set(by_code)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_package_is_refused_with_its_problem(case: Case, tmp_path: Path,
                                                 make_unreadable: Callable[[str], None]) -> None:
    root = tmp_path / "city"
    pkg = build(case, root)
    if case.unreadable:
        make_unreadable(case.unreadable)
    _, problems = check_package(pkg)
    errors = [p for p in problems if p.severity == "error"]
    hit = [p for p in errors if p.code == case.code and (p.file, p.row, p.column) == case.location()]
    assert hit, (case.location(), _where(problems))
    p = hit[0]
    assert p.expected_zh and p.expected_en and p.message()
    if case.value is not None:
        assert case.value in (p.value or ""), p.value
    if case.alone:  # a root cause is reported instead of what it causes
        assert _where(errors) == _where([p])
    before = sorted(f.name for f in root.iterdir())
    with pytest.raises(ValidationError) as info:
        _ = City.open(root).package
    assert case.code in {q.code for q in info.value.problems}
    assert sorted(f.name for f in root.iterdir()) == before
    assert not (root / "cache").exists() and not (root / "qingshan.duckdb").exists()


@pytest.mark.parametrize("case", [next(c for c in CASES if c.code == code)
                                  for code in sorted({c.code for c in CASES})], ids=lambda c: c.id)
def test_load_package_refuses_one_package_of_each_code(case: Case, tmp_path: Path,
                                                       make_unreadable: Callable[[str], None]) -> None:
    pkg = build(case, tmp_path / "city")
    if case.unreadable:
        make_unreadable(case.unreadable)
    with pytest.raises(ValidationError) as info:
        load_package(pkg)
    assert case.code in {p.code for p in info.value.problems}


# --- what is accepted ----------------------------------------------------------------------


def _energy_sums(pkg: Any) -> pd.Series:
    return pkg.energy.groupby("carrier")["quantity"].sum().sort_index()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.Series:
    return _energy_sums(load_package(write_csv(base_tables(), tmp_path_factory.mktemp("ref") / "package")))


def test_a_workbook_under_a_wrong_extension_is_read_by_its_content(tmp_path: Path, reference: pd.Series) -> None:
    book = write_xlsx(base_tables(), tmp_path / WORKBOOK)
    xls = book.rename(tmp_path / "青山数据包.xls")
    pd.testing.assert_series_equal(_energy_sums(load_package(xls)), reference)
    # one table's file saved from Excel as a workbook but named .csv, and a CSV named .xlsx
    t = base_tables()
    energy, economics = t.pop("energy"), t.pop("economics")
    folder = write_csv(t, tmp_path / "folder")
    write_xlsx({"energy": energy}, folder / "energy.csv")
    economics.to_csv(folder / "economics.xlsx", index=False)
    pkg = load_package(folder)
    pd.testing.assert_series_equal(_energy_sums(pkg), reference)
    assert len(pkg.economics) == len(economics)
    assert set(pkg.energy["_file"]) == {"energy.csv[能源]"}


def test_a_genuine_xls_file_is_read(tmp_path: Path, reference: pd.Series) -> None:
    from tests.hostile.xls import write_xls

    t = base_tables()
    energy = t.pop("energy")
    folder = write_csv(t, tmp_path / "p")
    cells: list[tuple[int, int, float | str]] = [(0, j, str(c)) for j, c in enumerate(energy.columns)]
    for i, values in enumerate(energy.itertuples(index=False), start=1):
        cells += [(i, j, v) for j, v in enumerate(values) if v is not None]
    write_xls(folder / "能源.xls", {"能源": cells})
    pd.testing.assert_series_equal(_energy_sums(load_package(folder)), reference)


def test_full_width_digits_and_punctuation_are_read(tmp_path: Path) -> None:
    t = base_tables()
    e = t["energy"]
    e.at[0, "quantity"] = "１２３．５"
    e.at[1, "quantity"] = "１，２３４．５"
    e.at[2, "period"] = "２０２３－０３"
    e.at[3, "unit"] = "万千瓦时"
    e.at[4, "quantity"] = "－０"  # negative zero is zero
    t["economics"].at[0, "year"] = "２０２３年"
    t["entities"].at[12, "entity_id"] = "９１４５９９００ＭＡ０９３９８ＦＹＤ"
    for form in ("csv", "xlsx"):
        pkg = load_package(write_tables(t, tmp_path / form, form))
        q = pkg.energy.set_index("_row")["quantity"]
        assert q[2] == pytest.approx(123.5e4) and q[3] == pytest.approx(1234.5e4) and q[6] == 0
        assert pkg.energy.set_index("_row").at[4, "period"] == "2023-03"
        assert "91459900MA09398FYD" in set(pkg.entities["entity_id"])
        assert pkg.economics["year"].iloc[0] == 2023


def test_an_extra_sheet_is_a_warning_that_never_blocks(tmp_path: Path) -> None:
    def notes(wb: Any, _sheets: dict[str, Any]) -> None:
        wb.add_worksheet("填表说明").write(0, 0, "本表由企业填报")

    path = write_xlsx(base_tables(), tmp_path / WORKBOOK, notes)
    _, problems = check_package(path)
    assert _where(problems) == [("P004", "package.xlsx[填表说明]", None, None)]
    assert problems[0].severity == "warning"
    load_package(path)  # does not block, even without accepting warnings


def test_blank_rows_keep_the_row_numbers_of_the_file(tmp_path: Path) -> None:
    pkg = write_csv(base_tables(), tmp_path / "p")
    f = pkg / "energy.csv"
    lines = f.read_text("utf-8").splitlines()
    lines[3] = lines[3].replace("2023-03", "2023-13")  # row 4 of the file
    f.write_text("\n".join([lines[0], "", *lines[1:3], ",,,,,,", *lines[3:]]) + "\n", "utf-8")
    _, problems = check_package(pkg)
    assert _where(problems) == [("P013", "energy.csv", 6, "period")]  # two blank rows above it


def test_two_headers_for_one_column_are_reported(tmp_path: Path) -> None:
    pkg = write_csv(base_tables(), tmp_path / "p")
    f = pkg / "energy.csv"
    lines = f.read_text("utf-8").splitlines()
    f.write_text("\n".join([lines[0] + ",数量", *(ln + ",1" for ln in lines[1:])]) + "\n", "utf-8")
    _, problems = check_package(pkg)
    assert _where(problems) == [("P003", "energy.csv", 1, "数量")]


def test_root_cause_instead_of_thousands_of_follow_ons(tmp_path: Path) -> None:
    pkg = write_csv(base_tables(), tmp_path / "p")
    f = pkg / "entities.csv"
    f.write_bytes(f.read_text("utf-8").encode("utf-16"))
    _, problems = check_package(pkg)
    assert _where(problems) == [("P001", "entities.csv", None, None)]
    assert "UTF-16" in problems[0].expected_en
    (pkg / "entities.csv").unlink()  # a missing table: P005, and nothing it causes
    _, problems = check_package(pkg)
    assert [p.code for p in problems] == ["P005"]


def test_formula_errors_in_a_workbook_are_named(tmp_path: Path) -> None:
    t = base_tables()
    t["energy"].at[0, "quantity"] = Formula("=1/0", "#DIV/0!")
    t["energy"].at[1, "carrier"] = Formula("=NA()", "#N/A")
    book = write_xlsx(t, tmp_path / WORKBOOK)
    problems: list[Problem] = []
    wb = open_workbook(book, book.name, problems)
    assert wb is not None
    rows = read_sheet(wb, "能源", "x", problems)
    wb.close()
    assert rows is not None and rows[1][3] == "#DIV/0!" and rows[2][2] == "#N/A" and problems == []
    _, problems = check_package(book)
    assert _where(problems) == [("P019", "package.xlsx[能源]", 2, "quantity"),
                                ("P019", "package.xlsx[能源]", 3, "carrier")]


def test_a_large_legitimate_sheet_passes_the_checks(tmp_path: Path) -> None:
    """The checks count cells, not bytes: 1 048 576 rows of 16 columns is the limit."""
    assert MAX_SHEET_CELLS == 1_048_576 * 16
    t = base_tables()
    t["energy"] = pd.concat([t["energy"]] * 40, ignore_index=True)
    t["energy"]["period"] = [f"{2000 + i // 12 % 24}-{i % 12 + 1:02d}" for i in range(len(t["energy"]))]
    book = write_xlsx({"entities": t["entities"], "energy": t["energy"]}, tmp_path / WORKBOOK)
    _, problems = check_package(book)
    assert {p.code for p in problems} <= {"P035", "P034", "P036"}


@pytest.mark.parametrize("text,code", [
    ("12", None), ("1,234.5", None), ("-1,234", None), ("1e5", None), ("１２３．５", None), ("１，２３４", None),
    (".5", None), ("+3", None), ("inf", "P017"), ("-Infinity", "P017"), ("NaN", "P017"), ("1e999", "P017"),
    ("1.234,5", "P018"), ("1,2,3,4", "P018"), ("12,5", "P018"), ("1 234", "P018"), ("12吨", "P018"),
    ("5%", "P018"), ("3.5 t", "P018"), ("１２ｔ", "P018"), ("#DIV/0!", "P019"), ("#N/A", "P019"),
    ("abc", "P011"), ("¥100", "P011"), ("--5", "P011"), ("N/A", "P011"),
])
def test_numbers_as_typed(text: str, code: str | None) -> None:
    values = pd.Series([text, ""], dtype=object)
    num, codes = parse_numbers(values, values == "")
    got = [c if isinstance(c, str) else None for c in codes]
    assert got == [code, None] and np.isnan(num[1])
    assert np.isfinite(num[0]) == (code is None)


@pytest.mark.parametrize("text,month", [
    ("2023-01", "2023-01"), ("2023/1", "2023-01"), ("202301", "2023-01"), ("2023年1月", "2023-01"),
    ("2023年1月份", "2023-01"), ("2023-01-31", "2023-01"), ("2023-01-01 00:00:00", "2023-01"),
    ("2024-02-29", "2024-02"), ("２０２３－０１", "2023-01"), ("2023-01-01T08:30", "2023-01"),
    ("2023-01-99", None), ("2023-02-30", None), ("2023-02-29", None), ("2023-01 garbage", None),
    ("2023-13", None), ("2023-00", None), ("2023-01-01 25:00", None), ("2023-01-01 10:61", None),
    ("March", None), ("2023", None),
])
def test_months_as_typed(text: str, month: str | None) -> None:
    assert parse_period(text) == month


def test_json_depth_ignores_brackets_in_strings() -> None:
    assert json_depth(b'{"a": [[1, 2], [3]]}') == 3
    assert json_depth(b'{"name": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == 1
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000


def test_a_data_directory_with_a_bad_package_keeps_what_it_had(tmp_path: Path) -> None:
    """A bad package replacing a good one: the city refuses it and the kept copy of the
    good one is not replaced."""
    root = tmp_path / "city"
    write_csv(base_tables(), root / "package")
    with City.open(root) as city:  # the validated copy is written by the time the city closes
        _ = city.package
    kept = sorted(p.name for p in (root / "cache").rglob("*"))
    assert kept
    shutil.rmtree(root / "package")
    t = base_tables()
    t["energy"].at[0, "quantity"] = "inf"
    write_csv(t, root / "package")
    with pytest.raises(ValidationError):
        _ = City.open(root).package
    assert sorted(p.name for p in (root / "cache").rglob("*")) == kept


@pytest.mark.parametrize("figure,words", [("1.234,5", "thousands commas"), ("1,2,3,4", "thousands commas"),
                                          ("#DIV/0!", "formula error")])
def test_form_205_1_figures_are_not_guessed(figure: str, words: str) -> None:
    from qingshan.data.form_205_1 import parse_form
    from tests.test_form_205_1 import FIRST_DATA_ROW, form, row

    problems: list[Problem] = []
    grid = form(row("电力", "万千瓦时", "33", "", "", "", "", figure),
                row("柴油", "吨", "21", "", "", "", "", "1,234.5"))  # a thousands comma is fine
    table = parse_form(grid, "205-1.csv", problems)
    bad = [p for p in problems if p.code == "P084"]
    assert [(p.row, p.value, p.severity) for p in bad] == [(FIRST_DATA_ROW, figure, "error")]
    assert words in bad[0].expected_en
    assert table is not None and "1234.5" in set(table.frame["quantity"])
