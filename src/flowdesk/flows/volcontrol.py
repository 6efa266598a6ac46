"""Volatility-targeting (vol-control) funds: exposure, point-in-time percentile, $ flows.

A vol-control fund holds ``w = min(cap, target_vol / vol_hat)`` of its AUM in the
S&P 500 and rebalances with a lag, so it sells into rising volatility and buys as it
falls. The industry is a few :class:`VolCohort` s differing by target, estimator, cap
and lag (:data:`DEFAULT_COHORTS`); the estimator mechanics, the projection hook and the
vol triggers live in :mod:`flowdesk.flows.volcontrol_trigger`.

Conventions
-----------
* Daily log returns ``r_t = log(P_t / P_{t-1})`` of the S&P 500 close; estimates
  annualised with ``sqrt(252)``: ``close21``/``close63`` = ``sqrt((r**2).rolling(n).mean())``,
  zero mean (RMS), as the published risk-control index methodologies compute realised
  volatility, so a steady one-way tape is volatile to them (``demean=True``, setting
  ``volcontrol_demean``: the older ``r.rolling(n).std()``, ddof 1, mean subtracted);
  ``ewma94`` = RiskMetrics ``s2_t = 0.94 s2_{t-1} + 0.06 r_t**2`` (zero mean, seeded
  with the first squared return, reported after 63 returns), ``max21_63`` = the larger
  of the two rolling estimates.
* A cohort's *target* at ``t`` uses closes up to ``t``; with lag ``L`` the *exposure
  held* at the close of ``t`` is the target of ``t - L``. Exposures are fractions of
  AUM; ``aggregate`` is the AUM-weighted exposure.
* The flow of day ``t`` is the rebalancing trade ``(w_t - w_{t-1}) x AUM`` (AUM held
  fixed), USD bn, positive = buying, for the low/base/high AUM scenarios (``low`` is
  the low-AUM case, not the smaller number).
* Point in time: appending prices never changes an earlier output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.flows import kernels
from flowdesk.flows.common import AumBand, check_prices, expanding_percentile
from flowdesk.flows.volcontrol_cohort import ESTIMATORS, Estimator, VolCohort
from flowdesk.flows.volcontrol_trigger import (
    WARMUP,
    VolTriggers,
    annualised,
    cohort_target,
    daily_variances,
    estimator_vol,
    locate_session,
    project_exposure,
    vol_trigger,
    weighted_sum,
)
from flowdesk.jsontools import jsonable
from flowdesk.results import Result

__all__ = [
    "DEFAULT_COHORTS",
    "ESTIMATORS",
    "Estimator",
    "VolCohort",
    "VolControl",
    "VolControlResult",
]


CONVENTIONS = (
    "Exposure w = min(cap, target vol / estimated vol) as a fraction of AUM; 'aggregate' "
    "is the AUM-weighted exposure of the cohorts. Volatility: daily log returns of the "
    "S&P 500 close, annualised with sqrt(252); close21/close63 = rolling RMS (zero mean), "
    "ewma94 = RiskMetrics EWMA (lambda 0.94, zero mean), max21_63 = max of the two "
    "rolling estimates (setting volcontrol_demean: mean-subtracted rolling std). Lag L: "
    "the exposure held at the close of t is the target "
    "computed from closes up to t-L. Flow = change in held exposure x AUM (AUM fixed), "
    "USD bn; positive = buying; low/base/high are AUM scenarios. Percentile (0-100) ranks "
    "the aggregate exposure against its own history since the percentile start, point "
    "in time."
)


#: Default industry mix. Targets 5/10/15% span insurance-style risk-control funds
#: (5%, no leverage, slow max(21d, 63d) estimator) through the common 10%
#: risk-control indices to 15% balanced/levered products; caps 1.0-1.5; lags 1-2.
#: The weights are a judgement call (no public breakdown exists) and sum to 1.
DEFAULT_COHORTS: tuple[VolCohort, ...] = (
    VolCohort("vc05_max", 0.05, "max21_63", cap=1.00, lag=2, weight=0.20),
    VolCohort("vc10_ewma", 0.10, "ewma94", cap=1.50, lag=1, weight=0.20),
    VolCohort("vc10_c21", 0.10, "close21", cap=1.50, lag=1, weight=0.15),
    VolCohort("vc10_max", 0.10, "max21_63", cap=1.25, lag=2, weight=0.20),
    VolCohort("vc15_c63", 0.15, "close63", cap=1.50, lag=2, weight=0.10),
    VolCohort("vc15_ewma", 0.15, "ewma94", cap=1.50, lag=1, weight=0.15),
)


def _check_cohorts(cohorts: Sequence[VolCohort]) -> tuple[VolCohort, ...]:
    items = tuple(cohorts)
    if not items:
        raise ModelError("cohorts: need at least one VolCohort")
    for c in items:
        if not isinstance(c, VolCohort):
            raise ModelError(f"cohorts: expected VolCohort items, got {type(c).__name__}")
    names = [c.name for c in items]
    if len(set(names)) != len(names) or "aggregate" in names:
        raise ModelError(f"cohorts: names must be unique and not 'aggregate', got {names}")
    total = math.fsum(c.weight for c in items)
    if abs(total - 1.0) > 1e-9:
        raise ModelError(f"cohorts: weights must sum to 1, got {total:.6g}")
    return items


def _lagged(values: np.ndarray, lag: int) -> np.ndarray:
    if lag == 0:
        return values.copy()
    out = np.full_like(values, np.nan)
    out[lag:] = values[:-lag]
    return out


@dataclass(frozen=True, eq=False)
class VolControlResult(Result):
    """Fitted vol-control positioning (conventions in the module docstring).

    Attributes
    ----------
    exposure
        Exposure held at each close, fraction of AUM: one column per cohort and
        ``aggregate`` (AUM-weighted).
    target
        The same, before the rebalance lag: the exposure each cohort wants given
        closes up to that date.
    percentile
        Point-in-time percentile (0-100) of the aggregate exposure against its
        history since ``percentile_start`` (NaN for the first 252 sessions).
    flow
        Daily rebalancing trade, USD bn, columns ``low``/``base``/``high`` (AUM
        scenarios); positive = buying.
    vol_estimates
        Annualised volatility per estimator (``close21``, ``close63``, ``ewma94``,
        ``max21_63``).
    daily_var
        Daily (unannualised) variances of ``close21``, ``close63`` and ``ewma94``:
        the state the projection and the vol triggers continue from.
    log_returns
        Daily log returns of the S&P 500 (first row NaN).
    prices
        The S&P 500 closes the model was fitted on.
    cohorts, aum, percentile_start, demean
        The model's options.
    """

    exposure: pd.DataFrame
    target: pd.DataFrame
    percentile: pd.Series
    flow: pd.DataFrame
    vol_estimates: pd.DataFrame
    daily_var: pd.DataFrame
    log_returns: pd.Series
    prices: pd.Series
    cohorts: tuple[VolCohort, ...]
    aum: AumBand
    percentile_start: pd.Timestamp
    demean: bool = False

    @property
    def asof(self) -> pd.Timestamp:
        """Date of the last close used."""
        return self.prices.index[-1]

    def triggers(
        self, amounts_bn: Sequence[float] = (5.0, 10.0, 25.0), *, asof: Any | None = None
    ) -> VolTriggers:
        """Tomorrow's S&P 500 moves forcing a rebalancing (:func:`vol_trigger`)."""
        return vol_trigger(self, amounts_bn, asof=asof)

    def at(
        self, asof: Any | None = None, *, amounts_bn: Sequence[float] = (5.0, 10.0, 25.0)
    ) -> dict[str, Any]:
        """JSON-ready snapshot on the last session on or before ``asof``.

        Returns
        -------
        dict
            ``{"model", "asof", "exposure", "percentile", "by_cohort", "vol",
            "flow_1d": {"low","base","high"}, "aum_bn", "triggers"}`` with exposures
            as fractions of AUM, vol annualised, dollars in USD bn (NaN -> None).
        """
        day = locate_session(self.prices.index, asof)
        row = self.exposure.loc[day]
        flow = self.flow.loc[day]
        try:
            trig: Any = self.triggers(amounts_bn, asof=day).to_dict()
        except ModelError as exc:
            trig = {"error": str(exc)}
        return jsonable(
            {
                "model": "VolControl",
                "asof": day,
                "exposure": _r(row["aggregate"]),
                "percentile": _r(self.percentile.loc[day], 2),
                "by_cohort": {c.name: _r(row[c.name]) for c in self.cohorts},
                "vol": {k: _r(v) for k, v in self.vol_estimates.loc[day].items()},
                "flow_1d": {k: _r(flow[k], 3) for k in ("low", "base", "high")},
                "aum_bn": self.aum.to_dict(),
                "triggers": trig,
            }
        )

    def latest(self, *, amounts_bn: Sequence[float] = (5.0, 10.0, 25.0)) -> dict[str, Any]:
        """:meth:`at` on the last fitted close."""
        return self.at(None, amounts_bn=amounts_bn)

    def positions_along(self, paths: np.ndarray) -> np.ndarray:
        """Aggregate exposure along future S&P 500 paths (projection hook for scenarios).

        Parameters
        ----------
        paths
            Future closes, shape ``(n_paths, horizon, 1)`` (or ``(n_paths, horizon)``),
            continuing after the last fitted close.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_paths, horizon)``: the aggregate exposure (fraction of AUM)
            held at each future close, equal (to rounding) to what :meth:`VolControl.fit`
            gives when that path is appended to the history. Flows are its
            differences, starting from ``exposure["aggregate"].iloc[-1]``.
        """
        return project_exposure(self, paths)

    def to_frame(self) -> pd.DataFrame:
        """One row per session: aggregate, percentile, flows, cohorts, vol estimates."""
        parts = [
            self.exposure[["aggregate"]],
            self.percentile.rename("percentile"),
            self.flow.add_prefix("flow_").add_suffix("_bn"),
            self.exposure.drop(columns="aggregate").add_prefix("exposure_"),
            self.vol_estimates.add_prefix("vol_"),
        ]
        return pd.concat(parts, axis=1)

    def _cohort_table(self, day: pd.Timestamp) -> pd.DataFrame:
        vols = self.vol_estimates.loc[day]
        return pd.DataFrame(
            [
                {
                    "cohort": c.name,
                    "target_vol": c.target_vol,
                    "estimator": c.estimator,
                    "cap": c.cap,
                    "lag": c.lag,
                    "weight": c.weight,
                    "vol_hat": vols[c.estimator],
                    "exposure": self.exposure.at[day, c.name],
                }
                for c in self.cohorts
            ]
        ).set_index("cohort")

    def summary(self) -> str:
        """Plain-text summary of the last close, with units and conventions."""
        day = self.asof
        agg = self.exposure.at[day, "aggregate"]
        flow = self.flow.loc[day]
        lines = [
            f"Vol-control positioning as of {day:%Y-%m-%d} (S&P 500 {self.prices.iloc[-1]:,.2f})",
            f"Aggregate exposure: {agg:.3f} of AUM (fraction; percentile "
            f"{self.percentile.iloc[-1]:.1f} since {self.percentile_start:%Y-%m-%d})",
            f"Flow today: {flow['base']:+,.2f} USD bn base (low {flow['low']:+,.2f}, high "
            f"{flow['high']:+,.2f}) for AUM {self.aum.low_bn:,.0f}/{self.aum.base_bn:,.0f}/"
            f"{self.aum.high_bn:,.0f} USD bn",
            "",
            self._cohort_table(day).to_string(float_format=lambda v: f"{v:.3f}"),
            "",
        ]
        try:
            lines += [self.triggers().summary(), ""]
        except ModelError as exc:
            lines += [f"Vol triggers unavailable: {exc}", ""]
        lines.append(CONVENTIONS)
        return "\n".join(lines)

    def _payload(self, **options: Any) -> dict[str, Any]:
        """The snapshot on the last close (:meth:`at`)."""
        return self.at(None)

    def _html_frame(self) -> pd.DataFrame:
        return self.to_frame().tail(10)


