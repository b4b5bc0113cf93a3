"""The enterprise list and the enterprise page: search, filters, order and paging of the
latest year's enterprises, and one enterprise's accounts, evaluation and measures.

A page reads one enterprise's rows through a per-frame index (row positions per
enterprise and each column as a NumPy array, built on first use and kept by the city), so
it neither scans every enterprise's rows nor goes through pandas per request."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.data.industry import division_name, divisions
from qingshan.documents import months as months_doc
from qingshan.documents.evaluated import evaluated, scheme_of, year_accounts
from qingshan.documents.evaluation import why
from qingshan.documents.names import breadcrumbs, names, options
from qingshan.documents.scope import Scope
from qingshan.documents.values import clean, records
from qingshan.evaluation.catalogue import indicators
from qingshan.methods.precision import comparable
from qingshan.schema.carriers import carriers

if TYPE_CHECKING:
    from qingshan.city import City

SORTABLE = ("name", "energy_tce", "co2_t", "energy_per_va", "value_added_10k_yuan", "score", "measures_yuan")
LIST_COLUMNS = ("entity_id", "name", "district_id", "district_name", "park_id", "park_name", "industry_code",
                "industry_division", "industry_name", "industry_name_en", "scale", "energy_tce", "co2_t",
                "value_added_10k_yuan", "energy_per_va", "class", "score", "carbon_grade", "measures_yuan")
#: the enterprise scales (entities.scale) the list filters by
SCALES = ("above", "below")
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
    """Class, score, carbon grade and measures (yuan) per enterprise; empty where there is
    no evaluation for the year (the lists then show accounts without classes)."""
    cols = ["entity_id", "class", "score", "carbon_grade", "measures_yuan"]
    return ev.firms[cols] if ev is not None else pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def _codes(text: str, table: dict[str, str]) -> set[str]:
    """The codes a filter's text names: a code, or every unit whose name holds the text."""
    text = text.strip()
    return {c for c, name in table.items() if text == c or text in name}


def _industries(text: str) -> tuple[str | None, set[str]]:
    """An industry filter: a code prefix (digits), or the divisions whose name holds the text."""
    text = text.strip()
    if text.isdigit():
        return text, set()
    low = text.lower()
    return None, {c for c, d in divisions().items() if text in d["name_zh"] or low in d["name_en"].lower()}


def listing(city: City, q: str = "", district: str = "", industry: str = "", cls: str = "",
            sort: str = "energy_tce", desc: bool = True, page: int = 1, size: int = 50,
            scope: Scope | None = None, *, park: str = "", grade: str = "", scale: str = "",
            year: int | None = None, scheme: str | None = None) -> dict[str, Any]:
    """The enterprises of ``year`` (default the latest; those in ``scope``): ``q`` is plain
    text matched in the name, the code, or the name of the enterprise's district, park or
    industry; ``district``, ``park`` and ``industry`` take a code or a name (临江县, 化学);
    classes, grades and measures are those of ``scheme`` (default the profile's) for the year.
    ``totals`` sum every row that passes the filters, not only the page's."""
    year, y = year_accounts(city, year, scope)
    n = names(city)
    ev, why_not = evaluated(city, year, scheme)
    t = y.merge(classes(ev), on="entity_id", how="left")
    t = t.assign(district_name=t["district_id"].map(n.districts), park_name=t["park_id"].map(n.parks),
                 industry_name=t["industry_division"].astype("string").map(lambda c: n.of("industry", c, "zh")),
                 industry_name_en=t["industry_division"].astype("string").map(lambda c: n.of("industry", c, "en")))
    if q:
        hit = (t["name"].astype(str).str.contains(q, regex=False)
               | t["entity_id"].astype(str).str.contains(q, regex=False))
        for col in ("district_name", "park_name", "industry_name"):
            hit |= t[col].astype("string").str.contains(q, regex=False).fillna(False).astype(bool)
        t = t[hit]
    chosen: dict[str, Any] = {}
    if district:
        chosen["district"] = sorted(_codes(district, n.districts))
        t = t[t["district_id"].astype(str).isin(chosen["district"])]
    if park:
        chosen["park"] = sorted(_codes(park, n.parks))
        t = t[t["park_id"].astype("string").isin(chosen["park"]).fillna(False).astype(bool)]
    if industry:
        prefix, named = _industries(industry)
        chosen["industry"] = [prefix] if prefix else sorted(named)
        t = t[t["industry_code"].astype(str).str.startswith(prefix) if prefix
              else t["industry_division"].astype(str).isin(named)]
    if cls:
        t = t[t["class"].astype("string") == cls]
    if grade:
        t = t[t["carbon_grade"].astype("string") == grade]
    if scale:
        t = t[t["scale"].astype("string") == scale]
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
    money = pd.to_numeric(t["measures_yuan"], errors="coerce")
    return {**city.header(year), "year": year, "years": city.years, "total": len(t), "page": page,
            "pages": pages, "size": size, "sort": key, "desc": desc, "rows": records(rows, LIST_COLUMNS),
            "totals": {"enterprises": len(t), "energy_tce": clean(pd.to_numeric(t["energy_tce"]).sum()),
                       "co2_t": clean(pd.to_numeric(t["co2_t"]).sum()),
                       "measures_yuan": float(money.sum()) if money.notna().any() else None,
                       "charged": int((money.fillna(0) > 0).sum())},
            "filters": {"q": q, "district": district, "park": park, "industry": industry, "class": cls,
                        "grade": grade, "scale": scale, "scheme": scheme},
            "matched": chosen, "options": options(city, scope) | {"scale": list(SCALES)},
            "scheme": scheme_of(ev), "evaluation_note": why_not}


