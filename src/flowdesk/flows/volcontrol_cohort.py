"""A vol-control cohort: one group of funds sharing a target, an estimator, a cap and a lag.

Its own module so that both the fit (:mod:`flowdesk.flows.volcontrol`) and the
mechanics it imports (:mod:`flowdesk.flows.volcontrol_trigger`) can name the one
class, with the dependency still running one way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

from flowdesk.errors import ModelError

__all__ = ["ESTIMATORS", "Estimator", "VolCohort"]

Estimator = Literal["close21", "close63", "ewma94", "max21_63"]
ESTIMATORS: tuple[str, ...] = get_args(Estimator)
_MAX_LAG = 5


@dataclass(frozen=True)
class VolCohort:
    """One group of vol-targeting funds.

    Attributes
    ----------
    name
        Label (column name in the result).
    target_vol
        Annualised volatility target, a fraction (0.10 = 10%), in (0, 1].
    estimator
        ``"close21"``, ``"close63"``, ``"ewma94"`` or ``"max21_63"`` (module docstring).
    cap
        Maximum exposure (leverage), a fraction of AUM in (0, 3]; typically 1.0-1.5.
    lag
        Rebalance lag in sessions, 0-5 (typically 1-2): the exposure held on day t
        is the target computed from data up to t - lag.
    weight
        Share of the industry's AUM in this cohort, in (0, 1].
    """

    name: str
    target_vol: float
    estimator: Estimator
    cap: float
    lag: int
    weight: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ModelError(f"VolCohort.name: expected a non-empty string, got {self.name!r}")
        where = f"VolCohort {self.name!r}"
        _check_range(self.target_vol, 0.0, 1.0, f"{where}: target_vol")
        if self.estimator not in ESTIMATORS:
            raise ModelError(
                f"{where}: estimator {self.estimator!r} is not one of {list(ESTIMATORS)}"
            )
        _check_range(self.cap, 0.0, 3.0, f"{where}: cap")
        if isinstance(self.lag, bool) or not isinstance(self.lag, int | np.integer):
            raise ModelError(f"{where}: lag must be an integer, got {self.lag!r}")
        if not 0 <= self.lag <= _MAX_LAG:
            raise ModelError(f"{where}: lag must be in [0, {_MAX_LAG}] sessions, got {self.lag}")
        _check_range(self.weight, 0.0, 1.0, f"{where}: weight")


def _check_range(value: Any, lo: float, hi: float, what: str) -> None:
    """Require a real number in ``(lo, hi]``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ModelError(f"{what} must be a number, got {value!r}")
    if not (math.isfinite(value) and lo < value <= hi):
        raise ModelError(f"{what} must be in ({lo:g}, {hi:g}], got {value!r}")
