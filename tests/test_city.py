"""The city service (qingshan.city): opening a data directory under its profile, reusing
the store while nothing changed, the profile's rules reaching the evaluation, and one
PostgreSQL schema per city."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qingshan.city import City
from qingshan.city.config import write_city_config
from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.errors import ConfigError, ValidationError
from qingshan.evaluation import load_measures


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("city")
    write_csv_package(generate_demo_city(enterprises=90, years=range(2022, 2025)), d / "package")
    write_city_config(d, "demo")
    return d


def fresh(city_dir: Path, tmp_path: Path) -> Path:
    d = tmp_path / "c"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("cache", "*.duckdb*"))
    return d


def test_a_second_open_reuses_the_store_and_the_validated_package(city_dir: Path, tmp_path: Path) -> None:
    d = fresh(city_dir, tmp_path)
    with City.open(d) as a:
        first = a.accounts().yearly.copy()
        assert a.events[:2] == ["package-validated", "store-loaded"]
    with City.open(d) as b:
        again = b.accounts().yearly
        assert b.events[:2] == ["package-cached", "store-reused"]
    assert b.profile.id == "demo"
    # the same numbers (DuckDB sums in parallel, so the last bit may differ between runs)
    pd.testing.assert_frame_equal(first, again, check_exact=False, rtol=1e-12)


def test_a_changed_package_or_factor_choice_reloads(city_dir: Path, tmp_path: Path) -> None:
    d = fresh(city_dir, tmp_path)
    with City.open(d) as a:
        before = float(a.accounts().rollups["city"]["energy_tce"].sum())
    eco = d / "package" / "economics.csv"
    eco.write_text(eco.read_text("utf-8") + "\n", "utf-8")  # a byte more: another package
    with City.open(d) as b:
        assert float(b.accounts().rollups["city"]["energy_tce"].sum()) == pytest.approx(before, rel=1e-12)
        assert b.events[:2] == ["package-validated", "store-loaded"]
    with City.open(d, factor_set="cn-ets") as c:  # another factor set: another key
        _ = c.accounts()
        assert c.events[:2] == ["package-validated", "store-loaded"]
        assert c.header()["factor_set"]["overridden"] is True


def test_the_profile_decides_the_measures(city_dir: Path) -> None:
    runs = {}
    for profile in ("huangyan", "dezhou", "demo"):
        with City.open(city_dir / "package", profile=profile) as c:
            runs[profile] = c.evaluation(2024)
    hy, dz, demo = runs["huangyan"], runs["dezhou"], runs["demo"]
    assert hy.measure_set is None and hy.measures.empty and hy.firms["measures_yuan"].isna().all()
    assert hy.carbon is not None and hy.firms["carbon_grade"].notna().any()  # Zhejiang's 碳效码
    assert dz.measure_set is not None and dz.measure_set.id == "shandong-2022" and dz.carbon is None
    # every surcharge is the 56号 rate of the years in class D times the base (hand rule)
    rates = load_measures("shandong-2022").measures[0].yuan_per_kwh
    s = dz.measures[dz.measures["kind"] == "electricity_surcharge"]
    assert len(s) == int((dz.firms["class"] == "D").sum()) > 0
    for r in s.itertuples():
        assert r.yuan_per_kwh == rates[min(int(r.years_in_class), len(rates)) - 1]
        assert r.amount_yuan == pytest.approx(r.yuan_per_kwh * r.base_kwh, rel=1e-12)
    assert demo.scheme.id == "huaian-2024" and dz.scheme.id == "dezhou-2024" and hy.scheme.id == "huangyan-2022"


def test_evaluate_on_a_zhejiang_profile_prints_no_shandong_surcharge(city_dir: Path) -> None:
    zj = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(city_dir / "package"), "--year", "2024",
                                   "--profile", "huangyan", "--out", str(city_dir / "hy.json")])
    sd = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(city_dir / "package"), "--year", "2024",
                                   "--profile", "dezhou", "--out", str(city_dir / "dz.json")])
    assert zj.exit_code == 0 and sd.exit_code == 0, zj.output + sd.output
    assert "surcharge" not in zj.stdout and "selects no differentiated measures" in zj.stdout
    assert "electricity surcharges in total" in sd.stdout and "Shandong" in sd.stdout
    assert "profile: huangyan 2026.1" in zj.output and "profile: dezhou 2026.1" in sd.output
    hy = json.loads((city_dir / "hy.json").read_text("utf-8"))
    dz = json.loads((city_dir / "dz.json").read_text("utf-8"))
    assert hy["measure_set"] is None and all(not e["measures"] for e in hy["enterprises"])
    assert (hy["profile"]["id"], hy["profile"]["version"]) == ("huangyan", "2026.1")
    assert dz["summary"]["measures_total_yuan"] > 0 and dz["profile"]["chain"] == ["dezhou", "shandong", "national"]


def test_a_year_without_a_scheme_is_refused_with_the_profile(city_dir: Path) -> None:
    with City.open(city_dir / "package", profile="dezhou") as c, pytest.raises(ConfigError) as e:
        c.evaluation(2022)  # dezhou-2024 applies from the 2023 data year
    assert "dezhou" in str(e.value) and "2022" in str(e.value)
    r = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(city_dir / "package"), "--year", "2022",
                                  "--profile", "dezhou"])
    assert r.exit_code == 2 and "selects no 亩均 scheme for 2022" in r.output


def test_a_bare_package_runs_under_the_national_default(city_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QINGSHAN_PROFILE", raising=False)
    with City.open(city_dir / "package") as c:
        assert c.profile.id == "national" and c.data_dir is None
        assert c.plan() is None  # no targets selected
        assert c.header(2024)["profile"]["selections"]["factors.set"]["value"] == "cn-national"
    monkeypatch.setenv("QINGSHAN_PROFILE", "huaian")
    with City.open(city_dir / "package") as c:
        assert c.profile.id == "huaian"
    with City.open(city_dir) as c:  # city.toml wins over the environment
        assert c.profile.id == "demo"


def test_a_profile_changing_the_factor_set_within_the_years_is_refused(city_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text('id = "p"\nzh = "p"\nen = "p"\nlevel = "city"\nregion_code = "459900"\nparent = "national"\n'
                 'version = "1"\nreleased = 2026-01-01\nchanges = "x"\n'
                 '[[factors.set]]\nvalue = "cn-national"\nfrom = 2000\nto = 2022\nsource = "a"\n'
                 '[[factors.set]]\nvalue = "cn-ets"\nfrom = 2023\nsource = "b"\n', "utf-8")
    with City.open(city_dir / "package", profile=f) as c, pytest.raises(ConfigError) as e:
        _ = c.package
    assert "2022" in str(e.value)


def test_a_data_directory_without_a_package_is_refused(tmp_path: Path) -> None:
    write_city_config(tmp_path, "demo")
    with pytest.raises(ConfigError):
        City.open(tmp_path)
    r = CliRunner().invoke(main, ["--lang", "en", "serve", str(tmp_path)])
    assert r.exit_code == 2 and "has no package" in r.output
    assert not (tmp_path / "package").exists()  # nothing generated over the directory


def test_city_toml_is_checked(tmp_path: Path) -> None:
    (tmp_path / "package").mkdir()
    (tmp_path / "city.toml").write_text('profile = "demo"\npackage = "../elsewhere"\nprofil = "x"\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        City.open(tmp_path)
    assert {(p.code, p.column) for p in e.value.problems} == {("J030", "package"), ("J030", "profil")}


@pytest.mark.postgres
def test_two_cities_on_postgresql_keep_their_own_tables(city_dir: Path, tmp_path: Path, pg_url: str) -> None:
    other = tmp_path / "other"
    write_csv_package(generate_demo_city(enterprises=30, years=[2024], seed=7), other / "package")
    write_city_config(other, "demo")
    a, b = City.open(city_dir, db=pg_url), City.open(other, db=pg_url)
    try:
        assert a.schema() != b.schema()
        ya = a.accounts().yearly
        yb = b.accounts().yearly
        assert len(ya) != len(yb)
        a.close()
        with City.open(city_dir, db=pg_url) as again:  # b's load did not touch a's tables
            pd.testing.assert_frame_equal(again.accounts().yearly, ya, check_exact=False, rtol=1e-12)
            assert again.events[:2] == ["package-cached", "store-reused"]
    finally:
        for c in (a, b):
            c.close()
        import psycopg

        with psycopg.connect(pg_url, autocommit=True) as con:
            for c in (a, b):
                con.execute(f'DROP SCHEMA IF EXISTS "{c.schema()}" CASCADE')


def test_a_change_in_a_form_205_1_sub_folder_is_a_changed_package(tmp_path: Path) -> None:
    from qingshan.city.cache import package_digest

    pkg = tmp_path / "pkg"
    (pkg / "205-1").mkdir(parents=True)
    (pkg / "entities.csv").write_text("a\n", "utf-8")
    (pkg / "205-1" / "205-1_x.csv").write_text("1\n", "utf-8")
    before = package_digest(pkg)
    (pkg / "205-1" / "205-1_x.csv").write_text("2\n", "utf-8")
    changed = package_digest(pkg)
    (pkg / ".hidden").write_text("x", "utf-8")  # the reader skips hidden files, and so does the key
    assert before != changed == package_digest(pkg)


def test_a_profile_that_check_refuses_is_refused_when_a_command_runs(city_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "zj.toml"
    f.write_text('id = "zj"\nzh = "z"\nen = "z"\nlevel = "county"\nregion_code = "331099"\nparent = "zhejiang"\n'
                 'version = "1"\nreleased = 2026-01-01\nchanges = "x"\n[[evaluation.scheme]]\nvalue = "huangyan-2022"\n'
                 'from = 2022\nsource = "a"\n[[evaluation.measures]]\nvalue = "shandong-2022"\nfrom = 2022\n'
                 'source = "a"\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        City.open(city_dir / "package", profile=f)
    assert [(p.code, p.column) for p in e.value.problems] == [("J022", "evaluation.measures")]
    r = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(city_dir / "package"), "--year", "2024",
                                  "--profile", str(f)])
    assert r.exit_code == 1 and "J022" in r.output and "surcharge" not in r.stdout


def test_the_package_years_decide_the_factor_selection(city_dir: Path, tmp_path: Path) -> None:
    """A profile that switches to another set from 2025 still accounts a 2022–2024 package
    with the set in force for those years (re-running old years uses old rules)."""
    f = tmp_path / "p.toml"
    f.write_text('id = "p"\nzh = "p"\nen = "p"\nlevel = "city"\nregion_code = "459900"\nparent = "national"\n'
                 'version = "1"\nreleased = 2026-01-01\nchanges = "x"\n'
                 '[[factors.set]]\nvalue = "cn-ets"\nfrom = 2000\nto = 2024\nsource = "a"\n'
                 '[[factors.set]]\nvalue = "cn-east-grid"\nfrom = 2025\nsource = "b"\n', "utf-8")
    with City.open(city_dir / "package", profile=f) as c:
        _ = c.accounts()
        assert c.factor_set.name == "cn-ets" and c.header(2024)["factor_set"]["name"] == "cn-ets"


@pytest.fixture(scope="module")
def long_pkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv_package(generate_demo_city(enterprises=90, years=range(2020, 2025)),
                             tmp_path_factory.mktemp("long") / "package")


def test_consecutive_years_count_only_while_the_rules_applied(long_pkg: Path) -> None:
    # the same firms and scheme: under the demo profile (measures from 2020) some are in
    # class D for the 3rd year or more in 2024; in Dezhou the scheme applies from the 2023
    # data year, so no firm is counted for more than 2023 and 2024
    with City.open(long_pkg, profile="demo") as c:
        demo = c.evaluation(2024, scheme="dezhou-2024")
    with City.open(long_pkg, profile="dezhou") as c:
        dz = c.evaluation(2024)
    d_demo = demo.measures[demo.measures["kind"] == "electricity_surcharge"]
    d_dz = dz.measures[dz.measures["kind"] == "electricity_surcharge"]
    assert d_demo["years_in_class"].max() >= 3 and d_dz["years_in_class"].max() == 2
    long_run = d_demo.loc[d_demo["years_in_class"] >= 3, "entity_id"]
    assert len(long_run) and (d_demo.set_index("entity_id").loc[long_run, "yuan_per_kwh"] == 0.15).all()
    assert (d_dz.set_index("entity_id").loc[long_run, "yuan_per_kwh"] == 0.10).all()  # 2nd year's rate


def test_targets_without_a_growth_assumption_say_so(long_pkg: Path, tmp_path: Path) -> None:
    from qingshan.documents import targets as targets_doc

    plan = tmp_path / "t.toml"
    text = (Path(__file__).parents[1] / "src/qingshan/targets/plans/demo_targets.toml").read_text("utf-8")
    plan.write_text(text.replace("growth = 0.05\n", "").replace('growth_source = "demo assumption: industrial '
                                                                'value added +5 % a year to the target year"\n', ""),
                    "utf-8")
    with City.open(long_pkg, profile="demo") as c:
        c.use_targets(plan)
        doc = targets_doc.build(c)
        assert doc["growth"] is None and doc["remaining_room"] == [] and doc["notes"]
        assert targets_doc.build(c, 0.05)["remaining_room"]


def test_city_toml_reporting_due_dates(tmp_path: Path) -> None:
    from qingshan.app.deadlines import Due, due_at
    from qingshan.city.config import read_city_config

    (tmp_path / "city.toml").write_text('profile = "demo"\n[reporting]\nenergy_due_day = 10\nyearly_due = "03-31"\n',
                                        "utf-8")
    due = read_city_config(tmp_path).due
    assert due == Due(10, (3, 31))
    # the end of 10 January 2025 (December's report) and of 31 March 2025 (2024's), UTC+8
    assert str(due_at("energy", "2024-12", due)) == "2025-01-11 00:00:00+08:00"
    assert str(due_at("economics", "2024", due)) == "2025-04-01 00:00:00+08:00"
    assert due_at("energy", "2024-12", Due()) is None
    (tmp_path / "city.toml").write_text('profile = "demo"\n[reporting]\nenergy_due_day = 31\nyearly_due = "02-30"\n'
                                        'weekly = 1\n', "utf-8")
    with pytest.raises(ValidationError) as e:
        read_city_config(tmp_path)
    assert {(p.code, p.column) for p in e.value.problems} == {
        ("J030", "reporting.energy_due_day"), ("J030", "reporting.yearly_due"), ("J030", "reporting.weekly")}
