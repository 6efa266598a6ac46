"""The model against published desk estimates: ``flowdesk validate``.

Scores :class:`~flowdesk.flows.desk.FlowsDesk` against a CSV of figures that
bank desks published (trigger levels, projected CTA flows, positioning,
buyback blackout share), one row per note:

* :mod:`~flowdesk.validation.cases`: the file layout, its strict reader and
  the public cases shipped with the package (``cases/``, with its provenance);
* :mod:`~flowdesk.validation.metrics`: the scores and the summary, pure arithmetic;
* :mod:`~flowdesk.validation.run`: :func:`validate`, which runs the model on
  every case date (any ``estimate(date) -> dict`` callable; default the flows desk);
* :mod:`~flowdesk.validation.cache`: the default model's figures per date,
  cached by code, data and settings;
* :mod:`~flowdesk.validation.result`: :class:`ValidationResult`.

Example::

    from flowdesk.validation import read_cases, validate

    print(validate().summary())                       # the shipped public cases
    print(validate(read_cases("my_notes.csv")).to_dict()["summary"])
"""

from __future__ import annotations

from flowdesk.validation.cases import FIELDS, CaseFile, read_cases, shipped_cases
from flowdesk.validation.metrics import FLAT_TOLERANCE_BN, SummaryRow
from flowdesk.validation.result import DEFINITIONS, ValidationResult
from flowdesk.validation.run import DataBounds, Estimate, data_bounds, validate

__all__ = [
    "DEFINITIONS",
    "FIELDS",
    "FLAT_TOLERANCE_BN",
    "CaseFile",
    "DataBounds",
    "Estimate",
    "SummaryRow",
    "ValidationResult",
    "data_bounds",
    "read_cases",
    "shipped_cases",
    "validate",
]
