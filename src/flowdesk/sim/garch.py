"""The null model: GJR-GARCH(1,1) with Student-t innovations, own MLE, and its simulation.

Model (returns in percent, ``y_t = 100 r_t``)::

    y_t       = mu + e_t,   e_t = sigma_t z_t,   z_t ~ standardised Student t(nu)
    sigma2_t  = omega + (alpha + gamma 1[e_{t-1} < 0]) e_{t-1}**2 + beta sigma2_{t-1}

Estimated by maximum likelihood with :func:`flowdesk.sim.optimize.nelder_mead`
under ``omega > 0``, ``alpha >= 0``, ``alpha + gamma >= 0``, ``beta >= 0``,
``alpha + gamma / 2 + beta < 1`` and ``2.05 < nu < 500``. The recursion starts
from the backcast ``arch`` uses (0.94-weighted mean of the first 75 squared
residuals at the sample mean; ``gamma`` enters the first step with weight 1/2), so
the log-likelihoods are comparable with ``arch.arch_model(y, o=1, dist="t")``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
import pandas as pd

from flowdesk.errors import DataError, ModelError
from flowdesk.results import Result
from flowdesk.sim.optimize import nelder_mead
from flowdesk.sim.seeds import BLOCK, block_generator

__all__ = ["PARAM_NAMES", "GJRGarchT", "GarchResult", "backcast", "gjr_loglik"]

PARAM_NAMES: tuple[str, ...] = ("mu", "omega", "alpha", "gamma", "beta", "nu")
_SCALE = 100.0  # fit in percent, as arch recommends for daily returns
_NULL_STREAM = 7  # random-number stream of the null simulation (seeds.block_generator)


def backcast(resid: np.ndarray) -> float:
    """``arch``'s starting variance: 0.94-weighted mean of the first 75 squared residuals."""
    tau = min(75, resid.size)
    w = 0.94 ** np.arange(tau)
    return float(np.sum(resid[:tau] ** 2 * (w / w.sum())))


@nb.njit(cache=True)
def _loglik(params: np.ndarray, y: np.ndarray, back: float) -> float:  # pragma: no cover
    mu, omega, alpha, gamma, beta, nu = params
    const = math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu) - 0.5 * math.log(
        math.pi * (nu - 2.0))
    total = 0.0
    s2 = omega + (alpha + 0.5 * gamma + beta) * back
    prev = 0.0
    for t in range(y.size):
        if t > 0:
            g = gamma if prev < 0.0 else 0.0
            s2 = omega + (alpha + g) * prev * prev + beta * s2
        e = y[t] - mu
        total += const - 0.5 * math.log(s2) - 0.5 * (nu + 1.0) * math.log(
            1.0 + e * e / (s2 * (nu - 2.0)))
        prev = e
    return total


def _feasible(p: np.ndarray) -> bool:
    _, omega, alpha, gamma, beta, nu = p
    return bool(omega > 0 and alpha >= 0 and alpha + gamma >= 0 and beta >= 0
                and alpha + 0.5 * gamma + beta < 1.0 and 2.05 < nu < 500.0)


def gjr_loglik(params: np.ndarray, y: np.ndarray, back: float | None = None) -> float:
    """Log-likelihood of percent returns ``y`` (``-inf`` outside the constraints)."""
    p = np.asarray(params, dtype=np.float64)
    if not _feasible(p):
        return -math.inf
    yy = np.ascontiguousarray(y, dtype=np.float64)
    b = backcast(yy - yy.mean()) if back is None else back
    return float(_loglik(p, yy, b))


@nb.njit(cache=True)
def _simulate_into(params: np.ndarray, z: np.ndarray, s2_0: float, out: np.ndarray
                   ) -> None:  # pragma: no cover
    # z: (burn + n_days, n) standardised t draws; out: (n_days, n) log returns.
    mu, omega, alpha, gamma, beta, _ = params
    n_t, n = z.shape
    burn = n_t - out.shape[0]
    for j in range(n):
        s2 = s2_0
        prev = 0.0
        for t in range(n_t):
            if t > 0:
                g = gamma if prev < 0.0 else 0.0
                s2 = omega + (alpha + g) * prev * prev + beta * s2
            e = math.sqrt(s2) * z[t, j]
            prev = e
            if t >= burn:
                out[t - burn, j] = (mu + e) / _SCALE


