"""Class-band arithmetic of the shipped presets (issue #15, item 2): the class counts of
groups of 2, 7, 20 and 100 firms with distinct scores, through :func:`evaluate` on each
shipped scheme, against counts worked out here by hand from each scheme's wording; no D
firm in a group smaller than 1/share unless the scheme says so; ties stay with the tie rule.

The wording each count rests on (quoted in each preset's ``rounding_source``):

- 淮安 2024 (政策解读 四): "A类 前20%；B类 20%(不含)—60%(含)；C类 60%(不含)—95%(含)；D类 后5%".
  A firm at rank r of n is A iff r/n ≤ 20 %: A = ⌊0.2 n⌋, A+B = ⌊0.6 n⌋, A+B+C = ⌊0.95 n⌋.
  D, "the last 5 %", is a firm whose place from the bottom (n − r + 1)/n is ≤ 5 %: ⌊0.05 n⌋.
  A rank beyond 95 % but not within the last 5 % is in no band (the text is silent): C.
- 黄岩 2022 (bands borrowed from 温岭 2022-07-29 三): 规上 "B类 前20%-80%(含)，C类 80%-95%(含)，
  D类 后5%"; 规下 "B类 5%-75%(含)，C类 75%-95%(含)，D类 后5%". Same reading.
- 旌德 2022: "按照得分高低、相应比例" only; shares 20/45/30/5 from 铜陵 2021, whose D 37 of
  755 = ⌊0.05 × 755⌋; same reading.
- 德州 2024: "A类企业比例不超过20%，D类企业比例不低于5%": A = ⌊0.2 n⌋ (at most), D = ⌈0.05 n⌉
  (at least); B and C to 60 % and 95 % (stand-in), ⌊⌋.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.errors import ValidationError
from qingshan.evaluation import evaluate, load_scheme
from qingshan.evaluation.scheme import parse_scheme
from tests.evaluation_frames import frame

# (preset, segment) → {n: (A, B, C, D)}, each count worked out from the wording above.
EXPECTED: dict[tuple[str, str], dict[int, tuple[int, int, int, int]]] = {
    # 淮安: A ⌊0.2n⌋, B ⌊0.6n⌋ − A, D ⌊0.05n⌋, C the rest
    #   n = 2:   A ⌊0.4⌋ = 0, A+B ⌊1.2⌋ = 1, D ⌊0.1⌋ = 0, C 2 − 1 = 1
    #   n = 7:   A ⌊1.4⌋ = 1, A+B ⌊4.2⌋ = 4, D ⌊0.35⌋ = 0, C 7 − 4 = 3
    #   n = 20:  A 4, A+B 12, A+B+C 19, D 1
    #   n = 100: A 20, A+B 60, A+B+C 95, D 5 (济宁高新区 2023 规下 realised the same split)
    ("huaian-2024", "above"): {2: (0, 1, 1, 0), 7: (1, 3, 3, 0), 20: (4, 8, 7, 1), 100: (20, 40, 35, 5)},
    ("huaian-2024", "below_3mu"): {2: (0, 1, 1, 0), 7: (1, 3, 3, 0), 20: (4, 8, 7, 1), 100: (20, 40, 35, 5)},
    # 黄岩 规上 (温岭): A ⌊0.2n⌋, A+B ⌊0.8n⌋, D ⌊0.05n⌋
    #   n = 2: A 0, A+B ⌊1.6⌋ = 1, D 0, C 1;  n = 7: A 1, A+B ⌊5.6⌋ = 5, D 0, C 2
    #   n = 20: A 4, A+B 16, A+B+C 19, D 1;  n = 100: 20, 80, 95, 5
    ("huangyan-2022", "above"): {2: (0, 1, 1, 0), 7: (1, 4, 2, 0), 20: (4, 12, 3, 1), 100: (20, 60, 15, 5)},
    # 黄岩 规下 (温岭): A ⌊0.05n⌋, A+B ⌊0.75n⌋, D ⌊0.05n⌋
    #   n = 2: A 0, A+B ⌊1.5⌋ = 1, D 0, C 1;  n = 7: A ⌊0.35⌋ = 0, A+B ⌊5.25⌋ = 5, D 0, C 2
    #   n = 20: A 1, A+B 15, A+B+C 19, D 1;  n = 100: 5, 75, 95, 5
    ("huangyan-2022", "below"): {2: (0, 1, 1, 0), 7: (0, 5, 2, 0), 20: (1, 14, 4, 1), 100: (5, 70, 20, 5)},
    # 旌德 (铜陵 shares): A ⌊0.2n⌋, A+B ⌊0.65n⌋, D ⌊0.05n⌋
    #   n = 2: A 0, A+B ⌊1.3⌋ = 1, D 0, C 1;  n = 7: A 1, A+B ⌊4.55⌋ = 4, D 0, C 3
    #   n = 20: A 4, A+B 13, A+B+C 19, D 1;  n = 100: 20, 65, 95, 5
    ("jingde-2022", "above"): {2: (0, 1, 1, 0), 7: (1, 3, 3, 0), 20: (4, 9, 6, 1), 100: (20, 45, 30, 5)},
    ("jingde-2022", "below_5mu"): {2: (0, 1, 1, 0), 7: (1, 3, 3, 0), 20: (4, 9, 6, 1), 100: (20, 45, 30, 5)},
    # 德州: A ⌊0.2n⌋ ("不超过"), A+B ⌊0.6n⌋, A+B+C ⌊0.95n⌋, D ⌈0.05n⌉ ("不低于")
    #   n = 2: A 0, A+B 1, A+B+C ⌊1.9⌋ = 1, D ⌈0.1⌉ = 1
    #   n = 7: A 1, A+B 4, A+B+C ⌊6.65⌋ = 6, D ⌈0.35⌉ = 1
    #   n = 20: A 4, A+B 12, A+B+C 19, D ⌈1⌉ = 1;  n = 100: 20, 60, 95, 5
    ("dezhou-2024", "above"): {2: (0, 1, 0, 1), 7: (1, 3, 2, 1), 20: (4, 8, 7, 1), 100: (20, 40, 35, 5)},
    ("dezhou-2024", "below_3mu"): {2: (0, 1, 0, 1), 7: (1, 3, 2, 1), 20: (4, 8, 7, 1), 100: (20, 40, 35, 5)},
}
#: Presets whose own wording puts a firm into D in any group: "D类企业比例不低于5%" (德州 2024).
SAYS_D_IN_EVERY_GROUP = {"dezhou-2024"}
#: The bottom share of every shipped preset (后5%, 不低于5%): a group below 1/share = 20 firms.
SMALL = 20
PRIOR_MEAN = {"huaian-2024", "dezhou-2024"}  # benchmark from the previous year's group mean
BELOW = {"below_3mu", "below", "below_5mu"}


def inputs(preset: str, segment: str, taxes: list[float]) -> pd.DataFrame:
    """One firm per tax figure, all else equal, in the segment; for a benchmark of last
    year's mean, the same firms a year earlier with one tax figure."""
    scale = "below" if segment in BELOW else "above"
    rows = [{"entity_id": f"F{i:03d}", "scale": scale, "tax_10k_yuan": t} for i, t in enumerate(taxes)]
    this = frame(rows, 2024)
    if preset not in PRIOR_MEAN:
        return this
    last = frame([{**r, "tax_10k_yuan": 100.0} for r in rows], 2023)
    return pd.concat([last, this], ignore_index=True)


