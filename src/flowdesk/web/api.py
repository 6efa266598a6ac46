"""JSON API: the CLI's ``--format json`` outputs over HTTP, for any as-of date.

Each model endpoint is one row of :data:`MODELS`: a name (the URL segment) and a
callable ``(asof, settings) -> dict`` that imports its model lazily and returns
the result's ``.to_dict()``, exactly what ``flowdesk <command> --format json``
prints. A model whose module is not part of this version yet answers 503 with a
JSON message instead of failing. Bodies are cached per (endpoint, as-of) by
:func:`~flowdesk.web.app.cached_response`, with an ETag.
"""

from __future__ import annotations

import importlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from flowdesk.errors import ConfigError, DataError
from flowdesk.jsontools import jsonable
from flowdesk.web.app import ApiError, cached_response

if TYPE_CHECKING:
    import pandas as pd

    from flowdesk.config import Settings

__all__ = [
    "DATE_PATTERN",
    "MODELS",
    "SERIES_PATTERN",
    "DataRange",
    "ErrorBody",
    "ModelEndpoint",
    "encode",
    "jsonable",
    "request_asof",
    "router",
]

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# The store's own rule for ids (letters, digits, '_', '.', '-'; '..' is refused later).
SERIES_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
_JSON = "application/json"


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
        examples=["2020-03-20"],
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
}
_OK = {"description": "The result as JSON (the CLI's `--format json`).",
       "content": {_JSON: {"schema": {"type": "object"}}}}


def encode(payload: Any) -> tuple[bytes, str]:
    """Compact UTF-8 JSON of ``payload`` and its media type."""
    text = json.dumps(jsonable(payload), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))
    return text.encode("utf-8"), _JSON