@dataclass(frozen=True)
class GarchResult(Result):
    """A fitted GJR-GARCH-t (parameters for percent returns).

    Attributes
    ----------
    params
        ``mu, omega, alpha, gamma, beta, nu``.
    loglik
        Maximised log-likelihood (percent returns).
    nobs
        Observations.
    converged
        Whether the simplex converged.
    """

    params: pd.Series
    loglik: float
    nobs: int
    converged: bool

    @property
    def persistence(self) -> float:
        """``alpha + gamma / 2 + beta``."""
        p = self.params
        return float(p["alpha"] + 0.5 * p["gamma"] + p["beta"])

    @property
    def unconditional_var(self) -> float:
        """Unconditional variance of percent returns."""
        return float(self.params["omega"] / (1.0 - self.persistence))

    def simulate(self, n_paths: int, n_days: int, *, entropy: int, burn: int = 500) -> np.ndarray:
        """``(n_days, n_paths)`` daily log returns; path ``i`` uses its block's stream."""
        nu = float(self.params["nu"])
        n_t = burn + n_days
        z = np.empty((n_t, n_paths))
        for g in range(-(-n_paths // BLOCK)):
            lo, hi = g * BLOCK, min((g + 1) * BLOCK, n_paths)
            draw = block_generator(entropy, g, _NULL_STREAM).standard_t(nu, size=(n_t, BLOCK))
            z[:, lo:hi] = draw[:, : hi - lo] * math.sqrt((nu - 2.0) / nu)
        out = np.empty((n_days, n_paths))
        _simulate_into(self.params.to_numpy(dtype=np.float64), z, self.unconditional_var, out)
        return out

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Parameters (percent returns), persistence, log-likelihood and convergence."""
        return {
            "params": self.params.to_dict(),
            "persistence": self.persistence,
            "unconditional_var": self.unconditional_var,
            "loglik": self.loglik,
            "nobs": self.nobs,
            "converged": self.converged,
        }

    def to_frame(self) -> pd.DataFrame:
        """The parameters as a one-column table."""
        return self.params.to_frame()

    def summary(self) -> str:
        """Parameters, persistence and log-likelihood."""
        rows = "\n".join(f"  {k:6s} {v: .5f}" for k, v in self.params.items())
        return (f"GJR-GARCH(1,1)-t on {self.nobs} daily returns (percent)\n{rows}\n"
                f"  persistence {self.persistence:.4f}, log-likelihood {self.loglik:.2f}"
                f"{'' if self.converged else ' (simplex did not converge)'}")


class GJRGarchT:
    """GJR-GARCH(1,1)-t fitted by maximum likelihood (module docstring).

    Parameters
    ----------
    restarts
        Nelder-Mead restarts from the best point (each with a fresh simplex).
    max_evals
        Evaluation budget per run.
    """

    def __init__(self, *, restarts: int = 3, max_evals: int = 4000) -> None:
        self.restarts = int(restarts)
        self.max_evals = int(max_evals)

    def fit(self, returns: pd.Series | np.ndarray) -> GarchResult:
        """Fit to daily **log** returns (scaled to percent inside)."""
        r = np.asarray(returns, dtype=np.float64)
        if r.ndim != 1 or r.size < 250 or not np.all(np.isfinite(r)):
            raise DataError("GJR-GARCH: need at least 250 finite daily returns")
        y = np.ascontiguousarray(r * _SCALE)
        back = backcast(y - y.mean())
        var = float(y.var())
        x = np.array([y.mean(), 0.05 * var, 0.02, 0.10, 0.88, 8.0])

        def nll(p: np.ndarray) -> float:
            return -_loglik(p, y, back) if _feasible(p) else math.inf

        steps = np.array([0.02, 0.02 * var, 0.02, 0.05, 0.03, 2.0])
        res = nelder_mead(nll, x, steps, max_evals=self.max_evals, xtol=1e-7, ftol=1e-9)
        for _ in range(self.restarts):
            res = nelder_mead(nll, res.x, 0.1 * steps, max_evals=self.max_evals, xtol=1e-8,
                              ftol=1e-10)
        if not np.isfinite(res.fun):
            raise ModelError("GJR-GARCH: the likelihood could not be evaluated")
        return GarchResult(params=pd.Series(res.x, index=list(PARAM_NAMES), name="value"),
                           loglik=-res.fun, nobs=int(y.size), converged=res.converged)
