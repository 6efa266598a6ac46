"""Earnings-release dates of listed companies from SEC EDGAR.

A company's earnings release is furnished to the SEC on Form 8-K under Item 2.02
("Results of Operations and Financial Condition"); the date of that filing is
taken as the company's earnings date. Two keyless EDGAR files are read:

* ``https://www.sec.gov/files/company_tickers.json`` maps tickers to CIKs:
  ``{"0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."}, ...}``.
* ``https://data.sec.gov/submissions/CIK##########.json`` (CIK zero-padded to ten
  digits) lists a company's filings as parallel arrays under ``filings.recent``
  (``form``, ``filingDate``, ``items`` as ``"2.02,9.01"``, ...); older filings are
  in the files named by ``filings.files`` (``name``, ``filingCount``,
  ``filingFrom``, ``filingTo``), each holding the same arrays at top level.

Per company the fetch follows the house steps: :meth:`EdgarEarningsSource.transform_query`
(ticker and CIK -> request), :meth:`~EdgarEarningsSource.extract` (request -> JSON,
the only I/O) and :meth:`~EdgarEarningsSource.transform_data` (JSON -> dates).

SEC's fair-access policy asks automated tools to declare themselves in the
User-Agent (``FLOWDESK_SEC_USER_AGENT``, ``"Name email"``) and to stay at or below
10 requests per second (``FLOWDESK_SEC_MAX_REQUESTS_PER_SECOND``); every request,
retries included, passes the :class:`RateLimiter`.

Choices
-------
* ``8-K/A`` is excluded: an amendment corrects or completes an earlier filing, it
  is not a new earnings release, and counting it would add a false date weeks
  after the real one.
* Items are compared exactly after splitting on commas, so ``"2.02"`` matches but
  ``"12.02"`` would not. Filings before August 2004 used whole-number items (the
  results item was 12) and are not recognised; refreshes look at recent years.
* The date is EDGAR's ``filingDate``, the day SEC assigns to the filing; a
  submission late in the evening may carry the next business day.
  ``acceptanceDateTime`` and the 8-K's ``reportDate`` (event date) are not used.
* Tickers are matched after :func:`normalize_ticker` (``BRK.B``, ``brk/b`` and
  ``BRK-B`` are the same key), but results are reported under the caller's
  spelling so they join back to the caller's table.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import httpx
import pandas as pd

from flowdesk.config import Settings, get_settings
from flowdesk.data.sources.base import Query
from flowdesk.data.sources.http import HTTPSourceError, get, looks_like_html
from flowdesk.errors import ConfigError, SourceError

__all__ = [
    "EARNINGS_FORMS",
    "EARNINGS_ITEM",
    "SEC_SUBMISSIONS_URL",
    "SEC_TICKERS_URL",
    "EdgarEarningsSource",
    "RateLimiter",
    "SecFetch",
    "fetch_earnings_dates",
    "normalize_ticker",
    "submissions_page_url",
    "submissions_url",
]

SEC_TICKERS_URL = "https://www.sec.gov/files/company_tickers.json"
SEC_SUBMISSIONS_URL = "https://data.sec.gov/submissions/CIK{cik:010d}.json"
_SUBMISSIONS_BASE = "https://data.sec.gov/submissions/"
#: Forms whose Item 2.02 marks an earnings release (amendments deliberately not).
EARNINGS_FORMS = frozenset({"8-K"})
EARNINGS_ITEM = "2.02"
SERIES_ID = "EARNINGS_DATES"
# The three parallel arrays read from a filings block; the others are ignored.
_COLUMNS = ("form", "filingDate", "items")
# After this many companies in a row fail without any HTTP answer (after the
# helper's retries), the network is taken to be down: stop instead of spending
# minutes of retries on every remaining company.
_MAX_CONSECUTIVE_TRANSPORT_FAILURES = 3
_UA_HINT = (
    "set FLOWDESK_SEC_USER_AGENT to your name and a contact email, e.g."
    " 'Jane Doe jane.doe@example.com' (SEC blocks undeclared automated tools)"
)


def submissions_url(cik: int) -> str:
    """Address of the submissions JSON of company ``cik`` (zero-padded to ten digits)."""
    return SEC_SUBMISSIONS_URL.format(cik=cik)


def submissions_page_url(name: str) -> str:
    """Address of an older-filings page named in ``filings.files``."""
    return _SUBMISSIONS_BASE + name


def normalize_ticker(ticker: str) -> str:
    """Key under which a ticker is looked up in SEC's map.

    Upper case, surrounding blanks removed, and the share-class separators ``.``
    and ``/`` written as SEC writes them, ``-``: S&P's ``BRK.B`` and some vendors'
    ``BRK/B`` both become SEC's ``BRK-B``.

    Parameters
    ----------
    ticker
        Ticker as spelled by the caller or by SEC.

    Returns
    -------
    str
        The normalised key.
    """
    return ticker.strip().upper().replace(".", "-").replace("/", "-")


# ---------------------------------------------------------------- rate limiting


class RateLimiter:
    """Blocks so that at most ``max_per_second`` calls fall in any one-second window.

    A sliding log of the last calls' times: a new call waits until the call
    ``max_per_second`` places back is at least one second old. A fixed-interval
    pacer would also comply but wastes the burst SEC allows; a fixed-window counter
    can put twice the limit across a window boundary.

    Parameters
    ----------
    max_per_second
        Calls allowed per second (> 0); fractional values allow one call every
        ``1 / max_per_second`` seconds.
    clock
        Monotonic seconds (default :func:`time.monotonic`; never wall time, which
        can jump).
    sleep
        Waits the given seconds (default :func:`time.sleep`); tests pass a fake
        that advances their fake clock.
    """

    def __init__(
        self,
        max_per_second: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not max_per_second > 0:
            raise ConfigError(f"rate limit must be > 0 requests per second, got {max_per_second}")
        if max_per_second >= 1:
            self._burst, self._window = int(max_per_second), 1.0
        else:
            self._burst, self._window = 1, 1.0 / max_per_second
        self._clock = clock if clock is not None else time.monotonic
        self._sleep = sleep
        self._times: deque[float] = deque()

    def acquire(self) -> None:
        """Wait, if needed, until one more call keeps within the limit, and count it."""
        now = self._clock()
        while len(self._times) >= self._burst:
            wait = self._times[0] + self._window - now
            if wait <= 0:
                self._times.popleft()
                continue
            # Looked up at call time so a patched time.sleep is honoured.
            (self._sleep or time.sleep)(wait)
            now = self._clock()
        self._times.append(now)


class _SecSession:
    """What :func:`flowdesk.data.sources.http.get` is given as its client.

    The shared helper sends flowdesk's generic User-Agent and knows nothing of
    rate limits; SEC needs its own declared User-Agent and a pace. This wrapper
    puts both on every attempt the helper makes (its retries included) and
    otherwise hands the call to the real client. It relies only on the helper
    calling ``client.get(url, headers=..., ...)``; the tests check the header on
    every request, so a change there cannot pass unnoticed.
    """

    def __init__(self, client: httpx.Client, limiter: RateLimiter, user_agent: str) -> None:
        self._client = client
        self._limiter = limiter
        self._user_agent = user_agent

    def get(self, url: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
        self._limiter.acquire()
        merged = {**(headers or {}), "User-Agent": self._user_agent}
        return self._client.get(url, headers=merged, **kwargs)


# ---------------------------------------------------------------- result


@dataclass(frozen=True)
class SecFetch:
    """Result of :func:`fetch_earnings_dates`.

    Attributes
    ----------
    dates
        Columns ``ticker`` (str, the caller's spelling) and ``report_date``
        (datetime64[ns], the filing date of an Item 2.02 Form 8-K); sorted by
        ticker then date, no duplicate rows.
    failed
        Ticker -> one-line reason, for companies whose filings could not be read
        (the others were fetched regardless).
    unknown
        Tickers absent from SEC's ticker map, in the order given.
    """

    dates: pd.DataFrame
    failed: dict[str, str] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()


def _dates_frame(pairs: Iterable[tuple[str, pd.Timestamp]]) -> pd.DataFrame:
    rows = list(pairs)
    frame = pd.DataFrame(
        {
            "ticker": pd.Series([t for t, _ in rows], dtype="str"),
            "report_date": pd.Series([d for _, d in rows], dtype="datetime64[ns]"),
        }
    )
    frame = frame.drop_duplicates().sort_values(["ticker", "report_date"], kind="stable")
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------- parsing


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def parse_ticker_map(body: Any) -> dict[str, int]:
    """Turn ``company_tickers.json`` into ``{normalised ticker: CIK}``.

    Parameters
    ----------
    body
        The decoded JSON: an object of ``{"cik_str", "ticker", "title"}`` rows
        keyed by rank (``"0"``, ``"1"``, ...).

    Returns
    -------
    dict[str, int]
        One entry per ticker; several tickers may share a CIK (share classes).

    Raises
    ------
    SourceError
        If the body does not have that shape.
    """
    label = f"sec series {SERIES_ID}: company_tickers.json"
    if not isinstance(body, dict) or not body:
        raise SourceError(f"{label} is not a non-empty object of ticker rows")
    mapping: dict[str, int] = {}
    for key, row in body.items():
        try:
            ticker, cik = str(row["ticker"]), int(row["cik_str"])
        except (TypeError, KeyError, ValueError):
            raise SourceError(f"{label}: row {key!r} lacks a ticker or a numeric cik_str") from None
        # The file is ranked by size: on a clash keep the first (larger) filer.
        mapping.setdefault(normalize_ticker(ticker), cik)
    return mapping


def _block_columns(block: Any, where: str) -> dict[str, list[Any]]:
    """The parallel arrays of one filings block, checked for shape."""
    if not isinstance(block, dict):
        raise SourceError(f"{where}: expected an object of filing arrays")
    missing = [name for name in _COLUMNS if not isinstance(block.get(name), list)]
    if missing:
        raise SourceError(f"{where}: no {', '.join(missing)} array")
    lengths = {name: len(block[name]) for name in _COLUMNS}
    if len(set(lengths.values())) > 1:
        raise SourceError(f"{where}: filing arrays differ in length {lengths}")
    return {name: block[name] for name in _COLUMNS}


def earnings_filing_dates(block: Any, where: str) -> list[pd.Timestamp]:
    """Filing dates of the Item 2.02 Forms 8-K in one filings block.

    Parameters
    ----------
    block
        ``filings.recent`` of a submissions file, or a whole older-filings page:
        an object of parallel arrays ``form``, ``filingDate``, ``items``, ...
    where
        Names the block in error messages.

    Returns
    -------
    list[pd.Timestamp]
        In the block's order (EDGAR lists newest first), duplicates kept.

    Raises
    ------
    SourceError
        If the arrays are missing, unequal in length, or a kept row's date is not
        ``YYYY-MM-DD``.
    """
    columns = _block_columns(block, where)
    dates: list[pd.Timestamp] = []
    for i, (form, filed, items) in enumerate(
        zip(columns["form"], columns["filingDate"], columns["items"], strict=True)
    ):
        if str(form).strip() not in EARNINGS_FORMS:
            continue
        codes = {code.strip() for code in str(items or "").split(",")}
        if EARNINGS_ITEM not in codes:
            continue
        try:
            day = pd.to_datetime(str(filed), format="%Y-%m-%d")
        except ValueError:
            raise SourceError(f"{where}: filing {i + 1} has invalid filingDate {filed!r}") from None
        dates.append(day)
    return dates


def _older_pages(filings: Any, since: pd.Timestamp | None, where: str) -> list[str]:
    """Names of the older-filings pages worth reading (``filingTo`` >= ``since``)."""
    files = filings.get("files", []) if isinstance(filings, dict) else []
    if not isinstance(files, list):
        raise SourceError(f"{where}: filings.files is not a list")
    names: list[str] = []
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SourceError(f"{where}: filings.files entry without a name: {entry!r}")
        if since is not None and entry.get("filingTo"):
            try:
                last = pd.to_datetime(str(entry["filingTo"]), format="%Y-%m-%d")
            except ValueError:
                last = None  # unreadable range: read the page rather than guess
            if last is not None and last < since:
                continue
        names.append(entry["name"])
    return names


def _as_naive_day(since: pd.Timestamp | None) -> pd.Timestamp | None:
    if since is None:
        return None
    since = pd.Timestamp(since)
    if since.tz is not None:
        since = since.tz_convert("UTC").tz_localize(None)
    return since.normalize()


# ---------------------------------------------------------------- the source


@dataclass
class _RunState:
    done: int = 0
    transport_failures_in_a_row: int = 0
    rows: list[tuple[str, pd.Timestamp]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class EdgarEarningsSource:
    """Fetch Item 2.02 Form 8-K filing dates per company from SEC EDGAR.

    Parameters
    ----------
    settings
        Settings to use (default: :func:`flowdesk.config.get_settings` at fetch
        time). Uses ``sec_user_agent``, ``sec_max_requests_per_second``,
        ``offline``, ``http_timeout`` and ``http_retries``.
    client
        An ``httpx.Client`` to reuse (default: one for the whole fetch, closed at
        the end).
    sleep
        Waits for both the rate limiter and the retry back-off (default
        :func:`time.sleep`).
    clock
        Monotonic clock of the rate limiter (default :func:`time.monotonic`).
    """

    name: ClassVar[str] = "sec"

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._settings = settings
        self._client = client
        self._sleep = sleep
        self._clock = clock
        self._session: _SecSession | None = None

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self._settings if self._settings is not None else get_settings()

    # ------------------------------------------------------------ three steps

    def transform_query(self, ticker: str, cik: int) -> Query:
        """Build the submissions request of company ``cik`` (no secrets: EDGAR is keyless)."""
        url = submissions_url(cik)
        return Query(f"{SERIES_ID} {ticker}", url, {}, url)

    def page_query(self, ticker: str, name: str) -> Query:
        """Build the request of the older-filings page ``name`` of ``ticker``."""
        url = submissions_page_url(name)
        return Query(f"{SERIES_ID} {ticker}", url, {}, url)

    def extract(self, query: Query) -> Any:
        """GET ``query`` through the shared HTTP helper and decode its JSON.

        Raises
        ------
        HTTPSourceError
            On HTTP or transport failure (after the helper's retries for 429,
            5xx and dropped connections).
        SourceError
            When an HTML page or invalid JSON comes back.
        """
        if self._session is None:
            raise RuntimeError("extract() needs the session that fetch() sets up")
        response = get(
            query.url,
            params=query.params,
            source=self.name,
            series_id=query.series_id,
            settings=self.settings,
            client=cast(httpx.Client, self._session),
            sleep=self._sleep,
        )
        where = f"{self.name} series {query.series_id}"
        if looks_like_html(response):
            raise SourceError(
                f"{where}: got an HTML page instead of JSON from {query.public_url}"
                " (SEC may be throttling this address)"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise SourceError(
                f"{where}: the answer is not valid JSON ({_one_line(str(exc))})"
                f" ({query.public_url})"
            ) from None

    def transform_data(
        self, raw: Any, ticker: str, *, since: pd.Timestamp | None = None
    ) -> tuple[list[pd.Timestamp], list[str]]:
        """Earnings dates in a submissions file, and the older pages still to read.

        Parameters
        ----------
        raw
            Decoded ``CIK##########.json``.
        ticker
            For messages.
        since
            Older pages whose ``filingTo`` is before this day are not listed.

        Returns
        -------
        tuple[list[pd.Timestamp], list[str]]
            Dates found in ``filings.recent``, and the page names to fetch.

        Raises
        ------
        SourceError
            If the file lacks ``filings.recent`` or its arrays are malformed.
        """
        where = f"{self.name} series {SERIES_ID} {ticker}"
        filings = raw.get("filings") if isinstance(raw, dict) else None
        if not isinstance(filings, dict) or "recent" not in filings:
            raise SourceError(f"{where}: the submissions file has no filings.recent block")
        dates = earnings_filing_dates(filings["recent"], f"{where}: filings.recent")
        return dates, _older_pages(filings, since, where)

    # ------------------------------------------------------------ the run

    def _ticker_map(self) -> dict[str, int]:
        query = Query(SERIES_ID, SEC_TICKERS_URL, {}, SEC_TICKERS_URL)
        return parse_ticker_map(self.extract(query))

    def _company_dates(
        self, ticker: str, cik: int, since: pd.Timestamp | None
    ) -> list[pd.Timestamp]:
        dates, pages = self.transform_data(
            self.extract(self.transform_query(ticker, cik)), ticker, since=since
        )
        for name in pages:
            page = self.extract(self.page_query(ticker, name))
            dates += earnings_filing_dates(page, f"{self.name} series {SERIES_ID} {ticker}: {name}")
        if since is not None:
            dates = [d for d in dates if d >= since]
        return dates

    def _blocked(self, exc: HTTPSourceError) -> SourceError:
        default = self.settings.sec_user_agent == Settings.model_fields["sec_user_agent"].default
        which = "the default User-Agent, which names no contact" if default else "this User-Agent"
        return SourceError(f"{_one_line(str(exc))}: SEC refused {which}; {_UA_HINT}")

    def fetch(
        self,
        tickers: Sequence[str] | None,
        *,
        progress: Callable[[int, int, str], None] | None = None,
        since: pd.Timestamp | None = None,
    ) -> SecFetch:
        """Fetch the earnings dates of ``tickers``; see :func:`fetch_earnings_dates`."""
        if tickers is None:
            raise ConfigError(
                f"{SERIES_ID}: no tickers given; pass the tickers of the current table (SEC's"
                " ticker map lists some 10,000 filers, not S&P 500 membership, and fetching"
                " them all would take over 15 minutes at SEC's rate limit)"
            )
        if isinstance(tickers, str):
            raise ConfigError(f"{SERIES_ID}: tickers must be a sequence of tickers, not one string")
        wanted = list(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
        if not wanted:
            return SecFetch(_dates_frame([]))
        settings = self.settings
        limiter = RateLimiter(
            settings.sec_max_requests_per_second, clock=self._clock, sleep=self._sleep
        )
        own = self._client is None
        client = self._client if self._client is not None else httpx.Client(follow_redirects=True)
        self._session = _SecSession(client, limiter, settings.sec_user_agent)
        try:
            return self._run(wanted, progress, _as_naive_day(since))
        finally:
            self._session = None
            if own:
                client.close()

    def _run(
        self,
        wanted: list[str],
        progress: Callable[[int, int, str], None] | None,
        since: pd.Timestamp | None,
    ) -> SecFetch:
        try:
            ciks = self._ticker_map()
        except HTTPSourceError as exc:
            if exc.status_code == 403:
                raise self._blocked(exc) from None
            raise
        known = [t for t in wanted if normalize_ticker(t) in ciks]
        unknown = tuple(t for t in wanted if normalize_ticker(t) not in ciks)
        state = _RunState()
        by_cik: dict[int, list[pd.Timestamp]] = {}  # share classes share one filer
        for ticker in known:
            cik = ciks[normalize_ticker(ticker)]
            try:
                if cik not in by_cik:
                    by_cik[cik] = self._company_dates(ticker, cik, since)
                state.rows += [(ticker, day) for day in by_cik[cik]]
                state.transport_failures_in_a_row = 0
            except HTTPSourceError as exc:
                if exc.status_code == 403:
                    # SEC blocks the client, not the company: every further
                    # request would be refused too and prolongs the block.
                    raise self._blocked(exc) from None
                self._record_failure(state, ticker, exc, done=state.done, total=len(known))
            except SourceError as exc:
                state.failed[ticker] = _one_line(str(exc))
                state.transport_failures_in_a_row = 0
            state.done += 1
            if progress is not None:
                progress(state.done, len(known), ticker)
        return SecFetch(_dates_frame(state.rows), state.failed, unknown)

    @staticmethod
    def _record_failure(
        state: _RunState, ticker: str, exc: HTTPSourceError, *, done: int, total: int
    ) -> None:
        state.failed[ticker] = _one_line(str(exc))
        if exc.status_code is not None:
            state.transport_failures_in_a_row = 0
            return
        state.transport_failures_in_a_row += 1
        if state.transport_failures_in_a_row >= _MAX_CONSECUTIVE_TRANSPORT_FAILURES:
            raise SourceError(
                f"sec series {SERIES_ID}: the network appears to be down"
                f" ({state.transport_failures_in_a_row} companies in a row got no answer,"
                f" {done + 1} of {total} tried); last error: {_one_line(str(exc))}"
            ) from exc


def fetch_earnings_dates(
    tickers: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    since: pd.Timestamp | None = None,
) -> SecFetch:
    """Fetch companies' earnings-release dates (Item 2.02 Forms 8-K) from SEC EDGAR.

    Parameters
    ----------
    tickers
        Tickers to refresh, normally those of the current ``EARNINGS_DATES`` table;
        any of ``BRK.B``, ``BRK/B``, ``BRK-B`` finds Berkshire's class B (see
        :func:`normalize_ticker`), and results keep the spelling given here.
        ``None`` is refused with a :class:`~flowdesk.errors.ConfigError` before
        any request: SEC's map cannot tell which companies are in the S&P 500.
    settings
        Settings (default :func:`flowdesk.config.get_settings`); see
        :class:`EdgarEarningsSource`.
    client
        ``httpx.Client`` to send the requests with (default: a private one).
    progress
        Called as ``progress(done, total, ticker)`` after each company found in
        SEC's map, whether it succeeded or failed.
    since
        Only dates on or after this day are returned, and older-filings pages
        ending before it are not downloaded (a refresh needs only
        ``filings.recent``, which holds about the last 1,000 filings).

    Returns
    -------
    SecFetch
        Dates, per-company failures and tickers unknown to SEC.

    Raises
    ------
    ConfigError
        If ``tickers`` is ``None``.
    SourceError
        If SEC's ticker map cannot be fetched (offline mode, network down,
        HTTP error), if SEC answers 403 (undeclared User-Agent: the message says
        to set ``FLOWDESK_SEC_USER_AGENT``), or if several companies in a row get
        no answer at all (network down). Callers fall back to the cached or
        snapshot table.
    """
    source = EdgarEarningsSource(settings, client=client)
    return source.fetch(tickers, progress=progress, since=since)
