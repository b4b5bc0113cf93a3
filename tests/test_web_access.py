"""The role matrix (issue #14, item 7), generated from the routes: every endpoint × every
role × an organisation of each level, signed in, allowed or refused as the permission table
(roles.toml) and scope say; and the rows a district's, park's or enterprise's user gets are
only its own, through the list, the search, an enterprise's page, the map, the accounts and
their downloads."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from qingshan.app import audit, database, organisations, users
from qingshan.app.organisations import tree_paths
from qingshan.app.permissions import roles
from qingshan.city import City
from qingshan.web.app import create_app
from qingshan.web.city import WebCity
from tests.web_city import demo_city, with_csrf

ADMIN = audit.Actor("cli:test", role="administrator")
PASSWORD = "Matrix-pass-2026"
LEVELS = ("city", "district", "park", "enterprise")
#: what a signed-in user of a part of the city may open (the rest shows the whole city)
SCOPED = ("/", "/api/overview", "/api/enterprises", "/enterprises", "/api/map", "/map", "/api/accounts",
          "/api/profile", "/api", "/openapi.json",
          "/lmdi", "/api/lmdi",  # a district's own decomposition (a park's user: 403 from the page itself)
          # GEP (web/gep.py): a district's own rows and map (a park's user: 403 from the page itself)
          "/gep", "/api/gep", "/gep/map", "/api/gep/map", "/gep/maps/{service}.png", "/gep/coordination",
          "/api/gep/coordination",
          # permits (web/permits.py): the rows within scope
          "/permits", "/api/permits",
          # surface water (web/water.py): a district's own sections (a park's user: 403 from the page itself)
          "/water", "/api/water",
          # air quality (web/air.py): a district's own stations (a park's user: 403 from the page itself)
          "/air", "/api/air",
          # carrying capacity (web/carrying.py): a district's own row and area (a park's user: 403 from the page)
          "/carrying", "/api/carrying")
#: the drill-down's pages (issue #16): within scope, a unit outside it 404
DRILL = ("/districts/", "/api/districts/", "/parks/", "/api/parks/", "/industries/", "/api/industries/", "/measures",
         "/api/measures",
         "/permits/", "/api/permits/",  # an enterprise's permits (web/permits.py): within scope, another 404
         "/water/sections/", "/api/water/sections/",  # a section (web/water.py): within scope, another 404
         "/air/stations/", "/api/air/stations/")  # a station (web/air.py): within scope, another 404
#: the access layer's refusals (web/access.py)
ACCESS_REFUSALS = ("your role may not do this", "your role may not download data",
                   "this page shows figures of the whole city")
OPEN = ("/login", "/api/login", "/logout", "/api/logout", "/password", "/api/password", "/favicon.ico")


@dataclass
class Matrix:
    web: WebCity
    unit: dict[str, str]  # level → the unit its users act for
    mine: set[str]  # the enterprises below the district
    other: str  # an enterprise of another district


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    d = demo_city(tmp_path_factory.mktemp("matrix"))
    url = database.app_url(d)
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
    paths = tree_paths(units)
    ent = [(c, p) for c, (u, p, _) in paths.items() if u.kind == "enterprise"]
    parks = sorted(c for c, (u, _, _) in paths.items() if u.kind == "park")
    park = parks[0]
    district = paths[park][2]
    assert district is not None
    firm = sorted(c for c, p in ent if p.startswith(paths[park][1] + "/"))[0]
    unit = {"city": next(c for c, (u, _, _) in paths.items() if u.kind == "city"), "district": district,
            "park": park, "enterprise": firm}
    mine = {c for c, p in ent if p.startswith(paths[district][1] + "/")}
    other = sorted(c for c, p in ent if c not in mine)[0]
    with database.session(url) as s:
        organisations.sync(s, units, ADMIN)
        for role in roles():
            for level in LEVELS:
                users.add_user(s, ADMIN, f"{role}-{level}", unit[level], [role], password="Temporary-pass-1")
    with database.session(url) as s:
        for role in roles():
            for level in LEVELS:
                users.change_password(s, f"{role}-{level}", "Temporary-pass-1", PASSWORD)
    web = WebCity.start(City.open(d))
    assert web.auth.required
    yield Matrix(web, unit, mine, other)


def _signed_in(m: Matrix, name: str) -> TestClient:
    c = with_csrf(TestClient(create_app(m.web), follow_redirects=False))
    assert c.post("/login", data={"username": name, "password": PASSWORD, "next": "/api/profile"}).status_code == 303
    return with_csrf(c)


def _routes(m: Matrix) -> list[tuple[str, str]]:
    """(method, concrete path) of every route of the application."""
    out = []
    for r in create_app(m.web).routes:
        if not isinstance(r, APIRoute | Route) or r.path.startswith("/static") or r.path in OPEN:
            continue
        path = (r.path.replace("{entity_id}", sorted(m.mine)[0]).replace("{job_id}", "nojob")
                .replace("{username}", "nobody")  # no such user: an action changes nothing
                .replace("{report_id}", "999999")  # nor no such report
                .replace("{account_id}", "999999").replace("{request_id}", "999999")  # nor registry account, request
                .replace("/registry/rights/{code}", "/registry/rights/YN")
                .replace("/districts/{code}", f"/districts/{m.unit['district']}")
                .replace("/parks/{code}", f"/parks/{m.unit['park']}").replace("/industries/{code}", "/industries/26"))
        out += [(method, path) for method in sorted(r.methods or ()) if method != "HEAD"]
    return out


def _expected(role: str, level: str, method: str, path: str) -> bool:
    """Whether the request passes the access layer, spelled out from the issue's rules."""
    actions = roles()[role].actions
    uploads = path.startswith(("/import", "/api/import"))
    if uploads and "upload" not in actions:
        return False
    if path in ("/audit", "/api/audit") and "audit" not in actions:
        return False
    # the users' page and its actions: manage_users, within the organisation's own part of the city
    manages_users = path in ("/users", "/api/users") or path.startswith(("/users/", "/api/users/"))
    if manages_users and "manage_users" not in actions:
        return False
    # enterprise reports: viewed within scope; submitted with `report`, reviewed with `review`
    reporting = path in ("/reports", "/api/reports")
    if method == "POST" and (reporting or path in ("/reports/upload", "/api/reports/upload")) \
            and "report" not in actions:
        return False
    reviewing = path.startswith(("/reviews/", "/api/reviews/"))
    if reviewing and "review" not in actions:
        return False
    # printable reports (web/downloads.py): `export`; a district's, park's and enterprise's within scope
    if path.startswith("/download/") and "export" not in actions:
        return False
    report_of_unit = path.startswith(("/download/district/", "/download/park/", "/download/enterprise/"))
    # the rights registry (web/registry.py): pages within scope; approving needs `registry_approve`, opening an
    # account `registry_admin`; a request or a withdrawal reaches the kernel, which judges it (registry/access.py)
    registry = path in ("/registry", "/api/registry") or path.startswith(("/registry/", "/api/registry/"))
    if registry and method == "POST" and "/approvals/" in path and "registry_approve" not in actions:
        return False
    if registry and method == "POST" and path.endswith("/registry/accounts") and "registry_admin" not in actions:
        return False
    scoped = manages_users or reviewing or registry or path.startswith(("/reports", "/api/reports")) or (
        method == "GET" and (path in SCOPED or report_of_unit
                             or path.startswith(("/api/enterprises/", "/enterprises/", *DRILL))))
    return level == "city" or scoped


