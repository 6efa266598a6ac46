"""The in-process memo: reuse within one cache state, recompute after any write."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from flowdesk import memo
from flowdesk.config import get_settings
from flowdesk.data import import_series


def test_memo_reuses_until_the_cache_changes(tmp_path: Path) -> None:
    memo.clear()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    settings = get_settings()
    assert memo.memoized(("k", 1), settings, compute) == 1
    assert memo.memoized(("k", 1), settings, compute) == 1
    assert memo.memoized(("k", 2), settings, compute) == 2
    src = tmp_path / "x.csv"
    src.write_text("date,value\n2024-01-02,1\n", encoding="utf-8")
    import_series("MINE", src)
    # A write to the cache changes the fingerprint: the old value is not reused.
    assert memo.memoized(("k", 1), settings, compute) == 3
    assert len(calls) == 3


def test_drivers_estimate_is_memoized_per_asof() -> None:
    from flowdesk.drivers import Drivers

    memo.clear()
    first = Drivers().estimate("2019-12-31")
    again = Drivers().estimate(pd.Timestamp("2019-12-31"))
    other = Drivers().estimate("2018-12-31")
    assert again is first and other is not first
    assert other.asof <= pd.Timestamp("2018-12-31")
