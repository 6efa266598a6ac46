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
indicator makes its thesis ``insufficient_data``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from flowdesk.data.api import load
from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError, DataError
from flowdesk.macro.indicators import NOT_FETCHED, IndicatorValue, evaluate_indicator, series_spec
from flowdesk.macro.rules import RULES, Verdict
from flowdesk.macro.theses import DEFAULT_CAPEX_TICKERS, DriversShares, Thesis, build_theses
from flowdesk.results import Result, notes_lines
from flowdesk.stats import last_observations

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["Scorecard", "ScorecardResult", "ThesisResult"]

Data = Mapping[str, pd.Series | pd.DataFrame]
_JSON_DIGITS = 4


def _round(value: float | None) -> float | None:
    # NaN and inf survive round() and become None in the encoder.
    return None if value is None else round(float(value), _JSON_DIGITS)


def _iso(date: pd.Timestamp | None) -> str | None:
    return None if date is None or pd.isna(date) else f"{date:%Y-%m-%d}"


_FRAME_COLUMNS = ["thesis", "indicator", "verdict", "title", "value", "unit", "obs_date",
                  "change_1y", "change_unit", "percentile", "stale", "status"]


def _frame(theses: Sequence[ThesisResult]) -> pd.DataFrame:
    """One row per (thesis, indicator) of ``theses`` (see :meth:`ScorecardResult.to_frame`)."""
    rows = [
        {"thesis": t.id, "indicator": v.id, "verdict": t.verdict,
         "title": v.indicator.title, "value": v.value, "unit": v.indicator.unit,
         "obs_date": v.obs_date, "change_1y": v.change_1y,
         "change_unit": v.indicator.change_unit, "percentile": v.percentile,
         "stale": v.stale, "status": v.status}
        for t in theses for v in t.indicators
    ]
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS).set_index(["thesis", "indicator"])


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of :meth:`ScorecardResult.to_frame` formatted for text, with units."""

    def num(x: float, spec: str) -> str:
        return "n/a" if x != x else format(x, spec)

    return pd.DataFrame({
        "indicator": frame.index,
        "value": [num(x, ",.2f") for x in frame["value"]],
        "unit": frame["unit"].to_numpy(),
        "observed": [_iso(d) or "-" for d in frame["obs_date"]],
        "1y change": [num(x, "+,.2f") + ("" if x != x else f" {u}")
                      for x, u in zip(frame["change_1y"], frame["change_unit"], strict=True)],
        "pctile": [num(x, ".0f") for x in frame["percentile"]],
        "status": frame["status"].to_numpy(),
    })


@dataclass(frozen=True, eq=False)
class ThesisResult(Result):
    """One thesis at one as-of date: verdict, reasons and indicator values."""

    thesis: Thesis
    verdict: Verdict
    reasons: tuple[str, ...]
    indicators: tuple[IndicatorValue, ...]

    @property
    def id(self) -> str:
        """The thesis id."""
        return self.thesis.id

    def indicator(self, indicator_id: str) -> IndicatorValue:
        """The value of one of this thesis' indicators."""
        for value in self.indicators:
            if value.id == indicator_id:
                return value
        raise ConfigError(f"thesis {self.id} has no indicator {indicator_id!r}")

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator (the thesis' rows of :meth:`ScorecardResult.to_frame`)."""
        return _frame([self]).droplevel("thesis")

    def _payload(self, *, history: bool = False, **options: Any) -> dict[str, Any]:
        """With ``history=True`` each indicator carries its series."""
        rows = []
        for v in self.indicators:
            row: dict[str, Any] = {
                "id": v.id,
                "title": v.indicator.title,
                "value": _round(v.value),
                "unit": v.indicator.unit,
                # Every indicator is dated: an unobserved one by its evaluation date.
                "asof": v.date,
                "percentile": _round(v.percentile),
                "stale": v.stale,
                "change_1y": _round(v.change_1y),
                "change_unit": v.indicator.change_unit,
                "status": v.status,
                "reasons": list(v.reasons),
                "inputs": list(v.indicator.inputs),
            }
            if v.extra:
                row["extra"] = dict(v.extra)
            if history:
                row["history"] = {
                    "dates": list(v.history.index),
                    "values": [_round(x) for x in v.history.to_numpy(dtype=float)],
                }
            rows.append(row)
        return {
            "id": self.id,
            "number": self.thesis.number,
            "title": self.thesis.title,
            "claim": self.thesis.claim,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "indicators": rows,
        }

    def summary(self) -> str:
        """Verdict, reasons and the indicator table, with units."""
        lines = [f"{self.thesis.number}. {self.thesis.title}: "
                 f"{self.verdict.replace('_', ' ').upper()}"]
        lines += [f"   - {r}" for r in self.reasons]
        if self.indicators:
            table = _display(self.to_frame()).to_string(index=False)
            lines += ["   " + row for row in table.splitlines()]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class ScorecardResult(Result):
    """The scorecard at one as-of date (see the module docstring for conventions).

    Attributes
    ----------
    asof
        Only data published by this date were used.
    theses
        One :class:`ThesisResult` per thesis, in scorecard order.
    capex_tickers
        Companies counted as AI capex.
    last_obs
        Input series id -> date of its last observation published by ``asof``.
    notes
        Inputs that could not be loaded, and why.
    """

    asof: pd.Timestamp
    theses: tuple[ThesisResult, ...]
    capex_tickers: tuple[str, ...]
    last_obs: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def thesis(self, thesis_id: str) -> ThesisResult:
        """The result of one thesis (``ConfigError`` for an unknown id)."""
        for result in self.theses:
            if result.id == thesis_id:
                return result
        raise ConfigError(
            f"unknown thesis {thesis_id!r}; choose one of {', '.join(t.id for t in self.theses)}"
        )

    def verdicts(self) -> pd.Series:
        """Verdict per thesis id."""
        return pd.Series({t.id: t.verdict for t in self.theses}, name=f"{self.asof:%Y-%m-%d}")

    def to_frame(self) -> pd.DataFrame:
        """One row per (thesis, indicator): verdict, value, unit, date, change, percentile."""
        return _frame(self.theses)

    def _payload(self, *, history: bool = False, **options: Any) -> dict[str, Any]:
        """``{"asof", "theses": [{"id", "title", "verdict", "reasons", "indicators": [...]}]}``.

        Indicators carry ``id``, ``value``, ``unit``, ``asof`` (date of the
        observation, or the as-of date when there is none yet), ``percentile``
        and ``stale``, plus ``title``, ``change_1y``, ``status``, ``reasons``
        and ``inputs``; floats rounded to 4 decimals. With ``history=True``
        each indicator carries its series.
        """
        return {
            "asof": self.asof,
            "capex_tickers": list(self.capex_tickers),
            "theses": [t._payload(history=history) for t in self.theses],
            "last_obs": dict(self.last_obs),
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """Plain-text scorecard: verdicts, reasons and indicator tables, with units."""
        lines = [f"Thesis scorecard as of {self.asof:%Y-%m-%d} (AI capex = "
                 f"{'+'.join(self.capex_tickers)}; only data published by then)", ""]
        for t in self.theses:
            lines += [t.summary(), ""]
        lines.append("Changes over 1 year are differences in the indicator's unit (pp for"
                     " percent); percentiles (0-100) rank the value in its own history.")
        lines += notes_lines(self.notes)
        return "\n".join(lines)


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
        data: dict[str, pd.Series | pd.DataFrame] = {}
        missing: dict[str, str] = {}
        for sid in self.inputs:
            try:
                data[sid] = load(sid, asof=asof_ts, settings=settings)
            except DataError:
                missing[sid] = self._why_missing(sid, asof_ts, settings)
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
