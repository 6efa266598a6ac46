"""The dashboard's FastAPI application: read-only HTML pages and a JSON API.

Everything the server answers is computed from local data (the cache and the
embedded snapshot) through the models' public API; nothing writes, fetches from
the network or opens a path taken from the request. Hostile input meets three
layers before it reaches a model:

1. :class:`QueryGuard` (ASGI middleware) rejects methods other than GET and
   HEAD (answered as GET without the body), URLs over :data:`MAX_URL_BYTES`,
   repeated or too many query parameters and ``..`` path segments, before routing;
2. typed FastAPI parameters (patterns, lengths) reject malformed values;
3. :func:`flowdesk.web.http.request_asof` checks dates with the package's date
   policy and the range of the S&P 500 data.

Every error is JSON ``{"error": {"type": ..., "message": ...}}`` with a 4xx
status (a dashboard page, or a browser on another non-API URL, gets the same
message as an HTML page); a full compute pool is a 503 with ``Retry-After``;
anything unexpected becomes a generic 500 that is logged, never a traceback.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from flowdesk._version import __version__
from flowdesk.errors import ConfigError, DataError, FlowdeskError, ModelError, SourceError
from flowdesk.web.http import ApiError, DataRange, json_error
from flowdesk.web.lru import LruCache
from flowdesk.web.pool import ComputePool, OverloadedError
from flowdesk.web.results import results_kept

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from flowdesk.config import Settings

__all__ = ["MAX_QUERY_PARAMS", "MAX_URL_BYTES", "QueryGuard", "create_app"]

log = logging.getLogger("flowdesk.web")

#: Longest accepted URL (path + query), in bytes; longer ones get 414.
MAX_URL_BYTES = 2048
#: Most query parameters one request may carry.
MAX_QUERY_PARAMS = 8
_METHODS = frozenset({"GET", "HEAD"})
_ALLOW = "GET, HEAD"
# Read-only pages and JSON: forbid framing, sniffing and leaking the URL; scripts
# and styles only from this server (plotly and the report's charts need inline styles).
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        b"base-uri 'none'; form-action 'self'",
    ),
]
# FlowdeskError subclasses -> HTTP status; the first match wins.
_STATUS_OF: tuple[tuple[type[FlowdeskError], int], ...] = (
    (ConfigError, 400),
    (DataError, 404),
    (ModelError, 422),
    (SourceError, 503),
    (FlowdeskError, 400),
)
_HTTP_TYPES = {404: "NotFound", 405: "MethodNotAllowed", 414: "URITooLong"}


def _check_request(scope: Scope) -> tuple[int, str, str, dict[str, str] | None] | None:
    """Why the request must be refused before routing, or ``None`` if it may go on."""
    method = scope.get("method", "GET")
    if method not in _METHODS:
        return (405, "MethodNotAllowed",
                f"method {method} is not allowed: the server is read-only (use GET or HEAD)",
                {"Allow": _ALLOW})
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
    query: bytes = scope.get("query_string", b"")
    size = len(raw_path) + (len(query) + 1 if query else 0)
    if size > MAX_URL_BYTES:
        return (414, "URITooLong",
                f"the URL is {size} bytes long; the limit is {MAX_URL_BYTES} bytes", None)
    path: str = scope["path"]
    if any(part in (".", "..") for part in path.split("/")) or "\\" in path or "\x00" in path:
        return (400, "InvalidPath",
                "the path must not contain '.' or '..' segments, backslashes or NUL bytes", None)
    try:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True,
                          encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return 400, "InvalidQuery", "the query string is not valid UTF-8", None
    if len(pairs) > MAX_QUERY_PARAMS:
        return (400, "TooManyParameters",
                f"{len(pairs)} query parameters given; at most {MAX_QUERY_PARAMS} are accepted",
                None)
    repeated = sorted(name for name, count in Counter(k for k, _ in pairs).items() if count > 1)
    if repeated:
        names = ", ".join(repr(name[:40]) for name in repeated)
        return 400, "RepeatedParameter", f"query parameter {names} given more than once", None
    return None


def _hostname(host: str) -> str:
    """Host header without its port (``[::1]:8050`` -> ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class QueryGuard:
    """ASGI middleware that refuses unsafe requests and adds security headers.

    A plain ASGI class rather than ``BaseHTTPMiddleware``: it runs on every
    request of the load test, so it avoids the extra task and body buffering.

    Parameters
    ----------
    app
        The wrapped application.
    allowed_hosts
        Host header names accepted (``None``: any). A server on loopback only
        accepts loopback names, so a web page whose domain was re-pointed at
        127.0.0.1 (DNS rebinding) cannot read the dashboard.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: frozenset[str] | None = None) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check an HTTP request; pass it on or answer with a 4xx error."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope.get("method") == "HEAD"
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *_SECURITY_HEADERS]
            elif head and message["type"] == "http.response.body":
                # HEAD: the GET's status and headers (Content-Length included), no body.
                message = {**message, "body": b""}
            await send(message)

        problem = _check_request(scope)
        if problem is None and self.allowed_hosts is not None:
            host = next((v.decode("latin-1") for k, v in scope.get("headers", ())
                         if k == b"host"), "")
            if _hostname(host) not in self.allowed_hosts:
                problem = (400, "InvalidHost",
                           f"host {host[:80]!r} is not served here; use one of "
                           + ", ".join(sorted(self.allowed_hosts)), None)
        if problem is not None:
            status, kind, message, headers = problem
            response = _error(Request(scope), status, kind, message, headers)
            await response(scope, receive, send_secured)
            return
        if head:
            # Routes are GET-only, so HEAD is served as GET (a copy of the scope: the
            # server keeps its own and still sends no body).
            scope = {**scope, "method": "GET"}
        try:
            await self.app(scope, receive, send_secured)
        except Exception as exc:
            # Answered here rather than by Starlette's outermost handler, which
            # re-raises: uvicorn then closes the connection, and clients saw a
            # reset instead of the HTML error page.
            if started:
                raise
            log.error("unhandled error on %s %s", scope.get("method"), scope.get("path"),
                      exc_info=exc)
            response = _error(Request(scope), 500, "InternalError",
                              "internal error; the server log has the details")
            await response(scope, receive, send_secured)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "header")]
        name = ".".join(loc) or "request"
        shown = repr(error.get("input"))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        if name in ("asof", "start", "end") and error.get("type") in (
            "string_pattern_mismatch", "string_too_long", "string_too_short"
        ):
            parts.append(f"{name}: invalid date {shown}; expected YYYY-MM-DD")
        else:
            parts.append(f"{name}: {error.get('msg', 'invalid value')} (got {shown})")
    return "; ".join(parts) or "invalid request"


def _error(request: Request, status: int, kind: str, message: str,
           headers: dict[str, str] | None = None) -> Response:
    """JSON error, or the same message as an HTML page (:func:`~flowdesk.web.pages.wants_html`)."""
    from flowdesk.web.pages import render_error_page, wants_html

    if wants_html(request):
        try:
            return render_error_page(request, status, kind, message, headers)
        except Exception:  # a broken error page must not hide the original error
            log.exception("could not render the error page")
    return json_error(status, kind, message, headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _error(request, exc.status, exc.kind, exc.message, exc.headers)

    @app.exception_handler(OverloadedError)
    async def _overloaded(request: Request, exc: OverloadedError) -> Response:
        return _error(request, 503, "Overloaded", str(exc),
                      {"Retry-After": str(exc.retry_after), "Cache-Control": "no-store"})

    @app.exception_handler(FlowdeskError)
    async def _flowdesk_error(request: Request, exc: FlowdeskError) -> Response:
        status = next(code for cls, code in _STATUS_OF if isinstance(exc, cls))
        return _error(request, status, type(exc).__name__, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, "ValidationError", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        kind = _HTTP_TYPES.get(exc.status_code, "HTTPError")
        if exc.status_code == 404:
            message = f"no such page or endpoint: {request.url.path[:200]}; see /docs"
        else:
            message = str(exc.detail)
        return _error(request, exc.status_code, kind, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(request, 500, "InternalError",
                      "internal error; the server log has the details")


def create_app(
    settings: Settings | None = None,
    *,
    cache_size: int | None = None,
    allowed_hosts: Iterable[str] | None = None,
) -> FastAPI:
    """Build the dashboard application.

    Parameters
    ----------
    settings
        Settings for the data layer (cache directory); default from the
        environment. The app always runs them with ``offline=True``: it never
        fetches, whatever the settings say.
    cache_size
        Responses (per endpoint and as-of date) kept in memory; default the
        ``web_cache_entries`` setting. Computations run on ``web_workers``
        threads, at most ``web_queue_limit`` running or waiting (then 503).
    allowed_hosts
        Host header names to accept (without port); default any.
        :func:`~flowdesk.web.server.serve` passes the loopback names when it
        binds to loopback.

    Returns
    -------
    fastapi.FastAPI
        Pages ``/``, ``/flows``, ``/vix``, ``/fed``, ``/drivers``,
        ``/theses``, ``/simulator``; JSON under ``/api/``; ``/healthz``;
        ``/docs`` and ``/openapi.json``.
    """
    from flowdesk.config import get_settings
    from flowdesk.web import api, pages

    base = settings if settings is not None else get_settings()
    app = FastAPI(
        title="flowdesk",
        version=__version__,
        description=(
            "Read-only JSON API over flowdesk's models: the same JSON as the CLI's"
            " `--format json`, for any as-of date inside the data. Every endpoint takes"
            " `asof=YYYY-MM-DD` (default: the last S&P 500 close) and uses only data"
            " published by then. Responses carry an ETag; send it back in"
            " If-None-Match to get 304. Errors are"
            ' `{"error": {"type": ..., "message": ...}}` with a 4xx status, or 503 with'
            " `Retry-After` when the server is busy computing. HEAD works wherever GET does."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = base.model_copy(update={"offline": True})
    app.state.bodies = LruCache(cache_size or base.web_cache_entries)
    app.state.results = LruCache(results_kept(base.web_workers))
    app.state.pool = ComputePool(base.web_workers, base.web_queue_limit)
    app.state.data_range = DataRange(app.state.settings)
    hosts = None if allowed_hosts is None else frozenset(
        h.strip("[]").lower() for h in allowed_hosts)
    app.add_middleware(QueryGuard, allowed_hosts=hosts)
    _install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    return app
