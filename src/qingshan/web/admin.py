"""The users' page ``/users`` and its JSON twin ``/api/users`` (issue #14, item 2): an
administrator (a role with the action ``manage_users``) lists, adds and disables the users
of its part of the city, and resets their passwords, as ``qingshan user`` does on the
command line (docs/roles.md, "Managing users on the web").

**Scope.** An administrator acts for an organisation; it manages the organisations whose
path lies within its own (:func:`qingshan.app.permissions.in_scope`) and the users who act
only for such organisations. A user who also acts for an organisation outside that part of
the city is not listed, and acting on it, or adding a user to an organisation outside it, is
refused with 403. An administrator never disables itself, nor resets its own password (it
changes it on ``/password``, knowing the current one).

**Every change** is made by :mod:`qingshan.app.users`, which appends its audit event
(``user.add``, ``user.disable``, ``user.reset_password``) with the administrator as the
actor (its user name, organisation and roles), in the same transaction. Disabling a user or
resetting its password ends its sessions. A new account's first password and a reset one
are shown once, in the answer to the request that made them, and must be changed at the next
sign-in; nothing keeps them. No answer of these routes is cached (``Cache-Control:
no-store``).

A city without accounts (sign-in off) has no users to manage: the page says so, and the
changes answer 404.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from qingshan.app import database, users
from qingshan.app.models import Membership, Organisation, User, WebSession
from qingshan.app.permissions import allowed, in_scope
from qingshan.app.permissions import roles as known_roles
from qingshan.web.auth import NAME_MAX, NO_STORE, OFF, Page, Signed, SignIn, forget_sessions

#: A user name made on the web: letters (any script), digits and ``. _ @ -``, so that it can
#: stand in a path (``/users/{username}/disable``).
USERNAME = re.compile(r"[\w.@-]{1,64}")
#: the longest organisation code, display name and reason taken (the columns' lengths; a reason: 1 000)
CODE_MAX, DISPLAY_MAX, REASON_MAX = 64, 200, 1000

NOT_MANAGER = ("您的角色不能管理用户", "your role may not manage users")
USER_OUTSIDE = ("该用户不在您的管理范围内：只能管理本单位及下属单位的用户",
                "this user is outside your part of the city: you manage the users of your organisation and "
                "the units below it only")
ORG_OUTSIDE = ("该组织不在您的管理范围内：只能为本单位及下属单位新增用户",
               "this organisation is outside your part of the city: you add users to your organisation and "
               "the units below it only")
NOT_YOURSELF = ("不能停用自己的账户", "you may not disable your own account")
NOT_OWN_PASSWORD = ("不能重置自己的密码：请在“修改密码”页修改", "you may not reset your own password: change it on "
                    "the password page")
ALREADY_DISABLED = ("该用户已停用", "this user is disabled already")
OFF_NOTE = {"zh": "未启用登录：该城市还没有账户，没有可管理的用户（在命令行用 qingshan user add 新增，数秒内即需登录）",
            "en": "Sign-in is off: this city has no accounts yet, so there are no users to manage (add them with "
                  "`qingshan user add` on the command line; sign-in is required within seconds)"}


def _refused(pair: tuple[str, str], status: int) -> HTTPException:
    return HTTPException(status, f"{pair[0]} / {pair[1]}")


def _halves(detail: Any) -> dict[str, str]:
    """A refusal's "中文 / English" message as the page shows it, one language at a time."""
    text = str(detail)
    zh, _, en = text.partition(" / ")
    return {"zh": zh, "en": en or zh}


# --- what an administrator sees ----------------------------------------------------------

def _within(user: User, own_path: str) -> bool:
    """Whether every organisation ``user`` acts for lies within ``own_path`` (a user who acts
    for none: only for an administrator of the whole city, whose path is the city's)."""
    paths = [m.organisation.path for m in user.memberships]
    if not paths:
        return own_path.strip("/").count("/") == 0
    return all(in_scope(own_path, p) for p in paths)


def _locked(user: User) -> bool:
    until = user.locked_until
    if until is None:
        return False
    return (until if until.tzinfo else until.replace(tzinfo=dt.UTC)) > dt.datetime.now(dt.UTC)


def _user_doc(user: User, signed: Signed) -> dict[str, Any]:
    """An account as the page lists it (never its password hash)."""
    table = known_roles()
    ms = sorted(user.memberships, key=lambda m: (m.organisation.path, m.organisation.code, m.role))
    return {"username": user.username, "display_name": user.display_name, "disabled": user.disabled,
            "must_change": user.must_change, "locked": _locked(user), "self": user.id == signed.user_id,
            "roles": [{"organisation": m.organisation.code, "organisation_name": m.organisation.name,
                       "role": m.role, "zh": table[m.role].zh if m.role in table else m.role,
                       "en": table[m.role].en if m.role in table else m.role} for m in ms]}


def _all_users(s: Session) -> list[User]:
    q = (select(User).options(selectinload(User.memberships).selectinload(Membership.organisation))
         .order_by(User.username))
    return list(s.execute(q).scalars())


