"""Cut odds through time: look-back dates, daily odds history and the proxy's error.

Pure computation: the caller hands in a ``meetings_at(date)`` function (the
curve proxy's or FedWatch's meetings priced on that date, using only data
known then) and the dates to evaluate.

Definitions
-----------
``next`` meeting
    The first meeting priced on the date (meetings on or before it are over).
``year-end`` meeting
    The last scheduled meeting of the date's calendar year still ahead; after
    the December meeting, the last meeting of the next year.
``p_cut_next``
    Conditional probability of a cut at the next meeting (equal to the
    cumulative ``p_below`` there).
``p_cut_yearend``
    Cumulative probability that the range after the year-end meeting is below
    the date's range (``p_below``). Missing when the source does not price that
    meeting: the curve proxy prices only meetings inside its 91-day bill window
    (so, from about September on), a futures curve only the months it lists.

Look-backs
----------
For the current observation date ``t`` among ``dates``: ``1d`` is the previous
observation date, ``1w`` the last date on or before ``t - 7 days``, ``1m`` the
last date on or before ``t - 1 month``.

Proxy error
-----------
On every date where both the proxy and futures price the same next meeting,
``error = proxy - futures`` in percentage points; :func:`proxy_error` gives
their count, mean, mean absolute and largest absolute error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.policy.fedwatch import MeetingProbabilities

__all__ = [
    "LOOKBACKS",
    "MeetingsAt",
    "cut_odds",
    "cut_odds_history",
    "lookback_dates",
    "proxy_error",
    "yearend_meeting",
]

#: Look-back label -> calendar offset (``None``: the previous observation).
LOOKBACKS: dict[str, pd.DateOffset | None] = {
    "1d": None,
    "1w": pd.DateOffset(days=7),
    "1m": pd.DateOffset(months=1),
}

#: ``date -> meetings priced on date`` (empty when the source has nothing then).
MeetingsAt = Callable[[pd.Timestamp], Sequence[MeetingProbabilities]]

_COLUMNS = ["next_meeting", "p_cut_next", "rate_next", "yearend_meeting", "p_cut_yearend"]


def lookback_dates(dates: pd.DatetimeIndex, current: Any) -> dict[str, pd.Timestamp | None]:
    """Observation dates 1 day, 1 week and 1 month before ``current`` (module docstring)."""
    current = pd.Timestamp(current)
    before = pd.DatetimeIndex(dates)
    before = before[before < current].sort_values()
    out: dict[str, pd.Timestamp | None] = {}
    for label, offset in LOOKBACKS.items():
        pool = before if offset is None else before[before <= current - offset]
        out[label] = pd.Timestamp(pool[-1]) if len(pool) else None
    return out


def yearend_meeting(date: Any, scheduled: pd.DatetimeIndex) -> pd.Timestamp | None:
    """The year-end meeting seen from ``date`` (module docstring), or ``None``."""
    date = pd.Timestamp(date)
    ahead = pd.DatetimeIndex(scheduled)[pd.DatetimeIndex(scheduled) > date]
    for year in (date.year, date.year + 1):
        in_year = ahead[ahead.year == year]
        if len(in_year):
            return pd.Timestamp(in_year.max())
    return None


def cut_odds(
    meetings: Sequence[MeetingProbabilities], yearend: pd.Timestamp | None
) -> dict[str, Any]:
    """``next_meeting, p_cut_next, rate_next, yearend_meeting, p_cut_yearend`` of one date."""
    if not meetings:
        return {"next_meeting": pd.NaT, "p_cut_next": np.nan, "rate_next": np.nan,
                "yearend_meeting": yearend if yearend is not None else pd.NaT,
                "p_cut_yearend": np.nan}
    by_date = {m.date: m for m in meetings}
    ye = by_date.get(yearend) if yearend is not None else None
    return {
        "next_meeting": meetings[0].date,
        "p_cut_next": meetings[0].p_cut,
        "rate_next": meetings[0].expected_rate,
        "yearend_meeting": yearend if yearend is not None else pd.NaT,
        "p_cut_yearend": ye.p_below if ye is not None else np.nan,
    }


def cut_odds_history(
    meetings_at: MeetingsAt, dates: pd.DatetimeIndex, scheduled: pd.DatetimeIndex
) -> pd.DataFrame:
    """Next-meeting and year-end cut odds on each of ``dates`` (module docstring).

    Returns
    -------
    pandas.DataFrame
        Index ``date``; columns ``next_meeting``, ``p_cut_next`` (0-1),
        ``rate_next`` (expected rate after the next meeting, %),
        ``yearend_meeting``, ``p_cut_yearend`` (0-1, NaN where unpriced) and
        ``p_cut_prev_same``: on the previous of ``dates``, the cut probability
        of the meeting that is next on this date (NaN where it was not priced).
    """
    # The last scheduled meeting of each year, once: yearend_meeting per date, fast.
    sched = pd.DatetimeIndex(scheduled).sort_values()
    last_of_year = {int(y): pd.Timestamp(d) for y, d in
                    pd.Series(sched, index=sched.year).groupby(level=0).max().items()}

    def yearend(day: pd.Timestamp) -> pd.Timestamp | None:
        for year in (day.year, day.year + 1):
            last = last_of_year.get(year)
            if last is not None and last > day:
                return last
        return None

    rows, previous, before = [], [], None
    for d in dates:
        meetings = meetings_at(pd.Timestamp(d))
        rows.append(cut_odds(meetings, yearend(pd.Timestamp(d))))
        # The previous date's view of the meeting that is next today: the same-meeting
        # change, free of the roll to a new meeting on decision days.
        same = before.get(meetings[0].date) if (before is not None and meetings) else None
        previous.append(same.p_cut if same is not None else np.nan)
        before = {m.date: m for m in meetings}
    frame = pd.DataFrame(rows, index=pd.DatetimeIndex(dates, name="date"), columns=_COLUMNS)
    frame["p_cut_prev_same"] = np.asarray(previous, dtype="float64")
    for col in ("next_meeting", "yearend_meeting"):
        frame[col] = pd.to_datetime(frame[col])
    return frame.astype({"p_cut_next": "float64", "rate_next": "float64",
                         "p_cut_yearend": "float64"})


def proxy_error(proxy: pd.DataFrame, futures: pd.DataFrame) -> dict[str, Any]:
    """The proxy's next-meeting cut probability minus the futures-implied one (pp).

    Parameters
    ----------
    proxy, futures
        :func:`cut_odds_history` frames.

    Returns
    -------
    dict
        ``n`` (dates where both price the same next meeting), ``first``,
        ``last``, ``mean_pp``, ``mean_abs_pp``, ``max_abs_pp``,
        ``rate_mean_abs_bp`` (expected rate after the next meeting, bp; all NaN
        when ``n == 0``) and ``by_date`` (a Series of P(cut) errors in pp).
    """
    both = proxy.add_suffix("_proxy").join(futures.add_suffix("_futures"), how="inner")
    same = both["next_meeting_proxy"] == both["next_meeting_futures"]
    both = both.loc[same].dropna(subset=["p_cut_next_proxy", "p_cut_next_futures"])
    err = 100 * (both["p_cut_next_proxy"] - both["p_cut_next_futures"])
    rate_err = 100 * (both["rate_next_proxy"] - both["rate_next_futures"])
    n = len(err)
    return {
        "n": n,
        "first": err.index[0] if n else None,
        "last": err.index[-1] if n else None,
        "mean_pp": float(err.mean()) if n else np.nan,
        "mean_abs_pp": float(err.abs().mean()) if n else np.nan,
        "max_abs_pp": float(err.abs().max()) if n else np.nan,
        "rate_mean_abs_bp": float(rate_err.abs().mean()) if n else np.nan,
        "by_date": err.rename("error_pp"),
    }
