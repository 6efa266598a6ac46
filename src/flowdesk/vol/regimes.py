"""Transparent VIX regime classifier: one thresholds dataclass and one rule function.

Everything that decides a regime lives in :class:`Thresholds` and
:func:`regime_rule`; ``VixRegimesResult.summary()`` prints both verbatim. The
rule reads one session's inputs from :func:`~flowdesk.vol.termstructure.term_structure_frame`
(all point in time), so the label at ``t`` uses data dated ``<= t`` only.

Regimes
-------
``calm_contango``
    VIX/VIX3M <= 1 and VIX below ``elevated_vix``.
``elevated_contango``
    VIX/VIX3M <= 1 and VIX at or above ``elevated_vix``.
``hedging_inversion``
    Inverted, with a shallow drawdown, implied vol well above realized and a
    short inversion so far: short-dated hedging demand.
``panic_inversion``
    Inverted, with a deep and fast drawdown, realized vol catching up with
    implied, and stress spreading (VVIX high, VIX9D/VIX very high, put/call
    elevated: enough of those that are available).
``stress_inversion``
    Inverted but neither rule fires: e.g. a grinding bear market, or the tail
    of a panic once the selling slows.
``unclassified``
    No VIX/VIX3M ratio on the session (VIX3M starts 2009-09-18).

Missing inputs
--------------
A comparison with a missing input is false, so a rule needing it does not fire
(the input is listed in ``unavailable``). The stress-spreading test counts only
the stress signals that exist: it needs ``min_stress_signals`` of them, or all
of them when fewer exist, and fails when none exists.

Persistence
-----------
Contango vs inversion is observed and never delayed. Within one side, a change
of label takes effect only once the new raw label has held for
``persistence`` consecutive sessions; until then the previous label is kept.
The first session of an inversion takes its raw label at once.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError

__all__ = [
    "CONTANGO",
    "DEFAULT_THRESHOLDS",
    "DESCRIPTIONS",
    "INPUTS",
    "INPUT_THRESHOLDS",
    "INVERTED",
    "REGIMES",
    "Thresholds",
    "apply_persistence",
    "classify",
    "regime_rule",
    "rules_text",
    "unavailable_inputs",
]

CONTANGO = ("calm_contango", "elevated_contango")
INVERTED = ("hedging_inversion", "stress_inversion", "panic_inversion")
REGIMES = (*CONTANGO, *INVERTED)

#: One line per label, for summaries and the report.
DESCRIPTIONS: dict[str, str] = {
    "calm_contango": "VIX below VIX3M and VIX below the elevated level",
    "elevated_contango": "VIX below VIX3M but VIX at or above the elevated level",
    "hedging_inversion": "inverted; shallow drawdown, implied well above realized, short so far",
    "stress_inversion": "inverted; neither the hedging nor the panic rule fires",
    "panic_inversion": "inverted; deep fast drawdown, realized catching up, stress spreading",
    "unclassified": "no VIX/VIX3M ratio on the session",
}

#: Classifier inputs (columns of the term-structure frame) with their units.
INPUTS: dict[str, str] = {
    "ratio": "VIX/VIX3M ratio",
    "vix": "index points",
    "drawdown": "% from 252-session high",
    "ret_5": "% over 5 sessions",
    "ret_10": "% over 10 sessions",
    "rv_iv": "realized 21d vol / VIX",
    "inverted_sessions": "sessions",
    "vvix_pct": "percentile 0-100",
    "ratio_9d": "VIX9D/VIX ratio",
    "pcr_pct": "percentile 0-100",
}


#: Which thresholds each input is compared with (for the inputs table).
INPUT_THRESHOLDS: dict[str, tuple[str, ...]] = {
    "ratio": ("inversion_ratio",),
    "vix": ("elevated_vix",),
    "drawdown": ("deep_drawdown",),
    "ret_5": ("panic_ret_5",),
    "ret_10": ("panic_ret_10",),
    "rv_iv": ("panic_rv_iv", "hedging_rv_iv"),
    "inverted_sessions": ("hedging_max_sessions",),
    "vvix_pct": ("stress_vvix_pct",),
    "ratio_9d": ("stress_ratio_9d",),
    "pcr_pct": ("stress_pcr_pct",),
}


@dataclass(frozen=True)
class Thresholds:
    """Every threshold of the regime rules (units in the comments).

    Comparisons are ``<=``/``>=`` as written in :func:`regime_rule`.
    """

    inversion_ratio: float = 1.0  # VIX/VIX3M above this = inverted
    elevated_vix: float = 20.0  # VIX (index points) at or above = elevated, in contango
    deep_drawdown: float = -10.0  # S&P 500 % from 252-session high: <= deep, > shallow
    panic_ret_5: float = -5.0  # 5-session S&P 500 return %, at or below = fast ...
    panic_ret_10: float = -7.0  # ... or 10-session return %, at or below = fast
    panic_rv_iv: float = 0.6  # realized 21d vol / VIX at or above = realized catching up
    stress_vvix_pct: float = 95.0  # VVIX percentile at or above = vol-of-vol stress
    stress_ratio_9d: float = 1.15  # VIX9D/VIX at or above = front-end stress
    stress_pcr_pct: float = 80.0  # 10d mean total put/call percentile at or above
    min_stress_signals: int = 2  # stress signals needed (all of them if fewer exist)
    hedging_rv_iv: float = 0.75  # realized / VIX at or below = implied well above realized
    hedging_max_sessions: int = 10  # inverted for at most this many sessions so far
    persistence: int = 2  # sessions a new label must hold within contango or inversion
    min_history: int = 252  # observations before a percentile exists

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"Thresholds.{f.name}: expected a number, got {value!r}")
            if not math.isfinite(value):
                raise ConfigError(f"Thresholds.{f.name}: must be finite, got {value!r}")
        for name in ("min_stress_signals", "hedging_max_sessions", "persistence", "min_history"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ConfigError(f"Thresholds.{name}: expected an integer >= 1")

    def to_dict(self) -> dict[str, float]:
        """Thresholds by name."""
        return asdict(self)


DEFAULT_THRESHOLDS = Thresholds()


def _nan(value: float) -> bool:
    return value is None or value != value


def regime_rule(x: Mapping[str, float], th: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """Raw regime of one session from its inputs (NaN comparisons are false)."""
    if _nan(x["ratio"]) or _nan(x["vix"]):
        return "unclassified"
    if x["ratio"] <= th.inversion_ratio:
        return "elevated_contango" if x["vix"] >= th.elevated_vix else "calm_contango"

    deep = x["drawdown"] <= th.deep_drawdown
    fast = x["ret_5"] <= th.panic_ret_5 or x["ret_10"] <= th.panic_ret_10
    catching_up = x["rv_iv"] >= th.panic_rv_iv
    signals = {
        "vvix_pct": x["vvix_pct"] >= th.stress_vvix_pct,
        "ratio_9d": x["ratio_9d"] >= th.stress_ratio_9d,
        "pcr_pct": x["pcr_pct"] >= th.stress_pcr_pct,
    }
    available = sum(not _nan(x[name]) for name in signals)
    spreading = available > 0 and sum(signals.values()) >= min(th.min_stress_signals, available)
    if deep and fast and catching_up and spreading:
        return "panic_inversion"

    shallow = x["drawdown"] > th.deep_drawdown
    implied_rich = x["rv_iv"] <= th.hedging_rv_iv
    short = x["inverted_sessions"] <= th.hedging_max_sessions
    if shallow and implied_rich and short:
        return "hedging_inversion"
    return "stress_inversion"


def rules_text(th: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """The thresholds and the source of :func:`regime_rule`, for ``summary()``."""
    lines = [f"{f.name} = {getattr(th, f.name)!r}" for f in fields(th)]
    try:
        source = inspect.getsource(regime_rule)
    except (OSError, TypeError):  # pragma: no cover - source missing in a frozen install
        source = regime_rule.__doc__ or ""
    return "Thresholds:\n  " + "\n  ".join(lines) + "\n\nRules:\n" + source.rstrip()


def unavailable_inputs(x: Mapping[str, float]) -> list[str]:
    """Classifier inputs missing (NaN) for one session."""
    return [name for name in INPUTS if _nan(x.get(name, np.nan))]


def _side(label: str) -> str | None:
    if label in CONTANGO:
        return "contango"
    if label in INVERTED:
        return "inverted"
    return None


def apply_persistence(raw: pd.Series, persistence: int) -> pd.Series:
    """Apply the persistence rule (module docstring) to raw daily labels.

    Uses only labels up to each session, so it stays point in time.
    """
    labels = raw.to_numpy(dtype=object)
    out = labels.copy()
    streak = 0
    for t in range(len(labels)):
        streak = streak + 1 if t > 0 and labels[t] == labels[t - 1] else 1
        if t == 0 or _side(labels[t]) is None or _side(labels[t]) != _side(out[t - 1]):
            continue  # first session, unclassified, or a switch of side: raw label
        out[t] = labels[t] if streak >= persistence else out[t - 1]
    return pd.Series(out, index=raw.index, name="regime")


def classify(frame: pd.DataFrame, th: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Classify every session of a term-structure frame.

    Parameters
    ----------
    frame
        Output of :func:`~flowdesk.vol.termstructure.term_structure_frame` (or
        any frame with the :data:`INPUTS` columns).
    th
        Thresholds.

    Returns
    -------
    pandas.DataFrame
        ``raw`` (label from :func:`regime_rule`), ``regime`` (after the
        persistence rule) and ``unavailable`` (comma-separated missing inputs).
    """
    missing = [c for c in INPUTS if c not in frame.columns]
    if missing:
        raise ConfigError(f"classify: frame lacks input columns {missing}")
    records = frame[list(INPUTS)].to_dict("records")
    raw = pd.Series([regime_rule(x, th) for x in records], index=frame.index, name="raw")
    return pd.DataFrame(
        {
            "raw": raw,
            "regime": apply_persistence(raw, th.persistence),
            "unavailable": [",".join(unavailable_inputs(x)) for x in records],
        },
        index=frame.index,
    )
