"""The scores: how one model figure compares with one published figure, and the summary.

Pure arithmetic on numbers, no I/O. Definitions (``ours`` = the model, ``pub`` =
the published figure):

* pivots: error = ``100 * (ours - pub) / pub``, in percent of the published level;
* flows: a published value with ``|pub| < tolerance`` (default
  :data:`FLAT_TOLERANCE_BN` = 0.25 USD bn) is *flat*: it carries no direction,
  so it is left out of the sign count and of the ratio (and shown as ``flat``).
  Otherwise the signs agree when ``ours * pub > 0`` (a model value of exactly
  zero never agrees) and the ratio is ``|ours| / |pub|``; the summary per
  scope is the share of agreeing signs and the median (and mean) ratio over
  every horizon and tape of that scope;
* position: error = ``ours - pub`` in USD bn; the summary adds the Spearman rank
  correlation across the cases;
* percentile: error = ``ours - pub`` in percentile points, and the Spearman rank
  correlation;
* blackout share: error = ``100 * (ours - pub)`` in percentage points.

A figure the model does not give (a missing key, ``None``, NaN) is *no
estimate*: shown as n/a, counted apart, never part of a statistic. Spearman's
rho is the Pearson correlation of the average ranks (ties share their mean
rank); it needs three pairs and values that are not all equal, else it is n/a.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.validation.cases import FIELDS, SCOPES, Field

__all__ = [
    "FLAT_TOLERANCE_BN",
    "Comparison",
    "SummaryRow",
    "compare",
    "format_number",
    "lookup",
    "spearman",
    "summarise",
]

#: Published flows smaller than this (USD bn, either sign) count as flat.
FLAT_TOLERANCE_BN = 0.25

#: Unit of the ``error`` of each group.
ERROR_UNITS = {"pivot": "%", "flow": "USD bn", "position": "USD bn", "percentile": "pts",
               "blackout": "pp"}


def lookup(payload: Any, path: Sequence[str]) -> float | None:
    """The finite number at ``path`` in nested mappings, or ``None`` (missing, null, NaN, text).

    Examples
    --------
    >>> lookup({"a": {"b": 2}}, ("a", "b"))
    2.0
    >>> lookup({"a": {}}, ("a", "b")) is None
    True
    """
    value = payload
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Comparison:
    """One model figure against one published figure (definitions: module docstring).

    ``status`` is ``"ok"``, ``"no estimate"`` (the model gives none) or ``"flat"``
    (a flow published as flat, left out of the sign count and the ratio).
    """

    status: str
    error: float | None = None
    agree: bool | None = None
    ratio: float | None = None


def compare(spec: Field, ours: float | None, published: float,
            tolerance: float = FLAT_TOLERANCE_BN) -> Comparison:
    """Score ``ours`` against ``published`` for the column ``spec``."""
    if spec.group == "flow" and abs(published) < tolerance:
        return Comparison("flat", None if ours is None else ours - published)
    if ours is None:
        return Comparison("no estimate")
    if spec.group == "pivot":
        return Comparison("ok", 100.0 * (ours - published) / published)
    if spec.group == "flow":
        return Comparison("ok", ours - published, ours * published > 0,
                          abs(ours) / abs(published))
    if spec.group == "blackout":
        return Comparison("ok", 100.0 * (ours - published))
    return Comparison("ok", ours - published)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation of paired values (average ranks for ties).

    Returns ``None`` with fewer than three pairs or when either side is constant.
    """
    if len(x) != len(y):
        raise ValueError("spearman: x and y differ in length")
    if len(x) < 3:
        return None
    rx = pd.Series(x, dtype=float).rank(method="average").to_numpy()
    ry = pd.Series(y, dtype=float).rank(method="average").to_numpy()
    if np.ptp(rx) == 0 or np.ptp(ry) == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary: a figure, what is measured, and on how many cases.

    Attributes
    ----------
    key
        ``pivot_short`` / ``pivot_medium`` / ``pivot_long``, ``flows_global_eq`` /
        ``flows_spx``, ``position``, ``percentile`` or ``blackout``.
    label, measure
        The figure, and what is computed for it.
    n
        Comparisons behind the statistics (pairs with a published value, a model
        value and, for flows, a published value that is not flat).
    n_dates
        Distinct case dates behind them.
    n_published, n_no_estimate, n_flat
        Published values of these columns; those the model gives no figure for;
        flows published as flat (left out).
    stats
        The statistics (names carry their unit, e.g. ``median_error_pct``;
        ``None`` when not computable).
    text
        The statistics as one short phrase, for tables.
    """

    key: str
    label: str
    measure: str
    n: int
    n_dates: int
    n_published: int
    n_no_estimate: int
    n_flat: int
    stats: Mapping[str, float | None]
    text: str

    def to_dict(self) -> dict[str, Any]:
        """Plain values: every attribute, ``stats`` flattened into the row."""
        return {"key": self.key, "label": self.label, "measure": self.measure, "n": self.n,
                "n_dates": self.n_dates, "n_published": self.n_published,
                "n_no_estimate": self.n_no_estimate, "n_flat": self.n_flat,
                **dict(self.stats), "text": self.text}


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _mean(values: Sequence[float]) -> float | None:
    return float(statistics.fmean(values)) if values else None


def format_number(value: float | None, spec: str, suffix: str = "") -> str:
    """``value`` in format ``spec`` plus ``suffix``; ``n/a`` for ``None``, never ``-0.00``."""
    if value is None:
        return "n/a"
    text = f"{value:{spec}}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = f"{0.0:{spec}}"
    return f"{text}{suffix}"


def _error_stats(errors: Sequence[float], unit: str) -> dict[str, float | None]:
    return {f"median_error_{unit}": _median(errors), f"mean_error_{unit}": _mean(errors),
            f"median_abs_error_{unit}": _median([abs(e) for e in errors])}


def _error_text(stats: Mapping[str, float | None], unit: str, shown: str, digits: int) -> str:
    spec = f"+,.{digits}f"
    return (f"median error {format_number(stats[f'median_error_{unit}'], spec, shown)}, mean "
            f"{format_number(stats[f'mean_error_{unit}'], spec, shown)}, median |error| "
            f"{format_number(stats[f'median_abs_error_{unit}'], f',.{digits}f', shown)}")


def _rho_text(rho: float | None) -> str:
    return f"rank correlation {format_number(rho, '+.2f')}"


def summarise(comparisons: pd.DataFrame) -> list[SummaryRow]:
    """The summary rows of a comparisons table (one row per case and column).

    Parameters
    ----------
    comparisons
        Columns ``date``, ``column``, ``ours``, ``published``, ``error``, ``agree``,
        ``ratio``, ``status`` (see :class:`~flowdesk.validation.result.ValidationResult`).

    Returns
    -------
    list of SummaryRow
        In the order pivots (short, medium, long), flows (global equities, S&P 500),
        position, percentile, blackout share; a figure with no published value in
        the table has no row.
    """
    rows: list[SummaryRow] = []
    specs = {c: FIELDS[c] for c in comparisons["column"].unique()} if len(comparisons) else {}

    def subset(columns: Sequence[str]) -> pd.DataFrame:
        return comparisons[comparisons["column"].isin(list(columns))]

    def row(key: str, label: str, measure: str, part: pd.DataFrame,
            stats: Mapping[str, float | None], text: str) -> SummaryRow:
        used = part[part["status"] == "ok"]
        missing = int((part["status"] == "no estimate").sum())
        if used.empty:
            text = ("n/a: the model gives no figure" if missing
                    else "n/a: every published value is flat")
        return SummaryRow(key, label, measure, len(used), used["date"].nunique(), len(part),
                          missing, int((part["status"] == "flat").sum()), dict(stats), text)

    for term in ("short", "medium", "long"):
        part = subset([f"pivot_{term}"])
        if part.empty:
            continue
        errors = part.loc[part["status"] == "ok", "error"].astype(float).tolist()
        stats = _error_stats(errors, "pct")
        rows.append(row(f"pivot_{term}", FIELDS[f"pivot_{term}"].label,
                        "error of our level, % of the published level", part, stats,
                        _error_text(stats, "pct", "%", 2)))
    for scope, name in SCOPES.items():
        part = subset([c for c, s in specs.items() if s.scope == scope])
        if part.empty:
            continue
        used = part[part["status"] == "ok"]
        agree = used["agree"].astype(bool)
        ratios = used["ratio"].astype(float).tolist()
        share = float(agree.mean()) if len(used) else None
        stats = {"sign_agreement": share, "n_agree": float(agree.sum()),
                 "median_ratio": _median(ratios), "mean_ratio": _mean(ratios)}
        text = (f"signs agree {format_number(None if share is None else 100 * share, '.0f', '%')} "
                f"({int(agree.sum())} of {len(used)}), median |ours|/|published| "
                f"{format_number(stats['median_ratio'], '.2f', 'x')} (mean "
                f"{format_number(stats['mean_ratio'], '.2f', 'x')})")
        rows.append(row(f"flows_{scope}", f"CTA flows, {name}: 1w/1m, flat/up/down",
                        "sign agreement and size ratio |ours|/|published|", part, stats, text))
    for key, column, unit, shown, digits, measure in (
        ("position", "cta_global_equity_position_bn", "bn", " bn", 0,
         "rank correlation across cases; error ours - published, USD bn"),
        ("percentile", "cta_position_percentile", "pts", " pts", 0,
         "error ours - published, percentile points; rank correlation"),
        ("blackout", "buyback_blackout_share", "pp", " pp", 0,
         "error ours - published, percentage points"),
    ):
        part = subset([column])
        if part.empty:
            continue
        used = part[part["status"] == "ok"]
        errors = used["error"].astype(float).tolist()
        stats = _error_stats(errors, unit)
        if key in ("position", "percentile"):
            rho = spearman(used["ours"].astype(float).tolist(),
                           used["published"].astype(float).tolist())
            stats = {"spearman": rho, **stats}
        text = _error_text(stats, unit, shown, digits)
        if key == "position":
            text = f"{_rho_text(stats['spearman'])}; {text}"
        elif key == "percentile":
            text = f"{text}; {_rho_text(stats['spearman'])}"
        rows.append(row(key, FIELDS[column].label, measure, part, stats, text))
    return rows
