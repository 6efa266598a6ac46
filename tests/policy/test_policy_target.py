"""Target range: override, the FOMC_TARGETS table, and inference from DFF with its caveats."""

from __future__ import annotations

import pandas as pd
import pytest

from flowdesk.errors import ConfigError
from flowdesk.policy.target import infer_range, target_range


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0.08, (0.0, 0.25)),  # 2021: EFFR 0.08 in 0-0.25
        (0.25, (0.0, 0.25)),  # days after the 2020-03-15 cut: EFFR 0.25 at the top of 0-0.25
        (0.26, (0.25, 0.5)),
        (4.33, (4.25, 4.5)),  # 2025: EFFR 4.33 in 4.25-4.50
        (5.33, (5.25, 5.5)),  # 2023-24: EFFR 5.33 in 5.25-5.50
        (2.40, (2.25, 2.5)),  # mid-2019: EFFR 2.40 near the top of 2.25-2.50
        (5.25, (5.0, 5.25)),  # exactly on a bound: the range ending there
        (0.0, (0.0, 0.25)),
    ],
)
def test_infer_range_hand_cases(rate: float, expected: tuple[float, float]) -> None:
    assert infer_range(rate) == pytest.approx(expected)


def test_override_wins_and_is_validated() -> None:
    got = target_range("2024-09-10", override=(1.0, 1.25))
    assert (got.low, got.high, got.source) == (1.0, 1.25, "override")
    with pytest.raises(ConfigError, match=r"--target-low/--target-high.*50\.0 bp"):
        target_range("2024-09-10", override=(1.0, 1.5))
    with pytest.raises(ConfigError, match="below high"):
        target_range("2024-09-10", override=(1.25, 1.0))


def test_table_gives_the_range_after_the_september_2024_cut() -> None:
    # Fed press release 2024-09-18: range lowered 50 bp to 4.75-5.00%.
    before = target_range("2024-09-17")
    after = target_range("2024-09-19")
    assert (before.low, before.high, before.source) == (5.25, 5.5, "FOMC_TARGETS")
    assert (after.low, after.high) == (4.75, 5.0)
    assert after.obs_date == pd.Timestamp("2024-09-18")
    assert after.label == "4.75-5.00"


def test_dff_inference_before_the_table() -> None:
    # 2015-09: the range was 0-0.25% from December 2008 to December 2015.
    zlb = target_range("2015-09-01")
    assert (zlb.low, zlb.high, zlb.source) == (0.0, 0.25, "DFF inference")
    # 2019-09-18 cut to 1.75-2.00%.
    assert (target_range("2019-10-01").low, target_range("2019-10-01").high) == (1.75, 2.0)
    # 2020-03-15 cut to 0-0.25% (EFFR printed 0.25 for days after).
    assert target_range("2020-03-20").label == "0.00-0.25"


def test_pre_2008_single_target_is_flagged() -> None:
    # August 2007: single target 5.25%; the band around the EFFR has it at a bound.
    got = target_range("2007-08-01")
    assert 5.25 in (got.low, got.high)
    assert "single target" in got.note


def test_decision_not_yet_in_dff_is_noted() -> None:
    # 2022-06-15: +75 bp to 1.50-1.75%; on 06-16 no DFF observation reflects it yet.
    got = target_range("2022-06-16")
    assert got.label == "0.75-1.00"
    assert "2022-06-15" in got.note and "yet" in got.note
    assert target_range("2022-06-20").label == "1.50-1.75"
