"""Shared fixtures for the live-source tests.

Nothing here may reach the network: an autouse guard makes real socket
connections and DNS look-ups fail, respx answers every httpx request, and a
fake ``yfinance`` module stands in for Yahoo. ``time.sleep`` is disarmed too,
so a retry that forgot the injected sleeper fails instead of waiting.

Expected values are read from the fixture files with the standard library
only (csv, json, datetime), independently of the parsers under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pandas as pd
import pytest
import respx

from flowdesk.config import Settings, clear_settings_cache, get_settings

FIXTURES = Path(__file__).parent / "fixtures"
# Shaped like a real FRED key (32 lower-case alphanumerics) so redaction is tested
# on something realistic.
API_KEY = "4f6c1e0d9a8b7c6d5e4f3a2b1c0d9e8f"

_ENV_VARS = (
    "FLOWDESK_FRED_API_KEY",
    "FRED_API_KEY",
    "FLOWDESK_OFFLINE",
    "FLOWDESK_CONFIG",
    "FLOWDESK_HTTP_RETRIES",
    "FLOWDESK_HTTP_TIMEOUT",
    "FLOWDESK_CACHE_DIR",
    "FLOWDESK_SEC_USER_AGENT",
    "FLOWDESK_SEC_MAX_REQUESTS_PER_SECOND",
)


class NetworkBlockedError(RuntimeError):
    """Raised when a test tries to open a real network connection."""


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for var in _ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    # Keep a developer's own config.toml out of the tests.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    clear_settings_cache()

    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family == socket.AF_UNIX:
            return real_connect(self, address)
        raise NetworkBlockedError(f"test tried to connect to {address!r}")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NetworkBlockedError(f"test tried to reach the network ({args[:1]!r})")

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"real time.sleep({seconds}) in a test; inject a sleeper")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(time, "sleep", no_sleep)
    yield
    clear_settings_cache()


class SleepRecorder:
    """Stands in for ``time.sleep``: records the delays, never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeper() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "http_retries": 3,
            "http_timeout": 5.0,
            "cache_dir": tmp_path / "cache",
            "offline": False,
        }
        values.update(overrides)
        return get_settings(**values)

    return make


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    # assert_all_mocked: an unexpected request fails the test instead of leaving.
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


# ---------------------------------------------------------------- fixture files


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def fixture_text(name: str) -> str:
    return fixture_path(name).read_text(encoding="utf-8")


