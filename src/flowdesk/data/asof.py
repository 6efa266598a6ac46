"""The default as-of date and its bounds: the S&P 500 is the anchor of every model.

A date before the first S&P 500 close or after the last one has no market to
describe. The rule itself is :func:`flowdesk.dates.check_within`; this module
only loads the anchor, which the date policy cannot do (the data layer sits
above it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.data.api import load
from flowdesk.dates import DateLike, check_within, parse_date

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["ANCHOR", "latest_asof", "resolve_asof"]

#: The series whose first and last observations bound every as-of date.
ANCHOR = "SP500"


def latest_asof(*, settings: Settings | None = None) -> pd.Timestamp:
    """Date of the last S&P 500 close: the default as-of date.

    Raises
    ------
    DataError
        If no S&P 500 data are available.
    """
    return load(ANCHOR, settings=settings).index[-1]


def resolve_asof(
    asof: DateLike | None, *, settings: Settings | None = None, argument: str = "asof"
) -> pd.Timestamp:
    """Parse ``asof``, then default it to the last S&P 500 close or check it lies within the data.

    Takes the date as the user gave it, so a model or front end needs no
    parsing step of its own and every one reports a bad date the same way.

    Raises
    ------
    ConfigError
        If ``asof`` is not a valid date (the message names ``argument``).
    DataError
        If ``asof`` is outside the S&P 500 data (the message names ``argument``
        and the available range).
    """
    when = parse_date(asof, argument)
    full = load(ANCHOR, settings=settings)
    if when is None:
        return full.index[-1]
    return check_within(when, full.index[0], full.index[-1], series_id=ANCHOR,
                        argument=argument,
                        hint=f" (`flowdesk data update {ANCHOR}` fetches newer closes)")
