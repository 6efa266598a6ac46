"""Historical replay: how much of a real sell-off the systematic agents added.

Identification (stated, and the only thing the numbers rest on):

1. The systematic agents (vol-control, CTA, buybacks, dealers, stops) start
   in the state the real S&P 500 history puts them in on the eve of the
   episode (:func:`flowdesk.sim.state.initial_state` on the real closes), and
   each one's order on day ``t`` depends only on closes up to ``t - 1``.
2. Along the real path their flows ``M_t`` are therefore known, and the
   **exogenous flow** ``u_t = r_t / multiplier - M_t`` is backed out exactly
   from the real log return ``r_t`` (the kernel's forced mode). ``u`` lumps
   together everything that is not a systematic order: fundamentals, news,
   discretionary and noise trading.
3. ``u`` is held fixed in every counterfactual (it does not react to the
   counterfactual path). Removing a class removes its flows; the remaining
   systematic classes keep trading, now along the counterfactual path, so the
   feedback between mechanical agents is included. With every class on the
   replay reproduces the real path (a test checks it).

"Added" by a class = real cumulative return minus the counterfactual one, in
percentage points of simple return (negative = the class deepened the fall).
The sizes of the actors are uncertain, so the replay is repeated for
``draws`` parameter sets: vol-control and CTA AUM log-uniform within their
low/high bands, the price multiplier uniform on [2.5, 7.5], dealer gamma
uniform on [-10, +10] USD bn per 1% (its sign in an episode is unknown), stop
sizes scaled by a log-uniform factor on [0.5, 2]. Intervals are the 5th-95th
percentiles over those draws: parameter uncertainty, not sampling error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError, DataError, FlowdeskError
from flowdesk.results import Result
from flowdesk.sim.params import SYSTEMATIC, AgentClass, SimParams

if TYPE_CHECKING:
    from flowdesk.config import Settings
    from flowdesk.sim.state import SimState

__all__ = ["EPISODES", "Episode", "Replay", "ReplayResult", "replay_episodes"]


@dataclass(frozen=True)
class Episode:
    """A historical window, peak close ``start`` to trough close ``end`` (closing prices)."""

    name: str
    label: str
    start: str
    end: str


EPISODES: dict[str, Episode] = {
    e.name: e for e in (
        Episode("feb2018", "Feb 2018 (Volmageddon)", "2018-01-26", "2018-02-08"),
        Episode("mar2020", "Mar 2020 (Covid crash)", "2020-02-19", "2020-03-23"),
        Episode("aug2024", "Aug 2024 (yen carry unwind)", "2024-07-16", "2024-08-05"),
        Episode("apr2025", "Apr 2025 (tariff shock)", "2025-03-25", "2025-04-08"),
    )
}
_HISTORY = 600  # sessions of real history before the episode that seed the agents
TOTAL = "systematic"


@dataclass(frozen=True, eq=False)
class ReplayResult(Result):
    """Decomposition of one episode (identification in the module docstring).

    Attributes
    ----------
    episode
        The window.
    actual
        Real closes over the window (the close before the first return first).
    counterfactual
        Closes without all systematic agents, base parameters.
    table
        One row per class and ``"systematic"``: ``added_pp`` (base parameters),
        ``added_median``, ``added_low``, ``added_high`` (5-95% over draws),
        ``flow_bn`` (net USD bn traded along the real path, base parameters),
        ``vol_ratio`` (real realized vol over the counterfactual's, base).
    actual_return_pct, actual_drawdown_pct
        Real cumulative simple return and max drawdown over the window.
    flows
        Daily flows of each class along the real path, USD bn (base parameters).
    draws
        Number of parameter draws.
    """

    episode: Episode
    actual: pd.Series
    counterfactual: pd.Series
    table: pd.DataFrame
    actual_return_pct: float
    actual_drawdown_pct: float
    flows: pd.DataFrame = field(repr=False)
    draws: int = 0

    def to_frame(self) -> pd.DataFrame:
        """The decomposition table."""
        return self.table

    def _payload(self, **options: Any) -> dict[str, Any]:
        """The decomposition: real move and what each class added, in pp."""
        rows = {k: {c: round(float(v), 4) for c, v in row.items()}
                for k, row in self.table.iterrows()}
        return {
            "episode": self.episode.name, "label": self.episode.label,
            "start": self.actual.index[0], "end": self.actual.index[-1],
            "actual_return_pct": round(self.actual_return_pct, 3),
            "actual_drawdown_pct": round(self.actual_drawdown_pct, 3),
            "added_pp": rows, "draws": self.draws,
        }

    def summary(self) -> str:
        """The decomposition with its identification assumption."""
        t = self.table
        total = t.loc[TOTAL]
        lines = [
            f"Replay {self.episode.label}: {self.actual.index[0]:%Y-%m-%d} to "
            f"{self.actual.index[-1]:%Y-%m-%d}, S&P 500 {self.actual_return_pct:+.1f}% "
            f"(max drawdown {self.actual_drawdown_pct:.1f}%)",
            f"Systematic agents added {total['added_pp']:+.2f} pp (base parameters; "
            f"{total['added_low']:+.2f} to {total['added_high']:+.2f} pp over {self.draws} "
            "parameter draws, 5-95%)",
            "",
            t.to_string(float_format=lambda v: f"{v:+.2f}"),
            "",
            "Identification: the exogenous (non-systematic) flow is backed out from the real "
            "returns given the agents' states and held fixed; removing a class removes its "
            "flows and lets the other systematic agents react. Intervals cover AUM, "
            "multiplier, dealer-gamma and stop-size uncertainty, not sampling error.",
        ]
        return "\n".join(lines)


def _draw(base: SimParams, rng: np.random.Generator) -> SimParams:
    def loguniform(lo: float, hi: float) -> float:
        return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))

    from flowdesk.config import get_settings

    s = get_settings()
    factor = loguniform(0.5, 2.0)
    return base.replace(
        volcontrol_aum_bn=loguniform(s.volcontrol_aum_low_bn, s.volcontrol_aum_high_bn),
        cta_aum_bn=loguniform(s.cta_aum_low_bn, s.cta_aum_high_bn),
        multiplier=float(rng.uniform(2.5, 7.5)),
        dealer_gamma_bn=float(rng.uniform(-10.0, 10.0)),
        stop_sizes_bn=tuple(x * factor for x in base.stop_sizes_bn),
    )


class Replay:
    """Replay real episodes through the systematic agents (module docstring).

    Parameters
    ----------
    params
        Base parameters (default: the calibrated :class:`SimParams()`).
    draws
        Parameter draws for the intervals.
    seed, rng
        Seed of the draws (mesa-style: an integer or a NumPy ``Generator``).
    """

    def __init__(self, params: SimParams | None = None, *, draws: int = 200,
                 seed: int | None = 0, rng: np.random.Generator | None = None) -> None:
        from flowdesk.sim.seeds import resolve_entropy

        self.params = params or SimParams()
        self.draws = int(draws)
        self.entropy = resolve_entropy(seed, rng)

    def run(self, episode: str | Episode, closes: pd.Series | None = None) -> ReplayResult:
        """Decompose one episode.

        Parameters
        ----------
        episode
            A key of :data:`EPISODES` or an :class:`Episode`.
        closes
            S&P 500 closes covering ``_HISTORY`` sessions before the episode and the
            episode itself (default: loaded from the data store).
        """
        ep = EPISODES.get(str(episode)) if isinstance(episode, str) else episode
        if ep is None:
            raise ConfigError(f"unknown episode {episode!r}; choose from {', '.join(EPISODES)}")
        if closes is None:
            from flowdesk.data import load

            start = pd.Timestamp(ep.start) - pd.Timedelta(days=1200)
            closes = load("SP500", start=start, end=ep.end)  # type: ignore[assignment]
        assert closes is not None
        closes = closes.dropna().astype(float)
        first = closes.index.searchsorted(pd.Timestamp(ep.start), side="left")
        window = closes.iloc[first:].loc[: pd.Timestamp(ep.end)]
        if first < _HISTORY or len(window) < 5:
            raise DataError(f"replay {ep.name}: need {_HISTORY} closes before {ep.start} "
                            "and a window of at least 5 sessions")
        history = closes.iloc[first - _HISTORY : first + 1].to_numpy()
        sessions = window.index[1:]
        r = np.diff(np.log(window.to_numpy()))
        rng = np.random.default_rng(self.entropy)
        params = [self.params] + [_draw(self.params, rng) for _ in range(self.draws)]
        added: dict[str, list[float]] = {}
        base_out: dict[str, Any] = {}
        seeded: dict[tuple, tuple[SimState, np.ndarray]] = {}
        for k, p in enumerate(params):
            res = _decompose(p, history, r, sessions, seeded)
            for label, value in res["added"].items():
                added.setdefault(label, []).append(value)
            if k == 0:
                base_out = res
        actual = window.rename("actual")
        cf_close = window.iloc[0] * np.exp(np.concatenate([[0.0], np.cumsum(base_out["cf"])]))
        rows = {}
        for label, values in added.items():
            v = np.asarray(values)
            draws = v[1:] if v.size > 1 else v
            rows[label] = {
                "added_pp": v[0],
                "added_median": float(np.median(draws)),
                "added_low": float(np.percentile(draws, 5)),
                "added_high": float(np.percentile(draws, 95)),
                "flow_bn": base_out["flow_bn"].get(label, math.nan),
                "vol_ratio": base_out["vol_ratio"][label],
            }
        table = pd.DataFrame.from_dict(rows, orient="index")
        table.index.name = "class"
        level = window.to_numpy()
        drawdown = 100.0 * float(np.max(1.0 - level / np.maximum.accumulate(level)))
        return ReplayResult(
            episode=ep, actual=actual,
            counterfactual=pd.Series(cf_close, index=window.index, name="no_systematic"),
            table=table,
            actual_return_pct=100.0 * (level[-1] / level[0] - 1.0),
            actual_drawdown_pct=drawdown,
            flows=base_out["flows"].set_axis(sessions, axis=0),
            draws=self.draws,
        )


def _decompose(p: SimParams, history: np.ndarray, r: np.ndarray,
               sessions: pd.DatetimeIndex,
               seeded: dict[tuple, tuple[SimState, np.ndarray]]) -> dict[str, Any]:
    """Back out the exogenous flow under ``p``, then rerun without each class.

    ``seeded`` maps (state key, buyback key) to the agents' state and the buyback
    flows of this episode: the parameter draws leave both unchanged, and seeding
    them was most of a replay's time.
    """
    from flowdesk.sim.engine import buyback_flows, buyback_key, run_kernel
    from flowdesk.sim.state import KernelParams, initial_state, state_key

    n = r.size
    herding_off = p.without(AgentClass.FUNDAMENTAL, AgentClass.NOISE)
    key = (state_key(herding_off), buyback_key(herding_off))
    if key not in seeded:
        seeded[key] = (initial_state(herding_off, history, 1),
                       buyback_flows(herding_off, sessions, nyse=True))
    state0, bb = seeded[key]
    z = np.zeros((n, 2, 1))
    forced = np.ascontiguousarray(r[:, None])
    _, _, flows, _, resid = run_kernel(KernelParams.from_params(herding_off), state0.copy(), z,
                                       None, bb, forced=forced)
    configs: dict[str, SimParams] = {c.value: herding_off.without(c) for c in SYSTEMATIC}
    configs[TOTAL] = herding_off.without(*SYSTEMATIC)
    total_real = float(r.sum())
    real_vol = float(r.std(ddof=1))
    added, vol_ratio, cf_total = {}, {}, np.zeros(n)
    for label, q in configs.items():
        _, cf, _, _, _ = run_kernel(KernelParams.from_params(q), state0.copy(), z, None, bb,
                                    exo=resid)
        cf_r = cf[:, 0]
        added[label] = 100.0 * (math.exp(total_real) - math.exp(float(cf_r.sum())))
        vol_ratio[label] = real_vol / float(cf_r.std(ddof=1))
        if label == TOTAL:
            cf_total = cf_r
    flow_bn = {c.value: float(flows[i, :, 0].sum()) * p.market_cap_bn
               for i, c in enumerate(AgentClass) if c in SYSTEMATIC}
    flow_bn[TOTAL] = sum(flow_bn.values())
    frame = pd.DataFrame({c.value: flows[i, :, 0] * p.market_cap_bn
                          for i, c in enumerate(AgentClass) if c in SYSTEMATIC})
    return {"added": added, "vol_ratio": vol_ratio, "cf": cf_total, "flow_bn": flow_bn,
            "flows": frame}


def replay_episodes(
    asof: pd.Timestamp, *, draws: int = 200, seed: int | None = 0,
    settings: Settings | None = None,
) -> tuple[list[ReplayResult], dict[str, str]]:
    """Replay every historical episode that ended by ``asof``, keeping each failure's reason.

    Parameters
    ----------
    asof
        Only episodes ending on or before it are replayed, on S&P 500 closes
        published by then.
    draws, seed
        Parameter draws and seed of :class:`Replay`.
    settings
        Settings passed on to the data layer.

    Returns
    -------
    replays, failed
        The replays in :data:`EPISODES` order, and episode label -> reason (the
        ``FlowdeskError`` message) for each one that failed. One failed episode
        must not hide the others, so errors are collected, not raised.
    """
    from flowdesk.data import load

    due = [ep for ep in EPISODES.values() if pd.Timestamp(ep.end) <= asof]
    if not due:
        return [], {}
    try:
        closes = load("SP500", start="2015-01-01", asof=asof, settings=settings)
    except FlowdeskError as exc:
        return [], {ep.label: str(exc) for ep in due}
    replay = Replay(draws=draws, seed=seed)
    replays: list[ReplayResult] = []
    failed: dict[str, str] = {}
    for ep in due:
        try:
            replays.append(replay.run(ep, closes=closes))  # type: ignore[arg-type]
        except FlowdeskError as exc:
            failed[ep.label] = str(exc)
    return replays, failed
