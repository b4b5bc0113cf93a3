"""The air and water engines (qingshan.environment.air / .water), their documents and
``qingshan air`` / ``qingshan water``, on small hand-made tables.

Every expected AQI is worked by hand below with HJ 633 formula (1),
IAQI = ceil((I_hi − I_lo)/(BP_hi − BP_lo)·(C − BP_lo) + I_lo), the breakpoints of HJ 633-2012
Table 1 and HJ 633-2026 Table 3 (PM10 100-point 120, PM2.5 60). Water classes use the
GB 3838-2002 Table 1 limits written out beside each case.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from qingshan.cli import main
from qingshan.environment import standards
from qingshan.environment.air import assess_air, daily_aqi
from qingshan.environment.water import assess_water
from qingshan.errors import ValidationError

D1, D2 = "450901", "450902"  # 东区, 西区 of the conftest package
COLS = ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_8h_max", "o3_1h_max")


def _stations() -> pd.DataFrame:
    return pd.DataFrame({"station_id": ["A", "B", "C"], "name": ["东站", "北站", "西站"],
                         "district_id": [D1, D1, D2], "level": ["national", "provincial", "municipal"],
                         "lon": [109.4, 109.41, 109.5], "lat": [24.3, 24.31, 24.4]})


def _rows(frame: pd.DataFrame, *keys: str) -> dict[Any, dict[str, Any]]:
    """The rows of ``frame`` as dicts, keyed by the value of ``keys`` (a tuple for several)."""
    out: dict[Any, dict[str, Any]] = {}
    for r in frame.to_dict("records"):
        k = tuple(r[c] for c in keys)
        out[k if len(k) > 1 else k[0]] = {str(c): v for c, v in r.items()}
    return out


def _by_day(frame: pd.DataFrame, key: str) -> dict[Any, dict[str, Any]]:
    return _rows(frame.assign(day=frame["date"].dt.strftime("%Y-%m-%d")), key, "day")


def _verdict(v: object) -> bool | None:
    """A compliance cell as None / True / False (nullable columns give pd.NA and numpy bools)."""
    return None if pd.isna(v) else bool(v)  # type: ignore[call-overload]


def _day(station: str, date: str, values: tuple[float, ...]) -> dict[str, object]:
    return {"station_id": station, "date": date, **dict(zip(COLS, values, strict=True))}


# --- standards loaders -----------------------------------------------------------------

def test_loaders_give_the_methods_their_tables() -> None:
    bp = standards.aqi_breakpoints("2026")
    pm = bp[(bp.pollutant == "PM2_5") & (bp.averaging == "24h")].sort_values("iaqi")
    assert pm["concentration"].tolist()[:4] == [0, 35, 60, 115]  # HJ 633-2026 Table 3
    lim = standards.air_limits(pd.Timestamp("2026-06-30").date())
    assert lim.set_index(["pollutant", "averaging"]).loc[("PM2_5", "annual"), "grade_2"] == 30  # transitional
    assert standards.air_limits(pd.Timestamp("2031-01-01").date()).set_index(
        ["pollutant", "averaging"]).loc[("PM2_5", "annual"), "grade_2"] == 25  # final, GB 3095-2026 §4.4
    assert standards.air_limits(pd.Timestamp("2025-12-31").date()).set_index(
        ["pollutant", "averaging"]).loc[("PM2_5", "annual"), "grade_2"] == 35  # GB 3095-2012
    w = standards.water_limits()
    assert float(w[(w.item == "tp") & (w.water_body == "lake")]["class_3"].iloc[0]) == 0.05
    assert set(standards.water_grades()["kind"]) == {"section", "basin"}


def test_loader_problems_are_coded_and_collected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hj633-2012.csv").write_text(
        "pollutant,averaging,iaqi,concentration\nSO2,24h,0,0\nSO2,24h,50,x\nPM1,24h,0,0\nNO2,24h,0,0\nNO2,24h,50,0\n",
        encoding="utf-8")
    monkeypatch.setattr(standards, "FOLDER", tmp_path)
    standards.aqi_breakpoints.cache_clear()
    try:
        with pytest.raises(ValidationError) as exc:
            standards.aqi_breakpoints("2012")
        # every problem at once: the non-number (row 3), the unknown pollutant (row 4), and NO2's
        # breakpoints not rising (0 then 0)
        assert sorted((p.code, p.row) for p in exc.value.problems) == [
            ("ES002", 3), ("ES003", None), ("ES004", 4)]
        (tmp_path / "hj633-2012.csv").write_text("pollutant,iaqi\nSO2,0\n", encoding="utf-8")
        standards.aqi_breakpoints.cache_clear()
        with pytest.raises(ValidationError) as exc:
            standards.aqi_breakpoints("2012")
        assert sorted((p.code, p.column) for p in exc.value.problems) == [
            ("ES001", "averaging"), ("ES001", "concentration")]
    finally:
        standards.aqi_breakpoints.cache_clear()


# --- daily AQI -------------------------------------------------------------------------

def _district_days() -> pd.DataFrame:
    nan = float("nan")
    return pd.DataFrame([
        #                       SO2 NO2 PM10 PM2.5 CO  O3-8h O3-1h
        _day("A", "2025-05-01", (10, 30, 80, 50, 0.8, 120, 150)),
        _day("B", "2025-05-01", (30, 50, 120, 100, 1.2, 80, 100)),
        _day("A", "2025-05-02", (5, 20, 40, 30, 0.4, 90, 100)),
        _day("B", "2025-05-02", (5, 20, 40, 30, 0.4, 90, 100)),
        _day("A", "2025-05-03", (5, 20, 40, nan, 0.4, 90, 100)),
        _day("B", "2025-05-03", (5, 20, 40, 90, 0.4, 90, 100)),
    ])


def test_station_and_district_daily_aqi_by_hand() -> None:
    r = assess_air(_stations(), _district_days(), 2025)
    st = _by_day(r.station_days, "station_id")
    # A 05-01 (HJ 633-2012): PM2.5 50 → 50 + 50/40·15 = 68.75 → 69; PM10 80 → 50 + 50/100·30 = 65;
    # NO2 30 → 50/40·30 = 37.5 → 38; O3-8h 120 → 50 + 50/60·20 = 66.7 → 67; O3-1h 150 → 46.9 → 47.
    a = st[("A", "2025-05-01")]
    assert (a["iaqi_PM2_5"], a["iaqi_PM10"], a["iaqi_NO2"], a["iaqi_O3_8h"], a["iaqi_O3_1h"]) == (69, 65, 38, 67, 47)
    assert (a["aqi"], a["primary"], a["category_zh"]) == (69, "PM2_5", "良")
    # B 05-01: PM2.5 100 → 100 + 50/40·25 = 131.25 → 132: 轻度污染, orange
    b = st[("B", "2025-05-01")]
    assert (b["aqi"], b["primary"], b["category_zh"], b["colour"]) == (132, "PM2_5", "轻度污染", "#FF7E00")
    # district 东区 05-01: the mean concentrations (PM2.5 (50+100)/2 = 75 → exactly 100; PM10 100 → 75;
    # SO2 20 → 20; NO2 40 → 50; CO 1.0 → 25; O3-8h 100 → 50; O3-1h 125 → 39.06 → 40): AQI 100, not the
    # mean of the stations' AQI (100.5)
    dd = _by_day(r.district_days, "area")
    d = dd[(D1, "2025-05-01")]
    assert (d["PM2_5_24h"], d["iaqi_PM2_5"], d["iaqi_PM10"], d["iaqi_SO2"], d["iaqi_NO2"], d["iaqi_CO"],
            d["iaqi_O3_1h"]) == (75, 100, 75, 20, 50, 25, 40)
    assert (d["aqi"], d["primary"], d["level"], d["stations"]) == (100, "PM2_5", 2, 2)
    # 05-02: PM2.5 30 → 42.86 → 43, O3-8h 90 → 45: AQI 45 ≤ 50, no primary pollutant, 优
    d = dd[(D1, "2025-05-02")]
    assert (d["aqi"], d["primary"], d["category_zh"], d["colour"]) == (45, "", "优", "#00E400")
    # 05-03: A has no PM2.5; the district's PM2.5 is B's 90 → 100 + 50/40·15 = 118.75 → 119
    d = dd[(D1, "2025-05-03")]
    assert (d["PM2_5_24h"], d["aqi"], d["primary"]) == (90, 119, "PM2_5")
    # the city (A, B and no data from C) equals the district here
    assert r.city_days["aqi"].tolist() == [100, 45, 119]


def test_a_day_on_each_side_of_the_switch_uses_its_edition() -> None:
    nan = float("nan")
    days = pd.DataFrame([_day("A", "2026-02-28", (nan, nan, 130, 70, nan, nan, 150)),
                         _day("A", "2026-03-01", (nan, nan, 130, 70, nan, nan, 150))])
    r = assess_air(_stations(), days, 2026)
    sd = r.station_days
    # 2012: PM2.5 70 → 50 + 50/40·35 = 93.75 → 94; PM10 130 → 50 + 50/100·80 = 90; O3-1h 150 → 47
    # 2026: PM2.5 70 → 100 + 50/55·10 = 109.09 → 110; PM10 130 → 100 + 50/130·10 = 103.8 → 104;
    #       the daily O3 1 h maximum is not indexed (HJ 633-2026 §4.2.2)
    assert sd["edition"].tolist() == ["2012", "2026"]
    assert sd["iaqi_PM2_5"].tolist() == [94, 110] and sd["iaqi_PM10"].tolist() == [90, 104]
    assert sd["aqi"].tolist() == [94, 110] and sd["category_zh"].tolist() == ["良", "轻度污染"]
    assert sd["iaqi_O3_1h"].iloc[0] == 47 and math.isnan(sd["iaqi_O3_1h"].iloc[1])
    assert [(e["edition"], e["first_day"], e["last_day"], e["days"]) for e in r.editions] == [
        ("HJ 633-2012", "2026-02-28", "2026-02-28", 1), ("HJ 633-2026", "2026-03-01", "2026-03-01", 1)]
    forced = daily_aqi(r.station_days[["date", "PM10_24h", "PM2_5_24h"]], override="2012")
    assert forced["aqi"].tolist() == [94, 94] and forced["edition"].tolist() == ["2012", "2012"]


def test_short_days_lose_their_24h_means() -> None:
    days = _district_days().iloc[:1].assign(valid_hours=[19])  # GB 3095-2026 Table 4: ≥ 20 hours
    r = assess_air(_stations(), days, 2025)
    row = r.station_days.iloc[0]
    assert math.isnan(row["PM2_5_24h"]) and row["O3_8h"] == 120
    assert row["aqi"] == 67 and row["primary"] == "O3" and not row["complete"]  # O3-8h 120 → 67


# --- annual assessment -----------------------------------------------------------------

def _year_2025() -> pd.DataFrame:
    dates = pd.date_range("2025-01-01", "2025-12-31", freq="D").strftime("%Y-%m-%d")
    polluted = set(range(5, 365, 18))  # 20 days spread over the year
    assert len(polluted) == 20
    rows = []
    for i, day in enumerate(dates):
        rows.append(_day("A", day, (10, 30, 50, 100 if i in polluted else 30, 0.8, 100, 120)))
        rows.append(_day("C", day, (10, 20, 40, 20, 0.6, 80, 100)))
    return pd.DataFrame(rows)


def test_annual_assessment_of_a_small_year_by_hand() -> None:
    r = assess_air(_stations(), _year_2025(), 2025)
    assert r.gb3095["edition"] == "GB 3095-2012"
    a = _rows(r.annual, "scope", "unit")
    stats = _rows(r.statistics, "scope", "unit", "pollutant")
    # station A, PM2.5: 345 days at 30 and 20 at 100. Mean = (345·30 + 20·100)/365 = 12350/365.
    # 95th percentile (HJ 663): k = 1 + 364·0.95 = 346.8, s = 346: X_346 = X_347 = 100 → 100 > 75.
    pm = stats[("station", "A", "PM2_5")]
    assert pm["annual_mean"] == pytest.approx(12350 / 365) and pm["percentile_value"] == 100
    assert _verdict(pm["complies"]) is False
    sa = a[("station", "A")]
    assert sa["complete"] and _verdict(sa["complies"]) is False and sa["exceeding"] == "PM2_5"
    # good days: PM2.5 100 → IAQI 132 on 20 days; every other day AQI ≤ 100
    assert (sa["days"], sa["good_days"]) == (365, 345)
    assert sa["good_day_ratio"] == pytest.approx(345 / 365)
    # comprehensive index, grade II of GB 3095-2012: SO2 10/60 + NO2 30/40 + PM10 50/70 + PM2.5 mean/35
    # + CO 0.8/4 + O3 100/160
    ia = 10 / 60 + 30 / 40 + 50 / 70 + 12350 / 365 / 35 + 0.8 / 4 + 100 / 160
    assert sa["composite_index"] == pytest.approx(ia)
    ic = 10 / 60 + 20 / 40 + 40 / 70 + 20 / 35 + 0.6 / 4 + 80 / 160
    sc = a[("station", "C")]
    assert _verdict(sc["complies"]) is True and sc["composite_index"] == pytest.approx(ic)
    # districts: 东区 is station A alone (B has no data), 西区 station C; the cleaner ranks first
    assert a[("district", D1)]["composite_index"] == pytest.approx(ia)
    assert r.ranking[["district", "rank"]].values.tolist() == [[D2, 1], [D1, 2]]
    # city: the daily mean of A and C, so its annual PM2.5 mean is the mean of theirs
    assert stats[("city", "city", "PM2_5")]["annual_mean"] == pytest.approx((12350 / 365 + 20) / 2)
    assert r.editions == [{"edition": "HJ 633-2012", "first_day": "2025-01-01", "last_day": "2025-12-31",
                           "days": 365}]


def test_an_incomplete_year_has_no_verdict() -> None:
    days = _year_2025()
    days = days[~days["date"].str.startswith("2025-02-0")]  # 9 days of February gone: 19 < 25
    r = assess_air(_stations(), days, 2025)
    sc = _rows(r.annual, "scope", "unit")[("station", "C")]
    assert not sc["complete"] and _verdict(sc["complies"]) is None


# --- water -----------------------------------------------------------------------------

def _sections() -> pd.DataFrame:
    return pd.DataFrame({
        "section_id": ["S1", "S2", "S3", "S4", "S5"], "name": ["一桥", "水库", "三江口", "河口", "下游"],
        "district_id": [D1, D1, D2, D2, D1], "water_body": ["river", "reservoir", "river", "estuary", "river"],
        "river": ["青江", "青山水库", "青江", "南海", "青江"], "level": ["national"] * 5,
        "target_class": [3, 2, 3, 4, 3], "lon": [109.4] * 5, "lat": [24.3] * 5})


def _samples() -> pd.DataFrame:
    rows = [("S1", "2025-01-10", "do", 6.5), ("S1", "2025-01-10", "codmn", 5), ("S1", "2025-01-10", "nh3n", 0.9),
            ("S1", "2025-01-10", "tp", 0.15), ("S1", "2025-07-10", "do", 4.5), ("S1", "2025-07-10", "codmn", 7),
            ("S1", "2025-07-10", "nh3n", 1.2), ("S1", "2025-07-10", "tp", 0.25),
            ("S2", "2025-03-10", "tp", 0.03), ("S2", "2025-03-10", "nh3n", 0.2),
            ("S3", "2025-03-10", "nh3n", 0.4), ("S3", "2025-03-10", "do", 8),
            ("S4", "2025-03-10", "tp", 0.35), ("S5", "2025-03-10", "nh3n", 2.5),
            ("S5", "2024-03-10", "nh3n", 0.1)]  # another year: left out
    return pd.DataFrame(rows, columns=["section_id", "date", "item", "value"]).assign(unit="mg/L")


def test_water_section_year_by_hand() -> None:
    w = assess_water(_sections(), _samples(), 2025)
    s = w.samples[w.samples["section_id"] == "S1"]
    # S1 January: DO 6.5 ≥ 6 Ⅱ; CODMn 5 ≤ 6 Ⅲ; NH3-N 0.9 ≤ 1.0 Ⅲ; TP 0.15 ≤ 0.2 Ⅲ → Ⅲ
    # S1 July: DO 4.5 ≥ 3 Ⅳ; CODMn 7 ≤ 10 Ⅳ; NH3-N 1.2 ≤ 1.5 Ⅳ; TP 0.25 ≤ 0.3 Ⅳ → Ⅳ
    assert s["class"].tolist() == [3, 4]
    assert s["deciding"].tolist() == ["codmn,nh3n,tp", "do,codmn,nh3n,tp"]
    assert w.months[w.months.section_id == "S1"]["class"].tolist() == [3, 4]
    y = _rows(w.years, "section_id")
    # S1 year means: DO 5.5 (Ⅲ), CODMn 6 (Ⅲ, at the limit), NH3-N 1.05 (Ⅳ), TP 0.2 (Ⅲ, at the limit) → Ⅳ
    assert (y["S1"]["class"], y["S1"]["class_label"], y["S1"]["deciding"]) == (4, "Ⅳ", "nh3n")
    assert not y["S1"]["meets_target"] and y["S1"]["grade"] == "轻度污染"
    # CWQI: DO 5/5.5 + CODMn 6/6 + NH3-N 1.05/1.0 + TP 0.2/0.2
    assert y["S1"]["cwqi"] == pytest.approx(5 / 5.5 + 1 + 1.05 + 1)
    # S2 reservoir (lake limits): TP 0.03 > 0.025 (Ⅱ) ≤ 0.05 → Ⅲ; target Ⅱ missed
    assert y["S2"]["class"] == 3 and not y["S2"]["meets_target"]
    assert y["S3"]["class"] == 2 and y["S3"]["meets_target"]  # NH3-N 0.4 Ⅱ, DO 8 Ⅰ
    # S4 estuary, rule gb3838 → river limits: TP 0.35 > 0.3 (Ⅳ) ≤ 0.4 → Ⅴ
    assert y["S4"]["class"] == 5 and y["S5"]["class"] == 6  # NH3-N 2.5 > 2.0 → 劣Ⅴ
    assert y["S5"]["samples"] == 1
    m = w.exceedances.set_index(["section_id", "item"])["multiple"]
    # against the target class: S1 NH3-N (1.05 − 1.0)/1.0; S2 TP (0.03 − 0.025)/0.025; S4 TP (0.35 − 0.3)/0.3
    assert m[("S1", "nh3n")] == pytest.approx(0.05) and m[("S2", "tp")] == pytest.approx(0.2)
    assert m[("S4", "tp")] == pytest.approx(0.05 / 0.3) and len(m) == 4  # and S5 NH3-N (2.5 − 1)/1
    assert m[("S5", "nh3n")] == pytest.approx(1.5)


def test_water_shares_and_grades() -> None:
    w = assess_water(_sections(), _samples(), 2025)
    sh = _rows(w.shares, "unit")
    # city: Ⅳ, Ⅲ, Ⅱ, Ⅴ, 劣Ⅴ → Ⅰ–Ⅲ 2/5 = 40 %, 劣Ⅴ 1/5 = 20 % → 中度污染 (< 75 %, 20 % ≤ 劣Ⅴ < 40 %)
    c = sh["city"]
    assert (c["sections"], c["i_iii"], c["worse_v"], c["grade"]) == (5, 40.0, 20.0, "中度污染")
    assert c["meeting_target"] == 1 and c["meeting_target_pct"] == 20.0
    # 东区: S1 Ⅳ, S2 Ⅲ, S5 劣Ⅴ; fewer than 5 sections → no grade by shares
    d = sh[D1]
    assert d["i_iii"] == pytest.approx(100 / 3) and d["worse_v"] == pytest.approx(100 / 3) and pd.isna(d["grade"])
    assert sh[D2]["i_iii"] == 50.0 and sh[D2]["worse_v"] == 0.0


# --- documents and commands ------------------------------------------------------------

@pytest.fixture
def monitored(small_package: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The conftest package with the monitoring tables of this file. Until the data package
    holds air and water tables (issue #18, helper P1), the documents' table readers are
    given these frames."""
    from qingshan.documents import air as air_doc
    from qingshan.documents import water as water_doc

    monkeypatch.setattr(air_doc, "tables", lambda city: (_stations(), _year_2025()))
    monkeypatch.setattr(water_doc, "tables", lambda city: (_sections(), _samples()))
    return small_package


