"""Vol-control mechanics: the estimators, their continuation along paths, vol triggers.

Shared by :mod:`flowdesk.flows.volcontrol` (which fits) and the projection hook, so
that a fit and a continuation run exactly the same arithmetic:

* :func:`daily_variances` runs the numba kernels down a (time x paths) panel of
  daily log returns (rolling variances and the RiskMetrics EWMA).
* :func:`project_exposure` continues a fitted state over future paths on a small
  (lookback + horizon) x paths panel, so it reproduces a refit on each path.
* :func:`vol_trigger` solves for tomorrow's S&P 500 move that forces a given
  rebalancing. One more log return ``x`` changes each estimator in closed form:

  - rolling ``n``-day variance with the oldest return dropping out, the ``k = n - 1``
    retained returns having mean ``m`` and sum of squared deviations ``S``:
    ``var(x) = (S + k / (k + 1) * (x - m)**2) / k`` (Welford; minimum at ``x = m``).
    The default zero-mean (RMS) estimator ``var(x) = (Q + x**2) / n``, ``Q`` the sum
    of the retained squares, is the same line with ``m = 0`` and ``S = Q k / n``
    (then ``S / k + x**2 / (k + 1) = Q / n + x**2 / n``), so one solver serves both;
  - EWMA: ``var(x) = 0.94 var_T + 0.06 x**2`` (minimum at ``x = 0``).

  Every estimate is non-decreasing in ``x`` above the largest of these minima and
  non-increasing below the smallest, so the aggregate target is monotone there and
  bisection on a sign change is exact; the narrow zone between the minima (a few
  basis points) is scanned on a fine grid first.

The forced trade is the change in the aggregate *target* caused by tomorrow's close
``T+1``: ``sum_c weight_c (target_c(T+1) - target_c(T)) x AUM``. A cohort with lag
``L`` executes its part at the close of session ``T+1+L`` (lag 1: the session after
the target changes); the split by session is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.flows import kernels
from flowdesk.flows.common import AumBand, Band
from flowdesk.flows.volcontrol_cohort import VolCohort
from flowdesk.jsontools import jsonable
from flowdesk.results import Result

__all__ = [
    "FittedVolControl",
    "TriggerLevel",
    "VolTriggers",
    "locate_session",
    "project_exposure",
    "vol_trigger",
]

#: Trading sessions per year used to annualise daily volatility.
ANNUALISATION = 252
#: RiskMetrics decay of the ``ewma94`` estimator.
EWMA_LAMBDA = 0.94
#: Rolling windows (in returns) of the close-to-close estimators.
WINDOWS = {"close21": 21, "close63": 63}
#: Returns needed before every estimator is reported (also the ``ewma94`` warm-up).
WARMUP = 63
_FINE = 129  # grid points across the non-monotone zone around zero

# --- what the mechanics read -------------------------------------------------------
# A protocol rather than the result class of flowdesk.flows.volcontrol, so that the
# dependency runs one way: volcontrol imports this module, never the reverse.


class FittedVolControl(Protocol):
    """A fitted state (:class:`~flowdesk.flows.volcontrol.VolControlResult`)."""

    @property
    def prices(self) -> pd.Series:
        """S&P 500 closes fitted on (index points)."""

    @property
    def log_returns(self) -> pd.Series:
        """Daily log returns of those closes (first row NaN)."""

    @property
    def daily_var(self) -> pd.DataFrame:
        """Daily variances of ``close21``, ``close63`` and ``ewma94``."""

    @property
    def target(self) -> pd.DataFrame:
        """Exposure each cohort wants before its lag (fraction of AUM)."""

    @property
    def cohorts(self) -> Sequence[VolCohort]:
        """The industry mix."""

    @property
    def aum(self) -> AumBand:
        """Industry AUM band, USD bn."""

    @property
    def demean(self) -> bool:
        """Whether the rolling estimators subtract the window mean (default: zero mean)."""


def locate_session(sessions: pd.DatetimeIndex, asof: Any | None) -> pd.Timestamp:
    """The last of ``sessions`` on or before ``asof`` (``None``: the last one).

    Raises
    ------
    ConfigError
        ``asof`` is not a date.
    DataError
        ``asof`` is before the first session.
    """
    if asof is None:
        return sessions[-1]
    try:
        stamp = pd.Timestamp(asof)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"asof: invalid date {asof!r}") from exc
    pos = sessions.searchsorted(stamp, side="right") - 1
    if pos < 0:
        raise DataError(f"asof {stamp:%Y-%m-%d} is before the first close")
    return sessions[pos]


# --- estimators (shared by fit and every continuation) ------------------------------


def annualised(daily_var: np.ndarray) -> np.ndarray:
    """Annualised volatility from a daily variance: ``sqrt(252 * var)``.

    A variance rounded a hair below zero (a flat tape's running sums cancel to
    about -1e-20) is zero, not NaN; a missing variance stays NaN.
    """
    return np.sqrt(np.maximum(daily_var, 0.0) * ANNUALISATION)


def estimator_vol(name: str, vols: dict[str, np.ndarray]) -> np.ndarray:
    """Estimate ``name`` from the annualised close21/close63/ewma94 estimates."""
    if name == "max21_63":
        return np.maximum(vols["close21"], vols["close63"])
    return vols[name]


def cohort_target(cohort: VolCohort, vol: np.ndarray) -> np.ndarray:
    """``min(cap, target_vol / vol)``; a zero estimate gives the cap, NaN stays NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(vol > 0.0, cohort.target_vol / vol, np.inf)
    return np.where(np.isnan(vol), np.nan, np.minimum(cohort.cap, ratio))


