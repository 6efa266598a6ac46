"""FedPolicy: FOMC meeting probabilities, the curve-implied proxy and event attribution.

:meth:`FedPolicy.estimate` loads point-in-time data and returns a frozen
:class:`FedPolicyResult` (defined in :mod:`flowdesk.policy.result`, re-exported
here). With a futures curve the meeting probabilities are
FedWatch's (CME method, :mod:`flowdesk.policy.fedwatch`); without one they come
from the curve-implied proxy (:mod:`flowdesk.policy.proxy`) and are labelled as
a proxy everywhere. Units: rates in percent, changes in basis points (bp) or
percentage points (pp) as named, probabilities as fractions 0-1 in data and
percent in text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowdesk.data.api import load
from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError, DataError
from flowdesk.policy.attribution import AttributionResult, attribute
from flowdesk.policy.fedwatch import fedwatch
from flowdesk.policy.odds_view import OddsInputs, build_views
from flowdesk.policy.proxy import Allocation, ProxyResult, proxy_history, proxy_meetings
from flowdesk.policy.result import CONVENTIONS, FedPolicyResult
from flowdesk.policy.target import TargetRange, target_range
from flowdesk.stats import last_observations

if TYPE_CHECKING:
    from flowdesk.config import Settings
    from flowdesk.data.speeches import SpeechCalendar

__all__ = ["CONVENTIONS", "FedPolicy", "FedPolicyResult"]

_SERIES_UNITS = {
    "SP500": "% log return",
    "DGS2": "bp daily change",
    "proxy_3m": "bp daily change",
}


class FedPolicy:
    """Point-in-time FOMC path: FedWatch from futures, else a labelled curve proxy.

    Parameters
    ----------
    allocation
        How the proxy spreads the bill-implied change over meetings in its window
        (``"equal"`` or ``"next"``, see :mod:`flowdesk.policy.proxy`).
    attribution_years
        Trailing years of the attribution sample (``None``: all, from 2000).
    n_boot, block, seed
        Bootstrap draws, block length (sessions) and seed of the attribution.
    history_years
        Years of proxy history kept for charts.
    calendar
        Optional ``date, kind`` event calendar overriding the release rules.
    releases
        Optional ``date, kind`` table of known payrolls/CPI/PCE/GDP release
        dates for the odds attribution: per kind and month they replace the
        rules (e.g. the October-December 2025 shutdown reschedules).
    """

    def __init__(
        self,
        *,
        allocation: Allocation = "equal",
        attribution_years: int | None = 10,
        n_boot: int = 1000,
        block: int = 10,
        seed: int = 0,
        history_years: int = 5,
        calendar: pd.DataFrame | None = None,
        releases: pd.DataFrame | None = None,
    ) -> None:
        if allocation not in ("equal", "next"):
            raise ConfigError(f"allocation: expected 'equal' or 'next', got {allocation!r}")
        for name, value in (("history_years", history_years), ("n_boot", n_boot),
                            ("block", block), ("attribution_years", attribution_years)):
            if name == "attribution_years" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {value!r}")
        self.allocation: Allocation = allocation
        self.attribution_years = attribution_years
        self.n_boot, self.block, self.seed = n_boot, block, seed
        self.history_years = history_years
        self.calendar = calendar
        self.releases = releases

    def __repr__(self) -> str:
        return (f"FedPolicy(allocation={self.allocation!r}, attribution_years="
                f"{self.attribution_years}, n_boot={self.n_boot})")

    def estimate(
        self,
        asof: DateLike | None = None,
        *,
        futures: pd.DataFrame | None = None,
        target: tuple[float, float] | None = None,
        settings: Settings | None = None,
        window: tuple[DateLike | None, DateLike | None] | None = None,
        futures_history: pd.DataFrame | None = None,
        speeches: SpeechCalendar | None = None,
    ) -> FedPolicyResult:
        """Estimate the policy path from data published by ``asof``.

        Parameters
        ----------
        asof
            As-of date; default the last S&P 500 close.
        futures
            30-day fed funds futures, ``month``/``price`` columns (optionally
            ``date``, the price date, which must not be after ``asof``).
        target
            Override of today's target range ``(low, high)`` in percent.
        settings
            Settings (cache directory).
        window
            ``(start, end)`` of the odds attribution, inclusive; either may be
            ``None`` (default: the 12 months to ``asof``). ``end`` may not be
            after ``asof``.
        futures_history
            Dated futures curves (index price date, columns contract months,
            values prices) for the look-backs, the history and the attribution;
            default: the live futures cache, when there is one.
        speeches
            Fed speech calendar; default: the one in effect
            (:func:`flowdesk.data.speeches.load_fed_speeches`).

        Raises
        ------
        DataError
            Missing inputs, futures priced after ``asof``, or bad futures (see
            :func:`~flowdesk.policy.fedwatch.fedwatch`).
        ConfigError
            Bad ``asof`` or target override.
        """
        from flowdesk.data.asof import resolve_asof

        asof_ts = resolve_asof(asof, settings=settings)
        odds_window = attribution_window(window, asof_ts)
        notes: list[str] = []
        tgt = target_range(asof_ts, override=target, settings=settings)
        if tgt.note:
            notes.append(f"target range {tgt.label}: {tgt.note}")
        decisions = load("FOMC_DECISIONS", settings=settings)
        scheduled = pd.DatetimeIndex(decisions.index[decisions["scheduled"] == 1])
        data = {sid: load(sid, asof=asof_ts, settings=settings)
                for sid in ("DGS3MO", "DGS2", "DFF", "SP500")}
        history = proxy_history(
            data["DGS3MO"], data["DGS2"], data["DFF"], scheduled,
            decisions=pd.DatetimeIndex(decisions.index),
            decision_changes=_known_changes(asof_ts, settings),
            allocation=self.allocation,
        )
        valid = history.dropna(subset=["delta"])
        if valid.empty:
            raise DataError(f"curve proxy: no complete inputs published by {asof_ts:%Y-%m-%d}")
        current = valid.iloc[-1]
        data_date = pd.Timestamp(current.name)
        proxy = ProxyResult(
            asof_ts, history, current,
            proxy_meetings(current, data_date, scheduled, (tgt.low, tgt.high),
                           self.allocation, after=asof_ts),
            self.allocation,
        )
        if (asof_ts - data_date).days > 5:
            passed = scheduled[(scheduled > data_date) & (scheduled <= asof_ts)]
            notes.append(
                f"curve proxy inputs end {data_date:%Y-%m-%d}, {(asof_ts - data_date).days}"
                f" days before {asof_ts:%Y-%m-%d}; the proxy describes that date"
                + (f" and the meeting(s) of {', '.join(f'{d:%Y-%m-%d}' for d in passed)}"
                   " since then are not reflected" if len(passed) else "")
            )
        if futures_history is None:
            futures_history = _cached_futures(settings, notes)
        cached = futures is None and futures_history is not None
        if cached:
            futures = _cached_curve(futures_history, asof_ts)
        fw = None
        if futures is not None:
            # Past unscheduled decisions still make their month unclean; future ones
            # cannot be known on asof.
            known = scheduled.union(decisions.index[decisions.index <= asof_ts])
            try:
                fw = fedwatch(_check_futures(futures, asof_ts, notes), known,
                              (tgt.low, tgt.high), asof_ts, start_rate=float(current["effr"]))
            except DataError as exc:
                if cached:
                    # Cached closes are whatever Yahoo had: a gap falls back to the
                    # proxy with a warning instead of failing the command.
                    notes.append(f"futures cache curve unusable on {asof_ts:%Y-%m-%d} ({exc});"
                                 " showing the curve proxy")
                else:
                    # A curve read from a file (read_futures_csv) carries its name: say
                    # which file does not cover the meetings, not only what is wrong.
                    source = (futures.attrs.get("source")
                              if isinstance(futures, pd.DataFrame) else None)
                    if source:
                        raise DataError(f"{source}: {exc}") from None
                    raise
        if fw is not None:
            notes.extend(fw.notes)
        else:
            notes.append(proxy.note)
        attribution = self._attribution(data, history, decisions.index, asof_ts, notes)
        if speeches is None:
            speeches = _speech_calendar(settings, notes)
        views = build_views(
            OddsInputs(
                asof=asof_ts, history=history, scheduled=scheduled,
                decisions=pd.DatetimeIndex(decisions.index), allocation=self.allocation,
                proxy_now=proxy.meetings, futures_now=fw, futures_history=futures_history,
                target_at=lambda day: _range_on(day, asof_ts, tgt, target, settings),
                speeches=speeches, window=odds_window, releases=self.releases,
            ),
            n_boot=self.n_boot, block=min(self.block, 5), seed=self.seed,
        )
        if window is not None and views.odds is None:
            # A window the user chose must be attributable; a default one may fail quietly.
            raise DataError(next((n for n in views.notes if "odds attribution" in n),
                                 "odds attribution unavailable"))
        notes.extend(views.notes)
        return FedPolicyResult(
            asof=asof_ts,
            source="futures" if fw is not None else "curve_proxy",
            target=tgt,
            meetings=fw.meetings if fw is not None else proxy.meetings,
            fedwatch=fw,
            proxy=proxy,
            attribution=attribution,
            notes=tuple(notes),
            last_obs=last_observations(data),
            history_years=self.history_years,
            views=views,
        )

    def _attribution(
        self,
        data: Mapping[str, pd.Series],
        history: pd.DataFrame,
        fomc: pd.DatetimeIndex,
        asof: pd.Timestamp,
        notes: list[str],
    ) -> AttributionResult | None:
        start = (asof - pd.DateOffset(years=self.attribution_years)
                 if self.attribution_years is not None else pd.Timestamp("2000-01-01"))
        sp = data["SP500"]
        moves = {
            "SP500": 100 * np.log(sp).diff(),
            "DGS2": 100 * data["DGS2"].diff(),
            "proxy_3m": 100 * history["implied_3m"].diff(),
        }
        moves = {k: v.loc[v.index > start].dropna() for k, v in moves.items()}
        try:
            result = attribute(
                moves, fomc, units=_SERIES_UNITS, swing_series="DGS2", calendar=self.calendar,
                n_boot=self.n_boot, block=self.block, seed=self.seed,
            )
        except DataError as exc:
            notes.append(f"event attribution unavailable: {exc}")
            return None
        for column in ("p_cut_next", "p_hike_next"):
            change = 100 * history[column].diff()
            result.swings[f"{column}_pp"] = change.reindex(result.swings.index)
        return result


def attribution_window(
    window: tuple[DateLike | None, DateLike | None] | None, asof: pd.Timestamp
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The odds attribution window: ``(start, end)`` inclusive, default the 12 months to ``asof``.

    Raises
    ------
    ConfigError
        A bad date, ``start`` after ``end``, or ``end`` after ``asof`` (the
        attribution uses only data known at ``asof``).
    """
    start, end = (None, None) if window is None else window
    start_ts = parse_date(start, "--start", supported=True)
    end_ts = parse_date(end, "--end", supported=True)
    end_ts = asof if end_ts is None else end_ts
    if end_ts > asof:
        raise ConfigError(f"--end: {end_ts:%Y-%m-%d} is after asof {asof:%Y-%m-%d}; the"
                          " attribution uses only data known at asof")
    if start_ts is None:
        start_ts = end_ts - pd.DateOffset(months=12) + pd.Timedelta(days=1)
    if start_ts > end_ts:
        raise ConfigError(f"--start: {start_ts:%Y-%m-%d} is after the window end"
                          f" {end_ts:%Y-%m-%d}")
    return start_ts, end_ts


