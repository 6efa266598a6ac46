"""Each numba kernel equals the pandas expression its docstring names (rtol 1e-10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from flowdesk.data import load
from flowdesk.flows import kernels as k

RTOL = 1e-10


def _random_panel(seed: int, n_t: int = 400, n_a: int = 300, nan_frac: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_t(4, size=(n_t, n_a)) * 0.01
    x[rng.random(x.shape) < nan_frac] = np.nan
    if n_a > 7:
        x[:17, 3] = np.nan  # a column that starts late
        x[:, 5] = 0.25  # a constant column: pandas returns exact zeros for its variance
        x[100:160, 7] = np.nan  # a long gap
    return x


def _real_panel() -> np.ndarray:
    frame = pd.concat([load(s) for s in ("SP500", "NDX", "TLT", "GLD", "BTC")], axis=1, sort=True)
    return np.log(frame).diff().to_numpy()


@pytest.fixture(params=["random", "sparse", "real"])
def panel(request: pytest.FixtureRequest) -> np.ndarray:
    if request.param == "random":
        return _random_panel(0)
    if request.param == "sparse":
        return _random_panel(1, n_a=3, nan_frac=0.3)
    return _real_panel()


def _close(ours: np.ndarray, theirs: pd.DataFrame) -> None:
    np.testing.assert_allclose(ours, theirs.to_numpy(), rtol=RTOL, atol=0, equal_nan=True)


@pytest.mark.parametrize("adjust", [True, False])
@pytest.mark.parametrize("ignore_na", [False, True])
def test_ewm_mean_and_std_equal_pandas(panel: np.ndarray, adjust: bool, ignore_na: bool) -> None:
    frame = pd.DataFrame(panel)
    for span, minp in ((10, 0), (35, 20)):
        ewm = frame.ewm(span=span, adjust=adjust, ignore_na=ignore_na, min_periods=minp)
        _close(k.ewm_mean(panel, span=span, adjust=adjust, ignore_na=ignore_na,
                          min_periods=minp), ewm.mean())
        _close(k.ewm_std(panel, span=span, adjust=adjust, ignore_na=ignore_na,
                         min_periods=minp), ewm.std())
        _close(k.ewm_std(panel, span=span, adjust=adjust, ignore_na=ignore_na,
                         min_periods=minp, bias=True), ewm.std(bias=True))


def test_ewm_alpha_094_like_riskmetrics() -> None:
    panel = _real_panel()
    ours = k.ewm_mean(panel**2, alpha=0.06, adjust=False)
    theirs = pd.DataFrame(panel**2).ewm(alpha=0.06, adjust=False).mean()
    _close(ours, theirs)


@pytest.mark.parametrize(("window", "minp"), [(21, None), (63, 40), (5, 0), (1, 1)])
def test_rolling_equal_pandas(panel: np.ndarray, window: int, minp: int | None) -> None:
    roll = pd.DataFrame(panel).rolling(window, min_periods=minp)
    _close(k.rolling_sum(panel, window, minp), roll.sum())
    _close(k.rolling_mean(panel, window, minp), roll.mean())
    if window > 1:
        # Compare variances: where a window holds one observation pandas can return
        # a rounding residue (~1e-19) instead of zero, which a square root would
        # blow up to ~1e-10; the absolute tolerance is 1e-12 of the data's variance.
        scale = 1e-12 * float(np.nanvar(panel))
        for ddof in (0, 1):
            np.testing.assert_allclose(
                k.rolling_std(panel, window, minp, ddof=ddof) ** 2,
                roll.var(ddof=ddof).to_numpy(), rtol=RTOL, atol=scale, equal_nan=True,
            )


@pytest.mark.parametrize("lag", [1, 5, 21, 252])
def test_lagged_returns_equal_pandas(lag: int) -> None:
    prices = pd.concat([load(s) for s in ("SP500", "GLD", "BTC")], axis=1, sort=True).to_numpy()
    frame = pd.DataFrame(prices)
    _close(k.lagged_returns(prices, lag), frame.pct_change(lag, fill_method=None))
    _close(k.lagged_returns(prices, lag, log=True), np.log(frame).diff(lag))


def test_one_dimensional_input_gives_one_dimensional_output() -> None:
    x = np.array([1.0, 2.0, np.nan, 4.0])
    # Hand check, span 3 (alpha 0.5), adjust=True, NaN not ignored:
    # y0 = 1; y1 = (0.5*1 + 2)/(0.5 + 1) = 5/3; at the NaN the old weight 1.5 decays
    # to 0.75 and the mean stays 5/3; y3 = (0.375*5/3 + 4)/(0.375 + 1).
    expected = [1.0, 5 / 3, 5 / 3, (0.375 * 5 / 3 + 4) / 1.375]
    np.testing.assert_allclose(k.ewm_mean(x, span=3), expected, rtol=1e-14)
    assert k.rolling_sum(x, 2, 1).tolist()[:2] == [1.0, 3.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: k.ewm_mean(np.ones(3)), "exactly one of span or alpha"),
        (lambda: k.ewm_mean(np.ones(3), alpha=1.5), "alpha must be in"),
        (lambda: k.rolling_sum(np.ones(3), 0), "window must be >= 1"),
        (lambda: k.rolling_sum(np.ones(3), 2, 3), "min_periods must be in"),
        (lambda: k.lagged_returns(np.ones(3), 0), "lag must be >= 1"),
        (lambda: k.ewm_mean(np.ones((2, 2, 2)), span=3), "1-D or 2-D"),
    ],
)
def test_bad_arguments(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 40), st.integers(1, 4)),
        elements=st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(np.nan)),
    ),
    st.integers(1, 12),
)
def test_property_rolling_and_ewm_match_pandas(x: np.ndarray, window: int) -> None:
    frame = pd.DataFrame(x)
    np.testing.assert_allclose(k.rolling_sum(x, window, 1), frame.rolling(window, 1).sum(),
                               rtol=1e-9, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(k.ewm_mean(x, span=window), frame.ewm(span=window).mean(),
                               rtol=1e-9, atol=1e-9, equal_nan=True)


def test_threaded_blocks_equal_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    # Force the thread split (the test panels are below SERIAL_CELLS) on 700 columns:
    # three blocks of 256, the last one short, split over two or more threads.
    monkeypatch.setattr(k, "SERIAL_CELLS", 0)
    monkeypatch.setattr(k, "_threads", lambda: 2)
    panel = _random_panel(3, n_t=120, n_a=700)
    frame = pd.DataFrame(panel)
    _close(k.ewm_mean(panel, span=10), frame.ewm(span=10).mean())
    _close(k.ewm_std(panel, span=10, adjust=False), frame.ewm(span=10, adjust=False).std())
    _close(k.rolling_sum(panel, 21), frame.rolling(21).sum())
    np.testing.assert_allclose(k.rolling_std(panel, 21) ** 2, frame.rolling(21).var(),
                               rtol=RTOL, atol=1e-12 * float(np.nanvar(panel)), equal_nan=True)
    prices = np.exp(np.nancumsum(panel, axis=0))
    _close(k.lagged_returns(prices, 5), pd.DataFrame(prices).pct_change(5, fill_method=None))


def test_zero_price_gives_inf_like_pandas() -> None:
    prices = np.array([[1.0, 0.0], [2.0, 1.0], [0.0, 2.0]])
    _close(k.lagged_returns(prices, 1), pd.DataFrame(prices).pct_change(1, fill_method=None))


def test_one_compiled_specialisation_for_writable_and_read_only_inputs() -> None:
    # pandas' copy-on-write arrays are read-only; each type would be a second compile.
    writable = _random_panel(4, n_t=50, n_a=3)
    read_only = writable.copy()
    read_only.flags.writeable = False
    for x in (writable, read_only, writable[:, :2], np.asfortranarray(writable)):
        out = np.empty(x.shape)
        k.ewm_mean_into(x, 0.2, True, False, 0, out)
        k.rolling_sum_into(x, 5, 5, out)
    assert len(k._ewm_mean_cols.signatures) == 1
    assert len(k._rolling_cols.signatures) == 1


def test_output_of_another_layout_is_filled_and_a_wrong_shape_refused() -> None:
    x = _random_panel(5, n_t=30, n_a=4)
    expected = pd.DataFrame(x).ewm(alpha=0.5).mean()
    for out in (np.empty((30, 4), order="F"), np.empty((30, 4), dtype=np.float32)):
        k.ewm_mean_into(x, 0.5, True, False, 0, out)
        np.testing.assert_allclose(out, expected, rtol=1e-6 if out.dtype == np.float32 else RTOL)
    with pytest.raises(ValueError, match=r"out: need a writable array of shape \(30, 4\)"):
        k.ewm_mean_into(x, 0.5, True, False, 0, np.empty((4, 30)))