def counts(ev_firms: pd.DataFrame, segment: str) -> tuple[int, ...]:
    f = ev_firms[ev_firms["segment"] == segment]
    return tuple(int((f["class"] == c).sum()) for c in "ABCD")


@pytest.mark.parametrize(("preset", "segment"), sorted(EXPECTED))
@pytest.mark.parametrize("n", [2, 7, 20, 100])
def test_class_counts_of_each_preset(preset: str, segment: str, n: int) -> None:
    taxes = [100.0 + 7.0 * i for i in range(n)]  # distinct; a higher tax is a higher score
    ev = evaluate(inputs(preset, segment, taxes), load_scheme(preset), 2024)
    assert counts(ev.firms, segment) == EXPECTED[(preset, segment)][n]
    # the classes follow the scores: A first, then B, C, D
    f = ev.firms[ev.firms["segment"] == segment].sort_values("score", ascending=False)
    a, b, c, d = EXPECTED[(preset, segment)][n]
    assert list(f["class"]) == ["A"] * a + ["B"] * b + ["C"] * c + ["D"] * d


def test_every_preset_segment_is_counted_and_states_its_rounding() -> None:
    shipped = {(p, s.id) for p in ("huaian-2024", "huangyan-2022", "jingde-2022", "dezhou-2024")
               for s in load_scheme(p).segments}
    assert shipped == set(EXPECTED)
    for p, s in shipped:
        rule = next(x for x in load_scheme(p).segments if x.id == s).classes
        assert rule.rounding_source and len(rule.rounding) == len(rule.bands) and rule.remainder == "C"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(EXPECTED)), st.lists(st.integers(0, 6), min_size=1, max_size=SMALL - 1),
       st.randoms(use_true_random=False))
