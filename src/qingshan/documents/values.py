"""JSON-ready values: every kind of missing becomes ``None``, numpy scalars become Python
ones, and a non-finite number never reaches a document (JSON has no NaN or Infinity)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def clean(v: Any) -> Any:
    """A cell or JSON value: ``None`` for every kind of missing or non-finite number,
    Python scalars for numpy ones."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def records(frame: pd.DataFrame, fields: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts, column by column (``to_dict`` is slow on Arrow-backed
    columns); ``fields`` keeps those columns, in that order, where present."""
    cols = [str(c) for c in (fields or tuple(frame.columns)) if c in frame.columns]
    data = {c: frame[c].tolist() for c in cols}
    return [{c: clean(data[c][i]) for c in cols} for i in range(len(frame))]
