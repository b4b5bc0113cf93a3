"""HJ 633-2012 and HJ 633-2026 IAQI/AQI (qingshan.methods.aqi).

The breakpoints are written out below from the standards (HJ 633-2012 Table 1, HJ 633-2026
Table 3), independently of the package CSVs, and every expected IAQI is computed here with
exact fractions: IAQI = ceil((I_hi − I_lo)/(BP_hi − BP_lo)·(C − BP_lo) + I_lo)
(formula (1); §6.2 of 2012 / §4.2.6 of 2026: rounded up).
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.methods import aqi as A

STD = Path(__file__).resolve().parents[1] / "src/qingshan/environment/standards"
IAQI = [0, 50, 100, 150, 200, 300, 400, 500]
T2012 = {
    ("SO2", "24h"): [0, 50, 150, 475, 800, 1600, 2100, 2620],
    ("SO2", "1h"): [0, 150, 500, 650, 800],
    ("NO2", "24h"): [0, 40, 80, 180, 280, 565, 750, 940],
    ("NO2", "1h"): [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    ("PM10", "24h"): [0, 50, 150, 250, 350, 420, 500, 600],
    ("CO", "24h"): [0, 2, 4, 14, 24, 36, 48, 60],
    ("CO", "1h"): [0, 5, 10, 35, 60, 90, 120, 150],
    ("O3", "1h"): [0, 160, 200, 300, 400, 800, 1000, 1200],
    ("O3", "8h"): [0, 100, 160, 215, 265, 800],
    ("PM2_5", "24h"): [0, 35, 75, 115, 150, 250, 350, 500],
}
T2026 = {**T2012, ("PM10", "24h"): [0, 50, 120, 250, 350, 420, 500, 600],
         ("PM2_5", "24h"): [0, 35, 60, 115, 150, 250, 350, 500]}
TABLES = {"2012": T2012, "2026": T2026}


def table(edition: str) -> pd.DataFrame:
    return pd.read_csv(STD / f"hj633-{edition}.csv")


def hand(bps: list[int], c: Fraction) -> int:
    """Formula (1) in exact arithmetic, then ceil."""
    for k in range(1, len(bps)):
        if c <= bps[k]:
            lo, hi = bps[k - 1], bps[k]
            return math.ceil(Fraction(IAQI[k] - IAQI[k - 1], hi - lo) * (c - lo) + IAQI[k - 1])
    raise AssertionError("beyond table")


@pytest.mark.parametrize("edition", ["2012", "2026"])
def test_csv_matches_the_standard(edition: str) -> None:
    t = table(edition)
    for (pol, avg), bps in TABLES[edition].items():
        rows = t[(t.pollutant == pol) & (t.averaging == avg)].sort_values("iaqi")
        assert rows.iaqi.tolist() == IAQI[:len(bps)]
        assert rows.concentration.tolist() == bps
    assert len(t) == sum(len(b) for b in TABLES[edition].values())
    assert set(t.table) == {"Table 1" if edition == "2012" else "Table 3"}


def _cases(edition: str) -> list[tuple[str, str, str, Fraction]]:
    out = []
    for (pol, avg), bps in TABLES[edition].items():
        # 2012 uses concentrations as given; 2026 rounds them (integers, CO 0.1) first, so
        # the neighbours there are one rounding step away.
        step = Fraction(1, 100) if edition == "2012" else (Fraction(1, 10) if pol == "CO"
                                                          else Fraction(1))
        for b in bps:
            for c in (Fraction(b) - step, Fraction(b), Fraction(b) + step):
                if 0 <= c <= bps[-1]:
                    out.append((edition, pol, avg, c))
    return out


@pytest.mark.parametrize(("edition", "pol", "avg", "c"), _cases("2012") + _cases("2026"))
def test_iaqi_at_below_above_every_breakpoint(edition: str, pol: str, avg: str,
                                              c: Fraction) -> None:
    got = A.individual_aqi(float(c), pol, avg, table(edition), edition)[0]
    assert got == hand(TABLES[edition][(pol, avg)], c)


def test_worked_examples() -> None:
    t12, t26 = table("2012"), table("2026")
    # PM2.5 24h 80 (2012): (150-100)/(115-75)*(80-75)+100 = 106.25 -> 107
    assert A.individual_aqi(80, "PM2_5", "24h", t12)[0] == 107
    # same 80 (2026): (150-100)/(115-60)*(80-60)+100 = 118.18 -> 119
    assert A.individual_aqi(80, "PM2_5", "24h", t26, "2026")[0] == 119
    # 2012 does not truncate: 35.2 -> 50/40*0.2+50 = 50.25 -> 51
    assert A.individual_aqi(35.2, "PM2_5", "24h", t12)[0] == 51
    # 2026 rounds 35.2 to 35 first -> 50; 35.5 -> 36 (half to even) -> 50+50/25 = 52
    assert A.individual_aqi(35.2, "PM2_5", "24h", t26, "2026")[0] == 50
    assert A.individual_aqi(35.5, "PM2_5", "24h", t26, "2026")[0] == 52
    # 2026 PM10 1 h uses the 24 h column: 130 -> (150-100)/(250-120)*10+100 = 103.8 -> 104
    assert A.individual_aqi(130, "PM10", "1h", t26, "2026")[0] == 104
    # CO 24h 2.05 (2026) rounds to 2.0 (half even) -> 50; 2012: 50/2*0.05+50 = 51.25 -> 52
    assert A.individual_aqi(2.05, "CO", "24h", t26, "2026")[0] == 50
    assert A.individual_aqi(2.05, "CO", "24h", t12)[0] == 52


def test_gbt8170_rounding() -> None:
    got = A.round_gbt8170(np.array([0.5, 1.5, 2.5, 2.51, 1.15, 1.25, 1.35, -0.5]), 0)
    assert got.tolist() == [0.0, 2.0, 2.0, 3.0, 1.0, 1.0, 1.0, -0.0]
    assert A.round_gbt8170(np.array([1.15, 1.25, 1.35]), 1).tolist() == [1.2, 1.2, 1.4]


def test_out_of_range_and_missing() -> None:
    t = table("2012")
    got = A.individual_aqi(np.array([-1.0, np.nan, 501.0]), "PM2_5", "24h", t)
    assert np.isnan(got[0]) and np.isnan(got[1]) and got[2] == 500
    assert A.beyond_table(np.array([500.0, 500.5]), "PM2_5", "24h", t).tolist() == [False, True]


def _daily_2012(**kw: float) -> pd.DataFrame:
    base = {"SO2_24h": 10.0, "NO2_24h": 20.0, "PM10_24h": 30.0, "PM2_5_24h": 20.0,
            "CO_24h": 0.5, "O3_1h": 60.0, "O3_8h": 50.0}
    base.update(kw)
    return pd.DataFrame([base])


def test_daily_aqi_primary_and_categories() -> None:
    t = table("2012")
    # all low: PM10 30 -> 30; PM2.5 20 -> 50/35*20 = 28.57 -> 29; AQI 30 <= 50: no primary
    r = A.aqi_table(_daily_2012(), t, edition="2012").iloc[0]
    assert r.aqi == 30 and r.primary == "" and r.level == 1 and r.category_zh == "优"
    assert r.colour == "#00E400"
    # PM2.5 80 -> 107 (see above): primary PM2_5, exceeding PM2_5, 轻度污染 orange
    r = A.aqi_table(_daily_2012(PM2_5_24h=80.0), t, edition="2012").iloc[0]
    assert (r.aqi, r.primary, r.exceeding, r.level) == (107, "PM2_5", "PM2_5", 3)
    assert (r.category_zh, r.colour) == ("轻度污染", "#FF7E00")
    # tie: PM10 150 -> 100 and PM2.5 75 -> 100: both primary, none exceeding (not > 100)
    r = A.aqi_table(_daily_2012(PM10_24h=150.0, PM2_5_24h=75.0), t, edition="2012").iloc[0]
    assert (r.aqi, r.primary, r.exceeding) == (100, "PM10,PM2_5", "")
    # AQI exactly 50 (PM2.5 35): no primary pollutant
    r = A.aqi_table(_daily_2012(PM2_5_24h=35.0), t, edition="2012").iloc[0]
    assert (r.aqi, r.primary) == (50, "")
    # 2026 drops 超标污染物 and the O3 1 h daily indicator
    d = _daily_2012(PM2_5_24h=80.0, O3_1h=1000.0)
    r = A.aqi_table(d, table("2026"), edition="2026").iloc[0]
    assert (r.aqi, r.primary, r.exceeding) == (119, "PM2_5", "")


@pytest.mark.parametrize(("aqi", "level", "zh", "hex_"), [
    (0, 1, "优", "#00E400"), (50, 1, "优", "#00E400"), (51, 2, "良", "#FFFF00"),
    (100, 2, "良", "#FFFF00"), (101, 3, "轻度污染", "#FF7E00"), (150, 3, "轻度污染", "#FF7E00"),
    (151, 4, "中度污染", "#FF0000"), (200, 4, "中度污染", "#FF0000"),
    (201, 5, "重度污染", "#99004C"), (300, 5, "重度污染", "#99004C"),
    (301, 6, "严重污染", "#7E0023"), (500, 6, "严重污染", "#7E0023")])
def test_levels_and_colours(aqi: int, level: int, zh: str, hex_: str) -> None:
    assert A.aqi_level(np.array([aqi]))[0] == level
    assert A.CATEGORY_ZH[level - 1] == zh and A.COLOUR_HEX[level - 1] == hex_


def test_special_rules_2012() -> None:
    t = table("2012")
    # hourly: SO2 1h 900 > 800 -> SO2 24h index: 300 µg/m³ -> 100+50/325*150 = 123.08 -> 124
    h = pd.DataFrame([{"SO2_1h": 900.0, "SO2_24h": 300.0, "NO2_1h": 10.0, "PM10_24h": 10.0,
                       "PM2_5_24h": 10.0, "CO_1h": 0.5, "O3_1h": 50.0, "O3_8h": 40.0}])
    r = A.aqi_table(h, t, edition="2012", report="hourly").iloc[0]
    assert r.iaqi_SO2_1h == 124 and r.aqi == 124 and r.primary == "SO2"
    # daily: O3 8h 900 > 800 -> O3 1h index: 900 -> 300+100/200*100 = 350
    r = A.aqi_table(_daily_2012(O3_8h=900.0, O3_1h=900.0), t, edition="2012").iloc[0]
    assert r.iaqi_O3_8h == 350 and r.aqi == 350 and r.level == 6


def test_special_rules_2026() -> None:
    t = table("2026")
    h = pd.DataFrame([{"SO2_1h": 900.0, "NO2_1h": 10.0, "PM10_1h": 10.0, "PM2_5_1h": 10.0,
                       "CO_1h": 0.5, "O3_1h": 50.0}])
    r = A.aqi_table(h, t, edition="2026", report="hourly").iloc[0]
    assert r.iaqi_SO2_1h == 200 and r.aqi == 200
    d = pd.DataFrame([{"SO2_24h": 5.0, "NO2_24h": 5.0, "PM10_24h": 5.0, "PM2_5_24h": 5.0,
                       "CO_24h": 0.2, "O3_8h": 801.0}])
    r = A.aqi_table(d, t, edition="2026").iloc[0]
    assert r.iaqi_O3_8h == 300 and r.aqi == 300 and r.primary == "O3"


def test_missing_indicator_uses_the_others() -> None:
    d = _daily_2012(PM2_5_24h=np.nan)
    r = A.aqi_table(d, table("2012"), edition="2012").iloc[0]
    assert r.aqi == 30 and not r.complete


def test_edition_for() -> None:
    assert A.edition_for(dt.date(2026, 2, 28)) == "2012"
    assert A.edition_for(dt.date(2026, 3, 1)) == "2026"
    assert A.edition_for(dt.date(2027, 1, 1), "2012") == "2012"
    with pytest.raises(ValueError):
        A.edition_for(dt.date(2027, 1, 1), "2019")


conc = st.floats(min_value=0, max_value=480, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["2012", "2026"]), conc, conc, conc, conc, conc, conc,
       st.floats(min_value=0, max_value=50))
def test_aqi_is_max_iaqi_and_monotone(edition: str, so2: float, no2: float, pm10: float,
                                      pm25: float, o3: float, bump: float, co: float) -> None:
    d = pd.DataFrame([{"SO2_24h": so2, "NO2_24h": no2, "PM10_24h": pm10, "PM2_5_24h": pm25,
                       "CO_24h": co, "O3_1h": o3, "O3_8h": o3}])
    t = table(edition)
    r = A.aqi_table(d, t, edition=edition).iloc[0]
    iaqi = [r[f"iaqi_{i}"] for i in A.INDICATORS[(edition, "daily")]]
    assert r.aqi == max(iaqi)
    for col in ("SO2_24h", "NO2_24h", "PM10_24h", "PM2_5_24h", "CO_24h", "O3_8h"):
        up = d.copy()
        up[col] = up[col] + bump
        assert A.aqi_table(up, t, edition=edition).iloc[0].aqi >= r.aqi


def test_check_concentrations_collects_every_problem() -> None:
    d = pd.DataFrame({"SO2_24h": [10.0, -1.0], "NO2_24h": [20.0, 20.0],
                      "PM10_24h": [30.0, 700.0], "PM2_5_24h": [20.0, 600.0],
                      "CO_24h": [0.5, 0.5], "O3_8h": [50.0, 900.0], "O3_1h": [60.0, 60.0]})
    probs = A.check_concentrations(d, table("2026"), edition="2026", source="air.csv")
    got = sorted((p.code, p.row, p.column) for p in probs)
    assert got == [("AQ001", 3, "SO2_24h"), ("AQ002", 3, "PM10_24h"),
                   ("AQ002", 3, "PM2_5_24h"), ("AQ003", None, "O3_1h")]
    assert A.check_concentrations(d.drop(columns="O3_1h").iloc[:1], table("2012"),
                                  edition="2012") == []
