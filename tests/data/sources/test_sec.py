"""SEC EDGAR earnings dates: parsing, paging, rate limit, User-Agent, failures.

HTTP is served by ``httpx.MockTransport`` from the recorded-format fixtures
(``fixtures/sec_*``); a fake monotonic clock stands in for time, so the rate
limiter and the retry back-off are observed without waiting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from flowdesk.config import Settings
from flowdesk.data.sources.sec import (
    SEC_TICKERS_URL,
    EdgarEarningsSource,
    RateLimiter,
    SecFetch,
    earnings_filing_dates,
    fetch_earnings_dates,
    normalize_ticker,
    parse_ticker_map,
    submissions_page_url,
    submissions_url,
)
from flowdesk.errors import ConfigError, SourceError

UA = "Flowdesk Tests ci-tests@example.org"
AAPL_URL = "https://data.sec.gov/submissions/CIK0000320193.json"
AAPL_PAGE1 = "https://data.sec.gov/submissions/CIK0000320193-submissions-001.json"
AAPL_PAGE2 = "https://data.sec.gov/submissions/CIK0000320193-submissions-002.json"
MSFT_URL = "https://data.sec.gov/submissions/CIK0000789019.json"
NVDA_URL = "https://data.sec.gov/submissions/CIK0001045810.json"
BRK_URL = "https://data.sec.gov/submissions/CIK0001067983.json"

# Counted by hand in the fixtures (see fixtures/README.md).
AAPL_RECENT = ["2024-08-01", "2024-10-31", "2025-01-30", "2025-05-01", "2025-07-31", "2025-10-30"]
AAPL_PAGE1_DATES = ["2023-08-03", "2023-11-02", "2024-02-01", "2024-05-02"]
AAPL_PAGE2_DATES = ["2023-02-02", "2023-05-04"]
AAPL_ALL = AAPL_PAGE2_DATES + AAPL_PAGE1_DATES + AAPL_RECENT
MSFT_ALL = ["2024-10-30", "2025-01-29", "2025-04-30", "2025-07-30", "2025-10-29"]


# ---------------------------------------------------------------- fakes


class FakeClock:
    """Monotonic clock whose sleep advances it; records the sleeps."""

    def __init__(self) -> None:
        self.now = 5000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


Reply = str | int | httpx.Response | type[BaseException] | Callable[[httpx.Request], Any]


class FakeSec:
    """EDGAR behind ``httpx.MockTransport``.

    ``routes`` maps a URL to a reply or a list of replies (served in turn, the
    last one repeated). A reply is a fixture file name, an HTTP status, a
    response, or an exception class to raise. Unknown URLs fail the test.
    """

    def __init__(self, kit: Any, clock: FakeClock) -> None:
        self.kit, self.clock = kit, clock
        self.routes: dict[str, list[Reply]] = {
            SEC_TICKERS_URL: ["sec_company_tickers.json"],
            AAPL_URL: ["sec_submissions_CIK0000320193.json"],
            AAPL_PAGE1: ["sec_submissions_CIK0000320193-submissions-001.json"],
            AAPL_PAGE2: ["sec_submissions_CIK0000320193-submissions-002.json"],
            MSFT_URL: ["sec_submissions_CIK0000789019.json"],
        }
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self._handle))

    def serve(self, url: str, *replies: Reply) -> None:
        self.routes[url] = list(replies)

    def calls(self, url: str) -> int:
        return sum(str(r.url) == url for r in self.requests)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(self.clock.now)
        url = str(request.url)
        assert url in self.routes, f"unexpected request to {url}"
        queue = self.routes[url]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, type) and issubclass(reply, BaseException):
            raise reply("simulated failure", request=request)  # type: ignore[call-arg]
        if isinstance(reply, int):
            return httpx.Response(reply, text="")
        if isinstance(reply, httpx.Response):
            return reply
        if callable(reply):
            return reply(request)  # type: ignore[no-any-return]
        return httpx.Response(
            200, text=self.kit.text(reply), headers={"content-type": "application/json"}
        )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sec(kit: Any, clock: FakeClock) -> FakeSec:
    return FakeSec(kit, clock)


@pytest.fixture
def settings(make_settings: Any, kit: Any) -> Settings:
    # A FRED key is present so that a leak of any secret into SEC URLs or
    # messages would show.
    return make_settings(sec_user_agent=UA, fred_api_key=kit.api_key)  # type: ignore[no-any-return]


@pytest.fixture
def source(settings: Settings, sec: FakeSec, clock: FakeClock) -> EdgarEarningsSource:
    return EdgarEarningsSource(settings, client=sec.client, sleep=clock.sleep, clock=clock)


def days(values: list[str]) -> list[pd.Timestamp]:
    return [pd.Timestamp(v) for v in values]


def dates_of(result: SecFetch, ticker: str) -> list[str]:
    frame = result.dates
    return [d.strftime("%Y-%m-%d") for d in frame.loc[frame["ticker"] == ticker, "report_date"]]


def independent_reading(kit: Any, *names: str) -> list[str]:
    """Item 2.02 8-K dates read with json alone, for the contract-style checks."""
    found: list[str] = []
    for name in names:
        body = json.loads(kit.text(name))
        block = body["filings"]["recent"] if "filings" in body else body
        for form, filed, items in zip(
            block["form"], block["filingDate"], block["items"], strict=True
        ):
            if form == "8-K" and "2.02" in items.split(","):
                found.append(filed)
    return sorted(found)


# ---------------------------------------------------------------- parsing


def test_fixture_hand_count_matches_an_independent_reading(kit: Any) -> None:
    # Guards the literal lists above against a fixture edited without them.
    assert independent_reading(
        kit,
        "sec_submissions_CIK0000320193.json",
        "sec_submissions_CIK0000320193-submissions-001.json",
        "sec_submissions_CIK0000320193-submissions-002.json",
    ) == sorted(AAPL_ALL)
    assert independent_reading(kit, "sec_submissions_CIK0000789019.json") == MSFT_ALL


def test_recent_block_keeps_only_item_202_form_8k(kit: Any) -> None:
    body = json.loads(kit.text("sec_submissions_CIK0000320193.json"))
    found = earnings_filing_dates(body["filings"]["recent"], "AAPL")
    # EDGAR lists newest first; the parser keeps that order.
    assert found == days(AAPL_RECENT[::-1])


def test_amendment_and_other_items_are_excluded(kit: Any) -> None:
    body = json.loads(kit.text("sec_submissions_CIK0000320193.json"))
    recent = body["filings"]["recent"]
    by_form = dict(zip(recent["filingDate"], recent["form"], strict=True))
    assert by_form["2025-02-04"] == "8-K/A"  # the fixture really has a 2.02 amendment
    found = earnings_filing_dates(recent, "AAPL")
    assert pd.Timestamp("2025-02-04") not in found  # 8-K/A with items 2.02,9.01
    assert pd.Timestamp("2025-02-25") not in found  # 8-K item 5.07
    assert pd.Timestamp("2024-08-20") not in found  # 8-K item 5.02
    assert pd.Timestamp("2025-10-31") not in found  # 10-K


def test_items_are_matched_exactly_not_as_substrings() -> None:
    block = {
        "form": ["8-K", "8-K", "8-K", "8-K", "10-Q"],
        "filingDate": ["2024-01-05", "2024-01-04", "2024-01-03", "2024-01-02", "2024-01-01"],
        "items": ["12.02", "2.02", " 7.01, 2.02 ", "", "2.02"],
    }
    assert earnings_filing_dates(block, "X") == days(["2024-01-04", "2024-01-03"])


@pytest.mark.parametrize(
    ("block", "wording"),
    [
        ({"form": ["8-K"], "filingDate": ["2024-01-02"]}, "no items"),
        ({"form": ["8-K"], "filingDate": [], "items": ["2.02"]}, "differ in length"),
        ({"form": ["8-K"], "filingDate": ["02/01/2024"], "items": ["2.02"]}, "invalid filingDate"),
        (["not", "an", "object"], "object of filing arrays"),
    ],
)
def test_malformed_blocks_are_refused(block: Any, wording: str) -> None:
    with pytest.raises(SourceError, match=wording):
        earnings_filing_dates(block, "X")


def test_ticker_map_parses_the_published_file(kit: Any) -> None:
    mapping = parse_ticker_map(json.loads(kit.text("sec_company_tickers.json")))
    assert mapping["AAPL"] == 320193
    assert mapping["MSFT"] == 789019
    assert mapping["NVDA"] == 1045810
    assert mapping["BRK-B"] == 1067983
    assert len(mapping) == 8


@pytest.mark.parametrize("body", [[], {}, {"0": {"ticker": "AAPL"}}, {"0": "AAPL"}])
def test_malformed_ticker_map_is_refused(body: Any) -> None:
    with pytest.raises(SourceError, match=r"company_tickers\.json"):
        parse_ticker_map(body)


def test_urls_pad_the_cik_to_ten_digits() -> None:
    assert submissions_url(320193) == AAPL_URL
    assert submissions_url(1067983) == BRK_URL
    assert submissions_page_url("CIK0000320193-submissions-001.json") == AAPL_PAGE1


@pytest.mark.parametrize(
    ("given", "key"),
    [("BRK.B", "BRK-B"), ("brk.b", "BRK-B"), ("BRK/B", "BRK-B"), (" BRK-B ", "BRK-B"),
     ("BF.B", "BF-B"), ("aapl", "AAPL")],
)
def test_normalize_ticker(given: str, key: str) -> None:
    assert normalize_ticker(given) == key


# ---------------------------------------------------------------- the fetch


def test_fetch_reads_recent_and_older_pages(source: EdgarEarningsSource, sec: FakeSec) -> None:
    result = source.fetch(["AAPL", "MSFT"])
    assert dates_of(result, "AAPL") == AAPL_ALL
    assert dates_of(result, "MSFT") == MSFT_ALL
    assert result.failed == {}
    assert result.unknown == ()
    for url in (SEC_TICKERS_URL, AAPL_URL, AAPL_PAGE1, AAPL_PAGE2, MSFT_URL):
        assert sec.calls(url) == 1, url
    assert len(sec.requests) == 5


def test_result_follows_the_table_policy(source: EdgarEarningsSource) -> None:
    frame = source.fetch(["MSFT", "AAPL", "aapl"]).dates
    assert list(frame.columns) == ["ticker", "report_date"]
    assert frame["report_date"].dtype == np.dtype("datetime64[ns]")
    assert pd.api.types.is_string_dtype(frame["ticker"])
    assert not frame.duplicated().any()
    ordered = frame.sort_values(["ticker", "report_date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, ordered)
    assert (frame["report_date"] == frame["report_date"].dt.normalize()).all()
    assert frame.index.equals(pd.RangeIndex(len(frame)))
    assert len(frame) == len(AAPL_ALL) + len(MSFT_ALL)


def test_public_function_has_the_same_result(
    settings: Settings, sec: FakeSec, source: EdgarEarningsSource
) -> None:
    # Five requests: within one second's allowance, so the real clock never sleeps.
    via_function = fetch_earnings_dates(["AAPL", "MSFT"], settings=settings, client=sec.client)
    pd.testing.assert_frame_equal(via_function.dates, source.fetch(["AAPL", "MSFT"]).dates)


def test_since_skips_older_pages_and_dates(source: EdgarEarningsSource, sec: FakeSec) -> None:
    # Page 002 ends 2023-05-05, before since: not downloaded. Page 001 ends
    # 2024-05-03: read, and only its dates from since on are kept.
    result = source.fetch(["AAPL"], since=pd.Timestamp("2023-11-02"))
    assert sec.calls(AAPL_PAGE2) == 0
    assert sec.calls(AAPL_PAGE1) == 1
    assert dates_of(result, "AAPL") == ["2023-11-02", "2024-02-01", "2024-05-02", *AAPL_RECENT]


def test_since_after_every_page_reads_recent_only(
    source: EdgarEarningsSource, sec: FakeSec
) -> None:
    result = source.fetch(["AAPL"], since=pd.Timestamp("2025-01-01"))
    assert sec.calls(AAPL_PAGE1) == sec.calls(AAPL_PAGE2) == 0
    assert dates_of(result, "AAPL") == ["2025-01-30", "2025-05-01", "2025-07-31", "2025-10-30"]


def test_since_may_be_tz_aware(source: EdgarEarningsSource) -> None:
    result = source.fetch(["MSFT"], since=pd.Timestamp("2025-04-30", tz="UTC"))
    assert dates_of(result, "MSFT") == ["2025-04-30", "2025-07-30", "2025-10-29"]


def test_dotted_tickers_find_sec_dashed_tickers(
    source: EdgarEarningsSource, sec: FakeSec, kit: Any
) -> None:
    # Berkshire furnishes no Item 2.02 8-Ks; reuse Microsoft's filings to see dates arrive.
    sec.serve(BRK_URL, "sec_submissions_CIK0000789019.json")
    result = source.fetch(["BRK.B"])
    assert sec.calls(BRK_URL) == 1
    assert result.unknown == ()
    assert set(result.dates["ticker"]) == {"BRK.B"}  # reported in the caller's spelling
    assert dates_of(result, "BRK.B") == MSFT_ALL


def test_share_classes_of_one_filer_are_fetched_once(
    source: EdgarEarningsSource, sec: FakeSec, kit: Any
) -> None:
    extended = json.loads(kit.text("sec_company_tickers.json"))
    extended["8"] = {"cik_str": 789019, "ticker": "MSFT-X", "title": "MICROSOFT CORP"}
    sec.serve(SEC_TICKERS_URL, httpx.Response(200, json=extended))
    result = source.fetch(["MSFT", "MSFT.X"])
    assert sec.calls(MSFT_URL) == 1
    assert dates_of(result, "MSFT") == dates_of(result, "MSFT.X") == MSFT_ALL


def test_unknown_tickers_are_listed_not_fetched(source: EdgarEarningsSource, sec: FakeSec) -> None:
    result = source.fetch(["ZZZZ", "MSFT", "QQQQ"])
    assert result.unknown == ("ZZZZ", "QQQQ")
    assert dates_of(result, "MSFT") == MSFT_ALL
    assert len(sec.requests) == 2  # the map and Microsoft


def test_progress_is_called_after_each_company(source: EdgarEarningsSource, sec: FakeSec) -> None:
    sec.serve(NVDA_URL, 404)
    calls: list[tuple[int, int, str]] = []
    seen_requests: list[int] = []

    def progress(done: int, total: int, ticker: str) -> None:
        calls.append((done, total, ticker))
        seen_requests.append(len(sec.requests))

    source.fetch(["AAPL", "ZZZZ", "NVDA", "MSFT"], progress=progress)
    # Unknown tickers are not companies to fetch; a failed one still counts.
    assert calls == [(1, 3, "AAPL"), (2, 3, "NVDA"), (3, 3, "MSFT")]
    # Called after the company's requests, not before: map + 3 AAPL, then NVDA, then MSFT.
    assert seen_requests == [4, 5, 6]


def test_none_tickers_is_refused_without_a_request(
    source: EdgarEarningsSource, sec: FakeSec
) -> None:
    with pytest.raises(ConfigError, match="pass the tickers of the current table"):
        source.fetch(None)
    assert sec.requests == []


def test_a_single_string_is_refused(source: EdgarEarningsSource, sec: FakeSec) -> None:
    with pytest.raises(ConfigError, match="not one string"):
        source.fetch("AAPL")
    assert sec.requests == []


def test_no_tickers_means_no_request(source: EdgarEarningsSource, sec: FakeSec) -> None:
    result = source.fetch([])
    assert result.dates.empty and list(result.dates.columns) == ["ticker", "report_date"]
    assert sec.requests == []


# ---------------------------------------------------------------- headers, secrets


def test_user_agent_on_every_request_retries_included(
    source: EdgarEarningsSource, sec: FakeSec, kit: Any
) -> None:
    sec.serve(MSFT_URL, 503, "sec_submissions_CIK0000789019.json")
    sec.serve(NVDA_URL, 404)
    source.fetch(["AAPL", "MSFT", "NVDA"])
    assert len(sec.requests) == 7  # map, 3 Apple, Microsoft twice, NVIDIA
    for request in sec.requests:
        assert request.headers["User-Agent"] == UA
        assert not request.url.query  # EDGAR is keyless: nothing to hide, nothing sent
        assert kit.api_key not in str(request.url)


def test_default_user_agent_is_descriptive() -> None:
    agent = Settings().sec_user_agent
    assert agent.startswith("flowdesk/")
    assert "FLOWDESK_SEC_USER_AGENT" in agent


def test_user_agent_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, make_settings: Any
) -> None:
    monkeypatch.setenv("FLOWDESK_SEC_USER_AGENT", "  Jane Doe jane@example.com ")
    assert make_settings().sec_user_agent == "Jane Doe jane@example.com"


@pytest.mark.parametrize("agent", ["", "   ", "Jane\nDoe jane@example.com"])
def test_unusable_user_agents_are_refused(make_settings: Any, agent: str) -> None:
    with pytest.raises(ConfigError, match="sec_user_agent"):
        make_settings(sec_user_agent=agent)


@pytest.mark.parametrize("rate", [10.5, 11, 100])
def test_more_than_ten_requests_per_second_is_refused(make_settings: Any, rate: float) -> None:
    with pytest.raises(ConfigError, match="at most 10 requests per second"):
        make_settings(sec_max_requests_per_second=rate)


def test_rate_setting_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, make_settings: Any
) -> None:
    monkeypatch.setenv("FLOWDESK_SEC_MAX_REQUESTS_PER_SECOND", "4")
    assert make_settings().sec_max_requests_per_second == 4
    monkeypatch.setenv("FLOWDESK_SEC_MAX_REQUESTS_PER_SECOND", "20")
    with pytest.raises(ConfigError, match="at most 10"):
        make_settings()


# ---------------------------------------------------------------- rate limiter


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    """Most calls in any half-open window [t, t + window) starting at a call."""
    ordered = sorted(times)
    return max(sum(t <= u < t + window for u in ordered) for t in ordered)


def test_limiter_never_exceeds_ten_in_any_second(clock: FakeClock) -> None:
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(57):
        limiter.acquire()
        times.append(clock.now)
        clock.now += 0.013  # a request's own duration
    assert max_in_any_window(times) <= 10
    # and it does not crawl: 57 calls need a little over five seconds
    assert times[-1] - times[0] < 6.0


def test_limiter_allows_the_first_burst_without_waiting(clock: FakeClock) -> None:
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire()
    assert clock.sleeps == []
    limiter.acquire()
    assert clock.sleeps == [pytest.approx(1.0)]


def test_limiter_waits_only_for_what_the_window_needs(clock: FakeClock) -> None:
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 0.7
    limiter.acquire()
    limiter.acquire()  # the first call is 0.7 s old: 0.3 s to wait
    assert clock.sleeps == [pytest.approx(0.3)]


def test_limiter_below_one_per_second_spaces_calls(clock: FakeClock) -> None:
    limiter = RateLimiter(0.5, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(4):
        limiter.acquire()
        times.append(clock.now)
    assert np.diff(times) == pytest.approx([2.0, 2.0, 2.0])


def test_limiter_detects_a_lax_limit(clock: FakeClock) -> None:
    # The window check above must be able to fail: eleven in a second is caught.
    assert max_in_any_window([0.0] * 11) == 11
    assert max_in_any_window([0.0] * 10 + [1.0]) == 10


def test_fetch_paces_every_request(
    make_settings: Any, sec: FakeSec, clock: FakeClock
) -> None:
    settings = make_settings(sec_user_agent=UA, sec_max_requests_per_second=2)
    sec.serve(MSFT_URL, 500, 503, "sec_submissions_CIK0000789019.json")
    source = EdgarEarningsSource(settings, client=sec.client, sleep=clock.sleep, clock=clock)
    result = source.fetch(["AAPL", "MSFT"])
    assert dates_of(result, "MSFT") == MSFT_ALL
    assert len(sec.times) == 7  # retries count against the limit too
    assert max_in_any_window(sec.times) <= 2


def test_real_clock_default_for_the_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[float] = []
    monkeypatch.setattr("time.sleep", waited.append)
    ticks = iter([0.0, 0.0, 0.5, 1.0])
    monkeypatch.setattr("time.monotonic", lambda: next(ticks))
    limiter = RateLimiter(2)
    limiter.acquire()
    limiter.acquire()
    limiter.acquire()
    assert waited == [pytest.approx(0.5)]


# ---------------------------------------------------------------- failures


def test_403_asks_for_a_declared_user_agent(
    make_settings: Any, sec: FakeSec, clock: FakeClock
) -> None:
    sec.serve(SEC_TICKERS_URL, 403)
    source = EdgarEarningsSource(make_settings(), client=sec.client, sleep=clock.sleep, clock=clock)
    with pytest.raises(SourceError, match="FLOWDESK_SEC_USER_AGENT") as info:
        source.fetch(["AAPL"])
    assert "403" in str(info.value)
    assert "default User-Agent" in str(info.value)
    assert sec.calls(SEC_TICKERS_URL) == 1  # 403 is not retried


def test_403_on_a_company_stops_the_run(source: EdgarEarningsSource, sec: FakeSec) -> None:
    sec.serve(AAPL_URL, 403)
    with pytest.raises(SourceError, match="FLOWDESK_SEC_USER_AGENT"):
        source.fetch(["AAPL", "MSFT"])
    assert sec.calls(MSFT_URL) == 0  # SEC blocks the client; asking on prolongs it


def test_404_puts_the_ticker_in_failed(
    source: EdgarEarningsSource, sec: FakeSec, clock: FakeClock
) -> None:
    sec.serve(NVDA_URL, 404)
    result = source.fetch(["NVDA", "MSFT"])
    assert set(result.failed) == {"NVDA"}
    assert "404" in result.failed["NVDA"]
    assert NVDA_URL in result.failed["NVDA"]
    assert "\n" not in result.failed["NVDA"]
    assert sec.calls(NVDA_URL) == 1
    assert clock.sleeps == []
    assert dates_of(result, "MSFT") == MSFT_ALL


@pytest.mark.parametrize("status", [429, 500, 503])
def test_429_and_5xx_are_retried_then_failed(
    source: EdgarEarningsSource, sec: FakeSec, clock: FakeClock, status: int
) -> None:
    sec.serve(AAPL_URL, status)
    result = source.fetch(["AAPL", "MSFT"])
    assert sec.calls(AAPL_URL) == 4  # 1 + http_retries
    assert clock.sleeps == [0.5, 1.0, 2.0]  # the shared helper's back-off
    assert str(status) in result.failed["AAPL"]
    assert "4 attempt(s)" in result.failed["AAPL"]
    assert dates_of(result, "MSFT") == MSFT_ALL


def test_a_500_then_success_loses_nothing(
    source: EdgarEarningsSource, sec: FakeSec, clock: FakeClock
) -> None:
    sec.serve(AAPL_PAGE1, 500, "sec_submissions_CIK0000320193-submissions-001.json")
    result = source.fetch(["AAPL"])
    assert sec.calls(AAPL_PAGE1) == 2
    assert clock.sleeps == [0.5]
    assert dates_of(result, "AAPL") == AAPL_ALL


def test_a_failed_older_page_fails_the_company(source: EdgarEarningsSource, sec: FakeSec) -> None:
    # Half a history would pass for a complete one: the company is failed instead.
    sec.serve(AAPL_PAGE2, 404)
    result = source.fetch(["AAPL", "MSFT"])
    assert "submissions-002" in result.failed["AAPL"]
    assert dates_of(result, "AAPL") == []
    assert dates_of(result, "MSFT") == MSFT_ALL


@pytest.mark.parametrize(
    ("payload", "wording"),
    [
        (httpx.Response(200, text='{"cik": "320193", "filings": {"recent": {"form": ['),
         "not valid JSON"),
        (httpx.Response(200, text="<!DOCTYPE html><html><body>Request Rate Threshold Exceeded"),
         "HTML page"),
        (httpx.Response(200, json={"cik": "320193", "name": "Apple Inc."}), "filings.recent"),
        (httpx.Response(200, json={"filings": {"recent": {"form": ["8-K"]}}}), "no filingDate"),
    ],
    ids=["truncated", "html", "no_filings", "missing_arrays"],
)
def test_malformed_submissions_fail_that_company(
    source: EdgarEarningsSource, sec: FakeSec, payload: httpx.Response, wording: str
) -> None:
    sec.serve(AAPL_URL, payload)
    result = source.fetch(["AAPL", "MSFT"])
    assert wording in result.failed["AAPL"]
    assert "AAPL" in result.failed["AAPL"]
    assert dates_of(result, "MSFT") == MSFT_ALL


def test_malformed_ticker_map_is_a_source_error(source: EdgarEarningsSource, sec: FakeSec) -> None:
    sec.serve(SEC_TICKERS_URL, httpx.Response(200, text="[]"))
    with pytest.raises(SourceError, match=r"company_tickers\.json"):
        source.fetch(["AAPL"])


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ReadTimeout])
def test_network_down_is_a_source_error(
    source: EdgarEarningsSource, sec: FakeSec, failure: type[Exception]
) -> None:
    sec.serve(SEC_TICKERS_URL, failure)
    with pytest.raises(SourceError) as info:
        source.fetch(["AAPL"])
    assert "EARNINGS_DATES" in str(info.value)
    assert sec.calls(SEC_TICKERS_URL) == 4


def test_network_lost_midway_stops_after_three_silent_companies(
    source: EdgarEarningsSource, sec: FakeSec, kit: Any
) -> None:
    extended = json.loads(kit.text("sec_company_tickers.json"))
    for url in (AAPL_URL, MSFT_URL, NVDA_URL, BRK_URL):
        sec.serve(url, httpx.ConnectError)
    sec.serve(SEC_TICKERS_URL, httpx.Response(200, json=extended))
    with pytest.raises(SourceError, match="network appears to be down"):
        source.fetch(["AAPL", "MSFT", "NVDA", "BRK.B"])
    assert sec.calls(BRK_URL) == 0


def test_one_silent_company_is_only_failed(source: EdgarEarningsSource, sec: FakeSec) -> None:
    sec.serve(AAPL_URL, httpx.ReadTimeout)
    result = source.fetch(["AAPL", "MSFT"])
    assert "timed out" in result.failed["AAPL"]
    assert dates_of(result, "MSFT") == MSFT_ALL


def test_offline_mode_makes_no_request(make_settings: Any, sec: FakeSec, clock: FakeClock) -> None:
    source = EdgarEarningsSource(
        make_settings(offline=True), client=sec.client, sleep=clock.sleep, clock=clock
    )
    with pytest.raises(SourceError, match="offline mode"):
        source.fetch(["AAPL"])
    assert sec.requests == []


def test_no_secret_in_any_failure_message(
    source: EdgarEarningsSource, sec: FakeSec, kit: Any
) -> None:
    sec.serve(AAPL_URL, 503)
    sec.serve(NVDA_URL, 404)
    sec.serve(MSFT_URL, httpx.Response(200, text="{"))
    result = source.fetch(["AAPL", "NVDA", "MSFT"])
    assert len(result.failed) == 3
    for reason in result.failed.values():
        assert kit.api_key not in reason


def test_own_client_is_closed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, sec: FakeSec
) -> None:
    # Without a client the source makes one; it must not outlive the fetch.
    made: list[httpx.Client] = []
    real = httpx.Client

    def factory(**kwargs: Any) -> httpx.Client:
        made.append(real(transport=sec.client._transport))
        return made[-1]

    monkeypatch.setattr(httpx, "Client", factory)
    EdgarEarningsSource(settings).fetch(["MSFT"])
    assert len(made) == 1 and made[0].is_closed
    assert not sec.client.is_closed
