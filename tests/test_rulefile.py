"""The one rule-file reader (qingshan.rulefile): names are built-ins and never paths, every
problem of a file is reported at once with its key path, syntax errors name the line, unknown
keys are caught, every shipped rule file loads, and a corrupted copy of each barometer and
screening rule file is refused with the right code and key."""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import pathlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qingshan.errors import ValidationError
from qingshan.evaluation.config import load_carbon_config, load_measures
from qingshan.evaluation.scheme import load_scheme, preset_names
from qingshan.rulefile import Checker, builtin_names, name_or_path, read_rule_file
from qingshan.screening import rules as r
from qingshan.screening.project import read_project
from qingshan.targets.barometer import load_barometer
from qingshan.targets.definitions import load_targets, load_targets_file
from qingshan.targets.scenarios import load_scenario

SRC = Path(__file__).resolve().parents[1] / "src" / "qingshan"
RULES = SRC / "screening" / "rules"


def problems(call: Callable[[], object]) -> set[tuple[str, int | None, str | None]]:
    """(code, row, key) of every problem ``call`` raises."""
    with pytest.raises(ValidationError) as e:
        call()
    return {(p.code, p.row, p.column) for p in e.value.problems}


def copy_with(tmp: Path, name: str, old: str, new: str) -> Path:
    """A copy of the shipped rule file ``name`` with ``old`` (which must occur) replaced."""
    found = [f for f in (RULES / name, SRC / "targets" / "plans" / name, SRC / "targets" / "barometers" / name)
             if f.exists()]
    text = found[0].read_text("utf-8")
    assert old in text, old
    f = tmp / name
    f.write_text(text.replace(old, new, 1), "utf-8")
    return f


# --- every problem at once ---------------------------------------------------------------

SCHEME = '''id = "x"
zh = "x"
en = "x"
[source]
document = "x"
url = 3
[[segments]]
id = "s"
zh = "s"
en = "s"
source = "s"
methd = "ratio"
scales = ["above", "規上"]
[[segments.items]]
indicator = "tax_per_mu"
weight = true
benchmark = "fixed"
value = 10
[segments.classes]
rule = "percentile"
bands = [["A", 0.5], ["D", 1.0]]
source = "s"
[[adjustments]]
id = "a"
zh = "a"
en = "a"
points = "five"
source = "s"
'''


