"""The users' page on the web (issue #14, item 2): ``/users`` and its twin ``/api/users``
for administrators (the action ``manage_users``), each within its organisation's part of the
city: the listing, adding a user (its first password shown once, changed at the first
sign-in), disabling and resetting by form and by API, every change an audit event with the
administrator as its actor, and the refusals (another part of the city, another role, no
CSRF token, oneself).

Run with the application database on SQLite (in the data directory) and on PostgreSQL
(``QINGSHAN_APP_DB``), each migrated from nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qingshan.app import audit, database, organisations, users
from qingshan.app.models import AuditEvent, Membership, Organisation, User
from qingshan.app.organisations import tree_paths
from qingshan.app.permissions import in_scope
from qingshan.city import City
from qingshan.web import admin, auth
from qingshan.web.app import create_app
from qingshan.web.city import WebCity
from tests.conftest import fresh_pg_database
from tests.web_city import demo_city, with_csrf

CLI = audit.Actor("cli:test", role="administrator")
PASSWORD = "Users-page-2026"
#: user → (the unit it acts for, its roles); each has changed its first password already
ACCOUNTS = {"admin-city": ("city", ["administrator"]), "admin-district": ("district", ["administrator"]),
            "analyst-city": ("city", ["analyst"]), "viewer-district": ("district", ["viewer"]),
            "viewer-park": ("park", ["viewer"]), "viewer-other": ("other", ["viewer"]),
            "reviewer-district": ("district", ["reviewer"])}


@dataclass
class Served:
    url: str
    web: WebCity
    unit: dict[str, str]  # city, district, park (in the district), other (another district) → code
    path: dict[str, str]  # the same → path


def _backend(kind: str) -> Iterator[str | None]:
    """None for SQLite in the data directory, else the URL of a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield None
        return
    with fresh_pg_database("qingshan_users") as url:
        try:
            yield url
        finally:
            database.engine(url.replace("postgresql://", "postgresql+psycopg://", 1)).dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    for pg in _backend(request.param):
        d = demo_city(tmp_path_factory.mktemp(f"users-{request.param}"))
        with pytest.MonkeyPatch.context() as mp:  # QINGSHAN_APP_DB is read once, at start-up
            if pg is not None:
                mp.setenv("QINGSHAN_APP_DB", pg)
            url = database.app_url(d)
            database.upgrade(url)
            with City.open(d) as city:
                units = city.units()
            paths = tree_paths(units)
            park = sorted(c for c, (u, _, _) in paths.items() if u.kind == "park")[0]
            district = paths[park][2]
            assert district is not None
            other = sorted(c for c, (u, _, _) in paths.items() if u.kind == "district" and c != district)[0]
            city_code = next(c for c, (u, _, _) in paths.items() if u.kind == "city")
            unit = {"city": city_code, "district": district, "park": park, "other": other}
            with database.session(url) as s:
                organisations.sync(s, units, CLI)
                for name, (level, role_names) in ACCOUNTS.items():
                    users.add_user(s, CLI, name, unit[level], role_names, password="Temporary-pass-1")
            with database.session(url) as s:
                for name in ACCOUNTS:
                    users.change_password(s, name, "Temporary-pass-1", PASSWORD)
            web = WebCity.start(City.open(d))
        assert web.auth.required and web.auth.url == url
        yield Served(url, web, unit, {k: paths[c][1] for k, c in unit.items()})


def _client(served: Served) -> TestClient:
    return with_csrf(TestClient(create_app(served.web), follow_redirects=False))


def _signed_in(served: Served, name: str, password: str = PASSWORD) -> TestClient:
    """A browser signed in as ``name`` (its header carries the session's CSRF token)."""
    c = _client(served)
    r = c.post("/login", data={"username": name, "password": password, "next": "/"})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    return with_csrf(c)


def _new_user(served: Served, name: str, level: str, role: str = "viewer") -> None:
    """An account added from the command line, its first password changed to :data:`PASSWORD`."""
    with database.session(served.url) as s:
        users.add_user(s, CLI, name, served.unit[level], [role], password="Temporary-pass-1")
    with database.session(served.url) as s:
        users.change_password(s, name, "Temporary-pass-1", PASSWORD)


