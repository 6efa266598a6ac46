"""What an import left out: rows dropped per reason and columns ignored.

A parser records every row it does not keep here, so the import's output can
say how many were dropped and why instead of dropping them silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DroppedRows"]


@dataclass
class DroppedRows:
    """Rows an import did not keep, counted by reason, and the columns it ignored.

    Attributes
    ----------
    counts
        Reason (e.g. ``"empty value"``) -> number of rows dropped for it.
    first_line
        Reason -> file line of the first row dropped for it.
    ignored_columns
        Header names of columns that were not read.
    """

    counts: dict[str, int] = field(default_factory=dict)
    first_line: dict[str, int] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()

    def add(self, reason: str, line: int) -> None:
        """Count one row dropped for ``reason`` at file line ``line``."""
        self.counts[reason] = self.counts.get(reason, 0) + 1
        self.first_line.setdefault(reason, line)

    @property
    def total(self) -> int:
        """Number of rows dropped for any reason."""
        return sum(self.counts.values())

    def describe(self) -> str:
        """One clause for the import's output line, e.g. ``dropped 2 rows (...)``."""
        parts = []
        if self.counts:
            reasons = "; ".join(
                f"{n} {reason} (first on line {self.first_line[reason]})"
                for reason, n in self.counts.items()
            )
            parts.append(f"dropped {self.total} row{'s' if self.total != 1 else ''} ({reasons})")
        else:
            parts.append("dropped 0 rows")
        if self.ignored_columns:
            parts.append(f"ignored column(s) {', '.join(self.ignored_columns)}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``rows`` (total), ``reasons`` and ``ignored_columns``."""
        return {
            "rows": self.total,
            "reasons": dict(self.counts),
            "ignored_columns": list(self.ignored_columns),
        }
