"""Trend signals of the CTA model: EWMAC crossovers and TSMOM signs per window.

Everything works on price *levels and differences*, never on log returns, the
way pysystemtrade treats futures: WTI spot printed -36.98 on 2020-04-20 and a
difference-based signal goes straight through it.

For a window ``w`` with EWMA spans ``fast``/``slow``, forecast scalar ``c`` and
lookback ``h`` sessions, on a price panel ``p`` (dates x assets)::

    sigma   = p.diff().ewm(span=35, min_periods=10).std()      # price units / session
    ewmac_w = ((p.ewm(span=fast).mean() - p.ewm(span=slow).mean())
               / sigma.shift(1) * c).clip(-20, 20)              # 0 where fast == slow
    tsmom_w = np.sign(p - p.shift(h))                           # -1, 0, +1
    f_w     = 0.5 * ewmac_w + 0.5 * 10 * tsmom_w                # window forecast
    F       = (fdm * mean_w(f_w)).clip(-20, 20)                 # combined forecast

All EWMAs are pandas ``adjust=True`` (configurable), ``ignore_na=False``. The
normaliser is *yesterday's* sigma, so a forecast is linear in today's price:
a big day enters the signal once (through the EWMAs) instead of also shrinking
its own signal through the vol estimate, and the next-session pivot solves a
linear equation. A window speaks only where ``p_t``, ``p_{t-h}`` and
``sigma_{t-1}`` all exist; the combined forecast needs every window.

The numba path reuses :mod:`flowdesk.flows.kernels` for every EWMA; the kernels
here only fuse the element-wise steps. :func:`pandas_forecasts` is the slow,
obvious pandas version the benchmark compares against (the tests keep their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np
import pandas as pd

from flowdesk.errors import ModelError
from flowdesk.flows import kernels as k

__all__ = [
    "DEFAULT_WINDOWS",
    "HORIZON_LABELS",
    "TrendForecasts",
    "TrendSpec",
    "TrendWindow",
    "ewm_weight_into",
    "forecast_params",
    "pandas_forecasts",
    "trend_forecasts",
    "tsmom_signs",
]


@dataclass(frozen=True)
class TrendWindow:
    """One trend horizon: an EWMA crossover and a time-series-momentum lookback.

    Attributes
    ----------
    name
        Label, e.g. ``"3m"``.
    fast, slow
        EWMA spans (sessions) of the crossover; ``fast < slow``.
    scalar
        Forecast scalar that brings the average absolute EWMAC forecast to 10.
    lookback
        TSMOM lookback in sessions: the signal is ``sign(p_t - p_{t-lookback})``.
    """

    name: str
    fast: int
    slow: int
    scalar: float
    lookback: int

    def __post_init__(self) -> None:
        if not 1 <= self.fast < self.slow:
            raise ModelError(
                f"window {self.name}: need 1 <= fast < slow, got {self.fast}/{self.slow}"
            )
        if self.lookback < 1:
            raise ModelError(f"window {self.name}: lookback must be >= 1, got {self.lookback}")
        if not (np.isfinite(self.scalar) and self.scalar > 0):
            raise ModelError(f"window {self.name}: scalar must be positive, got {self.scalar}")


#: pysystemtrade's EWMAC pairs and scalars with the matching TSMOM lookbacks.
DEFAULT_WINDOWS: tuple[TrendWindow, ...] = (
    TrendWindow("1m", 8, 32, 5.3, 21),
    TrendWindow("3m", 16, 64, 3.75, 63),
    TrendWindow("6m", 32, 128, 2.65, 126),
    TrendWindow("12m", 64, 256, 1.87, 252),
)

#: Desk horizon labels of the default windows (6m keeps its own name).
HORIZON_LABELS: dict[str, str] = {"1m": "short", "3m": "medium", "6m": "6m", "12m": "long"}


@dataclass(frozen=True)
class TrendSpec:
    """Signal options shared by the fit, the pivots and the path projection.

    Attributes
    ----------
    windows
        Trend windows, blended with equal weights.
    vol_span, vol_min_periods
        EWMA std of daily price differences (span, minimum observations).
    adjust
        pandas ``adjust`` of the price EWMAs (the vol EWMA is always ``adjust=True``).
    tsmom_weight
        Weight of ``10 * sign`` in a window forecast; the EWMAC gets the rest.
    fdm
        Forecast diversification multiplier applied to the window average.
    cap
        Absolute cap of every forecast (EWMAC per window and combined).
    """

    windows: tuple[TrendWindow, ...] = DEFAULT_WINDOWS
    vol_span: int = 35
    vol_min_periods: int = 10
    adjust: bool = True
    tsmom_weight: float = 0.5
    fdm: float = 1.45
    cap: float = 20.0

    def __post_init__(self) -> None:
        if not self.windows:
            raise ModelError("need at least one trend window")
        names = [w.name for w in self.windows]
        if len(set(names)) != len(names):
            raise ModelError(f"window names must be unique, got {names}")
        if self.vol_span < 1 or self.vol_min_periods < 2:
            raise ModelError("vol_span must be >= 1 and vol_min_periods >= 2")
        if not 0.0 <= self.tsmom_weight <= 1.0:
            raise ModelError(f"tsmom_weight must be in [0, 1], got {self.tsmom_weight}")
        if not (self.fdm > 0 and self.cap > 0):
            raise ModelError("fdm and cap must be positive")

    @property
    def spans(self) -> tuple[int, ...]:
        """Distinct EWMA spans of all windows, sorted."""
        return tuple(sorted({s for w in self.windows for s in (w.fast, w.slow)}))

    @property
    def max_lookback(self) -> int:
        """Longest TSMOM lookback (sessions)."""
        return max(w.lookback for w in self.windows)


@dataclass(frozen=True)
class TrendForecasts:
    """Arrays of one signal run over a (T x N) panel.

    Attributes
    ----------
    sigma
        EWMA std of price differences through each date (price units per
        session, *not* lagged; the forecast at ``t`` divides by ``sigma[t-1]``).
    ewmac
        ``(n_windows, T, N)`` capped scaled EWMAC forecasts. The TSMOM signs are
        not stored: :func:`tsmom_signs` rebuilds them from prices and this NaN
        pattern (a window's EWMAC and TSMOM exist on the same dates).
    forecast
        ``(T, N)`` combined capped forecast.
    """

    sigma: np.ndarray
    ewmac: np.ndarray
    forecast: np.ndarray


#: What the forecast kernels read of a :class:`TrendSpec`: ``(fast_idx, slow_idx,
#: scalars, lookbacks, tsmom_weight, fdm, cap)``; the index arrays point into
#: ``spec.spans``.
ForecastParams = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float, float]


def forecast_params(spec: TrendSpec) -> ForecastParams:
    """The windows and blend options of ``spec`` as the numba kernels take them.

    Parameters
    ----------
    spec
        Signal options.

    Returns
    -------
    ForecastParams
        Per window the positions of its fast and slow spans in ``spec.spans``,
        its scalar and its lookback; then ``tsmom_weight``, ``fdm`` and ``cap``.
        The fit and the path projection both read this one tuple, so they
        cannot disagree about the windows.
    """
    pos = {s: i for i, s in enumerate(spec.spans)}
    return (
        np.array([pos[w.fast] for w in spec.windows], dtype=np.int64),
        np.array([pos[w.slow] for w in spec.windows], dtype=np.int64),
        np.array([w.scalar for w in spec.windows]),
        np.array([w.lookback for w in spec.windows], dtype=np.int64),
        spec.tsmom_weight,
        spec.fdm,
        spec.cap,
    )


def ewm_weight_into(
    x: np.ndarray, decay: float, adjust: bool, ignore_na: bool, out: np.ndarray
) -> None:
    """Weight state ``old_wt`` of :func:`~flowdesk.flows.kernels.ewm_mean_into` after each row.

    With ``adjust=True`` this is the sum of the weights of all observations so
    far, ``sum_{s <= t observed} decay**(t - s)``, i.e.
    ``pd.DataFrame(np.where(np.isnan(x), np.nan, 1.0)).ewm(alpha=1 - decay,
    ignore_na=ignore_na).sum()``. With ``adjust=False`` it is 1 after an
    observation and ``decay**k`` after ``k`` missing rows (1 if ``ignore_na``).
    NaN before the first observation. The recursion is the kernels' own, so a
    state rebuilt from it continues their EWMAs bit for bit. Passing
    ``decay * decay`` gives the ``sum_wt2`` state of the EW variance kernel.
    """
    k.run_into(_ewm_weight_cols, k.input_panel(x), out, float(decay), bool(adjust),
               bool(ignore_na))


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _ewm_weight_cols(
    lo: int, hi: int, x: np.ndarray, decay: float, adjust: bool, ignore_na: bool, out: np.ndarray
) -> None:  # pragma: no cover - compiled; see ewm_weight_into
    n_t = x.shape[0]
    for j in range(lo, hi):
        w = np.nan
        for t in range(n_t):
            obs = x[t, j] == x[t, j]
            if w == w:
                if obs or not ignore_na:
                    w *= decay
                    if obs:
                        w = w + 1.0 if adjust else 1.0
            elif obs:
                w = 1.0
            out[t, j] = w


@nb.njit(cache=True, inline="always", error_model="numpy")
def window_value(
    price: float, lagged: float, raw: float, sig: float, scalar: float, cap: float
) -> tuple[float, float]:
    """(EWMAC forecast, TSMOM sign) of one window at one date; shared with the projection."""
    if price != price or lagged != lagged or sig != sig:
        return np.nan, np.nan
    diff = price - lagged
    s = 1.0 if diff > 0 else (-1.0 if diff < 0 else 0.0)
    if raw == 0.0:
        return 0.0, s
    e = raw / sig * scalar  # sig == 0 gives +-inf, clipped to the cap
    return min(max(e, -cap), cap), s


@nb.njit(cache=True, inline="always", error_model="numpy")
def blend_value(ewmac: float, sign: float, tsmom_weight: float) -> float:
    """Window forecast: ``(1 - tsmom_weight) * ewmac + tsmom_weight * 10 * sign``."""
    return (1.0 - tsmom_weight) * ewmac + tsmom_weight * 10.0 * sign


@nb.njit(cache=True, inline="always", error_model="numpy")
def cap_value(value: float, cap: float) -> float:
    """``value`` clipped to ``[-cap, cap]`` (NaN stays NaN)."""
    if value != value:
        return np.nan
    return min(max(value, -cap), cap)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _forecast_cols(
    lo0: int,
    hi0: int,
    p: np.ndarray,
    ewmas: np.ndarray,
    sigma: np.ndarray,
    params: ForecastParams,
    ewmac_out: np.ndarray,
    forecast_out: np.ndarray,
) -> None:  # pragma: no cover - compiled; see _forecast_into
    # One pass over all windows: ewmac_out[w] and forecast_out equal the `ewmac` and
    # `forecast` of pandas_forecasts (module docstring); the TSMOM signs are used, not
    # stored (the lagged rows are cache-hot).
    # Assets innermost so the loop vectorises.
    fast_idx, slow_idx, scalars, lookbacks, tsmom_weight, fdm, cap = params
    n_t = p.shape[0]
    n_w = scalars.size
    for lo in range(lo0, hi0, k._BLOCK):  # the column blocks of the kernels
        hi = min(lo + k._BLOCK, hi0)
        total = np.empty(hi - lo)
        nan_row = np.full(hi - lo, np.nan)
        for t in range(n_t):
            total[:] = 0.0
            sig = sigma[t - 1, lo:hi] if t >= 1 else nan_row
            price = p[t, lo:hi]
            for w in range(n_w):
                h = lookbacks[w]
                lagged = p[t - h, lo:hi] if t >= h else nan_row
                fast = ewmas[fast_idx[w], t, lo:hi]
                slow = ewmas[slow_idx[w], t, lo:hi]
                out = ewmac_out[w, t, lo:hi]
                for j in range(hi - lo):
                    e, s = window_value(price[j], lagged[j], fast[j] - slow[j], sig[j],
                                        scalars[w], cap)
                    out[j] = e
                    total[j] += blend_value(e, s, tsmom_weight)
            res = forecast_out[t, lo:hi]
            for j in range(hi - lo):
                res[j] = cap_value(fdm * (total[j] / n_w), cap)


def _forecast_into(
    p: np.ndarray,
    ewmas: np.ndarray,
    sigma: np.ndarray,
    params: ForecastParams,
    ewmac_out: np.ndarray,
    forecast_out: np.ndarray,
) -> None:
    # Threads over column blocks of _forecast_cols (see flowdesk.flows.kernels).
    k.run_into(_forecast_cols, k.input_panel(p), forecast_out, k.input_panel(ewmas),
               k.input_panel(sigma), params, ewmac_out)


def as_panel(prices: pd.DataFrame | np.ndarray) -> np.ndarray:
    """C-contiguous float64 (T x N) array of a panel (no copy when already one)."""
    arr = prices.to_numpy(dtype=np.float64) if isinstance(prices, pd.DataFrame) else prices
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim != 2:
        raise ModelError(f"expected a (dates x assets) panel, got {arr.ndim} dimensions")
    return np.ascontiguousarray(arr)


def price_ewmas(
    p: np.ndarray, spans: Sequence[int], adjust: bool, out: np.ndarray | None = None
) -> np.ndarray:
    """``(n_spans, T, N)``: ``p.ewm(span=s, adjust=adjust).mean()`` per span (numba kernel)."""
    if out is None:
        out = np.empty((len(spans), *p.shape))
    for i, span in enumerate(spans):
        k.ewm_mean_into(p, k.span_to_alpha(span), adjust, False, 0, out[i])
    return out


def price_diff_vol(p: np.ndarray, spec: TrendSpec, scratch: np.ndarray | None = None) -> np.ndarray:
    """``p.diff().ewm(span=vol_span, min_periods=vol_min_periods).std()`` (not lagged)."""
    d = np.empty_like(p) if scratch is None else scratch
    d[0] = np.nan
    np.subtract(p[1:], p[:-1], out=d[1:])
    out = np.empty_like(p)
    k.ewm_var_into(d, k.span_to_alpha(spec.vol_span), True, False, spec.vol_min_periods, False, out)
    np.sqrt(out, out=out)
    return out


def tsmom_signs(p: np.ndarray, ewmac: np.ndarray, lookback: int) -> np.ndarray:
    """``np.sign(p - p.shift(lookback))`` where the window's EWMAC exists, else NaN."""
    out = np.full_like(p, np.nan)
    if lookback < len(p):
        np.sign(p[lookback:] - p[:-lookback], out=out[lookback:])
    out[np.isnan(ewmac)] = np.nan
    return out


def trend_forecasts(
    prices: pd.DataFrame | np.ndarray, spec: TrendSpec | None = None
) -> TrendForecasts:
    """EWMAC and combined forecasts of every asset (numba path).

    Parameters
    ----------
    prices
        (dates x assets) prices; NaN marks a missing session. Negative prices
        are fine (differences only).
    spec
        Signal options; default :class:`TrendSpec()`.

    Returns
    -------
    TrendForecasts
        Arrays equal to :func:`pandas_forecasts` (``rtol=1e-10``).
    """
    spec = spec or TrendSpec()
    p = as_panel(prices)
    spans = spec.spans
    ewmas = np.empty((len(spans), *p.shape))
    sigma = price_diff_vol(p, spec, scratch=ewmas[0])  # the EWMAs overwrite the scratch
    price_ewmas(p, spans, spec.adjust, out=ewmas)
    ewmac = np.empty((len(spec.windows), *p.shape))
    forecast = np.empty_like(p)
    _forecast_into(p, ewmas, sigma, forecast_params(spec), ewmac, forecast)
    return TrendForecasts(sigma=sigma, ewmac=ewmac, forecast=forecast)


def pandas_forecasts(
    prices: pd.DataFrame, spec: TrendSpec | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], pd.DataFrame]:
    """The slow, obvious pandas version of :func:`trend_forecasts`, series by series.

    Kept in the package so the tests and the benchmark compare against one
    written-out definition. Returns ``(ewmac, tsmom, forecast)`` with ``ewmac``
    and ``tsmom`` keyed by window name.
    """
    spec = spec or TrendSpec()
    ewmac: dict[str, dict[object, pd.Series]] = {w.name: {} for w in spec.windows}
    tsmom: dict[str, dict[object, pd.Series]] = {w.name: {} for w in spec.windows}
    combined: dict[object, pd.Series] = {}
    for col in prices.columns:
        p = prices[col].astype(float)
        sigma = p.diff().ewm(span=spec.vol_span, min_periods=spec.vol_min_periods).std().shift(1)
        blends = []
        for w in spec.windows:
            raw = p.ewm(span=w.fast, adjust=spec.adjust).mean() - p.ewm(
                span=w.slow, adjust=spec.adjust
            ).mean()
            valid = p.notna() & p.shift(w.lookback).notna() & sigma.notna()
            e = (raw / sigma * w.scalar).clip(-spec.cap, spec.cap).where(raw != 0, 0.0)
            s = np.sign(p - p.shift(w.lookback))
            e, s = e.where(valid), s.where(valid)
            ewmac[w.name][col], tsmom[w.name][col] = e, s
            blends.append((1 - spec.tsmom_weight) * e + spec.tsmom_weight * 10.0 * s)
        mean = sum(blends[1:], blends[0]) / len(blends)
        combined[col] = (spec.fdm * mean).clip(-spec.cap, spec.cap)
    frames = {n: pd.DataFrame(v, index=prices.index) for n, v in ewmac.items()}
    signs = {n: pd.DataFrame(v, index=prices.index) for n, v in tsmom.items()}
    return frames, signs, pd.DataFrame(combined, index=prices.index)


