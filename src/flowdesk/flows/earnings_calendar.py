"""Company report dates: cleaning, projecting the next ones, and how well that works.

A company's earnings release is dated by its SEC Form 8-K Item 2.02 filing. To
place a buyback blackout before a report that has not happened yet we project
the date from the company's own history:

* **Year-ago rule.** The reports of the last year, ``(last - 334 d, last]``,
  moved forward by 52 weeks (364 days, so the weekday is kept), are the next
  year's reports. Companies keep their slot ("the fourth Thursday after quarter
  end"), which is why this beats a fixed 91-day step. It is used when the last
  year holds exactly four reports and every gap of the cycle is 8 to 18 weeks.
* **Cadence rule** (irregular history: a new listing, a missed or extra
  filing, a change of fiscal year). The next reports follow the last one at the
  median of its last eight plausible gaps (8 to 18 weeks), rounded to whole
  weeks; 13 weeks when no gap is plausible.

Projected dates are calendar dates; :func:`snap_to_sessions` moves them to the
next trading session. :func:`projection_backtest` measures the error: each
report of a period is projected from the reports strictly before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.errors import DataError
from flowdesk.results import Result

__all__ = [
    "ProjectionBacktest",
    "clean_reports",
    "first_projections",
    "next_projection",
    "project_reports",
    "projection_backtest",
    "reports_by_ticker",
    "snap_to_sessions",
]

#: Filings this close to the previous release are the same release (an amended
#: exhibit, a second press release for a segment), not a new quarter.
MERGE_DAYS = 20
#: 52 weeks: a year later on the same weekday.
YEAR_DAYS = 364
#: The last year's reports are those after ``last - (YEAR_DAYS - 30)`` days.
_WINDOW_DAYS = YEAR_DAYS - 30
#: Plausible gaps between two quarterly reports, days (8 to 18 weeks).
MIN_GAP, MAX_GAP = 56, 126
_DEFAULT_STEP = 91  # 13 weeks
_CADENCE_GAPS = 8

_DAY = np.timedelta64(1, "D")


def clean_reports(dates: np.ndarray) -> np.ndarray:
    """Sorted release dates with filings within :data:`MERGE_DAYS` of a kept one merged.

    Parameters
    ----------
    dates
        Filing dates (anything ``numpy.datetime64`` accepts), any order.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]``, sorted, each at least ``MERGE_DAYS`` after the previous.
    """
    days = np.unique(np.asarray(dates, dtype="datetime64[D]"))
    if days.size < 2 or (np.diff(days) / _DAY >= MERGE_DAYS).all():
        return days
    keep = [0]
    for i in range(1, days.size):
        if (days[i] - days[keep[-1]]) / _DAY >= MERGE_DAYS:
            keep.append(i)
    return days[keep]


def _cadence_step(known: np.ndarray) -> int:
    gaps = np.diff(known).astype("timedelta64[D]").astype(np.int64)[-_CADENCE_GAPS:]
    plausible = gaps[(gaps >= MIN_GAP) & (gaps <= MAX_GAP)]
    if plausible.size == 0:
        return _DEFAULT_STEP
    return int(7 * np.round(float(np.median(plausible)) / 7))


def _year_ago_cycle(known: np.ndarray) -> np.ndarray | None:
    """The last year's four reports if they make a regular cycle, else None."""
    last = known[-1]
    window = known[known > last - _WINDOW_DAYS * _DAY]
    if window.size != 4:
        return None
    cycle = np.append(window, window[0] + YEAR_DAYS * _DAY)
    gaps = np.diff(cycle).astype("timedelta64[D]").astype(np.int64)
    if (gaps < MIN_GAP).any() or (gaps > MAX_GAP).any():
        return None
    return window