def one(city: City, entity_id: str, scope: Scope | None = None, year: int | None = None,
        from_month: str | None = None, to_month: str | None = None) -> dict[str, Any] | None:
    """One enterprise's document, its evaluation that of ``year`` (default the latest), its
    months ``from_month``–``to_month`` (default the year's, :mod:`qingshan.documents.months`),
    or ``None`` if the city has no such enterprise in ``scope`` (one outside it is as unknown
    as one that does not exist)."""
    if scope is not None and not scope.whole_city and entity_id not in scope.units:
        return None
    year = city.latest_year if year is None else year
    docs = city.memo.setdefault("enterprise_docs", {})
    key = (entity_id, year)
    if key not in docs:
        if len(docs) >= 4096:
            docs.clear()
        docs[key] = _one(city, entity_id, year)
    doc: dict[str, Any] | None = docs[key]
    if doc is None:
        return None
    monthly = pd.DataFrame(rows_of(city, city.accounts().monthly, entity_id))
    # the way up depends on what the user may open
    return doc | {"breadcrumbs": breadcrumbs(names(city), "enterprise", entity_id, scope, doc),
                  "months": months_doc.build(monthly, year, from_month, to_month)}


def _one(city: City, entity_id: str, year: int) -> dict[str, Any] | None:
    result = city.accounts()
    yearly = rows_of(city, result.yearly, entity_id)
    if not yearly:
        return None
    n = names(city)
    first = yearly[-1]
    div = str(first["industry_code"])[:2]
    ind = result.rollups["industry"]
    industry = ind[ind["unit_id"].astype(str) == div][["year", "energy_per_va", "co2_per_va"]]
    dis = result.rollups["district"]
    district_id = None if first.get("district_id") is None else str(first["district_id"])
    park_id = None if first.get("park_id") is None else str(first["park_id"])
    district = dis[dis["unit_id"].astype(str) == str(district_id)][["year", "energy_per_va", "co2_per_va"]]
    ev, why_not = evaluated(city, year)
    found = rows_of(city, ev.firms, entity_id) if ev is not None else []
    firm = found[0] if found else None
    cat = indicators()
    spec = carriers()
    by_carrier = [{k: r[k] for k in ("year", "month", "carrier", "energy_tce", "co2_t")}
                  | {"carrier_zh": spec[r["carrier"]].name_zh, "carrier_en": spec[r["carrier"]].name_en}
                  for r in rows_of(city, city.carrier_months(), entity_id)]
    measures = rows_of(city, ev.measures, entity_id) if ev is not None and len(ev.measures) else []
    money = [m["amount_yuan"] for m in measures if m.get("amount_yuan") is not None]
    return {**city.header(year), "entity_id": entity_id, "name": str(first["name"]), "year": year,
            "years": city.years, "scheme": scheme_of(ev), "evaluation_note": why_not,
            "district_id": district_id, "district_name": n.of("district", district_id),
            "park_id": park_id, "park_name": n.of("park", park_id), "scale": first.get("scale"),
            "industry": {"code": str(first["industry_code"]), "division": div,
                         "division_name": division_name(div, "zh"), "division_name_en": division_name(div, "en")},
            "yearly": [{k: r[k] for k in ("year", "energy_tce", "co2_t", "value_added_10k_yuan", "energy_per_va",
                                          "co2_per_va")} for r in yearly],
            "industry_intensity": records(industry.sort_values("year")),
            "district_intensity": records(district.sort_values("year")),
            "monthly": [{k: r[k] for k in ("year", "month", "energy_tce", "co2_t", "co2_process_t",
                                           "electricity_kwh")} for r in rows_of(city, result.monthly, entity_id)],
            "by_carrier": by_carrier,
            # the accepted reports of this enterprise its figures include (issue #14): which
            # version of which report replaced the package's rows of which period
            "reported": [r.describe() for r in city.reports if r.entity_id == entity_id],
            "evaluation": firm, "why": why(ev, firm, n) if firm else None,
            "move_up": {k: firm[k] for k in ("target_class", "threshold_score", "gap")}
            if firm and firm.get("target_class") else None,
            "items": [{**r, "zh": cat[r["indicator"]].zh, "en": cat[r["indicator"]].en,
                       "unit": cat[r["indicator"]].unit, "unit_zh": cat[r["indicator"]].unit_zh}
                      for r in rows_of(city, ev.items, entity_id)]
            if ev is not None else [],
            "measures": measures, "measures_yuan": sum(money) if money else None}
