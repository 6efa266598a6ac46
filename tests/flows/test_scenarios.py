"""Scenario paths and flow projections on toy books with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import ModelError
from flowdesk.flows.common import AumBand
from flowdesk.flows.scenarios import (
    TapeSpec,
    bootstrap_paths,
    project,
    standardised_shocks,
    tape_paths,
)


def test_drift_only_tape_paths_by_hand() -> None:
    last = np.array([100.0, 50.0])
    sigma = np.array([0.01, 0.02])
    # Up, k = 1, h = 4: a log drift of 1 x sigma x sqrt(4) = 2 sigma spread over 4
    # sessions, i.e. sigma / 2 a session: 100 e^{0.005 j} and 50 e^{0.01 j}.
    up = tape_paths(last, sigma, 4, "up", k=1.0)
    j = np.arange(1, 5)
    np.testing.assert_allclose(up[0, :, 0], 100.0 * np.exp(0.005 * j))
    np.testing.assert_allclose(up[0, :, 1], 50.0 * np.exp(0.01 * j))
    # Down, k = 2, h = 1: -2 sigma in one session.
    down = tape_paths(last, sigma, 1, "down", k=2.0)
    np.testing.assert_allclose(down[0, 0], [100.0 * np.exp(-0.02), 50.0 * np.exp(-0.04)])
    flat = tape_paths(last, sigma, 4, "flat")
    assert (flat == last).all() and flat.shape == (1, 4, 2)


def test_tape_paths_for_a_negative_price_move_additively() -> None:
    path = tape_paths(np.array([-10.0]), np.array([0.1]), 4, "up")
    # |-10| x 0.1 x sqrt(4) = 2 over 4 sessions: +0.5 per session in the up direction.
    np.testing.assert_allclose(path[0, :, 0], [-9.5, -9.0, -8.5, -8.0])


def test_shocked_tape_paths_by_hand() -> None:
    # One asset, shocks that are +1 every day: draws are all +1, their antithetic
    # twins -1. h = 2, sigma = 0.01, k = 1, vol going to 2x: multipliers
    # m_1 = 1 + (2 - 1) x 1/2 = 1.5, m_2 = 2. Drift per session 0.01 x sqrt(2) / 2.
    shocks = np.ones((30, 1))
    paths = tape_paths(np.array([100.0]), np.array([0.01]), 2, "down", k=1.0, shocks=shocks,
                       vol_end=2.0, n_paths=4, block=5, rng=0)
    assert paths.shape == (4, 2, 1)
    mu = -0.01 * np.sqrt(2) / 2
    plus = 100.0 * np.exp(np.cumsum([mu + 0.015, mu + 0.02]))
    minus = 100.0 * np.exp(np.cumsum([mu - 0.015, mu - 0.02]))
    np.testing.assert_allclose(paths[:2, :, 0], [plus, plus])
    np.testing.assert_allclose(paths[2:, :, 0], [minus, minus])
    # The antithetic pairs leave the drift alone: the mean log move is the drift.
    np.testing.assert_allclose(np.log(paths[:, -1, 0] / 100.0).mean(), 2 * mu)


def test_standardised_shocks_equal_the_pandas_expression() -> None:
    rng = np.random.default_rng(4)
    r = rng.normal(0, 0.01, size=(300, 2)) * np.linspace(1, 3, 300)[:, None]
    r[100, 1] = np.nan
    frame = pd.DataFrame(r)
    s = np.sqrt((frame**2).ewm(alpha=0.06, adjust=False).mean()).shift(1)
    z = (frame / s).iloc[20:].dropna()
    want = z / np.sqrt((z**2).mean())
    np.testing.assert_allclose(standardised_shocks(r), want.to_numpy(), rtol=1e-12)
    assert np.sqrt((standardised_shocks(r) ** 2).mean(axis=0)) == pytest.approx([1.0, 1.0])


def test_tape_spec_validation_and_description() -> None:
    spec = TapeSpec()
    assert "sigma x sqrt(h)" in spec.describe() and spec.to_dict()["definition"]
    assert spec.vol_end("down") == 1.5 and spec.vol_end("flat") == 1.0
    with pytest.raises(ModelError, match="k must be"):
        TapeSpec(k=-1.0)
    with pytest.raises(ModelError, match="shocks"):
        TapeSpec(shocks="garch")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="even"):
        TapeSpec(n_paths=3)
    assert "no dispersion" in TapeSpec(shocks="none").describe()


def test_bootstrap_resamples_whole_dates_in_blocks() -> None:
    hist = np.column_stack([np.arange(100) / 1000.0, -np.arange(100) / 1000.0])
    paths = bootstrap_paths(hist, np.array([1.0, 1.0]), horizon=10, n_paths=50, block=5, rng=3)
    assert paths.shape == (50, 10, 2)
    # Recover the sampled returns: r_t = p_t / p_{t-1} - 1.
    prices = np.concatenate([np.ones((50, 1, 2)), paths], axis=1)
    sampled = prices[:, 1:, :] / prices[:, :-1, :] - 1.0
    rows = np.rint(sampled[:, :, 0] * 1000).astype(int)
    # Same date for both assets (cross-asset dependence kept) ...
    np.testing.assert_allclose(sampled[:, :, 1], -sampled[:, :, 0], atol=1e-12)
    # ... and consecutive dates inside each block of 5.
    for block in (rows[:, :5], rows[:, 5:]):
        assert (np.diff(block, axis=1) == 1).all()
    again = bootstrap_paths(hist, np.array([1.0, 1.0]), 10, 50, block=5, rng=3)
    np.testing.assert_array_equal(paths, again)


def test_bootstrap_drops_incomplete_days_and_needs_enough_history() -> None:
    hist = np.array([[0.01, np.nan], [0.02, 0.01], [0.0, 0.0], [0.01, 0.02]])
    paths = bootstrap_paths(hist, np.array([1.0, 1.0]), 2, 20, block=1, rng=0)
    assert np.isfinite(paths).all()
    with pytest.raises(ModelError, match="complete days"):
        bootstrap_paths(hist[:2], np.array([1.0, 1.0]), 2, 5, block=5)


def test_project_a_linear_momentum_book_by_hand() -> None:
    # Toy book: position = 2 x (p / 100 - 1) in each asset, so the flow after n
    # sessions of a tape is 2 x (p_n / 100 - 1) - current (current = 0 at p = 100).
    def book(paths: np.ndarray) -> np.ndarray:
        return 2.0 * (paths / 100.0 - 1.0)

    aum = AumBand(100.0, 200.0, 400.0)
    hist = np.random.default_rng(0).normal(0, 0.01, size=(500, 2))
    flows = project(book, np.zeros(2), ("A", "B"), np.array([100.0, 100.0]),
                    np.array([0.01, 0.02]), hist, aum, n_paths=200, seed=1,
                    tape=TapeSpec(shocks="none"))
    # Up tape, 1 week (5 sessions), drift only: log move sigma x sqrt(5),
    # A = 2 x (e^{0.01 sqrt 5} - 1), B = 2 x (e^{0.02 sqrt 5} - 1).
    a = 2 * (np.exp(0.01 * np.sqrt(5)) - 1)
    b = 2 * (np.exp(0.02 * np.sqrt(5)) - 1)
    band = flows.tape_band("1w", "up")
    assert band.base == pytest.approx((a + b) * 200.0)
    assert band.low == pytest.approx((a + b) * 100.0)
    assert flows.tape_band("1w", "up", "B").high == pytest.approx(b * 400.0)
    assert flows.tape_band("1m", "flat").base == 0.0
    assert flows.tape_band("1m", "down").base < 0 < flows.tape_band("1m", "up").base
    mc = flows.monte_carlo["1m"]["total"]
    assert mc.is_monotonic_increasing and mc.loc[0.05] < 0 < mc.loc[0.95]
    payload = flows.to_dict()
    assert set(payload["1w"]) >= {"flat", "up", "down", "by_asset", "monte_carlo"}
    assert set(payload["1m"]["monte_carlo"]) == {"q05", "q25", "q50", "q75", "q95"}


def test_project_rejects_a_position_function_of_the_wrong_shape() -> None:
    aum = AumBand(1.0, 1.0, 1.0)
    with pytest.raises(ModelError, match="returned shape"):
        project(lambda p: np.zeros((1, 1)), np.zeros(1), ("A",), np.ones(1), np.full(1, 0.01),
                np.zeros((50, 1)), aum, n_paths=10)


def test_bad_tape_arguments() -> None:
    with pytest.raises(ModelError, match="horizon"):
        tape_paths(np.ones(1), np.ones(1), 0, "up")
    with pytest.raises(ModelError, match="unknown tape"):
        tape_paths(np.ones(1), np.ones(1), 1, "sideways")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="equal length"):
        tape_paths(np.ones(2), np.ones(1), 1, "up")
