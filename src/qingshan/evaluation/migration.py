"""Class migration: how many enterprises moved from each class last year to each class this
year."""

from __future__ import annotations

import pandas as pd

CLASS_ORDER = ("A", "B", "C", "D", "T", "—")


def _class_or_dash(firms: pd.DataFrame) -> pd.Series:
    return firms["class"].astype("string").fillna("—")


def migration_matrix(prev: pd.DataFrame | None, cur: pd.DataFrame) -> pd.DataFrame:
    """Counts of enterprises by class last year (rows) and this year (columns); "—" is not
    evaluated (out of scope or absent that year)."""
    if prev is None:
        return pd.DataFrame()
    a = pd.Series(_class_or_dash(prev).to_numpy(), index=prev["entity_id"].to_numpy())
    b = pd.Series(_class_or_dash(cur).to_numpy(), index=cur["entity_id"].to_numpy())
    both = pd.DataFrame({"from": a, "to": b}).fillna("—")
    m = pd.crosstab(both["from"], both["to"])
    order = [c for c in CLASS_ORDER]
    return m.reindex(index=order, columns=order, fill_value=0)
