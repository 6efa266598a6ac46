"""HTTP pieces the API and the pages share: errors, cached bodies, as-of and date checks.

:mod:`flowdesk.web.api` and :mod:`flowdesk.web.pages` both import from here and
never from each other or from :mod:`flowdesk.web.app`, which assembles them; so
imports inside the web layer run one way (app -> api, pages -> http).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from flowdesk.errors import ConfigError, DataError
from flowdesk.jsontools import jsonable

if TYPE_CHECKING:
    import pandas as pd

    from flowdesk.config import Settings
    from flowdesk.web.pool import ComputePool

__all__ = [
    "JSON_MEDIA_TYPE",
    "ApiError",
    "CachedBody",
    "DataRange",
    "cached_response",
    "compute_body",
    "encode",
    "json_error",
    "make_etag",
    "peek_body",
    "request_asof",
    "request_date",
    "respond",
]

JSON_MEDIA_TYPE = "application/json"


class ApiError(Exception):
    """A deliberate HTTP error with a JSON body.

    Parameters
    ----------
    status
        HTTP status code (4xx, or 503 when the server is busy).
    kind
        Short machine-readable error type, e.g. ``"InvalidDate"``.
    message
        What was wrong and how to fix it, for people.
    headers
        Extra response headers (e.g. ``Retry-After``).
    """

    def __init__(self, status: int, kind: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = headers


def json_error(
    status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The JSON error response ``{"error": {"type": kind, "message": message}}``."""
    body = json.dumps({"error": {"type": kind, "message": message}}, ensure_ascii=False)
    return Response(body, status_code=status, media_type=JSON_MEDIA_TYPE, headers=headers)


@dataclass(frozen=True)
class CachedBody:
    """A computed response body with its media type and strong ETag."""

    body: bytes
    media_type: str
    etag: str


def make_etag(body: bytes) -> str:
    """Strong ETag of ``body``: a quoted prefix of its SHA-256."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


def peek_body(request: Request, key: Hashable) -> CachedBody | None:
    """The cached body for ``key``, or ``None`` (a hit costs no worker)."""
    return request.app.state.bodies.get(key)  # type: ignore[no-any-return]


async def compute_body(
    request: Request, key: Hashable, compute: Callable[[], tuple[bytes, str]]
) -> CachedBody:
    """The body for ``key``: cached, or ``compute() -> (body, media_type)`` run once on the pool.

    Raises
    ------
    flowdesk.web.pool.OverloadedError
        If the pool is full (the app answers 503 with ``Retry-After``).
    """

    def build() -> CachedBody:
        body, media_type = compute()
        return CachedBody(body, media_type, make_etag(body))

    pool: ComputePool = request.app.state.pool
    return await pool.get(key, build, request.app.state.bodies)


def respond(request: Request, entry: CachedBody, *,
            cache_control: str = "public, max-age=60") -> Response:
    """``entry`` with its ETag, or 304 without a body when ``If-None-Match`` matches it."""
    headers = {"ETag": entry.etag, "Cache-Control": cache_control}
    if _etag_matches(request.headers.get("if-none-match", ""), entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)


async def cached_response(
    request: Request,
    key: Hashable,
    compute: Callable[[], tuple[bytes, str]],
    *,
    cache_control: str = "public, max-age=60",
) -> Response:
    """Serve ``key`` from the body cache, computing it once on the pool when missing.

    A hit is answered on the event loop; a miss runs on the app's
    :class:`~flowdesk.web.pool.ComputePool`, so slow models never block other
    requests. Honours ``If-None-Match`` (304).
    """
    entry = peek_body(request, key) or await compute_body(request, key, compute)
    return respond(request, entry, cache_control=cache_control)


def encode(payload: Any) -> tuple[bytes, str]:
    """Compact UTF-8 JSON of ``payload`` and its media type."""
    text = json.dumps(jsonable(payload), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))
    return text.encode("utf-8"), JSON_MEDIA_TYPE


class DataRange:
    """First and last S&P 500 close (the range of valid as-of dates), re-read every ``ttl`` s.

    Validating a date against this cached range keeps cache hits free of data
    loads; only dates outside it go to :func:`flowdesk.data.asof.resolve_asof`
    for the authoritative answer, so data updated meanwhile is still seen.
    """

    def __init__(self, settings: Settings, ttl: float = 30.0) -> None:
        self.settings = settings
        self.ttl = ttl
        self._value: tuple[pd.Timestamp, pd.Timestamp] | None = None
        self._read_at = -math.inf

    def peek(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The cached range, or ``None`` if it is missing or older than ``ttl``."""
        return self._value if time.monotonic() - self._read_at < self.ttl else None

    def get(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The range, re-read from the data when stale (raises ``DataError`` if none)."""
        value = self.peek()
        if value is None:
            from flowdesk.data import load

            index = load("SP500", settings=self.settings).index
            value = (index[0], index[-1])
            self._value, self._read_at = value, time.monotonic()
        return value


async def request_asof(request: Request, value: str | None, name: str = "asof") -> pd.Timestamp:
    """Validate an as-of query value; default it to the last S&P 500 close.

    Raises
    ------
    ApiError
        422 for a malformed date or one outside the S&P 500 data.
    """
    from flowdesk.data.asof import resolve_asof
    from flowdesk.dates import parse_date

    try:
        when = parse_date(value, name)
    except ConfigError as exc:
        raise ApiError(422, "InvalidDate", str(exc)) from None
    span: DataRange = request.app.state.data_range
    bounds = span.peek()
    if bounds is None:
        try:
            bounds = await run_in_threadpool(span.get)
        except DataError:
            bounds = None
    if bounds is not None and when is None:
        return bounds[1]
    if bounds is not None and when is not None and bounds[0] <= when <= bounds[1]:
        return when
    try:
        return await run_in_threadpool(
            resolve_asof, when, settings=request.app.state.settings, argument=name
        )
    except DataError as exc:
        raise ApiError(422, "OutsideData", str(exc)) from None


# pandas' nanosecond Timestamp range, in whole days: a date outside it cannot
# index a series, so it is refused here rather than failing deep in pandas.
_FIRST_DAY = "1677-09-22"
_LAST_DAY = "2262-04-11"


def request_date(value: str | None, name: str) -> pd.Timestamp | None:
    """Validate a ``start``/``end`` style query date (``None`` passes through).

    Raises
    ------
    ApiError
        422 for a malformed date or one outside pandas' date range
        (1677-09-22 to 2262-04-11).
    """
    import pandas as pd

    from flowdesk.dates import parse_date

    try:
        when = parse_date(value, name)
    except ConfigError as exc:
        raise ApiError(422, "InvalidDate", str(exc)) from None
    if when is not None and not pd.Timestamp(_FIRST_DAY) <= when <= pd.Timestamp(_LAST_DAY):
        raise ApiError(422, "DateOutOfRange",
                       f"{name} {value} is outside the dates the server can handle"
                       f" ({_FIRST_DAY} to {_LAST_DAY}); omit {name} for no bound")
    return when
