"""Progress against the time-proportional schedule (时序进度, docs/targets.md).

For a target that changes an indicator by r (e.g. −0.17 for "down 17 %") between base year
B and target year T, the progress target at time t is the share of the period elapsed
times r (NDRC: 进度目标 = 目标 × 时序进度)::

    f(t) = (t − B) / (T − B),   required(t) = r · f(t),   actual(t) = V(t) / V(B) − 1

A decrease target is on schedule when actual ≤ required; the gap is actual − required
(an increase target mirrors this), and its share is gap / |required|. Actual and required
are compared at the stated precision (:mod:`.precision`): the gap is the difference of the
two rounded to 9 significant digits, so a change on schedule to that precision has a gap of
exactly 0 on every engine, whatever order the city's totals were added in. The colours the
barometer gives the gap are :mod:`qingshan.methods.barometer`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qingshan.methods.precision import comparable


def elapsed_share(t: pd.Series | np.ndarray, base: float, target: float) -> np.ndarray:
    """(t − B)/(T − B), where t may be fractional (a month's end: year + month/12 − 1 …)."""
    return (np.asarray(t, dtype="float64") - base) / (target - base)


def schedule_gap(actual_change: np.ndarray, required_change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gap, gap share of the progress target) for changes signed like the target.

    ``actual_change`` and ``required_change`` are relative changes from the base year. The
    gap is how far the actual change falls short, in the target's direction (> 0: behind).
    """
    a = comparable(np.asarray(actual_change, dtype="float64"))
    r = comparable(np.asarray(required_change, dtype="float64"))
    direction = np.sign(r)
    gap = (a - r) * np.where(direction == 0, 1.0, -direction)  # > 0 means behind schedule
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(r != 0, gap / np.abs(r), np.where(gap > 0, np.inf, 0.0))
    return gap, share
