"""Signing in to the web platform: whether the served city asks for it, server-side
sessions, and the pages ``/login``, ``/logout`` and ``/password`` with their JSON twins.

**Only a city with accounts asks for sign-in.** At start-up (:meth:`SignIn.detect`) the
served city's application database (:func:`qingshan.app.database.app_url`) is looked at
once: if it exists, is migrated and holds at least one user, every page and endpoint but
the login and the static files needs a session; if it exists but is not at the code's
revision, the server refuses to start (the :class:`~qingshan.errors.ConfigError` says to
run ``qingshan db upgrade``); otherwise (no database, or no user in it) the platform is
open as before, and every page says that sign-in is off.

**Sessions are server-side.** Signing in makes a random token (``secrets.token_urlsafe(32)``)
that only the browser keeps, in the cookie :data:`SESSION_COOKIE` (HttpOnly,
SameSite=Strict, Path=/, Secure over https); the ``sessions`` table keeps its SHA-256, the
user, the organisation the user acts for, a CSRF token of the session's own and the times.
A session ends at logout (its row is deleted, in the same transaction as the audit event),
:data:`IDLE_MINUTES` after its last request, :data:`SESSION_HOURS` after sign-in, or when
its user is disabled. Sign-in, its failures, throttling and password changes are those of
:mod:`qingshan.app.users`, which writes their audit events.

The checks every request passes (Host, Origin, CSRF, sign-in required, the response
cache's scope) are in :mod:`qingshan.web.protect`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from qingshan.app import audit, database, users
from qingshan.app.models import Membership, Organisation, User, WebSession
from qingshan.app.passwords import MIN_CLASSES, MIN_LENGTH
from qingshan.app.permissions import roles as known_roles
from qingshan.errors import ConfigError
from qingshan.i18n import halves
from qingshan.settings import flag

#: The cookie that holds a signed-in browser's session token.
SESSION_COOKIE = "qingshan_session"
#: A session ends this many hours after sign-in, whatever is done with it: one working day.
#: GB/T 22239-2019 8.1.4.1 a) asks that sessions end ("结束会话") without naming figures;
#: this one is the project's.
SESSION_HOURS = 8
#: ... and this many minutes after its last request (8.1.4.1 a): "当网络登录连接超时自动退出").
IDLE_MINUTES = 30
#: A session's idle deadline is written again only when it would move by more than this, so
#: that a busy browser does not write the application database on every request.
REFRESH_SECONDS = 60
#: Seconds a looked-up session is kept in this process, so that the requests of a busy
#: browser do not each read the application database (the signed-in web benchmark: the
#: lookup was 9 of every 10 ms of server CPU). Logout, a password change, and an
#: administrator's disabling or reset on the web drop it at once; the same done by
#: `qingshan user` (another process) takes effect within this many seconds.
LOOKUP_SECONDS = 5.0
#: at most this many looked-up sessions are kept (then all are forgotten and read again)
LOOKUP_MAX = 10_000
#: What ``secrets.token_urlsafe(32)`` makes: anything else in a cookie is not ours.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
#: Answers that carry a session's or a browser's own values: kept by no cache.
NO_STORE = {"Cache-Control": "no-store"}
#: The message of every refused request for want of a session.
SIGN_IN_NEEDED = ("请先登录", "sign-in required")
MUST_CHANGE = ("请先修改初始密码", "change your first password before anything else")
OFF = ("未启用登录：该城市没有账户", "sign-in is off: this city has no accounts")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    """A time read back from the database as UTC (SQLite returns it without its zone)."""
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def token_hash(token: str) -> str:
    """What the ``sessions`` table keeps of a session token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def secure_request(scope: Any) -> bool:
    """Whether cookies set in answer to this request are Secure: it came over https (uvicorn
    takes the scheme from a reverse proxy on loopback's ``X-Forwarded-Proto``), or the
    setting ``QINGSHAN_HTTPS`` says the platform is reached over https."""
    return bool(scope.get("scheme") == "https" or flag("https"))


def cookie(name: str, value: str, *, secure: bool, clear: bool = False) -> str:
    """A ``Set-Cookie`` value: HttpOnly, SameSite=Strict, Path=/, Secure over https; a
    session cookie (gone when the browser closes), or an order to forget it (``clear``)."""
    out = f"{name}={'' if clear else value}; HttpOnly; SameSite=Strict; Path=/"
    if clear:
        out += "; Max-Age=0"
    return out + ("; Secure" if secure else "")


