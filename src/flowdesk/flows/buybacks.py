"""Corporate buybacks: blackout windows, implied daily demand, and an event study.

S&P 500 companies bought back $942.5bn of stock in 2024 (S&P DJI); the 20
largest buyers did about half. A company stops discretionary buying in a
blackout that starts some weeks before it reports earnings and ends a day or
two after; programs run through 10b5-1 plans (about 60%) keep buying, which is
why desk buyback volume falls only 30-35% in blackout.

:class:`Buybacks` places the report dates of 500 synthetic companies from an
earnings-date distribution (:class:`EarningsModel`), or takes real dates where
given, and counts the share of companies in blackout every session.

Conventions: shares are fractions 0-1; demand is USD bn per session; a session
is *blackout* when the count-weighted share is at least 50%, *open* otherwise.
The model needs only the trading calendar, which is known ahead, so its value
at ``t`` never depends on prices or data published after ``t``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.jsontools import jsonable
from flowdesk.results import Result

__all__ = [
    "BLACKOUT_THRESHOLD",
    "BuybackResult",
    "Buybacks",
    "EarningsModel",
    "check_sessions",
    "session_grid",
]

CalendarKind = Literal["nyse", "weekdays"]
BLACKOUT_THRESHOLD = 0.5
_WEEK = 5  # sessions per week in the earnings-date table

# Share of reports in each week after quarter end; week 1 is the first five
# sessions after the quarter's last calendar day. Shape: FactSet's weekly count
# of S&P 500 reporters looks alike every quarter - the big banks open the season
# about ten sessions after quarter end, about 80% report in weeks 3-6, and
# retailers and off-cycle fiscal quarters trail into weeks 7-10. The 20 largest
# buyers report earlier on average (banks in weeks 2-3, megacap tech, payments
# and energy in weeks 4-5) with a few late ones (NVIDIA, home-improvement
# retailers in week 8). Rounded readings of that pattern, not a fitted dataset.
#                      week:  1     2     3     4     5     6     7     8     9    10
_OTHER_WEEKS: tuple[float, ...] = (0.00, 0.02, 0.12, 0.25, 0.25, 0.17, 0.08, 0.06, 0.03, 0.02)
_TOP_WEEKS: tuple[float, ...] = (0.00, 0.10, 0.15, 0.25, 0.30, 0.05, 0.05, 0.10, 0.00, 0.00)

# The calendar is extended well beyond the fitted years so that every window
# touching them is placed in full (leads <= 60 sessions, tables <= 13 weeks).
_GRID_MARGIN = pd.Timedelta(days=400)
_LAST_QUARTER_MARGIN = pd.Timedelta(days=130)
_SPAN_BEFORE = pd.Timedelta(days=150)
_SPAN_AFTER = pd.Timedelta(days=120)


@dataclass(frozen=True)
class EarningsModel:
    """When companies report, in sessions after each calendar quarter end.

    Each week's share (see the table ``_OTHER_WEEKS``/``_TOP_WEEKS`` in the
    source and its comment for where the shape comes from) is spread evenly over
    the week's five sessions, giving a distribution over offsets 1..5·weeks.
    Companies are placed deterministically at quantiles: company ``i`` of ``n``
    reports at the offset where the cumulative distribution first reaches
    ``(i + 0.5) / n``, so results are reproducible without random numbers.

    Parameters
    ----------
    other_weeks
        Weekly report shares of the ``n_companies - n_top`` other companies.
    top_weeks
        Weekly report shares of the ``n_top`` largest buyers.
    n_companies, n_top
        Index members and how many of them are the largest buyers.
    """

    other_weeks: tuple[float, ...] = _OTHER_WEEKS
    top_weeks: tuple[float, ...] = _TOP_WEEKS
    n_companies: int = 500
    n_top: int = 20

    def __post_init__(self) -> None:
        for name in ("other_weeks", "top_weeks"):
            weeks = np.asarray(getattr(self, name), dtype=float)
            if not 1 <= weeks.size <= 13:
                raise ConfigError(f"EarningsModel.{name}: give 1 to 13 weekly shares")
            if not np.all(np.isfinite(weeks)) or (weeks < 0).any():
                raise ConfigError(f"EarningsModel.{name}: shares must be finite and >= 0")
            if abs(weeks.sum() - 1.0) > 1e-6:
                raise ConfigError(f"EarningsModel.{name}: shares sum to {weeks.sum():g}, not 1")
        if not 0 <= self.n_top < self.n_companies:
            raise ConfigError("EarningsModel: need 0 <= n_top < n_companies")

    def offset_probabilities(self, top: bool = False) -> pd.Series:
        """Probability of reporting on each session offset after quarter end (1-based)."""
        weeks = np.asarray(self.top_weeks if top else self.other_weeks, dtype=float)
        probs = np.repeat(weeks / weeks.sum() / _WEEK, _WEEK)
        index = pd.RangeIndex(1, probs.size + 1, name="offset")
        return pd.Series(probs, index=index, name="probability")

    def companies(self) -> pd.DataFrame:
        """The synthetic companies: columns ``offset`` (sessions after quarter end), ``top``."""
        parts = []
        for top, n in ((True, self.n_top), (False, self.n_companies - self.n_top)):
            cdf = np.cumsum(self.offset_probabilities(top).to_numpy())
            quantiles = (np.arange(n) + 0.5) / n
            offsets = np.minimum(np.searchsorted(cdf, quantiles, side="left"), cdf.size - 1) + 1
            parts.append(pd.DataFrame({"offset": offsets, "top": top}))
        return pd.concat(parts, ignore_index=True)


DEFAULT_EARNINGS = EarningsModel()


def check_sessions(sessions: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``sessions`` as sorted, unique, tz-naive midnight dates, or a DataError naming the fault."""
    if not isinstance(sessions, pd.DatetimeIndex):
        raise DataError("sessions: expected a pandas DatetimeIndex")
    if sessions.empty:
        raise DataError("sessions: empty")
    if sessions.tz is not None:
        raise DataError("sessions: dates must be tz-naive")
    if not sessions.is_monotonic_increasing or not sessions.is_unique:
        raise DataError("sessions: dates must be sorted and unique")
    if (sessions != sessions.normalize()).any():
        raise DataError("sessions: dates must be midnight timestamps (one per session)")
    return pd.DatetimeIndex(sessions.astype("datetime64[ns]"), name="date")


