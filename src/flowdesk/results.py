"""The one base of every model result: frozen data with a text summary and a JSON form.

A result is a frozen dataclass that holds pandas objects and numbers; it never
draws (pictures live in :mod:`flowdesk.report`, reached from a notebook with
:func:`flowdesk.plot`). A result class implements two things:

* :meth:`Result.summary`: plain text for people, with units and conventions;
* :meth:`Result._payload`: the JSON content as plain Python/NumPy/pandas values.

Everything else is derived here, so every result prints, renders in a notebook
and serialises the same way: ``str(result)`` is the summary, ``to_dict()`` is
the payload through the package's one encoder (:func:`flowdesk.jsontools.jsonable`,
dates as ``YYYY-MM-DD``), and ``_repr_html_`` is the summary plus the table of
:meth:`Result._html_frame`.
"""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from flowdesk.jsontools import jsonable

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

__all__ = ["Result", "frame_html", "notes_lines", "price_text"]


def frame_html(summary: str, frame: pd.DataFrame | None) -> str:
    """HTML for notebooks: ``summary`` as preformatted text, then ``frame`` as a table.

    Parameters
    ----------
    summary
        Plain text (escaped here).
    frame
        Table shown under the text; ``None`` shows the text alone.
    """
    text = f"<pre>{html.escape(summary)}</pre>"
    if frame is None:
        return text
    return text + frame.to_html(float_format=lambda v: f"{v:,.4g}")


def price_text(value: float | None) -> str:
    """A price as desks print it: whole points from 1,000 up, cents below, ``n/a`` if missing.

    ``format(24290.5, ",.4g")`` gives ``2.429e+04``, which nobody reads as an index level.
    """
    if value is None or value != value:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"


def notes_lines(notes: Sequence[str]) -> list[str]:
    """The ``Notes:`` block that ends a summary: a blank line, the heading, one bullet each.

    Returns an empty list when there are no notes, so summaries can always append it.
    """
    return ["", "Notes:", *(f"- {note}" for note in notes)] if notes else []


class Result(ABC):
    """Mixin of every model result (use it on a ``@dataclass(frozen=True)``).

    Subclasses implement :meth:`summary` and :meth:`_payload`; they may
    override :meth:`_html_frame` to choose the table shown in notebooks.
    """

    __slots__ = ()

    @abstractmethod
    def summary(self) -> str:
        """Plain-text summary with units and conventions."""

    @abstractmethod
    def _payload(self, **options: Any) -> dict[str, Any]:
        """The content of :meth:`to_dict` before encoding (any scalar types, dates)."""

    def to_dict(self, **options: Any) -> dict[str, Any]:
        """JSON-ready dictionary: NaN -> ``None``, dates -> ``YYYY-MM-DD``.

        Parameters
        ----------
        **options
            Passed to the result's payload (e.g. ``history=True`` for the theses).
        """
        return jsonable(self._payload(**options))  # type: ignore[no-any-return]

    def _html_frame(self) -> pd.DataFrame | None:
        """The table shown under the summary in notebooks (default: ``to_frame()``)."""
        to_frame = getattr(self, "to_frame", None)
        return to_frame() if callable(to_frame) else None

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return frame_html(self.summary(), self._html_frame())
