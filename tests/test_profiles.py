"""Jurisdiction profiles (docs/profiles.md): loading with inheritance, effective dates,
every problem of a file at once, the checks of what a selection names, the province rule
for measures, diff, and the factor choices a profile makes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from qingshan.cli import main
from qingshan.errors import Problem, ValidationError
from qingshan.factors import load_factor_set
from qingshan.profiles.check import check_profile
from qingshan.profiles.diff import diff_profiles
from qingshan.profiles.profile import keys, load_profile, shipped_profiles

DOCS = Path(__file__).parents[1] / "docs"
HEAD = ('id = "{id}"\nzh = "测试"\nen = "test"\nlevel = "county"\nregion_code = "{code}"\nparent = "{parent}"\n'
        'version = "1"\nreleased = 2026-01-01\nchanges = "test"\n')


def write(tmp: Path, body: str, *, id: str = "t", code: str = "331099", parent: str = "zhejiang") -> Path:
    f = tmp / f"{id}.toml"
    f.write_text(HEAD.format(id=id, code=code, parent=parent) + body, "utf-8")
    return f


def problems(f: Path) -> set[tuple[str, str | None]]:
    with pytest.raises(ValidationError) as e:
        load_profile(f)
    return {(p.code, p.column) for p in e.value.problems}


@pytest.mark.parametrize("pid", shipped_profiles())
def test_every_shipped_profile_checks_clean(pid: str) -> None:
    p = load_profile(pid)
    assert check_profile(p) == []
    assert p.chain[-1].id == "national" and p.version


def test_the_shipped_set_is_the_one_the_issue_asks_for() -> None:
    assert {"national", "demo", "huangyan", "huaian", "jingde", "dezhou"} <= set(shipped_profiles())
    assert load_profile("huangyan").province == "33" and load_profile("huaian").province == "32"
    assert load_profile("jingde").province == "34" and load_profile("dezhou").province == "37"


def test_inheritance_and_effective_dates() -> None:
    hy = load_profile("huangyan")
    assert [f.id for f in hy.chain] == ["huangyan", "zhejiang", "national"]
    assert hy.value("evaluation.scheme", 2022) == "huangyan-2022"
    assert hy.value("evaluation.scheme", 2021) is None  # before the scheme's first data year
    assert hy.value("evaluation.carbon_efficiency", 2024) == "zhejiang-2021"  # from the province
    assert hy.value("targets.barometer", 2024) == "ndrc-2021"  # from the national default
    assert hy.value("evaluation.measures", 2024) is None  # Zhejiang selects no surcharge
    dz = load_profile("dezhou")
    assert dz.value("evaluation.measures", 2024) == "shandong-2022"
    assert dz.selection("evaluation.measures", 2024).defined_in == "shandong"  # type: ignore[union-attr]
    assert dz.value("evaluation.measures", 2021) is None  # 56号 applies from 2022


def test_a_later_selection_replaces_an_earlier_one(tmp_path: Path) -> None:
    f = write(tmp_path, '[[evaluation.scheme]]\nvalue = "huangyan-2022"\nfrom = 2022\nto = 2023\nsource = "a"\n'
                        '[[evaluation.scheme]]\nvalue = "jingde-2022"\nfrom = 2024\nsource = "b"\n')
    p = load_profile(f)
    assert [p.value("evaluation.scheme", y) for y in (2021, 2022, 2023, 2024, 2030)] == \
        [None, "huangyan-2022", "huangyan-2022", "jingde-2022", "jingde-2022"]
    assert p.selection("evaluation.scheme", 2023).source == "a"  # type: ignore[union-attr]
    # the key replaces the parent's whole timeline; other keys are inherited
    assert p.value("evaluation.carbon_efficiency", 2024) == "zhejiang-2021"


def test_every_problem_of_a_file_at_once(tmp_path: Path) -> None:
    f = write(tmp_path, 'colour = "red"\n'
                        '[[evaluation.schem]]\nvalue = "x"\nfrom = 2022\nsource = "a"\n'
                        '[[evaluation.scheme]]\nvalue = "huangyan-2022"\nfrom = "2022"\nsource = "a"\n'
                        '[[targets.barometer]]\nvalue = "ndrc-2021"\nfrom = 2024\nto = 2022\nsource = "a"\n'
                        '[[evaluation.measures]]\nvalue = "none"\nfrom = 2020\nsource = "a"\n'
                        '[[evaluation.measures]]\nvalue = "shandong-2022"\nfrom = 2022\nsource = "a"\n')
    assert problems(f) == {("J010", "colour"), ("J010", "evaluation.schem"), ("J010", "evaluation.scheme[0].from"),
                           ("J011", "targets.barometer[0].to"), ("J011", "evaluation.measures")}


def test_a_parent_must_be_shipped_and_a_name_is_never_a_path(tmp_path: Path) -> None:
    assert problems(write(tmp_path, "", parent="zj")) == {("J012", "parent")}
    outside = tmp_path / "evil.toml"
    outside.write_text(HEAD.format(id="evil", code="331099", parent="national"), "utf-8")
    for name in (str(outside), "../evil", "evil"):
        with pytest.raises(ValidationError) as e:
            load_profile(name)
        assert {p.code for p in e.value.problems} == {"J001"}


def test_check_names_what_a_selection_does_not_hold(tmp_path: Path) -> None:
    f = write(tmp_path, '[[evaluation.scheme]]\nvalue = "wenling-2022"\nfrom = 2022\nsource = "a"\n'
                        '[[factors.grid_series]]\nvalue = "provincial"\nfrom = 2020\nsource = "a"\n'
                        '[[targets.file]]\nvalue = "data:../targets.toml"\nfrom = 2020\nsource = "a"\n')
    got = {(p.code, p.column, p.value) for p in check_profile(load_profile(f), last_year=2025)}
    assert got == {("J021", "evaluation.scheme", "wenling-2022"), ("J021", "factors.grid_series", "provincial"),
                   ("J021", "targets.file", "data:../targets.toml")}


def test_a_required_key_must_cover_every_year_from_its_first(tmp_path: Path) -> None:
    f = write(tmp_path, '[[factors.set]]\nvalue = "cn-national"\nfrom = 2000\nto = 2010\nsource = "a"\n'
                        '[[factors.set]]\nvalue = "cn-national"\nfrom = 2015\nsource = "b"\n')
    got = [(p.code, p.column, p.value) for p in check_profile(load_profile(f), last_year=2025)]
    assert got == [("J020", "factors.set", "2011")]  # the first uncovered year, once
    assert "t.toml" in check_profile(load_profile(f))[0].file  # the file that holds the timeline
    ended = write(tmp_path, '[[factors.set]]\nvalue = "cn-national"\nfrom = 2000\nto = 2024\nsource = "a"\n',
                  id="t2")
    assert [(p.code, p.value) for p in check_profile(load_profile(ended), last_year=2026)] == [("J020", "2025")]
    assert check_profile(load_profile(ended), last_year=2024) == []


def test_a_grid_region_is_checked_against_the_series_in_force(tmp_path: Path) -> None:
    south = '[[factors.grid_region]]\nvalue = "南方"\nfrom = 2020\nsource = "a"\n'
    # no series selected: the factor set's own (cn-national: national_average, region 全国 only)
    got = {(p.code, p.column, p.value) for p in check_profile(load_profile(write(tmp_path, south)))}
    assert got == {("J021", "factors.grid_region", "南方")}
    regional = '[[factors.grid_series]]\nvalue = "regional_average"\nfrom = 2020\nsource = "a"\n'
    assert check_profile(load_profile(write(tmp_path, south + regional, id="t2"))) == []
    own = '[[factors.set]]\nvalue = "cn-south-grid"\nfrom = 2000\nsource = "a"\n'  # its series is regional
    assert check_profile(load_profile(write(tmp_path, south + own, id="t3"))) == []


def test_measures_of_another_province_need_a_reason(tmp_path: Path) -> None:
    body = '[[evaluation.measures]]\nvalue = "shandong-2022"\nfrom = 2022\nsource = "a"\n'
    got = check_profile(load_profile(write(tmp_path, body)))
    assert [(p.code, p.column) for p in got] == [("J022", "evaluation.measures")]
    ok = write(tmp_path, body + 'borrowed = "a study of the Shandong rule"\n', id="t2")
    assert check_profile(load_profile(ok)) == []
    # a Shandong city may select them without a reason
    assert check_profile(load_profile(write(tmp_path, body, id="t3", code="371499", parent="shandong"))) == []


def test_diff_lists_runs_of_years() -> None:
    rows = diff_profiles(load_profile("huangyan"), load_profile("dezhou"), range(2020, 2027))
    got = {(r["key"], r["from"], r["to"], r["a"], r["b"]) for r in rows}
    assert got == {("evaluation.scheme", 2022, 2022, "huangyan-2022", None),
                   ("evaluation.scheme", 2023, 2026, "huangyan-2022", "dezhou-2024"),
                   ("evaluation.carbon_efficiency", 2021, 2026, "zhejiang-2021", None),
                   ("evaluation.measures", 2022, 2026, None, "shandong-2022"),
                   # Shandong's own 两高 list (鲁政办字〔2022〕9号) from 2022; Zhejiang keeps the national one
                   ("screening.two_high", 2022, 2026, "two_high", "two_high-shandong-2022")}
    assert diff_profiles(load_profile("jiangsu"), load_profile("anhui"), range(2020, 2027)) == []


def test_the_digest_follows_the_files(tmp_path: Path) -> None:
    a = load_profile(write(tmp_path, ""))
    b = load_profile(write(tmp_path, '[[evaluation.scheme]]\nvalue = "huangyan-2022"\nfrom = 2022\nsource = "a"\n'))
    assert a.version == b.version and a.digest != b.digest
    d = b.describe(2024)
    assert d["selections"]["evaluation.scheme"] == {"value": "huangyan-2022", "source": "a", "from": 2022,
                                                    "to": None, "borrowed": None, "defined_in": "t"}
    assert d["chain"] == ["t", "zhejiang", "national"]


def test_natural_gas_choice_changes_the_coefficient_by_the_standard() -> None:
    # GB/T 2589 Annex A: 气田天然气 35 544 kJ/m³ → 1.2143 kgce/m³; 油田天然气 38 931 kJ/m³ → 1.3300 kgce/m³
    default = load_factor_set("cn-national")
    oil = load_factor_set("cn-national", choices={"natural_gas": "gbt2589:natural_gas_oilfield"})
    gas = lambda fs: fs.energy.set_index("carrier").loc["natural_gas"]  # noqa: E731
    assert gas(default)["tce_per_unit"] == pytest.approx(1.2143e-3, rel=1e-12)
    assert gas(oil)["tce_per_unit"] == pytest.approx(1.3300e-3, rel=1e-12)
    assert gas(oil)["factor_id"] == "gbt2589:natural_gas_oilfield"
    assert "energy_coefficient_alternatives.csv" in oil.files


def test_grid_choice_selects_the_published_series() -> None:
    east = load_factor_set("cn-national", choices={"grid_series": "regional_average", "grid_region": "华东"})
    assert east.grid_series == "regional_average" and east.grid_region == "华东"
    assert set(east.grid["factor_id"]) == {"mee-nbs-2022:east", "mee-nbs-2023:east"}
    ets = load_factor_set("cn-national", choices={"grid_series": "ets_reporting"})
    # MEE 2022 carbon-market reporting value 0.5703 tCO2/MWh
    assert ets.grid.set_index("data_year").loc[2022, "tco2_per_kwh"] == pytest.approx(0.5703e-3, rel=1e-12)


def test_profile_commands(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["--lang", "en", "profile", "check", *shipped_profiles()])
    assert r.exit_code == 0 and "no problems" in r.output
    bad = write(tmp_path, '[[evaluation.scheme]]\nvalue = "wenling-2022"\nfrom = 2022\nsource = "a"\n')
    r = CliRunner().invoke(main, ["--lang", "en", "profile", "check", str(bad)])
    assert r.exit_code == 1 and "J021" in r.output
    r = CliRunner().invoke(main, ["profile", "show", "dezhou", "--format", "json", "--year", "2024"])
    assert r.exit_code == 0
    import json

    doc = json.loads(r.stdout)
    assert doc["selections"]["evaluation.measures"]["value"] == "shandong-2022"
    assert doc["timelines"]["evaluation.scheme"][0]["from"] == 2023
    r = CliRunner().invoke(main, ["--lang", "en", "profile", "show", "zhejiang-2"])
    assert r.exit_code == 1 and "J001" in r.output


def test_check_reports_every_name_even_when_a_file_does_not_load(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "broken\n', "utf-8")  # a TOML syntax error
    bad = write(tmp_path, '[[evaluation.scheme]]\nvalue = "wenling-2022"\nfrom = 2022\nsource = "a"\n')
    r = CliRunner().invoke(main, ["--lang", "en", "profile", "check", str(broken), "zhejiang-2", str(bad), "huangyan"])
    assert r.exit_code == 1, r.output
    assert {"J002", "J001", "J021"} <= set(r.output.split()) and "failed: 3 problems" in r.output


@pytest.mark.parametrize("years", ["abc", "2030-2020", "2020-", "20-30"])
def test_diff_years_that_are_not_years_are_a_usage_error(years: str) -> None:
    r = CliRunner().invoke(main, ["--lang", "en", "profile", "diff", "huangyan", "dezhou", "--years", years])
    assert r.exit_code == 2 and "Invalid value for '--years'" in r.output, r.output
    assert isinstance(r.exception, SystemExit)  # a usage message, not a traceback


def test_diff_of_one_year() -> None:
    r = CliRunner().invoke(main, ["profile", "diff", "huangyan", "dezhou", "--years", "2024", "--format", "json"])
    assert r.exit_code == 0, r.output
    import json

    assert {(d["key"], d["from"], d["to"]) for d in json.loads(r.stdout)["differences"]} == {
        ("evaluation.scheme", 2024, 2024), ("evaluation.carbon_efficiency", 2024, 2024),
        ("evaluation.measures", 2024, 2024), ("screening.two_high", 2024, 2024)}


def test_every_key_is_documented() -> None:
    text = (DOCS / "profiles.md").read_text("utf-8")
    for path in keys():
        assert f"`{path}`" in text, path
    codes = {"J001", "J002", "J010", "J011", "J012", "J020", "J021", "J022", "J030"}
    for code in codes:
        assert f"| {code} |" in text, code


def test_problem_records_name_the_file(tmp_path: Path) -> None:
    f = write(tmp_path, 'colour = "red"\n')
    with pytest.raises(ValidationError) as e:
        load_profile(f)
    (p,) = e.value.problems
    assert isinstance(p, Problem) and p.file.endswith("t.toml")
    assert (p.code, p.column, p.severity) == ("J010", "colour", "error")
