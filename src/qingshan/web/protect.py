"""Protection of every request (docs/web.md, "Signing in and protection"), with or without
sign-in: an ASGI middleware, :class:`Guard`, in front of everything else, and the CSRF
check every route depends on, :func:`csrf_checked`.

- **Host.** A request whose ``Host`` header is not one of this server's names (the bound
  address, 127.0.0.1, localhost, ::1 and ``QINGSHAN_ALLOWED_HOSTS``) is answered 400: a
  page on a name of the attacker's that resolves to this machine (DNS rebinding) gets
  nothing.
- **Origin.** A request that may change something (any method but GET, HEAD, OPTIONS) and
  names another origin in ``Origin`` (or, without it, ``Referer``) is answered 403, whatever
  cookies it carries. Browsers send ``Origin`` with every cross-site POST; a client that
  sends neither (a script) still needs the CSRF token.
- **CSRF token.** Every such request carries a token, the form field ``csrf_token`` or the
  header ``X-CSRF-Token``, equal to the session's own (signed in) or, without a session, to
  the browser's cookie :data:`CSRF_COOKIE` (a random value the server sets, HttpOnly,
  SameSite=Strict: a double-submit cookie); else 403.
- **Sign-in** (when the city has accounts, :class:`qingshan.web.auth.SignIn`): without a
  live session, a page is answered 303 to ``/login?next=…`` and the API 401; a user who
  must change a first password reaches nothing but ``/password`` (and logout).
- **Security headers** on every answer: a Content-Security-Policy without inline script or
  style and with ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin``.
- **The response cache's scope.** The guard tells the cache (:mod:`qingshan.web.cache`)
  what to key on: the session's organisation and roles, nothing for an open platform, and
  "do not keep" for anonymous requests. A kept page holds two markers instead of what
  belongs to one browser (its CSRF token, and the signed-in user in the header), which the
  guard writes into every HTML answer on its way out (:class:`Marks`), so a page kept for
  one user is shown to another of the same organisation and roles with that user's name and
  token, never the first one's.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import cookie_parser

from qingshan.settings import flag, setting
from qingshan.web import access, auth
from qingshan.web.cache import CACHE_SCOPE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The double-submit cookie of a browser without a session.
CSRF_COOKIE = "qingshan_csrf"
#: The form field and the header that carry the CSRF token.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: Methods that change nothing: no Origin check, no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The policy of every answer. Scripts and styles come from this server's files only (the
#: map's ``<script type="application/json">`` is data, never run); charts set colours
#: through the DOM, which a policy without 'unsafe-inline' allows.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"))
#: Paths anyone may open when sign-in is required.
OPEN_PATHS = frozenset({"/login", "/api/login", "/logout", "/api/logout"})
#: Paths a user who must change a first password may open.
PASSWORD_PATHS = OPEN_PATHS | {"/password", "/api/password"}
#: Answers never kept by the response cache (they carry a session's own values, or change
#: without a new data version: the reports and their review).
UNCACHED = PASSWORD_PATHS | {"/reports", "/api/reports"}

CSRF_REFUSED = ("缺少或无效的 CSRF 令牌：请刷新页面后重试",
                "missing or invalid CSRF token: reload the page and try again")
ORIGIN_REFUSED = ("拒绝来自其他网站的更改请求", "a change requested from another site is refused")


def _detail(pair: tuple[str, str]) -> str:
    return f"{pair[0]} / {pair[1]}"


def csrf_owner(value: str) -> str:
    """What a staged upload is bound to for a browser without a session: its CSRF cookie."""
    return hashlib.sha256(f"csrf:{value}".encode()).hexdigest()


def session_owner(signed: auth.Signed) -> str:
    """What a staged upload is bound to for a signed-in browser: its session."""
    return hashlib.sha256(f"session:{signed.token_hash}".encode()).hexdigest()


# --- host names --------------------------------------------------------------------------

def _split_host(value: str) -> tuple[str, str]:
    """(name, port) of a Host header or an allowed entry: ``[::1]:8000`` → (``::1``, ``8000``)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else ""
    if value.count(":") > 1:  # a bare IPv6 address
        return value, ""
    name, _, port = value.partition(":")
    return name, port


