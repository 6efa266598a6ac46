"""One contract, run against every live source.

In the manner of exchange_calendars' base test class: ``SourceContract`` holds
the tests, and each ``Test...`` subclass supplies, through fixtures, the source,
a catalog row, a mocked backend serving a real published payload, the series
expected from that payload (read independently with csv/json), and malformed
payloads. A new source joins by adding one subclass.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

import httpx
import numpy as np
import pandas as pd
import pytest

from flowdesk.data.catalog import SeriesSpec, get_spec
from flowdesk.data.sources import CboeSource, FredSource, LiveSource, YahooSource
from flowdesk.data.sources.cboe import cboe_url
from flowdesk.data.sources.fred import FRED_API_URL, FRED_CSV_URL
from flowdesk.errors import DataError, SourceError

HTML_PAGE = "fred_error_page.html"


class SourceContract:
    """Behaviour every live source must show.

    Subclasses provide the fixtures ``spec``, ``backend``, ``expected``,
    ``missing_dates``, ``public_url`` and ``malformed`` and set ``source_cls``.
    ``uses_http`` is false for sources whose HTTP is done by a third-party
    library (yfinance), where flowdesk's retry policy does not apply.
    """

    source_cls: ClassVar[type[LiveSource]]
    uses_http: ClassVar[bool] = True
    retries: ClassVar[int] = 3

    @pytest.fixture
    def settings(self, make_settings: Any, kit: Any) -> Any:
        # A key is present for every source: none of them may ever print it.
        return make_settings(fred_api_key=kit.api_key, http_retries=self.retries)

    @pytest.fixture
    def source(self, settings: Any, sleeper: Any) -> LiveSource:
        if self.uses_http:
            return self.source_cls(settings, sleep=sleeper)  # type: ignore[call-arg]
        return self.source_cls(settings)  # type: ignore[call-arg]

    def _skip_unless_http(self) -> None:
        if not self.uses_http:
            pytest.skip(f"{self.source_cls.name}: HTTP is done by a third-party library")

    # ------------------------------------------------------------ happy path

    def test_values_match_the_published_file(
        self, source: LiveSource, spec: SeriesSpec, backend: Any, expected: pd.Series
    ) -> None:
        backend.serve_ok()
        result = source.fetch(spec)
        assert result.data.index.equals(expected.index)
        np.testing.assert_array_equal(result.data.to_numpy(), expected.to_numpy())
        assert backend.calls == 1

    def test_series_follows_the_data_policy(
        self, source: LiveSource, spec: SeriesSpec, backend: Any
    ) -> None:
        backend.serve_ok()
        result = source.fetch(spec)
        data = result.data
        assert data.dtype == np.float64
        assert isinstance(data.index, pd.DatetimeIndex)
        assert data.index.tz is None
        assert data.index.name == "date"
        assert data.name == spec.id
        assert data.index.is_monotonic_increasing
        assert data.index.is_unique
        assert (data.index == data.index.normalize()).all()
        assert np.isfinite(data.to_numpy()).all()

    def test_fetch_result_provenance(
        self, source: LiveSource, spec: SeriesSpec, backend: Any, public_url: str
    ) -> None:
        backend.serve_ok()
        before = dt.datetime.now(dt.UTC)
        result = source.fetch(spec)
        assert result.series_id == spec.id
        assert result.source == self.source_cls.name
        assert result.url == public_url
        assert before <= result.fetched_at <= dt.datetime.now(dt.UTC)

    def test_missing_markers_are_dropped(
        self,
        source: LiveSource,
        spec: SeriesSpec,
        backend: Any,
        missing_dates: list[pd.Timestamp],
        expected: pd.Series,
    ) -> None:
        if not missing_dates:
            pytest.skip("this published format has no missing-value marker")
        backend.serve_ok()
        data = source.fetch(spec).data
        for day in missing_dates:
            assert day not in data.index
        assert len(data) == len(expected)

    # ------------------------------------------------------------ HTTP failures

    def test_retries_a_500_then_succeeds_without_sleeping(
        self, source: LiveSource, spec: SeriesSpec, backend: Any, expected: pd.Series, sleeper: Any
    ) -> None:
        self._skip_unless_http()
        backend.serve(500, "ok")
        result = source.fetch(spec)
        assert backend.calls == 2
        assert sleeper.calls == [0.5]
        np.testing.assert_array_equal(result.data.to_numpy(), expected.to_numpy())

    def test_persistent_503_names_source_and_series(
        self, source: LiveSource, spec: SeriesSpec, backend: Any, sleeper: Any
    ) -> None:
        self._skip_unless_http()
        backend.serve_always(503)
        with pytest.raises(SourceError) as info:
            source.fetch(spec)
        message = str(info.value)
        assert self.source_cls.name in message
        assert spec.id in message
        assert "503" in message
        assert backend.calls == 1 + self.retries
        assert sleeper.calls == [0.5, 1.0, 2.0]

    def test_404_is_not_retried(
        self, source: LiveSource, spec: SeriesSpec, backend: Any, sleeper: Any
    ) -> None:
        self._skip_unless_http()
        backend.serve_always(404)
        with pytest.raises(SourceError, match="404") as info:
            source.fetch(spec)
        assert spec.id in str(info.value)
        assert backend.calls == 1
        assert sleeper.calls == []

    @pytest.mark.parametrize(
        ("failure", "wording"),
        [(httpx.ConnectError, "connection failed"), (httpx.ReadTimeout, "timed out")],
    )
    def test_transport_failures_are_retried_then_reported(
        self,
        source: LiveSource,
        spec: SeriesSpec,
        backend: Any,
        sleeper: Any,
        failure: type[Exception],
        wording: str,
    ) -> None:
        self._skip_unless_http()
        backend.serve_always(failure)
        with pytest.raises(SourceError, match=wording) as info:
            source.fetch(spec)
        assert spec.id in str(info.value)
        assert backend.calls == 1 + self.retries
        assert len(sleeper.calls) == self.retries

    # ------------------------------------------------------------ bad payloads

    def test_malformed_payload_is_reported_with_the_series(
        self, source: LiveSource, spec: SeriesSpec, backend: Any, malformed: Any
    ) -> None:
        backend.serve_payload(malformed)
        with pytest.raises((SourceError, DataError)) as info:
            source.fetch(spec)
        assert spec.id in str(info.value)

    # ------------------------------------------------------------ offline, secrets

    def test_offline_mode_makes_no_request(
        self, spec: SeriesSpec, backend: Any, make_settings: Any, kit: Any, sleeper: Any
    ) -> None:
        backend.serve_ok()
        settings = make_settings(offline=True, fred_api_key=kit.api_key)
        if self.uses_http:
            source = self.source_cls(settings, sleep=sleeper)  # type: ignore[call-arg]
        else:
            source = self.source_cls(settings)  # type: ignore[call-arg]
        with pytest.raises(SourceError, match="offline mode") as info:
            source.fetch(spec)
        assert spec.id in str(info.value)
        assert backend.calls == 0

    def test_api_key_never_appears(
        self, source: LiveSource, spec: SeriesSpec, backend: Any, kit: Any, malformed: Any
    ) -> None:
        backend.serve_ok()
        assert kit.api_key not in source.fetch(spec).url
        scenarios: list[Any] = [malformed]
        if self.uses_http:
            scenarios += [503, 404, 400, httpx.ConnectError]
        for reply in scenarios:
            backend.serve_payload(reply)
            with pytest.raises((SourceError, DataError)) as info:
                source.fetch(spec)
            assert kit.api_key not in str(info.value)
            assert kit.api_key not in repr(info.value.args)


# ====================================================================== FRED


def _fred_json_malformed(kit: Any, kind: str) -> httpx.Response:
    text = kit.text("fred_DGS10_observations.json")
    if kind == "truncated_json":
        return httpx.Response(200, text=text[: len(text) // 2])
    if kind == "html":
        return kit.response(HTML_PAGE, "text/html; charset=utf-8")
    if kind == "no_observations":
        body = json.loads(text)
        body["observations"], body["count"] = [], 0
        return httpx.Response(200, json=body)
    raise AssertionError(kind)


class TestFredApiContract(SourceContract):
    source_cls = FredSource

    @pytest.fixture
    def spec(self) -> SeriesSpec:
        return get_spec("DGS10")

    @pytest.fixture
    def fallback(self, router: Any) -> Any:
        # The keyless CSV the API falls back to is down in these scenarios, so
        # every failure still surfaces (the fallback has its own tests).
        route = router.get(FRED_CSV_URL)
        route.mock(return_value=httpx.Response(503))
        return route

    @pytest.fixture
    def backend(self, router: Any, kit: Any, fallback: Any) -> Any:
        ok = kit.response("fred_DGS10_observations.json", "application/json; charset=UTF-8")
        return kit.HttpBackend(router, FRED_API_URL, ok)

    @pytest.fixture
    def expected(self, kit: Any) -> pd.Series:
        return kit.expected_fred_json("fred_DGS10_observations.json", "DGS10")

    @pytest.fixture
    def missing_dates(self) -> list[pd.Timestamp]:
        return [pd.Timestamp("2020-04-10")]  # "." in the fixture (Good Friday)

    @pytest.fixture
    def public_url(self) -> str:
        return f"{FRED_API_URL}?series_id=DGS10&api_key=REDACTED&file_type=json"

    @pytest.fixture(params=["truncated_json", "html", "no_observations"])
    def malformed(self, request: pytest.FixtureRequest, kit: Any) -> httpx.Response:
        return _fred_json_malformed(kit, request.param)


def _csv_malformed(kit: Any, name: str, kind: str) -> httpx.Response:
    text = kit.text(name)
    lines = text.splitlines()
    if kind == "html":
        return kit.response(HTML_PAGE, "text/html; charset=utf-8")
    if kind == "header_only":
        return httpx.Response(200, text=lines[0] + "\n")
    if kind == "truncated":
        # Cut mid-row, as a dropped download would.
        return httpx.Response(200, text="\n".join(lines[:6]) + "\n" + lines[6][:7])
    if kind == "empty":
        return httpx.Response(200, text="")
    raise AssertionError(kind)


class TestFredCsvContract(SourceContract):
    source_cls = FredSource
    fixture_name = "fred_DGS10_fredgraph.csv"
    series = "DGS10"

    @pytest.fixture
    def settings(self, make_settings: Any) -> Any:
        return make_settings(fred_api_key=None, http_retries=self.retries)

    @pytest.fixture
    def spec(self) -> SeriesSpec:
        return get_spec(self.series)

    @pytest.fixture
    def backend(self, router: Any, kit: Any) -> Any:
        return kit.HttpBackend(router, FRED_CSV_URL, kit.response(self.fixture_name, "text/csv"))

    @pytest.fixture
    def expected(self, kit: Any) -> pd.Series:
        header = kit.text(self.fixture_name).splitlines()[0].split(",")
        return kit.expected_csv(
            self.fixture_name,
            date_format="%Y-%m-%d",
            value_column=header[1],
            series_name=self.series,
        )

    @pytest.fixture
    def missing_dates(self, kit: Any) -> list[pd.Timestamp]:
        header = kit.text(self.fixture_name).splitlines()[0].split(",")
        return kit.missing_dates_csv(
            self.fixture_name, date_format="%Y-%m-%d", value_column=header[1]
        )

    @pytest.fixture
    def public_url(self) -> str:
        return f"{FRED_CSV_URL}?id={self.series}"

    @pytest.fixture(params=["html", "header_only", "truncated", "empty"])
    def malformed(self, request: pytest.FixtureRequest, kit: Any) -> httpx.Response:
        return _csv_malformed(kit, self.fixture_name, request.param)

    def test_the_fixture_really_has_a_missing_row(self, missing_dates: list[pd.Timestamp]) -> None:
        # Guards the missing-marker test against a fixture edited into vacuity.
        assert missing_dates == [pd.Timestamp("2020-04-10")]


class TestFredLegacyCsvContract(TestFredCsvContract):
    """Older FRED downloads: ``DATE,<ID>`` header, ``.`` for missing, CRLF."""

    fixture_name = "fred_T10Y2Y_fredgraph_legacy.csv"
    series = "T10Y2Y"


# ====================================================================== Cboe


class _CboeContract(SourceContract):
    source_cls = CboeSource
    fixture_name: ClassVar[str]
    series: ClassVar[str]
    value_column: ClassVar[str]

    @pytest.fixture
    def spec(self) -> SeriesSpec:
        return get_spec(self.series)

    @pytest.fixture
    def backend(self, router: Any, kit: Any) -> Any:
        ok = kit.response(self.fixture_name, "text/csv")
        return kit.HttpBackend(router, cboe_url(self.series), ok)

    @pytest.fixture
    def expected(self, kit: Any) -> pd.Series:
        return kit.expected_csv(
            self.fixture_name,
            date_format="%m/%d/%Y",
            value_column=self.value_column,
            series_name=self.series,
        )

    @pytest.fixture
    def missing_dates(self) -> list[pd.Timestamp]:
        return []  # Cboe files have no missing-value marker: closed days are absent

    @pytest.fixture
    def public_url(self) -> str:
        return f"https://cdn.cboe.com/api/global/us_indices/daily_prices/{self.series}_History.csv"

    @pytest.fixture(params=["html", "header_only", "truncated", "empty"])
    def malformed(self, request: pytest.FixtureRequest, kit: Any) -> httpx.Response:
        return _csv_malformed(kit, self.fixture_name, request.param)


class TestCboeOhlcContract(_CboeContract):
    fixture_name = "cboe_VIX3M_History.csv"
    series = "VIX3M"
    value_column = "CLOSE"


class TestCboeSingleColumnContract(_CboeContract):
    fixture_name = "cboe_VVIX_History.csv"
    series = "VVIX"
    value_column = "VVIX"


# ====================================================================== Yahoo


class YahooBackend:
    """The fake yfinance module seen through the contract's backend interface."""

    def __init__(self, fake: Any, ticker: str, ok: pd.DataFrame) -> None:
        self.fake, self.ticker, self.ok = fake, ticker, ok
        self.fake.answers[ticker] = ok

    def serve_ok(self) -> None:
        self.fake.answers[self.ticker] = self.ok

    def serve_payload(self, payload: pd.DataFrame | BaseException) -> None:
        self.fake.answers[self.ticker] = payload

    @property
    def calls(self) -> int:
        return len(self.fake.calls)


