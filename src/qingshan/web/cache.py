"""A response cache in front of the application (ASGI middleware).

Every GET page and JSON twin is a pure function of the city's data and the URL, and the
data change only when an upload is accepted. So a successful GET answer is kept, keyed by
the data version and the full URL (path and query string, which include the language and
the format), and served again without running the handler. Accepting an upload bumps the
version, which empties the cache. Bounded by entries and by bytes (least recently used
first out). An answer that says ``Cache-Control: no-store`` is not kept: the import page
and an accept's job change without a new version.

What a request may see also depends on who asks: the guard in front
(:mod:`qingshan.web.protect`) puts the request's scope in ``scope[CACHE_SCOPE]`` (the
session's organisation and roles; empty when the platform is open), which is part of the
key, or None, for a request that must neither be served from the cache nor kept (anonymous
requests, the sign-in pages). Without the guard (a bare application) the scope is empty.

Requests for one key that arrive while its answer is being built wait for that build and
are served its answer (single flight), rather than each building it again: fifty browsers
opening the same page of a new data version cost one build.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Entry = tuple[int, list[tuple[bytes, bytes]], bytes]
#: The key of the ASGI scope that holds the request's cache scope (see above).
CACHE_SCOPE = "qingshan.cache_scope"


class ResponseCache:
    """Cache GET 200 answers of ``app`` per ``version()``, URL and the request's scope."""

    def __init__(self, app: ASGIApp, version: Callable[[], int], *, max_entries: int = 4096,
                 max_bytes: int = 256 * 2**20, max_entry_bytes: int = 16 * 2**20) -> None:
        self.app = app
        self.version = version
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.entries: OrderedDict[tuple[str, bytes, str], Entry] = OrderedDict()
        self.size = 0
        self.seen_version = -1
        self.hits = 0
        self.misses = 0
        #: keys whose answer is being built, and the event set when it is done
        self.building: dict[tuple[str, bytes, str], asyncio.Event] = {}

    def _evict(self) -> None:
        while self.entries and (len(self.entries) > self.max_entries or self.size > self.max_bytes):
            _, (_, _, body) = self.entries.popitem(last=False)
            self.size -= len(body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = scope.get(CACHE_SCOPE, "")
        if scope["type"] != "http" or scope["method"] != "GET" or who is None:
            await self.app(scope, receive, send)
            return
        v = self.version()
        if v != self.seen_version:
            self.entries.clear()
            self.size = 0
            self.seen_version = v
        key = (scope["path"], scope.get("query_string", b""), str(who))
        if await self._served(key, send):
            return
        leader = self.building.get(key)
        if leader is not None:  # being built: wait for it, then serve what it kept (if it did)
            await leader.wait()
            if self.version() == v and await self._served(key, send):
                return
            await self.app(scope, receive, send)
            return
        self.building[key] = asyncio.Event()
        try:
            await self._build(scope, receive, send, key, v)
        finally:
            self.building.pop(key).set()

    async def _served(self, key: tuple[str, bytes, str], send: Send) -> bool:
        hit = self.entries.get(key)
        if hit is None:
            return False
        self.entries.move_to_end(key)
        self.hits += 1
        status, headers, body = hit
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True

    async def _build(self, scope: Scope, receive: Receive, send: Send, key: tuple[str, bytes, str], v: int) -> None:
        self.misses += 1
        start: Message = {}
        parts: list[bytes] = []
        complete = False

        async def keep(message: Message) -> None:
            nonlocal complete
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keep)
        body = b"".join(parts)
        stored = not any(k.lower() == b"cache-control" and b"no-store" in val.lower()
                         for k, val in start.get("headers", []))
        if complete and stored and start.get("status") == 200 and self.version() == v \
                and len(body) <= self.max_entry_bytes:
            self.entries[key] = (200, list(start.get("headers", [])), body)
            self.size += len(body)
            self._evict()
