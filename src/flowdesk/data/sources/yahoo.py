"""Yahoo Finance prices through the optional ``yfinance`` package.

Install with ``pip install 'flowdesk[yahoo]'``. yfinance is imported only when
a Yahoo series is actually fetched, so the rest of flowdesk works without it.
yfinance does its own HTTP, so the retry policy of
:mod:`flowdesk.data.sources.http` does not apply here; the offline switch does.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar
from urllib.parse import quote

import numpy as np
import pandas as pd

from flowdesk.config import Settings, get_settings
from flowdesk.data.catalog import SeriesSpec
from flowdesk.data.sources.base import LiveSource, Query
from flowdesk.errors import ConfigError, FlowdeskWarning, SourceError

__all__ = [
    "MONTH_CODES",
    "YahooSource",
    "fed_funds_futures",
    "fed_funds_history",
    "fed_funds_ticker",
    "session_dates",
]

#: CME futures month codes, January to December.
MONTH_CODES = "FGHJKMNQUVXZ"
#: A fed funds future is quoted 100 minus a rate in percent: a close outside
#: this range is a bad print or a different instrument, never a usable price.
ZQ_PRICE_RANGE = (90.0, 100.0)
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def _import_yfinance(what: str) -> ModuleType:
    try:
        import yfinance
    except ImportError:
        raise SourceError(
            f"{what} needs the optional extra: pip install 'flowdesk[yahoo]'"
        ) from None
    return yfinance


def session_dates(index: pd.Index, label: str) -> pd.DatetimeIndex:
    """Turn yfinance's timestamps into tz-naive calendar dates.

    yfinance stamps daily bars at midnight in the exchange's time zone
    (``America/New_York`` for ``^GSPC``, UTC for ``BTC-USD``). The date wanted is
    that local calendar date, so the zone is dropped without converting:
    converting to UTC first would move east-of-UTC exchanges to the previous day.

    Raises
    ------
    SourceError
        If the index is not made of timestamps.
    """
    if not isinstance(index, pd.DatetimeIndex):
        try:
            index = pd.DatetimeIndex(index)
        except (TypeError, ValueError) as exc:
            raise SourceError(f"{label}: yfinance index is not made of dates ({exc})") from None
    if index.tz is not None:
        index = index.tz_localize(None)
    # Same resolution as the CSV and JSON sources, so merged histories line up.
    return index.normalize().as_unit("ns").rename("date")


def _offline_check(settings: Settings, what: str) -> None:
    if settings.offline:
        raise SourceError(
            f"offline mode: {what} not fetched; unset FLOWDESK_OFFLINE to allow network access"
        )


class YahooSource(LiveSource):
    """Fetch daily closes from Yahoo Finance with yfinance.

    The value is the dividend-adjusted close (``Adj Close``) when Yahoo
    provides one, else the close.

    Parameters
    ----------
    settings
        Settings to use (only ``offline`` matters); default
        :func:`flowdesk.config.get_settings` at fetch time.
    """

    name: ClassVar[str] = "yahoo"

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self._settings if self._settings is not None else get_settings()

    def transform_query(self, spec: SeriesSpec) -> Query:
        """Name the ticker; the URL is Yahoo's history page, for provenance."""
        ticker = spec.source_id or spec.id
        url = f"https://finance.yahoo.com/quote/{quote(ticker, safe='')}/history"
        return Query(spec.id, url, {"ticker": ticker, "period": "max"}, url)

    def extract(self, query: Query) -> pd.DataFrame:
        """Download the full daily history with ``yfinance.Ticker.history``.

        Raises
        ------
        SourceError
            Offline mode, yfinance not installed, a yfinance failure, or no rows.
        """
        ticker = str(query.params["ticker"])
        where = f"yahoo series {query.series_id}"
        _offline_check(self.settings, f"{where} ({ticker})")
        yfinance = _import_yfinance(f"Yahoo series {query.series_id}")
        try:
            frame = yfinance.Ticker(ticker).history(period="max", auto_adjust=False, actions=False)
        # yfinance surfaces errors of its HTTP stack, JSON decoding and its own
        # classes; all of them mean the same thing to the caller.
        except Exception as exc:
            raise SourceError(
                f"{where}: yfinance failed for {ticker} ({type(exc).__name__}: {exc})"
            ) from exc
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise SourceError(f"{where}: Yahoo returned no rows for {ticker}")
        return frame

    def transform_data(self, raw: Any, spec: SeriesSpec) -> pd.Series:
        """Pick ``Adj Close`` (or ``Close``) and index it by local session date."""
        label = f"yahoo series {spec.id}"
        if not isinstance(raw, pd.DataFrame) or raw.empty:
            raise SourceError(f"{label}: Yahoo returned no rows for {spec.source_id}")
        column = "Close"
        if "Adj Close" in raw.columns and raw["Adj Close"].notna().any():
            column = "Adj Close"
        elif "Close" not in raw.columns:
            raise SourceError(
                f"{label}: no Close column in the yfinance answer (columns: "
                f"{', '.join(map(str, raw.columns))})"
            )
        try:
            values = pd.to_numeric(raw[column], errors="raise").to_numpy(dtype="float64")
        except (TypeError, ValueError) as exc:
            raise SourceError(f"{label}: non-numeric {column} values ({exc})") from None
        series = pd.Series(values, index=session_dates(raw.index, label), name=spec.id)
        # yfinance sometimes repeats the current day's bar; the later one is fresher.
        return series[~series.index.duplicated(keep="last")].sort_index()


