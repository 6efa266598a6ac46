"""CTA trigger levels as desks publish them: where each horizon's trend filter flips.

For each horizon (short, medium, long) a trend follower is long while the price
is above a trailing trend filter and short below it. The *trigger level* is the
next-session close at which that comparison changes sign, solved exactly:

EMA filter (span ``n``, ``alpha = 2 / (n + 1)``)
    Tomorrow's filter is ``e' = (1 - c) e + c p`` for tomorrow's close ``p``
    (``c = alpha`` with ``adjust=False``; the adjusted recursion is affine in
    ``p`` the same way), so ``p - e' = (1 - c) (p - e)``: the signal flips at
    ``p* = e``, today's filter value.
SMA filter (window ``n``)
    Tomorrow's filter is ``(S + p) / n`` with ``S`` the sum of the last
    ``n - 1`` closes, so ``p - (S + p) / n = ((n - 1) p - S) / n`` flips at
    ``p* = S / (n - 1)``: the mean of the last ``n - 1`` closes.

These levels sit near spot, the way published short/medium/long levels do:
a filter lags the price by about ``(n - 1) / 2`` sessions, so the level is
roughly where the price was that long ago. The crossover pivots of
:mod:`flowdesk.flows.cta_pivots` answer another question (the one-day shock
that flips an EWMA crossover) and usually lie far from spot.

Defaults (:data:`DEFAULT_TRIGGER_FILTERS`) come from the calibration written up
in ``docs/calibration.md`` (``scripts/calibrate_desk.py``): one filter family and
one window per horizon chosen on the public desk cases, with the
leave-one-case-out error reported beside the in-sample one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from flowdesk.errors import ModelError
from flowdesk.flows import kernels as k

__all__ = [
    "DEFAULT_TRIGGER_FILTERS",
    "FILTER_FAMILIES",
    "TrendFilter",
    "trigger_filters",
    "trigger_levels",
]

FilterFamily = Literal["ema", "sma"]
FILTER_FAMILIES: tuple[str, ...] = get_args(FilterFamily)


@dataclass(frozen=True)
class TrendFilter:
    """The trailing trend filter of one horizon.

    Attributes
    ----------
    name
        Horizon label: ``"short"``, ``"medium"`` or ``"long"``.
    family
        ``"ema"`` (exponential, span ``window``) or ``"sma"`` (simple, ``window`` closes).
    window
        Span or length in sessions (>= 2).
    """

    name: str
    family: FilterFamily
    window: int

    def __post_init__(self) -> None:
        if self.family not in FILTER_FAMILIES:
            raise ModelError(
                f"trigger filter {self.name}: family {self.family!r} is not one of "
                f"{list(FILTER_FAMILIES)}"
            )
        if isinstance(self.window, bool) or not isinstance(self.window, int | np.integer):
            raise ModelError(f"trigger filter {self.name}: window must be an integer")
        if self.window < 2:
            raise ModelError(f"trigger filter {self.name}: window must be >= 2, got {self.window}")

    @property
    def min_history(self) -> int:
        """Closes needed before the level exists (a full window of history)."""
        return self.window if self.family == "ema" else self.window - 1

    def describe(self) -> str:
        """``"EMA 40"``-style label."""
        return f"{self.family.upper()} {self.window}"


#: Calibrated defaults (docs/calibration.md): EMA spans 40 / 126 / 350 sessions.
DEFAULT_TRIGGER_FILTERS: tuple[TrendFilter, ...] = (
    TrendFilter("short", "ema", 40),
    TrendFilter("medium", "ema", 126),
    TrendFilter("long", "ema", 350),
)


def trigger_filters(
    family: str, windows: Sequence[int], names: Sequence[str] = ("short", "medium", "long")
) -> tuple[TrendFilter, ...]:
    """Filters of one family with one window per horizon (the settings' shape).

    Raises
    ------
    ModelError
        A window count that does not match the horizons, or a bad family/window.
    """
    if len(windows) != len(names):
        raise ModelError(
            f"trigger windows: expected {len(names)} ({', '.join(names)}), got {list(windows)}"
        )
    return tuple(TrendFilter(n, family, int(w)) for n, w in zip(names, windows, strict=True))  # type: ignore[arg-type]


def trigger_levels(prices: np.ndarray, flt: TrendFilter) -> np.ndarray:
    """Next-session trigger level of every date and asset for one filter.

    Parameters
    ----------
    prices
        (T x N) C-contiguous float64 price panel (NaN = missing session).
    flt
        The horizon's filter.

    Returns
    -------
    numpy.ndarray
        (T x N): EMA filter value (``pd.DataFrame(p).ewm(span=n, adjust=False,
        min_periods=n).mean()``) or the mean of the last ``n - 1`` closes
        (``pd.DataFrame(p).rolling(n - 1).mean()``); NaN before a full window.
    """
    out = np.empty_like(prices)
    if flt.family == "ema":
        k.ewm_mean_into(prices, k.span_to_alpha(flt.window), False, False, flt.window, out)
    else:
        n = flt.window - 1
        k.rolling_sum_into(prices, n, n, out)
        out /= n
    return out
