"""Validation of the permit tables (``permits``, ``permit_reports``, ``pollutant_quotas``):
codes P190–P195, collected all at once (docs/data-package.md lists them).

- P190 a permit date that is not a real day ``YYYY-MM-DD``
- P191 a permit whose ``valid_to`` is before its ``valid_from``
- P192 two permits of one enterprise and pollutant whose validities overlap
- P193 a ``quarter`` that is not a whole number 1–4 (the bounds themselves are P012)
- P194 ``entity_id`` of a permit or execution report that is not an enterprise
- P195 ``district_id`` of a quota that is not a district

Duplicate keys are P035 (checked in validate.py), unknown pollutants P015 and negative
tonnes P012, as for every table. References are not checked when the entities table could not be read (its own
problem is the cause).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from qingshan.errors import Problem


def _p(code: str, file: object, row: object, column: str, value: object, zh: str, en: str) -> Problem:
    return Problem(code, str(file), int(row), column,  # type: ignore[call-overload]
                   None if value is None or value != value else str(value), zh, en, "error")


def parse_day(text: object) -> date | None:
    """``YYYY-MM-DD`` as a date, or None when it is not one (a day that does not exist,
    other text after it)."""
    if not isinstance(text, str) or len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _refs(frame: pd.DataFrame, column: str, known: set[str] | None, code: str, what_zh: str,
          what_en: str) -> list[Problem]:
    if known is None or frame.empty:
        return []
    bad = frame[frame[column].notna() & ~frame[column].isin(known)]
    return [_p(code, r["_file"], r["_row"], column, r[column], f"应为 entities 表中某{what_zh}的 entity_id",
               f"expected the entity_id of {what_en} in the entities table") for _, r in bad.iterrows()]


def _dates(pm: pd.DataFrame) -> tuple[list[Problem], pd.Series, pd.Series]:
    problems: list[Problem] = []
    parsed = {}
    for col in ("valid_from", "valid_to"):
        days = pm[col].map(parse_day) if not pm.empty else pd.Series(dtype=object)
        for _, r in pm[pm[col].notna() & days.isna()].iterrows():
            problems.append(_p("P190", r["_file"], r["_row"], col, r[col], "应为日期 YYYY-MM-DD（须为真实存在的日期）",
                               "expected a date YYYY-MM-DD that exists"))
        parsed[col] = days
    return problems, parsed["valid_from"], parsed["valid_to"]


def check_permit_tables(permits: pd.DataFrame, reports: pd.DataFrame, quotas: pd.DataFrame,
                        entities: pd.DataFrame | None) -> list[Problem]:
    """Every problem of the three permit tables. ``entities`` is None when the entities
    table could not be read: references are then not checked."""
    enterprises = districts = None
    if entities is not None:
        enterprises = set(entities.loc[entities["entity_type"] == "enterprise", "entity_id"].dropna())
        districts = set(entities.loc[entities["entity_type"] == "district", "entity_id"].dropna())
    problems = _refs(permits, "entity_id", enterprises, "P194", "企业", "an enterprise")
    problems += _refs(reports, "entity_id", enterprises, "P194", "企业", "an enterprise")
    problems += _refs(quotas, "district_id", districts, "P195", "区县", "a district")
    found, start, end = _dates(permits)
    problems += found
    if not permits.empty:
        pm = permits.assign(_from=start, _to=end)
        backwards = pm[pm["_from"].notna() & pm["_to"].notna()]
        backwards = backwards[backwards["_to"] < backwards["_from"]]
        problems += [_p("P191", r["_file"], r["_row"], "valid_to", r["valid_to"],
                        f"有效期截止日早于起始日 {r['valid_from']}", f"before valid_from {r['valid_from']}")
                     for _, r in backwards.iterrows()]
        ok = pm[pm["_from"].notna() & pm["_to"].notna() & (pm["_to"] >= pm["_from"])]
        for _, g in ok.groupby(["entity_id", "pollutant"], sort=False):
            g = g.sort_values("_from", kind="stable")
            latest_end, latest = None, None
            for _, r in g.iterrows():
                if latest_end is not None and r["_from"] <= latest_end and latest is not None:
                    problems.append(_p(
                        "P192", r["_file"], r["_row"], "valid_from", r["valid_from"],
                        f"与 {latest['_file']} 第{latest['_row']}行的许可证 {latest['permit_no']}（至 "
                        f"{latest['valid_to']}）有效期重叠：同一企业同一污染物同一时间只应有一份许可",
                        f"overlaps the permit {latest['permit_no']} of {latest['_file']} row {latest['_row']} "
                        f"(valid to {latest['valid_to']}): one permit per enterprise and pollutant at a time"))
                if latest_end is None or r["_to"] > latest_end:
                    latest_end, latest = r["_to"], r
    if not reports.empty:
        q = reports["quarter"]
        frac = q.notna() & (q != q.round())
        problems += [_p("P193", r["_file"], r["_row"], "quarter", r["quarter"], "季度应为整数 1–4，年度报告不填",
                        "a quarter is a whole number 1-4, empty for an annual report")
                     for _, r in reports[frac].iterrows()]
    return problems
