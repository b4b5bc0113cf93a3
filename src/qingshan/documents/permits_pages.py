"""The documents of the permits web pages (issue #18, items 4 and 6; docs/environment.md,
"Permits and totals", "Web page"): ``/permits`` (one year's permitted against actual tonnes,
the district totals against their quota, the ranked over-permit and over-quota lists with
their reasons, the 四个一批 batches with the rule that put each enterprise there) and
``/permits/{entity_id}`` (one enterprise's permits, execution reports and, year by year,
its permitted against actual tonnes with the worst 12-month window).

Each is assembled from :func:`qingshan.documents.permits.permits_document` (the document of
``qingshan permits --json``): its rows are that document's rows, kept or summed here, never
computed again; the rule of a batch is the one the methods name by its number in the
profile's rule file.

Scope (:mod:`qingshan.documents.scope`): the city's and its bureaus' users see every row and
may choose a district; a district's user sees its own district's totals and the
enterprises within it; a park's user the enterprises of its park; an enterprise's user its
own rows. A park's or an enterprise's user gets no district totals (they are sums over
enterprises outside its part of the city), but its own listing keeps its reasons, which name
its district's tonnes and quota (the ground of an over-quota listing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents import permits as permits_doc
from qingshan.documents.names import names
from qingshan.documents.scope import Scope, own_unit
from qingshan.documents.values import clean, records
from qingshan.environment.four_batches import four_batch_rules
from qingshan.errors import QingshanError
from qingshan.methods import permits as pm

if TYPE_CHECKING:
    from qingshan.city import City

#: a district is over its quota when its actual tonnes exceed the quota by more than this (t),
#: as documents/permits.py counts ``districts_over_quota``
OVER_T = 1e-9
#: the rule conditions of a 四个一批 rule file (environment/four_batches.py), as pages say them
CONDITIONS = ("over_permit", "min_ratio", "min_years_over", "in_over_quota_district", "min_quota_share")


class UnknownPermitItem(QingshanError):
    """A year, district or enterprise the permits pages do not have (404)."""

    def __init__(self, zh: str, en: str, status: int = 404) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


def permit_years(city: City) -> list[int]:
    """The years a permits page can show: years with actual tonnes (an execution report or the
    pollutants table) in which some permit is valid on at least one day."""
    pkg = city.package
    permits = pkg["permits"]
    if permits.empty:
        return []
    have = {int(y) for y in pd.concat([pkg["permit_reports"]["year"], pkg["pollutants"]["year"]]).dropna()}
    return [y for y in sorted(have) if not pm.permitted_in_year(permits, y).empty]


def year_document(city: City, year: int) -> dict[str, Any]:
    """The permits document of ``year`` under the profile's rules (kept by the city)."""
    key = ("permits-page", year)
    if key not in city.memo:
        city.memo[key] = permits_doc.permits_document(city, year)
    found: dict[str, Any] = city.memo[key]
    return found


def _known_year(city: City, year: int | None) -> int:
    have = permit_years(city)
    if year is None:
        return have[-1]
    if year not in have:
        shown = "、".join(map(str, have))
        raise UnknownPermitItem(f"没有 {year} 年的排污许可数据（有数据的年份：{shown}）",
                                f"there are no permit data for {year} (years with data: {', '.join(map(str, have))})")
    return year


