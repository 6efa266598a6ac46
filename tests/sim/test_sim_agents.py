"""Each agent class on a hand-built scenario (forced returns), with hand-computed flows.

Forced mode fixes the returns, so every agent trades along a path written out
here; expected flows come from the stdlib (``statistics.stdev``), closed forms,
or the flow engine's own pandas-equivalent fits (``VolControl``,
``trend_forecasts``, ``Buybacks``), never from the simulator kernel.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from flowdesk.flows.buybacks import Buybacks
from flowdesk.flows.common import AumBand
from flowdesk.flows.cta_signals import trend_forecasts
from flowdesk.flows.volcontrol import VolCohort, VolControl
from flowdesk.sim.engine import run_paths, weekday_sessions
from flowdesk.sim.params import AgentClass, SimParams

CAP = 50_000.0


def _alternating_history(a: float, n: int = 320, p0: float = 100.0) -> np.ndarray:
    steps = a * np.where(np.arange(n - 1) % 2 == 0, 1.0, -1.0)
    return p0 * np.exp(np.concatenate([[0.0], np.cumsum(steps)]))


def _run(p: SimParams, history: np.ndarray, r: np.ndarray, **kw: object):
    return run_paths(p, 1, len(r), entropy=0, history=history, forced=np.asarray(r), aux=True,
                     **kw)  # type: ignore[arg-type]


def test_volcontrol_sells_when_vol_rises_by_hand() -> None:
    cohort = VolCohort("c", 0.10, "close21", cap=1.5, lag=1, weight=1.0)
    p = SimParams(cohorts=(cohort,), volcontrol_aum_bn=600.0)
    hist = _alternating_history(0.005)
    r = np.array([-0.04, 0.0, 0.0, 0.0])
    out = _run(p, hist, r)
    flow = out.flow("volcontrol")[:, 0]

    hist_r = list(np.diff(np.log(hist)))
    all_r = hist_r + list(r)

    def target(n_returns: int) -> float:  # target from the first n_returns returns
        window = all_r[n_returns - 21 : n_returns]
        vol = statistics.stdev(window) * math.sqrt(252.0)
        return min(1.5, 0.10 / vol)

    h = len(hist_r)
    aum = 600.0 / CAP
    # day d holds the target computed one close earlier (lag 1)
    for d in range(len(r)):
        expected = (target(h + d) - target(h + d - 1)) * aum
        assert flow[d] == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert flow[1] < -0.1 * aum  # the -4% day cuts the exposure: a large sale next session
    assert out.aux is not None and out.aux[0, 1, 0] < out.aux[0, 0, 0]


def test_volcontrol_flows_equal_the_flow_engine() -> None:
    p = SimParams()  # the six default cohorts: every estimator and both lags
    rng = np.random.default_rng(4)
    hist = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, 400)))
    r = rng.normal(0.0, 0.02, 60)
    out = _run(p, hist, r)
    closes = np.concatenate([hist, hist[-1] * np.exp(np.cumsum(r))])
    series = pd.Series(closes, index=pd.bdate_range("2001-01-01", periods=closes.size))
    fit = VolControl(p.cohorts, aum=AumBand(600.0, 600.0, 600.0), demean=True).fit(series)
    engine_flow = fit.flow["base"].to_numpy()[-len(r):] / CAP
    np.testing.assert_allclose(out.flow("volcontrol")[:, 0], engine_flow, rtol=1e-8, atol=1e-15)


def _cta_positions(p: SimParams, closes: np.ndarray) -> np.ndarray:
    fc = trend_forecasts(closes[:, None], p.trend)
    sigma_prev = np.concatenate([[np.nan], fc.sigma[:-1, 0]])
    vol = np.maximum(sigma_prev / closes * math.sqrt(252.0), p.cta_min_vol)
    pos = fc.forecast[:, 0] / 10.0 * p.cta_vol_target / vol * p.cta_equity_weight
    return np.clip(pos, -p.cta_max_position, p.cta_max_position)


def test_cta_buys_in_an_uptrend() -> None:
    p = SimParams()
    hist = _alternating_history(0.004)
    r = np.full(80, 0.006)
    out = _run(p, hist, r)
    flow = out.flow("cta")[:, 0]
    # buying every day while the trend builds, never selling, until the position cap
    # (day 0 trades on the history: odd TSMOM lookbacks flip sign on an alternating tape)
    assert flow[1:15].min() > 0 and flow[1:].min() >= 0
    assert out.aux is not None and out.aux[1, -1, 0] == pytest.approx(p.cta_max_position)
    # and the flows equal the flow engine's forecasts, sized as in flowdesk.flows.cta
    closes = np.concatenate([hist, hist[-1] * np.exp(np.cumsum(r))])
    pos = _cta_positions(p, closes)
    aum = p.cta_aum_bn / CAP
    n = len(r)
    expected = (pos[-n - 1 : -1] - pos[-n - 2 : -2]) * aum  # executed one session later
    np.testing.assert_allclose(flow, expected, rtol=1e-9, atol=1e-15)


def test_cta_sells_in_a_downtrend() -> None:
    p = SimParams()
    out = _run(p, _alternating_history(0.004), np.full(60, -0.006))
    flow = out.flow("cta")[:, 0]
    assert flow[1:15].max() < 0 and flow[1:].max() <= 0
    assert out.aux is not None and out.aux[1, -1, 0] < 0


@pytest.mark.parametrize(("gamma_bn", "sign"), [(5.0, -1.0), (-5.0, 1.0)])
def test_dealers_hedge_against_or_with_the_move(gamma_bn: float, sign: float) -> None:
    p = SimParams(dealer_gamma_bn=gamma_bn)
    hist = _alternating_history(0.004)
    r = np.array([0.02, -0.01, 0.03, 0.0])
    flow = _run(p, hist, r).flow("dealer")[:, 0]
    gamma = gamma_bn * 100.0 / CAP  # USD bn per 1% -> fraction of cap per unit log return
    prev = np.concatenate([[math.log(hist[-1] / hist[-2])], r[:-1]])
    np.testing.assert_allclose(flow, -gamma * prev, rtol=1e-12, atol=0)
    # long gamma trades against yesterday's move, short gamma with it
    assert np.sign(flow[1]) == sign * np.sign(r[0])


def test_stop_cluster_sells_once_at_its_level() -> None:
    p = SimParams(stop_drawdowns=(0.10,), stop_sizes_bn=(25.0,), stop_recovery=0.5)
    hist = np.full(320, 100.0)
    r = np.concatenate([np.full(15, -0.01), np.zeros(10)])
    flow = _run(p, hist, r).flow("stops")[:, 0]
    closes = 100.0 * np.exp(np.cumsum(r))
    first_below = int(np.argmax(closes <= 90.0))  # close at or below 90% of the 100 high
    expected = np.zeros_like(r)
    expected[first_below + 1] = -25.0 / CAP  # sold the next session, once
    np.testing.assert_array_equal(flow, expected)


def test_stop_cluster_buys_back_after_the_recovery() -> None:
    p = SimParams(stop_drawdowns=(0.10,), stop_sizes_bn=(25.0,), stop_recovery=0.5)
    hist = np.full(320, 100.0)
    r = np.concatenate([np.full(12, -0.01), np.full(12, 0.01), np.zeros(3)])
    flow = _run(p, hist, r).flow("stops")[:, 0]
    closes = 100.0 * np.exp(np.cumsum(r))
    sell = int(np.argmax(closes <= 90.0)) + 1
    rebuy = sell + int(np.argmax(closes[sell:] >= 95.0)) + 1  # half the 10% drawdown back
    assert flow[sell] == pytest.approx(-25.0 / CAP)
    assert flow[rebuy] == pytest.approx(25.0 / CAP)
    assert np.count_nonzero(flow) == 2


def test_buyback_demand_follows_the_blackout_calendar() -> None:
    p = SimParams(burn_in=0)
    n = 260
    out = run_paths(p.without(AgentClass.FUNDAMENTAL, AgentClass.NOISE), 1, n, entropy=0)
    flow = out.flow("buyback")[:, 0] * CAP
    fit = Buybacks(calendar="weekdays").fit(weekday_sessions(p.start_date, n))
    demand = fit.daily["daily_demand_bn"].to_numpy()
    # net of the calendar-year mean (942.5 bn over the year's weekdays)
    year = fit.extended.loc[fit.extended.index.year == 2025, "daily_demand_bn"]
    np.testing.assert_allclose(flow, demand - 942.5 / len(year), rtol=1e-9, atol=1e-12)
    blackout = (fit.daily["window"] == "blackout").to_numpy()
    assert flow[blackout].mean() < 0 < flow[~blackout].mean()


def test_herding_share_follows_the_attractiveness() -> None:
    p = SimParams()
    hist = _alternating_history(0.004)
    r = np.array([0.01, -0.02, 0.005])
    out = run_paths(p, 1, 3, entropy=0, history=hist, forced=r, aux=True, n_f=0.6,
                    mispricing=0.05)
    assert out.aux is not None
    nf = 0.6
    logp = math.log(hist[-1])
    logv = logp + 0.05
    for t in range(3):
        assert out.aux[2, t, 0] == pytest.approx(nf, rel=1e-12)  # share used on day t
        logp += r[t]
        a = p.alpha_0 + p.alpha_n * (2 * nf - 1) + p.alpha_p * (logp - logv) ** 2 + p.alpha_r * r[t]
        nf = 1.0 / (1.0 + math.exp(-p.beta * a))


def test_fundamentalists_and_noise_traders_by_hand() -> None:
    p = SimParams()
    hist = _alternating_history(0.004)
    z = np.zeros((1, 2, 1))
    z[0, 0, 0], z[0, 1, 0] = 0.7, -1.3
    out = run_paths(p, 1, 1, entropy=0, history=hist, burn_in=0, shocks=z, n_f=0.3,
                    mispricing=-0.02)
    k = p.mu / p.multiplier
    r_prev = math.log(hist[-1] / hist[-2])
    # value 2% below the price: fundamentalists sell on that and buy on their +0.7 shock
    assert out.flow("fundamental")[0, 0] == pytest.approx(
        k * 0.3 * (p.phi * -0.02 + p.sigma_f * 0.7), rel=1e-12)
    assert out.flow("noise")[0, 0] == pytest.approx(
        k * 0.7 * (p.chi * r_prev + p.sigma_c * -1.3), rel=1e-12)
    # the price moves by multiplier x the net flow of every class
    assert out.returns[0, 0] == pytest.approx(p.multiplier * out.flows[:, 0, 0].sum(), rel=1e-12)
