"""Thesis indicators: definitions and point-in-time evaluation.

An :class:`Indicator` names its input series, the transform that turns them
into one dated series, its unit and frequency. :func:`evaluate_indicator`
applies it to data published by an as-of date and returns an
:class:`IndicatorValue`:

- ``value``: the last value of the transformed series, dated ``obs_date`` (the
  observation date it refers to, which can be well before the as-of date);
- ``change_1y``: ``value`` minus the last value dated on or before
  ``obs_date - 1 year``, in the indicator's unit (percentage points for
  indicators in percent);
- ``percentile``: rank of ``value`` among all values of the indicator computed
  from the same data (0-100, ties count half), so it is point in time;
- ``stale``: an input whose last observation is older than the catalog's
  ``stale_after_days`` (usual spacing + publication lag + grace) at the as-of
  date, or an indicator whose own last value is older than the same allowance
  for its frequency.

The transforms themselves are small pure functions in
:mod:`flowdesk.macro.transforms`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from flowdesk.data.catalog import Frequency, SeriesSpec
from flowdesk.dates import horizon_change
from flowdesk.flows.common import percentile_of_last

__all__ = [
    "NOT_FETCHED",
    "Indicator",
    "IndicatorStatus",
    "IndicatorValue",
    "evaluate_indicator",
    "series_spec",
    "stale_after",
]

IndicatorStatus = Literal["ok", "stale", "insufficient_data"]

#: Marker for an input that is neither in the cache nor in the snapshot.
NOT_FETCHED = "not fetched"
_SPACING = {"daily": 4, "weekly": 7, "monthly": 31, "quarterly": 92, "annual": 366, "event": 400}


# --------------------------------------------------------------------------- definitions
@dataclass(frozen=True)
class Indicator:
    """One measurable piece of a thesis.

    Attributes
    ----------
    id
        Stable key used in JSON and the rules.
    title
        Display name.
    unit
        Unit of the values (``"percent"``, ``"% of GDP"``, ``"USD bn"``, ...).
    inputs
        Series ids passed, in this order, to ``transform``.
    transform
        ``transform(*inputs) -> pandas.Series``: the indicator through time,
        dated by the observation it describes.
    frequency
        Frequency of the transformed series (used for the staleness allowance).
    description
        How the value is computed, shown in reports.
    extra
        Optional ``extra(*inputs) -> dict`` of side results (e.g. lead/lag
        correlations) for reports; never used by the rules.
    """

    id: str
    title: str
    unit: str
    inputs: tuple[str, ...]
    transform: Callable[..., pd.Series]
    frequency: Frequency
    description: str = ""
    extra: Callable[..., dict[str, Any]] | None = None

    @property
    def change_unit(self) -> str:
        """Unit of ``change_1y``: percentage points for indicators in percent."""
        return "pp" if self.unit.startswith(("percent", "%")) else self.unit


@dataclass(frozen=True, eq=False)
class IndicatorValue:
    """An indicator evaluated at one as-of date (see the module docstring).

    Attributes
    ----------
    indicator
        The definition.
    value, change_1y, percentile
        Last value, its change over one year (``indicator.change_unit``) and its
        percentile (0-100) in the indicator's own history; NaN when unknown.
    obs_date
        Date of the observation ``value`` describes (``None`` if none).
    stale
        Whether an input (or the value itself) is past its usual publication lag.
    status
        ``"ok"``, ``"stale"`` or ``"insufficient_data"``.
    reasons
        Why the status is not ``ok`` (stale inputs, missing series).
    history
        The indicator through time, as computed from the published data.
    input_last
        Input id -> date of its last published observation (``None`` if missing).
    extra
        Side results of ``indicator.extra``.
    asof
        As-of date the indicator was evaluated at (only data published by then).
    """

    indicator: Indicator
    value: float = math.nan
    change_1y: float = math.nan
    percentile: float = math.nan
    obs_date: pd.Timestamp | None = None
    stale: bool = False
    status: IndicatorStatus = "insufficient_data"
    reasons: tuple[str, ...] = ()
    history: pd.Series = field(
        default_factory=lambda: pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    )
    input_last: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    asof: pd.Timestamp | None = None

    @property
    def date(self) -> pd.Timestamp | None:
        """The date the indicator speaks for: its observation's, else its as-of date.

        An indicator with no observation yet (inputs not fetched or not published)
        still says something dated: that nothing was known by ``asof``.
        """
        return self.obs_date if self.obs_date is not None else self.asof

    @property
    def id(self) -> str:
        """The indicator's id."""
        return self.indicator.id

    @property
    def usable(self) -> bool:
        """Whether rules may use the value (computed and not stale)."""
        return self.status == "ok"


