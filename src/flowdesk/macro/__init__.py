"""Macro thesis monitor: six structural claims (and a seventh on flows) made testable.

Each thesis has indicators computed from real series, a verdict from the rules
in :mod:`flowdesk.macro.rules`, and a point-in-time history
(:meth:`Scorecard.history`). Pure computation: data come from
:func:`flowdesk.data.load` with ``asof``.
"""

from flowdesk.macro.indicators import Indicator, IndicatorValue, evaluate_indicator
from flowdesk.macro.live_series import LIVE_SERIES
from flowdesk.macro.rules import RULES, VERDICTS, Verdict
from flowdesk.macro.scorecard import Scorecard, ScorecardResult, ThesisResult
from flowdesk.macro.theses import (
    DEFAULT_CAPEX_TICKERS,
    THESES,
    DriversShares,
    Thesis,
    build_theses,
    get_thesis,
)

__all__ = [
    "DEFAULT_CAPEX_TICKERS",
    "LIVE_SERIES",
    "RULES",
    "THESES",
    "VERDICTS",
    "DriversShares",
    "Indicator",
    "IndicatorValue",
    "Scorecard",
    "ScorecardResult",
    "Thesis",
    "ThesisResult",
    "Verdict",
    "build_theses",
    "evaluate_indicator",
    "get_thesis",
]
