"""Counterfactuals: switch an agent class off and measure how much it amplified the moves.

Every configuration (all classes on; all on but class ``k``; all on but every
systematic class) runs on the **same shocks** (common random numbers, the same
seed and path indices), so path ``i`` differs across configurations only by
the removed agents' flows and their feedback. Per-path outcomes are those of
:mod:`flowdesk.sim.pathstats`.

Amplification by class ``k`` of an outcome ``X`` (vol, drawdown)::

    ratio_k = mean_i X_i(all on) / mean_i X_i(k off)      (> 1: k amplifies)

with a 95% interval from the delta method on the paired paths:
``se = sd_i(X_i(all) - ratio * X_i(k off)) / (sqrt(n) * mean_i X_i(k off))``.
Rates (>= 5% down days and weeks per year) and the tail index are reported as
levels with and without ``k`` and their paired difference ``with - without``
(normal interval). Intervals are over simulated paths: they measure Monte
Carlo uncertainty given the parameters, not parameter uncertainty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError
from flowdesk.sim.params import SYSTEMATIC, AgentClass, SimParams, agent_class
from flowdesk.sim.pathstats import STAT_NAMES, path_stats

__all__ = [
    "RATIO_STATS",
    "SYSTEMATIC_GROUP",
    "CounterfactualRun",
    "amplification_table",
    "run_counterfactuals",
]

#: Row label of "every systematic class off at once".
SYSTEMATIC_GROUP = "systematic"
RATIO_STATS = {"vol_ratio": "realized_vol", "drawdown_ratio": "max_drawdown"}
DIFF_STATS = ("down_days_per_year", "down_weeks_per_year", "tail_index")
_Z95 = 1.959963984540054


@dataclass(frozen=True, eq=False)
class CounterfactualRun:
    """Per-path outcomes of the baseline and of each counterfactual.

    Attributes
    ----------
    base
        Per-path statistics with every active class on.
    without
        Counterfactual label (class name or ``"systematic"``) -> per-path statistics.
    samples
        ``"all"`` / ``"no_systematic"`` -> ``(n_days + 1, k)`` sample price
        paths (index 100 at the start) on the same shocks.
    path_days, seconds
        Simulated path-days (burn-in included) and kernel seconds, all runs.
    """

    base: pd.DataFrame
    without: dict[str, pd.DataFrame]
    samples: dict[str, np.ndarray] = field(repr=False)
    path_days: int = 0
    seconds: float = 0.0

    @property
    def path_days_per_s(self) -> float:
        """Kernel throughput over all runs."""
        return self.path_days / self.seconds if self.seconds > 0 else math.nan


def _configs(p: SimParams, classes: Sequence[str | AgentClass] | None,
             group: bool) -> dict[str, SimParams]:
    active = p.active()
    chosen = [c for c in SYSTEMATIC if c in active] if classes is None else [
        agent_class(c) for c in classes]
    for c in chosen:
        if c not in active:
            raise ConfigError(f"counterfactual: {c} is already switched off")
    out = {c.value: p.without(c) for c in chosen}
    systematic_on = [c for c in SYSTEMATIC if c in active]
    if group and systematic_on:
        out[SYSTEMATIC_GROUP] = p.without(*systematic_on)
    return out


def run_counterfactuals(
    p: SimParams,
    n_paths: int,
    n_days: int,
    *,
    entropy: int,
    classes: Sequence[str | AgentClass] | None = None,
    group: bool = True,
    chunk: int = 1024,
    n_samples: int = 8,
    first_path: int = 0,
) -> CounterfactualRun:
    """Simulate the baseline and every counterfactual on common random numbers.

    Parameters
    ----------
    p
        Baseline parameters (classes already off stay off everywhere).
    n_paths, n_days
        Paths and recorded days per configuration.
    entropy
        Seed.
    classes
        Classes to remove one at a time (default: every active systematic class).
    group
        Also remove every systematic class at once (row ``"systematic"``).
    chunk
        Paths simulated per kernel call (bounds memory).
    n_samples
        Sample paths kept for plots.
    first_path
        Global index of the first path (for sweeps over path blocks).
    """
    from flowdesk.sim.engine import run_paths
    from flowdesk.sim.seeds import standard_normals

    configs = _configs(p, classes, group)
    base_parts: list[pd.DataFrame] = []
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in configs}
    samples: dict[str, list[np.ndarray]] = {"all": [], "no_systematic": []}
    path_days = 0
    seconds = 0.0
    n_steps = p.burn_in + n_days
    for lo in range(0, n_paths, chunk):
        m = min(chunk, n_paths - lo)
        z = standard_normals(entropy, first_path + lo, m, n_steps)
        keep = max(0, min(n_samples - lo, m))
        for label, q in (("__base__", p), *configs.items()):
            arr = run_paths(q, m, n_days, entropy=entropy, first_path=first_path + lo, shocks=z,
                            record="returns")
            path_days += arr.path_days
            seconds += arr.seconds
            stats = path_stats(arr.returns)
            if label == "__base__":
                base_parts.append(stats)
            else:
                parts[label].append(stats)
            if keep and label in ("__base__", SYSTEMATIC_GROUP):
                name = "all" if label == "__base__" else "no_systematic"
                lr = np.vstack([np.zeros((1, keep)), np.cumsum(arr.returns[:, :keep], axis=0)])
                samples[name].append(100.0 * np.exp(lr))
    return CounterfactualRun(
        base=pd.concat(base_parts, ignore_index=True),
        without={k: pd.concat(v, ignore_index=True) for k, v in parts.items()},
        samples={k: np.hstack(v) for k, v in samples.items() if v},
        path_days=path_days,
        seconds=seconds,
    )


def _ratio(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    mb = b.mean()
    ratio = a.mean() / mb
    n = a.size
    se = (a - ratio * b).std(ddof=1) / (math.sqrt(n) * mb) if n > 1 else math.nan
    return float(ratio), float(ratio - _Z95 * se), float(ratio + _Z95 * se)


def _diff(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    if d.size < 2:
        return math.nan, math.nan, math.nan
    mean = d.mean()
    se = d.std(ddof=1) / math.sqrt(d.size)
    return float(mean), float(mean - _Z95 * se), float(mean + _Z95 * se)


def amplification_table(run: CounterfactualRun) -> pd.DataFrame:
    """One row per counterfactual: ratios with intervals, levels and paired differences.

    Columns: ``vol_ratio``, ``drawdown_ratio`` (each with ``_ci_low``/``_ci_high``);
    for ``down_days_per_year``, ``down_weeks_per_year`` and ``tail_index``:
    ``_with``, ``_without``, ``_diff``, ``_diff_ci_low``, ``_diff_ci_high``.
    """
    rows = {}
    for label, cf in run.without.items():
        row: dict[str, float] = {}
        for name, stat in RATIO_STATS.items():
            v, lo, hi = _ratio(run.base[stat].to_numpy(), cf[stat].to_numpy())
            row.update({name: v, f"{name}_ci_low": lo, f"{name}_ci_high": hi})
        for stat in DIFF_STATS:
            a, b = run.base[stat].to_numpy(), cf[stat].to_numpy()
            d, lo, hi = _diff(a, b)
            row.update({f"{stat}_with": float(np.nanmean(a)),
                        f"{stat}_without": float(np.nanmean(b)),
                        f"{stat}_diff": d, f"{stat}_diff_ci_low": lo,
                        f"{stat}_diff_ci_high": hi})
        rows[label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "without"
    return table


def levels(run: CounterfactualRun) -> pd.DataFrame:
    """Mean of each outcome with all classes on and in each counterfactual."""
    frame = {"all": run.base.mean()}
    frame.update({k: v.mean() for k, v in run.without.items()})
    return pd.DataFrame(frame).T[list(STAT_NAMES)]