def _futures_session(months: Sequence[Any], settings: Settings | None) -> tuple[list[str], Any]:
    """The tickers of ``months`` and yfinance, after the month and offline checks."""
    if not months:
        raise ConfigError("fed funds futures: give at least one contract month")
    tickers = [fed_funds_ticker(m) for m in months]
    _offline_check(settings if settings is not None else get_settings(),
                   f"fed funds futures {', '.join(tickers)}")
    return tickers, _import_yfinance("Yahoo fed funds futures")


def fed_funds_ticker(month: str) -> str:
    """Yahoo ticker of the 30-day fed funds future for contract month ``month``.

    Parameters
    ----------
    month
        Contract month as ``"YYYY-MM"``.

    Returns
    -------
    str
        ``ZQ`` + CME month code + two-digit year + ``.CBT``, e.g. ``"2026-12"``
        -> ``"ZQZ26.CBT"``.

    Raises
    ------
    ConfigError
        If ``month`` is not a valid ``YYYY-MM`` string.
    """
    match = _MONTH_RE.fullmatch(month.strip()) if isinstance(month, str) else None
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ConfigError(f"contract month {month!r}: expected 'YYYY-MM', e.g. '2026-12'")
    year, mon = int(match[1]), int(match[2])
    return f"ZQ{MONTH_CODES[mon - 1]}{year % 100:02d}.CBT"