def _r(value: Any, digits: int = 4) -> float:
    number = float(value)
    return round(number, digits) if math.isfinite(number) else math.nan


class VolControl:
    """Vol-control funds' S&P 500 exposure and flows.

    Parameters
    ----------
    cohorts
        The industry mix; weights must sum to 1. Default :data:`DEFAULT_COHORTS`.
    aum
        Industry AUM band, USD bn; default from settings (``volcontrol_aum_*``).
    percentile_start
        First date of the history the aggregate exposure is ranked against.
    demean
        Subtract the window mean in the rolling estimators (the pre-issue-13 behaviour);
        default zero mean (RMS), as risk-control index methodologies do.

    Notes
    -----
    See the module docstring for the estimators, lag and flow conventions.
    """

    def __init__(
        self,
        cohorts: Sequence[VolCohort] = DEFAULT_COHORTS,
        *,
        aum: AumBand | None = None,
        percentile_start: Any = "1990-01-01",
        demean: bool = False,
    ) -> None:
        self.cohorts = _check_cohorts(cohorts)
        self.demean = bool(demean)
        if aum is None:
            from flowdesk.config import get_settings

            s = get_settings()
            aum = AumBand(
                s.volcontrol_aum_low_bn, s.volcontrol_aum_base_bn, s.volcontrol_aum_high_bn
            )
        if not isinstance(aum, AumBand):
            raise ConfigError(f"aum: expected an AumBand, got {type(aum).__name__}")
        self.aum = aum
        try:
            self.percentile_start = pd.Timestamp(percentile_start)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"percentile_start: invalid date {percentile_start!r}") from exc
        if pd.isna(self.percentile_start):
            raise ConfigError("percentile_start: a date is required")

    def __repr__(self) -> str:
        return (
            f"VolControl({len(self.cohorts)} cohorts, aum={self.aum.to_dict()}, "
            f"percentile_start={self.percentile_start:%Y-%m-%d})"
        )

    @property
    def min_history(self) -> int:
        """Closes needed before the aggregate exposure is first defined."""
        return WARMUP + 1 + max(c.lag for c in self.cohorts)

    def fit(self, prices: pd.Series) -> VolControlResult:
        """Exposure, percentile and flows from S&P 500 closes.

        Parameters
        ----------
        prices
            S&P 500 closes (index points) indexed by session date; positive, no gaps.

        Returns
        -------
        VolControlResult

        Raises
        ------
        DataError
            Not dated, unsorted, non-positive, missing (NaN) closes, or fewer
            closes than :attr:`min_history`.
        """
        close = _check_closes(prices, self.min_history)
        index = close.index
        panel = np.ascontiguousarray(close.to_numpy()[:, None])
        rets = np.empty_like(panel)
        kernels.lagged_return_into(panel, 1, True, rets)
        var = daily_variances(rets, demean=self.demean)
        vols = {k: annualised(v[:, 0]) for k, v in var.items()}
        vols["max21_63"] = estimator_vol("max21_63", vols)
        targets = [cohort_target(c, vols[c.estimator]) for c in self.cohorts]
        held = [_lagged(t, c.lag) for c, t in zip(self.cohorts, targets, strict=True)]
        names = [c.name for c in self.cohorts]
        target = pd.DataFrame(dict(zip(names, targets, strict=True)), index=index)
        target["aggregate"] = weighted_sum(self.cohorts, targets)
        exposure = pd.DataFrame(dict(zip(names, held, strict=True)), index=index)
        exposure["aggregate"] = weighted_sum(self.cohorts, held)
        return VolControlResult(
            exposure=exposure,
            target=target,
            percentile=self._percentile(exposure["aggregate"]),
            flow=self.aum.dollars_frame(exposure["aggregate"].diff()),
            vol_estimates=pd.DataFrame({k: vols[k] for k in ESTIMATORS}, index=index),
            daily_var=pd.DataFrame({k: v[:, 0] for k, v in var.items()}, index=index),
            log_returns=pd.Series(rets[:, 0], index=index, name="log_return"),
            prices=close,
            cohorts=self.cohorts,
            aum=self.aum,
            percentile_start=self.percentile_start,
            demean=self.demean,
        )

    def _percentile(self, aggregate: pd.Series) -> pd.Series:
        ranked = aggregate.loc[aggregate.index >= self.percentile_start].dropna()
        return expanding_percentile(ranked).reindex(aggregate.index).rename("percentile")

    def positions_along(self, result: VolControlResult, paths: np.ndarray) -> np.ndarray:
        """Same as :meth:`VolControlResult.positions_along` (the result carries the cohorts)."""
        return result.positions_along(paths)


def _check_closes(prices: pd.Series, min_rows: int) -> pd.Series:
    if isinstance(prices, pd.DataFrame) and prices.shape[1] != 1:
        raise DataError(f"prices: expected one column of S&P 500 closes, got {prices.shape[1]}")
    frame = check_prices(prices, name="prices", min_rows=min_rows)
    close = frame.iloc[:, 0].rename("close")
    gaps = close.index[close.isna().to_numpy()]
    if len(gaps):
        raise DataError(
            f"prices: {len(gaps)} missing close(s), first on {gaps[0]:%Y-%m-%d}; drop "
            "non-trading days or fill gaps before fitting"
        )
    return close
