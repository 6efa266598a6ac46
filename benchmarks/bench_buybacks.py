"""Buyback blackout from company report dates: one desk fit, the full history, the windows.

Baselines measured in the same run:

* the synthetic calendar (:class:`~flowdesk.flows.buybacks.Buybacks`) on the same
  sessions: what one date cost before company dates;
* a naive construction of the windows, session by session and company by company,
  reading the rules literally (the reference of ``tests/flows/test_buyback_windows.py``),
  on 25 companies over two years, against the vectorised one on the same input.

Run: python benchmarks/run.py buybacks
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from _util import median_time, report

DATE = "2024-09-16"


def _naive(days: np.ndarray, grid: pd.DatetimeIndex, lead: int, lag: int, notice: int) -> int:
    from flowdesk.flows.earnings_calendar import project_reports

    grid_days = grid.to_numpy().astype("datetime64[D]")
    pos = np.searchsorted(grid_days, days)
    closed = 0
    for t in range(grid_days.size):
        k = int(np.searchsorted(pos, t, side="right")) - 1
        if k < 0:
            continue
        if t <= pos[k] + lag:
            closed += 1
            continue
        if k + 1 < days.size and pos[k + 1] - t <= notice:
            closed += int(t >= pos[k + 1] - lead)
            continue
        for p in project_reports(days[: k + 1], grid_days[-1]):
            p_pos = int(np.searchsorted(grid_days, p))
            if p_pos - lead <= t <= p_pos + lag:
                closed += 1
                break
    return closed


def main() -> None:
    from flowdesk.calendars import nyse_sessions
    from flowdesk.data import load
    from flowdesk.data.earnings import earnings_dates
    from flowdesk.flows.buyback_windows import WindowRule, company_states
    from flowdesk.flows.buybacks import Buybacks
    from flowdesk.flows.company_buybacks import CompanyBuybacks
    from flowdesk.flows.earnings_calendar import reports_by_ticker

    table = earnings_dates()
    when = pd.Timestamp(DATE)
    desk_sessions = nyse_sessions(when - pd.Timedelta(days=400), when + pd.Timedelta(days=100))
    history = load("SP500").loc["2003-12-01":].index
    model = CompanyBuybacks()
    rows = [
        ("synthetic calendar, one desk date", median_time(
            lambda: Buybacks().fit(desk_sessions)), "s"),
        ("company dates, one desk date (3 lead cases)", median_time(
            lambda: model.fit(desk_sessions, table, asof=when)), "s"),
        ("company dates, 2004 to today", median_time(
            lambda: model.fit(history, table), repeat=3), "s"),
    ]
    report("buyback blackout fits, warm (medians)", rows,
           baseline="synthetic calendar, one desk date")

    reports = dict(list(reports_by_ticker(table).items())[:25])
    grid = nyse_sessions("2023-01-01", "2024-12-31")
    rule = WindowRule(lead=30, lag=2, notice=10)
    rows = [
        ("naive windows, 25 companies x 2 years", median_time(
            lambda: [_naive(d, grid, 30, 2, 10) for d in reports.values()], repeat=3), "s"),
        ("vectorised windows, same input", median_time(
            lambda: company_states(reports, grid, [rule])), "s"),
    ]
    report("window construction (medians)", rows,
           baseline="naive windows, 25 companies x 2 years")


if __name__ == "__main__":
    main()
