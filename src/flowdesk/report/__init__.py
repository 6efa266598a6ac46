"""The daily report: sections -> one self-contained HTML file + a terminal summary.

Data flow one way: ``data.load`` -> model -> result -> section -> HTML/terminal.
Sections call models' public API; nothing here computes a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowdesk.dates import DateLike
from flowdesk.output_paths import check_output_path
from flowdesk.report import sections as registry
from flowdesk.report.sections import ReportContext, Section, build_sections

if TYPE_CHECKING:
    import pandas as pd

    from flowdesk.config import Settings
    from flowdesk.report.desk_summary import DeskSummary

__all__ = ["ReportResult", "build_report", "default_report_path"]


@dataclass(frozen=True, eq=False)
class ReportResult:
    """A written report.

    Attributes
    ----------
    path
        The HTML file that was written (absolute).
    asof
        As-of date of the report.
    sections
        The sections, in page order, including unavailable ones.
    """

    path: Path
    asof: pd.Timestamp
    sections: tuple[Section, ...]

    @cached_property
    def desk(self) -> DeskSummary:
        """The desk summary of the sections, built once for the page, terminal and JSON."""
        from flowdesk.report.desk_summary import desk_summary

        return desk_summary(self.sections, self.asof)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the report.

        Keys: ``asof``, ``path``, ``desk_summary`` (the first screen: who must
        trade, key levels, regimes, oldest input; see
        :mod:`flowdesk.report.desk_summary`) and ``sections``, a list of ``{"id",
        "title", "status", "key_numbers", "note"}``.
        """
        return {
            "asof": f"{self.asof:%Y-%m-%d}",
            "path": str(self.path),
            "desk_summary": self.desk.to_dict(),
            "sections": [section.to_dict() for section in self.sections],
        }


def default_report_path(asof: pd.Timestamp, directory: Path | None = None) -> Path:
    """``<directory>/flowdesk-report-<YYYY-MM-DD>.html`` (directory: the current one)."""
    return (directory if directory is not None else Path.cwd()) / (
        f"flowdesk-report-{asof:%Y-%m-%d}.html"
    )


def _output_path(out: str | Path | None, asof: pd.Timestamp, force: bool) -> Path:
    if out is None:
        path = default_report_path(asof)
    else:
        path = Path(out).expanduser()
        if path.is_dir():
            path = default_report_path(asof, path)
    return check_output_path(path.absolute(), force=force, argument="--out")


def build_report(
    asof: DateLike | None = None,
    out: str | Path | None = None,
    *,
    settings: Settings | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    force: bool = False,
    lang: str | None = None,
) -> ReportResult:
    """Build every section for ``asof`` and write the HTML report.

    Parameters
    ----------
    asof
        As-of date (``YYYY-MM-DD``, date or ``None``); default: the last S&P 500 close.
    out
        Output file, or an existing directory to put the default file name in;
        default ``./flowdesk-report-<asof>.html``.
    settings
        Settings (cache directory); default from the environment.
    progress
        Called as ``progress(done, total, section_title)`` while sections build.
    force
        Write into an existing symlink, FIFO or device at ``out`` instead of
        refusing (:mod:`flowdesk.output_paths`).
    lang
        Language of the page (``en``, ``ko``; default English), checked first.

    Returns
    -------
    ReportResult
        Path, as-of date and sections. A section whose model raised a
        ``FlowdeskError`` is included with ``status == "unavailable"``.

    Raises
    ------
    ConfigError
        Malformed ``asof`` (named ``--asof``), an unknown ``lang`` (``--lang``), or
        an output path that cannot be written (named ``--out``), checked before the
        sections are built.
    DataError
        If ``asof`` is outside the S&P 500 data, or it is omitted and no S&P 500
        data are available to default it.
    """
    from flowdesk.data.asof import resolve_asof
    from flowdesk.i18n import check_language
    from flowdesk.report.html import render_html, write_html

    language = check_language(lang)
    asof_ts = resolve_asof(asof, settings=settings, argument="--asof")
    # Check the destination before the (slower) build so a typo fails fast.
    path = _output_path(out, asof_ts, force)
    ctx = ReportContext(asof=asof_ts, settings=settings)
    # Read the registry at call time: tests and the dashboard swap ``SECTIONS``.
    sections = build_sections(ctx, registry.SECTIONS, progress=progress)
    result = ReportResult(path=path, asof=asof_ts, sections=tuple(sections))
    write_html(render_html(sections, ctx, language, desk=result.desk), path, force=force,
               argument="--out")
    return result