def weighted_sum(cohorts: Sequence[VolCohort], values: Sequence[np.ndarray]) -> np.ndarray:
    """AUM-weighted sum of per-cohort arrays, added in cohort order."""
    total = cohorts[0].weight * values[0]
    for c, v in zip(cohorts[1:], values[1:], strict=True):
        total = total + c.weight * v
    return total


def base_estimators(cohorts: Iterable[VolCohort]) -> set[str]:
    """The base estimators (close21, close63, ewma94) the cohorts need."""
    needed: set[str] = set()
    for c in cohorts:
        needed |= {"close21", "close63"} if c.estimator == "max21_63" else {c.estimator}
    return needed


def daily_variances(
    log_returns: np.ndarray,
    needed: Iterable[str] = ("close21", "close63", "ewma94"),
    demean: bool = False,
) -> dict[str, np.ndarray]:
    """Daily variances of the base estimators down each column of a returns panel.

    ``close21``/``close63`` are zero-mean, as risk-control index methodologies
    define realised variance: ``(pd.DataFrame(r)**2).rolling(n).mean()``; with
    ``demean`` they are ``pd.DataFrame(r).rolling(n).var()`` (ddof 1). ``ewma94``
    equals ``pd.DataFrame(r**2).ewm(alpha=0.06, adjust=False, min_periods=63).mean()``.
    """
    out: dict[str, np.ndarray] = {}
    squares = None if demean else np.square(log_returns)
    for name, window in WINDOWS.items():
        if name in needed:
            out[name] = np.empty_like(log_returns)
            if squares is None:
                kernels.rolling_var_into(log_returns, window, window, 1, out[name])
            else:
                kernels.rolling_sum_into(squares, window, window, out[name])
                out[name] /= window
    if "ewma94" in needed:
        out["ewma94"] = np.empty_like(log_returns)
        alpha = 1.0 - EWMA_LAMBDA
        kernels.ewm_mean_into(np.square(log_returns), alpha, False, False, WARMUP, out["ewma94"])
    return out


# --- projection along paths ---------------------------------------------------------


