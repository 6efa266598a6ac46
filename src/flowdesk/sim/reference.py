"""The same model as plain per-agent Python objects, stepped one at a time.

This is how common agent-based frameworks are built (one object per agent with
an ``order``/``observe`` step, a market that collects orders, a loop over days
and paths). It is slow on purpose and written independently of the kernel: its
own recursions (EWMAs as weighted sums, variances recomputed from deques) instead
of the flow engine's one-row kernels. It serves as

* the oracle of the kernel test (same shocks -> same prices to 1e-10), and
* the baseline of ``benchmarks/bench_sim.py``.

Timing and units are those of :mod:`flowdesk.sim.params`.
"""

from __future__ import annotations

import itertools
import math
from collections import deque

import numpy as np

from flowdesk.flows.cta_signals import TrendWindow
from flowdesk.flows.volcontrol import VolCohort
from flowdesk.sim.kernel import CIRCUIT_BREAKER
from flowdesk.sim.params import AGENT_CLASSES, SimParams

__all__ = ["ReferenceMarket", "reference_paths"]

_ANN = math.sqrt(252.0)


def _sample_var(values: deque[float] | list[float]) -> float:
    n = len(values)
    mean = sum(values) / n
    return sum((v - mean) ** 2 for v in values) / (n - 1)


class Crowd:
    """The herding population: share of fundamentalists, updated after each close."""

    def __init__(self, p: SimParams, n_f: float) -> None:
        self.p = p
        self.n_f = n_f

    def observe(self, logp: float, logv: float, log_return: float) -> None:
        """Attractiveness of the fundamentalist strategy after the close -> new share."""
        p = self.p
        n_c = 1.0 - self.n_f
        mis = logp - logv
        a = (p.alpha_0 + p.alpha_n * (self.n_f - n_c) + p.alpha_p * mis * mis
             + p.alpha_r * log_return)
        self.n_f = 1.0 / (1.0 + math.exp(-p.beta * a))


class Fundamentalist:
    """Demand ``phi (v - p) + sigma_f e`` times the crowd's fundamentalist share."""

    def __init__(self, p: SimParams, crowd: Crowd) -> None:
        self.p, self.crowd = p, crowd

    def order(self, logp: float, logv: float, shock: float) -> float:
        """Flow (fraction of cap) for the next day."""
        p = self.p
        return p.mu / p.multiplier * self.crowd.n_f * (p.phi * (logv - logp) + p.sigma_f * shock)


class NoiseTrader:
    """Demand ``chi r_{t-1} + sigma_c e`` times the noise traders' share."""

    def __init__(self, p: SimParams, crowd: Crowd) -> None:
        self.p, self.crowd = p, crowd

    def order(self, last_return: float, shock: float) -> float:
        """Flow for the next day."""
        p = self.p
        return p.mu / p.multiplier * (1.0 - self.crowd.n_f) * (
            p.chi * last_return + p.sigma_c * shock)


class VolControlFund:
    """One vol-control cohort: exposure ``min(cap, target / vol)`` held ``lag`` days later."""

    def __init__(self, cohort: VolCohort, aum: float) -> None:
        self.c = cohort
        self.aum = aum
        self.returns: deque[float] = deque(maxlen=63)
        self.ewma: float | None = None
        self.targets: list[float] = []

    def _vol(self) -> float:
        est = self.c.estimator
        v21 = math.sqrt(252.0 * max(_sample_var(list(self.returns)[-21:]), 0.0))
        v63 = math.sqrt(252.0 * max(_sample_var(self.returns), 0.0))
        if est == "close21":
            return v21
        if est == "close63":
            return v63
        if est == "ewma94":
            assert self.ewma is not None
            return math.sqrt(252.0 * self.ewma)
        return max(v21, v63)

    def observe(self, log_return: float) -> None:
        """Add a close: update the estimators and the target computed from it."""
        self.returns.append(log_return)
        x = log_return * log_return
        self.ewma = x if self.ewma is None else 0.94 * self.ewma + 0.06 * x
        if len(self.returns) < 63:
            self.targets.append(math.nan)
            return
        vol = self._vol()
        self.targets.append(min(self.c.cap, self.c.target_vol / vol) if vol > 0 else self.c.cap)

    def held(self, back: int = 0) -> float:
        """Exposure held ``back`` days before the coming one."""
        return self.targets[len(self.targets) - self.c.lag - back]

    def order(self) -> float:
        """Flow of the coming day: change of held exposure x AUM x cohort weight."""
        return self.c.weight * (self.held() - self.held(1)) * self.aum