# --- whether the city asks for sign-in ---------------------------------------------------

#: Seconds between two looks at the application database while sign-in is off
RECHECK_SECONDS = 5.0


@dataclass
class SignIn:
    """Whether the served city asks for sign-in: ``url`` is its application database when
    it does, None when the platform is open (no database, or no account in it). While it is
    open, :meth:`look_again` looks at the data directory's database again now and then, so
    the first account made with `qingshan user add` closes a running server to anonymous
    callers within :data:`RECHECK_SECONDS`, without a restart; once on, sign-in stays on."""

    url: str | None = None
    data_dir: Path | None = field(default=None, compare=False)
    _next_look: float = field(default=0.0, compare=False, repr=False)

    @property
    def required(self) -> bool:
        return self.url is not None

    def due(self) -> bool:
        """Whether :meth:`look_again` would look now."""
        return self.url is None and self.data_dir is not None and time.monotonic() >= self._next_look

    def look_again(self) -> None:
        """Look at the application database again (at most every :data:`RECHECK_SECONDS`);
        sign-in is required from now on if it holds an account. A database that cannot be
        read, or is being migrated, is looked at again later."""
        if not self.due():
            return
        self._next_look = time.monotonic() + RECHECK_SECONDS
        try:
            found = SignIn.detect(self.data_dir)
        except ConfigError:
            return
        if found.url is not None:
            self.url = found.url

    @classmethod
    def detect(cls, data_dir: Path | None) -> SignIn:
        """Look at the application database of ``data_dir`` (start-up): sign-in is required
        when it exists, is migrated and holds a user. Raises :class:`ConfigError` for one
        that exists but is not at the code's revision (or cannot be reached), so the server
        does not start."""
        url = database.existing_url(data_dir)
        if url is None:
            return cls(data_dir=data_dir)
        # a server database named by QINGSHAN_APP_DB was meant to be used: it must be migrated
        try:
            database.check_current(url)
            with database.session(url, read_only=True) as s:
                n = s.execute(select(func.count()).select_from(User)).scalar_one()
        except SQLAlchemyError as exc:
            shown = make_url(url).render_as_string(hide_password=True)
            raise ConfigError(f"无法读取应用数据库 {shown}：{exc.__class__.__name__} / "
                              f"cannot read the application database {shown}: {exc}") from exc
        return cls(url, data_dir) if n else cls(data_dir=data_dir)


# --- sessions ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Signed:
    """A request's session: who, acting for which organisation in which roles."""

    session_id: int
    token_hash: str
    csrf: str
    user_id: int
    username: str
    display_name: str
    must_change: bool
    organisation_id: int
    organisation: str  # its code
    organisation_name: str
    roles: tuple[str, ...]
    #: the organisation's place in the city tree (``/city/district/park/enterprise``)
    organisation_path: str = ""

    @property
    def whole_city(self) -> bool:
        """Whether the organisation sees the whole city (the city, a bureau, a department)."""
        return self.organisation_path.strip("/").count("/") == 0

    @property
    def actor(self) -> audit.Actor:
        return audit.Actor(self.username, self.organisation, ",".join(self.roles))

    @property
    def cache_scope(self) -> str:
        """What the response cache keys on for this session: the organisation and the roles
        (users acting for the same organisation in the same roles may see the same answers;
        the page header's user is written in after the cache, :mod:`qingshan.web.protect`)."""
        return f"{self.organisation_id}:{'+'.join(self.roles)}"

    def describe(self) -> dict[str, Any]:
        table = known_roles()
        return {"username": self.username, "display_name": self.display_name,
                "organisation": {"code": self.organisation, "name": self.organisation_name},
                "roles": [{"role": r, "zh": table[r].zh if r in table else r, "en": table[r].en if r in table else r}
                          for r in self.roles],
                "must_change": self.must_change,
                # whether the header links the users' page (web/admin.py): a role with manage_users
                "manage_users": any("manage_users" in table[r].actions for r in self.roles if r in table)}


def _signed(ws: WebSession, user: User, org: Organisation, role_names: list[str]) -> Signed:
    return Signed(ws.id, ws.token_hash, ws.csrf, user.id, user.username, user.display_name or user.username,
                  user.must_change, org.id, org.code, org.name, tuple(sorted(role_names)), org.path)


def _expiry(created: dt.datetime, now: dt.datetime) -> dt.datetime:
    return min(created + dt.timedelta(hours=SESSION_HOURS), now + dt.timedelta(minutes=IDLE_MINUTES))


