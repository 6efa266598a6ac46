"""Yahoo specifics: column choice, dates, the optional extra, fed funds futures."""

from __future__ import annotations

import csv
import datetime as dt
import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from flowdesk.data.catalog import get_spec
from flowdesk.data.sources.yahoo import (
    MONTH_CODES,
    YahooSource,
    fed_funds_futures,
    fed_funds_ticker,
    session_dates,
)
from flowdesk.errors import ConfigError, SourceError

EXTRA_HINT = "pip install 'flowdesk[yahoo]'"


@pytest.fixture
def source(make_settings: Any) -> YahooSource:
    return YahooSource(make_settings())


def test_history_is_requested_in_full_and_unadjusted(
    source: YahooSource, fake_yfinance: Any, kit: Any
) -> None:
    fake_yfinance.answers["^GSPC"] = kit.yfinance_frame(
        "yahoo_GSPC_history.csv", "America/New_York"
    )
    source.fetch(get_spec("SP500"))
    assert fake_yfinance.calls == [
        ("^GSPC", {"period": "max", "auto_adjust": False, "actions": False})
    ]


def test_adj_close_is_preferred(source: YahooSource, fake_yfinance: Any, kit: Any) -> None:
    fake_yfinance.answers["DBMF"] = kit.yfinance_frame("yahoo_DBMF_history.csv", "America/New_York")
    data = source.fetch(get_spec("DBMF")).data
    # 2024-03-11 row: Adj Close 25.33277702331543, Close 27.1200008392334.
    assert data[pd.Timestamp("2024-03-11")] == 25.33277702331543
    assert data[pd.Timestamp("2024-03-22")] == 26.56578826904297
    assert len(data) == 10


def test_close_is_used_when_adj_close_is_all_missing(
    source: YahooSource, fake_yfinance: Any, kit: Any
) -> None:
    frame = kit.yfinance_frame("yahoo_DBMF_history.csv", "America/New_York")
    frame["Adj Close"] = np.nan
    fake_yfinance.answers["DBMF"] = frame
    data = source.fetch(get_spec("DBMF")).data
    assert data[pd.Timestamp("2024-03-11")] == 27.1200008392334


def test_close_is_used_when_there_is_no_adj_close(
    source: YahooSource, fake_yfinance: Any, kit: Any
) -> None:
    frame = kit.yfinance_frame("yahoo_DBMF_history.csv", "America/New_York")
    fake_yfinance.answers["DBMF"] = frame.drop(columns="Adj Close")
    data = source.fetch(get_spec("DBMF")).data
    assert data[pd.Timestamp("2024-03-22")] == 28.440000534057617


