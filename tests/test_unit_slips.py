"""The unit-slip check (P036) against a direct transcription of its rule.

The rule (docs/data-package.md, P036): in each series (enterprise, carrier, use) in month
order, a month whose quantity is at least 1 000 times the median of its neighbours (up to
three reported months on each side, at least three of them), or positive and at most a
thousandth of it, is flagged. The reference below states that rule with pandas group
shifts, row by row of the definition; the validator computes it on sorted arrays and takes
the median only where a slip is possible. Both must flag the same rows with the same ratio,
whatever the row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qingshan.data.validate import UNIT_SLIP_RATIO, _unit_slips


def _reference(en: pd.DataFrame) -> dict[int, str]:
    key = ["entity_id", "carrier", "use"]
    s = en[en["quantity"].notna() & en["period"].notna()].sort_values([*key, "period"], kind="stable")
    g = s.groupby(key, sort=False)["quantity"]
    neigh = pd.concat([g.shift(k) for k in (1, 2, 3, -1, -2, -3)], axis=1)
    med = neigh.median(axis=1, skipna=True).where(neigh.notna().sum(axis=1) >= 3)
    q = s["quantity"]
    flag = ((med > 0) & ((q >= UNIT_SLIP_RATIO * med) | ((q > 0) & (q * UNIT_SLIP_RATIO <= med)))).fillna(False)
    return {int(r): f"{round(float(x), 1):g}" for r, x in zip(s.loc[flag, "_row"], (q / med)[flag], strict=True)}


@st.composite
def energy(draw: st.DrawFn) -> pd.DataFrame:
    n_series = draw(st.integers(1, 4))
    rows = []
    for i in range(n_series):
        months = draw(st.lists(st.integers(1, 24), min_size=1, max_size=14, unique=True))
        for m in months:
            base = draw(st.sampled_from([0.0, 1.0, 50.0, 120.0, 3000.0]))
            scale = draw(st.sampled_from([1.0, 1.0, 1.0, 1000.0, 1e-3, 1e4, 0.0]))
            rows.append({"entity_id": f"E{i % 2}", "carrier": ["electricity", "raw_coal"][i // 2 % 2],
                         "use": "fuel", "period": f"{2023 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}",
                         "quantity": base * scale})
    frame = pd.DataFrame(rows)
    frame["year"] = frame["period"].str[:4].astype(float)
    frame["month"] = frame["period"].str[5:].astype(float)
    frame["_file"] = "energy.csv"
    frame["_row"] = np.arange(2, len(frame) + 2)
    perm = draw(st.permutations(range(len(frame))))
    frame = frame.iloc[list(perm)].reset_index(drop=True)
    for c in ("entity_id", "carrier", "use", "period", "_file"):
        frame[c] = frame[c].astype("category")
    return frame


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(en=energy())
def test_unit_slips_match_the_rule(en: pd.DataFrame) -> None:
    found = {p.row: p.expected_en.split(" times")[0].rsplit(" ", 1)[1] for p in _unit_slips(en)}
    assert found == _reference(en)


def test_a_month_typed_in_kwh_among_months_in_10k_kwh() -> None:
    q = [120.0, 118.0, 125.0, 1_210_000.0, 119.0, 121.0, 117.0]  # the fourth month typed in kWh
    en = pd.DataFrame({"entity_id": "E", "carrier": "electricity", "use": "fuel",
                       "period": [f"2024-{m:02d}" for m in range(1, 8)], "quantity": q,
                       "year": 2024.0, "month": [float(m) for m in range(1, 8)], "_file": "energy.csv",
                       "_row": range(2, 9)})
    problems = _unit_slips(en)
    # neighbours of 1 210 000: 120, 118, 125, 119, 121, 117 -> median (119 + 120) / 2 = 119.5
    assert [(p.row, p.code, p.severity) for p in problems] == [(5, "P036", "warning")]
    assert "10125.5 times" in problems[0].expected_en  # 1 210 000 / 119.5 = 10 125.52…