def _view(city: City, scope: Scope | None, district: str | None) -> dict[str, Any]:
    """What the reader sees: the whole city, one district (chosen by a city's user, or a
    district's user's own), a park or an enterprise; ``choices`` are the districts it may pick."""
    nm = names(city)
    every = [{"code": k, "name": v} for k, v in sorted(nm.districts.items())]
    if scope is None or scope.whole_city:
        if district is None:
            return {"kind": "city", "code": nm.city_code, "name": nm.city_name, "district": None, "choices": every}
        if district not in nm.districts:
            raise UnknownPermitItem(f"没有区县 {district[:60]!r}", f"no district {district[:60]!r}")
        return {"kind": "district", "code": district, "name": nm.districts[district], "district": district,
                "choices": every}
    unit = own_unit(city, scope)
    assert unit is not None  # a scope of part of the city is one unit's
    if unit.kind == "district":
        if district not in (None, unit.code):
            raise UnknownPermitItem(f"没有区县 {district[:60]!r}", f"no district {district[:60]!r}")
        return {"kind": "district", "code": unit.code, "name": unit.name, "district": unit.code,
                "choices": [{"code": unit.code, "name": unit.name}]}
    if district is not None:  # a park's or enterprise's user has no district to choose
        raise UnknownPermitItem(f"没有区县 {district[:60]!r}", f"no district {district[:60]!r}")
    return {"kind": unit.kind, "code": unit.code, "name": unit.name, "district": None, "choices": []}


def _kept(rows: Iterable[dict[str, Any]], view: dict[str, Any], scope: Scope | None) -> list[dict[str, Any]]:
    """The enterprise rows the view shows: every row (the city), a district's, or those of
    the enterprises in scope (a park's, an enterprise's user)."""
    out = []
    for r in rows:
        if view["kind"] == "district":
            if r.get("district_id") != view["district"]:
                continue
        elif view["kind"] != "city" and scope is not None and str(r["entity_id"]) not in scope.units:
            continue
        out.append(dict(r))
    return out


def _percent(x: float) -> str:
    return f"{x * 100:g}%"


