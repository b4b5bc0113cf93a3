"""The NDRC barometer (能耗双控晴雨表): the colour of progress against the time-proportional
schedule (docs/targets.md).

On or ahead of schedule (gap ≤ 0) the colour is green; behind it, red when the gap exceeds
the barometer's share of the progress target (10 %: 发改办环资〔2021〕629号, in
``targets/barometers/ndrc-2021.toml``), else yellow. The gap and its share are
:func:`qingshan.methods.schedule.schedule_gap`; the share is compared with the limit at the
stated precision (:mod:`.precision`), so a share on the limit is yellow on every engine.
"""

from __future__ import annotations

import numpy as np

from qingshan.methods.precision import comparable

GREEN, YELLOW, RED = "green", "yellow", "red"


def colour(gap: np.ndarray, gap_share: np.ndarray, red_gap_share: float) -> np.ndarray:
    """green (gap ≤ 0), red (gap share > ``red_gap_share``) or yellow, per element; a share
    exactly at the limit is yellow."""
    g = comparable(np.asarray(gap, dtype="float64"))
    s = comparable(np.asarray(gap_share, dtype="float64"))
    return np.where(g <= 0, GREEN, np.where(s > comparable(float(red_gap_share)), RED, YELLOW))
