"""亩均 scores recomputed by hand from the published formulas (docs/evaluation.md)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qingshan.evaluation import evaluate, load_scheme
from qingshan.evaluation.scoring import score_year
from tests.evaluation_frames import frame


def firm(ys: pd.DataFrame, eid: str) -> pd.Series:
    return ys.firms.set_index("entity_id").loc[eid]


def item(ys: pd.DataFrame, eid: str, ind: str) -> pd.Series:
    t = ys.items
    return t[(t["entity_id"] == eid) & (t["indicator"] == ind)].iloc[0]


def test_huangyan_2022_above_scale_formula_by_hand() -> None:
    # 附件2: 亩均税收÷24.097×30 + 亩均增加值÷136.16×20 + 单位能耗增加值÷2.694×20
    #        + 单位排放增加值÷4929.81×10 + 全员劳动生产率÷18.14×10 + R&D比重÷0.0302×10
    inputs = frame([
        # land 10 mu, tax 300, VA 1500, equal-value energy 500 tce, pollutants 1+1+0.5+0 = 2.5 t,
        # 100 employees, R&D 30 of revenue 2000
        {"entity_id": "F1", "tax_10k_yuan": 300.0, "value_added_10k_yuan": 1500.0, "energy_tce_equal": 500.0,
         "employees": 100.0, "rd_expense_10k_yuan": 30.0, "revenue_10k_yuan": 2000.0},
        # no pollutant data: the emission item takes the average 规上 score of the item
        {"entity_id": "F2", "pollutant_so2_t": math.nan, "pollutant_nox_t": math.nan, "pollutant_cod_t": math.nan,
         "pollutant_nh3_n_t": math.nan},
        {"entity_id": "F3", "value_added_10k_yuan": 2000.0, "pollutant_so2_t": 4.0},
    ])
    ys = score_year(inputs, load_scheme("huangyan-2022"), 2024)
    f1 = 30 / 24.097 * 30 + 150 / 136.16 * 20 + 3.0 / 2.694 * 20 + 600 / 4929.81 * 10 + 15 / 18.14 * 10 \
        + 0.015 / 0.0302 * 10
    assert firm(ys, "F1")["score"] == pytest.approx(f1, rel=1e-12)
    # F3: VA 2000 over so2 4 + nox 1 + cod 0.5 = 5.5 t
    e1, e3 = 600 / 4929.81 * 10, 2000 / 5.5 / 4929.81 * 10
    assert item(ys, "F3", "va_per_pollutant")["score"] == pytest.approx(e3, rel=1e-12)
    f2_item = item(ys, "F2", "va_per_pollutant")
    assert bool(f2_item["missing"]) and f2_item["score"] == pytest.approx((e1 + e3) / 2, rel=1e-12)
    # defaults: tax 100 / 10 mu, VA 1000 / 10, VA 1000 / 500 tce, 1000 / 50, R&D 30 / 3000
    f2 = 10 / 24.097 * 30 + 100 / 136.16 * 20 + 2.0 / 2.694 * 20 + (e1 + e3) / 2 + 20 / 18.14 * 10 \
        + 0.01 / 0.0302 * 10
    assert firm(ys, "F2")["score"] == pytest.approx(f2, rel=1e-12)


def test_huangyan_2022_below_scale_formula_by_hand() -> None:
    # 规下: 亩均税收÷11.5932×50 + 单位用电税收÷0.2352×50; tax 20 on 5 mu, 500 000 kWh = 50 万kWh
    inputs = frame([{"entity_id": "S1", "scale": "below", "land_area_mu": 5.0, "tax_10k_yuan": 20.0,
                     "electricity_kwh": 500_000.0}])
    ys = score_year(inputs, load_scheme("huangyan-2022"), 2024)
    assert firm(ys, "S1")["score"] == pytest.approx(4 / 11.5932 * 50 + 0.4 / 0.2352 * 50, rel=1e-12)
    assert firm(ys, "S1")["segment"] == "below"


def test_negative_tax_scores_negative_under_the_printed_formula() -> None:
    inputs = frame([{"entity_id": "N", "scale": "below", "land_area_mu": 5.0, "tax_10k_yuan": -10.0,
                     "electricity_kwh": 500_000.0}, {"entity_id": "P", "scale": "below", "land_area_mu": 5.0}])
    ys = score_year(inputs, load_scheme("huangyan-2022"), 2024)
    assert firm(ys, "N")["score"] == pytest.approx(-2 / 11.5932 * 50 + -0.2 / 0.2352 * 50, rel=1e-12)
    # two 规下 firms: "D类 后5%" holds ⌊0.05 × 2⌋ = 0 firms, A ⌊0.05 × 2⌋ = 0, B ⌊0.75 × 2⌋ = 1, so the
    # last firm is the remainder, which goes to C (温岭 stand-in bands, huangyan-2022.toml)
    assert firm(ys, "N")["rank"] == 2 and firm(ys, "N")["class"] == "C"
    assert firm(ys, "P")["rank"] == 1 and firm(ys, "P")["class"] == "B"


def test_zero_land_leaves_per_mu_items_missing_and_scored_by_rule() -> None:
    inputs = frame([{"entity_id": "Z", "land_area_mu": 0.0}, {"entity_id": "Q"}])
    ys = score_year(inputs, load_scheme("huangyan-2022"), 2024)
    z = item(ys, "Z", "tax_per_mu")
    assert math.isnan(z["value"]) and bool(z["missing"]) and z["score"] == 0.0  # scheme's default rule: zero


def test_huaian_2024_benchmark_is_twice_last_years_group_mean() -> None:
    # 2023: district D1 firms with 亩均税收 10 and 30 → mean 20, benchmark 40; D2: one firm at 5 → 10.
    last = frame([{"entity_id": "A", "tax_10k_yuan": 100.0}, {"entity_id": "B", "tax_10k_yuan": 300.0},
                  {"entity_id": "C", "district_id": "D2", "tax_10k_yuan": 50.0}], year=2023)
    this = frame([{"entity_id": "A", "tax_10k_yuan": 200.0}, {"entity_id": "B", "tax_10k_yuan": 300.0},
                  {"entity_id": "C", "district_id": "D2", "tax_10k_yuan": 50.0}], year=2024)
    ys = score_year(pd.concat([last, this], ignore_index=True), load_scheme("huaian-2024"), 2024)
    a = item(ys, "A", "tax_per_mu")
    assert a["benchmark"] == pytest.approx(40.0) and a["score"] == pytest.approx(20 / 40 * 45, rel=1e-12)
    assert item(ys, "C", "tax_per_mu")["benchmark"] == pytest.approx(10.0)
    # revenue per mu 300 (mean 300, benchmark 600) and tax per tce (当量值) 200/400 = 0.5 (2023: 0.25, 0.75)
    assert item(ys, "A", "revenue_per_mu")["score"] == pytest.approx(300 / 600 * 35, rel=1e-12)
    assert item(ys, "A", "tax_per_energy")["score"] == pytest.approx(0.5 / (2 * 0.5) * 20, rel=1e-12)
    assert firm(ys, "A")["group"] == "above:D1" and firm(ys, "C")["group_size"] == 1


def test_huaian_2024_without_last_year_says_which_benchmark_is_missing() -> None:
    from qingshan.errors import ValidationError

    with pytest.raises(ValidationError) as e:
        score_year(frame([{"entity_id": "A"}]), load_scheme("huaian-2024"), 2024)
    assert {p.code for p in e.value.problems} == {"E002"}
    assert {p.column for p in e.value.problems} == {"tax_per_mu", "revenue_per_mu", "tax_per_energy"}


def test_huaian_2024_class_t_for_utilities_and_new_firms() -> None:
    rows = [{"entity_id": "U", "industry_code": "4411"}, {"entity_id": "N", "start_year": 2023.0},
            {"entity_id": "O", "start_year": 2022.0}, {"entity_id": "R"}]
    ys = score_year(pd.concat([frame(rows, 2023), frame(rows, 2024)]), load_scheme("huaian-2024"), 2024)
    assert firm(ys, "U")["class"] == "T" and firm(ys, "U")["exempt_reason"] == "utility"
    assert firm(ys, "N")["class"] == "T" and firm(ys, "N")["exempt_reason"] == "new"  # 2024 − 2023 < 2
    assert firm(ys, "O")["status"] == "evaluated"  # 2024 − 2022 = 2 years in production


def test_jingde_2022_min_max_formula_by_hand() -> None:
    # 单项指标得分 = 权重 × [20 + 80 × (x − min)/(max − min)] / 100
    rows = [{"entity_id": f"J{i}", "tax_10k_yuan": t} for i, t in enumerate((50.0, 100.0, 250.0))]
    ys = score_year(frame(rows), load_scheme("jingde-2022"), 2024)
    w = 100 / 6
    for eid, x in (("J0", 5.0), ("J1", 10.0), ("J2", 25.0)):
        assert item(ys, eid, "tax_per_mu")["score"] == pytest.approx(w * (20 + 80 * (x - 5) / (25 - 5)) / 100)
    # every other item is equal across firms: each gets the full weight
    assert item(ys, "J0", "revenue_per_mu")["score"] == pytest.approx(w)
    assert firm(ys, "J0")["score"] == pytest.approx(w * 0.2 + 5 * w)


def test_adjustments_add_points_within_their_bound(tmp_path: pytest.TempPathFactory) -> None:
    from qingshan.evaluation.scheme import parse_scheme

    raw = {"id": "x", "zh": "x", "en": "x", "source": {"document": "test"},
           "adjustments": [{"id": "sublet", "zh": "出租", "en": "sub-let", "points": -5, "max_points": 12,
                            "source": "温岭 2022-07-29 二"}],
           "segments": [{"id": "all", "zh": "全部", "en": "all", "method": "ratio", "source": "test",
                         "items": [{"indicator": "tax_per_mu", "weight": 100, "benchmark": "fixed", "value": 10}],
                         "classes": {"rule": "score", "bands": [["A", 90], ["B", 60], ["C", 30], ["D", -1e9]],
                                     "source": "test"}}]}
    scheme = parse_scheme(raw, "test.toml")
    adj = pd.DataFrame({"entity_id": ["A", "B"], "year": [2024, 2024], "adjustment": ["sublet", "sublet"],
                        "count": [1.0, 4.0]})
    ys = score_year(frame([{"entity_id": "A"}, {"entity_id": "B"}]), scheme, 2024, adj)
    assert firm(ys, "A")["score"] == pytest.approx(100 - 5)
    assert firm(ys, "B")["score"] == pytest.approx(100 - 12)  # 4 × −5 bounded at 12 points
    assert firm(ys, "A")["class"] == "A" and firm(ys, "B")["class"] == "B"


def test_evaluate_is_deterministic_and_keeps_every_enterprise() -> None:
    rows = [{"entity_id": f"E{i:02d}", "tax_10k_yuan": 10.0 * (i + 1)} for i in range(12)]
    inputs, scheme = frame(rows), load_scheme("huangyan-2022")
    ev = evaluate(inputs, scheme, 2024)
    assert len(ev.firms) == 12 and ev.firms["class"].notna().all()
    assert sorted(ev.firms["entity_id"]) == [f"E{i:02d}" for i in range(12)]
    # the same input twice gives the same evaluation, cell for cell
    again = evaluate(inputs, scheme, 2024)
    pd.testing.assert_frame_equal(ev.firms, again.firms)
    pd.testing.assert_frame_equal(ev.items, again.items)
    # and the rows in reverse order give every firm the same score, rank and class
    rev = evaluate(inputs.iloc[::-1].reset_index(drop=True), scheme, 2024).firms.set_index("entity_id").sort_index()
    fwd = ev.firms.set_index("entity_id").sort_index()
    pd.testing.assert_frame_equal(fwd, rev[fwd.columns])
    # firms differ only in tax, which rises with the number: scores rise, classes never fall
    assert fwd["score"].is_monotonic_increasing and fwd["score"].is_unique
    order = fwd["class"].map("ABCD".index)
    assert order.is_monotonic_decreasing
