"""S&P 500 buyback blackout from each company's own report dates.

:class:`CompanyBuybacks` places every member's blackout around its real earnings
releases (SEC Form 8-K Item 2.02 filing dates, the ``EARNINGS_DATES`` table) and
around projected ones after its last known release
(:mod:`flowdesk.flows.buyback_windows`). Before 2004, when Item 2.02 filings had not
yet covered a full season, it falls back to the synthetic calendar of
:class:`~flowdesk.flows.buybacks.Buybacks`, and says so row by row.

Defaults and why
----------------
* ``lead`` 30 sessions (6 weeks), band 25-35: Goldman Sachs' buyback desk says
  its blackout "begins ~4-6 weeks ahead of a company's earnings release". Within
  that range the lead was chosen by leave-one-out on the public desk cases
  (docs/calibration.md): 4-5 weeks put a fifth of the index in blackout in mid
  September, where the desk's published shares are about half. The band is one
  week either side, the half-width of the desk's own range; mid-September shares
  move by tens of points across it, and the band says so.
* ``lag`` 2 sessions: the window reopens about 48 hours after the release, the
  usual insider-trading-policy wording (one or two full trading days after).
* ``quarter_end_lead`` off: many insider policies close the window two weeks
  before quarter end instead. It is a setting, so the two conventions can be
  compared; the desk's own description is the lead rule.
* ``share_10b5_1`` 0.60: buying through 10b5-1 plans continues in blackout (the
  desk's "~30-35% decline in volume during blackout").

Weights: the data hold no per-company buyback dollars, so the share is a count
of members (``weighting = "count"``) unless ``weights`` are given. The members are
today's (survivorship): companies that left the index are missing in early years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError, DataError
from flowdesk.flows.buyback_windows import AHEAD, OPEN, PROJECTED, WindowRule, company_states
from flowdesk.flows.buybacks import (
    BLACKOUT_THRESHOLD,
    BuybackResult,
    Buybacks,
    CalendarKind,
    check_sessions,
    session_grid,
)
from flowdesk.flows.earnings_calendar import first_projections, reports_by_ticker
from flowdesk.jsontools import jsonable

__all__ = ["REAL_FROM", "CompanyBuybackResult", "CompanyBuybacks"]

#: First session on the real-date path: Item 2.02 began in August 2003, so the
#: Q4 2003 season (January-February 2004) is the first the filings cover in full.
REAL_FROM = pd.Timestamp("2004-01-02")
_BANDS = ("low", "base", "high")


class CompanyBuybacks:
    """Blackout share and demand from per-company report dates (see the module doc).

    Parameters
    ----------
    annual_bn
        Annual buybacks, USD bn.
    blackout_lead_sessions, lead_band
        Sessions before a release when its window closes: the base case and the
        ``(low, high)`` band.
    blackout_end_lag_sessions
        Sessions after a release that are still closed.
    notice_sessions
        How far ahead a release date counts as announced (known).
    quarter_end_lead_sessions
        Optional: close at the latest this many sessions before quarter end.
    share_10b5_1
        Fraction of buying that continues in blackout.
    weights
        Optional buyback dollars per ticker; count weights without them.
    calendar
        Sessions beyond the fitted ones: ``"nyse"`` or ``"weekdays"``.
    """

    def __init__(
        self,
        *,
        annual_bn: float = 942.5,
        blackout_lead_sessions: int = 30,
        lead_band: tuple[int, int] = (25, 35),
        blackout_end_lag_sessions: int = 2,
        notice_sessions: int = 10,
        quarter_end_lead_sessions: int | None = None,
        share_10b5_1: float = 0.60,
        weights: Mapping[str, float] | None = None,
        calendar: CalendarKind = "nyse",
    ) -> None:
        low, high = lead_band
        if not 0 <= low <= blackout_lead_sessions <= high <= 60:
            raise ConfigError("need 0 <= lead_band low <= blackout_lead_sessions <= high <= 60")
        if not 0 <= notice_sessions <= 30:
            raise ConfigError("notice_sessions must be within 0..30")
        if weights is not None:
            bad = {k: v for k, v in weights.items() if not (np.isfinite(v) and v >= 0)}
            if bad:
                raise ConfigError(f"weights: not a finite non-negative number for {sorted(bad)}")
        # The synthetic model checks the shared options and serves dates before 2004.
        self.fallback = Buybacks(annual_bn=annual_bn, blackout_lead_sessions=blackout_lead_sessions,
                                 blackout_end_lag_sessions=blackout_end_lag_sessions,
                                 quarter_end_lead_sessions=quarter_end_lead_sessions,
                                 share_10b5_1=share_10b5_1, calendar=calendar)
        self.annual_bn = float(annual_bn)
        self.leads = {"low": int(low), "base": int(blackout_lead_sessions), "high": int(high)}
        self.lag = int(blackout_end_lag_sessions)
        self.notice = int(notice_sessions)
        self.quarter_end_lead = quarter_end_lead_sessions
        self.share_10b5_1 = float(share_10b5_1)
        self.weights = dict(weights) if weights is not None else None
        self.calendar: CalendarKind = calendar

    def __repr__(self) -> str:
        return (f"CompanyBuybacks(annual_bn={self.annual_bn:g}, lead={self.leads}, "
                f"lag={self.lag}, notice={self.notice}, share_10b5_1={self.share_10b5_1:g})")

    def rule(self, band: str = "base") -> WindowRule:
        """The window rule of one lead case."""
        return WindowRule(lead=self.leads[band], lag=self.lag, notice=self.notice,
                          quarter_end_lead=self.quarter_end_lead)

    def fit(self, sessions: pd.DatetimeIndex, reports: pd.DataFrame,
            asof: DateLike | None = None) -> CompanyBuybackResult:
        """Blackout share on every session, point in time at ``asof``.

        Parameters
        ----------
        sessions
            Sessions to report on (sorted, unique, tz-naive midnight dates).
        reports
            ``ticker, report_date`` rows (the ``EARNINGS_DATES`` table). Only
            releases filed by ``asof`` plus ``notice_sessions`` are used.
        asof
            The as-of session (default: the last of ``sessions``). Sessions up to
            it show what was known on each; later ones the forecast made at it.

        Raises
        ------
        DataError
            Bad sessions or a table without the two columns or without rows.
        """
        sessions = check_sessions(sessions)
        if not isinstance(reports, pd.DataFrame) or reports.empty:
            raise DataError("earnings dates: expected a non-empty ticker, report_date table")
        when = sessions[-1] if asof is None else parse_date(asof, "asof")
        grid = session_grid(sessions, self.calendar)
        at = int(grid.searchsorted(when, side="right")) - 1
        if at < 0:
            raise DataError(f"asof {when:%Y-%m-%d} is before the first session")
        known_until = grid[min(at + self.notice, grid.size - 1)]
        everything = _prepared(reports)
        cut = np.datetime64(known_until.date(), "D")
        by_ticker = {t: d[: np.searchsorted(d, cut, side="right")]
                     for t, (d, _) in everything.items()}
        by_ticker = {t: d for t, d in by_ticker.items() if d.size}
        if not by_ticker:
            raise DataError(f"earnings dates: no release filed by {known_until:%Y-%m-%d}")
        tickers, states, first = company_states(
            by_ticker, grid, [self.rule(b) for b in _BANDS],
            projections={t: ahead for t, (_, ahead) in everything.items()})
        state = states[1]
        active = np.arange(grid.size)[None, :] >= first[:, None]
        closed = {b: st != OPEN for b, st in zip(_BANDS, states, strict=True)}
        weight = self._weight_vector(tickers)
        members = (active * weight[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = {b: (closed[b] & active).sum(axis=0) / active.sum(axis=0) for b in _BANDS}
            weighted = {b: ((closed[b] & active) * weight[:, None]).sum(axis=0) / members
                        for b in _BANDS}
            projected = ((state == PROJECTED) & active).sum(axis=0) / active.sum(axis=0)
        frame = pd.DataFrame({
            "blackout_share": shares["base"], "blackout_share_low": shares["low"],
            "blackout_share_high": shares["high"], "blackout_share_weighted": weighted["base"],
            **{f"_weighted_{b}": weighted[b] for b in _BANDS},
            "projected_share": projected, "n_companies": active.sum(axis=0).astype(float),
        }, index=grid)
        last_known = pd.Timestamp(max(d[-1] for d in by_ticker.values()))
        # After the latest release in the data every window is a projection.
        frame["source"] = np.where(grid <= last_known, "real", "projected")
        frame = self._with_fallback(frame, sessions)
        # Each lead case has its own weighted share, so the band carries into demand.
        for band, suffix in (("low", "_low"), ("base", ""), ("high", "_high")):
            intensity = 1.0 - (1.0 - self.share_10b5_1) * frame[f"_weighted_{band}"]
            per_year = intensity.groupby(frame.index.year).transform("sum")
            frame["daily_demand_bn" + suffix] = self.annual_bn * intensity / per_year
        frame = frame.drop(columns=[f"_weighted_{b}" for b in _BANDS])
        frame["window"] = np.where(frame["blackout_share"] >= BLACKOUT_THRESHOLD,
                                   "blackout", "open")
        span = frame.index[(frame.index >= sessions[0] - pd.Timedelta(days=150))
                           & (frame.index <= sessions[-1] + pd.Timedelta(days=120))]
        params = {"annual_bn": self.annual_bn, "blackout_lead_sessions": self.leads["base"],
                  "lead_band": [self.leads["low"], self.leads["high"]],
                  "blackout_end_lag_sessions": self.lag, "notice_sessions": self.notice,
                  "quarter_end_lead_sessions": self.quarter_end_lead,
                  "share_10b5_1": self.share_10b5_1, "calendar": self.calendar,
                  "weighting": "count" if self.weights is None else "buyback dollars"}
        keep = grid.isin(span)
        return CompanyBuybackResult(
            daily=frame.loc[sessions], extended=frame.loc[span], params=params,
            tickers=tuple(tickers), state=state[:, keep], state_index=grid[keep],
            asof=grid[at], last_known=last_known,
            next_reports=_next_reports(by_ticker, tickers, grid[at], self.rule("base"),
                                       {t: a for t, (_, a) in everything.items()}))

    def _weight_vector(self, tickers: list[str]) -> np.ndarray:
        if self.weights is None:
            return np.ones(len(tickers))
        missing = [t for t in tickers if t not in self.weights]
        if missing:
            raise ConfigError(f"weights: no buyback dollars for {len(missing)} tickers, e.g. "
                              f"{missing[:3]}")
        return np.array([float(self.weights[t]) for t in tickers])

    def _with_fallback(self, frame: pd.DataFrame, sessions: pd.DatetimeIndex) -> pd.DataFrame:
        """Sessions before :data:`REAL_FROM` from the synthetic calendar, labelled so."""
        early = frame.index < REAL_FROM
        if not early.any():
            return frame
        synthetic = self.fallback.fit(frame.index[early]).daily
        frame = frame.copy()
        for col in frame.columns:
            if col.startswith(("blackout_share", "_weighted_")):
                source = ("blackout_share_weighted" if "weighted" in col else "blackout_share")
                frame.loc[early, col] = synthetic[source].to_numpy()
        frame.loc[early, ["projected_share", "n_companies"]] = np.nan
        frame.loc[early, "source"] = "synthetic"
        return frame


_PREPARED: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}


def _prepared(table: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Cleaned releases and their first two projections per ticker, once per table.

    The desk refits on every date with the same table; cleaning and projecting
    36,000 releases is most of a fit, and depends only on the table's content.
    """
    key = str(pd.util.hash_pandas_object(table[["ticker", "report_date"]], index=False).sum())
    if key not in _PREPARED:
        by_ticker = reports_by_ticker(table)
        _PREPARED.clear()  # one table at a time: the snapshot's or the user's
        _PREPARED[key] = {t: (d, first_projections(d, AHEAD)) for t, d in by_ticker.items()}
    return _PREPARED[key]


