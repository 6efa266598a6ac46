"""Event attribution: where the variance of stocks and of the policy path falls.

Days are FOMC decision days, major data days (payrolls, CPI) or neither.

Pure computation: series and decision dates are handed in.

Event calendar
--------------
``fomc``
    FOMC decision dates as given (the embedded FOMC_DECISIONS table, scheduled
    and unscheduled).
``payrolls``
    BLS Employment Situation. BLS's publication rule: the third Friday after
    the end of the reference week, the Sunday-Saturday week containing the 12th
    of the reference month -- hence "usually the first Friday", but the 8th to
    10th when the 12th falls late in its week (January 2025 -> 2025-02-07).
    Federal holidays: a release on July 4 moves to Thursday July 3, one on
    January 1 to January 8 (2021-01-08). Known failures: government shutdowns
    (October 2013; October-November 2025) and one-off reschedules; Good Friday
    releases (markets closed) count on the next session.
``cpi``
    Consumer Price Index, approximate: the Wednesday falling on the 9th-15th of
    the month after the reference month. Since the mid-2010s CPI has come out on
    a Tuesday-Thursday between about the 10th and 15th, so the rule is exact or
    one business day off (a hand check of 2023-2024 found about half exact and
    none further off); earlier, releases came later in the month (often the
    15th-20th in the 2000s) and the rule misses more often. Because a misdated
    release would land among the "none" days -- the very days whose swings are
    blamed on Fed speakers -- the weekdays within ``cpi_window`` (default 1) of
    the rule date also count as CPI days: about three a month. That inflates the
    CPI share of days, so compare the ratio of variance share to day share, not
    raw shares. Release dates from a ``calendar`` get no window.

``pce``
    BEA Personal Income and Outlays (the PCE price index), for the reference
    month, late in the following month. BEA usually publishes on the last
    Friday of the month, but in the months of an advance GDP estimate
    (January, April, July, October) and some others on the month's last
    weekday, a day or two after the GDP release (2025: Feb 28, Mar 28, Apr 30,
    May 30, Jun 27, Jul 31, Aug 29, Sep 26). Rule: every weekday from the last
    Friday through the last weekday of the month (one to five days, about
    2.5 on average). Known misses: releases moved forward by Thanksgiving
    (2024-11-27) or Christmas (2024-12-20), and BEA's catch-up after the 2025
    shutdown beyond December 2025 (the odds attribution takes the published
    October-December 2025 dates from :data:`KNOWN_RELEASES`).
``gdp``
    BEA GDP estimates: advance (about four weeks after the quarter), second and
    third, one of them late in every month, usually on the last Thursday (2025:
    Jan 30, Feb 27, Mar 27, May 29, Jun 26, Aug 28, Sep 25; Jul 30 and
    Apr 30 were Wednesdays). Rule: the last Thursday of the month +/- ``1``
    weekday. Known misses: an advance estimate on the month's last day
    (2025-04-30, which the PCE rule catches), pre-Christmas releases
    (2024-12-19) and the 2025 shutdown (see :data:`KNOWN_RELEASES`).
``minutes``
    FOMC minutes: published three weeks after each scheduled decision, so the
    Wednesday 21 days after a (Wednesday) decision; unscheduled decisions have
    no minutes.

The ``pce``, ``gdp`` and ``minutes`` rules serve the odds attribution
(:mod:`flowdesk.policy.odds_moves`); the variance attribution below keeps
its three kinds.

A DataFrame with columns ``date, kind`` passed as ``calendar`` replaces the
rules for the kinds it contains. An event on a non-trading day counts on the
next observation within four days. When kinds collide on one day the priority
is fomc > payrolls > cpi; all other days are ``none``.

Variance shares
---------------
For a daily series ``x`` (S&P 500 log returns in %, daily changes of the 2-year
yield or of the proxy's expected rate in bp), the share of class ``c`` is
``sum(x[t]^2, t in c) / sum(x[t]^2)`` -- raw second moments, not demeaned
(daily means are negligible next to daily moves). Compare it with the class's
share of days: a ratio above 1 means moves concentrate there. Intervals come
from a circular block bootstrap over days (blocks of ``block`` sessions keep
volatility clusters together; ``n_boot`` draws; percentile intervals).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError, DataError
from flowdesk.policy.fedwatch import percent_text
from flowdesk.results import Result

__all__ = [
    "CLASSES",
    "KNOWN_RELEASES",
    "AttributionResult",
    "attribute",
    "block_bootstrap_indices",
    "classify_dates",
    "cpi_release_date",
    "event_calendar",
    "gdp_release_dates",
    "largest_swings",
    "minutes_release_date",
    "payrolls_release_date",
    "pce_release_dates",
    "variance_shares",
]

#: Day classes, in priority order, then the rest.
CLASSES = ("fomc", "payrolls", "cpi", "none")
_KINDS = CLASSES[:-1]
_MAX_SHIFT = pd.Timedelta(days=4)


def payrolls_release_date(year: int, month: int) -> pd.Timestamp:
    """Employment Situation release date for reference month ``year-month`` (BLS rule).

    The third Friday after the Saturday ending the week (Sunday-Saturday) that
    contains the 12th; July 4 -> July 3, January 1 -> January 8.
    """
    twelfth = pd.Timestamp(year=year, month=month, day=12)
    saturday = twelfth + pd.Timedelta(days=(5 - twelfth.weekday()) % 7)
    release = saturday + pd.Timedelta(days=20)
    if (release.month, release.day) == (7, 4):
        return release - pd.Timedelta(days=1)
    if (release.month, release.day) == (1, 1):
        return release + pd.Timedelta(days=7)
    return release


def cpi_release_date(year: int, month: int) -> pd.Timestamp:
    """Approximate CPI release date for reference month ``year-month``.

    The Wednesday falling on the 9th-15th of the following month (module docstring).
    """
    ninth = pd.Timestamp(year=year, month=month, day=1) + pd.DateOffset(months=1, days=8)
    return ninth + pd.Timedelta(days=(2 - ninth.weekday()) % 7)


#: Releases the rules get wrong because of the 2025 and 2026 funding lapses, per
#: (kind, month of release): the dates published instead, an empty tuple when
#: nothing of that kind came out that month. Sources: BLS "Revised news release
#: dates following the 2025 lapse in appropriations" and its February 2026
#: reschedule; BEA's post-shutdown schedule (September PCE on 2025-12-05, the
#: Q3 advance and second GDP estimates cancelled, the initial Q3 estimate on
#: 2025-12-23). The December 2025 jobs report kept its original 2026-01-09
#: (the rule says 01-02). BEA's early-2026 catch-up dates are not listed.
KNOWN_RELEASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("payrolls", "2025-10"): (),
    ("payrolls", "2025-11"): ("2025-11-20",),   # September report
    ("payrolls", "2025-12"): ("2025-12-16",),   # October (payrolls only) and November
    ("payrolls", "2026-01"): ("2026-01-09",),
    ("payrolls", "2026-02"): ("2026-02-11",),
    ("cpi", "2025-10"): ("2025-10-24",),        # September CPI
    ("cpi", "2025-11"): (),                     # October CPI cancelled
    ("cpi", "2025-12"): ("2025-12-18",),
    ("cpi", "2026-02"): ("2026-02-13",),
    ("pce", "2025-10"): (),
    ("pce", "2025-11"): (),
    ("pce", "2025-12"): ("2025-12-05",),        # September Personal Income and Outlays
    ("gdp", "2025-10"): (),
    ("gdp", "2025-11"): (),
    ("gdp", "2025-12"): ("2025-12-23",),
}


def _last_weekday(day: pd.Timestamp, weekday: int) -> pd.Timestamp:
    """The last ``weekday`` (Monday 0) of ``day``'s month."""
    end = day + pd.offsets.MonthEnd(0)
    return end - pd.Timedelta(days=(end.weekday() - weekday) % 7)


