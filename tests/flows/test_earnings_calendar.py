"""Report-date projection: hand cases, the vectorised pass against the loop, the backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import DataError
from flowdesk.flows.earnings_calendar import (
    clean_reports,
    first_projections,
    next_projection,
    project_reports,
    projection_backtest,
    reports_by_ticker,
    snap_to_sessions,
)


def _days(*dates: str) -> np.ndarray:
    return np.array(dates, dtype="datetime64[D]")


def test_filings_within_twenty_days_are_one_release() -> None:
    # 2024-01-25 and 2024-02-05 are 11 days apart: the second is an amended exhibit.
    cleaned = clean_reports(_days("2024-04-25", "2024-01-25", "2024-02-05", "2024-04-25"))
    assert cleaned.tolist() == _days("2024-01-25", "2024-04-25").tolist()


def test_year_ago_rule_keeps_the_weekday_slot() -> None:
    # Four Thursdays a quarter apart; a year later each moves by 52 weeks (364 days):
    # 2023-02-02 + 364 = 2024-02-01, 2023-05-04 + 364 = 2024-05-02, and so on.
    known = _days("2023-02-02", "2023-05-04", "2023-08-03", "2023-11-02")
    projected = project_reports(known, "2024-12-31")
    assert projected.tolist() == _days("2024-02-01", "2024-05-02", "2024-08-01",
                                       "2024-10-31").tolist()
    assert all(pd.Timestamp(d).day_name() == "Thursday" for d in projected)


def test_irregular_history_falls_back_to_the_median_gap() -> None:
    # Only two releases in the last year: gaps 91 d -> 13 weeks after the last one.
    known = _days("2024-01-10", "2024-04-10")
    assert next_projection(known) == np.datetime64("2024-07-10")
    # Gaps of 84 and 98 days: median 91 -> 13 weeks again; a 200-day gap is ignored.
    known = _days("2022-01-03", "2022-07-22", "2022-10-14", "2023-01-20")
    assert next_projection(known) == np.datetime64("2023-01-20") + np.timedelta64(91, "D")
    # A single release: 13 weeks.
    assert next_projection(_days("2024-03-01")) == np.datetime64("2024-05-31")


def test_an_extra_filing_in_the_last_year_breaks_the_cycle() -> None:
    # Five releases in the last year: the year-ago rule would add a false date, so
    # the cadence rule projects (median of the plausible gaps 91, 91, 91 -> 91 d;
    # the 35-day gap to the extra filing is not plausible).
    known = _days("2023-02-02", "2023-05-04", "2023-08-03", "2023-09-07", "2023-11-02")
    assert next_projection(known) == np.datetime64("2023-11-02") + np.timedelta64(91, "D")


def test_project_needs_a_known_release() -> None:
    with pytest.raises(DataError, match="no known report"):
        project_reports(np.array([], dtype="datetime64[D]"), "2024-01-01")


def test_vectorised_projections_equal_the_loop() -> None:
    rng = np.random.default_rng(7)
    for _ in range(60):
        gaps = rng.choice([35, 63, 84, 91, 91, 91, 98, 119, 182, 300], size=rng.integers(1, 30))
        days = np.datetime64("2005-01-03") + np.cumsum(gaps).astype("timedelta64[D]")
        days = clean_reports(days)
        ahead = first_projections(days, 8)
        for k in range(days.size):
            reference = project_reports(days[: k + 1], days[k] + np.timedelta64(1500, "D"))
            assert ahead[k].tolist() == reference[:8].tolist(), (days[: k + 1], k)


def test_snap_moves_a_holiday_to_the_next_session() -> None:
    sessions = pd.DatetimeIndex(["2024-07-03", "2024-07-05", "2024-07-08"])
    assert snap_to_sessions(_days("2024-07-04", "2024-07-05", "2024-07-09"),
                            sessions).tolist() == [1, 1, 3]


def test_backtest_of_a_regular_company_is_exact_and_counts_misses() -> None:
    # Company A reports every 13 weeks on a Thursday: from its second year on, the
    # year-ago rule is exact. Company B skips one quarter: that release is
    # projected from the one before it (error -91 days for the next report).
    a = np.datetime64("2013-01-31") + np.arange(0, 13 * 7 * 24, 13 * 7).astype("timedelta64[D]")
    b = np.delete(a, 12)
    table = pd.DataFrame({"ticker": ["A"] * a.size + ["B"] * b.size,
                          "report_date": np.concatenate([a, b]).astype("datetime64[ns]")})
    result = projection_backtest(table, start="2015-01-01", end="2018-12-31")
    errors = result.errors.set_index(["ticker", "actual"])["error_days"]
    assert (errors.loc["A"] == 0).all()
    missed = pd.Timestamp(a[13])  # B's first release after the gap
    assert errors.loc[("B", missed)] == -91
    stats = result.stats()
    assert stats["all"]["median_abs_days"] == 0 and stats["n"] == len(result.errors)
    assert "median |error|" in result.summary()


def test_reports_by_ticker_names_missing_columns() -> None:
    with pytest.raises(DataError, match=r"missing column\(s\) \['report_date'\]"):
        reports_by_ticker(pd.DataFrame({"ticker": ["A"], "date": ["2024-01-01"]}))
