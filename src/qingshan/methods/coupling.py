"""GDP–GEP coordination (GDP与GEP协同): growth, ratio, coupling and coordination degree.

Sources (docs/gep/sinks-coordination-compensation.md):

- 王睿, 杨国靖 《库布齐沙漠生态治理的生态经济系统耦合分析》, 干旱区地理 (ChinaXiv
  202101.00006, https://chinaxiv.org/abs/202101.00006), section 2:

      f(x) = Σ a_i x_i,  g(y) = Σ b_j y_j                  (1), (2)  system indices
      C = {4 f g / (f + g)²}^k                              (3)      coupling degree
      D = √(C · T)                                          (4)      coordination degree
      T = α f + β g                                         (5)      comprehensive index
      U = (x − x_min) / (x_max − x_min)   (larger is better) (7)      normalisation
      U = (x_max − x) / (x_max − x_min)   (smaller is better)(8)

  The paper takes k = 2 (k ∈ [2, 5] for two systems, after 汤青) and α = β = 0.5. The form
  C = 2√(U1·U2)/(U1 + U2) common in the literature is the same formula with k = 1/2 (an
  identity, {4fg/(f+g)²}^(1/2) = 2√(fg)/(f+g)); k is therefore an explicit argument.
- Grade bands of D: 田深圳, 李雪铭, 杨俊, 张威, 郭建科 2021, 地理学报 76(4): 781, 表1
  (http://www.geog.com.cn/article/2021/0375-5444/0375-5444-76-4-781/T1.html): ten bands of
  width 0.1 from 极度失调 (0, 0.1] to 优质协调 (0.9, 1.0].

For GDP–GEP each system has one indicator (GDP, or GEP), so f and g are the normalised
series themselves (weights 1). Growth rates and the GEP/GDP ratio are plain arithmetic.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Literal

__all__ = [
    "COORDINATION_BANDS",
    "comprehensive_index",
    "coordination_degree",
    "coordination_grade",
    "coupling_degree",
    "gep_gdp_ratio",
    "growth_rates",
    "min_max_normalise",
    "system_index",
]

# (upper bound of D, 中文, English); a band holds lower < D <= upper; D = 0 is 极度失调.
# 田深圳 et al. 2021, 地理学报 76(4): 781, 表1 耦合度和协调度等级标准.
COORDINATION_BANDS: tuple[tuple[float, str, str], ...] = (
    (0.10, "极度失调", "extreme imbalance"),
    (0.20, "严重失调", "serious imbalance"),
    (0.30, "中度失调", "moderate imbalance"),
    (0.40, "轻度失调", "mild imbalance"),
    (0.50, "濒临失调", "verge of imbalance"),
    (0.60, "勉强协调", "barely coordinated"),
    (0.70, "初级协调", "primary coordination"),
    (0.80, "中级协调", "intermediate coordination"),
    (0.90, "良好协调", "good coordination"),
    (1.00, "优质协调", "high-quality coordination"),
)


def growth_rates(series: Sequence[float]) -> list[float]:
    """Year-on-year growth rates x_t / x_{t−1} − 1 (fraction), one fewer than the series."""
    out = []
    for prev, cur in itertools.pairwise(series):
        if prev <= 0:
            raise ValueError(f"growth rate needs a positive previous value, got {prev}")
        out.append(cur / prev - 1.0)
    return out


def gep_gdp_ratio(gep: float, gdp: float) -> float:
    """GEP / GDP, dimensionless (both in the same currency and price year)."""
    if gdp <= 0:
        raise ValueError(f"GDP must be positive, got {gdp}")
    return gep / gdp


def min_max_normalise(values: Sequence[float], direction: Literal["positive", "negative"] = "positive") -> list[float]:
    """Range normalisation to [0, 1] (王睿 & 杨国靖, eq. 7 positive, eq. 8 negative indicator).

    A constant series has no range; it is refused rather than given an arbitrary value.
    """
    lo, hi = min(values), max(values)
    if not hi > lo:
        raise ValueError("a constant series cannot be range-normalised")
    if direction == "positive":
        return [(v - lo) / (hi - lo) for v in values]
    return [(hi - v) / (hi - lo) for v in values]


def system_index(normalised: Sequence[float], weights: Sequence[float]) -> float:
    """A system's index f(x) = Σ a_i x_i (eq. 1, 2); the weights must sum to 1."""
    if not math.isclose(math.fsum(weights), 1.0, abs_tol=1e-9):
        raise ValueError(f"weights must sum to 1, got {math.fsum(weights)}")
    return math.fsum(a * x for a, x in zip(weights, normalised, strict=True))


def _check_unit(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1] (a normalised index), got {value}")


def coupling_degree(f: float, g: float, k: float) -> float:
    """Coupling degree C = {4fg / (f + g)²}^k (eq. 3), in [0, 1].

    k = 2 in the source paper; k = 0.5 gives the common 2√(fg)/(f + g). C = 0 when both
    indices are 0 (no interaction to measure).
    """
    _check_unit("f", f)
    _check_unit("g", g)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    s = f + g
    if s == 0.0:
        return 0.0
    # {4fg/(f+g)²}^k written as (2√f√g/(f+g))^(2k): no underflow of (f+g)² for tiny indices;
    # the ratio is ≤ 1 (AM–GM), clamped against rounding.
    ratio = min(1.0, 2.0 * math.sqrt(f) * math.sqrt(g) / s)
    return float(ratio ** (2.0 * k))


def comprehensive_index(f: float, g: float, alpha: float = 0.5, beta: float = 0.5) -> float:
    """Comprehensive index T = α f + β g (eq. 5); α + β = 1 (the paper: α = β = 0.5)."""
    _check_unit("f", f)
    _check_unit("g", g)
    if alpha < 0 or beta < 0 or not math.isclose(alpha + beta, 1.0, abs_tol=1e-9):
        raise ValueError(f"alpha and beta must be >= 0 and sum to 1, got {alpha}, {beta}")
    return alpha * f + beta * g


def coordination_degree(f: float, g: float, k: float, alpha: float = 0.5, beta: float = 0.5) -> float:
    """Coupling-coordination degree D = √(C · T) (eq. 4), in [0, 1]."""
    c = coupling_degree(f, g, k)
    t = comprehensive_index(f, g, alpha, beta)
    return min(1.0, math.sqrt(c * t))


def coordination_grade(d: float) -> tuple[str, str]:
    """The grade of D as ``(中文, English)`` by 田深圳 et al. 2021 表1."""
    if not 0.0 <= d <= 1.0:
        raise ValueError(f"D must lie in [0, 1], got {d}")
    for upper, zh, en in COORDINATION_BANDS:
        if d <= upper:
            return zh, en
    raise AssertionError("unreachable: the last band ends at 1.0")
