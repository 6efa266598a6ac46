"""Parameters of the market simulator: one typed, documented, frozen object.

Units used throughout :mod:`flowdesk.sim`:

* prices are index levels, returns are daily **log** returns;
* every order is a *flow*: a signed dollar amount as a **fraction of the market
  capitalisation** (positive = buying). Dollar inputs (AUM, sizes) are USD bn and
  are divided by :attr:`SimParams.market_cap_bn`; because AUM and market cap move
  together with the market, the ratio is held fixed, as the flow engine holds
  AUM fixed (:mod:`flowdesk.flows.volcontrol`);
* the price-impact rule is linear: ``r_t = multiplier * Q_t`` with ``Q_t`` the
  net flow of all agents on day ``t`` (Gabaix & Koijen's "inelastic markets":
  buying 1% of market cap moves prices about 5%, so ``multiplier = 5`` and
  depth = ``1 / multiplier``). A day is floored and capped at ``log(0.8)`` /
  ``-log(0.8)``: the market-wide level-3 circuit breaker halts trading at -20%.

Agent classes (:class:`AgentClass`, the order of the flow arrays):

``fundamental`` / ``noise``
    The herding population of Franke & Westerhoff (2012, JEDC, "DCA-HPM"): a
    share ``n_f`` of fundamentalists demands ``phi (v - p) + sigma_f e_f``
    (mean reversion to the log value ``v``), the rest (noise traders,
    extrapolating the last return) ``chi r_{t-1} + sigma_c e_c``; each class's
    flow is ``mu / multiplier`` times its share times its demand, so together
    they move the log price by ``mu`` x net demand, as in the paper. The share
    follows ``n_f = 1 / (1 + exp(-beta a))`` with attractiveness
    ``a = alpha_0 + alpha_n (n_f - n_c) + alpha_p (p - v)**2 + alpha_r r``
    (predisposition, herding, misalignment, and - our one extension of the
    paper, 0 there - the last return: with ``alpha_r > 0`` a fall drives traders
    to noise trading, the model's source of the leverage effect). Slow
    switching between a calm fundamentalist and a turbulent noise-trader
    regime is what produces volatility clustering.
``volcontrol``
    The cohorts of :data:`flowdesk.flows.volcontrol.DEFAULT_COHORTS` (same
    estimators, caps, lags, weights): flow = change of the AUM-weighted held
    exposure x AUM.
``cta``
    One trend book on the index with the windows and forecast rules of
    :class:`flowdesk.flows.cta_signals.TrendSpec`; position (fraction of AUM)
    ``= F / 10 * vol_target / vol * equity_weight`` as in :mod:`flowdesk.flows.cta`
    (one asset, IDM 1), clipped to ``+-cta_max_position``, executed ``cta_lag``
    sessions later; flow = change of held position x AUM.
``buyback``
    Calendar-driven corporate demand from :class:`flowdesk.flows.buybacks.Buybacks`
    (blackout windows) minus ``buyback_offset`` x the calendar-year mean: the
    average buyback dollar is met by issuance and insider sales, so only the
    blackout/open pattern is net demand.
``dealer``
    Option dealers delta-hedging a constant gamma: flow ``= -gamma * r_{t-1}``
    with ``gamma = dealer_gamma_bn`` USD bn of delta per 1% move (positive =
    long gamma, trading against the move; negative = short gamma, with it).
``stops``
    Stop-loss clusters: cluster ``k`` sells ``stop_sizes_bn[k]`` once when the
    close falls to ``(1 - d_k)`` x its running high, and buys it back once the
    close has recovered the share ``stop_recovery`` of that drawdown.

Every agent's order for day ``t`` uses closes up to ``t - 1`` (a one-session
decision lag), so the market clears with the linear rule and no fixed point.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flowdesk.errors import ConfigError, ModelError
from flowdesk.flows.cta_signals import TrendSpec
from flowdesk.flows.volcontrol import DEFAULT_COHORTS, VolCohort

__all__ = [
    "AGENT_CLASSES",
    "CALIBRATION",
    "FRANKE_WESTERHOFF_2012",
    "SYSTEMATIC",
    "AgentClass",
    "SimParams",
    "agent_class",
]


class AgentClass(StrEnum):
    """The agent classes, in the order of the kernel's flow arrays."""

    FUNDAMENTAL = "fundamental"
    NOISE = "noise"
    VOLCONTROL = "volcontrol"
    CTA = "cta"
    BUYBACK = "buyback"
    DEALER = "dealer"
    STOPS = "stops"


