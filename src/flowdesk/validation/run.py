"""Run the model on every case date and score it: :func:`validate`.

The model is a callable ``estimate(date) -> dict`` shaped like
``FlowsDesk().estimate(asof=date).to_dict()``; the default is exactly that, with
its figures cached per date (:mod:`flowdesk.validation.cache`). Figures are read
from the dict tolerantly (:func:`~flowdesk.validation.metrics.lookup`): a key
the model does not have is "no estimate", never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from flowdesk.errors import DataError, FlowdeskError, ModelError
from flowdesk.jsontools import jsonable
from flowdesk.validation.cases import FIELDS, CaseFile, shipped_cases
from flowdesk.validation.metrics import (
    ERROR_UNITS,
    FLAT_TOLERANCE_BN,
    compare,
    lookup,
    summarise,
)
from flowdesk.validation.result import ValidationResult

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["DataBounds", "Estimate", "check_dates", "data_bounds", "figures_from", "validate"]

#: The model: as-of date -> output shaped like ``FlowsDesk().estimate(asof).to_dict()``.
Estimate = Callable[[pd.Timestamp], Mapping[str, Any]]

_COLUMNS = ["date", "desk", "line", "column", "group", "label", "unit", "ours", "published",
            "error", "error_unit", "agree", "ratio", "status"]


@dataclass(frozen=True)
class DataBounds:
    """The dates the model can be run on, and how to say why a date is outside them."""

    first: pd.Timestamp
    last: pd.Timestamp
    first_reason: str = "the first date the model can be run on"
    last_reason: str = "the last date in the data"


def data_bounds(settings: Settings | None = None) -> DataBounds:
    """From the S&P 500 session on which the CTA has its full history, to the last close.

    Raises
    ------
    DataError
        If there are no S&P 500 data, or fewer sessions than the CTA needs.
    """
    from flowdesk.data import load
    from flowdesk.flows.cta import CTA

    sp = load("SP500", settings=settings)
    need = int(getattr(CTA(), "min_sessions", 1) or 1)
    if len(sp) < need:
        raise DataError(f"SP500: {len(sp)} sessions in the data, the CTA needs {need}")
    return DataBounds(
        sp.index[need - 1], sp.index[-1],
        f"the first date with the {need} S&P 500 sessions of history the CTA needs (the S&P "
        f"500 data start {sp.index[0]:%Y-%m-%d})",
        "the last S&P 500 close in the data (`flowdesk data update SP500` fetches newer "
        "closes)")


def check_dates(cases: CaseFile, bounds: DataBounds) -> None:
    """Raise a :class:`DataError` naming the first case dated outside ``bounds``."""
    for case in cases.cases:
        where = f"cases file {cases.label}: line {case.line}: date {case.date:%Y-%m-%d}"
        if case.date < bounds.first:
            raise DataError(f"{where} is before {bounds.first:%Y-%m-%d}, {bounds.first_reason}")
        if case.date > bounds.last:
            raise DataError(f"{where} is after {bounds.last:%Y-%m-%d}, {bounds.last_reason}")


def figures_from(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The compared figures of one model output: ``{"session", "spot", "values": {column}}``."""
    if not isinstance(payload, Mapping):
        raise ModelError(f"validate: the model returned {type(payload).__name__}, expected a "
                         "dict like FlowsDesk().estimate(asof).to_dict()")
    session = jsonable(payload.get("session"))
    return {"session": session if isinstance(session, str) else None,
            "spot": lookup(payload, ("spot",)),
            "values": {column: lookup(payload, spec.path) for column, spec in FIELDS.items()}}


def _default_model(settings: Settings | None) -> Estimate:
    from flowdesk.flows.desk import FlowsDesk

    desk = FlowsDesk()

    def estimate(date: pd.Timestamp) -> Mapping[str, Any]:
        return desk.estimate(date, settings=settings).to_dict()

    return estimate


