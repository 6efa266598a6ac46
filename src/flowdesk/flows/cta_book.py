"""Numba kernels of the CTA book and their continuation along scenario paths.

Vol sizing, the weekly correlation behind the diversification multiplier and
the positions themselves.
The conventions are written out in :mod:`flowdesk.flows.cta`; this module holds
only the hot loops and the state they carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np

from flowdesk.flows import kernels as k
from flowdesk.flows.cta_signals import (
    ForecastParams,
    blend_value,
    cap_value,
    ewm_step,
    var_sigma,
    var_step,
    window_value,
)

__all__ = ["BookState", "along_kernel", "book_kernel"]


@nb.njit(cache=True, inline="always", error_model="numpy")
def _vol(sig: float, price: float, ann: float, min_vol: float) -> float:
    # Annualised percentage vol used for sizing; undefined for non-positive prices.
    if not (price > 0.0) or sig != sig:
        return np.nan
    vol = max(sig / price * ann, min_vol)
    return vol if vol > 0.0 else np.nan  # zero vol (flat prices, no floor): no sizing


@nb.njit(cache=True, error_model="numpy")
def _corr_update(s: np.ndarray, cnt: np.ndarray, z: np.ndarray, decay: float) -> None:
    # Upper triangle of S <- decay * S + z z' (missing changes count as 0).
    n = z.size
    zz = np.empty(n)
    for i in range(n):
        if z[i] == z[i]:
            zz[i] = z[i]
            cnt[i] += 1
        else:
            zz[i] = 0.0
    for i in range(n):
        zi = zz[i]
        for j in range(i, n):
            s[i, j] = decay * s[i, j] + zi * zz[j]


@nb.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract", "nsz", "arcp"})
def _positive_corr_sum(s: np.ndarray, inv: np.ndarray, w: np.ndarray) -> float:
    # sum_{i < j} w_i w_j max(rho_ij, 0), rho_ij = S_ij / sqrt(S_ii S_jj). Reassociation
    # lets the inner loop vectorise; S is a Gram matrix, so rho <= 1 needs no clip.
    n = inv.size
    total = 0.0
    for i in range(n):
        if w[i] == 0.0:
            continue
        scale = inv[i]
        row = s[i]
        acc = 0.0
        for j in range(i + 1, n):
            acc += w[j] * max(row[j] * scale * inv[j], 0.0)
        total += acc
    return total


@nb.njit(cache=True, error_model="numpy")
def _corr_scales(s: np.ndarray, cnt: np.ndarray, min_obs: int, inv: np.ndarray,
                 known: np.ndarray) -> None:
    # 1/sqrt(S_ii) and a trusted flag per asset (untrusted: fewer than min_obs changes).
    for i in range(inv.size):
        if cnt[i] >= min_obs and s[i, i] > 0.0:
            inv[i] = 1.0 / np.sqrt(s[i, i])
            known[i] = 1.0
        else:
            inv[i] = 0.0
            known[i] = 0.0


@nb.njit(cache=True, error_model="numpy")
def _corr_total(s: np.ndarray, inv: np.ndarray, known: np.ndarray, active: np.ndarray) -> float:
    # sum over active i, j of rho+_ij (diagonal 1); rho+ = max(rho, 0), and 1 for a pair
    # with an untrusted asset (conservative: no diversification credit).
    w = np.zeros(inv.size)
    n_active = 0
    n_unknown = 0
    for i in range(inv.size):
        if active[i]:
            n_active += 1
            if known[i] > 0.0:
                w[i] = 1.0
            else:
                n_unknown += 1
    n_known = n_active - n_unknown
    unknown_pairs = n_unknown * n_known + n_unknown * (n_unknown - 1) // 2
    return n_active + 2.0 * (_positive_corr_sum(s, inv, w) + unknown_pairs)


@nb.njit(cache=True, error_model="numpy")
def _corr_row_total(s: np.ndarray, inv: np.ndarray, known: np.ndarray, active: np.ndarray,
                    k: int) -> float:
    # sum over active j != k of rho+_kj: what asset k adds to (or takes from) the total.
    acc = 0.0
    for j in range(inv.size):
        if j == k or not active[j]:
            continue
        if known[k] > 0.0 and known[j] > 0.0:
            a, b = (k, j) if k < j else (j, k)
            acc += max(s[a, b] * inv[a] * inv[b], 0.0)
        else:
            acc += 1.0
    return acc


@nb.njit(cache=True, error_model="numpy")
def _book_step(
    s: np.ndarray,
    cnt: np.ndarray,
    inv: np.ndarray,
    known: np.ndarray,
    active: np.ndarray,
    new_active: np.ndarray,
    z: np.ndarray,
    update: bool,
    decay: float,
    min_obs: int,
    total: float,
) -> tuple[float, int]:
    # Correlation state and sum_{i,j active} rho+_ij for one session. A weekly update
    # recomputes the O(n^2) total; in between, assets entering or leaving the active
    # set change it in O(n) each. Returns (total, number active); q = total / n^2.
    if update:
        _corr_update(s, cnt, z, decay)
        _corr_scales(s, cnt, min_obs, inv, known)
        for i in range(active.size):  # a loop: numba's array setitem compiles a formatted raise
            active[i] = new_active[i]
        total = _corr_total(s, inv, known, active)
    else:
        for k in range(active.size):
            if new_active[k] and not active[k]:
                total += 1.0 + 2.0 * _corr_row_total(s, inv, known, active, k)
                active[k] = True
            elif active[k] and not new_active[k]:
                active[k] = False
                total -= 1.0 + 2.0 * _corr_row_total(s, inv, known, active, k)
    n_active = 0
    for k in range(active.size):
        n_active += active[k]
    if n_active == 0:
        total = 0.0  # no drift carried through an empty book
    return total, n_active


@nb.njit(cache=True, inline="always", error_model="numpy")
def _idm(total: float, n_active: int, max_idm: float) -> float:
    # IDM = 1 / sqrt(w' rho+ w) with w = 1/n, i.e. n / sqrt(total), capped.
    if n_active == 0 or not total > 0.0:
        return np.nan
    return min(max_idm, 1.0 / np.sqrt(total / (n_active * n_active)))


@nb.njit(cache=True, inline="always", error_model="numpy")
def _book_idm(total: float, n_active: int, max_idm: float, fixed: float) -> float:
    # A many-market book's IDM cannot come from the few markets carried here: a fixed
    # value stands in for it (NaN: estimate it from the carried markets' correlations).
    if fixed == fixed:
        return fixed if n_active > 0 else np.nan
    return _idm(total, n_active, max_idm)


@nb.njit(cache=True, error_model="numpy")
def _positions_row(
    forecast: np.ndarray,
    vol: np.ndarray,
    active: np.ndarray,
    n_active: int,
    idm: float,
    tau: float,
    max_gross: float,
    cap: float,
    weights: np.ndarray,
    pos: np.ndarray,
    pct: np.ndarray,
) -> tuple[float, float]:
    # position = F/10 * tau/vol * w * idm with w = weights[i], or 1/n (equal weights) where
    # weights[i] is NaN; then scaled so that sum |position| <= max_gross.
    gross = 0.0
    for i in range(forecast.size):
        if active[i]:
            w = weights[i] if weights[i] == weights[i] else 1.0 / n_active
            pos[i] = forecast[i] / 10.0 * (tau / vol[i]) * idm * w
            gross += abs(pos[i])
        else:
            pos[i] = np.nan
            pct[i] = np.nan
    if n_active == 0:
        return np.nan, np.nan
    scale = max_gross / gross if gross > max_gross else 1.0
    for i in range(forecast.size):
        if active[i]:
            pos[i] *= scale
            pct[i] = 100.0 * forecast[i] / cap * scale
    return gross * scale, scale


@nb.njit(cache=True, error_model="numpy")
def book_kernel(
    p: np.ndarray,
    forecast: np.ndarray,
    sigma: np.ndarray,
    tau: float,
    ann: float,
    min_vol: float,
    max_idm: float,
    max_gross: float,
    cap: float,
    corr_decay: float,
    corr_every: int,
    corr_min_obs: int,
    weights: np.ndarray,
    idm_fixed: float,
    s: np.ndarray,
    cnt: np.ndarray,
    inv: np.ndarray,
    known: np.ndarray,
    active: np.ndarray,
    vol_out: np.ndarray,
    pos_out: np.ndarray,
    pct_out: np.ndarray,
    idm_out: np.ndarray,
    gross_out: np.ndarray,
) -> float:
    """Run the book over the fitted history, row by row (positions, IDM, gross)."""
    # Loop over time: weekly correlation update, active set, IDM, positions (the module
    # docstring; tests/flows/test_cta.py::_slow_book is the same thing as a pandas loop).
    # Returns the last correlation total; the projection continues from it and the arrays.
    n_t, n_a = p.shape
    z = np.empty(n_a)
    new_active = np.zeros(n_a, dtype=np.bool_)
    total = 0.0
    for t in range(n_t):
        update = t >= corr_every and t % corr_every == 0
        for i in range(n_a):
            v = _vol(sigma[t - 1, i] if t > 0 else np.nan, p[t, i], ann, min_vol)
            vol_out[t, i] = v
            new_active[i] = forecast[t, i] == forecast[t, i] and v == v
            if update:
                z[i] = p[t, i] - p[t - corr_every, i]
        total, n_active = _book_step(s, cnt, inv, known, active, new_active, z, update,
                                     corr_decay, corr_min_obs, total)
        idm = _book_idm(total, n_active, max_idm, idm_fixed)
        idm_out[t] = idm
        gross, _ = _positions_row(forecast[t], vol_out[t], active, n_active, idm, tau,
                                  max_gross, cap, weights, pos_out[t], pct_out[t])
        gross_out[t] = gross
    return total


@nb.njit(cache=True, inline="always")
def _price_at(paths: np.ndarray, hist: np.ndarray, ip: int, i: int, r: int, row0: int) -> float:
    # Price of asset i at global row r: on the path after the fit, else from the history
    # buffer (whose last row is row0).
    if r > row0:
        return paths[ip, r - row0 - 1, i]
    return hist[hist.shape[0] - 1 - (row0 - r), i]


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _along_paths(
    lo: int,
    hi: int,
    paths: np.ndarray,
    hist: np.ndarray,
    row0: int,
    e0: np.ndarray,
    w0: np.ndarray,
    e_decay: np.ndarray,
    e_new: np.ndarray,
    adjust: bool,
    vm0: np.ndarray,
    vc0: np.ndarray,
    vs0: np.ndarray,
    vs20: np.ndarray,
    vn0: np.ndarray,
    v_decay: float,
    v_minp: int,
    params: ForecastParams,
    tau: float,
    ann: float,
    min_vol: float,
    max_idm: float,
    max_gross: float,
    s0: np.ndarray,
    cnt0: np.ndarray,
    inv0: np.ndarray,
    known0: np.ndarray,
    active0: np.ndarray,
    total0: float,
    corr_decay: float,
    corr_every: int,
    corr_min_obs: int,
    weights: np.ndarray,
    idm_fixed: float,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; see along_kernel
    # Continue every recursion of fit() along paths lo..hi-1.
    fast_idx, slow_idx, scalars, lookbacks, tsmom_weight, fdm, cap = params
    _, horizon, n_a = paths.shape
    n_w = scalars.size
    for ip in range(lo, hi):
        e = e0.copy()
        w = w0.copy()
        vm = vm0.copy()
        vc = vc0.copy()
        vs = vs0.copy()
        vs2 = vs20.copy()
        vn = vn0.copy()
        s = s0.copy()
        cnt = cnt0.copy()
        inv = inv0.copy()
        known = known0.copy()
        active = active0.copy()
        total_corr = total0
        new_active = np.empty(n_a, dtype=np.bool_)
        forecast = np.empty(n_a)
        vol = np.empty(n_a)
        z = np.empty(n_a)
        pct = np.empty(n_a)
        for j in range(horizon):
            t = row0 + 1 + j
            update = t % corr_every == 0
            for i in range(n_a):
                x = paths[ip, j, i]
                prev = _price_at(paths, hist, ip, i, t - 1, row0)
                sig = var_sigma(vc[i], vs[i], vs2[i], vn[i], v_minp)  # through yesterday
                for m in range(e.shape[0]):
                    e[m, i], w[m, i] = ewm_step(e[m, i], w[m, i], x, e_decay[m], e_new[m], adjust)
                total = 0.0
                for iw in range(n_w):
                    r = t - lookbacks[iw]
                    lag = _price_at(paths, hist, ip, i, r, row0)
                    ew, sg = window_value(
                        x, lag, e[fast_idx[iw], i] - e[slow_idx[iw], i], sig, scalars[iw], cap
                    )
                    total += blend_value(ew, sg, tsmom_weight)
                forecast[i] = cap_value(fdm * (total / n_w), cap)
                vm[i], vc[i], vs[i], vs2[i], vn[i] = var_step(
                    vm[i], vc[i], vs[i], vs2[i], vn[i], x - prev, v_decay
                )
                vol[i] = _vol(sig, x, ann, min_vol)
                new_active[i] = forecast[i] == forecast[i] and vol[i] == vol[i]
                if update:
                    z[i] = x - _price_at(paths, hist, ip, i, t - corr_every, row0)
            total_corr, n_active = _book_step(s, cnt, inv, known, active, new_active, z,
                                              update, corr_decay, corr_min_obs, total_corr)
            idm = _book_idm(total_corr, n_active, max_idm, idm_fixed)
            _positions_row(
                forecast, vol, active, n_active, idm, tau, max_gross, cap, weights, out[ip, j],
                pct,
            )


def along_kernel(paths: np.ndarray, *args: Any) -> None:
    """Continue every recursion of the fit along scenario paths (``_along_paths``'s arguments).

    Paths are independent: they are split over threads, each a contiguous run
    (:func:`flowdesk.flows.kernels.split_range`), the compiled loop releasing the GIL.
    """
    paths = k.input_panel(paths)
    n_paths, horizon, n_a = paths.shape
    # A path-day of one asset steps every EWMA and window and a correlation row: count
    # it as 64 cells of a panel kernel when deciding whether threads pay.
    k.split_range(_along_paths, n_paths, 1, n_paths * horizon * n_a * 64, paths, *args)


# --- model and result ---------------------------------------------------------------------


@dataclass(frozen=True)
class BookState:
    """Correlation state after the last fitted row, continued by ``positions_along``."""

    s: np.ndarray
    cnt: np.ndarray
    inv: np.ndarray
    known: np.ndarray
    active: np.ndarray
    total: float
