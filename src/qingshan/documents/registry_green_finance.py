"""The green-finance document (docs/registries.md, "Green finance"): for one year, the lists
of the profile's green-finance rule file (``registry.green_finance``), each enterprise on a
list with its reason, for banks and insurers, as JSON, Excel and CSV.

The enterprises are the year's evaluation (亩均 class under the profile's scheme, 碳效码
grade under its configuration, industry); their compliance statuses are the registry's
compliance list of the year's period (:mod:`qingshan.documents.registry_compliance`), read
from the application database when it exists. Where no compliance list can be read, every
compliance criterion counts as its rule file says for a missing value, and the document says
so (``compliance.available`` and a note). Nothing is computed here but the assembly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qingshan.documents.names import names
from qingshan.documents.values import clean
from qingshan.errors import ConfigError
from qingshan.i18n import tr
from qingshan.registry.green_finance import (
    FIELD_NAMES,
    KIND_NAMES,
    STATUS_NAMES,
    Firm,
    GreenFinanceRules,
    Listing,
    Standing,
    green_finance_for,
    listings,
    load_green_finance,
)

if TYPE_CHECKING:
    from qingshan.city import City

OP_NAMES = {"in": ("属于", "is one of"), "not_in": ("不属于", "is none of")}
MISSING_NAMES = {"met": ("视为符合", "counts as met"), "not_met": ("视为不符合", "counts as not met")}


def _text(v: Any) -> str | None:
    v = clean(v)
    return None if v is None else str(v)


def firms_of(city: City, year: int, standings: Mapping[str, Sequence[Standing]] | None) -> list[Firm]:
    """The enterprises of the year's evaluation as :class:`Firm` records; ``standings`` by
    organisation code (the entity id), ``None`` when no compliance list was read."""
    f = city.evaluation(year).firms
    out = []
    for row in zip(f["entity_id"], f["name"], f["district_id"], f["park_id"], f["industry_code"], f["class"],
                   f["carbon_grade"], strict=True):
        eid, name, district, park, industry, cls, grade = (_text(v) for v in row)
        assert eid is not None
        mine = None if standings is None else tuple(standings.get(eid, ()))
        out.append(Firm(eid, name or eid, district, park, industry, cls, grade, mine))
    return out


def registry_standings(city: City, period: str, rights: Sequence[str]) -> dict[str, list[Standing]] | None:
    """The compliance statuses of ``period`` for ``rights`` by holder, from the city's
    application database; ``None`` when it has none (nothing to read)."""
    from qingshan.app import database

    url = database.existing_url(city.data_dir)
    if url is None:
        return None
    from qingshan.documents.registry_compliance import compliance_document

    database.check_current(url)
    with database.session(url, read_only=True) as s:
        doc = compliance_document(city, s, int(period), list(rights))
    out: dict[str, list[Standing]] = {}
    for r in doc["rows"]:
        out.setdefault(str(r["holder"]), []).append(Standing(str(r["right"]), period, str(r["status"])))
    return out


def _rules(city: City, year: int, rules: str | Path | None) -> tuple[GreenFinanceRules, dict[str, Any] | None]:
    if rules is not None:
        return load_green_finance(rules), None
    sel = city.profile.selection("registry.green_finance", year)
    return green_finance_for(city.profile, year), None if sel is None else sel.to_dict()


def _listing(lst: Any, x: Listing, n: Any) -> dict[str, Any]:
    f = x.firm
    comp = next((r for r in x.reasons if r.field == "compliance"), None)
    return {"list": lst.id, "list_name": {"zh": lst.zh, "en": lst.en},
            "kind_name": {"zh": KIND_NAMES[lst.kind][0], "en": KIND_NAMES[lst.kind][1]},
            "entity_id": f.entity_id, "name": f.name, "district": n.of("district", f.district_id),
            "park": n.of("park", f.park_id), "industry_code": f.industry_code, "class": f.mujun_class,
            "carbon_grade": f.carbon_grade,
            "compliance_status": None if comp is None else {"zh": comp.value_zh, "en": comp.value_en},
            "reason": {"zh": x.reason_zh, "en": x.reason_en}}


def green_finance_document(city: City, year: int, *, rules: str | Path | None = None,
                           only: Sequence[str] = (), standings: Mapping[str, Sequence[Standing]] | None = None,
                           read_registry: bool = True) -> dict[str, Any]:
    """The green-finance lists of ``year``. ``rules`` (a built-in name or a path) overrides
    the profile's; ``only`` keeps the lists of these ids (an unknown one is a
    :class:`ConfigError` naming the known); ``standings`` (by organisation code) are the
    compliance statuses to use, else they are read from the registry (``read_registry``)."""
    gf, selection = _rules(city, year, rules)
    if only:
        known = [lst.id for lst in gf.lists]
        unknown = [x for x in only if x not in known]
        if unknown:
            raise ConfigError(tr(f"{gf.label} 没有名单 {'、'.join(unknown)}；可选：{'、'.join(known)}",
                                 f"{gf.label} has no list {', '.join(unknown)}; known: {', '.join(known)}"))
        gf = replace(gf, lists=tuple(lst for lst in gf.lists if lst.id in only))
    period = str(year)
    if standings is None and read_registry and gf.rights:
        standings = registry_standings(city, period, gf.rights)
    firms = firms_of(city, year, standings)
    found = listings(gf, firms)
    n = names(city)
    lists = [{"list": lst.id, "kind": lst.kind,
              "kind_name": {"zh": KIND_NAMES[lst.kind][0], "en": KIND_NAMES[lst.kind][1]},
              "list_name": {"zh": lst.zh, "en": lst.en}, "count": len(found[lst.id]), "source": lst.source,
              "own_choice": lst.own_choice,
              "criteria": [{"list": lst.id, "criterion": {"zh": c.zh, "en": c.en},
                            "field_name": {"zh": FIELD_NAMES[c.field][0], "en": FIELD_NAMES[c.field][1]},
                            "op": {"zh": OP_NAMES[c.op][0], "en": OP_NAMES[c.op][1]},
                            "values": [STATUS_NAMES[v][0] if c.field == "compliance" else v for v in c.values],
                            "rights": list(c.rights),
                            "if_missing": {"zh": MISSING_NAMES[c.missing][0], "en": MISSING_NAMES[c.missing][1]},
                            "source": c.source} for c in lst.criteria]} for lst in gf.lists]
    notes = [{"zh": "名单由规则文件中的条件逐条判定，每条入选理由列出所满足的全部条件；未注明出处之处为城市自定。",
              "en": "Each list is judged criterion by criterion from the rule file; every listing gives all the "
                    "criteria it meets. What no document states is the city's own choice, marked in the file."}]
    available = standings is not None
    if gf.rights and not available:
        notes.append({"zh": "未能读取履约名单（无应用数据库或登记簿）：履约条件按规则文件对无数据的约定判定。",
                      "en": "No compliance list could be read (no application database or registry): compliance "
                            "criteria count as the rule file says for a missing value."})
    return {**city.header(year), "year": year,
            "rules": {"name": gf.name, "label": gf.label, "digest": gf.digest[:16], "zh": gf.zh, "en": gf.en,
                      "source": gf.source, "borrowed": gf.borrowed, "selection": selection},
            "compliance": {"period": period, "rights": list(gf.rights), "available": available},
            "lists": lists,
            "listings": [_listing(lst, x, n) for lst in gf.lists for x in found[lst.id]],
            "notes": notes}
