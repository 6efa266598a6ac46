"""The section types and the one way to build a section from a model result.

A section module (:mod:`flowdesk.report.sections.<name>`, one per registered
model) exposes ``section_from_result(result, ...)`` and ``build(ctx)``; both end
in :func:`result_section`, which takes the section's id and title from the
model registry and its as-of date, freshness and notes from the result, then
adds the stale-input warning. A section whose build raises a
:class:`~flowdesk.errors.FlowdeskError` is shown as unavailable, with the
reason, and the others still render (:func:`build_sections`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from flowdesk.dates import ChangeKind, Horizon, horizon_change
from flowdesk.errors import DataError, FlowdeskError
from flowdesk.models import get_model

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from flowdesk.config import Settings

__all__ = [
    "FreshnessRow",
    "KeyNumber",
    "ReportContext",
    "Section",
    "SectionBuilder",
    "build_sections",
    "changes",
    "finite_or_none",
    "freshness_rows",
    "last_obs",
    "result_section",
]

#: The change horizons of a key number, in column order.
_HORIZONS: tuple[Horizon, ...] = ("1w", "1m", "1y")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class ReportContext:
    """What every section build receives.

    Attributes
    ----------
    asof
        As-of date (tz-naive midnight): sections use only data published by then.
    settings
        Settings passed on to the data layer (``None``: from the environment).
    generated_at
        When the report was generated (UTC), shown in the page header.
    """

    asof: pd.Timestamp
    settings: Settings | None = None
    generated_at: dt.datetime = field(default_factory=_utc_now)


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return round(float(value), digits)


def _iso(date: pd.Timestamp | None) -> str | None:
    return None if date is None or pd.isna(date) else f"{date:%Y-%m-%d}"


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when it is missing (``None``, NaN, NaT) or infinite.

    Parameters
    ----------
    value
        A scalar from a model result (number, NumPy scalar, ``pd.NA``...).

    Returns
    -------
    float or None
        The value for a :class:`KeyNumber` field.
    """
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return None if math.isinf(number) else number