def project_reports(known: np.ndarray, until: np.datetime64 | str) -> np.ndarray:
    """Projected release dates after the last known one, up to ``until`` inclusive.

    Parameters
    ----------
    known
        The company's cleaned release dates (:func:`clean_reports`), at least one.
    until
        Last date to project to.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]`` calendar dates, sorted, all after ``known[-1]``.
    """
    known = np.asarray(known, dtype="datetime64[D]")
    if known.size == 0:
        raise DataError("project_reports: no known report to project from")
    end = np.datetime64(until, "D")
    last = known[-1]
    cycle = _year_ago_cycle(known)
    if cycle is not None:
        years = int((end - last) / _DAY) // YEAR_DAYS + 1
        shifts = np.arange(1, years + 1) * YEAR_DAYS
        out = (cycle[None, :] + shifts[:, None] * _DAY).ravel()
    else:
        step = _cadence_step(known)
        count = max(int((end - last) / _DAY) // step + 1, 1)
        out = last + np.arange(1, count + 1) * step * _DAY
    return np.sort(out[(out > last) & (out <= end)])


def next_projection(known: np.ndarray) -> np.datetime64:
    """The first projected release date after ``known[-1]`` (see :func:`project_reports`)."""
    known = np.asarray(known, dtype="datetime64[D]")
    return project_reports(known, known[-1] + 2 * YEAR_DAYS * _DAY)[0]


def first_projections(known: np.ndarray, count: int = 8) -> np.ndarray:
    """The first ``count`` projections after every prefix ``known[:k + 1]``, at once.

    Row ``k`` equals ``project_reports(known[:k + 1], far)[:count]`` (tested
    against that loop); one vectorised pass instead of one call per release.
    """
    columns = np.arange(count)
    d = np.asarray(known, dtype="datetime64[D]").astype(np.int64)
    m = d.size
    k = np.arange(m)
    j = np.searchsorted(d, d - _WINDOW_DAYS, side="right")
    regular = (k - j + 1) == 4
    at = np.minimum(j[:, None] + np.arange(4)[None, :], m - 1)
    cycle = np.column_stack([d[at], d[j] + YEAR_DAYS])
    gaps = np.diff(cycle, axis=1)
    regular &= ((gaps >= MIN_GAP) & (gaps <= MAX_GAP)).all(axis=1)
    all_gaps = np.diff(d).astype(float)
    plausible = np.where((all_gaps >= MIN_GAP) & (all_gaps <= MAX_GAP), all_gaps, np.nan)
    medians = np.array([])
    if plausible.size:
        padded = np.concatenate([np.full(_CADENCE_GAPS - 1, np.nan), plausible])
        windows = np.sort(np.lib.stride_tricks.sliding_window_view(padded, _CADENCE_GAPS),
                          axis=1)  # NaNs sort last
        count = np.isfinite(windows).sum(axis=1)
        rows = np.arange(windows.shape[0])
        lo, hi = np.maximum(count - 1, 0) // 2, np.maximum(count, 1) // 2
        medians = np.where(count > 0, 0.5 * (windows[rows, lo] + windows[rows, hi]), np.nan)
    median_at = np.concatenate([[np.nan], medians])  # gaps up to release k
    step = np.where(np.isnan(median_at), _DEFAULT_STEP,
                    7 * np.round(np.nan_to_num(median_at) / 7)).astype(np.int64)
    i = columns
    # Year-ago rule: the last year's four releases, 52 weeks on per year ahead.
    yearly = cycle[:, i % 4] + YEAR_DAYS * (1 + i // 4)
    cadence = d[:, None] + step[:, None] * (1 + i)
    return np.where(regular[:, None], yearly, cadence).astype("datetime64[D]")


def snap_to_sessions(dates: np.ndarray, sessions: pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """Positions in ``sessions`` of the first session on or after each date.

    ``sessions`` may be given as ``datetime64[D]`` days (faster in loops). A date
    after the last session gets ``len(sessions)``.
    """
    grid = (sessions if isinstance(sessions, np.ndarray)
            else sessions.to_numpy()).astype("datetime64[D]")
    return np.searchsorted(grid, np.asarray(dates, dtype="datetime64[D]"), side="left")


def reports_by_ticker(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Cleaned release dates per ticker from a ``ticker, report_date`` table."""
    missing = {"ticker", "report_date"} - set(table.columns)
    if missing:
        raise DataError(f"earnings dates: missing column(s) {sorted(missing)}")
    days = pd.DatetimeIndex(table["report_date"]).to_numpy().astype("datetime64[D]")
    tickers = table["ticker"].astype(str).to_numpy()
    order = np.lexsort((days, tickers))
    tickers, days = tickers[order], days[order]
    cuts = np.flatnonzero(tickers[1:] != tickers[:-1]) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [tickers.size]])
    return {str(tickers[a]): clean_reports(days[a:b]) for a, b in zip(starts, ends, strict=True)
            if b > a}


@dataclass(frozen=True, eq=False)
class ProjectionBacktest(Result):
    """Errors of projecting each report from the reports before it.

    Attributes
    ----------
    errors
        One row per projected report: ``ticker``, ``actual``, ``projected``,
        ``error_days`` (projected - actual, calendar days), ``rule``
        (``"year-ago"`` or ``"cadence"``).
    start, end
        Period of the projected reports.
    """

    errors: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp

    def stats(self) -> dict[str, Any]:
        """Median and 90th percentile of the absolute error, overall and per rule."""
        out: dict[str, Any] = {"n": len(self.errors)}
        groups = {"all": self.errors, **dict(tuple(self.errors.groupby("rule")))}
        for name, part in groups.items():
            err = part["error_days"].abs()
            out[name] = {"n": len(part), "median_abs_days": float(err.median()),
                         "p90_abs_days": float(err.quantile(0.9)),
                         "within_7_days": float((err <= 7).mean())}
        return out

    def _payload(self, **options: Any) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, **self.stats()}

    def summary(self) -> str:
        """The error table in days."""
        s = self.stats()
        lines = [f"Report-date projection backtest, reports {self.start:%Y-%m-%d} to "
                 f"{self.end:%Y-%m-%d} (each projected from the reports before it)"]
        for name in ("all", "year-ago", "cadence"):
            if name in s:
                e = s[name]
                lines.append(f"  {name:9s} n={e['n']:6d}  median |error| "
                             f"{e['median_abs_days']:.0f} d, 90th pct {e['p90_abs_days']:.0f} d, "
                             "within a week "
                             f"{e['within_7_days']:.0%}")
        return "\n".join(lines)


def projection_backtest(table: pd.DataFrame, start: str = "2015-01-01",
                        end: str = "2025-12-31") -> ProjectionBacktest:
    """Project every report in ``[start, end]`` from its company's earlier reports.

    Parameters
    ----------
    table
        ``ticker, report_date`` rows (the ``EARNINGS_DATES`` table).
    start, end
        Period of the reports to project (each needs one earlier report).
    """
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    rows = []
    for ticker, days in reports_by_ticker(table).items():
        for k in np.flatnonzero((days >= lo) & (days <= hi)):
            if k == 0:
                continue
            known = days[:k]
            rule = "year-ago" if _year_ago_cycle(known) is not None else "cadence"
            projected = next_projection(known)
            rows.append((ticker, days[k], projected, int((projected - days[k]) / _DAY), rule))
    errors = pd.DataFrame(rows, columns=["ticker", "actual", "projected", "error_days", "rule"])
    for col in ("actual", "projected"):
        errors[col] = pd.to_datetime(errors[col])
    return ProjectionBacktest(errors=errors, start=pd.Timestamp(start), end=pd.Timestamp(end))