def test_every_route_for_every_role_at_every_level(matrix: Matrix) -> None:
    routes = _routes(matrix)
    assert len(routes) >= 25 and ("GET", "/api/enterprises") in routes
    for role in roles():
        for level in LEVELS:
            c = _signed_in(matrix, f"{role}-{level}")
            for method, path in routes:
                r = c.request(method, path)
                # refused by the access layer (its messages); a 403 of the action itself (a
                # reporter of a district, which is not an enterprise) has passed it
                refused = r.status_code == 403 and any(m in r.text for m in ACCESS_REFUSALS)
                assert refused != _expected(role, level, method, path), (role, level, method, path, r.status_code,
                                                                         r.text[:200])
                if refused and r.status_code == 403:
                    assert r.json()["detail"]  # a message, in both languages


def test_downloads_need_the_export_action(matrix: Matrix) -> None:
    for role in roles():
        c = _signed_in(matrix, f"{role}-city")
        r = c.get("/api/enterprises?format=xlsx")
        assert (r.status_code == 200) == ("export" in roles()[role].actions), role


def test_a_district_sees_only_its_enterprises_by_every_way(matrix: Matrix) -> None:
    for level in ("district", "park", "enterprise"):
        c = _signed_in(matrix, f"analyst-{level}")
        listed = c.get("/api/enterprises?size=500").json()
        ids = {r["entity_id"] for r in listed["rows"]}
        assert ids and ids <= matrix.mine and listed["total"] == len(ids)
        if level == "district":
            assert ids == matrix.mine
        if level == "enterprise":
            assert ids == {matrix.unit["enterprise"]}
        assert c.get(f"/api/enterprises?q={matrix.other}").json()["total"] == 0
        assert c.get(f"/api/enterprises/{matrix.other}").status_code == 404
        assert c.get(f"/enterprises/{matrix.other}").status_code == 404
        assert {e["entity_id"] for e in c.get("/api/map").json()["enterprises"]} <= ids
        acc = c.get("/api/accounts").json()
        assert {e["entity_id"] for e in acc["enterprises"]} == ids and set(acc["rollups"]) <= {"district", "park"}
        xlsx = c.get("/api/enterprises?format=xlsx&size=500").content
        book = pd.read_excel(io.BytesIO(xlsx), sheet_name=None, engine="calamine")
        text = " ".join(frame.astype(str).to_string() for frame in book.values())
        assert matrix.other not in text and all(e in text for e in ids)
        assert matrix.other not in c.get("/enterprises?size=500").text
    whole = _signed_in(matrix, "viewer-city")
    assert whole.get(f"/api/enterprises/{matrix.other}").status_code == 200


