"""The thesis scorecard: seven theses, their indicators and verdicts, point in time.

:meth:`Scorecard.estimate` loads every input with ``asof`` (so publication lags
apply), evaluates each indicator (:mod:`flowdesk.macro.indicators`) and each
thesis' rule (:mod:`flowdesk.macro.rules`). :meth:`Scorecard.history` says what
the scorecard said on past dates: it loads each series once and cuts it with
the series' publication lag at every date, which gives the same result as
estimating at that date (a test checks this).

Units are those of each indicator (``unit``); changes over one year are
differences in that unit (percentage points for indicators in percent);
percentiles are 0-100 against the indicator's own history published by the
as-of date. A series past its usual publication lag (the catalog's
``stale_after_days``) flags its indicators as stale; a stale or missing core
indicator makes its thesis ``insufficient_data``. The frozen results,
:class:`ScorecardResult` and :class:`ThesisResult`, live in
:mod:`flowdesk.macro.scorecard_result` and are re-exported here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from flowdesk.data.api import load
from flowdesk.data.inputs import load_inputs
from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError, DataError
from flowdesk.macro.indicators import NOT_FETCHED, IndicatorValue, evaluate_indicator, series_spec
from flowdesk.macro.rules import RULES
from flowdesk.macro.scorecard_result import ScorecardResult, ThesisResult
from flowdesk.macro.theses import DEFAULT_CAPEX_TICKERS, DriversShares, Thesis, build_theses
from flowdesk.stats import last_observations

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["Scorecard", "ScorecardResult", "ThesisResult"]

Data = Mapping[str, pd.Series | pd.DataFrame]


class Scorecard:
    """Point-in-time scorecard of the seven macro theses.

    Parameters
    ----------
    capex_tickers
        Companies whose capex counts as AI capex (default without Apple; see
        :mod:`flowdesk.macro.theses`).
    drivers
        Drivers decomposition for thesis 7: a :class:`DriversShares` or a
        :class:`flowdesk.drivers.DriversResult` (converted with
        :meth:`DriversShares.from_result`). Without it (or before its
        ``asof``) thesis 7 is ``insufficient_data``.
    use_drivers
        When no ``drivers`` are given, :meth:`estimate` runs the drivers
        decomposition for the as-of date itself (about a second); set to
        ``False`` to skip it.
    """

    def __init__(
        self,
        *,
        capex_tickers: Sequence[str] = DEFAULT_CAPEX_TICKERS,
        drivers: DriversShares | Any | None = None,
        use_drivers: bool = True,
    ) -> None:
        self.use_drivers = use_drivers
        tickers = tuple(str(t).upper() for t in capex_tickers)
        if not tickers:
            raise ConfigError("capex_tickers: give at least one ticker")
        self.capex_tickers = tickers
        if drivers is not None and not isinstance(drivers, DriversShares):
            drivers = DriversShares.from_result(drivers)
        self.drivers: DriversShares | None = drivers
        self.theses: tuple[Thesis, ...] = build_theses(tickers)
        self.inputs: tuple[str, ...] = tuple(
            dict.fromkeys(s for t in self.theses for i in t.indicators for s in i.inputs)
        )

    def __repr__(self) -> str:
        return f"Scorecard(capex_tickers={self.capex_tickers!r}, drivers={self.drivers!r})"

    # ------------------------------------------------------------ public API
    def estimate(
        self, asof: DateLike | None = None, *, settings: Settings | None = None
    ) -> ScorecardResult:
        """Evaluate every thesis on data published by ``asof``.

        Parameters
        ----------
        asof
            As-of date; default the last S&P 500 close.
        settings
            Settings (cache directory); default from the environment.

        Raises
        ------
        ConfigError
            If ``asof`` is not a valid date.
        """
        asof_ts = self._asof(asof, settings)
        data, failed = load_inputs(self.inputs, asof=asof_ts, settings=settings)
        missing = {sid: self._why_missing(sid, asof_ts, settings) for sid in failed}
        drivers = self.drivers
        if drivers is None and self.use_drivers:
            drivers = self._drivers_at(asof_ts, settings)
        return self._compute(data, missing, asof_ts, drivers)

    @staticmethod
    def _drivers_at(asof: pd.Timestamp, settings: Settings | None) -> DriversShares | None:
        """Drivers shares for thesis 7 at ``asof``; None when the decomposition cannot run."""
        from flowdesk.drivers import Drivers
        from flowdesk.errors import FlowdeskError

        try:
            return DriversShares.from_result(Drivers().estimate(asof, settings=settings))
        except FlowdeskError:
            return None

    def evaluate(
        self, data: Data, asof: DateLike, *, drivers: DriversShares | None = None
    ) -> ScorecardResult:
        """Evaluate on given full series (e.g. hand-built), cut by publication lags.

        Parameters
        ----------
        data
            Series (or tables) by catalog id, as :func:`flowdesk.data.load`
            returns them without ``asof``; absent ids count as not fetched.
        asof
            As-of date: each series keeps observations dated on or before
            ``asof`` minus its catalog release lag.
        """
        asof_ts = parse_date(asof, "asof")
        if asof_ts is None:
            raise ConfigError("asof: a date is required")
        cut, missing = self._cut(data, asof_ts)
        return self._compute(cut, missing, asof_ts, drivers or self.drivers)

    def history(
        self,
        start: DateLike,
        end: DateLike | None = None,
        freq: Literal["QE", "ME"] = "QE",
        *,
        settings: Settings | None = None,
    ) -> pd.DataFrame:
        """What the scorecard said on each date from ``start`` to ``end``.

        Parameters
        ----------
        start, end
            Date range (``end`` defaults to the last S&P 500 close).
        freq
            ``"QE"`` (quarter ends) or ``"ME"`` (month ends).

        Returns
        -------
        pandas.DataFrame
            Index: the sampled dates; one column of verdicts per thesis id.

        Notes
        -----
        Each series is loaded once and cut at every date with its publication
        lag, which equals :meth:`estimate` at that date; about 0.1 s per date.
        """
        if freq not in ("QE", "ME"):
            raise ConfigError(f"freq: expected 'QE' or 'ME', got {freq!r}")
        start_ts = parse_date(start, "start")
        end_ts = self._asof(end, settings)
        if start_ts is None or start_ts > end_ts:
            raise ConfigError("history: start must be a date on or before end")
        full: dict[str, pd.Series | pd.DataFrame] = {}
        for sid in self.inputs:
            # A series that cannot be loaded is reported as not fetched by _cut.
            with contextlib.suppress(DataError):
                full[sid] = load(sid, settings=settings)
        dates = pd.date_range(start_ts, end_ts, freq=freq, name="date")
        # One decomposition at the end date serves every earlier date: its rolling
        # shares at t use only the window ending at t.
        drivers = self.drivers
        if drivers is None and self.use_drivers:
            drivers = self._drivers_at(end_ts, settings)
        rows = [self.evaluate(full, date, drivers=drivers).verdicts() for date in dates]
        frame = pd.DataFrame([r.to_numpy() for r in rows], index=dates,
                             columns=[t.id for t in self.theses])
        return frame

    # ------------------------------------------------------------ internals
    @staticmethod
    def _asof(asof: DateLike | None, settings: Settings | None) -> pd.Timestamp:
        asof_ts = parse_date(asof, "asof")
        if asof_ts is None:
            from flowdesk.data.asof import latest_asof

            asof_ts = latest_asof(settings=settings)
        return asof_ts

    @staticmethod
    def _why_missing(sid: str, asof: pd.Timestamp, settings: Settings | None) -> str:
        try:
            load(sid, settings=settings)
        except DataError:
            return NOT_FETCHED
        return f"{sid}: no observations published by {asof:%Y-%m-%d}"

    def _cut(self, data: Data, asof: pd.Timestamp) -> tuple[dict[str, Any], dict[str, str]]:
        cut: dict[str, Any] = {}
        missing: dict[str, str] = {}
        for sid in self.inputs:
            series = data.get(sid)
            if series is None:
                missing[sid] = NOT_FETCHED
                continue
            spec = series_spec(sid)
            lag = spec.release_lag_days if spec is not None else 0
            published = series.loc[series.index <= asof - pd.Timedelta(days=lag)]
            if len(published) == 0:
                missing[sid] = f"{sid}: no observations published by {asof:%Y-%m-%d}"
            else:
                cut[sid] = published
        return cut, missing

    def _compute(self, data: Data, missing: Mapping[str, str], asof: pd.Timestamp,
                 drivers: DriversShares | None = None) -> ScorecardResult:
        cache: dict[str, IndicatorValue] = {}
        results = []
        for thesis in self.theses:
            values = []
            for ind in thesis.indicators:
                if ind.id not in cache:
                    cache[ind.id] = evaluate_indicator(ind, data, asof, missing)
                values.append(cache[ind.id])
            evidence = {v.id: v for v in values}
            if thesis.id == "flows":
                evidence = drivers.values(asof) if drivers is not None else {}
                values = list(evidence.values())
            verdict, reasons = RULES[thesis.id](evidence)
            results.append(ThesisResult(thesis, verdict, tuple(reasons), tuple(values)))
        last_obs = last_observations(data, self.inputs)
        unfetched = [sid for sid, why in missing.items() if why == NOT_FETCHED]
        notes = [why for why in missing.values() if why != NOT_FETCHED]
        if unfetched:
            notes.insert(0, f"Not fetched (in neither the cache nor the snapshot):"
                         f" {', '.join(unfetched)}; run `flowdesk data update"
                         f" {' '.join(unfetched)}`.")
        return ScorecardResult(
            asof, tuple(results), self.capex_tickers, last_obs, tuple(dict.fromkeys(notes))
        )
