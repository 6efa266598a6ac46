"""The local parquet cache of fetched and imported series.

Layout under the cache directory::

    series/<ID>.parquet        current data (zstd parquet, ``date`` + ``value``)
    series/<ID>.json           its provenance: sha256, rows, first/last, source, url, times
    series/<ID>.prev.parquet   the previous good version (and .prev.json)
    series/<ID>.USER.parquet   a user import over catalog series <ID> (flowdesk.data.shadow)
    history/<KEY>/             earlier imports kept for ``data restore`` (a Store of its own)
    quarantine/                corrupted files, moved aside with a timestamp
    .lock                      inter-process lock

Every write goes to a temporary file that is fsynced and renamed into place, under
the lock. Every read verifies the checksum; a corrupted file is moved to
``quarantine/`` with a warning and the previous good version is used instead, so
cached data are never silently lost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.data.lock import cache_lock
from flowdesk.data.parquet_io import frame_from_parquet_bytes, parquet_bytes, sha256_bytes
from flowdesk.errors import DataError, FlowdeskWarning

__all__ = ["MergeOutcome", "Store", "StoreEntry", "check_series_id"]

_ID_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]{0,63}$")


def check_series_id(series_id: str) -> str:
    """Return ``series_id`` upper-cased if it is safe to use as a file name.

    Raises
    ------
    DataError
        If it contains anything but letters, digits, ``_``, ``.`` and ``-``, or
        is longer than 64 characters (this also rules out path traversal).
    """
    key = series_id.strip().upper() if isinstance(series_id, str) else ""
    if not _ID_PATTERN.match(key) or ".." in key:
        raise DataError(
            f"invalid series id {series_id!r}: use 1-64 letters, digits, '_', '.' or '-'"
        )
    return key


@dataclass(frozen=True)
class StoreEntry:
    """Provenance and freshness of one cached series."""

    id: str
    kind: str
    sha256: str
    rows: int
    first: str
    last: str
    source: str
    url: str
    fetched_at: str
    updated_at: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def fetched(self) -> dt.datetime:
        """When the data were fetched or imported (UTC)."""
        return dt.datetime.fromisoformat(self.fetched_at)


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge did: dates added, values revised, old dates kept."""

    entry: StoreEntry
    added: int
    revised: int
    kept: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Store:
    """Parquet cache rooted at ``root``.

    Parameters
    ----------
    root
        Cache directory (created on first write).
    lock_timeout
        Seconds to wait for another process holding the cache lock.
    """

    def __init__(self, root: Path | str, lock_timeout: float = 60.0) -> None:
        self.root = Path(root).expanduser()
        self.lock_timeout = lock_timeout

    @property
    def series_dir(self) -> Path:
        """Directory of the cached series files."""
        return self.root / "series"

    @property
    def quarantine_dir(self) -> Path:
        """Directory where corrupted files are moved."""
        return self.root / "quarantine"

    def _paths(self, series_id: str, prev: bool = False) -> tuple[Path, Path]:
        stem = check_series_id(series_id) + (".prev" if prev else "")
        return self.series_dir / f"{stem}.parquet", self.series_dir / f"{stem}.json"

    def _lock(self) -> Any:
        return cache_lock(self.root, timeout=self.lock_timeout)

    # ----------------------------------------------------------------- reading
    def ids(self) -> list[str]:
        """Ids with a current or previous cached version."""
        if not self.series_dir.is_dir():
            return []
        found = set()
        for path in self.series_dir.glob("*.json"):
            stem = path.name[: -len(".json")]
            found.add(stem[: -len(".prev")] if stem.endswith(".prev") else stem)
        return sorted(found)

    def entry(self, series_id: str) -> StoreEntry | None:
        """Provenance of the current cached version (no checksum verification)."""
        _, meta_path = self._paths(series_id)
        for path in (meta_path, self._paths(series_id, prev=True)[1]):
            meta = self._read_meta(path)
            if meta is not None:
                return meta
        return None

    @staticmethod
    def _read_meta(path: Path) -> StoreEntry | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return StoreEntry(**raw)
        except (OSError, ValueError, TypeError):
            return None

    def read(self, series_id: str) -> pd.Series | pd.DataFrame | None:
        """Return the cached data, or ``None`` if nothing good is cached.

        A corrupted current version is quarantined with a
        :class:`~flowdesk.errors.FlowdeskWarning`, and the previous good version
        is restored and returned.
        """
        key = check_series_id(series_id)
        data_path, meta_path = self._paths(key)
        prev_data, prev_meta = self._paths(key, prev=True)
        if not (data_path.exists() or meta_path.exists() or prev_data.exists()):
            return None
        with self._lock():
            data, problem = self._load_verified(data_path, meta_path, key)
            if data is not None:
                return data
            if problem is not None:
                moved = self._quarantine(key, (data_path, meta_path))
                warnings.warn(
                    f"cache file for {key} is corrupted ({problem}); moved aside to {moved}",
                    FlowdeskWarning,
                    stacklevel=2,
                )
            data, prev_problem = self._load_verified(prev_data, prev_meta, key)
            if data is not None:
                entry = self._read_meta(prev_meta)
                os.replace(prev_data, data_path)
                os.replace(prev_meta, meta_path)
                warnings.warn(
                    f"using the previous good cached copy of {key}"
                    + (f" (updated {entry.updated_at})" if entry else ""),
                    FlowdeskWarning,
                    stacklevel=2,
                )
                return data
            if prev_problem is not None:
                moved = self._quarantine(key, (prev_data, prev_meta))
                warnings.warn(
                    f"previous cached copy of {key} is corrupted too ({prev_problem});"
                    f" moved aside to {moved}",
                    FlowdeskWarning,
                    stacklevel=2,
                )
            return None

    def _load_verified(
        self, data_path: Path, meta_path: Path, key: str
    ) -> tuple[pd.Series | pd.DataFrame | None, str | None]:
        """Return (data, None) if good, (None, reason) if corrupt, (None, None) if absent."""
        if not data_path.exists() and not meta_path.exists():
            return None, None
        if not meta_path.exists():
            return None, "its provenance file is missing"
        meta = self._read_meta(meta_path)
        if meta is None:
            return None, "its provenance file is unreadable"
        try:
            raw = data_path.read_bytes()
        except OSError as exc:
            return None, f"data file unreadable: {exc.strerror or exc}"
        if sha256_bytes(raw) != meta.sha256:
            return None, "checksum mismatch"
        try:
            frame = frame_from_parquet_bytes(raw, f"cache {key}")
        except DataError as exc:
            return None, str(exc)
        if meta.kind == "series":
            return frame["value"].rename(key), None
        return frame, None

    def _quarantine(self, key: str, paths: tuple[Path, ...]) -> Path:
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        stamp = _now().strftime("%Y%m%dT%H%M%SZ")
        target = self.quarantine_dir
        for path in paths:
            if path.exists():
                target = self.quarantine_dir / f"{path.name}.{stamp}"
                n = 1
                while target.exists():
                    target = self.quarantine_dir / f"{path.name}.{stamp}.{n}"
                    n += 1
                os.replace(path, target)
        return self.quarantine_dir

    # ----------------------------------------------------------------- writing
    def _atomic_write(self, path: Path, payload: bytes) -> Path:
        """Write ``payload`` to a fsynced temporary file next to ``path``; return it."""
        self.series_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.series_dir)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Path(tmp)

    def _write_locked(
        self,
        key: str,
        data: pd.Series | pd.DataFrame,
        *,
        source: str,
        url: str,
        fetched_at: dt.datetime | None,
        meta: dict[str, Any] | None,
    ) -> StoreEntry:
        if len(data) == 0:
            raise DataError(f"series {key}: refusing to cache an empty series")
        blob = parquet_bytes(data, level=3)
        now = _now()
        entry = StoreEntry(
            id=key,
            kind="series" if isinstance(data, pd.Series) else "table",
            sha256=sha256_bytes(blob),
            rows=len(data),
            first=pd.Timestamp(data.index[0]).strftime("%Y-%m-%d"),
            last=pd.Timestamp(data.index[-1]).strftime("%Y-%m-%d"),
            source=source,
            url=url,
            fetched_at=(fetched_at or now).isoformat(),
            updated_at=now.isoformat(),
            meta=dict(meta or {}),
        )
        data_path, meta_path = self._paths(key)
        prev_data, prev_meta = self._paths(key, prev=True)
        tmp_data = self._atomic_write(data_path, blob)
        tmp_meta = self._atomic_write(
            meta_path, (json.dumps(asdict(entry), indent=1) + "\n").encode("utf-8")
        )
        # Keep the current version as the fallback only if it is still good.
        current, problem = self._load_verified(data_path, meta_path, key)
        if current is not None:
            os.replace(data_path, prev_data)
            os.replace(meta_path, prev_meta)
        elif problem is not None:
            self._quarantine(key, (data_path, meta_path))
        os.replace(tmp_data, data_path)
        os.replace(tmp_meta, meta_path)
        return entry

    def write(
        self,
        series_id: str,
        data: pd.Series | pd.DataFrame,
        *,
        source: str,
        url: str = "",
        fetched_at: dt.datetime | None = None,
        meta: dict[str, Any] | None = None,
    ) -> StoreEntry:
        """Replace the cached data of ``series_id`` (the old version becomes ``.prev``)."""
        key = check_series_id(series_id)
        with self._lock():
            return self._write_locked(
                key, data, source=source, url=url, fetched_at=fetched_at, meta=meta
            )

    def merge(
        self,
        series_id: str,
        new: pd.Series,
        *,
        source: str,
        url: str = "",
        fetched_at: dt.datetime | None = None,
        base: pd.Series | None = None,
        meta: dict[str, Any] | None = None,
    ) -> MergeOutcome:
        """Merge ``new`` observations into the cached series without losing old ones.

        On dates present in both, ``new`` wins (data revisions); dates only in the
        old data are kept. If nothing is cached yet, ``base`` (typically the
        embedded snapshot) plays the role of the old data.

        Returns
        -------
        MergeOutcome
            Counts of added dates, revised values and old dates kept.
        """
        key = check_series_id(series_id)
        if not isinstance(new, pd.Series):
            raise DataError(f"series {key}: only series can be merged, got {type(new).__name__}")
        with self._lock():
            data_path, meta_path = self._paths(key)
            old, problem = self._load_verified(data_path, meta_path, key)
            if old is None and problem is not None:
                moved = self._quarantine(key, (data_path, meta_path))
                warnings.warn(
                    f"cache file for {key} is corrupted ({problem}); moved aside to {moved}",
                    FlowdeskWarning,
                    stacklevel=2,
                )
                old, _ = self._load_verified(*self._paths(key, prev=True), key)
            if old is None:
                old = base
            if old is not None and not isinstance(old, pd.Series):
                raise DataError(f"series {key}: cached data is a table, cannot merge a series")
            merged, added, revised, kept = _merge_series(old, new.rename(key))
            entry = self._write_locked(
                key, merged, source=source, url=url, fetched_at=fetched_at, meta=meta
            )
            return MergeOutcome(entry=entry, added=added, revised=revised, kept=kept)

    def drop_previous(self, series_id: str) -> None:
        """Remove the previous version of ``series_id`` (keep the current one)."""
        key = check_series_id(series_id)
        with self._lock():
            for path in self._paths(key, prev=True):
                path.unlink(missing_ok=True)

    def delete(self, series_id: str) -> None:
        """Remove a cached series (current and previous versions)."""
        key = check_series_id(series_id)
        with self._lock():
            for path in (*self._paths(key), *self._paths(key, prev=True)):
                path.unlink(missing_ok=True)