class TrendFollower:
    """The CTA book on one index: EWMAC + TSMOM windows, vol-scaled position."""

    def __init__(self, p: SimParams) -> None:
        self.p = p
        spec = p.trend
        self.windows: tuple[TrendWindow, ...] = spec.windows
        self.spans = spec.spans
        self.decay = {s: 1.0 - 2.0 / (s + 1.0) for s in self.spans}
        self.num = dict.fromkeys(self.spans, 0.0)
        self.den = dict.fromkeys(self.spans, 0.0)
        vd = 1.0 - 2.0 / (spec.vol_span + 1.0)
        self.vdecay = vd
        self.s1 = self.s2 = self.sx = self.sxx = 0.0
        self.n_diffs = 0
        self.closes: list[float] = []
        self.positions: list[float] = []
        self.sigma_prev = math.nan

    def _sigma(self) -> float:
        if self.n_diffs < max(self.p.trend.vol_min_periods, 1):
            return math.nan
        mean = self.sx / self.s1
        biased = self.sxx / self.s1 - mean * mean
        num = self.s1 * self.s1
        return math.sqrt(max(biased, 0.0) * num / (num - self.s2))

    def observe(self, close: float) -> None:
        """Add a close: forecast and position from EWMAs, lookbacks and yesterday's vol."""
        p, spec = self.p, self.p.trend
        sig = self._sigma()
        for s in self.spans:
            d = self.decay[s]
            if spec.adjust:
                self.num[s] = d * self.num[s] + close
                self.den[s] = d * self.den[s] + 1.0
            else:
                a = 1.0 - d
                first = self.den[s] == 0.0
                self.num[s] = close if first else d * self.num[s] + a * close
                self.den[s] = 1.0
        ema = {s: self.num[s] / self.den[s] for s in self.spans}
        total = 0.0
        valid = True
        for w in self.windows:
            if len(self.closes) < w.lookback or sig != sig:
                valid = False
                break
            raw = ema[w.fast] - ema[w.slow]
            ewmac = 0.0 if raw == 0 else min(max(raw / sig * w.scalar, -spec.cap), spec.cap)
            diff = close - self.closes[-w.lookback]
            sign = 1.0 if diff > 0 else (-1.0 if diff < 0 else 0.0)
            total += (1.0 - spec.tsmom_weight) * ewmac + spec.tsmom_weight * 10.0 * sign
        if valid:
            f = min(max(spec.fdm * (total / len(self.windows)), -spec.cap), spec.cap)
            vol = max(sig / close * _ANN, p.cta_min_vol)
            pos = f / 10.0 * p.cta_vol_target / vol * p.cta_equity_weight
            pos = min(max(pos, -p.cta_max_position), p.cta_max_position)
        else:
            pos = 0.0
        self.positions.append(pos)
        if self.closes:
            x = close - self.closes[-1]
            vd = self.vdecay
            self.s1 = vd * self.s1 + 1.0
            self.s2 = vd * vd * self.s2 + 1.0
            self.sx = vd * self.sx + x
            self.sxx = vd * self.sxx + x * x
            self.n_diffs += 1
        self.closes.append(close)

    def order(self) -> float:
        """Flow of the coming day: change of the position held ``cta_lag`` days later."""
        lag = self.p.cta_lag
        pos = self.positions
        held, before = pos[len(pos) - lag], pos[len(pos) - lag - 1]
        return (held - before) * self.p.fraction(self.p.cta_aum_bn)


class OptionDealer:
    """Delta hedging of a constant gamma: ``-gamma * r_{t-1}``."""

    def __init__(self, p: SimParams) -> None:
        self.gamma = p.dealer_gamma

    def order(self, last_return: float) -> float:
        """Flow of the coming day."""
        return -self.gamma * last_return