def test_a_file_with_several_problems_reports_all_of_them(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text(SCHEME, "utf-8")
    assert problems(lambda: load_scheme(f)) == {
        ("S010", None, "source.url"),                   # a text, not a number
        ("S010", None, "segments[0].methd"),            # a typo is caught, not ignored
        ("S010", None, "segments[0].scales"),           # not one of above / below
        ("S010", None, "segments[0].items[0].weight"),  # a boolean is not a number
        ("S010", None, "adjustments[0].points"),        # a text is not a number
    }


def test_the_checker_collects_and_raises_once() -> None:
    c = Checker("f.toml", "Z010")
    d: dict[str, Any] = {"n": True, "i": 2020.0, "d": "2025-02-30", "l": [1, 3, 2], "t": "x", "s": [1],
                         "o": "maybe", "x": 1}
    assert c.number(d, "n") is None
    assert c.integer(d, "i") is None
    assert c.date(d, "d") is None
    assert c.increasing(d, "l") == ()
    assert c.table(d, "t") == {}
    assert c.strings(d, "s") == ()
    assert c.one_of(d, "o", ("yes", "no"), default="no") == "no"
    assert c.text(d, "missing") == ""
    c.only(d, ("n", "i", "d", "l", "t", "s", "o"), "top")
    assert [p.column for p in c.problems] == ["n", "i", "d", "l", "t", "s", "o", "missing", "top.x"]
    assert {p.code for p in c.problems} == {"Z010"} and all(p.file == "f.toml" for p in c.problems)
    with pytest.raises(ValidationError) as e:
        c.raise_if_any()
    assert len(e.value.problems) == 9


def test_checker_readers_accept_what_they_should() -> None:
    c = Checker("f", "Z010")
    d = {"n": 3, "x": "1,200.5", "d": dt.date(2024, 1, 2), "dt": dt.datetime(2024, 1, 2), "s": "2024-01-02",
         "l": [1, 2, 2], "b": False, "y": "2021"}
    assert c.number(d, "n", lo=0, hi=3) == 3.0
    assert c.number(d, "x", text_ok=True) == 1200.5
    assert c.integer(d, "y", text_ok=True) == 2021
    assert c.date(d, "d") == c.date(d, "dt") == c.date(d, "s") == dt.date(2024, 1, 2)
    assert c.increasing(d, "l") == (1.0, 2.0, 2.0)
    assert c.flag(d, "b", required=True) is False
    assert c.number(d, "absent", required=False, default=7.0) == 7.0
    assert c.problems == []
    assert c.increasing(d, "l", strict=True) == () and c.number(d, "n", lo=4) is None
    assert [p.column for p in c.problems] == ["l", "n"]
    row = c.at_row(5)
    row.text({}, "document")
    assert (c.problems[-1].row, c.problems[-1].column) == (5, "document")


# --- names are built-ins, never paths -----------------------------------------------------

@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every file opened through pathlib or open() while the test runs."""
    seen: list[str] = []
    real_open, real_read_bytes = builtins.open, pathlib.Path.read_bytes

    def spy_open(file: Any, *a: Any, **k: Any) -> Any:
        seen.append(str(file))
        return real_open(file, *a, **k)

    def spy_read_bytes(self: pathlib.Path) -> bytes:
        seen.append(str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", spy_read_bytes)
    yield seen


@pytest.mark.parametrize("name", ["../../etc/x", "/tmp/x.toml", "x/../../y", "huaian-2024/../jingde-2022", ".x",
                                  "HUAIAN-2024", ""])
def test_a_str_that_looks_like_a_path_is_refused_and_never_opened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[str], name: str) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    good = (SRC / "evaluation" / "schemes" / "huaian-2024.toml").read_text("utf-8")
    for f in (tmp_path / "etc" / "x", tmp_path / "a" / "y"):  # where "../../etc/x" and "x/../../y" lead
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(good, "utf-8")
    opened.clear()
    with pytest.raises(ValidationError) as e:
        load_scheme(name)
    (p,) = e.value.problems
    assert p.code == "S001" and p.value == name and "huaian-2024" in p.expected_en
    assert not [s for s in opened if "etc" in s or s.endswith(("/y", "x.toml"))], opened
    for code, call in (("C001", lambda: load_measures(name)), ("T001", lambda: load_targets(name)),
                       ("P101", lambda: load_scenario(name)), ("X001", lambda: read_project(name)),
                       ("B001", lambda: load_barometer(name)), ("R001", lambda: r.load_siting(name))):
        assert {c for c, _, _ in problems(call)} == {code}
    assert not [s for s in opened if "etc" in s or s.endswith(("/y", "x.toml"))], opened


def test_the_same_file_given_as_a_path_is_read(tmp_path: Path) -> None:
    f = tmp_path / "x.toml"
    f.write_bytes((SRC / "evaluation" / "schemes" / "huaian-2024.toml").read_bytes())
    s = load_scheme(f)
    assert s.id == "huaian-2024" and s.path == str(f)
    rf = read_rule_file(f, package="qingshan.evaluation", folder="schemes", code="S")
    assert rf.digest == hashlib.sha256(f.read_bytes()).hexdigest() and rf.label == str(f)


def test_builtin_names_and_labels() -> None:
    assert {"huaian-2024", "huangyan-2022", "jingde-2022"} <= set(builtin_names("qingshan.evaluation", "schemes"))
    assert builtin_names("qingshan.screening", "rules", (".csv",)) == ["efficiency_benchmarks"]
    rf = read_rule_file("huaian-2024.toml", package="qingshan.evaluation", folder="schemes", code="S")
    assert rf.label == "evaluation/schemes/huaian-2024.toml"
    rf = read_rule_file("ndrc-2021", package="qingshan.targets", folder="barometers", code="B")
    assert rf.label == "targets/barometers/ndrc-2021.toml"
    assert builtin_names("qingshan.targets", "no_such_folder") == []


def test_name_or_path_is_for_trusted_callers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert name_or_path("huaian-2024") == "huaian-2024"
    assert name_or_path("dir/x.toml") == Path("dir/x.toml")
    assert name_or_path("Mine.toml") == Path("Mine.toml")  # not of the form of a name
    (tmp_path / "local").write_text("x", "utf-8")
    assert name_or_path("local") == Path("local")  # an existing file wins


def test_missing_or_wrongly_suffixed_files(tmp_path: Path) -> None:
    assert problems(lambda: load_scheme(tmp_path / "none.toml")) == {("S001", None, None)}
    (tmp_path / "s.json").write_text("{}", "utf-8")
    assert problems(lambda: load_scheme(tmp_path / "s.json")) == {("S001", None, None)}
    assert problems(lambda: load_scheme(tmp_path)) == {("S001", None, None)}  # a directory


# --- syntax -----------------------------------------------------------------------------

def test_a_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text('[[targets]]\nid = "a"\nzh = "unterminated\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        load_targets(f)
    (p,) = e.value.problems
    assert (p.code, p.row, p.file) == ("T002", 3, str(f)) and "line 3, column" in p.expected_en


def test_a_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("name: x\nbuilder: y\nenergy: [\n  {carrier: 电力\n", "utf-8")
    with pytest.raises(ValidationError) as e:
        read_project(f)
    (p,) = e.value.problems
    assert p.code == "X002" and p.row is not None and p.row >= 4 and f"line {p.row}, column" in p.expected_en


def test_not_utf8_and_not_a_table(tmp_path: Path) -> None:
    f = tmp_path / "b.toml"
    f.write_bytes(b'id = "x"\nzh = "\xd6\xd0"\n')  # GBK
    with pytest.raises(ValidationError) as e:
        load_barometer(f)
    (p,) = e.value.problems
    assert (p.code, p.row) == ("B002", 2) and "UTF-8" in p.expected_en
    y = tmp_path / "p.yaml"
    y.write_text("- a\n- b\n", "utf-8")
    assert problems(lambda: read_project(y)) == {("X002", None, None)}
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + (SRC / "targets" / "barometers" / "ndrc-2021.toml").read_bytes())
    assert load_barometer(bom)["red_gap_share"] == 0.10  # a byte-order mark is accepted


# --- unknown keys -------------------------------------------------------------------------

def test_unknown_keys_are_reported(tmp_path: Path) -> None:
    f = copy_with(tmp_path, "demo_targets.toml", "exclude_feedstock = true", "exclude_feedstok = true")
    got = problems(lambda: load_targets(f))
    assert got == {("T010", None, "targets[0].exclude_feedstok")}
    with pytest.raises(ValidationError) as e:
        load_targets(f)
    assert "exclude_feedstock" in e.value.problems[0].expected_en  # the allowed keys are listed


# --- every shipped file loads --------------------------------------------------------------

@pytest.mark.parametrize("name", preset_names())
def test_every_shipped_scheme_loads(name: str) -> None:
    assert load_scheme(name).id == name


def test_every_other_shipped_rule_file_loads() -> None:
    assert load_carbon_config("zhejiang-2021").level_limits
    for name in builtin_names("qingshan.evaluation", "measures"):
        assert load_measures(name).measures
    assert 0 < load_barometer()["red_gap_share"] < 1
    tf = load_targets_file("demo_targets")
    assert len(tf.targets) == 9 and tf.growth == 0.05
    for name in builtin_names("qingshan.targets", "demo_scenarios"):
        assert load_scenario(name).draws >= 1
    for name in builtin_names("qingshan.screening", "demo_projects", (".yaml", ".yml")):
        assert read_project(name).energy.shape[0] >= 1
    assert r.load_two_high()["national"]["classes"]
    assert r.load_review_levels()[0]["in_force_from"] == dt.date(2025, 9, 1)  # latest first
    assert r.load_negative_list() and r.load_siting()
    assert r.load_efficiency_editions() == {2021: dt.date(2022, 1, 1), 2023: dt.date(2023, 7, 4)}
    assert len(r.load_efficiency_table()) == 47


# --- corrupted copies of the barometer and screening rules ---------------------------------

@pytest.mark.parametrize(("old", "new", "want"), [
    ("red_gap_share = 0.10", "red_gap_share = 10", {("B010", None, "red_gap_share")}),      # a percent, not a share
    ("red_gap_share = 0.10", 'red_gap_share = "10%"', {("B010", None, "red_gap_share")}),
    ('id = "ndrc-2021"', 'id = "ndrc-2021"\nred_gap = 0.1', {("B010", None, "red_gap")}),
    ('document = "', 'documents = "', {("B010", None, "documents"), ("B010", None, "document")}),
    ("red_gap_share = 0.10", "red_gap_share = [", {("B002", 11, None)}),
])
def test_a_corrupted_barometer_is_refused(tmp_path: Path, old: str, new: str, want: set[Any]) -> None:
    f = copy_with(tmp_path, "ndrc-2021.toml", old, new)
    assert problems(lambda: load_barometer(f)) == want


@pytest.mark.parametrize(("name", "old", "new", "load", "want"), [
    ("two_high.toml", '"31"]', '"3l"]', r.load_two_high, {("R010", None, "national.classes[3].prefixes")}),
    ("two_high.toml", "local = []", 'local = [{ id = "coking", zh = "焦化", prefixes = ["2521"] }]', r.load_two_high,
     {("R010", None, "local[0].source")}),
    ("two_high.toml", '{ id = "steel"', '{ id = "coal_power"', r.load_two_high, {("R010", None, "classes.id")}),
    ("review_levels.toml", "exempt_below_tce = 1000\nexempt_below_coal_t",
     "exempt_below_tce = 20000\nexempt_below_coal_t", r.load_review_levels,
     {("R010", None, "editions[0].exempt_below_tce")}),
    ("review_levels.toml", 'in_force_from = "2025-09-01"', 'in_force_from = "2025-09-31"', r.load_review_levels,
     {("R010", None, "editions[0].in_force_from")}),
    ("review_levels.toml", "provincial_tce = 10000\n# no separate review: < 1 000 tce AND < 5",
     'provincial_tce = "10000"\n# no separate review: < 1 000 tce AND < 5', r.load_review_levels,
     {("R010", None, "editions[1].provincial_tce")}),
    ("negative_list.toml", 'source = "demo', 'sauce = "demo', r.load_negative_list,
     {("R010", None, "entries[0].source"), ("R010", None, "entries[0].sauce")}),
    ("negative_list.toml", 'kinds = ["new"]', 'kinds = ["new", "rebuild"]', r.load_negative_list,
     {("R010", None, "entries[0].kinds")}),
    ("siting.toml", 'parks = ["P02"]\n', "", r.load_siting, {("R010", None, "rules[1].parks")}),
    ("efficiency_editions.toml", 'in_force_from = "2023-07-04"', 'in_force_from = "2021-07-04"',
     r.load_efficiency_editions, {("R010", None, "editions.in_force_from")}),
    ("efficiency_editions.toml", "edition = 2023", 'edition = "2023"', r.load_efficiency_editions,
     {("R010", None, "editions[1].edition")}),
])
def test_a_corrupted_screening_rule_file_is_refused(tmp_path: Path, name: str, old: str, new: str,
                                                    load: Callable[[Path], object], want: set[Any]) -> None:
    f = copy_with(tmp_path, name, old, new)
    assert problems(lambda: load(f)) == want


def _csv_copy(tmp: Path, edit: Callable[[list[str]], None]) -> Path:
    lines = (RULES / "efficiency_benchmarks.csv").read_text("utf-8").splitlines()
    edit(lines)
    f = tmp / "efficiency_benchmarks.csv"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    return f


def test_a_corrupted_efficiency_table_is_refused_row_by_row(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> None:
        lines[1] = lines[1].replace(",7.5,8.5,C,", ",8.5,7.5,C,")     # 标杆 above 基准: row 2
        lines[2] = lines[2].replace(",590,640,C,", ",590,六百四,U,")  # not a number, unverified tag: row 3
        lines[3] = lines[3].replace("2021,发改产业〔2021〕1609号,", "2022,,")  # unknown edition, no document: row 4
        lines.append(lines[5])                                          # the same product and edition twice

    f = _csv_copy(tmp_path, edit)
    got = problems(lambda: r.load_efficiency_table(f))
    assert got == {("R010", 2, "benchmark"), ("R010", 3, "baseline"), ("R010", 3, "tag"), ("R010", 4, "edition"),
                   ("R010", 4, "document"), ("R010", None, "product")}


def test_efficiency_table_columns_and_ragged_rows(tmp_path: Path) -> None:
    f = _csv_copy(tmp_path, lambda lines: lines.__setitem__(0, lines[0].replace(",tag,", ",tags,")))
    assert problems(lambda: r.load_efficiency_table(f)) >= {("R010", None, "tag"), ("R010", None, "tags")}
    g = _csv_copy(tmp_path, lambda lines: lines.__setitem__(7, lines[7] + ",extra"))
    assert problems(lambda: r.load_efficiency_table(g)) == {("R002", 8, None)}


def test_the_rule_file_codes_are_documented() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs"
    for doc, codes in (("screening.md", ("R001", "R002", "R010", "X001", "X002", "X010")),
                       ("targets.md", ("B001", "B002", "B010", "P101", "P102", "P110", "T001", "T002", "T010")),
                       ("evaluation.md", ("S001", "S002", "S010", "C001", "C002", "C010", "M010"))):
        text = (docs / doc).read_text("utf-8")
        assert [c for c in codes if f"| {c} |" not in text] == [], doc