# --- continuation: the state after the last row, and one step of each recursion ----------


@dataclass(frozen=True)
class SignalState:
    """State of every signal recursion after the last fitted row.

    Rebuilt from the kernels' outputs (their last rows plus
    :func:`ewm_weight_into`), so continuing with :func:`ewm_step` and
    :func:`var_step` reproduces the kernels bit for bit.

    Attributes
    ----------
    spans
        EWMA spans, the order of the first axis of ``ewm_mean``/``ewm_weight``.
    ewm_mean, ewm_weight
        ``(n_spans, N)`` price EWMAs and their weight states (1 before the
        first observation, as in the kernel).
    vol_mean, vol_cov, vol_sum_wt, vol_sum_wt2, vol_nobs
        ``(N,)`` state of the EW variance of price differences: EW mean,
        biased EW variance, weight sums (``old_wt == sum_wt`` for
        ``adjust=True``) and the observation count.
    history
        The last ``L`` rows of prices (oldest first): the TSMOM lookback buffer.
    """

    spans: tuple[int, ...]
    ewm_mean: np.ndarray
    ewm_weight: np.ndarray
    vol_mean: np.ndarray
    vol_cov: np.ndarray
    vol_sum_wt: np.ndarray
    vol_sum_wt2: np.ndarray
    vol_nobs: np.ndarray
    history: np.ndarray


