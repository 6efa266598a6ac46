"""The desk's views of the odds: matrices and look-backs, odds history, proxy error, attribution.

Assembles :mod:`~flowdesk.policy.matrix`, :mod:`~flowdesk.policy.odds_history`
and :mod:`~flowdesk.policy.odds_moves` from inputs the model has already
loaded (no I/O here). Every view is point in time: a view for date ``d`` reads
proxy rows dated by ``d`` (each uses only data published by its date), futures
prices dated by ``d`` and speeches dated by ``d``.

Source of each view: futures where they exist on the date asked, else the
curve proxy, labelled. A ``--futures`` file is one curve (the as-of date); the
look-backs and the history then need dated curves (``futures_history``, the
live futures cache) and otherwise say they are missing. The proxy's views are
always computed, so its error against futures can be measured on every date
both exist.

The odds attribution uses futures when the cache holds at least ``2 * block``
dated curves inside the window, else the proxy (with a note). A gap in the
cache puts the whole change across it on the first date after the gap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.errors import DataError
from flowdesk.policy.fedwatch import FedWatchResult, MeetingProbabilities, fedwatch
from flowdesk.policy.matrix import MatrixView, meeting_matrix
from flowdesk.policy.odds_history import cut_odds_history, lookback_dates, proxy_error
from flowdesk.policy.odds_moves import OddsAttribution, attribute_odds, odds_events
from flowdesk.policy.proxy import BILL_DAYS, Allocation, proxy_meetings
from flowdesk.policy.target import infer_range

__all__ = ["OddsInputs", "PolicyViews", "build_views"]

LABELS = {"futures": "FedWatch (CME method)", "curve_proxy": "curve-implied proxy"}
#: Years of daily cut-odds history kept for the chart.
HISTORY_YEARS = 1


@dataclass(frozen=True)
class OddsInputs:
    """What the views are built from (all loaded by the model, point in time).

    Attributes
    ----------
    asof
        As-of date.
    history
        :func:`~flowdesk.policy.proxy.proxy_history` up to ``asof``.
    scheduled, decisions
        Scheduled and all FOMC decision dates.
    allocation
        The proxy's allocation.
    proxy_now
        The proxy's meetings on its latest row.
    futures_now
        FedWatch on the as-of curve, or ``None``.
    futures_history
        Dated curves (index observation date, columns contract months), or ``None``.
    target_at
        ``date -> (low, high)``: the target range in force on a date.
    speeches
        The speech calendar (``frame``, ``covers``, ``speech_days``,
        ``coverage_text``), or ``None`` when unavailable.
    window
        Inclusive attribution window.
    releases
        Known release dates replacing the rules (see
        :func:`~flowdesk.policy.odds_moves.odds_events`), or ``None``.
    """

    asof: pd.Timestamp
    history: pd.DataFrame
    scheduled: pd.DatetimeIndex
    decisions: pd.DatetimeIndex
    allocation: Allocation
    proxy_now: Sequence[MeetingProbabilities]
    futures_now: FedWatchResult | None
    futures_history: pd.DataFrame | None
    target_at: Callable[[pd.Timestamp], tuple[float, float]]
    speeches: Any
    window: tuple[pd.Timestamp, pd.Timestamp]
    releases: pd.DataFrame | None = None


@dataclass(frozen=True)
class PolicyViews:
    """The views (module docstring).

    Attributes
    ----------
    matrix
        The primary source's matrix with look-backs.
    proxy_matrix
        The proxy's, when the primary source is futures (else ``None``).
    odds_history
        Source -> :func:`~flowdesk.policy.odds_history.cut_odds_history` over the last year.
    proxy_error
        :func:`~flowdesk.policy.odds_history.proxy_error`, or ``None`` without futures.
    odds
        The attribution over the window, or ``None`` (see ``notes``).
    notes
        Caveats.
    """

    matrix: MatrixView
    proxy_matrix: MatrixView | None
    odds_history: dict[str, pd.DataFrame]
    proxy_error: dict[str, Any] | None
    odds: OddsAttribution | None
    notes: tuple[str, ...]


def _known(inputs: OddsInputs, date: pd.Timestamp) -> pd.DatetimeIndex:
    # Unscheduled decisions make their month unclean only once they have happened.
    return inputs.scheduled.union(inputs.decisions[inputs.decisions <= date])


def _proxy_at(inputs: OddsInputs, target: bool = True) -> Callable[..., tuple]:
    valid = inputs.history.loc[inputs.history.index <= inputs.asof].dropna(subset=["delta"])
    sched = inputs.scheduled.sort_values()
    values = sched.to_numpy()

    def at(date: pd.Timestamp) -> tuple[MeetingProbabilities, ...]:
        row = valid.loc[date]
        # Only the look-back matrices need the range in force; the history reads
        # probabilities, which do not depend on the labels.
        rng = inputs.target_at(date) if target else infer_range(float(row["effr"]))
        # Only the meetings of the bill window matter: hand those over, not all of them.
        lo, hi = np.searchsorted(values, np.array(
            [date, date + pd.Timedelta(days=BILL_DAYS)], dtype="datetime64[ns]"), side="right")
        return proxy_meetings(row, date, sched[lo:hi], rng, inputs.allocation)

    return at


def _futures_curve(history: pd.DataFrame, date: pd.Timestamp) -> pd.Series | None:
    """The last dated curve on or before ``date`` within five days, as price by month."""
    from flowdesk.data.futures import futures_on

    row = futures_on(history, date)
    if row is None or (date - pd.Timestamp(row.name)).days > 5:
        return None
    return row


def _futures_at(inputs: OddsInputs, target: bool = True) -> Callable[..., tuple]:
    assert inputs.futures_history is not None
    history = inputs.futures_history.loc[inputs.futures_history.index <= inputs.asof]
    valid = inputs.history.loc[inputs.history.index <= inputs.asof].dropna(subset=["delta"])

    def at(date: pd.Timestamp) -> tuple[MeetingProbabilities, ...]:
        curve = _futures_curve(history, date)
        if curve is None or curve.empty:
            return ()
        effr = valid["effr"].loc[:date]
        start = float(effr.iloc[-1]) if len(effr) else None
        rng = inputs.target_at(date) if target else infer_range(start if start else 0.0)
        try:
            return fedwatch(curve, _known(inputs, date), rng, date, start_rate=start).meetings
        except DataError:
            return ()

    return at


def _view(source: str, now: Sequence[MeetingProbabilities], now_date: pd.Timestamp,
          dates: pd.DatetimeIndex | None, at: Callable[..., tuple] | None,
          why: str) -> MatrixView:
    past: dict[str, Any] = {}
    missing: dict[str, str] = {}
    looks = lookback_dates(dates, now_date) if dates is not None else {}
    for key in ("1d", "1w", "1m"):
        day = looks.get(key)
        meetings = at(day) if (day is not None and at is not None) else ()
        if meetings:
            past[key] = meeting_matrix(meetings, date=day, source=source)
        else:
            past[key] = None
            missing[key] = why if dates is None else f"no {LABELS[source]} prices then"
    return MatrixView(source, LABELS[source], meeting_matrix(now, date=now_date, source=source),
                      past, missing)


def _window_rows(frame: pd.DataFrame | None, start: Any, end: Any) -> pd.DatetimeIndex:
    if frame is None:
        return pd.DatetimeIndex([])
    idx = pd.DatetimeIndex(frame.index)
    return idx[(idx >= start) & (idx <= end)]


def build_views(inputs: OddsInputs, *, n_boot: int, block: int, seed: int) -> PolicyViews:
    """Build every view from ``inputs`` (module docstring)."""
    notes: list[str] = []
    asof = inputs.asof
    # Rows after asof (a caller's longer history) must not move any view.
    valid = inputs.history.loc[inputs.history.index <= asof].dropna(subset=["delta"])
    proxy_date = pd.Timestamp(valid.index[-1])
    proxy_view = _view("curve_proxy", inputs.proxy_now, proxy_date, pd.DatetimeIndex(valid.index),
                       _proxy_at(inputs), "")
    chart_start = asof - pd.DateOffset(years=HISTORY_YEARS)
    proxy_days = _window_rows(valid, chart_start, asof)
    odds_history = {"curve_proxy": cut_odds_history(_proxy_at(inputs, target=False), proxy_days,
                                                    inputs.scheduled)}
    futures_view, error = None, None
    fh = inputs.futures_history
    fh = None if fh is None else fh.loc[fh.index <= asof]
    if inputs.futures_now is not None:
        fut_dates = None if fh is None or fh.empty else pd.DatetimeIndex(fh.index)
        futures_view = _view(
            "futures", inputs.futures_now.meetings, asof, fut_dates,
            _futures_at(inputs) if fut_dates is not None else None,
            "one futures curve was given; earlier matrices need dated curves (the futures cache)",
        )
        days = _window_rows(fh, chart_start, asof)
        fut_hist = (cut_odds_history(_futures_at(inputs, target=False), days, inputs.scheduled)
                    if len(days) else pd.DataFrame())
        now_row = cut_odds_history(lambda d: inputs.futures_now.meetings,  # type: ignore[union-attr]
                                   pd.DatetimeIndex([asof]), inputs.scheduled)
        fut_hist = now_row if fut_hist.empty else pd.concat(
            [fut_hist.loc[fut_hist.index < asof], now_row])
        odds_history["futures"] = fut_hist
        # The proxy on the futures dates: its latest row on or before each.
        proxy_hist = odds_history["curve_proxy"]
        aligned = proxy_hist.reindex(fut_hist.index, method="ffill")
        error = proxy_error(aligned, fut_hist)
    odds = _attribution(inputs, valid, fh, notes, n_boot=n_boot, block=block, seed=seed)
    return PolicyViews(
        matrix=futures_view if futures_view is not None else proxy_view,
        proxy_matrix=proxy_view if futures_view is not None else None,
        odds_history=odds_history,
        proxy_error=error,
        odds=odds,
        notes=tuple(notes),
    )


def _attribution(
    inputs: OddsInputs, valid: pd.DataFrame, futures_history: pd.DataFrame | None,
    notes: list[str], *, n_boot: int, block: int, seed: int,
) -> OddsAttribution | None:
    start, end = inputs.window
    # The change on the window's first day needs the observation before it.
    prior = start - pd.DateOffset(days=10)
    fut_days = _window_rows(futures_history, prior, end)
    in_window = _window_rows(futures_history, start, end)
    source = "curve_proxy"
    if len(in_window) >= 2 * block:
        odds = cut_odds_history(_futures_at(inputs, target=False), fut_days, inputs.scheduled)
        source = "futures"
    else:
        days = pd.DatetimeIndex(valid.index)
        odds = cut_odds_history(_proxy_at(inputs, target=False),
                                days[(days >= prior) & (days <= end)], inputs.scheduled)
        if futures_history is not None and len(in_window):
            notes.append(f"odds attribution: only {len(in_window)} futures date(s) in the"
                         " window; the curve proxy's odds are attributed instead")
    probability = odds["p_cut_next"]
    cal = inputs.speeches
    dates = pd.DatetimeIndex(probability.dropna().index)
    if cal is not None:
        speech_days = cal.speech_days(inputs.asof)
        covered = pd.Series([cal.covers(d) for d in dates], index=dates, dtype=bool)
        frame = cal.frame.loc[cal.frame["date"] <= inputs.asof]
        coverage = cal.coverage_text()
    else:
        speech_days, frame = pd.DatetimeIndex([]), None
        covered = pd.Series(False, index=dates)
        coverage = "no speech calendar available: speech days are unknown on every day"
    events = odds_events(prior, end, inputs.decisions, inputs.scheduled, speech_days=speech_days,
                         releases=inputs.releases)
    label = f"{LABELS[source]} P(cut) at the next meeting"
    try:
        return attribute_odds(probability, events, covered, start=start, end=end, series=label,
                              source=source, coverage=coverage, speeches=frame,
                              previous=odds["p_cut_prev_same"],
                              n_boot=n_boot, block=block, seed=seed)
    except DataError as exc:
        notes.append(f"odds attribution unavailable: {exc}")
        return None
