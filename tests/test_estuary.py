"""Estuary sections (入海河口) under the profile's ``environment.estuary_rule`` (issue #18,
item 3): GB 3097-1997 classes at, below and above every limit of the items held, the ">" of
dissolved oxygen, 劣四类, one section assessed by ``gb3097`` and by ``gb3838`` with every
figure worked by hand, the sea classes kept out of the GB 3838 shares, the profile's
selection through ``qingshan water``, and hostile values and package rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.cli import main
from qingshan.data.demo import generate_demo_city
from qingshan.data.monitoring import resolve_item, sample_items
from qingshan.data.package import write_csv_package
from qingshan.data.validate import check_package
from qingshan.environment import standards
from qingshan.environment.water import assess_water
from qingshan.errors import ConfigError, Problem, ValidationError
from qingshan.methods import water_quality as wq
from qingshan.profiles.check import check_profile
from qingshan.profiles.profile import load_profile

SEA = standards.sea_water_limits()
RIVER = standards.water_limits()

# GB 3097-1997 Table 1, the items confirmed in two copies [C] (海洋科学 2020 44(6) p.32 Table 1;
# a public table of all items), typed here from the research notes, mg/L, classes 一…四:
TABLE_1 = {
    "do": ("min_exclusive", (6, 5, 4, 3)),          # 溶解氧 >
    "cod_sea": ("max", (2, 3, 4, 5)),               # 化学需氧量 ≤
    "din": ("max", (0.20, 0.30, 0.40, 0.50)),       # 无机氮 (以N计) ≤
    "po4_p": ("max", (0.015, 0.030, 0.030, 0.045)),  # 活性磷酸盐 (以P计) ≤
    "petroleum": ("max", (0.05, 0.05, 0.30, 0.50)),  # 石油类 ≤
}

# (item, value, class): at, just below and just above every limit, written out by hand.
# Classes 1…4 = 一类…四类, 5 = 劣四类. DO is in a class when it *exceeds* the class's limit.
CASES = [
    ("do", 6.01, 1), ("do", 6, 2), ("do", 5.99, 2),
    ("do", 5.01, 2), ("do", 5, 3), ("do", 4.99, 3),
    ("do", 4.01, 3), ("do", 4, 4), ("do", 3.99, 4),
    ("do", 3.01, 4), ("do", 3, 5), ("do", 2.99, 5), ("do", 0, 5),
    ("cod_sea", 1.99, 1), ("cod_sea", 2, 1), ("cod_sea", 2.01, 2),
    ("cod_sea", 2.99, 2), ("cod_sea", 3, 2), ("cod_sea", 3.01, 3),
    ("cod_sea", 3.99, 3), ("cod_sea", 4, 3), ("cod_sea", 4.01, 4),
    ("cod_sea", 4.99, 4), ("cod_sea", 5, 4), ("cod_sea", 5.01, 5),
    ("din", 0.199, 1), ("din", 0.20, 1), ("din", 0.201, 2),
    ("din", 0.299, 2), ("din", 0.30, 2), ("din", 0.301, 3),
    ("din", 0.399, 3), ("din", 0.40, 3), ("din", 0.401, 4),
    ("din", 0.499, 4), ("din", 0.50, 4), ("din", 0.501, 5),
    ("po4_p", 0.0149, 1), ("po4_p", 0.015, 1), ("po4_p", 0.0151, 2),
    ("po4_p", 0.0299, 2), ("po4_p", 0.030, 2), ("po4_p", 0.0301, 4),  # 二 and 三 share 0.030
    ("po4_p", 0.0449, 4), ("po4_p", 0.045, 4), ("po4_p", 0.0451, 5),
    ("petroleum", 0.0499, 1), ("petroleum", 0.05, 1), ("petroleum", 0.0501, 3),  # 一 and 二 share 0.05
    ("petroleum", 0.2999, 3), ("petroleum", 0.30, 3), ("petroleum", 0.3001, 4),
    ("petroleum", 0.4999, 4), ("petroleum", 0.50, 4), ("petroleum", 0.5001, 5),
    ("din", 0, 1), ("cod_sea", 1e6, 5),
]


def _one(item: str, value: float) -> Any:
    return wq.sea_item_classes(pd.DataFrame({item: [value]}), SEA)[item].iloc[0]


# --- the table ---------------------------------------------------------------------------


def test_the_table_holds_the_confirmed_items_as_read() -> None:
    held = {r.item: (r.direction, tuple(float(getattr(r, c)) for c in wq.SEA_LIMIT_COLUMNS))
            for r in SEA.itertuples()}
    assert held == {k: (d, tuple(float(x) for x in v)) for k, (d, v) in TABLE_1.items()}
    assert set(SEA["tag"]) == {"C"} and set(SEA["unit"]) == {"mg/L"}
    assert SEA["source"].str.contains("GB 3097-1997").all() and SEA["source"].str.contains("海洋科学 2020").all()
    # BOD5, non-ionic ammonia and pH were found in one copy only: not held, not assessed
    assert wq.sea_assessed_items(SEA) == ["do", "cod_sea", "din", "po4_p", "petroleum"]
    assert not {"bod5", "ph", "nh3_unionized"} & set(SEA["item"])


def test_rows_not_confirmed_are_not_assessed() -> None:
    extra = pd.concat([SEA, SEA[SEA["item"] == "din"].assign(item="bod5_sea", tag="R")], ignore_index=True)
    assert wq.sea_assessed_items(extra) == wq.sea_assessed_items(SEA)
    assert list(wq.sea_item_classes(pd.DataFrame({"bod5_sea": [9.0], "din": [0.1]}), extra).columns) == ["din"]


# --- classes -----------------------------------------------------------------------------


@pytest.mark.parametrize(("item", "value", "cls"), CASES)
def test_class_at_below_and_above_every_limit(item: str, value: float, cls: int) -> None:
    assert _one(item, value) == cls


def test_every_limit_of_the_table_is_in_the_cases() -> None:
    for item, (_, limits) in TABLE_1.items():
        at = {v for i, v, _ in CASES if i == item}
        assert set(limits) <= at, item


def test_a_float_sum_at_a_limit_is_at_the_limit() -> None:
    assert 0.1 + 0.2 != 0.3
    assert _one("din", 0.1 + 0.2) == 2  # 0.30000000000000004 is at the 二类 limit 0.30


def test_dissolved_oxygen_is_strict_in_gb3097_but_not_in_gb3838() -> None:
    # GB 3838-2002 DO "≥" 7.5/6/5/3/2: 3 mg/L is Ⅳ; GB 3097-1997 DO ">" 6/5/4/3: 3 mg/L is 劣四类
    conc = pd.DataFrame({"do": [3.0, 6.0, 7.5]})
    assert wq.item_classes(conc, RIVER, "river")["do"].tolist() == [4, 2, 1]
    assert wq.sea_item_classes(conc, SEA)["do"].tolist() == [5, 2, 1]


def test_worse_than_class_four_and_the_deciding_items() -> None:
    conc = pd.DataFrame({"do": [5.5, 2.0], "cod_sea": [2.5, 2.0], "din": [0.35, 0.6], "po4_p": [0.02, 0.05],
                         "petroleum": [0.04, 0.01], "tp": [9.0, 9.0]})  # tp is a GB 3838 item: dropped
    classes = wq.sea_item_classes(conc, SEA)
    assert list(classes.columns) == ["do", "cod_sea", "din", "po4_p", "petroleum"]
    # row 0: DO 5.5 > 5 二, COD 2.5 ≤ 3 二, 无机氮 0.35 ≤ 0.40 三, 磷酸盐 0.02 ≤ 0.030 二, 石油类 0.04 一 → 三类
    # row 1: DO 2 ≤ 3 劣四, 无机氮 0.6 > 0.5 劣四, 磷酸盐 0.05 > 0.045 劣四 → 劣四类, three deciding items
    assert classes.iloc[0].tolist() == [2, 2, 3, 2, 1] and classes.iloc[1].tolist() == [5, 1, 5, 5, 1]
    cls = wq.sample_class(classes)
    assert cls.tolist() == [3, 5]
    assert wq.deciding_items(classes).tolist() == [("din",), ("do", "din", "po4_p")]
    assert [wq.sea_class_label(c) for c in cls] == ["三类", "劣四类"]
    assert [wq.sea_class_label(c, "en") for c in cls] == ["class 3", "worse than class 4"]
    assert wq.sea_class_label(pd.NA) is None and wq.sea_class_label(float("nan")) is None


def test_sea_shares_are_their_own() -> None:
    s = wq.sea_class_shares(pd.Series([1, 3, 3, 5, pd.NA], dtype="Int64"))
    assert s["n"] == 4 and (s["class_1"], s["class_2"], s["class_3"], s["class_4"], s["class_5"]) == (
        25.0, 0.0, 50.0, 0.0, 25.0)
    assert np.isnan(wq.sea_class_shares(pd.Series([], dtype="Int64"))["class_1"])


@settings(max_examples=200, deadline=None)
@given(item=st.sampled_from(sorted(TABLE_1)), a=st.floats(0, 10), b=st.floats(0, 10))
def test_more_pollution_never_gives_a_better_class(item: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    c_lo, c_hi = _one(item, lo), _one(item, hi)
    if item == "do":  # more oxygen is better
        assert c_hi <= c_lo
    else:
        assert c_hi >= c_lo
    assert min(c_lo, c_hi) >= 1 and max(c_lo, c_hi) <= 5


# --- hostile values ----------------------------------------------------------------------


def test_values_that_are_not_concentrations_get_no_class() -> None:
    conc = pd.DataFrame({"din": [-0.1, np.inf, -np.inf, np.nan, "abc", None, "0.25"],
                         "do": [-1.0, np.inf, 7.0, np.nan, "x", 6.5, "5.5"]})
    classes = wq.sea_item_classes(conc, SEA)
    assert classes["din"].isna().tolist() == [True, True, True, True, True, True, False]
    assert classes["do"].isna().tolist() == [True, True, False, True, True, False, False]
    assert classes["din"].iloc[6] == 2 and classes["do"].iloc[2] == 1 and classes["do"].iloc[6] == 2
    assert wq.sample_class(classes).isna().tolist() == [True, True, False, True, True, False, False]
    empty = wq.sea_item_classes(pd.DataFrame({"din": []}, dtype=float), SEA)
    assert empty.empty and list(empty.columns) == ["din"]


def test_unknown_rule_side_and_direction_are_refused() -> None:
    body = pd.Series(["estuary", "river"])
    with pytest.raises(ConfigError, match="gb3097"):
        wq.section_standard(body, None, "seawater")
    with pytest.raises(ConfigError, match="ocean"):
        wq.section_standard(body, pd.Series(["ocean", None]), "gb3097")
    with pytest.raises(ConfigError):
        wq.limits_for(RIVER, "estuary", "gb3097 ")
    with pytest.raises(ConfigError, match="sideways"):
        wq.sea_item_classes(pd.DataFrame({"din": [0.1]}), SEA.assign(direction="sideways"))
    with pytest.raises(ConfigError):
        assess_water(_sections(), _samples(), 2025, estuary_rule="GB3097")


def test_which_standard_each_section_is_assessed_by() -> None:
    body = pd.Series(["river", "lake", "estuary", "estuary", "estuary", "river"])
    side = pd.Series([None, None, "river", "sea", None, "sea"])  # a river row with a side: not an estuary
    assert wq.section_standard(body, side, "gb3838").tolist() == ["gb3838"] * 6
    assert wq.section_standard(body, side, "gb3097").tolist() == [
        "gb3838", "gb3838", "gb3838", "gb3097", "gb3838", "gb3838"]
    assert wq.section_standard(body, None, "gb3097").tolist() == ["gb3838"] * 6


def test_a_broken_standards_file_reports_every_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = pd.read_csv(standards.FOLDER / "gb3097-1997.csv", dtype=str, keep_default_na=False)
    bad.loc[0, "direction"] = "min"  # GB 3097 DO is ">", never "≥"
    bad.loc[1, "tag"] = "maybe"
    bad.loc[2, "class_3"] = "zero point four"
    bad.to_csv(tmp_path / "gb3097-1997.csv", index=False)
    monkeypatch.setattr(standards, "FOLDER", tmp_path)
    standards.sea_water_limits.cache_clear()
    try:
        with pytest.raises(ValidationError) as e:
            standards.sea_water_limits()
    finally:
        standards.sea_water_limits.cache_clear()
    assert {(p.code, p.row, p.column, p.value) for p in e.value.problems} == {
        ("ES004", 2, "direction", "min"), ("ES004", 3, "tag", "maybe"), ("ES002", 4, "class_3", "zero point four")}


# --- the engine: one year, both rules, by hand -------------------------------------------

D1, D2 = "450901", "450902"


def _sections() -> pd.DataFrame:
    return pd.DataFrame({
        "section_id": ["S1", "S2", "S3", "S4"], "name": ["一桥", "河口上", "河口外", "河口东"],
        "district_id": [D1, D2, D2, D1], "water_body": ["river", "estuary", "estuary", "estuary"],
        "river": ["青江", "青江口", "青山湾", "东湾"], "level": ["national"] * 4, "target_class": [3, 4, 3, 3],
        "estuary_side": [None, "river", "sea", None], "sea_target_class": pd.array([None, None, 2, None], "Int64"),
        "lon": [109.4] * 4, "lat": [24.3] * 4})


def _samples() -> pd.DataFrame:
    rows = [("S1", "2025-03-10", "nh3n", 0.9), ("S2", "2025-03-10", "tp", 0.35),
            ("S4", "2025-03-10", "nh3n", 0.3), ("S4", "2025-03-10", "din", 0.6)]
    for day, values in (("2025-03-10", {"do": 5.5, "cod_sea": 2.5, "din": 0.35, "po4_p": 0.02, "petroleum": 0.04,
                                        "tp": 0.15, "nh3n": 0.4}),
                        ("2025-08-10", {"do": 4.5, "cod_sea": 3.5, "din": 0.45, "po4_p": 0.03, "petroleum": 0.06,
                                        "tp": 0.25, "nh3n": 0.6})):
        rows += [("S3", day, item, v) for item, v in values.items()]
    return pd.DataFrame(rows, columns=["section_id", "date", "item", "value"]).assign(unit="mg/L")


def _by(frame: pd.DataFrame, key: str) -> dict[Any, dict[Any, Any]]:
    return {r[key]: r for r in frame.to_dict("records")}


def test_gb3838_classes_every_estuary_section_as_a_river_section() -> None:
    w = assess_water(_sections(), _samples(), 2025)
    y = _by(w.years, "section_id")
    assert set(w.years["standard"]) == {"gb3838"} and w.sea_items == [] and w.sea_shares.empty
    # S3 year means (GB 3838 river rows): DO 5.0 ≥ 5 Ⅲ, TP 0.2 ≤ 0.2 Ⅲ, NH3-N 0.5 ≤ 0.5 Ⅱ,
    # 石油类 0.05 ≤ 0.05 Ⅰ → Ⅲ, deciding DO and TP; target Ⅲ met
    assert (y["S3"]["class"], y["S3"]["deciding"], y["S3"]["meets_target"]) == (3, "do,tp", True)
    assert pd.isna(y["S3"]["sea_class"]) and y["S3"]["sea_deciding"] is None
    assert y["S3"]["cwqi"] == pytest.approx(5 / 5.0 + 0.2 / 0.2 + 0.5 / 1.0 + 0.05 / 0.05)
    # S1 NH3-N 0.9 Ⅲ; S2 TP 0.35 Ⅴ; S4 NH3-N 0.3 Ⅱ (its 无机氮 has no GB 3838 class)
    assert [y[s]["class"] for s in ("S1", "S2", "S4")] == [3, 5, 2]
    c = _by(w.shares, "unit")["city"]
    assert (c["sections"], c["i_iii"], c["worse_v"]) == (4, 75.0, 0.0)


def test_gb3097_classes_the_sea_ward_section_by_seawater_limits() -> None:
    w = assess_water(_sections(), _samples(), 2025, estuary_rule="gb3097")
    assert w.sea_items == ["do", "cod_sea", "din", "po4_p", "petroleum"]
    s3 = w.samples[w.samples["section_id"] == "S3"]
    # 03-10: DO 5.5 二, COD 2.5 二, 无机氮 0.35 三, 磷酸盐 0.02 二, 石油类 0.04 一 → 三类 (无机氮)
    # 08-10: DO 4.5 三, COD 3.5 三, 无机氮 0.45 四, 磷酸盐 0.03 二, 石油类 0.06 三 → 四类 (无机氮)
    assert s3["sea_class"].tolist() == [3, 4] and s3["sea_deciding"].tolist() == ["din", "din"]
    assert s3["sea_class_label"].tolist() == ["三类", "四类"] and s3["class"].isna().all()
    assert w.months[w.months["section_id"] == "S3"]["sea_class"].tolist() == [3, 4]
    y = _by(w.years, "section_id")
    # year means: DO 5.0 (not > 5) 三, COD 3.0 二, 无机氮 0.40 三 (at the limit), 磷酸盐 0.025 二,
    # 石油类 0.05 一 (at the limit) → 三类, deciding DO and 无机氮; sea target 二类 missed
    r = y["S3"]
    assert (r["standard"], r["sea_class"], r["sea_class_label"], r["sea_deciding"]) == ("gb3097", 3, "三类", "do,din")
    assert r["sea_meets_target"] is not pd.NA and not r["sea_meets_target"]
    # no GB 3838 figure for a section assessed by GB 3097
    assert pd.isna(r["class"]) and r["deciding"] is None and r["grade"] is None
    assert pd.isna(r["meets_target"]) and np.isnan(r["cwqi"])
    assert "S3" not in set(w.exceedances["section_id"])
    # S2 (river side) and S4 (no side) stay under GB 3838; S4's 无机氮 0.6 is not assessed
    assert (y["S2"]["standard"], y["S2"]["class"], y["S4"]["standard"], y["S4"]["class"]) == ("gb3838", 5,
                                                                                             "gb3838", 2)
    assert pd.isna(y["S4"]["sea_class"])


def test_sea_classes_never_enter_the_gb3838_shares() -> None:
    w = assess_water(_sections(), _samples(), 2025, estuary_rule="gb3097")
    sh = _by(w.shares, "unit")
    # GB 3838: S1 Ⅲ, S2 Ⅴ, S4 Ⅱ → Ⅰ–Ⅲ 2/3; 西区 (D2) holds S2 only on the river side
    assert (sh["city"]["sections"], sh["city"]["i_iii"]) == (3, pytest.approx(200 / 3))
    assert (sh[D2]["sections"], sh[D2]["i_iii"], sh[D2]["class_5"]) == (1, 0.0, 100.0)
    assert sh["city"]["with_target"] == 3
    sea = _by(w.sea_shares, "unit")
    assert set(sea) == {"city", D2}
    assert (sea["city"]["sections"], sea["city"]["class_3"], sea["city"]["class_5"]) == (1, 100.0, 0.0)
    assert (sea["city"]["meeting_target"], sea["city"]["with_target"], sea["city"]["meeting_target_pct"]) == (
        0, 1, 0.0)
    # the same samples under gb3838 count S3 among the river classes
    assert _by(assess_water(_sections(), _samples(), 2025).shares, "unit")["city"]["sections"] == 4


def test_sections_without_the_new_columns_are_as_before() -> None:
    old = _sections().drop(columns=["estuary_side", "sea_target_class"])
    w = assess_water(old, _samples(), 2025, estuary_rule="gb3097")
    assert set(w.years["standard"]) == {"gb3838"} and w.sea_shares.empty
    assert _by(w.years, "section_id")["S3"]["class"] == 3


# --- the package: columns, items, problems -----------------------------------------------


def test_sea_items_are_sample_items() -> None:
    items = sample_items()
    assert {k: items[k] for k in ("cod_sea", "din", "po4_p", "do", "petroleum")} == dict.fromkeys(
        ("cod_sea", "din", "po4_p", "do", "petroleum"), "mg/L")
    assert len(items) == 24 + 3
    assert resolve_item("无机氮") == "din" and resolve_item("活性磷酸盐(以P计)") == "po4_p"
    assert resolve_item("化学需氧量(海水)") == "cod_sea"
    assert resolve_item("化学需氧量") == "cod" and resolve_item("石油类") == "petroleum"  # GB 3838's own


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return generate_demo_city(enterprises=30, years=[2024])


def _set(path: Path, index: int, **values: object) -> int:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col, v in values.items():
        frame.loc[index, col] = str(v)
    frame.to_csv(path, index=False)
    return index + 2


def _where(problems: list[Problem]) -> set[tuple[str, str, int | None, str | None, str | None]]:
    return {(p.code, p.file, p.row, p.column, p.value) for p in problems}


def test_the_demo_sections_carry_their_side(small: dict[str, pd.DataFrame]) -> None:
    sec = small["water_sections"].set_index("section_id")
    assert sec.loc["QSW09", "estuary_side"] == "river" and sec.loc["QSW10", "estuary_side"] == "sea"
    assert sec.loc["QSW10", "sea_target_class"] == 3 and sec["sea_target_class"].notna().sum() == 1
    assert sec.loc[sec["water_body"] != "estuary", "estuary_side"].isna().all()


def test_hostile_estuary_rows_report_every_problem(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    d = write_csv_package(small, tmp_path / "bad")
    secs = pd.read_csv(d / "water_sections.csv", dtype=str, keep_default_na=False)
    row = {s: i for i, s in enumerate(secs["section_id"])}
    river_side = _set(d / "water_sections.csv", row["QSW01"], estuary_side="sea")      # a river with a side
    target_on_river = _set(d / "water_sections.csv", row["QSW09"], sea_target_class=2)  # river-side estuary
    ocean = _set(d / "water_sections.csv", row["QSW08"], estuary_side="ocean")
    five = _set(d / "water_sections.csv", row["QSW10"], sea_target_class=5)
    samples = pd.read_csv(d / "water_samples.csv", dtype=str, keep_default_na=False)
    din = int(np.flatnonzero(samples["item"] == "din")[0])
    micro = _set(d / "water_samples.csv", din, unit="µg/L")
    po4 = int(np.flatnonzero(samples["item"] == "po4_p")[0])
    named = _set(d / "water_samples.csv", po4, item="活性磷酸盐")  # read as po4_p: no problem
    _, problems = check_package(d)
    got = _where(problems)
    assert got == {
        ("P158", "water_sections.csv", river_side, "estuary_side", "sea"),
        ("P158", "water_sections.csv", target_on_river, "sea_target_class", "2"),
        ("P015", "water_sections.csv", ocean, "estuary_side", "ocean"),
        ("P012", "water_sections.csv", five, "sea_target_class", "5"),
        ("P155", "water_samples.csv", micro, "unit", "μg/L ↔ din"),
    }
    assert named not in {p.row for p in problems if p.file == "water_samples.csv"}
    p158 = next(p for p in problems if p.column == "sea_target_class" and p.code == "P158")
    assert "GB 3097-1997" in p158.expected_zh and "sea-ward" in p158.expected_en


# --- the profile ----------------------------------------------------------------------------


def _profile(tmp_path: Path, value: str, parent: str = "national") -> Path:
    prof = tmp_path / f"estuary-{value}.toml"
    prof.write_text(f'id = "estuary-{value}"\nzh = "测试"\nen = "test"\nlevel = "city"\nregion_code = "459900"\n'
                    f'parent = "{parent}"\nversion = "1"\nreleased = 2026-12-01\nchanges = "test"\n\n'
                    f'[[environment.estuary_rule]]\nvalue = "{value}"\nfrom = 2020\nsource = "test"\n',
                    encoding="utf-8")
    return prof


def test_profile_check_knows_the_two_rules(tmp_path: Path) -> None:
    assert not [p for p in check_profile(load_profile(_profile(tmp_path, "gb3097"))) if p.code.endswith("21")]
    bad = [p for p in check_profile(load_profile(_profile(tmp_path, "gb3097-1997"))) if p.code.endswith("21")]
    assert [(p.column, p.value) for p in bad] == [("environment.estuary_rule", "gb3097-1997")]
    assert "gb3838" in bad[0].expected_en and "gb3097" in bad[0].expected_en


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("estuary") / "数据"
    res = CliRunner().invoke(main, ["demo", "--data-dir", str(d), "--enterprises", "30", "--years", "2025"])
    assert res.exit_code == 0, res.output
    return d


def test_the_demo_profile_keeps_gb3838(demo_dir: Path) -> None:
    res = CliRunner().invoke(main, ["water", str(demo_dir), "--year", "2025"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["estuary_rule"]["rule"] == "gb3838" and doc["estuary_rule"]["selection"] is None
    assert "GB 3838-2002" in doc["estuary_rule"]["zh"]
    assert doc["sea"]["assessed"] is False and doc["sea"]["city"] is None and doc["sea"]["items"] == []
    assert {s["standard"] for s in doc["sections"]} == {"gb3838"}
    assert doc["city"]["sections"] == 10


def test_a_profile_selecting_gb3097_classes_the_demo_sea_ward_section(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "water.json"
    res = CliRunner().invoke(main, ["water", str(demo_dir), "--year", "2025",
                                    "--profile", str(_profile(tmp_path, "gb3097", parent="demo")), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["estuary_rule"]["rule"] == "gb3097" and doc["estuary_rule"]["selection"]["value"] == "gb3097"
    sec = {s["section_id"]: s for s in doc["sections"]}
    assert sec["QSW10"]["standard"] == "gb3097" and sec["QSW10"]["class"] is None
    assert sec["QSW10"]["sea_class"] in range(1, 6) and sec["QSW10"]["sea_class_label"] in wq.SEA_CLASS_LABELS
    assert sec["QSW09"]["standard"] == "gb3838" and sec["QSW09"]["class"] in range(1, 7)
    assert doc["city"]["sections"] == 9 and doc["sea"]["city"]["sections"] == 1
    assert doc["sea"]["items"] == ["do", "cod_sea", "din", "po4_p", "petroleum"]
    assert doc["sea"]["left_out"]["items"] == ["bod5", "nh3_unionized", "ph"]
    assert doc["sea"]["estuaries_without_side"] == []
    assert sum(doc["sea"]["city"][f"class_{k}"] for k in range(1, 6)) == pytest.approx(100.0)
