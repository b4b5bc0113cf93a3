"""Errors as pages (issue #16): a browser that asks for a page and is refused (404, 422, 403…)
gets a page in its language that says why, with the site's header and a way back, rather
than the raw JSON ``{"detail": …}``. The API (``/api/…``, ``/openapi.json``) and every
client that does not ask for HTML keep the JSON answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from qingshan.i18n import halves

_TITLES = {400: ("请求无效", "Bad request"), 401: ("请先登录", "Sign-in required"), 403: ("无权访问", "Not allowed"),
           404: ("未找到", "Not found"), 405: ("不支持的请求方式", "Method not allowed"),
           409: ("冲突", "Conflict"), 413: ("上传过大", "Too large"), 422: ("参数无效", "Invalid parameters"),
           503: ("暂时不可用", "Temporarily unavailable")}


def shown_as_page(request: Request) -> bool:
    """Whether the refused request is a browser's for a page: a GET outside the API whose
    ``Accept`` names HTML."""
    path = request.url.path
    return (request.method == "GET" and not path.startswith("/api") and path != "/openapi.json"
            and not path.startswith("/static") and "text/html" in request.headers.get("accept", ""))


def document(status: int, detail: Any) -> dict[str, Any]:
    """The error page's document: the status, its title and the message in both languages."""
    zh, en = halves(str(detail))
    title = _TITLES.get(status, ("出错了", "Error"))
    return {"status": status, "title": {"zh": title[0], "en": title[1]}, "detail": {"zh": zh, "en": en}}


def page_of(request: Request, status: int, detail: Any,
            page: Callable[[Request, str, dict[str, Any]], HTMLResponse]) -> Response:
    if request.query_params.get("lang", "zh") not in ("zh", "en"):
        return Response(str(detail), status_code=status, media_type="text/plain; charset=utf-8")
    answer = page(request, "error", document(status, detail))
    answer.status_code = status
    return answer


def install(app: FastAPI, page: Callable[[Request, str, dict[str, Any]], HTMLResponse]) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def refused_as_page(request: Request, exc: StarletteHTTPException) -> Response:
        if not shown_as_page(request) or exc.headers:  # e.g. a redirect's Location: FastAPI's own answer
            return await http_exception_handler(request, exc)
        return page_of(request, exc.status_code, exc.detail, page)