def expected_from_csv(
    name: str,
    *,
    date_format: str,
    value_column: str,
    series_name: str,
    header_row: int = 0,
    first_data_row: int = 1,
    missing: frozenset[str] = frozenset({"", "."}),
) -> pd.Series:
    """Read a fixture CSV with the csv module; missing markers are left out."""
    with fixture_path(name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[header_row]
    col = header.index(value_column)
    dates, values = [], []
    for row in rows[first_data_row:]:
        if row[col].strip() in missing:
            continue
        dates.append(dt.datetime.strptime(row[0], date_format))
        values.append(float(row[col]))
    index = pd.DatetimeIndex(dates, name="date")
    return pd.Series(values, index=index, name=series_name, dtype="float64")


def missing_dates_in_csv(name: str, *, date_format: str, value_column: str) -> list[pd.Timestamp]:
    with fixture_path(name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    col = rows[0].index(value_column)
    return [
        pd.Timestamp(dt.datetime.strptime(row[0], date_format))
        for row in rows[1:]
        if row[col].strip() in {"", "."}
    ]


def expected_from_fred_json(name: str, series_name: str) -> pd.Series:
    body = json.loads(fixture_text(name))
    kept = [o for o in body["observations"] if o["value"] != "."]
    index = pd.DatetimeIndex(
        [dt.datetime.strptime(o["date"], "%Y-%m-%d") for o in kept], name="date"
    )
    return pd.Series([float(o["value"]) for o in kept], index=index, name=series_name)


def yfinance_frame(name: str, tz: str) -> pd.DataFrame:
    """Rebuild what ``Ticker.history(auto_adjust=False, actions=False)`` returns.

    The fixture is a yfinance CSV export (three header lines: Price, Ticker,
    Date). yfinance itself returns Open/High/Low/Close/Adj Close/Volume on a
    tz-aware index of local midnights named ``Date``.
    """
    with fixture_path(name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "Price" and rows[1][0] == "Ticker" and rows[2][0] == "Date"
    header = rows[0][1:]
    data = {col: [float(r[i + 1]) for r in rows[3:]] for i, col in enumerate(header)}
    index = pd.DatetimeIndex(
        [dt.datetime.strptime(r[0], "%Y-%m-%d") for r in rows[3:]], name="Date"
    ).tz_localize(tz)
    frame = pd.DataFrame(data, index=index)
    frame["Volume"] = frame["Volume"].astype("int64")
    return frame[["Open", "High", "Low", "Close", "Adj Close", "Volume"]]


# ---------------------------------------------------------------- fake yfinance


class FakeYFinance(ModuleType):
    """A stand-in ``yfinance`` module.

    ``answers`` maps a ticker to the DataFrame ``history`` returns, or to an
    exception it raises; unknown tickers get an empty frame, as yfinance gives
    for delisted symbols. ``calls`` records ``(ticker, kwargs)``.
    """

    def __init__(self) -> None:
        super().__init__("yfinance")
        self.answers: dict[str, pd.DataFrame | BaseException] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        fake = self

        class Ticker:
            def __init__(self, ticker: str) -> None:
                self.ticker = ticker

            def history(self, **kwargs: Any) -> pd.DataFrame:
                fake.calls.append((self.ticker, kwargs))
                answer = fake.answers.get(self.ticker, pd.DataFrame())
                if isinstance(answer, BaseException):
                    raise answer
                return answer.copy()

        self.Ticker = Ticker


@pytest.fixture
def fake_yfinance(monkeypatch: pytest.MonkeyPatch) -> FakeYFinance:
    fake = FakeYFinance()
    monkeypatch.setitem(sys.modules, "yfinance", fake)
    return fake


# ---------------------------------------------------------------- HTTP backends


Reply = int | str | httpx.Response | BaseException


class HttpBackend:
    """One mocked URL; ``serve`` queues replies, ``serve_always`` repeats one.

    A reply is ``"ok"`` (the happy payload), an HTTP status, an
    ``httpx.Response`` or an exception class or instance to raise.
    """

    def __init__(self, router: respx.MockRouter, url: str, ok: httpx.Response) -> None:
        self.route = router.get(url)
        self.ok = ok
        self.route.mock(side_effect=self._effect_always(ok))

    def _response(self, reply: Reply, request: httpx.Request) -> httpx.Response:
        if isinstance(reply, str) and reply == "ok":
            reply = self.ok
        if isinstance(reply, int):
            return httpx.Response(reply, text="")
        if isinstance(reply, type) and issubclass(reply, BaseException):
            raise reply("simulated failure", request=request)
        if isinstance(reply, BaseException):
            raise reply
        assert isinstance(reply, httpx.Response)
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    def _effect_always(self, reply: Reply) -> Callable[[httpx.Request], httpx.Response]:
        return lambda request: self._response(reply, request)

    def serve(self, *replies: Reply) -> None:
        queue = list(replies)

        def effect(request: httpx.Request) -> httpx.Response:
            assert queue, "more requests than the test planned"
            return self._response(queue.pop(0), request)

        self.route.side_effect = effect

    def serve_always(self, reply: Reply) -> None:
        self.route.side_effect = self._effect_always(reply)

    def serve_ok(self) -> None:
        self.serve_always("ok")

    def serve_payload(self, payload: Any) -> None:
        self.serve_always(payload)

    @property
    def calls(self) -> int:
        return self.route.call_count

    @property
    def requests(self) -> list[httpx.Request]:
        return [call.request for call in self.route.calls]


def text_response(name: str, content_type: str) -> httpx.Response:
    return httpx.Response(200, text=fixture_text(name), headers={"content-type": content_type})


# ---------------------------------------------------------------- exposed to tests
# Test modules reach these helpers through fixtures rather than importing
# conftest, which breaks as soon as another conftest.py or importlib mode exists.


class Kit:
    """Helpers for the source tests, handed out by the ``kit`` fixture."""

    api_key = API_KEY
    text = staticmethod(fixture_text)
    path = staticmethod(fixture_path)
    expected_csv = staticmethod(expected_from_csv)
    missing_dates_csv = staticmethod(missing_dates_in_csv)
    expected_fred_json = staticmethod(expected_from_fred_json)
    yfinance_frame = staticmethod(yfinance_frame)
    response = staticmethod(text_response)
    HttpBackend = HttpBackend
    SleepRecorder = SleepRecorder


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