def test_no_d_firm_in_a_small_group_unless_the_scheme_says_so(key: tuple[str, str], taxes: list[int],
                                                              rnd: object) -> None:
    preset, segment = key
    values = [100.0 + 10.0 * t for t in taxes]  # small integers: many ties
    ev = evaluate(inputs(preset, segment, values), load_scheme(preset), 2024)
    f = ev.firms[ev.firms["segment"] == segment].set_index("entity_id")
    n, d = len(f), int((f["class"] == "D").sum())
    if preset in SAYS_D_IN_EVERY_GROUP:
        assert d >= 1  # "D类企业比例不低于5%": at least ⌈0.05 n⌉ = 1
    else:
        assert d == 0  # "后5%" of fewer than 20 firms is no firm
    # ties: firms with the same tax have the same score, and the tie rule gives them one class
    by_tax = pd.Series(values, index=[f"F{i:03d}" for i in range(n)])
    for _, same in f.groupby(by_tax.reindex(f.index)):
        assert same["class"].nunique() == 1
    # "worse": a tied block straddling a boundary falls to the lower band, so A stays within 20 %
    assert int((f["class"] == "A").sum()) <= (n * 20) // 100
    # row order never matters
    perm = list(range(n))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    again = evaluate(inputs(preset, segment, [values[i] for i in perm]), load_scheme(preset), 2024)
    g = again.firms[again.firms["segment"] == segment].set_index("entity_id")
    assert [g.loc[f"F{perm.index(i):03d}", "class"] for i in range(n)] == list(f.sort_index()["class"])


def test_ties_at_the_c_d_boundary_follow_the_tie_rule() -> None:
    # 淮安, 20 firms: C to rank 19, D the last ⌊0.05 × 20⌋ = 1; the two lowest tie at ranks 19–20,
    # and "worse" classes the block at rank 20: both D (the tie rule, not the rounding, puts 2 in D)
    taxes = [300.0 - 10.0 * i for i in range(18)] + [50.0, 50.0]
    ev = evaluate(inputs("huaian-2024", "above", taxes), load_scheme("huaian-2024"), 2024)
    f = ev.firms.set_index("entity_id")
    assert f.loc["F018", "rank"] == 19 and f.loc["F018", "rank_last"] == 20
    assert f.loc["F018", "class"] == "D" and f.loc["F019", "class"] == "D"
    assert counts(ev.firms, "above") == (4, 8, 6, 2)


