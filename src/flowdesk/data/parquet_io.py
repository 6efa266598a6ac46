"""Reading and writing series/tables as parquet with a ``date`` column.

The single on-disk layout shared by the embedded snapshot and the cache:
a ``date`` column (date32) followed by one ``value`` column (series) or
several named columns (tables); zstd-compressed.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd

from flowdesk.errors import DataError

__all__ = ["frame_from_parquet_bytes", "parquet_bytes", "sha256_bytes"]


def sha256_bytes(data: bytes) -> str:
    """Return the hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def parquet_bytes(data: pd.Series | pd.DataFrame, *, level: int = 19) -> bytes:
    """Serialise a dated series or table to compressed parquet bytes.

    Parameters
    ----------
    data
        A Series (stored as column ``value``) or a DataFrame, indexed by date.
    level
        zstd compression level.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = data.to_frame("value") if isinstance(data, pd.Series) else data.copy()
    frame.index = pd.DatetimeIndex(frame.index).rename("date")
    frame = frame.reset_index()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    date_field = table.schema.get_field_index("date")
    table = table.set_column(date_field, "date", table.column("date").cast(pa.date32()))
    table = table.replace_schema_metadata(None)
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=level,
        use_dictionary=[
            c for c in table.column_names if pa.types.is_string(table.schema.field(c).type)
        ],
        column_encoding={"date": "DELTA_BINARY_PACKED"},
        write_statistics=False,
        store_schema=False,
    )
    return sink.getvalue()


def frame_from_parquet_bytes(data: bytes, label: str) -> pd.DataFrame:
    """Read parquet bytes written by :func:`parquet_bytes` into a date-indexed frame.

    Raises
    ------
    DataError
        If the bytes are not a readable parquet file with a ``date`` column.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{label}: not a readable parquet file ({exc})") from exc
    if "date" not in table.column_names:
        raise DataError(f"{label}: parquet file has no 'date' column")
    frame = table.to_pandas()
    index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date"))).astype("datetime64[ns]")
    frame.index = index.rename("date")
    return frame


def read_parquet_file(path: Path, label: str) -> tuple[pd.DataFrame, str]:
    """Read a parquet file, returning the frame and the file's SHA-256.

    Raises
    ------
    DataError
        If the file cannot be read or parsed.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{label}: cannot read {path} ({exc.strerror or exc})") from exc
    return frame_from_parquet_bytes(raw, label), sha256_bytes(raw)
