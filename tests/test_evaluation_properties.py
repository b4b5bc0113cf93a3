"""Properties of the 亩均 evaluation through `evaluate` (issue #15, item 2): over several
years (a benchmark of last year's mean), with ties and missing (NaN) figures, row order never
changes a class, a tie never splits, a missing figure is reported in the items (never scored
silently), and an empty group gives no class rows and no error."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from qingshan.evaluation import evaluate, load_scheme
from tests.evaluation_frames import frame

PRESETS = ("huaian-2024", "huangyan-2022", "jingde-2022", "dezhou-2024")
TAX = st.one_of(st.sampled_from([50.0, 100.0, 100.0, 250.0]), st.floats(1.0, 1000.0), st.just(math.nan))


def _inputs(taxes: list[float], districts: list[str]) -> pd.DataFrame:
    """Two years of the same firms (the earlier one at a flat tax, for last year's mean)."""
    rows = [{"entity_id": f"F{i:03d}", "tax_10k_yuan": t, "district_id": d}
            for i, (t, d) in enumerate(zip(taxes, districts, strict=True))]
    last = frame([{**r, "tax_10k_yuan": 100.0} for r in rows], 2023)
    return pd.concat([last, frame(rows, 2024)], ignore_index=True)


def _classes(ev_firms: pd.DataFrame) -> dict[str, object]:
    return {str(e): (None if pd.isna(c) else str(c)) for e, c in zip(ev_firms["entity_id"], ev_firms["class"],
                                                                        strict=True)}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(TAX, st.sampled_from(["D1", "D2"])), min_size=1, max_size=30),
       st.sampled_from(PRESETS), st.randoms(use_true_random=False))
def test_row_order_ties_and_missing_figures(rows: list[tuple[float, str]], preset: str, rnd: object) -> None:
    taxes, districts = [t for t, _ in rows], [d for _, d in rows]
    data = _inputs(taxes, districts)
    scheme = load_scheme(preset)
    ev = evaluate(data, scheme, 2024)
    shuffled = data.sample(frac=1.0, random_state=rnd.randint(0, 2**31 - 1)).reset_index(drop=True)  # type: ignore[attr-defined]
    ev2 = evaluate(shuffled, scheme, 2024)
    assert _classes(ev.firms) == _classes(ev2.firms)  # row order never changes a class
    cls = _classes(ev.firms)
    # a tie never splits: firms with the same inputs in the same district share a class
    seen: dict[tuple[object, str], object] = {}
    for i, (t, d) in enumerate(rows):
        key = ("nan" if math.isnan(t) else t, d)
        c = cls[f"F{i:03d}"]
        assert seen.setdefault(key, c) == c
    # a missing figure is reported as missing in the items, never scored as a value
    items = ev.items
    for i, t in enumerate(taxes):
        mine = items[(items["entity_id"] == f"F{i:03d}") & (items["indicator"] == "tax_per_mu")]
        if math.isnan(t):
            assert mine["missing"].all() and mine["value"].isna().all()
        elif len(mine):
            assert not mine["missing"].any()


def test_an_empty_group_gives_no_rows_and_no_error() -> None:
    # only 规上 firms: the 规下 segment has no members, so no row carries it and nothing fails
    data = _inputs([100.0, 200.0, 300.0], ["D1", "D1", "D1"])
    for preset in PRESETS:
        ev = evaluate(data, load_scheme(preset), 2024)
        assert set(ev.firms["segment"].dropna()) <= {"above"}
        assert len(ev.firms) == 3
    # every firm exempt (a utility, GB/T 4754 division 44): class T (不适合评价类) only, no A–D, no error
    rows = [{"entity_id": f"U{i}", "industry_code": "4411", "tax_10k_yuan": 100.0 + i} for i in range(3)]
    data = pd.concat([frame(rows, 2023), frame(rows, 2024)], ignore_index=True)
    ev = evaluate(data, load_scheme("huaian-2024"), 2024)
    assert set(ev.firms["class"]) == {"T"} and (ev.firms["status"] != "evaluated").all()
