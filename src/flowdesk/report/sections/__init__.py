"""Report sections: the unit the HTML report, the terminal summary and the dashboard share.

Each registered model (:data:`flowdesk.models.MODELS`) has one section module,
:mod:`flowdesk.report.sections.<name>`, exposing ``section_from_result(result, ...)``
and ``build(ctx) -> Section``; it calls the model's public API and turns the
result into key numbers, figures and a short text with
:func:`~flowdesk.report.sections.base.result_section`. Adding a section means
registering the model and adding its module: :data:`SECTIONS` follows the
registry. The types live in :mod:`flowdesk.report.sections.base`, which the
section modules import (never this package), so nothing here is imported in a
circle.
"""

from __future__ import annotations

from importlib import import_module

from flowdesk.models import MODELS, ModelSpec
from flowdesk.report.sections import base

# The package's public names are base's types plus the registry below.
from flowdesk.report.sections.base import *  # noqa: F403

__all__ = ["SECTIONS", *base.__all__]


def _builder(spec: ModelSpec) -> base.SectionBuilder:
    """The registry entry of ``spec``'s section (its module is found by name, not imported here)."""
    return base.SectionBuilder(spec.name, spec.title, import_module(spec.section_module).build)


#: The report's sections, in page order: one per registered model. A module
#: attribute (not a function) so tests and the dashboard can swap it.
SECTIONS: list[base.SectionBuilder] = [_builder(spec) for spec in MODELS]
