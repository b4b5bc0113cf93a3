"""A left join that keeps one copy of the key columns, on every backend."""

from __future__ import annotations

from typing import Any


def left_join(left: Any, right: Any, keys: str | list[str]) -> Any:
    """``left`` LEFT JOIN ``right`` USING ``keys``: left's columns, then right's others."""
    ks = [keys] if isinstance(keys, str) else list(keys)
    j = left.left_join(right, ks)
    extra = [c for c in right.columns if c not in ks and c not in left.columns]
    return j.select(*[left[c] for c in left.columns], *[right[c] for c in extra])
