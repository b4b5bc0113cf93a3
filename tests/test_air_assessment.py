"""Annual air assessment (qingshan.methods.air_assessment), worked by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.methods import air_assessment as M

STD = Path(__file__).resolve().parents[1] / "src/qingshan/environment/standards"


def limits(edition: str, phase_from: str | None = None) -> pd.DataFrame:
    t = pd.read_csv(STD / f"gb3095-{edition}.csv")
    return t if phase_from is None else t[t.valid_from == phase_from]


def test_percentile_worked() -> None:
    # {3,4,8,2,5,4} sorted 2,3,4,4,5,8; p90: k = 1 + 5*0.9 = 5.5, s = 5,
    # m = X5 + (X6 - X5)*0.5 = 5 + 3*0.5 = 6.5
    assert M.percentile_hj663(np.array([3, 4, 8, 2, 5, 4]), 90) == 6.5
    # ten values 1..10, p95: k = 1 + 9*0.95 = 9.55, m = 9 + 1*0.55 = 9.55
    assert M.percentile_hj663(np.arange(1, 11), 95) == pytest.approx(9.55, abs=1e-12)
    # p98 of 1..10: k = 1 + 9*0.98 = 9.82 -> 9.82
    assert M.percentile_hj663(np.arange(1, 11), 98) == pytest.approx(9.82, abs=1e-12)
    # integer k: 1..5, p50: k = 3 -> X3 = 3; p100: k = 5 -> X5
    assert M.percentile_hj663(np.arange(1, 6), 50) == 3
    assert M.percentile_hj663(np.arange(1, 6), 100) == 5
    assert np.isnan(M.percentile_hj663(np.array([np.nan]), 90))


def test_day_validity() -> None:
    assert M.day_is_valid(np.array([19, 20, 24])).tolist() == [False, True, True]


def _year(drop: list[str]) -> pd.Series:
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    return pd.Series(days[~days.isin(pd.to_datetime(drop))])


def test_year_completeness() -> None:
    ok, why = M.year_is_complete(_year([]))
    assert ok and why == []
    # February 2025 has 28 days; dropping 3 leaves 25 (enough), 4 leaves 24 (not)
    assert M.year_is_complete(_year(["2025-02-01", "2025-02-02", "2025-02-03"]))[0]
    ok, why = M.year_is_complete(_year([f"2025-02-0{i}" for i in range(1, 5)]))
    assert not ok and why == ["month 2: 24 < 25"]
    # March: 31 days, dropping 5 leaves 26 < 27
    ok, why = M.year_is_complete(_year([f"2025-03-0{i}" for i in range(1, 6)]))
    assert why == ["month 3: 26 < 27"]
    # 3 days off in each month: 365 - 36 = 329 >= 324 and every month >= 25 / 28 ok
    drop = [f"2025-{m:02d}-0{d}" for m in range(1, 13) for d in (1, 2, 3)]
    assert M.year_is_complete(_year(drop))[0]
    # 4 days off in each month: 365 - 48 = 317 < 324; Feb 24 < 25; 30-day months 26 < 27
    drop = [f"2025-{m:02d}-0{d}" for m in range(1, 13) for d in (1, 2, 3, 4)]
    ok, why = M.year_is_complete(_year(drop))
    assert why[0] == "year 317 < 324" and "month 2: 24 < 25" in why
    assert "month 4: 26 < 27" in why and "month 1: 27 < 27" not in why


def _daily() -> pd.DataFrame:
    """A year whose values cycle over a 5-day pattern, so each statistic is easy by hand.

    365 days = 73 cycles. PM2.5 cycle 20, 30, 40, 50, 60: mean 40. Sorted, each value
    appears 73 times: positions 1–73 = 20, 74–146 = 30, 147–219 = 40, 220–292 = 50,
    293–365 = 60. p95: k = 1 + 364*0.95 = 346.8 -> X346 = X347 = 60 -> 60.
    PM10 cycle 50, 60, 70, 80, 90: mean 70; p95 in the top block -> 90.
    SO2 constant 10: mean 10, p98 10. NO2 cycle 20..60: mean 40, p98: k = 357.72 -> 60.
    CO constant 1.0: p95 1.0. O3 8h cycle 100, 120, 140, 160, 180: p90: k = 1 + 364*0.9 =
    328.6 -> positions 328, 329 both in block 293–365 -> 180.
    """
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    i = np.arange(len(days)) % 5
    return pd.DataFrame({
        "date": days, "PM2_5_24h": 20.0 + 10 * i, "PM10_24h": 50.0 + 10 * i,
        "SO2_24h": 10.0, "NO2_24h": 20.0 + 10 * i, "CO_24h": 1.0, "O3_8h": 100.0 + 20 * i})


def test_annual_statistics_and_compliance_worked() -> None:
    s = M.annual_statistics(_daily()).set_index("pollutant")
    assert s.loc["PM2_5", "annual_mean"] == 40 and s.loc["PM2_5", "percentile_value"] == 60
    assert s.loc["PM10", "annual_mean"] == 70 and s.loc["PM10", "percentile_value"] == 90
    assert s.loc["SO2", "percentile_value"] == 10 and s.loc["NO2", "percentile_value"] == 60
    assert s.loc["CO", "percentile_value"] == 1.0 and s.loc["O3", "percentile_value"] == 180
    assert s.annual_mean.isna().tolist() == [False] * 4 + [True, True] and s.complete.all()
    c = M.compliance(s.reset_index(), limits("2012")).set_index("pollutant")
    # GB 3095-2012 grade II: PM2.5 annual 35 < 40 -> fails; PM10 70 <= 70, p95 90 <= 150 ok;
    # SO2 ok; NO2 annual 40 <= 40 and p98 60 <= 80 ok; CO 1 <= 4 ok; O3 180 > 160 fails
    assert c.complies.to_dict() == {"SO2": True, "NO2": True, "PM10": True, "PM2_5": False,
                                    "CO": True, "O3": False}
    # GB 3095-2026 transitional grade II: PM2.5 annual 30 (40 fails), PM10 annual 60 (70 fails)
    c26 = M.compliance(s.reset_index(), limits("2026", "2026-03-01")).set_index("pollutant")
    assert c26.complies.to_dict()["PM10"] is False and c26.loc["PM2_5", "annual_limit"] == 30


def test_incomplete_year_is_not_judged() -> None:
    d = _daily()
    d.loc[d.date.dt.month == 2, "PM2_5_24h"] = np.nan
    s = M.annual_statistics(d)
    c = M.compliance(s, limits("2012")).set_index("pollutant")
    assert c.loc["PM2_5", "complies"] is None and "month 2: 0 < 25" in str(c.loc["PM2_5", "reasons"])


def test_composite_index_and_ranking() -> None:
    s = M.annual_statistics(_daily())
    # 40/35 + 70/70 + 10/60 + 40/40 + CO 1.0/4 + O3 180/160
    want = 40 / 35 + 1 + 10 / 60 + 1 + 0.25 + 180 / 160
    assert M.composite_index(s, limits("2012")) == pytest.approx(want, rel=1e-12)
    r = M.rank_districts(pd.Series({"东区": 4.1, "西区": 3.9, "南区": 4.1}))
    assert r.district.tolist() == ["西区", "东区", "南区"] and r["rank"].tolist() == [1, 2, 2]


def test_good_day_ratio() -> None:
    # 4 days with an AQI, 3 of them <= 100; the missing day is not counted
    assert M.good_day_ratio(np.array([50, 100, 101, 80, np.nan])) == 0.75


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1000), min_size=1, max_size=60),
       st.floats(min_value=0, max_value=100))
def test_percentile_between_min_and_max_and_matches_linear(xs: list[float], p: float) -> None:
    v = M.percentile_hj663(np.array(xs), p)
    assert min(xs) <= v <= max(xs)
    # the HJ 663 position rule is the "linear" (type 7) estimator
    assert v == pytest.approx(float(np.percentile(xs, p)), rel=1e-9, abs=1e-9)
