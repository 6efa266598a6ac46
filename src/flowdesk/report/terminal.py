"""Compact terminal summary of a report: the desk summary, key numbers per section, the path."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from flowdesk.report import ReportResult
    from flowdesk.report.desk_summary import DeskSummary
    from flowdesk.report.sections import Section

__all__ = ["desk_table", "render_terminal", "section_table"]


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


def desk_table(desk: DeskSummary) -> Table:
    """The desk summary's "who must trade" rows as a rich table (USD bn, base AUM).

    Buying is green and selling red, as on the page; the key levels, regimes
    and oldest input follow as lines (see :func:`render_terminal`).
    """
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from flowdesk.formatting import flow_class, signed

    colour = {"buy": "green", "sell": "red", "flat": "dim"}
    table = Table(title=f"Desk summary · as of {desk.asof:%Y-%m-%d} · who must trade (USD bn)",
                  title_justify="left", title_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False, show_edge=False, collapse_padding=True)
    table.add_column("Actor")
    for h in ("1w", "1m"):
        for t in ("flat", "up", "down"):
            table.add_column(f"{h} {t}", justify="right", no_wrap=True)
    table.add_column("AUM", style="dim")
    for row in desk.rows:
        cells = [row.flows[(h, t)][0] for h in ("1w", "1m") for t in ("flat", "up", "down")]
        table.add_row(escape(row.actor),
                      *(f"[{colour[flow_class(v)]}]{signed(v)}[/]" for v in cells),
                      escape(row.aum))
    return table


def _desk_lines(desk: DeskSummary) -> list[str]:
    from rich.markup import escape

    from flowdesk.formatting import signed_pct
    from flowdesk.results import price_text

    levels = ", ".join(
        f"{lv.label} {price_text(lv.value)}"
        + (f" ({signed_pct(lv.distance_pct)})" if lv.distance_pct is not None else "")
        for lv in desk.levels)
    lines = [f"[bold]Levels:[/bold] {escape(levels)}"] if levels else []
    lines += [f"[bold]{escape(name)}:[/bold] {escape(str(text))}" for name, text in desk.regimes]
    if desk.oldest is not None and desk.oldest.last is not None:
        mark = " [red]stale[/red]" if desk.oldest.stale else ""
        lines.append(f"[dim]Oldest input: {escape(desk.oldest.series_id)} last "
                     f"{desk.oldest.last:%Y-%m-%d} ({desk.oldest.age_days} days old)[/dim]{mark}")
    return lines


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
    desk = report_result.desk
    if desk.rows:
        console.print(desk_table(desk))
    for line in _desk_lines(desk):
        console.print(line, soft_wrap=True)
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