class DataRange:
    """First and last S&P 500 close (the range of valid as-of dates), re-read every ``ttl`` s.

    Validating a date against this cached range keeps cache hits free of data
    loads; only dates outside it go to :func:`flowdesk.data.asof.resolve_asof`
    for the authoritative answer, so data updated meanwhile is still seen.
    """

    def __init__(self, settings: Settings, ttl: float = 30.0) -> None:
        self.settings = settings
        self.ttl = ttl
        self._value: tuple[pd.Timestamp, pd.Timestamp] | None = None
        self._read_at = -math.inf

    def peek(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The cached range, or ``None`` if it is missing or older than ``ttl``."""
        return self._value if time.monotonic() - self._read_at < self.ttl else None

    def get(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The range, re-read from the data when stale (raises ``DataError`` if none)."""
        value = self.peek()
        if value is None:
            from flowdesk.data import load

            index = load("SP500", settings=self.settings).index
            value = (index[0], index[-1])
            self._value, self._read_at = value, time.monotonic()
        return value


async def request_asof(request: Request, value: str | None, name: str = "asof") -> pd.Timestamp:
    """Validate an as-of query value; default it to the last S&P 500 close.

    Raises
    ------
    ApiError
        422 for a malformed date or one outside the S&P 500 data.
    """
    from flowdesk.data.asof import resolve_asof
    from flowdesk.dates import parse_date

    try:
        when = parse_date(value, name)
    except ConfigError as exc:
        raise ApiError(422, "InvalidDate", str(exc)) from None
    span: DataRange = request.app.state.data_range
    bounds = span.peek()
    if bounds is None:
        try:
            bounds = await run_in_threadpool(span.get)
        except DataError:
            bounds = None
    if bounds is not None and when is None:
        return bounds[1]
    if bounds is not None and when is not None and bounds[0] <= when <= bounds[1]:
        return when
    try:
        return await run_in_threadpool(
            resolve_asof, when, settings=request.app.state.settings, argument=name
        )
    except DataError as exc:
        raise ApiError(422, "OutsideData", str(exc)) from None


def _model_class(endpoint: str, module: str, attribute: str) -> Any:
    """Import ``module.attribute``; 503 if that model is not in this version yet."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        # Only the model's own module missing means "not built yet"; a missing
        # dependency inside it is a real bug and must surface.
        if exc.name is None or not (module == exc.name or module.startswith(exc.name + ".")):
            raise
        raise ApiError(503, "NotAvailable",
                       f"/api/{endpoint} is not available yet: this flowdesk version has no"
                       f" {module} module") from None
    cls = getattr(mod, attribute, None)
    if cls is None:
        raise ApiError(503, "NotAvailable",
                       f"/api/{endpoint} is not available yet: {module} has no {attribute}")
    return cls


@dataclass(frozen=True)
class ModelEndpoint:
    """One model behind ``/api/<name>``.

    Attributes
    ----------
    name
        URL segment and cache key.
    module, attribute
        Where the model class lives; imported on first request.
    summary
        One line for the OpenAPI docs.
    cli
        The CLI command printing the same JSON.
    """

    name: str
    module: str
    attribute: str
    summary: str
    cli: str

    def __call__(self, asof: pd.Timestamp, settings: Settings | None) -> dict[str, Any]:
        """``Model().estimate(asof, settings=settings).to_dict()``."""
        cls = _model_class(self.name, self.module, self.attribute)
        return cls().estimate(asof, settings=settings).to_dict()


#: Endpoint name -> callable(asof, settings) -> dict. Add a model with one line.
MODELS: dict[str, Callable[[pd.Timestamp, Settings | None], dict[str, Any]]] = {
    m.name: m
    for m in (
        ModelEndpoint("flows", "flowdesk.flows.desk", "FlowsDesk",
                      "Systematic flows: vol-control, CTA and buyback positioning",
                      "flowdesk flows"),
        ModelEndpoint("vix", "flowdesk.vol", "VixRegimes",
                      "VIX term structure regime and forward returns", "flowdesk vix"),
        ModelEndpoint("fed", "flowdesk.policy.model", "FedPolicy",
                      "Meeting-by-meeting Fed probabilities (curve proxy without futures)",
                      "flowdesk fed"),
        ModelEndpoint("drivers", "flowdesk.drivers", "Drivers",
                      "Flows vs fundamentals vs policy decomposition of index moves",
                      "flowdesk drivers"),
        ModelEndpoint("theses", "flowdesk.macro.scorecard", "Scorecard",
                      "Thesis scorecard: verdicts and indicators", "flowdesk theses"),
    )
}


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
        settings = request.app.state.settings

        def compute() -> tuple[bytes, str]:
            return encode(MODELS[name](when, settings))

        return await cached_response(request, (name, f"{when:%Y-%m-%d}"), compute)

    endpoint.__name__ = f"get_{name}"
    return endpoint


for _name, _model in MODELS.items():
    _summary = getattr(_model, "summary", _name)
    _cli = getattr(_model, "cli", f"flowdesk {_name}")
    router.add_api_route(
        f"/api/{_name}",
        _model_route(_name),
        methods=["GET"],
        summary=_summary,
        description=f"Same JSON as `{_cli} --format json --asof YYYY-MM-DD`."
        " 503 if this model is not part of the installed version yet.",
        operation_id=f"get_{_name}",
        tags=["models"],
        dependencies=[_only("asof")],
        responses={200: _OK, **_ERRORS,
                   503: {"model": ErrorBody, "description": "Model not available yet."}},
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
    from flowdesk.dates import parse_date

    settings = request.app.state.settings
    when = await request_asof(request, asof) if asof is not None else None
    bounds = [parse_date(value, name) for value, name in ((start, "start"), (end, "end"))]

    def compute() -> tuple[bytes, str]:
        import pandas as pd

        from flowdesk.data import load, resolve_spec

        spec = resolve_spec(series_id, settings)
        data = load(spec.id, start=bounds[0], end=bounds[1], asof=when, settings=settings)
        frame = data.to_frame(spec.id) if isinstance(data, pd.Series) else data
        records = frame.reset_index()
        records["date"] = records["date"].dt.strftime("%Y-%m-%d")
        return encode({
            "id": spec.id,
            "description": spec.description,
            "units": spec.units,
            "frequency": spec.frequency,
            "source": spec.source,
            "attribution": spec.attribution,
            "observations": records.to_dict(orient="records"),
        })

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
    from flowdesk._version import __version__
    from flowdesk.errors import FlowdeskError

    span = request.app.state.data_range
    try:
        first, last = span.peek() or await run_in_threadpool(span.get)
        data: dict[str, str] | None = {"first": f"{first:%Y-%m-%d}", "last": f"{last:%Y-%m-%d}"}
    except FlowdeskError:
        data = None
    body, media_type = encode({"status": "ok", "version": __version__, "data": data})
    return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})