def fed_funds_futures(months: Sequence[str], *, settings: Settings | None = None) -> pd.DataFrame:
    """Latest settlement-like close of 30-day fed funds futures from Yahoo.

    Parameters
    ----------
    months
        Contract months as ``"YYYY-MM"``.
    settings
        Settings to use (only ``offline`` matters).

    Returns
    -------
    pandas.DataFrame
        One row per contract that came back, in the order asked: ``month``
        (str), ``ticker`` (str), ``price`` (float, 100 minus the implied average
        rate in percent) and ``date`` (tz-naive date of that close). Contracts
        with no price are left out with a :class:`UserWarning`.

    Raises
    ------
    ConfigError
        If no month is given or one is malformed.
    SourceError
        Offline mode, yfinance not installed, or no contract returned a price.
    """
    tickers, yfinance = _futures_session(months, settings)
    rows: list[dict[str, Any]] = []
    missing: list[str] = []
    for month, ticker in zip(months, tickers, strict=True):
        try:
            frame = yfinance.Ticker(ticker).history(period="1mo", auto_adjust=False, actions=False)
        # See YahooSource.extract: any yfinance failure means "no price".
        except Exception as exc:
            missing.append(f"{ticker} ({type(exc).__name__}: {exc})")
            continue
        close = frame["Close"] if isinstance(frame, pd.DataFrame) and "Close" in frame else None
        close = pd.to_numeric(close, errors="coerce").dropna() if close is not None else None
        if close is None or close.empty:
            missing.append(f"{ticker} (no rows)")
            continue
        day = session_dates(close.index[-1:], f"fed funds future {ticker}")[0]
        rows.append(
            {"month": month.strip(), "ticker": ticker, "price": float(close.iloc[-1]), "date": day}
        )
    if not rows:
        raise SourceError(f"yahoo: no fed funds futures prices came back for {', '.join(missing)}")
    if missing:
        warnings.warn(
            f"fed funds futures left out (no price from Yahoo): {', '.join(missing)}",
            UserWarning,
            stacklevel=2,
        )
    frame = pd.DataFrame(rows, columns=["month", "ticker", "price", "date"])
    frame["price"] = frame["price"].astype(np.float64)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def fed_funds_history(
    months: Sequence[str], *, settings: Settings | None = None, period: str = "3mo"
) -> pd.DataFrame:
    """Daily closes of 30-day fed funds futures from Yahoo, one ticker per contract month.

    Parameters
    ----------
    months
        Contract months as ``"YYYY-MM"``.
    settings
        Settings to use (only ``offline`` matters).
    period
        How much history yfinance is asked for per contract (``"3mo"``: a daily
        update overlaps the previous ones, so a missed day is filled in).

    Returns
    -------
    pandas.DataFrame
        Long format, sorted by date then month: ``date`` (tz-naive session
        date), ``contract_month`` (``"YYYY-MM"``), ``ticker`` and ``price``
        (float, 100 minus the implied average rate in percent). A contract
        with no rows, a failing request or a close outside 90-100 is left out
        whole, with a :class:`~flowdesk.errors.FlowdeskWarning` (shown by the CLI)
        naming its ticker.

    Raises
    ------
    ConfigError
        If no month is given or one is malformed.
    SourceError
        Offline mode, yfinance not installed, or no contract returned a price.
    """
    tickers, yfinance = _futures_session(months, settings)
    low, high = ZQ_PRICE_RANGE
    parts: list[pd.DataFrame] = []
    missing: list[str] = []
    refused: list[str] = []
    for month, ticker in zip(months, tickers, strict=True):
        try:
            frame = yfinance.Ticker(ticker).history(period=period, auto_adjust=False,
                                                    actions=False)
        # See YahooSource.extract: any yfinance failure means "no price".
        except Exception as exc:
            missing.append(f"{ticker} ({type(exc).__name__}: {exc})")
            continue
        close = frame["Close"] if isinstance(frame, pd.DataFrame) and "Close" in frame else None
        close = pd.to_numeric(close, errors="coerce").dropna() if close is not None else None
        if close is None or close.empty:
            missing.append(f"{ticker} (no rows)")
            continue
        values = close.to_numpy(dtype=np.float64)
        outside = (values < low) | (values > high)
        if outside.any():
            # One bad print taints the contract: its other closes may be
            # mis-scaled too (e.g. a rate quoted instead of a price).
            refused.append(f"{ticker} ({values[outside][0]:g})")
            continue
        days = session_dates(close.index, f"fed funds future {ticker}")
        part = pd.DataFrame({"date": days, "price": values})
        # yfinance sometimes repeats the current day's bar; the later one is fresher.
        part = part.drop_duplicates("date", keep="last")
        part.insert(1, "contract_month", month.strip())
        part.insert(2, "ticker", ticker)
        parts.append(part)
    if refused:
        warnings.warn(
            f"fed funds futures refused (a close outside {low:g}-{high:g}): {', '.join(refused)}",
            FlowdeskWarning,
            stacklevel=2,
        )
    if not parts:
        why = ", ".join(missing + refused)
        raise SourceError(f"yahoo: no fed funds futures prices came back for {why}")
    if missing:
        warnings.warn(
            f"fed funds futures left out (no price from Yahoo): {', '.join(missing)}",
            FlowdeskWarning,
            stacklevel=2,
        )
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["date", "contract_month"], kind="stable").reset_index(drop=True)
    out["price"] = out["price"].astype(np.float64)
    return out