def _events(served: Served, action: str, entity: str) -> list[AuditEvent]:
    with database.session(served.url) as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity == entity)
                              .order_by(AuditEvent.id)).scalars())


def _user_events(served: Served) -> int:
    with database.session(served.url) as s:
        return len(s.execute(select(AuditEvent.id).where(AuditEvent.action.startswith("user."),
                                                          AuditEvent.action != "user.change_password")).all())


def _user(served: Served, name: str) -> User:
    with database.session(served.url) as s:
        return s.execute(select(User).where(User.username == name)).scalar_one()


def _form_csrf(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]*)"', page))


def _first_password(page: str) -> str:
    m = re.search(r'<code id="first-password">([^<]+)</code>', page)
    assert m is not None, page[:2000]
    return m.group(1)


def _as_actor(served: Served, event: AuditEvent, name: str, level: str) -> None:
    """The event's actor is the administrator ``name`` acting for its organisation, as administrator."""
    assert (event.actor, event.organisation, event.role) == (name, served.unit[level], "administrator")


# --- the listing -------------------------------------------------------------------------------

def test_a_district_administrator_lists_only_its_district_s_users(served: Served) -> None:
    c = _signed_in(served, "admin-district")
    doc = c.get("/api/users").json()
    assert doc["database"] and doc["scope"]["organisation"] == served.unit["district"]
    listed = {u["username"] for u in doc["users"]}
    with database.session(served.url) as s:
        own = {u.username for u in s.execute(select(User)).scalars()
               if u.memberships and all(in_scope(served.path["district"], m.organisation.path)
                                        for m in u.memberships)}
    assert listed == own
    assert {"admin-district", "viewer-district", "viewer-park", "reviewer-district"} <= listed
    assert not listed & {"admin-city", "analyst-city", "viewer-other"}
    assert [u["self"] for u in doc["users"] if u["username"] == "admin-district"] == [True]
    codes = {o["code"] for o in doc["organisations"]}
    assert {served.unit["district"], served.unit["park"]} <= codes
    assert not codes & {served.unit["city"], served.unit["other"]}
    assert all(in_scope(served.path["district"], o["path"]) for o in doc["organisations"])
    assert {r["role"] for r in doc["roles"]} >= {"administrator", "viewer", "reporter"}
    assert "password_hash" not in str(doc)
    page = c.get("/users?lang=en")
    assert page.status_code == 200 and "viewer-park" in page.text and "viewer-other" not in page.text
    assert 'id="add-user"' in page.text and _form_csrf(page.text) == {c.headers["X-CSRF-Token"]}
    for r in (page, c.get("/api/users")):
        assert r.headers["cache-control"] == "no-store"


def test_a_city_administrator_lists_every_user(served: Served) -> None:
    c = _signed_in(served, "admin-city")
    doc = c.get("/api/users").json()
    with database.session(served.url) as s:
        every = [u["username"] for u in users.list_users(s)]
    assert [u["username"] for u in doc["users"]] == every  # in order of user name
    codes = {o["code"] for o in doc["organisations"]}
    assert set(served.unit.values()) <= codes
    park = next(u for u in doc["users"] if u["username"] == "viewer-park")
    assert park["roles"][0]["organisation"] == served.unit["park"] and park["roles"][0]["role"] == "viewer"
    assert not park["disabled"] and not park["must_change"] and not park["locked"]


def test_the_header_links_the_users_page_for_administrators_only(served: Served) -> None:
    a, v = _signed_in(served, "admin-district"), _signed_in(served, "analyst-city")
    assert 'id="who-users"' in a.get("/enterprises").text and 'id="who-users"' not in v.get("/").text
    assert a.get("/api/login").json()["user"]["manage_users"] is True
    assert v.get("/api/login").json()["user"]["manage_users"] is False


# --- adding a user -----------------------------------------------------------------------------

