"""The per-meeting probability matrix (FedWatch's "probabilities by target range") and its changes.

Pure computation on :class:`~flowdesk.policy.fedwatch.MeetingProbabilities`
from either source, FedWatch or the curve proxy.

Layout
------
Rows are the priced meetings, columns the target ranges (ascending, labelled
``"3.25-3.50"``), cells the *cumulative* probability that the range is the
column's after the row's meeting. Beside each row:

``expected_rate``
    Implied effective rate after the meeting, percent.
``change_bp``
    ``100 * (expected_rate - start)``, the expected cumulative change from the
    rate entering the first meeting (``pre_rate`` of the first row), bp.
``p_any_cut``
    Probability of at least one cut at this or an earlier meeting of the
    matrix: ``1 - prod(1 - p_cut_i)``. Meetings are treated as independent, as
    in CME's probability tree (the same assumption that makes the cumulative
    view a convolution). This is not ``p_below``: a cut undone by a later hike
    counts here but leaves the range at today's.

Changes
-------
:func:`matrix_change` subtracts an earlier matrix from a later one on the
meetings both price and the union of their ranges (a range missing from one
side has probability 0 there): cells and ``p_any_cut`` in percentage points,
``expected_rate`` in bp. Ranges are absolute, so a decision between the two
dates shifts mass between columns rather than relabelling them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.policy.fedwatch import MeetingProbabilities, range_label
from flowdesk.results import Result

__all__ = ["MatrixView", "PolicyMatrix", "matrix_change", "meeting_matrix"]

_SIDE = ["expected_rate", "change_bp", "p_any_cut"]


_LOW = re.compile(r"^(-?[\d.]+)-")


def _range_low(label: str) -> float:
    # Ranges below zero ("-0.25-0.00") exist: no zero bound is imposed.
    match = _LOW.match(label)
    return float(match.group(1)) if match else float("nan")


@dataclass(frozen=True, eq=False)
class PolicyMatrix(Result):
    """Cumulative target-range probabilities per meeting (module docstring).

    Attributes
    ----------
    date
        Date of the prices (futures date or proxy observation date).
    source
        ``"futures"`` or ``"curve_proxy"``.
    target
        Target range on ``date`` as a label, e.g. ``"4.25-4.50"``.
    probabilities
        Index meeting dates, columns range labels (ascending), values 0-1.
    side
        Same index; columns ``expected_rate`` (%), ``change_bp``, ``p_any_cut`` (0-1).
    """

    date: pd.Timestamp
    source: str
    target: str
    probabilities: pd.DataFrame
    side: pd.DataFrame

    @property
    def meetings(self) -> pd.DatetimeIndex:
        """The meeting dates (rows)."""
        return pd.DatetimeIndex(self.probabilities.index)

    def to_frame(self) -> pd.DataFrame:
        """Probabilities in percent beside the expected rate, change and P(at least one cut)."""
        frame = pd.concat([100 * self.probabilities, self.side], axis=1)
        frame["p_any_cut"] = 100 * frame["p_any_cut"]
        return frame

    def _payload(self, *, digits: int = 4, **options: Any) -> dict[str, Any]:
        """``{"date", "source", "target", "ranges": [...], "rows": [...]}`` (fractions 0-1)."""
        rows = []
        for date, probs in self.probabilities.iterrows():
            side = self.side.loc[date]
            rows.append({
                "meeting": pd.Timestamp(date),
                "probabilities": {k: round(float(v), digits) for k, v in probs.items()},
                "expected_rate": round(float(side["expected_rate"]), digits),
                "change_bp": round(float(side["change_bp"]), 2),
                "p_any_cut": round(float(side["p_any_cut"]), digits),
            })
        return {"date": self.date, "source": self.source, "target": self.target,
                "ranges": list(self.probabilities.columns), "rows": rows}

    def text_table(self) -> pd.DataFrame:
        """The matrix as display strings: percent cells (blank for 0), rate, bp, P(cut)."""
        cells = self.probabilities.map(lambda v: "" if v < 5e-4 else f"{100 * v:.1f}")
        cells.index = [f"{d:%Y-%m-%d}" for d in self.probabilities.index]
        cells["Exp. rate (%)"] = [f"{v:.3f}" for v in self.side["expected_rate"]]
        cells["Change (bp)"] = [f"{v:+.1f}" for v in self.side["change_bp"]]
        cells["P(>=1 cut) %"] = [f"{100 * v:.1f}" for v in self.side["p_any_cut"]]
        cells.index.name = "Meeting"
        return cells

    def summary(self) -> str:
        """The matrix in percent, one row per meeting."""
        head = (f"Per-meeting target-range probabilities (%), {self.source}, prices of"
                f" {self.date:%Y-%m-%d}; today's range {self.target}%")
        if self.probabilities.empty:
            return head + "\nNo meetings."
        return head + "\n" + self.text_table().to_string()


def meeting_matrix(
    meetings: Sequence[MeetingProbabilities], *, date: Any, source: str
) -> PolicyMatrix:
    """Build the matrix of ``meetings`` (module docstring).

    Parameters
    ----------
    meetings
        Meetings in date order, all with the same target range and cumulative chain.
    date
        Date of the prices.
    source
        ``"futures"`` or ``"curve_proxy"``.
    """
    date = pd.Timestamp(date)
    if not meetings:
        return PolicyMatrix(date, source, "", pd.DataFrame(dtype="float64"),
                            pd.DataFrame(columns=_SIDE, dtype="float64"))
    first = meetings[0]
    index = pd.DatetimeIndex([m.date for m in meetings], name="meeting")
    probs = pd.DataFrame([m.distribution for m in meetings], index=index).fillna(0.0)
    probs = probs[sorted(probs.columns, key=_range_low)]
    start = first.pre_rate
    no_cut = np.cumprod([1.0 - m.p_cut for m in meetings])
    side = pd.DataFrame({
        "expected_rate": [m.expected_rate for m in meetings],
        "change_bp": [100 * (m.expected_rate - start) for m in meetings],
        "p_any_cut": 1.0 - no_cut,
    }, index=index)
    return PolicyMatrix(date, source, range_label(first.target_low, first.target_high),
                        probs, side)


def matrix_change(now: PolicyMatrix, then: PolicyMatrix) -> pd.DataFrame:
    """``now - then`` on their common meetings (module docstring, Changes).

    Returns
    -------
    pandas.DataFrame
        Index common meeting dates; range columns and ``p_any_cut`` in
        percentage points, ``expected_rate_bp`` in bp. Empty when no meeting is common.
    """
    common = now.meetings.intersection(then.meetings)
    ranges = sorted(set(now.probabilities.columns) | set(then.probabilities.columns),
                    key=_range_low)
    a = now.probabilities.reindex(index=common, columns=ranges, fill_value=0.0)
    b = then.probabilities.reindex(index=common, columns=ranges, fill_value=0.0)
    out = 100 * (a - b)
    out["expected_rate_bp"] = 100 * (now.side.loc[common, "expected_rate"]
                                     - then.side.loc[common, "expected_rate"])
    out["p_any_cut"] = 100 * (now.side.loc[common, "p_any_cut"]
                              - then.side.loc[common, "p_any_cut"])
    out.index.name = "meeting"
    return out


@dataclass(frozen=True, eq=False)
class MatrixView(Result):
    """One source's matrix now, as of 1 day, 1 week and 1 month before, and the changes.

    Attributes
    ----------
    source, label
        ``"futures"``/``"curve_proxy"`` and its display label.
    now
        The matrix on the latest prices.
    past
        Look-back label (``"1d"``, ``"1w"``, ``"1m"``) -> matrix, or ``None``.
    missing
        Look-back label -> why it is ``None``.
    """

    source: str
    label: str
    now: PolicyMatrix
    past: dict[str, PolicyMatrix | None]
    missing: dict[str, str]

    @property
    def changes(self) -> dict[str, pd.DataFrame]:
        """Look-back label -> :func:`matrix_change` of ``now`` against it (where available)."""
        return {k: matrix_change(self.now, m) for k, m in self.past.items() if m is not None}

    def to_frame(self) -> pd.DataFrame:
        """The current matrix (percent)."""
        return self.now.to_frame()

    def _payload(self, *, digits: int = 4, **options: Any) -> dict[str, Any]:
        changes = self.changes

        def change_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{"meeting": pd.Timestamp(d),
                     **{str(k): round(float(v), 2) for k, v in row.items()}}
                    for d, row in frame.iterrows()]

        return {
            "source": self.source,
            "label": self.label,
            "now": self.now._payload(digits=digits),
            "past": {k: None if m is None else m._payload(digits=digits)
                     for k, m in self.past.items()},
            "changes_pp": {k: change_rows(v) for k, v in changes.items()},
            "missing": dict(self.missing),
        }

    def summary(self) -> str:
        """The matrix, then its changes against each look-back (pp; expected rate in bp)."""
        lines = [f"{self.label}: " + self.now.summary()]
        for key, frame in self.changes.items():
            then = self.past[key]
            assert then is not None
            shown = frame.round(1)
            shown.index = [f"{d:%Y-%m-%d}" for d in shown.index]
            lines += ["", f"As of {key} ago ({then.date:%Y-%m-%d}), %:",
                      then.text_table().to_string(),
                      f"Change since {key} ago, pp (expected rate in bp):",
                      shown.to_string() if len(shown) else "no common meeting"]
        for key, why in self.missing.items():
            lines.append(f"- {key} ago: {why}")
        return "\n".join(lines)
