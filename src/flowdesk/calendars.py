"""Trading sessions, FOMC decision dates and VIX expirations.

NYSE sessions come from ``exchange_calendars`` (XNYS); beyond the end of its
calendar (about a year ahead) weekdays are used, which is stated wherever a
model projects that far.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = [
    "fomc_decision_dates",
    "next_fomc_decision",
    "nyse_sessions",
    "vix_expiration",
    "vix_expirations",
]

_CALENDAR_START = "1985-01-01"


def _session_cache_path() -> Path:
    """Where today's XNYS sessions are kept between runs.

    exchange_calendars builds its calendar from holiday rules on every import, which
    costs about half a second per command; its sessions only change with its version
    and with today's date (the calendar ends a year from today), so both name the file.
    """
    from importlib.metadata import version

    from flowdesk.config import get_settings

    stamp = f"{version('exchange_calendars')}-{pd.Timestamp.today():%Y%m%d}"
    return Path(get_settings().cache_dir) / "calendars" / f"xnys-{stamp}.npy"


def _store_sessions(path: Path, days: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".xnys.", suffix=".npy", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, days)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        for old in path.parent.glob("xnys-*.npy"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        return  # an unwritable cache only costs rebuilding the calendar next time


@lru_cache(maxsize=1)
def _xnys_sessions() -> pd.DatetimeIndex:
    path = _session_cache_path()
    try:
        days = np.load(path, allow_pickle=False)
        if days.dtype == np.dtype("datetime64[D]") and days.ndim == 1 and len(days):
            return pd.DatetimeIndex(days.astype("datetime64[ns]"))
    except (OSError, ValueError):
        pass  # absent or unreadable: rebuild from exchange_calendars below
    import exchange_calendars as xcals

    calendar = xcals.get_calendar("XNYS", start=_CALENDAR_START)
    sessions = pd.DatetimeIndex(calendar.sessions).tz_localize(None).astype("datetime64[ns]")
    _store_sessions(path, sessions.values.astype("datetime64[D]"))
    return sessions


def nyse_sessions(start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """NYSE trading sessions between ``start`` and ``end`` inclusive.

    Dates after the end of the exchange calendar are filled with weekdays
    (holidays that far ahead are not known to the calendar).

    Raises
    ------
    ConfigError
        If a date is malformed, ``start`` is after ``end``, or ``start`` is
        before 1985.
    """
    lo = parse_date(start, "start")
    hi = parse_date(end, "end")
    assert lo is not None and hi is not None
    if lo > hi:
        raise ConfigError(f"start {lo.date()} is after end {hi.date()}")
    if lo < pd.Timestamp(_CALENDAR_START):
        raise ConfigError(f"start {lo.date()}: sessions are available from {_CALENDAR_START}")
    sessions = _xnys_sessions()
    inside = sessions[(sessions >= lo) & (sessions <= hi)]
    last = sessions[-1]
    if hi <= last:
        return inside.rename("date")
    beyond = pd.bdate_range(max(lo, last + pd.Timedelta(days=1)), hi)
    return inside.append(beyond).rename("date")


def vix_expiration(year: int, month: int) -> pd.Timestamp:
    """Final settlement date of the monthly VIX future/option of ``year-month``.

    Cboe's rule: the Wednesday 30 days before the third Friday of the following
    month; if that Friday is not a trading day, 30 days before the session
    preceding it; and if the Wednesday itself is a holiday, the session before.
    """
    following = pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthBegin(1)
    first_friday = following + pd.offsets.Week(weekday=4) if following.weekday() != 4 else following
    third_friday = first_friday + pd.Timedelta(weeks=2)
    sessions = _xnys_sessions()
    if sessions[0] <= third_friday <= sessions[-1] and third_friday not in sessions:
        third_friday = sessions[sessions < third_friday][-1]
    expiry = third_friday - pd.Timedelta(days=30)
    if sessions[0] <= expiry <= sessions[-1] and expiry not in sessions:
        expiry = sessions[sessions < expiry][-1]
    return expiry


def vix_expirations(start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Monthly VIX expiration dates between ``start`` and ``end`` inclusive."""
    lo = parse_date(start, "start")
    hi = parse_date(end, "end")
    assert lo is not None and hi is not None
    months = pd.period_range(lo - pd.DateOffset(months=1), hi, freq="M")
    dates = [vix_expiration(p.year, p.month) for p in months]
    return pd.DatetimeIndex([d for d in dates if lo <= d <= hi], name="date")


def fomc_decision_dates(
    *, scheduled_only: bool = False, settings: Settings | None = None
) -> pd.DatetimeIndex:
    """FOMC policy decision dates 1990-2028 from the embedded calendar.

    Parameters
    ----------
    scheduled_only
        Drop unscheduled (emergency) actions such as 2020-03-03 and 2020-03-15.
    settings
        Settings used to read the cache/snapshot.
    """
    from flowdesk.data import load

    table = load("FOMC_DECISIONS", settings=settings)
    if scheduled_only:
        table = table[table["scheduled"] == 1]
    return pd.DatetimeIndex(table.index, name="date")


def next_fomc_decision(asof: DateLike, *, settings: Settings | None = None) -> pd.Timestamp:
    """The first scheduled decision date strictly after ``asof``.

    Raises
    ------
    ConfigError
        If ``asof`` is beyond the last known meeting.
    """
    when = parse_date(asof, "asof")
    assert when is not None
    dates = fomc_decision_dates(scheduled_only=True, settings=settings)
    after = dates[dates > when]
    if after.empty:
        raise ConfigError(f"asof {when.date()}: no scheduled FOMC meeting known after it")
    return after[0]
