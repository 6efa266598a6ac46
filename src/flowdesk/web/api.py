"""JSON API: the CLI's ``--format json`` outputs over HTTP, for any as-of date.

Every registered model with a JSON route (:data:`flowdesk.models.MODELS`) gets
``/api/<name>``, answering the result's ``.to_dict()``: exactly what
``flowdesk <command> --format json`` prints. The model result is shared with
the dashboard page (:func:`~flowdesk.web.results.model_result`); bodies are
cached per (endpoint, as-of) with an ETag (:mod:`flowdesk.web.http`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from flowdesk._version import __version__
from flowdesk.models import MODELS
from flowdesk.web.http import (
    JSON_MEDIA_TYPE,
    ApiError,
    cached_response,
    compute_body,
    encode,
    peek_body,
    request_asof,
    request_date,
    respond,
)
from flowdesk.web.results import model_result

__all__ = ["DATE_EXAMPLES", "DATE_PATTERN", "SERIES_PATTERN", "ErrorBody", "router"]

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: Documented date examples: a real as-of date, then the bounds of pandas' range.
DATE_EXAMPLES = ("2020-03-20", "1677-09-21", "1677-09-22", "2262-04-11", "2262-04-12",
                 "0001-01-01", "9999-12-31")
# The store's own rule for ids (letters, digits, '_', '.', '-'; '..' is refused later).
SERIES_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


class ErrorDetail(BaseModel):
    """What went wrong."""

    type: str
    message: str


class ErrorBody(BaseModel):
    """Body of every error response."""

    error: ErrorDetail


def _date_query(description: str) -> Any:
    return Query(
        description=description,
        pattern=DATE_PATTERN,
        min_length=10,
        max_length=10,
        # Beyond the common case, the edges of what pandas can hold (nanosecond
        # timestamps span 1677-09-22..2262-04-11) API fuzzers
        # (schemathesis) start from these examples.
        examples=list(DATE_EXAMPLES),
        json_schema_extra={"format": "date"},
    )


AsofQuery = Annotated[
    str | None,
    _date_query(
        "As-of date YYYY-MM-DD inside the S&P 500 data; only data published by then are"
        " used. Default: the last S&P 500 close.",
    ),
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the If-None-Match ETag still matches."},
    400: {"model": ErrorBody, "description": "Bad request: unknown, repeated or bad parameter."},
    404: {"model": ErrorBody, "description": "No data: unknown series id or nothing published."},
    414: {"model": ErrorBody, "description": "URL longer than 2,048 bytes."},
    422: {"model": ErrorBody, "description": "Malformed date, or as-of outside the data."},
    503: {"model": ErrorBody, "description": "Busy: too many computations running or waiting;"
                                             " retry after `Retry-After` seconds."},
}
_OK = {"description": "The result as JSON (the CLI's `--format json`).",
       "content": {JSON_MEDIA_TYPE: {"schema": {"type": "object"}}}}


def _only(*names: str) -> Any:
    """Dependency refusing query parameters the endpoint does not take (typos like asOf)."""
    allowed = frozenset(names)

    async def check(request: Request) -> None:
        extra = sorted(set(request.query_params) - allowed)
        if extra:
            shown = ", ".join(repr(name[:40]) for name in extra[:5])
            takes = ", ".join(sorted(allowed)) or "none"
            raise ApiError(400, "UnknownParameter",
                           f"unknown query parameter {shown}; this endpoint takes: {takes}")

    return Depends(check)


router = APIRouter()


def _model_route(name: str) -> Callable[..., Response]:
    async def endpoint(request: Request, asof: AsofQuery = None) -> Response:
        when = await request_asof(request, asof)
        key = ("api", name, f"{when:%Y-%m-%d}")
        entry = peek_body(request, key)
        if entry is None:
            # The result is shared with the dashboard page of the same model and date.
            result = await model_result(request, name, when)
            entry = await compute_body(request, key, lambda: encode(result.to_dict()))
        return respond(request, entry)

    endpoint.__name__ = f"get_{name}"
    return endpoint


for _spec in MODELS:
    if not _spec.api:
        continue
    router.add_api_route(
        f"/api/{_spec.name}",
        _model_route(_spec.name),
        methods=["GET"],
        summary=_spec.summary,
        description=f"Same JSON as `flowdesk {_spec.command} --format json --asof YYYY-MM-DD`.",
        operation_id=f"get_{_spec.name}",
        tags=["models"],
        dependencies=[_only("asof")],
        responses={200: _OK, **_ERRORS},
    )


@router.get(
    "/api/series/{series_id}",
    summary="One series' observations and provenance",
    description="Same JSON as `flowdesk data show ID --format json`: id, description, units,"
    " frequency, source, attribution and the observations (only those published by `asof`,"
    " within `start`..`end`).",
    operation_id="get_series",
    tags=["data"],
    dependencies=[_only("asof", "start", "end")],
    responses={200: _OK, **_ERRORS},
)
async def get_series(
    request: Request,
    series_id: Annotated[
        str, Path(description="Series id, e.g. SP500 or DGS10 (see `flowdesk data list`).",
                  pattern=SERIES_PATTERN, examples=["SP500"])
    ],
    asof: AsofQuery = None,
    start: Annotated[str | None, _date_query("First observation date YYYY-MM-DD.")]
    = None,
    end: Annotated[str | None, _date_query("Last observation date YYYY-MM-DD.")] = None,
) -> Response:
    """Observations of one series, point-in-time at ``asof`` (default: all)."""
    settings = request.app.state.settings
    when = await request_asof(request, asof) if asof is not None else None
    bounds = [request_date(value, name) for value, name in ((start, "start"), (end, "end"))]

    def compute() -> tuple[bytes, str]:
        from flowdesk.data.api import load, resolve_spec, series_payload

        spec = resolve_spec(series_id, settings)
        data = load(spec.id, start=bounds[0], end=bounds[1], asof=when, settings=settings)
        return encode(series_payload(spec, data))

    # Ids are case-insensitive; errors (unknown id, empty window) are raised by
    # compute and never cached.
    dates = (None if d is None else f"{d:%Y-%m-%d}" for d in (when, *bounds))
    return await cached_response(request, ("series", series_id.upper(), *dates), compute)


@router.get(
    "/healthz",
    summary="Liveness and the range of as-of dates the data allow",
    operation_id="healthz",
    tags=["meta"],
    dependencies=[_only()],
    responses={200: {"description": "Server is up; `data` is null if no S&P 500 data load."}},
)
async def healthz(request: Request) -> Response:
    """``{"status": "ok", "version", "data": {"first", "last"}}``; never cached."""
    from flowdesk.errors import FlowdeskError

    span = request.app.state.data_range
    try:
        first, last = span.peek() or await run_in_threadpool(span.get)
        data: dict[str, str] | None = {"first": f"{first:%Y-%m-%d}", "last": f"{last:%Y-%m-%d}"}
    except FlowdeskError:
        data = None
    body, media_type = encode({"status": "ok", "version": __version__, "data": data})
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})

