"""path_stats' compiled drawdown and tail index equal the obvious NumPy versions, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from flowdesk.flows import kernels
from flowdesk.sim.moments import hill
from flowdesk.sim.pathstats import path_stats


def _obvious_drawdown(r: np.ndarray) -> np.ndarray:
    logp = np.vstack([np.zeros((1, r.shape[1])), np.cumsum(r, axis=0)])
    return (1.0 - np.exp(logp - np.maximum.accumulate(logp, axis=0))).max(axis=0)


@pytest.mark.parametrize("threads", [False, True])
def test_drawdown_and_tail_equal_numpy_exactly(monkeypatch: pytest.MonkeyPatch,
                                               threads: bool) -> None:
    if threads:  # force the thread split on this small panel
        monkeypatch.setattr(kernels, "SERIAL_CELLS", 0)
        monkeypatch.setattr(kernels, "_threads", lambda: 2)
    rng = np.random.default_rng(7)
    r = rng.standard_t(3, size=(900, 301)) * 0.012
    r[:, 4] = 0.0  # flat path: drawdown 0, tail from ties
    r[300:, 9] = np.abs(r[300:, 9])  # only up after day 300
    r[5:60, 11] = np.nan  # missing days: NaN never ranks in the tail (np.sort puts it last)
    r[:880, 12] = np.nan  # fewer observed days than the tail needs: NaN rows in the top
    with np.errstate(invalid="ignore"):  # the flat path's tail is 0 / 0 in both
        stats = path_stats(r)
        np.testing.assert_array_equal(stats["tail_index"], hill(r))
    np.testing.assert_array_equal(stats["max_drawdown"], _obvious_drawdown(r))
    assert stats["max_drawdown"].iloc[4] == 0.0
    assert math.isfinite(stats["tail_index"].iloc[11]) and math.isnan(stats["tail_index"].iloc[12])


def test_nan_propagates_like_numpy() -> None:
    r = np.full((60, 3), 0.01)
    r[10, 1] = np.nan
    r[::2, 2] = -0.02
    with np.errstate(invalid="ignore", divide="ignore"):  # constant paths: no tail
        got = path_stats(r)["max_drawdown"].to_numpy()
    want = _obvious_drawdown(r)
    np.testing.assert_array_equal(got, want)
    assert math.isnan(got[1])
