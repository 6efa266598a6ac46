"""Dashboard pages: one page per registered model, rendered with the report's templates.

:data:`PAGES` follows the model registry (:data:`flowdesk.models.MODELS`): each
:class:`Page` shows the report section of the same name, looked up at request
time in :data:`flowdesk.report.sections.SECTIONS` (so tests can swap it; a page
whose section is missing shows a "not available yet" panel). The section is
drawn by the report's ``section.html.j2`` partial inside this package's
``page.html.j2`` layout, and its charts by the report's ``report.js`` with
plotly.js served once as a cached static asset (never a CDN).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from flowdesk._version import __version__
from flowdesk.errors import ConfigError
from flowdesk.i18n import DEFAULT_LANGUAGE, LANGUAGES, check_language
from flowdesk.models import MODELS
from flowdesk.web.http import (
    ApiError,
    cached_response,
    compute_body,
    peek_body,
    request_asof,
    respond,
)
from flowdesk.web.page_sections import from_result, shares_result
from flowdesk.web.results import model_result

if TYPE_CHECKING:
    import jinja2
    import pandas as pd

    from flowdesk.report.sections import Section, SectionBuilder

__all__ = [
    "PAGES",
    "Page",
    "asset_url",
    "find_builder",
    "render_error_page",
    "router",
    "wants_html",
]


@dataclass(frozen=True)
class Page:
    """One dashboard page, made from a registered model.

    Attributes
    ----------
    path
        URL path (``/`` for the overview).
    title
        Navigation label.
    section_id
        Id of the report section the page shows (the model's name).
    api
        The JSON endpoint with the same model, if any.
    """

    path: str
    title: str
    section_id: str
    api: str | None = None


#: The dashboard's pages, in navigation order: one per registered model.
PAGES: tuple[Page, ...] = tuple(
    Page(spec.page, spec.nav_label, spec.name, spec.api_route) for spec in MODELS
)

_STATIC = "/static/"
_NOT_PAGES = ("/api/", "/healthz", "/openapi.json", _STATIC)


def find_builder(page: Page) -> SectionBuilder | None:
    """The registered section builder for ``page``, or ``None`` if none is registered yet."""
    from flowdesk.report import sections

    return next((b for b in sections.SECTIONS if b.id == page.section_id), None)


@lru_cache(maxsize=1)
@lru_cache(maxsize=len(LANGUAGES))
def _environment(lang: str = DEFAULT_LANGUAGE) -> jinja2.Environment:
    """The report's Jinja environment in ``lang`` that also finds this package's templates."""
    import jinja2

    from flowdesk.report.html import template_environment

    report = template_environment(lang)
    assert report.loader is not None
    loader = jinja2.ChoiceLoader([jinja2.PackageLoader("flowdesk.web", "templates"), report.loader])
    return report.overlay(loader=loader)


@dataclass(frozen=True)
class _Asset:
    body: bytes
    gzipped: bytes
    media_type: str
    etag: str


def _own_asset(name: str) -> str:
    env = _environment()
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _report_asset(name: str) -> Callable[[], str]:
    def text() -> str:
        from flowdesk.report.html import asset_text

        return asset_text(name)

    return text


# A fixed table: the URL picks an entry, never a file path.
_ASSETS: dict[str, tuple[Callable[[], str], str]] = {
    "plotly.min.js": (_plotly_js, "text/javascript; charset=utf-8"),
    "report.js": (_report_asset("report.js"), "text/javascript; charset=utf-8"),
    "report.css": (_report_asset("report.css"), "text/css; charset=utf-8"),
    "dashboard.css": (lambda: _own_asset("dashboard.css"), "text/css; charset=utf-8"),
}


@lru_cache(maxsize=len(_ASSETS))
def _asset(name: str) -> _Asset:
    loader, media_type = _ASSETS[name]
    body = loader().encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()[:16]
    return _Asset(body, gzip.compress(body, compresslevel=6, mtime=0), media_type, f'"{digest}"')


def asset_url(name: str) -> str:
    """Versioned URL of a static asset (the version changes with its content)."""
    return f"{_STATIC}{name}?v={_asset(name).etag.strip(chr(34))}"


def _bounds(request: Request) -> tuple[pd.Timestamp, pd.Timestamp]:
    return request.app.state.data_range.get()


def _freshness(section: Section | None) -> dict[str, Any]:
    rows = section.freshness_rows() if section is not None and section.ok else []
    dates = [row.last for row in rows if row.last is not None]
    return {
        "count": len(rows),
        "stale": [row.series_id for row in rows if row.stale],
        "newest": max(dates) if dates else None,
        "oldest": min(dates) if dates else None,
    }


def _has_charts(section: Section | None) -> bool:
    if section is None or not section.ok:
        return False
    # Some sections embed extra charts in their body with the same markup.
    return bool(section.figures) or "data-plotly-figure" in section.body_html


def _nav(current: Page | None, asof: str | None) -> list[dict[str, Any]]:
    suffix = f"?asof={asof}" if asof else ""
    return [
        {"title": p.title, "href": p.path + suffix, "active": p is current,
         "available": find_builder(p) is not None}
        for p in PAGES
    ]


#: Cookie that remembers the language picked with ``?lang=``.
LANG_COOKIE = "flowdesk_lang"


def page_language(request: Request) -> str:
    """The page language: ``?lang=`` if given, else the remembered cookie, else English.

    Raises
    ------
    ApiError
        400 for an unknown ``?lang=`` (a stale cookie just falls back to English).
    """
    asked = request.query_params.get("lang")
    if asked is not None:
        try:
            return check_language(asked, argument="lang")
        except ConfigError as exc:
            raise ApiError(400, "BadParameter", str(exc)) from None
    remembered = request.cookies.get(LANG_COOKIE, "")
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


def _languages(lang: str, asof: str | None) -> list[dict[str, Any]]:
    suffix = f"&asof={asof}" if asof else ""
    return [{"code": code, "name": name, "href": f"?lang={code}{suffix}", "active": code == lang}
            for code, name in LANGUAGES.items()]


def _base_context(current: Page | None, asof: str | None,
                  lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:

    return {
        "version": __version__,
        "nav": _nav(current, asof),
        "languages": _languages(lang, asof),
        "assets": {name: asset_url(name) for name in ("report.css", "dashboard.css")},
    }


async def _section_maker(page: Page, request: Request,
                         when: pd.Timestamp) -> Callable[[], Section | None]:
    """What builds ``page``'s section on a worker, after awaiting the shared model result."""
    from flowdesk.errors import FlowdeskError
    from flowdesk.report.sections import ReportContext, Section, build_sections

    builder = find_builder(page)
    if builder is None:
        return lambda: None
    ctx = ReportContext(asof=when, settings=request.app.state.settings)
    if not shares_result(builder):
        return lambda: build_sections(ctx, [builder])[0]
    try:
        result = await model_result(request, builder.id, when)
    except FlowdeskError as exc:  # as build_sections does: the page says why, no error status
        reason = str(exc)
        return lambda: Section.unavailable(builder.id, builder.title, when, reason)
    return lambda: from_result(builder, result, ctx)


async def _desk_results(request: Request, when: pd.Timestamp) -> dict[str, Any]:
    """The results the desk summary reads, shared with the API; a failing one is left out."""
    from flowdesk.errors import FlowdeskError
    from flowdesk.report.desk_summary import SUMMARY_MODELS

    # Asked for together, so the pool computes them side by side on a first load.
    outcomes = await asyncio.gather(*(model_result(request, name, when)
                                      for name in SUMMARY_MODELS), return_exceptions=True)
    found: dict[str, Any] = {}
    for name, outcome in zip(SUMMARY_MODELS, outcomes, strict=True):
        if isinstance(outcome, FlowdeskError):
            continue  # the summary names what is missing; that model's page says why
        if isinstance(outcome, BaseException):
            raise outcome  # overload (503) and bugs propagate as before
        found[name] = outcome
    return found


def _render_page(page: Page, request: Request, when: pd.Timestamp, explicit: bool,
                 section: Section | None, desk_results: dict[str, Any] | None = None,
                 lang: str = DEFAULT_LANGUAGE) -> bytes:
    import datetime as dt

    from flowdesk.report.desk_summary import summary_from_results

    first, last = _bounds(request)
    iso = f"{when:%Y-%m-%d}"
    context = _base_context(page, iso if explicit else None, lang)
    context.update(
        page=page,
        section=section,
        asof=when,
        explicit=explicit,
        first=first,
        last=last,
        freshness=_freshness(section),
        desk=None if desk_results is None else summary_from_results(desk_results, when),
        api_href=f"{page.api}?asof={iso}" if page.api else None,
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        # plotly.js takes a second or more to start: only pages with charts load it.
        scripts=[asset_url(name) for name in ("plotly.min.js", "report.js")] if _has_charts(
            section) else [],
    )
    return _environment(lang).get_template("page.html.j2").render(**context).encode("utf-8")


AsofParam = Annotated[str | None, Query(max_length=10)]
router = APIRouter(include_in_schema=False)


def _page_route(page: Page) -> Callable[..., Response]:
    async def endpoint(request: Request, asof: AsofParam = None) -> Response:
        extra = sorted(set(request.query_params) - {"asof", "lang"})
        if extra:
            raise ApiError(400, "UnknownParameter",
                           f"unknown query parameter {extra[0][:40]!r}; pages take asof and lang")
        lang = page_language(request)
        when = await request_asof(request, asof or None)
        explicit = bool(asof)
        key = ("page", page.path, f"{when:%Y-%m-%d}", explicit, lang)
        entry = peek_body(request, key)
        if entry is None:
            make_section = await _section_maker(page, request, when)
            # The Overview opens with the desk summary (who must trade, levels, regimes).
            desk = await _desk_results(request, when) if page.path == "/" else None

            def compute() -> tuple[bytes, str]:
                html = _render_page(page, request, when, explicit, make_section(), desk, lang)
                return html, "text/html; charset=utf-8"

            entry = await compute_body(request, key, compute)
        response = respond(request, entry, cache_control="no-cache")
        # The body depends on the language cookie; ?lang= is remembered in it.
        response.headers["Vary"] = "Cookie"
        if "lang" in request.query_params:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
        return response

    endpoint.__name__ = "page_" + (page.path.strip("/") or "overview")
    return endpoint


for _page in PAGES:
    router.add_api_route(_page.path, _page_route(_page), methods=["GET"],
                         response_class=HTMLResponse)


@router.get("/static/{name}")
async def static_asset(
    request: Request,
    name: Annotated[str, Path(max_length=32)],
    v: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """plotly.js, the report's CSS/JS and the dashboard CSS, gzipped when accepted."""
    if name not in _ASSETS:
        raise ApiError(404, "NotFound", f"no such static asset: {name!r}")
    # The first call reads (and gzips) the asset: do that off the event loop.
    asset = _asset(name) if _asset.cache_info().currsize == len(_ASSETS) else (
        await run_in_threadpool(_asset, name))
    headers = {
        "ETag": asset.etag,
        "Cache-Control": "public, max-age=31536000, immutable" if v else "public, max-age=3600",
        "Vary": "Accept-Encoding",
    }
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/favicon.ico")
async def favicon() -> Response:
    """No icon (pages declare an empty one); 204 keeps browsers from logging a 404."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})


def _inline_code(text: str) -> Any:
    """Escape ``text`` and show its `backticked` parts as code."""
    import re

    from markupsafe import Markup, escape

    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _parameter(param: dict[str, Any]) -> dict[str, Any]:
    schema = param.get("schema", {})
    inner = next((s for s in schema.get("anyOf", []) if s.get("type") != "null"), schema)
    shape = schema.get("format") or inner.get("format") or inner.get("pattern") or inner.get(
        "type", "")
    return {"name": param.get("name", ""), "where": param.get("in", ""),
            "required": bool(param.get("required")), "shape": shape,
            "description": _inline_code(param.get("description", ""))}


def _operations(spec: dict[str, Any], last: str) -> list[dict[str, Any]]:
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [_parameter(p) for p in op.get("parameters", [])]
            example = path.replace("{series_id}", "SP500")
            if any(p["name"] == "asof" for p in params):
                example += f"?asof={last}"
            answers = op.get("responses", {})
            operations.append({
                "method": method.upper(), "path": path, "example": example,
                "summary": op.get("summary", ""),
                "description": _inline_code(op.get("description", "")),
                "parameters": params,
                "responses": {code: _inline_code(r.get("description", ""))
                              for code, r in answers.items()},
            })
    return operations


@router.get("/docs")
async def api_docs(request: Request) -> Response:
    """API reference rendered server-side from ``/openapi.json`` (no CDN, works offline)."""
    last = f"{(await request_asof(request, None)):%Y-%m-%d}"

    def compute() -> tuple[bytes, str]:
        spec = request.app.openapi()
        context = _base_context(None, None)
        context.update(spec=spec, operations=_operations(spec, last),
                       description=_inline_code(spec.get("info", {}).get("description", "")))
        html = _environment().get_template("docs.html.j2").render(**context)
        return html.encode("utf-8"), "text/html; charset=utf-8"

    return await cached_response(request, ("docs", last), compute, cache_control="no-cache")


_PAGE_PATHS = frozenset(p.path for p in PAGES)


def wants_html(request: Request) -> bool:
    """Whether an error should be shown as a page rather than JSON.

    A dashboard page answers its errors as HTML unless the client asks for
    JSON and not HTML (a page is HTML whoever asks); other non-API URLs only
    for a browser (``Accept: text/html``). The API, ``/healthz``, the spec and
    static assets always answer JSON.
    """
    path = request.url.path
    accept = request.headers.get("accept", "").lower()
    if path in _PAGE_PATHS:
        return "text/html" in accept or "application/json" not in accept
    if path.startswith(_NOT_PAGES) or path == "/docs":
        return False
    return "text/html" in accept


def render_error_page(request: Request, status: int, kind: str, message: str,
                      headers: dict[str, str] | None = None) -> Response:
    """The error as an HTML page with the navigation, so the reader can pick another date."""
    context = _base_context(None, None)
    context.update(status=status, kind=kind, message=message)
    html = _environment().get_template("error.html.j2").render(**context)
    return HTMLResponse(html, status_code=status, headers=headers)
