"""Surface-water quality: GB 3838-2002 classes at every limit, the 2011 assessment method
(section-period means, deciding items, exceedance multiples, compliance, shares, grades)
and the CWQI of the 2017 city ranking, each checked against hand-worked numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.errors import ConfigError
from qingshan.methods import water_quality as wq

STANDARDS = Path(__file__).resolve().parents[1] / "src" / "qingshan" / "environment" / "standards"
LIMITS = pd.read_csv(STANDARDS / "gb3838-2002.csv")
GRADES = pd.read_csv(STANDARDS / "surface-water-grades-2011.csv")

# GB 3838-2002 Table 1 typed from the sources named in the CSV (transcription check):
# (item, direction, water body) -> limits of classes I..V
TABLE_1 = {
    ("ph", "min", "all"): (6, 6, 6, 6, 6),
    ("ph", "max", "all"): (9, 9, 9, 9, 9),
    ("do", "min", "all"): (7.5, 6, 5, 3, 2),
    ("codmn", "max", "all"): (2, 4, 6, 10, 15),
    ("cod", "max", "all"): (15, 15, 20, 30, 40),
    ("bod5", "max", "all"): (3, 3, 4, 6, 10),
    ("nh3n", "max", "all"): (0.15, 0.5, 1.0, 1.5, 2.0),
    ("tp", "max", "river"): (0.02, 0.1, 0.2, 0.3, 0.4),
    ("tp", "max", "lake"): (0.01, 0.025, 0.05, 0.1, 0.2),
    ("tn", "max", "lake"): (0.2, 0.5, 1.0, 1.5, 2.0),
    ("cu", "max", "all"): (0.01, 1.0, 1.0, 1.0, 1.0),
    ("zn", "max", "all"): (0.05, 1.0, 1.0, 2.0, 2.0),
    ("fluoride", "max", "all"): (1.0, 1.0, 1.0, 1.5, 1.5),
    ("se", "max", "all"): (0.01, 0.01, 0.01, 0.02, 0.02),
    ("as", "max", "all"): (0.05, 0.05, 0.05, 0.1, 0.1),
    ("hg", "max", "all"): (0.00005, 0.00005, 0.0001, 0.001, 0.001),
    ("cd", "max", "all"): (0.001, 0.005, 0.005, 0.005, 0.01),
    ("cr6", "max", "all"): (0.01, 0.05, 0.05, 0.05, 0.1),
    ("pb", "max", "all"): (0.01, 0.01, 0.05, 0.05, 0.1),
    ("cyanide", "max", "all"): (0.005, 0.05, 0.2, 0.2, 0.2),
    ("volatile_phenol", "max", "all"): (0.002, 0.002, 0.005, 0.01, 0.1),
    ("petroleum", "max", "all"): (0.05, 0.05, 0.05, 0.5, 1.0),
    ("las", "max", "all"): (0.2, 0.2, 0.2, 0.3, 0.3),
    ("sulfide", "max", "all"): (0.05, 0.1, 0.2, 0.5, 1.0),
    ("fecal_coliform", "max", "all"): (200, 2000, 10000, 20000, 40000),
}
LIMIT_ROWS = sorted(TABLE_1)


def test_table_1_has_all_24_basic_items_as_read() -> None:
    assert sorted(LIMITS["table_no"].unique()) == list(range(1, 25))
    assert LIMITS["item"].nunique() == 24
    temp = LIMITS[LIMITS["item"] == "water_temperature"]
    assert len(temp) == 1 and temp["direction"].item() == "none" and temp[list(wq.LIMIT_COLUMNS)].isna().all(axis=None)
    held = {(r.item, r.direction, r.water_body): tuple(float(getattr(r, c)) for c in wq.LIMIT_COLUMNS)
            for r in LIMITS.itertuples() if r.direction != "none"}
    assert held == {k: tuple(float(x) for x in v) for k, v in TABLE_1.items()}
    assert LIMITS["source"].str.contains("GB 3838-2002 Table 1").all()


def test_limits_run_from_class_i_to_v_in_their_direction() -> None:
    for key, lim in TABLE_1.items():
        steps = np.diff(lim)
        assert (steps >= 0).all() if key[1] == "max" else (steps <= 0).all(), key


def test_the_2011_method_assesses_21_items() -> None:
    items = wq.assessed_items(LIMITS)
    assert len(items) == 21
    assert set(LIMITS["item"]) - set(items) == {"water_temperature", "tn", "fecal_coliform"}


def _oracle(value: float, limits: tuple[float, ...], direction: str) -> int:
    """The standard's wording, one class at a time: the first class whose limit the value
    meets ("≤" for upper limits, "≥" for lower ones), else worse than V."""
    for k, lim in enumerate(limits, start=1):
        if (value <= lim) if direction == "max" else (value >= lim):
            return k
    return 6


def _cases() -> list[tuple[tuple[str, str, str], int, str]]:
    return [(key, k, where) for key in LIMIT_ROWS for k in range(5) for where in ("at", "below", "above")]


@pytest.mark.parametrize(("key", "k", "where"), _cases())
def test_every_limit_at_just_below_and_just_above(key: tuple[str, str, str], k: int, where: str) -> None:
    item, direction, body = key
    lim = float(TABLE_1[key][k])
    value = {"at": lim, "below": lim * (1 - 1e-6), "above": lim * (1 + 1e-6)}[where]
    frame = pd.DataFrame({item: [value]})
    water_body = "river" if body in ("all", "river") else "lake"
    cls = wq.item_classes(frame, LIMITS, water_body)[item].iloc[0]
    if item == "ph":  # pH is two rows: a value is the worse of the two
        expected = max(_oracle(value, TABLE_1[("ph", "min", "all")], "min"),
                       _oracle(value, TABLE_1[("ph", "max", "all")], "max"))
    else:
        expected = _oracle(value, TABLE_1[key], direction)
    assert cls == expected


@pytest.mark.parametrize(("value", "expected"), [
    (15, 1), (14.999, 1), (15.001, 3), (20, 3), (20.001, 4), (30, 4), (30.001, 5), (40, 5), (40.001, 6)])
def test_cod_by_hand(value: float, expected: int) -> None:
    # Table 1 item 5: I and II share 15, so 15.001 skips II.
    assert wq.item_classes(pd.DataFrame({"cod": [value]}), LIMITS, "river")["cod"].iloc[0] == expected


@pytest.mark.parametrize(("value", "expected"), [
    (8.0, 1), (7.5, 1), (7.49, 2), (6.0, 2), (5.99, 3), (5.0, 3), (4.99, 4), (3.0, 4), (2.99, 5), (2.0, 5),
    (1.99, 6)])
def test_dissolved_oxygen_is_a_lower_limit(value: float, expected: int) -> None:
    assert wq.item_classes(pd.DataFrame({"do": [value]}), LIMITS, "river")["do"].iloc[0] == expected


@pytest.mark.parametrize(("value", "expected"), [(5.99, 6), (6.0, 1), (7.2, 1), (9.0, 1), (9.01, 6)])
def test_ph_is_a_range_meeting_every_class_or_none(value: float, expected: int) -> None:
    assert wq.item_classes(pd.DataFrame({"ph": [value]}), LIMITS, "river")["ph"].iloc[0] == expected


def test_total_phosphorus_lakes_against_rivers() -> None:
    tp = pd.DataFrame({"tp": [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.4, 0.41]})
    river = wq.item_classes(tp, LIMITS, "river")["tp"].tolist()
    lake = wq.item_classes(tp, LIMITS, "lake")["tp"].tolist()
    assert river == [1, 1, 2, 2, 3, 4, 5, 6]
    assert lake == [1, 2, 3, 4, 5, 6, 6, 6]


def test_total_nitrogen_is_classed_for_lakes_only_and_estuaries_as_rivers() -> None:
    frame = pd.DataFrame({"tn": [1.2, 1.2, 1.2], "tp": [0.15, 0.15, 0.15]})
    bodies = pd.Series(["river", "lake", "estuary"])
    cls = wq.item_classes(frame, LIMITS, bodies)
    assert cls["tn"].isna().tolist() == [True, False, True]
    assert cls.loc[1, "tn"] == 4
    assert cls["tp"].tolist() == [3, 5, 3]


def test_unknown_water_body_or_estuary_rule_is_refused() -> None:
    with pytest.raises(ConfigError, match="gb3097"):  # the message names the known rules
        wq.item_classes(pd.DataFrame({"cod": [1.0]}), LIMITS, "estuary", estuary_rule="gb3097-1997")
    with pytest.raises(ConfigError, match="sea"):
        wq.item_classes(pd.DataFrame({"cod": [1.0]}), LIMITS, "sea")


def test_under_gb3097_an_estuary_classed_by_gb3838_takes_the_river_rows() -> None:
    # the estuary sections that are not sea-ward stay GB 3838 river sections (tests/test_estuary.py
    # for the sea-ward ones): TP 0.15 ≤ 0.2 Ⅲ (river), not the lake's Ⅴ; TN has no river class
    frame = pd.DataFrame({"tn": [1.2], "tp": [0.15]})
    cls = wq.item_classes(frame, LIMITS, "estuary", estuary_rule="gb3097")
    assert cls["tp"].tolist() == [3] and "tn" not in cls.columns


def test_worse_than_v_and_the_deciding_items_with_ties() -> None:
    frame = pd.DataFrame({
        "do": [6.5, 6.5, 1.5, np.nan],
        "cod": [16, 16, 25, np.nan],
        "nh3n": [0.4, 1.2, 2.5, np.nan],
        "tp": [0.15, 0.25, 0.5, np.nan],
    })
    cls = wq.item_classes(frame, LIMITS, "river")
    # row 0: DO II, COD III, NH3-N II, TP III  -> III, COD and TP tie
    # row 1: DO II, COD III, NH3-N IV, TP IV   -> IV, NH3-N and TP tie
    # row 2: DO 劣V, COD IV, NH3-N 劣V, TP 劣V  -> 劣V
    assert wq.sample_class(cls).tolist()[:3] == [3, 4, 6]
    assert pd.isna(wq.sample_class(cls).iloc[3])
    assert wq.deciding_items(cls).tolist() == [("cod", "tp"), ("nh3n", "tp"), ("do", "nh3n", "tp"), ()]
    assert wq.CLASS_LABELS[wq.WORSE_THAN_V - 1] == "劣Ⅴ"


def test_exceedance_multiples_by_hand() -> None:
    frame = pd.DataFrame({"cod": [30.0, 20.0], "nh3n": [2.3, 0.8], "tp": [0.2, 0.5], "do": [1.0, 1.0],
                          "ph": [9.5, 5.0], "hg": [0.00025, 0.0001]})
    m = wq.exceedance_multiples(frame, LIMITS, "river", against_class=3)
    # against class III: COD (30 − 20)/20 = 0.5; NH3-N (2.3 − 1.0)/1.0 = 1.3; TP (0.5 − 0.2)/0.2 = 1.5;
    # Hg (0.00025 − 0.0001)/0.0001 = 1.5; values at the limit exceed nothing
    assert m.loc[0, "cod"] == pytest.approx(0.5)
    assert m.loc[0, "nh3n"] == pytest.approx(1.3)
    assert m.loc[1, "tp"] == pytest.approx(1.5)
    assert m.loc[0, "hg"] == pytest.approx(1.5)
    assert m["cod"].isna().tolist() == [False, True]
    assert m["tp"].isna().tolist() == [True, False]
    assert m["hg"].isna().tolist() == [False, True]
    assert "do" not in m.columns and "ph" not in m.columns  # no multiple for DO and pH
    # against the lake class II of TP (0.025): (0.2 − 0.025)/0.025 = 7
    lake = wq.exceedance_multiples(frame[["tp"]], LIMITS, "lake", against_class=2)
    assert lake.loc[0, "tp"] == pytest.approx(7.0)
    with pytest.raises(ConfigError):
        wq.exceedance_multiples(frame, LIMITS, "river", against_class=6)


def test_a_section_year_from_twelve_monthly_samples() -> None:
    months = pd.DataFrame({
        "section": ["S1"] * 12,
        "year": [2025] * 12,
        "do": [8.1, 7.9, 7.2, 6.8, 6.0, 5.2, 4.8, 5.0, 5.9, 6.6, 7.4, 8.0],
        "nh3n": [0.9, 1.1, 0.8, 0.7, 0.5, 0.6, 1.6, 1.2, 0.4, 0.6, 0.9, 1.1],
        "tp": [0.12, 0.18, 0.15, 0.2, 0.22, 0.25, 0.31, 0.28, 0.16, 0.14, 0.13, 0.1],
        "cod": [14, 16, 15, 18, 19, 22, 24, 21, 17, 16, 15, 13],
    })
    means = wq.period_means(months, ["section", "year"], ["do", "nh3n", "tp", "cod"])
    # by hand: DO 78.9/12 = 6.575 (II); NH3-N 10.4/12 = 0.8667 (III); TP 2.24/12 = 0.18667 (III);
    # COD 210/12 = 17.5 (III): the year is III although July alone is V (NH3-N 1.6, TP 0.31)
    assert means.index.tolist() == [("S1", 2025)]
    row = means.iloc[0]
    assert row["do"] == pytest.approx(78.9 / 12)
    assert row["nh3n"] == pytest.approx(10.4 / 12)
    assert row["tp"] == pytest.approx(2.24 / 12)
    assert row["cod"] == pytest.approx(17.5)
    cls = wq.item_classes(means, LIMITS, "river")
    assert cls.iloc[0].tolist() == [2, 3, 3, 3]
    assert wq.sample_class(cls).tolist() == [3]
    monthly = wq.sample_class(wq.item_classes(months[["do", "nh3n", "tp", "cod"]], LIMITS, "river"))
    assert monthly.iloc[6] == 5  # July: DO 4.8 IV, NH3-N 1.6 V, TP 0.31 V, COD 24 IV


def test_mean_at_a_limit_in_exact_arithmetic_is_at_the_limit() -> None:
    # 0.1 + 0.2 + 0.3 + 0.2 = 0.8 exactly, 0.8/4 = 0.2, but float sums give 0.20000000000000004
    months = pd.DataFrame({"s": ["A"] * 4, "tp": [0.1, 0.2, 0.3, 0.2]})
    means = wq.period_means(months, ["s"], ["tp"])
    assert wq.item_classes(means, LIMITS, "river")["tp"].iloc[0] == 3


def test_compliance_against_target() -> None:
    cls = pd.Series([2, 3, 4, 6, pd.NA], dtype="Int64")
    target = pd.Series([3, 3, 3, 5, 3])
    got = wq.meets_target(cls, target)
    assert got.iloc[:4].tolist() == [True, True, False, False]
    assert pd.isna(got.iloc[4])


def test_shares_of_sections() -> None:
    cls = pd.Series([1, 2, 2, 3, 3, 3, 4, 5, 6, 6, pd.NA], dtype="Int64")
    s = wq.class_shares(cls)
    assert s["n"] == 10
    assert s["i_iii"] == pytest.approx(60.0)
    assert s["iv_v"] == pytest.approx(20.0)
    assert s["worse_v"] == pytest.approx(20.0)
    assert s["class_3"] == pytest.approx(30.0)
    assert sum(s[f"class_{k}"] for k in range(1, 7)) == pytest.approx(100.0)


@pytest.mark.parametrize(("i_iii", "worse_v", "grade"), [
    (100, 0, "优"), (90, 0, "优"), (89.999, 0, "良好"), (75, 10, "良好"), (74.999, 0, "轻度污染"),
    (74.999, 19.999, "轻度污染"), (60, 20, "中度污染"), (50, 39.999, "中度污染"), (60, 40, "重度污染"),
    (0, 100, "重度污染")])
def test_basin_grade_boundaries(i_iii: float, worse_v: float, grade: str) -> None:
    assert wq.basin_grade(i_iii, worse_v, GRADES).tolist() == [grade]


def test_basin_grade_from_section_classes() -> None:
    # 20 sections: 13 in I–III (65 %), 3 劣V (15 %) -> 轻度污染
    cls = pd.Series([2] * 8 + [3] * 5 + [4] * 3 + [5] * 1 + [6] * 3, dtype="Int64")
    s = wq.class_shares(cls)
    assert (s["i_iii"], s["worse_v"]) == (pytest.approx(65.0), pytest.approx(15.0))
    assert wq.basin_grade(s["i_iii"], s["worse_v"], GRADES).tolist() == ["轻度污染"]


def test_section_grades() -> None:
    cls = pd.Series([1, 2, 3, 4, 5, 6], dtype="Int64")
    assert wq.section_grade(cls, GRADES).tolist() == ["优", "优", "良好", "轻度污染", "中度污染", "重度污染"]


def test_cwqi_by_hand() -> None:
    means = pd.DataFrame({"ph": [7.6, 6.5], "do": [6.25, 4.0], "codmn": [4.5, 6.0], "nh3n": [0.6, 1.5],
                          "tp": [0.15, 0.04], "tn": [3.0, 3.0]})
    items = wq.assessed_items(LIMITS)
    river = wq.cwqi_items(means, LIMITS, "river", items)
    # row 0: pH (7.6 − 7)/(9 − 7) = 0.3; DO 5/6.25 = 0.8; CODMn 4.5/6 = 0.75; NH3-N 0.6/1 = 0.6; TP 0.15/0.2 = 0.75
    assert river.iloc[0].tolist() == pytest.approx([0.3, 0.8, 0.75, 0.6, 0.75])
    assert "tn" not in river.columns  # not a ranked item
    assert wq.cwqi(means, LIMITS, "river", items).iloc[0] == pytest.approx(3.2)
    # row 1 as a lake: pH (7 − 6.5)/(7 − 6) = 0.5; DO 5/4 = 1.25; CODMn 1; NH3-N 1.5; TP 0.04/0.05 = 0.8
    lake = wq.cwqi(means, LIMITS, "lake", items)
    assert lake.iloc[1] == pytest.approx(0.5 + 1.25 + 1.0 + 1.5 + 0.8)


# -- properties ---------------------------------------------------------------------------

ITEMS = ["do", "codmn", "cod", "bod5", "nh3n", "tp", "cu", "hg", "ph"]
_values = st.floats(min_value=0.0, max_value=60.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_values, min_size=len(ITEMS), max_size=len(ITEMS)), min_size=1, max_size=8),
       st.sampled_from(["river", "lake"]))
def test_sample_class_is_the_worst_item_and_adding_an_item_never_improves_it(
        rows: list[list[float]], body: str) -> None:
    frame = pd.DataFrame(rows, columns=ITEMS)
    cls = wq.item_classes(frame, LIMITS, body)
    whole = wq.sample_class(cls)
    assert whole.tolist() == [max(int(v) for v in r) for r in cls.to_numpy()]
    for k in range(1, len(ITEMS)):
        fewer = wq.sample_class(cls, ITEMS[:k])
        more = wq.sample_class(cls, ITEMS[: k + 1])
        assert (more >= fewer).all()
    # every deciding item has the sample's class
    for i, names in enumerate(wq.deciding_items(cls)):
        assert names and all(cls.loc[i, n] == whole.iloc[i] for n in names)


@settings(max_examples=60, deadline=None)
@given(_values, _values, st.sampled_from(["cod", "nh3n", "tp", "hg", "fecal_coliform"]))
def test_more_pollutant_never_gives_a_better_class(a: float, b: float, item: str) -> None:
    lo, hi = sorted((a, b))
    cls = wq.item_classes(pd.DataFrame({item: [lo, hi]}), LIMITS, "river")[item].tolist()
    assert cls[0] <= cls[1]
    do = wq.item_classes(pd.DataFrame({"do": [lo, hi]}), LIMITS, "river")["do"].tolist()
    assert do[0] >= do[1]  # more oxygen never worse


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(_values, min_size=3, max_size=3), min_size=2, max_size=10), st.randoms())
def test_row_order_never_changes_a_class(rows: list[list[float]], rnd: object) -> None:
    frame = pd.DataFrame(rows, columns=["cod", "nh3n", "do"])
    order = list(range(len(frame)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    a = wq.sample_class(wq.item_classes(frame, LIMITS, "river"))
    b = wq.sample_class(wq.item_classes(frame.iloc[order], LIMITS, "river"))
    assert b.sort_index().tolist() == a.tolist()
