"""Cache of the default model's figures per case date, in process and on disk.

Scoring the shipped cases runs the flows desk once per case date (seconds each),
and the report, the dashboard and ``flowdesk validate`` all want the same
figures. What is cached is small: the compared figures of one date (a dozen
numbers), never the model result. The key holds everything the figures depend on:

* the code: the package version and a digest of every ``.py`` file of the
  installed package (an edit to any model invalidates), plus the NumPy, pandas
  and numba versions;
* the data: a digest of the embedded snapshot's manifest (checksums of every
  shipped file) and the state of the local cache (file count and newest change
  of its series, as :func:`flowdesk.memo.cache_fingerprint`; an empty cache is
  the snapshot alone, wherever it lives);
* the settings: every field except the cache location (covered by the data
  part), the API key and the network options;
* the as-of date.

Entries live in memory (bounded) and in ``<cache_dir>/validation/<digest>.json``
(one file per code/data/settings digest, written atomically; the newest few
are kept). An unreadable or foreign file is ignored and rewritten; a cache
directory that cannot be written is not an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from flowdesk.config import Settings

__all__ = ["cached_values", "clear", "fingerprint"]

_FORMAT = 1
_KEEP_FILES = 8
_MAX_MEMORY = 512
_NOT_MODEL_SETTINGS = frozenset({"cache_dir", "fred_api_key", "offline", "http_timeout",
                                 "http_retries"})
_memory: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    import numba
    import numpy
    import pandas

    from flowdesk._version import __version__

    digest = hashlib.sha256()
    for name in (__version__, numpy.__version__, pandas.__version__, numba.__version__):
        digest.update(name.encode() + b"\0")
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _data_digest(settings: Settings | None) -> str:
    from flowdesk.data.sources.snapshot import snapshot_manifest
    from flowdesk.memo import cache_fingerprint

    root, count, newest = cache_fingerprint(settings)
    state = ["snapshot only"] if count == 0 else [root, count, newest]
    text = json.dumps([snapshot_manifest(), state], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _settings_digest(settings: Settings | None) -> str:
    from flowdesk.config import get_settings

    dumped = (settings or get_settings()).model_dump(mode="json", exclude=set(_NOT_MODEL_SETTINGS))
    return hashlib.sha256(json.dumps(dumped, sort_keys=True).encode()).hexdigest()


def fingerprint(settings: Settings | None) -> str:
    """Digest of the code, the data and the settings the default model's figures depend on."""
    parts = (_code_digest(), _data_digest(settings), _settings_digest(settings))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _directory(settings: Settings | None) -> Path:
    from flowdesk.config import get_settings

    return Path((settings or get_settings()).cache_dir) / "validation"


def _read(path: Path, key: str) -> dict[str, dict[str, Any]]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not (isinstance(content, dict) and content.get("format") == _FORMAT
            and content.get("key") == key and isinstance(content.get("dates"), dict)):
        return {}
    return {d: v for d, v in content["dates"].items() if isinstance(v, dict)}


def _write(path: Path, key: str, dates: dict[str, dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": _FORMAT, "key": key, "dates": dates}, handle, sort_keys=True)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        others = sorted((p for p in path.parent.glob("*.json") if p != path),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[_KEEP_FILES - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        return  # a read-only cache directory only costs the recomputation


def cached_values(
    dates: list[pd.Timestamp], settings: Settings | None,
    compute: Callable[[pd.Timestamp], dict[str, Any]],
) -> dict[pd.Timestamp, dict[str, Any]]:
    """``compute(date)`` for each date, from the cache when its key still matches.

    Parameters
    ----------
    dates
        As-of dates.
    settings
        Settings of the data layer (and the cache directory).
    compute
        The default model's figures for one date: a JSON-ready dict.
    """
    key = fingerprint(settings)
    path = _directory(settings) / f"{key}.json"
    out: dict[pd.Timestamp, dict[str, Any]] = {}
    with _lock:
        for date in dates:
            hit = _memory.get((key, f"{date:%Y-%m-%d}"))
            if hit is not None:
                out[date] = hit
    missing = [d for d in dates if d not in out]
    if not missing:
        return out
    stored = _read(path, key)
    changed = False
    try:
        for date in missing:
            iso = f"{date:%Y-%m-%d}"
            if iso not in stored:
                stored[iso] = json.loads(json.dumps(compute(date)))
                changed = True
            out[date] = stored[iso]
    finally:  # keep what was computed even when a later date fails
        with _lock:
            for date in missing:
                if date in out:
                    _memory[(key, f"{date:%Y-%m-%d}")] = out[date]
            while len(_memory) > _MAX_MEMORY:
                _memory.popitem(last=False)
        if changed:
            _write(path, key, stored)
    return out


def clear() -> None:
    """Forget the in-memory entries (files on disk stay; their keys guard them)."""
    with _lock:
        _memory.clear()
