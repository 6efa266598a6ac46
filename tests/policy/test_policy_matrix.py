"""The per-meeting matrix: hand-worked cumulative probabilities, P(at least one cut), changes."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flowdesk.policy.fedwatch import MeetingProbabilities
from flowdesk.policy.matrix import MatrixView, matrix_change, meeting_matrix

TARGET = (4.25, 4.50)
D1, D2, D3 = pd.Timestamp("2025-06-18"), pd.Timestamp("2025-07-30"), pd.Timestamp("2025-09-17")


def _meetings() -> list[MeetingProbabilities]:
    # Conditional moves, in 25 bp steps: M1 60% cut / 40% hold; M2 50% cut / 50% hold;
    # M3 80% hold / 20% hike. Cumulative by hand (independent meetings):
    #   after M1: -1: .6, 0: .4
    #   after M2: -2: .6*.5 = .30; -1: .6*.5 + .4*.5 = .50; 0: .4*.5 = .20
    #   after M3: -2: .30*.8 = .24; -1: .30*.2 + .50*.8 = .46;
    #             0: .50*.2 + .20*.8 = .26; +1: .20*.2 = .04
    # Rates: pre 4.33; post M1 4.33 - .6*.25 = 4.18; M2 4.18 - .125 = 4.055; M3 + .05 = 4.105.
    return [
        MeetingProbabilities(D1, "test", 4.33, 4.18, {-1: .6, 0: .4}, {-1: .6, 0: .4}, *TARGET),
        MeetingProbabilities(D2, "test", 4.18, 4.055, {-1: .5, 0: .5},
                             {-2: .30, -1: .50, 0: .20}, *TARGET),
        MeetingProbabilities(D3, "test", 4.055, 4.105, {0: .8, 1: .2},
                             {-2: .24, -1: .46, 0: .26, 1: .04}, *TARGET),
    ]


def test_matrix_cells_rates_and_cumulative_cut_probability_by_hand() -> None:
    m = meeting_matrix(_meetings(), date="2025-06-10", source="futures")
    assert list(m.probabilities.columns) == ["3.75-4.00", "4.00-4.25", "4.25-4.50", "4.50-4.75"]
    assert m.probabilities.loc[D1].tolist() == pytest.approx([0, .6, .4, 0])
    assert m.probabilities.loc[D2].tolist() == pytest.approx([.30, .50, .20, 0])
    assert m.probabilities.loc[D3].tolist() == pytest.approx([.24, .46, .26, .04])
    assert m.side["expected_rate"].tolist() == pytest.approx([4.18, 4.055, 4.105])
    # Change from the 4.33 entering M1, bp.
    assert m.side["change_bp"].tolist() == pytest.approx([-15.0, -27.5, -22.5])
    # P(at least one cut): 1 - .4 = .6; 1 - .4*.5 = .8; M3 has no cut so stays .8.
    assert m.side["p_any_cut"].tolist() == pytest.approx([.6, .8, .8])
    # ... which differs from P(range below today) after M3 (.24 + .46 = .70).
    assert m.target == "4.25-4.50"
    text = m.summary()
    assert "46.0" in text and "P(>=1 cut)" in text


def test_matrix_change_aligns_meetings_and_ranges() -> None:
    now = meeting_matrix(_meetings(), date="2025-06-10", source="futures")
    # A week earlier: M1 only 20% cut, M2 priced as a sure hold, M3 not yet priced.
    then = meeting_matrix([
        MeetingProbabilities(D1, "test", 4.33, 4.28, {-1: .2, 0: .8}, {-1: .2, 0: .8}, *TARGET),
        MeetingProbabilities(D2, "test", 4.28, 4.28, {0: 1.0}, {-1: .2, 0: .8}, *TARGET),
    ], date="2025-06-03", source="futures")
    change = matrix_change(now, then)
    assert list(change.index) == [D1, D2]
    # M1: 4.00-4.25 .6 - .2 = +40 pp; 4.25-4.50 .4 - .8 = -40 pp.
    assert change.loc[D1, "4.00-4.25"] == pytest.approx(40.0)
    assert change.loc[D1, "4.25-4.50"] == pytest.approx(-40.0)
    # M2: 3.75-4.00 appears (+30); 4.00-4.25 .5 - .2 = +30; 4.25-4.50 .2 - .8 = -60.
    assert change.loc[D2, ["3.75-4.00", "4.00-4.25", "4.25-4.50"]].tolist() == pytest.approx(
        [30.0, 30.0, -60.0])
    assert change.loc[D1, "expected_rate_bp"] == pytest.approx(-10.0)
    # P(>=1 cut) by M2: .8 now, .2 then.
    assert change.loc[D2, "p_any_cut"] == pytest.approx(60.0)

    view = MatrixView("futures", "FedWatch (CME method)", now, {"1w": then, "1m": None},
                      {"1m": "no prices then"})
    d = json.loads(json.dumps(view.to_dict()))
    assert set(d) == {"source", "label", "now", "past", "changes_pp", "missing"}
    assert d["past"]["1m"] is None and d["missing"]["1m"] == "no prices then"
    assert d["changes_pp"]["1w"][1]["p_any_cut"] == pytest.approx(60.0)
    assert d["now"]["rows"][2]["probabilities"]["4.50-4.75"] == pytest.approx(0.04)
    assert "As of 1w ago (2025-06-03)" in view.summary() and "Change since 1w ago" in (
        view.summary())


def test_empty_matrix() -> None:
    m = meeting_matrix([], date="2025-06-10", source="curve_proxy")
    assert m.probabilities.empty and "No meetings" in m.summary()
    assert m.to_dict()["rows"] == []


def test_ranges_below_zero_sort_first() -> None:
    # Near the zero bound the chain may put mass below zero (no bound imposed).
    zlb = (0.0, 0.25)
    m = meeting_matrix([MeetingProbabilities(D1, "test", 0.1, -0.05, {-1: .6, 0: .4},
                                             {-1: .6, 0: .4}, *zlb)],
                       date="2020-04-01", source="futures")
    assert list(m.probabilities.columns) == ["-0.25-0.00", "0.00-0.25"]
