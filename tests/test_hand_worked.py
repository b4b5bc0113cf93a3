"""Hand-worked references for numbers that move money or verdicts (issue #15, item 4).

Each test writes its calculation out from the formula its function states, with the inputs
typed here. Where a code path depends on a threshold or a price of a shipped rule file, the
test reads it from the shipped file; a separate test compares the shipped value with the value
typed from the document the file cites, so a changed file fails even where the code path
would follow it.

- ``rolling_table``: the sums of the 12 months ending at each month, value added at 1/12 of its
  year a month, against the schedule at t = year − 1 + month / 12 (docs/targets.md);
- ``pathway``: the formula of :mod:`qingshan.methods.pathways`, a few years out, with the grid
  factor interpolated between the scenario's points and a project that opens and closes;
- the Shandong differentiated electricity surcharge (鲁发改价格〔2022〕56号) for a firm that buys
  all of its electricity from the grid, in class D two and three years running;
- the barometer's red share (发改办环资〔2021〕629号) and the 碳效码 limits (Zhejiang 2021).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qingshan.evaluation import evaluate, load_carbon_config, load_measures
from qingshan.evaluation.scheme import parse_scheme
from qingshan.methods import carbon_efficiency as ce
from qingshan.methods import pathways as pw
from qingshan.targets import rolling_table
from qingshan.targets.barometer import load_barometer
from qingshan.targets.definitions import Target
from qingshan.targets.scenarios import load_scenario, pathway
from tests.evaluation_frames import frame

# --- values typed from the documents the shipped files cite ------------------------------------

#: 发改办环资〔2021〕629号《2021年上半年各地区能耗双控目标完成情况晴雨表》 (财新 2021-06-04):
#: 一级预警 when the progress target is missed and "差距超过目标的10%".
BAROMETER_RED_SHARE_629 = 0.10
#: 鲁发改价格〔2022〕56号 (济南日报 2022-03-03): 限制发展类 第1年 每千瓦时加价 0.05 元，连续2年 0.10 元，
#: 连续3年及以上 0.15 元.
SURCHARGE_56_YUAN_PER_KWH = (0.05, 0.10, 0.15)
#: 规上工业企业碳效等级评价方法 (浙江 2021): L ≤ 0.6 低碳, 0.6 < L ≤ 2.0 中碳, L > 2.0 高碳;
#: K ≤ 0.6 一级, ≤ 0.8 二级, ≤ 1.2 三级, ≤ 2.0 四级, > 2.0 五级.
CARBON_LEVEL_LIMITS = (0.6, 2.0)
CARBON_GRADE_LIMITS = (0.6, 0.8, 1.2, 2.0)


def test_the_shipped_barometer_red_share_is_the_notice_s() -> None:
    assert load_barometer("ndrc-2021")["red_gap_share"] == BAROMETER_RED_SHARE_629


def test_the_shipped_surcharge_steps_are_the_notice_s() -> None:
    (d,) = [m for m in load_measures("shandong-2022").measures if m.kind == "electricity_surcharge"]
    assert d.cls == "D" and tuple(d.yuan_per_kwh) == SURCHARGE_56_YUAN_PER_KWH


def test_the_shipped_carbon_code_limits_are_the_method_s() -> None:
    cfg = load_carbon_config("zhejiang-2021")
    assert tuple(cfg.level_limits) == CARBON_LEVEL_LIMITS
    assert tuple(cfg.grade_limits) == CARBON_GRADE_LIMITS


def test_the_carbon_code_industry_is_the_gb4754_division() -> None:
    """K compares a firm with "所处行业" (the method's words). Qingshan reads the industry as the
    GB/T 4754-2017 division (大类, two digits; docs/evaluation.md, tag U until DB33/T 1347-2023 is
    read): two firms of classes 3011 and 3021 (both division 30) share one industry L.
    By hand: A 1 000 t / 1 000 万元 (L 1.0), B 3 000 t / 1 000 万元 (L 3.0); the division's L is
    the ratio of totals 4 000 / 2 000 = 2.0, so K_A = 0.5 and K_B = 1.5. Were the industry the
    class (three or four digits), each firm would be its own industry and K would be 1.0 for both."""
    from qingshan.evaluation.carbon_code import carbon_columns

    cfg = load_carbon_config("zhejiang-2021")
    firms = pd.DataFrame({"co2_t": [1000.0, 3000.0], "co2_energy_t": [1000.0, 3000.0],
                          "value_added_10k_yuan": [1000.0, 1000.0], "industry_code": ["3011", "3021"],
                          "scale": ["above", "above"]})
    cols = carbon_columns(firms, cfg)
    assert list(cols["carbon_industry"]) == ["30", "30"]
    assert list(cols["carbon_industry_L"]) == pytest.approx([2.0, 2.0], rel=1e-12)
    assert list(cols["carbon_K"]) == pytest.approx([0.5, 1.5], rel=1e-12)


def test_carbon_grades_and_levels_at_the_shipped_limits() -> None:
    """On a shipped limit a firm takes the better grade (K ≤ limit); just above it, the next."""
    cfg = load_carbon_config("zhejiang-2021")
    on = pd.Series(list(cfg.grade_limits))
    above = on * (1 + 1e-6)
    assert list(ce.grade(on, cfg.grade_limits)) == [1, 2, 3, 4]
    assert list(ce.grade(above, cfg.grade_limits)) == [2, 3, 4, 5]
    on_l = pd.Series(list(cfg.level_limits))
    assert list(ce.grade(on_l, cfg.level_limits)) == [1, 2]
    assert list(ce.grade(on_l * (1 + 1e-6), cfg.level_limits)) == [2, 3]


# --- rolling_table: 12 months ending at each month -----------------------------------------------


def _rolling_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two firms. F1 (district D1) emits 100 + m t CO2 in month m of 2021 and 90 + m in 2022;
    F2 (D2) 50 t a month in 2021 and 40 in 2022. Value added (10k yuan): F1 1 200 in 2021 and
    1 800 in 2022, F2 600 in both; 2020 (the base year) is yearly only: F1 1 300 t CO2 on 1 000,
    F2 648 t on 1 000, so the city's base intensity is 1 948 / 2 000 = 0.974."""
    monthly = []
    for m in range(1, 13):
        monthly.append({"entity_id": "F1", "year": 2021, "month": m, "co2_t": 100.0 + m})
        monthly.append({"entity_id": "F1", "year": 2022, "month": m, "co2_t": 90.0 + m})
        monthly.append({"entity_id": "F2", "year": 2021, "month": m, "co2_t": 50.0})
        monthly.append({"entity_id": "F2", "year": 2022, "month": m, "co2_t": 40.0})
    yearly = pd.DataFrame([
        {"entity_id": "F1", "year": 2020, "co2_t": 1300.0, "value_added_10k_yuan": 1000.0},
        {"entity_id": "F2", "year": 2020, "co2_t": 648.0, "value_added_10k_yuan": 1000.0},
        {"entity_id": "F1", "year": 2021, "co2_t": 1278.0, "value_added_10k_yuan": 1200.0},
        {"entity_id": "F2", "year": 2021, "co2_t": 600.0, "value_added_10k_yuan": 600.0},
        {"entity_id": "F1", "year": 2022, "co2_t": 1158.0, "value_added_10k_yuan": 1800.0},
        {"entity_id": "F2", "year": 2022, "co2_t": 480.0, "value_added_10k_yuan": 600.0},
    ])
    yearly["district_id"] = yearly["entity_id"].map({"F1": "D1", "F2": "D2"})
    yearly["park_id"] = None
    return pd.DataFrame(monthly), yearly


def _target(**kw: object) -> Target:
    base: dict[str, object] = {"id": "ci", "zh": "ci", "en": "ci", "level": "city", "entity": "city",
                               "indicator": "carbon_intensity_iva", "base_year": 2020, "target_year": 2025,
                               "target_change": -0.18, "source": "test"}
    return Target(**{**base, **kw})  # type: ignore[arg-type]


def test_rolling_table_by_hand() -> None:
    monthly, yearly = _rolling_inputs()
    red = float(load_barometer("ndrc-2021")["red_gap_share"])  # the shipped threshold, as the code reads it
    r = rolling_table([_target()], monthly, yearly).set_index(["year", "month"])
    # windows end in 2021-12 (the first with 12 months) … 2022-12
    assert len(r) == 13 and r.index[0] == (2021, 12) and r.index[-1] == (2022, 12)
    np.testing.assert_allclose(r["base_value"], 1948.0 / 2000.0, rtol=1e-12)

    def check(ym: tuple[int, int], co2: float, va: float, tau: float) -> None:
        row = r.loc[[ym]].iloc[0]
        value = co2 / va
        f = (tau - 2020) / (2025 - 2020)
        actual, required = value / 0.974 - 1, -0.18 * f
        gap = actual - required  # a decrease target: behind when above the required change
        share = gap / abs(required)
        assert row["value_12m"] == pytest.approx(value, rel=1e-12)
        assert row["elapsed_share"] == pytest.approx(f, rel=1e-12)
        assert row["actual_change"] == pytest.approx(actual, rel=1e-9)
        assert row["required_change"] == pytest.approx(required, rel=1e-12)
        assert row["gap"] == pytest.approx(gap, rel=1e-6) and row["gap_share"] == pytest.approx(share, rel=1e-6)
        assert row["colour"] == ("green" if gap <= 0 else "red" if share > red else "yellow")

    # 2021-01…12: F1 Σ(100 + m) = 1 200 + 78 = 1 278, F2 12 × 50 = 600; value added 1 200 + 600
    check((2021, 12), 1278.0 + 600.0, 1800.0, 2021.0)
    # 2021-04…2022-03: F1 Σ_{4..12}(100 + m) + Σ_{1..3}(90 + m) = 972 + 276, F2 9 × 50 + 3 × 40;
    # value added F1 9 × 1 200/12 + 3 × 1 800/12 = 1 350, F2 12 × 600/12 = 600
    check((2022, 3), 972.0 + 276.0 + 450.0 + 120.0, 1350.0 + 600.0, 2021.25)
    # 2022-01…12: F1 1 080 + 78, F2 12 × 40; value added 1 800 + 600
    check((2022, 12), 1158.0 + 480.0, 2400.0, 2022.0)
    # the three colours the hand calculation gives with the notice's 10 %
    # 2021-12: 1 878/1 800 = 1.04333 → +7.1 % against −3.6 %: red
    # 2022-03: 1 818/1 950 = 0.93231 → −4.28 % against −4.5 %: short by 4.9 % of it, yellow
    # 2022-12: 1 638/2 400 = 0.6825 → −29.9 % against −7.2 %: green
    assert [r.loc[k, "colour"] for k in ((2021, 12), (2022, 3), (2022, 12))] == ["red", "yellow", "green"]


def test_rolling_table_of_a_district_total() -> None:
    monthly, yearly = _rolling_inputs()
    t = _target(id="d1", level="district", entity="D1", indicator="total_co2", target_change=-0.05)
    r = rolling_table([t], monthly, yearly).set_index(["year", "month"])
    assert r.loc[(2022, 3), "value_12m"] == pytest.approx(972.0 + 276.0)  # F1 only, no value added involved
    assert r.loc[(2022, 3), "base_value"] == pytest.approx(1300.0)
    assert r.loc[(2022, 3), "actual_change"] == pytest.approx(1248.0 / 1300.0 - 1)
    assert r.loc[(2022, 3), "required_change"] == pytest.approx(-0.05 * 0.25)


# --- pathway() a few years out -------------------------------------------------------------------

BASE = pw.Base(year=2025, divisions=np.array(["26", "31"]), value_added=np.array([100.0, 200.0]),
               energy=np.array([50.0, 300.0]), electricity_share=np.array([0.4, 0.98]),
               co2_per_tce_other=np.array([2.5, 2.8]), co2_per_tce_electricity=np.array([4.3, 4.0]))

SCENARIO = """id = "hand"
zh = "hand"
en = "hand"
source = "test"
horizon = 2032
seed = 1
draws = 5
[growth]
default = 0.05
by_division = { "31" = 0.02 }
[intensity]
default = 0.03
by_division = { "26" = 0.04 }
[fuel_switching]
electrification = 0.01
other_decline = 0.002
[grid]
points = { 2030 = 0.4 }
[[projects]]
name = "p"
opens = 2027
closes = 2029
energy_tce = 10
co2_t = 30
"""


def test_pathway_a_few_years_out_by_hand(tmp_path: Path) -> None:
    """The formula of :mod:`qingshan.methods.pathways`, n = t − 2025 years after the base:
    E_i = Q_i(2025)(1 + g_i)^n · I_i (1 − a_i)^n, s_i = min(1, s_i + e·n),
    CO2_i = E_i [(1 − s_i) k_i (1 − d)^n + s_i m_i G(t)/G(2025)], plus open projects.
    The grid factor is 0.5 t/MWh in 2025 and 0.4 in 2030, linear between, flat after."""
    f = tmp_path / "hand.toml"
    f.write_text(SCENARIO, "utf-8")
    out, summary = pathway(load_scenario(f), BASE, 0.5)
    p = out.set_index("year")
    assert list(p.index) == list(range(2025, 2033))

    # 2025: the base itself, 50 + 300 tce
    co2_2025 = 50 * (0.6 * 2.5 + 0.4 * 4.3) + 300 * (0.02 * 2.8 + 0.98 * 4.0)
    assert p.loc[2025, "energy_tce"] == pytest.approx(350.0, rel=1e-12)
    assert p.loc[2025, "co2_t"] == pytest.approx(co2_2025, rel=1e-12)

    # 2028, n = 3: G = 0.5 − 0.1 × 3/5 = 0.44, ratio 0.88; project open (2027 ≤ 2028 < 2029)
    e26 = 100 * 1.05 ** 3 * (50 / 100) * (1 - 0.04) ** 3   # growth default, intensity 4 %
    e31 = 200 * 1.02 ** 3 * (300 / 200) * (1 - 0.03) ** 3  # growth 2 %, intensity default
    s26 = 0.4 + 0.01 * 3
    c26 = e26 * ((1 - s26) * 2.5 * 0.998 ** 3 + s26 * 4.3 * 0.88)
    c31 = e31 * 1.0 * 4.0 * 0.88  # 0.98 + 0.03 caps at 1: no non-electric energy left
    assert p.loc[2028, "energy_tce"] == pytest.approx(e26 + e31 + 10, rel=1e-12)
    assert p.loc[2028, "co2_t"] == pytest.approx(c26 + c31 + 30, rel=1e-12)

    # 2032, n = 7: past the last point the grid factor stays 0.4 (ratio 0.8); project closed
    e26 = 100 * 1.05 ** 7 * 0.5 * 0.96 ** 7
    e31 = 200 * 1.02 ** 7 * 1.5 * 0.97 ** 7
    s26 = 0.4 + 0.07
    c26 = e26 * ((1 - s26) * 2.5 * 0.998 ** 7 + s26 * 4.3 * 0.8)
    c31 = e31 * 4.0 * 0.8
    assert p.loc[2032, "energy_tce"] == pytest.approx(e26 + e31, rel=1e-12)
    assert p.loc[2032, "co2_t"] == pytest.approx(c26 + c31, rel=1e-12)

    # no ranges: every draw is the central path
    for q in ("p5", "p50", "p95"):
        np.testing.assert_allclose(p[f"co2_t_{q}"], p["co2_t"], rtol=1e-12)
    assert summary["base_year"] == 2025 and summary["horizon"] == 2032
    assert summary["co2_peak_year"] == p["co2_t"].idxmax()


# --- the differentiated electricity surcharge on a grid-buying firm ----------------------------

SCORE_LINES = {
    "id": "lines", "zh": "分数线", "en": "score lines", "source": {"document": "test"},
    "segments": [{"id": "all", "zh": "全部", "en": "all", "method": "ratio", "source": "test",
                  "items": [{"indicator": "tax_per_mu", "weight": 100, "benchmark": "fixed", "value": 10}],
                  "classes": {"rule": "score", "source": "test",
                              "bands": [["A", 120], ["B", 80], ["C", 40], ["D", -1e9]]}}]}
KWH = 2_000_000.0  # the firm's electricity, all of it bought from the grid


def _surcharge_history() -> pd.DataFrame:
    """Tax 10 (10k yuan) on 10 mu scores 10 → D; 120 scores 120 → A (score lines above).
    T2 is in D in 2023 and 2024, T3 in 2022, 2023 and 2024; both use 2 GWh a year, all of it
    bought from the grid (no own generation, nothing sold back), so 用电量 = 净购入电量."""
    d_years = {"T2": {2023, 2024}, "T3": {2022, 2023, 2024}}
    frames = []
    for y in (2022, 2023, 2024):
        rows = [{"entity_id": e, "tax_10k_yuan": 10.0 if y in ys else 120.0, "electricity_kwh": KWH,
                 "net_purchased_electricity_kwh": KWH} for e, ys in d_years.items()]
        rows.append({"entity_id": "GOOD", "tax_10k_yuan": 150.0})
        frames.append(frame(rows, y))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("year", [2023, 2024])
def test_surcharge_over_consecutive_d_years_on_a_grid_buying_firm(year: int) -> None:
    measures = load_measures("shandong-2022")
    (d,) = [m for m in measures.measures if m.kind == "electricity_surcharge"]
    steps = tuple(d.yuan_per_kwh)  # the shipped prices, as the code reads them
    ev = evaluate(_surcharge_history(), parse_scheme(SCORE_LINES, "t"), year, measures=measures)
    m = ev.measures[ev.measures["kind"] == "electricity_surcharge"].set_index("entity_id")
    firms = ev.firms.set_index("entity_id")
    # in 2023: T2 1st year in D, T3 2nd; in 2024: T2 2nd, T3 3rd
    expected_years = {2023: {"T2": 1, "T3": 2}, 2024: {"T2": 2, "T3": 3}}[year]
    assert sorted(m.index) == ["T2", "T3"]
    for e, n in expected_years.items():
        assert m.loc[e, "years_in_class"] == n
        assert m.loc[e, "yuan_per_kwh"] == steps[n - 1]
        assert m.loc[e, "base_kwh"] == KWH
        assert m.loc[e, "amount_yuan"] == pytest.approx(steps[n - 1] * KWH, rel=1e-12)
        assert firms.loc[e, "measures_yuan"] == pytest.approx(steps[n - 1] * KWH, rel=1e-12)


def test_surcharge_amounts_at_the_notice_s_prices() -> None:
    """The same firms at the prices typed from 56号: 2 GWh × 0.10 = 200 000 yuan in the second
    year and × 0.15 = 300 000 yuan from the third."""
    ev = evaluate(_surcharge_history(), parse_scheme(SCORE_LINES, "t"), 2024,
                  measures=load_measures("shandong-2022"))
    m = ev.measures[ev.measures["kind"] == "electricity_surcharge"].set_index("entity_id")
    assert m.loc["T2", "amount_yuan"] == pytest.approx(200_000.0, rel=1e-12)
    assert m.loc["T3", "amount_yuan"] == pytest.approx(300_000.0, rel=1e-12)
    assert ev.measures["amount_yuan"].sum() == pytest.approx(500_000.0, rel=1e-12)