def signal_state(prices: np.ndarray, spec: TrendSpec, history_rows: int) -> SignalState:
    """State of the signal recursions after the last row of ``prices``."""
    p = as_panel(prices)
    n_a = p.shape[1]
    spans = spec.spans
    means = np.empty((len(spans), n_a))
    weights = np.empty((len(spans), n_a))
    scratch = np.empty_like(p)
    for i, span in enumerate(spans):
        alpha = k.span_to_alpha(span)
        k.ewm_mean_into(p, alpha, spec.adjust, False, 0, scratch)
        means[i] = scratch[-1]
        ewm_weight_into(p, 1.0 - alpha, spec.adjust, False, scratch)
        weights[i] = scratch[-1]
    d = np.empty_like(p)
    d[0] = np.nan
    np.subtract(p[1:], p[:-1], out=d[1:])
    alpha = k.span_to_alpha(spec.vol_span)
    decay = 1.0 - alpha
    k.ewm_mean_into(d, alpha, True, False, 0, scratch)
    vol_mean = scratch[-1].copy()
    k.ewm_var_into(d, alpha, True, False, 0, True, scratch)
    vol_cov = scratch[-1].copy()
    ewm_weight_into(d, decay, True, False, scratch)
    sum_wt = scratch[-1].copy()
    ewm_weight_into(d, decay * decay, True, False, scratch)
    sum_wt2 = scratch[-1].copy()
    # Before the first observation the kernels hold weight 1 and variance 0.
    unseen = np.isnan(vol_mean)
    vol_cov[unseen] = 0.0
    sum_wt[unseen] = 1.0
    sum_wt2[unseen] = 1.0
    weights[np.isnan(means)] = 1.0
    rows = min(history_rows, len(p))
    history = np.full((history_rows, n_a), np.nan)
    history[history_rows - rows :] = p[len(p) - rows :]
    return SignalState(
        spans=spans,
        ewm_mean=means,
        ewm_weight=weights,
        vol_mean=vol_mean,
        vol_cov=vol_cov,
        vol_sum_wt=sum_wt,
        vol_sum_wt2=sum_wt2,
        vol_nobs=np.count_nonzero(~np.isnan(d), axis=0).astype(np.int64),
        history=history,
    )


