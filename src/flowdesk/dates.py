"""The package's one date policy: tz-naive midnight timestamps for daily data.

Every user-facing date argument (``start``, ``end``, ``asof``) goes through
:func:`parse_date`, so a bad value fails the same way everywhere. The change
horizons (1w / 1m / 1y, :func:`horizon_change`) and the rule that an as-of date
must lie within its anchor series (:func:`check_within`) live here too, so that
every model and section counts calendar time the same way. Loading the anchor
(the S&P 500) is the data layer's job: :func:`flowdesk.data.asof.resolve_asof`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Literal

import pandas as pd

from flowdesk.errors import ConfigError, DataError

__all__ = [
    "FIRST_DATE",
    "HORIZONS",
    "LAST_DATE",
    "ChangeKind",
    "DateLike",
    "Horizon",
    "check_supported",
    "check_within",
    "horizon_change",
    "parse_date",
    "today",
]

DateLike = str | dt.date | dt.datetime | pd.Timestamp
ChangeKind = Literal["pct", "diff"]
Horizon = Literal["1w", "1m", "1y"]

#: Look-back of each change horizon, measured back from a metric's last observation.
HORIZONS: dict[str, pd.DateOffset] = {
    "1w": pd.DateOffset(days=7),
    "1m": pd.DateOffset(months=1),
    "1y": pd.DateOffset(years=1),
}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: First and last whole days a nanosecond ``Timestamp`` holds. Every index in
#: the package is datetime64[ns]; a window bound or a stored date outside would
#: fail deep inside pandas (``OutOfBoundsDatetime``, or a ``KeyError`` when
#: slicing), so it is refused where it enters rather than clamped, since a
#: clamped window silently differs from the one asked for.
FIRST_DATE = pd.Timestamp("1677-09-22")
LAST_DATE = pd.Timestamp("2262-04-11")
SUPPORTED_RANGE = f"{FIRST_DATE:%Y-%m-%d} to {LAST_DATE:%Y-%m-%d}"


def check_supported(stamp: pd.Timestamp, what: str) -> pd.Timestamp:
    """``stamp`` if it lies in :data:`FIRST_DATE` .. :data:`LAST_DATE`.

    Parameters
    ----------
    stamp
        A midnight timestamp (any resolution).
    what
        The argument, file line or field named in the error.

    Raises
    ------
    ConfigError
        If the date is outside the range nanosecond timestamps can hold.
    """
    if not FIRST_DATE <= stamp <= LAST_DATE:
        raise ConfigError(
            f"{what}: date {stamp.date().isoformat()} is outside the supported range"
            f" {SUPPORTED_RANGE}"
        )
    return stamp


def parse_date(
    value: DateLike | None, argument: str, *, supported: bool = False
) -> pd.Timestamp | None:
    """Turn a user-supplied date into a tz-naive midnight ``Timestamp``.

    Parameters
    ----------
    value
        ``YYYY-MM-DD`` text, a ``date``/``datetime`` or a ``Timestamp``; ``None``
        passes through.
    argument
        Name of the argument, used in the error message (e.g. ``"--asof"``).
    supported
        Also require the date to be one a nanosecond index can hold (window
        bounds such as ``start``/``end`` slice such an index). Off by default: an
        as-of date outside the range is reported as outside the data, like any
        date before or after the anchor series.

    Raises
    ------
    ConfigError
        If the value is not a valid calendar date in ``YYYY-MM-DD`` form, or
        ``supported`` is set and it is outside :data:`FIRST_DATE` .. :data:`LAST_DATE`.
    """
    if value is None:
        return None
    stamp = _parse(value, argument)
    return check_supported(stamp, argument) if supported else stamp


def _parse(value: DateLike, argument: str) -> pd.Timestamp:
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tz is not None:
            stamp = stamp.tz_convert(None)
        return stamp.normalize()
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if not isinstance(value, str):
        raise ConfigError(f"{argument}: expected a date, got {type(value).__name__}")
    text = value.strip()
    if not _ISO.match(text):
        raise ConfigError(f"{argument}: invalid date {value!r}; expected YYYY-MM-DD")
    try:
        return pd.Timestamp(dt.date.fromisoformat(text))
    except ValueError as exc:
        raise ConfigError(f"{argument}: invalid date {value!r} ({exc})") from None


def today() -> pd.Timestamp:
    """Today's date (local clock) as a midnight ``Timestamp``."""
    return pd.Timestamp(dt.date.today())


def horizon_change(series: pd.Series, horizon: Horizon, kind: ChangeKind) -> float:
    """Change of a series' last observation over a calendar horizon.

    Parameters
    ----------
    series
        Observations on a sorted ``DatetimeIndex`` (NaNs are ignored).
    horizon
        ``"1w"`` (7 days), ``"1m"`` (1 month) or ``"1y"`` (1 year), see :data:`HORIZONS`.
    kind
        ``"pct"``: ``100 * (x[t0] / x[ref] - 1)``; ``"diff"``: ``x[t0] - x[ref]``.

    Returns
    -------
    float
        The change, where ``t0`` is the last observation's date and ``ref`` the last
        observation dated on or before ``t0 - horizon``; NaN if there is none.
    """
    values = series.dropna()
    if values.empty:
        return math.nan
    t0 = values.index[-1]
    earlier = values.loc[: t0 - HORIZONS[horizon]]
    if earlier.empty:
        return math.nan
    now, ref = float(values.iloc[-1]), float(earlier.iloc[-1])
    if kind == "pct":
        return (now / ref - 1.0) * 100.0
    return now - ref


def check_within(
    asof: pd.Timestamp,
    first: pd.Timestamp,
    last: pd.Timestamp,
    *,
    series_id: str,
    argument: str = "asof",
    hint: str = "",
) -> pd.Timestamp:
    """``asof`` if it lies between an anchor series' first and last observation.

    Parameters
    ----------
    asof
        The requested as-of date.
    first, last
        The anchor series' first and last observation dates.
    series_id
        The anchor's id, named in the error.
    argument
        Name of the argument, named in the error (``"asof"``, ``"--asof"``).
    hint
        Added to the message when ``asof`` is after ``last`` (how to get newer data).

    Raises
    ------
    DataError
        If ``asof`` is outside ``first``..``last``; the message gives the range.
    """
    if not first <= asof <= last:
        raise DataError(
            f"{argument} {asof:%Y-%m-%d} is outside the data: {series_id} runs "
            f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" + (hint if asof > last else "")
        )
    return asof