@dataclass(frozen=True)
class KeyNumber:
    """One headline number with its unit, observation date and changes.

    Attributes
    ----------
    label
        What the number is.
    value
        The value, or ``None`` when nothing was published by the as-of date.
    unit
        Unit of ``value``.
    obs_date
        Date of the observation the value comes from.
    change_1w, change_1m, change_1y
        Changes over 1 week / 1 month / 1 year, in ``change_unit`` (``None`` if
        not computable).
    change_unit
        ``%`` for percent changes, otherwise the unit of the differences.
    digits
        Decimals used for display.
    """

    label: str
    value: float | None
    unit: str
    obs_date: pd.Timestamp | None
    change_1w: float | None = None
    change_1m: float | None = None
    change_1y: float | None = None
    change_unit: str = ""
    digits: int = 2

    def format_value(self) -> str:
        """Value with thousands separators and ``digits`` decimals, or ``n/a``."""
        if _round(self.value) is None:
            return "n/a"
        return f"{self.value:,.{self.digits}f}"

    def format_change(self, horizon: Horizon, *, with_unit: bool = True) -> str:
        """Signed change over ``horizon``, e.g. ``+1.25%`` or ``-0.10 pp`` (``n/a`` if missing).

        With ``with_unit=False`` only the signed number is returned, for tables
        that show :attr:`change_unit` in a column of its own.
        """
        value = {"1w": self.change_1w, "1m": self.change_1m, "1y": self.change_1y}[horizon]
        if value is None or _round(value) is None:
            return "n/a"
        text = f"{value:+,.{self.digits}f}"
        if not with_unit:
            return text
        return f"{text}%" if self.change_unit == "%" else f"{text} {self.change_unit}"

    def format_obs_date(self, asof: pd.Timestamp | None = None) -> str:
        """Observation date as ``YYYY-MM-DD``, or a phrase saying none was published."""
        text = _iso(self.obs_date)
        if text is not None:
            return text
        return f"none published by {asof:%Y-%m-%d}" if asof is not None else "none published"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row (floats rounded to 4 decimals, missing -> ``None``)."""
        return {
            "label": self.label,
            "value": _round(self.value),
            "unit": self.unit,
            "obs_date": _iso(self.obs_date),
            "change_1w": _round(self.change_1w),
            "change_1m": _round(self.change_1m),
            "change_1y": _round(self.change_1y),
            "change_unit": self.change_unit,
        }


@dataclass(frozen=True)
class FreshnessRow:
    """How recent one input series is, relative to the as-of date.

    ``stale`` follows the catalog's ``stale_after_days`` (usual spacing plus the
    publication lag plus a grace period); series missing from the catalog are
    never flagged, series with no observation always are.
    """

    series_id: str
    last: pd.Timestamp | None
    age_days: int | None
    stale: bool
    description: str = ""


def freshness_rows(
    freshness: Mapping[str, pd.Timestamp | None], asof: pd.Timestamp,
    fixed: Collection[str] = (),
) -> list[FreshnessRow]:
    """Freshness of each input at ``asof``, stale ones flagged (see :class:`FreshnessRow`).

    Parameters
    ----------
    freshness
        Input series id -> date of its last observation published by ``asof``.
    asof
        The date the inputs are judged at.
    fixed
        Inputs used as a fixed sample by design (a calibration window): listed
        with their end date, never flagged stale.

    Returns
    -------
    list of FreshnessRow
        One row per input, in the order given.
    """
    from flowdesk.data.catalog import get_spec

    rows = []
    for series_id, last in freshness.items():
        try:
            spec = get_spec(series_id)
        except DataError:
            spec = None
        if last is None or pd.isna(last):
            rows.append(FreshnessRow(series_id, None, None, True,
                                     spec.description if spec else ""))
            continue
        age = int((asof - last).days)
        if series_id in fixed:
            rows.append(FreshnessRow(series_id, pd.Timestamp(last), age, False,
                                     "fixed calibration sample, by design"))
            continue
        stale = spec is not None and age > spec.stale_after_days
        rows.append(FreshnessRow(series_id, pd.Timestamp(last), age, stale,
                                 spec.description if spec else ""))
    return rows


@dataclass(frozen=True, eq=False)
class Section:
    """A rendered-ready block of the report.

    Attributes
    ----------
    id
        Stable identifier, used as the HTML anchor and JSON key.
    title
        Heading.
    asof
        As-of date of the data.
    body_html
        Short HTML paragraph(s) written by the section module; already escaped.
    figures
        ``(dom_id, Figure)`` pairs; ``dom_id`` must be unique in the page.
    key_numbers
        Headline numbers for the table, the terminal and JSON.
    methodology
        Plain-text note on definitions and conventions.
    freshness
        Input series id -> date of its last observation published by ``asof``.
    note
        Warning text (stale or missing inputs); for an unavailable section, the reason.
    status
        ``"ok"`` or ``"unavailable"``.
    result
        The model result the section was built from (``None`` for an unavailable
        section): the desk summary at the top of the page reads several of them.
    fixed_inputs
        Inputs that are a fixed sample by design (see :func:`freshness_rows`).
    """

    id: str
    title: str
    asof: pd.Timestamp
    body_html: str = ""
    figures: Sequence[tuple[str, go.Figure]] = ()
    key_numbers: Sequence[KeyNumber] = ()
    methodology: str = ""
    freshness: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)
    note: str | None = None
    status: Literal["ok", "unavailable"] = "ok"
    result: Any = field(default=None, repr=False)
    fixed_inputs: frozenset[str] = frozenset()

    @classmethod
    def unavailable(cls, id: str, title: str, asof: pd.Timestamp, reason: str) -> Section:
        """A placeholder section explaining why it could not be built."""
        return cls(id=id, title=title, asof=asof, note=reason, status="unavailable")

    @property
    def ok(self) -> bool:
        """Whether the section was built."""
        return self.status == "ok"

    def freshness_rows(self) -> list[FreshnessRow]:
        """Freshness of each input, with stale ones flagged (see :class:`FreshnessRow`)."""
        return freshness_rows(self.freshness, self.asof, self.fixed_inputs)

    def with_notes(self, notes: Sequence[str] = ()) -> Section:
        """A copy whose :attr:`note` holds ``notes`` and then the stale-input warning.

        Parameters
        ----------
        notes
            Model notes, shown first and in order.

        Returns
        -------
        Section
            A copy of this section whose ``note`` is the notes followed by
            ``"Stale inputs for this as-of date: SERIES (last YYYY-MM-DD, N days
            old), ..."`` for each stale input with an observation (see
            :meth:`freshness_rows`), joined by spaces (a note without a closing
            full stop gets one); ``None`` when both are empty.
        """
        stale = [
            f"{row.series_id} (last {row.last:%Y-%m-%d}, {row.age_days} days old)"
            for row in self.freshness_rows()
            if row.stale and row.last is not None
        ]
        messages = [_sentence(note) for note in notes if note.strip()]
        if stale:
            messages.append("Stale inputs for this as-of date: " + ", ".join(stale) + ".")
        return replace(self, note=" ".join(messages) or None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: id, title, status, key numbers and note."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "key_numbers": [k.to_dict() for k in self.key_numbers],
            "note": self.note,
        }


def _sentence(text: str) -> str:
    """``text`` ending in a full stop, so notes joined by spaces read as sentences."""
    text = text.strip()
    return text if text[-1] in ".!?" else f"{text}."


def changes(series: pd.Series, kind: ChangeKind = "diff") -> dict[str, float | None]:
    """The 1w / 1m / 1y change fields of a :class:`KeyNumber` for ``series``.

    Parameters
    ----------
    series
        Observations on a sorted ``DatetimeIndex`` (NaNs are ignored), already in the
        unit the changes are shown in.
    kind
        ``"diff"`` (differences) or ``"pct"`` (percent changes), as in
        :func:`flowdesk.dates.horizon_change`.

    Returns
    -------
    dict
        ``{"change_1w": ..., "change_1m": ..., "change_1y": ...}``, ``None`` where not
        computable; pass it as ``KeyNumber(..., **changes(series))``.
    """
    return {f"change_{h}": finite_or_none(horizon_change(series, h, kind)) for h in _HORIZONS}


def last_obs(result: Any) -> Mapping[str, pd.Timestamp | None]:
    """Input series id -> date of its last observation, as a model result reports it.

    Results without input data (the simulator) report nothing.
    """
    value = getattr(result, "last_obs", None)
    return value if isinstance(value, Mapping) else {}


def result_section(
    name: str,
    result: Any,
    *,
    body_html: str,
    figures: Mapping[str, go.Figure],
    key_numbers: Sequence[KeyNumber],
    methodology: str,
    asof: pd.Timestamp | None = None,
    freshness: Mapping[str, pd.Timestamp | None] | None = None,
    notes: Sequence[str] = (),
    fixed_inputs: Collection[str] = (),
) -> Section:
    """The section of one model result: the way every section module builds its section.

    Parameters
    ----------
    name
        The model's name in :data:`flowdesk.models.MODELS`: the section's id and the
        prefix of its figures' DOM ids. The title comes from the registry.
    result
        The model's result. Read from it: ``asof`` (unless ``asof`` is given), the
        freshness of its inputs (:func:`last_obs`, unless ``freshness`` is given) and
        its ``notes`` when it has them.
    body_html, key_numbers, methodology
        As in :class:`Section` (``body_html`` already escaped).
    figures
        Short name -> figure, in page order; figure ``"paths"`` of model ``"simulator"``
        gets the DOM id ``"simulator-paths"``.
    asof
        The section's date when it is not ``result.asof``: a result without one, or
        a model dated by its last session rather than the date asked for.
    freshness
        Input series id -> last observation, when the section reports other inputs
        than the result's own list.
    notes
        The section's own warnings, shown after the result's notes.
    fixed_inputs
        Inputs used as a fixed sample by design: listed, never flagged stale.

    Returns
    -------
    Section
        With :attr:`Section.note` = the result's notes, then ``notes``, then the
        stale-input warning (:meth:`Section.with_notes`).

    Raises
    ------
    KeyError
        If ``name`` is not a registered model.
    """
    spec = get_model(name)
    return Section(
        id=spec.name,
        title=spec.title,
        asof=result.asof if asof is None else asof,
        body_html=body_html,
        figures=tuple((f"{spec.name}-{key}", fig) for key, fig in figures.items()),
        key_numbers=tuple(key_numbers),
        methodology=methodology,
        freshness=dict(last_obs(result) if freshness is None else freshness),
        result=result,
        fixed_inputs=frozenset(fixed_inputs),
    ).with_notes([*getattr(result, "notes", ()), *notes])


@dataclass(frozen=True)
class SectionBuilder:
    """A registry entry: the section's id and title plus its build function.

    The id and title let the report show a section as unavailable even when its
    build fails before producing anything.
    """

    id: str
    title: str
    build: Callable[[ReportContext], Section]

    def __call__(self, ctx: ReportContext) -> Section:
        """Build the section for ``ctx``."""
        return self.build(ctx)


def build_sections(
    ctx: ReportContext,
    builders: Sequence[SectionBuilder],
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Section]:
    """Build every section in order; a ``FlowdeskError`` makes that one unavailable.

    Parameters
    ----------
    ctx
        Report context.
    builders
        Sections to build, e.g. :data:`flowdesk.report.sections.SECTIONS` (the
        registry lives in the package, which imports this module, so it is passed in).
    progress
        Called as ``progress(done, total, title)`` before each section is built
        (``title`` of the one starting) and once more at the end with ``""``.

    Notes
    -----
    Only deliberate flowdesk errors (missing data, bad model input) are turned
    into an "unavailable" box; anything else is a bug and propagates.
    """
    todo = list(builders)
    sections = []
    for done, builder in enumerate(todo):
        if progress is not None:
            progress(done, len(todo), builder.title)
        try:
            section = builder(ctx)
        except FlowdeskError as exc:
            section = Section.unavailable(builder.id, builder.title, ctx.asof, str(exc))
        sections.append(section)
    if progress is not None:
        progress(len(todo), len(todo), "")
    return sections
