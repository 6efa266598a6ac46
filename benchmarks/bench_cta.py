"""CTA trend book: numba forecasts and fit vs pandas series by series; path projection.

Baseline measured in the same run: :func:`flowdesk.flows.cta_signals.pandas_forecasts`,
the straightforward pandas version (one asset at a time, ``ewm``/``shift``/``clip``),
on a synthetic 1,000-asset x 7,500-session panel. The benchmark asserts that both
give the same forecasts before it prints any ratio. ``CTA.fit`` also builds the
book (a 1,000 x 1,000 weekly correlation EWMA and the IDM), which the pandas
baseline does not do; both ratios are printed.

Run: python benchmarks/run.py cta
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from _util import median_time, report
from flowdesk.flows.common import AumBand
from flowdesk.flows.cta import CTA, positions_along
from flowdesk.flows.cta_signals import TrendSpec, pandas_forecasts, trend_forecasts

N_T, N_A = 7_500, 1_000
N_PATHS, HORIZON, N_PATH_ASSETS = 10_000, 21, 10


def _universe() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    steps = rng.standard_t(5, size=(N_T, N_A)) * 0.01
    p = 100.0 * np.exp(np.cumsum(steps, axis=0))
    p[: N_T // 10, : N_A // 10] = np.nan  # some assets start late
    p[rng.random(p.shape) < 0.002] = np.nan  # scattered missing sessions
    index = pd.bdate_range("1996-01-01", periods=N_T)
    return pd.DataFrame(p, index=index, columns=[f"A{i:04d}" for i in range(N_A)])


def main() -> None:
    frame = _universe()
    panel = np.ascontiguousarray(frame.to_numpy())
    spec = TrendSpec()
    model = CTA(aum=AumBand(200.0, 350.0, 500.0))

    ours = trend_forecasts(panel, spec)
    ewmac, _, combined = pandas_forecasts(frame, spec)
    np.testing.assert_allclose(ours.forecast, combined.to_numpy(), rtol=1e-10, atol=1e-12)
    for i, w in enumerate(spec.windows):
        np.testing.assert_allclose(ours.ewmac[i], ewmac[w.name].to_numpy(), rtol=1e-10,
                                   atol=1e-12)
    fitted = model.fit(frame)
    np.testing.assert_array_equal(fitted.forecast.to_numpy(), ours.forecast)
    print(f"forecasts equal to the pandas version (rtol 1e-10) on {N_T:,} x {N_A:,}")

    pandas_t = median_time(lambda: pandas_forecasts(frame, spec), repeat=3, warmup=0)
    numba_t = median_time(lambda: trend_forecasts(panel, spec), repeat=5)
    fit_t = median_time(lambda: model.fit(frame), repeat=3)
    report(
        f"CTA forecasts on {N_T:,} sessions x {N_A:,} assets (medians)",
        [
            ("pandas, series by series", pandas_t, "s"),
            ("trend_forecasts (numba)", numba_t, "s"),
            ("CTA.fit (forecasts + book + checks)", fit_t, "s"),
        ],
        baseline="pandas, series by series",
    )
    print(f"  speed-up, forecasts: {pandas_t / numba_t:6.1f}x   "
          f"full fit vs pandas forecasts: {pandas_t / fit_t:6.1f}x")

    small = model.fit(frame.iloc[:, N_A // 10 : N_A // 10 + N_PATH_ASSETS])
    rng = np.random.default_rng(1)
    last = small.prices.iloc[-1].to_numpy()
    paths = last * np.exp(np.cumsum(rng.standard_normal((N_PATHS, HORIZON, N_PATH_ASSETS))
                                    * 0.01, axis=1))
    along_t = median_time(lambda: positions_along(small, paths), repeat=7)
    report(
        f"positions_along: {N_PATHS:,} paths x {HORIZON} sessions x {N_PATH_ASSETS} assets",
        [("positions_along (numba, paths in parallel)", along_t, "s")],
    )
    path_days = N_PATHS * HORIZON
    print(f"  {path_days / along_t / 1e6:6.2f} M path-days/s")


if __name__ == "__main__":
    main()
