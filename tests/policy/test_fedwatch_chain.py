"""The meeting-rate chain (issue 17): a hand-worked noisy curve and an independent CME check.

The CME method: a month without a meeting holds one rate, so its average anchors
the rate entering the next meeting month; a meeting month whose previous month
also has a meeting starts from the rate that meeting left (the chain); the end
rate is solved forward from the meeting month's own average; each implied
change is split between the two nearest 25 bp steps and the steps are convolved
meeting after meeting into the cumulative tree over target ranges.
"""

from __future__ import annotations

import calendar
import random

import pandas as pd
import pytest

from flowdesk.policy.fedwatch import fedwatch

TARGET = (4.25, 4.50)


# ------------------------------------------------------------ worked by hand
# Five meetings, May-December 2026, prices carrying 0.5-3 bp of settlement noise
# (the path they were drawn around: hold, cut, hold, cut, hold). June-July and
# September-October are consecutive meeting months; July 29 and October 28 are late.
HAND_PRICES = {
    "2026-05": 95.6700,  # 4.3300 %  no meeting: anchors June
    "2026-06": 95.6850,  # 4.3150 %  meeting 17th
    "2026-07": 95.7350,  # 4.2650 %  meeting 29th
    "2026-08": 95.9200,  # 4.0800 %  no meeting: anchors September
    "2026-09": 95.9050,  # 4.0950 %  meeting 16th
    "2026-10": 96.0000,  # 4.0000 %  meeting 28th
    "2026-11": 96.1050,  # 3.8950 %  no meeting: anchors December
    "2026-12": 96.1700,  # 3.8300 %  meeting 9th
}
HAND_MEETINGS = ["2026-06-17", "2026-07-29", "2026-09-16", "2026-10-28", "2026-12-09"]


