"""Buyback blackout model and the open-vs-blackout event study.

Expected values are worked out by hand in the comments or by slow, independent
loops written here; none comes from re-running the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.calendars import nyse_sessions
from flowdesk.data import load
from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.flows.buyback_events import blackout_event_study
from flowdesk.flows.buybacks import BuybackResult, Buybacks, EarningsModel
from flowdesk.report.plotting import plot
from flowdesk.stats import block_bootstrap_sums

# --- a two-company toy calendar ------------------------------------------------
# Weekdays of 2024 (a leap year starting on a Monday: 52 weeks + Mon/Tue = 262
# sessions). Blackout = 3 sessions before the report to 1 after (5 sessions).
# A (75% of buyback dollars) and B (25%) report once per quarter; every quarter
# that touches 2024 is given, so the model plays no part in 2024.
TOY_DATES = {
    "A": ["2024-01-24", "2024-04-17", "2024-07-17", "2024-10-16"],
    "B": ["2024-01-26", "2024-04-30", "2024-07-31", "2024-10-30"],
}
TOY_WEIGHT = {"A": 0.75, "B": 0.25}


def _toy_table(tickers: tuple[str, ...] = ("A", "B")) -> pd.DataFrame:
    rows = [(t, d, TOY_WEIGHT[t]) for t in tickers for d in TOY_DATES[t]]
    return pd.DataFrame(rows, columns=["ticker", "date", "weight"])


def _toy_model(**kwargs: float) -> Buybacks:
    options = {
        "annual_bn": 254.0,
        "blackout_lead_sessions": 3,
        "blackout_end_lag_sessions": 1,
        "calendar": "weekdays",
        **kwargs,
    }
    return Buybacks(**options)  # type: ignore[arg-type]


TOY_SESSIONS = pd.bdate_range("2024-01-01", "2024-12-31")


@pytest.fixture(scope="module")
def toy() -> BuybackResult:
    return _toy_model().fit(TOY_SESSIONS, _toy_table())


def test_toy_blackout_share_and_demand_by_hand(toy: BuybackResult) -> None:
    # A reports Wed 24 Jan: blackout Fri 19, Mon 22, Tue 23, Wed 24, Thu 25.
    # B reports Fri 26 Jan: blackout Tue 23, 24, 25, Fri 26, Mon 29.
    # Intensity I = 1 - 0.4 * (dollar share in blackout). Each company spends 4 x 5
    # = 20 sessions a year in blackout, so sum(I) over 2024 = 262 - 0.4 * (0.75*20 +
    # 0.25*20) = 254; with annual_bn = 254 the demand equals I.
    expected = pd.DataFrame(
        {
            "blackout_share": [0, 0.5, 0.5, 1, 1, 1, 0.5, 0.5, 0],
            "blackout_share_weighted": [0, 0.75, 0.75, 1, 1, 1, 0.25, 0.25, 0],
            "daily_demand_bn": [1.0, 0.7, 0.7, 0.6, 0.6, 0.6, 0.9, 0.9, 1.0],
            "window": ["open", *["blackout"] * 7, "open"],
        },
        index=pd.DatetimeIndex(
            [
                "2024-01-18",
                "2024-01-19",
                "2024-01-22",
                "2024-01-23",
                "2024-01-24",
                "2024-01-25",
                "2024-01-26",
                "2024-01-29",
                "2024-01-30",
            ],
            name="date",
        ).astype("datetime64[ns]"),
    )
    got = toy.to_frame().loc[expected.index]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-12, atol=1e-12)
    assert toy.to_frame()["daily_demand_bn"].sum() == pytest.approx(254.0, rel=1e-12)
    assert (toy.to_frame()["blackout_share"] > 0).sum() == 40 - 3  # A and B share Jan 23-25


def test_toy_windows_and_next_change(toy: BuybackResult) -> None:
    # Each company alone is half the companies, so each of its windows is a blackout.
    expected = [
        ("2024-01-19", "2024-01-29", 7, 1.0),
        ("2024-04-12", "2024-04-18", 5, 0.5),
        ("2024-04-25", "2024-05-01", 5, 0.5),
        ("2024-07-12", "2024-07-18", 5, 0.5),
        ("2024-07-26", "2024-08-01", 5, 0.5),
        ("2024-10-11", "2024-10-17", 5, 0.5),
        ("2024-10-25", "2024-10-31", 5, 0.5),
    ]
    w = toy.windows()
    got = [
        (f"{r.start:%Y-%m-%d}", f"{r.end:%Y-%m-%d}", r.n_sessions, r.peak_share)
        for r in w.itertuples()
    ]
    assert got == expected
    assert toy.next_change("2024-01-18") == pd.Timestamp("2024-01-19")
    latest = toy.latest("2024-01-20")  # a Saturday: the state of Friday 19 Jan
    assert latest == {
        "asof": "2024-01-19",
        "blackout_share": 0.5,
        "blackout_share_weighted": 0.75,
        "daily_demand_bn": 0.7,
        "window": "blackout",
        "next_change": "2024-01-30",
        "annual_bn": 254.0,
    }
    assert toy.quarters_from_data == ("2023Q4", "2024Q1", "2024Q2", "2024Q3")


@settings(max_examples=30, deadline=None)
@given(share=st.floats(0.0, 1.0))
def test_blackout_demand_is_the_10b5_1_share_of_open_demand(share: float) -> None:
    # One company holding all the dollars: in blackout it buys only its 10b5-1 part.
    frame = _toy_model(share_10b5_1=share).fit(TOY_SESSIONS, _toy_table(("A",))).to_frame()
    black = frame.loc["2024-01-22", "daily_demand_bn"]
    open_ = frame.loc["2024-01-18", "daily_demand_bn"]
    assert black == pytest.approx(share * open_, rel=1e-12, abs=1e-15)
    # 20 blackout sessions: open demand = 254 / (242 + 20 * share)
    assert open_ == pytest.approx(254.0 / (242.0 + 20.0 * share), rel=1e-12)


@pytest.fixture(scope="module")
def model_fit() -> BuybackResult:
    return Buybacks().fit(nyse_sessions("2000-01-01", "2025-12-31"))


def test_annual_total_is_preserved_every_full_year(model_fit: BuybackResult) -> None:
    demand = model_fit.to_frame()["daily_demand_bn"]
    totals = demand.groupby(demand.index.year).sum()
    assert len(totals) == 26
    np.testing.assert_allclose(totals.to_numpy(), 942.5, rtol=1e-9, atol=0)


def test_shares_are_fractions(model_fit: BuybackResult) -> None:
    frame = model_fit.to_frame()
    for col in ("blackout_share", "blackout_share_weighted"):
        assert frame[col].between(0.0, 1.0).all()
        assert frame[col].max() > 0.8 and frame[col].min() < 0.2


def test_default_model_is_in_blackout_mid_january_and_open_late_february(
    model_fit: BuybackResult,
) -> None:
    share = model_fit.to_frame()["blackout_share"]
    # 16 Jan 2024 is the 10th session after 31 Dec (MLK day on the 15th). A company
    # reporting on session e is in blackout from e-25 to e+2, so on session 10 those
    # with e in [8, 35] are: of the others 3/5 of week 2 (0.012) + weeks 3-7 (0.87),
    # of the top 20 3/5 * 0.10 + 0.80 = 0.86; together ~(0.882*480 + 0.86*20)/500 = 0.881.
    assert 0.85 <= share.loc["2024-01-16"] <= 0.91
    # 26 Feb 2024 is session 38 (Presidents' day on the 19th): e in [36, 63] means
    # weeks 8-10 only, 0.11 of the others and 0.10 of the top 20; the next season's
    # first reports (6 sessions after 31 Mar, 30 sessions away) are still > 25 ahead.
    assert 0.08 <= share.loc["2024-02-26"] <= 0.14


def test_windows_open_around_quarter_end(model_fit: BuybackResult) -> None:
    # The median report is ~23 sessions after quarter end (weeks 1-4 hold 39%, each
    # day of week 5 adds 5%), so half the companies are in blackout from about
    # 23 - 25 = 2 sessions before quarter end until ~23 + 2 sessions after.
    w = model_fit.windows()
    sessions = nyse_sessions("1999-06-01", "2026-06-30")
    years = w["start"].dt.year.value_counts().sort_index()
    assert (years.loc[2001:2025] == 4).all()
    for row in w.itertuples():
        qe = (row.start + pd.Timedelta(days=45)).to_period("Q").start_time - pd.Timedelta(days=1)
        qe_pos = sessions.searchsorted(qe, side="right") - 1
        start_pos = sessions.get_loc(row.start)
        peak_pos = sessions.get_loc(row.peak_date)
        assert -10 <= start_pos - qe_pos <= 5, row
        assert 0 < peak_pos - qe_pos <= 30, row


def test_point_in_time_fit_to_t_equals_fit_to_t_plus_one_year() -> None:
    for t in ("2019-12-20", "2021-03-15", "2023-07-31"):
        short = Buybacks().fit(nyse_sessions("2015-01-01", t))
        long = Buybacks().fit(nyse_sessions("2015-01-01", pd.Timestamp(t) + pd.DateOffset(years=1)))
        pd.testing.assert_frame_equal(short.to_frame(), long.to_frame().loc[:t])
        assert short.latest(t) == long.latest(t)


def test_earnings_model_places_companies_at_quantiles() -> None:
    model = EarningsModel()
    companies = model.companies()
    assert len(companies) == 500 and companies["top"].sum() == 20
    assert companies.equals(EarningsModel().companies())  # deterministic
    weeks = (companies["offset"] - 1) // 5
    for top, n, table in ((False, 480, model.other_weeks), (True, 20, model.top_weeks)):
        counts = weeks[companies["top"] == top].value_counts().reindex(range(10), fill_value=0)
        # Quantile placement gives each week its share of n up to one company.
        assert np.all(np.abs(counts.to_numpy() - n * np.asarray(table)) <= 1.0)
    probs = model.offset_probabilities()
    assert probs.index[0] == 1 and len(probs) == 50
    assert probs.sum() == pytest.approx(1.0)


def test_real_dates_replace_only_their_quarters() -> None:
    sessions = nyse_sessions("2023-06-01", "2024-12-31")
    model = Buybacks().fit(sessions).to_frame()
    mixed = Buybacks().fit(sessions, pd.DataFrame({"ticker": ["X"], "date": ["2024-04-25"]}))
    frame = mixed.to_frame()
    # One company for the quarter ended March 2024: its blackout is 25 sessions
    # before 25 Apr to 2 after; 20 Mar 2024 is 25 sessions before (Good Friday closed).
    assert frame.loc["2024-03-20", "blackout_share"] == 1.0
    assert frame.loc["2024-03-19", "blackout_share"] == 0.0
    assert frame.loc["2024-04-29", "blackout_share"] == 1.0
    assert frame.loc["2024-04-30", "blackout_share"] == 0.0
    # Other seasons are unchanged (2024 demand is not: its yearly normaliser moved).
    shares = ["blackout_share", "blackout_share_weighted"]
    pd.testing.assert_frame_equal(
        frame.loc[:"2024-02-29", shares], model.loc[:"2024-02-29", shares]
    )
    pd.testing.assert_frame_equal(frame.loc[:"2023-12-31"], model.loc[:"2023-12-31"])
    assert mixed.quarters_from_data == ("2024Q1",)


@pytest.mark.parametrize(
    ("sessions", "match"),
    [
        (pd.DatetimeIndex([]), "empty"),
        (pd.DatetimeIndex(["2024-01-03", "2024-01-02"]), "sorted"),
        (pd.DatetimeIndex(["2024-01-02", "2024-01-02"]), "sorted and unique"),
        (pd.DatetimeIndex(["2024-01-02 10:00"]), "midnight"),
        (pd.date_range("2024-01-02", periods=3, tz="UTC"), "tz-naive"),
        (["2024-01-02"], "DatetimeIndex"),
    ],
)
def test_bad_sessions_raise(sessions: object, match: str) -> None:
    with pytest.raises(DataError, match=match):
        Buybacks().fit(sessions)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pd.DataFrame({"ticker": ["A"]}), r"missing column\(s\) \['date'\]"),
        (
            pd.DataFrame({"ticker": ["A", "A"], "date": ["2024-01-24", "2024-02-07"]}),
            "ticker A has more than one date for the quarter ended 2023Q4",
        ),
        (pd.DataFrame({"ticker": ["A"], "date": ["2024-01-27"]}), "not a trading session"),
        (pd.DataFrame({"ticker": ["A"], "date": ["2019-01-24"]}), "outside the sessions"),
        (
            pd.DataFrame(
                {"ticker": ["A", "B"], "date": ["2024-01-24", "2024-01-25"], "weight": [1.0, -0.5]}
            ),
            "negative weight -0.5",
        ),
        (
            pd.DataFrame({"ticker": ["A"], "date": ["2024-01-24"], "weight": ["x"]}),
            "numeric and finite",
        ),
        (pd.DataFrame({"ticker": ["A"], "date": [None]}), "dates must be present"),
        (pd.DataFrame({"ticker": ["A"], "date": ["2024-01-24"], "weight": [0.0]}), "sum to zero"),
        (pd.DataFrame({"ticker": [], "date": []}), "no rows"),
    ],
)
def test_malformed_earnings_dates_raise(table: pd.DataFrame, match: str) -> None:
    with pytest.raises(DataError, match=match):
        Buybacks().fit(nyse_sessions("2024-01-01", "2024-06-28"), table)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"annual_bn": 0.0},
        {"share_10b5_1": 1.5},
        {"top20_share": -0.1},
        {"blackout_lead_sessions": 61},
        {"blackout_end_lag_sessions": -1},
        {"quarter_end_lead_sessions": 0},
        {"calendar": "lse"},
    ],
)
def test_bad_options_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Buybacks(**kwargs)  # type: ignore[arg-type]


def test_bad_earnings_model_raises() -> None:
    with pytest.raises(ConfigError, match="sum to"):
        EarningsModel(other_weeks=(0.5, 0.4))
    with pytest.raises(ConfigError, match=">= 0"):
        EarningsModel(top_weeks=(1.5, -0.5))


def test_quarter_end_rule_starts_blackout_earlier() -> None:
    # One company reporting 40 sessions after quarter end: with a 25-session lead
    # it is open at quarter end, with "blackout 10 sessions before quarter end" not.
    table = pd.DataFrame({"ticker": ["X"], "date": ["2024-02-26"]})  # session 38 (see above)
    sessions = nyse_sessions("2023-10-01", "2024-03-28")
    lead_only = Buybacks().fit(sessions, table).to_frame()["blackout_share"]
    both = Buybacks(quarter_end_lead_sessions=10).fit(sessions, table).to_frame()["blackout_share"]
    # 29 Dec 2023 is the last session of the quarter; 10 sessions back is 15 Dec.
    assert lead_only.loc["2023-12-29"] == 0.0 and both.loc["2023-12-29"] == 1.0
    assert both.loc["2023-12-15"] == 1.0 and both.loc["2023-12-14"] == 0.0


def test_summary_plot_and_json(model_fit: BuybackResult) -> None:
    text = model_fit.summary()
    assert "942.5 USD bn" in text and "10b5-1" in text and "I_t" in text
    assert "<pre>" in model_fit._repr_html_()
    d = model_fit.to_dict()
    assert d["latest"]["asof"] == "2025-12-31" and d["latest"]["window"] in ("open", "blackout")
    assert len(d["windows"]) == len(model_fit.windows())
    fig = plot(model_fit)
    assert len(fig.data) == 3


# --- event study -------------------------------------------------------------


def test_block_bootstrap_sums_equal_a_slow_loop() -> None:
    rng = np.random.default_rng(5)
    cols = rng.normal(size=(3, 47))
    fast = block_bootstrap_sums(cols, block=5, n_boot=40, rng=np.random.default_rng(9))
    # Same draws (10 blocks, the last cut to 2), summed by explicit indexing.
    starts = np.random.default_rng(9).integers(0, 43, size=(40, 10))
    for b in range(40):
        idx = np.concatenate([np.arange(s, s + 5) for s in starts[b]])[:47]
        np.testing.assert_allclose(fast[b], cols[:, idx].sum(axis=1), rtol=1e-12)
    with pytest.raises(ModelError, match="2 blocks"):
        block_bootstrap_sums(cols, block=30, n_boot=5, rng=rng)


@pytest.fixture(scope="module")
def weekday_fit() -> BuybackResult:
    return Buybacks(calendar="weekdays").fit(pd.bdate_range("2000-01-03", "2023-12-29"))


def _fake_returns(seed: int, index: pd.DatetimeIndex) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(rng.standard_t(4, size=index.size) * 0.01, index=index)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_event_study_ci_contains_estimate_and_shrinks(
    weekday_fit: BuybackResult, seed: int
) -> None:
    r = _fake_returns(seed, weekday_fit.daily.index)
    full = blackout_event_study(r, weekday_fit, start="2000-01-01", n_boot=300, seed=seed)
    short = blackout_event_study(r, weekday_fit, start="2018-01-01", n_boot=300, seed=seed)
    for res in (full, short):
        d = res.differences
        assert (d["ci_low"] <= d["diff_pct"]).all() and (d["diff_pct"] <= d["ci_high"]).all()
    # 24 years against 6: the interval should be about half as wide.
    width_full = full.differences["ci_high"] - full.differences["ci_low"]
    width_short = short.differences["ci_high"] - short.differences["ci_low"]
    assert (width_full < 0.8 * width_short).all()


def test_event_study_point_estimates_equal_a_slow_loop(weekday_fit: BuybackResult) -> None:
    r = _fake_returns(1, weekday_fit.daily.index)
    res = blackout_event_study(r, weekday_fit, start="2010-01-01", n_boot=50)
    share = weekday_fit.daily["blackout_share"]
    values: dict[tuple[str, str], list[float]] = {}
    days = list(r.index)
    for i, day in enumerate(days):
        if day < pd.Timestamp("2010-01-01"):
            continue
        window = "blackout" if share.loc[day] >= 0.5 else "open"
        values.setdefault(("1d", window), []).append(100 * r.iloc[i])
        if i + 5 < len(days):  # close t to close t+5: the next five returns compounded
            gross = 1.0
            for j in range(i + 1, i + 6):
                gross *= 1 + r.iloc[j]
            values.setdefault(("5d", window), []).append(100 * (gross - 1))
    for key, xs in values.items():
        row = res.table.loc[key]
        mean = sum(xs) / len(xs)
        assert row["n"] == len(xs)
        assert row["mean_pct"] == pytest.approx(mean, rel=1e-9)
        assert row["hit_rate"] == pytest.approx(sum(x > 0 for x in xs) / len(xs))
        var = sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)
        periods = 252 if key[0] == "1d" else 252 / 5
        assert row["vol_pct"] == pytest.approx((var * periods) ** 0.5, rel=1e-9)
    for h in ("1d", "5d"):
        diff = res.differences.loc[h, "diff_pct"]
        open_, black = values[(h, "open")], values[(h, "blackout")]
        assert diff == pytest.approx(sum(open_) / len(open_) - sum(black) / len(black), rel=1e-9)


def test_event_study_is_reproducible_with_a_seed(weekday_fit: BuybackResult) -> None:
    r = _fake_returns(2, weekday_fit.daily.index)
    a = blackout_event_study(r, weekday_fit, n_boot=200, seed=7).to_dict()
    b = blackout_event_study(r, weekday_fit, n_boot=200, seed=7).to_dict()
    c = blackout_event_study(r, weekday_fit, n_boot=200, seed=8).to_dict()
    assert a == b
    assert a["horizons"]["1d"]["difference"] != c["horizons"]["1d"]["difference"]


def test_event_study_bad_input(weekday_fit: BuybackResult) -> None:
    r = _fake_returns(3, weekday_fit.daily.index)
    with pytest.raises(DataError, match="sorted"):
        blackout_event_study(r.iloc[::-1], weekday_fit)
    with pytest.raises(DataError, match="Series"):
        blackout_event_study(r.to_numpy(), weekday_fit)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="no sessions shared"):
        blackout_event_study(r, weekday_fit, start="2030-01-01")


def test_event_study_on_sp500_since_2000() -> None:
    sp = load("SP500")
    returns = sp.pct_change().dropna()
    result = Buybacks().fit(nyse_sessions("2000-01-01", sp.index[-1]))
    study = blackout_event_study(returns, result, start="2000-01-01")
    common = returns.loc["2000-01-01":].index.intersection(result.daily.index)
    t = study.table
    assert t.loc[("1d", "open"), "n"] + t.loc[("1d", "blackout"), "n"] == len(common)
    # the last five sessions have no 5-day forward return
    assert t.loc[("5d", "open"), "n"] + t.loc[("5d", "blackout"), "n"] == len(common) - 5
    d = study.differences
    assert (d["ci_low"] < d["ci_high"]).all()
    assert (t["hit_rate"].between(0, 1)).all() and (t["vol_pct"] > 5).all()
    text = study.summary()
    for verdict in d["verdict"]:
        assert verdict in text
    out = study.to_dict()
    assert set(out["horizons"]) == {"1d", "5d"}
    assert out["horizons"]["1d"]["open"]["n"] == int(t.loc[("1d", "open"), "n"])


def test_model_dates_count_sessions_after_the_quarter_end() -> None:
    # Five companies reporting in week 2 only: quantiles 0.1..0.9 of a uniform
    # distribution over offsets 6..10 give one company on each. 31 Mar 2025 is a
    # Monday session; sessions after it: Apr 1 (1), 2, 3, 4, 7 (5), 8 (6) ... 14 (10).
    earnings = EarningsModel(other_weeks=(0.0, 1.0), n_companies=5, n_top=0)
    model = Buybacks(earnings=earnings, blackout_lead_sessions=0, blackout_end_lag_sessions=0)
    share = model.fit(nyse_sessions("2025-03-03", "2025-05-30")).to_frame()["blackout_share"]
    expected = pd.Series(
        [0.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.0],
        index=pd.DatetimeIndex(
            [
                "2025-04-07",
                "2025-04-08",
                "2025-04-09",
                "2025-04-10",
                "2025-04-11",
                "2025-04-14",
                "2025-04-15",
            ],
            name="date",
        ).astype("datetime64[ns]"),
        name="blackout_share",
    )
    pd.testing.assert_series_equal(share.loc[expected.index], expected)
    assert share.drop(expected.index).eq(0.0).all()


def test_event_study_counts_on_the_toy_calendar(toy: BuybackResult) -> None:
    # 7 windows: 7 + 6 * 5 = 37 blackout sessions (share exactly 0.5 counts as
    # blackout), 262 - 37 = 225 open; 2024 has 262 weekdays.
    r = _fake_returns(4, toy.daily.index)
    study = blackout_event_study(r, toy, start="2024-01-01", block=5, n_boot=50)
    assert study.table.loc[("1d", "blackout"), "n"] == 37
    assert study.table.loc[("1d", "open"), "n"] == 225
