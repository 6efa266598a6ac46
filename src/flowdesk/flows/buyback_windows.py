"""Per-company buyback blackout windows on a session grid, point in time.

For company *i* with releases on sessions ``R_0 < R_1 < ...`` (Form 8-K Item 2.02
filing dates) a window rule ``(lead, lag, notice, quarter_end_lead)`` closes the
buyback window on sessions ``[e - lead, e + lag]`` around each release ``e``.

What is known on session *t*:

* the releases filed on or before *t*;
* the next release if it falls within ``notice`` sessions of *t*: companies
  announce their release date two to four weeks ahead, so treating it as known
  ``notice`` = 10 sessions ahead is the cautious end;
* otherwise the next release is *projected* from the releases before *t*
  (:mod:`flowdesk.flows.earnings_calendar`) and the window around it is flagged.

Between ``R_k`` and ``R_{k+1}`` a company is therefore in blackout on
``[R_k, R_k + lag]`` (real), on the projected windows clipped to sessions before
``R_{k+1} - notice``, and on ``[max(R_{k+1} - lead, R_{k+1} - notice), R_{k+1})``
(real, announced). Windows after the last known release are all projected. The
caller passes only releases known at its as-of date (filed by ``asof + notice``),
so sessions after it read as the as-of forecast and sessions before it as what
was known on each of them: one construction gives both.

``quarter_end_lead = q`` adds the insider-policy convention that the window
closes at the latest ``q`` sessions before the end of the calendar quarter the
release reports on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flowdesk.flows.earnings_calendar import (
    first_projections,
    project_reports,
    snap_to_sessions,
)

__all__ = ["OPEN", "PROJECTED", "REAL", "WindowRule", "company_states"]

#: Per ticker: the first :data:`AHEAD` projected dates after each of its releases.
Projections = dict[str, np.ndarray]
#: Projections kept per release: three years of quarters, more than any grid needs
#: (a longer gap or grid falls back to the general projection).
AHEAD = 12
#: Cell values of the company-by-session state matrix.
OPEN, REAL, PROJECTED = 0, 1, 2


@dataclass(frozen=True)
class WindowRule:
    """When a company's buyback window is closed, in sessions (see the module doc)."""

    lead: int = 25
    lag: int = 2
    notice: int = 10
    quarter_end_lead: int | None = None


def _quarter_end_positions(days: np.ndarray, grid_days: np.ndarray) -> np.ndarray:
    """Grid position of the last session on or before the quarter end preceding each date."""
    month = days.astype("datetime64[M]")
    quarter_start = month - (month.astype(np.int64) % 3)
    quarter_end = quarter_start.astype("datetime64[D]") - np.timedelta64(1, "D")
    return np.searchsorted(grid_days, quarter_end, side="right") - 1


def _starts(e_pos: np.ndarray, e_days: np.ndarray, grid_days: np.ndarray,
            rule: WindowRule) -> np.ndarray:
    start = e_pos - rule.lead
    if rule.quarter_end_lead is not None:
        qe = _quarter_end_positions(e_days, grid_days)
        start = np.minimum(start, qe - rule.quarter_end_lead + 1)
    return start


def _projected(days: np.ndarray, ahead: np.ndarray, k: int,
               until: np.datetime64) -> np.ndarray:
    """Projections after release ``k`` up to ``until``, from the kept columns if they reach."""
    row = ahead[k]
    if row[-1] <= until:  # runs past the kept columns: project in full
        return project_reports(days[: k + 1], until)
    return row[row <= until]


