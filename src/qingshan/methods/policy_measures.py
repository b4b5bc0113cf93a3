"""Differentiated policy by class (差别化政策): which measures apply to an enterprise and
the yuan amount of a per-kWh electricity surcharge that escalates with consecutive years
in the class (鲁发改价格〔2022〕56号: +0.05 / +0.10 / +0.15 yuan/kWh after 1, 2, ≥ 3 years).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def consecutive_years(history: pd.DataFrame, year: int, cls: str) -> pd.Series:
    """Per entity_id: how many years up to ``year``, unbroken, it has been in ``cls``.

    ``history`` has columns entity_id, year, class; a year missing from the history breaks
    the run (the firm was not evaluated that year).
    """
    h = history[history["year"] <= year]
    in_cls = h[h["class"] == cls].set_index(["entity_id", "year"]).index
    ids = h.loc[h["year"] == year, "entity_id"]
    counts = {}
    for e in ids:
        n, y = 0, year
        while (e, y) in in_cls:
            n, y = n + 1, y - 1
        counts[e] = n
    return pd.Series(counts, dtype="int64")


def surcharge_rate(years_in_class: pd.Series, steps: Sequence[float]) -> pd.Series:
    """yuan/kWh for 1, 2, … consecutive years; the last step holds for longer runs; 0 for 0."""
    k = years_in_class.clip(upper=len(steps))
    rates = pd.Series([0.0, *steps], dtype="float64")
    return pd.Series(rates.to_numpy()[k.to_numpy()], index=years_in_class.index, dtype="float64")


def surcharge_yuan(rate_yuan_per_kwh: pd.Series, base_kwh: pd.Series) -> pd.Series:
    """rate × base, with a negative or missing base (a net exporter) counted as 0 kWh."""
    return rate_yuan_per_kwh * base_kwh.fillna(0.0).clip(lower=0.0)