@dataclass(frozen=True)
class Hosts:
    """The names this server answers to: an entry without a port allows every port."""

    entries: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, bound: str | None = None, extra: str | None = None) -> Hosts:
        """127.0.0.1, localhost, ::1, the bound address (unless it is every address) and the
        comma-separated ``extra`` (default: ``QINGSHAN_ALLOWED_HOSTS``)."""
        names = ["127.0.0.1", "localhost", "[::1]"]
        if bound and bound not in ("0.0.0.0", "::", "[::]"):
            names.append(f"[{bound}]" if ":" in bound and not bound.startswith("[") else bound)
        raw = setting("allowed_hosts") if extra is None else extra
        names += [n for n in (x.strip() for x in raw.split(",")) if n]
        return cls(frozenset(_split_host(n) for n in names))

    def allows(self, host: str | None) -> bool:
        if not host:
            return False
        name, port = _split_host(host)
        return (name, "") in self.entries or (name, port) in self.entries


def _netloc(scheme: str, netloc: str) -> str:
    netloc = netloc.strip().lower()
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    return netloc[: -len(default)] if default and netloc.endswith(default) else netloc


def same_origin(headers: Headers, scope: Scope, https: bool) -> bool:
    """Whether a request names no other origin than this server's own (``Origin``, else
    ``Referer``; neither: not a browser's cross-site request)."""
    claimed = headers.get("origin") or headers.get("referer")
    if claimed is None:
        return True
    parts = urlsplit(claimed)
    if parts.scheme not in ("http", "https") or not parts.netloc:  # "null", or nonsense
        return False
    own_schemes = {scope.get("scheme", "http")} | ({"https"} if https else set())
    host = headers.get("host", "")
    return parts.scheme in own_schemes and _netloc(parts.scheme, parts.netloc) in (
        _netloc(s, host) for s in own_schemes)


# --- markers written into kept pages -----------------------------------------------------

@dataclass(frozen=True)
class Marks:
    """What a rendered page holds in place of one browser's values: its CSRF token and the
    signed-in user's part of the header. Random per process, so no text of the data can
    name them."""

    csrf: str
    who: str

    @classmethod
    def new(cls) -> Marks:
        tag = secrets.token_hex(12)
        return cls(f"csrf-{tag}", f"<!--qingshan-who-{tag}-->")


Who = Callable[[auth.Signed, bool, str], str]


# --- the middleware ----------------------------------------------------------------------

async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _see_other(send: Send, headers: list[tuple[bytes, bytes]], location: str) -> None:
    """303 to ``location`` (a local path), never kept by any cache."""
    await _answer(send, 303, b"", [*headers, (b"location", location.encode()), (b"cache-control", b"no-store")])