class TestYahooContract(SourceContract):
    source_cls = YahooSource
    uses_http = False

    @pytest.fixture
    def spec(self) -> SeriesSpec:
        return get_spec("SP500")

    @pytest.fixture
    def backend(self, fake_yfinance: Any, kit: Any) -> YahooBackend:
        frame = kit.yfinance_frame("yahoo_GSPC_history.csv", "America/New_York")
        return YahooBackend(fake_yfinance, "^GSPC", frame)

    @pytest.fixture
    def expected(self, kit: Any) -> pd.Series:
        return kit.expected_csv(
            "yahoo_GSPC_history.csv",
            date_format="%Y-%m-%d",
            value_column="Adj Close",
            series_name="SP500",
            first_data_row=3,
        )

    @pytest.fixture
    def missing_dates(self) -> list[pd.Timestamp]:
        return []

    @pytest.fixture
    def public_url(self) -> str:
        return "https://finance.yahoo.com/quote/%5EGSPC/history"

    @pytest.fixture(params=["empty", "no_close", "text_values", "yfinance_raises"])
    def malformed(self, request: pytest.FixtureRequest, kit: Any) -> Any:
        frame = kit.yfinance_frame("yahoo_GSPC_history.csv", "America/New_York")
        if request.param == "empty":
            return frame.iloc[0:0]
        if request.param == "no_close":
            return frame[["Open", "Volume"]]
        if request.param == "text_values":
            bad = frame.astype({"Close": object, "Adj Close": object})
            bad.iloc[3, bad.columns.get_loc("Adj Close")] = "n/a"
            return bad
        return RuntimeError("Too Many Requests. Rate limited. Try after a while.")


# ====================================================================== SEC EDGAR
# Not a subclass of SourceContract, on purpose. The contract is written for
# series sources: ``fetch(spec)`` of one catalog row returning a FetchResult
# whose data is a float series on a date index, validated by validate_series,
# with one URL per series and missing-value markers. The SEC source returns a
# table (ticker, report_date) for many companies from many URLs, with per-company
# failures collected instead of raised. Forcing it through ``fetch(spec)`` would
# test an adapter, not the source. tests/data/sources/test_sec.py holds the
# equivalent checks in the same spirit: values equal an independent json reading
# of the published-format fixtures, the table's dtype/order/uniqueness policy, a
# 500 then success retried once with a 0.5 s back-off, persistent 429/5xx retried
# 1 + retries times then reported with the ticker, 404 not retried, transport
# failures, malformed payloads naming the ticker, offline mode making no request,
# and no secret in any URL or message.
# The Board's speeches feed (FED_SPEECHES, sources/fedboard.py) is a table
# source too; tests/data/sources/test_fedboard.py makes the same checks.