TableDecoder = Callable[[pd.DataFrame, str], pd.DataFrame]


@lru_cache(maxsize=16)
def _decoded_table(root: str, key: str, sha256: str,
                   decode: TableDecoder) -> pd.DataFrame | None:
    # Keyed by the file's checksum, so a rewrite of the cache is never missed.
    data = Store(root).read(key)
    return decode(data, key) if isinstance(data, pd.DataFrame) else None


def stored_table(store: Store, key: str, decode: TableDecoder) -> pd.DataFrame | None:
    """The cached table under ``key`` decoded by ``decode(frame, key)``, or ``None``.

    Decoded once per version of the file (its checksum): the frame is shared,
    callers copy before changing it. ``decode`` must be a module-level
    function, so that it is the same cache key on every call.
    """
    entry = store.entry(key)
    if entry is None:
        return None
    return _decoded_table(str(store.root), key, entry.sha256, decode)


def _merge_series(old: pd.Series | None, new: pd.Series) -> tuple[pd.Series, int, int, int]:
    if old is None or old.empty:
        return new.sort_index(), len(new), 0, 0
    overlap = old.index.intersection(new.index)
    changed = ~np.isclose(
        old.loc[overlap].to_numpy(), new.loc[overlap].to_numpy(), rtol=0, atol=0, equal_nan=True
    )
    added = len(new.index.difference(old.index))
    kept = len(old.index.difference(new.index))
    merged = new.combine_first(old).sort_index()
    return merged.rename(new.name), added, int(changed.sum()), kept
