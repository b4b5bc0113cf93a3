"""GDP–GEP coupling-coordination degree (qingshan.methods.coupling)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingshan.methods import coupling as cp


def test_normalisation_reproduces_wang_yang_table3() -> None:
    # 王睿 & 杨国靖 (ChinaXiv 202101.00006) 表2 row B1 (carbon value, positive indicator),
    # 2008-2017; 表3 prints 0.2536 for 2008 and 0.0000 for 2011 (the minimum, 0.76).
    b1 = [1.11, 1.14, 1.24, 0.76, 1.71, 1.93, 1.98, 2.05, 2.09, 2.14]
    u = cp.min_max_normalise(b1)
    assert u[0] == pytest.approx(0.2536, abs=5e-5)  # (1.11 − 0.76)/(2.14 − 0.76) = 0.35/1.38
    assert u[3] == 0.0 and u[-1] == 1.0
    assert u[4] == pytest.approx(0.6884, abs=5e-5)  # 0.95/1.38
    # row B12 (share of low-income population, negative indicator, eq. 8): 2008 → 0.0617
    b12 = [20.00, 20.50, 19.40, 19.20, 18.70, 17.40, 16.50, 16.10, 15.30, 12.40]
    v = cp.min_max_normalise(b12, "negative")
    assert v[0] == pytest.approx(0.0617, abs=5e-5)  # (20.5 − 20.0)/(20.5 − 12.4) = 0.5/8.1
    assert v[1] == 0.0 and v[-1] == 1.0


def test_coordination_reproduces_wang_yang_2008_and_2017() -> None:
    # The paper: f(x) = 0.0288, g(y) = 0.0267 in 2008, D = 0.1662; f = g = 1 in 2017, D = 1.
    # By hand with k = 2, α = β = 0.5:
    # C = (4 × 0.0288 × 0.0267 / 0.0555²)² = (0.00307584 / 0.00308025)² = 0.998568² = 0.997138
    # T = 0.02775; D = √(0.997138 × 0.02775) = √0.0276706 = 0.16635
    c = cp.coupling_degree(0.0288, 0.0267, k=2)
    assert c == pytest.approx(0.997138, abs=1e-6)
    d = cp.coordination_degree(0.0288, 0.0267, k=2)
    assert d == pytest.approx(0.16635, abs=1e-5)
    # the printed 0.1662 came from unrounded f, g: within the rounding of f, g to 4 decimals
    assert d == pytest.approx(0.1662, abs=5e-4)
    assert cp.coordination_grade(d) == ("严重失调", "serious imbalance")
    assert cp.coordination_degree(1.0, 1.0, k=2) == 1.0
    assert cp.coordination_grade(1.0)[0] == "优质协调"


def test_common_form_is_k_one_half() -> None:
    # C = 2√(U1·U2)/(U1 + U2): U1 = 0.2, U2 = 0.8 → 2 × 0.4 / 1.0 = 0.8
    assert cp.coupling_degree(0.2, 0.8, k=0.5) == pytest.approx(0.8)
    # D = √(0.8 × 0.5) = √0.4 = 0.632456 → 初级协调 (0.6, 0.7]
    d = cp.coordination_degree(0.2, 0.8, k=0.5)
    assert d == pytest.approx(math.sqrt(0.4))
    assert cp.coordination_grade(d) == ("初级协调", "primary coordination")


def test_grade_band_edges() -> None:
    assert cp.coordination_grade(0.0)[0] == "极度失调"
    assert cp.coordination_grade(0.1)[0] == "极度失调"
    assert cp.coordination_grade(0.1000001)[0] == "严重失调"
    assert cp.coordination_grade(0.5)[0] == "濒临失调"
    assert cp.coordination_grade(0.9)[0] == "良好协调"
    with pytest.raises(ValueError):
        cp.coordination_grade(1.01)


def test_growth_and_ratio() -> None:
    # GDP 100 → 110 → 121: 10 % each year; GEP 250 over GDP 100 = 2.5
    assert cp.growth_rates([100.0, 110.0, 121.0]) == pytest.approx([0.10, 0.10])
    assert cp.gep_gdp_ratio(250.0, 100.0) == 2.5
    with pytest.raises(ValueError):
        cp.gep_gdp_ratio(1.0, 0.0)


def test_system_index_weights() -> None:
    # 0.3 × 0.5 + 0.7 × 1.0 = 0.85
    assert cp.system_index([0.5, 1.0], [0.3, 0.7]) == pytest.approx(0.85)
    with pytest.raises(ValueError):
        cp.system_index([0.5, 1.0], [0.3, 0.6])


unit = st.floats(0.0, 1.0, allow_nan=False)


@given(unit, unit, st.sampled_from([0.5, 1.0, 2.0, 5.0]), st.floats(0.0, 1.0))
def test_degrees_in_unit_interval(f: float, g: float, k: float, alpha: float) -> None:
    c = cp.coupling_degree(f, g, k)
    d = cp.coordination_degree(f, g, k, alpha, 1.0 - alpha)
    assert 0.0 <= c <= 1.0
    assert 0.0 <= d <= 1.0
    assert cp.coupling_degree(f, g, k) == pytest.approx(cp.coupling_degree(g, f, k))
