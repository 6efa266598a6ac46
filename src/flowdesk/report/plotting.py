"""``flowdesk.plot(result, which=None)``: the one way from a model result to a picture.

Results are data and never draw. Each figure module of :mod:`flowdesk.report`
registers, for the result types it knows, a function that picks one of its
charts by name::

    @figure.register(VixRegimesResult)
    def _(result, which=None, **options):
        return pick("VixRegimesResult", {"ratio": ..., "forward": ...}, which)(result)

:func:`plot` imports the figure modules on first use (so that plotly loads
only when somebody plots) and dispatches on the result's type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import singledispatch
from importlib import import_module
from typing import TYPE_CHECKING, Any

from flowdesk.errors import ConfigError

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["FIGURE_MODULES", "figure", "pick", "plot"]

#: Modules that register figures with :func:`figure`, imported by :func:`plot`.
FIGURE_MODULES: tuple[str, ...] = (
    "flowdesk.report.figures",
    "flowdesk.report.figures_flows",
    "flowdesk.report.figures_vol",
    "flowdesk.report.figures_policy",
    "flowdesk.report.figures_drivers",
    "flowdesk.report.figures_macro",
    "flowdesk.report.figures_sim",
)


@singledispatch
def figure(result: Any, which: str | None = None, **options: Any) -> go.Figure:
    """The chart ``which`` of ``result`` (figure modules register one function per type).

    Raises
    ------
    ConfigError
        If no figure module draws this type of object.
    """
    raise ConfigError(f"plot: flowdesk has no charts for a {type(result).__name__}")


def pick(
    owner: str, makers: Mapping[str, Callable[..., go.Figure]], which: str | None
) -> Callable[..., go.Figure]:
    """The figure function called ``which`` (``None``: the first one) among ``makers``.

    Parameters
    ----------
    owner
        Name of the result type, for the error message.
    makers
        Chart name -> figure function, the default first.
    which
        The requested chart.

    Raises
    ------
    ConfigError
        If ``which`` is not one of the names (the message lists them).
    """
    if which is None:
        return next(iter(makers.values()))
    try:
        return makers[which]
    except KeyError:
        raise ConfigError(
            f"plot: {owner} has no chart {which!r}; choose one of {', '.join(makers)}"
        ) from None


def plot(result: Any, which: str | None = None, **options: Any) -> go.Figure:
    """A plotly figure of a model result.

    Parameters
    ----------
    result
        Any flowdesk result (``MarketOverview().estimate()``, ``FlowsDesk().estimate()``...).
    which
        Name of the chart when the result has several (``None``: its main one);
        a wrong name raises an error listing the choices.
    **options
        Options of that chart (e.g. ``asset=`` and ``years=`` for a CTA result).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    for module in FIGURE_MODULES:
        import_module(module)
    return figure(result, which, **options)
