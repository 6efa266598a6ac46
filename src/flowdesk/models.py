"""The model registry: every model listed once, with the one name it goes by everywhere.

A model's ``name`` is its JSON route (``/api/<name>``), its report section
(:mod:`flowdesk.report.sections.<name>`), its dashboard page (``/<name>``, the
overview at ``/``) and, unless :attr:`ModelSpec.cli` says otherwise, its CLI
command. The package's lazy public names (:mod:`flowdesk`), the API's model
routes (:mod:`flowdesk.web.api`), the report's section list
(:mod:`flowdesk.report.sections`) and the dashboard's pages
(:mod:`flowdesk.web.pages`) are all derived from :data:`MODELS`.

This module holds names only and imports nothing heavy: classes are found by
their dotted path when first used, so the registry sits at the bottom of the
package's layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from flowdesk.i18n import N_

__all__ = ["MODELS", "ModelSpec", "get_model", "import_object"]


def import_object(path: str) -> Any:
    """The object at ``"package.module:Name"``."""
    module, _, attribute = path.partition(":")
    return getattr(import_module(module), attribute)


@dataclass(frozen=True)
class ModelSpec:
    """One registered model.

    Attributes
    ----------
    name
        The one name: API route, section id, page path and default CLI command.
    title
        Heading of its section and label of its page.
    model, result
        ``"module:Class"`` of the model (options in ``__init__``, one verb
        ``estimate(asof=...)``) and of the frozen result it returns.
    summary
        One line describing the model (API docs, ``--help``).
    cli
        CLI command printing the result, when it differs from ``name``
        (``None``: the command is ``name``).
    api
        Whether ``/api/<name>`` serves the result's ``to_dict()``.
    label
        Short navigation label of its dashboard page (``None``: the title).
    """

    name: str
    title: str
    model: str
    result: str
    summary: str
    cli: str | None = None
    api: bool = True
    label: str | None = None

    @property
    def command(self) -> str:
        """The CLI command."""
        return self.cli or self.name

    @property
    def class_name(self) -> str:
        """Public name of the model class (exported by :mod:`flowdesk`)."""
        return self.model.partition(":")[2]

    @property
    def result_name(self) -> str:
        """Public name of the result class."""
        return self.result.partition(":")[2]

    @property
    def api_route(self) -> str | None:
        """``/api/<name>``, or ``None`` when the model has no JSON route."""
        return f"/api/{self.name}" if self.api else None

    @property
    def section_module(self) -> str:
        """Module of the model's report section."""
        return f"flowdesk.report.sections.{self.name}"

    @property
    def nav_label(self) -> str:
        """Navigation label of the dashboard page."""
        return self.label or self.title

    @property
    def page(self) -> str:
        """Dashboard page path."""
        return "/" if self.name == "overview" else f"/{self.name}"

    def model_class(self) -> type:
        """Import and return the model class."""
        return import_object(self.model)  # type: ignore[no-any-return]

    def result_class(self) -> type:
        """Import and return the result class."""
        return import_object(self.result)  # type: ignore[no-any-return]


#: Every model, in report and navigation order.
MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("overview", N_("Market overview"),
              "flowdesk.overview:MarketOverview", "flowdesk.overview:MarketOverviewResult",
              "S&P 500 drawdown, VIX term structure, rates and net liquidity",
              label=N_("Overview")),
    ModelSpec("flows", N_("Flows"),
              "flowdesk.flows.desk:FlowsDesk", "flowdesk.flows.desk:FlowsDeskResult",
              "Systematic flows: vol-control, CTA and buyback positioning"),
    ModelSpec("vix", N_("Volatility"),
              "flowdesk.vol.model:VixRegimes", "flowdesk.vol.model:VixRegimesResult",
              "VIX term structure regime and forward returns"),
    ModelSpec("fed", N_("Policy"),
              "flowdesk.policy.model:FedPolicy", "flowdesk.policy.model:FedPolicyResult",
              "Meeting-by-meeting Fed probabilities (curve proxy without futures)"),
    ModelSpec("drivers", N_("Drivers"),
              "flowdesk.drivers:Drivers", "flowdesk.drivers:DriversResult",
              "Flows vs fundamentals vs policy decomposition of index moves"),
    ModelSpec("theses", N_("Thesis scorecard"),
              "flowdesk.macro.scorecard:Scorecard", "flowdesk.macro.scorecard:ScorecardResult",
              "Thesis scorecard: verdicts and indicators", label=N_("Theses")),
    ModelSpec("simulator", N_("Simulator"),
              "flowdesk.sim.model:MarketSimulator", "flowdesk.sim.model:MarketSimulatorResult",
              "How much systematic flows amplify moves, from an agent-based simulator",
              cli="simulate", api=False),
)

_BY_NAME = {spec.name: spec for spec in MODELS}


def get_model(name: str) -> ModelSpec:
    """The registered model called ``name``.

    Raises
    ------
    KeyError
        If no model has that name (the message lists the names).
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no model named {name!r}; registered: {', '.join(_BY_NAME)}") from None
