"""Discharge permits and totals (docs/environment.md, "Permits and totals"): permit arithmetic
worked by hand, the 12-month windows of HJ 942-2018, the ranked lists, the 四个一批 rules,
validation codes P190–P195 all at once, and ``qingshan permits`` on the demo city."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from qingshan.city.demo import create_demo_city
from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.validate import check_package
from qingshan.environment.four_batches import four_batch_rules
from qingshan.errors import ValidationError
from qingshan.methods import permits as pm
from tests.conftest import ENT_A, ENT_B

NaN = float("nan")


def _permits(*rows: tuple[str, str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"entity_id": e, "permit_no": f"{e}-{i}", "valid_from": a, "valid_to": b, "pollutant": p,
                          "permitted_t": t, "special_limit_t": NaN} for i, (e, p, a, b, t) in enumerate(rows)])


def _reports(*rows: tuple[str, int, float, str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"entity_id": e, "year": y, "quarter": q, "pollutant": p, "actual_t": t}
                         for e, y, q, p, t in rows], columns=["entity_id", "year", "quarter", "pollutant", "actual_t"])


NO_POLLUTANTS = pd.DataFrame(columns=["entity_id", "year", "pollutant", "quantity_t"])


# --- proration ---------------------------------------------------------------------------

def test_proration_by_days_in_a_leap_year() -> None:
    # 2024 has 366 days; a permit from 2024-07-01 covers Jul-Dec: 31+31+30+31+30+31 = 184 days
    assert pm.days_valid_in_year(date(2024, 7, 1), date(2029, 6, 30), 2024) == 184
    assert pm.prorated_permitted(100.0, date(2024, 7, 1), date(2029, 6, 30), 2024) == pytest.approx(100 * 184 / 366)
    # a whole year, and a year outside the validity
    assert pm.prorated_permitted(100.0, date(2024, 7, 1), date(2029, 6, 30), 2025) == pytest.approx(100.0)
    assert pm.prorated_permitted(100.0, date(2024, 7, 1), date(2029, 6, 30), 2031) == 0.0


def test_two_permits_in_one_year_add_up() -> None:
    # old permit to 2024-06-30 (Jan-Jun 2024: 31+29+31+30+31+30 = 182 days) at 120 t/yr,
    # renewed from 2024-07-01 (184 days) at 80 t/yr: (120*182 + 80*184) / 366 = 36 560 / 366
    p = _permits(("E1", "so2", "2019-07-01", "2024-06-30", 120.0), ("E1", "so2", "2024-07-01", "2029-06-30", 80.0))
    got = pm.permitted_in_year(p, 2024)
    assert len(got) == 1
    assert got["permitted_t"].iloc[0] == pytest.approx(36560 / 366)
    assert got["annual_permitted_t"].iloc[0] == 120.0
    assert got["permit_no"].iloc[0] == "E1-0;E1-1"


# --- actual tonnes -----------------------------------------------------------------------

def test_actual_prefers_annual_then_quarters_then_pollutants_table() -> None:
    reports = _reports(("A", 2024, NaN, "so2", 50.0), ("A", 2024, 1, "so2", 1.0),  # annual wins
                       ("B", 2024, 1, "so2", 10.0), ("B", 2024, 2, "so2", 11.0), ("B", 2024, 3, "so2", 12.0),
                       ("B", 2024, 4, "so2", 13.0),  # 46 from four quarters
                       ("C", 2024, 1, "so2", 5.0), ("C", 2024, 3, "so2", 6.0))  # partial: 11 from two
    pol = pd.DataFrame({"entity_id": ["A", "D"], "year": [2024, 2024], "pollutant": ["so2", "so2"],
                        "quantity_t": [99.0, 7.5]})
    got = pm.actual_in_year(reports, pol, 2024).set_index("entity_id")
    assert got.loc["A", "actual_t"] == 50.0 and got.loc["A", "basis"] == pm.ANNUAL
    assert got.loc["B", "actual_t"] == 46.0 and got.loc["B", "basis"] == pm.QUARTERS
    assert got.loc["C", "actual_t"] == 11.0 and got.loc["C", "basis"] == pm.PARTIAL_QUARTERS
    assert got.loc["C", "quarters"] == 2
    assert got.loc["D", "actual_t"] == 7.5 and got.loc["D", "basis"] == pm.POLLUTANTS_TABLE


# --- 12 consecutive months ---------------------------------------------------------------

QUARTERS_2024_2025 = (("E", 2024, 1, "cod", 20.0), ("E", 2024, 2, "cod", 20.0), ("E", 2024, 3, "cod", 30.0),
                      ("E", 2024, 4, "cod", 30.0), ("E", 2025, 1, "cod", 40.0), ("E", 2025, 2, "cod", 10.0),
                      ("E", 2025, 3, "cod", 10.0), ("E", 2025, 4, "cod", 10.0))


def test_twelve_month_window_over_while_the_calendar_year_is_under() -> None:
    # permit 100 t/yr. Windows ending in 2025: 2024Q2-2025Q1 = 20+30+30+40 = 120 (over by 20),
    # 2024Q3-2025Q2 = 30+30+40+10 = 110, 2024Q4-2025Q3 = 30+40+10+10 = 90, 2025Q1-Q4 = 70.
    p = _permits(("E", "cod", "2020-01-01", "2029-12-31", 100.0))
    r = _reports(*QUARTERS_2024_2025)
    w = pm.rolling_windows(r, p, 2025)
    assert w.to_dict("records") == [{"entity_id": "E", "pollutant": "cod", "window": "2024Q2–2025Q1",
                                     "window_t": 120.0, "window_over_t": 20.0}]
    e = pm.enterprise_permits(p, r, NO_POLLUTANTS, 2025).iloc[0]
    assert e["actual_t"] == 70.0 and e["over_t"] == -30.0 and e["ratio"] == pytest.approx(0.7)
    assert bool(e["over"])  # over by the 12-month rule alone
    listed = pm.over_permit_list(pm.enterprise_permits(p, r, NO_POLLUTANTS, 2025))
    assert len(listed) == 1 and len(listed[0]["reasons_en"]) == 1 and "2024Q2–2025Q1" in listed[0]["reasons_en"][0]


def test_window_with_a_missing_quarter_is_not_judged_and_permit_of_the_last_day_applies() -> None:
    rows = [x for x in QUARTERS_2024_2025 if (x[1], x[2]) != (2024, 3)]
    # 2024Q3 missing: only 2024Q4-2025Q3 (90) and 2025Q1-Q4 (70) are whole windows
    p = _permits(("E", "cod", "2020-01-01", "2025-06-30", 100.0), ("E", "cod", "2025-07-01", "2029-12-31", 80.0))
    w = pm.rolling_windows(_reports(*rows), p, 2025).iloc[0]
    # against the permit in force on 2025-09-30 (80): 90 - 80 = 10 over, the largest excess
    assert (w["window"], w["window_t"], w["window_over_t"]) == ("2024Q4–2025Q3", 90.0, 10.0)


# --- district totals and the ranked lists ------------------------------------------------

def _city() -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    p = _permits(("A", "so2", "2020-01-01", "2029-12-31", 100.0), ("B", "so2", "2020-01-01", "2029-12-31", 50.0),
                 ("C", "so2", "2020-01-01", "2029-12-31", 40.0), ("D", "so2", "2020-01-01", "2029-12-31", 10.0))
    r = _reports(("A", 2025, NaN, "so2", 90.0), ("B", 2025, NaN, "so2", 60.0), ("C", 2025, NaN, "so2", 60.0),
                 ("D", 2025, NaN, "so2", 5.0))
    ent = pm.enterprise_permits(p, r, NO_POLLUTANTS, 2025)
    districts = {"A": "d1", "B": "d1", "C": "d2", "D": "d2"}
    quotas = pd.DataFrame({"district_id": ["d1", "d2"], "year": [2025, 2025], "pollutant": ["so2", "so2"],
                           "quota_t": [160.0, 50.0]})
    return ent, districts, quotas


def test_district_totals_sum_the_permits_and_compare_with_the_quota() -> None:
    ent, districts, quotas = _city()
    t = pm.district_totals(ent, districts, quotas, 2025).set_index("district_id")
    # d1: permits 100+50 = 150, actual 90+60 = 150, quota 160 -> 10 under
    assert (t.loc["d1", "permitted_t"], t.loc["d1", "actual_t"], t.loc["d1", "over_quota_t"]) == (150.0, 150.0, -10.0)
    # d2: permits 40+10 = 50, actual 60+5 = 65, quota 50 -> 15 over; permits equal the quota
    assert (t.loc["d2", "permitted_t"], t.loc["d2", "actual_t"], t.loc["d2", "over_quota_t"]) == (50.0, 65.0, 15.0)
    assert t.loc["d2", "permits_over_quota_t"] == 0.0


def test_lists_are_ranked_with_reasons() -> None:
    ent, districts, quotas = _city()
    over = pm.over_permit_list(ent)
    # C 60/40 = 1.5 before B 60/50 = 1.2; A (0.9) and D (0.5) are under
    assert [(r["entity_id"], r["ratio"]) for r in over] == [("C", 1.5), ("B", 1.2)]
    assert over[0]["over_t"] == 20.0 and "超过年许可排放量" in over[0]["reasons_zh"][0]
    totals = pm.district_totals(ent, districts, quotas, 2025)
    quota = pm.over_quota_list(ent, totals, districts)
    # only d2 is over: C (60 t, 60/65) before D (5 t)
    assert [r["entity_id"] for r in quota] == ["C", "D"]
    assert quota[0]["share"] == pytest.approx(60 / 65) and quota[0]["over_quota_t"] == 15.0
    assert "quota" in quota[0]["reasons_en"][0]


def test_four_batches_first_rule_met_wins() -> None:
    ent, districts, quotas = _city()
    totals = pm.district_totals(ent, districts, quotas, 2025)
    rules = [{"batch": "close", "min_ratio": 1.4, "min_years_over": 2, "zh": "关", "en": "close"},
             {"batch": "relocate", "in_over_quota_district": True, "min_quota_share": 0.5, "zh": "迁", "en": "move"},
             {"batch": "renovate", "over_permit": True, "min_ratio": 1.1, "zh": "改", "en": "renovate"},
             {"batch": "rectify", "in_over_quota_district": True, "min_quota_share": 0.1, "zh": "整", "en": "rectify"}]
    got = pm.four_batches(pm.over_permit_list(ent), pm.over_quota_list(ent, totals, districts), rules,
                          {("C", "so2"): 1, ("B", "so2"): 3})
    # C: ratio 1.5 but one year only -> not close; 60/65 of an over-quota district -> relocate.
    # B: ratio 1.2 -> renovate. D: 5/65 = 0.077 < 0.1 -> no batch. A: not listed.
    assert [(r["entity_id"], r["batch"]) for r in got] == [("C", "relocate"), ("B", "renovate")]
    assert [r["rule"] for r in got] == [2, 3]  # the number of the rule met, in the file's order
    got = pm.four_batches(pm.over_permit_list(ent), [], rules, {("C", "so2"): 2})
    # ordered by batch as listed (relocate, renovate, close, rectify)
    assert [(r["entity_id"], r["batch"]) for r in got] == [("B", "renovate"), ("C", "close")]


def test_years_over_counts_consecutive_years() -> None:
    f = pd.DataFrame({"entity_id": ["A", "B"], "pollutant": ["so2", "so2"], "over": [True, True]})
    g = pd.DataFrame({"entity_id": ["A", "B"], "pollutant": ["so2", "so2"], "over": [False, True]})
    assert pm.years_over([f, g, f]) == {("A", "so2"): 1, ("B", "so2"): 3}


def test_the_demo_rule_file_and_a_wrong_one(tmp_path: Path) -> None:
    source, rules = four_batch_rules("four_batches-demo")
    assert "no national numeric rule" in source
    assert [r["batch"] for r in rules][:3] == ["close", "relocate", "renovate"]
    bad = tmp_path / "four_batches-bad.toml"
    bad.write_text('name = "x"\nsource = "y"\n[[rule]]\nbatch = "demolish"\nmin_ratio = -1\nzh = "z"\nen = "e"\n'
                   'colour = "red"\n', "utf-8")
    with pytest.raises(ValidationError) as exc:
        four_batch_rules(bad)
    assert sorted(str(p.column) for p in exc.value.problems) == ["rule[0].batch", "rule[0].colour", "rule[0].min_ratio"]


# --- validation --------------------------------------------------------------------------

def test_validation_codes_all_at_once(small_package: Path) -> None:
    e1, e2, d1 = ENT_A, ENT_B, "450901"
    (small_package / "permits.csv").write_text(
        "entity_id,permit_no,valid_from,valid_to,pollutant,permitted_t\n"
        f"{e1},P1,2020-01-01,2024-12-31,so2,10\n"
        f"{e1},P2,2024-07-01,2029-06-30,二氧化硫,10\n"      # row 3: P192 overlaps row 2
        f"{e2},P3,2024-02-30,2029-01-01,nox,-1\n"           # row 4: P190, P012
        f"{e2},P4,2025-01-01,2024-01-01,o3,1\n"             # row 5: P191, P015
        "nobody,P5,2024-01-01,2024-12-31,cod,1\n", "utf-8")  # row 6: P194
    (small_package / "permit_reports.csv").write_text(
        "entity_id,year,quarter,pollutant,actual_t\n"
        f"{e1},2024,2.5,so2,1\n"                           # row 2: P193
        f"{e1},2024,5,so2,1\n"                             # row 3: P012
        f"{e1},2024,,so2,1\n"
        f"{e1},2024,,so2,2\n", "utf-8")                    # row 5: P035
    (small_package / "pollutant_quotas.csv").write_text(
        "district_id,year,pollutant,quota_t\n"
        f"{e1},2024,so2,5\n"                               # row 2: P195
        f"{d1},2024,so2,5\n", "utf-8")
    _, problems = check_package(small_package)
    mine = sorted((p.code, p.file, p.row, p.column) for p in problems
                  if p.file.split(".")[0] in ("permits", "permit_reports", "pollutant_quotas"))
    assert mine == [
        ("P012", "permit_reports.csv", 3, "quarter"),
        ("P012", "permits.csv", 4, "permitted_t"),
        ("P015", "permits.csv", 5, "pollutant"),
        ("P035", "permit_reports.csv", 5, "entity_id+year+quarter+pollutant"),
        ("P190", "permits.csv", 4, "valid_from"),
        ("P191", "permits.csv", 5, "valid_to"),
        ("P192", "permits.csv", 3, "valid_from"),
        ("P193", "permit_reports.csv", 2, "quarter"),
        ("P194", "permits.csv", 6, "entity_id"),
        ("P195", "pollutant_quotas.csv", 2, "district_id"),
    ]


# --- the command on the demo city --------------------------------------------------------

@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("permits-demo")
    create_demo_city(d, enterprises=300, years=list(range(2020, 2026)), seed=2025)
    return d


def test_demo_tables_validate_and_leave_the_rest_unchanged() -> None:
    pkg = generate_demo_city(enterprises=60, years=[2024, 2025])
    assert {"permits", "permit_reports", "pollutant_quotas"} <= set(pkg)
    assert not pkg["permits"].empty and not pkg["pollutant_quotas"].empty
    # the pollutants are the execution reports' four quarters, summed
    rep = pkg["permit_reports"].groupby(["entity_id", "year", "pollutant"])["actual_t"].sum()
    assert len(rep) == len(pkg["pollutants"])


def test_cli_on_the_demo(demo_dir: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["permits", str(demo_dir), "--year", "2025"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["counts"]["over_permit"] >= 3 and doc["counts"]["districts_over_quota"] == 1
    ratios = [x["ratio"] for x in doc["over_permit"]]
    assert ratios == sorted(ratios, reverse=True) and min(ratios) > 1
    assert all(x["reasons_zh"] and x["reasons_en"] for x in doc["over_permit"] + doc["over_quota"])
    assert doc["four_batches_rules"]["name"] == "four_batches-demo"
    assert {x["batch"] for x in doc["four_batches"]} <= set(pm.BATCHES) and doc["four_batches"]
    out = tmp_path / "permits.xlsx"
    r = CliRunner().invoke(main, ["permits", str(demo_dir), "--year", "2025", "--format", "xlsx", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0
