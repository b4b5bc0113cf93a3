"""GDP–GEP coordination by district and year (issue #17 item 5): the coupling-coordination
degree of 王睿 & 杨国靖 (ChinaXiv 202101.00006, eqs. 3–5, 7; k = 2) worked by hand, and the rows at
the panel's minimum, where min–max normalisation makes D = 0 by construction, left ungraded."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qingshan.ecology.coordination import ENDPOINT, coordination_table
from qingshan.methods.coupling import coordination_grade


def test_coordination_worked_by_hand() -> None:
    # GEP in yuan; GDP in 10⁴ yuan as the package's gdp table holds it
    gep = {2020: {"A": 10.0, "B": 20.0}, 2025: {"A": 30.0, "B": 40.0}}
    gdp = pd.DataFrame({"year": [2020, 2020, 2025, 2025], "district_id": ["A", "B", "A", "B"],
                        "gdp": [100.0, 200.0, 150.0, 300.0]})
    frame, why = coordination_table(gep, gdp)
    assert why is None
    row = {(r["district"], r["year"]): r for r in frame.to_dict("records")}
    # B 2020: f = (200 − 100)/(300 − 100) = 0.5, g = (20 − 10)/(40 − 10) = 1/3
    # C = (4·f·g/(f + g)²)² = (0.666667/0.694444)² = 0.96² = 0.9216; T = (0.5 + 1/3)/2 = 0.416667
    # D = √(0.9216 × 0.416667) = √0.384 = 0.619677
    b = row[("B", 2020)]
    assert b["f"] == pytest.approx(0.5) and b["g"] == pytest.approx(1 / 3)
    assert b["c"] == pytest.approx(0.9216) and b["t"] == pytest.approx(5 / 12)
    assert b["d"] == pytest.approx(math.sqrt(0.384))
    assert (b["grade_zh"], b["grade_en"]) == coordination_grade(math.sqrt(0.384))
    # A 2020 holds the panel's lowest GDP and GEP: f = g = 0, D = 0 by construction, not graded
    a = row[("A", 2020)]
    assert a["d"] == 0.0 and (a["grade_zh"], a["grade_en"]) == ENDPOINT
    # growth: A's GDP 100 → 150 over five years
    assert row[("A", 2025)]["gdp_growth"] == pytest.approx(1.5 ** (1 / 5) - 1)
