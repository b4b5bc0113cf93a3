"""The organisations users act for: the city's tree from its package (city → districts →
parks → enterprises) and its bureaus, kept in step with the package by :func:`sync`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.audit import Actor, record
from qingshan.app.models import Organisation

#: The bureaus of the seeds' governance loop (发改委, 工信局, 生态环境局, 统计局): units at the
#: city's level, seeing the city for their functions.
BUREAUS = (("fgw", "发展和改革委员会"), ("gxj", "工业和信息化局"), ("sthjj", "生态环境局"), ("tjj", "统计局"))


@dataclass(frozen=True)
class Unit:
    """One unit of the package's entities table."""

    code: str
    kind: str  # city, district, park, enterprise
    name: str
    district: str | None = None
    park: str | None = None


def tree_paths(units: Iterable[Unit]) -> dict[str, tuple[Unit, str, str | None]]:
    """code → (unit, path, parent code) for the city, its districts, parks and enterprises."""
    units = list(units)
    city = next((u for u in units if u.kind == "city"), None)
    if city is None:
        raise ValueError("the package has no city")
    by_code = {u.code: u for u in units}
    out: dict[str, tuple[Unit, str, str | None]] = {city.code: (city, f"/{city.code}", None)}
    for u in units:
        if u.kind == "district":
            out[u.code] = (u, f"/{city.code}/{u.code}", city.code)
    for u in units:
        if u.kind == "park":
            parent = u.district if u.district in out else city.code
            out[u.code] = (u, f"{out[parent][1]}/{u.code}", parent)
    for u in units:
        if u.kind == "enterprise":
            parent = u.park if u.park in out and by_code.get(u.park) is not None else (
                u.district if u.district in out else city.code)
            out[u.code] = (u, f"{out[parent][1]}/{u.code}", parent)
    return out


def sync(s: Session, units: Iterable[Unit], actor: Actor) -> dict[str, int]:
    """Add the units the database lacks and move or rename those that changed, each change
    audited; units no longer in the package are kept (users may act for them, and history
    names them). Returns counts of what was added and changed."""
    paths = tree_paths(units)
    city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
    known = {o.code: o for o in s.execute(select(Organisation)).scalars()}
    added = changed = 0

    def upsert(code: str, kind: str, name: str, path: str, parent: str | None) -> None:
        nonlocal added, changed
        parent_id = known[parent].id if parent is not None else None
        o = known.get(code)
        if o is None:
            o = Organisation(code=code, kind=kind, name=name, path=path, parent_id=parent_id)
            s.add(o)
            s.flush()
            known[code] = o
            added += 1
            record(s, actor, "organisation.add", code, after={"kind": kind, "name": name, "path": path})
        elif (o.kind, o.name, o.path, o.parent_id) != (kind, name, path, parent_id):
            before = {"kind": o.kind, "name": o.name, "path": o.path}
            o.kind, o.name, o.path, o.parent_id = kind, name, path, parent_id
            changed += 1
            record(s, actor, "organisation.change", code, before=before,
                   after={"kind": kind, "name": name, "path": path})

    for code, (u, path, parent) in sorted(paths.items(), key=lambda kv: kv[1][1].count("/")):
        upsert(code, u.kind, u.name, path, parent)
    for code, name in BUREAUS:
        upsert(f"{city_code}-{code}", "bureau", name, f"/{city_code}", city_code)
    return {"added": added, "changed": changed}
