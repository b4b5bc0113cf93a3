"""Scope of the documents (issue #14): a district's, park's or enterprise's user sees only
the units below it, in the enterprise list and search, an enterprise's page, the map and
the accounts; nothing of another district reaches it by any of them."""

from __future__ import annotations

import pytest

from qingshan.app.organisations import tree_paths
from qingshan.city import City
from qingshan.city.demo import create_demo_city
from qingshan.documents import accounts, enterprises
from qingshan.documents import map as map_doc
from qingshan.documents.scope import scope_of


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    d = tmp_path_factory.mktemp("scope") / "city"
    create_demo_city(d, enterprises=120, years=[2023, 2024], seed=11)
    return City.open(d)


def test_each_level_sees_only_what_lies_below_it(city: City) -> None:
    paths = tree_paths(city.units())
    ent = city.package.entities
    firms = ent[ent["entity_type"] == "enterprise"]
    city_path = next(p for u, p, _ in paths.values() if u.kind == "city")
    whole = scope_of(city, city_path)
    assert whole.whole_city and enterprises.listing(city, size=500, scope=whole)["total"] == len(firms)
    for district in sorted(firms["district_id"].unique()):
        s = scope_of(city, paths[district][1])
        mine = set(firms.loc[firms["district_id"] == district, "entity_id"])
        others = set(firms["entity_id"]) - mine
        listed = enterprises.listing(city, size=500, scope=s)
        assert {r["entity_id"] for r in listed["rows"]} == mine and listed["total"] == len(mine)
        hit = next(iter(others))
        assert enterprises.listing(city, q=hit, scope=s)["total"] == 0  # not by a search either
        assert enterprises.one(city, hit, scope=s) is None and enterprises.one(city, next(iter(mine)), scope=s)
        m = map_doc.build(city, scope=s)
        assert {e["entity_id"] for e in m["enterprises"]} <= mine
        assert {f["properties"]["entity_id"] for f in m["areas"]["features"]} <= s.units
        a = accounts.build(city, [2024], scope=s)
        assert {e["entity_id"] for e in a["enterprises"]} == mine
        assert set(a["rollups"]) == {"district", "park"}
        assert {r["unit_id"] for rows in a["rollups"].values() for r in rows} <= s.units
        assert {p["entity_id"] for p in a["products"]} <= mine


def test_an_enterprise_sees_itself(city: City) -> None:
    paths = tree_paths(city.units())
    firm = sorted(c for c, (u, _, _) in paths.items() if u.kind == "enterprise")[0]
    s = scope_of(city, paths[firm][1])
    assert s.units == {firm} and not s.whole_city
    assert [r["entity_id"] for r in enterprises.listing(city, scope=s)["rows"]] == [firm]
    assert accounts.build(city, None, scope=s)["rollups"] == {"district": [], "park": []}
