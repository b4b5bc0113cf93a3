"""scripts/mutate.py (docs/mutation.md): how numbers are changed, that keys, comments, dates
and plain text are left alone, and that every target finds its files and numbers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("qingshan_mutate", ROOT / "scripts" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


mutate = _load()


@pytest.mark.parametrize(("old", "new"), [
    ("0.7143", "0.7857"),  # × 1.1 at the precision shown
    ("0.05", "0.06"),      # 0.055 rounds half up
    ("0.0", "0.1"),        # × 1.1 leaves it: + 1 in the last digit
    ("2.0", "2.2"),
    ("1e4", "1.1e4"),      # exponent: the mantissa × 1.1
    ("1e-6", "1.1e-6"),
    ("-1e9", "-1.1e9"),
    ("15", "16"),          # integers: the neighbour
    ("2021", "2022"),
    ("16.666666666666668", "18.333333333333335"),
])
def test_numbers_are_changed_in_their_own_notation(old: str, new: str) -> None:
    assert mutate.mutate_number(old) == new


def test_codes_move_in_their_last_digit() -> None:
    assert [mutate.mutate_code(c) for c in ("321", "9", "01", "4419")] == ["322", "8", "02", "4418"]


def test_toml_mutants_leave_keys_comments_dates_and_text_alone() -> None:
    text = ('a = 1  # 2 in a comment\nd = 2021-06-04\nname = "0.5"\n[t]\npoints = { 2030 = 0.48 }\n'
            'codes = ["321", "x"]\nother = ["44"]\n')
    target = mutate.Target("t", ("x.toml",), "toml", (), code_keys=("codes",))
    got = {(m.where, m.old, m.new) for m in mutate.mutants_of(target, "x.toml", text)}
    assert got == {("a", "1", "2"), ("t.points.2030", "0.48", "0.53"), ("t.codes[0]", "321", "322")}


def test_csv_mutants_change_one_unquoted_number_cell() -> None:
    text = 'factor_id,value,data_year,note\nx,0.5,2021,"a, 1"\ny,abc,,\n'
    target = mutate.Target("t", ("x.csv",), "csv", ())
    got = [(m.where, m.old, m.new) for m in mutate.mutants_of(target, "x.csv", text)]
    assert got == [("line 2 (x) value", "0.5", "0.6"), ("line 2 (x) data_year", "2021", "2022")]
    m = mutate.mutants_of(target, "x.csv", text)[0]
    assert m.apply(text) == 'factor_id,value,data_year,note\nx,0.6,2021,"a, 1"\ny,abc,,\n'


def test_a_unit_alias_without_a_number_is_scaled() -> None:
    text = "alias,pint_expression,note\n公顷,hectare,\n万吨,1e4 * tonne,\nm3,meter ** 3,\n"
    target = mutate.Target("u", ("u.csv",), "csv", (), expression_columns=("pint_expression",))
    got = [(m.old, m.new) for m in mutate.mutants_of(target, "u.csv", text)]
    assert got == [("hectare", "1.1 * hectare"), ("1e4", "1.1e4"), ("meter ** 3", "1.1 * meter ** 3")]


def test_every_target_finds_files_and_numbers() -> None:
    for t in mutate.TARGETS:
        files, _ = mutate.files_of(t, ROOT)
        assert files, t.name
        assert any(mutate.mutants_of(t, f, (ROOT / f).read_text("utf-8")) for f in files), t.name
        for test in t.tests:
            assert (ROOT / test.split("::")[0]).exists(), (t.name, test)
