"""``flowdesk.plot(result, which=None)``: the one way from a model result to a picture.

Results are data and never draw. Each figure module of :mod:`flowdesk.report`
registers, for the result types it knows, its charts by name::

    register_charts(VixRegimesResult, {"ratio": ratio_figure, "forward": forward_figure})

(a type whose charts are not a fixed list registers its own function with
``@figure.register``).
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

__all__ = ["FIGURE_MODULES", "figure", "pick", "plot", "register_charts"]

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


def register_charts(
    result_type: type, makers: Mapping[str, Callable[..., go.Figure]]
) -> Callable[..., go.Figure]:
    """Make ``flowdesk.plot`` draw ``result_type`` with the chart functions in ``makers``.

    Parameters
    ----------
    result_type
        The result class.
    makers
        Chart name -> ``function(result, **options) -> Figure``, the default first.

    Returns
    -------
    callable
        The registered ``draw(result, which=None, **options)``.
    """
    owner = result_type.__name__

    def draw(result: Any, which: str | None = None, **options: Any) -> go.Figure:
        return pick(owner, makers, which)(result, **options)

    draw.__name__ = draw.__qualname__ = f"draw_{owner}"
    return figure.register(result_type)(draw)  # type: ignore[no-any-return]


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
