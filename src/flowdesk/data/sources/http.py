"""One careful HTTP GET for the live sources.

Every network request flowdesk makes goes through :func:`get`, so timeouts,
retries, the offline switch, the User-Agent and the redaction of API keys are
decided in one place. Errors are :class:`HTTPSourceError` (a
:class:`~flowdesk.errors.SourceError`) whose message names the source, the series,
what went wrong and the URL with secrets replaced by ``REDACTED``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx

from flowdesk._version import __version__
from flowdesk.config import Settings, get_settings
from flowdesk.data.sources.base import LiveSource, Query
from flowdesk.errors import SourceError

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "REDACTED",
    "RETRY_AFTER_CAP",
    "USER_AGENT",
    "HTTPClient",
    "HTTPSource",
    "HTTPSourceError",
    "backoff_delay",
    "get",
    "looks_like_html",
    "redact_url",
]

USER_AGENT = f"flowdesk/{__version__} (+https://github.com/flowdesk/flowdesk)"
REDACTED = "REDACTED"
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# A server asking for a longer pause than this is better answered with a
# failure the user sees than with a command that hangs for minutes.
RETRY_AFTER_CAP = 30.0

_SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "token", "access_token", "secret"})
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Dropped connections and timeouts are worth another try; a malformed URL or an
# unsupported scheme is not.
_TRANSIENT_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class HTTPSourceError(SourceError):
    """A request that failed at the HTTP or transport level.

    Attributes
    ----------
    status_code
        HTTP status of the last answer, ``None`` for transport failures and
        offline mode.
    transient
        Whether the failure is of the kind that retrying may cure (429, 5xx,
        timeouts, refused connections); callers use it to decide on a fallback.
    url
        The requested URL with secrets redacted.
    """

    def __init__(
        self, message: str, *, url: str, status_code: int | None = None, transient: bool = False
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code
        self.transient = transient


def _is_secret(name: str) -> bool:
    return name.lower() in _SECRET_PARAMS


def redact_url(url: str | httpx.URL, params: Mapping[str, Any] | None = None) -> str:
    """Return ``url`` (with ``params`` appended) with secret query values redacted.

    Parameters
    ----------
    url
        Base URL, possibly with a query string already.
    params
        Extra query parameters, as passed to :func:`get`.

    Returns
    -------
    str
        The full URL; values of ``api_key``, ``token`` and similar parameters are
        replaced by ``REDACTED``.
    """
    full = httpx.URL(str(url))
    if params:
        full = full.copy_merge_params(dict(params))
    if not full.query:
        return str(full)
    pairs = tuple((k, REDACTED if _is_secret(k) else v) for k, v in full.params.multi_items())
    return str(full.copy_with(params=httpx.QueryParams(pairs)))


def _secrets(url: str | httpx.URL, params: Mapping[str, Any] | None) -> list[str]:
    found = [str(v) for k, v in (params or {}).items() if _is_secret(k) and v]
    found += [v for k, v in httpx.URL(str(url)).params.multi_items() if _is_secret(k) and v]
    return found


def _scrub(text: str, secrets: list[str]) -> str:
    # Transport errors can echo the request line; never let a key through.
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def backoff_delay(attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number ``attempt + 1``.

    Exponential: 0.5 s, 1 s, 2 s, ... capped at ``BACKOFF_CAP``. A numeric
    ``Retry-After`` header (seconds) lengthens the wait, up to
    ``RETRY_AFTER_CAP``; HTTP-date values are ignored.
    """
    delay = min(BACKOFF_BASE * 2.0**attempt, BACKOFF_CAP)
    if retry_after is not None:
        try:
            asked = float(retry_after.strip())
        except ValueError:
            asked = None
        if asked is not None and math.isfinite(asked) and asked > 0:
            delay = max(delay, min(asked, RETRY_AFTER_CAP))
    return delay


def looks_like_html(response: httpx.Response) -> bool:
    """Whether a response is a web page rather than the data file asked for.

    Decided from the body, not the ``Content-Type`` header: CDNs label CSV files
    inconsistently, but no CSV or JSON payload starts with an HTML tag.
    """
    head = response.text.lstrip("\ufeff \t\r\n")[:1000].lower()
    return head.startswith("<") and ("<html" in head or "<!doctype html" in head)