def _json(detail: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    return (json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8"),
            [(b"content-type", b"application/json"), (b"cache-control", b"no-store")])


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/openapi.json"


class Guard:
    """Host and Origin checks, the CSRF cookie, sessions and sign-in, the cache's scope, the
    security headers, and the markers of kept pages (module docstring)."""

    def __init__(self, app: ASGIApp, *, sign_in: auth.SignIn, hosts: Hosts, marks: Marks, who: Who) -> None:
        self.app = app
        self.sign_in = sign_in
        self.hosts = hosts
        self.marks = marks
        self.who = who
        self.https = flag("https")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        secure = auth.secure_request(scope)
        out: list[tuple[bytes, bytes]] = list(SECURITY_HEADERS)
        if not self.hosts.allows(headers.get("host")):
            host = (headers.get("host") or "")[:60]
            body, extra = _json(f"主机名 {host!r} 不是本服务器的名称（QINGSHAN_ALLOWED_HOSTS）/ "
                                f"{host!r} is not a name of this server (QINGSHAN_ALLOWED_HOSTS)")
            await _answer(send, 400, body, out + extra)
            return
        method, path = scope["method"], scope["path"]
        if method not in SAFE_METHODS and not same_origin(headers, scope, self.https):
            body, extra = _json(_detail(ORIGIN_REFUSED))
            await _answer(send, 403, body, out + extra)
            return
        cookies = cookie_parser(headers.get("cookie", ""))
        csrf = cookies.get(CSRF_COOKIE, "")
        static = path.startswith("/static/") or path == "/favicon.ico"
        if not auth.TOKEN.fullmatch(csrf):
            csrf = secrets.token_urlsafe(32)
            if not static:  # a page's files, fetched beside it, must not replace the page's token
                out.append((b"set-cookie", auth.cookie(CSRF_COOKIE, csrf, secure=secure).encode()))
        if self.sign_in.due():  # sign-in off: has the city got its first account since?
            await run_in_threadpool(self.sign_in.look_again)
        signed: auth.Signed | None = None
        if self.sign_in.url is not None and not static:
            token = cookies.get(auth.SESSION_COOKIE)
            if token:
                signed = await run_in_threadpool(auth.lookup, self.sign_in.url, token)
                if signed is None:  # ended or unknown: the browser forgets it
                    out.append((b"set-cookie", auth.cookie(auth.SESSION_COOKIE, "", secure=secure,
                                                           clear=True).encode()))
        state = scope.setdefault("state", {})
        state["signed"] = signed
        state["csrf"] = signed.csrf if signed else csrf
        state["owner"] = session_owner(signed) if signed else csrf_owner(csrf)
        query = scope.get("query_string", b"").decode("latin-1")
        english = parse_qs(query).get("lang", [""])[-1] == "en"
        if self.sign_in.required and not static:
            target = path + (f"?{query}" if query else "")
            if signed is None and path not in OPEN_PATHS:
                if _is_api(path):
                    body, extra = _json(_detail(auth.SIGN_IN_NEEDED))
                    await _answer(send, 401, body, out + extra)
                else:
                    await _see_other(send, out, auth.login_url(target, english))
                return
            if signed is not None and signed.must_change and path not in PASSWORD_PATHS:
                if _is_api(path):
                    body, extra = _json(_detail(auth.MUST_CHANGE))
                    await _answer(send, 403, body, out + extra)
                else:
                    await _see_other(send, out, auth.password_url(target, english))
                return
            if signed is not None and path not in OPEN_PATHS | PASSWORD_PATHS:
                refusal = access.decide(signed.roles, signed.whole_city, method, path, query)
                if refusal is not None:
                    body, extra = _json(_detail((refusal.zh, refusal.en)))
                    await _answer(send, 403, body, out + extra)
                    return
        if not self.sign_in.required:
            scope[CACHE_SCOPE] = ""
        elif signed is not None and path not in UNCACHED:
            scope[CACHE_SCOPE] = signed.cache_scope
        else:
            scope[CACHE_SCOPE] = None  # anonymous: nothing kept, nothing served from the cache
        private = self.sign_in.required and not static
        await self.app(scope, receive, self._sending(send, out, state["csrf"], signed, english=english,
                                                     private=private, head=method == "HEAD"))

    def _sending(self, send: Send, extra: list[tuple[bytes, bytes]], csrf: str, signed: auth.Signed | None, *,
                 english: bool, private: bool, head: bool) -> Send:
        """``send`` with the security headers and cookies added, and the markers of an HTML
        answer replaced by this browser's values."""
        start: Message | None = None
        parts: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                own = list(message.get("headers", []))
                names = {k.lower() for k, _ in own}
                own += [(k, v) for k, v in extra if k == b"set-cookie" or k not in names]
                if private and b"cache-control" not in names:  # one user's answers: no shared cache keeps them
                    own.append((b"cache-control", b"private, no-cache"))
                message = {**message, "headers": own}
                html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in own)
                if not html or head:
                    await send(message)
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(parts).replace(self.marks.csrf.encode(), csrf.encode())
            who = self.who(signed, not english, csrf).encode("utf-8") if signed is not None else b""
            body = body.replace(self.marks.who.encode(), who)
            heads = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": [*heads, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        return sending


async def csrf_checked(request: Request) -> None:
    """Every route depends on this: a request that may change something carries the CSRF
    token of its session (or, without one, of its browser's cookie) in the header
    ``X-CSRF-Token`` or the form field ``csrf_token``; else 403."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path in ("/logout", "/api/logout") and getattr(request.state, "signed", None) is None:
        return  # no session to end (it ended meanwhile): nothing changes, the browser goes to the login
    expected = getattr(request.state, "csrf", None)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)  # parsed once: the route's own form
        given = value if isinstance(value, str) else None
    if not expected or not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, _detail(CSRF_REFUSED))
