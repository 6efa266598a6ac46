"""Curve-implied policy proxy from Treasury yields -- a proxy, never FedWatch.

Pure computation on series handed in (the model loads them). Without fed funds
futures, the 3-month bill says roughly where the market expects the overnight
rate to average over the next 91 days, and the 2-year yield where it expects it
over two years. Every output is labelled ``curve_proxy``.

Method (all rates in percent, per as-of date ``t``, point in time)
------------------------------------------------------------------
``r0``
    Current effective rate: median of the latest (up to five) DFF observations
    published by ``t`` (DFF is published the day after its date) and dated
    after the latest FOMC decision on or before ``t`` (a new range takes effect
    the day after the decision). In the day or two after a decision, before
    any such observation exists, ``r0`` is the pre-decision median plus the
    decided change when it is known (``decision_changes``), else missing.
``spread``
    The usual bill-EFFR spread: bills trade off the overnight rate for reasons
    other than policy expectations (bond-equivalent quoting, supply, safety).
    For each past day ``s`` the *realized* spread is ``DGS3MO[s]`` minus the
    average DFF over ``(s, s+91]``; it is known from ``s+92`` on. The spread at
    ``t`` is the median realized spread over the 365 days of ``s`` whose spread
    was known by ``t``. Using realized rather than same-day EFFR keeps
    expected policy moves out of the spread (the same-day spread was +34 bp in
    the 2022 hikes and -39 bp in the 2001 cuts, the realized one -13 and +2 bp);
    forecast errors in the trailing year still leak in around turning points.
``implied_3m``
    ``DGS3MO[t] - spread``: expected average EFFR over ``(t, t+91]``.
``expected change per meeting``
    Moves are assumed to happen at scheduled FOMC meetings. Meeting ``i`` in the
    window weighs ``w_i`` = share of the 91 days from its decision day on
    (decision day counted as after, as in CME's method). With ``allocation=
    "equal"`` (default) every meeting in the window gets the same expected
    change ``delta = (implied_3m - r0) / sum(w_i)``; with ``"next"`` all of it
    goes to the next meeting, ``delta = (implied_3m - r0) / w_1``. "equal" fits
    a steady cycle (two cuts priced, as in September 2024) and understates a
    single move priced only at the next meeting; "next" does the reverse.
``zero lower bound``
    When ``r0 <= 0.25`` (target range 0-0.25%) a negative ``delta`` is set to 0:
    bills below the effective rate then reflect safe-asset demand, not a cut
    below zero (CME's tool also bounds the rate at zero).
``p_cut_next``, ``p_hike_next``
    ``clip(-delta/0.25, 0, 1)`` and ``clip(delta/0.25, 0, 1)``; a meeting's
    distribution splits ``delta`` between adjacent 25 bp steps as FedWatch does.
``dgs2_minus_effr``
    ``DGS2 - r0`` in percentage points: cumulative change priced over two
    years, term premium *not* removed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError, DataError
from flowdesk.policy.fedwatch import MeetingProbabilities, convolve, step_distribution
from flowdesk.results import Result

__all__ = [
    "BILL_DAYS",
    "PROXY_NOTE",
    "ProxyResult",
    "proxy_history",
    "proxy_meetings",
    "realized_spread",
]

Allocation = Literal["equal", "next"]

#: Horizon of the 3-month bill, calendar days.
BILL_DAYS = 91
_SPREAD_WINDOW = "365D"
_SPREAD_MIN_OBS = 60
_EFFR_OBS = 5
PROXY_NOTE = (
    "proxy: curve-implied from the 3-month bill (DGS3MO) net of its trailing realized"
    " spread to the effective rate, not FedWatch; no futures were used"
)

_COLUMNS = [
    "effr", "bill", "spread", "implied_3m", "next_meeting", "n_meetings", "weight",
    "delta", "expected_rate_next", "p_cut_next", "p_hike_next", "dgs2", "dgs2_minus_effr",
]


def realized_spread(bill: pd.Series, effr: pd.Series, horizon: int = BILL_DAYS) -> pd.Series:
    """Bill yield minus the realized average effective rate over its life.

    Parameters
    ----------
    bill
        3-month bill yield, percent, on its observation dates.
    effr
        Daily effective rate, percent (gaps are forward-filled on a calendar grid).
    horizon
        Life of the bill, calendar days.

    Returns
    -------
    pandas.Series
        ``bill[s] - mean(effr over (s, s+horizon])`` on the dates ``s`` whose
        window is fully observed, in percentage points.
    """
    daily = effr.asfreq("D").ffill()
    # mean over (s, s+h] = rolling mean ending at s+h, moved back h days.
    forward = daily.rolling(horizon, min_periods=horizon).mean().shift(-horizon)
    spread = bill - forward.reindex(bill.index)
    return spread.dropna().rename("realized_spread")


def _trailing_spread(bill: pd.Series, effr: pd.Series, dates: pd.DatetimeIndex) -> np.ndarray:
    realized = realized_spread(bill, effr)
    # Known once the last day of the window is published (one day later).
    known = pd.Series(realized.to_numpy(), index=realized.index + pd.Timedelta(days=BILL_DAYS + 1))
    rolled = known.rolling(_SPREAD_WINDOW, min_periods=_SPREAD_MIN_OBS).median()
    pos = np.searchsorted(rolled.index.to_numpy(), dates.to_numpy(), side="right") - 1
    out = np.full(len(dates), np.nan)
    ok = pos >= 0
    out[ok] = rolled.to_numpy()[pos[ok]]
    return out


def _current_effr(
    effr: pd.Series,
    decisions: pd.DatetimeIndex,
    dates: pd.DatetimeIndex,
    changes: Mapping[pd.Timestamp, float],
) -> np.ndarray:
    values = effr.to_numpy(dtype="float64")
    obs = effr.index.to_numpy()
    dec = decisions.sort_values().to_numpy()
    out = np.full(len(dates), np.nan)
    # DFF for day t is published on t+1: at t only dates <= t-1 are known.
    last_pub = np.searchsorted(obs, (dates - pd.Timedelta(days=1)).to_numpy(), side="right") - 1
    last_dec = np.searchsorted(dec, dates.to_numpy(), side="right") - 1
    for i, (j, k) in enumerate(zip(last_pub, last_dec, strict=True)):
        if j < 0:
            continue
        first_after = np.searchsorted(obs, dec[k], side="right") if k >= 0 else 0
        lo = max(first_after, j - _EFFR_OBS + 1)
        if lo <= j:
            out[i] = np.median(values[lo : j + 1])
            continue
        change = changes.get(pd.Timestamp(dec[k]))
        if change is not None:
            out[i] = np.median(values[max(0, j - _EFFR_OBS + 1) : j + 1]) + change
    return out


def proxy_history(
    bill: pd.Series,
    two_year: pd.Series,
    effr: pd.Series,
    meetings: pd.DatetimeIndex,
    *,
    decisions: pd.DatetimeIndex | None = None,
    decision_changes: Mapping[pd.Timestamp, float] | None = None,
    allocation: Allocation = "equal",
) -> pd.DataFrame:
    """Daily point-in-time history of the curve-implied proxy (module docstring).

    Parameters
    ----------
    bill, two_year, effr
        DGS3MO, DGS2 and DFF in percent; rows follow ``bill``'s dates.
    meetings
        Scheduled FOMC decision dates (moves are placed on them).
    decisions
        All decision dates, unscheduled included, for the staleness rule of
        ``r0`` (default: ``meetings``).
    decision_changes
        Decision date -> change in percentage points, where known.
    allocation
        ``"equal"`` or ``"next"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``effr, bill, spread, implied_3m, next_meeting, n_meetings,
        weight, delta, expected_rate_next, p_cut_next, p_hike_next, dgs2,
        dgs2_minus_effr`` (rates in %, ``delta`` in percentage points,
        probabilities 0-1) indexed by the bill's dates. A row uses only data
        published by its date, so appending data never changes earlier rows.

    Raises
    ------
    ConfigError
        Unknown ``allocation``.
    DataError
        Empty bill or effective-rate series.
    """
    if allocation not in ("equal", "next"):
        raise ConfigError(f"allocation: expected 'equal' or 'next', got {allocation!r}")
    bill, effr = bill.dropna(), effr.dropna()
    if bill.empty or effr.empty:
        raise DataError("curve proxy: DGS3MO and DFF must both have observations")
    dates = pd.DatetimeIndex(bill.index)
    r0 = _current_effr(
        effr,
        pd.DatetimeIndex(meetings if decisions is None else decisions),
        dates,
        {pd.Timestamp(k): float(v) for k, v in (decision_changes or {}).items()},
    )
    spread = _trailing_spread(bill, effr, dates)
    implied = bill.to_numpy() - spread
    meet = pd.DatetimeIndex(meetings).sort_values().to_numpy()
    first = np.searchsorted(meet, dates.to_numpy(), side="right")
    n = len(dates)
    weight, count, nxt = np.full(n, np.nan), np.zeros(n, dtype="int64"), np.full(n, np.nan)
    day = np.timedelta64(1, "D")
    for i, t in enumerate(dates.to_numpy()):
        end = t + BILL_DAYS * day
        w = []
        for m in meet[first[i] :]:
            if m > end:
                break
            w.append(((end - m) / day + 1) / BILL_DAYS)
        if w:
            count[i] = len(w)
            weight[i] = sum(w) if allocation == "equal" else w[0]
            nxt[i] = (meet[first[i]] - np.datetime64("1970-01-01")) / day
    delta = (implied - r0) / weight
    delta = np.where((r0 <= 0.25 + 1e-9) & (delta < 0), 0.0, delta)
    two = two_year.dropna().reindex(dates, method="ffill").to_numpy()
    frame = pd.DataFrame(
        {
            "effr": r0,
            "bill": bill.to_numpy(),
            "spread": spread,
            "implied_3m": implied,
            "next_meeting": pd.to_datetime(nxt, unit="D"),
            "n_meetings": count,
            "weight": weight,
            "delta": delta,
            "expected_rate_next": r0 + delta,
            "p_cut_next": np.clip(-delta / 0.25, 0.0, 1.0),
            "p_hike_next": np.clip(delta / 0.25, 0.0, 1.0),
            "dgs2": two,
            "dgs2_minus_effr": two - r0,
        },
        index=dates.rename("date"),
    )
    return frame[_COLUMNS]


def proxy_meetings(
    row: pd.Series,
    asof: pd.Timestamp,
    meetings: pd.DatetimeIndex,
    target: tuple[float, float],
    allocation: Allocation = "equal",
    *,
    after: pd.Timestamp | None = None,
) -> tuple[MeetingProbabilities, ...]:
    """Meeting probabilities implied by one proxy row, in FedWatch's shape.

    The meetings inside the 91-day bill window after ``asof`` (the row's date)
    each get ``delta`` (``"equal"``), or only the next one does (``"next"``);
    method ``"curve proxy"``. Meetings on or before ``after`` (a later as-of
    date, when the row is stale) stay in the cumulative chain but are not
    returned.
    """
    delta, r0 = float(row["delta"]), float(row["effr"])
    if not (math.isfinite(delta) and math.isfinite(r0)):
        return ()
    end = asof + pd.Timedelta(days=BILL_DAYS)
    inside = [pd.Timestamp(m) for m in meetings if asof < m <= end]
    if allocation == "next":
        inside = inside[:1]
    out, cumulative = [], {0: 1.0}
    steps = step_distribution(delta)
    for i, date in enumerate(inside):
        cumulative = convolve(cumulative, steps)
        pre, post = r0 + i * delta, r0 + (i + 1) * delta
        out.append(
            MeetingProbabilities(date, "curve proxy", pre, post, steps, cumulative, *target)
        )
    return tuple(m for m in out if after is None or m.date > after)


@dataclass(frozen=True, eq=False)
class ProxyResult(Result):
    """The curve proxy at one date plus its daily history (module docstring).

    Attributes
    ----------
    asof
        As-of date.
    history
        :func:`proxy_history` output up to ``asof``.
    current
        The last history row with a value (its name is its date).
    meetings
        Meeting probabilities implied by ``current``.
    allocation
        ``"equal"`` or ``"next"``.
    """

    asof: pd.Timestamp
    history: pd.DataFrame
    current: pd.Series
    meetings: tuple[MeetingProbabilities, ...]
    allocation: str = "equal"

    @property
    def note(self) -> str:
        """The proxy label and method, for JSON and summaries."""
        return f"{PROXY_NOTE}; expected change allocated '{self.allocation}' across meetings"

    def _payload(self, **options: Any) -> dict[str, Any]:
        """``{"source": "curve_proxy", "meetings": [...], "note": "proxy: ...", "current": {}}``."""
        cur = self.current

        def num(key: str, digits: int = 4, scale: float = 1.0) -> float | None:
            # NaN stays NaN through round() and becomes None in the encoder.
            value = cur.get(key)
            return None if value is None else round(scale * float(value), digits)

        return {
            "source": "curve_proxy",
            "meetings": [m.to_dict() for m in self.meetings],
            "note": self.note,
            "current": {
                "obs_date": pd.Timestamp(cur.name),
                "effr": num("effr"),
                "bill_3m": num("bill"),
                "bill_effr_spread": num("spread"),
                "implied_3m_avg": num("implied_3m"),
                "expected_change_next_bp": num("delta", 2, 100.0),
                "p_cut_next": num("p_cut_next"),
                "p_hike_next": num("p_hike_next"),
                "dgs2": num("dgs2"),
                "dgs2_minus_effr": num("dgs2_minus_effr"),
            },
        }

    def summary(self) -> str:
        """The proxy's inputs and expected change on its last complete date, in one line."""
        cur = self.current
        return (
            f"Curve proxy on {pd.Timestamp(cur.name):%Y-%m-%d}: effective rate {cur['effr']:.2f}%,"
            f" 3-month bill {cur['bill']:.2f}% minus spread {cur['spread']:+.2f} pp ="
            f" {cur['implied_3m']:.2f}% expected average; expected change per meeting"
            f" {100 * cur['delta']:+.1f} bp; 2-year minus effective"
            f" {cur['dgs2_minus_effr']:+.2f} pp."
        )
