"""Percentile classes: published realised counts, ties, tiny groups, equal values,
row-order invariance and the next-class threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.evaluation import load_scheme
from qingshan.evaluation.scoring import score_year
from qingshan.methods import class_rules as cr
from tests.evaluation_frames import frame

HUAIAN = [("A", 0.20), ("B", 0.60), ("C", 0.95), ("D", 1.0)]


def classes(scores: list[float], ties: str = "worse", groups: list[int] | None = None) -> list[str]:
    s = pd.Series(scores, dtype="float64")
    g = np.asarray(groups if groups is not None else [0] * len(scores))
    first, last, n = cr.competition_ranks(s, pd.DataFrame(index=s.index), g)
    return list(cr.percentile_classes(first, last, n, HUAIAN, ties))


def test_jining_2023_below_scale_counts() -> None:
    # 济高新管发〔2024〕4号: 100 规下 firms → A 20, B 40, C 35, D 5 under "前20%/20–60%/60–95%/后5%"
    c = classes([float(100 - i) for i in range(100)])
    assert [c.count(x) for x in "ABCD"] == [20, 40, 35, 5]


def test_huaian_band_boundaries_are_inclusive_above() -> None:
    # n = 20: A ranks 1–4 (20 %), B 5–12 (60 %), C 13–19 (95 %), D 20
    c = classes([float(20 - i) for i in range(20)])
    assert c[3] == "A" and c[4] == "B" and c[11] == "B" and c[12] == "C" and c[18] == "C" and c[19] == "D"


def test_tie_at_a_boundary() -> None:
    # n = 5: A holds ⌊0.2 × 5⌋ = 1 firm, A+B ⌊0.6 × 5⌋ = 3; D, the last 5 %, ⌊0.05 × 5⌋ = 0 firms,
    # so C runs to rank 5 (the remainder goes to C, not D)
    scores = [10.0, 10.0, 9.0, 8.0, 7.0]
    assert classes(scores, "worse") == ["B", "B", "B", "C", "C"]  # A stays within 20 %
    assert classes(scores, "better") == ["A", "A", "B", "C", "C"]
    assert classes(scores, "middle") == ["B", "B", "B", "C", "C"]  # middle rank 1.5 > 1


def test_tie_at_the_c_d_boundary() -> None:
    # n = 20: C runs to ⌊0.95 × 20⌋ = 19, D is the last ⌊0.05 × 20⌋ = 1; ranks 19 and 20 tied
    scores = [float(40 - i) for i in range(18)] + [1.0, 1.0]
    assert classes(scores, "worse")[-2:] == ["D", "D"]  # the tied block is classed at rank 20
    assert classes(scores, "better")[-2:] == ["C", "C"]  # at rank 19
    assert classes(scores, "middle")[-2:] == ["D", "D"]  # at 19.5 > 19


def test_tiny_groups() -> None:
    # 淮安: "D类 后5%": a firm is D when its place from the bottom is within 5 % of the group.
    assert classes([5.0]) == ["C"]  # n = 1: A, B hold ⌊0.2⌋ = ⌊0.6⌋ = 0, D ⌊0.05⌋ = 0: the remainder, C
    assert classes([5.0, 3.0]) == ["B", "C"]  # n = 2: A 0, B ⌊1.2⌋ = 1, D ⌊0.1⌋ = 0, C the rest
    assert classes([5.0, 3.0], groups=[0, 1]) == ["C", "C"]  # each alone in its group


def test_all_values_equal() -> None:
    same = [7.0] * 10  # n = 10: cuts A 2, B 6, C 10 (D holds ⌊0.5⌋ = 0)
    assert classes(same, "worse") == ["C"] * 10  # every firm at rank 10
    assert classes(same, "better") == ["A"] * 10
    assert classes(same, "middle") == ["B"] * 10  # middle rank 5.5 ≤ 6
    same20 = [7.0] * 20  # n = 20: cuts A 4, B 12, C 19, D 20
    assert classes(same20, "worse") == ["D"] * 20  # rank 20 > 19: the tie rule keeps them together
    assert classes(same20, "better") == ["A"] * 20
    assert classes(same20, "middle") == ["B"] * 20  # 10.5 ≤ 12


def test_tie_break_indicator_orders_equal_scores() -> None:
    s = pd.Series([9.0, 9.0, 5.0])
    tb = pd.DataFrame({"tax": [1.0, 2.0, 0.0]})
    first, last, _ = cr.competition_ranks(s, tb, np.zeros(3, dtype=np.int64))
    assert list(first) == [2, 1, 3] and list(last) == [2, 1, 3]


def test_score_lines() -> None:
    got = cr.score_classes(pd.Series([95.0, 90.0, 89.999, 10.0]), [("A", 90), ("B", 60), ("C", 30), ("D", -1e9)])
    assert list(got) == ["A", "A", "B", "D"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 2)), min_size=1, max_size=60),
       st.sampled_from(["worse", "better", "middle"]), st.randoms(use_true_random=False))
def test_classes_do_not_depend_on_row_order(rows: list[tuple[int, int]], ties: str, rnd: object) -> None:
    scores = [float(s) for s, _ in rows]
    groups = [g for _, g in rows]
    base = classes(scores, ties, groups)
    perm = list(range(len(rows)))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    shuffled = classes([scores[i] for i in perm], ties, [groups[i] for i in perm])
    assert [shuffled[perm.index(i)] for i in range(len(rows))] == base


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=80))
def test_higher_score_never_gets_a_worse_class(scores: list[float]) -> None:
    c = classes(scores)
    order = {x: i for i, x in enumerate("ABCD")}
    for i in range(len(scores)):
        for j in range(len(scores)):
            if scores[i] > scores[j]:
                assert order[c[i]] <= order[c[j]]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=2, max_size=50, unique=True), st.data())
def test_reaching_the_threshold_lifts_one_class(values: list[int], data: st.DataObject) -> None:
    s = pd.Series([float(v) for v in values])
    g = np.zeros(len(s), dtype=np.int64)
    first, last, n = cr.competition_ranks(s, pd.DataFrame(index=s.index), g)
    cls = cr.percentile_classes(first, last, n, HUAIAN, "worse")
    target, thr, strict = cr.next_class_threshold(s, cls, g, "percentile", HUAIAN, "worse")
    assert strict.all()  # under "worse" a tie with the threshold firm is not enough
    movable = [i for i in range(len(s)) if not pd.isna(thr.iloc[i])]
    if not movable:
        return
    i = data.draw(st.sampled_from(movable))
    lifted = s.copy()
    lifted.iloc[i] = thr.iloc[i] + 1e-6  # strictly above the threshold
    f2, l2, n2 = cr.competition_ranks(lifted, pd.DataFrame(index=s.index), g)
    assert cr.percentile_classes(f2, l2, n2, HUAIAN, "worse").iloc[i] == target.iloc[i]
    at = s.copy()
    at.iloc[i] = thr.iloc[i]  # exactly on it: a tie, which the "worse" rule leaves below
    f3, l3, n3 = cr.competition_ranks(at, pd.DataFrame(index=s.index), g)
    assert cr.percentile_classes(f3, l3, n3, HUAIAN, "worse").iloc[i] != target.iloc[i]


def test_needed_indicator_value_lifts_the_firm_in_a_full_evaluation() -> None:
    # 规下 firms interleaved, so each segment's rows are not contiguous in the frame
    rows = [{"entity_id": f"E{i:02d}", "tax_10k_yuan": 20.0 + 7.0 * i, "value_added_10k_yuan": 800.0 + 13.0 * i,
             "scale": "below" if i % 3 == 0 else "above"} for i in range(36)]
    inputs = frame(rows)
    scheme = load_scheme("huangyan-2022")
    ys = score_year(inputs, scheme, 2024)
    f = ys.firms.set_index("entity_id")
    checked = 0
    for eid in f.index[f["target_class"].notna()]:
        # one base quantity that feeds exactly one item of the firm's segment
        below = f.loc[eid, "segment"] == "below"
        ind = "tax_per_electricity" if below else "tax_per_mu"
        need = ys.items[(ys.items["entity_id"] == eid) & (ys.items["indicator"] == ind)].iloc[0]
        assert bool(need["reachable"])
        moved = inputs.copy()
        at = moved["entity_id"] == eid
        if below:  # 单位电耗税收 = tax / electricity (万kWh): lower the electricity
            tax = float(moved.loc[at, "tax_10k_yuan"].iloc[0])
            moved.loc[at, "electricity_10k_kwh"] = tax / (need["needed_value"] + 1e-7)
        else:
            land = float(moved.loc[at, "land_area_mu"].iloc[0])
            moved.loc[at, "tax_10k_yuan"] = (need["needed_value"] + 1e-7) * land
        again = score_year(moved, scheme, 2024).firms.set_index("entity_id")
        assert again.loc[eid, "class"] == f.loc[eid, "target_class"]
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("name", ["huangyan-2022", "huaian-2024", "jingde-2022"])
def test_presets_load_and_cite_their_source(name: str) -> None:
    s = load_scheme(name)
    assert s.source["document"] and s.source["url"].startswith("http")
    assert all(seg.source and seg.classes.source for seg in s.segments)


def _quota_scheme() -> object:
    from qingshan.evaluation.scheme import parse_scheme

    return parse_scheme({
        "id": "q", "zh": "q", "en": "q", "source": {"document": "德州 2024: A类不超过20%，D类不低于5%"},
        "segments": [{"id": "all", "zh": "全部", "en": "all", "method": "ratio", "source": "test",
                      "items": [{"indicator": "tax_per_mu", "weight": 100, "benchmark": "fixed", "value": 10}],
                      "classes": {"rule": "score", "source": "test", "top_max_share": 0.2, "bottom_min_share": 0.05,
                                  "bands": [["A", 90], ["B", 70], ["C", 50], ["D", -1e9]]}}]}, "q.toml")


def test_score_lines_with_quotas() -> None:
    # 20 firms with tax per mu 10.0 … 12.85: every score is ≥ 100, so all reach the A line;
    # the quota keeps A to ⌊0.2 × 20⌋ = 4 firms and puts the bottom ⌈0.05 × 20⌉ = 1 in D
    rows = [{"entity_id": f"Q{i:02d}", "tax_10k_yuan": 100.0 + 1.5 * i} for i in range(20)]
    ys = score_year(frame(rows), _quota_scheme(), 2024)  # type: ignore[arg-type]
    f = ys.firms.set_index("entity_id")
    assert list(f["class"].value_counts().sort_index().items()) == [("A", 4), ("B", 15), ("D", 1)]
    assert f.loc["Q00", "class"] == "D" and f.loc["Q19", "class"] == "A" and f.loc["Q15", "class"] == "B"
    # Q15 needs more than Q16's score (the 4th best of the others) to enter A
    assert f.loc["Q15", "target_class"] == "A"
    assert f.loc["Q15", "threshold_score"] == pytest.approx(f.loc["Q16", "score"])
    # Q00 leaves D by beating the firm at the quota's edge (19th best of the others = Q01)
    assert f.loc["Q00", "target_class"] == "C"
    assert f.loc["Q00", "threshold_score"] == pytest.approx(f.loc["Q01", "score"])
    moved = frame([{**r, "tax_10k_yuan": (f.loc["Q01", "score"] / 100 * 10 + 1e-6) * 10} if r["entity_id"] == "Q00"
                   else r for r in rows])
    assert score_year(moved, _quota_scheme(), 2024).firms.set_index("entity_id").loc["Q00", "class"] != "D"  # type: ignore[arg-type]