def test_five_noisy_meetings_worked_by_hand() -> None:
    # Each meeting month: N days, meeting on day d counts as post-meeting, so
    # d-1 days before and N-d+1 days after;  end = (N*avg - (d-1)*start) / (N-d+1).
    #
    # June (N=30, d=17: 16 before, 14 after). May has no meeting -> start = 4.3300.
    #   end = (30*4.3150 - 16*4.3300)/14 = (129.4500 - 69.2800)/14 = 60.1700/14 = 4.297857
    #   change = 4.297857 - 4.3300 = -0.032143 = -3.2143 bp = -0.128571 steps
    #   -> P(-1 step) = 0.128571, P(0) = 0.871429
    # July (N=31, d=29: 28 before, 3 after). June has a meeting -> start = June's end 4.297857.
    #   end = (31*4.2650 - 28*4.297857)/3 = (132.2150 - 120.340000)/3 = 11.875000/3 = 3.958333
    #   change = 3.958333 - 4.297857 = -0.339524 = -33.9524 bp = -1.358095 steps
    #   -> P(-2) = 0.358095, P(-1) = 0.641905
    # September (N=30, d=16: 15 before, 15 after). August has no meeting -> start = 4.0800.
    #   end = (30*4.0950 - 15*4.0800)/15 = (122.8500 - 61.2000)/15 = 61.6500/15 = 4.110000
    #   change = +0.030000 = +3.0 bp = +0.12 steps -> P(0) = 0.88, P(+1) = 0.12
    # October (N=31, d=28: 27 before, 4 after). September has a meeting -> start = 4.110000.
    #   end = (31*4.0000 - 27*4.1100)/4 = (124.0000 - 110.9700)/4 = 13.0300/4 = 3.257500
    #   change = 3.257500 - 4.110000 = -0.852500 = -85.25 bp = -3.41 steps
    #   -> P(-4) = 0.41, P(-3) = 0.59
    # December (N=31, d=9: 8 before, 23 after). November has no meeting -> start = 3.8950.
    #   end = (31*3.8300 - 8*3.8950)/23 = (118.7300 - 31.1600)/23 = 87.5700/23 = 3.807391
    #   change = 3.807391 - 3.8950 = -0.087609 = -8.7609 bp = -0.350435 steps
    #   -> P(-1) = 0.350435, P(0) = 0.649565
    result = fedwatch(HAND_PRICES, HAND_MEETINGS, TARGET, "2026-05-10")
    got = result.meetings
    assert [m.method for m in got] == ["previous-month", "chained", "previous-month",
                                       "chained", "previous-month"]
    starts = [4.33, 4.297857, 4.08, 4.11, 3.895]
    ends = [4.297857, 3.958333, 4.11, 3.2575, 3.807391]
    for m, start, end in zip(got, starts, ends, strict=True):
        assert m.pre_rate == pytest.approx(start, abs=1e-6)
        assert m.post_rate == pytest.approx(end, abs=1e-6)
    # The chain: July starts exactly where June ended, October where September ended.
    assert got[1].pre_rate == got[0].post_rate
    assert got[3].pre_rate == got[2].post_rate
    steps = [{-1: 0.128571, 0: 0.871429}, {-2: 0.358095, -1: 0.641905},
             {0: 0.88, 1: 0.12}, {-4: 0.41, -3: 0.59}, {-1: 0.350435, 0: 0.649565}]
    for m, want in zip(got, steps, strict=True):
        assert dict(m.steps) == pytest.approx(want, abs=1e-6)
    # Cumulative tree, steps away from 4.25-4.50 (products of the step splits above):
    # after June:  -1: 0.128571, 0: 0.871429
    # after July:  -3: 0.128571*0.358095 = 0.046041
    #              -2: 0.128571*0.641905 + 0.871429*0.358095 = 0.082531 + 0.312055 = 0.394586
    #              -1: 0.871429*0.641905 = 0.559374
    # after Sept (x 0.88 at 0, 0.12 at +1):
    #              -3: 0.046041*0.88 = 0.040516
    #              -2: 0.394586*0.88 + 0.046041*0.12 = 0.347236 + 0.005525 = 0.352761
    #              -1: 0.559374*0.88 + 0.394586*0.12 = 0.492249 + 0.047350 = 0.539599
    #               0: 0.559374*0.12 = 0.067125
    # after Oct (x 0.59 at -3, 0.41 at -4):
    #              -7: 0.040516*0.41 = 0.016612
    #              -6: 0.040516*0.59 + 0.352761*0.41 = 0.023904 + 0.144632 = 0.168536
    #              -5: 0.352761*0.59 + 0.539599*0.41 = 0.208129 + 0.221236 = 0.429365
    #              -4: 0.539599*0.59 + 0.067125*0.41 = 0.318363 + 0.027521 = 0.345885
    #              -3: 0.067125*0.59 = 0.039604
    # after Dec (x 0.649565 at 0, 0.350435 at -1):
    #              -8: 0.016612*0.350435 = 0.005821
    #              -7: 0.016612*0.649565 + 0.168536*0.350435 = 0.010791 + 0.059061 = 0.069852
    #              -6: 0.168536*0.649565 + 0.429365*0.350435 = 0.109475 + 0.150465 = 0.259940
    #              -5: 0.429365*0.649565 + 0.345885*0.350435 = 0.278901 + 0.121210 = 0.400111
    #              -4: 0.345885*0.649565 + 0.039604*0.350435 = 0.224675 + 0.013879 = 0.238554
    #              -3: 0.039604*0.649565 = 0.025725
    assert got[1].distribution == pytest.approx(
        {"3.50-3.75": 0.046041, "3.75-4.00": 0.394586, "4.00-4.25": 0.559374}, abs=2e-6)
    assert got[2].distribution == pytest.approx(
        {"3.50-3.75": 0.040516, "3.75-4.00": 0.352761, "4.00-4.25": 0.539599,
         "4.25-4.50": 0.067125}, abs=2e-6)
    assert got[4].distribution == pytest.approx(
        {"2.25-2.50": 0.005821, "2.50-2.75": 0.069852, "2.75-3.00": 0.259940,
         "3.00-3.25": 0.400111, "3.25-3.50": 0.238554, "3.50-3.75": 0.025725}, abs=2e-6)
    assert got[4].p_at == pytest.approx(0.0, abs=1e-12)
    assert got[4].p_below == pytest.approx(1.0, abs=1e-12)


