"""The kernel's inputs: parameter arrays, and the agents' state seeded from a price history.

Every agent starts in the state it would be in after trading through a history
of closes: the vol-control estimators and targets come from
:func:`flowdesk.flows.volcontrol_trigger.daily_variances` and ``cohort_target``,
the CTA recursions from :func:`flowdesk.flows.cta_signals.signal_state` and
:func:`~flowdesk.flows.cta_signals.trend_forecasts`, so the simulated path
continues the flow engine's own fits. The history is the real S&P 500 for a
replay, or a synthetic one (alternating returns ``+-initial_vol``) followed by a
simulated burn-in otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from flowdesk.errors import DataError
from flowdesk.flows.cta_signals import signal_state, trend_forecasts
from flowdesk.flows.kernels import span_to_alpha
from flowdesk.flows.volcontrol_trigger import (
    cohort_target,
    daily_variances,
    estimator_vol,
)
from flowdesk.sim.params import SimParams

__all__ = [
    "ESTIMATOR_CODES", "STATE_FIELDS", "KernelParams", "SimState", "initial_state", "state_key",
    "synthetic_history",
]

#: Kernel codes of the vol-control estimators.
ESTIMATOR_CODES = {"close21": 0, "close63": 1, "ewma94": 2, "max21_63": 3}
_ANN = math.sqrt(252.0)


@dataclass(frozen=True)
class KernelParams:
    """:class:`SimParams` as the kernel's scalar vectors and arrays (see the kernel)."""

    fw: np.ndarray
    scale: np.ndarray
    coh_tv: np.ndarray
    coh_cap: np.ndarray
    coh_w: np.ndarray
    coh_lag: np.ndarray
    coh_est: np.ndarray
    vc_aum: float
    decays: np.ndarray
    new_wts: np.ndarray
    adjust: bool
    v_decay: float
    v_minp: int
    fast_idx: np.ndarray
    slow_idx: np.ndarray
    scalars: np.ndarray
    lookbacks: np.ndarray
    cta: np.ndarray
    cta_lag: int
    gamma: float
    stop_d: np.ndarray
    stop_size: np.ndarray
    stop_rec: np.ndarray

    @classmethod
    def from_params(cls, p: SimParams) -> KernelParams:
        """Pack the parameters (dollar amounts become fractions of market cap)."""
        spec = p.trend
        spans = spec.spans
        pos = {s: i for i, s in enumerate(spans)}
        alphas = np.array([span_to_alpha(s) for s in spans])
        fw = np.array([
            p.mu / p.multiplier, p.phi, p.chi, p.sigma_f, p.sigma_c, p.alpha_0, p.alpha_n,
            p.alpha_p, p.beta, p.value_drift / 252.0, p.value_vol / _ANN, p.multiplier,
            p.alpha_r,
        ])
        cta = np.array([
            spec.tsmom_weight, spec.fdm, spec.cap, p.cta_vol_target, p.cta_min_vol,
            p.cta_max_position, p.fraction(p.cta_aum_bn), p.cta_equity_weight,
        ])
        return cls(
            fw=fw,
            scale=np.array(p.scales, dtype=np.float64),
            coh_tv=np.array([c.target_vol for c in p.cohorts], dtype=np.float64),
            coh_cap=np.array([c.cap for c in p.cohorts], dtype=np.float64),
            coh_w=np.array([c.weight for c in p.cohorts], dtype=np.float64),
            coh_lag=np.array([c.lag for c in p.cohorts], dtype=np.int64),
            coh_est=np.array([ESTIMATOR_CODES[c.estimator] for c in p.cohorts], dtype=np.int64),
            vc_aum=p.fraction(p.volcontrol_aum_bn),
            decays=1.0 - alphas,
            new_wts=np.ones_like(alphas) if spec.adjust else alphas,
            adjust=bool(spec.adjust),
            v_decay=1.0 - span_to_alpha(spec.vol_span),
            v_minp=int(spec.vol_min_periods),
            fast_idx=np.array([pos[w.fast] for w in spec.windows], dtype=np.int64),
            slow_idx=np.array([pos[w.slow] for w in spec.windows], dtype=np.int64),
            scalars=np.array([w.scalar for w in spec.windows], dtype=np.float64),
            lookbacks=np.array([w.lookback for w in spec.windows], dtype=np.int64),
            cta=cta,
            cta_lag=int(p.cta_lag),
            gamma=p.dealer_gamma,
            stop_d=np.array(p.stop_drawdowns, dtype=np.float64),
            stop_size=np.array([p.fraction(s) for s in p.stop_sizes_bn], dtype=np.float64),
            stop_rec=np.full(len(p.stop_drawdowns), p.stop_recovery, dtype=np.float64),
        )

    def args(self) -> tuple:
        """The kernel's parameter arguments, in order (after ``bb``)."""
        return (
            self.fw, self.scale, self.coh_tv, self.coh_cap, self.coh_w, self.coh_lag,
            self.coh_est, self.vc_aum, self.decays, self.new_wts, self.adjust, self.v_decay,
            self.v_minp, self.fast_idx, self.slow_idx, self.scalars, self.lookbacks, self.cta,
            self.cta_lag, self.gamma, self.stop_d, self.stop_size, self.stop_rec,
        )


