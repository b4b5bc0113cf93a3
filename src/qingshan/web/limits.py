"""The request body limit (``QINGSHAN_MAX_UPLOAD_MB``, default 200 MB): an ASGI middleware
that answers 413 with a message in both languages as soon as a body is known to be larger,
by its ``Content-Length`` before anything is read, or by counting the bytes as they arrive
(a chunked upload), so an oversized body is never read whole, into memory or onto disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException

Scope = dict[str, Any]
Message = dict[str, Any]


def too_large_message(limit: int) -> str:
    mb = f"{limit / 2**20:.4g}"
    return (f"请求体超过上限 {mb} MB（QINGSHAN_MAX_UPLOAD_MB），未读入 / "
            f"the request body is larger than the {mb} MB allowed (QINGSHAN_MAX_UPLOAD_MB); it was not read")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes the limit. An :class:`HTTPException`, so
    FastAPI's body parsing passes it on as it is (it turns other errors into 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


class BodyLimit:
    """Refuse request bodies larger than ``limit()`` bytes with 413."""

    def __init__(self, app: Any, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            msg: Message = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return msg

        async def tracked(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(send, limit)


async def _refuse(send: Callable[..., Any], limit: int) -> None:
    body = json.dumps({"detail": too_large_message(limit)}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