def _path_panel(paths: np.ndarray) -> np.ndarray:
    arr = np.asarray(paths, dtype=np.float64)
    if arr.ndim == 3:
        if arr.shape[2] != 1:
            raise DataError(f"paths: last axis must have size 1 (the S&P 500), got {arr.shape}")
        arr = arr[:, :, 0]
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise DataError(f"paths: expected shape (n_paths, horizon, 1), got {np.shape(paths)}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise DataError("paths: closes must be finite and positive")
    return arr


def project_exposure(result: FittedVolControl, paths: np.ndarray) -> np.ndarray:
    """Aggregate exposure held along future S&P 500 paths.

    Parameters
    ----------
    result
        A fitted result; the paths continue after its last close ``T``.
    paths
        Future closes, shape ``(n_paths, horizon, 1)`` or ``(n_paths, horizon)``.

    Returns
    -------
    numpy.ndarray
        ``(n_paths, horizon)`` aggregate exposure (fraction of AUM) at the closes
        ``T+1 ... T+horizon``: what ``fit`` returns on the history with the path
        appended. A lag-``L`` cohort's first ``L`` sessions use targets the history
        already fixed.
    """
    future = _path_panel(paths)
    n_paths, horizon = future.shape
    prices = np.empty((horizon + 1, n_paths))
    prices[0] = result.prices.iloc[-1]
    prices[1:] = future.T
    rets = np.empty_like(prices)
    kernels.lagged_return_into(prices, 1, True, rets)
    vols = _path_vols(result, rets[1:], base_estimators(result.cohorts))
    held = []
    for c in result.cohorts:
        target = cohort_target(c, estimator_vol(c.estimator, vols))
        past = result.target[c.name].to_numpy()
        rows = np.empty((horizon, n_paths))
        known = min(c.lag, horizon)
        rows[:known] = past[len(past) - c.lag : len(past) - c.lag + known, None]
        rows[known:] = target[: horizon - known]
        held.append(rows)
    aggregate = weighted_sum(result.cohorts, held)
    if np.isnan(aggregate).any():
        raise ModelError("positions_along: the fitted history is too short to continue")
    return np.ascontiguousarray(aggregate.T)


def _path_vols(
    result: FittedVolControl, path_r: np.ndarray, needed: set[str]
) -> dict[str, np.ndarray]:
    """Annualised estimates at each path close, continuing the fitted state."""
    horizon, n_paths = path_r.shape
    hist = result.log_returns.to_numpy()
    vols: dict[str, np.ndarray] = {}
    for name, window in WINDOWS.items():
        if name in needed:
            keep = window - 1
            panel = np.empty((keep + horizon, n_paths))
            panel[:keep] = hist[-keep:, None]
            panel[keep:] = path_r
            vols[name] = annualised(daily_variances(panel, (name,), result.demean)[name][keep:])
    if "ewma94" in needed:
        # An adjust=False EWMA seeded with the fitted state repeats fit's recursion.
        x = np.empty((horizon + 1, n_paths))
        x[0] = result.daily_var["ewma94"].iloc[-1]
        x[1:] = np.square(path_r)
        var = np.empty_like(x)
        kernels.ewm_mean_into(x, 1.0 - EWMA_LAMBDA, False, False, 0, var)
        vols["ewma94"] = annualised(var[1:])
    return vols


# --- one-day vol triggers -----------------------------------------------------------


@dataclass(frozen=True)
class TriggerLevel:
    """Moves of tomorrow's close that force one rebalancing amount.

    Attributes
    ----------
    side
        ``"sell"``: ``down``/``up`` are the smallest fall and rise forcing a sale of
        at least ``amount_bn``. ``"buy"``: a purchase of at least ``amount_bn`` is
        forced when tomorrow's return lies in ``[down, up]``.
    amount_bn
        USD bn at base AUM.
    down, up
        Simple returns of tomorrow's close vs today's (NaN if none within the limit).
    down_level, up_level
        The matching S&P 500 closes.
    schedule_down, schedule_up
        USD bn (base AUM) of the forced trade executed on each session ``"T+k"``.
    reason
        Why a side is NaN or clipped, else ``None``.
    """

    side: str
    amount_bn: float
    down: float
    up: float
    down_level: float
    up_level: float
    schedule_down: dict[str, float] = field(default_factory=dict)
    schedule_up: dict[str, float] = field(default_factory=dict)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; a leg is ``None`` or ``{"return", "level", "schedule_bn"}``."""

        def leg(ret: float, level: float, schedule: dict[str, float]) -> Any:
            if math.isnan(ret):
                return None
            rounded = {k: round(v, 3) for k, v in schedule.items()}
            return {"return": round(ret, 6), "level": round(level, 2), "schedule_bn": rounded}

        down = leg(self.down, self.down_level, self.schedule_down)
        up = leg(self.up, self.up_level, self.schedule_up)
        return jsonable(
            {"amount_bn": self.amount_bn, "down": down, "up": up, "reason": self.reason}
        )


@dataclass(frozen=True)
class VolTriggers(Result):
    """One-day vol triggers as of ``asof`` (module docstring for the definitions).

    Attributes
    ----------
    asof, close
        Session solved from and its S&P 500 close.
    levels
        :class:`TriggerLevel` s, sells then buys, one per amount.
    flat_tape
        Forced trade if tomorrow's close equals today's (USD bn, AUM scenarios).
    max_buy, max_buy_return
        Largest purchase a one-day move can force (USD bn) and the return giving it.
    committed
        Trades on ``"T+1" ... "T+max lag"`` already fixed by targets up to ``T``.
    base_aum_bn, max_move
        AUM behind the amounts; largest |simple return| searched.
    """

    asof: pd.Timestamp
    close: float
    levels: tuple[TriggerLevel, ...]
    flat_tape: Band
    max_buy: Band
    max_buy_return: float
    committed: dict[str, Band]
    base_aum_bn: float
    max_move: float

    def to_frame(self) -> pd.DataFrame:
        """One row per (side, amount): returns, levels and reason."""
        keys = ("side", "amount_bn", "down", "up", "down_level", "up_level", "reason")
        rows = [{k: getattr(lv, k) for k in keys} for lv in self.levels]
        return pd.DataFrame(rows).set_index(["side", "amount_bn"])

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Levels and trades (shape in :meth:`flowdesk.flows.volcontrol.VolControlResult.at`)."""
        basis = (
            f"base AUM {self.base_aum_bn:g} USD bn; move = tomorrow's close vs today's "
            f"(simple return), searched within ±{self.max_move:.0%}; lag-L cohorts trade "
            "on session T+1+L"
        )
        max_buy = {**self.max_buy.to_dict(), "at_return": round(self.max_buy_return, 6)}
        return {
            "asof": self.asof,
            "close": round(self.close, 2),
            "basis": basis,
            "flat_tape_bn": self.flat_tape.to_dict(),
            "max_buy_bn": max_buy,
            "committed_bn": {k: b.to_dict() for k, b in self.committed.items()},
            "sell": [lv.to_dict() for lv in self.levels if lv.side == "sell"],
            "buy": [lv.to_dict() for lv in self.levels if lv.side == "buy"],
        }

    def summary(self) -> str:
        """Plain-text table with units."""
        frame = self.to_frame()[["down", "up", "down_level", "up_level"]]
        head = (
            f"Vol triggers as of {self.asof:%Y-%m-%d} (close {self.close:,.2f}; amounts in "
            f"USD bn at base AUM {self.base_aum_bn:,.0f}): sell = smallest fall/rise tomorrow "
            "forcing that sale; buy = range of returns forcing at least that purchase. A "
            "cohort with lag L trades on session T+1+L."
        )
        tail = (
            f"Flat tape tomorrow: {self.flat_tape.base:+,.2f} USD bn; largest one-day forced "
            f"purchase {self.max_buy.base:+,.2f} USD bn (at {self.max_buy_return:+.4%})."
        )
        return "\n".join([head, frame.to_string(float_format=lambda v: f"{v:,.4f}"), tail])


def _bisect(g: Callable[[np.ndarray], np.ndarray], a: float, b: float) -> float:
    """Boundary between ``g(a) < 0`` and ``g(b) >= 0`` (g continuous), to one ulp."""
    for _ in range(200):
        mid = 0.5 * (a + b)
        if mid in (a, b):
            break
        if g(np.array([mid]))[0] >= 0:
            b = mid
        else:
            a = mid
    return b


def _first_hit(g: Callable[[np.ndarray], np.ndarray], grid: Sequence[float]) -> float | None:
    """First point along ``grid`` (scan order) where ``g >= 0``, refined by bisection."""
    points = np.asarray(grid, dtype=float)
    hit = np.flatnonzero(g(points) >= 0)
    if hit.size == 0:
        return None
    i = int(hit[0])
    return float(points[0]) if i == 0 else _bisect(g, float(points[i - 1]), float(points[i]))


def _fine(start: float, stop: float) -> list[float]:
    return list(np.linspace(start, stop, _FINE)) if start != stop else [start]


@dataclass(frozen=True)
class _OneDay:
    """State at ``T``; tomorrow's forced trade as a function of its log return ``x``."""

    cohorts: tuple[VolCohort, ...]
    targets: np.ndarray  # target per cohort at T
    windows: dict[str, tuple[float, float, int]]  # name -> (mean, sum sq dev, k) retained
    ewma_var: float
    close: float
    aum_bn: float
    max_move: float

    def deltas(self, x: np.ndarray) -> list[np.ndarray]:
        """Per-cohort change of target (fraction of AUM)."""
        vols = {
            name: annualised((ssd + k / (k + 1) * (x - mean) ** 2) / k)
            for name, (mean, ssd, k) in self.windows.items()
        }
        decay, alpha = EWMA_LAMBDA, 1.0 - EWMA_LAMBDA  # the kernel's adjust=False update
        vols["ewma94"] = annualised((decay * self.ewma_var + alpha * x * x) / (decay + alpha))
        return [
            cohort_target(c, estimator_vol(c.estimator, vols)) - t
            for c, t in zip(self.cohorts, self.targets, strict=True)
        ]

    def trade_bn(self, x: np.ndarray) -> np.ndarray:
        """Forced trade at base AUM, USD bn (positive = buying)."""
        return weighted_sum(self.cohorts, self.deltas(x)) * self.aum_bn

    @property
    def zone(self) -> tuple[float, float]:
        """Interval holding every estimator's minimum; monotone outside it."""
        minima = [0.0] + [m for m, _, _ in self.windows.values()]
        return min(minima), max(minima)

    @property
    def limits(self) -> tuple[float, float]:
        return math.log1p(-self.max_move), math.log1p(self.max_move)

    def schedule(self, x: float) -> dict[str, float]:
        out: dict[str, float] = {}
        for c, d in sorted(
            zip(self.cohorts, self.deltas(np.array([x])), strict=True), key=lambda pair: pair[0].lag
        ):
            key = f"T+{1 + c.lag}"
            out[key] = out.get(key, 0.0) + c.weight * float(d[0]) * self.aum_bn
        return out

    def level(
        self, side: str, amount: float, down: float | None, up: float | None, reason: str | None
    ) -> TriggerLevel:
        def leg(x: float | None) -> tuple[float, float, dict[str, float]]:
            if x is None:
                return math.nan, math.nan, {}
            return math.expm1(x), self.close * math.exp(x), self.schedule(x)

        (d_ret, d_lvl, d_sch), (u_ret, u_lvl, u_sch) = leg(down), leg(up)
        return TriggerLevel(side, amount, d_ret, u_ret, d_lvl, u_lvl, d_sch, u_sch, reason)

    def sell(self, amount: float) -> TriggerLevel:
        """Smallest fall and rise forcing a sale of ``amount`` (scan outward from 0)."""
        lo, hi = self.zone
        x_min, x_max = self.limits

        def g(x: np.ndarray) -> np.ndarray:
            return -amount - self.trade_bn(x)

        down = _first_hit(g, [*_fine(0.0, lo), x_min])
        up = _first_hit(g, [*_fine(0.0, hi), x_max])
        reason = None
        if down is None or up is None:
            worst = -float(self.trade_bn(np.array([x_min, x_max])).min())
            reason = (
                f"no move within ±{self.max_move:.0%} forces selling {amount:g} USD bn "
                f"(largest forced sale there: {worst:,.2f})"
            )
        return self.level("sell", amount, down, up, reason)

    def buy(self, amount: float, peak: float) -> TriggerLevel:
        """Range of returns forcing a purchase of ``amount`` (scan inward to the peak)."""

        def g(x: np.ndarray) -> np.ndarray:
            return self.trade_bn(x) - amount

        if g(np.array([peak]))[0] < 0:
            return self.level(
                "buy", amount, None, None, f"no one-day move forces buying {amount:g} USD bn"
            )
        lo, hi = self.zone
        x_min, x_max = self.limits
        down = _first_hit(g, [x_min, *_fine(min(lo, peak), peak)])
        up = _first_hit(g, [x_max, *_fine(max(hi, peak), peak)])
        reason = None
        if down == x_min or up == x_max:
            reason = f"buying {amount:g} USD bn even after a {self.max_move:.0%} move; clipped"
        return self.level("buy", amount, down, up, reason)


def _state(result: FittedVolControl, pos: int, max_move: float) -> _OneDay:
    targets = result.target.iloc[pos][[c.name for c in result.cohorts]].to_numpy(float)
    ewma = float(result.daily_var["ewma94"].iloc[pos])
    if np.isnan(targets).any() or math.isnan(ewma):
        day = result.target.index[pos]
        raise ModelError(f"vol trigger: estimators are still warming up on {day:%Y-%m-%d}")
    hist = result.log_returns.to_numpy()[: pos + 1]
    windows = {}
    for name, window in WINDOWS.items():
        kept = hist[len(hist) - (window - 1) :]
        if result.demean:
            mean = float(np.mean(kept))
            windows[name] = (mean, float(np.sum((kept - mean) ** 2)), window - 1)
        else:  # zero mean: m = 0, S = Q k / n (module docstring)
            windows[name] = (0.0, float(np.sum(kept**2)) * (window - 1) / window, window - 1)
    close = float(result.prices.iloc[pos])
    return _OneDay(
        tuple(result.cohorts), targets, windows, ewma, close, result.aum.base_bn, max_move
    )


def vol_trigger(
    result: FittedVolControl,
    amounts_bn: Sequence[float] = (5.0, 10.0, 25.0),
    *,
    asof: Any | None = None,
    max_move: float = 0.25,
) -> VolTriggers:
    """Tomorrow's S&P 500 moves that force vol-control funds to sell or buy an amount.

    Parameters
    ----------
    result
        A fitted state, e.g. a :class:`~flowdesk.flows.volcontrol.VolControlResult`.
    amounts_bn
        Positive amounts, USD bn at base AUM.
    asof
        Session to solve from (the last one on or before); default the last close.
    max_move
        Largest |simple return| searched; beyond it a side is NaN with a reason.

    Returns
    -------
    VolTriggers
        Sell levels (a big move either way raises the estimates, so both the
        smallest fall and the smallest rise are given), buy ranges, and each forced
        trade's split over the sessions ``T+1+lag`` on which it is executed.
    """
    amounts = [float(a) for a in amounts_bn]
    if not amounts or not all(math.isfinite(a) and a > 0 for a in amounts):
        raise ConfigError(f"amounts_bn: expected positive numbers, got {list(amounts_bn)}")
    if not 0.0 < max_move < 1.0:
        raise ConfigError(f"max_move: must be in (0, 1), got {max_move}")
    day = locate_session(result.prices.index, asof)
    pos = int(result.prices.index.get_loc(day))
    state = _state(result, pos, max_move)
    # The largest purchase sits where the estimates are lowest, inside the zone.
    zone = np.array([*_fine(*state.zone), 0.0])
    buys = state.trade_bn(zone)
    peak = float(zone[int(np.argmax(buys))])
    levels = [state.sell(a) for a in amounts] + [state.buy(a, peak) for a in amounts]
    flat = float(state.trade_bn(np.array([0.0]))[0]) / state.aum_bn
    return VolTriggers(
        asof=day,
        close=state.close,
        levels=tuple(levels),
        flat_tape=result.aum.dollars(flat),
        max_buy=result.aum.dollars(float(buys.max()) / state.aum_bn),
        max_buy_return=math.expm1(peak),
        committed=_committed(result, pos),
        base_aum_bn=state.aum_bn,
        max_move=max_move,
    )


def _committed(result: FittedVolControl, pos: int) -> dict[str, Band]:
    """Trades on ``T+k`` already fixed by targets up to ``T`` (cohorts with lag >= k)."""
    out: dict[str, Band] = {}
    for k in range(1, max(c.lag for c in result.cohorts) + 1):
        total = 0.0
        for c in result.cohorts:
            if c.lag >= k:
                t = result.target[c.name].to_numpy()
                total += c.weight * (t[pos + k - c.lag] - t[pos + k - 1 - c.lag])
        out[f"T+{k}"] = result.aum.dollars(total)
    return out
