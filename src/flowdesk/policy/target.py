"""The FOMC target range in force on a date.

Sources, in order of preference:

1. an explicit override (``--target-low/--target-high`` on the command line);
2. FRED's DFEDTARL/DFEDTARU (official bounds, live-only: used only when they
   have been fetched into the cache and reflect the latest decision);
3. the embedded FOMC_TARGETS table (decisions 2023 onwards with the resulting
   range), when its latest decision on or before the date is also the latest
   decision in the FOMC_DECISIONS calendar (otherwise a later decision is
   missing from it and the table is stale);
4. inference from the effective rate DFF: the 25 bp range ``(low, low + 0.25]``
   containing ``r``, i.e. ``low = 0.25*ceil(r/0.25) - 0.25`` (floored at 0), for ``r``
   the median of the (up to five) latest DFF
   observations published by the date and dated after the latest decision (a
   new range takes effect the day after the decision). The median damps
   month-end and quarter-end spikes.

Failure modes of the inference (each is stated in the result's ``note``):

- before 16 December 2008 the FOMC set a single target rate, not a range; the
  inferred range is the 25 bp band around the effective rate, so the old target
  sits at one of its bounds and an effective rate trading a few bp below target
  gives the band below it;
- the effective rate sometimes traded far from target (2007-2008 funding
  stress, the 2019 repo spike, month-ends): a one-step error is possible;
- an effective rate exactly on a multiple of 25 bp is ambiguous; it is put in
  the range *ending* there, because since 2008 the effective rate touches a
  bound only at the top (2019; 0.25% for days after the 2020-03-15 cut to
  0-0.25%), never at the bottom (the reverse repo rate floors it);
- in the day or two after a decision no DFF observation reflects it yet; the
  range before the decision is returned, with a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.data.api import load
from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import DataError
from flowdesk.policy.fedwatch import STEP, range_label, validate_target

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["TargetRange", "infer_range", "target_range"]

_MEDIAN_OBS = 5


@dataclass(frozen=True, slots=True)
class TargetRange:
    """A target range with where it came from.

    Attributes
    ----------
    low, high
        Bounds in percent.
    source
        ``"override"``, ``"DFEDTAR"``, ``"FOMC_TARGETS"`` or ``"DFF inference"``.
    obs_date
        Date of the decision or observation it rests on (None for an override).
    note
        Caveats (inference rule and its failure modes), or an empty string.
    """

    low: float
    high: float
    source: str
    obs_date: pd.Timestamp | None = None
    note: str = ""

    @property
    def label(self) -> str:
        """``"low-high"`` with two decimals."""
        return range_label(self.low, self.high)

    @property
    def mid(self) -> float:
        """Midpoint, percent."""
        return (self.low + self.high) / 2

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "label": self.label,
            "source": self.source,
            "obs_date": None if self.obs_date is None else f"{self.obs_date:%Y-%m-%d}",
            "note": self.note,
        }


def infer_range(rate: float) -> tuple[float, float]:
    """The 25 bp range ``(low, low + 0.25]`` containing an effective rate (percent).

    ``low = 0.25 * ceil(rate / 0.25) - 0.25``, floored at 0 (0-0.25% for any rate
    at or below 0.25%).

    Raises
    ------
    DataError
        If ``rate`` is not finite.
    """
    if not math.isfinite(rate):
        raise DataError(f"effective rate {rate!r} is not a number")
    # The epsilon keeps binary noise (4.2500000001) from moving a bound up a step.
    low = max(0.0, math.ceil(rate / STEP - 1e-9) * STEP - STEP)
    return low + 0.0, low + STEP


def _last_decision(asof: pd.Timestamp, settings: Settings | None) -> pd.Timestamp | None:
    decisions = load("FOMC_DECISIONS", settings=settings)
    past = decisions.index[decisions.index <= asof]
    return None if past.empty else pd.Timestamp(past[-1])


def _from_dfedtar(
    asof: pd.Timestamp, last: pd.Timestamp | None, settings: Settings | None
) -> TargetRange | None:
    try:
        lo = load("DFEDTARL", asof=asof, settings=settings)
        hi = load("DFEDTARU", asof=asof, settings=settings)
    except DataError:
        return None
    both = pd.concat([lo, hi], axis=1, join="inner").dropna()
    if both.empty or (last is not None and both.index[-1] <= last):
        return None
    low, high = (float(v) for v in both.iloc[-1])
    if abs(high - low - STEP) > 1e-6:
        return None
    return TargetRange(low, high, "DFEDTAR", pd.Timestamp(both.index[-1]))


def _from_table(
    asof: pd.Timestamp, last: pd.Timestamp | None, settings: Settings | None
) -> TargetRange | None:
    try:
        table = load("FOMC_TARGETS", settings=settings)
    except DataError:
        return None
    known = table.loc[table.index <= asof]
    if known.empty or last is None or known.index[-1] != last:
        return None
    row = known.iloc[-1]
    return TargetRange(
        float(row["target_low"]), float(row["target_high"]), "FOMC_TARGETS",
        pd.Timestamp(known.index[-1]),
    )


def _from_dff(
    asof: pd.Timestamp, last: pd.Timestamp | None, settings: Settings | None
) -> TargetRange:
    dff = load("DFF", asof=asof, settings=settings).dropna()
    notes = [
        "inferred from the effective fed funds rate (DFF): the 25 bp range containing the"
        f" median of the last {_MEDIAN_OBS} observations since the latest decision"
    ]
    after = dff.loc[dff.index > last] if last is not None else dff
    if after.empty:
        after = dff
        notes.append(
            f"no DFF observation published by {asof:%Y-%m-%d} reflects the decision of"
            f" {last:%Y-%m-%d} yet; this is the range before it"
        )
    window = after.iloc[-_MEDIAN_OBS:]
    low, high = infer_range(float(window.median()))
    if window.index[-1] < pd.Timestamp("2008-12-16"):
        notes.append(
            "before 2008-12-16 the FOMC set a single target rate; the band around the"
            " effective rate has the target at one of its bounds"
        )
    return TargetRange(low, high, "DFF inference", pd.Timestamp(window.index[-1]), "; ".join(notes))


def target_range(
    asof: DateLike,
    *,
    override: tuple[float, float] | None = None,
    settings: Settings | None = None,
) -> TargetRange:
    """The FOMC target range in force on ``asof`` (module docstring for the rules).

    Parameters
    ----------
    asof
        Date (``YYYY-MM-DD`` or date-like).
    override
        ``(low, high)`` in percent; returned as is after validation.
    settings
        Settings (cache directory).

    Raises
    ------
    ConfigError
        Bad ``asof`` or override (not 25 bp wide, low >= high).
    DataError
        If no effective rate is published by ``asof``.
    """
    asof_ts = parse_date(asof, "asof")
    assert asof_ts is not None
    if override is not None:
        low, high = validate_target(override, "--target-low/--target-high")
        return TargetRange(low, high, "override")
    last = _last_decision(asof_ts, settings)
    for source in (_from_dfedtar, _from_table):
        found = source(asof_ts, last, settings)
        if found is not None:
            return found
    return _from_dff(asof_ts, last, settings)
