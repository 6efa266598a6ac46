"""Compact terminal summary of a report: key numbers per section, then the output path."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from flowdesk.report import ReportResult
    from flowdesk.report.sections import Section

__all__ = ["render_terminal", "section_table"]


def section_table(section: Section) -> Table:
    """A rich ``Table`` of one section's key numbers.

    Columns: metric, value, unit, observation date, the 1w/1m/1y changes as
    signed numbers and the unit of those changes, so it fits an 80-column
    terminal (metric and unit wrap first when space is short).
    """
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title=f"{escape(section.title)} · as of {section.asof:%Y-%m-%d}",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    table.add_column("Metric", min_width=10)
    table.add_column("Value", justify="right", no_wrap=True)
    table.add_column("Unit", style="dim")
    table.add_column("Observed", style="dim", no_wrap=True)
    for horizon in ("1w", "1m", "1y"):
        table.add_column(horizon, justify="right", no_wrap=True)
    table.add_column("Chg in", style="dim", no_wrap=True)
    for kn in section.key_numbers:
        # Labels and units are data ("[bn]"): rich would take brackets for markup.
        table.add_row(
            escape(kn.label),
            kn.format_value(),
            escape(kn.unit),
            kn.format_obs_date(section.asof),
            kn.format_change("1w", with_unit=False),
            kn.format_change("1m", with_unit=False),
            kn.format_change("1y", with_unit=False),
            escape(kn.change_unit),
        )
    return table


def render_terminal(report_result: ReportResult, console: Console) -> None:
    """Print each section's key numbers, warnings, and where the report was written.

    Parameters
    ----------
    report_result
        What :func:`flowdesk.report.build_report` returned.
    console
        Where to print (e.g. ``Console(record=True, width=120)`` in tests).
    """
    from rich.markup import escape

    console.print(f"[bold]flowdesk report[/bold] as of {report_result.asof:%Y-%m-%d}")
    for section in report_result.sections:
        if not section.ok:
            console.print(
                f"[bold]{escape(section.title)}[/bold]: [red]unavailable: "
                f"{escape(section.note or 'no reason given')}[/red]"
            )
            continue
        if section.key_numbers:
            console.print(section_table(section))
        else:
            console.print(f"[bold]{escape(section.title)}[/bold]")
        if section.note:
            console.print(f"[yellow]note:[/yellow] {escape(section.note)}")
    console.print(f"Report written to {escape(str(report_result.path))}", soft_wrap=True,
                  highlight=False)
