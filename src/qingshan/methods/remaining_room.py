"""Remaining room (用能空间 / 碳排放空间) in the target year.

With the base-year intensity I_B, the target change r, the last actual year L with value
added (or GDP) Q_L and energy (or CO2) E_L, and an assumed growth g per year::

    Q_T = Q_L · (1 + g)^(T − L)          value added in the target year
    E_T,allowed = I_B · (1 + r) · Q_T    energy that meets the intensity target
    room = E_T,allowed − E_L             what can still be added (negative: must cut)

If the entity also has a total cap C, the room is min(room, C − E_L).
"""

from __future__ import annotations

import math


def allowed_total(base_intensity: float, target_change: float, last_activity: float, growth: float,
                  last_year: int, target_year: int) -> tuple[float, float]:
    """(activity in the target year, energy or CO2 allowed in the target year)."""
    q_t = last_activity * (1.0 + growth) ** (target_year - last_year)
    return q_t, base_intensity * (1.0 + target_change) * q_t


def room(allowed: float, last_total: float, cap: float | None = None) -> float:
    r = allowed - last_total
    if cap is not None and not math.isnan(cap):
        r = min(r, cap - last_total)
    return r
