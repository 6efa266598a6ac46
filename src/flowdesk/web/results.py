"""Model results shared by the JSON API and the dashboard pages: one computation per (model, as-of).

``/api/flows?asof=D`` and ``/flows?asof=D`` need the same
``FlowsDesk().estimate(D)``; both ask :func:`model_result`, which runs it once
on the app's :class:`~flowdesk.web.pool.ComputePool` (concurrent requests await
the same job) and keeps the result in a small LRU. Results are large (a flows
result is about 20 MB), so only a few are kept: enough for a page and its JSON
requested together. The bodies made from them are cached separately and for
longer (:func:`flowdesk.web.http.compute_body`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import Request

from flowdesk.models import MODELS, ModelSpec

if TYPE_CHECKING:
    import pandas as pd

    from flowdesk.config import Settings

__all__ = ["ESTIMATORS", "Estimator", "model_result", "results_kept"]

#: ``(asof, settings) -> result`` with ``.to_dict()``.
Estimator = Callable[["pd.Timestamp", "Settings | None"], Any]


def _estimate(spec: ModelSpec) -> Estimator:
    """``Model().estimate(asof, settings=settings)`` for a registered model."""

    def run(asof: pd.Timestamp, settings: Settings | None) -> Any:
        return spec.model_class()().estimate(asof, settings=settings)

    run.__name__ = f"estimate_{spec.name}"
    return run


#: Model name -> estimator, one per registered model with a JSON route
#: (:attr:`flowdesk.models.ModelSpec.api`). Tests swap entries for fakes.
ESTIMATORS: dict[str, Estimator] = {spec.name: _estimate(spec) for spec in MODELS if spec.api}


def results_kept(workers: int) -> int:
    """Model results kept in memory: two per worker, so each job's result outlives it a while."""
    return 2 * workers


async def model_result(request: Request, name: str, when: pd.Timestamp) -> Any:
    """The result of model ``name`` at ``when``, computed at most once at a time.

    Raises
    ------
    flowdesk.web.pool.OverloadedError
        If it must be computed and the pool is full.
    flowdesk.errors.FlowdeskError
        What the model raised (not cached; every waiter gets it).
    """
    settings = request.app.state.settings
    estimator = ESTIMATORS[name]
    return await request.app.state.pool.get(
        ("result", name, f"{when:%Y-%m-%d}"), lambda: estimator(when, settings),
        request.app.state.results)
