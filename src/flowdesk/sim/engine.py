"""Run the kernel: allocate outputs, draw shocks, place the buyback calendar.

:func:`run_paths` is the one entry point every higher layer uses (model,
calibration, counterfactuals, replay, sweeps). It draws the shocks of the
requested global path range from the seed (:mod:`flowdesk.sim.seeds`), seeds the
state from a history, simulates ``burn_in + n_days`` days and returns the
recorded days.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError
from flowdesk.sim.params import AGENT_CLASSES, AgentClass, SimParams, agent_class
from flowdesk.sim.seeds import TRADER_SHOCKS, standard_normals
from flowdesk.sim.state import KernelParams, SimState, initial_state, synthetic_history

__all__ = [
    "PathArrays", "buyback_flows", "buyback_key", "run_kernel", "run_paths", "weekday_sessions",
]

_EMPTY2 = np.empty((0, 1))


@dataclass(frozen=True, eq=False)
class PathArrays:
    """Recorded days of a batch of paths.

    Attributes
    ----------
    prices, returns
        ``(n_days, n_paths)`` index levels (``None`` unless recorded) and daily
        log returns.
    flows
        ``(7, n_days, n_paths)`` flow of each agent class (fraction of market
        cap, + = buying), in :data:`~flowdesk.sim.params.AGENT_CLASSES` order,
        scales applied (what was actually traded); ``None`` unless recorded.
    aux
        ``(3, n_days, n_paths)`` held vol-control exposure (fraction of AUM),
        held CTA position (fraction of AUM), share of fundamentalists; or ``None``.
    residual
        ``(n_days, n_paths)`` flow implied by given returns (forced mode) or ``None``.
    start_prices
        ``(n_paths,)`` close before the first recorded day.
    seconds, path_days
        Kernel wall time and simulated path-days (burn-in included).
    """

    prices: np.ndarray | None
    returns: np.ndarray
    flows: np.ndarray | None
    aux: np.ndarray | None
    residual: np.ndarray | None
    start_prices: np.ndarray
    seconds: float
    path_days: int

    def flow(self, cls: str | AgentClass) -> np.ndarray:
        """``(n_days, n_paths)`` flow of one class."""
        if self.flows is None:
            raise ConfigError("flows were not recorded (run with record='all')")
        return self.flows[AGENT_CLASSES.index(agent_class(cls))]

    @property
    def log_prices(self) -> np.ndarray:
        """Log prices including the starting close as row 0: ``(n_days + 1, n_paths)``."""
        first = np.log(self.start_prices)[None, :]
        return np.concatenate([first, first + np.cumsum(self.returns, axis=0)])


def weekday_sessions(start: str | pd.Timestamp, n: int) -> pd.DatetimeIndex:
    """``n`` weekdays from ``start`` (the synthetic calendar of a simulation)."""
    return pd.bdate_range(pd.Timestamp(start), periods=n, name="date")


def buyback_key(p: SimParams) -> tuple[float, int, float, float, float]:
    """The :class:`SimParams` fields :func:`buyback_flows` reads (hashable)."""
    return (p.buyback_annual_bn, p.buyback_blackout_lead, p.buyback_share_10b5_1,
            p.buyback_offset, p.market_cap_bn)


def _net_buybacks(key: tuple[float, int, float, float, float], sessions: pd.DatetimeIndex,
                  kind: str) -> np.ndarray:
    from flowdesk.flows.buybacks import Buybacks

    annual, lead, share, offset, cap = key
    model = Buybacks(annual_bn=annual, blackout_lead_sessions=lead, share_10b5_1=share,
                     calendar=kind)  # type: ignore[arg-type]
    fit = model.fit(sessions)
    ext = fit.extended["daily_demand_bn"]
    per_year = ext.groupby(ext.index.year).transform("mean")
    demand = fit.daily["daily_demand_bn"].to_numpy()
    mean = per_year.reindex(sessions).to_numpy()
    return (demand - offset * mean) / cap


@lru_cache(maxsize=32)
def _weekday_buybacks(key: tuple[float, int, float, float, float], start: str,
                      n: int) -> np.ndarray:
    return _net_buybacks(key, weekday_sessions(start, n), "weekdays")


def buyback_flows(
    p: SimParams, n_or_sessions: int | pd.DatetimeIndex, *, nyse: bool = False
) -> np.ndarray:
    """Net buyback flow (fraction of cap) on each session: demand minus the offset mean.

    Parameters
    ----------
    p
        Parameters (annual amount, blackout lead, 10b5-1 share, offset, market cap).
    n_or_sessions
        Number of weekdays from ``p.start_date`` (the synthetic calendar), or
        the sessions themselves (NYSE sessions with ``nyse=True``).
    nyse
        Sessions are NYSE sessions (a replay of real dates).

    Notes
    -----
    Demand comes from :class:`flowdesk.flows.buybacks.Buybacks`; the
    calendar-year mean is taken over the model's full-year calendar, so a
    partial year is not re-centred on its own days.
    """
    if isinstance(n_or_sessions, int):
        return _weekday_buybacks(buyback_key(p), p.start_date, n_or_sessions).copy()
    return _net_buybacks(buyback_key(p), pd.DatetimeIndex(n_or_sessions),
                         "nyse" if nyse else "weekdays")


def run_kernel(
    kp: KernelParams,
    state: SimState,
    z: np.ndarray,
    zv: np.ndarray | None,
    bb: np.ndarray,
    *,
    rec0: int = 0,
    exo: np.ndarray | None = None,
    forced: np.ndarray | None = None,
    aux: bool = False,
    record: Literal["all", "returns"] = "all",
) -> tuple[np.ndarray, ...]:
    """Allocate outputs, advance ``state`` by ``z.shape[0]`` days; return the outputs.

    Returns ``(prices, returns, flows, aux, residual)`` with empty ``aux`` and
    ``residual`` when not requested, and empty ``prices`` and ``flows`` with
    ``record="returns"`` (layouts in :func:`flowdesk.sim.kernel.simulate_into`).
    """
    from flowdesk.sim.kernel import N_CLASSES, simulate_into

    n_steps = z.shape[0]
    n = state.n_paths
    n_rec = n_steps - rec0
    if n_rec < 0:
        raise ConfigError("rec0 exceeds the number of steps")
    if bb.shape[0] < state.t + n_steps:
        raise ConfigError("buyback calendar shorter than the simulation")
    if record not in ("all", "returns"):
        raise ConfigError(f"record: expected 'all' or 'returns', got {record!r}")
    full = record == "all"
    out_p = np.empty((n_rec if full else 0, n))
    out_r = np.empty((n_rec, n))
    out_f = np.empty((N_CLASSES, n_rec if full else 0, n))
    out_aux = np.empty((3, n_rec if aux else 0, n))
    out_exo = np.empty((n_rec, n)) if forced is not None else np.empty((0, n))
    zv_arr = np.empty((0, 1, n)) if zv is None else zv
    simulate_into(
        state.t, rec0, z, zv_arr,
        _EMPTY2 if exo is None else exo,
        _EMPTY2 if forced is None else forced,
        bb, *kp.args(), *state.args(),
        out_p, out_r, out_f, out_aux, out_exo,
    )
    state.t += n_steps
    return out_p, out_r, out_f, out_aux, out_exo


def run_paths(
    p: SimParams,
    n_paths: int,
    n_days: int,
    *,
    entropy: int,
    first_path: int = 0,
    history: np.ndarray | None = None,
    burn_in: int | None = None,
    sessions: pd.DatetimeIndex | None = None,
    exo: np.ndarray | None = None,
    forced: np.ndarray | None = None,
    aux: bool = False,
    n_f: float | np.ndarray = 0.5,
    mispricing: float | np.ndarray = 0.0,
    shocks: np.ndarray | None = None,
    record: Literal["all", "returns"] = "all",
) -> PathArrays:
    """Simulate paths ``first_path .. first_path + n_paths - 1`` of the seed ``entropy``.

    Parameters
    ----------
    p
        Parameters (scales switch classes on and off).
    n_paths, n_days
        Paths and recorded days.
    entropy
        Seed (:func:`flowdesk.sim.seeds.resolve_entropy`).
    first_path
        Global index of the first path: path ``i`` has the same shocks in any batch.
    history
        Closes the agents have traded through (default: synthetic, then burn-in).
    burn_in
        Simulated days before the recorded ones (default ``p.burn_in``; 0 with
        a real ``history``).
    sessions
        Calendar of all ``burn_in + n_days`` days, NYSE sessions (default: weekdays
        from ``p.start_date``); places the buyback blackouts.
    exo, forced
        ``(burn_in + n_days, n_paths or 1)`` extra flow / given log returns.
    aux
        Record held exposures and the fundamentalists' share.
    n_f, mispricing
        Initial share of fundamentalists and log value minus log price.
    shocks
        ``(burn_in + n_days, 2, n_paths)`` trader shocks to use instead of
        drawing them (common random numbers across runs).
    record
        ``"all"`` (prices, returns, flows) or ``"returns"`` (returns only: less
        memory traffic, for summaries).
    """
    if n_paths < 1 or n_days < 1:
        raise ConfigError(f"need at least one path and one day, got {n_paths} x {n_days}")
    real = history is not None
    hist = synthetic_history(p) if history is None else np.asarray(history, dtype=np.float64)
    burn = (0 if real else p.burn_in) if burn_in is None else int(burn_in)
    n_steps = burn + n_days
    if sessions is None:
        bb = buyback_flows(p, n_steps)
    else:
        if len(sessions) != n_steps:
            raise ConfigError(f"sessions: need {n_steps} dates, got {len(sessions)}")
        bb = buyback_flows(p, pd.DatetimeIndex(sessions), nyse=True)
    z = (standard_normals(entropy, first_path, n_paths, n_steps, TRADER_SHOCKS)
         if shocks is None else shocks)
    if z.shape != (n_steps, TRADER_SHOCKS, n_paths):
        raise ConfigError(f"shocks: expected shape {(n_steps, TRADER_SHOCKS, n_paths)}")
    zv = (standard_normals(entropy, first_path, n_paths, n_steps, 1, value=True)
          if p.value_vol > 0 else None)
    state = initial_state(p, hist, n_paths, n_f=n_f, mispricing=mispricing)
    kp = KernelParams.from_params(p)
    start = time.perf_counter()
    prices, rets, flows, aux_arr, res = run_kernel(
        kp, state, z, zv, bb, rec0=burn, exo=_panel(exo, n_steps), forced=_panel(forced, n_steps),
        aux=aux, record=record,
    )
    seconds = time.perf_counter() - start
    full = record == "all"
    # without recorded prices, the start follows from the final close and the returns
    start_prices = prices[0] / np.exp(rets[0]) if full else state.mk[1] / np.exp(rets.sum(0))
    return PathArrays(
        prices=prices if full else None,
        returns=rets,
        flows=flows if full else None,
        aux=aux_arr if aux else None,
        residual=res if forced is not None else None,
        start_prices=start_prices,
        seconds=seconds,
        path_days=n_steps * n_paths,
    )


def _panel(x: np.ndarray | None, n_steps: int) -> np.ndarray | None:
    if x is None:
        return None
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n_steps:
        raise ConfigError(f"exo/forced: expected {n_steps} rows, got shape {arr.shape}")
    return arr
