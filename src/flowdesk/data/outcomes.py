"""What a refresh from a live source did.

Shared by :func:`flowdesk.data.update` and the tables' own updaters, which
:mod:`flowdesk.data.api` calls: defined there, it would make an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["UpdateOutcome"]


@dataclass(frozen=True)
class UpdateOutcome:
    """Result of refreshing one series from its live source."""

    id: str
    status: Literal["updated", "unchanged", "failed"]
    source: str
    added: int = 0
    revised: int = 0
    last: str | None = None
    message: str = ""