def _organisations(s: Session, own_path: str) -> list[Organisation]:
    q = select(Organisation).order_by(Organisation.path, Organisation.code)
    return [o for o in s.execute(q).scalars() if in_scope(own_path, o.path)]


def users_doc(s: Session, signed: Signed) -> dict[str, Any]:
    """The users of the administrator's part of the city, the organisations it may add users
    to and the roles it may give."""
    table = known_roles()
    return {"database": True,
            "scope": {"organisation": signed.organisation, "name": signed.organisation_name,
                      "path": signed.organisation_path, "whole_city": signed.whole_city},
            "users": [_user_doc(u, signed) for u in _all_users(s) if _within(u, signed.organisation_path)],
            "organisations": [{"code": o.code, "name": o.name, "kind": o.kind, "path": o.path}
                              for o in _organisations(s, signed.organisation_path)],
            "roles": [{"role": r.name, "zh": r.zh, "en": r.en} for r in table.values()]}


def off_doc() -> dict[str, Any]:
    return {"database": False, "note": OFF_NOTE, "scope": None, "users": [], "organisations": [],
            "roles": [{"role": r.name, "zh": r.zh, "en": r.en} for r in known_roles().values()]}


# --- the changes -------------------------------------------------------------------------

def _end_sessions(s: Session, user: User) -> None:
    s.execute(delete(WebSession).where(WebSession.user_id == user.id))
    forget_sessions(user.id)  # none of its sessions is answered from memory any more


def _target(s: Session, signed: Signed, username: str) -> User:
    """The user ``username`` if the administrator may act on it: 404 unknown, 403 outside its scope."""
    user = (s.execute(select(User).options(selectinload(User.memberships).selectinload(Membership.organisation))
                      .where(User.username == username)).scalar_one_or_none()
            if len(username) <= NAME_MAX else None)
    if user is None:
        raise HTTPException(404, f"没有用户 {username[:NAME_MAX]} / no user {username[:NAME_MAX]}")
    if not _within(user, signed.organisation_path):
        raise _refused(USER_OUTSIDE, 403)
    return user


def add(s: Session, signed: Signed, username: str, organisation: str, role_names: list[str],
        display_name: str) -> tuple[User, str]:
    """A new account of an organisation in the administrator's scope, and its first password."""
    if not USERNAME.fullmatch(username):
        raise HTTPException(422, f"用户名应为 1–64 个字母、数字或 . _ @ -，收到 {username[:40]!r} / the user name "
                                 f"takes 1–64 letters, digits or . _ @ -; got {username[:40]!r}")
    wanted = list(dict.fromkeys(r for r in role_names if r))
    unknown = [r for r in wanted if r not in known_roles()]
    if not wanted or unknown:
        known = ", ".join(known_roles())
        raise HTTPException(422, f"请选择角色（{known}），收到 {unknown or '无'} / "
                                 f"choose roles among {known}; got {unknown or 'none'}")
    org = s.execute(select(Organisation).where(Organisation.code == organisation)).scalar_one_or_none()
    if org is None:
        raise HTTPException(422, f"没有组织 {organisation[:CODE_MAX]!r} / no organisation {organisation[:CODE_MAX]!r}")
    if not in_scope(signed.organisation_path, org.path):
        raise _refused(ORG_OUTSIDE, 403)
    if s.execute(select(User.id).where(User.username == username)).first() is not None:
        raise HTTPException(409, f"用户 {username} 已存在 / user {username} exists")
    try:
        return users.add_user(s, signed.actor, username, org.code, wanted, display_name=display_name.strip())
    except users.AccountError as exc:
        raise HTTPException(400, str(exc)) from exc


def disable(s: Session, signed: Signed, username: str, reason: str) -> User:
    user = _target(s, signed, username)
    if user.id == signed.user_id:
        raise _refused(NOT_YOURSELF, 403)
    if user.disabled:
        raise _refused(ALREADY_DISABLED, 409)
    users.disable_user(s, signed.actor, user.username, reason.strip())
    _end_sessions(s, user)
    return user


def reset(s: Session, signed: Signed, username: str) -> tuple[User, str]:
    user = _target(s, signed, username)
    if user.id == signed.user_id:
        raise _refused(NOT_OWN_PASSWORD, 403)
    pw = users.reset_password(s, signed.actor, user.username)
    _end_sessions(s, user)  # whoever knew the old password is signed out
    return user, pw


# --- pages and endpoints -----------------------------------------------------------------

class NewUser(BaseModel):
    username: str = Field(max_length=NAME_MAX)
    organisation: str = Field(max_length=CODE_MAX)
    roles: list[str] = Field(max_length=20)
    display_name: str = Field("", max_length=DISPLAY_MAX)


class Disabling(BaseModel):
    reason: str = Field("", max_length=REASON_MAX)


