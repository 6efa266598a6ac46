"""Curve proxy: hand-built inputs, the zero bound, point-in-time rows, real-data sanity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.data import load
from flowdesk.errors import ConfigError
from flowdesk.policy.proxy import PROXY_NOTE, proxy_history, proxy_meetings, realized_spread

T = pd.Timestamp("2021-06-01")


def _inputs(effr_level: float, bill_shift: float) -> tuple[pd.Series, pd.Series, pd.Series]:
    days = pd.date_range("2020-01-01", "2021-12-31", freq="D", name="date")
    effr = pd.Series(effr_level, index=days, name="DFF")
    sessions = pd.bdate_range("2020-01-01", "2021-12-31", name="date")
    # Bills 10 bp above the effective rate, except on T where they price a move.
    bill = pd.Series(effr_level + 0.10, index=sessions, name="DGS3MO")
    bill[T] = effr_level + 0.10 + bill_shift
    two = pd.Series(effr_level - 0.5, index=sessions, name="DGS2")
    return bill, two, effr


MEETINGS = pd.DatetimeIndex([T + pd.Timedelta(days=10), T + pd.Timedelta(days=60),
                             T + pd.Timedelta(days=120)])


def test_realized_spread_hand_case() -> None:
    days = pd.date_range("2020-01-01", "2020-12-31", freq="D")
    step = pd.Timestamp("2020-06-30")
    effr = pd.Series(np.where(days <= step, 1.0, 2.0), index=days)
    s = step - pd.Timedelta(days=45)
    bill = pd.Series([1.5], index=pd.DatetimeIndex([s]))
    # (s, s+91]: 45 days at 1.0 and 46 at 2.0 -> average 137/91.
    assert realized_spread(bill, effr).loc[s] == pytest.approx(1.5 - 137 / 91, abs=1e-12)


def test_equal_allocation_hand_case() -> None:
    # implied = 5.33 - 0.228; meetings at T+10 and T+60 weigh 82/91 and 32/91:
    # delta = -0.228 / (114/91) = -0.182 -> P(cut) = 0.728.
    bill, two, effr = _inputs(5.33, -0.228)
    row = proxy_history(bill, two, effr, MEETINGS).loc[T]
    assert row["effr"] == pytest.approx(5.33)
    assert row["spread"] == pytest.approx(0.10, abs=1e-12)
    assert row["implied_3m"] == pytest.approx(5.33 - 0.228, abs=1e-12)
    assert row["n_meetings"] == 2
    assert row["weight"] == pytest.approx(114 / 91)
    assert row["delta"] == pytest.approx(-0.182, abs=1e-12)
    assert row["p_cut_next"] == pytest.approx(0.728, abs=1e-12)
    assert row["p_hike_next"] == 0.0
    assert row["next_meeting"] == T + pd.Timedelta(days=10)
    assert row["dgs2_minus_effr"] == pytest.approx(-0.5)
    metas = proxy_meetings(row, T, MEETINGS, (5.25, 5.5))
    assert [m.date for m in metas] == list(MEETINGS[:2])
    assert all(m.method == "curve proxy" for m in metas)
    # -0.182 = -0.728 steps -> 72.8% of -25 bp at each meeting; cumulative after two:
    # -2: 0.728^2, -1: 2*0.728*0.272, 0: 0.272^2.
    assert metas[1].distribution == pytest.approx(
        {"4.75-5.00": 0.728**2, "5.00-5.25": 2 * 0.728 * 0.272, "5.25-5.50": 0.272**2}
    )
    assert proxy_meetings(row, T, MEETINGS, (5.25, 5.5), after=MEETINGS[0])[0].date == MEETINGS[1]


def test_next_allocation_puts_the_move_on_the_next_meeting() -> None:
    bill, two, effr = _inputs(5.33, -0.228)
    row = proxy_history(bill, two, effr, MEETINGS, allocation="next").loc[T]
    # delta = -0.228 / (82/91) = -0.25302 -> 100% cut, 1.2% of it 50 bp.
    assert row["delta"] == pytest.approx(-0.228 * 91 / 82, abs=1e-12)
    assert row["p_cut_next"] == 1.0
    (m,) = proxy_meetings(row, T, MEETINGS, (5.25, 5.5), allocation="next")
    assert dict(m.steps) == pytest.approx({-2: 0.228 * 91 / 82 / 0.25 - 1,
                                           -1: 2 - 0.228 * 91 / 82 / 0.25})


def test_zero_lower_bound_removes_cuts() -> None:
    bill, two, effr = _inputs(0.08, -0.10)
    row = proxy_history(bill, two, effr, MEETINGS).loc[T]
    assert row["delta"] == 0.0 and row["p_cut_next"] == 0.0
    # Hikes are still possible at the zero bound.
    bill, two, effr = _inputs(0.08, +0.10)
    assert proxy_history(bill, two, effr, MEETINGS).loc[T, "p_hike_next"] > 0


def test_stale_effr_after_a_decision_uses_the_known_change_or_nothing() -> None:
    bill, two, effr = _inputs(5.33, 0.0)
    decision = T - pd.Timedelta(days=1)
    # On T, DFF is published only up to T-1 = the decision day: none reflects it.
    plain = proxy_history(bill, two, effr, MEETINGS.append(pd.DatetimeIndex([decision])))
    assert np.isnan(plain.loc[T, "effr"])
    known = proxy_history(bill, two, effr, MEETINGS.append(pd.DatetimeIndex([decision])),
                          decision_changes={decision: -0.25})
    assert known.loc[T, "effr"] == pytest.approx(5.08)


def test_rows_are_point_in_time_on_real_data() -> None:
    bill, two, effr = load("DGS3MO"), load("DGS2"), load("DFF")
    decisions = load("FOMC_DECISIONS")
    sched = decisions.index[decisions["scheduled"] == 1]
    cut = pd.Timestamp("2023-12-29")
    full = proxy_history(bill, two, effr, sched)
    short = proxy_history(bill.loc[:cut], two.loc[:cut], effr.loc[:cut], sched)
    numeric = short.columns.drop("next_meeting")
    pd.testing.assert_frame_equal(full.loc[:cut, numeric], short[numeric])


def test_real_data_sanity() -> None:
    bill, two, effr = load("DGS3MO"), load("DGS2"), load("DFF")
    decisions = load("FOMC_DECISIONS")
    sched = decisions.index[decisions["scheduled"] == 1]
    hist = proxy_history(bill, two, effr, sched)
    # 2024-09-17, the eve of the 50 bp cut: markets priced at least a full 25 bp cut.
    eve = hist.loc["2024-09-17"]
    assert eve["next_meeting"] == pd.Timestamp("2024-09-18")
    assert eve["delta"] <= -0.25 and eve["p_cut_next"] == 1.0
    # 2022-06-10, mid-hiking cycle: no cut priced, a hike priced.
    hike = hist.loc["2022-06-10"]
    assert hike["p_cut_next"] == 0.0 and hike["p_hike_next"] > 0.5
    # Spread sanity: the realized bill-EFFR spread stays within +/- 50 bp.
    assert hist["spread"].abs().max() < 0.5


def test_bad_allocation_and_label() -> None:
    bill, two, effr = _inputs(5.33, 0.0)
    with pytest.raises(ConfigError, match="allocation"):
        proxy_history(bill, two, effr, MEETINGS, allocation="all")  # type: ignore[arg-type]
    assert PROXY_NOTE.startswith("proxy:") and "not FedWatch" in PROXY_NOTE
