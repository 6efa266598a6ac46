"""Pivot levels: the next-session price at which a window's signal changes sign."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowdesk.flows.cta_pivots import pivot_levels, tsmom_pivot
from flowdesk.flows.cta_signals import DEFAULT_WINDOWS, TrendSpec, trend_forecasts, tsmom_signs


def _walk(seed: int, n_t: int, n_a: int, level: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = level + np.cumsum(rng.standard_normal((n_t, n_a)) * rng.uniform(0.2, 3.0, n_a), axis=0)
    p[rng.random((n_t, n_a)) < 0.03] = np.nan  # missing sessions: the weights keep decaying
    return p


def _slow_ewmac_pivot(p: pd.Series, fast: int, slow: int, adjust: bool) -> pd.Series:
    """pandas EWMAs and weight sums, then the closed form of the module docstring."""
    out = {}
    for span in (fast, slow):
        alpha = 2 / (span + 1)
        mean = p.ewm(span=span, adjust=adjust).mean()
        if adjust:
            weight = p.notna().astype(float).where(p.notna()).ewm(alpha=alpha).sum()
            c = 1 / ((1 - alpha) * weight + 1)
        else:
            c = alpha  # the weight state is 1 after an observation: e' = (1 - a) e + a p
        out[span] = (mean, c)
    (e_f, c_f), (e_s, c_s) = out[fast], out[slow]
    return (((1 - c_s) * e_s - (1 - c_f) * e_f) / (c_f - c_s)).where(p.notna())


@pytest.mark.parametrize("adjust", [True, False])
def test_pivots_equal_slow_formula(adjust: bool) -> None:
    p = _walk(0, 500, 3, 50.0)
    levels = pivot_levels(p, TrendSpec(adjust=adjust))
    for w in DEFAULT_WINDOWS:
        for j in range(3):
            slow = _slow_ewmac_pivot(pd.Series(p[:, j]), w.fast, w.slow, adjust)
            np.testing.assert_allclose(levels[w.name][0][:, j], slow, rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(levels[w.name][1][w.lookback - 1 :],
                                      p[: len(p) - w.lookback + 1])


def _signs_after(p: np.ndarray, tomorrow: np.ndarray, spec: TrendSpec) -> tuple:
    extended = np.vstack([p, tomorrow])
    tf = trend_forecasts(extended, spec)
    ewmac = np.sign(tf.ewmac[:, -1])
    tsmom = np.array([tsmom_signs(extended, tf.ewmac[i], w.lookback)[-1]
                      for i, w in enumerate(spec.windows)])
    return ewmac, tsmom


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 100_000), n_t=st.integers(254, 400), adjust=st.booleans(),
       level=st.sampled_from([-40.0, 5.0, 100.0, 5000.0]))
def test_pivots_bracket_the_sign_change(seed: int, n_t: int, adjust: bool, level: float) -> None:
    # Append p* - eps and p* + eps as the next session and refit: each window's EWMAC
    # is short below its pivot and long above it; the same for TSMOM around p_{t+1-h}.
    # Negative levels included: the signals use differences only.
    p = _walk(seed, n_t, 3, level)
    p[-1] = np.where(np.isnan(p[-1]), level, p[-1])  # a price today (the pivot needs it)
    spec = TrendSpec(adjust=adjust)
    levels = pivot_levels(p, spec)
    for i, w in enumerate(spec.windows):
        for kind in (0, 1):
            pivot = levels[w.name][kind][-1]
            if np.isnan(pivot).any():  # TSMOM pivot on a missing session: nothing to bracket
                assert kind == 1
                continue
            eps = 1e-7 * np.maximum(np.abs(pivot), np.abs(p[-1]))
            below, above = _signs_after(p, pivot - eps, spec), _signs_after(p, pivot + eps, spec)
            has_sigma = ~np.isnan(below[0][i])
            assert np.all(below[kind][i][has_sigma] == -1)
            assert np.all(above[kind][i][has_sigma] == 1)


def test_tsmom_pivot_rolls_forward() -> None:
    p = np.arange(10.0)[:, None]
    out = tsmom_pivot(p, 3)
    assert np.isnan(out[:2]).all() and out[2, 0] == 0.0 and out[9, 0] == 7.0
    np.testing.assert_array_equal(tsmom_pivot(p, 1), p)