def _next_reports(by_ticker: dict[str, np.ndarray], tickers: list[str], asof: pd.Timestamp,
                  rule: WindowRule, projections: dict[str, np.ndarray]) -> pd.DataFrame:
    """Each company's last release on or before ``asof`` and its next (known or projected)."""
    day = np.datetime64(asof.date(), "D")
    rows = []
    for ticker in tickers:
        days = by_ticker[ticker]
        past, future = days[days <= day], days[days > day]
        if future.size:
            nxt, projected = future[0], False
        elif past.size:
            ahead = projections[ticker][past.size - 1]
            ahead = ahead[ahead >= day - np.timedelta64(rule.lag, "D")]
            nxt, projected = (ahead[0], True) if ahead.size else (None, True)
        else:
            continue
        rows.append({"ticker": ticker, "last_report": past[-1] if past.size else None,
                     "next_report": nxt, "next_projected": projected})
    out = pd.DataFrame(rows, columns=["ticker", "last_report", "next_report", "next_projected"])
    for col in ("last_report", "next_report"):
        out[col] = pd.to_datetime(out[col])
    return out.set_index("ticker")


@dataclass(frozen=True, eq=False)
class CompanyBuybackResult(BuybackResult):
    """Blackout from company report dates (see :class:`CompanyBuybacks`).

    Attributes
    ----------
    daily, extended
        As :class:`~flowdesk.flows.buybacks.BuybackResult`, plus columns
        ``blackout_share_low``/``_high`` (lead band), ``projected_share`` (share
        of members whose closed window comes from a projected date),
        ``n_companies`` and ``source`` (``real`` up to the last known release,
        ``projected`` after it, ``synthetic`` before 2004).
    tickers, state, state_index
        ``state[i, t]``: 0 open, 1 closed around a real date, 2 around a
        projected one, for ``tickers[i]`` on ``state_index[t]`` (base lead).
    asof
        The as-of session.
    last_known
        Latest release date in the data used.
    next_reports
        Per ticker: ``last_report``, ``next_report``, ``next_projected``.
    """

    tickers: tuple[str, ...] = ()
    state: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int8))
    state_index: pd.DatetimeIndex = field(default_factory=lambda: pd.DatetimeIndex([]))
    asof: pd.Timestamp | None = None
    last_known: pd.Timestamp | None = None
    next_reports: pd.DataFrame = field(default_factory=pd.DataFrame)

    def _position(self, asof: DateLike | None) -> int:
        """Like the base class, but ``None`` means the fit's as-of session, not the last."""
        return super()._position(self.asof if asof is None else asof)

    def outlook(self, asof: DateLike | None = None) -> dict[str, Any]:
        """Share now, 1 and 2 weeks ahead, the reopen date and this season's peak.

        ``reopen`` is the first session after ``asof`` with the share below 50%
        (if in blackout now; else after the next blackout). ``season_peak`` is
        the highest share of the current blackout run, or of the next one when
        the window is open.
        """
        ext = self.extended
        day = self.daily.index[self._position(asof)]
        i = int(ext.index.get_loc(day))
        share = ext["blackout_share"].to_numpy()
        closed = share >= BLACKOUT_THRESHOLD

        def ahead(k: int) -> float | None:
            return float(share[i + k]) if i + k < share.size else None

        next_close = reopen = peak = None
        later = np.flatnonzero(closed[i:])
        if later.size:
            start = i + int(later[0])
            if start == i:
                while start > 0 and closed[start - 1]:
                    start -= 1
            else:
                next_close = ext.index[start]
            end = start
            while end < share.size and closed[end]:
                end += 1
            reopen = ext.index[end] if end < share.size else None
            peak = start + int(np.argmax(share[start:end]))
        row = ext.iloc[i]
        return jsonable({
            "asof": day,
            "blackout_share": float(row["blackout_share"]),
            "blackout_share_band": {"low": float(row["blackout_share_low"]),
                                    "base": float(row["blackout_share"]),
                                    "high": float(row["blackout_share_high"])},
            "projected_share": None if pd.isna(row["projected_share"])
            else float(row["projected_share"]),
            "daily_demand_bn_band": {b: float(row["daily_demand_bn" + s])
                                     for b, s in (("low", "_low"), ("base", ""),
                                                  ("high", "_high"))},
            "source": row["source"],
            "share_1w": ahead(5), "share_2w": ahead(10),
            "next_close": next_close, "reopen": reopen,
            "season_peak": None if peak is None else ext.index[peak],
            "season_peak_share": None if peak is None else float(share[peak]),
        })

    def companies(self, asof: DateLike | None = None, sessions: int = 10) -> pd.DataFrame:
        """Companies and their window around ``asof``: who enters or leaves within ``sessions``.

        Columns: ``in_blackout``, ``projected`` (the window comes from a projected
        date), ``closes`` (first closed session of the next or current window),
        ``reopens`` (first open session after it), ``enters`` / ``leaves`` (that
        happens within ``sessions`` sessions after ``asof``), ``last_report``,
        ``next_report``, ``next_projected``. Sorted alphabetically.
        """
        day = self.daily.index[self._position(asof)]
        idx = self.state_index
        i = int(idx.get_loc(day))
        rows = []
        for k, ticker in enumerate(self.tickers):
            row = self.state[k]
            closed = row != OPEN
            a = i
            if not closed[a]:
                later = np.flatnonzero(closed[i:])
                a = i + int(later[0]) if later.size else -1
            else:
                while a > 0 and closed[a - 1]:
                    a -= 1
            if a < 0:
                closes = reopens = None
                projected = False
            else:
                b = a
                while b < row.size and closed[b]:
                    b += 1
                closes, reopens = idx[a], (idx[b] if b < row.size else None)
                projected = bool((row[a:b] == PROJECTED).any())
            horizon = idx[min(i + sessions, idx.size - 1)]
            rows.append({"ticker": ticker, "in_blackout": bool(closed[i]),
                         "projected": projected, "closes": closes, "reopens": reopens,
                         "enters": closes is not None and day < closes <= horizon,
                         "leaves": bool(closed[i]) and reopens is not None
                         and day < reopens <= horizon})
        out = pd.DataFrame(rows).set_index("ticker")
        return out.join(self.next_reports, how="left").sort_index()

    def company(self, ticker: str, asof: DateLike | None = None) -> dict[str, Any]:
        """One company's state on ``asof``: window, last and next release (JSON-ready).

        Raises
        ------
        DataError
            ``ticker`` is not a member in the data (with the closest spellings).
        """
        key = ticker.strip().upper().replace("/", ".").replace("-", ".")
        table = self.companies(asof)
        if key not in table.index:
            import difflib

            near = difflib.get_close_matches(key, list(table.index), n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise DataError(f"--ticker {ticker!r}: not an S&P 500 member in EARNINGS_DATES "
                            f"({len(table)} tickers known){hint}")
        row = table.loc[key]
        day = self.daily.index[self._position(asof)]
        return jsonable({"ticker": key, "asof": day, **row.to_dict()})

    def listing(self, asof: DateLike | None = None, sessions: int = 10) -> dict[str, pd.DataFrame]:
        """``flowdesk buybacks``: who enters and leaves blackout within ``sessions``, who is in.

        Returns ``entering`` (sorted by the closing date), ``leaving`` (by the
        reopening date) and ``in_blackout`` (alphabetical: the data hold no market
        weights), each with ``closes``, ``reopens``, ``next_report`` and
        ``projected`` (the window rests on a projected report date).
        """
        table = self.companies(asof, sessions)
        cols = ["closes", "reopens", "next_report", "projected"]
        fmt = table[cols].copy()
        for col in ("closes", "reopens", "next_report"):
            fmt[col] = fmt[col].dt.strftime("%Y-%m-%d").fillna("-")
        return {
            "entering": fmt.loc[table["enters"]].sort_values("closes"),
            "leaving": fmt.loc[table["leaves"]].sort_values("reopens"),
            "in_blackout": fmt.loc[table["in_blackout"]],
        }

    def latest(self, asof: DateLike | None = None) -> dict[str, Any]:
        """The base state (see :class:`BuybackResult`) plus :meth:`outlook`."""
        base = super().latest(asof)
        out = self.outlook(asof)
        base.update({k: v for k, v in out.items() if k not in ("asof", "blackout_share")})
        base.update({"weighting": self.params.get("weighting"),
                     "last_known_report": jsonable(self.last_known)})
        return base

    def _payload(self, **options: Any) -> dict[str, Any]:
        out = super()._payload(**options)
        out["model"] = "CompanyBuybacks"
        return out

    def summary(self) -> str:
        """Latest share with its band, the outlook and the conventions."""
        o = self.outlook()
        p = self.params
        band = o["blackout_share_band"]

        def pct(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.0%}"

        return "\n".join([
            f"Buyback blackout from company report dates, as of {o['asof']}",
            f"{pct(o['blackout_share'])} of S&P 500 members in blackout (lead band "
            f"{pct(band['low'])} to {pct(band['high'])} for {p['lead_band'][0]}-"
            f"{p['lead_band'][1]} sessions); {pct(o['projected_share'])} of members are closed "
            "around a projected date.",
            f"Expected in 1 week {pct(o['share_1w'])}, in 2 weeks {pct(o['share_2w'])}; "
            f"reopens (share < 50%) {o['reopen'] or 'n/a'}; season peak "
            f"{pct(o['season_peak_share'])} on {o['season_peak'] or 'n/a'}.",
            f"Window: {p['blackout_lead_sessions']} sessions before each release to "
            f"{p['blackout_end_lag_sessions']} after; a date counts as announced "
            f"{p['notice_sessions']} sessions ahead, else it is projected from the company's "
            f"own history. Weighting: {p['weighting']}. Latest release known then (filed, or "
            f"announced within {p['notice_sessions']} sessions): {self.last_known:%Y-%m-%d}."
            if self.last_known is not None else "",
        ])
