"""Signing in to the web platform and the protection of every change (issue #14, items 2
and 4): sign-in only when the city has accounts, server-side sessions and their cookie,
failures audited and throttled, a first password changed before anything else, logout;
CSRF tokens, Origin and Host checks, accept tokens bound to the session that uploaded,
security headers, and a response cache that never shows one user's page to another.

The signed-in tests run with the application database on SQLite (in the data directory) and
on PostgreSQL (``QINGSHAN_APP_DB``), each migrated from nothing."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from starlette.datastructures import Headers

from qingshan.app import audit, database, organisations, users
from qingshan.app.models import AuditEvent, WebSession
from qingshan.app.organisations import Unit
from qingshan.city import City
from qingshan.cli import main
from qingshan.errors import ConfigError
from qingshan.web import auth, protect
from qingshan.web.app import create_app
from qingshan.web.auth import SignIn
from qingshan.web.city import WebCity
from tests.conftest import fresh_pg_database
from tests.web_city import accepted, demo_city, upload_workbook, with_csrf

ADMIN = audit.Actor("cli:test", role="administrator")
#: user → (organisation kind, index among its kind, roles, password); each has changed its
#: first password already, but for ``fresh``
USERS = {"dong": ("city", 0, ["viewer"], "Qingshan-east-2026"),
         "dong2": ("city", 0, ["viewer"], "Qingshan-east-2027"),
         "xi": ("bureau", 0, ["analyst"], "Qingshan-west-2026"),
         "xi2": ("bureau", 0, ["analyst"], "Qingshan-west-2027"),
         "locky": ("city", 0, ["viewer"], "Qingshan-lock-2026"),
         "wrong": ("city", 0, ["viewer"], "Qingshan-oops-2026"),
         "leaver": ("city", 0, ["viewer"], "Qingshan-gone-2026"),
         "fresh": ("city", 0, ["reporter"], "Qingshan-first-2026")}
CSP_PARTS = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")


@dataclass
class Served:
    """A city that asks for sign-in: its data directory, application database and server."""

    dir: Path
    url: str
    web: WebCity
    names: dict[str, str]  # user → its organisation's name


def _backend(kind: str) -> Iterator[str | None]:
    """None for SQLite in the data directory, else the URL of a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield None
        return
    with fresh_pg_database("qingshan_web") as url:
        try:
            yield url
        finally:
            database.engine(url.replace("postgresql://", "postgresql+psycopg://", 1)).dispose()


def _accounts(d: Path, url: str) -> dict[str, str]:
    """Migrate the application database, bring in the city's organisations, add :data:`USERS`."""
    database.upgrade(url)
    with City.open(d) as city:
        units = city.units()
    by_kind: dict[str, list[Any]] = {}
    for u in sorted(units, key=lambda u: u.code):
        by_kind.setdefault(u.kind, []).append(u)
    city_code = by_kind["city"][0].code  # the bureaus sit at the city's level
    by_kind["bureau"] = [Unit(f"{city_code}-{code}", "bureau", name) for code, name in organisations.BUREAUS]
    names = {}
    with database.session(url) as s:
        organisations.sync(s, units, ADMIN)
        for name, (kind, i, role_names, password) in USERS.items():
            unit = by_kind[kind][i]
            first = password if name == "fresh" else "Temporary-pass-1"
            users.add_user(s, ADMIN, name, unit.code, role_names, password=first, display_name=f"用户{name}")
            names[name] = unit.name
    with database.session(url) as s:
        for name, (_, _, _, password) in USERS.items():
            if name != "fresh":
                users.change_password(s, name, "Temporary-pass-1", password)
    return names


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    for pg in _backend(request.param):
        d = demo_city(tmp_path_factory.mktemp(f"auth-{request.param}"))
        with pytest.MonkeyPatch.context() as mp:  # QINGSHAN_APP_DB is read once, at start-up
            if pg is not None:
                mp.setenv("QINGSHAN_APP_DB", pg)
            url = database.app_url(d)
            names = _accounts(d, url)
            web = WebCity.start(City.open(d))
        assert web.auth.required and web.auth.url == url
        yield Served(d, url, web, names)


def _client(served: Served, **kw: Any) -> TestClient:
    return with_csrf(TestClient(create_app(served.web), follow_redirects=False, **kw))


