"""Agent-based market simulator: how much do mechanical flows amplify moves.

A heterogeneous-agent market whose agents are the flow engine's actors
(Franke-Westerhoff herding fundamentalists and noise traders, vol-control
cohorts, CTAs, a buyback desk, option dealers, stop-loss clusters), a numba
kernel vectorised over paths, calibration by simulated moments against the
S&P 500, a GJR-GARCH-t null, counterfactuals, historical replays and
parameter sweeps (local processes or Dask).

Entry points::

    from flowdesk.sim import MarketSimulator
    result = MarketSimulator(seed=1).estimate(paths=1000, years=20, without=())
    result.to_dict()          # amplification, moments, paths, path_days_per_s

    from flowdesk.sim import run_sweep
    run_sweep("grid.toml", scheduler=None, progress=lambda done, total: ...)

Names resolve lazily so that importing this package (or
:mod:`flowdesk.sim.sweep` in a worker) does not import numba.
"""

from __future__ import annotations

from flowdesk.lazy import lazy_exports

_LAZY = {
    "AGENT_CLASSES": "flowdesk.sim.params",
    "CALIBRATION": "flowdesk.sim.params",
    "SYSTEMATIC": "flowdesk.sim.params",
    "AgentClass": "flowdesk.sim.params",
    "SimParams": "flowdesk.sim.params",
    "MarketSimulator": "flowdesk.sim.model",
    "MarketSimulatorResult": "flowdesk.sim.model",
    "EPISODES": "flowdesk.sim.replay",
    "Episode": "flowdesk.sim.replay",
    "Replay": "flowdesk.sim.replay",
    "ReplayResult": "flowdesk.sim.replay",
    "CalibrationResult": "flowdesk.sim.calibrate",
    "calibrate": "flowdesk.sim.calibrate",
    "GJRGarchT": "flowdesk.sim.garch",
    "GarchResult": "flowdesk.sim.garch",
    "SweepResult": "flowdesk.sim.sweep",
    "SweepSpec": "flowdesk.sim.sweep",
    "run_sweep": "flowdesk.sim.sweep",
    "run_paths": "flowdesk.sim.engine",
    "PathArrays": "flowdesk.sim.engine",
    "moment_panel": "flowdesk.sim.moments",
    "MOMENT_NAMES": "flowdesk.sim.moments",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
