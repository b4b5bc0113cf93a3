"""The monitoring tables of the data package (air stations and days, water sections and
samples; issue #18): the demo city's tables validate clean, every problem of a hostile
package is reported at once with file, row, column and value, a workbook reads back the
same tables, and the demo's stations and sections look as docs/demo-city.md says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qingshan.data.demo.city as demo_city
from qingshan.data.demo import generate_demo_city
from qingshan.data.monitoring import gb3838_items, parse_date, sample_items
from qingshan.data.package import write_csv_package, write_xlsx_package
from qingshan.data.validate import check_package
from qingshan.errors import Problem

MONITORING = ("air_stations", "air_daily", "water_sections", "water_samples")
YEAR = 2024


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return generate_demo_city(enterprises=40, years=[YEAR])


@pytest.fixture(scope="module")
def six_years() -> dict[str, pd.DataFrame]:
    return generate_demo_city(enterprises=40, years=range(2020, 2026))


def _where(problems: list[Problem]) -> set[tuple[str, str, int | None, str | None, str | None]]:
    return {(p.code, p.file, p.row, p.column, p.value) for p in problems}


# --- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "day"), [
    ("2024-01-05", "2024-01-05"), ("2024-1-5", "2024-01-05"), ("2024/01/05", "2024-01-05"),
    ("2024年1月5日", "2024-01-05"), ("2024-01-05 00:00:00", "2024-01-05"), ("２０２４－０１－０５", "2024-01-05"),
    ("2024-02-29", "2024-02-29"),
])
def test_parse_date_reads_the_ways_a_day_is_written(text: str, day: str) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["2023-02-29", "2024-02-30", "2024-13-01", "2024-04-31", "2024-01",
                                  "2024-01-05 noon", "2024-01-05 12:00:00", "05/01/2024", ""])
def test_parse_date_refuses_what_is_not_a_day(text: str) -> None:
    assert parse_date(text) is None


def test_items_are_the_24_basic_items_of_gb3838() -> None:
    items = gb3838_items()
    assert len(items) == 24  # GB 3838-2002 Table 1 has 24 basic items
    assert items["nh3n"] == "mg/L" and items["ph"] == "dimensionless" and items["fecal_coliform"] == "count/L"


# --- the demo package validates clean -----------------------------------------------------


def test_demo_package_with_monitoring_validates_clean(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    pkg, problems = check_package(write_csv_package(small, tmp_path / "pkg"))
    assert problems == []
    assert pkg.years == [YEAR]
    for name in MONITORING:
        assert len(pkg[name]) == len(small[name]) > 0, name
    daily, samples, sections = pkg.air_daily, pkg.water_samples, pkg.water_sections
    assert set(daily["date"].str[:4]) == {str(YEAR)} and (daily["year"] == YEAR).all()
    assert str(daily["valid_hours"].dtype) == "Int64" and str(sections["target_class"].dtype) == "Int64"
    assert daily["pm25_24h"].dtype == np.float64 and daily["co_24h"].isna().any()  # missing stays missing
    # every GB 3838 item, and the GB 3097-only items (cod_sea, din, po4_p) at the sea-ward estuary only
    sea_only = {"cod_sea", "din", "po4_p"}
    assert set(samples["item"]) == set(gb3838_items()) | sea_only
    assert set(samples.loc[samples["item"].isin(sea_only), "section_id"]) == {"QSW10"}
    assert (samples["unit"] == samples["item"].map(sample_items())).all()


def test_monitoring_leaves_every_other_table_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    with_it = generate_demo_city(enterprises=30, years=[2023, 2024])
    monkeypatch.setattr(demo_city, "monitoring_tables", lambda seed, years: {})
    without = generate_demo_city(enterprises=30, years=[2023, 2024])
    assert set(with_it) - set(without) == set(MONITORING)
    for name, frame in without.items():
        pd.testing.assert_frame_equal(frame, with_it[name])


# --- a hostile package: every problem at once ------------------------------------------------


def _append(path: Path, rows: list[dict[str, object]]) -> int:
    """Append ``rows`` to a CSV file; return the row number a person sees of the first."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    first = len(frame) + 2
    pd.concat([frame, pd.DataFrame(rows).astype(str)], ignore_index=True).to_csv(path, index=False)
    return first


def _set(path: Path, index: int, **values: object) -> int:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col, v in values.items():
        frame.loc[index, col] = str(v)
    frame.to_csv(path, index=False)
    return index + 2


