"""Surcharges and other measures by group (issue #16, "money and counts by group"): the
year's differentiated measures (差别化电价加价 and the others the profile's measures file
names) summed by district, park, industry division and class, over the enterprises in the
user's scope. Each grouping has a row for every group, including the enterprises outside
any park and those without a class, so every grouping's rows add up to the same total
(tests/test_web_levels.py checks it for every year and scheme).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qingshan.documents.evaluated import evaluated, scheme_of, year_accounts
from qingshan.documents.names import names
from qingshan.documents.values import clean

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.documents.scope import Scope

GROUPS = {"district": "district_id", "park": "park_id", "industry": "industry_division", "class": "class"}
#: the group of the enterprises a grouping does not place (outside parks, no class)
NONE = "-"
_NONE_NAMES = {"park": ("不在园区", "outside parks"), "class": ("未评价", "not evaluated"),
               "district": ("无区县", "no district"), "industry": ("无行业", "no industry")}


def _money(values: pd.Series) -> float | None:
    v = pd.to_numeric(values, errors="coerce")
    return float(v.sum()) if v.notna().any() else None


def build(city: City, year: int | None = None, scheme: str | None = None,
          scope: Scope | None = None) -> dict[str, Any]:
    """The year's measures by group (``year`` default the latest, ``scheme`` the profile's)."""
    year, y = year_accounts(city, year, scope)
    n = names(city)
    ev, why_not = evaluated(city, year, scheme)
    out: dict[str, Any] = {**city.header(year), "year": year, "years": city.years, "scheme": scheme_of(ev),
                           "evaluation_note": why_not, "measure_set": None, "enterprises": len(y),
                           "total_yuan": None, "charged": 0, "by_measure": [], "groups": {}}
    if ev is None:
        return out
    if ev.measure_set is not None:
        out["measure_set"] = {"id": ev.measure_set.id, "zh": ev.measure_set.zh, "en": ev.measure_set.en}
    t = y[["entity_id", "district_id", "park_id", "industry_division"]].merge(
        ev.firms[["entity_id", "class", "measures_yuan"]], on="entity_id", how="left")
    money = pd.to_numeric(t["measures_yuan"], errors="coerce")
    out["total_yuan"] = _money(t["measures_yuan"])
    out["charged"] = int((money.fillna(0) > 0).sum())
    m = ev.measures[ev.measures["entity_id"].isin(t["entity_id"])] if len(ev.measures) else ev.measures
    out["by_measure"] = [{"measure": str(k), "zh": str(g["zh"].iloc[0]), "en": str(g["en"].iloc[0]),
                          "enterprises": int(g["entity_id"].nunique()), "amount_yuan": _money(g["amount_yuan"])}
                         for k, g in m.groupby("measure", sort=True)] if len(m) else []
    for kind, col in GROUPS.items():
        keys = t[col].astype("string").fillna(NONE)
        rows = []
        for code, g in t.groupby(keys, sort=True):
            code = str(code)
            if code == NONE:
                zh, en = _NONE_NAMES[kind]
                unit = {"kind": kind, "code": code, "name": zh, "name_en": en}
            elif kind == "class":
                unit = {"kind": kind, "code": code, "name": f"{code} 类", "name_en": f"class {code}"}
            else:
                unit = n.unit(kind, code)
            charged = pd.to_numeric(g["measures_yuan"], errors="coerce").fillna(0) > 0
            rows.append(unit | {"enterprises": len(g), "charged": int(charged.sum()),
                                "amount_yuan": clean(_money(g["measures_yuan"]))})
        out["groups"][kind] = rows
    return out
