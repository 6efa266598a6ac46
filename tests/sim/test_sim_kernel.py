"""The numba kernel against the slow per-agent reference model, and its state handling.

The reference (:mod:`flowdesk.sim.reference`) is written independently: one Python
object per agent, variances recomputed from deques, EWMAs as weighted sums. Same
shocks and history must give the same prices to 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowdesk.errors import ConfigError, DataError
from flowdesk.sim.engine import buyback_flows, run_kernel, run_paths
from flowdesk.sim.params import AgentClass, SimParams
from flowdesk.sim.reference import reference_paths
from flowdesk.sim.seeds import standard_normals
from flowdesk.sim.state import KernelParams, initial_state, synthetic_history


def _compare(p: SimParams, history: np.ndarray, n_paths: int, n_days: int, entropy: int,
             shock_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    z = standard_normals(entropy, 0, n_paths, n_days) * shock_scale
    bb = buyback_flows(p, n_days)
    fast = run_paths(p, n_paths, n_days, entropy=entropy, history=history, burn_in=0, shocks=z)
    prices, rets, flows = reference_paths(p, history, z, bb)
    np.testing.assert_allclose(fast.prices, prices, rtol=1e-10, atol=0)
    np.testing.assert_allclose(fast.returns, rets, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.flows, flows, rtol=1e-8, atol=1e-14)
    return fast.flows, fast.prices


def test_kernel_equals_reference_all_agents() -> None:
    p = SimParams()
    flows, _ = _compare(p, synthetic_history(p), n_paths=3, n_days=150, entropy=5)
    # every class actually traded, so every code path was compared
    for k, cls in enumerate(AgentClass):
        assert np.any(flows[k] != 0.0), cls


def test_kernel_equals_reference_with_stop_triggers_and_lags() -> None:
    # Bigger shocks, a lag-2 CTA, re-entering stops and a value drift: more branches hit.
    p = SimParams(cta_lag=2, stop_drawdowns=(0.03, 0.06), stop_sizes_bn=(40.0, 60.0),
                  stop_recovery=0.3, value_drift=0.05, dealer_gamma_bn=-4.0)
    rng = np.random.default_rng(3)
    hist = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.012, 400)))
    flows, _ = _compare(p, hist, n_paths=2, n_days=160, entropy=9, shock_scale=1.5)
    stops = flows[6]
    assert (stops < 0).any() and (stops > 0).any()  # sells and re-entries both happened


def test_time_chunks_continue_exactly() -> None:
    p = SimParams()
    n, t1, t2 = 40, 70, 90
    hist = synthetic_history(p)
    z = standard_normals(2, 0, n, t1 + t2)
    bb = buyback_flows(p, t1 + t2)
    kp = KernelParams.from_params(p)
    whole = run_kernel(kp, initial_state(p, hist, n), z, None, bb)
    state = initial_state(p, hist, n)
    first = run_kernel(kp, state, np.ascontiguousarray(z[:t1]), None, bb)
    second = run_kernel(kp, state, np.ascontiguousarray(z[t1:]), None, bb)
    np.testing.assert_array_equal(whole[0], np.vstack([first[0], second[0]]))
    np.testing.assert_array_equal(whole[2], np.concatenate([first[2], second[2]], axis=1))


def test_forced_returns_and_residual_flow() -> None:
    p = SimParams()
    n_days = 30
    r = np.linspace(-0.02, 0.02, n_days)
    arr = run_paths(p, 2, n_days, entropy=1, history=synthetic_history(p), forced=r)
    np.testing.assert_array_equal(arr.returns, np.column_stack([r, r]))
    # residual = r / multiplier - sum of the class flows, by construction of forced mode
    expected = r[:, None] / p.multiplier - arr.flows.sum(axis=0)
    np.testing.assert_allclose(arr.residual, expected, rtol=1e-9, atol=1e-15)
    # feeding the residual back as exogenous flow reproduces the forced path
    again = run_paths(p, 2, n_days, entropy=1, history=synthetic_history(p), exo=arr.residual)
    np.testing.assert_allclose(again.returns, arr.returns, rtol=0, atol=1e-13)


def test_circuit_breaker_caps_a_day() -> None:
    p = SimParams(multiplier=5.0)
    exo = np.zeros((3, 1))
    exo[1] = -0.2  # 20% of market cap sold: -100% unclipped
    arr = run_paths(p.without(AgentClass.FUNDAMENTAL, AgentClass.NOISE), 1, 3, entropy=0,
                    history=synthetic_history(p), exo=exo)
    assert arr.returns[1, 0] == pytest.approx(np.log(0.8), abs=1e-15)


def test_burn_in_is_not_recorded_and_shapes() -> None:
    p = SimParams(burn_in=50)
    arr = run_paths(p, 5, 20, entropy=4, aux=True)
    assert arr.prices.shape == (20, 5) and arr.flows.shape == (7, 20, 5)
    assert arr.aux is not None and arr.aux.shape == (3, 20, 5)
    assert arr.path_days == 70 * 5
    np.testing.assert_allclose(arr.log_prices[1:], np.log(arr.prices), rtol=1e-12)


def test_input_validation() -> None:
    p = SimParams()
    with pytest.raises(ConfigError):
        run_paths(p, 0, 10, entropy=1)
    with pytest.raises(DataError):
        run_paths(p, 1, 10, entropy=1, history=np.ones(20))
    with pytest.raises(ConfigError):
        run_paths(p, 1, 10, entropy=1, forced=np.zeros(11), history=synthetic_history(p))


def test_returns_only_recording_gives_the_same_returns() -> None:
    p = SimParams()
    full = run_paths(p, 30, 80, entropy=6)
    lean = run_paths(p, 30, 80, entropy=6, record="returns")
    np.testing.assert_array_equal(full.returns, lean.returns)
    assert lean.prices is None and lean.flows is None
    np.testing.assert_allclose(lean.start_prices, full.start_prices, rtol=1e-12)
    with pytest.raises(ConfigError):
        lean.flow("cta")


def test_polynomial_exponentials_match_libm() -> None:
    import math

    from flowdesk.sim.polyexp import exp_clamped, exp_small

    for x in np.linspace(-0.2232, 0.2232, 2001):  # a day within the circuit breaker
        assert exp_small(x) == pytest.approx(math.exp(x), rel=4e-16)
    for x in np.linspace(-40.0, 40.0, 4001):
        assert exp_clamped(x) == pytest.approx(math.exp(x), rel=5e-14)
    assert exp_clamped(100.0) == pytest.approx(math.exp(40.0), rel=5e-14)
