"""HTTP pieces the API and the pages share: errors, the response cache and as-of checks.

:mod:`flowdesk.web.api` and :mod:`flowdesk.web.pages` both import from here and
never from each other or from :mod:`flowdesk.web.app`, which assembles them; so
imports inside the web layer run one way (app -> api, pages -> http).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
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

__all__ = [
    "JSON_MEDIA_TYPE",
    "ApiError",
    "CachedBody",
    "DataRange",
    "ResponseCache",
    "cached_response",
    "encode",
    "json_error",
    "make_etag",
    "request_asof",
]

JSON_MEDIA_TYPE = "application/json"


class ApiError(Exception):
    """A deliberate HTTP error with a JSON body.

    Parameters
    ----------
    status
        HTTP status code (4xx, or 503 for a model not installed yet).
    kind
        Short machine-readable error type, e.g. ``"InvalidDate"``.
    message
        What was wrong and how to fix it, for people.
    """

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message


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


class ResponseCache:
    """Thread-safe LRU of response bodies keyed by (endpoint, as-of, ...).

    A striped lock per key makes concurrent requests for the same uncached key
    compute it once (the others wait and read the result) while different keys
    compute in parallel. Errors are not cached.

    Parameters
    ----------
    maxsize
        Entries kept; the least recently used is dropped first.
    stripes
        Number of compute locks (bounded, unlike one lock per key).
    """

    def __init__(self, maxsize: int = 256, stripes: int = 32) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, CachedBody] = OrderedDict()
        self._lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(stripes)]

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> CachedBody | None:
        """The cached entry for ``key`` (marked recently used), or ``None``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def get_or_compute(
        self, key: Hashable, compute: Callable[[], tuple[bytes, str]]
    ) -> CachedBody:
        """Return the entry for ``key``, calling ``compute() -> (body, media_type)`` once."""
        entry = self.get(key)
        if entry is not None:
            return entry
        with self._stripes[hash(key) % len(self._stripes)]:
            entry = self.get(key)
            if entry is not None:
                return entry
            body, media_type = compute()
            entry = CachedBody(body, media_type, make_etag(body))
            with self._lock:
                self.misses += 1
                self._entries[key] = entry
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
            return entry

    def clear(self) -> None:
        """Drop every entry (counters are kept)."""
        with self._lock:
            self._entries.clear()


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


async def cached_response(
    request: Request,
    key: Hashable,
    compute: Callable[[], tuple[bytes, str]],
    *,
    cache_control: str = "public, max-age=60",
) -> Response:
    """Serve ``key`` from the app's cache (computing it once), honouring ``If-None-Match``.

    A hit is answered on the event loop; a miss computes in the thread pool, so
    slow models never block other requests. Returns 304 without a body when the
    client's ETag matches.
    """
    cache: ResponseCache = request.app.state.cache
    entry = cache.get(key)
    if entry is None:
        entry = await run_in_threadpool(cache.get_or_compute, key, compute)
    headers = {"ETag": entry.etag, "Cache-Control": cache_control}
    if _etag_matches(request.headers.get("if-none-match", ""), entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)


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
