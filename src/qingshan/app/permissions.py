"""Roles, what each may do (``data/roles.toml``, the permission table as data), and scope.

A user acts for one organisation in one or more roles. What they may do is the union of
their roles' actions; where they may do it is their organisation's part of the city tree:
a unit whose path starts with the organisation's path (:func:`in_scope`). A bureau or a
department sits at the city's path, so it sees the whole city for its functions.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Every action a role may be given (roles.toml's header explains each).
ACTIONS = ("view", "export", "upload", "report", "review", "manage_users", "audit", "registry_request",
           "registry_approve", "registry_admin")


@dataclass(frozen=True)
class Role:
    name: str
    zh: str
    en: str
    actions: frozenset[str]


@cache
def roles() -> dict[str, Role]:
    """The roles of ``data/roles.toml``; an unknown action is an error of the file."""
    raw = tomllib.loads(resources.files("qingshan.app").joinpath("data/roles.toml").read_text("utf-8"))
    out = {}
    for name, r in raw["roles"].items():
        unknown = set(r["actions"]) - set(ACTIONS)
        if unknown:
            raise ValueError(f"roles.toml: role {name} has unknown actions {sorted(unknown)}")
        out[name] = Role(name, r["zh"], r["en"], frozenset(r["actions"]))
    return out


def allowed(role_names: list[str] | tuple[str, ...] | frozenset[str], action: str) -> bool:
    """Whether any of ``role_names`` may do ``action``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    table = roles()
    return any(action in table[r].actions for r in role_names if r in table)


def in_scope(own_path: str, unit_path: str) -> bool:
    """Whether the unit at ``unit_path`` lies within the organisation at ``own_path``."""
    return unit_path == own_path or unit_path.startswith(own_path.rstrip("/") + "/")