def _calendar(lo: pd.Timestamp, hi: pd.Timestamp, kind: CalendarKind) -> pd.DatetimeIndex:
    """Sessions in ``[lo, hi]`` from the NYSE calendar (weekdays before 1985) or weekdays."""
    if lo > hi:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    if kind == "weekdays" or hi < pd.Timestamp("1985-01-01"):
        return pd.bdate_range(lo, hi).astype("datetime64[ns]")
    from flowdesk.calendars import nyse_sessions

    early = pd.bdate_range(lo, pd.Timestamp("1984-12-31")) if lo.year < 1985 else []
    late = nyse_sessions(max(lo, pd.Timestamp("1985-01-01")), hi)
    return pd.DatetimeIndex(list(early) + list(late)).astype("datetime64[ns]")


def session_grid(sessions: pd.DatetimeIndex, calendar: CalendarKind) -> pd.DatetimeIndex:
    """``sessions`` extended to whole years plus a margin each side, from ``calendar``.

    Windows that touch the fitted sessions start and end on this grid, so they are
    placed in full even when their report lies before the first or after the last
    fitted session.
    """
    lo = pd.Timestamp(year=sessions[0].year, month=1, day=1) - _GRID_MARGIN
    hi = pd.Timestamp(year=sessions[-1].year, month=12, day=31) + _GRID_MARGIN
    before = _calendar(lo, sessions[0] - pd.Timedelta(days=1), calendar)
    after = _calendar(sessions[-1] + pd.Timedelta(days=1), hi, calendar)
    return pd.DatetimeIndex(before.append(sessions).append(after), name="date")