AGENT_CLASSES: tuple[AgentClass, ...] = tuple(AgentClass)
#: The mechanical (systematic) classes whose amplification the simulator measures.
SYSTEMATIC: tuple[AgentClass, ...] = (
    AgentClass.VOLCONTROL,
    AgentClass.CTA,
    AgentClass.BUYBACK,
    AgentClass.DEALER,
    AgentClass.STOPS,
)

#: Franke & Westerhoff (2012), DCA-HPM estimates on daily S&P 500 data: the
#: starting point of the calibration (with ``mu = 0.01``, ``beta = 1``).
FRANKE_WESTERHOFF_2012: dict[str, float] = {
    "phi": 0.12,
    "chi": 1.50,
    "sigma_f": 0.758,
    "sigma_c": 2.087,
    "alpha_0": -0.327,
    "alpha_n": 1.79,
    "alpha_p": 18.43,
    "alpha_r": 0.0,
}

#: The calibration run that produced the defaults of the herding parameters
#: (``sigma_f, sigma_c, alpha_0, alpha_n, alpha_p, alpha_r, chi``, rounded). The
#: fit makes the noise traders contrarian (``chi < 0``; the paper's chartists
#: extrapolate): with CTAs and dealers in the market, that is what brings ACF(r, 1)
#: towards the data's -0.07.
#: (:func:`flowdesk.sim.calibrate.calibrate`; data = S&P 500 log returns
#: 1999-2018, 11 moments). ``objective`` is the weighted distance in units of
#: one 20-year path's sampling standard deviation per moment.
CALIBRATION: dict[str, Any] = {
    "date": "2026-11-23",
    "seed": 20250101,
    "call": ("calibrate(seed=20250101, coarse_points=64, coarse_paths=48, fine_paths=128, "
             "fine_starts=3, fine_evals=200, final_paths=256)"),
    "start": "FRANKE_WESTERHOFF_2012",
    "free": ("sigma_f", "sigma_c", "alpha_0", "alpha_n", "alpha_p", "alpha_r", "chi"),
    "paths": 256,
    "objective": 6.49,
    "coverage": 10 / 11,
}


def agent_class(name: str | AgentClass) -> AgentClass:
    """The :class:`AgentClass` called ``name`` (case-insensitive), or a ``ConfigError``."""
    if isinstance(name, AgentClass):
        return name
    try:
        return AgentClass(str(name).strip().lower())
    except ValueError:
        choices = ", ".join(c.value for c in AGENT_CLASSES)
        raise ConfigError(f"unknown agent class {name!r}; choose from {choices}") from None


