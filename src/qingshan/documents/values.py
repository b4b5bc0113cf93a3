"""JSON-ready values: every kind of missing becomes ``None``, numpy scalars become Python
ones, and a non-finite number never reaches a document (JSON has no NaN or Infinity)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
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


def _column(s: pd.Series) -> list[Any]:
    """One column as JSON-ready Python values (as :func:`clean` makes them), computed for
    the whole column at once."""
    if pd.api.types.is_float_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
        arr = s.to_numpy(dtype="float64", na_value=np.nan)
        out: list[Any] = arr.tolist()
        for i in np.flatnonzero(~np.isfinite(arr)).tolist():
            out[i] = None
        return out
    values = s.tolist()
    missing = s.isna().to_numpy()
    if pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return [None if m else v for v, m in zip(values, missing, strict=True)] if missing.any() else values
    return [None if m else clean(v) for v, m in zip(values, missing, strict=True)]


def records(frame: pd.DataFrame, fields: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts, built column by column (``to_dict`` is slow on
    Arrow-backed columns); ``fields`` keeps those columns, in that order, where present."""
    cols = [str(c) for c in (fields or tuple(frame.columns)) if c in frame.columns]
    data = [_column(frame[c]) for c in cols]
    if not cols:
        return [{} for _ in range(len(frame))]
    return [dict(zip(cols, row, strict=True)) for row in zip(*data, strict=True)]
