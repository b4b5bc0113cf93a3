"""The district a request may see on the pages assessed for the city and its districts (GEP,
air, water, carrying capacity), and a document module's ``Unknown…`` exception as the web's
answer (those pages and the permits pages).

Scope (web/access.py): the city's and its bureaus' users see the whole city and may choose a
district; a district's user sees its own district only (another one is 404, as one that does
not exist); a park's or an enterprise's user is refused (403, with the page's own reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from fastapi import Request

from qingshan.documents.scope import Scope, own_unit
from qingshan.web.drill import Tools, _shown

if TYPE_CHECKING:
    from qingshan.city import City


class _Told(Protocol):
    """A document module's ``Unknown…`` exception: its message and the web's status."""

    zh: str
    en: str
    status: int


def _own_unit(city: City, scope: Scope) -> dict[str, str]:
    unit = own_unit(city, scope)
    return {} if unit is None else {"kind": unit.kind, "code": unit.code}


def built(tools: Tools, unknown: type[Exception], build: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """``tools.doc(build, *args, **kwargs)``, with the document module's ``unknown`` exception
    (``zh``, ``en``, ``status``) answered as ``tools.refused``."""
    try:
        return tools.doc(build, *args, **kwargs)
    except unknown as exc:
        told = cast(_Told, exc)
        raise tools.refused(told.zh, told.en, told.status) from exc


@dataclass(frozen=True)
class DistrictPages:
    """What a page assessed for the city and its districts asks of the request: the district
    it may see and whether it is confined to the user's own, and its documents built with
    the module's ``unknown`` exception as the web's answer. ``refusal_zh`` / ``refusal_en``:
    the page's reason for refusing a park's or an enterprise's user (403)."""

    tools: Tools
    unknown: type[Exception]
    refusal_zh: str
    refusal_en: str

    def district(self, request: Request, district: str | None) -> str | None:
        """The district a request may see: the one it names (the city's users), or the
        user's own (a district's user; another is 404)."""
        district = district or None
        scope = self.tools.scope(request)
        if scope is None or scope.whole_city:
            return district
        own = self.tools.doc(_own_unit, scope)
        if own.get("kind") != "district":
            raise self.tools.refused(self.refusal_zh, self.refusal_en, 403)
        if district not in (None, own["code"]):
            raise self.tools.refused(f"没有区县 {_shown(district or '')}", f"no district {_shown(district or '')}", 404)
        return str(own["code"])

    def own_only(self, request: Request) -> bool:
        """Whether the reader sees only a part of the city (a district's user)."""
        scope = self.tools.scope(request)
        return scope is not None and not scope.whole_city

    def built(self, build: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``build``'s document, its ``unknown`` exception as the web's answer."""
        return built(self.tools, self.unknown, build, *args, **kwargs)