def _btc_frame(kit: Any) -> pd.DataFrame:
    with kit.path("yahoo_BTC-USD_close.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # yfinance stamps crypto bars at UTC midnight and repeats Close as Adj Close.
    index = pd.DatetimeIndex(
        [dt.datetime.strptime(r["Date"], "%Y-%m-%d") for r in rows], name="Date"
    ).tz_localize("UTC")
    close = [float(r["Close"]) for r in rows]
    return pd.DataFrame(
        {
            "Open": close,
            "High": close,
            "Low": close,
            "Close": close,
            "Adj Close": close,
            "Volume": [int(r["Volume"]) for r in rows],
        },
        index=index,
    )


def test_bitcoin_keeps_utc_calendar_days_including_weekends(
    source: YahooSource, fake_yfinance: Any, kit: Any
) -> None:
    fake_yfinance.answers["BTC-USD"] = _btc_frame(kit)
    data = source.fetch(get_spec("BTC")).data
    assert list(data.index) == list(pd.date_range("2024-12-26", "2025-01-06", freq="D"))
    assert data[pd.Timestamp("2024-12-28")] == 95163.9296875  # a Saturday
    assert data[pd.Timestamp("2024-12-31")] == 93429.203125


@pytest.mark.parametrize(
    ("stamp", "tz", "date"),
    [
        # Tokyo midnight is the previous day in UTC: the local date must win.
        ("2024-03-11 00:00", "Asia/Tokyo", "2024-03-11"),
        ("2020-03-02 00:00", "America/New_York", "2020-03-02"),
        ("2024-12-28 00:00", "UTC", "2024-12-28"),
        # A live intraday bar for today still maps to today's session.
        ("2024-03-11 15:59", "America/New_York", "2024-03-11"),
        ("2024-03-11 00:00", None, "2024-03-11"),
    ],
)
def test_session_dates(stamp: str, tz: str | None, date: str) -> None:
    index = pd.DatetimeIndex([pd.Timestamp(stamp)])
    if tz is not None:
        index = index.tz_localize(tz)
    out = session_dates(index, "test")
    assert out.tz is None
    assert out.name == "date"
    assert list(out) == [pd.Timestamp(date)]


def test_repeated_last_bar_keeps_the_later_one(
    source: YahooSource, fake_yfinance: Any, kit: Any
) -> None:
    frame = kit.yfinance_frame("yahoo_GSPC_history.csv", "America/New_York")
    # yfinance sometimes appends today's live bar next to today's daily bar.
    extra = frame.iloc[[-1]].copy()
    extra.index = extra.index + pd.Timedelta(hours=15)
    extra["Adj Close"] = 2600.0
    fake_yfinance.answers["^GSPC"] = pd.concat([frame, extra])
    data = source.fetch(get_spec("SP500")).data
    assert data.index.is_unique
    assert data[pd.Timestamp("2020-03-27")] == 2600.0
    assert len(data) == 20


def test_missing_extra_gives_install_hint(
    source: YahooSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", None)
    with pytest.raises(SourceError) as info:
        source.fetch(get_spec("SP500"))
    assert str(info.value) == f"Yahoo series SP500 needs the optional extra: {EXTRA_HINT}"


def test_empty_answer_names_the_ticker(source: YahooSource, fake_yfinance: Any) -> None:
    with pytest.raises(SourceError, match=r"Yahoo returned no rows for \^GSPC"):
        source.fetch(get_spec("SP500"))
    assert len(fake_yfinance.calls) == 1


def test_yfinance_exception_is_wrapped(source: YahooSource, fake_yfinance: Any) -> None:
    fake_yfinance.answers["^NDX"] = ConnectionError("Failed to perform, curl: (6)")
    with pytest.raises(SourceError, match=r"yahoo series NDX: yfinance failed for \^NDX"):
        source.fetch(get_spec("NDX"))


# ------------------------------------------------------------------ fed funds futures


@pytest.mark.parametrize(
    ("month", "ticker"),
    [
        ("2026-12", "ZQZ26.CBT"),
        ("2025-01", "ZQF25.CBT"),
        ("2015-08", "ZQQ15.CBT"),
        ("2015-09", "ZQU15.CBT"),
        ("2030-07", "ZQN30.CBT"),
        ("2100-03", "ZQH00.CBT"),
        (" 2027-06 ", "ZQM27.CBT"),
    ],
)
def test_fed_funds_ticker(month: str, ticker: str) -> None:
    assert fed_funds_ticker(month) == ticker


def test_month_codes_follow_cme() -> None:
    # CME codes: F G H J K M N Q U V X Z for January to December.
    assert [fed_funds_ticker(f"2027-{m:02d}")[2] for m in range(1, 13)] == list("FGHJKMNQUVXZ")
    assert MONTH_CODES == "FGHJKMNQUVXZ"


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "2026-1", "26-12", "2026/12", "", "Dec 2026"]
)
def test_fed_funds_ticker_rejects_bad_months(month: str) -> None:
    with pytest.raises(ConfigError, match="expected 'YYYY-MM'"):
        fed_funds_ticker(month)


