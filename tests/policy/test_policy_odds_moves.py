"""What moved the odds: day classes on a hand-built calendar, release rules, bootstrap CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import ConfigError
from flowdesk.policy.attribution import (
    gdp_release_dates,
    minutes_release_date,
    payrolls_release_date,
    pce_release_dates,
)
from flowdesk.policy.fedwatch import MeetingProbabilities
from flowdesk.policy.odds_moves import ODDS_CLASSES, attribute_odds, classify_odds_days, odds_events

DECISION = pd.Timestamp("2025-03-19")  # a scheduled (Wednesday) decision


def test_minutes_three_weeks_after_a_wednesday_decision() -> None:
    # Minutes of the 2025-03-18/19 meeting were published on Wednesday 2025-04-09.
    assert minutes_release_date(DECISION) == pd.Timestamp("2025-04-09")
    assert minutes_release_date("2025-01-29").day_name() == "Wednesday"


# BEA's 2025 release schedule (Personal Income and Outlays; GDP estimates).
PCE_2025 = ["2025-01-31", "2025-02-28", "2025-03-28", "2025-04-30", "2025-05-30",
            "2025-06-27", "2025-07-31", "2025-08-29", "2025-09-26"]
GDP_2025 = ["2025-01-30", "2025-02-27", "2025-03-27", "2025-04-30", "2025-05-29",
            "2025-06-26", "2025-07-30", "2025-08-28", "2025-09-25"]


@pytest.mark.parametrize("day", PCE_2025)
def test_pce_rule_covers_published_dates(day: str) -> None:
    d = pd.Timestamp(day)
    reference = (d.to_period("M") - 1)
    assert d in pce_release_dates(reference.year, reference.month)


@pytest.mark.parametrize("day", GDP_2025)
def test_gdp_rule_covers_published_dates(day: str) -> None:
    d = pd.Timestamp(day)
    days = gdp_release_dates(d.year, d.month)
    if day == "2025-04-30":
        # Known miss (module docstring): an advance estimate on the month's last
        # day, six days after the last Thursday; the PCE window holds it.
        assert d not in days and d in pce_release_dates(2025, 3)
    else:
        assert d in days


def test_classes_on_a_hand_built_calendar() -> None:
    days = pd.bdate_range("2025-03-03", "2025-04-11")
    speeches = pd.to_datetime(["2025-03-04",   # Tuesday, nothing else: speech
                               "2025-03-07",   # payrolls day: data wins
                               "2025-03-08",   # Saturday: counts on Monday 03-10
                               "2025-04-02"])  # outside coverage: not in this calendar
    events = odds_events(days[0], days[-1], [DECISION], [DECISION], speech_days=speeches[:3])
    covered = pd.Series((days >= "2025-03-01") & (days <= "2025-03-31"), index=days)
    out = classify_odds_days(days, events, covered)
    assert payrolls_release_date(2025, 2) == pd.Timestamp("2025-03-07")
    expected = {
        "2025-03-04": ("speech", ("speech",)),
        "2025-03-05": ("none", ()),
        "2025-03-07": ("data", ("payrolls", "speech")),
        "2025-03-10": ("speech", ("speech",)),
        "2025-03-12": ("data", ("cpi",)),     # CPI for February: Wednesday 03-12
        "2025-03-19": ("meeting", ("fomc",)),
        "2025-03-27": ("data", ("gdp",)),     # last Thursday of March
        "2025-03-28": ("data", ("gdp", "pce")),
        "2025-04-01": ("unknown", ()),        # outside coverage, no event: unknown, not none
        "2025-04-07": ("unknown", ()),
        # Minutes, outside coverage, inside the CPI window (March CPI rule date 04-09):
        # a meeting event outranks data.
        "2025-04-09": ("meeting", ("cpi", "minutes")),
    }
    for day, (cls, kinds) in expected.items():
        assert (out.loc[day, "class"], out.loc[day, "kinds"]) == (cls, kinds), day


def _probability(n: int, seed: int) -> tuple[pd.Series, pd.Series]:
    # Independent daily moves: 3 pp on odd days, 1 pp on even days; classes alternate
    # data / none, so data days carry 9 / (9 + 1) = 90% of the squared moves.
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2020-01-01", periods=n + 1)
    size = np.where(np.arange(n) % 2 == 1, 3.0, 1.0)
    dp = size * rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 1.5, n)
    p = pd.Series(np.r_[0.5, 0.5 + np.cumsum(dp) / 100], index=days)
    return p, pd.Series(np.arange(n) % 2 == 1, index=days[1:])


def _attribute(n: int) -> pd.DataFrame:
    p, odd = _probability(n, seed=3)
    # Odd days get a payrolls "release"; every day is covered.
    events = pd.DataFrame({"date": odd.index[odd.to_numpy()], "kind": "payrolls"})
    covered = pd.Series(True, index=p.index)
    result = attribute_odds(p, events, covered, start=p.index[1], end=p.index[-1], series="test",
                            source="curve_proxy", coverage="all", n_boot=400, block=5)
    assert result.shares is not None
    return result.shares


def test_shares_against_a_direct_sum_and_intervals() -> None:
    p, odd = _probability(200, seed=3)
    dp = 100 * p.diff().dropna()
    direct = (dp[odd.to_numpy()] ** 2).sum() / (dp ** 2).sum()
    small, large = _attribute(200), _attribute(2000)
    assert list(small.index) == list(ODDS_CLASSES)
    assert small.loc["data", "var_share"] == pytest.approx(direct)
    assert small.loc["data", "abs_share"] == pytest.approx(
        dp[odd.to_numpy()].abs().sum() / dp.abs().sum())
    for shares in (small, large):
        row = shares.loc["data"]
        assert row["ci_low"] <= row["var_share"] <= row["ci_high"]
    width = {k: t.loc["data", "ci_high"] - t.loc["data", "ci_low"]
             for k, t in (("small", small), ("large", large))}
    # Ten times the data: the interval narrows (by about sqrt(10) in theory).
    assert width["large"] < 0.6 * width["small"]
    assert small.loc["speech", "n_days"] == 0 and small.loc["unknown", "n_days"] == 0


def test_largest_moves_name_speakers_and_events() -> None:
    days = pd.bdate_range("2025-03-03", "2025-03-14")
    p = pd.Series(0.5, index=days)
    p.loc["2025-03-04":] += 0.20   # +20 pp on the speech day
    p.loc["2025-03-07":] -= 0.05   # -5 pp on payrolls
    p.loc["2025-03-11":] += 0.01
    speeches = pd.DataFrame({"date": pd.to_datetime(["2025-03-04", "2025-03-04"]),
                             "speaker": ["Governor A", ""], "title": ["Outlook", "Panel"]})
    events = odds_events(days[0], days[-1], [], [], speech_days=speeches["date"])
    covered = pd.Series(True, index=days)
    r = attribute_odds(p, events, covered, start=days[1], end=days[-1], series="test",
                       source="curve_proxy", coverage="Board only", speeches=speeches,
                       n_boot=50, block=2)
    top = r.largest.iloc[0]
    assert r.largest.index[0] == pd.Timestamp("2025-03-04")
    assert top["change_pp"] == pytest.approx(20.0) and top["class"] == "speech"
    assert top["speeches"] == "Governor A: Outlook; (speaker unknown): Panel"
    assert r.largest.loc["2025-03-07", "kinds"] == ("payrolls",)
    assert r.monthly.loc[pd.Period("2025-03"), "swing_pp2"] == pytest.approx(400 + 25 + 1)
    d = r.to_dict()
    assert d["classes"]["speech"]["var_share"] == pytest.approx(400 / 426, abs=1e-4)
    assert d["coverage"] == "Board only" and d["largest_moves"][0]["kinds"] == ["speech"]


def test_known_release_dates_replace_the_rule_in_their_month() -> None:
    # A user's calendar moves the December 2024 payrolls from the rule's 12-06 to 12-13;
    # November keeps its rule date.
    releases = pd.DataFrame({"date": ["2024-12-13"], "kind": ["payrolls"]})
    events = odds_events("2024-11-01", "2024-12-31", [], [], releases=releases)
    payrolls = set(events.loc[events["kind"] == "payrolls", "date"])
    assert payrolls == {pd.Timestamp("2024-11-01"), pd.Timestamp("2024-12-13")}
    with pytest.raises(ConfigError, match="unknown kind"):
        odds_events("2025-11-01", "2025-12-31", [], [],
                    releases=pd.DataFrame({"date": ["2025-12-16"], "kind": ["fomc"]}))


def test_shutdown_reschedules_replace_the_rules() -> None:
    # Published after the 2025 lapse: BLS moved November payrolls to 12-16 and
    # November CPI to 12-18 and cancelled October CPI; BEA put September PCE on
    # 12-05 and the first Q3 GDP estimate on 12-23, with no GDP or PCE release in
    # October or November.
    events = odds_events("2025-10-01", "2025-12-31", [], [])
    by_kind = {k: sorted(f"{d:%Y-%m-%d}" for d in g["date"]) for k, g in events.groupby("kind")}
    assert by_kind["payrolls"] == ["2025-11-20", "2025-12-16"]
    assert by_kind["cpi"] == ["2025-10-24", "2025-12-18"]
    assert by_kind["pce"] == ["2025-12-05"]
    assert by_kind["gdp"] == ["2025-12-23"]


def test_decision_day_change_is_the_same_meetings_not_the_roll() -> None:
    from flowdesk.policy.odds_history import cut_odds_history

    m1, m2 = pd.Timestamp("2025-10-29"), pd.Timestamp("2025-12-10")
    target = (4.0, 4.25)

    def meeting(date: pd.Timestamp, p_cut: float) -> MeetingProbabilities:
        steps = {-1: p_cut, 0: 1 - p_cut}
        return MeetingProbabilities(date, "test", 4.1, 4.1 - .25 * p_cut, steps, steps, *target)

    views = {  # 10-28: cut at M1 90%, at M2 40%; 10-29 (M1 decided): M2 now 50%.
        pd.Timestamp("2025-10-27"): (meeting(m1, 0.85), meeting(m2, 0.40)),
        pd.Timestamp("2025-10-28"): (meeting(m1, 0.90), meeting(m2, 0.40)),
        pd.Timestamp("2025-10-29"): (meeting(m2, 0.50),),
        pd.Timestamp("2025-10-30"): (meeting(m2, 0.30),),
    }
    odds = cut_odds_history(lambda d: views[d], pd.DatetimeIndex(list(views)),
                            pd.DatetimeIndex([m1, m2]))
    assert odds["p_cut_prev_same"].tolist()[1:] == pytest.approx([0.85, 0.40, 0.50])
    days = pd.DatetimeIndex(list(views))
    events = odds_events(days[0], days[-1], [m1], [m1])
    r = attribute_odds(odds["p_cut_next"], events, pd.Series(True, index=days),
                       start=days[1], end=days[-1], series="test", source="futures",
                       coverage="all", previous=odds["p_cut_prev_same"], n_boot=20, block=1)
    # +5 pp, then M2 40% -> 50% = +10 pp on the decision day (not 90% -> 50% = -40),
    # then -20 pp.
    assert r.largest["change_pp"].sort_index().tolist() == pytest.approx([5.0, 10.0, -20.0])