def test_adding_by_form_shows_the_first_password_once_and_it_must_be_changed(served: Served) -> None:
    c = _signed_in(served, "admin-district")
    before = len(_events(served, "user.add", "park-form"))
    r = c.post("/users?lang=en", data={"username": "park-form", "organisation": served.unit["park"],
                                       "roles": ["viewer", "reporter"], "display_name": "园区表单",
                                       "csrf_token": c.headers["X-CSRF-Token"]})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    first = _first_password(r.text)
    assert 'id="done-user">park-form<' in r.text and "park-form" in r.text.split('id="users"')[1]
    (event,) = _events(served, "user.add", "park-form")[before:]
    _as_actor(served, event, "admin-district", "district")
    assert sorted(event.after["roles"]) == [f"{served.unit['park']}:reporter", f"{served.unit['park']}:viewer"]
    assert first not in str(event.after)
    # shown once: neither the page nor its twin shows it again
    assert first not in c.get("/users").text and first not in c.get("/api/users").text
    listed = next(u for u in c.get("/api/users").json()["users"] if u["username"] == "park-form")
    assert listed["must_change"] and listed["display_name"] == "园区表单"
    # the first sign-in leads to the password page, and nothing else opens before the change
    new = _client(served)
    r = new.post("/login", data={"username": "park-form", "password": first, "next": "/enterprises"})
    assert r.status_code == 303 and r.headers["location"].startswith("/password?next=")
    with_csrf(new)
    assert new.get("/enterprises").status_code == 303 and new.get("/api/enterprises").status_code == 403
    r = new.post("/api/password", json={"old": first, "new": "Changed-pass-2026"})
    assert r.status_code == 200 and new.get("/api/enterprises").status_code == 200


