"""flowdesk: who is forced to buy or sell, how much, and at which price levels.

Heavy modules (pandas, plotly, numba) load lazily, so ``import flowdesk`` stays
fast; the public names below resolve on first use. Every registered model and
its result class (:data:`flowdesk.models.MODELS`) is a public name here.
"""

from __future__ import annotations

from flowdesk._version import __version__
from flowdesk.lazy import lazy_exports
from flowdesk.models import MODELS
from flowdesk.threads import configure_blas

configure_blas()  # before numpy loads: see flowdesk.threads

_LAZY = {
    "load": "flowdesk.data",
    "list_series": "flowdesk.data",
    "update": "flowdesk.data",
    "import_series": "flowdesk.data",
    "export_series": "flowdesk.data",
    "catalog_frame": "flowdesk.data.catalog",
    "get_settings": "flowdesk.config",
    "Settings": "flowdesk.config",
    "FlowdeskError": "flowdesk.errors",
    "DataError": "flowdesk.errors",
    "SourceError": "flowdesk.errors",
    "ConfigError": "flowdesk.errors",
    "ModelError": "flowdesk.errors",
    "build_report": "flowdesk.report",
    "plot": "flowdesk.report.plotting",
    **{spec.class_name: spec.model.partition(":")[0] for spec in MODELS},
    **{spec.result_name: spec.result.partition(":")[0] for spec in MODELS},
}

__all__ = ["__version__", *sorted(_LAZY)]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
