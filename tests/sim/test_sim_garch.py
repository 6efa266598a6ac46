"""GJR-GARCH-t: own MLE against ``arch`` on simulated data; the Nelder-Mead minimiser."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import DataError
from flowdesk.sim.garch import PARAM_NAMES, GarchResult, GJRGarchT, gjr_loglik
from flowdesk.sim.optimize import nelder_mead

arch = pytest.importorskip("arch")

TRUE = pd.Series([0.03, 0.02, 0.03, 0.12, 0.88, 6.0], index=list(PARAM_NAMES))


def _simulated(seed: int, n: int = 4000) -> np.ndarray:
    return GarchResult(TRUE, math.nan, 0, True).simulate(1, n, entropy=seed)[:, 0]


@pytest.mark.parametrize("seed", [1, 2])
def test_own_mle_matches_arch(seed: int) -> None:
    r = _simulated(seed)
    own = GJRGarchT().fit(r)
    ref = arch.arch_model(r * 100, p=1, o=1, q=1, dist="t", mean="Constant").fit(disp="off")
    # Both maximise the same likelihood from the same backcast, so they agree to the
    # optimisers' tolerance: 1e-3 on the recursion parameters, 0.05 on nu (flat direction).
    np.testing.assert_allclose(own.params.to_numpy()[:5], ref.params.to_numpy()[:5], atol=1e-3)
    assert own.params["nu"] == pytest.approx(ref.params["nu"], abs=0.05)
    assert own.loglik == pytest.approx(ref.loglikelihood, abs=1e-4)
    # and the likelihood function itself equals arch's at arch's optimum
    assert gjr_loglik(ref.params.to_numpy(), r * 100) == pytest.approx(ref.loglikelihood,
                                                                       abs=1e-6)
    # 4,000 observations pin the truth down to a few standard errors
    assert own.params["beta"] == pytest.approx(TRUE["beta"], abs=0.05)
    assert own.params["gamma"] == pytest.approx(TRUE["gamma"], abs=0.06)


def test_loglik_is_minus_inf_outside_the_constraints() -> None:
    r = _simulated(3, 500) * 100
    bad = TRUE.copy()
    bad["beta"] = 0.99  # persistence above 1
    assert gjr_loglik(bad.to_numpy(), r) == -math.inf
    bad = TRUE.copy()
    bad["nu"] = 2.0
    assert gjr_loglik(bad.to_numpy(), r) == -math.inf


def test_simulated_variance_matches_the_unconditional_variance() -> None:
    g = GarchResult(TRUE, math.nan, 0, True)
    r = g.simulate(64, 3000, entropy=4)
    # unconditional variance of percent returns: omega / (1 - alpha - gamma/2 - beta) = 0.4
    assert g.unconditional_var == pytest.approx(0.02 / (1 - 0.03 - 0.06 - 0.88))
    assert (r * 100).var() == pytest.approx(g.unconditional_var, rel=0.1)
    # path by path and day by day: fewer paths and a shorter horizon give a prefix
    np.testing.assert_array_equal(g.simulate(3, 50, entropy=4), r[:50, :3])
    # a result like every other: JSON form (NaN log-likelihood -> null) and text
    d = g.to_dict()
    assert d["loglik"] is None and d["params"]["beta"] == 0.88
    assert d["persistence"] == pytest.approx(g.persistence)
    assert str(g) == g.summary()


def test_fit_rejects_short_or_bad_input() -> None:
    with pytest.raises(DataError):
        GJRGarchT().fit(np.zeros(100))
    with pytest.raises(DataError):
        GJRGarchT().fit(np.full(400, np.nan))


def test_nelder_mead_finds_the_rosenbrock_minimum() -> None:
    def rosen(x: np.ndarray) -> float:
        return float(100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2)

    res = nelder_mead(rosen, np.array([-1.2, 1.0]), 0.5, max_evals=4000, xtol=1e-10,
                      ftol=1e-14)
    assert res.converged
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-5)


def test_nelder_mead_treats_nan_as_a_wall() -> None:
    def f(x: np.ndarray) -> float:
        return math.nan if x[0] < 0 else float((x[0] - 0.5) ** 2 + x[1] ** 2)

    res = nelder_mead(f, np.array([2.0, 1.0]), 1.0, max_evals=2000)
    np.testing.assert_allclose(res.x, [0.5, 0.0], atol=1e-4)