def open_session(url: str, username: str, password: str) -> tuple[str, Signed] | None:
    """Sign ``username`` in (:func:`qingshan.app.users.sign_in`, which audits and throttles)
    and start a session: its token (for the cookie) and what it is. None for a refused
    sign-in, whose failure is committed all the same."""
    now = _now()
    with database.session(url) as s:
        user = users.sign_in(s, username, password)
        if user is None:
            return None
        first = s.execute(select(Membership).where(Membership.user_id == user.id)
                          .order_by(Membership.id)).scalars().first()
        if first is None:  # an account that acts for nobody cannot use the platform
            audit.record(s, audit.Actor(username), "login.refused", username, reason="no organisation")
            return None
        org = s.get(Organisation, first.organisation_id)
        assert org is not None  # a foreign key
        role_names = list(s.execute(select(Membership.role).where(
            Membership.user_id == user.id, Membership.organisation_id == org.id)).scalars())
        s.execute(delete(WebSession).where(WebSession.expires_at < now))  # forget ended sessions
        token = secrets.token_urlsafe(32)
        ws = WebSession(token_hash=token_hash(token), user_id=user.id, organisation_id=org.id,
                        csrf=secrets.token_urlsafe(32), created_at=now, expires_at=_expiry(now, now))
        s.add(ws)
        s.flush()
        return token, _signed(ws, user, org, role_names)


_looked_up: dict[tuple[str, str], tuple[Signed, dt.datetime, float]] = {}
_looked_up_lock = threading.Lock()


def forget_sessions(user_id: int | None = None) -> None:
    """Drop the sessions of ``user_id`` (of everyone: None) kept by :func:`lookup`."""
    with _looked_up_lock:
        for key in [k for k, (signed, _, _) in _looked_up.items() if user_id is None or signed.user_id == user_id]:
            del _looked_up[key]


def lookup(url: str, token: str) -> Signed | None:
    """The live session of ``token``, or None (unknown, ended, or its user disabled). An
    ended session's row is deleted; a live one's idle deadline moves on. A session read
    within :data:`LOOKUP_SECONDS` is answered from memory (while it has not expired)."""
    if not TOKEN.fullmatch(token):
        return None
    key = (url, token_hash(token))
    kept = _looked_up.get(key)
    if kept is not None and kept[2] > time.monotonic() and kept[1] > _now():
        return kept[0]
    found = _lookup(url, token)
    with _looked_up_lock:
        if found is None:
            _looked_up.pop(key, None)
        else:
            if len(_looked_up) >= LOOKUP_MAX:
                _looked_up.clear()
            _looked_up[key] = (*found, time.monotonic() + LOOKUP_SECONDS)
    return found[0] if found is not None else None


def _lookup(url: str, token: str) -> tuple[Signed, dt.datetime] | None:
    """:func:`lookup` in the database: the session and when it ends."""
    now = _now()
    with database.session(url, read_only=True) as s:  # every request: it never waits for a writer
        row = s.execute(select(WebSession, User, Organisation)
                        .join(User, User.id == WebSession.user_id)
                        .join(Organisation, Organisation.id == WebSession.organisation_id)
                        .where(WebSession.token_hash == token_hash(token))).one_or_none()
        if row is None:
            return None
        ws, user, org = row
        ended = _aware(ws.expires_at) <= now or user.disabled
        later = _expiry(_aware(ws.created_at), now)
        refresh = not ended and (later - _aware(ws.expires_at)).total_seconds() > REFRESH_SECONDS
        role_names = [] if ended else list(s.execute(select(Membership.role).where(
            Membership.user_id == user.id, Membership.organisation_id == org.id)).scalars())
        signed = None if ended else _signed(ws, user, org, role_names)
        ends = later if refresh else _aware(ws.expires_at)
    if ended or refresh:  # now and then: a short write of its own
        with database.session(url) as s:
            if ended:
                s.execute(delete(WebSession).where(WebSession.id == ws.id))
            else:
                s.execute(update(WebSession).where(WebSession.id == ws.id).values(expires_at=later))
    return None if signed is None else (signed, ends)


def close_session(url: str, signed: Signed) -> None:
    """Logout: the session's row is deleted and a ``logout`` event appended, together."""
    with database.session(url) as s:
        s.execute(delete(WebSession).where(WebSession.id == signed.session_id))
        audit.record(s, signed.actor, "logout", signed.username)
    forget_sessions(signed.user_id)


