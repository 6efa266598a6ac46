"""Blackout from company report dates: shares by hand, point in time, outlook, fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import ConfigError, DataError
from flowdesk.flows.buybacks import Buybacks
from flowdesk.flows.company_buybacks import REAL_FROM, CompanyBuybacks

SESSIONS = pd.bdate_range("2020-01-01", "2020-12-31")


def _table(**dates: list[str]) -> pd.DataFrame:
    rows = [(t, d) for t, ds in dates.items() for d in ds]
    return pd.DataFrame(rows, columns=["ticker", "report_date"]).astype(
        {"report_date": "datetime64[ns]"})


TOY = _table(
    A=["2019-01-24", "2019-04-25", "2019-07-25", "2019-10-24", "2020-01-23", "2020-04-23",
       "2020-07-23", "2020-10-22"],
    B=["2019-02-07", "2019-05-09", "2019-08-08", "2019-11-07", "2020-02-06", "2020-05-07",
       "2020-08-06", "2020-11-05"],
)


def _model(**kw: object) -> CompanyBuybacks:
    opts: dict[str, object] = {"blackout_lead_sessions": 5, "lead_band": (3, 7),
                               "blackout_end_lag_sessions": 1, "notice_sessions": 3,
                               "calendar": "weekdays"}
    opts.update(kw)
    return CompanyBuybacks(**opts)  # type: ignore[arg-type]


def test_shares_by_hand_on_two_companies() -> None:
    fit = _model().fit(SESSIONS, TOY, asof="2020-12-31")
    share = fit.daily["blackout_share"]
    # A reports Thu 2020-04-23: closed Thu 2020-04-16 (5 sessions before) .. Fri 04-24.
    # B reports Thu 2020-05-07: closed Thu 2020-04-30 .. Fri 05-08.
    assert share["2020-04-15"] == 0.0
    assert share["2020-04-16"] == 0.5 and share["2020-04-24"] == 0.5
    assert share["2020-04-27"] == 0.0 and share["2020-04-29"] == 0.0
    assert share["2020-04-30"] == 0.5 and share["2020-05-08"] == 0.5
    assert share["2020-05-11"] == 0.0
    # Both closed nowhere at once here, so the "window" (share >= 50%) is blackout
    # exactly on those sessions.
    assert (fit.daily.loc["2020-04-16":"2020-04-24", "window"] == "blackout").all()
    # Lead band: 3 sessions (low) closes A on 04-20, 7 (high) on 04-14.
    assert fit.daily.loc["2020-04-17", "blackout_share_low"] == 0.0
    assert fit.daily.loc["2020-04-20", "blackout_share_low"] == 0.5
    assert fit.daily.loc["2020-04-14", "blackout_share_high"] == 0.5


def test_point_in_time_values_do_not_change_with_a_later_asof() -> None:
    late = _model().fit(SESSIONS, TOY, asof="2020-12-31").daily
    for day in ("2020-03-02", "2020-04-17", "2020-07-15", "2020-10-20"):
        early = _model().fit(SESSIONS, TOY, asof=day).daily
        cols = ["blackout_share", "blackout_share_low", "blackout_share_high",
                "projected_share"]
        pd.testing.assert_frame_equal(early.loc[:day, cols], late.loc[:day, cols])


def test_dates_not_yet_announced_are_projected_and_flagged() -> None:
    # On 2020-04-16 A's release (04-23) is 5 sessions away: beyond the 3-session
    # notice, so its closed window comes from a projection (2019-04-25 + 52 weeks =
    # 2020-04-23, the same date), flagged.
    fit = _model().fit(SESSIONS, TOY, asof="2020-04-16")
    row = fit.daily.loc["2020-04-16"]
    assert row["blackout_share"] == 0.5 and row["projected_share"] == 0.5
    # Seen from 04-16 the later sessions stay a forecast (the date is not known yet);
    # seen from the end of the year, on 04-20 (3 sessions ahead) it was announced.
    assert fit.daily.loc["2020-04-20", "projected_share"] == 0.5
    later = _model().fit(SESSIONS, TOY, asof="2020-12-31")
    assert later.daily.loc["2020-04-17", "projected_share"] == 0.5
    assert later.daily.loc["2020-04-20", "projected_share"] == 0.0
    listing = fit.companies("2020-04-16")
    assert listing.loc["A", "in_blackout"] and listing.loc["A", "projected"]
    assert listing.loc["B", "enters"] and not listing.loc["B", "in_blackout"]
    assert listing.loc["B", "closes"] == pd.Timestamp("2020-04-30")


def test_outlook_gives_the_reopen_date_and_the_season_peak() -> None:
    # With lead 12 the two windows overlap: A closed 04-07..04-24, B 04-21..05-08,
    # both closed 04-21..04-24 (share 1.0), and the share falls below 50% on 05-11.
    fit = _model(blackout_lead_sessions=12, lead_band=(12, 12)).fit(SESSIONS, TOY,
                                                                  asof="2020-04-01")
    out = fit.outlook()
    assert out["blackout_share"] == 0.0
    assert out["next_close"] == "2020-04-07"
    assert out["reopen"] == "2020-05-11"
    assert out["season_peak"] == "2020-04-21" and out["season_peak_share"] == 1.0
    assert out["share_1w"] == 0.5  # 2020-04-08, five sessions on: only A


def test_before_2004_the_synthetic_calendar_is_used_and_labelled() -> None:
    sessions = pd.bdate_range("2003-10-01", "2004-03-31")
    table = _table(A=["2003-10-23", "2004-01-22"], B=["2003-11-06", "2004-02-05"])
    fit = _model().fit(sessions, table, asof="2004-03-31")
    early = fit.daily.index < REAL_FROM
    assert (fit.daily.loc[early, "source"] == "synthetic").all()
    assert (fit.daily.loc[~early, "source"] != "synthetic").all()
    synthetic = Buybacks(blackout_lead_sessions=5, blackout_end_lag_sessions=1,
                         calendar="weekdays").fit(fit.daily.index[early]).daily
    np.testing.assert_allclose(fit.daily.loc[early, "blackout_share"],
                               synthetic["blackout_share"])


def test_demand_spreads_the_annual_amount_and_drops_in_blackout() -> None:
    fit = _model(share_10b5_1=0.6).fit(SESSIONS, TOY, asof="2020-12-31")
    d = fit.daily
    assert d["daily_demand_bn"].sum() == pytest.approx(942.5)
    # I = 1 - (1 - 0.6) * share: a half-closed day buys 80% of a fully open one.
    ratio = d.loc["2020-04-16", "daily_demand_bn"] / d.loc["2020-04-15", "daily_demand_bn"]
    assert ratio == pytest.approx(0.8)


def test_bad_input() -> None:
    with pytest.raises(DataError, match="non-empty ticker, report_date"):
        _model().fit(SESSIONS, TOY.iloc[:0])
    with pytest.raises(DataError, match="no release filed by"):
        _model().fit(SESSIONS, _table(A=["2021-06-01"]), asof="2020-03-02")
    with pytest.raises(DataError, match="before the first session"):
        _model().fit(SESSIONS, TOY, asof="1990-01-01")
    with pytest.raises(ConfigError, match="lead_band"):
        CompanyBuybacks(blackout_lead_sessions=30, lead_band=(35, 40))
    with pytest.raises(ConfigError, match="weights: no buyback dollars"):
        CompanyBuybacks(weights={"A": 1.0}, calendar="weekdays").fit(SESSIONS, TOY)


def test_dollar_weights_move_the_weighted_share_only() -> None:
    fit = _model(weights={"A": 3.0, "B": 1.0}).fit(SESSIONS, TOY, asof="2020-12-31")
    row = fit.daily.loc["2020-04-16"]  # only A closed
    assert row["blackout_share"] == 0.5 and row["blackout_share_weighted"] == 0.75
    assert fit.params["weighting"] == "buyback dollars"
