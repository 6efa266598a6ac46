"""A dashboard page's section built from the shared model result, not a second estimate.

A report section's ``build(ctx)`` estimates its model itself. The dashboard
gets the result from :func:`flowdesk.web.results.model_result` instead (shared
with the JSON API), and makes the section with the section module's
``section_from_result``. :data:`SECTION_FROM_RESULT` holds what each section's
``build`` does after its estimate; only sections still registered with their
own module's ``build`` take this path, so a builder swapped in (tests, a
plug-in) is called as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from flowdesk.models import get_model

if TYPE_CHECKING:
    from flowdesk.report.sections import ReportContext, Section, SectionBuilder

__all__ = ["SECTION_FROM_RESULT", "from_result", "shares_result"]

FromResult = Callable[[Any, "ReportContext"], "Section"]


def _module(name: str) -> Any:
    return import_module(get_model(name).section_module)


def _plain(name: str) -> FromResult:
    def make(result: Any, ctx: ReportContext) -> Section:
        return _module(name).section_from_result(result)  # type: ignore[no-any-return]

    return make


def _drivers(result: Any, ctx: ReportContext) -> Section:
    # The section dates itself by the date asked for, as sections.drivers.build does.
    return _module("drivers").section_from_result(result, ctx.asof)  # type: ignore[no-any-return]


def _flows(result: Any, ctx: ReportContext) -> Section:
    from flowdesk.report.desk_comparison import comparison_html

    return _module("flows").section_from_result(  # type: ignore[no-any-return]
        result, comparison_html(ctx.asof, ctx.settings))


def _theses(result: Any, ctx: ReportContext) -> Section:
    import pandas as pd

    from flowdesk.macro.scorecard import Scorecard

    # As sections.theses.build: the verdicts' recent history, ending at this result.
    module = _module("theses")
    start = result.asof - pd.DateOffset(years=module.HISTORY_YEARS)
    history = Scorecard().history(start, result.asof, "QE", settings=ctx.settings)
    if len(history) == 0 or history.index[-1] != result.asof:
        now = result.verdicts()
        history.loc[result.asof] = now.reindex(history.columns).to_numpy()
    return module.section_from_result(result, history)  # type: ignore[no-any-return]


#: Model name -> ``(result, ctx) -> Section``: each section's ``build`` minus its estimate.
SECTION_FROM_RESULT: dict[str, FromResult] = {
    "overview": _plain("overview"),
    "vix": _plain("vix"),
    "fed": _plain("fed"),
    "drivers": _drivers,
    "flows": _flows,
    "theses": _theses,
}


def shares_result(builder: SectionBuilder) -> bool:
    """Whether the page of ``builder`` is made from the shared result (its own module's build)."""
    if builder.id not in SECTION_FROM_RESULT:
        return False
    return builder.build is getattr(_module(builder.id), "build", None)


def from_result(builder: SectionBuilder, result: Any, ctx: ReportContext) -> Section:
    """The section of ``builder`` made from ``result``; a ``FlowdeskError`` makes it unavailable."""
    from flowdesk.errors import FlowdeskError
    from flowdesk.report.sections import Section

    try:
        return SECTION_FROM_RESULT[builder.id](result, ctx)
    except FlowdeskError as exc:
        return Section.unavailable(builder.id, builder.title, ctx.asof, str(exc))