def _describe_transport(exc: httpx.HTTPError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {timeout:g} s ({type(exc).__name__})"
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed ({detail})"
    return f"transport error {type(exc).__name__} ({detail})"


def get(
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    source: str,
    series_id: str,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] | None = None,
    retries: int | None = None,
    describe_error: Callable[[httpx.Response], str | None] | None = None,
) -> httpx.Response:
    """GET ``url`` with timeouts, bounded retries and secret-free errors.

    Parameters
    ----------
    url
        Address to fetch.
    params
        Query parameters (may hold an API key; it never appears in errors).
    source
        Source name for messages (``"fred"``, ``"cboe"``).
    series_id
        Series being fetched, for messages.
    settings
        Settings to use (default: :func:`flowdesk.config.get_settings`). Uses
        ``offline``, ``http_timeout`` and ``http_retries``.
    client
        An existing client (connection reuse, tests); by default a short-lived
        one is created and closed.
    sleep
        Called with the back-off delay in seconds between attempts (default
        :func:`time.sleep`); tests pass a recorder so nothing really waits.
    retries
        Extra attempts after a transient failure; default
        ``settings.http_retries``.
    describe_error
        Optional hook turning an error response into a short explanation (for
        APIs that return a JSON error body); its text is redacted too.

    Returns
    -------
    httpx.Response
        A 2xx response.

    Raises
    ------
    HTTPSourceError
        In offline mode (before any request), on a non-retryable status
        (e.g. 404) at once, and after the last attempt for 429/5xx answers and
        timeouts or refused connections.
    """
    settings = settings if settings is not None else get_settings()
    sleep = sleep if sleep is not None else time.sleep
    public = redact_url(url, params)
    secrets = _secrets(url, params)
    where = f"{source} series {series_id}"
    if settings.offline:
        raise HTTPSourceError(
            f"offline mode: {where} not fetched ({public}); unset FLOWDESK_OFFLINE to allow"
            " network access",
            url=public,
        )
    attempts = 1 + (settings.http_retries if retries is None else max(retries, 0))
    timeout = settings.http_timeout
    own = client is None
    session = client if client is not None else httpx.Client(follow_redirects=True)
    try:
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = session.get(
                    url,
                    params=dict(params) if params else None,
                    headers={"User-Agent": USER_AGENT},
                    timeout=timeout,
                )
            except _TRANSIENT_TRANSPORT as exc:
                if last:
                    problem = _describe_transport(exc, timeout)
                    raise HTTPSourceError(
                        _scrub(
                            f"{where}: {problem} after {attempts} attempt(s) ({public})", secrets
                        ),
                        url=public,
                        transient=True,
                    ) from None
                sleep(backoff_delay(attempt))
                continue
            except httpx.HTTPError as exc:
                problem = _describe_transport(exc, timeout)
                raise HTTPSourceError(
                    _scrub(f"{where}: {problem} ({public})", secrets), url=public
                ) from None
            if response.is_success:
                return response
            status = response.status_code
            transient = status in _RETRY_STATUS
            if transient and not last:
                sleep(backoff_delay(attempt, response.headers.get("retry-after")))
                continue
            reason = f"HTTP {status} {response.reason_phrase}".rstrip()
            detail = describe_error(response) if describe_error is not None else None
            tries = f" after {attempts} attempt(s)" if transient else ""
            message = f"{where}: {reason}{tries}" + (f": {detail}" if detail else "")
            raise HTTPSourceError(
                _scrub(f"{message} ({public})", secrets),
                url=public,
                status_code=status,
                transient=transient,
            )
    finally:
        if own:
            session.close()
    raise AssertionError("unreachable: the retry loop always returns or raises")


class HTTPClient:
    """What every plain-HTTP fetcher holds: its settings, an optional client, a sleeper.

    Series sources (:class:`HTTPSource`) and table fetchers (the Board's
    speeches feed) share it, so each request goes through :func:`get` with the
    same retries, timeout and offline rule.

    Parameters
    ----------
    settings
        Settings to use; default: :func:`flowdesk.config.get_settings` at each
        request, so environment changes are seen.
    client
        An ``httpx.Client`` to reuse (default: one per request).
    sleep
        Back-off sleeper passed to :func:`get` (tests inject a recorder).
    """

    name: ClassVar[str]

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._sleep = sleep

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self._settings if self._settings is not None else get_settings()

    def _get(self, query: Query, **options: Any) -> httpx.Response:
        return get(
            query.url,
            params=query.params,
            source=self.name,
            series_id=query.series_id,
            settings=self.settings,
            client=self._client,
            sleep=self._sleep,
            **options,
        )


class HTTPSource(HTTPClient, LiveSource):
    """A live series source that reads its data over plain HTTP through :func:`get`.

    Constructed as :class:`HTTPClient` (settings, client, sleep).
    """

    def _reject_html(
        self, response: httpx.Response, query: Query, expected: str, hint: str = ""
    ) -> None:
        """Raise when a server answered with a web page instead of the data file.

        Portals and CDNs answer errors, rate limits and unknown ids with a 200
        HTML page, so a successful status alone does not mean data came back.

        Parameters
        ----------
        response
            The successful response to check.
        query
            The request; its series id and public URL go into the message.
        expected
            What should have come back (``"CSV"``, ``"JSON"``).
        hint
            Text appended to the message, e.g. a likely cause.

        Raises
        ------
        SourceError
            If the body is an HTML page.
        """
        if looks_like_html(response):
            raise SourceError(
                f"{self.name} series {query.series_id}: got an HTML page instead of {expected}"
                f" from {query.public_url}{hint}"
            )