def test_the_cache_keeps_each_scope_apart(matrix: Matrix) -> None:
    """The same URL, first for a district, then for the city: each gets its own rows."""
    d, c = _signed_in(matrix, "viewer-district"), _signed_in(matrix, "viewer-city")
    a, b = d.get("/api/enterprises?size=500").json(), c.get("/api/enterprises?size=500").json()
    assert a["total"] == len(matrix.mine) < b["total"]
    assert re.search(matrix.other, d.get("/api/map").text) is None


def test_the_matrix_is_generated_from_every_route(matrix: Matrix) -> None:
    """A route added to the application is in the matrix without a change here."""
    paths = {p for _, p in _routes(matrix)}
    assert {"/", "/api/overview", "/api/evaluation", "/api/targets", "/api/import", "/api/accounts"} <= paths


def test_the_audit_page_for_administrators(matrix: Matrix) -> None:
    """The audit log on the web: administrators of the city only, filtered, downloadable,
    never cached (a sign-in made after a first look is in the second), with the chain's state."""
    admin = _signed_in(matrix, "administrator-city")
    first = admin.get("/api/audit?action=login&limit=1000").json()
    assert first["chain"]["intact"] and first["events"]
    assert {e["action"] for e in first["events"]} == {"login"}
    _signed_in(matrix, "viewer-park")
    again = admin.get("/api/audit?action=login&limit=1000").json()
    assert len(again["events"]) == len(first["events"]) + 1 and again["events"][0]["actor"] == "viewer-park"
    page = admin.get("/audit?actor=viewer-park&lang=en")
    assert page.status_code == 200 and 'id="chain-intact"' in page.text and "viewer-park" in page.text
    assert "no-store" in page.headers["cache-control"]
    book = admin.get("/api/audit?format=xlsx&actor=viewer-park")
    assert book.status_code == 200 and book.content[:2] == b"PK"
    assert admin.get("/api/audit?since=2026-13-01").status_code == 422
    for name in ("analyst-city", "viewer-city", "administrator-district"):
        assert _signed_in(matrix, name).get("/api/audit").status_code == 403, name


