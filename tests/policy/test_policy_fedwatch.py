"""FedWatch engine: CME's worked example, hand cases, every error, and a brute-force check."""

from __future__ import annotations

import calendar
import itertools
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.errors import ConfigError, DataError
from flowdesk.policy.fedwatch import fedwatch, step_distribution


# ------------------------------------------------------------ CME worked example
def test_cme_september_2015_worked_example() -> None:
    # DESIGN.md / CME: FFQ5 = 99.8675 (rate entering September 0.1325%), FFU5 = 99.805
    # (September average 0.195%), meeting on the 17th, N = 30:
    # post = 30/14 * (0.195 - 16/30 * 0.1325) = 0.26643; P(hike) = (0.26643-0.1325)/0.25 = 53.6%.
    result = fedwatch(
        {"2015-08": 99.8675, "2015-09": 99.805}, ["2015-09-17"], (0.0, 0.25), "2015-08-31"
    )
    (m,) = result.meetings
    assert m.method == "previous-month"
    assert m.pre_rate == pytest.approx(0.1325, abs=1e-12)
    assert round(m.post_rate, 5) == 0.26643
    assert round(100 * m.p_hike, 1) == 53.6
    assert m.p_cut == 0.0
    assert m.p_hold == pytest.approx(1 - 0.535714, abs=1e-6)
    assert m.distribution == pytest.approx({"0.00-0.25": 0.464286, "0.25-0.50": 0.535714},
                                           abs=1e-6)
    # The months table reproduces both contracts.
    months = result.months
    assert months.loc[pd.Period("2015-09", "M"), "meeting_day"] == 17
    assert months.loc[pd.Period("2015-08", "M"), "start"] == pytest.approx(0.1325)


def test_meeting_beyond_the_curve_is_left_out_with_a_note() -> None:
    result = fedwatch(
        {"2015-08": 99.8675, "2015-09": 99.805}, ["2015-09-17", "2015-10-28", "2015-12-16"],
        (0.0, 0.25), "2015-08-31",
    )
    assert [f"{m.date:%Y-%m-%d}" for m in result.meetings] == ["2015-09-17"]
    assert any("2015-10-28" in n and "2015-12-16" in n and "beyond" in n for n in result.notes)


def test_past_meetings_are_ignored() -> None:
    # A meeting on or before asof is over; July (with a past meeting) is not a clean month,
    # so September's pre-meeting rate comes from August.
    prices = {"2024-07": 94.67, "2024-08": 94.67, "2024-09": 94.85}
    result = fedwatch(prices, ["2024-07-31", "2024-09-18"], (5.25, 5.5), "2024-08-15")
    (m,) = result.meetings
    assert m.method == "previous-month"
    assert m.pre_rate == pytest.approx(5.33)


# ------------------------------------------------------------ hand cases
def test_multi_step_move_splits_between_adjacent_multiples() -> None:
    # Clean August at 4.33; September (N=30) meeting on the 16th: 15 days pre, 15 post.
    # Post 3.93 (-0.40): avg = (15*4.33 + 15*3.93)/30 = 4.13 -> price 95.87.
    # -0.40 = -1.6 steps -> 60% of -50 bp and 40% of -25 bp.
    result = fedwatch({"2025-08": 95.67, "2025-09": 95.87}, ["2025-09-16"], (4.25, 4.5),
                      "2025-08-20")
    (m,) = result.meetings
    assert m.post_rate == pytest.approx(3.93, abs=1e-9)
    assert dict(m.steps) == pytest.approx({-2: 0.6, -1: 0.4})
    assert m.p_cut == pytest.approx(1.0)
    assert m.distribution == pytest.approx({"3.75-4.00": 0.6, "4.00-4.25": 0.4})
    assert m.p_below == pytest.approx(1.0)
    assert m.most_likely == "3.75-4.00"


@pytest.mark.parametrize(
    ("change", "expected"),
    [(-0.40, {-2: 0.6, -1: 0.4}), (0.1339, {0: 1 - 0.5356, 1: 0.5356}), (0.5, {2: 1.0}),
     (-0.25, {-1: 1.0}), (0.0, {0: 1.0}), (0.30, {1: 0.8, 2: 0.2})],
)
def test_step_distribution_hand_values(change: float, expected: dict[int, float]) -> None:
    got = step_distribution(change)
    assert set(got) == set(expected)
    assert got == pytest.approx(expected)


def _consecutive_months() -> dict[str, float]:
    # May clean at 5.33. June (N=30) meeting on the 12th, P(cut 25) = 0.2 -> post 5.28:
    #   June avg = (11*5.33 + 19*5.28)/30 = 158.95/30.
    # July (N=31) meeting on the 31st, conditional P(cut) = 0.5 -> post 5.155:
    #   July avg = (30*5.28 + 1*5.155)/31 = 163.555/31.  August clean at 5.155.
    return {
        "2026-05": 100 - 5.33,
        "2026-06": 100 - 158.95 / 30,
        "2026-07": 100 - 163.555 / 31,
        "2026-08": 100 - 5.155,
    }


