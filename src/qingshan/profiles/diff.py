"""``qingshan profile diff``: where two profiles (or two versions of one) select different
things, key by key, as runs of data years."""

from __future__ import annotations

from typing import Any

from qingshan.profiles.profile import Profile, keys


def diff_profiles(a: Profile, b: Profile, years: range) -> list[dict[str, Any]]:
    """One row per key and run of consecutive years in which ``a`` and ``b`` resolve to
    different values (a missing selection is ``None``)."""
    rows: list[dict[str, Any]] = []
    for key in keys():
        run: dict[str, Any] | None = None
        for y in years:
            va, vb = a.selection(key, y), b.selection(key, y)
            pair = (None if va is None else va.value, None if vb is None else vb.value)
            if pair[0] == pair[1]:
                run = None
                continue
            if run is not None and (run["a"], run["b"]) == pair and run["to"] == y - 1:
                run["to"] = y
                continue
            run = {"key": key, "from": y, "to": y, "a": pair[0], "b": pair[1],
                   "a_source": None if va is None else va.source, "b_source": None if vb is None else vb.source}
            rows.append(run)
    return rows