def rule_conditions(rule: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A 四个一批 rule's conditions as the pages say them (中文, English)."""
    zh: list[str] = []
    en: list[str] = []
    if rule.get("over_permit"):
        zh.append("超许可排放")
        en.append("over its permit")
    if rule.get("min_ratio") is not None:
        zh.append(f"实际排放/许可排放量 ≥ {_percent(float(rule['min_ratio']))}")
        en.append(f"actual / permitted ≥ {_percent(float(rule['min_ratio']))}")
    if rule.get("min_years_over") is not None:
        zh.append(f"连续超许可年数 ≥ {int(rule['min_years_over'])}")
        en.append(f"consecutive years over the permit ≥ {int(rule['min_years_over'])}")
    if rule.get("in_over_quota_district"):
        zh.append("所在区县超总量控制指标")
        en.append("its district is over its quota")
    if rule.get("min_quota_share") is not None:
        zh.append(f"占区县排放量 ≥ {_percent(float(rule['min_quota_share']))}")
        en.append(f"share of the district's tonnes ≥ {_percent(float(rule['min_quota_share']))}")
    return zh, en


def _rules(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules of the document's 四个一批 rule file, numbered from 1 in the file's order."""
    head = doc["four_batches_rules"]
    if head is None:
        return []
    _, parsed = four_batch_rules(head["name"])
    out = []
    for i, rule in enumerate(parsed, start=1):
        zh, en = rule_conditions(rule)
        batch_zh, batch_en = pm.BATCH_NAMES[str(rule["batch"])]
        out.append({"rule": i, "batch": rule["batch"], "batch_zh": batch_zh, "batch_en": batch_en,
                    "conditions_zh": zh, "conditions_en": en, "reason_zh": rule["zh"], "reason_en": rule["en"],
                    **{k: clean(rule.get(k)) for k in CONDITIONS}})
    return out


def _batched(rows: list[dict[str, Any]], rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each batch row with the rule that gave it (its number in the rule file, as the
    methods report it), that rule's conditions and the enterprise's own figures."""
    for r in rows:
        rule = next((x for x in rules if x["rule"] == r.get("rule")), None)
        r["conditions_zh"] = [] if rule is None else rule["conditions_zh"]
        r["conditions_en"] = [] if rule is None else rule["conditions_en"]
        zh = [f"最高实际/许可 {r['ratio']:.0%}" if r["over_permit"] else "未超许可",
              f"连续超许可 {r['years_over']} 年"]
        en = [f"highest actual / permitted {r['ratio']:.0%}" if r["over_permit"] else "not over a permit",
              f"{r['years_over']} consecutive years over a permit"]
        if r["in_over_quota_district"]:
            zh.append(f"所在区县超总量，占区县排放量 {r['quota_share']:.0%}")
            en.append(f"its district over its quota, {r['quota_share']:.0%} of the district's tonnes")
        r["facts_zh"], r["facts_en"] = zh, en
    return rows


def _district_rows(doc: dict[str, Any], view: dict[str, Any]) -> list[dict[str, Any]]:
    """The district totals the view may see (none for a park's or an enterprise's user),
    each marked ``over_quota`` and with ``quota_ratio`` = actual / quota."""
    if view["kind"] not in ("city", "district"):
        return []
    out = []
    for r in doc["districts"]:
        if view["kind"] == "district" and r.get("district_id") != view["district"]:
            continue
        row = dict(r)
        over = row.get("over_quota_t")
        row["over_quota"] = over is not None and over > OVER_T
        q, a = row.get("quota_t"), row.get("actual_t")
        row["quota_ratio"] = clean(a / q) if q and a is not None else None
        out.append(row)
    return out


def _pollutant_totals(enterprises: list[dict[str, Any]], districts: list[dict[str, Any]],
                      view: dict[str, Any]) -> list[dict[str, Any]]:
    """Per pollutant, over the enterprises the view shows: permits (the regional total when
    the view is the city or a district), actual tonnes, enterprises, those over their permit;
    with the city or a district, the sum of the districts' quotas (None when one lacks it)."""
    out = []
    for p in sorted({str(r["pollutant"]) for r in enterprises} | {str(r["pollutant"]) for r in districts}):
        rows = [r for r in enterprises if r["pollutant"] == p]
        actual = [r["actual_t"] for r in rows if r["actual_t"] is not None]
        zh, en = permits_doc.POLLUTANT_NAMES[p]
        row: dict[str, Any] = {"pollutant": p, "pollutant_zh": zh, "pollutant_en": en,
                               "enterprises": len({r["entity_id"] for r in rows}),
                               "permitted_t": sum(r["permitted_t"] for r in rows),
                               "actual_t": sum(actual) if actual else None,
                               "over_permit": sum(1 for r in rows if r["over"])}
        if view["kind"] in ("city", "district"):
            ds = [d for d in districts if d["pollutant"] == p]
            quotas = [d["quota_t"] for d in ds]
            row["quota_t"] = sum(quotas) if ds and all(q is not None for q in quotas) else None
            row["districts_over_quota"] = sum(1 for d in ds if d["over_quota"])
        out.append(row)
    return out


def permits_page(city: City, year: int | None = None, district: str | None = None,
                 scope: Scope | None = None) -> dict[str, Any]:
    """The ``/permits`` page of ``year`` (default the latest year with permit data) as the
    reader's ``scope`` may see it, of the whole city or one ``district`` (a city's user's
    choice). A city without a permits table gets the page that says so (``available`` false)."""
    if not permit_years(city):
        if year is not None and year not in city.years:
            raise UnknownPermitItem(f"数据中没有 {year} 年", f"year {year} is not in the data")
        return {"available": False, "year": None, "years": [], "view": None}
    y = _known_year(city, year)
    view = _view(city, scope, district)
    doc = year_document(city, y)
    rules = _rules(doc)
    enterprises = _kept(doc["enterprises"], view, scope)
    over_permit = _kept(doc["over_permit"], view, scope)
    over_quota = _kept(doc["over_quota"], view, scope)
    batches = _batched(_kept(doc["four_batches"], view, scope), rules)
    districts = _district_rows(doc, view)
    head = doc["four_batches_rules"]
    choices = view.pop("choices")
    return {"kind": "permits_page", "available": True, "year": y, "years": permit_years(city),
            "profile": doc["profile"], "view": view, "choices": choices,
            "four_batches_rules": None if head is None else {**head, "rules": rules},
            "counts": {"permits": len(enterprises), "over_permit": len(over_permit),
                       "over_permit_enterprises": len({r["entity_id"] for r in over_permit}),
                       "districts_over_quota": sum(1 for d in districts if d["over_quota"]),
                       "over_quota_enterprises": len({r["entity_id"] for r in over_quota}),
                       "batched": len(batches)},
            "pollutant_totals": _pollutant_totals(enterprises, districts, view),
            "district_totals": districts, "over_permit": over_permit, "over_quota": over_quota,
            "four_batches": batches, "enterprises": enterprises, "notes": doc["notes"]}


def _named_rows(frame: pd.DataFrame, sort: list[str]) -> list[dict[str, Any]]:
    rows = records(frame.sort_values(sort, kind="stable"))
    for r in rows:
        r.pop("_file", None)
        r.pop("_row", None)
        for k in ("year", "quarter"):
            if r.get(k) is not None:
                r[k] = int(r[k])
        if "pollutant" in r:
            r["pollutant_zh"], r["pollutant_en"] = permits_doc.POLLUTANT_NAMES[str(r["pollutant"])]
    return rows


def enterprise_page(city: City, entity_id: str, scope: Scope | None = None) -> dict[str, Any] | None:
    """The ``/permits/{entity_id}`` page: the enterprise's permits, its execution reports and,
    for each year with permit data, its rows of the year's permits document (``by_year``:
    permitted and actual tonnes, the worst 12-month window ending in the year), its listings
    and batches of every year; ``None`` for an enterprise that is not there or not in ``scope``."""
    pkg = city.package
    ent = pkg["entities"]
    found = ent[(ent["entity_type"] == "enterprise") & (ent["entity_id"].astype(str) == entity_id)]
    if found.empty or (scope is not None and not scope.whole_city and entity_id not in scope.units):
        return None
    row = found.iloc[0]
    nm = names(city)
    district = clean(row["district_id"])
    park = clean(row["park_id"])
    permits = pkg["permits"]
    mine = permits[permits["entity_id"].astype(str) == entity_id]
    reports = pkg["permit_reports"]
    mine_reports = reports[reports["entity_id"].astype(str) == entity_id]
    have = permit_years(city)
    rows: list[dict[str, Any]] = []
    over_permit: list[dict[str, Any]] = []
    over_quota: list[dict[str, Any]] = []
    batches: list[dict[str, Any]] = []
    for y in have:
        doc = year_document(city, y)
        rows += [dict(r) for r in doc["enterprises"] if str(r["entity_id"]) == entity_id]
        over_permit += [dict(r) for r in doc["over_permit"] if str(r["entity_id"]) == entity_id]
        over_quota += [dict(r) for r in doc["over_quota"] if str(r["entity_id"]) == entity_id]
        mine_batches = [dict(r) for r in doc["four_batches"] if str(r["entity_id"]) == entity_id]
        if mine_batches:
            batches += [{**r, "year": y} for r in _batched(mine_batches, _rules(doc))]
    return {"kind": "permits_enterprise", "entity_id": entity_id, "name": str(row["name"]),
            "profile": year_document(city, have[-1])["profile"] if have else city.profile.describe(city.years[-1]),
            "district": None if district is None else {"code": district, "name": nm.of("district", district)},
            "park": None if park is None else {"code": park, "name": nm.of("park", park)},
            "years": sorted({int(r["year"]) for r in rows}),
            "permits": _named_rows(mine.drop(columns=["entity_id"]), ["pollutant", "valid_from"]),
            "reports": _named_rows(mine_reports.drop(columns=["entity_id"]), ["year", "quarter", "pollutant"]),
            "by_year": rows, "over_permit": over_permit, "over_quota": over_quota, "four_batches": batches,
            "notes": permits_doc.NOTES}
