"""VIX term-structure regimes: hedging-driven inversion vs panic, and what followed.

:class:`VixRegimes` is the model: ``fit(data)`` is pure, ``estimate(asof)``
loads the series point in time and fits. The pieces live in one module per
concern: :mod:`~flowdesk.vol.termstructure` (daily inputs, inversion episodes),
:mod:`~flowdesk.vol.regimes` (thresholds and the rule),
:mod:`~flowdesk.vol.forward` (forward returns with block-bootstrap intervals) and
:mod:`~flowdesk.vol.result` (the frozen :class:`VixRegimesResult`).

Units: VIX, VIX3M, VIX9D, VVIX in index points (annualised implied vol, %);
ratios unitless; drawdowns and returns in percent; realized vol annualised with
sqrt(252), in vol points; percentiles 0-100. Forward returns are simple S&P 500
returns in percent over 5, 21 and 63 sessions.
"""

from flowdesk.vol.forward import HORIZONS
from flowdesk.vol.model import (
    ALL_INVERSIONS,
    BASELINE,
    METHOD,
    SERIES,
    VixRegimes,
    VixRegimesResult,
)
from flowdesk.vol.regimes import DEFAULT_THRESHOLDS, REGIMES, Thresholds

__all__ = [
    "ALL_INVERSIONS",
    "BASELINE",
    "DEFAULT_THRESHOLDS",
    "HORIZONS",
    "METHOD",
    "REGIMES",
    "SERIES",
    "Thresholds",
    "VixRegimes",
    "VixRegimesResult",
]