# ------------------------------------------------------------ independent reference
def reference_cme(prices, meetings, target_low, start_rate):
    """The CME method, slowly and plainly: list of {range low in bp: probability}.

    Written without anything from fedwatch.py: months are (year, month) tuples,
    rates are 100 - price, target ranges are keyed by their lower bound in bp.
    """
    rate = {}
    for key, price in prices.items():
        year, month = int(key[:4]), int(key[5:])
        rate[(year, month)] = 100.0 - price
    meeting_day = {}
    for text in meetings:
        year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
        meeting_day[(year, month)] = day

    def month_before(ym):
        return (ym[0] - 1, 12) if ym[1] == 1 else (ym[0], ym[1] - 1)

    def month_after(ym):
        return (ym[0] + 1, 1) if ym[1] == 12 else (ym[0], ym[1] + 1)

    def no_meeting_on_curve(ym):
        return ym in rate and ym not in meeting_day

    tree = {round(target_low * 100): 1.0}
    end_rate = {}
    out = []
    first = True
    for ym in sorted(meeting_day):
        if ym not in rate:
            continue
        days = calendar.monthrange(ym[0], ym[1])[1]
        d = meeting_day[ym]
        before = d - 1
        after = days - d + 1
        avg = rate[ym]
        prev = month_before(ym)
        nxt = month_after(ym)
        if no_meeting_on_curve(prev):
            start = rate[prev]
            end = (days * avg - before * start) / after
        elif prev in end_rate:
            start = end_rate[prev]
            end = (days * avg - before * start) / after
        elif first and no_meeting_on_curve(nxt) and before > 0:
            end = rate[nxt]
            start = (days * avg - after * end) / before
        else:
            start = start_rate
            end = (days * avg - before * start) / after
        first = False
        end_rate[ym] = end
        change_bp = (end - start) * 100.0
        x = change_bp / 25.0
        lower = int(x // 1)
        p_upper = x - lower
        split = {lower * 25: 1.0 - p_upper, (lower + 1) * 25: p_upper}
        new_tree = {}
        for level, p in tree.items():
            for move, q in split.items():
                new_tree[level + move] = new_tree.get(level + move, 0.0) + p * q
        tree = new_tree
        out.append(dict(tree))
    return out


def random_noisy_curve(rng: random.Random):
    """A curve around a random policy path with 0.5-3 bp noise on every price.

    5-8 meetings; at least one pair of consecutive meeting months and one
    meeting in the last three days of its month; sometimes the curve starts
    in a meeting month (the first meeting then needs the spot rate or the
    following month).
    """
    n_meetings = rng.randint(5, 8)
    flags = [rng.random() < 0.3]
    while sum(flags) < n_meetings:
        flags.append(rng.random() < 0.7)
    if n_meetings < 8:
        flags.append(rng.random() < 0.5)  # the curve sometimes ends in a meeting month
    if not any(flags[i] and flags[i + 1] for i in range(len(flags) - 1)):
        # Force a consecutive pair after the first meeting; drop the last meeting
        # to keep the count (n_meetings >= 5, so the pair survives).
        first = flags.index(True)
        flags.insert(first + 1, True)
        flags[len(flags) - 1 - flags[::-1].index(True)] = False
    start = pd.Period(year=rng.randint(2001, 2030), month=rng.randint(1, 12), freq="M")
    months = [start + i for i in range(len(flags))]
    meeting_idx = [i for i, f in enumerate(flags) if f]
    late = rng.choice(meeting_idx)
    days = {}
    for i in meeting_idx:
        n = months[i].days_in_month
        days[i] = rng.randint(n - 2, n) if i == late else rng.randint(2, n)
    low = 0.25 * rng.randint(8, 20)
    level = low + 0.125 + rng.uniform(-0.05, 0.05)
    spot = level
    prices = {}
    for i, month in enumerate(months):
        n = month.days_in_month
        if i in days:
            move = 0.25 * rng.choice([-2, -1, -1, 0, 0, 0, 1]) * rng.random()
            d = days[i]
            avg = ((d - 1) * level + (n - d + 1) * (level + move)) / n
            level += move
        else:
            avg = level
        noise = rng.uniform(0.005, 0.03) * rng.choice([-1, 1])
        prices[str(month)] = round(100 - avg - noise, 4)
    meetings = [f"{months[i].year:04d}-{months[i].month:02d}-{days[i]:02d}" for i in meeting_idx]
    return prices, meetings, (low, low + 0.25), spot


def test_fedwatch_matches_an_independent_cme_implementation_on_noisy_curves() -> None:
    rng = random.Random(17)
    worst = 0.0
    for _ in range(300):
        prices, meetings, target, spot = random_noisy_curve(rng)
        asof = pd.Period(min(prices), freq="M").start_time - pd.Timedelta(days=1)
        result = fedwatch(prices, meetings, target, asof, start_rate=spot)
        want = reference_cme(prices, meetings, target[0], spot)
        assert len(result.meetings) == len(want) == len(meetings)
        for m, tree in zip(result.meetings, want, strict=True):
            got = {round(100 * (target[0] + 0.25 * k)): p for k, p in m.cumulative.items()}
            for level in set(got) | set(tree):
                diff = abs(got.get(level, 0.0) - tree.get(level, 0.0))
                worst = max(worst, diff)
                assert diff < 1e-3, (prices, meetings, m.date, level)
    assert worst < 1e-9
