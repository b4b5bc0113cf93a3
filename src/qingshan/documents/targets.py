"""The targets document (docs/targets.md): every target, its progress by year and over
rolling 12 months with barometer colours, the latest row of each target, the warnings, the
remaining room, and each district's worst colour. The one home of "the latest year" of a
target and of a district's colour (used by the overview, the one-map and the CLI)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.values import clean, records
from qingshan.errors import ValidationError
from qingshan.targets import progress_table, rolling_table, room_table

if TYPE_CHECKING:
    from qingshan.city import City

COLOUR_RANK = {"red": 2, "yellow": 1, "green": 0}
COLOUR_ZH = {"red": "红（一级预警）", "yellow": "黄（二级预警）", "green": "绿（三级）"}
COLOUR_EN = {"red": "red (level 1)", "yellow": "yellow (level 2)", "green": "green (level 3)"}


def latest_rows(progress: pd.DataFrame) -> pd.DataFrame:
    """Each target's latest year of progress (the year the targets page shows)."""
    if progress.empty:
        return progress
    return progress.sort_values(["target_id", "year"]).groupby("target_id").tail(1).reset_index(drop=True)


def district_colours(latest: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each district's worst colour over its targets, with the targets behind it."""
    out: dict[str, dict[str, Any]] = {}
    for r in latest:
        if r.get("level") != "district":
            continue
        c = out.setdefault(str(r["entity"]), {"colour": "green", "targets": []})
        c["targets"].append({k: r.get(k) for k in ("target_id", "zh", "en", "year", "actual_change",
                                                   "required_change", "colour")})
        if COLOUR_RANK[r["colour"]] > COLOUR_RANK[c["colour"]]:
            c["colour"] = r["colour"]
    for c in out.values():
        c["zh_colour"], c["en_colour"] = COLOUR_ZH[c["colour"]], COLOUR_EN[c["colour"]]
    return out


def build(city: City, growth: float | None = None) -> dict[str, Any]:
    """Progress, warnings and room of the targets the city's profile selects (``growth``
    overrides the targets file's value-added growth assumption)."""
    year = city.latest_year
    head = city.header(year)
    plan = city.plan()
    if plan is None:
        return {**head, "targets_file": None, "barometer": None, "growth": None, "targets": [], "latest": [],
                "warnings": [], "yearly": [], "rolling_12_months": [], "remaining_room": [], "district_colours": {},
                "problems": []}
    rules = city.barometer(year)
    g = growth if growth is not None else plan.growth
    result = city.accounts()
    try:
        yearly = progress_table(plan.targets, result.yearly, rules)
        rolling = rolling_table(plan.targets, result.monthly, result.yearly, rules)
        room = room_table(plan.targets, result.yearly, float(g)) if g is not None else pd.DataFrame()
        problems: list[dict[str, Any]] = []
    except ValidationError as exc:  # targets that do not fit the data: said in the document
        yearly = rolling = room = pd.DataFrame()
        problems = [p.to_dict() for p in exc.problems]
    by_id = {t.id: t for t in plan.targets}
    latest = latest_rows(yearly)
    if len(latest):
        latest = latest.assign(zh=latest["target_id"].map(lambda i: by_id[i].zh),
                               en=latest["target_id"].map(lambda i: by_id[i].en))
    latest_recs = records(latest)
    return {**head, "targets_file": {"label": plan.label, "digest": plan.digest[:16]},
            "barometer": {k: v for k, v in rules.items() if k not in ("label", "digest")},
            "growth": g, "growth_source": plan.growth_source if growth is None else "command line",
            "targets": [{k: clean(v) for k, v in vars(t).items()} for t in plan.targets],
            "latest": latest_recs, "warnings": [r for r in latest_recs if r["colour"] != "green"],
            "yearly": records(yearly), "rolling_12_months": records(rolling), "remaining_room": records(room),
            "district_colours": district_colours(latest_recs), "problems": problems}