def pce_release_dates(year: int, month: int) -> pd.DatetimeIndex:
    """Likely BEA Personal Income and Outlays (PCE) days for reference month ``year-month``.

    The weekdays from the last Friday of the following month through that
    month's last weekday (module docstring, ``pce``).
    """
    following = pd.Timestamp(year=year, month=month, day=1) + pd.DateOffset(months=1)
    friday = _last_weekday(following, 4)
    return pd.bdate_range(friday, following + pd.offsets.MonthEnd(0))


def gdp_release_dates(year: int, month: int, window: int = 1) -> pd.DatetimeIndex:
    """Likely BEA GDP estimate days in month ``year-month`` (advance, second or third).

    The last Thursday of the month and the ``window`` weekdays either side of
    it (module docstring, ``gdp``).
    """
    thursday = _last_weekday(pd.Timestamp(year=year, month=month, day=1), 3)
    return pd.DatetimeIndex([thursday + pd.offsets.BDay(k) for k in range(-window, window + 1)])


def minutes_release_date(decision: Any) -> pd.Timestamp:
    """FOMC minutes release date: 21 days after the decision (a Wednesday for a scheduled one)."""
    return pd.Timestamp(decision).normalize() + pd.Timedelta(days=21)


def event_calendar(
    start: pd.Timestamp,
    end: pd.Timestamp,
    fomc_dates: Iterable[Any],
    *,
    calendar: pd.DataFrame | None = None,
    cpi_window: int = 1,
) -> pd.DataFrame:
    """Event days between ``start`` and ``end``: FOMC decisions, payrolls, CPI.

    Parameters
    ----------
    start, end
        Inclusive bounds.
    fomc_dates
        FOMC decision dates.
    calendar
        Optional ``date, kind`` table (kinds among ``fomc``, ``payrolls``, ``cpi``);
        its kinds replace the rules (and the given FOMC dates) for those kinds.
    cpi_window
        Weekdays either side of each rule-based CPI date also marked ``cpi``.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` and ``kind``, sorted by date then kind priority.

    Raises
    ------
    ConfigError
        A calendar without ``date``/``kind`` columns, with an unknown kind or bad dates.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if isinstance(cpi_window, bool) or not isinstance(cpi_window, int) or cpi_window < 0:
        raise ConfigError(f"cpi_window: expected a non-negative integer, got {cpi_window!r}")
    cpi = [cpi_release_date(p.year, p.month) for p in _months(start, end)]
    frames = {
        "fomc": pd.DatetimeIndex(pd.to_datetime(list(fomc_dates))),
        "payrolls": pd.DatetimeIndex(
            [payrolls_release_date(p.year, p.month) for p in _months(start, end)]
        ),
        "cpi": pd.DatetimeIndex(
            [d + pd.offsets.BDay(k) for d in cpi for k in range(-cpi_window, cpi_window + 1)]
        ),
    }
    if calendar is not None:
        missing = {"date", "kind"} - set(calendar.columns)
        if missing:
            raise ConfigError(f"calendar: missing column(s) {sorted(missing)}")
        unknown = sorted(set(calendar["kind"]) - set(_KINDS))
        if unknown:
            raise ConfigError(f"calendar: unknown kind(s) {unknown}; use {list(_KINDS)}")
        try:
            dates = pd.to_datetime(calendar["date"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"calendar: bad dates ({exc})") from None
        for kind in set(calendar["kind"]):
            frames[kind] = pd.DatetimeIndex(dates[calendar["kind"] == kind])
    rows = [
        (pd.Timestamp(d).normalize(), kind)
        for kind, dates in frames.items()
        for d in dates
        if start <= d <= end
    ]
    frame = pd.DataFrame(rows, columns=["date", "kind"])
    order = frame["kind"].map({k: i for i, k in enumerate(_KINDS)})
    return frame.assign(_o=order).sort_values(["date", "_o"]).drop(columns="_o").reset_index(
        drop=True
    )


def _months(start: pd.Timestamp, end: pd.Timestamp) -> pd.PeriodIndex:
    # Releases fall in the month after the reference month: start one month early.
    return pd.period_range(start.to_period("M") - 1, end.to_period("M"), freq="M")


def classify_dates(dates: pd.DatetimeIndex, events: pd.DataFrame) -> pd.Series:
    """Class of each date: the highest-priority event on it, else ``"none"``.

    An event on a date missing from ``dates`` (weekend, holiday) counts on the
    next date within four days.
    """
    dates = pd.DatetimeIndex(dates)
    labels = np.full(len(dates), "none", dtype=object)
    rank = np.full(len(dates), len(_KINDS))
    values = dates.to_numpy()
    for date, kind in zip(events["date"], events["kind"], strict=True):
        pos = int(np.searchsorted(values, np.datetime64(date), side="left"))
        if pos >= len(dates) or dates[pos] - date > _MAX_SHIFT:
            continue
        r = _KINDS.index(kind)
        if r < rank[pos]:
            rank[pos], labels[pos] = r, kind
    return pd.Series(labels, index=dates, name="class")


def block_bootstrap_indices(n: int, n_boot: int, block: int, seed: int) -> np.ndarray:
    """Circular block bootstrap: ``n_boot`` resamples of positions ``0..n-1``.

    Each resample glues blocks of ``block`` consecutive positions (wrapping
    around the end) from uniform random starts and is cut to length ``n``.

    Returns
    -------
    numpy.ndarray
        Integer array of shape ``(n_boot, n)``.
    """
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    return ((starts[:, :, None] + np.arange(block)) % n).reshape(n_boot, -1)[:, :n]


def variance_shares(
    x: pd.Series,
    classes: pd.Series,
    *,
    n_boot: int = 1000,
    block: int = 10,
    level: float = 0.95,
    seed: int = 0,
    order: tuple[str, ...] = CLASSES,
    default: str = "none",
) -> pd.DataFrame:
    """Share of ``sum(x^2)`` on each class of days, with block-bootstrap intervals.

    Parameters
    ----------
    x
        Daily moves (returns or changes); NaNs are dropped.
    classes
        Class of each date (:func:`classify_dates`), aligned on ``x``'s index.
    n_boot, block, level, seed
        Bootstrap draws, block length in observations, interval level, seed.
    order
        The classes, in the order of the returned rows (default :data:`CLASSES`).
    default
        Class of a date of ``x`` missing from ``classes``.

    Returns
    -------
    pandas.DataFrame
        Index ``order``; columns ``n_days``, ``day_share``, ``var_share``,
        ``ci_low``, ``ci_high`` (interval of ``var_share``) and ``ratio``
        (``var_share / day_share``).

    Raises
    ------
    DataError
        Fewer than 2 * ``block`` observations, or all moves zero.
    ConfigError
        Bad bootstrap settings.
    """
    if n_boot < 1 or block < 1 or not 0 < level < 1:
        raise ConfigError(f"bootstrap: need n_boot >= 1, block >= 1, 0 < level < 1 "
                          f"(got {n_boot}, {block}, {level})")
    x = x.dropna()
    cls = classes.reindex(x.index).fillna(default).to_numpy()
    sq = x.to_numpy(dtype="float64") ** 2
    n = len(sq)
    if n < 2 * block or sq.sum() <= 0:
        raise DataError(f"variance shares of {x.name}: need at least {2 * block} non-zero moves")
    unknown = sorted(set(cls) - set(order))
    if unknown:
        raise ConfigError(f"classes: unknown class(es) {unknown}; expected {list(order)}")
    codes = np.array([order.index(c) for c in cls])
    idx = block_bootstrap_indices(n, n_boot, block, seed)
    boot_sq, boot_codes = sq[idx], codes[idx]
    boot_total = boot_sq.sum(axis=1)
    # A resample of only zero moves (a probability pinned at 0 or 1 for weeks) has no
    # shares to give; it is left out rather than counted as NaN.
    drawn = boot_total > 0
    alpha = (1 - level) / 2
    rows = {}
    for k, name in enumerate(order):
        mask = codes == k
        share = sq[mask].sum() / sq.sum()
        boot = (boot_sq[drawn] * (boot_codes[drawn] == k)).sum(axis=1) / boot_total[drawn]
        day_share = mask.mean()
        rows[name] = {
            "n_days": int(mask.sum()),
            "day_share": day_share,
            "var_share": share,
            "ci_low": float(np.quantile(boot, alpha)),
            "ci_high": float(np.quantile(boot, 1 - alpha)),
            "ratio": share / day_share if day_share > 0 else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def largest_swings(
    x: pd.Series, classes: pd.Series, n: int = 10, *, only: str = "none"
) -> pd.DataFrame:
    """The ``n`` largest absolute moves of ``x`` on days of class ``only``.

    Returns
    -------
    pandas.DataFrame
        Column ``change`` (in ``x``'s units), indexed by date, largest first.
    """
    x = x.dropna()
    cls = classes.reindex(x.index).fillna("none")
    picked = x[cls == only]
    top = picked.reindex(picked.abs().sort_values(ascending=False).index[:n])
    return pd.DataFrame({"change": top}, index=top.index.rename("date"))


@dataclass(frozen=True, eq=False)
class AttributionResult(Result):
    """Variance shares per series and the largest no-event swings (module docstring).

    Attributes
    ----------
    start, end
        Sample bounds.
    shares
        Series label -> :func:`variance_shares` table.
    units
        Series label -> unit of its moves.
    swings
        Largest moves of the policy series on days with neither data nor a
        decision: ``change`` plus the other series' moves on those days.
    swing_series
        Label of the series ranked in ``swings``.
    settings
        Bootstrap settings used.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    shares: Mapping[str, pd.DataFrame]
    units: Mapping[str, str]
    swings: pd.DataFrame
    swing_series: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def _payload(self, *, digits: int = 4, **options: Any) -> dict[str, Any]:
        """Per-series class shares with intervals, and the swings (floats to ``digits``)."""

        def r(v: Any) -> float | None:
            # NaN stays NaN through round() and becomes None in the encoder.
            return None if v is None else round(float(v), digits)

        return {
            "start": self.start,
            "end": self.end,
            "method": "share of sum of squared daily moves by day class; circular block"
            " bootstrap percentile intervals",
            "settings": dict(self.settings),
            "series": {
                label: {
                    "unit": self.units.get(label, ""),
                    "classes": {
                        str(c): {k: (int(v) if k == "n_days" else r(v)) for k, v in row.items()}
                        for c, row in table.iterrows()
                    },
                }
                for label, table in self.shares.items()
            },
            "largest_no_event_swings": {
                "series": self.swing_series,
                "rows": [
                    {"date": d, **{str(k): r(v) for k, v in row.items()}}
                    for d, row in self.swings.iterrows()
                ],
            },
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per (series, day class): shares of days and of variance, 95% interval."""
        rows = [
            {
                "Series": label,
                "Days": cls,
                "Share of days": percent_text(row["day_share"]),
                "Share of variance": percent_text(row["var_share"]),
                "95% interval": f"{percent_text(row['ci_low'])} - {percent_text(row['ci_high'])}",
            }
            for label, table in self.shares.items()
            for cls, row in table.iterrows()
        ]
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Shares of squared daily moves by day class, then the largest no-event swings."""
        return "\n".join([
            f"Event attribution {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"
            " (share of squared daily moves):",
            self.to_frame().to_string(index=False),
            "",
            f"Largest {self.swing_series} moves on days without data or decisions (bp):",
            self.swings.round(3).to_string(),
        ])


def attribute(
    series: Mapping[str, pd.Series],
    fomc_dates: Iterable[Any],
    *,
    units: Mapping[str, str] | None = None,
    swing_series: str | None = None,
    calendar: pd.DataFrame | None = None,
    cpi_window: int = 1,
    n_swings: int = 10,
    n_boot: int = 1000,
    block: int = 10,
    seed: int = 0,
) -> AttributionResult:
    """Variance shares by day class for each series, and the largest no-event swings.

    Parameters
    ----------
    series
        Label -> daily moves (already differenced), each on its own dates.
    fomc_dates
        FOMC decision dates.
    units
        Label -> unit text.
    swing_series
        Label whose largest moves on ``none`` days are listed (default: the last).
    calendar, cpi_window
        Optional ``date, kind`` override and CPI window (:func:`event_calendar`).
    n_swings, n_boot, block, seed
        Swings listed and bootstrap settings.

    Raises
    ------
    DataError
        An empty series (or see :func:`variance_shares`).
    """
    if not series:
        raise DataError("attribution: no series given")
    clean = {k: v.dropna() for k, v in series.items()}
    for label, s in clean.items():
        if s.empty:
            raise DataError(f"attribution: series {label} has no observations")
    start = min(s.index[0] for s in clean.values())
    end = max(s.index[-1] for s in clean.values())
    events = event_calendar(start, end, fomc_dates, calendar=calendar, cpi_window=cpi_window)
    classes = {k: classify_dates(s.index, events) for k, s in clean.items()}
    shares = {
        k: variance_shares(s, classes[k], n_boot=n_boot, block=block, seed=seed)
        for k, s in clean.items()
    }
    label = swing_series if swing_series is not None else list(clean)[-1]
    if label not in clean:
        raise ConfigError(f"swing_series: {label!r} is not one of {sorted(clean)}")
    swings = largest_swings(clean[label], classes[label], n_swings)
    for other, s in clean.items():
        if other != label:
            swings[other] = s.reindex(swings.index)
    return AttributionResult(
        start=start,
        end=end,
        shares=shares,
        units=dict(units or {}),
        swings=swings,
        swing_series=label,
        settings={"n_boot": n_boot, "block": block, "seed": seed, "level": 0.95,
                  "cpi_window": cpi_window},
    )
