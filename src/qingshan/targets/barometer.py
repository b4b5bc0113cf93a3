"""The barometer (晴雨表) rules: when progress against the time-proportional schedule is
red, yellow or green (docs/targets.md). Read by name or path and checked like every rule
file (:mod:`qingshan.rulefile`, codes B0xx)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from qingshan.rulefile import Checker, read_rule_file

BAROMETER_PACKAGE, BAROMETER_FOLDER, BAROMETER_DEFAULT = "qingshan.targets", "barometers", "ndrc-2021"
BAROMETER_KEYS = ("id", "zh", "en", "document", "url", "red_gap_share")


def load_barometer(source: str | Path = BAROMETER_DEFAULT) -> dict[str, Any]:
    """The barometer rules of a built-in file (``"barometer"``) or of a file
    (:class:`~pathlib.Path`): ``id``, ``document``, ``url`` and ``red_gap_share`` (red when
    the gap exceeds this share of the progress target, 0 < share < 1). Every problem is
    collected (B001/B002 reading, B010 keys)."""
    rf = read_rule_file(source, package=BAROMETER_PACKAGE, folder=BAROMETER_FOLDER, code="B")
    raw = rf.raw
    c = Checker(rf.label, "B010")
    c.only(raw, BAROMETER_KEYS)
    out: dict[str, Any] = {"id": c.text(raw, "id"), "document": c.text(raw, "document"),
                           "url": c.text(raw, "url", required=False)}
    for k in ("zh", "en"):
        if k in raw:
            out[k] = c.text(raw, k)
    share = c.number(raw, "red_gap_share", lo=0.0, hi=1.0)
    if share is not None and not 0.0 < share < 1.0:
        c.problem("red_gap_share", share, "大于 0、小于 1 的比例", "a share above 0 and below 1")
    out["red_gap_share"] = share
    c.raise_if_any()
    out["label"], out["digest"] = rf.label, rf.digest
    return out


@cache
def _builtin() -> dict[str, Any]:
    return load_barometer()


def barometer_rules() -> dict[str, Any]:
    """The built-in barometer rules (read and checked once; a copy each call)."""
    return dict(_builtin())