def _zq_frame(closes: list[float], days: list[str]) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(days), name="Date").tz_localize("America/Chicago")
    return pd.DataFrame(
        {
            "Open": closes,
            "High": closes,
            "Low": closes,
            "Close": closes,
            "Adj Close": closes,
            "Volume": [0] * len(closes),
        },
        index=index,
    )


@pytest.fixture
def cme_example(fake_yfinance: Any) -> Any:
    # CME's FedWatch worked example (September 2015 meeting): FFQ5 = 99.8675,
    # FFU5 = 99.805. The bar dates are illustrative.
    fake_yfinance.answers["ZQQ15.CBT"] = _zq_frame([99.865, 99.8675], ["2015-09-01", "2015-09-02"])
    fake_yfinance.answers["ZQU15.CBT"] = _zq_frame([99.80, 99.805], ["2015-09-01", "2015-09-02"])
    return fake_yfinance


def test_fed_funds_futures_latest_close(cme_example: Any, make_settings: Any) -> None:
    frame = fed_funds_futures(["2015-08", "2015-09"], settings=make_settings())
    assert list(frame.columns) == ["month", "ticker", "price", "date"]
    assert frame["month"].tolist() == ["2015-08", "2015-09"]
    assert frame["ticker"].tolist() == ["ZQQ15.CBT", "ZQU15.CBT"]
    assert frame["price"].tolist() == [99.8675, 99.805]
    assert frame["date"].tolist() == [pd.Timestamp("2015-09-02")] * 2
    assert frame["date"].dt.tz is None


def test_missing_contract_is_left_out_with_a_warning(cme_example: Any, make_settings: Any) -> None:
    with pytest.warns(UserWarning, match=r"ZQZ26\.CBT \(no rows\)"):
        frame = fed_funds_futures(["2015-09", "2026-12"], settings=make_settings())
    assert frame["ticker"].tolist() == ["ZQU15.CBT"]


def test_failing_contract_is_left_out_with_a_warning(cme_example: Any, make_settings: Any) -> None:
    cme_example.answers["ZQU15.CBT"] = TimeoutError("read timed out")
    with pytest.warns(UserWarning, match=r"ZQU15\.CBT \(TimeoutError: read timed out\)"):
        frame = fed_funds_futures(["2015-08", "2015-09"], settings=make_settings())
    assert frame["ticker"].tolist() == ["ZQQ15.CBT"]


def test_no_contract_at_all_is_an_error(fake_yfinance: Any, make_settings: Any) -> None:
    with (
        warnings.catch_warnings(),
        pytest.raises(SourceError, match=r"no fed funds futures prices .*ZQZ26\.CBT"),
    ):
        warnings.simplefilter("error")  # the error replaces the warning
        fed_funds_futures(["2026-12"], settings=make_settings())


def test_fed_funds_futures_offline_and_arguments(fake_yfinance: Any, make_settings: Any) -> None:
    with pytest.raises(SourceError, match="offline mode"):
        fed_funds_futures(["2026-12"], settings=make_settings(offline=True))
    assert fake_yfinance.calls == []
    with pytest.raises(ConfigError):
        fed_funds_futures([], settings=make_settings())
    with pytest.raises(ConfigError, match="2026-13"):
        fed_funds_futures(["2026-12", "2026-13"], settings=make_settings())
    assert fake_yfinance.calls == []  # months are checked before anything is fetched


def test_fed_funds_futures_without_the_extra(
    monkeypatch: pytest.MonkeyPatch, make_settings: Any
) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", None)
    with pytest.raises(
        SourceError, match=r"needs the optional extra: pip install 'flowdesk\[yahoo\]'"
    ):
        fed_funds_futures(["2026-12"], settings=make_settings())


def test_session_dates_use_one_resolution() -> None:
    # CSV and JSON sources give nanosecond dates; Yahoo must match for merges.
    index = pd.DatetimeIndex(["2020-03-02"]).as_unit("s").tz_localize("America/New_York")
    assert session_dates(index, "test").dtype == np.dtype("datetime64[ns]")
