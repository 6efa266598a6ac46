"""What moved the odds: daily changes in the next-meeting cut probability by kind of day.

Pure computation: the daily probability series, decision dates, speech days
and the speech calendar's coverage are handed in.

Day classes
-----------
Each observation day gets the kinds of events that fall on it (an event on a
weekend or holiday counts on the next observation within four days, as in
:func:`~flowdesk.policy.attribution.classify_dates`) and one class, in this
priority:

``meeting``
    An FOMC decision (scheduled or not) or minutes release (21 days after each
    scheduled decision, :func:`~flowdesk.policy.attribution.minutes_release_date`).
``data``
    A scheduled macro release: payrolls, CPI (rule date +/- ``cpi_window``
    weekdays), PCE (last Friday to last weekday of the month), GDP (last
    Thursday +/- ``gdp_window``) -- the rules and their known misses are in
    :mod:`flowdesk.policy.attribution`; in the months of the 2025-2026
    shutdown reschedules the published dates replace the rules
    (:data:`~flowdesk.policy.attribution.KNOWN_RELEASES`).
``speech``
    A Fed official's speech, with no meeting event and no data release.
``none``
    None of these, on a day the speech calendar covers.
``unknown``
    No meeting event or data release, on a day the speech calendar does *not*
    cover: whether an official spoke is unknown, so the day is neither
    ``speech`` nor ``none``.

Swing
-----
The daily change of the probability of the same meeting, in percentage points:
``dp[t] = 100 * (p[t] - q[t-1])`` where ``p[t]`` is the cut probability of the
meeting next at ``t`` and ``q[t-1]`` that meeting's probability on the
previous observation. The two differ from ``p[t] - p[t-1]`` only on a decision
day, when the next meeting rolls forward: comparing the new next meeting with
the one just decided would count the roll as news. Where the previous
observation did not price the new meeting (beyond the proxy's bill window or
the futures curve), ``p[t] - p[t-1]`` is used.

The *swing* of a class is its share of ``sum(dp[t]^2)``, the same squared-move
share as
:func:`~flowdesk.policy.attribution.variance_shares` (which computes it, with
the circular block-bootstrap percentile interval): squared moves let the few
large repricings dominate, which is what "what moved the odds" asks about,
and keep the numbers comparable with the variance attribution of yields and
stocks. The share of ``sum(|dp|)`` is reported beside it (no interval), as is
each class's net change ``sum(dp)``. Compare shares with the share of days.

"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError, DataError
from flowdesk.policy.attribution import (
    KNOWN_RELEASES,
    cpi_release_date,
    gdp_release_dates,
    minutes_release_date,
    payrolls_release_date,
    pce_release_dates,
    variance_shares,
)
from flowdesk.policy.fedwatch import percent_text
from flowdesk.results import Result

__all__ = [
    "CLASS_KINDS",
    "ODDS_CLASSES",
    "OddsAttribution",
    "attribute_odds",
    "classify_odds_days",
    "odds_events",
]

#: Day classes of the odds attribution, in priority order (module docstring).
ODDS_CLASSES = ("meeting", "data", "speech", "none", "unknown")
#: Class -> event kinds that make it.
CLASS_KINDS: dict[str, tuple[str, ...]] = {
    "meeting": ("fomc", "minutes"),
    "data": ("payrolls", "cpi", "pce", "gdp"),
    "speech": ("speech",),
}
_MAX_SHIFT = pd.Timedelta(days=4)


def odds_events(
    start: Any,
    end: Any,
    decisions: Iterable[Any],
    scheduled: Iterable[Any],
    *,
    speech_days: Iterable[Any] = (),
    cpi_window: int = 1,
    gdp_window: int = 1,
    releases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Events from ``start`` to ``end`` (inclusive): meetings, minutes, releases, speeches.

    Parameters
    ----------
    decisions
        All FOMC decision dates.
    scheduled
        Scheduled decision dates (they have minutes).
    speech_days
        Days with at least one speech by a Fed official.
    cpi_window, gdp_window
        Weekdays either side of the CPI and GDP rule dates also marked.
    releases
        Known release dates, columns ``date`` and ``kind`` (``payrolls``,
        ``cpi``, ``pce``, ``gdp``): for each kind and calendar month in it, its
        dates replace the rule's (a published calendar). Applied after
        :data:`~flowdesk.policy.attribution.KNOWN_RELEASES` (the 2025-2026
        shutdown reschedules), which always applies.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` and ``kind``, sorted, one row per (date, kind).
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    for name, value in (("cpi_window", cpi_window), ("gdp_window", gdp_window)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name}: expected a non-negative integer, got {value!r}")
    # Releases describe the previous month(s): start the reference months early.
    months = pd.period_range(start.to_period("M") - 2, end.to_period("M"), freq="M")
    kinds: dict[str, list[pd.Timestamp]] = {
        "fomc": [pd.Timestamp(d) for d in decisions],
        "minutes": [minutes_release_date(d) for d in scheduled],
        "payrolls": [payrolls_release_date(p.year, p.month) for p in months],
        "cpi": [cpi_release_date(p.year, p.month) + pd.offsets.BDay(k)
                for p in months for k in range(-cpi_window, cpi_window + 1)],
        "pce": [d for p in months for d in pce_release_dates(p.year, p.month)],
        "gdp": [d for p in months for d in gdp_release_dates(p.year, p.month, gdp_window)],
        "speech": [pd.Timestamp(d) for d in speech_days],
    }
    _replace_releases(kinds, {(k, pd.Period(m, "M")): [pd.Timestamp(d) for d in days]
                              for (k, m), days in KNOWN_RELEASES.items()})
    if releases is not None:
        _replace_releases(kinds, _release_table(releases))
    rows = {(d.normalize(), kind) for kind, days in kinds.items() for d in days
            if start <= d <= end}
    return pd.DataFrame(sorted(rows), columns=["date", "kind"])


def _replace_releases(
    kinds: dict[str, list[pd.Timestamp]],
    known: Mapping[tuple[str, pd.Period], list[pd.Timestamp]],
) -> None:
    """Put the ``known`` dates of each (kind, month) in place of the rule's."""
    for kind in {k for k, _ in known}:
        months = {m for k, m in known if k == kind}
        kept = [d for d in kinds[kind] if d.to_period("M") not in months]
        kinds[kind] = kept + [d for (k, _), days in known.items() if k == kind for d in days]


