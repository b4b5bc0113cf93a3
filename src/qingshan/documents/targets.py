"""The targets document (docs/targets.md): every target, its progress by year and over
rolling 12 months with barometer colours, the latest row of each target, the warnings, the
remaining room, and each district's worst colour. The one home of "the latest year" of a
target and of a district's colour (used by the overview, the one-map and the CLI)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.values import clean, records
from qingshan.errors import ValidationError
from qingshan.methods.schedule import elapsed_share
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


def schedule_rows(yearly: pd.DataFrame) -> list[dict[str, Any]]:
    """Each target's time-proportional schedule (进度目标, docs/targets.md) for every year
    from its base year to its target year: the change required by then, r · (t − B)/(T − B),
    the value that change gives from the base value, and the year's value where the data
    have one. The charts draw it as a dashed line beside the actual values."""
    if yearly.empty:
        return []
    out: list[dict[str, Any]] = []
    for tid, rows in yearly.groupby("target_id", sort=True):
        first = rows.iloc[0]
        b, t, r, v0 = int(first["base_year"]), int(first["target_year"]), first["target_change"], first["base_value"]
        if t <= b or pd.isna(r) or pd.isna(v0):
            continue
        have = dict(zip(rows["year"].astype(int), rows["value"], strict=True)) | {b: v0}
        years = list(range(b, t + 1))
        required = float(r) * elapsed_share(pd.Series(years), b, t) + 0.0  # no "−0 %" in the base year
        for y, req in zip(years, required, strict=True):
            out.append({"target_id": str(tid), "year": y, "required_change": float(req),
                        "required_value": float(v0) * (1 + float(req)), "value": clean(have.get(y))})
    return out


def schedule_of(doc: dict[str, Any], ids: set[str]) -> list[dict[str, Any]]:
    """The schedule rows of the targets ``ids`` (a page's own targets)."""
    return [r for r in doc.get("schedule", []) if r["target_id"] in ids]


def _by_barometer(city: City, years: list[int]) -> list[tuple[dict[str, Any], set[int]]]:
    """The data years grouped by the barometer rules the profile selects for each, so that
    each year's progress is coloured by the rules in force for it."""
    groups: dict[str, tuple[dict[str, Any], set[int]]] = {}
    for y in years:
        rules = city.barometer(y)
        groups.setdefault(str(rules["digest"]), (rules, set()))[1].add(y)
    return list(groups.values())


def build(city: City, growth: float | None = None) -> dict[str, Any]:
    """Progress, warnings and room of the targets the city's profile selects (``growth``
    overrides the targets file's value-added growth assumption)."""
    key = ("targets", growth)
    if key in city.memo:
        memo: dict[str, Any] = city.memo[key]
        return memo
    year = city.latest_year
    head = city.header(year)
    plan = city.plan()
    if plan is None:
        return {**head, "targets_file": None, "barometer": None, "growth": None, "growth_source": "", "targets": [],
                "latest": [], "warnings": [], "yearly": [], "rolling_12_months": [], "remaining_room": [],
                "district_colours": {}, "schedule": [], "problems": [], "notes": []}
    g, g_source = city.growth(growth)
    result = city.accounts()
    notes: list[dict[str, str]] = []
    problems: list[dict[str, Any]] = []
    try:
        yearly_parts, rolling_parts = [], []
        for rules, ys in _by_barometer(city, city.years):
            y_part = progress_table(plan.targets, result.yearly, rules)
            r_part = rolling_table(plan.targets, result.monthly, result.yearly, rules)
            yearly_parts.append(y_part[y_part["year"].isin(ys)] if len(y_part) else y_part)
            rolling_parts.append(r_part[r_part["year"].isin(ys)] if len(r_part) else r_part)
        yearly = pd.concat(yearly_parts, ignore_index=True) if yearly_parts else pd.DataFrame()
        rolling = pd.concat(rolling_parts, ignore_index=True) if rolling_parts else pd.DataFrame()
        if g is None:
            room = pd.DataFrame()
            notes.append({"zh": "目标文件未给出增加值增速（[assumptions] growth），未计算剩余空间；可用 --growth 给出",
                          "en": "the targets file gives no value-added growth ([assumptions] growth): remaining room "
                                "not computed; give --growth"})
        else:
            room = room_table(plan.targets, result.yearly, float(g))
    except ValidationError as exc:  # targets that do not fit the data: said in the document
        yearly = rolling = room = pd.DataFrame()
        problems = [p.to_dict() for p in exc.problems]
    if len(yearly):
        yearly = yearly.sort_values(["target_id", "year"], kind="stable").reset_index(drop=True)
    by_id = {t.id: t for t in plan.targets}
    latest = latest_rows(yearly)
    if len(latest):
        latest = latest.assign(zh=latest["target_id"].map(lambda i: by_id[i].zh),
                               en=latest["target_id"].map(lambda i: by_id[i].en))
    latest_recs = records(latest)
    rules = city.barometer(year)
    doc = {**head, "targets_file": {"label": plan.label, "digest": plan.digest[:16]},
           "barometer": {k: v for k, v in rules.items() if k not in ("label", "digest")},
           "growth": g, "growth_source": g_source,
           "targets": [{k: clean(v) for k, v in vars(t).items()} for t in plan.targets],
           "latest": latest_recs, "warnings": [r for r in latest_recs if r["colour"] != "green"],
           "yearly": records(yearly), "schedule": schedule_rows(yearly),
           "rolling_12_months": records(rolling), "remaining_room": records(room),
           "district_colours": district_colours(latest_recs), "problems": problems, "notes": notes}
    city.memo[key] = doc
    return doc
