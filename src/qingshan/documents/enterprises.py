"""The enterprise list and the enterprise page: search, filters, order and paging of the
latest year's enterprises, and one enterprise's accounts, evaluation and measures.

A page reads one enterprise's rows through a per-frame index (row positions per
enterprise and each column as a NumPy array, built on first use and kept by the city), so
it neither scans every enterprise's rows nor goes through pandas per request."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.data.industry import division_name
from qingshan.documents.evaluation import why
from qingshan.documents.scope import Scope
from qingshan.documents.values import clean, records
from qingshan.evaluation.catalogue import indicators
from qingshan.methods.precision import comparable
from qingshan.schema.carriers import carriers

if TYPE_CHECKING:
    from qingshan.city import City

SORTABLE = ("name", "energy_tce", "co2_t", "energy_per_va", "value_added_10k_yuan", "score")
LIST_COLUMNS = ("entity_id", "name", "district_id", "park_id", "industry_code", "scale", "energy_tce", "co2_t",
                "value_added_10k_yuan", "energy_per_va", "class", "score", "carbon_grade")
MAX_PAGE = 500


def rows_of(city: City, frame: pd.DataFrame, entity_id: str) -> list[dict[str, Any]]:
    """One enterprise's rows of ``frame`` as records, in the frame's order."""
    memo = city.memo.setdefault("positions", {})
    index = memo.get(id(frame))
    if index is None:
        pos = frame.groupby("entity_id", sort=False, observed=True).indices
        cols = {str(c): frame[c].to_numpy() for c in frame.columns if c != "entity_id"}
        index = memo[id(frame)] = (frame, pos, cols)  # the frame is kept so its id stays unique
    _, pos, cols = index
    at = pos.get(entity_id)
    if at is None:
        return []
    values = [a[at].tolist() for a in cols.values()]
    return [{k: clean(v) for k, v in zip(cols, row, strict=True)} | {"entity_id": entity_id}
            for row in zip(*values, strict=True)]


def classes(ev: Any) -> pd.DataFrame:
    """Class, score and carbon grade per enterprise; empty where the profile selects no
    scheme for the year (the lists then show accounts without classes)."""
    cols = ["entity_id", "class", "score", "carbon_grade"]
    return ev.firms[cols] if ev is not None else pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def listing(city: City, q: str = "", district: str = "", industry: str = "", cls: str = "",
            sort: str = "energy_tce", desc: bool = True, page: int = 1, size: int = 50,
            scope: Scope | None = None) -> dict[str, Any]:
    """The latest year's enterprises (those in ``scope``): ``q`` is plain text matched in
    the name or the code."""
    year = city.latest_year
    y = city.accounts().yearly
    y = y[y["year"] == year]
    if scope is not None:
        y = scope.keep(y)
    ev = city.evaluation_or_none(year)
    t = y.merge(classes(ev), on="entity_id", how="left")
    if q:
        t = t[t["name"].astype(str).str.contains(q, regex=False)
              | t["entity_id"].astype(str).str.contains(q, regex=False)]
    if district:
        t = t[t["district_id"].astype(str) == district]
    if industry:
        t = t[t["industry_code"].astype(str).str.startswith(industry)]
    if cls:
        t = t[t["class"].astype("string") == cls]
    key = sort if sort in SORTABLE else "energy_tce"
    # numbers are ordered at the stated precision, so firms equal but for the order in
    # which an engine added their rows are listed by code on every engine
    order = t[key] if key == "name" else comparable(pd.to_numeric(t[key], errors="coerce").astype("float64"))
    t = (t.assign(_order=order).sort_values(["_order", "entity_id"], ascending=[not desc, True], na_position="last")
         .drop(columns="_order"))
    size = max(1, min(size, MAX_PAGE))
    pages = max(1, math.ceil(len(t) / size))
    page = max(1, min(page, pages))
    rows = t.iloc[(page - 1) * size: page * size]
    return {**city.header(year), "year": year, "total": len(t), "page": page, "pages": pages, "size": size,
            "sort": key, "desc": desc, "rows": records(rows, LIST_COLUMNS)}


def one(city: City, entity_id: str, scope: Scope | None = None) -> dict[str, Any] | None:
    """One enterprise's document, or ``None`` if the city has no such enterprise in
    ``scope`` (one outside it is as unknown as one that does not exist)."""
    if scope is not None and not scope.whole_city and entity_id not in scope.units:
        return None
    docs = city.memo.setdefault("enterprise_docs", {})
    if entity_id not in docs:
        if len(docs) >= 4096:
            docs.clear()
        docs[entity_id] = _one(city, entity_id)
    doc: dict[str, Any] | None = docs[entity_id]
    return doc


def _one(city: City, entity_id: str) -> dict[str, Any] | None:
    result = city.accounts()
    yearly = rows_of(city, result.yearly, entity_id)
    if not yearly:
        return None
    year = city.latest_year
    first = yearly[0]
    div = str(first["industry_code"])[:2]
    ind = result.rollups["industry"]
    industry = ind[ind["unit_id"].astype(str) == div][["year", "energy_per_va", "co2_per_va"]]
    ev = city.evaluation_or_none(year)
    found = rows_of(city, ev.firms, entity_id) if ev is not None else []
    firm = found[0] if found else None
    cat = indicators()
    spec = carriers()
    by_carrier = [{k: r[k] for k in ("year", "month", "carrier", "energy_tce", "co2_t")}
                  | {"carrier_zh": spec[r["carrier"]].name_zh, "carrier_en": spec[r["carrier"]].name_en}
                  for r in rows_of(city, city.carrier_months(), entity_id)]
    return {**city.header(year), "entity_id": entity_id, "name": str(first["name"]),
            "industry": {"code": str(first["industry_code"]), "division": div,
                         "division_name": division_name(div, "zh")},
            "yearly": [{k: r[k] for k in ("year", "energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va",
                                          "co2_per_va")} for r in yearly],
            "industry_intensity": records(industry.sort_values("year")),
            "monthly": [{k: r[k] for k in ("year", "month", "energy_tce", "co2_t", "co2_process_t",
                                           "electricity_kwh")} for r in rows_of(city, result.monthly, entity_id)],
            "by_carrier": by_carrier,
            # the accepted reports of this enterprise its figures include (issue #14): which
            # version of which report replaced the package's rows of which period
            "reported": [r.describe() for r in city.reports if r.entity_id == entity_id],
            "evaluation": firm, "why": why(ev, firm) if firm else None,
            "move_up": {k: firm[k] for k in ("target_class", "threshold_score", "gap")}
            if firm and firm.get("target_class") else None,
            "items": [{**r, "zh": cat[r["indicator"]].zh, "en": cat[r["indicator"]].en,
                       "unit": cat[r["indicator"]].unit} for r in rows_of(city, ev.items, entity_id)]
            if ev is not None else [],
            "measures": rows_of(city, ev.measures, entity_id) if ev is not None and len(ev.measures) else []}
