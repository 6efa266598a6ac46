"""Pivot (trigger) levels: the next-session price at which a trend signal changes sign.

EWMAC pivot
-----------
Write one EWMA update of :func:`~flowdesk.flows.kernels.ewm_mean_into` (the
pandas recursion) for tomorrow's price ``p`` given today's state: the mean
``e_t`` and the weight state ``W_t`` (``old_wt``; :func:`ewm_weight_into`)::

    e_{t+1} = (d * W_t * e_t + n * p) / (d * W_t + n)  =  (1 - c) * e_t + c * p,
    c = n / (d * W_t + n),   d = 1 - alpha,   n = 1 (adjust=True) or alpha (adjust=False).

For ``adjust=True``, ``W_t = sum_{s <= t observed} d**(t-s)`` (the running
weight sum, so ``e_t = S_t / W_t`` with ``S_t`` the weighted price sum, and
``S_{t+1} = d S_t + p``, ``W_{t+1} = d W_t + 1``: divide to get the line
above). For ``adjust=False``, ``W_t = 1`` after an observation and the line is
the textbook ``e_{t+1} = (1 - alpha) e_t + alpha p``. Either way ``e_{t+1}`` is
affine in ``p``, so::

    e_fast' - e_slow' = (1 - c_f) e_f - (1 - c_s) e_s + (c_f - c_s) p = (c_f - c_s) (p - p*),
    p* = ((1 - c_s) e_s - (1 - c_f) e_f) / (c_f - c_s).

``c_f > c_s`` always (the fast EWMA has the smaller decay, hence the smaller
weight state and the larger weight on the new price), so tomorrow's EWMAC
forecast is positive above ``p*`` and negative below. Tomorrow's forecast
divides by today's sigma (positive), which does not move the sign.

TSMOM pivot
-----------
Tomorrow's signal is ``sign(p_{t+1} - p_{t+1-h})``, so the pivot is the close
``h - 1`` sessions before today: ``p.shift(h - 1)``, rolled forward daily.

Distances are reported in percent of today's price and in daily sigma of price
differences (the sigma tomorrow's forecast divides by).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from flowdesk.flows import kernels as k
from flowdesk.flows.cta_signals import (
    TrendSpec,
    TrendWindow,
    as_panel,
    ewm_weight_into,
    price_ewmas,
)

__all__ = ["PivotLevels", "ewmac_pivot_into", "pivot_levels", "tsmom_pivot"]


def ewmac_pivot_into(
    p: np.ndarray,
    fast: np.ndarray,
    slow: np.ndarray,
    w_fast: np.ndarray,
    w_slow: np.ndarray,
    decay_f: float,
    decay_s: float,
    new_f: float,
    new_s: float,
    out: np.ndarray,
) -> None:
    """Next-session EWMAC pivot ``p*`` of every asset and date (module docstring).

    ``fast``/``slow`` are the EWMAs (``ewm_mean_into`` output), ``w_fast``/
    ``w_slow`` their weight states (:func:`ewm_weight_into`), ``decay = 1 -
    alpha`` and ``new`` the weight of a new observation (1 if ``adjust`` else
    ``alpha``). NaN where today's price or a state is missing.
    """
    k.run_into(
        _ewmac_pivot_cols, k.input_panel(p), out, k.input_panel(fast), k.input_panel(slow),
        k.input_panel(w_fast), k.input_panel(w_slow), float(decay_f), float(decay_s),
        float(new_f), float(new_s),
    )


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _ewmac_pivot_cols(
    lo: int, hi: int, p: np.ndarray, fast: np.ndarray, slow: np.ndarray, w_fast: np.ndarray,
    w_slow: np.ndarray, decay_f: float, decay_s: float, new_f: float, new_s: float,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; see ewmac_pivot_into
    n_t = p.shape[0]
    for b0 in range(lo, hi, k._BLOCK):  # the column blocks of the kernels
        b1 = min(b0 + k._BLOCK, hi)
        for t in range(n_t):
            for j in range(b0, b1):
                out[t, j] = _pivot(p[t, j], fast[t, j], slow[t, j], w_fast[t, j], w_slow[t, j],
                                   decay_f, decay_s, new_f, new_s)


@nb.njit(cache=True, inline="always", error_model="numpy")
def _pivot(price: float, e_f: float, e_s: float, w_f: float, w_s: float, decay_f: float,
           decay_s: float, new_f: float, new_s: float) -> float:
    if price != price or e_f != e_f or e_s != e_s or w_f != w_f or w_s != w_s:
        return np.nan
    c_f = new_f / (decay_f * w_f + new_f)
    c_s = new_s / (decay_s * w_s + new_s)
    if c_f == c_s:
        return np.nan
    return ((1.0 - c_s) * e_s - (1.0 - c_f) * e_f) / (c_f - c_s)


def tsmom_pivot(p: np.ndarray, lookback: int) -> np.ndarray:
    """Next-session TSMOM pivot: ``p.shift(lookback - 1)`` (NaN where missing)."""
    out = np.full_like(p, np.nan)
    lag = lookback - 1
    if lag == 0:
        out[:] = p
    elif lag < len(p):
        out[lag:] = p[:-lag]
    return out


class PivotLevels(dict[str, tuple[np.ndarray, np.ndarray]]):
    """``{window name: (ewmac_pivot, tsmom_pivot)}``, each a (T x N) array."""


def _weights(p: np.ndarray, span: int, adjust: bool) -> tuple[np.ndarray, float, float]:
    alpha = k.span_to_alpha(span)
    decay = 1.0 - alpha
    out = np.empty_like(p)
    ewm_weight_into(p, decay, adjust, False, out)
    return out, decay, (1.0 if adjust else alpha)


def pivot_levels(prices: np.ndarray, spec: TrendSpec | None = None) -> PivotLevels:
    """EWMAC and TSMOM pivots of every window, asset and date, all assets at once.

    Parameters
    ----------
    prices
        (T x N) price panel (NaN = missing session).
    spec
        Signal options (windows, ``adjust``).

    Returns
    -------
    PivotLevels
        ``{window: (ewmac_pivot, tsmom_pivot)}``: the price at the next session
        above which that window's signal is long.
    """
    spec = spec or TrendSpec()
    p = as_panel(prices)
    stacked = price_ewmas(p, spec.spans, spec.adjust)
    ewmas = {s: stacked[i] for i, s in enumerate(spec.spans)}
    weights = {s: _weights(p, s, spec.adjust) for s in spec.spans}
    result = PivotLevels()
    for w in spec.windows:
        result[w.name] = (_ewmac_pivot(p, w, ewmas, weights), tsmom_pivot(p, w.lookback))
    return result


def _ewmac_pivot(
    p: np.ndarray,
    w: TrendWindow,
    ewmas: dict[int, np.ndarray],
    weights: dict[int, tuple[np.ndarray, float, float]],
) -> np.ndarray:
    wf, df, nf = weights[w.fast]
    ws, ds, ns = weights[w.slow]
    out = np.empty_like(p)
    ewmac_pivot_into(p, ewmas[w.fast], ewmas[w.slow], wf, ws, df, ds, nf, ns, out)
    return out
