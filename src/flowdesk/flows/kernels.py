"""Numba kernels over (time x assets) float64 panels.

Each kernel writes into an output array allocated by the caller (allocation
inside numba costs more than the kernel itself on large panels), loops over time
on the outside and over assets on the inside, up to ``_SPAN`` columns at a time:
a pass down whole rows streams through memory (a 10,000 x 5,000 EWMA took 0.31 s
in 256-column blocks, whose short row pieces each start a new page, and 0.19 s
in 4,096-column spans, one thread), and the per-column state stays in L2. NaN
handling follows pandas exactly, and every docstring names the pandas expression
the kernel equals; ``tests/flows`` checks each equality to ``rtol=1e-10``.

The compiled functions (``_*_cols``) are serial and release the GIL; the public
``*_into`` functions split the columns over plain threads
(:func:`for_column_blocks`) on large panels and run on the calling thread below
:data:`SERIAL_CELLS`. Threads rather than ``prange``: a parallel kernel costs
seconds more to compile, and numba's thread pool spin-waits, which made a
601 x 1 panel take 4 ms instead of microseconds. The public functions also pass
one array type to numba (C-contiguous float64, inputs as read-only views), so
each kernel compiles once whatever the caller hands in.

The thin wrappers at the bottom (:func:`ewm_mean` etc.) allocate and call the
kernels for convenience; hot paths call the ``*_into`` kernels directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba as nb
import numpy as np

__all__ = [
    "SERIAL_CELLS",
    "block_bounds",
    "ewm_mean",
    "ewm_mean_into",
    "ewm_std",
    "ewm_var_into",
    "for_column_blocks",
    "input_panel",
    "lagged_return_into",
    "lagged_returns",
    "n_blocks",
    "rolling_mean",
    "rolling_std",
    "rolling_sum",
    "rolling_sum_into",
    "rolling_var_into",
    "run_into",
    "span_to_alpha",
    "split_range",
]

_BLOCK = 256  # columns per thread grain: many grains to balance the threads
_SPAN = 4096  # columns one pass walks down the rows: whole rows stream (module docstring)

#: Panels with fewer cells than this run on the calling thread (starting threads
#: costs more than it saves below about a quarter of a million cells).
SERIAL_CELLS = 1 << 18


def span_to_alpha(span: float) -> float:
    """Smoothing factor of an EWMA with the given span: ``2 / (span + 1)``."""
    if span < 1:
        raise ValueError(f"span must be >= 1, got {span}")
    return 2.0 / (span + 1.0)


@nb.njit(cache=True, inline="always")
def n_blocks(n: int) -> int:
    """Number of ``_BLOCK``-column blocks of ``n`` columns."""
    return (n + _BLOCK - 1) // _BLOCK


@nb.njit(cache=True, inline="always")
def block_bounds(b: int, n: int) -> tuple[int, int]:
    """Columns ``[lo, hi)`` of block ``b`` out of ``n``; the last block may be short."""
    lo = b * _BLOCK
    return lo, min(lo + _BLOCK, n)


def _threads() -> int:
    # NUMBA_NUM_THREADS (default: the machine's cores) bounds every flowdesk thread pool.
    return max(1, int(nb.config.NUMBA_NUM_THREADS))


def for_column_blocks(kernel: Callable[..., None], shape: tuple[int, ...], *args: Any) -> None:
    """Run ``kernel(lo, hi, *args)`` over the columns ``[0, n)`` of a ``(T, n)`` panel.

    Small panels (fewer than :data:`SERIAL_CELLS` cells) or a single block run in one
    call on this thread; otherwise each thread gets one contiguous run of whole
    ``_BLOCK``-column blocks (the kernel must release the GIL to run in parallel).
    """
    n_t, n = shape[0], shape[-1]
    split_range(kernel, n, _BLOCK, n_t * n, *args)


def split_range(kernel: Callable[..., None], n: int, grain: int, cells: int, *args: Any) -> None:
    """Run ``kernel(lo, hi, *args)`` over ``[0, n)``, split over threads when worth it.

    Each thread gets one contiguous range, a multiple of ``grain`` items long (a
    static schedule); ``cells`` is the work's size, and below :data:`SERIAL_CELLS`
    the whole range runs in one call on this thread.
    """
    chunks = (n + grain - 1) // grain
    threads = min(_threads(), chunks)
    if threads <= 1 or cells < SERIAL_CELLS:
        kernel(0, n, *args)
        return
    per = -(-chunks // threads) * grain
    bounds = [(lo, min(lo + per, n)) for lo in range(0, n, per)]
    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        list(pool.map(lambda b: kernel(b[0], b[1], *args), bounds))


def input_panel(x: np.ndarray) -> np.ndarray:
    """``x`` as the one input type the kernels compile for: a read-only C float64 array.

    A read-only view costs nothing and makes writable and read-only callers (pandas'
    copy-on-write arrays are read-only) share one compiled specialisation.
    """
    arr = np.ascontiguousarray(x, dtype=np.float64)
    view = arr.view()
    view.flags.writeable = False
    return view


def run_into(kernel: Callable[..., None], x: np.ndarray, out: np.ndarray, *args: Any) -> None:
    """``kernel(lo, hi, x, *args, out)`` over the columns of ``x`` (:func:`for_column_blocks`).

    ``out`` must have the shape of ``x``; when it is not a C-contiguous float64
    array (a Fortran-ordered ``np.empty_like`` of a DataFrame's values, say) the
    kernel writes a C array that is then copied into it, so the kernel compiles
    for one output type.
    """
    if not isinstance(out, np.ndarray) or out.shape != x.shape or not out.flags.writeable:
        raise ValueError(f"out: need a writable array of shape {x.shape}, got "
                         f"{type(out).__name__} of shape {getattr(out, 'shape', None)}")
    direct = out.dtype == np.float64 and out.flags.c_contiguous
    target = out if direct else np.empty(x.shape)
    for_column_blocks(kernel, x.shape, x, *args, target)
    if not direct:
        out[...] = target


# --- steps of the rolling kernels --------------------------------------------------------
# pandas' rolling sum and variance walk the window the same way: drop the value
# leaving it (if observed), add the one entering it (if observed), and count the
# run of equal values so that a constant window gives an exact result. Each
# running statistic keeps one compensation term for additions and one for
# removals, as pandas does. One kernel (_rolling_cols) does the walk for both.


@nb.njit(cache=True, inline="always")
def _run_length(same: int, prev: float, v: float) -> tuple[int, float]:
    # Length of the current run of values equal to v, and v as the new previous value.
    return (same + 1 if v == prev else 1), v


@nb.njit(cache=True, inline="always")
def _kahan_add(total: float, comp: float, v: float) -> tuple[float, float]:
    # Kahan-compensated total + v (pandas add_sum; removal adds -v with its own comp).
    y = v - comp
    t = total + y
    return t, t - total - y


@nb.njit(cache=True, inline="always")
def _welford(
    mean: float, ssq: float, comp: float, v: float, nobs: int, sign: float
) -> tuple[float, float, float]:
    # Compensated Welford update of (mean, sum of squared deviations) when v enters
    # (sign=+1) or leaves (sign=-1) a window that then holds nobs values; pandas'
    # add_var / remove_var. Multiplying by +-1 is exact: one helper serves both, bit for bit.
    prev_mean = mean - comp
    y = v - comp
    t = y - mean
    comp = t + mean - y
    mean += sign * t / nobs
    return mean, ssq + sign * ((v - prev_mean) * (v - mean)), comp


@nb.njit(cache=True, nogil=True, error_model="numpy")  # as prange did: x / 0 = inf
def _ewm_mean_cols(
    lo: int, hi: int, x: np.ndarray, alpha: float, adjust: bool, ignore_na: bool,
    min_periods: int, out: np.ndarray,
) -> None:  # pragma: no cover - compiled; see ewm_mean_into
    n_t = x.shape[0]
    new_wt = 1.0 if adjust else alpha
    decay = 1.0 - alpha
    minp = max(min_periods, 1)
    for b0 in range(lo, hi, _SPAN):
        b1 = min(b0 + _SPAN, hi)
        m = b1 - b0
        weighted = np.empty(m)
        old_wt = np.ones(m)
        nobs = np.zeros(m, dtype=np.int64)
        for j in range(m):
            v = x[0, b0 + j]
            weighted[j] = v
            if v == v:
                nobs[j] = 1
            out[0, b0 + j] = v if nobs[j] >= minp else np.nan
        for t in range(1, n_t):
            row = x[t, b0:b1]
            res = out[t, b0:b1]
            # Branch-free: every candidate value is computed and the pandas rule picks
            # one (the same arithmetic where picked, so the same bits), which lets LLVM
            # vectorise the loop: 0.158 s -> 0.072 s on 10,000 x 5,000, one thread.
            for j in range(m):
                cur = row[j]
                obs = cur == cur
                cnt = nobs[j] + (1 if obs else 0)
                nobs[j] = cnt
                w = weighted[j]
                ow = old_wt[j]
                seen = w == w
                ow = ow * decay if (seen and (obs or not ignore_na)) else ow
                mixed = (ow * w + new_wt * cur) / (ow + new_wt)
                take = seen and obs
                w = mixed if (take and w != cur) else (cur if (obs and not seen) else w)
                old_wt[j] = ((ow + new_wt) if adjust else 1.0) if take else ow
                weighted[j] = w
                res[j] = w if cnt >= minp else np.nan


def ewm_mean_into(
    x: np.ndarray, alpha: float, adjust: bool, ignore_na: bool, min_periods: int, out: np.ndarray
) -> None:
    """Exponentially weighted mean down each column, written into ``out``.

    Equals ``pd.DataFrame(x).ewm(alpha=alpha, adjust=adjust, ignore_na=ignore_na,
    min_periods=min_periods).mean()``.
    """
    run_into(_ewm_mean_cols, input_panel(x), out, float(alpha), bool(adjust), bool(ignore_na),
             int(min_periods))


@nb.njit(cache=True, nogil=True, error_model="numpy")  # as prange did: x / 0 = inf
def _ewm_var_cols(
    lo: int, hi: int, x: np.ndarray, alpha: float, adjust: bool, ignore_na: bool,
    min_periods: int, bias: bool, out: np.ndarray,
) -> None:  # pragma: no cover - compiled; see ewm_var_into
    n_t = x.shape[0]
    new_wt = 1.0 if adjust else alpha
    decay = 1.0 - alpha
    minp = max(min_periods, 1)
    for b0 in range(lo, hi, _SPAN):
        b1 = min(b0 + _SPAN, hi)
        m = b1 - b0
        mean = np.empty(m)
        cov = np.zeros(m)
        sum_wt = np.ones(m)
        sum_wt2 = np.ones(m)
        old_wt = np.ones(m)
        nobs = np.zeros(m, dtype=np.int64)
        for j in range(m):  # the first row starts every column
            cur = x[0, b0 + j]
            mean[j] = cur
            nobs[j] = 1 if cur == cur else 0
            out[0, b0 + j] = (cov[j] if bias else np.nan) if nobs[j] >= minp else np.nan
        for t in range(1, n_t):
            row = x[t, b0:b1]
            res = out[t, b0:b1]
            # Branch-free, as in _ewm_mean_cols: candidates computed, the rule selects.
            for j in range(m):
                cur = row[j]
                obs = cur == cur
                cnt = nobs[j] + (1 if obs else 0)
                nobs[j] = cnt
                mu = mean[j]
                seen = mu == mu
                step = seen and (obs or not ignore_na)
                sw = sum_wt[j] * decay if step else sum_wt[j]
                sw2 = sum_wt2[j] * (decay * decay) if step else sum_wt2[j]
                ow = old_wt[j] * decay if step else old_wt[j]
                take = seen and obs
                new_mean = (ow * mu + new_wt * cur) / (ow + new_wt) if mu != cur else mu
                d_old = mu - new_mean
                d_new = cur - new_mean
                new_cov = (ow * (cov[j] + d_old * d_old) + new_wt * d_new * d_new) / (ow + new_wt)
                sw_t = sw + new_wt
                sw2_t = sw2 + new_wt * new_wt
                ow_t = ow + new_wt
                if not adjust:
                    sw_t = sw_t / ow_t
                    sw2_t = sw2_t / (ow_t * ow_t)
                    ow_t = 1.0
                mean[j] = new_mean if take else (cur if (obs and not seen) else mu)
                cov[j] = new_cov if take else cov[j]
                sum_wt[j] = sw_t if take else sw
                sum_wt2[j] = sw2_t if take else sw2
                old_wt[j] = ow_t if take else ow
                num = sum_wt[j] * sum_wt[j]
                den = num - sum_wt2[j]
                unbiased = (num / den) * cov[j] if den > 0.0 else np.nan
                value = cov[j] if bias else unbiased
                res[j] = value if cnt >= minp else np.nan


def ewm_var_into(
    x: np.ndarray,
    alpha: float,
    adjust: bool,
    ignore_na: bool,
    min_periods: int,
    bias: bool,
    out: np.ndarray,
) -> None:
    """Exponentially weighted variance down each column, written into ``out``.

    Equals ``pd.DataFrame(x).ewm(alpha=alpha, adjust=adjust, ignore_na=ignore_na,
    min_periods=min_periods).var(bias=bias)``; take ``np.sqrt`` for ``.std()``.
    """
    run_into(_ewm_var_cols, input_panel(x), out, float(alpha), bool(adjust), bool(ignore_na),
             int(min_periods), bool(bias))


@nb.njit(cache=True, nogil=True, error_model="numpy")  # as prange did: x / 0 = inf
def _rolling_cols(
    lo: int, hi: int, x: np.ndarray, window: int, min_periods: int, ddof: int, var: bool,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; see rolling_sum_into / rolling_var_into
    # The window walk of pandas' rolling sum (var=False) and variance (var=True).
    # `total` is the running sum or the sum of squared deviations about `mean`.
    # `var` is fixed for the whole call, so its branches cost nothing measurable
    # (timed against the two separate kernels this replaces).
    n_t = x.shape[0]
    for b0 in range(lo, hi, _SPAN):
        b1 = min(b0 + _SPAN, hi)
        m = b1 - b0
        mean = np.zeros(m)
        total = np.zeros(m)
        comp_add = np.zeros(m)
        comp_rem = np.zeros(m)
        nobs = np.zeros(m, dtype=np.int64)
        same = np.zeros(m, dtype=np.int64)
        prev = np.full(m, np.nan)
        nothing = np.full(m, np.nan)  # what leaves the window while it fills
        for t in range(n_t):
            row = x[t, b0:b1]
            gone = x[t - window, b0:b1] if t >= window else nothing
            res = out[t, b0:b1]
            # Branch-free, as the EWMA kernels: each update is computed and the NaN rules
            # select it (the same arithmetic where selected), so the loop vectorises.
            for j in range(m):
                # pandas removes the leaving value before adding the new one.
                r = gone[j]
                has_r = r == r
                n = nobs[j] - (1 if has_r else 0)
                tot = total[j]
                mu = mean[j]
                if var:
                    mu_r, tot_r, c_r = _welford(mu, tot, comp_rem[j], r, n, -1.0)
                    keep = has_r and n > 0
                    empty = has_r and n <= 0
                    mu = mu_r if keep else (0.0 if empty else mu)
                    tot = tot_r if keep else (0.0 if empty else tot)
                    comp_rem[j] = c_r if keep else comp_rem[j]
                else:
                    tot_r, c_r = _kahan_add(tot, comp_rem[j], -r)
                    tot = tot_r if has_r else tot
                    comp_rem[j] = c_r if has_r else comp_rem[j]
                v = row[j]
                has_v = v == v
                n = n + (1 if has_v else 0)
                if var:
                    mu_a, tot_a, c_a = _welford(mu, tot, comp_add[j], v, n, 1.0)
                    mu = mu_a if has_v else mu
                else:
                    tot_a, c_a = _kahan_add(tot, comp_add[j], v)
                tot = tot_a if has_v else tot
                comp_add[j] = c_a if has_v else comp_add[j]
                run, _ = _run_length(same[j], prev[j], v)
                same[j] = run if has_v else same[j]
                prev[j] = v if has_v else prev[j]
                nobs[j] = n
                mean[j] = mu
                total[j] = tot
                if var:
                    res[j] = _var_value(tot, n, same[j], min_periods, ddof)
                else:
                    res[j] = _sum_value(tot, n, same[j], prev[j], min_periods)


@nb.njit(cache=True, inline="always")
def _sum_value(total: float, nobs: int, same: int, prev: float, min_periods: int) -> float:
    # pandas' rolling sum output: 0 for an empty window when allowed, an exact
    # multiple for a constant window.
    if nobs == 0 and min_periods == 0:
        return 0.0
    if nobs >= min_periods and nobs > 0:
        return prev * nobs if same >= nobs else total
    return np.nan


@nb.njit(cache=True, inline="always")
def _var_value(ssq: float, nobs: int, same: int, min_periods: int, ddof: int) -> float:
    # pandas' rolling variance output: exact zero for one value or a constant window,
    # never negative.
    if nobs >= min_periods and nobs > ddof and nobs > 0:
        if nobs == 1 or same >= nobs:
            return 0.0
        res = ssq / (nobs - ddof)
        return res if res > 0.0 else 0.0
    return np.nan


def rolling_sum_into(x: np.ndarray, window: int, min_periods: int, out: np.ndarray) -> None:
    """Rolling sum over ``window`` rows, NaNs skipped, written into ``out``.

    Equals ``pd.DataFrame(x).rolling(window, min_periods=min_periods).sum()``
    (Kahan-compensated running sum, as pandas).
    """
    run_into(_rolling_cols, input_panel(x), out, int(window), int(min_periods), 0, False)


def rolling_var_into(
    x: np.ndarray, window: int, min_periods: int, ddof: int, out: np.ndarray
) -> None:
    """Rolling variance over ``window`` rows (NaNs skipped), written into ``out``.

    Equals ``pd.DataFrame(x).rolling(window, min_periods=min_periods).var(ddof=ddof)``
    (compensated Welford updates, exact zero for constant windows, as pandas);
    take ``np.sqrt`` for ``.std()``.
    """
    run_into(_rolling_cols, input_panel(x), out, int(window), int(min_periods), int(ddof), True)


@nb.njit(cache=True, nogil=True, error_model="numpy")  # as prange did: x / 0 = inf
def _lagged_return_cols(
    lo: int, hi: int, x: np.ndarray, lag: int, log: bool, out: np.ndarray
) -> None:  # pragma: no cover - compiled; see lagged_return_into
    n_t = x.shape[0]
    for b0 in range(lo, hi, _SPAN):
        b1 = min(b0 + _SPAN, hi)
        for t in range(min(lag, n_t)):
            for j in range(b0, b1):
                out[t, j] = np.nan
        # Row slices indexed from 0, as in the EWMA kernels: LLVM vectorises these.
        m = b1 - b0
        for t in range(lag, n_t):
            row = x[t, b0:b1]
            before = x[t - lag, b0:b1]
            res = out[t, b0:b1]
            if log:
                for j in range(m):
                    res[j] = math.log(row[j]) - math.log(before[j])
            else:
                for j in range(m):
                    res[j] = row[j] / before[j] - 1.0


def lagged_return_into(x: np.ndarray, lag: int, log: bool, out: np.ndarray) -> None:
    """Return over ``lag`` rows, written into ``out``.

    Equals ``pd.DataFrame(x).pct_change(lag, fill_method=None)`` when ``log`` is
    false and ``np.log(pd.DataFrame(x)).diff(lag)`` when it is true; the first
    ``lag`` rows are NaN.
    """
    run_into(_lagged_return_cols, input_panel(x), out, int(lag), bool(log))


def _as_panel(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"expected a 1-D or 2-D array, got {arr.ndim} dimensions")
    return np.ascontiguousarray(arr)


def _shape_like(result: np.ndarray, x: np.ndarray) -> np.ndarray:
    return result[:, 0] if np.ndim(x) == 1 else result


def _allocated(kernel: Callable[..., None], x: np.ndarray, *args: Any) -> np.ndarray:
    """Run ``kernel(panel, *args, out)`` into a fresh array shaped like ``x``."""
    panel = _as_panel(x)
    out = np.empty_like(panel)
    kernel(panel, *args, out)
    return _shape_like(out, x)


def ewm_mean(
    x: np.ndarray,
    *,
    span: float | None = None,
    alpha: float | None = None,
    adjust: bool = True,
    ignore_na: bool = False,
    min_periods: int = 0,
) -> np.ndarray:
    """Allocate and compute :func:`ewm_mean_into` (give ``span`` or ``alpha``)."""
    return _allocated(ewm_mean_into, x, _alpha(span, alpha), adjust, ignore_na, min_periods)


def ewm_std(
    x: np.ndarray,
    *,
    span: float | None = None,
    alpha: float | None = None,
    adjust: bool = True,
    ignore_na: bool = False,
    min_periods: int = 0,
    bias: bool = False,
) -> np.ndarray:
    """EW standard deviation: ``np.sqrt`` of :func:`ewm_var_into`."""
    out = _allocated(ewm_var_into, x, _alpha(span, alpha), adjust, ignore_na, min_periods, bias)
    return np.sqrt(out, out=out)


def rolling_sum(x: np.ndarray, window: int, min_periods: int | None = None) -> np.ndarray:
    """Allocate and compute :func:`rolling_sum_into`."""
    return _allocated(rolling_sum_into, x, _window(window), _minp(window, min_periods))


def rolling_mean(x: np.ndarray, window: int, min_periods: int | None = None) -> np.ndarray:
    """Rolling mean: the rolling sum divided by the count of observations.

    Equals ``pd.DataFrame(x).rolling(window, min_periods).mean()``.
    """
    panel = _as_panel(x)
    minp = _minp(window, min_periods)
    total = np.empty_like(panel)
    rolling_sum_into(panel, _window(window), minp, total)
    ones = (~np.isnan(panel)).astype(np.float64)
    count = np.empty_like(panel)
    rolling_sum_into(ones, _window(window), 0, count)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / count, np.nan)
    return _shape_like(out, x)


def rolling_std(
    x: np.ndarray, window: int, min_periods: int | None = None, ddof: int = 1
) -> np.ndarray:
    """Rolling standard deviation: ``np.sqrt`` of :func:`rolling_var_into`."""
    out = _allocated(rolling_var_into, x, _window(window), _minp(window, min_periods), ddof)
    return np.sqrt(out, out=out)


def lagged_returns(x: np.ndarray, lag: int = 1, *, log: bool = False) -> np.ndarray:
    """Allocate and compute :func:`lagged_return_into`."""
    if lag < 1:
        raise ValueError(f"lag must be >= 1, got {lag}")
    with np.errstate(invalid="ignore", divide="ignore"):
        return _allocated(lagged_return_into, x, lag, log)


def _alpha(span: float | None, alpha: float | None) -> float:
    if (span is None) == (alpha is None):
        raise ValueError("give exactly one of span or alpha")
    if alpha is None:
        assert span is not None
        return span_to_alpha(span)
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    return float(alpha)


def _window(window: int) -> int:
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    return int(window)


def _minp(window: int, min_periods: int | None) -> int:
    minp = window if min_periods is None else min_periods
    if minp < 0 or minp > window:
        raise ValueError(f"min_periods must be in [0, window], got {minp}")
    return int(minp)
