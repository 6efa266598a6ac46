"""NYSE sessions: the on-disk copy is exchange_calendars' own list, and a bad copy is rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowdesk import calendars


@pytest.fixture(autouse=True)
def fresh_memory() -> Iterator[None]:
    calendars._xnys_sessions.cache_clear()
    yield
    calendars._xnys_sessions.cache_clear()


def _reference() -> pd.DatetimeIndex:
    import exchange_calendars as xcals

    cal = xcals.get_calendar("XNYS", start="1985-01-01")
    return pd.DatetimeIndex(cal.sessions).tz_localize(None)


def test_cached_sessions_equal_exchange_calendars(isolated_env: Path) -> None:
    built = calendars._xnys_sessions()
    files = list((isolated_env / "calendars").glob("xnys-*.npy"))
    assert len(files) == 1
    calendars._xnys_sessions.cache_clear()
    loaded = calendars._xnys_sessions()  # read back from the file this time
    reference = _reference()
    assert built.equals(reference) and loaded.equals(reference)
    # Known holidays stay out: Good Friday 2024, the 9/11 closure, Christmas 2025.
    for holiday in ("2024-03-29", "2001-09-11", "2025-12-25"):
        assert pd.Timestamp(holiday) not in loaded


def test_a_corrupt_cache_file_is_rebuilt(isolated_env: Path) -> None:
    path = calendars._session_cache_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a numpy file")
    assert calendars._xnys_sessions().equals(_reference())
    assert np.load(path).dtype == np.dtype("datetime64[D]")


def test_an_unwritable_cache_still_gives_sessions(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = isolated_env.parent / "blocker"
    blocker.write_text("a regular file where the cache directory should be", encoding="utf-8")
    monkeypatch.setenv("FLOWDESK_CACHE_DIR", str(blocker / "cache"))
    from flowdesk.config import clear_settings_cache

    clear_settings_cache()
    assert calendars.nyse_sessions("2024-03-25", "2024-04-01").strftime("%m-%d").tolist() == [
        "03-25", "03-26", "03-27", "03-28", "04-01"]