def validate(
    cases: CaseFile | None = None,
    *,
    estimate: Estimate | None = None,
    settings: Settings | None = None,
    flat_tolerance_bn: float = FLAT_TOLERANCE_BN,
    bounds: DataBounds | None = None,
    progress: Callable[[int, int, pd.Timestamp], None] | None = None,
) -> ValidationResult:
    """Score the model against published desk estimates.

    Parameters
    ----------
    cases
        The cases (:func:`~flowdesk.validation.cases.read_cases`); default: the
        public cases shipped with the package.
    estimate
        The model, ``estimate(date) -> dict`` shaped like
        ``FlowsDesk().estimate(asof=date).to_dict()``; default: exactly that, with
        ``settings``, its figures cached per date.
    settings
        Settings for the data layer (and the default model's AUM figures).
    flat_tolerance_bn
        Published flows smaller than this in absolute value (USD bn) are flat.
    bounds
        Dates the model can run on; default: :func:`data_bounds`.
    progress
        Called as ``progress(done, total, date)`` before the model runs on a date.

    Returns
    -------
    ValidationResult

    Raises
    ------
    DataError
        A case dated outside ``bounds``, or a date the model cannot estimate (the
        message names the file, the line and the date).
    """
    from flowdesk.validation.cache import cached_values

    if cases is None:
        cases = shipped_cases()
    if not flat_tolerance_bn >= 0:
        raise ModelError(f"flat_tolerance_bn must be >= 0, got {flat_tolerance_bn!r}")
    dates = cases.dates
    if dates:
        check_dates(cases, bounds or data_bounds(settings))
    first_line = {}
    for case in cases.cases:
        first_line.setdefault(case.date, case.line)
    done = [0]

    def run(model: Estimate) -> Callable[[pd.Timestamp], dict[str, Any]]:
        def one(date: pd.Timestamp) -> dict[str, Any]:
            if progress is not None:
                progress(done[0], len(dates), date)
            done[0] += 1
            try:
                payload = model(date)
            except FlowdeskError as exc:
                raise DataError(f"cases file {cases.label}: line {first_line[date]} (date "
                                f"{date:%Y-%m-%d}): the model cannot be run on this date "
                                f"({exc})") from exc
            return figures_from(payload)
        return one

    if estimate is None:
        figures = cached_values(dates, settings, run(_default_model(settings)))
        model = "FlowsDesk()"
    else:
        compute = run(estimate)
        figures = {date: compute(date) for date in dates}
        model = getattr(estimate, "__qualname__", type(estimate).__name__)
    return _result(cases, figures, flat_tolerance_bn, model)


def _result(cases: CaseFile, figures: Mapping[pd.Timestamp, Mapping[str, Any]],
            tolerance: float, model: str) -> ValidationResult:
    rows = []
    case_rows = []
    silent: dict[str, int] = {}
    for case in cases.cases:
        got = figures[case.date]
        case_rows.append({"date": case.date, "desk": case.desk, "source": case.source,
                          "line": case.line, "session": got.get("session"),
                          "spot": got.get("spot"), "figures": len(case.values)})
        for column in cases.columns:
            if column not in case.values:
                continue
            spec = FIELDS[column]
            ours = got["values"].get(column)
            published = case.values[column]
            scored = compare(spec, ours, published, tolerance)
            if ours is None:
                silent[column] = silent.get(column, 0) + 1
            rows.append({"date": case.date, "desk": case.desk, "line": case.line,
                         "column": column, "group": spec.group, "label": spec.label,
                         "unit": spec.unit, "ours": ours, "published": published,
                         "error": scored.error, "error_unit": ERROR_UNITS[spec.group],
                         "agree": scored.agree, "ratio": scored.ratio, "status": scored.status})
    comparisons = pd.DataFrame(rows, columns=_COLUMNS)
    notes = list(cases.notes)
    if silent:
        notes.append("The model gives no figure for " + ", ".join(
            f"{c} ({n} case{'s' if n > 1 else ''})" for c, n in silent.items())
            + ": shown as n/a and left out of the statistics.")
    return ValidationResult(
        source=cases.label, shipped=cases.shipped,
        cases=pd.DataFrame(case_rows, columns=["date", "desk", "source", "line", "session",
                                               "spot", "figures"]),
        comparisons=comparisons, summary_rows=tuple(summarise(comparisons)),
        flat_tolerance_bn=float(tolerance), until=cases.until, model=model, notes=tuple(notes),
        params={"flat_tolerance_bn": float(tolerance)})