class StopCluster:
    """Sells its size once at ``(1 - d)`` x the running high; buys back after a recovery."""

    def __init__(self, drawdown: float, size: float, recovery: float, high: float,
                 close: float) -> None:
        self.d, self.size, self.recovery = drawdown, size, recovery
        self.high = high
        self.armed = close > high * (1.0 - drawdown)

    def order(self, last_close: float) -> float:
        """Flow of the coming day from the last close."""
        if self.armed:
            if last_close <= self.high * (1.0 - self.d):
                self.armed = False
                return -self.size
            return 0.0
        if last_close >= self.high * (1.0 - (1.0 - self.recovery) * self.d):
            self.armed = True
            self.high = last_close
            return self.size
        return 0.0

    def observe(self, close: float) -> None:
        """Track the running high while armed."""
        if self.armed and close > self.high:
            self.high = close


class ReferenceMarket:
    """One path: the agents, the crowd and the price, stepped day by day.

    Parameters
    ----------
    p
        Parameters.
    history
        Closes the agents trade through before the first simulated day.
    buyback
        Net buyback flow of each simulated day (fraction of cap).
    n_f, mispricing
        Initial fundamentalist share and log value minus log price.
    """

    def __init__(self, p: SimParams, history: np.ndarray, buyback: np.ndarray,
                 n_f: float = 0.5, mispricing: float = 0.0) -> None:
        self.p = p
        closes = [float(x) for x in history]
        self.crowd = Crowd(p, n_f)
        self.fundamental = Fundamentalist(p, self.crowd)
        self.noise = NoiseTrader(p, self.crowd)
        self.funds = [VolControlFund(c, p.fraction(p.volcontrol_aum_bn)) for c in p.cohorts]
        self.cta = TrendFollower(p)
        self.dealer = OptionDealer(p)
        for prev, close in itertools.pairwise(closes):
            r = math.log(close) - math.log(prev)
            for fund in self.funds:
                fund.observe(r)
        for close in closes:
            self.cta.observe(close)
        high = max(closes[-p.stop_lookback:])
        self.stops = [StopCluster(d, p.fraction(s), p.stop_recovery, high, closes[-1])
                      for d, s in zip(p.stop_drawdowns, p.stop_sizes_bn, strict=True)]
        self.buyback = buyback
        self.close = closes[-1]
        self.logp = math.log(closes[-1])
        self.logv = self.logp + mispricing
        self.last_return = math.log(closes[-1]) - math.log(closes[-2])
        self.day = 0

    def step(self, shock_f: float, shock_c: float) -> tuple[float, float, list[float]]:
        """One day: collect every agent's order, clear, let every agent observe."""
        p = self.p
        s = p.scales
        flows = [
            s[0] * self.fundamental.order(self.logp, self.logv, shock_f),
            s[1] * self.noise.order(self.last_return, shock_c),
            s[2] * sum(f.order() for f in self.funds),
            s[3] * self.cta.order(),
            s[4] * float(self.buyback[self.day]),
            s[5] * self.dealer.order(self.last_return),
            s[6] * sum(c.order(self.close) for c in self.stops),
        ]
        r = min(max(p.multiplier * sum(flows), -CIRCUIT_BREAKER), CIRCUIT_BREAKER)
        self.logp += r
        self.close = math.exp(self.logp)
        self.logv += p.value_drift / 252.0
        self.last_return = r
        self.crowd.observe(self.logp, self.logv, r)
        for fund in self.funds:
            fund.observe(r)
        self.cta.observe(self.close)
        for c in self.stops:
            c.observe(self.close)
        self.day += 1
        return self.close, r, flows


def reference_paths(
    p: SimParams, history: np.ndarray, shocks: np.ndarray, buyback: np.ndarray, *,
    n_f: float = 0.5, mispricing: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate every path of ``shocks`` (``(n_days, 2, n_paths)``) one agent at a time.

    Returns ``(prices, returns, flows)`` shaped like :class:`~flowdesk.sim.engine.PathArrays`
    (no burn-in: every day is recorded). Needs ``p.value_vol == 0``.
    """
    if p.value_vol != 0:
        raise ValueError("the reference model has no value-process shocks")
    n_days, _, n_paths = shocks.shape
    prices = np.empty((n_days, n_paths))
    rets = np.empty((n_days, n_paths))
    flows = np.empty((len(AGENT_CLASSES), n_days, n_paths))
    for j in range(n_paths):
        market = ReferenceMarket(p, history, buyback, n_f=n_f, mispricing=mispricing)
        for t in range(n_days):
            close, r, f = market.step(float(shocks[t, 0, j]), float(shocks[t, 1, j]))
            prices[t, j], rets[t, j] = close, r
            flows[:, t, j] = f
    return prices, rets, flows
