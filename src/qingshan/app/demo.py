"""The demo city's users: one per role, each acting for a unit of its own kind, with a
documented first password that must be changed at the first sign-in (docs/roles.md)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.audit import Actor
from qingshan.app.models import User
from qingshan.app.organisations import Unit, tree_paths
from qingshan.app.users import add_user

#: (user name, the kind of unit it acts for, role, first password)
DEMO_USERS = (
    ("admin", "city", "administrator", "Qingshan-2026-A1"),
    ("analyst", "bureau", "analyst", "Qingshan-2026-B2"),
    ("reviewer", "district", "reviewer", "Qingshan-2026-C3"),
    ("viewer", "park", "viewer", "Qingshan-2026-D4"),
    ("reporter", "enterprise", "reporter", "Qingshan-2026-E5"),
)


def _units_for(units: list[Unit]) -> dict[str, str]:
    """The unit each kind of demo user acts for: the city, its 发改委, the first district,
    its first park, and the first enterprise of that park."""
    paths = tree_paths(units)
    city = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    districts = sorted(c for c, (u, _, _) in paths.items() if u.kind == "district")
    with_parks = sorted({parent for c, (u, _, parent) in paths.items() if u.kind == "park" and parent in districts})
    district = with_parks[0] if with_parks else districts[0]  # one that has a park, for the park's user
    parks = sorted(c for c, (u, _, parent) in paths.items() if u.kind == "park" and parent == district)
    park = parks[0] if parks else district
    firms = sorted(c for c, (u, p, _) in paths.items() if u.kind == "enterprise" and p.startswith(paths[park][1] + "/"))
    return {"city": city, "bureau": f"{city}-fgw", "district": district, "park": park,
            "enterprise": firms[0] if firms else park}


def create_demo_users(s: Session, actor: Actor, units: list[Unit]) -> list[tuple[str, str, str, str]]:
    """Add the demo users the database lacks; (user, organisation, role, first password)
    of each demo user, whether added now or before."""
    where = _units_for(units)
    out = []
    for name, kind, role, password in DEMO_USERS:
        if s.execute(select(User).where(User.username == name)).scalar_one_or_none() is None:
            add_user(s, actor, name, where[kind], [role], password=password)
        out.append((name, where[kind], role, password))
    return out
