"""The drill-down pages' documents (issue #16): the city, a district, a park and an industry
division, each with the same panels, for any year the data hold:

- the unit's energy, CO2, value added and intensities by year, the chosen year's figures
  and their change on the year before;
- the same year's figures of its parent (the city for a district or an industry, the
  district for a park) and the unit's share of them and intensity relative to them;
- its enterprises' 亩均 classes and 碳效 grades under the year's scheme (or the one chosen),
  and their surcharges and other measures;
- the targets set for it, with the year's progress;
- the units one level below (the city's districts, a district's parks and the enterprises
  outside its parks, a park's or a division's enterprises), with the same figures.

Figures are sums of the enterprises' yearly accounts by :func:`qingshan.methods.rollup.rollup`,
the function the accounts' roll-ups use, over the enterprises in the user's scope: a
district's user sees its own district and parks and nothing of another district (no parent
comparison with the city), and an industry's figures within its district only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents import months as months_doc
from qingshan.documents import targets as targets_doc
from qingshan.documents.evaluated import CLASSES, GRADES, counts, evaluated, scheme_of
from qingshan.documents.names import LEVEL_KEYS, Names, breadcrumbs, names, visible
from qingshan.documents.values import clean, records
from qingshan.methods.rollup import rollup

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.documents.scope import Scope

KINDS = ("city", "district", "park", "industry")
FIGURES = ("year", "enterprises", "energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va", "co2_per_va")
#: the figures whose change on the year before and whose ratio to the parent the pages show
COMPARED = ("energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va", "co2_per_va")
#: the most enterprises a level page lists below it (the enterprise list has them all)
MAX_CHILDREN = 500
#: a child row for the enterprises of a district outside any of its parks
OUTSIDE_PARKS = "-"


def _figures(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Yearly figures of a set of enterprise-years, summed as the accounts' roll-ups are."""
    if rows.empty:
        return []
    return records(rollup(rows, "city").sort_values("year"), FIGURES)


def _ratio(a: Any, b: Any) -> float | None:
    a, b = clean(a), clean(b)
    return None if a is None or b is None or b == 0 else float(a) / float(b)


def _change(now: dict[str, Any] | None, before: dict[str, Any] | None, key: str) -> float | None:
    """The relative change of ``key`` on the year before (-0.05: down 5 %)."""
    r = _ratio(now[key], before[key]) if now and before else None
    return None if r is None else r - 1.0


def _year_of(series: list[dict[str, Any]], year: int) -> dict[str, Any] | None:
    return next((r for r in series if r["year"] == year), None)


def _rows_of(yearly: pd.DataFrame, kind: str, code: str) -> pd.DataFrame:
    if kind == "city":
        return yearly
    return yearly[yearly[LEVEL_KEYS[kind]].astype("string") == code]


def _judged(firms: pd.DataFrame, ev: Any) -> pd.DataFrame:
    """The year's enterprises with their class, grade and measures (yuan)."""
    cols = ["entity_id", "class", "carbon_grade", "measures_yuan"]
    if ev is None:
        return firms.assign(**{c: pd.Series([None] * len(firms), index=firms.index, dtype="object")
                               for c in cols[1:]})
    return firms.merge(ev.firms[cols], on="entity_id", how="left")


def _panels(judged: pd.DataFrame, ev: Any) -> dict[str, Any]:
    """Class and grade counts, and measures, of a set of enterprises."""
    measures: dict[str, Any] = {"total_yuan": None, "charged": 0, "by_measure": []}
    if ev is not None and len(ev.measures):
        m = ev.measures[ev.measures["entity_id"].isin(judged["entity_id"])]
        money = pd.to_numeric(m["amount_yuan"], errors="coerce")
        measures = {"total_yuan": float(money.sum()) if money.notna().any() else None,
                    "charged": int(m.loc[money.fillna(0) > 0, "entity_id"].nunique()),
                    "by_measure": [{"measure": str(k), "zh": str(g["zh"].iloc[0]), "en": str(g["en"].iloc[0]),
                                    "kind": str(g["kind"].iloc[0]), "enterprises": int(g["entity_id"].nunique()),
                                    "amount_yuan": clean(pd.to_numeric(g["amount_yuan"], errors="coerce")
                                                         .sum(min_count=1))}
                                   for k, g in m.groupby("measure", sort=True)]}
    return {"classes": counts(judged["class"].tolist(), CLASSES) if ev is not None else {},
            "grades": counts(judged["carbon_grade"].tolist(), GRADES) if ev is not None else {},
            "measures": measures}


def _child_rows(judged: pd.DataFrame, key: str, year: int, n: Names, kind: str, ev: Any) -> list[dict[str, Any]]:
    """One row per unit below: its figures of the year, D count, surcharges."""
    out = []
    groups = judged[key].astype("string").fillna(OUTSIDE_PARKS)
    for code, rows in judged.groupby(groups, sort=True):
        code = str(code)
        figures = _year_of(_figures(rows), year) or {}
        unit = ({"kind": kind, "code": code, "name": "不在园区", "name_en": "outside parks"}
                if code == OUTSIDE_PARKS else n.unit(kind, code))
        money = pd.to_numeric(rows["measures_yuan"], errors="coerce")
        out.append(unit | {k: figures.get(k) for k in FIGURES if k != "year"}
                   | {"classes": counts(rows["class"].tolist(), CLASSES) if ev is not None else {},
                      "measures_yuan": float(money.sum()) if money.notna().any() else None})
    return out


