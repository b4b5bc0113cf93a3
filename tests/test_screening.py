"""Project screening: every rule at and around its thresholds, units, expansions, missing
data, and the demo's sample projects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.package import write_csv_package
from qingshan.errors import ValidationError
from qingshan.factors import load_factor_set
from qingshan.screening import read_project
from qingshan.screening import rules as r
from qingshan.screening.figures import Figures, project_figures

DEMO = Path(__file__).parents[1] / "src" / "qingshan" / "screening" / "demo_projects"

#: The rule files of the demo city's profile (national rules, the demo's negative list and parks).
RULES = r.load_screening_rules({k: k for k in r.RULE_KEYS})


def write(tmp: Path, body: str, name: str = "p.yaml") -> Path:
    f = tmp / name
    f.write_text("name: 测试项目\nbuilder: 测试公司\nindustry_code: \"3670\"\ncommissioning_year: 2027\n"
                 "district_id: \"459902\"\n" + body, "utf-8")
    return f


def figures(tce: float = 0.0, coal: float = 0.0, kwh: float = 0.0) -> Figures:
    return Figures(energy_tce=tce, energy_tce_equal=tce, feedstock_tce=0.0, coal_t=coal, electricity_kwh=kwh,
                   co2_t=0.0, co2_combustion_t=0.0, co2_process_t=0.0, co2_electricity_t=0.0, co2_heat_t=0.0,
                   factor_notes=())


@pytest.mark.parametrize(("tce", "coal", "level"), [
    (999.99, 999.0, "exempt"),        # < 1 000 tce and < 1 000 t coal (Order 2025 No. 31)
    (1000.0, 0.0, "per_province"),    # exactly 1 000 tce is not below it
    (500.0, 1000.0, "per_province"),  # coal alone lifts it out of the exemption
    (9999.9, 9999.0, "per_province"),
    (10000.0, 0.0, "provincial"),     # ≥ 10 000 tce
    (9999.9, 10000.0, "provincial"),  # or ≥ 10 000 t coal
])
def test_review_level_2025(tmp_path: Path, tce: float, coal: float, level: str) -> None:
    p = read_project(write(tmp_path, "application_date: 2025-09-01\nenergy:\n  - {carrier: 电力, quantity: 1, "
                                     "unit: 万千瓦时}\n"))
    got = r.review_level(p, figures(tce, coal), two_high=False, rules=RULES)
    assert got.numbers["level"] == level and got.numbers["rules"] == "ndrc-2025-31"


def test_two_high_review_not_below_the_city(tmp_path: Path) -> None:
    p = read_project(write(tmp_path, "application_date: 2026-01-05\nenergy:\n  - {carrier: 电力, quantity: 1, "
                                     "unit: 万千瓦时}\n"))
    assert r.review_level(p, figures(5000), two_high=True, rules=RULES).numbers["level"] == "municipal"


@pytest.mark.parametrize(("tce", "kwh", "level"), [
    (900.0, 4_999_999.0, "exempt"),      # Order 2023 No. 2: < 1 000 tce and < 5 million kWh
    (900.0, 5_000_000.0, "per_province"),
    (900.0, 0.0, "exempt"),
    (1000.0, 0.0, "per_province"),       # 1 000 tce is not below 1 000 tce
    (9999.9, 0.0, "per_province"),
    (10000.0, 0.0, "provincial"),        # ≥ 10 000 tce (当量值): the province reviews
    (20000.0, 0.0, "provincial"),
])
def test_review_level_2023_rules_before_september_2025(tmp_path: Path, tce: float, kwh: float, level: str) -> None:
    p = read_project(write(tmp_path, "application_date: 2025-08-31\nenergy:\n  - {carrier: 电力, quantity: 1, "
                                     "unit: 万千瓦时}\n"))
    got = r.review_level(p, figures(tce, 5000.0, kwh), two_high=False, rules=RULES)
    assert got.numbers["rules"] == "ndrc-2023-2" and got.numbers["level"] == level


def _al(tmp: Path, value: float, date: str) -> list[r.Reason]:
    p = read_project(write(tmp, f"application_date: {date}\nproducts:\n  - {{product: electrolytic_aluminium, "
                                f"capacity: 1000, unit: t, indicator_value: {value}}}\nenergy:\n"
                                "  - {carrier: 电力, quantity: 1, unit: 万千瓦时}\n"))
    return r.efficiency(p, figures(1000), RULES)


@pytest.mark.parametrize(("value", "outcome"), [
    (12999.0, "pass"), (13000.0, "pass"),             # at or better than 标杆 13 000 kWh/t
    (13000.1, "conditions"), (13350.0, "conditions"),  # between 标杆 and 基准 (at 基准 is not worse)
    (13350.1, "fail"),                               # worse than 基准 13 350
])
def test_efficiency_2021_edition(tmp_path: Path, value: float, outcome: str) -> None:
    (got,) = _al(tmp_path, value, "2022-06-01")
    assert got.outcome == outcome and got.numbers["edition"] == 2021 == got.numbers["edition_in_force"]


def test_efficiency_when_the_edition_in_force_has_no_verified_row(tmp_path: Path) -> None:
    # 2023 edition in force, no verified 2023 row: failing the 2021 基准 is conclusive, a pass is not
    assert _al(tmp_path, 13400.0, "2026-01-05")[0].outcome == "fail"
    (ok,) = _al(tmp_path, 12900.0, "2026-01-05")
    assert ok.outcome == "conditions" and ok.numbers["edition_in_force"] == 2023


def test_kgce_per_tonne_is_computed_from_the_project(tmp_path: Path) -> None:
    p = read_project(write(tmp_path, "application_date: 2022-06-01\nproducts:\n  - {product: cement_clinker, "
                                     "capacity: 1000000, unit: t}\nenergy:\n  - {carrier: 电力, quantity: 1, "
                                     "unit: 万千瓦时}\n"))
    (got,) = r.efficiency(p, figures(110_000), RULES)  # 110 000 tce × 1 000 / 1 000 000 t = 110 kgce/t
    assert got.numbers["value"] == pytest.approx(110.0) and got.outcome == "conditions"


# Pairs as printed in 发改产业〔2022〕200号 (the 2022 guide, whose annexes restate the 2021 table,
# 《高耗能行业重点领域能效标杆水平和基准水平（2021年版）》, by name); copy read in github
# yeahqiona/Dual-carbon-policies @ 9317fc3c, 'Source data/26、关于发布高耗能行业重点领域节能降碳改造升级
# 实施指南（2022年版）的通知.pdf'.
@pytest.mark.parametrize(("product", "unit", "benchmark", "baseline"), [
    ("refining", "kgoe/(t·energy factor)", 7.5, 8.5),           # 附件1 炼油, PDF p.3
    ("ammonia_premium_anthracite", "kgce/t", 1100.0, 1350.0),   # 附件5 合成氨, p.15 (优质无烟块煤)
    ("caustic_soda_membrane_liquid_30", "kgce/t", 315.0, 350.0),  # 附件7 烧碱, p.20 (离子膜法液碱 ≥30%)
    ("cement_clinker", "kgce/t", 100.0, 117.0),                 # 附件11 水泥, p.29
    ("ceramic_tile_absorption_0_5_to_10", "kgce/m²", 3.7, 4.6),  # 附件13 陶瓷, p.35 (0.5%＜吸水率≤10%)
    ("bof_steelmaking", "kgce/t", -30.0, -10.0),                # 附件14 钢铁, p.38 (转炉工序; negative)
    ("coke_stamp_charged", "kgce/t", 110.0, 140.0),             # 附件15 焦化, p.42 (捣固焦炉)
    ("ferrosilicon", "kgce/t", 1770.0, 1900.0),                 # 附件16 铁合金, p.44
    ("electrolytic_aluminium", "kWh/t", 13000.0, 13350.0),      # 附件17 有色, p.46 (铝液交流电耗)
    ("zinc_hydrometallurgy_ingot", "kgce/t", 1100.0, 1280.0),   # 附件17 有色, p.46
])
def test_efficiency_rows_as_restated_in_the_2022_guide(product: str, unit: str, benchmark: float,
                                                       baseline: float) -> None:
    (row,) = [x for x in r.load_efficiency_table() if x["product"] == product and x["edition"] == "2021"]
    assert (row["unit"], float(row["benchmark"]), float(row["baseline"])) == (unit, benchmark, baseline)
    assert row["tag"] == "C" and "发改产业〔2022〕200号" in row["source"]


def test_efficiency_table_rows_are_tagged_and_sourced() -> None:
    rows = r.load_efficiency_table()
    keys = [(x["edition"], x["product"]) for x in rows]
    assert len(keys) == len(set(keys))  # one row per product and edition
    ed2021 = [x for x in rows if x["edition"] == "2021"]
    assert len(ed2021) == 47  # every pair 200号 restates
    for x in ed2021:
        assert x["tag"] in {"C", "R"}, x["product"]
        assert re.search(r"〔20\d{2}〕\d+号", x["source"]), x["product"]  # names a document number
        assert float(x["benchmark"]) < float(x["baseline"]), x["product"]  # lower is better


def test_a_row_found_only_in_the_2022_guide_is_compared(tmp_path: Path) -> None:
    p = read_project(write(tmp_path, "application_date: 2022-06-01\nproducts:\n  - {product: ferrosilicon, "
                                     "capacity: 100000, unit: t}\nenergy:\n  - {carrier: 电力, quantity: 1, "
                                     "unit: 万千瓦时}\n"))
    (got,) = r.efficiency(p, figures(195_000), RULES)  # 195 000 tce × 1 000 / 100 000 t = 1 950 kgce/t > 基准 1 900
    assert got.outcome == "fail" and got.numbers["baseline"] == 1900.0 and got.numbers["tag"] == "C"


def test_units_and_expansion_increment(tmp_path: Path) -> None:
    fs = load_factor_set()
    new = read_project(write(tmp_path, "application_date: 2024-03-01\nenergy:\n"
                                       "  - {carrier: 电力, quantity: 1000, unit: 万千瓦时}\n", "a.yaml"))
    same = read_project(write(tmp_path, "application_date: 2024-03-01\nenergy:\n"
                                        "  - {carrier: electricity, quantity: 10000000, unit: kWh}\n", "b.yaml"))
    fa, fb = project_figures(new, fs, {}), project_figures(same, fs, {})
    assert fa.energy_tce == pytest.approx(10_000_000 * 0.1229e-3)  # 当量值 0.1229 kgce/kWh
    assert dataclasses.astuple(fa)[:-1] == pytest.approx(dataclasses.astuple(fb)[:-1])
    exp = read_project(write(tmp_path, "application_date: 2024-03-01\nkind: expansion\nenergy:\n"
                                       "  - {carrier: 电力, quantity: 1500, unit: 万千瓦时}\n"
                                       "  - {carrier: 烟煤, quantity: 800, unit: t}\n"
                                       "existing_energy:\n  - {carrier: 电力, quantity: 1000, unit: 万千瓦时}\n"
                                       "  - {carrier: 烟煤, quantity: 300, unit: t}\n", "c.yaml"))
    fe = project_figures(exp, fs, {})
    assert fe.electricity_kwh == pytest.approx(5_000_000.0) and fe.coal_t == pytest.approx(500.0)


def test_missing_and_bad_fields_are_all_reported(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: x\nindustry_code: \"36\"\nkind: rebuild\napplication_date: soon\nenergy: []\n", "utf-8")
    with pytest.raises(ValidationError) as e:
        read_project(f)
    cols = {p.column for p in e.value.problems}
    assert {"builder", "industry_code", "kind", "application_date", "commissioning_year", "district_id",
            "energy"} <= cols


def test_unknown_carrier_names_the_project_file_and_row(tmp_path: Path) -> None:
    p = read_project(write(tmp_path, "application_date: 2024-03-01\nenergy:\n  - {carrier: 电力, quantity: 1, "
                                     "unit: 万千瓦时}\n  - {carrier: 可燃冰, quantity: 5, unit: t}\n"))
    with pytest.raises(ValidationError) as e:
        project_figures(p, load_factor_set(), {})
    bad = [x for x in e.value.problems if x.column == "carrier"]
    assert bad and bad[0].row == 2 and "p.yaml" in bad[0].file and bad[0].value == "可燃冰"


def test_siting_and_negative_list(tmp_path: Path) -> None:
    chem = read_project(write(tmp_path, "application_date: 2026-01-05\npark_id: P04\nenergy:\n"
                                        "  - {carrier: 电力, quantity: 1, unit: 万千瓦时}\n").parent / "p.yaml")
    chem.industry_code = "2614"
    out = {x.numbers["qualifying_parks"][0]: x.outcome for x in r.siting(chem, RULES)}
    assert out == {"P01": "pass", "P02": "fail"}  # in a compliant park, but not the chemical park
    chem.park_id = "P02"
    assert {x.outcome for x in r.siting(chem, RULES)} == {"pass"}
    chem.industry_code = "2521"
    assert r.negative_list(chem, RULES)[0].outcome == "fail"  # new stand-alone coking (demo list)
    chem.kind = "expansion"
    assert r.negative_list(chem, RULES)[0].outcome == "pass"


@pytest.fixture(scope="module")
def demo_pkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("screen")
    return write_csv_package(generate_demo_city(enterprises=120, years=range(2023, 2026)), d / "package")


@pytest.mark.parametrize(("name", "verdict", "failing"), [
    ("auto_parts", "approvable", set()),
    ("sugar_small", "approvable", set()),
    ("aluminium_expansion", "not_approvable", {"R-EFFICIENCY"}),
])
def test_demo_sample_projects(demo_pkg: Path, tmp_path: Path, name: str, verdict: str, failing: set[str]) -> None:
    res = CliRunner().invoke(main, ["screen", str(DEMO / f"{name}.yaml"), "--package", str(demo_pkg),
                                    "--profile", "demo"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["verdict"] == verdict
    assert {x["rule"] for x in d["reasons"] if x["outcome"] == "fail"} == failing
    assert all(x["source"] for x in d["reasons"])
    if name == "sugar_small":
        assert d["reasons"][0]["numbers"]["level"] == "exempt"
    carbon = [x for x in d["reasons"] if x["rule"] == "R-CARBON"]
    assert len(carbon) == 1 and carbon[0]["outcome"] == "info"
    fig = d["figures"]
    assert fig["ghg_t_co2e"] == pytest.approx(fig["co2_t"] + fig["non_co2_t_co2e"], rel=1e-12)
    if name == "aluminium_expansion":
        # the cells' design PFC factors (the project's data): 7.5 t CF4 × 6 500 + 0.75 t C2F6 × 9 200
        # = 48 750 + 6 900 = 55 650 t CO2e (tests/test_screening_ghg.py)
        assert fig["non_co2_t_co2e"] == pytest.approx(55_650.0, rel=1e-12) and fig["gwp_set"] == "sar"
        assert carbon[0]["numbers"]["own_factors"][0]["basis"] == "design"
    else:
        assert fig["non_co2_t_co2e"] == 0.0 and carbon[0]["numbers"]["own_factors"] == []
    html_out = tmp_path / "p.html"
    res = CliRunner().invoke(main, ["screen", str(DEMO / f"{name}.yaml"), "--package", str(demo_pkg),
                                    "--profile", "demo", "--format", "html", "--out", str(html_out)])
    assert res.exit_code == 0
    page = html_out.read_text("utf-8")
    assert "<script" not in page and "http" not in page.split("<body>")[0]
    assert {"approvable": "可予审批", "not_approvable": "不予审批"}[verdict] in page
    assert "温室气体合计" in page and "R-CARBON" in page


def test_reasons_before_the_rules_held(tmp_path: Path) -> None:
    p = read_project(write(tmp_path, "application_date: 2020-01-01\nenergy:\n  - {carrier: 电力, quantity: 1, "
                                     "unit: 万千瓦时}\n"))
    assert r.review_level(p, figures(5000), False, RULES).outcome == "info"
    assert p.application_date == dt.date(2020, 1, 1)


def test_an_excel_project_reads_like_its_yaml(tmp_path: Path) -> None:
    import xlsxwriter

    f = tmp_path / "p.xlsx"
    wb = xlsxwriter.Workbook(str(f))
    ws = wb.add_worksheet("项目")
    fields = [("field", "value"), ("name", "测试项目"), ("builder", "测试公司"), ("industry_code", "3670"),
              ("application_date", "2024-03-01"), ("commissioning_year", 2027), ("district_id", "459902"),
              ("value_added", 500)]
    for i, row in enumerate(fields):
        ws.write_row(i, 0, row)
    en = wb.add_worksheet("能源")
    for i, row in enumerate([("carrier", "quantity", "unit", "use"), ("电力", 1000, "万千瓦时", "fuel")]):
        en.write_row(i, 0, row)
    wb.close()
    p = read_project(f)
    assert p.value_added == 500 and p.industry_code == "3670" and p.application_date == dt.date(2024, 3, 1)
    fig = project_figures(p, load_factor_set(), {})
    assert fig.energy_tce == pytest.approx(10_000_000 * 0.1229e-3)
    assert fig.per(p.value_added)["energy_tce_per_10k_yuan"] == pytest.approx(1229.0 / 500)
    assert fig.per(None)["energy_tce_per_10k_yuan"] is None  # no value added: no intensity