def _signed_in(served: Served, name: str, **kw: Any) -> TestClient:
    """A browser signed in as ``name`` (its header carries the session's CSRF token)."""
    c = _client(served, **kw)
    r = c.post("/login", data={"username": name, "password": USERS[name][3], "next": "/"})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    return with_csrf(c)


def _events(url: str, action: str, entity: str) -> list[AuditEvent]:
    with database.session(url) as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity == entity)
                              .order_by(AuditEvent.id)).scalars())


def _who(page: str) -> str:
    m = re.search(r'<span id="who-user">([^<]*)</span>', page)
    assert m is not None, page[:500]
    return m.group(1)


def _form_csrf(page: str) -> list[str]:
    return re.findall(r'name="csrf_token" value="([^"]*)"', page)


# --- whether the city asks for sign-in ---------------------------------------------------------

def test_sign_in_is_required_when_the_city_has_accounts(served: Served) -> None:
    c = _client(served)
    page = c.get("/map?lang=en&colour=grade")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fmap%3Flang%3Den%26colour%3Dgrade&lang=en"
    api = c.get("/api/overview")
    assert api.status_code == 401 and api.json()["detail"] == "请先登录 / sign-in required"
    assert c.get("/openapi.json").status_code == 401
    assert c.post("/api/import/accept", data={"token": "x"}).status_code == 401
    assert c.get("/static/qingshan.js").status_code == 200  # open: the login page needs it
    login = c.get("/login?lang=en")
    assert login.status_code == 200 and 'name="password"' in login.text and "Sign in" in login.text
    assert "signin-off" not in login.text
    assert c.get("/api/login").json()["required"] is True


