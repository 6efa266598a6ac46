"""Drivers decomposition: Shapley shares, regressions on known data, point in time."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from flowdesk.drivers import GROUPS, OTHER, REGRESSORS, Drivers, _r2_from_moments, shapley_r2
from flowdesk.errors import DataError, ModelError


def test_shapley_by_hand_two_groups() -> None:
    # R2(A)=0.3, R2(B)=0.2, R2(AB)=0.4: phi_A = (0.3 + (0.4 - 0.2))/2 = 0.25, phi_B = 0.15.
    r2 = {
        frozenset(): np.array([0.0]),
        frozenset({"A"}): np.array([0.3]),
        frozenset({"B"}): np.array([0.2]),
        frozenset({"A", "B"}): np.array([0.4]),
    }
    out = shapley_r2(r2, ("A", "B"))
    assert out["A"][0] == pytest.approx(0.25) and out["B"][0] == pytest.approx(0.15)


def test_r2_from_moments_equals_lstsq() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 3))
    y = x @ np.array([0.5, -1.0, 0.0]) + rng.normal(size=80)
    z = np.column_stack([np.ones(80), x, y])
    moments = (z.T @ z)[None]
    for cols in ([1], [2, 3], [1, 2, 3]):
        design = np.column_stack([np.ones(80), x[:, [c - 1 for c in cols]]])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ beta
        expected = 1 - resid @ resid / np.sum((y - y.mean()) ** 2)
        assert _r2_from_moments(moments, cols, 4)[0] == pytest.approx(expected, rel=1e-9)


def _synthetic(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2010-01-04", periods=n)
    frame = pd.DataFrame({c: rng.normal(size=n) for c in REGRESSORS}, index=idx)
    frame["data_day"] = (rng.random(n) < 0.1).astype(float)
    frame["d2y_data_bp"] *= frame["data_day"]
    # Known truth: returns load on the vol-control flow and on policy moves only.
    frame["ret_pct"] = (
        0.8 * frame["vc_flow_bn"] + 0.6 * frame["d2y_policy_bp"] + rng.normal(scale=0.5, size=n)
    )
    return frame


def test_fit_recovers_known_coefficients_and_shares() -> None:
    result = Drivers(window=63, min_train=252).fit(_synthetic())
    coef = result.coefficients["coef"]
    # Standard errors are about 0.5 / sqrt(1500) = 0.013; allow 5 of them.
    assert coef["vc_flow_bn"] == pytest.approx(0.8, abs=0.065)
    assert coef["d2y_policy_bp"] == pytest.approx(0.6, abs=0.065)
    assert abs(coef["dvix"]) < 0.065
    # Population R2 = (0.64 + 0.36) / (1 + 0.25) = 0.8, split 0.64/0.36 between flows and policy.
    full = result.full_sample
    assert full["r2"] == pytest.approx(0.8, abs=0.03)
    assert full["flows"] == pytest.approx(0.8 * 0.64, abs=0.04)
    assert full["policy"] == pytest.approx(0.8 * 0.36, abs=0.04)
    assert full["volatility"] < 0.01 and full["data"] < 0.01
    assert result.oos.loc["all", "r2"] > 0.7
    assert result.oos.loc["only_data", "r2"] < 0.01


def test_rolling_shares_sum_to_one_and_are_point_in_time() -> None:
    frame = _synthetic(900)
    full = Drivers(window=63, min_train=252).fit(frame)
    rolling = full.rolling.dropna()
    np.testing.assert_allclose(rolling[[*GROUPS, OTHER]].sum(axis=1), 1.0, atol=1e-9)
    cut = Drivers(window=63, min_train=252).fit(frame.iloc[:700])
    pd.testing.assert_frame_equal(cut.rolling, full.rolling.iloc[:700])
    # Monthly attributions of complete months before the cut do not change either.
    common = cut.monthly.index[:-1]
    pd.testing.assert_frame_equal(cut.monthly.loc[common], full.monthly.loc[common])


def test_rolling_share_equals_direct_window_regressions() -> None:
    frame = _synthetic(400, seed=3)
    result = Drivers(window=63, min_train=126).fit(frame)
    t = 300
    window = frame.iloc[t - 62 : t + 1]
    y = window["ret_pct"].to_numpy()

    def r2(groups: tuple[str, ...]) -> float:
        cols = [c for c, g in REGRESSORS.items() if g in groups]
        design = (
            np.column_stack([np.ones(len(y)), window[cols].to_numpy()])
            if cols
            else np.ones((len(y), 1))
        )
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ beta
        return 1 - resid @ resid / np.sum((y - y.mean()) ** 2)

    # Slow Shapley: average marginal R2 over all 24 orders of the four groups.
    slow = dict.fromkeys(GROUPS, 0.0)
    orders = list(itertools.permutations(GROUPS))
    for order in orders:
        for i, g in enumerate(order):
            slow[g] += (r2(order[: i + 1]) - r2(order[:i])) / len(orders)
    row = result.rolling.iloc[t]
    for g in GROUPS:
        assert row[g] == pytest.approx(slow[g], abs=1e-9)


def test_bad_input() -> None:
    with pytest.raises(DataError, match="missing columns"):
        Drivers().fit(pd.DataFrame({"ret_pct": [1.0]}))
    with pytest.raises(DataError, match="complete sessions"):
        Drivers(window=63, min_train=252).fit(_synthetic(200))
    with pytest.raises(ModelError):
        Drivers(window=5)


def test_estimate_on_real_data_is_point_in_time() -> None:
    result = Drivers().estimate("2020-06-30")
    assert result.asof <= pd.Timestamp("2020-06-30")
    assert set(result.latest_shares().index) == {*GROUPS, OTHER}
    # March-June 2020: the VIX change carries much of the variance, as in any crash.
    assert result.latest_shares()["volatility"] > 0.3
    payload = result.to_dict()
    assert payload["asof"] == result.asof.strftime("%Y-%m-%d")
    assert set(payload["rolling_latest"]) == {*GROUPS, OTHER}