def series_spec(series_id: str) -> SeriesSpec | None:
    """Catalog row of ``series_id``, else its row in :mod:`flowdesk.macro.live_series`."""
    from flowdesk.data.catalog import get_spec
    from flowdesk.errors import DataError
    from flowdesk.macro.live_series import live_spec

    try:
        return get_spec(series_id)
    except DataError:
        return live_spec(series_id)


def stale_after(frequency: Frequency, release_lag_days: int) -> int:
    """Staleness allowance in days, the catalog's rule: 2 x spacing + lag + 3."""
    return 2 * _SPACING[frequency] + release_lag_days + 3


def _last_date(data: pd.Series | pd.DataFrame) -> pd.Timestamp | None:
    return pd.Timestamp(data.index[-1]) if len(data.index) else None


def evaluate_indicator(
    indicator: Indicator,
    data: Mapping[str, pd.Series | pd.DataFrame],
    asof: pd.Timestamp,
    missing: Mapping[str, str] | None = None,
) -> IndicatorValue:
    """Evaluate ``indicator`` on data published by ``asof``.

    Parameters
    ----------
    indicator
        The definition.
    data
        Series (or tables) by id, already cut to what was published by ``asof``.
    asof
        As-of date, used for staleness.
    missing
        Input id -> reason it could not be loaded; such inputs make the
        indicator ``insufficient_data`` with that reason. :data:`NOT_FETCHED`
        inputs are reported together as "not fetched; run `flowdesk data
        update <ids>`".

    Returns
    -------
    IndicatorValue
    """
    missing = missing or {}
    input_last = {sid: (_last_date(data[sid]) if sid in data else None) for sid in indicator.inputs}
    absent = [sid for sid in indicator.inputs if sid not in data or input_last[sid] is None]
    if absent:
        unfetched = [sid for sid in absent if missing.get(sid) == NOT_FETCHED]
        why = [
            missing.get(sid, f"{sid}: no observations published by {asof:%Y-%m-%d}")
            for sid in absent
            if sid not in unfetched
        ]
        if unfetched:
            why.insert(0, f"not fetched; run `flowdesk data update {' '.join(unfetched)}`")
        return IndicatorValue(
            indicator, reasons=tuple(dict.fromkeys(why)), input_last=input_last, asof=asof
        )

    inputs = [data[sid] for sid in indicator.inputs]
    history = indicator.transform(*inputs).dropna()
    history = history[np.isfinite(history.to_numpy(dtype=float))]
    if history.empty:
        return IndicatorValue(
            indicator,
            reasons=(f"{indicator.id}: not computable from the data published by {asof:%Y-%m-%d}",),
            input_last=input_last,
            asof=asof,
        )

    reasons: list[str] = []
    lags = []
    for sid, last in input_last.items():
        spec = series_spec(sid)
        if spec is None or last is None:
            continue
        lags.append(spec.release_lag_days)
        age = int((asof - last).days)
        if spec.frequency != "event" and age > spec.stale_after_days:
            reasons.append(
                f"{sid} is stale: last observation {last:%Y-%m-%d}, {age} days before"
                f" {asof:%Y-%m-%d} (stale after {spec.stale_after_days} days)"
            )
    obs_date = pd.Timestamp(history.index[-1])
    allowance = stale_after(indicator.frequency, max(lags, default=0))
    own_age = int((asof - obs_date).days)
    # The value's own age matters when every input is fresh but the transform
    # could not use the latest observations (e.g. a year not yet complete).
    if own_age > allowance and not reasons:
        reasons.append(
            f"{indicator.id}: latest value is for {obs_date:%Y-%m-%d}, {own_age} days before"
            f" {asof:%Y-%m-%d} (stale after {allowance} days)"
        )
    stale = bool(reasons)
    extra = indicator.extra(*inputs) if indicator.extra is not None else {}
    return IndicatorValue(
        indicator,
        value=float(history.iloc[-1]),
        change_1y=horizon_change(history, "1y", "diff"),
        percentile=percentile_of_last(history),
        obs_date=obs_date,
        stale=stale,
        status="stale" if stale else "ok",
        reasons=tuple(reasons),
        history=history,
        input_last=input_last,
        extra=extra,
        asof=asof,
    )