def test_air_command(monitored: Path, tmp_path: Path) -> None:
    out = tmp_path / "air.json"
    res = CliRunner().invoke(main, ["air", str(monitored), "--year", "2025", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    assert {"id", "version"} <= set(doc["profile"]) and doc["year"] == 2025
    assert doc["aqi_standard"]["override"] is None and doc["aqi_standard"]["editions"][0]["edition"] == "HJ 633-2012"
    assert [(d["name"], d["rank"]) for d in doc["districts"]] == [("西区", 1), ("东区", 2)]
    assert doc["city"]["name"] == "青山市" and len(doc["days"]["city"]) == 365
    assert "西区" in res.output and "优良天数比例" in res.output
    xlsx = tmp_path / "air.xlsx"
    res = CliRunner().invoke(main, ["air", str(monitored), "--year", "2025", "--format", "xlsx", "--out", str(xlsx)])
    assert res.exit_code == 0, res.output
    assert xlsx.stat().st_size > 0


def test_water_command(monitored: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["water", str(monitored), "--year", "2025"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["city"]["grade"] == "中度污染" and doc["city"]["i_iii"] == 40.0
    s1 = next(s for s in doc["sections"] if s["section_id"] == "S1")
    assert (s1["class"], s1["meets_target"], s1["district_name"]) == (4, False, "东区")
    assert not any(isinstance(v, float) and not np.isfinite(v) for s in doc["sections"] for v in s.values())
    res = CliRunner().invoke(main, ["water", str(monitored), "--year", "2019"])
    assert res.exit_code == 2 and "2019" in res.output


def test_a_package_without_monitoring_is_refused(small_package: Path) -> None:
    res = CliRunner().invoke(main, ["--lang", "en", "air", str(small_package), "--year", "2025"])
    assert res.exit_code == 2 and "no air monitoring data" in res.output


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("envdemo") / "数据"
    res = CliRunner().invoke(main, ["demo", "--data-dir", str(d), "--enterprises", "40", "--years", "2025-2026"])
    assert res.exit_code == 0, res.output
    return d


def test_demo_city_year_across_the_switch(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "air.json"
    res = CliRunner().invoke(main, ["air", str(demo_dir), "--year", "2026", "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    # 2026-01-01 … 02-28 under HJ 633-2012 (59 days), 03-01 … 12-31 under HJ 633-2026 (306 days)
    assert [(e["edition"], e["days"]) for e in doc["aqi_standard"]["editions"]] == [
        ("HJ 633-2012", 59), ("HJ 633-2026", 306)]
    assert doc["gb3095"]["edition"] == "GB 3095-2026"
    days = doc["days"]["city"]
    assert len(days) == 365 and {d["edition"] for d in days if d["date"] < "2026-03-01"} == {"2012"}
    assert {d["edition"] for d in days if d["date"] >= "2026-03-01"} == {"2026"}
    assert all(d["iaqi_O3_1h"] is None for d in days if d["edition"] == "2026")
    ranks = sorted(d["rank"] for d in doc["districts"])
    assert ranks == list(range(1, len(ranks) + 1))
    stations = pd.read_csv(demo_dir / "package" / "air_stations.csv", dtype=str)
    assert {s["code"] for s in doc["stations"]} == set(stations["station_id"])


def test_demo_city_water(demo_dir: Path) -> None:
    res = CliRunner().invoke(main, ["water", str(demo_dir), "--year", "2025"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    sections = pd.read_csv(demo_dir / "package" / "water_sections.csv", dtype=str)
    assert doc["city"]["sections"] == len(sections) == len(doc["sections"])
    for unit in (doc["city"], *doc["districts"]):  # the class shares add up to 100 %
        assert sum(unit[f"class_{k}"] for k in range(1, 7)) == pytest.approx(100.0)
    assert sum(d["sections"] for d in doc["districts"]) == doc["city"]["sections"]


def test_the_profile_can_force_one_edition(monitored: Path, tmp_path: Path) -> None:
    prof = tmp_path / "forced.toml"
    prof.write_text('id = "forced"\nzh = "测试"\nen = "test"\nlevel = "city"\nregion_code = "450900"\n'
                    'parent = "national"\nversion = "1"\nreleased = 2026-12-01\nchanges = "test"\n\n'
                    '[[environment.aqi_standard]]\nvalue = "2026"\nfrom = 2020\nsource = "test"\n', encoding="utf-8")
    out = tmp_path / "air.json"
    res = CliRunner().invoke(main, ["air", str(monitored), "--year", "2025", "--profile", str(prof), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["aqi_standard"]["override"] == "HJ 633-2026" and doc["aqi_standard"]["selection"]["value"] == "2026"
    assert [e["edition"] for e in doc["aqi_standard"]["editions"]] == ["HJ 633-2026"]
    # station A on a polluted day: PM2.5 100 → HJ 633-2026: 100 + 50/55·40 = 136.4 → 137 (2012 would give 132)
    a = next(d for d in doc["days"]["stations"] if d["unit"] == "A" and d["PM2_5_24h"] == 100)
    assert a["aqi"] == 137 and a["edition"] == "2026"
    assert doc["gb3095"]["edition"] == "GB 3095-2012"  # the limits follow the year, not the AQI edition
