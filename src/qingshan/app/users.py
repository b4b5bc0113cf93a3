"""Local accounts: adding, listing, disabling, resetting and changing passwords, signing in.

Sign-in failures are limited as GB/T 22239-2019 8.1.4.1 b) asks ("应具有登录失败处理功能，
应配置并启用……限制非法登录次数……"): after :data:`MAX_FAILURES` wrong passwords in a row the
account is locked for :data:`LOCK_MINUTES` minutes (figures of this project's choosing).
A first password, and one reset by an administrator, must be changed at the next sign-in.
Every change and every sign-in, failed or not, is an audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingshan.app.audit import Actor, record
from qingshan.app.models import Membership, Organisation, User
from qingshan.app.passwords import first_password, hash_password, password_matches, password_problems
from qingshan.app.permissions import roles
from qingshan.errors import QingshanError

MAX_FAILURES = 5
LOCK_MINUTES = 15


class AccountError(QingshanError):
    """A request about an account that cannot be done (unknown user, bad password, …)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    return t if t is None or t.tzinfo else t.replace(tzinfo=dt.UTC)


def find(s: Session, username: str) -> User:
    user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise AccountError(f"没有用户 {username} / no user {username}")
    return user


def _organisation(s: Session, code: str) -> Organisation:
    org = s.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
    if org is None:
        raise AccountError(f"没有组织 {code}（先运行 qingshan db sync）/ "
                           f"no organisation {code} (run `qingshan db sync`)")
    return org


def describe(user: User) -> dict[str, object]:
    """What an account is, for listings and the audit log (never its hash)."""
    return {"username": user.username, "display_name": user.display_name, "disabled": user.disabled,
            "must_change": user.must_change,
            "roles": sorted(f"{m.organisation.code}:{m.role}" for m in user.memberships)}


def add_user(s: Session, actor: Actor, username: str, organisation: str, role_names: list[str], *,
             display_name: str = "", password: str | None = None) -> tuple[User, str]:
    """A new account acting for ``organisation`` in ``role_names``; returns it with its
    first password (random unless given), which must be changed at the first sign-in."""
    unknown = [r for r in role_names if r not in roles()]
    if unknown or not role_names:
        raise AccountError(f"未知角色 {unknown} / unknown roles {unknown}; known: {sorted(roles())}")
    if s.execute(select(User).where(User.username == username)).scalar_one_or_none() is not None:
        raise AccountError(f"用户 {username} 已存在 / user {username} exists")
    org = _organisation(s, organisation)
    pw = password or first_password()
    bad = password_problems(pw, username)
    if bad:
        raise AccountError("；".join(z for z, _ in bad) + " / " + "; ".join(e for _, e in bad))
    user = User(username=username, display_name=display_name or username, password_hash=hash_password(pw),
                must_change=True, disabled=False, failed_logins=0, created_at=_now())
    user.memberships = [Membership(organisation=org, role=r) for r in role_names]
    s.add(user)
    s.flush()
    record(s, actor, "user.add", username, after=describe(user))
    return user, pw


def list_users(s: Session) -> list[dict[str, object]]:
    return [describe(u) for u in s.execute(select(User).order_by(User.username)).scalars()]


def disable_user(s: Session, actor: Actor, username: str, reason: str = "") -> None:
    user = find(s, username)
    before = describe(user)
    user.disabled = True
    record(s, actor, "user.disable", username, before=before, after=describe(user), reason=reason)


def reset_password(s: Session, actor: Actor, username: str) -> str:
    """A new random first password, to be changed at the next sign-in; unlocks the account."""
    user = find(s, username)
    pw = first_password()
    user.password_hash, user.must_change, user.failed_logins, user.locked_until = hash_password(pw), True, 0, None
    record(s, actor, "user.reset_password", username)
    return pw


def change_password(s: Session, username: str, old: str, new: str) -> None:
    user = find(s, username)
    if not password_matches(user.password_hash, old):
        raise AccountError("原密码不正确 / the current password is wrong")
    bad = password_problems(new, username)
    if new == old:
        bad.append(("新密码不得与原密码相同", "the new password must differ from the current one"))
    if bad:
        raise AccountError("；".join(z for z, _ in bad) + " / " + "; ".join(e for _, e in bad))
    user.password_hash, user.must_change = hash_password(new), False
    record(s, Actor(username), "user.change_password", username)


@cache
def _decoy() -> str:
    """A hash to check an unknown user's password against (made once)."""
    return hash_password(secrets.token_urlsafe(16))


#: The one message of every failed sign-in: it tells nothing about which accounts exist.
SIGN_IN_FAILED = ("用户名或密码不正确，或账户已停用或暂时锁定",
                  "wrong user name or password, or the account is disabled or locked for a while")


def sign_in(s: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account usable, else None; either way an
    audit event, and a failure counted (so the caller commits, then refuses with
    :data:`SIGN_IN_FAILED`)."""
    user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    now = _now()
    if user is None:
        password_matches(_decoy(), password)  # as long as a known user's check: the time tells nothing
        record(s, Actor(username or "?"), "login.failed", username, reason="unknown user")
        return None
    locked = _aware(user.locked_until)
    if user.disabled or (locked is not None and locked > now):
        record(s, Actor(username), "login.failed", username, reason="disabled" if user.disabled else "locked")
        return None
    if not password_matches(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + dt.timedelta(minutes=LOCK_MINUTES), 0
        record(s, Actor(username), "login.failed", username, reason="wrong password")
        return None
    user.failed_logins, user.locked_until = 0, None
    record(s, Actor(username), "login", username)
    return user
