"""The parquet cache: atomic writes, merges, corruption handling, the lock."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowdesk.data.lock import cache_lock
from flowdesk.data.store import Store, check_series_id
from flowdesk.errors import DataError, FlowdeskWarning


def _series(dates: list[str], values: list[float], name: str = "X") -> pd.Series:
    index = pd.DatetimeIndex(dates, name="date").as_unit("ns")
    return pd.Series(values, index=index, name=name, dtype="float64")


def test_write_then_read_roundtrip_with_provenance(tmp_path: Path) -> None:
    store = Store(tmp_path)
    s = _series(["2024-01-02", "2024-01-03"], [1.5, 2.5])
    entry = store.write("X", s, source="fred", url="https://example/x")
    back = store.read("X")
    pd.testing.assert_series_equal(back, s, check_freq=False)
    assert (entry.rows, entry.first, entry.last, entry.source) == (
        2,
        "2024-01-02",
        "2024-01-03",
        "fred",
    )
    meta = json.loads((tmp_path / "series" / "X.json").read_text())
    assert meta["sha256"] == entry.sha256 and meta["url"] == "https://example/x"
    assert store.ids() == ["X"]


def test_merge_keeps_old_adds_new_and_takes_revisions(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("X", _series(["2024-01-01", "2024-01-02", "2024-01-03"], [1, 2, 3]), source="t")
    # The new fetch revises 01-03, adds 01-04 and no longer contains 01-01.
    out = store.merge(
        "X", _series(["2024-01-02", "2024-01-03", "2024-01-04"], [2, 30, 4]), source="t"
    )
    merged = store.read("X")
    assert list(merged) == [1, 2, 30, 4]
    assert (out.added, out.revised, out.kept) == (1, 1, 1)


def test_merge_into_empty_cache_starts_from_base(tmp_path: Path) -> None:
    store = Store(tmp_path)
    base = _series(["2024-01-01", "2024-01-02"], [1, 2])
    out = store.merge("X", _series(["2024-01-03"], [3]), source="t", base=base)
    assert list(store.read("X")) == [1, 2, 3]
    assert (out.added, out.kept) == (1, 2)


def test_previous_version_kept_and_used_when_current_is_corrupted(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = _series(["2024-01-01"], [1.0])
    store.write("X", first, source="t")
    store.write("X", _series(["2024-01-01", "2024-01-02"], [1.0, 2.0]), source="t")
    current = tmp_path / "series" / "X.parquet"
    blob = bytearray(current.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    current.write_bytes(bytes(blob))
    with pytest.warns(FlowdeskWarning) as record:
        back = store.read("X")
    messages = [str(w.message) for w in record]
    assert any("corrupted (checksum mismatch)" in m for m in messages)
    assert any("using the previous good cached copy of X" in m for m in messages)
    pd.testing.assert_series_equal(back, first, check_freq=False)
    quarantined = list((tmp_path / "quarantine").iterdir())
    assert any(p.name.startswith("X.parquet.") for p in quarantined)
    # The repaired cache now reads cleanly without warnings.
    pd.testing.assert_series_equal(store.read("X"), first, check_freq=False)


def test_truncated_file_with_no_previous_version_reads_as_absent(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("X", _series(["2024-01-01"], [1.0]), source="t")
    (tmp_path / "series" / "X.parquet").write_bytes(b"PAR1trunc")
    with pytest.warns(FlowdeskWarning, match="corrupted"):
        assert store.read("X") is None


def test_garbage_provenance_file_is_detected(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("X", _series(["2024-01-01"], [1.0]), source="t")
    (tmp_path / "series" / "X.json").write_text("{not json")
    with pytest.warns(FlowdeskWarning, match="provenance file is unreadable"):
        assert store.read("X") is None


def test_merge_over_corrupted_current_uses_previous_good_data(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write("X", _series(["2024-01-01"], [1.0]), source="t")
    store.write("X", _series(["2024-01-01", "2024-01-02"], [1.0, 2.0]), source="t")
    (tmp_path / "series" / "X.parquet").write_bytes(b"garbage")
    with pytest.warns(FlowdeskWarning):
        store.merge("X", _series(["2024-01-03"], [3.0]), source="t")
    assert list(store.read("X")) == [1.0, 3.0]


def test_failed_write_leaves_old_data_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path)
    good = _series(["2024-01-01"], [1.0])
    store.write("X", good, source="t")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        store.write("X", _series(["2024-01-02"], [2.0]), source="t")
    monkeypatch.undo()
    pd.testing.assert_series_equal(store.read("X"), good, check_freq=False)
    assert not [p for p in (tmp_path / "series").iterdir() if p.name.endswith(".tmp")]


def test_empty_series_is_not_cached(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty"):
        Store(tmp_path).write("X", _series([], []), source="t")


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "..", "", "x" * 65, "A B", "..\\x"])
def test_ids_that_could_escape_the_cache_are_refused(bad: str) -> None:
    with pytest.raises(DataError, match="invalid series id"):
        check_series_id(bad)


def _hold_lock(directory: str, ready: mp.Event, release: mp.Event) -> None:  # type: ignore[valid-type]
    with cache_lock(Path(directory)):
        ready.set()
        release.wait(10)


def test_lock_excludes_other_processes(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        started = time.monotonic()
        with (
            pytest.raises(DataError, match="another flowdesk process holds"),
            cache_lock(tmp_path, timeout=0.3),
        ):
            pass
        assert time.monotonic() - started >= 0.3
    finally:
        release.set()
        holder.join(10)
    with cache_lock(tmp_path, timeout=1):
        pass


def _merge_many(directory: str, offset: int) -> None:
    store = Store(directory)
    for i in range(15):
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=2 * i + offset)
        store.merge(
            "X",
            pd.Series([float(i)], index=pd.DatetimeIndex([day], name="date")),
            source=f"p{offset}",
        )


def test_concurrent_merges_from_two_processes_lose_nothing(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_merge_many, args=(str(tmp_path), k)) for k in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    merged = Store(tmp_path).read("X")
    assert len(merged) == 30
    assert np.all(np.diff(merged.index.asi8) > 0)
