"""The scores, by hand: percent errors, flat flows, sign agreement, ratios, rank correlation."""

from __future__ import annotations

import math

import pytest

from flowdesk.validation.cases import FIELDS
from flowdesk.validation.metrics import FLAT_TOLERANCE_BN, compare, lookup, spearman


def test_lookup_reads_nested_numbers_and_nothing_else() -> None:
    payload = {"a": {"b": {"c": 2, "n": None, "nan": math.nan, "s": "x", "t": True}}}
    assert lookup(payload, ("a", "b", "c")) == 2.0
    for missing in (("a", "b", "n"), ("a", "b", "nan"), ("a", "b", "s"), ("a", "b", "t"),
                    ("a", "x"), ("a", "b", "c", "deeper"), ("z",)):
        assert lookup(payload, missing) is None, missing
    assert lookup([], ("a",)) is None


def test_pivot_error_is_percent_of_the_published_level() -> None:
    spec = FIELDS["pivot_short"]
    # (5,130 - 5,400) / 5,400 = -5%.
    assert compare(spec, 5130.0, 5400.0).error == pytest.approx(-5.0)
    assert compare(spec, None, 5400.0).status == "no estimate"


def test_flows_sign_ratio_and_the_flat_tolerance() -> None:
    spec = FIELDS["flow_1w_up_spx"]
    assert FLAT_TOLERANCE_BN == 0.25
    agree = compare(spec, -6.0, -2.0)
    assert (agree.status, agree.agree, agree.ratio) == ("ok", True, 3.0)  # |-6| / |-2|
    differ = compare(spec, 1.0, -4.0)
    assert (differ.agree, differ.ratio) == (False, 0.25)
    zero = compare(spec, 0.0, 8.0)  # a model value of exactly zero never agrees
    assert (zero.agree, zero.ratio) == (False, 0.0)
    # |published| < 0.25 bn: flat, no sign and no ratio, whatever the model says.
    for published in (0.1, -0.073, 0.0, 0.2499):
        flat = compare(spec, 5.0, published)
        assert (flat.status, flat.agree, flat.ratio) == ("flat", None, None), published
    assert compare(spec, None, 0.1).status == "flat"
    # 0.25 itself is not flat (the tolerance is strict).
    assert compare(spec, 1.0, -0.25).status == "ok"
    assert compare(spec, 1.0, 0.1, tolerance=0.05).status == "ok"


def test_position_percentile_and_blackout_errors() -> None:
    assert compare(FIELDS["cta_global_equity_position_bn"], 60.0, 50.0).error == 10.0
    assert compare(FIELDS["cta_position_percentile"], 70.0, 80.0).error == -10.0
    # 100 * (0.45 - 0.5) = -5 percentage points.
    assert compare(FIELDS["buyback_blackout_share"], 0.45, 0.5).error == pytest.approx(-5.0)


def test_spearman_by_hand_and_against_scipy() -> None:
    # ranks of x: 3 2 1 4, of y: 2 4 1 3; d = 1 -2 0 1, sum d^2 = 6;
    # rho = 1 - 6 * 6 / (4 * (16 - 1)) = 0.4.
    x, y = [60, 40, -10, 80], [50, 100, -30, 70]
    assert spearman(x, y) == pytest.approx(0.4)
    stats = pytest.importorskip("scipy.stats")
    ties = ([1, 2, 2, 3, 5], [2, 1, 4, 4, 9])
    assert spearman(*ties) == pytest.approx(stats.spearmanr(*ties).statistic)
    assert spearman([1, 2], [2, 1]) is None  # fewer than three pairs
    assert spearman([1, 1, 1], [1, 2, 3]) is None  # constant side
    with pytest.raises(ValueError):
        spearman([1, 2, 3], [1, 2])


def test_numbers_that_round_to_zero_have_no_minus_sign() -> None:
    from flowdesk.validation.metrics import format_number

    assert format_number(-0.001, "+.2f", "%") == "+0.00%"
    assert format_number(-0.006, "+.2f") == "-0.01"
    assert format_number(None, "+.2f") == "n/a"
