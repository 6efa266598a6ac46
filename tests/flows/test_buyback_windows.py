"""Per-company windows: the fast construction against a session-by-session reading of the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.flows.buyback_windows import OPEN, PROJECTED, REAL, WindowRule, company_states
from flowdesk.flows.earnings_calendar import clean_reports, project_reports

GRID = pd.bdate_range("2019-01-01", "2021-12-31")


def _slow_state(days: np.ndarray, grid: pd.DatetimeIndex, rule: WindowRule) -> np.ndarray:
    """The module doc's rules read literally, one session at a time."""
    grid_days = grid.to_numpy().astype("datetime64[D]")
    pos = np.searchsorted(grid_days, days)
    n = grid_days.size

    def start(e_pos: int, e_day: np.datetime64) -> int:
        s = e_pos - rule.lead
        if rule.quarter_end_lead is not None:
            ts = pd.Timestamp(e_day)
            quarter_end = (ts.to_period("Q") - 1).end_time.normalize()
            qe = int(np.searchsorted(grid_days, np.datetime64(quarter_end.date()), "right")) - 1
            s = min(s, qe - rule.quarter_end_lead + 1)
        return s

    out = np.zeros(n, dtype=np.int8)
    projections: dict[int, np.ndarray] = {}  # per last-known release: the same for each t
    for t in range(n):
        k = int(np.searchsorted(pos, t, side="right")) - 1  # last release on or before t
        if k < 0:
            continue  # not a member yet; the fast version leaves these open as well
        if t <= pos[k] + rule.lag:
            out[t] = REAL
            continue
        if k + 1 < days.size and pos[k + 1] - t <= rule.notice:
            if t >= start(pos[k + 1], days[k + 1]):
                out[t] = REAL
            continue
        if k not in projections:
            projections[k] = project_reports(days[: k + 1],
                                             grid_days[-1] + np.timedelta64(400, "D"))
        for p in projections[k]:
            p_pos = int(np.searchsorted(grid_days, p))
            if p_pos >= n:
                break  # a release after the grid is not placed (the model's grid runs a
                # year past its sessions, so this edge never reaches its output)
            if start(p_pos, p) <= t <= p_pos + rule.lag:
                out[t] = PROJECTED
                break
    return out


def _histories(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(6):
        gaps = rng.choice([63, 84, 91, 91, 91, 98, 119, 190, 260], size=14)
        days = np.datetime64("2018-02-01") + rng.integers(0, 60) + np.cumsum(gaps)
        days = days.astype("datetime64[D]")
        out[f"C{i}"] = clean_reports(days[days <= np.datetime64("2021-06-30")])
    return out


@pytest.mark.parametrize("rule", [WindowRule(lead=25, lag=2, notice=10),
                                  WindowRule(lead=30, lag=1, notice=0),
                                  WindowRule(lead=20, lag=2, notice=10, quarter_end_lead=10)])
@pytest.mark.parametrize("seed", [1, 2])
def test_fast_states_equal_the_rules_read_session_by_session(rule: WindowRule, seed: int) -> None:
    reports = _histories(seed)
    tickers, states, first = company_states(reports, GRID, [rule])
    for i, ticker in enumerate(tickers):
        slow = _slow_state(reports[ticker], GRID, rule)
        fast = states[0][i].copy()
        fast[: first[i]] = OPEN  # before its first release a company is not a member
        assert np.array_equal(fast, slow), ticker


def test_a_hand_placed_window() -> None:
    # One company, releases Thu 2020-01-23 and Thu 2020-04-23 on a weekday grid.
    # lead 5, lag 1, notice 3: the April window is announced from 2020-04-20 (3
    # sessions ahead) and closes from 2020-04-16 (5 sessions before), so the sessions
    # 2020-04-16 .. 2020-04-17 come from the projection (2020-01-23 alone: 13
    # weeks later, 2020-04-23, the same date), 2020-04-20 .. 2020-04-24 are real.
    grid = pd.bdate_range("2020-01-01", "2020-06-30")
    days = np.array(["2020-01-23", "2020-04-23"], dtype="datetime64[D]")
    _, states, _ = company_states({"X": days}, grid, [WindowRule(lead=5, lag=1, notice=3)])
    state = pd.Series(states[0][0], index=grid)
    assert state["2020-01-23":"2020-01-24"].eq(REAL).all()
    assert state["2020-01-27":"2020-04-15"].eq(OPEN).all()
    assert state["2020-04-16":"2020-04-17"].eq(PROJECTED).all()
    assert state["2020-04-20":"2020-04-24"].eq(REAL).all()
    assert state["2020-04-27"] == OPEN
    # After the last release every window is projected: 13 weeks on, 2020-07-23 is
    # beyond the grid, so nothing more is closed.
    assert state["2020-04-27":].eq(OPEN).all()


def test_rules_must_share_lag_and_notice() -> None:
    with pytest.raises(ValueError, match="share lag and notice"):
        company_states({}, GRID, [WindowRule(lag=1), WindowRule(lag=2)])
