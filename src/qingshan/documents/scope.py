"""What a signed-in user's organisation may see: its part of the city tree (issue #14).

A :class:`Scope` is the set of units (districts, parks, enterprises) whose path in the city
tree starts with the organisation's (:func:`qingshan.app.permissions.in_scope`); the city,
its bureaus and departments see the whole city. The documents that list units (enterprises,
the map, the accounts) keep only the units in scope; a document made of city-wide figures
is for the whole city's users only (:attr:`Scope.whole_city`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from qingshan.app.organisations import tree_paths
from qingshan.app.permissions import in_scope

if TYPE_CHECKING:
    from qingshan.app.organisations import Unit
    from qingshan.city import City


@dataclass(frozen=True)
class Scope:
    path: str
    units: frozenset[str]
    whole_city: bool

    def keep(self, frame: pd.DataFrame, column: str = "entity_id") -> pd.DataFrame:
        """The rows of ``frame`` whose ``column`` names a unit in scope."""
        return frame if self.whole_city else frame[frame[column].astype(str).isin(self.units)]


def scope_of(city: City, path: str) -> Scope:
    """The scope of the organisation at ``path`` in ``city``'s tree (kept by the city)."""
    key = ("scope", path)
    if key not in city.memo:
        if "tree" not in city.memo:  # once per city, not once per organisation
            city.memo["tree"] = tree_paths(city.units())
        paths = city.memo["tree"]
        city_path = next(p for u, p, _ in paths.values() if u.kind == "city")
        units = frozenset(code for code, (_, p, _) in paths.items() if in_scope(path, p))
        city.memo[key] = Scope(path, units, path.rstrip("/") == city_path)
    scope: Scope = city.memo[key]
    return scope


def own_unit(city: City, scope: Scope) -> Unit | None:
    """The unit the scope's organisation is (the last step of its path: a district, park or
    enterprise); ``None`` for the whole city's users."""
    if scope.whole_city:
        return None
    code = scope.path.rstrip("/").rsplit("/", 1)[-1]
    return next(u for u in city.units() if u.code == code)