def change_password(url: str, signed: Signed, old: str, new: str) -> None:
    """:func:`qingshan.app.users.change_password` (it audits); the user's other sessions end.
    Raises :class:`qingshan.app.users.AccountError` with the reason."""
    with database.session(url) as s:
        users.change_password(s, signed.username, old, new)
        s.execute(delete(WebSession).where(WebSession.user_id == signed.user_id,
                                           WebSession.id != signed.session_id))
    forget_sessions(signed.user_id)


# --- where to go next --------------------------------------------------------------------

def local_path(value: str | None, default: str = "/") -> str:
    """``value`` if it is a path on this server (``/…``), else ``default``: never another
    site (``//evil.example``, ``https://…``, ``/\\evil.example``), so ``?next=`` cannot send a
    user away (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if "\\" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return default
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else default


#: the longest ``next`` a sign-in page takes
NEXT_MAX = 2000


def checked_next(value: str) -> str:
    """A page's ``?next=``: a path on this server of at most :data:`NEXT_MAX` characters,
    else 422 (as every GET parameter is checked; the links the platform makes always are)."""
    if len(value) > NEXT_MAX or local_path(value, "") != value:
        raise HTTPException(422, f"参数 next 应为本站的路径（以 / 开头），收到 {value[:40]!r} / "
                                 f"next must be a path on this server (starting with /); got {value[:40]!r}")
    return value


def _next(page: str, next_path: str, english: bool) -> str:
    where = local_path(next_path)
    if len(where) > NEXT_MAX:
        where = "/"
    return f"{page}?next={quote(where, safe='')}" + ("&lang=en" if english else "")


def login_url(next_path: str, english: bool) -> str:
    """The login page that comes back to ``next_path`` afterwards."""
    return _next("/login", next_path, english)


def password_url(next_path: str, english: bool) -> str:
    """The password page that goes on to ``next_path`` afterwards."""
    return _next("/password", next_path, english)


# --- pages and endpoints -----------------------------------------------------------------

#: the longest user name (the column's) and password a sign-in takes
NAME_MAX, PASSWORD_MAX = 64, 1024


class Credentials(BaseModel):
    username: str = Field(max_length=NAME_MAX)
    password: str = Field(max_length=PASSWORD_MAX)


class NewPassword(BaseModel):
    old: str = Field(max_length=PASSWORD_MAX)
    new: str = Field(max_length=PASSWORD_MAX)


Page = Callable[..., HTMLResponse]


def _refused(pair: tuple[str, str], status: int) -> HTTPException:
    return HTTPException(status, f"{pair[0]} / {pair[1]}")


def install(app: FastAPI, sign_in: SignIn, page: Page) -> None:
    """Add the sign-in pages and endpoints to ``app``; ``page(request, name, doc)`` renders a
    template as every page of the platform is rendered."""

    def signed_of(request: Request) -> Signed | None:
        found: Signed | None = getattr(request.state, "signed", None)
        return found

    def english(request: Request) -> bool:
        return request.query_params.get("lang") == "en"

    def with_session(response: Response, request: Request, token: str) -> Response:
        response.headers.append("set-cookie", cookie(SESSION_COOKIE, token, secure=secure_request(request.scope)))
        return response

    def sign_out(request: Request) -> None:
        signed = signed_of(request)
        if signed is not None and sign_in.url is not None:
            close_session(sign_in.url, signed)

    def cleared(response: Response, request: Request) -> Response:
        response.headers.append("set-cookie", cookie(SESSION_COOKIE, "", secure=secure_request(request.scope),
                                                     clear=True))
        return response

    def after_sign_in(request: Request, signed: Signed, next_path: str) -> str:
        where = local_path(next_path)
        return password_url(where, english(request)) if signed.must_change else where

    def login_page(request: Request, next_path: str, failed: bool = False, username: str = "") -> HTMLResponse:
        answer = page(request, "login", {"next": local_path(next_path), "failed": failed, "username": username,
                                         "message": users.SIGN_IN_FAILED})
        answer.headers.update(NO_STORE)
        return answer

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:
        answer = login_page(request, checked_next(next))  # (checks ?lang= as every page does)
        if not sign_in.required or signed_of(request) is not None:  # nothing to sign in to
            return RedirectResponse(local_path(next) if sign_in.required else
                                    "/" + ("?lang=en" if english(request) else ""), status_code=303)
        return answer

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    def login(request: Request, username: str = Form("", max_length=NAME_MAX),
              password: str = Form("", max_length=PASSWORD_MAX), next: str = Form("/")) -> Response:
        if sign_in.url is None:
            return RedirectResponse("/", status_code=303)
        sign_out(request)  # a browser signing in again: its old session ends (a new token, never the old one)
        opened = open_session(sign_in.url, username, password)
        if opened is None:  # the failure is committed (audited, counted); the form again says no more
            return login_page(request, next, failed=True, username=username)
        token, signed = opened
        return with_session(RedirectResponse(after_sign_in(request, signed, next), status_code=303), request, token)

    @app.get("/api/login", tags=["sign-in"])
    def api_login_state(request: Request) -> Response:
        """Whether the platform asks for sign-in, who is signed in, and the CSRF token this
        browser or client sends with every change (header ``X-CSRF-Token``)."""
        signed = signed_of(request)
        return JSONResponse({"required": sign_in.required, "user": signed.describe() if signed else None,
                             "csrf_token": request.state.csrf}, headers=NO_STORE)

    @app.post("/api/login", tags=["sign-in"])
    def api_login(request: Request, body: Credentials) -> Response:
        """Sign in (JSON ``{"username", "password"}``): the session cookie is set and the
        answer gives the user and the session's CSRF token; 401 when refused (wrong name or
        password, account disabled or locked for a while after five failures)."""
        if sign_in.url is None:
            raise _refused(OFF, 404)
        sign_out(request)
        opened = open_session(sign_in.url, body.username, body.password)
        if opened is None:
            raise _refused(users.SIGN_IN_FAILED, 401)
        token, signed = opened
        answer = JSONResponse({"user": signed.describe(), "csrf_token": signed.csrf}, headers=NO_STORE)
        return with_session(answer, request, token)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        sign_out(request)
        where = login_url("/", english(request)) if sign_in.required else "/"
        return cleared(RedirectResponse(where, status_code=303), request)

    @app.post("/api/logout", tags=["sign-in"])
    def api_logout(request: Request) -> Response:
        """End this session (its cookie is cleared)."""
        sign_out(request)
        return cleared(JSONResponse({"ok": True}, headers=NO_STORE), request)

    def password_page(request: Request, next_path: str, message: str | None = None, status: int = 200
                      ) -> HTMLResponse:
        signed = signed_of(request)
        answer = page(request, "password", {"next": local_path(next_path), "message": message,
                                            "must_change": bool(signed and signed.must_change),
                                            "min_length": MIN_LENGTH, "min_classes": MIN_CLASSES})
        answer.status_code = status
        answer.headers.update(NO_STORE)
        return answer

    @app.get("/password", response_class=HTMLResponse, include_in_schema=False)
    def password_form(request: Request, next: str = "/") -> Response:
        answer = password_page(request, checked_next(next))
        if signed_of(request) is None:  # sign-in is off (signed-out users never get here)
            return RedirectResponse("/" + ("?lang=en" if english(request) else ""), status_code=303)
        return answer

    def new_password(request: Request, old: str, new: str) -> None:
        signed = signed_of(request)
        if signed is None or sign_in.url is None:
            raise _refused(OFF, 404)
        try:
            change_password(sign_in.url, signed, old, new)
        except users.AccountError as exc:
            raise HTTPException(400, str(exc)) from exc

    @app.post("/password", response_class=HTMLResponse, include_in_schema=False)
    def password(request: Request, old: str = Form("", max_length=PASSWORD_MAX),
                 new: str = Form("", max_length=PASSWORD_MAX), again: str = Form("", max_length=PASSWORD_MAX),
                 next: str = Form("/")) -> Response:
        if new != again:
            return password_page(request, next, "两次输入的新密码不一致 / the two new passwords differ", 400)
        try:
            new_password(request, old, new)
        except HTTPException as exc:
            if exc.status_code != 400:
                raise
            return password_page(request, next, str(exc.detail), 400)
        return RedirectResponse(local_path(next), status_code=303)

    @app.post("/api/password", tags=["sign-in"])
    def api_password(request: Request, body: NewPassword) -> Response:
        """Change the signed-in user's password (JSON ``{"old", "new"}``); 400 with the rules
        a new password breaks. The user's other sessions end."""
        new_password(request, body.old, body.new)
        return JSONResponse({"ok": True}, headers=NO_STORE)


def one_language(message: str, zh: bool) -> str:
    """The half of a "中文 / English" message in the page's language."""
    a, b = halves(message)
    return a if zh else b
