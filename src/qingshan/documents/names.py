"""Names of the city's units and industries, so that pages show 临江县 or 化学原料和化学制品制造业
rather than 459921 or 26, and filters can be given either (issue #16).

A district's or park's name is the package's (the entities table has one name, usually
Chinese, which both languages show); an industry division's names are those of GB/T
4754-2017 (``data/spec/gbt4754_2017_divisions.csv``), in Chinese and in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qingshan.data.industry import divisions

if TYPE_CHECKING:
    from qingshan.city import City
    from qingshan.documents.scope import Scope

#: the levels of the drill-down, top to bottom, and the yearly accounts' column keying each
LEVEL_KEYS = {"district": "district_id", "park": "park_id", "industry": "industry_division"}


@dataclass(frozen=True)
class Names:
    """The city, its districts and parks (code → name, a park's district) and the divisions."""

    city_code: str
    city_name: str
    districts: dict[str, str]
    parks: dict[str, str]
    park_district: dict[str, str]

    def of(self, kind: str, code: str | None, lang: str = "zh") -> str | None:
        """The name of a unit or industry division, ``None`` for an unknown one."""
        if code is None:
            return None
        if kind == "city":
            return self.city_name
        if kind == "district":
            return self.districts.get(code)
        if kind == "park":
            return self.parks.get(code)
        if kind == "industry":
            d = divisions().get(code[:2])
            return None if d is None else d["name_zh"] if lang == "zh" else d["name_en"]
        return None

    def unit(self, kind: str, code: str) -> dict[str, Any]:
        """A unit as documents carry it: kind, code and its names in both languages."""
        zh = self.of(kind, code, "zh") or code
        en = self.of(kind, code, "en") or code
        return {"kind": kind, "code": code, "name": zh, "name_en": en}

    def resolve(self, kind: str, text: str) -> str | None:
        """The code a filter's text means: a code, or a unit's (division's) name exactly;
        ``None`` when nothing is named so."""
        text = text.strip()
        if kind == "industry":
            if text.isdigit():
                return text
            for code, d in divisions().items():
                if text in (d["name_zh"], d["name_en"]):
                    return code
            return None
        table = self.districts if kind == "district" else self.parks
        if text in table:
            return text
        return next((code for code, name in table.items() if name == text), None)


def names(city: City) -> Names:
    """The city's names (kept by the city)."""
    if "names" not in city.memo:
        units = city.units()
        top = next((u for u in units if u.kind == "city"), None)
        city.memo["names"] = Names(
            city_code=top.code if top else "city", city_name=top.name if top else "",
            districts={u.code: u.name for u in sorted(units, key=lambda u: u.code) if u.kind == "district"},
            parks={u.code: u.name for u in sorted(units, key=lambda u: u.code) if u.kind == "park"},
            park_district={u.code: u.district for u in units if u.kind == "park" and u.district})
    found: Names = city.memo["names"]
    return found


def visible(scope: Scope | None, code: str) -> bool:
    """Whether the unit ``code`` is within ``scope`` (None: the whole city)."""
    return scope is None or scope.whole_city or code in scope.units


def breadcrumbs(n: Names, kind: str, code: str, scope: Scope | None,
                enterprise: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The way up from a unit to the city: each step's kind, code, names and whether the
    user may open it (a district's user does not open the city's page)."""
    steps: list[tuple[str, str]] = [("city", n.city_code)]
    if kind == "district":
        steps.append(("district", code))
    elif kind == "park":
        district = n.park_district.get(code)
        steps += [("district", district)] if district else []
        steps.append(("park", code))
    elif kind == "industry":
        steps.append(("industry", code))
    elif kind == "enterprise" and enterprise is not None:
        if enterprise.get("district_id"):
            steps.append(("district", str(enterprise["district_id"])))
        if enterprise.get("park_id"):
            steps.append(("park", str(enterprise["park_id"])))
    out = []
    for k, c in steps:
        step = n.unit(k, c)
        step["open"] = visible(scope, c) if k in ("district", "park") else (k == "industry" or visible(scope, c))
        out.append(step)
    if kind == "enterprise" and enterprise is not None:
        out.append({"kind": "enterprise", "code": code, "name": enterprise["name"], "name_en": enterprise["name"],
                    "open": True})
    return out


def options(city: City, scope: Scope | None) -> dict[str, list[dict[str, Any]]]:
    """What the enterprise list's filters choose from: the districts, parks and industry
    divisions that have enterprises in ``scope``, by name."""
    n = names(city)
    y = city.accounts().yearly
    if scope is not None:
        y = scope.keep(y)
    have = {k: {str(v) for v in y[col].dropna().unique()} for k, col in LEVEL_KEYS.items()}
    return {
        "district": [n.unit("district", c) for c in n.districts if c in have["district"]],
        "park": [n.unit("park", c) | {"district": n.park_district.get(c)} for c in n.parks if c in have["park"]],
        "industry": [n.unit("industry", c) for c in sorted(have["industry"])],
    }