def _positive(value: float, what: str, *, zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelError(f"SimParams.{what}: expected a number, got {value!r}")
    ok = value >= 0 if zero else value > 0
    if not (math.isfinite(value) and ok):
        raise ModelError(f"SimParams.{what}: must be {'>= 0' if zero else '> 0'}, got {value}")


def _finite(value: float, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelError(f"SimParams.{what}: expected a finite number, got {value!r}")


@dataclass(frozen=True)
class SimParams:
    """Every parameter of the simulator (module docstring for the model and units).

    Attributes
    ----------
    multiplier
        Price impact: log return per unit of net flow (fraction of market cap).
    market_cap_bn
        Market capitalisation that dollar inputs are divided by, USD bn.
    mu, beta
        Franke-Westerhoff market-maker speed and intensity of choice.
    phi, chi
        Fundamentalists' reaction to the log mispricing ``v - p``; noise
        traders' reaction to the last log return (positive = extrapolating, as
        in the paper; negative = contrarian).
    sigma_f, sigma_c
        Standard deviations of the two groups' demand noise.
    alpha_0, alpha_n, alpha_p, alpha_r
        Predisposition, herding, misalignment and last-return terms of the
        attractiveness of the fundamentalist strategy.
    value_drift, value_vol
        Annual drift and annualised volatility of the log value process
        (a random walk; 252 sessions a year).
    cohorts, volcontrol_aum_bn
        Vol-control cohorts (every lag >= 1) and industry AUM, USD bn.
    trend, cta_aum_bn, cta_equity_weight, cta_vol_target, cta_min_vol, cta_max_position, cta_lag
        CTA signal spec (windows, scalars, caps), AUM (USD bn), the index's
        weight in the multi-asset book, annualised vol target, floor of the
        sizing vol, cap on ``|position|`` (fraction of AUM), execution lag (>= 1).
    buyback_annual_bn, buyback_offset, buyback_blackout_lead, buyback_share_10b5_1
        Annual buybacks (USD bn), share of the average demand met by issuance,
        blackout lead (sessions before the report), share of buying that
        continues in blackout (:class:`flowdesk.flows.buybacks.Buybacks`).
    dealer_gamma_bn
        Dealers' delta change per 1% index move, USD bn (+ long, - short gamma).
    stop_drawdowns, stop_sizes_bn, stop_recovery, stop_lookback
        Trigger drawdown from the running high and size (USD bn) of each stop
        cluster; share of the drawdown recovered before re-entry; closes of the
        pre-history whose maximum is the first running high.
    scales
        Multiplier of each agent class's flow, in :data:`AGENT_CLASSES` order
        (0 switches a class off). Use :meth:`scaled` / :meth:`without`.
    burn_in
        Sessions simulated and discarded before the recorded ones.
    initial_vol
        Daily log-return volatility of the synthetic pre-history that seeds the
        agents' estimators (returns ``+-initial_vol`` alternating).
    start_date
        First session (weekday calendar) of a simulation, burn-in included; it
        places the buyback blackout calendar.
    """

    multiplier: float = 5.0
    market_cap_bn: float = 50_000.0
    mu: float = 0.01
    beta: float = 1.0
    phi: float = 0.12
    chi: float = -4.5306
    sigma_f: float = 0.5662
    sigma_c: float = 3.1422
    alpha_0: float = -0.6563
    alpha_n: float = 1.8777
    alpha_p: float = 14.1742
    alpha_r: float = 28.542
    value_drift: float = 0.0
    value_vol: float = 0.0
    cohorts: tuple[VolCohort, ...] = DEFAULT_COHORTS
    volcontrol_aum_bn: float = 600.0
    trend: TrendSpec = field(default_factory=TrendSpec)
    cta_aum_bn: float = 350.0
    cta_equity_weight: float = 0.25
    cta_vol_target: float = 0.10
    cta_min_vol: float = 0.01
    cta_max_position: float = 1.0
    cta_lag: int = 1
    buyback_annual_bn: float = 942.5
    buyback_offset: float = 1.0
    buyback_blackout_lead: int = 25
    buyback_share_10b5_1: float = 0.60
    dealer_gamma_bn: float = 5.0
    stop_drawdowns: tuple[float, ...] = (0.05, 0.10, 0.20)
    stop_sizes_bn: tuple[float, ...] = (25.0, 25.0, 25.0)
    stop_recovery: float = 0.5
    stop_lookback: int = 63
    scales: tuple[float, ...] = (1.0,) * len(AGENT_CLASSES)
    burn_in: int = 256
    initial_vol: float = 0.01
    start_date: str = "2025-01-02"

    def __post_init__(self) -> None:
        for name in ("multiplier", "market_cap_bn", "mu", "sigma_f", "sigma_c", "initial_vol",
                     "cta_vol_target", "cta_max_position", "cta_equity_weight", "beta"):
            _positive(getattr(self, name), name)
        for name in ("phi", "alpha_p", "value_vol", "volcontrol_aum_bn", "cta_aum_bn",
                     "cta_min_vol", "buyback_annual_bn", "stop_recovery"):
            _positive(getattr(self, name), name, zero=True)
        for name in ("chi", "alpha_0", "alpha_n", "alpha_r", "value_drift", "dealer_gamma_bn"):
            _finite(getattr(self, name), name)
        for name in ("buyback_offset", "buyback_share_10b5_1", "stop_recovery"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ModelError(f"SimParams.{name}: must be within 0..1")
        cohorts = tuple(self.cohorts)
        if not cohorts or not all(isinstance(c, VolCohort) for c in cohorts):
            raise ModelError("SimParams.cohorts: need one or more VolCohort")
        if any(c.lag < 1 for c in cohorts):
            raise ModelError("SimParams.cohorts: the simulator needs every cohort lag >= 1 "
                             "(an order for day t may use closes up to t-1 only)")
        object.__setattr__(self, "cohorts", cohorts)
        if not isinstance(self.trend, TrendSpec):
            raise ModelError("SimParams.trend: expected a TrendSpec")
        for name in ("cta_lag", "buyback_blackout_lead", "burn_in", "stop_lookback"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ModelError(f"SimParams.{name}: expected an integer, got {value!r}")
        if not 1 <= self.cta_lag <= 5:
            raise ModelError(f"SimParams.cta_lag: must be within 1..5, got {self.cta_lag}")
        if self.burn_in < 0 or self.stop_lookback < 1:
            raise ModelError("SimParams: burn_in must be >= 0 and stop_lookback >= 1")
        drawdowns = tuple(float(d) for d in self.stop_drawdowns)
        sizes = tuple(float(s) for s in self.stop_sizes_bn)
        if len(drawdowns) != len(sizes):
            raise ModelError("SimParams: stop_drawdowns and stop_sizes_bn differ in length")
        if any(not 0.0 < d < 1.0 for d in drawdowns) or any(s < 0 for s in sizes):
            raise ModelError("SimParams: stop drawdowns must be in (0, 1), sizes >= 0")
        object.__setattr__(self, "stop_drawdowns", drawdowns)
        object.__setattr__(self, "stop_sizes_bn", sizes)
        scales = tuple(float(s) for s in self.scales)
        if len(scales) != len(AGENT_CLASSES) or any(
            not (math.isfinite(s) and s >= 0) for s in scales
        ):
            raise ModelError(f"SimParams.scales: need {len(AGENT_CLASSES)} finite values >= 0")
        object.__setattr__(self, "scales", scales)

    # --- switching and scaling -------------------------------------------------------

    def scale_of(self, cls: str | AgentClass) -> float:
        """Flow multiplier of one agent class (0 = switched off)."""
        return self.scales[AGENT_CLASSES.index(agent_class(cls))]

    def scaled(self, factors: Mapping[str, float] | None = None, **more: float) -> SimParams:
        """A copy with the named classes' flows multiplied by the given factors.

        ``params.scaled(cta=2.0)`` doubles the CTA flows; factors multiply the
        current scales, so ``scaled(cta=0)`` equals ``without("cta")``.
        """
        scales = list(self.scales)
        for name, factor in {**(factors or {}), **more}.items():
            _positive(float(factor), f"scale of {name}", zero=True)
            scales[AGENT_CLASSES.index(agent_class(name))] *= float(factor)
        return dataclasses.replace(self, scales=tuple(scales))

    def without(self, *classes: str | AgentClass | Iterable[str | AgentClass]) -> SimParams:
        """A copy with the named classes switched off (their flows exactly zero)."""
        names: list[str | AgentClass] = []
        for item in classes:
            if isinstance(item, str):
                names.append(item)
            else:
                names.extend(item)
        return self.scaled({str(agent_class(n)): 0.0 for n in names})

    def active(self) -> tuple[AgentClass, ...]:
        """Agent classes whose scale is positive."""
        return tuple(c for c, s in zip(AGENT_CLASSES, self.scales, strict=True) if s > 0)

    def replace(self, **changes: Any) -> SimParams:
        """``dataclasses.replace`` with validation; agent-class names set scales."""
        fields = {f.name for f in dataclasses.fields(self)}
        scale_changes = {}
        for key in list(changes):
            if key not in fields:
                try:
                    cls = agent_class(key)
                except ConfigError:
                    raise ConfigError(
                        f"unknown simulator parameter {key!r}; use a SimParams field or an "
                        "agent class name (its flow scale)"
                    ) from None
                scale_changes[cls] = float(changes.pop(key))
        out = dataclasses.replace(self, **changes)
        if scale_changes:
            scales = list(out.scales)
            for cls, value in scale_changes.items():
                scales[AGENT_CLASSES.index(cls)] = value
            out = dataclasses.replace(out, scales=tuple(scales))
        return out

    # --- derived quantities (fractions of market cap) --------------------------------

    def fraction(self, usd_bn: float) -> float:
        """A USD bn amount as a fraction of the market cap."""
        return usd_bn / self.market_cap_bn

    @property
    def dealer_gamma(self) -> float:
        """Dealer gamma as flow (fraction of cap) per unit log return (x100 per 1%)."""
        return self.fraction(self.dealer_gamma_bn) * 100.0

    def herding(self) -> dict[str, float]:
        """The Franke-Westerhoff parameters, by name."""
        return {k: float(getattr(self, k)) for k in (*FRANKE_WESTERHOFF_2012, "mu", "beta")}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (cohorts and windows as lists of dicts, scales by class)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "cohorts":
                value = [dataclasses.asdict(c) for c in value]
            elif f.name == "trend":
                value = {**dataclasses.asdict(value),
                         "windows": [dataclasses.asdict(w) for w in value.windows]}
            elif f.name == "scales":
                value = {c.value: s for c, s in zip(AGENT_CLASSES, value, strict=True)}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out
