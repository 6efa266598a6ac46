"""In-process memo of model estimates shared by the report, the dashboard and the CLI.

Several sections need the same estimate (the drivers decomposition feeds both
the Drivers section and thesis 7). An estimate depends on the as-of date, the
model options, and the data, so the key includes a fingerprint of the local
cache: any write to the cache (an update, an import) changes it and the old
entries are never reused.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["cache_fingerprint", "clear", "memoized"]

T = TypeVar("T")
_MAX_ENTRIES = 64
_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()


def cache_fingerprint(settings: Settings | None) -> tuple[str, int, int]:
    """Identify the state of the local cache: its path, file count and newest mtime."""
    from flowdesk.config import get_settings

    root = Path((settings or get_settings()).cache_dir)
    series = root / "series"
    if not series.is_dir():
        return (str(root), 0, 0)
    stats = [p.stat().st_mtime_ns for p in series.iterdir() if p.suffix == ".json"]
    return (str(root), len(stats), max(stats, default=0))


def memoized(key: Hashable, settings: Settings | None, compute: Callable[[], T]) -> T:
    """Return the memoized value of ``compute()`` for ``key`` and the cache's state.

    Parameters
    ----------
    key
        What is being computed, e.g. ``("drivers", asof, options...)``.
    settings
        Settings whose cache directory the computation reads.
    compute
        Produces the value when it is not memoized (exceptions are not memoized).
    """
    full = (key, cache_fingerprint(settings))
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            return _entries[full]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        _entries[full] = value
        while len(_entries) > _MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every memoized value."""
    with _lock:
        _entries.clear()
