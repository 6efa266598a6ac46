"""The simulator's front: :class:`MarketSimulator` -> :class:`MarketSimulatorResult`.

One run answers the counterfactual question (how much does each systematic
agent class amplify realized vol, drawdowns, >= 5% down days and weeks and
the tail?) and reports the calibration check (model vs S&P 500 data vs a
GJR-GARCH-t null on the moment set). Model and units: :mod:`flowdesk.sim.params`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.results import Result
from flowdesk.sim.counterfactual import (
    RATIO_STATS,
    amplification_table,
    levels,
    run_counterfactuals,
)
from flowdesk.sim.moments import DATA_END
from flowdesk.sim.params import CALIBRATION, AgentClass, SimParams, agent_class
from flowdesk.sim.pathstats import STAT_LABELS
from flowdesk.sim.seeds import resolve_entropy

if TYPE_CHECKING:
    from flowdesk.sim.calibrate import MomentTarget
    from flowdesk.sim.garch import GarchResult

__all__ = ["MarketSimulator", "MarketSimulatorResult", "distance", "long_memory_verdict"]

_LONG_LAG = "acf_abs_100"
CONVENTIONS = (
    "Daily log returns; flows as fractions of market cap; linear impact r = multiplier x net "
    "flow (multiplier 5: buying 1% of market cap moves prices 5%). Amplification of X by a "
    "class = mean X with every class on / mean X with that class off, on the same shocks "
    "(common random numbers); 95% intervals over paths (delta method). 'systematic' = all "
    "mechanical classes off at once. Moments: model paths as long as the data (S&P 500 "
    "1999-2018), data standard errors from a moving-block bootstrap, null = GJR-GARCH(1,1)-t "
    "fitted to the same data; coverage = share of data moments inside the 95% band across "
    "paths."
)


@lru_cache(maxsize=1)
def _target() -> MomentTarget:
    from flowdesk.sim.calibrate import data_target

    return data_target()


@lru_cache(maxsize=1)
def _calibration_end() -> pd.Timestamp:
    """Last S&P 500 close of the calibration window (its nominal end if the data are missing)."""
    from flowdesk.sim.moments import data_returns

    try:
        return pd.Timestamp(data_returns().index[-1])
    except DataError:
        return pd.Timestamp(DATA_END)


@lru_cache(maxsize=1)
def _garch() -> GarchResult:
    from flowdesk.sim.garch import GJRGarchT
    from flowdesk.sim.moments import data_returns

    return GJRGarchT().fit(data_returns())


@lru_cache(maxsize=4)
def _null_panel(entropy: int, n_paths: int, n_days: int) -> pd.DataFrame:
    from flowdesk.sim.moments import moment_panel

    return moment_panel(_garch().simulate(n_paths, n_days, entropy=entropy))


def distance(table: pd.DataFrame, column: str) -> float:
    """MSM distance ``J`` of a table column from the data, in squared standard errors."""
    z = (table[column] - table["data"]) / table["se"]
    return float((z * z).sum())


def long_memory_verdict(table: pd.DataFrame) -> dict[str, Any]:
    """Whether the model's ACF(|r|, 100) is closer to the data than the null's."""
    row = table.loc[_LONG_LAG]
    model_gap = abs(row["model"] - row["data"])
    null_gap = abs(row["null"] - row["data"]) if "null" in row else math.nan
    beats = bool(model_gap < null_gap) if math.isfinite(null_gap) else None
    return {"data": float(row["data"]), "model": float(row["model"]),
            "null": float(row.get("null", math.nan)), "beats_null": beats}


@dataclass(frozen=True, eq=False)
class MarketSimulatorResult(Result):
    """Outcome of :meth:`MarketSimulator.estimate`.

    Attributes
    ----------
    asof
        As-of date (default: the end of the calibration window).
    last_obs
        ``{"SP500": last close of the calibration window}``: the only data the
        model is fitted to, so results do not change after that date.
    params
        Baseline parameters (classes in ``without`` switched off).
    paths, years, n_days
        Paths per configuration, years and sessions per path (burn-in excluded).
    entropy
        Seed of the run.
    without
        Classes switched off in the baseline.
    amplification
        :func:`~flowdesk.sim.counterfactual.amplification_table`: one row per
        class removed (and ``systematic``).
    levels
        Mean outcomes with all classes on and in each counterfactual.
    moments
        Model vs data vs null moment table (``None`` if not computed).
    coverage
        ``{"model": share, "null": share}`` of data moments inside the 95% bands.
    samples
        ``"all"`` / ``"no_systematic"`` -> sample price paths on the same shocks.
    path_days, seconds
        Kernel path-days and seconds over the run.
    notes
        Caveats.
    """

    params: SimParams
    paths: int
    years: float
    n_days: int
    entropy: int
    without: tuple[str, ...]
    amplification: pd.DataFrame
    levels: pd.DataFrame
    moments: pd.DataFrame | None
    coverage: dict[str, float | None]
    samples: dict[str, np.ndarray] = field(repr=False)
    path_days: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    asof: pd.Timestamp = field(default_factory=lambda: pd.Timestamp(DATA_END))
    last_obs: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)

    @property
    def path_days_per_s(self) -> float:
        """Kernel throughput (path-days per second, burn-in days included)."""
        return self.path_days / self.seconds if self.seconds > 0 else math.nan

    def long_memory(self) -> dict[str, Any] | None:
        """ACF(|r|, 100): data, model, null and whether the model is closer than the null."""
        return None if self.moments is None else long_memory_verdict(self.moments)

    def _payload(self, **options: Any) -> dict[str, Any]:
        """The result's JSON content.

        Returns
        -------
        dict
            ``asof`` and ``last_obs`` (the calibration window's last close);
            ``amplification``: class -> ``vol_ratio`` / ``drawdown_ratio`` as
            ``{"value", "ci_low", "ci_high"}`` plus, for ``down_days_per_year``,
            ``down_weeks_per_year`` and ``tail_index``, ``{"with", "without",
            "diff", "ci_low", "ci_high"}``; ``moments``: ``model`` / ``data`` /
            ``null`` (moment -> value), ``model_band`` / ``null_band`` (moment ->
            [low, high]), ``data_se``, ``coverage``, ``objective`` (distance J
            of model and null), ``long_memory``; ``paths``,
            ``years``, ``days``, ``seed``, ``without``, ``path_days_per_s``,
            ``levels``, ``params``, ``calibration``, ``notes``.
        """
        amp: dict[str, Any] = {}
        for label, row in self.amplification.iterrows():
            entry: dict[str, Any] = {}
            for name in RATIO_STATS:
                entry[name] = {"value": row[name], "ci_low": row[f"{name}_ci_low"],
                               "ci_high": row[f"{name}_ci_high"]}
            for stat in ("down_days_per_year", "down_weeks_per_year", "tail_index"):
                entry[stat] = {"with": row[f"{stat}_with"], "without": row[f"{stat}_without"],
                               "diff": row[f"{stat}_diff"],
                               "ci_low": row[f"{stat}_diff_ci_low"],
                               "ci_high": row[f"{stat}_diff_ci_high"]}
            amp[str(label)] = entry
        moments: dict[str, Any] = {"model": None, "data": None, "null": None}
        if self.moments is not None:
            t = self.moments
            moments = {
                "model": t["model"].to_dict(),
                "data": t["data"].to_dict(),
                "null": t["null"].to_dict() if "null" in t else None,
                "model_band": {k: [r["model_low"], r["model_high"]] for k, r in t.iterrows()},
                "null_band": ({k: [r["null_low"], r["null_high"]] for k, r in t.iterrows()}
                              if "null" in t else None),
                "data_se": t["se"].to_dict(),
                "labels": t["label"].to_dict(),
                "coverage": self.coverage,
                "objective": {"model": distance(t, "model"),
                              "null": distance(t, "null") if "null" in t else None},
                "long_memory": self.long_memory(),
            }
        return {
            "model": "MarketSimulator",
            "asof": self.asof,
            "last_obs": dict(self.last_obs),
            "paths": self.paths,
            "years": self.years,
            "days": self.n_days,
            "seed": self.entropy,
            "without": list(self.without),
            "path_days_per_s": self.path_days_per_s,
            "amplification": amp,
            "moments": moments,
            "levels": {k: r.to_dict() for k, r in self.levels.iterrows()},
            "params": self.params.to_dict(),
            "calibration": dict(CALIBRATION),
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """The amplification table (one row per class removed)."""
        return self.amplification

    def _amp_lines(self) -> list[str]:
        lines = []
        for label, r in self.amplification.iterrows():
            lines.append(
                f"  {label:11s} vol x{r['vol_ratio']:.3f} [{r['vol_ratio_ci_low']:.3f}, "
                f"{r['vol_ratio_ci_high']:.3f}]  drawdown x{r['drawdown_ratio']:.3f} "
                f"[{r['drawdown_ratio_ci_low']:.3f}, {r['drawdown_ratio_ci_high']:.3f}]  "
                f">=5% down days/yr {r['down_days_per_year_with']:.3f} vs "
                f"{r['down_days_per_year_without']:.3f}  tail {r['tail_index_with']:.2f} vs "
                f"{r['tail_index_without']:.2f}")
        return lines

    def summary(self) -> str:
        """Amplification, the calibration check (said plainly), speed and conventions."""
        lines = [
            f"Market simulator: {self.paths:,} paths x {self.years:g} years ({self.n_days:,} "
            f"sessions), seed {self.entropy}"
            + (f", without {', '.join(self.without)}" if self.without else ""),
            "Amplification (all on / class off; 95% CI over paths):",
            *self._amp_lines(),
            "Mean outcomes:",
            self.levels.rename(columns=STAT_LABELS).to_string(float_format=lambda v: f"{v:.4f}"),
        ]
        lm = self.long_memory()
        if self.moments is not None and lm is not None:
            t = self.moments.drop(columns="label")
            lines += ["", "Moments (model mean and 95% band over paths vs data vs the "
                      "GJR-GARCH-t null):",
                      t.to_string(float_format=lambda v: f"{v:.4f}"),
                      f"Moment coverage: model {self.coverage['model']:.0%}"
                      + (f", null {self.coverage['null']:.0%}" if self.coverage.get("null")
                         is not None else ""),
                      f"Distance J (sum of squared standard errors): model "
                      f"{distance(self.moments, 'model'):.1f}"
                      + (f", null {distance(self.moments, 'null'):.1f}" if "null" in
                         self.moments else "")]
            if lm["beats_null"]:
                lines.append(f"Long-lag volatility clustering: ACF(|r|,100) model {lm['model']:.3f}"
                             f" vs data {lm['data']:.3f} vs null {lm['null']:.3f} - the model "
                             "is closer to the data than the GJR-GARCH-t null.")
            else:
                lines.append(f"Long-lag volatility clustering: ACF(|r|,100) model {lm['model']:.3f}"
                             f" vs data {lm['data']:.3f} vs null {lm['null']:.3f} - the model "
                             "does NOT beat the GJR-GARCH-t null here.")
        lines += ["", f"Kernel throughput: {self.path_days_per_s:,.0f} path-days/s "
                  "(burn-in included)", *self.notes, "", CONVENTIONS]
        return "\n".join(lines)


class MarketSimulator:
    """Heterogeneous-agent market whose agents are the flow engine's actors.

    Parameters
    ----------
    params
        Parameters (default :class:`SimParams()`, the calibrated values).
    seed, rng
        Reproducibility, mesa-style: an integer seed or a NumPy ``Generator``
        (not both); neither draws fresh entropy, recorded in the result.
    """

    def __init__(self, params: SimParams | None = None, *, seed: int | None = None,
                 rng: np.random.Generator | None = None) -> None:
        self.params = params or SimParams()
        if not isinstance(self.params, SimParams):
            raise ConfigError(f"params: expected SimParams, got {type(self.params).__name__}")
        self.entropy = resolve_entropy(seed, rng)

    def __repr__(self) -> str:
        active = [c.value for c in self.params.active()]
        return f"MarketSimulator(seed={self.entropy}, active={active})"

    def estimate(
        self,
        asof: DateLike | None = None,
        *,
        paths: int = 1000,
        years: float = 20.0,
        without: Sequence[str | AgentClass] = (),
        classes: Sequence[str | AgentClass] | None = None,
        moments: bool = True,
        moment_paths: int = 256,
        chunk: int = 1024,
        n_samples: int = 8,
    ) -> MarketSimulatorResult:
        """Simulate, switch each systematic class off in turn, compare.

        Parameters
        ----------
        asof
            As-of date (default: the end of the calibration window). The model is
            calibrated to S&P 500 returns over a fixed window (1999-2018), so any
            date on or after its end gives the same result; an earlier date is an
            error, since the calibration data was not yet published.
        paths
            Paths per configuration.
        years
            Length of each path (252 sessions a year), after the burn-in.
        without
            Classes switched off in every configuration (the baseline too).
        classes
            Classes to remove one at a time (default: every active systematic class).
        moments
            Also compute the moment table (model, S&P 500 data, GJR-GARCH-t null)
            on ``min(paths, moment_paths)`` paths as long as the data.
        chunk, n_samples
            Paths per kernel call; sample paths kept for plots.
        """
        when = parse_date(asof, "asof")
        if when is not None and when < pd.Timestamp(DATA_END):
            raise ModelError(
                f"asof: {when:%Y-%m-%d} is before {DATA_END}, the end of the S&P 500 window"
                " the simulator is calibrated to"
            )
        if isinstance(paths, bool) or int(paths) < 2:
            raise ConfigError(f"paths: need at least 2, got {paths}")
        if not (math.isfinite(years) and years > 0):
            raise ConfigError(f"years: must be positive, got {years}")
        off = tuple(dict.fromkeys(agent_class(c).value for c in without))
        base = self.params.without(*off) if off else self.params
        self.check_budget(paths, years, without=off, classes=classes, chunk=chunk)
        n_days = max(round(252 * years), 10)
        run = run_counterfactuals(base, int(paths), n_days, entropy=self.entropy,
                                  classes=classes, chunk=chunk, n_samples=n_samples)
        table, notes = None, []
        cov: dict[str, float | None] = {"model": None, "null": None}
        path_days, seconds = run.path_days, run.seconds
        if moments:
            try:
                table, cov = self._moments(base, min(int(paths), moment_paths))
            except DataError as exc:
                notes.append(f"Moments unavailable: {exc}")
        return MarketSimulatorResult(
            params=base, paths=int(paths), years=float(years), n_days=n_days,
            entropy=self.entropy, without=off, amplification=amplification_table(run),
            levels=levels(run), moments=table, coverage=cov, samples=run.samples,
            path_days=path_days, seconds=seconds, notes=tuple(notes),
            asof=when if when is not None else pd.Timestamp(DATA_END),
            last_obs={"SP500": _calibration_end()},
        )

    def check_budget(
        self,
        paths: int,
        years: float,
        *,
        without: Sequence[str | AgentClass] = (),
        classes: Sequence[str | AgentClass] | None = None,
        chunk: int = 1024,
        names: tuple[str, str] = ("paths", "years"),
    ) -> float:
        """Refuse a run whose estimated memory or path-days exceed the limits.

        Cheap (no simulation); :meth:`estimate` calls it, and the CLI calls it
        first to name its options. See :mod:`flowdesk.sim.budget`.

        Returns
        -------
        float
            Estimated path-days.

        Raises
        ------
        ConfigError
            Above ``sim_max_memory_gb`` or ``sim_max_path_days``.
        """
        from flowdesk.sim.budget import check_budget
        from flowdesk.sim.counterfactual import _configs

        off = tuple(dict.fromkeys(agent_class(c).value for c in without))
        base = self.params.without(*off) if off else self.params
        runs = 1 + len(_configs(base, classes, True))
        return check_budget(int(paths), float(years), runs=runs, burn_in=base.burn_in,
                            chunk=chunk, names=names)

    def _moments(self, p: SimParams, n_paths: int) -> tuple[pd.DataFrame, dict[str, float | None]]:
        from flowdesk.sim.calibrate import moment_table

        target = _target()
        null = _null_panel(self.entropy, n_paths, target.n_days)
        table, model_cov, null_cov = moment_table(p, target, n_paths=n_paths,
                                                  entropy=self.entropy, null_panel=null)
        return table, {"model": model_cov, "null": null_cov}