def test_consecutive_meeting_months_chain_even_for_a_late_meeting() -> None:
    result = fedwatch(_consecutive_months(), ["2026-06-12", "2026-07-31"], (5.25, 5.5),
                      "2026-05-20")
    june, july = result.meetings
    assert june.method == "previous-month"
    assert june.post_rate == pytest.approx(5.28, abs=1e-9)
    assert june.p_cut == pytest.approx(0.2)
    # July starts where June ended (the chain, issue 17), even though the clean August
    # would give its end: the end is solved forward from July's own average.
    assert july.method == "chained"
    assert july.pre_rate == june.post_rate
    assert july.post_rate == pytest.approx(5.155, abs=1e-8)
    assert july.p_cut == pytest.approx(0.5)
    # Cumulative: 0.2*... -> -2 steps 0.1, -1 step 0.5 (0.2*0.5 + 0.8*0.5), 0 steps 0.4.
    assert july.distribution == pytest.approx(
        {"4.75-5.00": 0.1, "5.00-5.25": 0.5, "5.25-5.50": 0.4}
    )
    assert july.p_at == pytest.approx(0.4)


def test_without_next_month_the_late_meeting_is_chained_forward() -> None:
    prices = _consecutive_months()
    del prices["2026-08"]
    result = fedwatch(prices, ["2026-06-12", "2026-07-31"], (5.25, 5.5), "2026-05-20")
    july = result.meetings[1]
    assert july.method == "chained"
    assert july.post_rate == pytest.approx(5.155, abs=1e-8)
    assert any("2026-07-31" in n and "only 1 day" in n for n in result.notes)


def test_back_solving_without_a_previous_month() -> None:
    # Curve starts at the late July meeting: pre back-solved from July and clean August.
    prices = {k: v for k, v in _consecutive_months().items() if k >= "2026-07"}
    result = fedwatch(prices, ["2026-07-31"], (5.0, 5.25), "2026-06-20")
    (july,) = result.meetings
    assert july.method == "next-month"
    assert july.pre_rate == pytest.approx(5.28, abs=1e-9)


def test_spot_rate_supplies_the_first_pre_meeting_rate() -> None:
    # June only, no May and no clean July: start_rate 5.33 gives post 5.28 as above.
    prices = {"2026-06": 100 - 158.95 / 30, "2026-07": 100 - 163.555 / 31}
    with pytest.raises(DataError, match=r"2026-06-12.*no reference"):
        fedwatch(prices, ["2026-06-12", "2026-07-31"], (5.25, 5.5), "2026-06-01")
    result = fedwatch(prices, ["2026-06-12", "2026-07-31"], (5.25, 5.5), "2026-06-01",
                      start_rate=5.33)
    assert [m.method for m in result.meetings] == ["spot", "chained"]
    assert result.meetings[0].post_rate == pytest.approx(5.28, abs=1e-9)


def test_dataframe_input_and_to_frame() -> None:
    frame = pd.DataFrame({"month": ["2015-09", "2015-08"], "price": [99.805, 99.8675]})
    result = fedwatch(frame, ["2015-09-17"], (0.0, 0.25), "2015-08-31")
    table = result.to_frame()
    assert list(table.index) == [pd.Timestamp("2015-09-17")]
    assert table.loc["2015-09-17", "p_hike"] == pytest.approx(0.535714, abs=1e-6)
    assert result.to_dict()[0]["expected_change_bp"] == pytest.approx(13.39, abs=0.01)


# ------------------------------------------------------------ errors
GOOD = {"2015-08": 99.8675, "2015-09": 99.805}
ARGS = (["2015-09-17"], (0.0, 0.25), "2015-08-31")


