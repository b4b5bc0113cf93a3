"""碳效码, differentiated measures, park evaluation, migration and the `qingshan evaluate`
command, checked by hand and on a small demo city."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.errors import ValidationError
from qingshan.evaluation import evaluate, load_carbon_config, load_measures, load_scheme
from qingshan.evaluation.scheme import parse_scheme
from qingshan.methods import carbon_efficiency as ce
from tests.evaluation_frames import frame

SCORE_LINES = {
    "id": "lines", "zh": "分数线", "en": "score lines", "source": {"document": "test"},
    "segments": [{"id": "all", "zh": "全部", "en": "all", "method": "ratio", "source": "test",
                  "items": [{"indicator": "tax_per_mu", "weight": 100, "benchmark": "fixed", "value": 10}],
                  "classes": {"rule": "score", "source": "test",
                              "bands": [["A", 120], ["B", 80], ["C", 40], ["D", -1e9]]}}]}


def test_carbon_grade_limits_take_the_better_grade_on_the_line() -> None:
    k = pd.Series([0.5, 0.6, 0.6000001, 0.8, 1.2, 1.2000001, 2.0, 2.5, float("nan")])
    assert list(ce.grade(k, (0.6, 0.8, 1.2, 2.0))) == [1, 1, 2, 2, 3, 4, 4, 5, pd.NA]


def test_carbon_k_is_l_over_the_industry_l_for_members_only() -> None:
    co2 = pd.Series([600.0, 1800.0, 9000.0, 50.0])
    va = pd.Series([1000.0, 1000.0, 1000.0, 0.0])  # the last firm has no value added: no L
    member = pd.Series([True, True, False, True])
    industry = pd.Series(["33", "33", "33", "33"])
    L = ce.carbon_intensity(co2, va)
    k = ce.efficiency_value(L, ce.industry_intensity(co2, va, industry, member), member)
    assert k.iloc[0] == pytest.approx(0.5) and k.iloc[1] == pytest.approx(1.5)
    assert pd.isna(k.iloc[2]) and pd.isna(k.iloc[3])


def test_carbon_k_is_against_the_industry_ratio_of_totals() -> None:
    inputs = frame([
        {"entity_id": "A", "co2_energy_t": 600.0, "value_added_10k_yuan": 1000.0},
        {"entity_id": "B", "co2_energy_t": 1800.0, "value_added_10k_yuan": 1000.0},
        {"entity_id": "S", "co2_energy_t": 9000.0, "value_added_10k_yuan": 1000.0, "scale": "below"},
        {"entity_id": "X", "co2_energy_t": 500.0, "value_added_10k_yuan": 100.0, "industry_code": "2511"},
    ])
    ev = evaluate(inputs, parse_scheme(SCORE_LINES, "t"), 2024, carbon=load_carbon_config("zhejiang-2021"))
    f = ev.firms.set_index("entity_id")
    # industry 33 (规上 only): (600 + 1800) / (1000 + 1000) = 1.2 tCO2 per 10k yuan
    assert f.loc["A", "carbon_L"] == pytest.approx(0.6) and f.loc["A", "carbon_level"] == 1  # L ≤ 0.6: 低碳
    assert f.loc["A", "carbon_K"] == pytest.approx(0.5) and f.loc["A", "carbon_grade"] == 1
    assert f.loc["B", "carbon_K"] == pytest.approx(1.5) and f.loc["B", "carbon_grade"] == 4
    assert f.loc["B", "carbon_level"] == 2  # 0.6 < 1.8 ≤ 2.0: 中碳
    assert pd.isna(f.loc["S", "carbon_K"]) and f.loc["S", "carbon_level"] == 3  # 规下: level only
    assert f.loc["X", "carbon_K"] == pytest.approx(1.0) and f.loc["X", "carbon_grade"] == 3


def _history(d_years: dict[str, list[int]]) -> pd.DataFrame:
    frames = []
    for y in (2022, 2023, 2024):
        rows = [{"entity_id": e, "tax_10k_yuan": 10.0 if y in ys else 120.0,
                 "net_purchased_electricity_kwh": 2_000_000.0} for e, ys in d_years.items()]
        rows.append({"entity_id": "GOOD", "tax_10k_yuan": 150.0})
        frames.append(frame(rows, y))
    return pd.concat(frames, ignore_index=True)


def test_surcharge_escalates_with_consecutive_years_in_class_d() -> None:
    # 鲁发改价格〔2022〕56号: +0.05 / +0.10 / +0.15 yuan per kWh after 1, 2, ≥ 3 consecutive years
    inputs = _history({"X": [2022, 2023, 2024], "Y": [2024], "Z": [2022, 2024], "W": [2023, 2024]})
    inputs.loc[(inputs["entity_id"] == "W") & (inputs["year"] == 2024), "net_purchased_electricity_kwh"] = -5.0
    ev = evaluate(inputs, parse_scheme(SCORE_LINES, "t"), 2024, measures=load_measures("shandong-2022"))
    m = ev.measures[ev.measures["kind"] == "electricity_surcharge"].set_index("entity_id")
    assert m.loc["X", "years_in_class"] == 3 and m.loc["X", "amount_yuan"] == pytest.approx(0.15 * 2_000_000)
    assert m.loc["Y", "years_in_class"] == 1 and m.loc["Y", "amount_yuan"] == pytest.approx(0.05 * 2_000_000)
    assert m.loc["Z", "years_in_class"] == 1  # the run broke in 2023
    assert m.loc["W", "years_in_class"] == 2 and m.loc["W", "amount_yuan"] == 0.0  # a net exporter pays nothing
    assert ev.firms.set_index("entity_id").loc["X", "measures_yuan"] == pytest.approx(300_000.0)
    total = ev.measures["amount_yuan"].sum()
    assert total == pytest.approx(0.15 * 2e6 + 0.05 * 2e6 + 0.05 * 2e6)
    # A gets the priority measure and no money amount
    a = ev.measures[ev.measures["entity_id"] == "GOOD"]
    assert list(a["measure"]) == ["priority_a"] and a["amount_yuan"].isna().all()


def test_no_measures_apply_unless_the_jurisdiction_selects_them() -> None:
    """Without measures (a Zhejiang county's profile selects none) no class-D firm pays a
    surcharge and nothing else changes: the classes are the same as with Shandong's."""
    inputs = _history({"X": [2022, 2023, 2024], "Y": [2024]})
    none = evaluate(inputs, parse_scheme(SCORE_LINES, "t"), 2024)
    sd = evaluate(inputs, parse_scheme(SCORE_LINES, "t"), 2024, measures=load_measures("shandong-2022"))
    assert none.measures.empty and none.measure_set is None and none.firms["measures_yuan"].isna().all()
    assert list(none.firms["class"]) == list(sd.firms["class"]) and (sd.firms["class"] == "D").sum() == 2
    assert none.carbon is None and none.firms["carbon_grade"].isna().all()


def test_migration_matrix_counts_last_year_against_this_year() -> None:
    ev = evaluate(_history({"X": [2022, 2023, 2024], "Y": [2024]}), parse_scheme(SCORE_LINES, "t"), 2024)
    m = ev.migration
    # 2023 → 2024: X D → D, Y A (tax 120 → score 120) → D, GOOD A → A
    assert m.loc["D", "D"] == 1 and m.loc["A", "D"] == 1 and m.loc["A", "A"] == 1
    assert int(m.to_numpy().sum()) == 3


def test_park_figures_are_ratios_of_totals_beside_the_city() -> None:
    inputs = frame([
        {"entity_id": "P1a", "park_id": "P1", "tax_10k_yuan": 100.0, "land_area_mu": 10.0},
        {"entity_id": "P1b", "park_id": "P1", "tax_10k_yuan": 300.0, "land_area_mu": 30.0, "energy_tce": 200.0},
        {"entity_id": "O", "tax_10k_yuan": 600.0, "land_area_mu": 20.0},
    ])
    ev = evaluate(inputs, parse_scheme(SCORE_LINES, "t"), 2024)
    p = ev.parks.set_index("park_id").loc["P1"]
    assert p["tax_per_mu"] == pytest.approx(400 / 40) and p["tax_per_mu_city"] == pytest.approx(1000 / 60)
    assert p["tax_per_mu_vs_city"] == pytest.approx(10 / (1000 / 60))
    assert p["energy_per_va"] == pytest.approx((400 + 200) / 2000)
    # classes by score line: P1a 10/mu → 100 points (B), P1b 10/mu → B, O 30/mu → A
    assert p["share_ab"] == pytest.approx(1.0) and p["enterprises"] == 2


@pytest.fixture(scope="module")
def demo_pkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("evaldemo")
    return write_csv_package(generate_demo_city(enterprises=240, years=range(2022, 2025)), d / "package")


@pytest.mark.parametrize("scheme", ["huangyan-2022", "huaian-2024", "jingde-2022"])
def test_evaluate_command_on_the_demo_city(demo_pkg: Path, scheme: str) -> None:
    res = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(demo_pkg), "--scheme", scheme, "--year", "2024"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    ents = doc["enterprises"]
    assert len(ents) == 240 and doc["scheme"]["id"] == scheme
    for e in ents:
        for key in ("entity_id", "group", "class", "score", "rank", "items", "carbon_L", "carbon_K", "carbon_grade",
                    "measures", "why", "move_up"):
            assert key in e
        assert e["why"]["zh"] and e["why"]["en"]
        if e["status"] == "evaluated":
            assert e["class"] in "ABCD" and e["items"] and e["rank"] >= 1
            assert all({"indicator", "value", "benchmark", "score"} <= set(i) for i in e["items"])
    assert sum(e["status"] == "evaluated" for e in ents) > 100
    assert {"A", "D"} <= {e["class"] for e in ents}


def test_evaluate_writes_a_workbook(demo_pkg: Path, tmp_path: Path) -> None:
    out = tmp_path / "ev.xlsx"
    res = CliRunner().invoke(main, ["evaluate", str(demo_pkg), "--scheme", "huaian-2024", "--year", "2024",
                                    "--format", "xlsx", "--out", str(out)])
    assert res.exit_code == 0, res.output
    names = CalamineWorkbook.from_path(str(out)).sheet_names
    assert names == ["说明", "类别统计", "企业评价", "指标得分", "差别化政策", "园区评价", "类别迁移"]


def test_a_bad_scheme_file_reports_every_problem(demo_pkg: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "bad"\nzh = "坏"\nen = "bad"\n[source]\ndocument = "x"\n[[segments]]\nid = "s"\n'
                   'zh = "s"\nen = "s"\nsource = "x"\nmethod = "ratio"\n'
                   '[[segments.items]]\nindicator = "tax_per_acre"\nweight = -3\nbenchmark = "fixed"\n'
                   '[segments.classes]\nbands = [["A", 0.5], ["E", 1.0]]\nsource = "x"\n', "utf-8")
    res = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(demo_pkg), "--scheme", str(bad), "--year", "2024"])
    assert res.exit_code == 1 and "S010" in res.output and "5 errors" in res.output
    with pytest.raises(ValidationError) as e:
        load_scheme(bad)
    got = {(p.column, p.value) for p in e.value.problems}
    assert got == {("segments[0].items[0].indicator", "tax_per_acre"), ("segments[0].items[0].weight", "-3"),
                   ("segments[0].items[0].value", None), ("segments[0].classes.bands", "['E', 1.0]"),
                   ("segments[0].classes.bands", "[0.5]")}


def test_bad_adjustment_rows_are_named(demo_pkg: Path, tmp_path: Path) -> None:
    f = tmp_path / "adj.csv"
    f.write_text("entity_id,year,adjustment,count\nX,2024,sublet,-1\nX,20x4,sublet,1\n", "utf-8")
    res = CliRunner().invoke(main, ["--lang", "en", "evaluate", str(demo_pkg), "--scheme", "huaian-2024",
                                    "--year", "2024", "--adjustments", str(f)])
    assert res.exit_code == 1
    assert "A003" in res.output and "A004" in res.output
    from qingshan.evaluation.adjustments import read_adjustments

    with pytest.raises(ValidationError) as e:
        read_adjustments(f, load_scheme("huaian-2024"))
    got = {(p.code, p.row, p.column, p.value) for p in e.value.problems}
    assert got == {("A003", 2, "count", "-1"), ("A004", 2, "adjustment", "sublet"), ("A003", 3, "year", "20x4"),
                   ("A004", 3, "adjustment", "sublet")}
