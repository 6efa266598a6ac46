"""The simulator's numba kernel: loop over days outside, over paths inside.

:func:`simulate_into` advances every path of a caller-allocated state by
``n_steps`` days and writes prices, returns and each agent class's flow into
caller-allocated outputs (nothing large is allocated inside). Paths are split
into blocks of :data:`flowdesk.sim.seeds.BLOCK`; each block is one parallel task.
Within a block every day is a sequence of short passes over the block's paths,
each touching a few contiguous rows and written without data-dependent stores,
so that LLVM vectorises them; the two exponentials are polynomials
(:mod:`flowdesk.sim.polyexp`) for the same reason. The state carries
everything an agent remembers, so a second call continues the first exactly:

* ring buffers: the last 63 log returns (rolling 21/63-day variances kept as
  running sums), the last ``max_lookback + 1`` closes (TSMOM lookbacks), the
  last ``lag + 1`` targets of every vol-control cohort and of the CTA book;
* recursions: RiskMetrics EWMA, the CTA price EWMAs and the EW variance of price
  differences, stepped with the flow engine's own one-row kernels
  (:func:`flowdesk.flows.cta_signals.ewm_step`, ``var_step``, ``var_sigma``,
  ``window_value``, ``blend_value``, ``cap_value``), so a simulated path gives
  the same signals as :class:`~flowdesk.flows.volcontrol.VolControl` and
  :func:`~flowdesk.flows.cta_signals.trend_forecasts` run on it.

Day ``t`` (model and units in :mod:`flowdesk.sim.params`): every agent submits
its order from the state after close ``t - 1``; the net flow ``Q`` (fraction of
market cap) moves the log price by ``multiplier * Q`` (clipped to the circuit
breaker); then every state is updated with close ``t``. In *forced* mode the
return is given instead and the kernel records the residual flow
``r / multiplier - Q`` that the given return implies (used by the replay).

Layouts (``n`` = paths): ``mk`` rows = log price, price, log value, last return,
fundamentalist share for the next day, EWMA variance, held vol-control
exposure, held CTA position; ``vsum`` rows = sum and sum of squares of the last
21 and 63 returns; ``cvol`` rows = EW mean, EW (biased) variance, weight sums of
the price-difference variance.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np

from flowdesk.flows.cta_signals import (
    blend_value,
    cap_value,
    ewm_step,
    var_sigma,
    var_step,
    window_value,
)
from flowdesk.sim.polyexp import exp_clamped, exp_small
from flowdesk.sim.seeds import BLOCK

__all__ = [
    "CIRCUIT_BREAKER",
    "CTA_FIELDS",
    "FW_FIELDS",
    "MK_ROWS",
    "N_CLASSES",
    "simulate_into",
]

#: Rows of the market state array ``mk``.
MK_ROWS = ("logp", "price", "logv", "r_prev", "n_f", "ewma_var", "vc_held", "cta_held")
#: Order of the scalar vector ``fw`` (herding traders and the price rule).
FW_FIELDS = (
    "mu_over_multiplier", "phi", "chi", "sigma_f", "sigma_c", "alpha_0", "alpha_n",
    "alpha_p", "beta", "value_drift_daily", "value_vol_daily", "multiplier", "alpha_r",
)
#: Order of the scalar vector ``cta`` of the trend book.
CTA_FIELDS = (
    "tsmom_weight", "fdm", "forecast_cap", "vol_target", "min_vol", "max_position",
    "aum_fraction", "equity_weight",
)
N_CLASSES = 7
#: Largest absolute daily log return: the level-3 market-wide circuit breaker (-20%).
CIRCUIT_BREAKER = -math.log(0.8)
_ANN = math.sqrt(252.0)
_EWMA_DECAY = 0.94  # RiskMetrics, as flowdesk.flows.volcontrol_trigger.EWMA_LAMBDA
_W_SHORT = 21
_W_LONG = 63  # also the length of the return ring


@nb.njit(cache=True, inline="always")
def _put(dst: np.ndarray, src: np.ndarray) -> None:
    # dst[:] = src for equal-length rows. A loop, because numba's array setitem checks
    # shapes with a formatted error message whose compilation cost seconds.
    for jj in range(dst.size):
        dst[jj] = src[jj]


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _advance_block(
    lo, hi, t0, rec0, z, zv, exo, forced, bb, fw, scale,
    coh_tv, coh_cap, coh_w, coh_lag, coh_est, vc_aum,
    decays, new_wts, adjust, v_decay, v_minp, fast_idx, slow_idx, scalars, lookbacks,
    cta, cta_lag, gamma, stop_d, stop_size, stop_rec,
    mk, vring, vsum, vtgt, cema, cwt, cvol, cnobs, pring, ctgt, sarm, shigh,
    out_p, out_r, out_f, out_aux, out_exo,
):  # pragma: no cover - compiled; see simulate_into
    # One block of paths [lo, hi) through every day. A plain function (not the body of
    # the prange loop) so numba compiles it once, quickly, and LLVM sees simple loops.
    n_steps = z.shape[0]
    has_v = zv.shape[0] > 0
    has_exo = exo.shape[0] > 0
    exo_wide = exo.shape[1] > 1
    has_forced = forced.shape[0] > 0
    forced_wide = forced.shape[1] > 1
    has_aux = out_aux.shape[1] > 0
    has_p = out_p.shape[0] > 0
    has_f = out_f.shape[1] > 0
    has_res = out_exo.shape[0] > 0
    k_fw, phi, chi, sig_f, sig_c = fw[0], fw[1], fw[2], fw[3], fw[4]
    a0, a_n, a_p, beta = fw[5], fw[6], fw[7], fw[8]
    v_drift, v_vol, lam, a_r = fw[9], fw[10], fw[11], fw[12]
    tsmom_w, fdm, fcap, vt, min_vol = cta[0], cta[1], cta[2], cta[3], cta[4]
    max_pos, cta_aum, eq_w = cta[5], cta[6], cta[7]
    n_coh = coh_tv.size
    ring_l = vtgt.shape[1]
    n_span = decays.size
    n_win = scalars.size
    ring_p = pring.shape[0]
    ring_c = ctgt.shape[0]
    n_stop = stop_d.size
    c_f = scale[0] * k_fw
    c_n = scale[1] * k_fw
    c_d = -scale[5] * gamma
    m = hi - lo
    # 1-D views of this block's rows: unit stride, few base pointers per pass.
    logp = mk[0, lo:hi]
    price = mk[1, lo:hi]
    logv = mk[2, lo:hi]
    rprev = mk[3, lo:hi]
    ret = rprev  # r_{t-1} until the orders are in, then overwritten with r_t
    share = mk[4, lo:hi]
    ewvar = mk[5, lo:hi]
    vheld = mk[6, lo:hi]
    cheld = mk[7, lo:hi]
    nobs = cnobs[lo:hi]
    fl = np.empty((N_CLASSES, m))
    held = np.empty(m)
    prev_p = np.empty(m)
    nf_used = np.empty(m)
    vols = np.empty((3, m))
    sig = np.empty(m)
    total = np.empty(m)
    code = np.empty(m)
    for i in range(n_steps):
        t = t0 + i
        o = i - rec0
        z_f = z[i, 0, lo:hi]
        z_c = z[i, 1, lo:hi]
        # --- orders for day t, from the state after close t-1 -------------------
        f0 = fl[0]
        for jj in range(m):
            f0[jj] = c_f * share[jj] * (phi * (logv[jj] - logp[jj]) + sig_f * z_f[jj])
        f1 = fl[1]
        for jj in range(m):
            f1[jj] = c_n * (1.0 - share[jj]) * (chi * rprev[jj] + sig_c * z_c[jj])
        f5 = fl[5]
        for jj in range(m):
            f5[jj] = c_d * rprev[jj]
        fl[4, :] = scale[4] * bb[t]
        if has_aux:
            _put(nf_used, share)
        row = vtgt[0, (t - coh_lag[0]) % ring_l, lo:hi]
        w = coh_w[0]
        for jj in range(m):
            held[jj] = 0.0 + w * row[jj]  # 0.0 + keeps the flow engine's summation
        for c in range(1, n_coh):
            row = vtgt[c, (t - coh_lag[c]) % ring_l, lo:hi]
            w = coh_w[c]
            for jj in range(m):
                held[jj] += w * row[jj]
        f2 = fl[2]
        for jj in range(m):
            f2[jj] = scale[2] * (held[jj] - vheld[jj]) * vc_aum
        _put(vheld, held)
        crow = ctgt[(t - cta_lag) % ring_c, lo:hi]
        f3 = fl[3]
        for jj in range(m):
            f3[jj] = scale[3] * (crow[jj] - cheld[jj]) * cta_aum
        _put(cheld, crow)
        f6 = fl[6]
        if n_stop == 0:
            f6[:] = 0.0
        for k in range(n_stop):
            down = 1.0 - stop_d[k]
            back = 1.0 - (1.0 - stop_rec[k]) * stop_d[k]
            size = scale[6] * stop_size[k]
            armed = sarm[k, lo:hi]
            high = shigh[k, lo:hi]
            # code: -1 the cluster sells, +1 it buys back, 0 nothing (one store per pass)
            for jj in range(m):
                on = armed[jj] > 0.5
                sell = on and price[jj] <= high[jj] * down
                buy = (not on) and price[jj] >= high[jj] * back
                code[jj] = -1.0 if sell else (1.0 if buy else 0.0)
            if k == 0:
                for jj in range(m):
                    f6[jj] = 0.0 + code[jj] * size
            else:
                for jj in range(m):
                    f6[jj] += code[jj] * size
            for jj in range(m):
                armed[jj] = armed[jj] + code[jj]
                high[jj] = price[jj] if code[jj] > 0.0 else high[jj]
        # --- clearing: linear impact ---------------------------------------------
        for jj in range(m):
            ret[jj] = f0[jj] + f1[jj] + f2[jj] + f3[jj] + fl[4, jj] + f5[jj]
        for jj in range(m):
            ret[jj] += f6[jj]
        if has_exo:
            for jj in range(m):
                ret[jj] += exo[i, lo + jj if exo_wide else 0]
        if has_forced:
            for jj in range(m):
                r = forced[i, lo + jj if forced_wide else 0]
                if has_res and o >= 0:
                    out_exo[o, lo + jj] = r / lam - ret[jj]
                ret[jj] = r
        else:
            for jj in range(m):
                x = lam * ret[jj]
                x = x if x > -CIRCUIT_BREAKER else -CIRCUIT_BREAKER
                ret[jj] = x if x < CIRCUIT_BREAKER else CIRCUIT_BREAKER
        # --- market state with close t -------------------------------------------
        for jj in range(m):
            logp[jj] += ret[jj]
        _put(prev_p, price)
        for jj in range(m):
            price[jj] = prev_p[jj] * exp_small(ret[jj])
        if has_v:
            zvi = zv[i, 0, lo:hi]
            for jj in range(m):
                logv[jj] = logv[jj] + v_drift + v_vol * zvi[jj]
        else:
            for jj in range(m):
                logv[jj] += v_drift
        for jj in range(m):
            nf = share[jj]
            mis = logp[jj] - logv[jj]
            attract = a0 + a_n * (nf - (1.0 - nf)) + a_p * mis * mis + a_r * ret[jj]
            share[jj] = 1.0 / (1.0 + exp_clamped(-beta * attract))
        if o >= 0:
            _put(out_r[o, lo:hi], ret)
            if has_p:
                _put(out_p[o, lo:hi], price)
            if has_f:
                for k in range(N_CLASSES):
                    _put(out_f[k, o, lo:hi], fl[k])
            if has_aux:
                _put(out_aux[0, o, lo:hi], vheld)
                _put(out_aux[1, o, lo:hi], cheld)
                _put(out_aux[2, o, lo:hi], nf_used)
        # --- vol-control estimators and targets with close t ---------------------
        old_l = vring[t % _W_LONG, lo:hi]
        old_s = vring[(t - _W_SHORT) % _W_LONG, lo:hi]
        s_s = vsum[0, lo:hi]
        q_s = vsum[1, lo:hi]
        s_l = vsum[2, lo:hi]
        q_l = vsum[3, lo:hi]
        for jj in range(m):
            s_s[jj] += ret[jj] - old_s[jj]
        for jj in range(m):
            q_s[jj] += ret[jj] * ret[jj] - old_s[jj] * old_s[jj]
        for jj in range(m):
            s_l[jj] += ret[jj] - old_l[jj]
        for jj in range(m):
            q_l[jj] += ret[jj] * ret[jj] - old_l[jj] * old_l[jj]
        _put(old_l, ret)  # the slot of t - 63 now holds r_t
        v21 = vols[0]
        v63 = vols[1]
        vew = vols[2]
        for jj in range(m):
            var_s = (q_s[jj] - s_s[jj] * s_s[jj] / _W_SHORT) / (_W_SHORT - 1)
            v21[jj] = math.sqrt(252.0 * (var_s if var_s > 0.0 else 0.0))
        for jj in range(m):
            var_l = (q_l[jj] - s_l[jj] * s_l[jj] / _W_LONG) / (_W_LONG - 1)
            v63[jj] = math.sqrt(252.0 * (var_l if var_l > 0.0 else 0.0))
        for jj in range(m):
            e, _ = ewm_step(ewvar[jj], 1.0, ret[jj] * ret[jj], _EWMA_DECAY,
                            1.0 - _EWMA_DECAY, False)
            ewvar[jj] = e
        for jj in range(m):
            vew[jj] = math.sqrt(252.0 * ewvar[jj])
        slot_v = t % ring_l
        for c in range(n_coh):
            est = coh_est[c]
            tv = coh_tv[c]
            cap = coh_cap[c]
            dst = vtgt[c, slot_v, lo:hi]
            if est == 3:
                for jj in range(m):
                    vol = v21[jj] if v21[jj] > v63[jj] else v63[jj]
                    x = tv / vol
                    dst[jj] = (x if x < cap else cap) if vol > 0.0 else cap
            else:
                src = vols[est]
                for jj in range(m):
                    vol = src[jj]
                    x = tv / vol
                    dst[jj] = (x if x < cap else cap) if vol > 0.0 else cap
        # --- CTA signals and position with close t -------------------------------
        c_mean = cvol[0, lo:hi]
        c_cov = cvol[1, lo:hi]
        c_sw = cvol[2, lo:hi]
        c_sw2 = cvol[3, lo:hi]
        for jj in range(m):
            sig[jj] = var_sigma(c_cov[jj], c_sw[jj], c_sw2[jj], nobs[jj], v_minp)
        for s in range(n_span):
            dec = decays[s]
            nw = new_wts[s]
            em = cema[s, lo:hi]
            ew = cwt[s, lo:hi]
            for jj in range(m):
                e, w = ewm_step(em[jj], ew[jj], price[jj], dec, nw, adjust)
                em[jj] = e
                ew[jj] = w
        for w in range(n_win):
            lagged = pring[(t - lookbacks[w]) % ring_p, lo:hi]
            fast = cema[fast_idx[w], lo:hi]
            slow = cema[slow_idx[w], lo:hi]
            sc = scalars[w]
            for jj in range(m):
                ewc, sg = window_value(price[jj], lagged[jj], fast[jj] - slow[jj], sig[jj],
                                       sc, fcap)
                total[jj] = (0.0 if w == 0 else total[jj]) + blend_value(ewc, sg, tsmom_w)
        dst = ctgt[t % ring_c, lo:hi]
        for jj in range(m):
            f = cap_value(fdm * (total[jj] / n_win), fcap)
            vol = sig[jj] / price[jj] * _ANN
            vol = vol if vol > min_vol else min_vol
            pos = f / 10.0 * vt / vol * eq_w
            pos = pos if pos > -max_pos else -max_pos
            pos = pos if pos < max_pos else max_pos
            dst[jj] = pos if pos == pos else 0.0
        for jj in range(m):
            mean, cov, sw, sw2, cnt = var_step(c_mean[jj], c_cov[jj], c_sw[jj], c_sw2[jj],
                                               nobs[jj], price[jj] - prev_p[jj], v_decay)
            c_mean[jj] = mean
            c_cov[jj] = cov
            c_sw[jj] = sw
            c_sw2[jj] = sw2
            nobs[jj] = cnt
        _put(pring[t % ring_p, lo:hi], price)
        for k in range(n_stop):
            armed = sarm[k, lo:hi]
            high = shigh[k, lo:hi]
            for jj in range(m):
                high[jj] = price[jj] if (armed[jj] > 0.5 and price[jj] > high[jj]) else high[jj]


def simulate_into(
    t0, rec0, z, zv, exo, forced, bb, fw, scale,
    coh_tv, coh_cap, coh_w, coh_lag, coh_est, vc_aum,
    decays, new_wts, adjust, v_decay, v_minp, fast_idx, slow_idx, scalars, lookbacks,
    cta, cta_lag, gamma, stop_d, stop_size, stop_rec,
    mk, vring, vsum, vtgt, cema, cwt, cvol, cnobs, pring, ctgt, sarm, shigh,
    out_p, out_r, out_f, out_aux, out_exo,
) -> None:
    """Advance all paths ``z.shape[0]`` days; see the module docstring.

    Parameters
    ----------
    t0
        Absolute index of the first day (ring positions and the buyback calendar).
    rec0
        First step written to the outputs (earlier steps are burn-in).
    z, zv
        ``(n_steps, 2, n)`` standard normal shocks of fundamentalists and noise
        traders; ``(n_steps, 1, n)`` value shocks or ``(0, 1, n)`` for none.
    exo, forced
        ``(n_steps, n or 1)`` extra exogenous flow / given returns, or ``(0, 1)``.
    bb
        Buyback net flow per absolute day (fraction of cap), length >= ``t0 + n_steps``.
    fw, scale
        Herding and price-rule scalars (:data:`FW_FIELDS`); flow scale per class.
    coh_tv, coh_cap, coh_w, coh_lag, coh_est, vc_aum
        Vol-control cohorts (estimator codes 0 close21, 1 close63, 2 ewma94,
        3 max21_63) and AUM as a fraction of cap.
    decays, new_wts, adjust, v_decay, v_minp, fast_idx, slow_idx, scalars, lookbacks
        CTA signal recursions, as in :mod:`flowdesk.flows.cta_signals`.
    cta, cta_lag
        Trend-book scalars (:data:`CTA_FIELDS`) and execution lag.
    gamma
        Dealer gamma, flow per unit log return (positive = long gamma).
    stop_d, stop_size, stop_rec
        Stop clusters: trigger drawdown, size (fraction of cap), recovery share.
    mk, vring, vsum, vtgt, cema, cwt, cvol, cnobs, pring, ctgt, sarm, shigh
        State, updated in place (module docstring).
    out_p, out_r, out_f, out_aux, out_exo
        ``(n_steps - rec0, n)`` prices (or ``(0, n)`` not to record them) and log
        returns, ``(7, ., n)`` flows by class (or ``(7, 0, n)``), ``(3, ., n)``
        held vol-control exposure / CTA position / share of fundamentalists (or
        ``(3, 0, n)``), implied residual flow in forced mode (or ``(0, n)``).
    """
    n = mk.shape[1]
    rest = (t0, rec0, z, zv, exo, forced, bb, fw, scale,
            coh_tv, coh_cap, coh_w, coh_lag, coh_est, vc_aum,
            decays, new_wts, adjust, v_decay, v_minp, fast_idx, slow_idx, scalars, lookbacks,
            cta, cta_lag, gamma, stop_d, stop_size, stop_rec,
            mk, vring, vsum, vtgt, cema, cwt, cvol, cnobs, pring, ctgt, sarm, shigh,
            out_p, out_r, out_f, out_aux, out_exo)
    starts = range(0, n, BLOCK)
    threads = min(nb.get_num_threads(), len(starts))

    def advance(chunk: range) -> None:
        for lo in chunk:
            _advance_block(lo, min(lo + BLOCK, n), *rest)

    # Blocks of paths are independent and _advance_block releases the GIL, so plain
    # threads run them in parallel (each a contiguous run of blocks, like a static
    # schedule); a prange loop here would add seconds to the one-time compile.
    if threads <= 1:
        advance(starts)
        return
    per = -(-len(starts) // threads)
    chunks = [starts[k * per:(k + 1) * per] for k in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(advance, chunks))