@pytest.mark.parametrize(
    ("prices", "pattern"),
    [
        ({"2015-08": 79.9, "2015-09": 99.805}, r"2015-08.*outside the sane range"),
        ({"2015-08": 99.8675, "2015-09": 100.6}, r"2015-09.*outside the sane range"),
        ({"2015-08": "abc", "2015-09": 99.805}, r"2015-08.*not a number"),
        ({"2015-08": math.nan, "2015-09": 99.805}, r"2015-08.*outside the sane range"),
        ({"2015-13": 99.0, "2015-09": 99.805}, r"2015-13"),
        ({"2015/08": 99.0, "2015-09": 99.805}, r"2015/08.*YYYY-MM"),
        ({"2015-07": 99.87, "2015-09": 99.805}, r"2015-08 missing"),
        ({}, r"no contracts"),
        ({"2015-10": 99.8, "2015-11": 99.7}, r"2015-09-17.*comes earlier"),
    ],
)
def test_bad_curves_raise_data_errors(prices: dict, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        fedwatch(prices, *ARGS)


def test_duplicated_month_raises() -> None:
    frame = pd.DataFrame({"month": ["2015-08", "2015-09", "2015-08"],
                          "price": [99.8675, 99.805, 99.87]})
    with pytest.raises(DataError, match="2015-08 appears more than once"):
        fedwatch(frame, *ARGS)


def test_missing_columns_raise() -> None:
    with pytest.raises(DataError, match="missing column"):
        fedwatch(pd.DataFrame({"month": ["2015-08"]}), *ARGS)


def test_curve_covering_no_meeting_raises() -> None:
    with pytest.raises(DataError, match="covers no FOMC meeting"):
        fedwatch({"2015-08": 99.8675}, ["2015-09-17"], (0.0, 0.25), "2015-08-31")


@pytest.mark.parametrize(
    ("target", "pattern"),
    [((0.25, 0.25), "below high"), ((0.5, 0.25), "below high"), ((0.0, 0.5), "50.0 bp wide"),
     ((math.nan, 0.25), "finite"), (("a", "b"), "expected \\(low, high\\)"), ((0.0,), "expected")],
)
def test_bad_target_ranges_raise_config_errors(target: tuple, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        fedwatch(GOOD, ["2015-09-17"], target, "2015-08-31")


def test_two_meetings_in_one_month_raise() -> None:
    with pytest.raises(ConfigError, match="two FOMC meetings in 2015-09"):
        fedwatch(GOOD, ["2015-09-03", "2015-09-17"], (0.0, 0.25), "2015-08-31")


# ------------------------------------------------------------ brute force
def _brute_force(months, meeting_days, step_dists, mid, spread):
    """Enumerate every path of moves; return expected month averages and marginals."""
    meetings = sorted(meeting_days)  # month indices with a meeting
    supports = [sorted(step_dists[i].items()) for i in meetings]
    avg = [0.0] * len(months)
    marginals = [dict() for _ in meetings]
    for path in itertools.product(*supports):
        prob = math.prod(p for _, p in path)
        moves = {i: k for i, (k, _) in zip(meetings, path, strict=True)}
        level = 0
        for j, month in enumerate(months):
            n = calendar.monthrange(month.year, month.month)[1]
            daily = []
            for day in range(1, n + 1):
                if j in moves and day == meeting_days[j]:
                    level += moves[j]
                daily.append(spread + mid + 0.25 * level)
            avg[j] += prob * sum(daily) / n
        cum = 0
        for pos, i in enumerate(meetings):
            cum += moves[i]
            marginals[pos][cum] = marginals[pos].get(cum, 0.0) + prob
    return avg, marginals


@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 7))
    start = pd.Period(year=draw(st.integers(2000, 2030)), month=draw(st.integers(1, 12)),
                      freq="M")
    months = [start + i for i in range(n)]
    first_meeting = draw(st.booleans())
    flags = [first_meeting] + [draw(st.booleans()) for _ in range(n - 1)]
    if not any(flags):
        flags[-1] = True
    days = {i: draw(st.integers(1, months[i].days_in_month)) for i in range(n) if flags[i]}
    dists = {}
    for i in days:
        low = draw(st.integers(-2, 1))
        p = draw(st.floats(0, 1))
        dists[i] = {low: 1 - p, low + 1: p}
    low_bound = 0.25 * draw(st.integers(14, 24))
    spread = draw(st.floats(-0.1, 0.2))
    return months, days, dists, low_bound, spread


def _same_distribution(got: dict[int, float], want: dict[int, float]) -> None:
    # Missing keys are zero mass; the engine drops a step whose weight rounds to nothing.
    for k in set(got) | set(want):
        assert got.get(k, 0.0) == pytest.approx(want.get(k, 0.0), abs=1e-7), k
    assert sum(got.values()) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(scenarios())
def test_engine_matches_brute_force_enumeration(scenario) -> None:
    months, days, dists, low, spread = scenario
    mid = low + 0.125
    avg, marginals = _brute_force(months, days, dists, mid, spread)
    prices = {str(m): 100 - a for m, a in zip(months, avg, strict=True)}
    meeting_dates = [pd.Timestamp(year=months[i].year, month=months[i].month, day=d)
                     for i, d in days.items()]
    asof = months[0].start_time - pd.Timedelta(days=1)
    result = fedwatch(prices, meeting_dates, (low, low + 0.25), asof, start_rate=spread + mid)
    assert len(result.meetings) == len(days)
    for m, i, marginal in zip(result.meetings, sorted(days), marginals, strict=True):
        _same_distribution(m.steps, dists[i])
        _same_distribution(m.cumulative, marginal)
        expected_level = sum(k * p for k, p in marginal.items())
        assert m.expected_rate == pytest.approx(spread + mid + 0.25 * expected_level, abs=1e-7)
    # The implied start/end rates reproduce every input price.
    table = result.months
    for month, row in table.iterrows():
        n, d = row["days"], row["meeting_day"]
        if d == 0:
            assert row["start"] == row["end"] == pytest.approx(row["rate"])
            continue
        implied = ((d - 1) * row["start"] + (n - d + 1) * row["end"]) / n
        assert 100 - implied == pytest.approx(prices[str(month)], abs=1e-9)