def _release_table(releases: pd.DataFrame) -> dict[tuple[str, pd.Period], list[pd.Timestamp]]:
    """``date, kind`` rows as ``(kind, month) -> dates``, checked."""
    missing = {"date", "kind"} - set(releases.columns)
    if missing:
        raise ConfigError(f"releases: missing column(s) {sorted(missing)}")
    allowed = CLASS_KINDS["data"]
    unknown = sorted(set(map(str, releases["kind"])) - set(allowed))
    if unknown:
        raise ConfigError(f"releases: unknown kind(s) {unknown}; use {list(allowed)}")
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(releases["date"])).normalize()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"releases: bad dates ({exc})") from None
    out: dict[tuple[str, pd.Period], list[pd.Timestamp]] = {}
    for kind, day in zip(releases["kind"], dates, strict=True):
        out.setdefault((str(kind), day.to_period("M")), []).append(day)
    return out


def _day_positions(dates: pd.DatetimeIndex, days: pd.Series) -> np.ndarray:
    """Position in ``dates`` of each day, or the next date within four days; -1 if none."""
    values = dates.to_numpy()
    pos = np.searchsorted(values, pd.DatetimeIndex(days).to_numpy(), side="left")
    out = np.full(len(days), -1)
    for i, (p, day) in enumerate(zip(pos, days, strict=True)):
        if p < len(dates) and dates[p] - day <= _MAX_SHIFT:
            out[i] = p
    return out


def classify_odds_days(
    dates: pd.DatetimeIndex, events: pd.DataFrame, covered: pd.Series
) -> pd.DataFrame:
    """Class and event kinds of each observation day (module docstring).

    Parameters
    ----------
    dates
        Observation days, sorted.
    events
        :func:`odds_events` output.
    covered
        Whether the speech calendar covers each day (indexed by ``dates``).

    Returns
    -------
    pandas.DataFrame
        Index ``dates``; columns ``class`` and ``kinds`` (sorted tuple of kinds).
    """
    dates = pd.DatetimeIndex(dates)
    found: list[set[str]] = [set() for _ in dates]
    for p, kind in zip(_day_positions(dates, events["date"]), events["kind"], strict=True):
        if p >= 0:
            found[p].add(kind)
    cover = covered.reindex(dates).fillna(False).astype(bool).to_numpy()
    labels = []
    for kinds, cov in zip(found, cover, strict=True):
        label = next((c for c, ks in CLASS_KINDS.items() if kinds & set(ks)), None)
        if label is None:
            label = "none" if cov else "unknown"
        labels.append(label)
    return pd.DataFrame({"class": labels, "kinds": [tuple(sorted(k)) for k in found]},
                        index=dates)