def _events(reports: dict[str, np.ndarray], tickers: list[str], grid: pd.DatetimeIndex,
            lag: int, notice: int, projections: Projections | None
            ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The windows of every company before the lead is applied (the lead is per rule).

    Returns the first-release positions, the real post-release windows
    ``[pos, pos + lag]`` as ``(company, lo, hi)`` rows, and the pre-release
    windows as arrays ``company, e (release position), e_day, clip_lo, clip_hi,
    projected``: the window is ``[max(start(e), clip_lo), clip_hi]``.
    """
    grid_days = grid.to_numpy().astype("datetime64[D]")
    n = grid_days.size
    end_day = grid_days[-1]
    far = np.timedelta64(90, "D")  # a projection this far past the next release can't matter
    first = np.full(len(tickers), n, dtype=np.int64)
    post: list[np.ndarray] = []
    pre: dict[str, list[np.ndarray]] = {k: [] for k in ("company", "e", "e_day", "lo", "hi",
                                                         "projected")}

    def add(i: int, e: np.ndarray, e_day: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            projected: bool) -> None:
        pre["company"].append(np.full(e.size, i))
        pre["e"].append(e)
        pre["e_day"].append(e_day)
        pre["lo"].append(lo)
        pre["hi"].append(hi)
        pre["projected"].append(np.full(e.size, projected))

    for i, ticker in enumerate(tickers):
        days = reports[ticker]
        pos = snap_to_sessions(days, grid_days)
        first[i] = pos[0]
        # Only releases near the grid matter (the desk's grid spans a few years).
        near = np.flatnonzero((days >= grid_days[0] - 2 * far) & (days <= end_day + far))
        if near.size == 0:
            near = np.array([days.size - 1])
        ks = np.arange(max(int(near[0]) - 1, 0), min(int(near[-1]) + 1, days.size))
        post.append(np.column_stack([np.full(ks.size, i), pos[ks], pos[ks] + lag]))
        if projections is not None and ticker in projections:
            ahead = projections[ticker][: days.size]
        else:
            ahead = first_projections(days, AHEAD)

        inner = ks[ks < days.size - 1]
        cutoff = pos[inner + 1] - notice
        add(i, pos[inner + 1], days[inner + 1], cutoff, pos[inner + 1] - 1, False)
        # Two projections cover a usual gap, all at once; a gap of five months or
        # more (missed filings) takes its projections one release at a time.
        long = days[inner + 1] - days[inner] > np.timedelta64(150, "D")
        short, short_cut = inner[~long], cutoff[~long]
        dates = np.concatenate([ahead[short, 0], ahead[short, 1]])
        p_pos = snap_to_sessions(dates, grid_days)
        add(i, p_pos, dates, np.tile(pos[short] + lag + 1, 2),
            np.minimum(p_pos + lag, np.tile(short_cut, 2) - 1), True)
        for k, cut in zip(inner[long], cutoff[long], strict=True):
            dates = _projected(days, ahead, int(k), days[k + 1] + far)
            p_pos = snap_to_sessions(dates, grid_days)
            add(i, p_pos, dates, np.full(dates.size, pos[k] + lag + 1),
                np.minimum(p_pos + lag, cut - 1), True)
        last = days.size - 1
        if ks.size and ks[-1] == last:
            dates = _projected(days, ahead, last, end_day)
            p_pos = snap_to_sessions(dates, grid_days)
            add(i, p_pos, dates, np.full(dates.size, pos[last] + lag + 1), p_pos + lag, True)
    merged = {k: np.concatenate(v) if v else np.array([], dtype=np.int64)
              for k, v in pre.items()}
    merged["e_day"] = merged["e_day"].astype("datetime64[D]")
    return first, np.concatenate(post) if post else np.zeros((0, 3), np.int64), merged


def _paint(shape: tuple[int, int], company: np.ndarray, lo: np.ndarray,
           hi: np.ndarray) -> np.ndarray:
    """Boolean matrix with ``[lo, hi]`` (inclusive, clipped) set on each company's row."""
    rows, n = shape
    lo, hi = np.clip(lo, 0, n), np.clip(hi + 1, 0, n)
    ok = lo < hi
    diff = np.zeros((rows, n + 1), dtype=np.int32)
    np.add.at(diff, (company[ok], lo[ok]), 1)
    np.add.at(diff, (company[ok], hi[ok]), -1)
    return np.cumsum(diff[:, :-1], axis=1) > 0


def company_states(reports: dict[str, np.ndarray], grid: pd.DatetimeIndex,
                   rules: list[WindowRule], projections: Projections | None = None
                   ) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Blackout state of every company on every grid session, for each rule.

    Parameters
    ----------
    reports
        Cleaned release dates per ticker (``datetime64[D]``), only those known at
        the caller's as-of date.
    grid
        Sessions (sorted, unique); projections run to its last session.
    rules
        Window rules sharing ``lag`` and ``notice`` (they differ in the lead).
    projections
        Optional :func:`~flowdesk.flows.earnings_calendar.first_projections`
        (``AHEAD`` columns) per ticker, computed once on a longer history: a
        prefix's projections depend only on the prefix, so they are cut to each
        company's releases.

    Returns
    -------
    tickers, states, first
        ``states[r][i, t]`` is :data:`OPEN`, :data:`REAL` or :data:`PROJECTED`
        under ``rules[r]``; ``first[i]`` is the grid position of the company's
        first release (a member from then on; ``grid.size`` if after the grid).
    """
    if len({(r.lag, r.notice) for r in rules}) != 1:
        raise ValueError("company_states: rules must share lag and notice")
    lag, notice = rules[0].lag, rules[0].notice
    tickers = sorted(t for t, d in reports.items() if d.size)
    grid_days = grid.to_numpy().astype("datetime64[D]")
    first, post, pre = _events(reports, tickers, grid, lag, notice, projections)
    shape = (len(tickers), grid_days.size)
    after = _paint(shape, post[:, 0], post[:, 1], post[:, 2])
    states = []
    for rule in rules:
        lo = np.maximum(_starts(pre["e"], pre["e_day"], grid_days, rule), pre["lo"])
        real = after | _paint(shape, pre["company"][~pre["projected"]],
                              lo[~pre["projected"]], pre["hi"][~pre["projected"]])
        projected = _paint(shape, pre["company"][pre["projected"]], lo[pre["projected"]],
                           pre["hi"][pre["projected"]]) & ~real
        state = np.zeros(shape, dtype=np.int8)
        state[real] = REAL
        state[projected] = PROJECTED
        states.append(state)
    return tickers, states, first
