"""Render sections to one self-contained HTML page and write it atomically.

The page inlines its CSS, the figure-drawing script and plotly.js (exactly
once), so it opens from disk without a network. Figures travel as JSON inside
``<script type="application/json">`` tags and are drawn by ``report.js``. The
Jinja2 environment (with its filters) and ``section.html.j2`` are meant to be
reused by the web dashboard.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowdesk.formatting import flow_class, signed, signed_pct
from flowdesk.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, check_language, translations
from flowdesk.output_paths import atomic_write
from flowdesk.results import price_text

if TYPE_CHECKING:
    import jinja2
    import plotly.graph_objects as go

    from flowdesk.report.desk_summary import DeskSummary
    from flowdesk.report.sections import ReportContext, Section

__all__ = [
    "REPORT_TITLE",
    "asset_text",
    "figure_json",
    "render_html",
    "render_section",
    "template_environment",
    "write_html",
]

REPORT_TITLE = N_("flowdesk market report")
_SNAPSHOT_PACKAGE = "flowdesk.data.snapshot"
# JSON is embedded in <script> tags: these escapes keep "</script>" and HTML
# comment openers in strings from ending the tag (the same set Jinja's tojson uses).
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027",
                   "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_ESCAPE_RE = re.compile("[<>&'\u2028\u2029]")


def figure_json(fig: go.Figure) -> str:
    """Serialise a figure to JSON that is safe to place inside a ``<script>`` tag."""
    return _SCRIPT_ESCAPE_RE.sub(lambda m: _SCRIPT_ESCAPES[m.group(0)], fig.to_json())


def _isodate(value: Any) -> str:
    if value is None:
        return ""
    import pandas as pd

    if pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


@lru_cache(maxsize=len(LANGUAGES))
def template_environment(lang: str = DEFAULT_LANGUAGE) -> jinja2.Environment:
    """The Jinja2 environment of the report templates in ``lang``, with its filters.

    Filters: ``plotly_json`` (a figure as script-safe JSON), ``isodate``
    (``YYYY-MM-DD``) and the number formatters of :mod:`flowdesk.formatting`
    (``signed``, ``signed_pct``, ``flow_class``) with ``points`` (index levels).
    Templates translate with ``_()`` (gettext, :mod:`flowdesk.i18n`; the global
    ``lang`` is the language code). Autoescaping is on; only
    ``Section.body_html`` is trusted as HTML. One environment per language, not
    overlays: overlays share their globals, where the translations live.
    """
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("flowdesk.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = check_language(lang)
    # Plain gettext for Python objects that translate themselves (desk_summary.Phrase):
    # the template's own _() is bound to the template context.
    env.globals["translate"] = translations(lang).gettext
    env.filters["plotly_json"] = lambda fig: Markup(figure_json(fig))
    env.filters["isodate"] = _isodate
    env.filters["signed"] = signed
    env.filters["signed_pct"] = signed_pct
    env.filters["points"] = price_text
    env.filters["flow_class"] = flow_class
    return env


def asset_text(name: str) -> str:
    """Raw text of a template-directory asset, e.g. ``report.css`` or ``report.js``.

    Returned as is, not rendered by Jinja (CSS and JS braces are not template syntax).
    A dashboard page serves or inlines the same two files.
    """
    env = template_environment()
    if env.loader is None:  # pragma: no cover - the environment always has a loader
        raise RuntimeError("report templates: no loader configured")
    source, _, _ = env.loader.get_source(env, name)
    return source


def render_section(section: Section) -> str:
    """HTML of one section (the ``section.html.j2`` partial), for pages that embed it.

    The host page must also include plotly.js and ``report.js`` to draw the figures.
    """
    return template_environment().get_template("section.html.j2").render(section=section)


@dataclass(frozen=True)
class _Provenance:
    paragraphs: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _input_ids(sections: Iterable[Section]) -> list[str]:
    """Series behind the sections, with derived series replaced by their inputs."""
    from flowdesk.data.catalog import get_spec
    from flowdesk.errors import DataError

    seen: dict[str, None] = {}

    def add(series_id: str) -> None:
        try:
            spec = get_spec(series_id)
        except DataError:
            seen[series_id] = None
            return
        if spec.derived_from:
            for child in spec.derived_from:
                add(child)
        else:
            seen[spec.id] = None

    for section in sections:
        for series_id in section.freshness:
            add(series_id)
    return list(seen)


def _attribution(series_ids: Sequence[str]) -> str:
    from flowdesk.data.catalog import get_spec
    from flowdesk.errors import DataError

    credits: dict[str, None] = {}
    for series_id in series_ids:
        try:
            credit = get_spec(series_id).attribution
        except DataError:
            continue
        credits[credit.removeprefix("Source: ").strip()] = None
    if not credits:
        return "Data: embedded flowdesk snapshot and local cache."
    return "Data: " + "; ".join(credits) + "."


def _provenance(series_ids: Sequence[str]) -> _Provenance:
    """Intro text of the embedded PROVENANCE.md and its table rows for ``series_ids``."""
    from importlib import resources

    try:
        text = resources.files(_SNAPSHOT_PACKAGE).joinpath("PROVENANCE.md").read_text(
            encoding="utf-8"
        )
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return _Provenance(paragraphs=["The embedded PROVENANCE.md could not be read."])
    paragraphs: list[str] = []
    block: list[str] = []
    table: list[list[str]] = []
    for line in text.replace("`", "").splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            table.append([cell.strip() for cell in stripped.strip("|").split("|")])
        elif stripped.startswith("#"):
            continue
        elif stripped.startswith("- "):
            # A list item is its own paragraph rather than part of the running text.
            if block:
                paragraphs.append(" ".join(block))
            block = [stripped[2:]]
        elif stripped:
            block.append(stripped)
        elif block:
            paragraphs.append(" ".join(block))
            block = []
    if block:
        paragraphs.append(" ".join(block))
    if len(table) < 2:
        return _Provenance(paragraphs=paragraphs)
    header, body = table[0], [row for row in table[2:] if len(row) == len(table[0])]
    # The "origin" column points into the build tree, meaningless to a reader.
    keep = [i for i, name in enumerate(header) if name != "origin"]
    wanted = set(series_ids)
    rows = [[row[i] for i in keep] for row in body if row[0] in wanted]
    return _Provenance(paragraphs=paragraphs, columns=[header[i] for i in keep], rows=rows)


def render_html(sections: Sequence[Section], ctx: ReportContext,
                lang: str = DEFAULT_LANGUAGE, desk: DeskSummary | None = None) -> str:
    """Render the full report page.

    Parameters
    ----------
    sections
        Built sections, in page order (unavailable ones render as a notice).
    ctx
        Report context (as-of date, generation time).
    lang
        Language of the page's own words (:data:`flowdesk.i18n.LANGUAGES`).
    desk
        The desk summary when the caller already has it; default: built from
        ``sections``.

    Returns
    -------
    str
        A complete HTML document with CSS, plotly.js and every figure inlined.
    """
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    from flowdesk._version import __version__
    from flowdesk.report.desk_summary import desk_summary

    series_ids = _input_ids(sections)
    template = template_environment(check_language(lang)).get_template("report.html.j2")
    return template.render(
        code_update=Markup("<code>flowdesk data update</code>"),
        code_list=Markup("<code>flowdesk data list</code>"),
        title=REPORT_TITLE,
        desk=desk if desk is not None else desk_summary(sections, ctx.asof),
        version=__version__,
        asof=ctx.asof,
        generated_at=ctx.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        attribution=_attribution(series_ids),
        provenance=_provenance(series_ids),
        sections=list(sections),
        css=Markup(asset_text("report.css")),
        init_js=Markup(asset_text("report.js")),
        plotly_js=Markup(get_plotlyjs()),
    )


def write_html(
    text: str, path: str | Path, *, force: bool = False, argument: str = "output file"
) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file, fsync, rename).

    Readers never see a half-written report, and a failed write leaves any
    previous file untouched. The path policy (special files, ``force``) is
    :mod:`flowdesk.output_paths`'.

    Raises
    ------
    ConfigError
        If the directory does not exist, ``path`` is a directory or a special
        file (without ``force``), or the file cannot be written (the message
        names the path).
    """

    def write(target: Path) -> None:
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            if os.path.isfile(target):
                os.fsync(handle.fileno())

    return atomic_write(Path(path), write, force=force, argument=argument)