@dataclass
class SimState:
    """Mutable state of ``n`` paths (layouts in :mod:`flowdesk.sim.kernel`).

    ``t`` is the absolute index of the next day to simulate; the history ends at ``-1``.
    """

    mk: np.ndarray
    vring: np.ndarray
    vsum: np.ndarray
    vtgt: np.ndarray
    cema: np.ndarray
    cwt: np.ndarray
    cvol: np.ndarray
    cnobs: np.ndarray
    pring: np.ndarray
    ctgt: np.ndarray
    sarm: np.ndarray
    shigh: np.ndarray
    t: int = 0

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return self.mk.shape[1]

    def args(self) -> tuple:
        """The kernel's state arguments, in order."""
        return (self.mk, self.vring, self.vsum, self.vtgt, self.cema, self.cwt, self.cvol,
                self.cnobs, self.pring, self.ctgt, self.sarm, self.shigh)

    def nbytes(self) -> int:
        """Bytes held by the state arrays."""
        return sum(a.nbytes for a in self.args())

    def copy(self) -> SimState:
        """A deep copy (the kernel mutates the state)."""
        return SimState(*(a.copy() for a in self.args()), t=self.t)


def min_history(p: SimParams) -> int:
    """Closes a history needs so that every estimator and lagged target exists."""
    max_lag = max(c.lag for c in p.cohorts)
    return max(64 + max_lag + 1, p.trend.max_lookback + p.cta_lag + 3, p.stop_lookback, 40)


def synthetic_history(p: SimParams, n_closes: int | None = None) -> np.ndarray:
    """Closes from 100 with log returns ``+initial_vol, -initial_vol, ...``."""
    n = max(min_history(p), 300) if n_closes is None else n_closes
    steps = p.initial_vol * np.where(np.arange(n - 1) % 2 == 0, 1.0, -1.0)
    return 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))


def _ring(rows: np.ndarray, length: int, n: int) -> np.ndarray:
    """Ring buffer whose slot ``s % length`` holds ``rows[s]`` for ``s = -length .. -1``."""
    out = np.empty((length, n))
    for k in range(1, length + 1):
        out[(-k) % length] = rows[-k]
    return out


#: The :class:`SimParams` fields :func:`initial_state` reads. Parameter sets equal on
#: these start from the same state, which lets a replay seed its agents once for all
#: its parameter draws (``tests/sim`` perturbs every other field to keep this true).
STATE_FIELDS = (
    "cohorts", "trend", "cta_vol_target", "cta_min_vol", "cta_equity_weight",
    "cta_max_position", "cta_lag", "stop_lookback", "stop_drawdowns",
)


def state_key(p: SimParams) -> tuple:
    """The values of :data:`STATE_FIELDS` in ``p`` (hashable)."""
    return tuple(getattr(p, name) for name in STATE_FIELDS)


