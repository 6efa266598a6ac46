"""A small Nelder-Mead minimiser (NumPy only) for the GARCH fit and the calibration.

Standard coefficients (reflection 1, expansion 2, contraction 0.5, shrink 0.5)
as in Nelder & Mead (1965) / Lagarias et al. (1998). A non-finite objective is
treated as +inf, so constraints can be written as walls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["OptimResult", "nelder_mead"]


@dataclass(frozen=True)
class OptimResult:
    """Outcome of :func:`nelder_mead`.

    Attributes
    ----------
    x, fun
        Best point and its objective value.
    nfev, nit
        Objective evaluations and iterations.
    converged
        Whether the simplex met both tolerances before ``max_evals``.
    """

    x: np.ndarray
    fun: float
    nfev: int
    nit: int
    converged: bool


def nelder_mead(
    fun: Callable[[np.ndarray], float],
    x0: np.ndarray,
    step: np.ndarray | float = 0.1,
    *,
    max_evals: int = 2000,
    xtol: float = 1e-7,
    ftol: float = 1e-9,
) -> OptimResult:
    """Minimise ``fun`` from ``x0`` with the Nelder-Mead simplex.

    Parameters
    ----------
    fun
        Objective; NaN or inf count as +inf.
    x0
        Starting point.
    step
        Initial simplex edge per coordinate (vertex ``i`` is ``x0 + step_i e_i``).
    max_evals
        Evaluation budget.
    xtol, ftol
        Stop when every vertex is within ``xtol`` of the best (max-norm) and
        every value within ``ftol`` of the best.
    """
    x0 = np.asarray(x0, dtype=np.float64)
    n = x0.size
    steps = np.broadcast_to(np.asarray(step, dtype=np.float64), (n,))
    nfev = 0

    def f(x: np.ndarray) -> float:
        nonlocal nfev
        nfev += 1
        value = float(fun(x))
        return value if np.isfinite(value) else np.inf

    simplex = np.vstack([x0] + [x0 + steps[i] * np.eye(n)[i] for i in range(n)])
    values = np.array([f(v) for v in simplex])
    nit = 0
    converged = False
    while nfev < max_evals:
        order = np.argsort(values, kind="stable")
        simplex, values = simplex[order], values[order]
        if (np.max(np.abs(simplex[1:] - simplex[0])) <= xtol
                and np.max(np.abs(values[1:] - values[0])) <= ftol):
            converged = True
            break
        nit += 1
        centroid = simplex[:-1].mean(axis=0)
        worst = simplex[-1]
        xr = centroid + (centroid - worst)
        fr = f(xr)
        if fr < values[0]:
            xe = centroid + 2.0 * (centroid - worst)
            fe = f(xe)
            simplex[-1], values[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = xr, fr
        else:
            outside = fr < values[-1]
            xc = centroid + 0.5 * ((xr if outside else worst) - centroid)
            fc = f(xc)
            if fc < (fr if outside else values[-1]):
                simplex[-1], values[-1] = xc, fc
            else:
                simplex[1:] = simplex[0] + 0.5 * (simplex[1:] - simplex[0])
                values[1:] = [f(v) for v in simplex[1:]]
    best = int(np.argmin(values))
    return OptimResult(x=simplex[best].copy(), fun=float(values[best]), nfev=nfev, nit=nit,
                       converged=converged)
