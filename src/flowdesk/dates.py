"""The package's one date policy: tz-naive midnight timestamps for daily data.

Every user-facing date argument (``start``, ``end``, ``asof``) goes through
:func:`parse_date`, so a bad value fails the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from flowdesk.errors import ConfigError

__all__ = ["DateLike", "parse_date", "today"]

DateLike = str | dt.date | dt.datetime | pd.Timestamp

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: DateLike | None, argument: str) -> pd.Timestamp | None:
    """Turn a user-supplied date into a tz-naive midnight ``Timestamp``.

    Parameters
    ----------
    value
        ``YYYY-MM-DD`` text, a ``date``/``datetime`` or a ``Timestamp``; ``None``
        passes through.
    argument
        Name of the argument, used in the error message (e.g. ``"--asof"``).

    Raises
    ------
    ConfigError
        If the value is not a valid calendar date in ``YYYY-MM-DD`` form.
    """
    if value is None:
        return None
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
