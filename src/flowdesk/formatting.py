"""How numbers read on every page: one formatter per unit, shared by text, tables and hover.

* USD bn flows and positions: signed, one decimal (``+24.9``);
* percent distances and shares: signed with ``%`` (``-1.2%``);
* index levels and prices: :func:`flowdesk.results.price_text` (whole points
  from 1,000 up);
* a missing value is ``n/a``, never ``nan`` or an empty cell, and a value that
  rounds to zero has no sign (``0.0``, never ``-0.0``).
"""

from __future__ import annotations

import math

__all__ = ["flow_class", "missing", "signed", "signed_pct"]


def missing(value: float | None) -> bool:
    """Whether ``value`` is absent: ``None``, NaN or infinite."""
    return value is None or not math.isfinite(float(value))


def signed(value: float | None, digits: int = 1) -> str:
    """``+24.9`` / ``-3.0`` / ``0.0`` (no ``-0.0``), ``n/a`` if missing."""
    if missing(value):
        return "n/a"
    rounded = round(float(value), digits)  # type: ignore[arg-type]
    if rounded == 0:
        return f"{0:.{digits}f}"
    return f"{rounded:+,.{digits}f}"


def signed_pct(value: float | None, digits: int = 1) -> str:
    """A percentage already in percent units: ``-1.2%``, ``n/a`` if missing."""
    text = signed(value, digits)
    return text if text == "n/a" else f"{text}%"


def flow_class(value: float | None) -> str:
    """CSS class of a flow cell: ``buy`` (positive), ``sell`` (negative) or ``flat``."""
    if missing(value) or round(float(value), 1) == 0:  # type: ignore[arg-type]
        return "flat"
    return "buy" if float(value) > 0 else "sell"  # type: ignore[arg-type]
