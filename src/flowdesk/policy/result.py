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
from flowdesk.policy.odds_view import PolicyViews
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
    " block-bootstrap intervals. Matrix: cumulative probability of each target range after"
    " each meeting; change in bp from the rate entering the first meeting; P(>=1 cut) ="
    " 1 - prod(1 - p_cut) over the meetings so far (independent meetings, as in CME's tree)."
    " Odds attribution: share of the sum of squared daily changes of the next-meeting P(cut)"
    " (pp^2) on meeting (decision, minutes), data (payrolls, CPI, PCE, GDP), speech-only,"
    " other covered and unknown (outside the speech calendar) days."
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
    views
        The per-meeting matrix with its 1d/1w/1m look-backs, the cut-odds
        history, the proxy's error against futures and the odds attribution
        (:mod:`flowdesk.policy.odds_view`).
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
    views: PolicyViews | None = None

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
            **self._views_payload(),
            "notes": list(self.notes),
            "last_obs": dict(self.last_obs),
        }

    def _views_payload(self) -> dict[str, Any]:
        v = self.views
        if v is None:
            return {"matrix": None, "proxy_matrix": None, "cut_odds_history": {},
                    "proxy_error": None, "odds_attribution": None}
        error = None
        if v.proxy_error is not None:
            error = {k: val for k, val in v.proxy_error.items() if k != "by_date"}
            error["unit"] = "pp, proxy minus futures P(cut) at the next meeting"
        return {
            "matrix": v.matrix._payload(),
            "proxy_matrix": None if v.proxy_matrix is None else v.proxy_matrix._payload(),
            "cut_odds_history": {
                source: [
                    {"date": d, "next_meeting": row["next_meeting"],
                     "p_cut_next": round(float(row["p_cut_next"]), 4),
                     "rate_next": round(float(row["rate_next"]), 4),
                     "yearend_meeting": row["yearend_meeting"],
                     "p_cut_yearend": round(float(row["p_cut_yearend"]), 4)}
                    for d, row in frame.iterrows()
                ]
                for source, frame in v.odds_history.items()
            },
            "proxy_error": error,
            "odds_attribution": None if v.odds is None else v.odds._payload(),
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
        if self.views is not None:
            lines += ["", *self._views_lines()]
        if self.attribution is not None:
            lines += ["", self.attribution.summary()]
        lines += ["", CONVENTIONS]
        lines += notes_lines(self.notes)
        return "\n".join(lines)

    def _views_lines(self) -> list[str]:
        v = self.views
        assert v is not None
        lines = [v.matrix.summary()]
        if v.proxy_matrix is not None:
            lines += ["", v.proxy_matrix.summary()]
        if v.proxy_error is not None:
            e = v.proxy_error
            lines += ["", f"Proxy error against futures, next-meeting P(cut): n={e['n']} date(s),"
                      f" mean {e['mean_pp']:+.1f} pp, mean absolute {e['mean_abs_pp']:.1f} pp,"
                      f" largest {e['max_abs_pp']:.1f} pp; expected rate after it: mean absolute"
                      f" {e['rate_mean_abs_bp']:.1f} bp" if e["n"] else
                      "Proxy error against futures: no date where both price the same meeting"]
        for source, frame in v.odds_history.items():
            lines += ["", odds_history_line(LABELS[source], frame)]
        if v.odds is not None:
            lines += ["", v.odds.summary()]
        return lines


def odds_history_line(label: str, frame: pd.DataFrame) -> str:
    """One line on a cut-odds history: range over the window and the latest values."""
    if frame.empty or frame["p_cut_next"].dropna().empty:
        return f"Cut-odds history ({label}): no data"
    nxt = frame["p_cut_next"].dropna()
    last = frame.iloc[-1]
    ye = last["p_cut_yearend"]
    return (
        f"Cut-odds history ({label}), {frame.index[0]:%Y-%m-%d} to {frame.index[-1]:%Y-%m-%d}:"
        f" next-meeting P(cut) {percent_text(nxt.min())} to {percent_text(nxt.max())}, now"
        f" {percent_text(float(last['p_cut_next']))}; year-end meeting"
        + (f" {pd.Timestamp(last['yearend_meeting']):%Y-%m-%d}"
           if pd.notna(last["yearend_meeting"]) else "")
        + f" P(range below) now {percent_text(float(ye))}"
    )
