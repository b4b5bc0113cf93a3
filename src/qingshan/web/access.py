"""Who may open what (issue #14): each route's action and whether it serves a part of the
city, as data (:data:`RULES`), decided for a signed-in user by :func:`decide`.

- The action (``data/roles.toml``) must be one of the user's roles' actions; a download
  (``format=xlsx``, ``csv``, ``pdf`` or ``docx``) needs ``export`` as well.
- A route marked *scoped* serves what lies within the user's organisation (the overview of
  its own unit, the enterprise list and search, an enterprise, the map, the accounts, the
  reports, the users: :mod:`qingshan.documents.scope`). Every other route shows figures of
  the whole city, and only a user of the city, a bureau or a department opens it; one of a
  district, park or enterprise is refused (403) with a message.
- A route no rule names is treated as a whole-city view: a new page is closed to a district
  until it is made scope-aware and listed here (tests/test_web_access.py checks every route
  against this table).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from qingshan.app.permissions import allowed

READ = frozenset({"GET", "HEAD"})
ANY = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
POST = frozenset({"POST"})


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]
    path: str  # the path, or a prefix when it ends with '/' ("/" itself: the root only)
    action: str
    scoped: bool

    def matches(self, method: str, path: str) -> bool:
        prefix = self.path.endswith("/") and self.path != "/"
        hit = path.startswith(self.path) if prefix else path == self.path
        return hit and method in self.methods


#: The routes' rules, first match wins; sign-in's own pages, /static and /favicon.ico are open to all
#: (web/protect.py) and not listed.
RULES = (
    Rule(READ, "/", "view", True),  # the overview: the user's own unit's (documents/overview.py)
    Rule(READ, "/api/overview", "view", True),
    Rule(READ, "/api/enterprises", "view", True),
    Rule(READ, "/api/enterprises/", "view", True),
    Rule(READ, "/enterprises", "view", True),
    Rule(READ, "/enterprises/", "view", True),
    Rule(READ, "/api/map", "view", True),
    Rule(READ, "/map", "view", True),
    Rule(READ, "/api/accounts", "view", True),
    # the drill-down (web/drill.py): a unit's page within scope (another district's is 404),
    # an industry's figures and the measures by group over the enterprises in scope
    Rule(READ, "/districts/", "view", True),
    Rule(READ, "/api/districts/", "view", True),
    Rule(READ, "/parks/", "view", True),
    Rule(READ, "/api/parks/", "view", True),
    Rule(READ, "/industries/", "view", True),
    Rule(READ, "/api/industries/", "view", True),
    Rule(READ, "/measures", "view", True),
    Rule(READ, "/api/measures", "view", True),
    Rule(READ, "/api/profile", "view", True),  # the rules in force: no figures
    # analysis (web/analysis.py): the LMDI decomposition within scope (a district's user: its own
    # district by industry; the handler refuses any other split); the pathways of the whole city,
    # the city's and its bureaus' users only
    Rule(READ, "/lmdi", "view", True),
    Rule(READ, "/api/lmdi", "view", True),
    Rule(READ, "/pathways", "view", False),
    Rule(READ, "/api/pathways", "view", False),
    # GEP (web/gep.py): the city's users see the whole city, a district's user its own district
    # (the handler answers 404 for another, 403 to a park's or an enterprise's user)
    Rule(READ, "/gep", "view", True),
    Rule(READ, "/gep/", "view", True),
    Rule(READ, "/api/gep", "view", True),
    Rule(READ, "/api/gep/", "view", True),
    # permits (web/permits.py): the city's users see the whole city, a district's user its own district,
    # a park's user its park's enterprises, an enterprise's user its own rows (documents/permits_pages.py)
    Rule(READ, "/permits", "view", True),
    Rule(READ, "/permits/", "view", True),
    Rule(READ, "/api/permits", "view", True),
    Rule(READ, "/api/permits/", "view", True),
    # air quality (web/air.py): the city's users see the whole city, a district's user its own district and
    # its stations (the handler answers 404 for another, 403 to a park's or an enterprise's user)
    Rule(READ, "/air", "view", True),
    Rule(READ, "/air/", "view", True),
    Rule(READ, "/api/air", "view", True),
    Rule(READ, "/api/air/", "view", True),
    # surface water (web/water.py): the city's users see the whole city, a district's user its own district's
    # sections (the handler answers 404 for another district or section, 403 to a park's or an enterprise's user)
    Rule(READ, "/water", "view", True),
    Rule(READ, "/water/", "view", True),
    Rule(READ, "/api/water", "view", True),
    Rule(READ, "/api/water/", "view", True),
    # carrying capacity (web/carrying.py): the city's users see the whole city, a district's user its own
    # district (the handler answers 404 for another district, 403 to a park's or an enterprise's user)
    Rule(READ, "/carrying", "view", True),
    Rule(READ, "/api/carrying", "view", True),
    # the rights registry (web/registry.py): every page scoped by its documents (an account or request the user
    # does not see is 404; the city's totals for the city's users only); the actions are the kernel's to judge
    # (registry/access.py): a request or withdrawal by any signed-in user, approving with registry_approve,
    # opening an account with registry_admin
    Rule(POST, "/registry/approvals/", "registry_approve", True),
    Rule(POST, "/api/registry/approvals/", "registry_approve", True),
    Rule(POST, "/registry/accounts", "registry_admin", True),
    Rule(POST, "/api/registry/accounts", "registry_admin", True),
    Rule(POST, "/registry/requests", "view", True),
    Rule(POST, "/api/registry/requests", "view", True),
    Rule(POST, "/registry/withdrawals/", "view", True),
    Rule(POST, "/api/registry/withdrawals/", "view", True),
    Rule(READ, "/registry", "view", True),
    Rule(READ, "/registry/", "view", True),
    Rule(READ, "/api/registry", "view", True),
    Rule(READ, "/api/registry/", "view", True),
    Rule(READ, "/api", "view", True),  # the list of endpoints
    Rule(READ, "/openapi.json", "view", True),
    Rule(READ, "/audit", "audit", False),
    Rule(READ, "/api/audit", "audit", False),
    # the users' page (web/admin.py): a district's administrator manages its district's users
    Rule(ANY, "/users", "manage_users", True),
    Rule(ANY, "/users/", "manage_users", True),
    Rule(ANY, "/api/users", "manage_users", True),
    Rule(ANY, "/api/users/", "manage_users", True),
    # enterprise reports (web/reporting.py): listed within scope; submitted by an enterprise's
    # reporter, reviewed by a unit above it
    Rule(READ, "/reports", "view", True),
    Rule(READ, "/api/reports", "view", True),
    Rule(POST, "/reports", "report", True),
    Rule(POST, "/reports/upload", "report", True),
    Rule(POST, "/api/reports", "report", True),
    Rule(POST, "/api/reports/upload", "report", True),
    Rule(POST, "/reviews/", "review", True),
    Rule(POST, "/api/reviews/", "review", True),
    Rule(ANY, "/import", "upload", False),
    Rule(ANY, "/import/", "upload", False),
    Rule(ANY, "/api/import", "upload", False),
    Rule(ANY, "/api/import/", "upload", False),
    # printable reports (web/downloads.py): a district's or park's, and an enterprise's card, within
    # scope (the handler refuses another unit); the city's report, the notice list and a
    # screening verdict show figures of the whole city
    Rule(READ, "/download/district/", "export", True),
    Rule(READ, "/download/park/", "export", True),
    Rule(READ, "/download/enterprise/", "export", True),
    Rule(READ, "/download/city", "export", False),
    Rule(READ, "/download/evaluation", "export", False),
    Rule(POST, "/download/screen", "export", False),
)
#: Everything else: a view of the whole city.
DEFAULT = Rule(ANY, "", "view", False)
DOWNLOADS = ("xlsx", "csv", "pdf", "docx")


def rule_for(method: str, path: str) -> Rule:
    return next((r for r in RULES if r.matches(method, path)), DEFAULT)


@dataclass(frozen=True)
class Refusal:
    zh: str
    en: str


def decide(roles: tuple[str, ...], whole_city: bool, method: str, path: str, query: str) -> Refusal | None:
    """None if a user with ``roles`` acting for an organisation (of the whole city, or not)
    may make this request; else why not."""
    rule = rule_for(method, path)
    if not allowed(roles, rule.action):
        return Refusal("您的角色不能进行此操作", "your role may not do this")
    if parse_qs(query).get("format", [""])[-1] in DOWNLOADS and not allowed(roles, "export"):
        return Refusal("您的角色不能下载数据", "your role may not download data")
    if not rule.scoped and not whole_city:
        return Refusal("此页汇总全市数据，仅对市级及部门用户开放；请查看本单位的企业",
                       "this page shows figures of the whole city, for the city's and its bureaus' users only; "
                       "see your own unit's enterprises")
    return None
