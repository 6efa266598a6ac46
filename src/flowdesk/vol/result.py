"""The result of the VIX regime model: frozen data, its summary and its JSON.

:class:`~flowdesk.vol.model.VixRegimes` computes it; units are in the package
docstring (:mod:`flowdesk.vol`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError
from flowdesk.results import Result, notes_lines
from flowdesk.vol.forward import HORIZONS, MIN_BLOCK
from flowdesk.vol.regimes import (
    DESCRIPTIONS,
    INPUT_THRESHOLDS,
    INPUTS,
    Thresholds,
    rules_text,
)

__all__ = ["METHOD", "RECENT_EPISODES", "VixRegimesResult"]

#: Episodes listed in ``to_dict()`` and ``summary()``.
RECENT_EPISODES = 10

METHOD = (
    "Regime at t uses only data dated <= t (see the rules below). Forward returns are "
    "simple S&P 500 returns in percent from the close of t over 5, 21 and 63 sessions: "
    "outcomes used only for this historical table, never for classifying. Sample: every "
    "classified session (VIX3M history, from 2009-09-18). 95% intervals: moving-block "
    f"bootstrap of the whole timeline, blocks of max(horizon, {MIN_BLOCK}) sessions "
    "because overlapping forward windows are autocorrelated; 'episodes' counts distinct "
    "spells of consecutive sessions."
)


def _num(value: Any, digits: int = 4) -> float | None:
    if value is None or pd.isna(value) or not np.isfinite(float(value)):
        return None
    return round(float(value), digits)


@dataclass(frozen=True, eq=False)
class VixRegimesResult(Result):
    """VIX regimes as of one date (units in the package docstring).

    Attributes
    ----------
    asof
        As-of date: only data published by then were used.
    regime, regime_date
        Regime of the last classified session and that session (``None`` if no
        session could be classified).
    thresholds
        Thresholds used.
    daily
        Term-structure frame (:func:`~flowdesk.vol.termstructure.term_structure_frame`)
        plus ``raw``, ``regime`` and ``unavailable`` from the classifier.
    episodes
        All inversion episodes (:func:`~flowdesk.vol.termstructure.inversion_episodes`).
    forward
        Forward-return table (:func:`~flowdesk.vol.forward.forward_return_table`).
    last_obs
        Series id -> date of its last observation used (``None``: nothing published).
    n_boot, seed
        Bootstrap settings.
    notes
        Missing inputs and other caveats.
    """

    asof: pd.Timestamp
    regime: str
    regime_date: pd.Timestamp | None
    thresholds: Thresholds
    daily: pd.DataFrame
    episodes: pd.DataFrame
    forward: pd.DataFrame
    last_obs: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)
    n_boot: int = 1000
    seed: int | None = 0
    notes: tuple[str, ...] = ()

    @property
    def inputs_date(self) -> pd.Timestamp | None:
        """Session of :attr:`current`: ``regime_date``, else the last session."""
        if self.regime_date is not None:
            return self.regime_date
        return self.daily.index[-1] if len(self.daily) else None

    @property
    def current(self) -> pd.Series:
        """Classifier inputs and labels on :attr:`inputs_date` (all NaN if no session)."""
        if self.inputs_date is None:
            return pd.Series(np.nan, index=list(self.daily.columns), dtype=object)
        return self.daily.loc[self.inputs_date]

    def last_value(self, series_id: str) -> float:
        """Last observed value of an input level (``VIX``, ``VIX3M``, ...), NaN if none."""
        column = series_id.lower()
        if column not in self.daily:
            return float("nan")
        values = self.daily[column].dropna()
        return float(values.iloc[-1]) if len(values) else float("nan")

    @property
    def unavailable(self) -> list[str]:
        """Classifier inputs missing on :attr:`inputs_date`."""
        text = self.current.get("unavailable")
        return [] if not isinstance(text, str) or not text else text.split(",")

    def inputs_frame(self) -> pd.DataFrame:
        """Classifier inputs on :attr:`inputs_date` with their units and thresholds."""
        rows = []
        for name, unit in INPUTS.items():
            value = self.current.get(name, np.nan)
            rows.append({
                "input": name,
                "value": float(value) if not pd.isna(value) else np.nan,
                "unit": unit,
                "thresholds": ", ".join(f"{t}={getattr(self.thresholds, t)}"
                                        for t in INPUT_THRESHOLDS[name]),
            })
        return pd.DataFrame(rows).set_index("input")

    def to_frame(self, kind: Literal["daily", "episodes", "forward"] = "daily") -> pd.DataFrame:
        """A copy of the daily frame, the episodes or the forward-return table."""
        tables = {"daily": self.daily, "episodes": self.episodes, "forward": self.forward}
        if kind not in tables:
            raise ConfigError(f"to_frame: unknown kind {kind!r}; choose one of {sorted(tables)}")
        return tables[kind].copy()

    def forward_dict(self) -> dict[str, dict[str, dict[str, Any]]]:
        """``{group: {"5": {"mean", "ci_low", "ci_high", "n", "episodes", ...}}}``."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for (group, horizon), row in self.forward.iterrows():
            out.setdefault(str(group), {})[str(horizon)] = {
                "mean": _num(row["mean"]),
                "ci_low": _num(row["ci_low"]),
                "ci_high": _num(row["ci_high"]),
                "n": int(row["n"]),
                "episodes": int(row["episodes"]),
                "n_boot_used": int(row["n_boot_used"]),
                "block_length": int(row["block_length"]),
            }
        return out

    def episodes_records(self, last: int = RECENT_EPISODES) -> list[dict[str, Any]]:
        """The last ``last`` inversion episodes as plain dicts, newest first.

        Dates stay timestamps; :meth:`to_dict` writes them as ``YYYY-MM-DD``.
        """
        rows = self.episodes.tail(last).iloc[::-1]
        return [
            {
                "start": r.start,
                "end": r.end,
                "peak_date": r.peak_date,
                "peak_ratio": _num(r.peak_ratio),
                "sessions": int(r.sessions),
                "sp500_drawdown_at_peak": _num(r.drawdown_at_peak),
                "regime": r.regime,
                "ongoing": bool(r.ongoing),
            }
            for r in rows.itertuples()
        ]

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Stable keys; floats rounded to 4 decimals.

        ``vix``, ``vix3m``, ``vix9d``, ``vvix`` and ``skew`` are each series' last
        observation (dated in ``last_obs``); ``ratio_*``, ``realized_vol_21d``,
        ``sp500_drawdown`` and ``inputs`` are on ``inputs_date`` (the regime's
        session). ``forward_returns[group][str(horizon)]`` holds ``mean``,
        ``ci_low``, ``ci_high`` (percent), ``n`` (sessions) and ``episodes``.
        """
        cur = self.current
        inputs = {
            name: {
                "value": _num(cur.get(name)),
                "unit": unit,
                "available": not pd.isna(cur.get(name)),
                "thresholds": {t: getattr(self.thresholds, t) for t in INPUT_THRESHOLDS[name]},
            }
            for name, unit in INPUTS.items()
        }
        forward = self.forward
        span = forward[["start", "end"]].dropna() if len(forward) else forward
        return {
            "model": "VixRegimes",
            "asof": self.asof,
            "regime": self.regime,
            "regime_description": DESCRIPTIONS[self.regime],
            "regime_date": self.regime_date,
            "inputs_date": self.inputs_date,
            "vix": _num(self.last_value("VIX")),
            "vix3m": _num(self.last_value("VIX3M")),
            "vix9d": _num(self.last_value("VIX9D")),
            "vvix": _num(self.last_value("VVIX")),
            "skew": _num(self.last_value("SKEW")),
            "ratio_vix_vix3m": _num(cur.get("ratio")),
            "ratio_vix9d_vix": _num(cur.get("ratio_9d")),
            "realized_vol_21d": _num(cur.get("rv_21")),
            "sp500_drawdown": _num(cur.get("drawdown")),
            "inputs": inputs,
            "unavailable_inputs": self.unavailable,
            "thresholds": self.thresholds.to_dict(),
            "episodes": self.episodes_records(),
            "n_episodes": len(self.episodes),
            "inverted_share": _num(self.inverted_share()),
            "forward_returns": self.forward_dict(),
            "forward_method": {
                "returns": "simple, percent",
                "horizons_sessions": list(HORIZONS),
                "interval": "95% moving-block bootstrap, percentile",
                "n_boot": self.n_boot,
                "seed": self.seed,
                "sample_start": span["start"].min() if len(span) else None,
                "sample_end": span["end"].max() if len(span) else None,
            },
            "last_obs": dict(self.last_obs),
            "notes": list(self.notes),
        }

    def inverted_share(self) -> float:
        """Share of sessions with a VIX/VIX3M ratio that were inverted (0-1)."""
        has = self.daily["ratio"].notna()
        return float(self.daily.loc[has, "inverted"].mean()) if has.any() else float("nan")

    def _forward_display(self) -> pd.DataFrame:
        table: dict[str, dict[str, str]] = {}
        for (group, horizon), r in self.forward.iterrows():
            cell = ("n/a" if pd.isna(r["mean"]) else
                    f"{r['mean']:+.2f} [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]")
            row = table.setdefault(str(group), {})
            row[f"{horizon}d % [95% CI]"] = cell
            row[f"{horizon}d days/episodes"] = f"{int(r['n'])}/{int(r['episodes'])}"
        return pd.DataFrame.from_dict(table, orient="index")

    def _html_frame(self) -> pd.DataFrame:
        return self._forward_display()

    def summary(self) -> str:
        """Plain-text regime, inputs, recent episodes, forward returns and the rules."""
        when = f"{self.regime_date:%Y-%m-%d}" if self.regime_date is not None else "n/a"
        inputs = self.inputs_frame()
        inputs["value"] = inputs["value"].map(lambda v: "n/a" if pd.isna(v) else f"{v:.3f}")
        recent = self.episodes.tail(RECENT_EPISODES).iloc[::-1]
        lines = [
            f"VIX regimes as of {self.asof:%Y-%m-%d}",
            f"Regime on {when}: {self.regime} ({DESCRIPTIONS[self.regime]})",
            f"Unavailable inputs: {', '.join(self.unavailable) or 'none'}",
            "",
            inputs.to_string(),
            "",
            f"Inversion episodes (VIX/VIX3M > {self.thresholds.inversion_ratio}): "
            f"{len(self.episodes)}; inverted on {100 * self.inverted_share():.1f}% of sessions "
            "with a ratio. Most recent:",
            recent.to_string(index=False) if len(recent) else "(none)",
            "",
            f"Forward S&P 500 returns (n_boot={self.n_boot}, seed={self.seed}):",
            self._forward_display().to_string(),
            "",
            METHOD,
            "",
            rules_text(self.thresholds),
        ]
        lines += notes_lines(self.notes)
        return "\n".join(lines)
