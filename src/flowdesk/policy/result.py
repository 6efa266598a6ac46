"""The result of the policy model: frozen data, its summary and its JSON.

:class:`~flowdesk.policy.model.FedPolicy` computes it. Units: rates in percent,
changes in basis points (bp) or percentage points (pp) as named, probabilities
as fractions 0-1 in data and percent in text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from flowdesk.policy.attribution import AttributionResult
from flowdesk.policy.fedwatch import FedWatchResult, MeetingProbabilities, percent_text
from flowdesk.policy.proxy import ProxyResult
from flowdesk.policy.target import TargetRange
from flowdesk.results import Result, notes_lines

__all__ = ["CONVENTIONS", "LABELS", "FedPolicyResult", "Source"]

Source = Literal["futures", "curve_proxy"]

LABELS = {"futures": "FedWatch (CME method)", "curve_proxy": "curve-implied proxy"}
CONVENTIONS = (
    "Meetings: p_cut/p_hold/p_hike are conditional per-meeting moves (from whatever range"
    " the previous meeting left); p_below/p_at/p_above_today and the distribution are"
    " cumulative, relative to today's target range. expected_rate is the implied effective"
    " rate after the meeting (%). FedWatch: CME method over 30-day fed funds futures"
    " (implied rate = 100 - price; meeting day counted as post-meeting; expected change split"
    " between adjacent 25 bp steps). Proxy: 3-month bill net of its trailing realized spread"
    " to the effective rate, moves placed on scheduled meetings; a proxy, not FedWatch."
    " Attribution: share of the sum of squared daily moves (S&P 500 log returns in %;"
    " daily changes of DGS2 and of the proxy's 3-month expected rate in bp) on FOMC"
    " decision, payrolls, CPI (rule date +/- 1 weekday) and other days, with 95% circular"
    " block-bootstrap intervals."
)


@dataclass(frozen=True, eq=False)
class FedPolicyResult(Result):
    """Policy-path estimate as of one date.

    Attributes
    ----------
    asof
        As-of date: only data published by then were used.
    source
        ``"futures"`` (FedWatch, CME method) or ``"curve_proxy"``.
    target
        Today's target range and where it came from.
    meetings
        Upcoming meetings priced by the source, in date order.
    fedwatch
        The full FedWatch result (``None`` without futures).
    proxy
        The curve proxy (always computed; its history feeds charts and attribution).
    attribution
        Event attribution over the trailing sample (``None`` if it failed; see notes).
    notes
        Caveats and inputs left out.
    last_obs
        Input id -> date of its last observation used.
    history_years
        Years of proxy history kept for charts.
    """

    asof: pd.Timestamp
    source: Source
    target: TargetRange
    meetings: tuple[MeetingProbabilities, ...]
    fedwatch: FedWatchResult | None
    proxy: ProxyResult
    attribution: AttributionResult | None
    notes: tuple[str, ...] = ()
    last_obs: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)
    history_years: int = 5

    @property
    def label(self) -> str:
        """``"FedWatch (CME method)"`` or ``"curve-implied proxy"``."""
        return LABELS[self.source]

    @property
    def history(self) -> pd.DataFrame:
        """Proxy history over the last ``history_years`` years (for charts)."""
        start = self.asof - pd.DateOffset(years=self.history_years)
        return self.proxy.history.loc[self.proxy.history.index > start]

    def to_frame(self) -> pd.DataFrame:
        """One row per meeting: both probability views, rates and the likeliest range."""
        if self.fedwatch is not None:
            return self.fedwatch.to_frame()
        return FedWatchResult(self.asof, (self.target.low, self.target.high), self.meetings,
                              pd.DataFrame()).to_frame()

    def _html_frame(self) -> pd.DataFrame:
        return self._meeting_table()

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Stable keys; floats rounded (meetings, proxy and attribution round their own)."""
        note = (
            self.proxy.note
            if self.source == "curve_proxy"
            else f"FedWatch (CME method) from {len(self.fedwatch.months)} futures contracts"
            if self.fedwatch is not None
            else ""
        )
        return {
            "model": "FedPolicy",
            "source": self.source,
            "label": self.label,
            "note": note,
            "asof": self.asof,
            "target_range": self.target.to_dict(),
            "meetings": [m.to_dict() for m in self.meetings],
            "conventions": CONVENTIONS,
            "proxy": self.proxy._payload(),
            "attribution": None if self.attribution is None else self.attribution._payload(),
            "notes": list(self.notes),
            "last_obs": dict(self.last_obs),
        }

    def _meeting_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "Meeting": f"{m.date:%Y-%m-%d}",
                    "Cut": percent_text(m.p_cut),
                    "Hold": percent_text(m.p_hold),
                    "Hike": percent_text(m.p_hike),
                    "Below today": percent_text(m.p_below),
                    "At today": percent_text(m.p_at),
                    "Above today": percent_text(m.p_above),
                    "Exp. rate (%)": f"{m.expected_rate:.3f}",
                    "Likeliest range (%)": m.most_likely,
                }
                for m in self.meetings
            ]
        )

    def summary(self) -> str:
        """Plain-text summary: source label, target, meetings, proxy, attribution, notes."""
        lines = [
            f"Fed policy path as of {self.asof:%Y-%m-%d} -- {self.label}"
            + ("" if self.source == "futures" else " (not FedWatch: no futures given)"),
            f"Target range: {self.target.label}% ({self.target.source}"
            + (f", {self.target.obs_date:%Y-%m-%d}" if self.target.obs_date is not None else "")
            + ")",
            "",
            self._meeting_table().to_string(index=False) if self.meetings else "No meetings.",
            "",
            self.proxy.summary(),
        ]
        if self.attribution is not None:
            lines += ["", self.attribution.summary()]
        lines += ["", CONVENTIONS]
        lines += notes_lines(self.notes)
        return "\n".join(lines)
