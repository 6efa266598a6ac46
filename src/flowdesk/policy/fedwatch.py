"""FedWatch engine: 30-day fed funds futures -> FOMC meeting probabilities (CME method).

Pure computation: no I/O, no data loading. Inputs are the futures curve (price
by contract month, validated by
:func:`~flowdesk.policy.futures_input.futures_curve`), the FOMC meeting dates,
today's target range and the as-of date; :func:`fedwatch` returns a frozen
:class:`FedWatchResult`.

Method (CME FedWatch)
---------------------
A 30-day fed funds future (ZQ) settles on the average daily effective rate
(EFFR) of its month, so its implied rate is ``100 - price`` (percent). In a
month of ``N`` days with an FOMC decision on day ``d`` the average mixes the
pre-meeting rate (days ``1 .. d-1``) and the post-meeting rate (days
``d .. N``; the meeting day counts as post-meeting, as in CME's example)::

    avg  = ((d - 1) * pre + (N - d + 1) * post) / N
    post = (N * avg - (d - 1) * pre) / (N - d + 1)          # forward
    pre  = (N * avg - (N - d + 1) * post) / (d - 1)         # backward

Where the pre-meeting rate comes from (``method`` of each meeting), in CME's
order: months *without* a meeting anchor the chain, and each meeting month
starts where the previous one ended ("the projected end rate of each month is
the start rate of the next"):

1. ``"previous-month"`` -- the previous month has no meeting and is on the
   curve: its average is the rate entering the meeting month (CME's September
   2015 worked example). Every such month re-anchors the chain.
2. ``"chained"`` -- the previous month also has a meeting (two consecutive
   meeting months): ``pre`` is that meeting's ``post``, so the chain runs
   forward from the last month without a meeting and the cumulative tree sees
   every implied move, with no gap between one meeting's end and the next
   one's start.
3. ``"next-month"`` -- only for the first upcoming meeting when the curve has
   no month before it: the following month has no meeting, so its average is
   ``post`` and ``pre`` is back-solved from the meeting month.
4. ``"spot"`` -- only for the first upcoming meeting, when nothing on the curve
   gives the rate entering its month: ``pre`` is the ``start_rate`` passed in
   (typically today's effective rate).

Except for ``"next-month"``, ``post`` is then solved forward from the meeting
month's own average. A late meeting leaves few post-meeting days, so that
multiplies the month's price noise by ``N/(N-d+1)``; a note says so rather than
breaking the chain.

Otherwise the meeting cannot be priced and a :class:`DataError` names it.

Probabilities
-------------
The expected change at a meeting, ``post - pre`` in percent, is split between
the two adjacent multiples of 25 bp that bracket it: ``x = (post - pre)/0.25``
steps gives ``P(ceil(x)) = x - floor(x)`` and ``P(floor(x)) = 1 - P(ceil(x))``
(e.g. -0.40 pp -> 60% of -50 bp and 40% of -25 bp; +0.1339 -> 53.6% hike).
This is the *conditional* (per-meeting) view: ``p_cut/p_hold/p_hike`` are the
probabilities of moving down / not moving / moving up at this meeting, from
whatever range the previous meeting left. Chaining meetings by convolving
these step distributions (each meeting's move independent of earlier outcomes,
as in CME's probability tree) gives the *cumulative* view: the probability of
every target range after the meeting and ``p_below/p_at/p_above`` relative to
today's target range. No zero lower bound is imposed; mass below zero is noted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from flowdesk.errors import ConfigError, DataError
from flowdesk.policy.futures_input import futures_curve
from flowdesk.results import Result, notes_lines

__all__ = [
    "STEP",
    "FedWatchResult",
    "MeetingProbabilities",
    "convolve",
    "fedwatch",
    "implied_post_rate",
    "implied_pre_rate",
    "percent_text",
    "range_label",
    "step_distribution",
    "validate_target",
]

#: Size of one policy step, percentage points.
STEP = 0.25
_TOL = 1e-9


#: Highest target bound accepted, percent.
MAX_TARGET = 25.0


def validate_target(target: Sequence[float], argument: str = "target") -> tuple[float, float]:
    """Check a target range ``(low, high)`` in percent and return it as floats.

    Raises
    ------
    ConfigError
        Not two finite numbers, outside 0 to :data:`MAX_TARGET` percent,
        ``low >= high``, or not 25 bp wide.
    """
    try:
        low, high = (float(v) for v in target)
    except (TypeError, ValueError):
        raise ConfigError(f"{argument}: expected (low, high) in percent, got {target!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ConfigError(f"{argument}: bounds must be finite, got ({low}, {high})")
    # The FOMC has never set a range below zero, and the effective rate peaked near
    # 22% in 1981: numbers outside 0..25 are typos (-100 for -1.00, bp for percent).
    if low < 0 or high > MAX_TARGET:
        raise ConfigError(f"{argument}: range ({low:g}, {high:g}) is outside 0 to"
                          f" {MAX_TARGET:g} percent")
    if low >= high:
        raise ConfigError(f"{argument}: low {low:g} must be below high {high:g}")
    if abs(high - low - STEP) > 1e-6:
        raise ConfigError(
            f"{argument}: range {low:.2f}-{high:.2f} is {100 * (high - low):.1f} bp wide;"
            " FOMC target ranges are 25 bp wide"
        )
    return low, high


def range_label(low: float, high: float) -> str:
    """Target range as text, e.g. ``"3.25-3.50"`` (percent, two decimals)."""
    return f"{low + 0.0:.2f}-{high + 0.0:.2f}"


def percent_text(value: float | None) -> str:
    """A probability or share (0-1) as text in percent, e.g. ``"53.6%"`` (``"n/a"`` if unknown)."""
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def implied_post_rate(avg: float, pre: float, n_days: int, meeting_day: int) -> float:
    """Post-meeting rate from a month average: ``(N*avg - (d-1)*pre) / (N-d+1)``."""
    return (n_days * avg - (meeting_day - 1) * pre) / (n_days - meeting_day + 1)


def implied_pre_rate(avg: float, post: float, n_days: int, meeting_day: int) -> float:
    """Pre-meeting rate from a month average: ``(N*avg - (N-d+1)*post) / (d-1)`` (``d > 1``)."""
    return (n_days * avg - (n_days - meeting_day + 1) * post) / (meeting_day - 1)


def step_distribution(change: float, step: float = STEP) -> dict[int, float]:
    """Split an expected change between the two adjacent multiples of ``step``.

    Parameters
    ----------
    change
        Expected change of the policy rate at one meeting, percentage points.

    Returns
    -------
    dict
        Number of ``step``-sized moves (negative = cuts) -> probability; one
        entry when ``change`` is a multiple of ``step``, else the two bracketing
        multiples, weighted so the mean equals ``change``.
    """
    x = change / step
    nearest = round(x)
    if abs(x - nearest) < _TOL:
        return {int(nearest): 1.0}
    low = math.floor(x)
    upper = x - low
    return {low: 1.0 - upper, low + 1: upper}


def convolve(a: Mapping[int, float], b: Mapping[int, float]) -> dict[int, float]:
    """Distribution of the sum of two independent step counts (sorted by steps)."""
    out: dict[int, float] = {}
    for i, p in a.items():
        for j, q in b.items():
            out[i + j] = out.get(i + j, 0.0) + p * q
    return dict(sorted(out.items()))


def _mass(distribution: Mapping[int, float], sign: int) -> float:
    """Probability of the step counts with this sign (-1: down, 0: none, +1: up)."""
    return float(sum(p for k, p in distribution.items() if (k > 0) - (k < 0) == sign))


def _mass_of(view: str, sign: int, doc: str) -> property:
    """A read-only property: the probability mass of ``sign`` in the attribute ``view``."""

    def get(self: Any) -> float:
        return _mass(getattr(self, view), sign)

    return property(get, doc=doc)


@dataclass(frozen=True, slots=True)
class MeetingProbabilities:
    """Probabilities of one FOMC meeting (see the module docstring for both views).

    Attributes
    ----------
    date
        Decision date.
    method
        How ``pre_rate``/``post_rate`` were obtained (module docstring).
    pre_rate, post_rate
        Implied effective rate entering and leaving the meeting, percent.
    steps
        Conditional view: 25 bp moves at this meeting -> probability.
    cumulative
        Cumulative view: 25 bp steps away from today's range -> probability.
    target_low, target_high
        Today's target range, percent.
    """

    date: pd.Timestamp
    method: str
    pre_rate: float
    post_rate: float
    steps: Mapping[int, float]
    cumulative: Mapping[int, float]
    target_low: float
    target_high: float

    @property
    def expected_change(self) -> float:
        """Expected change at this meeting, percentage points (``post - pre``)."""
        return self.post_rate - self.pre_rate

    @property
    def expected_rate(self) -> float:
        """Implied effective rate after the meeting, percent (``post_rate``)."""
        return self.post_rate

    # The six headline probabilities: one view (conditional or cumulative) and one sign each.
    p_cut = _mass_of("steps", -1,
        "Conditional probability of a cut (any size) at this meeting.")
    p_hold = _mass_of("steps", 0,
        "Conditional probability of no move at this meeting.")
    p_hike = _mass_of("steps", 1,
        "Conditional probability of a hike (any size) at this meeting.")
    p_below = _mass_of("cumulative", -1,
        "Cumulative probability that the range is below today's after this meeting.")
    p_at = _mass_of("cumulative", 0,
        "Cumulative probability that the range equals today's after this meeting.")
    p_above = _mass_of("cumulative", 1,
        "Cumulative probability that the range is above today's after this meeting.")

    @property
    def distribution(self) -> dict[str, float]:
        """Cumulative view by target range label (ascending), e.g. ``{"3.25-3.50": p}``."""
        return {
            range_label(self.target_low + k * STEP, self.target_high + k * STEP): p
            for k, p in sorted(self.cumulative.items())
        }

    @property
    def most_likely(self) -> str:
        """Label of the most probable target range after this meeting."""
        k = max(self.cumulative, key=lambda s: (self.cumulative[s], -abs(s)))
        return range_label(self.target_low + k * STEP, self.target_high + k * STEP)

    def to_dict(self, digits: int = 4) -> dict[str, Any]:
        """JSON-ready dict; the probabilities are fractions (0-1) rounded to ``digits``."""
        return {
            "date": f"{self.date:%Y-%m-%d}",
            "method": self.method,
            "p_cut": round(self.p_cut, digits),
            "p_hold": round(self.p_hold, digits),
            "p_hike": round(self.p_hike, digits),
            "p_below_today": round(self.p_below, digits),
            "p_at_today": round(self.p_at, digits),
            "p_above_today": round(self.p_above, digits),
            "pre_rate": round(self.pre_rate, digits),
            "expected_rate": round(self.post_rate, digits),
            "expected_change_bp": round(100 * self.expected_change, 2),
            "distribution": {k: round(v, digits) for k, v in self.distribution.items()},
        }


@dataclass(frozen=True, eq=False)
class FedWatchResult(Result):
    """Meeting probabilities from a futures curve (module docstring for conventions).

    Attributes
    ----------
    asof
        As-of date; meetings on or before it are over and left out.
    target
        Today's target range ``(low, high)``, percent.
    meetings
        One entry per priced meeting, in date order.
    months
        One row per contract month: ``rate`` (implied average, %), ``days``,
        ``meeting_day`` (0 if none), ``start`` and ``end`` (implied rate on the
        first and last day of the month, %).
    notes
        Meetings left out and other caveats.
    """

    asof: pd.Timestamp
    target: tuple[float, float]
    meetings: tuple[MeetingProbabilities, ...]
    months: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """One row per meeting: method, rates, both probability views and the likeliest range."""
        rows = [
            {
                "date": m.date,
                "method": m.method,
                "pre_rate": m.pre_rate,
                "expected_rate": m.post_rate,
                "expected_change_bp": 100 * m.expected_change,
                "p_cut": m.p_cut,
                "p_hold": m.p_hold,
                "p_hike": m.p_hike,
                "p_below_today": m.p_below,
                "p_at_today": m.p_at,
                "p_above_today": m.p_above,
                "most_likely": m.most_likely,
            }
            for m in self.meetings
        ]
        return pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame()

    def _payload(self, **options: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        # The JSON form is the ``meetings`` list of the policy output, not a dict.
        return [m.to_dict() for m in self.meetings]

    def summary(self) -> str:
        """Meeting probabilities priced from the curve, with the notes."""
        low, high = self.target
        lines = [
            f"FedWatch (CME method) as of {self.asof:%Y-%m-%d}: {len(self.meetings)} meeting(s)"
            f" from {len(self.months)} futures contracts; target range {range_label(low, high)}%",
            "",
            self.to_frame().to_string() if self.meetings else "No meetings.",
        ]
        lines += notes_lines(self.notes)
        return "\n".join(lines)


def _meeting_months(
    meetings: Iterable[Any], asof: pd.Timestamp
) -> tuple[dict[pd.Period, pd.Timestamp], set[pd.Period]]:
    """Upcoming meetings by month, and every month with a meeting (past ones included)."""
    try:
        dates = sorted({pd.Timestamp(d).normalize() for d in meetings})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"meetings: not a list of dates ({exc})") from None
    by_month: dict[pd.Period, pd.Timestamp] = {}
    for date in dates:
        if date <= asof:
            continue
        month = date.to_period("M")
        if month in by_month:
            raise ConfigError(
                f"meetings: two FOMC meetings in {month} ({by_month[month]:%Y-%m-%d} and"
                f" {date:%Y-%m-%d}); the CME method needs at most one per month"
            )
        by_month[month] = date
    return by_month, {d.to_period("M") for d in dates}


def fedwatch(
    prices: pd.Series | pd.DataFrame | Mapping[Any, float],
    meetings: Iterable[Any],
    target: Sequence[float],
    asof: Any,
    *,
    start_rate: float | None = None,
) -> FedWatchResult:
    """Meeting-by-meeting probabilities from 30-day fed funds futures (CME method).

    Parameters
    ----------
    prices
        Futures prices by contract month (see
        :func:`~flowdesk.policy.futures_input.futures_curve`).
    meetings
        FOMC decision dates; those on or before ``asof`` are ignored.
    target
        Today's target range ``(low, high)``, percent, 25 bp wide.
    asof
        As-of date.
    start_rate
        Rate entering the first upcoming meeting's month when the curve has no
        earlier month to supply it (method ``"spot"``), percent.

    Returns
    -------
    FedWatchResult

    Raises
    ------
    DataError
        Bad prices (see ``futures_curve``), a curve covering no upcoming
        meeting, a meeting before the curve's first month, or a meeting with no
        reference for its pre-meeting rate.
    ConfigError
        Bad target range or two meetings in one month.
    """
    low, high = validate_target(target)
    asof_ts = pd.Timestamp(asof).normalize()
    curve = futures_curve(prices)
    by_month, meeting_months = _meeting_months(meetings, asof_ts)
    first, last = curve.index[0], curve.index[-1]
    notes: list[str] = []
    beyond = [d for m, d in by_month.items() if m > last]
    if beyond:
        notes.append(
            f"{len(beyond)} FOMC meeting(s) beyond the last contract month {last} left out"
            f" ({', '.join(f'{d:%Y-%m-%d}' for d in beyond)})"
        )
    before = [d for m, d in by_month.items() if m < first]
    if before:
        raise DataError(
            f"futures curve starts at {first} but the FOMC meeting of {before[0]:%Y-%m-%d}"
            " comes earlier; add its contract month (the chain needs every upcoming meeting)"
        )
    covered = {m: d for m, d in by_month.items() if first <= m <= last}
    if not covered:
        raise DataError(
            f"futures curve {first} to {last} covers no FOMC meeting after {asof_ts:%Y-%m-%d}"
        )

    def clean(month: pd.Period) -> bool:
        # A month whose meeting is already past still mixes two rates: not clean.
        return month in curve.index and month not in meeting_months

    end_of: dict[pd.Period, float] = {}
    results: list[MeetingProbabilities] = []
    cumulative: dict[int, float] = {0: 1.0}
    for i, (month, date) in enumerate(sorted(covered.items())):
        n, d = month.days_in_month, date.day
        avg = float(curve[month])
        prev, nxt = month - 1, month + 1
        if clean(prev):
            # Anchor: a month without a meeting holds one rate all month, so its
            # average is the rate entering the meeting month.
            method, pre = "previous-month", float(curve[prev])
        elif prev in end_of:
            # Consecutive meeting months: the rate entering this month is the rate
            # the previous meeting left. Back-solving it separately from the next
            # month would open a gap between the two that the cumulative tree
            # never sees (issue 17).
            method, pre = "chained", end_of[prev]
        elif i == 0 and clean(nxt) and d > 1:
            # No month before the first meeting on the curve: anchor on the
            # following month without a meeting and solve backward.
            method, post = "next-month", float(curve[nxt])
            pre = implied_pre_rate(avg, post, n, d)
        elif i == 0 and start_rate is not None:
            method, pre = "spot", float(start_rate)
        else:
            raise DataError(
                f"FOMC meeting {date:%Y-%m-%d}: no reference for the rate entering {month};"
                f" add contract {prev} (or {nxt} if it has no meeting) to the curve"
            )
        if method != "next-month":
            post = implied_post_rate(avg, pre, n, d)
            if n - d + 1 < 7 and len(notes) < 20:
                notes.append(
                    f"{date:%Y-%m-%d}: post-meeting rate solved forward from only {n - d + 1}"
                    f" day(s) of {month}; settlement noise in {month} is multiplied by"
                    f" {n / (n - d + 1):.1f} in this meeting's probabilities"
                )
        end_of[month] = post
        steps = step_distribution(post - pre)
        cumulative = convolve(cumulative, steps)
        results.append(
            MeetingProbabilities(date, method, pre, post, steps, cumulative, low, high)
        )
    if any(low + k * STEP < -_TOL for k in results[-1].cumulative):
        notes.append("some probability lies on target ranges below zero (no zero bound imposed)")
    return FedWatchResult(
        asof=asof_ts,
        target=(low, high),
        meetings=tuple(results),
        months=_month_table(curve, covered, results),
        notes=tuple(notes),
    )


def _month_table(
    curve: pd.Series,
    covered: Mapping[pd.Period, pd.Timestamp],
    results: Sequence[MeetingProbabilities],
) -> pd.DataFrame:
    by_month = {m.date.to_period("M"): m for m in results}
    rows = []
    for month, rate in curve.items():
        meeting = by_month.get(month)
        rows.append(
            {
                "rate": float(rate),
                "days": month.days_in_month,
                "meeting_day": covered[month].day if month in covered else 0,
                "start": meeting.pre_rate if meeting else float(rate),
                "end": meeting.post_rate if meeting else float(rate),
            }
        )
    return pd.DataFrame(rows, index=curve.index)