def _enterprise_rows(judged: pd.DataFrame, n: Names) -> list[dict[str, Any]]:
    t = judged.sort_values(["energy_tce", "entity_id"], ascending=[False, True]).head(MAX_CHILDREN)
    rows = records(t, ("entity_id", "name", "district_id", "park_id", "industry_division", "energy_tce", "co2_t",
                       "value_added_10k_yuan", "energy_per_va", "co2_per_va", "class", "carbon_grade",
                       "measures_yuan"))
    for r in rows:
        r["district_name"] = n.of("district", r["district_id"])
        r["park_name"] = n.of("park", r["park_id"])
        r["industry_name"] = n.of("industry", r["industry_division"], "zh")
        r["industry_name_en"] = n.of("industry", r["industry_division"], "en")
    return rows


def _targets(city: City, kind: str, code: str, year: int) -> list[dict[str, Any]]:
    doc = targets_doc.build(city)
    named = {r["target_id"]: (r["zh"], r["en"]) for r in doc["latest"]}
    return [r | {"zh": named.get(r["target_id"], (r["target_id"],) * 2)[0],
                 "en": named.get(r["target_id"], (r["target_id"],) * 2)[1]}
            for r in doc["yearly"] if r["level"] == kind and str(r["entity"]) == code and r["year"] == year]


def _schedule(city: City, kind: str, code: str) -> list[dict[str, Any]]:
    """The time-proportional schedule (进度目标) of the targets set for this unit (charts)."""
    doc = targets_doc.build(city)
    ids = {str(t["id"]) for t in doc["targets"] if t["level"] == kind and str(t["entity"]) == code}
    return targets_doc.schedule_of(doc, ids)


def _months_of(city: City, mine: pd.DataFrame) -> pd.DataFrame:
    """The monthly accounts of the enterprise-years ``mine`` (a unit's, within scope)."""
    monthly = city.accounts().monthly
    if mine.empty:
        return monthly.iloc[0:0]
    return monthly.merge(mine[["entity_id", "year"]].drop_duplicates(), on=["entity_id", "year"], how="inner")


def exists(city: City, kind: str, code: str) -> bool:
    n = names(city)
    if kind == "city":
        return code == n.city_code
    return n.of(kind, code) is not None and (kind != "industry" or (code.isdigit() and len(code) == 2))


def build(city: City, kind: str, code: str, year: int | None = None, scheme: str | None = None,
          scope: Scope | None = None, from_month: str | None = None, to_month: str | None = None
          ) -> dict[str, Any] | None:
    """The page of the unit ``code`` of ``kind`` (:data:`KINDS`) in ``year`` (default the
    latest), its classes under ``scheme`` (default the profile's), its months
    ``from_month``–``to_month`` (default the year's); ``None`` when there is no such unit, or
    it is outside ``scope`` (as unknown as one that does not exist)."""
    if kind not in KINDS or not exists(city, kind, code):
        return None
    if kind in ("city", "district", "park") and not visible(scope, code):
        return None
    n = names(city)
    year = city.latest_year if year is None else year
    yearly = city.accounts().yearly
    if scope is not None:
        yearly = scope.keep(yearly)
    mine = _rows_of(yearly, kind, code)
    if kind == "industry" and mine.empty:
        return None
    series = _figures(mine)
    now, before = _year_of(series, year), _year_of(series, year - 1)
    parent_kind, parent_code = {"city": (None, None), "district": ("city", n.city_code),
                                "park": ("district", n.park_district.get(code)),
                                "industry": ("city", n.city_code)}[kind]
    parent = None
    if parent_kind is not None and parent_code is not None and visible(scope, parent_code):
        theirs = _year_of(_figures(_rows_of(city.accounts().yearly, parent_kind, parent_code)), year)
        if theirs is not None:
            parent = n.unit(parent_kind, parent_code) | {
                "figures": theirs,
                "share": {k: _ratio(now and now[k], theirs[k])
                          for k in ("energy_tce", "co2_t", "value_added_10k_yuan")},
                "relative": {k: _ratio(now and now[k], theirs[k]) for k in ("energy_per_va", "co2_per_va")}}
    ev, why_not = evaluated(city, year, scheme)
    firms = mine[mine["year"] == year]
    judged = _judged(firms, ev)
    below: dict[str, Any]
    if kind == "city":
        below = {"kind": "district", "rows": _child_rows(judged, "district_id", year, n, "district", ev)}
    elif kind == "district":
        below = {"kind": "park", "rows": _child_rows(judged, "park_id", year, n, "park", ev)}
    else:
        below = {"kind": "enterprise", "rows": _enterprise_rows(judged, n), "total": len(judged)}
    return {**city.header(year), "year": year, "years": city.years, "unit": n.unit(kind, code),
            "breadcrumbs": breadcrumbs(n, kind, code, scope), "series": series, "figures": now, "previous": before,
            "change": {k: _change(now, before, k) for k in COMPARED},
            "parent": parent, "scheme": scheme_of(ev), "evaluation_note": why_not,
            **_panels(judged, ev), "targets": _targets(city, kind, code, year),
            "schedule": _schedule(city, kind, code), "below": below,
            "months": months_doc.build(_months_of(city, mine), year, from_month, to_month),
            "filter": {} if kind == "city" else {kind: code}}