def test_hostile_package_reports_every_problem(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    d = write_csv_package(small, tmp_path / "bad")
    enterprise = str(small["entities"].query("entity_type == 'enterprise'")["entity_id"].iloc[0])
    st = _append(d / "air_stations.csv", [
        {"station_id": "QSX1", "name": "外站", "district_id": "459999", "level": "国控", "lon": "120.5", "lat": "24.3"},
        {"station_id": "QSX2", "name": "北站", "district_id": enterprise, "level": "municipal", "lon": "109.3",
         "lat": "30.25"},
    ])
    day = _append(d / "air_daily.csv", [
        {"station_id": "QSA99", "date": f"{YEAR}-03-01", "pm25_24h": "30"},
        {"station_id": "QSA01", "date": f"{YEAR}-02-30", "pm25_24h": "30"},
        {"station_id": "QSA01", "date": "2019-06-01", "pm25_24h": "30"},
        {"station_id": "QSA01", "date": f"{YEAR}-01-01", "pm25_24h": "30"},  # the file's first key again
    ])
    neg = _set(d / "air_daily.csv", 10, pm25_24h=-5)
    frac = _set(d / "air_daily.csv", 11, valid_hours=23.5)
    over = _set(d / "air_daily.csv", 12, valid_hours=30)
    cls7 = _set(d / "water_sections.csv", 2, target_class=7)
    cls_half = _set(d / "water_sections.csv", 4, target_class=2.5)
    not_district = _set(d / "water_sections.csv", 6, district_id=enterprise)
    far = _set(d / "water_sections.csv", 8, lon=109.9)
    ws = _append(d / "water_samples.csv", [
        {"section_id": "QSW99", "date": f"{YEAR}-06-28", "item": "nh3n", "value": "0.5", "unit": "mg/L"},
        {"section_id": "QSW01", "date": f"{YEAR}-06-28", "item": "xyz", "value": "0.5", "unit": "mg/L"},
        {"section_id": "QSW01", "date": f"{YEAR}-06-28", "item": "氨氮", "value": "500", "unit": "µg/L"},
        {"section_id": "QSW01", "date": f"{YEAR}-06-28", "item": "tp", "value": "-0.1", "unit": "mg/L"},
        {"section_id": "QSW01", "date": f"{YEAR + 1}-06-28", "item": "总磷", "value": "0.1", "unit": ""},
    ])
    _, problems = check_package(d)
    got = _where(problems)
    expected = {
        ("P153", "air_stations.csv", st, "district_id", "459999"),
        ("P157", "air_stations.csv", st, "lon", "120.5"),
        ("P153", "air_stations.csv", st + 1, "district_id", enterprise),
        ("P157", "air_stations.csv", st + 1, "lat", "30.25"),
        ("P152", "air_daily.csv", day, "station_id", "QSA99"),
        ("P150", "air_daily.csv", day + 1, "date", f"{YEAR}-02-30"),
        ("P156", "air_daily.csv", day + 2, "date", "2019-06-01"),
        ("P035", "air_daily.csv", day + 3, "station_id+date", f"QSA01|{YEAR}-01-01"),
        ("P012", "air_daily.csv", neg, "pm25_24h", "-5"),
        ("P151", "air_daily.csv", frac, "valid_hours", "23.5"),
        ("P012", "air_daily.csv", over, "valid_hours", "30"),
        ("P012", "water_sections.csv", cls7, "target_class", "7"),
        ("P151", "water_sections.csv", cls_half, "target_class", "2.5"),
        ("P153", "water_sections.csv", not_district, "district_id", enterprise),
        ("P157", "water_sections.csv", far, "lon", "109.9"),
        ("P152", "water_samples.csv", ws, "section_id", "QSW99"),
        ("P154", "water_samples.csv", ws + 1, "item", "xyz"),
        ("P155", "water_samples.csv", ws + 2, "unit", "μg/L ↔ nh3n"),  # micro sign read as μ (NFKC)
        ("P012", "water_samples.csv", ws + 3, "value", "-0.1"),
        ("P156", "water_samples.csv", ws + 4, "date", f"{YEAR + 1}-06-28"),
    }
    assert expected - got == set()
    assert got - expected == set()  # nothing else: 氨氮, 总磷 and an empty unit are read as meant
    dup = next(p for p in problems if p.code == "P035")
    assert "air_daily.csv 第2行" in dup.expected_zh and "air_daily.csv row 2" in dup.expected_en
    p157 = next(p for p in problems if p.code == "P157")
    assert "109.2000–109.6000" in p157.expected_zh  # the demo city's box, from its boundaries


def test_without_boundaries_the_box_is_not_checked(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    d = write_csv_package({k: v for k, v in small.items() if k != "boundaries"}, tmp_path / "nob")
    _set(d / "air_stations.csv", 0, lon=120.5)
    _, problems = check_package(d)
    assert problems == []


def test_unreadable_entities_are_the_cause_not_every_station(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    d = write_csv_package(small, tmp_path / "noent")
    (d / "entities.csv").write_bytes(b"\xff\xfe\x00garbage")
    _, problems = check_package(d)
    assert not any(p.code == "P153" for p in problems)


# --- workbooks -----------------------------------------------------------------------------


def test_workbook_round_trip(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    csv_pkg, csv_problems = check_package(write_csv_package(small, tmp_path / "pkg"))
    book = dict(small)
    for name in ("air_daily", "water_samples"):  # real date cells, as a person's workbook has them
        book[name] = book[name].assign(date=pd.to_datetime(book[name]["date"]))
    xlsx_pkg, xlsx_problems = check_package(write_xlsx_package(book, tmp_path / "pkg.xlsx"))
    assert csv_problems == [] and xlsx_problems == []
    for name in MONITORING:
        a = csv_pkg[name].drop(columns=["_file"]).reset_index(drop=True)
        b = xlsx_pkg[name].drop(columns=["_file"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


# --- the demo city's stations and sections ----------------------------------------------------


def test_demo_stations_and_days(six_years: dict[str, pd.DataFrame]) -> None:
    st, daily = six_years["air_stations"], six_years["air_daily"]
    assert 6 <= len(st) <= 10 and 1 <= (st["level"] == "national").sum() <= 2
    assert set(st["district_id"]) == set(six_years["entities"].query("entity_type == 'district'")["entity_id"])
    days = pd.to_datetime(daily["date"])
    per = daily.groupby([daily["station_id"], days.dt.year]).size().unstack()
    full = pd.Series({y: 366 if y % 4 == 0 else 365 for y in range(2020, 2026)})
    short = per.ne(full, axis=1)
    assert short.sum().sum() == 1 and per.loc["QSA06", 2022] == 365 - 48  # one outage: 317 < 324 days
    year = days.dt.year
    pm = daily.groupby(year)["pm25_24h"].mean()
    assert pm.min() >= 25 and pm.max() <= 40 and pm[2025] < pm[2020]
    month = days.dt.month
    winter, summer = month.isin([12, 1, 2]), month.isin([6, 7, 8])
    assert daily.loc[winter, "pm25_24h"].mean() > 1.5 * daily.loc[summer, "pm25_24h"].mean()
    assert daily.loc[month.isin([8, 9, 10]), "o3_8h_max"].mean() > 1.3 * daily.loc[winter, "o3_8h_max"].mean()
    assert (daily["o3_1h_max"] >= 0).all() and (daily["valid_hours"] < 20).any()


def test_demo_sections_miss_targets_only_where_documented(six_years: dict[str, pd.DataFrame]) -> None:
    sec = six_years["water_sections"].set_index("section_id")
    assert 8 <= len(sec) <= 12 and (sec["water_body"] == "estuary").sum() == 2
    assert (sec["water_body"] == "reservoir").sum() == 1
    s = six_years["water_samples"]
    per_month = s.groupby("section_id")["date"].nunique()
    assert (per_month == 72).all()  # a sample every month of six years
    # Independent check against GB 3838-2002 Table 1 limits written out here (mg/L):
    # NH3-N class III 1.0, class IV 1.5; TP (rivers) class III 0.2.
    nh3n = s[(s["section_id"] == "QSW04") & (s["item"] == "nh3n")]["value"]
    tp = s[(s["section_id"] == "QSW06") & (s["item"] == "tp")]["value"]
    assert (nh3n > 1.5).sum() == 18 and (tp > 0.2).sum() == 18  # three storm months a year
    others = s[~s["section_id"].isin(["QSW04", "QSW06"]) & (s["item"] == "nh3n")]
    target = others["section_id"].map(sec["target_class"])
    assert (others["value"] <= target.map({2: 0.5, 3: 1.0, 4: 1.5})).all()
