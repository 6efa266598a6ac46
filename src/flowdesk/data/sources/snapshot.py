"""The embedded snapshot: real published data shipped inside the package."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from flowdesk.data.parquet_io import frame_from_parquet_bytes, sha256_bytes
from flowdesk.errors import DataError

__all__ = [
    "has_snapshot",
    "read_snapshot",
    "snapshot_bytes",
    "snapshot_ids",
    "snapshot_manifest",
]

_PACKAGE = "flowdesk.data.snapshot"


@lru_cache(maxsize=1)
def snapshot_manifest() -> dict[str, dict[str, Any]]:
    """Return the snapshot manifest: per id, file, rows, first, last, sha256, origin."""
    try:
        text = resources.files(_PACKAGE).joinpath("manifest.json").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise DataError("embedded snapshot: manifest.json is missing (broken install?)") from exc
    manifest: dict[str, dict[str, Any]] = json.loads(text)
    return manifest


def snapshot_ids() -> list[str]:
    """Ids stored in the snapshot."""
    return list(snapshot_manifest())


def has_snapshot(series_id: str) -> bool:
    """Whether ``series_id`` is stored in the snapshot."""
    return series_id in snapshot_manifest()


def snapshot_bytes(series_id: str) -> bytes:
    """The parquet bytes of one snapshot entry, checksum verified.

    Raises
    ------
    DataError
        If the id is not in the snapshot or its file is damaged.
    """
    entry = snapshot_manifest().get(series_id)
    if entry is None:
        raise DataError(f"series {series_id}: not in the embedded snapshot")
    raw = resources.files(_PACKAGE).joinpath(entry["file"]).read_bytes()
    if sha256_bytes(raw) != entry["sha256"]:
        raise DataError(
            f"series {series_id}: embedded snapshot file {entry['file']} fails its checksum"
            " (damaged install; reinstall flowdesk)"
        )
    return raw


@lru_cache(maxsize=128)
def _read(series_id: str) -> pd.DataFrame:
    return frame_from_parquet_bytes(snapshot_bytes(series_id), f"snapshot {series_id}")


def read_snapshot(series_id: str) -> pd.Series | pd.DataFrame:
    """Read one snapshot entry: a Series for series, a DataFrame for tables.

    Raises
    ------
    DataError
        If the id is not in the snapshot or its file is damaged.
    """
    frame = _read(series_id)
    if snapshot_manifest()[series_id]["kind"] == "series":
        return frame["value"].rename(series_id).copy()
    return frame.copy()