@dataclass(frozen=True, eq=False)
class OddsAttribution(Result):
    """Where the swing in next-meeting cut odds came from (module docstring).

    Attributes
    ----------
    start, end
        Window of the daily changes (inclusive).
    series
        What the probability is, e.g. ``"curve-implied proxy P(cut) at the next meeting"``.
    source
        ``"futures"`` or ``"curve_proxy"``.
    shares
        Index :data:`ODDS_CLASSES`; ``n_days``, ``day_share``, ``var_share``
        (share of ``sum(dp^2)``), ``ci_low``, ``ci_high``, ``ratio``,
        ``abs_share`` (share of ``sum(|dp|)``), ``net_pp`` (``sum(dp)``). ``None``
        when the window has no move (see ``notes``).
    largest
        The largest single-day moves: ``change_pp``, ``class``, ``kinds``, ``speeches``.
    monthly
        Per calendar month: ``n_days``, ``swing_pp2`` (``sum(dp^2)``),
        ``abs_pp``, ``net_pp``.
    coverage
        The speech calendar's coverage, in words.
    notes
        Caveats.
    settings
        Bootstrap settings and windows.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    series: str
    source: str
    shares: pd.DataFrame | None
    largest: pd.DataFrame
    monthly: pd.DataFrame
    coverage: str
    notes: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def total_swing(self) -> float:
        """``sum(dp^2)`` over the window, pp squared."""
        return float(self.monthly["swing_pp2"].sum()) if len(self.monthly) else 0.0

    def to_frame(self) -> pd.DataFrame:
        """One row per class: share of days, of the swing (with 95% interval), of |moves|, net."""
        if self.shares is None:
            return pd.DataFrame()
        return pd.DataFrame([
            {
                "Days": cls,
                "N": int(row["n_days"]),
                "Share of days": percent_text(row["day_share"]),
                "Share of swing": percent_text(row["var_share"]),
                "95% interval": f"{percent_text(row['ci_low'])} - {percent_text(row['ci_high'])}",
                "Share of |moves|": percent_text(row["abs_share"]),
                "Net (pp)": f"{row['net_pp']:+.1f}",
            }
            for cls, row in self.shares.iterrows()
        ])

    def largest_text(self) -> pd.DataFrame:
        """The largest moves as display strings."""
        return pd.DataFrame([
            {"Date": f"{d:%Y-%m-%d}", "Change (pp)": f"{row['change_pp']:+.1f}",
             "Day": row["class"], "Events": ", ".join(row["kinds"]) or "-",
             "Speeches": row["speeches"] or "-"}
            for d, row in self.largest.iterrows()
        ])

    def _payload(self, *, digits: int = 4, **options: Any) -> dict[str, Any]:
        def r(v: Any) -> float | None:
            return None if v is None else round(float(v), digits)

        return {
            "start": self.start,
            "end": self.end,
            "series": self.series,
            "source": self.source,
            "swing": "share of the sum of squared daily changes of the probability (pp^2);"
                     " 95% circular block-bootstrap percentile intervals",
            "coverage": self.coverage,
            "total_swing_pp2": r(self.total_swing),
            "classes": None if self.shares is None else {
                str(c): {k: (int(v) if k == "n_days" else r(v)) for k, v in row.items()}
                for c, row in self.shares.iterrows()
            },
            "largest_moves": [
                {"date": d, "change_pp": r(row["change_pp"]), "class": row["class"],
                 "kinds": list(row["kinds"]), "speeches": row["speeches"]}
                for d, row in self.largest.iterrows()
            ],
            "monthly": [
                {"month": str(m), **{k: (int(v) if k == "n_days" else r(v))
                                     for k, v in row.items()}}
                for m, row in self.monthly.iterrows()
            ],
            "notes": list(self.notes),
            "settings": dict(self.settings),
        }

    def summary(self) -> str:
        """Shares of the swing by kind of day, then the largest moves."""
        lines = [
            f"What moved the odds, {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}: {self.series}"
            " (share of the sum of squared daily changes)",
            f"Speech calendar: {self.coverage}",
        ]
        frame = self.to_frame()
        lines.append(frame.to_string(index=False) if not frame.empty else "No moves to attribute.")
        if len(self.largest):
            lines += ["", "Largest daily moves:", self.largest_text().to_string(index=False)]
        lines += [f"- {n}" for n in self.notes]
        return "\n".join(lines)


def _speech_text(speeches: pd.DataFrame | None, dates: pd.DatetimeIndex) -> list[str]:
    """``"Speaker: title; ..."`` of the speeches counted on each date."""
    out = [""] * len(dates)
    if speeches is None or speeches.empty:
        return out
    days = pd.to_datetime(speeches["date"]).dt.normalize()
    for p, speaker, title in zip(_day_positions(dates, days), speeches["speaker"],
                                 speeches["title"], strict=True):
        if p < 0:
            continue
        who = speaker if isinstance(speaker, str) and speaker.strip() else "(speaker unknown)"
        item = f"{who}: {title}"
        out[p] = f"{out[p]}; {item}" if out[p] else item
    return out


def attribute_odds(
    probability: pd.Series,
    events: pd.DataFrame,
    covered: pd.Series,
    *,
    start: Any,
    end: Any,
    series: str,
    source: str,
    coverage: str,
    speeches: pd.DataFrame | None = None,
    previous: pd.Series | None = None,
    n_largest: int = 10,
    n_boot: int = 1000,
    block: int = 5,
    seed: int = 0,
) -> OddsAttribution:
    """Attribute the daily changes of ``probability`` in ``[start, end]`` to kinds of day.

    Parameters
    ----------
    probability
        Daily probability (0-1) on observation dates; the change on the first
        day of the window uses the observation before it.
    events
        :func:`odds_events` output covering the window.
    covered
        Whether the speech calendar covers each date.
    start, end
        Inclusive window of the changes.
    series, source, coverage
        Labels: what the probability is, its source, the speech coverage text.
    speeches
        ``date, speaker, title`` of the speeches, for the largest moves.
    previous
        On each date, the previous observation's probability of the meeting
        that is next on that date (module docstring, Swing); NaN or missing
        dates fall back to the previous value of ``probability``.
    n_largest, n_boot, block, seed
        Moves listed and bootstrap settings (``block`` sessions per block).

    Raises
    ------
    DataError
        No observation in the window.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    p = probability.dropna()
    before = p.shift(1)
    if previous is not None:
        before = previous.reindex(p.index).fillna(before)
    dp = (100 * (p - before)).loc[start:end].dropna().rename("dp")
    if dp.empty:
        raise DataError(f"odds attribution: no daily change of the cut probability between"
                        f" {start:%Y-%m-%d} and {end:%Y-%m-%d}")
    days = classify_odds_days(pd.DatetimeIndex(dp.index), events, covered)
    notes: list[str] = []
    shares = None
    try:
        shares = variance_shares(dp, days["class"], n_boot=n_boot, block=block, seed=seed,
                                 order=ODDS_CLASSES, default="unknown")
    except DataError as exc:
        notes.append(f"no shares: {exc}")
    if shares is not None:
        total_abs = dp.abs().sum()
        by_class = days["class"]
        shares["abs_share"] = [dp[by_class == c].abs().sum() / total_abs for c in ODDS_CLASSES]
        shares["net_pp"] = [dp[by_class == c].sum() for c in ODDS_CLASSES]
    if (days["class"] == "unknown").any():
        notes.append(f"{int((days['class'] == 'unknown').sum())} day(s) without a meeting or"
                     " data release fall outside the speech calendar's coverage: class"
                     " 'unknown' (speech days unknown), not 'none'")
    top = dp.reindex(dp.abs().sort_values(ascending=False, kind="stable").index[:n_largest])
    top = top[top != 0]
    speech_text = pd.Series(_speech_text(speeches, pd.DatetimeIndex(dp.index)), index=dp.index)
    largest = pd.DataFrame({
        "change_pp": top,
        "class": days.loc[top.index, "class"],
        "kinds": days.loc[top.index, "kinds"],
        "speeches": speech_text.loc[top.index],
    }, index=pd.DatetimeIndex(top.index, name="date"))
    month = dp.index.to_period("M")
    monthly = pd.DataFrame({
        "n_days": dp.groupby(month).size(),
        "swing_pp2": (dp ** 2).groupby(month).sum(),
        "abs_pp": dp.abs().groupby(month).sum(),
        "net_pp": dp.groupby(month).sum(),
    })
    monthly.index.name = "month"
    return OddsAttribution(
        start=pd.Timestamp(dp.index[0]), end=pd.Timestamp(dp.index[-1]), series=series,
        source=source, shares=shares, largest=largest, monthly=monthly, coverage=coverage,
        notes=tuple(notes),
        settings={"n_boot": n_boot, "block": block, "seed": seed, "level": 0.95},
    )
