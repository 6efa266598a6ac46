"""Event study: S&P 500 returns in buyback-open vs blackout windows.

Tests the claim that corporate buybacks support the index: compare returns on
sessions when most companies can buy (open window) with sessions when most are
in blackout, with moving-block bootstrap intervals because returns cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import DataError, ModelError
from flowdesk.flows.buybacks import BLACKOUT_THRESHOLD, BuybackResult
from flowdesk.flows.common import ci_verdict
from flowdesk.results import Result
from flowdesk.stats import block_bootstrap_sums

__all__ = ["EventStudyResult", "blackout_event_study"]


@dataclass(frozen=True, eq=False)
class EventStudyResult(Result):
    """Index returns in open vs blackout windows, with block-bootstrap intervals.

    Attributes
    ----------
    table
        Index ``(horizon, window)``; columns ``n``, ``mean_pct`` (mean return
        per period, %), ``annualised_pct`` (mean × 252/h), ``vol_pct``
        (std × √(252/h)), ``hit_rate`` (share of positive returns).
    differences
        Index horizon; ``diff_pct`` (open − blackout mean, % per period),
        ``annualised_pct``, ``ci_low``/``ci_high`` (95%, % per period), ``verdict``.
    start, end, block, n_boot, seed
        Sample and bootstrap settings.
    """

    table: pd.DataFrame
    differences: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    block: int
    n_boot: int
    seed: int

    def to_frame(self) -> pd.DataFrame:
        """The per-window statistics (a copy)."""
        return self.table.copy()

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Results per horizon, floats rounded to 6 decimals."""
        horizons: dict[str, Any] = {}
        for h, diff in self.differences.iterrows():
            entry: dict[str, Any] = {}
            for window in ("open", "blackout"):
                row = self.table.loc[(h, window)]
                entry[window] = {k: round(float(v), 6) for k, v in row.items()}
                entry[window]["n"] = int(row["n"])
            entry["difference"] = {
                k: round(float(diff[k]), 6)
                for k in ("diff_pct", "annualised_pct", "ci_low", "ci_high")
            }
            entry["verdict"] = diff["verdict"]
            horizons[str(h)] = entry
        return {
            "model": "blackout_event_study",
            "start": self.start,
            "end": self.end,
            "threshold": BLACKOUT_THRESHOLD,
            "block": self.block,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "horizons": horizons,
        }

    def summary(self) -> str:
        """Plain-text table and the verdicts, derived from the intervals."""
        lines = [
            f"S&P 500 returns in buyback open vs blackout windows, {self.start:%Y-%m-%d} to "
            f"{self.end:%Y-%m-%d} (blackout = share of companies in blackout >= 50%).",
            f"Moving-block bootstrap: block {self.block} sessions, {self.n_boot} replicates, "
            f"seed {self.seed}; returns in %, annualised by 252/h (arithmetic).",
            "",
            self.table.to_string(float_format=lambda v: f"{v:,.4f}"),
            "",
        ]
        for h, d in self.differences.iterrows():
            lines.append(
                f"{h}: open - blackout = {d['diff_pct']:+.4f}% per period "
                f"({d['annualised_pct']:+.2f}% a year), 95% CI [{d['ci_low']:+.4f}, "
                f"{d['ci_high']:+.4f}]: {d['verdict']}."
            )
        return "\n".join(lines)

    def _html_frame(self) -> pd.DataFrame:
        return self.differences


def blackout_event_study(
    returns: pd.Series,
    result: BuybackResult,
    *,
    start: DateLike = "2000-01-01",
    block: int = 21,
    n_boot: int = 2000,
    seed: int = 0,
) -> EventStudyResult:
    """Compare index returns in buyback open and blackout windows.

    A session is blackout when the count-weighted share in blackout is at least
    50%. The same-day return (close t-1 to t) and the next-5-session return
    (close t to t+5) are grouped by the state on ``t``. The difference of means
    (open − blackout) gets a 95% percentile interval from a moving-block
    bootstrap of sessions (returns and volatility cluster, and windows last
    weeks, so blocks keep both together).

    Parameters
    ----------
    returns
        Daily simple returns of the index (fractions), indexed by session.
    result
        A fitted :class:`BuybackResult` covering those sessions.
    start
        First session of the sample.
    block, n_boot, seed
        Block length (sessions), bootstrap replicates, seed of
        ``numpy.random.default_rng``.
    """
    if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
        raise DataError("returns: expected a Series indexed by dates")
    if not returns.index.is_monotonic_increasing or not returns.index.is_unique:
        raise DataError("returns: dates must be sorted and unique")
    r = pd.to_numeric(returns, errors="coerce").dropna().astype(float)
    if not np.isfinite(r.to_numpy()).all():
        raise DataError("returns: infinite value")
    lo = parse_date(start, "start")
    # Five-session forward return from the returns' own sessions, compounded.
    growth = np.log1p(r).cumsum()
    fwd5 = np.expm1(growth.shift(-5) - growth)
    common = r.index.intersection(result.daily.index)
    common = common[common >= lo]
    if common.empty:
        raise ModelError("event study: no sessions shared by returns and the buyback result")
    blackout = (result.daily.loc[common, "blackout_share"] >= BLACKOUT_THRESHOLD).to_numpy()
    rng = np.random.default_rng(seed)
    rows, diffs = {}, {}
    for h, series in (("1d", r.loc[common]), ("5d", fwd5.loc[common])):
        values = series.to_numpy() * 100.0
        ok = np.isfinite(values)
        values, black = values[ok], blackout[ok]
        groups = {"open": ~black, "blackout": black}
        periods = 252.0 / (1 if h == "1d" else 5)
        for name, mask in groups.items():
            x = values[mask]
            if x.size < 2:
                raise ModelError(f"event study: fewer than 2 {name} sessions for {h}")
            rows[(h, name)] = {
                "n": float(x.size),
                "mean_pct": x.mean(),
                "annualised_pct": x.mean() * periods,
                "vol_pct": x.std(ddof=1) * np.sqrt(periods),
                "hit_rate": float((x > 0).mean()),
            }
        cols = np.vstack([values * ~black, ~black, values * black, black])
        sums = block_bootstrap_sums(cols, block=block, n_boot=n_boot, rng=rng)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot = sums[:, 0] / sums[:, 1] - sums[:, 2] / sums[:, 3]
        low, high = np.nanpercentile(boot, [2.5, 97.5])
        point = rows[(h, "open")]["mean_pct"] - rows[(h, "blackout")]["mean_pct"]
        diffs[h] = {
            "diff_pct": point,
            "annualised_pct": point * periods,
            "ci_low": low,
            "ci_high": high,
            "verdict": ci_verdict(
                low, high, 0.0,
                above="the difference is positive: open-window returns are higher "
                "(95% CI excludes zero)",
                below="the difference is negative: blackout-window returns are higher "
                "(95% CI excludes zero)",
                across="the difference is not distinguishable from zero (95% CI includes zero)",
            ),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["horizon", "window"])
    return EventStudyResult(
        table=table,
        differences=pd.DataFrame.from_dict(diffs, orient="index").rename_axis("horizon"),
        start=common[0],
        end=common[-1],
        block=int(block),
        n_boot=int(n_boot),
        seed=int(seed),
    )
