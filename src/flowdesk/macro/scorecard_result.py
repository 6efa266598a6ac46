"""The result of the thesis scorecard: frozen data, its summary and its JSON.

:class:`~flowdesk.macro.scorecard.Scorecard` computes a :class:`ScorecardResult`,
one :class:`ThesisResult` per thesis. Units are those of each indicator; changes
over one year are differences in that unit and percentiles are 0-100 (see
:mod:`flowdesk.macro.scorecard`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from flowdesk.errors import ConfigError
from flowdesk.macro.indicators import IndicatorValue
from flowdesk.macro.rules import Verdict
from flowdesk.macro.theses import Thesis
from flowdesk.results import Result, notes_lines

__all__ = ["ScorecardResult", "ThesisResult"]

_JSON_DIGITS = 4


def _round(value: float | None) -> float | None:
    # NaN and inf survive round() and become None in the encoder.
    return None if value is None else round(float(value), _JSON_DIGITS)


def _iso(date: pd.Timestamp | None) -> str | None:
    return None if date is None or pd.isna(date) else f"{date:%Y-%m-%d}"


_FRAME_COLUMNS = ["thesis", "indicator", "verdict", "title", "value", "unit", "obs_date",
                  "change_1y", "change_unit", "percentile", "stale", "status"]


def _frame(theses: Sequence[ThesisResult]) -> pd.DataFrame:
    """One row per (thesis, indicator) of ``theses`` (see :meth:`ScorecardResult.to_frame`)."""
    rows = [
        {"thesis": t.id, "indicator": v.id, "verdict": t.verdict,
         "title": v.indicator.title, "value": v.value, "unit": v.indicator.unit,
         "obs_date": v.obs_date, "change_1y": v.change_1y,
         "change_unit": v.indicator.change_unit, "percentile": v.percentile,
         "stale": v.stale, "status": v.status}
        for t in theses for v in t.indicators
    ]
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS).set_index(["thesis", "indicator"])


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of :meth:`ScorecardResult.to_frame` formatted for text, with units."""

    def num(x: float, spec: str) -> str:
        return "n/a" if x != x else format(x, spec)

    return pd.DataFrame({
        "indicator": frame.index,
        "value": [num(x, ",.2f") for x in frame["value"]],
        "unit": frame["unit"].to_numpy(),
        "observed": [_iso(d) or "-" for d in frame["obs_date"]],
        "1y change": [num(x, "+,.2f") + ("" if x != x else f" {u}")
                      for x, u in zip(frame["change_1y"], frame["change_unit"], strict=True)],
        "pctile": [num(x, ".0f") for x in frame["percentile"]],
        "status": frame["status"].to_numpy(),
    })


@dataclass(frozen=True, eq=False)
class ThesisResult(Result):
    """One thesis at one as-of date: verdict, reasons and indicator values."""

    thesis: Thesis
    verdict: Verdict
    reasons: tuple[str, ...]
    indicators: tuple[IndicatorValue, ...]

    @property
    def id(self) -> str:
        """The thesis id."""
        return self.thesis.id

    def indicator(self, indicator_id: str) -> IndicatorValue:
        """The value of one of this thesis' indicators."""
        for value in self.indicators:
            if value.id == indicator_id:
                return value
        raise ConfigError(f"thesis {self.id} has no indicator {indicator_id!r}")

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator (the thesis' rows of :meth:`ScorecardResult.to_frame`)."""
        return _frame([self]).droplevel("thesis")

    def _payload(self, *, history: bool = False, **options: Any) -> dict[str, Any]:
        """With ``history=True`` each indicator carries its series."""
        rows = []
        for v in self.indicators:
            row: dict[str, Any] = {
                "id": v.id,
                "title": v.indicator.title,
                "value": _round(v.value),
                "unit": v.indicator.unit,
                # Every indicator is dated: an unobserved one by its evaluation date.
                "asof": v.date,
                "percentile": _round(v.percentile),
                "stale": v.stale,
                "change_1y": _round(v.change_1y),
                "change_unit": v.indicator.change_unit,
                "status": v.status,
                "reasons": list(v.reasons),
                "inputs": list(v.indicator.inputs),
            }
            if v.extra:
                row["extra"] = dict(v.extra)
            if history:
                row["history"] = {
                    "dates": list(v.history.index),
                    "values": [_round(x) for x in v.history.to_numpy(dtype=float)],
                }
            rows.append(row)
        return {
            "id": self.id,
            "number": self.thesis.number,
            "title": self.thesis.title,
            "claim": self.thesis.claim,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "indicators": rows,
        }

    def summary(self) -> str:
        """Verdict, reasons and the indicator table, with units."""
        lines = [f"{self.thesis.number}. {self.thesis.title}: "
                 f"{self.verdict.replace('_', ' ').upper()}"]
        lines += [f"   - {r}" for r in self.reasons]
        if self.indicators:
            table = _display(self.to_frame()).to_string(index=False)
            lines += ["   " + row for row in table.splitlines()]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class ScorecardResult(Result):
    """The scorecard at one as-of date (see the module docstring for conventions).

    Attributes
    ----------
    asof
        Only data published by this date were used.
    theses
        One :class:`ThesisResult` per thesis, in scorecard order.
    capex_tickers
        Companies counted as AI capex.
    last_obs
        Input series id -> date of its last observation published by ``asof``.
    notes
        Inputs that could not be loaded, and why.
    """

    asof: pd.Timestamp
    theses: tuple[ThesisResult, ...]
    capex_tickers: tuple[str, ...]
    last_obs: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def thesis(self, thesis_id: str) -> ThesisResult:
        """The result of one thesis (``ConfigError`` for an unknown id)."""
        for result in self.theses:
            if result.id == thesis_id:
                return result
        raise ConfigError(
            f"unknown thesis {thesis_id!r}; choose one of {', '.join(t.id for t in self.theses)}"
        )

    def verdicts(self) -> pd.Series:
        """Verdict per thesis id."""
        return pd.Series({t.id: t.verdict for t in self.theses}, name=f"{self.asof:%Y-%m-%d}")

    def to_frame(self) -> pd.DataFrame:
        """One row per (thesis, indicator): verdict, value, unit, date, change, percentile."""
        return _frame(self.theses)

    def _payload(self, *, history: bool = False, **options: Any) -> dict[str, Any]:
        """``{"asof", "theses": [{"id", "title", "verdict", "reasons", "indicators": [...]}]}``.

        Indicators carry ``id``, ``value``, ``unit``, ``asof`` (date of the
        observation, or the as-of date when there is none yet), ``percentile``
        and ``stale``, plus ``title``, ``change_1y``, ``status``, ``reasons``
        and ``inputs``; floats rounded to 4 decimals. With ``history=True``
        each indicator carries its series.
        """
        return {
            "asof": self.asof,
            "capex_tickers": list(self.capex_tickers),
            "theses": [t._payload(history=history) for t in self.theses],
            "last_obs": dict(self.last_obs),
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """Plain-text scorecard: verdicts, reasons and indicator tables, with units."""
        lines = [f"Thesis scorecard as of {self.asof:%Y-%m-%d} (AI capex = "
                 f"{'+'.join(self.capex_tickers)}; only data published by then)", ""]
        for t in self.theses:
            lines += [t.summary(), ""]
        lines.append("Changes over 1 year are differences in the indicator's unit (pp for"
                     " percent); percentiles (0-100) rank the value in its own history.")
        lines += notes_lines(self.notes)
        return "\n".join(lines)