def install(app: FastAPI, sign_in: SignIn, page: Page) -> None:
    """Add ``/users`` and ``/api/users`` with their actions to ``app``; ``page(request, name,
    doc)`` renders a template as every page of the platform is rendered."""

    def manager(request: Request) -> tuple[str, Signed]:
        """The application database and the signed-in administrator: 404 when sign-in is
        off, 403 for a role without manage_users (the access table refuses it first)."""
        signed: Signed | None = getattr(request.state, "signed", None)
        if sign_in.url is None or signed is None:
            raise _refused(OFF, 404)
        if not allowed(signed.roles, "manage_users"):
            raise _refused(NOT_MANAGER, 403)
        return sign_in.url, signed

    def listing(request: Request) -> dict[str, Any]:
        signed: Signed | None = getattr(request.state, "signed", None)
        if sign_in.url is None or signed is None:
            return off_doc()
        url, signed = manager(request)
        with database.session(url) as s:
            return users_doc(s, signed)

    def shown(request: Request, extra: dict[str, Any], status: int = 200) -> HTMLResponse:
        answer = page(request, "users", {**listing(request), **extra})
        answer.status_code = status
        answer.headers.update(NO_STORE)
        return answer

    def as_json(doc: dict[str, Any], status: int = 200) -> JSONResponse:
        return JSONResponse(doc, status_code=status, headers=NO_STORE)

    def html_action(request: Request, act: Any) -> HTMLResponse:
        """The page after a form's change: what was done (a password shown this once), or why not."""
        try:
            done: dict[str, Any] = act()
        except HTTPException as exc:
            if exc.status_code == 404 and sign_in.url is None:
                raise
            return shown(request, {"refusal": _halves(exc.detail)}, exc.status_code)
        return shown(request, {"done": done})

    @app.get("/api/users", tags=["pages"])
    def api_users(request: Request) -> Response:
        """The users of the administrator's part of the city (its organisation and the units
        below it), with their roles and state; the organisations it may add users to and the
        roles (administrators: the action ``manage_users``). Never cached."""
        return as_json(listing(request))

    @app.get("/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request) -> HTMLResponse:
        return shown(request, {})

    def do_add(request: Request, username: str, organisation: str, role_names: list[str],
               display_name: str) -> dict[str, Any]:
        url, signed = manager(request)
        with database.session(url) as s:
            user, pw = add(s, signed, username, organisation, role_names, display_name)
            return {"action": "add", "user": _user_doc(user, signed), "first_password": pw}

    def do_disable(request: Request, username: str, reason: str) -> dict[str, Any]:
        url, signed = manager(request)
        with database.session(url) as s:
            user = disable(s, signed, username, reason)
            return {"action": "disable", "user": _user_doc(user, signed)}

    def do_reset(request: Request, username: str) -> dict[str, Any]:
        url, signed = manager(request)
        with database.session(url) as s:
            user, pw = reset(s, signed, username)
            return {"action": "reset_password", "user": _user_doc(user, signed), "first_password": pw}

    @app.post("/api/users", tags=["actions"], status_code=201)
    def api_add_user(request: Request, body: NewUser) -> Response:
        """Add a user (JSON ``{"username", "organisation", "roles": [...], "display_name"}``) to
        an organisation of the administrator's part of the city (else 403): 201 with the
        user and its first password, given this once, to be changed at the first sign-in."""
        return as_json(do_add(request, body.username, body.organisation, body.roles, body.display_name), 201)

    @app.post("/api/users/{username}/disable", tags=["actions"])
    def api_disable_user(request: Request, username: str, body: Disabling | None = None) -> Response:
        """Disable a user of the administrator's part of the city (JSON ``{"reason"}``, kept in
        the audit log): its sessions end. 403 outside that part, or for oneself."""
        return as_json(do_disable(request, username, body.reason if body else ""))

    @app.post("/api/users/{username}/reset-password", tags=["actions"])
    def api_reset_password(request: Request, username: str) -> Response:
        """A new first password for a user of the administrator's part of the city, given
        this once, to be changed at the next sign-in; its sessions end, a lock is lifted.
        403 outside that part, or for oneself."""
        return as_json(do_reset(request, username))

    @app.post("/users", response_class=HTMLResponse, include_in_schema=False)
    def add_user(request: Request, username: Annotated[str, Form(max_length=NAME_MAX)] = "",
                 organisation: Annotated[str, Form(max_length=CODE_MAX)] = "",
                 roles: Annotated[list[str] | None, Form()] = None,
                 display_name: Annotated[str, Form(max_length=DISPLAY_MAX)] = "") -> HTMLResponse:
        return html_action(request, lambda: do_add(request, username.strip(), organisation.strip(), roles or [],
                                                   display_name))

    @app.post("/users/{username}/disable", response_class=HTMLResponse, include_in_schema=False)
    def disable_user(request: Request, username: str,
                     reason: Annotated[str, Form(max_length=REASON_MAX)] = "") -> HTMLResponse:
        return html_action(request, lambda: do_disable(request, username, reason))

    @app.post("/users/{username}/reset-password", response_class=HTMLResponse, include_in_schema=False)
    def reset_password(request: Request, username: str) -> HTMLResponse:
        return html_action(request, lambda: do_reset(request, username))