def test_a_city_without_accounts_is_open_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No application database, or one without a user: open as before, with the notice on
    every page; the sign-in pages lead back to the platform."""
    d = demo_city(tmp_path / "c")
    assert SignIn.detect(d) == SignIn() and not (d / database.SQLITE_FILE).exists()  # nothing was made
    database.upgrade(database.app_url(d))
    assert not SignIn.detect(d).required  # migrated, but no account
    monkeypatch.delenv("QINGSHAN_APP_DB", raising=False)
    assert not SignIn.detect(None).required  # neither a data directory nor QINGSHAN_APP_DB


def test_an_unmigrated_application_database_stops_the_server(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    d = demo_city(tmp_path / "c")
    with sqlite3.connect(d / database.SQLITE_FILE) as con:  # a database, but not one of ours
        con.execute("CREATE TABLE x (a INTEGER)")
    with pytest.raises(ConfigError, match="qingshan db upgrade"):
        SignIn.detect(d)
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: pytest.fail("the server started"))
    r = CliRunner().invoke(main, ["--lang", "en", "serve", str(d)])
    assert r.exit_code == 2 and "qingshan db upgrade" in r.output, r.output


# --- signing in --------------------------------------------------------------------------------

def test_the_session_cookie_and_what_the_table_keeps(served: Served) -> None:
    c = _client(served)
    r = c.post("/login", data={"username": "dong", "password": USERS["dong"][3], "next": "/map"})
    assert r.status_code == 303 and r.headers["location"] == "/map"
    (session,) = [h for h in r.headers.get_list("set-cookie") if h.startswith(auth.SESSION_COOKIE + "=")]
    token = session.split(";")[0].split("=", 1)[1]
    flags = {f.strip().lower() for f in session.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= flags and "secure" not in flags  # plain http
    with database.session(served.url) as s:
        row = s.execute(select(WebSession).where(WebSession.token_hash == auth.token_hash(token))).scalar_one()
        assert token not in (row.token_hash, row.csrf)  # only its hash is kept
        hours = (row.expires_at - row.created_at).total_seconds() / 3600
        assert 0 < hours <= auth.SESSION_HOURS
    page = c.get("/map")
    assert page.status_code == 200 and _who(page.text) == "用户dong"
    assert served.names["dong"] in page.text and "查看人员" in page.text  # organisation and role
    assert [e.actor for e in _events(served.url, "login", "dong")][-1] == "dong"
    # over https the cookie is Secure
    secure = TestClient(create_app(served.web), base_url="https://testserver", follow_redirects=False)
    with_csrf(secure)
    r = secure.post("/login", data={"username": "dong", "password": USERS["dong"][3]})
    assert r.status_code == 303
    assert all("Secure" in h for h in r.headers.get_list("set-cookie"))


def test_a_wrong_password_is_refused_and_audited(served: Served) -> None:
    c = _client(served)
    before = len(_events(served.url, "login.failed", "wrong"))
    page = c.post("/login?lang=en", data={"username": "wrong", "password": "not it", "next": "/"})
    assert page.status_code == 200 and users.SIGN_IN_FAILED[1] in page.text and 'id="login-failed"' in page.text
    assert auth.SESSION_COOKIE not in c.cookies
    api = c.post("/api/login", json={"username": "wrong", "password": "not it either"})
    assert api.status_code == 401 and api.json()["detail"] == " / ".join(users.SIGN_IN_FAILED)
    failed = _events(served.url, "login.failed", "wrong")
    assert len(failed) == before + 2 and failed[-1].reason == "wrong password"
    # an unknown user gets the same answer, and is audited too
    assert c.post("/api/login", json={"username": "nobody", "password": "x"}).status_code == 401
    assert _events(served.url, "login.failed", "nobody")
    ok = c.post("/api/login", json={"username": "wrong", "password": USERS["wrong"][3]})
    assert ok.status_code == 200 and ok.json()["user"]["username"] == "wrong" and ok.json()["csrf_token"]


def test_five_wrong_passwords_lock_the_account(served: Served) -> None:
    c = _client(served)
    for _ in range(users.MAX_FAILURES):
        assert c.post("/api/login", json={"username": "locky", "password": "guess"}).status_code == 401
    right = c.post("/login", data={"username": "locky", "password": USERS["locky"][3]})
    assert 'id="login-failed"' in right.text and auth.SESSION_COOKIE not in c.cookies  # locked, though right
    assert c.post("/api/login", json={"username": "locky", "password": USERS["locky"][3]}).status_code == 401
    assert _events(served.url, "login.failed", "locky")[-1].reason == "locked"


def test_a_first_password_must_be_changed_before_anything_else(served: Served) -> None:
    c = _client(served)
    r = c.post("/login?lang=en", data={"username": "fresh", "password": USERS["fresh"][3], "next": "/targets"})
    assert r.status_code == 303 and r.headers["location"] == "/password?next=%2Ftargets&lang=en"
    with_csrf(c)
    for path in ("/", "/targets", "/import"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/password?next="), path
    assert c.get("/api/overview").status_code == 403
    form = c.get("/password?next=/targets")
    assert form.status_code == 200 and 'id="must-change"' in form.text and 'href="/map"' not in form.text
    weak = c.post("/password", data={"old": USERS["fresh"][3], "new": "short", "again": "short", "next": "/targets"})
    assert weak.status_code == 400 and "至少 12 个字符" in weak.text
    new = "Changed-pass-2026"
    r = c.post("/password", data={"old": USERS["fresh"][3], "new": new, "again": new, "next": "/targets"})
    assert r.status_code == 303 and r.headers["location"] == "/targets"
    assert c.get("/targets").status_code == 200
    assert _events(served.url, "user.change_password", "fresh")


def test_next_never_leads_to_another_site(served: Served) -> None:
    assert auth.local_path("/map?lang=en") == "/map?lang=en"
    for bad in ("//evil.example/x", "https://evil.example", "/\\evil.example", "evil.example", "/x\r\nLocation: y",
                "javascript:alert(1)", "", None):
        assert auth.local_path(bad) == "/", bad
    c = _client(served)
    assert c.get("/login", params={"next": "//evil.example/"}).status_code == 422  # refused, as any bad parameter
    r = c.post("/login", data={"username": "dong", "password": USERS["dong"][3], "next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/"  # a form's field: the platform instead


def test_logout_ends_the_session(served: Served) -> None:
    c = _signed_in(served, "leaver")
    token = c.cookies[auth.SESSION_COOKIE]
    page = c.get("/")
    (logout_token,) = [t for t in _form_csrf(page.text)]  # the header's logout form
    assert logout_token == c.headers["X-CSRF-Token"]
    r = c.post("/logout", data={"csrf_token": logout_token})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert any(h.startswith(f"{auth.SESSION_COOKIE}=;") and "Max-Age=0" in h for h in r.headers.get_list("set-cookie"))
    with database.session(served.url) as s:
        assert s.execute(select(WebSession).where(WebSession.token_hash == auth.token_hash(token))).first() is None
    assert _events(served.url, "logout", "leaver")[-1].actor == "leaver"
    again = _client(served)
    again.cookies.set(auth.SESSION_COOKIE, token)  # the old cookie, replayed
    assert again.get("/").status_code == 303 and again.get("/api/overview").status_code == 401


def test_an_ended_session_is_refused(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    # the session is ended behind the server's back (as `qingshan user disable` would do from
    # another process): with nothing kept in memory it is refused at once
    monkeypatch.setattr(auth, "LOOKUP_SECONDS", 0.0)
    c = _signed_in(served, "dong")
    token = c.cookies[auth.SESSION_COOKIE]
    with database.session(served.url) as s:
        row = s.execute(select(WebSession).where(WebSession.token_hash == auth.token_hash(token))).scalar_one()
        row.expires_at = row.created_at
    r = c.get("/")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert auth.lookup(served.url, token) is None


# --- protection of every change ----------------------------------------------------------------

SCREEN = (Path(__file__).parents[1] / "src" / "qingshan" / "screening" / "demo_projects"
          / "aluminium_expansion.yaml").read_text("utf-8")


def test_a_change_needs_the_session_s_csrf_token(served: Served) -> None:
    c = _signed_in(served, "dong")
    token = c.headers.pop("X-CSRF-Token")
    assert c.post("/screen", data={"project": SCREEN}).status_code == 403  # no token
    r = c.post("/screen", data={"project": SCREEN, "csrf_token": "x" * 43})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    cookie = c.cookies[protect.CSRF_COOKIE]  # the browser's cookie is not the session's token
    assert c.post("/screen", data={"project": SCREEN, "csrf_token": cookie}).status_code == 403
    ok = c.post("/screen", data={"project": SCREEN, "csrf_token": token})
    assert ok.status_code == 200 and "R-EFFICIENCY" in ok.text
    assert c.post("/api/screen", content=SCREEN.encode(), headers={"content-type": "text/plain",
                                                                  "X-CSRF-Token": token}).status_code == 200
    assert c.post("/api/screen", content=SCREEN.encode(), headers={"content-type": "text/plain"}).status_code == 403


def test_a_change_from_another_origin_is_refused(served: Served) -> None:
    c = _signed_in(served, "dong")
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "http://testserver:8001"}, {"Origin": "null"},
                    {"Referer": "http://evil.example/page"}):
        r = c.post("/screen", data={"project": SCREEN}, headers=headers)  # a valid session and token
        assert r.status_code == 403 and "another site" in r.json()["detail"], headers
    assert c.post("/screen", data={"project": SCREEN}, headers={"Origin": "http://testserver"}).status_code == 200
    assert c.post("/screen", data={"project": SCREEN},
                  headers={"Referer": "http://testserver/screen"}).status_code == 200


def test_a_host_that_is_not_ours_gets_400(served: Served) -> None:
    c = _signed_in(served, "dong")
    r = c.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400 and "QINGSHAN_ALLOWED_HOSTS" in r.json()["detail"]
    assert c.get("/api/overview", headers={"Host": "evil.example:8000"}).status_code == 400
    assert c.get("/api/overview", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert c.get("/api/overview", headers={"Host": "localhost"}).status_code == 200


def test_security_headers_on_every_answer(served: Served) -> None:
    c = _signed_in(served, "dong")
    answers = [c.get("/"), c.get("/api/overview"), c.get("/static/app.css"), c.get("/", headers={"Host": "x.y"}),
               _client(served).get("/api/targets"), _client(served).get("/login")]
    for r in answers:
        csp = r.headers["content-security-policy"]
        assert all(p in csp for p in CSP_PARTS) and "unsafe-inline" not in csp, r.url
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "same-origin"
    page = c.get("/map").text
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", page)  # no inline script
    assert not re.search(r"\son[a-z]+=|style=", page)  # no inline handlers or styles


def test_the_cache_never_shows_one_user_s_page_to_another(served: Served) -> None:
    """Two users of different districts, then two of the same district and roles (whose
    pages the cache may share): each sees the page with its own name and CSRF token."""
    east, west, east2 = (_signed_in(served, n) for n in ("dong", "xi", "dong2"))
    for url in ("/", "/enterprises?lang=en", "/screen"):
        a, b, a2 = (x.get(url) for x in (east, west, east2))
        assert (a.status_code, b.status_code, a2.status_code) == (200, 200, 200)
        assert (_who(a.text), _who(b.text), _who(a2.text)) == ("用户dong", "用户xi", "用户dong2"), url
        assert served.names["xi"] in b.text and served.names["xi"] not in a.text.split("</header>")[0]
        for page, c in ((a, east), (b, west), (a2, east2)):
            assert set(_form_csrf(page.text)) == {c.headers["X-CSRF-Token"]}, url
    anonymous = _client(served).get("/")
    assert anonymous.status_code == 303  # never a kept page
    assert "private" in east.get("/").headers["cache-control"]  # and no shared cache keeps it


def test_the_accept_token_belongs_to_the_session_that_uploaded(served: Served, tmp_path: Path) -> None:
    """Last in this module: the accepted upload replaces the city's data."""
    xi, dong = _signed_in(served, "xi"), _signed_in(served, "dong")
    wb = upload_workbook(tmp_path / "good.xlsx", break_it=False).read_bytes()
    report = xi.post("/api/import", files={"file": ("good.xlsx", wb)}).json()
    assert report["ok"] and re.fullmatch(r"[A-Za-z0-9_-]{43}", report["token"])
    assert not list((served.dir / "uploads").glob(f"{report['token']}*"))  # the folder does not name it
    xi2 = _signed_in(served, "xi2")  # the same bureau and role, another session
    assert xi2.post("/api/import/accept", data={"token": report["token"]}).status_code == 404
    page = xi2.post("/import/accept", data={"token": report["token"], "csrf_token": xi2.headers["X-CSRF-Token"]})
    assert page.status_code == 404
    assert dong.post("/api/import/accept", data={"token": report["token"]}).status_code == 403  # a viewer
    started = xi.post("/api/import/accept", data={"token": report["token"]})
    assert started.status_code == 202
    deadline = time.monotonic() + 120
    while not (job := xi.get(started.json()["url"]).json())["finished"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert job["state"] == "done"
    from qingshan.city import history

    latest = history.versions(served.dir)[-1]
    assert latest.meta["user"] == "xi"  # who accepted it is recorded, in the history and the audit trail
    accepted_by = _events(served.url, "package.accept", f"history/{latest.number:04d}")
    assert [(e.actor, e.role) for e in accepted_by] == [("xi", "analyst")]
    assert [e.actor for e in _events(served.url, "package.upload", "good.xlsx")][-1:] == ["xi"]


# --- without accounts --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def open_city(tmp_path_factory: pytest.TempPathFactory) -> WebCity:
    web = WebCity.start(City.open(demo_city(tmp_path_factory.mktemp("open"))))
    assert not web.auth.required
    return web


def test_an_open_city_still_protects_every_change(open_city: WebCity, tmp_path: Path) -> None:
    """Without accounts: the notice on every page; the double-submit cookie (its flags) and
    its token on every change; Origin and Host checks; an accept token only for the browser
    that uploaded."""
    a = TestClient(create_app(open_city), follow_redirects=False)
    first = a.get("/screen?lang=en")
    assert 'id="signin-off"' in first.text and "Sign-in is off" in first.text
    (cookie,) = [h for h in first.headers.get_list("set-cookie") if h.startswith(protect.CSRF_COOKIE + "=")]
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= {f.strip() for f in cookie.split(";")[1:]}
    token = a.cookies[protect.CSRF_COOKIE]
    assert _form_csrf(first.text) == [token]
    assert a.post("/screen", data={"project": SCREEN}).status_code == 403
    assert a.post("/screen", data={"project": SCREEN, "csrf_token": token}).status_code == 200
    assert a.post("/screen", data={"project": SCREEN, "csrf_token": token},
                  headers={"Origin": "http://evil.example"}).status_code == 403
    assert a.get("/", headers={"Host": "evil.example"}).status_code == 400
    b = TestClient(create_app(open_city), follow_redirects=False)  # another browser
    assert _form_csrf(b.get("/screen?lang=en").text) == [b.cookies[protect.CSRF_COOKIE]] != [token]  # not a's
    assert b.get("/login").status_code == 303 and b.get("/password").status_code == 303  # nothing to sign in to
    a.headers["X-CSRF-Token"] = token
    with_csrf(b)
    bad = upload_workbook(tmp_path / "bad.xlsx", break_it=True).read_bytes()
    assert a.post("/api/import", files={"file": ("bad.xlsx", bad)}).json()["token"] is None
    good = a.post("/api/import", files={"file": ("good.xlsx", upload_workbook(
        tmp_path / "good.xlsx", break_it=False).read_bytes())}).json()
    assert b.post("/api/import/accept", data={"token": good["token"]}).status_code == 404
    assert a.post("/api/import/accept", data={"token": "x" * 43}).status_code == 404
    assert accepted(a, good["token"])["state"] == "done"


def test_hosts_and_origins() -> None:
    hosts = protect.Hosts.of("10.0.0.5", "qingshan.example.gov.cn, proxy.local:8443")
    for ok in ("127.0.0.1:8000", "localhost", "[::1]:8000", "10.0.0.5:8000", "QINGSHAN.example.gov.cn",
               "proxy.local:8443"):
        assert hosts.allows(ok), ok
    for bad in ("evil.example", "127.0.0.2", "proxy.local:8444", "", None, "10.0.0.5.evil.example"):
        assert not hosts.allows(bad), bad
    assert not protect.Hosts.of("0.0.0.0", "").allows("0.0.0.0")

    def same(origin: dict[str, str], scheme: str = "http", https: bool = False) -> bool:
        return protect.same_origin(Headers({"host": "qs.example:8000", **origin}), {"scheme": scheme}, https)

    assert same({}) and same({"origin": "http://qs.example:8000"}) and same({"referer": "http://qs.example:8000/x"})
    assert not same({"origin": "http://qs.example:8001"}) and not same({"origin": "null"})
    assert not same({"origin": "https://qs.example:8000"})  # another scheme is another origin ...
    assert same({"origin": "https://qs.example:8000"}, https=True)  # ... unless behind a TLS proxy
    assert protect.same_origin(Headers({"host": "qs.example", "origin": "https://qs.example:443"}),
                               {"scheme": "https"}, False)


def test_a_session_is_kept_in_memory_for_a_few_seconds_only(served: Served) -> None:
    """Within LOOKUP_SECONDS a session is answered from memory (an out-of-band end is seen
    after them); its own end in time is honoured at once; logout drops it at once."""
    c = _signed_in(served, "dong")
    token = c.cookies[auth.SESSION_COOKIE]
    assert c.get("/api/overview").status_code == 200
    with database.session(served.url) as s:
        s.execute(delete(WebSession).where(WebSession.token_hash == auth.token_hash(token)))
    assert c.get("/api/overview").status_code == 200  # kept: the database was not asked
    key = next(k for k in auth._looked_up if k[1] == auth.token_hash(token))
    signed, ends, _ = auth._looked_up[key]
    auth._looked_up[key] = (signed, ends, time.monotonic() - 0.1)  # LOOKUP_SECONDS have passed
    assert c.get("/api/overview").status_code == 401  # read again: the session is gone
    d = _signed_in(served, "dong")
    token = d.cookies[auth.SESSION_COOKIE]
    assert d.get("/api/overview").status_code == 200
    key = next(k for k in auth._looked_up if k[1] == auth.token_hash(token))
    signed, _, until = auth._looked_up[key]
    auth._looked_up[key] = (signed, auth._now() - dt.timedelta(seconds=1), until)  # its end has passed
    with database.session(served.url) as s:
        s.execute(update(WebSession).where(WebSession.token_hash == auth.token_hash(token))
                  .values(expires_at=auth._now() - dt.timedelta(seconds=1)))
    assert d.get("/api/overview").status_code == 401


def test_the_first_account_closes_a_running_server_without_a_restart(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A server started open (migrated, no account) asks for sign-in once `qingshan user add`
    has made the first account, within RECHECK_SECONDS, and stays so."""
    monkeypatch.setattr(auth, "RECHECK_SECONDS", 0.0)
    d = demo_city(tmp_path / "c")
    url = database.app_url(d)
    database.upgrade(url)
    web = WebCity.start(City.open(d))
    assert not web.auth.required
    c = TestClient(create_app(web), follow_redirects=False)
    assert c.get("/api/overview").status_code == 200  # open
    with City.open(d) as city, database.session(url) as s:
        organisations.sync(s, city.units(), audit.Actor("cli:test"))
        users.add_user(s, audit.Actor("cli:test"), "first", "459900", ["administrator"],
                       password="Temporary-pass-1")
    assert c.get("/api/overview").status_code == 401  # closed, no restart
    assert c.get("/").status_code == 303 and web.auth.required