def _range_on(
    day: pd.Timestamp, asof: pd.Timestamp, today: TargetRange,
    override: tuple[float, float] | None, settings: Settings | None,
) -> tuple[float, float]:
    # An override describes asof only; earlier dates get the range then in force.
    if day >= asof or (override is None and day >= (today.obs_date or asof)):
        return today.low, today.high
    found = target_range(day, settings=settings)
    return found.low, found.high


def _speech_calendar(settings: Settings | None, notes: list[str]) -> SpeechCalendar | None:
    from flowdesk.data.speeches import load_fed_speeches

    try:
        return load_fed_speeches(settings)
    except DataError as exc:
        notes.append(f"speech calendar unavailable ({exc}); speech days are unknown")
        return None


def _cached_futures(settings: Settings | None, notes: list[str]) -> pd.DataFrame | None:
    from flowdesk.data.futures import load_futures_history

    try:
        return load_futures_history(settings)
    except DataError as exc:
        notes.append(f"futures cache unreadable ({exc}); using the curve proxy")
        return None


def _cached_curve(history: pd.DataFrame, asof: pd.Timestamp) -> pd.DataFrame | None:
    """The cached curve on or within five days before ``asof``, as ``month, price, date``."""
    from flowdesk.data.futures import futures_on

    row = futures_on(history, asof)
    if row is None or row.empty or (asof - pd.Timestamp(row.name)).days > 5:
        return None
    return pd.DataFrame({"month": [str(m) for m in row.index], "price": row.to_numpy(),
                         "date": pd.Timestamp(row.name)})


def _known_changes(asof: pd.Timestamp, settings: Settings | None) -> dict[pd.Timestamp, float]:
    try:
        table = load("FOMC_TARGETS", settings=settings)
    except DataError:
        return {}
    # Decisions are public the day they are made: only those by asof.
    table = table.loc[table.index <= asof]
    return {pd.Timestamp(d): float(v) / 100 for d, v in table["bps_change"].items()}


def _check_futures(futures: pd.DataFrame, asof: pd.Timestamp, notes: list[str]) -> pd.DataFrame:
    if not isinstance(futures, pd.DataFrame):
        raise ConfigError(f"futures: expected a DataFrame with month and price, got "
                          f"{type(futures).__name__}")
    if "date" in futures.columns and len(futures):
        dates = pd.to_datetime(futures["date"])
        if (dates > asof).any():
            late = futures.loc[dates > asof, "month"].tolist()
            raise DataError(
                f"futures: prices of {', '.join(map(str, late))} are dated after asof"
                f" {asof:%Y-%m-%d}; use prices published by then"
            )
        oldest = dates.min()
        if (asof - oldest).days > 5:
            notes.append(f"futures prices as old as {oldest:%Y-%m-%d} used for {asof:%Y-%m-%d}")
    return futures