def initial_state(
    p: SimParams,
    history: np.ndarray,
    n_paths: int,
    *,
    n_f: float | np.ndarray = 0.5,
    mispricing: float | np.ndarray = 0.0,
) -> SimState:
    """State after trading through ``history`` (closes, oldest first), per path.

    Parameters
    ----------
    p
        Parameters.
    history
        Positive closes; at least :func:`min_history` of them.
    n_paths
        Paths (all start from the same history).
    n_f
        Share of fundamentalists for the first simulated day (scalar or per path).
    mispricing
        Log value minus log price at the last close (scalar or per path).
    """
    hist = np.asarray(history, dtype=np.float64)
    need = min_history(p)
    if hist.ndim != 1 or hist.size < need:
        raise DataError(f"simulator history: need at least {need} closes, got {hist.size}")
    if not np.all(np.isfinite(hist)) or np.any(hist <= 0):
        raise DataError("simulator history: closes must be finite and positive")
    n = int(n_paths)
    r = np.diff(np.log(hist))
    panel = r[:, None]
    var = daily_variances(panel, demean=True)  # the sim kernel continues the mean-subtracted form
    vols = {k: np.sqrt(252.0 * v[:, 0]) for k, v in var.items()}
    vols["max21_63"] = estimator_vol("max21_63", vols)
    max_lag = max(c.lag for c in p.cohorts)
    ring_l = max_lag + 1
    vtgt = np.empty((len(p.cohorts), ring_l, n))
    held = 0.0
    for ci, c in enumerate(p.cohorts):
        target = cohort_target(c, vols[c.estimator])
        vtgt[ci] = _ring(target[:, None], ring_l, n)
        held += c.weight * target[-1 - c.lag]
    vring = _ring(panel, 63, n)
    last21, last63 = r[-21:], r[-63:]
    vsum = np.empty((4, n))
    vsum[:] = np.array([last21.sum(), (last21 * last21).sum(), last63.sum(),
                        (last63 * last63).sum()])[:, None]

    spec = p.trend
    ring_p = spec.max_lookback + 1
    st = signal_state(hist[:, None], spec, ring_p)
    fc = trend_forecasts(hist[:, None], spec)
    sigma_prev = np.concatenate([[np.nan], fc.sigma[:-1, 0]])
    vol = np.maximum(sigma_prev / hist * _ANN, p.cta_min_vol)
    pos = fc.forecast[:, 0] / 10.0 * p.cta_vol_target / vol * p.cta_equity_weight
    pos = np.nan_to_num(np.clip(pos, -p.cta_max_position, p.cta_max_position), nan=0.0)
    ring_c = p.cta_lag + 1

    mk = np.empty((8, n))
    logp = math.log(hist[-1])
    mk[0] = logp
    mk[1] = hist[-1]
    mk[2] = logp + np.broadcast_to(np.asarray(mispricing, dtype=np.float64), (n,))
    mk[3] = r[-1]
    mk[4] = np.broadcast_to(np.asarray(n_f, dtype=np.float64), (n,))
    mk[5] = var["ewma94"][-1, 0]
    mk[6] = held
    mk[7] = pos[-1 - p.cta_lag]
    high = hist[-p.stop_lookback:].max()
    drawdowns = np.asarray(p.stop_drawdowns, dtype=np.float64)
    armed = (hist[-1] > high * (1.0 - drawdowns)).astype(np.float64)
    return SimState(
        mk=mk,
        vring=vring,
        vsum=vsum,
        vtgt=vtgt,
        cema=np.repeat(st.ewm_mean, n, axis=1),
        cwt=np.repeat(st.ewm_weight, n, axis=1),
        cvol=np.repeat(np.stack([st.vol_mean, st.vol_cov, st.vol_sum_wt, st.vol_sum_wt2]), n,
                       axis=1),
        cnobs=np.repeat(st.vol_nobs, n).astype(np.int64),
        pring=_ring(np.repeat(st.history, n, axis=1), ring_p, n),
        ctgt=_ring(pos[:, None], ring_c, n),
        sarm=np.repeat(armed[:, None], n, axis=1),
        shigh=np.full((drawdowns.size, n), high),
    )