def test_adding_by_api(served: Served) -> None:
    c = _signed_in(served, "admin-city")
    r = c.post("/api/users", json={"username": "district-api", "organisation": served.unit["district"],
                                   "roles": ["reviewer"], "display_name": "区审核"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["action"] == "add" and body["user"]["username"] == "district-api" and body["user"]["must_change"]
    assert [x["role"] for x in body["user"]["roles"]] == ["reviewer"]
    first = body["first_password"]
    (event,) = _events(served, "user.add", "district-api")
    _as_actor(served, event, "admin-city", "city")
    signed = _client(served).post("/api/login", json={"username": "district-api", "password": first})
    assert signed.status_code == 200 and signed.json()["user"]["must_change"] is True
    # the same name again, an unknown role, a name that cannot stand in a path, an unknown organisation
    again = c.post("/api/users", json={"username": "district-api", "organisation": served.unit["district"],
                                       "roles": ["viewer"]})
    assert again.status_code == 409 and " / " in again.json()["detail"]
    for bad in ({"username": "x-role", "organisation": served.unit["district"], "roles": ["owner"]},
                {"username": "x-none", "organisation": served.unit["district"], "roles": []},
                {"username": "a/b", "organisation": served.unit["district"], "roles": ["viewer"]},
                {"username": "x-org", "organisation": "no-such-unit", "roles": ["viewer"]}):
        r = c.post("/api/users", json=bad)
        assert r.status_code == 422 and " / " in r.json()["detail"], (bad, r.text)
        with database.session(served.url) as s:
            assert s.execute(select(User).where(User.username == bad["username"])).first() is None


# --- disabling and resetting -------------------------------------------------------------------

def test_disabling_by_form_and_api_ends_the_user_s_sessions(served: Served) -> None:
    _new_user(served, "leaves-form", "park")
    _new_user(served, "leaves-api", "district")
    gone = _signed_in(served, "leaves-form")
    assert gone.get("/api/enterprises").status_code == 200
    c = _signed_in(served, "admin-district")
    r = c.post("/users/leaves-form/disable", data={"reason": "调离", "csrf_token": c.headers["X-CSRF-Token"]})
    assert r.status_code == 200 and 'id="done"' in r.text and "first-password" not in r.text
    assert r.headers["cache-control"] == "no-store"
    (event,) = _events(served, "user.disable", "leaves-form")
    _as_actor(served, event, "admin-district", "district")
    assert event.reason == "调离" and event.before["disabled"] is False and event.after["disabled"] is True
    assert _user(served, "leaves-form").disabled
    assert gone.get("/api/enterprises").status_code == 401  # its session ended
    assert _client(served).post("/api/login", json={"username": "leaves-form",
                                                    "password": PASSWORD}).status_code == 401
    r = c.post("/api/users/leaves-api/disable", json={"reason": "left"})
    assert r.status_code == 200 and r.json()["user"]["disabled"] is True
    (event,) = _events(served, "user.disable", "leaves-api")
    _as_actor(served, event, "admin-district", "district")
    assert event.reason == "left"
    assert c.post("/api/users/leaves-api/disable").status_code == 409  # once is enough
    assert len(_events(served, "user.disable", "leaves-api")) == 1
    listed = {u["username"]: u for u in c.get("/api/users").json()["users"]}
    assert listed["leaves-form"]["disabled"] and listed["leaves-api"]["disabled"]


def test_resetting_by_form_and_api_shows_a_new_first_password_once(served: Served) -> None:
    _new_user(served, "forgets-form", "park")
    _new_user(served, "forgets-api", "district")
    old = _signed_in(served, "forgets-api")
    c = _signed_in(served, "admin-district")
    r = c.post("/users/forgets-form/reset-password?lang=en", data={"csrf_token": c.headers["X-CSRF-Token"]})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    first = _first_password(r.text)
    (event,) = _events(served, "user.reset_password", "forgets-form")
    _as_actor(served, event, "admin-district", "district")
    assert first not in c.get("/users").text
    assert _client(served).post("/api/login", json={"username": "forgets-form",
                                                    "password": PASSWORD}).status_code == 401
    fresh = _client(served)
    r = fresh.post("/login", data={"username": "forgets-form", "password": first, "next": "/enterprises"})
    assert r.status_code == 303 and r.headers["location"].startswith("/password?next=")
    r = c.post("/api/users/forgets-api/reset-password")
    assert r.status_code == 200 and r.json()["action"] == "reset_password" and r.json()["user"]["must_change"]
    first = r.json()["first_password"]
    (event,) = _events(served, "user.reset_password", "forgets-api")
    _as_actor(served, event, "admin-district", "district")
    assert old.get("/api/enterprises").status_code == 401  # whoever held the old password is signed out
    back = _client(served).post("/api/login", json={"username": "forgets-api", "password": first})
    assert back.status_code == 200 and back.json()["user"]["must_change"] is True


# --- refusals ----------------------------------------------------------------------------------

def _detail(pair: tuple[str, str]) -> str:
    return f"{pair[0]} / {pair[1]}"


def test_an_administrator_acts_only_within_its_part_of_the_city(served: Served) -> None:
    c = _signed_in(served, "admin-district")
    before = _user_events(served)
    for name in ("viewer-other", "admin-city", "analyst-city"):
        for action in ("disable", "reset-password"):
            r = c.post(f"/api/users/{name}/{action}")
            assert r.status_code == 403 and r.json()["detail"] == _detail(admin.USER_OUTSIDE), (name, action)
    r = c.post("/users/viewer-other/disable", data={"reason": "x", "csrf_token": c.headers["X-CSRF-Token"]})
    assert r.status_code == 403 and admin.USER_OUTSIDE[0] in r.text and 'id="refusal"' in r.text
    r = c.post("/users/viewer-other/reset-password?lang=en", data={"csrf_token": c.headers["X-CSRF-Token"]})
    assert r.status_code == 403 and admin.USER_OUTSIDE[1] in r.text and "first-password" not in r.text
    for code in (served.unit["other"], served.unit["city"]):
        r = c.post("/api/users", json={"username": "elsewhere", "organisation": code, "roles": ["viewer"]})
        assert r.status_code == 403 and r.json()["detail"] == _detail(admin.ORG_OUTSIDE)
    r = c.post("/users", data={"username": "elsewhere", "organisation": served.unit["other"], "roles": "viewer",
                               "csrf_token": c.headers["X-CSRF-Token"]})
    assert r.status_code == 403 and admin.ORG_OUTSIDE[0] in r.text
    assert _user_events(served) == before  # nothing refused was changed or audited
    # a user who also acts for an organisation outside the district is outside it
    _new_user(served, "two-districts", "district")
    with database.session(served.url) as s:
        user = s.execute(select(User).where(User.username == "two-districts")).scalar_one()
        other = s.execute(select(Organisation).where(Organisation.code == served.unit["other"])).scalar_one()
        s.add(Membership(user_id=user.id, organisation_id=other.id, role="viewer"))
    before = _user_events(served)
    assert "two-districts" not in {u["username"] for u in c.get("/api/users").json()["users"]}
    assert c.post("/api/users/two-districts/disable").status_code == 403
    city = _signed_in(served, "admin-city")
    assert "two-districts" in {u["username"] for u in city.get("/api/users").json()["users"]}
    assert c.post("/api/users/nobody-at-all/disable").status_code == 404
    assert _user_events(served) == before
    assert not _user(served, "viewer-other").disabled and not _user(served, "two-districts").disabled
    with database.session(served.url) as s:
        assert s.execute(select(User).where(User.username == "elsewhere")).first() is None


def test_other_roles_are_refused(served: Served) -> None:
    before = _user_events(served)
    for name in ("analyst-city", "viewer-district", "reviewer-district"):
        c = _signed_in(served, name)
        for method, path, kw in (("GET", "/users", {}), ("GET", "/api/users", {}),
                                 ("POST", "/api/users", {"json": {"username": "sneaky",
                                                                  "organisation": served.unit["park"],
                                                                  "roles": ["administrator"]}}),
                                 ("POST", "/api/users/viewer-park/disable", {}),
                                 ("POST", "/api/users/viewer-park/reset-password", {}),
                                 ("POST", "/users/viewer-park/disable",
                                  {"data": {"csrf_token": c.headers["X-CSRF-Token"]}})):
            r = c.request(method, path, **kw)
            refused = r.json()["detail"] == "您的角色不能进行此操作 / your role may not do this"
            assert r.status_code == 403 and refused, (name, method, path)
    assert _user_events(served) == before and not _user(served, "viewer-park").disabled


def test_a_change_without_the_csrf_token_is_refused(served: Served) -> None:
    c = _signed_in(served, "admin-district")
    token = c.headers.pop("X-CSRF-Token")
    before = _user_events(served)
    form = {"username": "no-token", "organisation": served.unit["park"], "roles": "viewer"}
    for method_path, kw in ((("POST", "/users"), {"data": form}),
                            (("POST", "/users"), {"data": {**form, "csrf_token": "x" * 43}}),
                            (("POST", "/api/users"), {"json": {**form, "roles": ["viewer"]}}),
                            (("POST", "/users/viewer-park/disable"), {"data": {"reason": "x"}}),
                            (("POST", "/api/users/viewer-park/reset-password"), {})):
        r = c.request(*method_path, **kw)
        assert r.status_code == 403 and "CSRF" in r.json()["detail"], method_path
    assert _user_events(served) == before and not _user(served, "viewer-park").disabled
    r = c.post("/users", data={**form, "csrf_token": token})  # the same, with the session's token
    assert r.status_code == 200 and _first_password(r.text)


def test_an_administrator_neither_disables_itself_nor_resets_its_own_password(served: Served) -> None:
    c = _signed_in(served, "admin-district")
    before = _user_events(served)
    r = c.post("/api/users/admin-district/disable", json={"reason": "oops"})
    assert r.status_code == 403 and r.json()["detail"] == _detail(admin.NOT_YOURSELF)
    r = c.post("/users/admin-district/disable", data={"csrf_token": c.headers["X-CSRF-Token"]})
    assert r.status_code == 403 and admin.NOT_YOURSELF[0] in r.text
    r = c.post("/api/users/admin-district/reset-password")
    assert r.status_code == 403 and r.json()["detail"] == _detail(admin.NOT_OWN_PASSWORD)
    assert _user_events(served) == before
    me = _user(served, "admin-district")
    assert not me.disabled and not me.must_change
    assert c.get("/api/users").status_code == 200  # still signed in
    assert 'class="disable"' not in c.get("/users").text.split('id="user-admin-district"')[1].split("</tr>")[0]


# --- without accounts --------------------------------------------------------------------------

def test_a_city_without_accounts_has_no_users_to_manage(tmp_path: Path) -> None:
    web = WebCity.start(City.open(demo_city(tmp_path / "open")))
    assert not web.auth.required
    c = with_csrf(TestClient(create_app(web), follow_redirects=False))
    page = c.get("/users?lang=en")
    assert page.status_code == 200 and 'id="no-accounts"' in page.text and "qingshan user add" in page.text
    doc: dict[str, Any] = c.get("/api/users").json()
    assert doc["database"] is False and doc["users"] == []
    r = c.post("/api/users", json={"username": "x", "organisation": "y", "roles": ["viewer"]})
    assert r.status_code == 404 and r.json()["detail"] == " / ".join(auth.OFF)
    assert c.post("/api/users/x/disable").status_code == 404
