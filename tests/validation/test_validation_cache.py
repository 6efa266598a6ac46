"""The default model's figures are cached per date; code, data or settings changes recompute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from flowdesk.config import get_settings
from flowdesk.validation import cache

DATES = [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]


class Counter:
    def __init__(self) -> None:
        self.calls: list[pd.Timestamp] = []

    def __call__(self, date: pd.Timestamp) -> dict[str, Any]:
        self.calls.append(date)
        return {"session": f"{date:%Y-%m-%d}", "spot": float(len(self.calls)),
                "values": {"pivot_short": 1.5}}


@pytest.fixture(autouse=True)
def fresh_memory() -> None:
    cache.clear()


def test_each_date_is_computed_once_in_memory_and_on_disk(isolated_env: Path) -> None:
    settings = get_settings()
    compute = Counter()
    first = cache.cached_values(DATES, settings, compute)
    assert compute.calls == DATES
    assert first[DATES[0]] == {"session": "2024-01-02", "spot": 1.0,
                               "values": {"pivot_short": 1.5}}
    assert cache.cached_values(DATES, settings, compute) == first and len(compute.calls) == 2
    files = list((isolated_env / "validation").glob("*.json"))
    assert [f.stem for f in files] == [cache.fingerprint(settings)]
    stored = json.loads(files[0].read_text(encoding="utf-8"))
    assert set(stored["dates"]) == {"2024-01-02", "2024-01-03"}
    cache.clear()  # a new process: the file answers
    assert cache.cached_values(DATES, settings, compute) == first and len(compute.calls) == 2
    # A new date is computed alone and added to the file.
    later = pd.Timestamp("2024-01-04")
    cache.cached_values([*DATES, later], settings, compute)
    assert compute.calls[-1] == later and len(compute.calls) == 3


def test_settings_data_and_code_changes_invalidate(
    isolated_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowdesk.data import import_series

    settings = get_settings()
    compute = Counter()
    cache.cached_values(DATES[:1], settings, compute)
    # Another AUM assumption: other figures.
    other = get_settings(cta_aum_base_bn=400.0)
    assert cache.fingerprint(other) != cache.fingerprint(settings)
    cache.cached_values(DATES[:1], other, compute)
    assert len(compute.calls) == 2
    # Settings that cannot change a figure do not invalidate.
    assert cache.fingerprint(get_settings(http_timeout=5.0, offline=True)) == \
        cache.fingerprint(settings)
    # New data in the cache: recomputed.
    before = cache.fingerprint(settings)
    csv = tmp_path / "vix.csv"
    csv.write_text("date,value\n2030-01-02,15.0\n", encoding="utf-8")
    import_series("VIX", csv, replace=True, settings=settings)
    assert cache.fingerprint(settings) != before
    cache.cached_values(DATES[:1], settings, compute)
    assert len(compute.calls) == 3
    # Edited code: recomputed.
    now = cache.fingerprint(settings)
    monkeypatch.setattr(cache, "_code_digest", lambda: "edited")
    assert cache.fingerprint(settings) != now


def test_two_empty_caches_share_their_entries(tmp_path: Path) -> None:
    one = get_settings(cache_dir=tmp_path / "one")
    two = get_settings(cache_dir=tmp_path / "two")
    assert cache.fingerprint(one) == cache.fingerprint(two)  # both: the snapshot alone


def test_a_corrupt_or_foreign_file_is_ignored_and_rewritten(isolated_env: Path) -> None:
    settings = get_settings()
    path = isolated_env / "validation" / f"{cache.fingerprint(settings)}.json"
    path.parent.mkdir(parents=True)
    compute = Counter()
    for content in ("{not json", json.dumps({"format": 1, "key": "other", "dates": {
            "2024-01-02": {"spot": 99}}})):
        path.write_text(content, encoding="utf-8")
        cache.clear()
        assert cache.cached_values(DATES[:1], settings, compute)[DATES[0]]["spot"] != 99
    assert len(compute.calls) == 2
    assert json.loads(path.read_text(encoding="utf-8"))["key"] == cache.fingerprint(settings)


def test_an_unwritable_cache_directory_only_costs_the_recomputation(
    isolated_env: Path,
) -> None:
    isolated_env.mkdir(parents=True, exist_ok=True)
    (isolated_env / "validation").write_text("a file where the directory should be")
    compute = Counter()
    out = cache.cached_values(DATES[:1], get_settings(), compute)
    assert out[DATES[0]]["values"] == {"pivot_short": 1.5}


def test_a_failing_date_keeps_the_dates_computed_before_it(isolated_env: Path) -> None:
    settings = get_settings()
    calls = []

    def compute(date: pd.Timestamp) -> dict[str, Any]:
        calls.append(date)
        if date == DATES[1]:
            raise RuntimeError("boom")
        return {"values": {}}

    with pytest.raises(RuntimeError):
        cache.cached_values(DATES, settings, compute)
    cache.clear()
    with pytest.raises(RuntimeError):
        cache.cached_values(DATES, settings, compute)
    assert calls == [DATES[0], DATES[1], DATES[1]]


def test_old_files_are_pruned(isolated_env: Path) -> None:
    folder = isolated_env / "validation"
    folder.mkdir(parents=True)
    for i in range(12):
        (folder / f"old{i:02d}.json").write_text("{}", encoding="utf-8")
    cache.cached_values(DATES[:1], get_settings(), Counter())
    assert len(list(folder.glob("*.json"))) == 8