def _accumulate(n: int, start: np.ndarray, end: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Sum of ``weight`` over the windows ``[start, end]`` covering each of ``n`` sessions."""
    diff = np.zeros(n + 1)
    np.add.at(diff, np.clip(start, 0, n), weight)
    np.add.at(diff, np.clip(end + 1, 0, n), -weight)
    # Rounding removes the 1e-16 residue of the running sum so that exactly half
    # the companies compares equal to the 50% threshold.
    return np.clip(np.round(np.cumsum(diff[:-1]), 12), 0.0, 1.0)


class Buybacks:
    """S&P 500 buyback blackout share and implied daily corporate demand.

    Company ``i`` reporting on session ``e`` is in blackout on sessions
    ``e - blackout_lead_sessions`` through ``e + blackout_end_lag_sessions``
    (inclusive); with ``quarter_end_lead_sessions = q`` the blackout starts no
    later than ``q`` sessions before the quarter's last session. ``B_t`` is the
    count-weighted share of companies in blackout and ``W_t`` the share weighted
    by buyback dollars (each of the top 20 holds ``top20_share / 20``, each other
    company the rest evenly). A company in blackout buys only through its 10b5-1
    part ``s``, so the buying intensity is ``I_t = 1 - (1 - s)·W_t`` and

        ``daily_demand_bn_t = annual_bn · I_t / Σ_{τ in year(t)} I_τ``

    (USD bn per session), which spreads exactly ``annual_bn`` over each calendar
    year's sessions. At the typical peak (``W ≈ 0.85``) demand is about 34% below
    a fully open day, in line with desk reports of a 30-35% fall.

    Parameters
    ----------
    annual_bn
        Annual buybacks, USD bn (S&P DJI: 942.5 in 2024).
    blackout_lead_sessions
        Sessions before the report when the blackout starts (25 ≈ 5 weeks).
    blackout_end_lag_sessions
        Sessions after the report that are still blackout.
    quarter_end_lead_sessions
        Optional second rule: blackout starts at the latest this many sessions
        before quarter end (10 ≈ the last two weeks of the quarter).
    share_10b5_1
        Fraction of buying that continues in blackout (10b5-1 plans).
    earnings
        Report-date distribution and deterministic company placement.
    top20_share
        Fraction of buyback dollars done by the ``earnings.n_top`` largest buyers.
    calendar
        Sessions used beyond the fitted ones (to place reports ahead of the last
        session and before the first): ``"nyse"`` or ``"weekdays"``.
    """

    def __init__(
        self,
        *,
        annual_bn: float = 942.5,
        blackout_lead_sessions: int = 25,
        blackout_end_lag_sessions: int = 2,
        quarter_end_lead_sessions: int | None = None,
        share_10b5_1: float = 0.60,
        earnings: EarningsModel = DEFAULT_EARNINGS,
        top20_share: float = 0.5,
        calendar: CalendarKind = "nyse",
    ) -> None:
        if not (np.isfinite(annual_bn) and annual_bn > 0):
            raise ConfigError(f"annual_bn must be positive, got {annual_bn}")
        if not 0 <= blackout_lead_sessions <= 60:
            raise ConfigError("blackout_lead_sessions must be within 0..60")
        if not 0 <= blackout_end_lag_sessions <= 20:
            raise ConfigError("blackout_end_lag_sessions must be within 0..20")
        if quarter_end_lead_sessions is not None and not 1 <= quarter_end_lead_sessions <= 60:
            raise ConfigError("quarter_end_lead_sessions must be within 1..60 or None")
        for name, value in (("share_10b5_1", share_10b5_1), ("top20_share", top20_share)):
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be within 0..1, got {value}")
        if calendar not in ("nyse", "weekdays"):
            raise ConfigError(f"calendar must be 'nyse' or 'weekdays', got {calendar!r}")
        self.annual_bn = float(annual_bn)
        self.lead = int(blackout_lead_sessions)
        self.lag = int(blackout_end_lag_sessions)
        self.quarter_end_lead = quarter_end_lead_sessions
        self.share_10b5_1 = float(share_10b5_1)
        self.earnings = earnings
        self.top20_share = float(top20_share)
        self.calendar: CalendarKind = calendar

    def __repr__(self) -> str:
        return (
            f"Buybacks(annual_bn={self.annual_bn:g}, blackout_lead_sessions={self.lead}, "
            f"blackout_end_lag_sessions={self.lag}, share_10b5_1={self.share_10b5_1:g})"
        )

    def _grid(self, sessions: pd.DatetimeIndex) -> pd.DatetimeIndex:
        return session_grid(sessions, self.calendar)

    def _window(self, e_idx: np.ndarray, qe_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        start = e_idx - self.lead
        if self.quarter_end_lead is not None:
            start = np.minimum(start, qe_idx - self.quarter_end_lead + 1)
        return start, e_idx + self.lag

    def fit(
        self, sessions: pd.DatetimeIndex, earnings_dates: pd.DataFrame | None = None
    ) -> BuybackResult:
        """Blackout share and demand on every session.

        Parameters
        ----------
        sessions
            Trading sessions to report on (sorted, unique, tz-naive dates).
        earnings_dates
            Optional real report dates: columns ``ticker``, ``date`` and optional
            ``weight`` (share of buybacks; equal weights if absent). A date
            belongs to the quarter that ended before it; the listed companies
            replace the model for every quarter present. Report dates are public
            only some weeks ahead, so using them early is a mild look-ahead.

        Returns
        -------
        BuybackResult
            Per-session shares, demand and window state.

        Raises
        ------
        DataError
            Empty, unsorted or non-date sessions; malformed ``earnings_dates``.
        """
        sessions = check_sessions(sessions)
        grid = self._grid(sessions)
        n = grid.size
        quarter_ends = pd.date_range(grid[0], grid[-1] - _LAST_QUARTER_MARGIN, freq="QE")
        real = None
        if earnings_dates is not None:
            real = _check_earnings(earnings_dates, grid)
        covered = set() if real is None else set(real["quarter"])
        quarter_ends = quarter_ends[[qe.to_period("Q") not in covered for qe in quarter_ends]]

        companies = self.earnings.companies()
        offsets = companies["offset"].to_numpy()
        top = companies["top"].to_numpy()
        n_top = self.earnings.n_top
        n_all = self.earnings.n_companies
        dollar = np.where(top, self.top20_share / max(n_top, 1), 0.0)
        dollar[~top] = (1.0 - self.top20_share if n_top else 1.0) / (n_all - n_top)
        first_after = np.searchsorted(grid.to_numpy(), quarter_ends.to_numpy(), side="right")
        e_idx = (first_after[:, None] + offsets[None, :] - 1).ravel()
        qe_idx = np.repeat(first_after - 1, offsets.size)
        count_w = np.full(e_idx.size, 1.0 / n_all)
        dollar_w = np.tile(dollar, quarter_ends.size)
        if real is not None:
            e_idx = np.concatenate([e_idx, real["e_idx"].to_numpy()])
            qe_idx = np.concatenate([qe_idx, real["qe_idx"].to_numpy()])
            count_w = np.concatenate([count_w, real["count_w"].to_numpy()])
            dollar_w = np.concatenate([dollar_w, real["dollar_w"].to_numpy()])
        start, end = self._window(e_idx, qe_idx)
        if (end >= n).any():
            raise ModelError("buybacks: calendar extension too short for the report dates")
        share = _accumulate(n, start, end, count_w)
        weighted = _accumulate(n, start, end, dollar_w)
        intensity = 1.0 - (1.0 - self.share_10b5_1) * weighted
        per_year = pd.Series(intensity).groupby(grid.year.to_numpy()).transform("sum").to_numpy()
        frame = pd.DataFrame(
            {
                "blackout_share": share,
                "blackout_share_weighted": weighted,
                "daily_demand_bn": self.annual_bn * intensity / per_year,
                "window": np.where(share >= BLACKOUT_THRESHOLD, "blackout", "open"),
            },
            index=grid,
        )
        span_lo = pd.Timestamp(year=sessions[0].year, month=1, day=1) - _SPAN_BEFORE
        span_hi = pd.Timestamp(year=sessions[-1].year, month=12, day=31) + _SPAN_AFTER
        params = {
            "annual_bn": self.annual_bn,
            "blackout_lead_sessions": self.lead,
            "blackout_end_lag_sessions": self.lag,
            "quarter_end_lead_sessions": self.quarter_end_lead,
            "share_10b5_1": self.share_10b5_1,
            "top20_share": self.top20_share,
            "calendar": self.calendar,
        }
        return BuybackResult(
            daily=frame.loc[sessions],
            extended=frame.loc[span_lo:span_hi],
            params=params,
            quarters_from_data=tuple(sorted(str(q) for q in covered)),
        )


def _check_earnings(table: pd.DataFrame, grid: pd.DatetimeIndex) -> pd.DataFrame:
    """Validate real report dates and turn them into window inputs."""
    if not isinstance(table, pd.DataFrame):
        raise DataError("earnings_dates: expected a DataFrame")
    missing = {"ticker", "date"} - set(table.columns)
    if missing:
        raise DataError(f"earnings_dates: missing column(s) {sorted(missing)}")
    if table.empty:
        raise DataError("earnings_dates: no rows")
    if table["ticker"].isna().any():
        raise DataError("earnings_dates: a ticker is missing")
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(table["date"]))
    except (TypeError, ValueError) as exc:
        raise DataError(f"earnings_dates: dates cannot be parsed ({exc})") from None
    if dates.isna().any() or dates.tz is not None:
        raise DataError("earnings_dates: dates must be present and tz-naive")
    dates = dates.astype("datetime64[ns]").normalize()
    out = pd.DataFrame({"ticker": table["ticker"].astype(str).to_numpy(), "date": dates})
    out["quarter"] = [d.to_period("Q") - 1 for d in dates]
    dup = out.duplicated(["ticker", "quarter"], keep=False)
    if dup.any():
        row = out[dup].iloc[0]
        raise DataError(
            f"earnings_dates: ticker {row['ticker']} has more than one date for the "
            f"quarter ended {row['quarter']} ({(out[dup]['ticker'] == row['ticker']).sum()} rows)"
        )
    idx = grid.get_indexer(out["date"])
    if (idx < 0).any():
        bad = out["date"][idx < 0].iloc[0]
        where = (
            "is not a trading session"
            if grid[0] <= bad <= grid[-1]
            else (f"is outside the sessions ({grid[0]:%Y-%m-%d} to {grid[-1]:%Y-%m-%d})")
        )
        raise DataError(f"earnings_dates: date {bad:%Y-%m-%d} {where}")
    if "weight" in table.columns:
        weight = pd.to_numeric(table["weight"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(weight).all():
            raise DataError("earnings_dates: weight must be numeric and finite")
        if (weight < 0).any():
            raise DataError(f"earnings_dates: negative weight {weight[weight < 0][0]:g}")
    else:
        weight = np.ones(len(out))
    out["weight"] = weight
    totals = out.groupby("quarter")["weight"].transform("sum")
    if (totals <= 0).any():
        raise DataError("earnings_dates: weights of a quarter sum to zero")
    qe = [q.end_time.normalize() for q in out["quarter"]]
    out["e_idx"] = idx
    out["qe_idx"] = np.searchsorted(grid.to_numpy(), np.asarray(qe, "datetime64[ns]"), "right") - 1
    out["count_w"] = 1.0 / out.groupby("quarter")["ticker"].transform("size")
    out["dollar_w"] = out["weight"] / totals
    return out


@dataclass(frozen=True, eq=False)
class BuybackResult(Result):
    """Buyback blackout share and demand (see :class:`Buybacks` for the formulas).

    Attributes
    ----------
    daily
        One row per fitted session: ``blackout_share`` and
        ``blackout_share_weighted`` (0-1), ``daily_demand_bn`` (USD bn/session),
        ``window`` (``"open"``/``"blackout"``).
    extended
        The same columns on the calendar around the fitted years (known ahead),
        used to date windows and the next change beyond the last session.
    params
        Model options.
    quarters_from_data
        Quarters (ended) whose report dates came from ``earnings_dates``.
    """

    daily: pd.DataFrame
    extended: pd.DataFrame
    params: Mapping[str, Any] = field(default_factory=dict)
    quarters_from_data: tuple[str, ...] = ()

    @property
    def annual_bn(self) -> float:
        """Annual buybacks, USD bn."""
        return float(self.params["annual_bn"])

    def to_frame(self) -> pd.DataFrame:
        """The per-session table (a copy)."""
        return self.daily.copy()

    def windows(self) -> pd.DataFrame:
        """Blackout windows (share >= 50%) that overlap the fitted sessions.

        Columns: ``start``, ``end`` (first and last blackout session; the end may
        lie beyond the last fitted session, from the known calendar),
        ``n_sessions``, ``peak_share``, ``peak_date``.
        """
        ext = self.extended
        state = (ext["blackout_share"].to_numpy() >= BLACKOUT_THRESHOLD).astype(int)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], state, [0]])))
        rows = []
        for a, b in zip(edges[::2], edges[1::2] - 1, strict=True):
            part = ext["blackout_share"].iloc[a : b + 1]
            if ext.index[b] < self.daily.index[0] or ext.index[a] > self.daily.index[-1]:
                continue
            rows.append(
                {
                    "start": ext.index[a],
                    "end": ext.index[b],
                    "n_sessions": int(b - a + 1),
                    "peak_share": float(part.max()),
                    "peak_date": part.idxmax(),
                }
            )
        columns = ["start", "end", "n_sessions", "peak_share", "peak_date"]
        return pd.DataFrame(rows, columns=columns)

    def _position(self, asof: DateLike | None) -> int:
        when = self.daily.index[-1] if asof is None else parse_date(asof, "asof")
        pos = int(self.daily.index.searchsorted(when, side="right")) - 1
        if pos < 0:
            raise DataError(f"asof {when:%Y-%m-%d} is before the first session")
        return pos

    def next_change(self, asof: DateLike | None = None) -> pd.Timestamp | None:
        """First session after ``asof`` whose window state differs (None if not in range)."""
        day = self.daily.index[self._position(asof)]
        state = self.extended["window"]
        later = state.loc[state.index > day]
        changed = later[later != state.loc[day]]
        return None if changed.empty else changed.index[0]

    def latest(self, asof: DateLike | None = None) -> dict[str, Any]:
        """JSON-ready state on the last session on or before ``asof`` (default: the last)."""
        row = self.daily.iloc[self._position(asof)]
        return jsonable(
            {
                "asof": row.name,
                "blackout_share": round(float(row["blackout_share"]), 4),
                "blackout_share_weighted": round(float(row["blackout_share_weighted"]), 4),
                "daily_demand_bn": round(float(row["daily_demand_bn"]), 4),
                "window": row["window"],
                "next_change": self.next_change(row.name),
                "annual_bn": self.annual_bn,
            }
        )

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Options, latest state and windows."""
        return {
            "model": "Buybacks",
            "params": dict(self.params),
            "latest": self.latest(),
            "quarters_from_data": list(self.quarters_from_data),
            "windows": [dict(r) for r in self.windows().to_dict("records")],
        }

    def summary(self) -> str:
        """Plain-text summary with units and the demand formula."""
        p, d = self.params, self.daily
        last = self.latest()
        open_d = d.loc[d["window"] == "open", "daily_demand_bn"].mean()
        black_d = d.loc[d["window"] == "blackout", "daily_demand_bn"].mean()
        windows = self.windows()
        change = last["next_change"] or "beyond the calendar"
        source = (
            "real dates for " + ", ".join(self.quarters_from_data)
            if self.quarters_from_data
            else "the earnings-date model for every quarter"
        )
        return "\n".join(
            [
                f"Corporate buybacks, sessions {d.index[0]:%Y-%m-%d} to {d.index[-1]:%Y-%m-%d}",
                f"Annual buybacks {p['annual_bn']:,.1f} USD bn; blackout from "
                f"{p['blackout_lead_sessions']} sessions before earnings to "
                f"{p['blackout_end_lag_sessions']} after; {p['share_10b5_1']:.0%} keeps buying "
                "through 10b5-1 plans.",
                "Demand (USD bn/session) = annual_bn * I_t / sum of I over the calendar year, "
                "I_t = 1 - (1 - 10b5-1 share) * dollar-weighted blackout share.",
                f"Report dates: {source}.",
                "",
                f"Latest ({last['asof']}): {last['blackout_share']:.0%} of companies in blackout "
                f"({last['blackout_share_weighted']:.0%} of buyback dollars), demand "
                f"{last['daily_demand_bn']:.2f} USD bn/session, window {last['window']}, "
                f"next change {change}.",
                f"Windows (share >= 50%): {len(windows)}, average "
                f"{windows['n_sessions'].mean():.0f} sessions. Average demand: open "
                f"{open_d:.2f}, blackout {black_d:.2f} USD bn/session.",
            ]
        )

    def _html_frame(self) -> pd.DataFrame:
        return self.windows().tail(12)