@nb.njit(cache=True, inline="always", error_model="numpy")
def ewm_step(
    e: float, w: float, x: float, decay: float, new_wt: float, adjust: bool
) -> tuple[float, float]:
    """One row of ``ewm_mean_into`` (``ignore_na=False``): new ``(mean, weight state)``."""
    obs = x == x
    if e == e:
        w *= decay
        if obs:
            if e != x:
                e = (w * e + new_wt * x) / (w + new_wt)
            w = w + new_wt if adjust else 1.0
    elif obs:
        e = x
    return e, w


@nb.njit(cache=True, inline="always", error_model="numpy")
def var_step(
    mean: float, cov: float, sum_wt: float, sum_wt2: float, nobs: int, x: float, decay: float
) -> tuple[float, float, float, float, int]:
    """One row of ``ewm_var_into`` (``adjust=True``, ``ignore_na=False``)."""
    obs = x == x
    if mean == mean:
        sum_wt *= decay
        sum_wt2 *= decay * decay
        old_wt = sum_wt  # equal to the kernel's old_wt when adjust=True
        if obs:
            old_mean = mean
            if mean != x:
                mean = (old_wt * old_mean + x) / (old_wt + 1.0)
            d_old = old_mean - mean
            d_new = x - mean
            cov = (old_wt * (cov + d_old * d_old) + d_new * d_new) / (old_wt + 1.0)
            sum_wt += 1.0
            sum_wt2 += 1.0
    elif obs:
        mean = x
    if obs:
        nobs += 1
    return mean, cov, sum_wt, sum_wt2, nobs


@nb.njit(cache=True, inline="always", error_model="numpy")
def var_sigma(cov: float, sum_wt: float, sum_wt2: float, nobs: int, min_periods: int) -> float:
    """Standard deviation the variance kernel reports for a state (bias-corrected)."""
    if nobs < max(min_periods, 1):
        return np.nan
    num = sum_wt * sum_wt
    den = num - sum_wt2
    return np.sqrt((num / den) * cov) if den > 0.0 else np.nan
