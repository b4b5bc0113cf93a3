"""The NDRC barometer (能耗双控晴雨表): the colour of progress against the time-proportional
schedule (docs/targets.md).

On or ahead of schedule (gap ≤ 0) the colour is green; behind it, red when the gap exceeds
the barometer's share of the progress target (10 %: 发改办环资〔2021〕629号, in
``targets/barometers/ndrc-2021.toml``), else yellow. The gap and its share are
:func:`qingshan.methods.schedule.schedule_gap`.
"""

from __future__ import annotations

import numpy as np

GREEN, YELLOW, RED = "green", "yellow", "red"


def colour(gap: np.ndarray, gap_share: np.ndarray, red_gap_share: float) -> np.ndarray:
    """green (gap ≤ 0), red (gap share > ``red_gap_share``) or yellow, per element; a share
    exactly at the limit is yellow."""
    g = np.asarray(gap, dtype="float64")
    s = np.asarray(gap_share, dtype="float64")
    return np.where(g <= 0, GREEN, np.where(s > red_gap_share + 1e-12, RED, YELLOW))