def test_the_icon_a_browser_asks_for_by_itself_is_open_to_all(matrix: Matrix) -> None:
    """Chromium asks for /favicon.ico after an answer without a page (a 403): a scoped user,
    and someone not signed in, get the icon, not a refusal that lands in the console."""
    anonymous = TestClient(create_app(matrix.web), follow_redirects=False)
    for client in (anonymous, _signed_in(matrix, "viewer-district")):
        r = client.get("/favicon.ico")
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert r.content.startswith(b"<svg")


def test_a_scoped_users_overview_is_its_own_units(matrix: Matrix) -> None:
    """The overview of a district's user is its district's roll-up and its parks, of a park's
    user its park's, of an enterprise's user its own yearly figures; the whole city's user
    gets the city's. Each series is the accounts' own roll-up row for that unit."""
    with matrix.web.lock:
        result = matrix.web.city.accounts()
        year = matrix.web.city.latest_year
    whole = _signed_in(matrix, "viewer-city").get("/api/overview").json()
    assert whole["unit"] is None and whole["below"] == "district"
    for level, rollup in (("district", "district"), ("park", "park")):
        doc = _signed_in(matrix, f"viewer-{level}").get("/api/overview").json()
        code = matrix.unit[level]
        assert doc["unit"]["code"] == code and doc["unit"]["kind"] == level
        own = result.rollups[rollup]
        own = own[own["unit_id"] == code].sort_values("year")
        assert [r["energy_tce"] for r in doc["city"]] == pytest.approx(list(own["energy_tce"]), rel=1e-12)
        parks = {r["unit_id"] for r in doc["districts"]}
        assert code in parks if level == "park" else matrix.unit["park"] in parks
        latest = own[own["year"] == year]["energy_tce"].iloc[0]
        # parts add up: its parks hold no more energy than it does
        assert sum(r["energy_tce"] for r in doc["districts"]) <= latest * (1 + 1e-12)
        assert all(t["level"] == level and t["entity"] == code for t in doc["targets"])
    firm = _signed_in(matrix, "viewer-enterprise").get("/api/overview").json()
    mine = result.yearly[result.yearly["entity_id"] == matrix.unit["enterprise"]].sort_values("year")
    assert [r["co2_t"] for r in firm["city"]] == pytest.approx(list(mine["co2_t"]), rel=1e-12)
    assert firm["districts"] == [] and firm["targets"] == []


def test_the_drill_down_holds_each_users_scope(matrix: Matrix) -> None:
    """A district's user opens its district, its parks and an industry within its district,
    and the measures of its own enterprises; another district's page is 404, and no figure
    of the city reaches it (no parent comparison with the city)."""
    district, park = matrix.unit["district"], matrix.unit["park"]
    c = _signed_in(matrix, "viewer-district")
    own = c.get(f"/api/districts/{district}").json()
    assert own["unit"]["code"] == district and own["parent"] is None
    assert not next(s for s in own["breadcrumbs"] if s["kind"] == "city")["open"]
    assert own["figures"]["enterprises"] == len(matrix.mine)
    others = {u.code for u in matrix.web.city.units() if u.kind == "district" and u.code != district}
    for other in others:
        assert c.get(f"/api/districts/{other}").status_code == 404
        assert c.get(f"/districts/{other}").status_code == 404
    assert c.get(f"/api/parks/{park}").json()["parent"]["code"] == district  # its own district: shown
    industry = c.get("/api/industries/26")
    if industry.status_code == 200:  # division 26 within the district, if it has any
        assert {r["district_id"] for r in industry.json()["below"]["rows"]} <= {district}
        assert industry.json()["parent"] is None
    money = c.get("/api/measures").json()
    assert money["enterprises"] == len(matrix.mine)
    assert {r["code"] for r in money["groups"]["district"]} == {district}
    # a park's user: its park, not its district
    p = _signed_in(matrix, "viewer-park")
    assert p.get(f"/api/parks/{park}").json()["parent"] is None
    assert p.get(f"/api/districts/{district}").status_code == 404