def test_a_remainder_firm_is_explained_and_can_move_up() -> None:
    from qingshan.documents.evaluation import why

    ev = evaluate(inputs("huaian-2024", "above", [100.0 + 7.0 * i for i in range(7)]), load_scheme("huaian-2024"),
                  2024)
    last = ev.firms.set_index("entity_id").loc["F000"]  # the lowest of 7: rank 7, the remainder
    assert last["class"] == "C" and last["rank"] == 7
    text = why(ev, {**last.to_dict(), "entity_id": "F000"})
    assert "C 类为第 5–7 名" in text["zh"] and "A 1，B 2–4，C 5–7，D —" in text["zh"]
    assert "class C is ranks 5–7" in text["en"]
    # B holds ranks 2–4: to enter it the firm needs more than the 4th best score of the others
    others = sorted(ev.firms.set_index("entity_id").drop(index="F000")["score"], reverse=True)
    assert last["target_class"] == "B" and last["threshold_score"] == pytest.approx(others[3])


def _scheme(classes: dict[str, object]) -> dict[str, object]:
    return {"id": "x", "zh": "x", "en": "x", "source": {"document": "test"},
            "segments": [{"id": "all", "zh": "全部", "en": "all", "method": "ratio", "source": "test",
                          "items": [{"indicator": "tax_per_mu", "weight": 100, "benchmark": "fixed", "value": 10}],
                          "classes": {"source": "test", **classes}}]}


def test_a_scheme_states_its_rounding_and_remainder() -> None:
    bands = [["A", 0.2], ["B", 0.6], ["C", 0.95], ["D", 1.0]]
    # D "不低于5%" (ceil) and the remainder into D: what a county whose text says so would write
    s = parse_scheme(_scheme({"bands": bands, "rounding": ["floor", "floor", "floor", "ceil"], "remainder": "D",
                              "rounding_source": "test"}), "x.toml")
    rows = [{"entity_id": f"E{i}", "tax_10k_yuan": 100.0 + i} for i in range(7)]
    f = evaluate(frame(rows), s, 2024).firms
    # n = 7: A ⌊1.4⌋ = 1, A+B ⌊4.2⌋ = 4, A+B+C ⌊6.65⌋ = 6, D ⌈0.35⌉ = 1
    assert tuple(int((f["class"] == c).sum()) for c in "ABCD") == (1, 3, 2, 1)
    # round half up (四舍五入), n = 10: D (0.05 × 10 = 0.5) → 1, counted first; A 2; A+B 6;
    # A+B+C 9.5 → 10, capped at 10 − 1 = 9 because D's rank is taken
    s2 = parse_scheme(_scheme({"bands": bands, "rounding": ["round"] * 4}), "x.toml")
    f2 = evaluate(frame([{"entity_id": f"E{i}", "tax_10k_yuan": 100.0 + i} for i in range(10)]), s2, 2024).firms
    assert tuple(int((f2["class"] == c).sum()) for c in "ABCD") == (2, 4, 3, 1)


def test_wrong_rounding_keys_are_reported() -> None:
    bands = [["A", 0.2], ["B", 0.6], ["C", 0.95], ["D", 1.0]]
    with pytest.raises(ValidationError) as e:
        parse_scheme(_scheme({"bands": bands, "rounding": ["floor", "down"], "remainder": "A"}), "x.toml")
    got = {(p.column, p.value) for p in e.value.problems}
    assert ("segments[0].classes.rounding", "['floor', 'down']") in got
    assert ("segments[0].classes.remainder", "A") in got
    with pytest.raises(ValidationError) as e2:
        parse_scheme(_scheme({"rule": "score", "bands": [["A", 90], ["D", -1e9]], "rounding": ["floor", "floor"]}),
                     "x.toml")
    assert {p.column for p in e2.value.problems} == {"segments[0].classes.rounding"}
