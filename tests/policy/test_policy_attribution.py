"""Event attribution: release-date rules, calendar facts, hand variance shares, bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flowdesk.calendars import fomc_decision_dates
from flowdesk.data import load
from flowdesk.errors import ConfigError, DataError
from flowdesk.policy.attribution import (
    attribute,
    classify_dates,
    cpi_release_date,
    event_calendar,
    largest_swings,
    payrolls_release_date,
    variance_shares,
)


# ------------------------------------------------------------ release rules and facts
@pytest.mark.parametrize(
    ("ref", "release"),
    [
        ((2024, 7), "2024-08-02"),  # July 2024 report: Friday 2 August 2024
        ((2024, 5), "2024-06-07"),
        ((2025, 1), "2025-02-07"),  # 12 Jan 2025 a Sunday -> week ends 18th -> 7 Feb
        ((2025, 6), "2025-07-03"),  # third Friday is 4 July -> Thursday 3 July
        ((2020, 12), "2021-01-08"),  # third Friday is 1 January -> 8 January
        ((2023, 11), "2023-12-08"),
    ],
)
def test_payrolls_rule(ref: tuple[int, int], release: str) -> None:
    assert payrolls_release_date(*ref) == pd.Timestamp(release)


@pytest.mark.parametrize(
    ("ref", "release"),
    [((2024, 4), "2024-05-15"), ((2024, 8), "2024-09-11"), ((2024, 10), "2024-11-13")],
)
def test_cpi_rule_on_months_where_it_is_exact(ref: tuple[int, int], release: str) -> None:
    # Published CPI release dates: 15 May, 11 September, 13 November 2024.
    assert cpi_release_date(*ref) == pd.Timestamp(release)


def test_fomc_calendar_has_the_march_2020_emergency_decisions() -> None:
    dates = fomc_decision_dates()
    # 2020-03-03 (50 bp, unscheduled) and the Sunday 2020-03-15 decision, dated on the
    # first trading day that reflects it, 2020-03-16.
    assert pd.Timestamp("2020-03-03") in dates
    assert pd.Timestamp("2020-03-16") in dates
    assert pd.Timestamp("2020-03-03") not in fomc_decision_dates(scheduled_only=True)


def test_events_on_non_trading_days_move_to_the_next_session() -> None:
    sessions = pd.DatetimeIndex(["2020-03-13", "2020-03-16", "2020-03-17"])
    events = pd.DataFrame({"date": [pd.Timestamp("2020-03-15")], "kind": ["fomc"]})
    assert classify_dates(sessions, events).tolist() == ["none", "fomc", "none"]


def test_priority_and_cpi_window() -> None:
    start, end = pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30")
    # June 2024: payrolls 7th, CPI rule Wednesday 12th (= FOMC day), window 11th-13th.
    events = event_calendar(start, end, ["2024-06-12"])
    sessions = pd.bdate_range(start, end)
    cls = classify_dates(sessions, events)
    assert cls["2024-06-07"] == "payrolls"
    assert cls["2024-06-12"] == "fomc"  # fomc outranks cpi
    assert cls["2024-06-11"] == "cpi" and cls["2024-06-13"] == "cpi"
    assert cls["2024-06-14"] == "none"
    narrow = classify_dates(sessions, event_calendar(start, end, ["2024-06-12"], cpi_window=0))
    assert narrow["2024-06-11"] == "none"


def test_calendar_override_replaces_rules_for_its_kinds() -> None:
    start, end = pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30")
    override = pd.DataFrame({"date": ["2024-06-20"], "kind": ["cpi"]})
    events = event_calendar(start, end, [], calendar=override)
    assert events.loc[events["kind"] == "cpi", "date"].tolist() == [pd.Timestamp("2024-06-20")]
    assert pd.Timestamp("2024-06-07") in events.loc[events["kind"] == "payrolls", "date"].tolist()
    with pytest.raises(ConfigError, match="unknown kind"):
        event_calendar(start, end, [], calendar=pd.DataFrame({"date": ["2024-06-20"],
                                                              "kind": ["gdp"]}))
    with pytest.raises(ConfigError, match="missing column"):
        event_calendar(start, end, [], calendar=pd.DataFrame({"date": ["2024-06-20"]}))


# ------------------------------------------------------------ variance shares
def _synthetic() -> tuple[pd.Series, pd.DataFrame]:
    dates = pd.bdate_range("2024-01-01", periods=20)
    moves = np.ones(20)
    fomc, payrolls, cpi = [2, 11], [5], [8]
    moves[fomc] = 3.0
    moves[payrolls] = 2.0
    moves[cpi] = 2.0
    signs = np.where(np.arange(20) % 2 == 0, 1.0, -1.0)
    calendar = pd.DataFrame(
        {"date": dates[fomc + payrolls + cpi], "kind": ["fomc", "fomc", "payrolls", "cpi"]}
    )
    return pd.Series(moves * signs, index=dates, name="x"), calendar


def test_variance_shares_hand_numbers() -> None:
    x, calendar = _synthetic()
    events = event_calendar(x.index[0], x.index[-1], [], calendar=calendar)
    table = variance_shares(x, classify_dates(x.index, events), n_boot=200, block=2)
    # Squares: fomc 2*9 = 18, payrolls 4, cpi 4, none 16*1 = 16; total 42.
    assert table["var_share"].to_dict() == pytest.approx(
        {"fomc": 18 / 42, "payrolls": 4 / 42, "cpi": 4 / 42, "none": 16 / 42}
    )
    assert table["day_share"].to_dict() == pytest.approx(
        {"fomc": 0.1, "payrolls": 0.05, "cpi": 0.05, "none": 0.8}
    )
    assert table.loc["fomc", "ratio"] == pytest.approx((18 / 42) / 0.1)
    assert table["n_days"].tolist() == [2, 1, 1, 16]
    assert (table["ci_low"] <= table["var_share"] + 1e-12).all()
    assert (table["var_share"] <= table["ci_high"] + 1e-12).all()


def test_bootstrap_interval_matches_the_binomial_when_moves_are_equal() -> None:
    # All |moves| equal and blocks of 1: a resample's share is Binomial(n, p)/n, so the 95%
    # interval is about p +/- 1.96 sqrt(p(1-p)/n) = 0.1 +/- 0.01315 for n = 2000, p = 0.1.
    n = 2000
    dates = pd.bdate_range("2000-01-03", periods=n)
    x = pd.Series(np.where(np.arange(n) % 2 == 0, 1.0, -1.0), index=dates)
    classes = pd.Series(np.where(np.arange(n) % 10 == 0, "fomc", "none"), index=dates)
    row = variance_shares(x, classes, n_boot=4000, block=1, seed=1).loc["fomc"]
    half = 1.96 * math.sqrt(0.1 * 0.9 / n)
    assert row["var_share"] == pytest.approx(0.1)
    assert row["ci_low"] == pytest.approx(0.1 - half, abs=0.003)
    assert row["ci_high"] == pytest.approx(0.1 + half, abs=0.003)


def test_attribute_and_swings() -> None:
    x, calendar = _synthetic()
    y = x * 10
    result = attribute({"a": x, "b": y}, [], calendar=calendar, swing_series="b", n_swings=3,
                       n_boot=100, block=2)
    assert result.shares["b"]["var_share"].to_dict() == pytest.approx(
        result.shares["a"]["var_share"].to_dict()
    )
    # Every none day moves by 10 in b: the three listed are none days of size 10.
    assert len(result.swings) == 3
    assert (result.swings["change"].abs() == 10).all()
    assert not set(result.swings.index) & set(pd.to_datetime(calendar["date"]))
    assert (result.swings["a"].abs() == 1).all()
    d = result.to_dict()
    assert set(d["series"]) == {"a", "b"}
    assert d["series"]["a"]["classes"]["fomc"]["var_share"] == pytest.approx(18 / 42, abs=1e-4)
    assert d["largest_no_event_swings"]["series"] == "b"
    classes = classify_dates(x.index, event_calendar(x.index[0], x.index[-1], [],
                                                     calendar=calendar))
    top = largest_swings(x, classes, 1, only="fomc")
    assert top["change"].abs().tolist() == [3.0]


def test_errors() -> None:
    with pytest.raises(DataError, match="no series"):
        attribute({}, [])
    with pytest.raises(DataError, match="has no observations"):
        attribute({"a": pd.Series([np.nan], index=pd.DatetimeIndex(["2024-01-02"]))}, [])
    x, _ = _synthetic()
    with pytest.raises(ConfigError, match="bootstrap"):
        variance_shares(x, pd.Series("none", index=x.index), n_boot=0)


def test_real_dgs2_fomc_share_matches_a_direct_computation() -> None:
    # Independent check: squared daily DGS2 changes on FOMC decision dates / all, 2015-2024.
    dgs2 = load("DGS2").loc["2015-01-01":"2024-12-31"]
    moves = (100 * dgs2.diff()).dropna()
    fomc = fomc_decision_dates()
    on_fomc = moves.index.isin(fomc)
    direct = float((moves[on_fomc] ** 2).sum() / (moves**2).sum())
    result = attribute({"DGS2": moves}, fomc, n_boot=50)
    table = result.shares["DGS2"]
    assert table.loc["fomc", "var_share"] == pytest.approx(direct, abs=1e-12)
    assert table.loc["fomc", "n_days"] == int(on_fomc.sum())
    # Decision days are about 8 in 250 sessions and move the 2-year more than a typical day.
    assert 0.025 < table.loc["fomc", "day_share"] < 0.04
    assert table.loc["fomc", "ratio"] > 1
