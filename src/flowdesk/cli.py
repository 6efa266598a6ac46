"""Command-line interface (Typer + rich); calls the public API only.

Every deliberate error (:class:`~flowdesk.errors.FlowdeskError`) becomes one
line on stderr and exit code 2; warnings (stale data, network fallbacks,
repaired cache) are printed as they happen. Set ``FLOWDESK_DEBUG=1`` to get
tracebacks instead.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import warnings
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from flowdesk._version import __version__
from flowdesk.errors import FlowdeskError
from flowdesk.jsontools import jsonable
from flowdesk.models import get_model

__all__ = ["app", "main"]

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="flowdesk",
    help="Who is forced to buy or sell, how much, and at which price levels.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="List, show, refresh, import and export series.", no_args_is_help=True)
app.add_typer(data_app, name="data")


class OutputFormat(StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"


class ShowFormat(StrEnum):
    """How `data show` prints observations."""

    table = "table"
    json = "json"
    csv = "csv"


_state: dict[str, Any] = {"offline": False}

FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table (for people) or json (for programs).")
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write into an existing symlink, FIFO or device instead of refusing"
             " (it is never replaced by a regular file).",
    ),
]
AsofOption = Annotated[
    str | None,
    typer.Option("--asof", help="Point-in-time date YYYY-MM-DD: use only data published by then."),
]


def _esc(value: object) -> str:
    """``str(value)`` with rich markup escaped.

    Messages and table cells carry user and data text (file names, ids, the
    ``[dask]`` extra in install advice); unescaped, rich would drop what looks
    like a tag or fail with ``MarkupError`` on a stray closing tag.
    """
    from rich.markup import escape

    return escape(str(value))


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _stdout() -> Any:
    from rich.console import Console

    console = Console(highlight=False)
    # Piped output has no width; rich's 80-column fallback wraps every table row.
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120
    return console


def _check_window(start: str | None, end: str | None) -> None:
    """Fail on a bad ``--start``/``--end`` before any data is read, naming the option."""
    from flowdesk.dates import parse_date

    parse_date(start, "--start", supported=True)
    parse_date(end, "--end", supported=True)


def _settings() -> Any:
    from flowdesk.config import get_settings

    if _state["offline"]:
        return get_settings(offline=True)
    return get_settings()


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    from flowdesk.errors import FlowdeskWarning

    if issubclass(category, FlowdeskWarning):
        _stderr().print(f"[yellow]warning:[/yellow] {_esc(message)}", markup=True)


def _error_line(message: str) -> None:
    """Print ``error: message`` as exactly one line (newlines in names become spaces)."""
    flat = " ".join(message.splitlines())
    _stderr().print(f"[red]error:[/red] {_esc(flat)}", markup=True)


def handle_errors(func: F) -> F:
    """Turn FlowdeskErrors into one line + exit 2, and print warnings as they come."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = warnings.showwarning
        warnings.showwarning = _show_warning
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.showwarning = _show_warning
                return func(*args, **kwargs)
        except FlowdeskError as exc:
            if os.environ.get("FLOWDESK_DEBUG"):
                raise
            _error_line(str(exc))
            raise typer.Exit(code=2) from None
        except OSError as exc:
            # The file system refusing (permissions, a full disk, a path that went
            # away) is the user's environment, not a flowdesk bug: one line too.
            if os.environ.get("FLOWDESK_DEBUG"):
                raise
            where = f"{exc.filename}: " if exc.filename is not None else ""
            _error_line(f"{where}{exc.strerror or exc}")
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt:
            _stderr().print("interrupted")
            raise typer.Exit(code=130) from None
        finally:
            warnings.showwarning = previous

    return wrapper  # type: ignore[return-value]


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(payload), indent=2, ensure_ascii=False) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowdesk {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    offline: Annotated[
        bool,
        typer.Option(
            "--offline", help="Never touch the network: cache and embedded snapshot only."
        ),
    ] = False,
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
) -> None:
    """flowdesk: systematic flows and the macro regime around them, point in time."""
    _state["offline"] = offline or os.environ.get("FLOWDESK_OFFLINE", "").lower() in (
        "1",
        "true",
        "yes",
    )


# ------------------------------------------------------------------ data
@data_app.command("list")
@handle_errors
def data_list(
    fmt: FormatOption = OutputFormat.table,
    category: Annotated[
        str | None, typer.Option("--category", help="Only this category (e.g. rates, labour).")
    ] = None,
) -> None:
    """List every series: id, description, source, coverage and freshness."""
    from flowdesk.data import list_series

    frame = list_series(settings=_settings())
    if category:
        frame = frame[frame["category"] == category.lower()]
        if frame.empty:
            from flowdesk.errors import ConfigError

            raise ConfigError(f"--category {category!r}: no series in that category")
    if fmt is OutputFormat.json:
        _print_json(frame.reset_index().to_dict(orient="records"))
        return
    from rich.table import Table

    table = Table(title="flowdesk series", show_lines=False, header_style="bold")
    for col in ("id", "description", "source", "first", "last", "freshness"):
        table.add_column(col, overflow="fold" if col == "description" else "ellipsis")
    colour = {"fresh": "green", "stale": "yellow", "missing": "red"}
    for sid, row in frame.iterrows():
        fresh = row["freshness"]
        mark = " *" if row["shadowed"] else ""
        # pandas keeps a missing first/last/age as NaN (a float), never None.
        age = f" ({int(row['age_days'])}d)" if fresh == "stale" else ""
        # Ids and descriptions of imported series are the user's text: escaped.
        table.add_row(
            _esc(f"{sid}{mark}"),
            _esc(row["description"]),
            _esc(f"{row['source']}/{row['origin']}"),
            row["first"] if isinstance(row["first"], str) else "-",
            row["last"] if isinstance(row["last"], str) else "-",
            f"[{colour.get(fresh, 'white')}]{fresh}{age}[/]",
        )
    if frame["shadowed"].any():
        table.caption = "* shadowed by your import; `flowdesk data restore ID` undoes it"
    _stdout().print(table)


@data_app.command("show")
@handle_errors
def data_show(
    series_id: Annotated[str, typer.Argument(help="Series id, e.g. SP500 or DGS10.")],
    start: Annotated[str | None, typer.Option("--start", help="First date YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date YYYY-MM-DD.")] = None,
    asof: AsofOption = None,
    tail: Annotated[int, typer.Option("--tail", min=1, help="Rows to print in table form.")] = 20,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f")] = ShowFormat.table,
) -> None:
    """Show a series' observations and provenance."""
    import pandas as pd

    from flowdesk.data.api import load, resolve_spec, series_payload

    _check_window(start, end)
    settings = _settings()
    spec = resolve_spec(series_id, settings)
    data = load(series_id, start=start, end=end, asof=asof, settings=settings)
    frame = data.to_frame(spec.id) if isinstance(data, pd.Series) else data
    if spec.id == "EARNINGS_DATES" and fmt is not ShowFormat.json:
        _show_earnings(spec, frame, fmt, tail)
        return
    if fmt is ShowFormat.csv:
        sys.stdout.write(frame.to_csv(index_label="date", date_format="%Y-%m-%d"))
        return
    if fmt is ShowFormat.json:
        _print_json(series_payload(spec, frame))
        return
    from rich.table import Table

    table = Table(
        title=_esc(f"{spec.id}: {spec.description} [{spec.units}]"),
        caption=_esc(f"{len(frame)} observations {frame.index[0].date()} to"
                     f" {frame.index[-1].date()}; showing the last {min(tail, len(frame))}."
                     f" {spec.attribution}"),
    )
    table.add_column("date")
    for col in frame.columns:
        table.add_column(_esc(col), justify="right")
    for stamp, row in frame.tail(tail).iterrows():
        table.add_row(stamp.strftime("%Y-%m-%d"), *(_esc(_fmt_cell(v)) for v in row))
    _stdout().print(table)


def _show_earnings(spec: Any, frame: Any, fmt: ShowFormat, tail: int) -> None:
    """Print earnings dates as ticker, report_date rows (the latest filings last)."""
    from rich.table import Table

    from flowdesk.data.earnings import undated_view

    rows = undated_view(frame).sort_values(["report_date", "ticker"], kind="stable")
    if fmt is ShowFormat.csv:
        sys.stdout.write(rows.to_csv(index=False, date_format="%Y-%m-%d"))
        return
    first, last = rows["report_date"].iloc[0].date(), rows["report_date"].iloc[-1].date()
    table = Table(
        title=_esc(f"{spec.id}: {spec.units} (SEC 8-K Item 2.02)"),
        caption=_esc(f"{len(rows)} report dates of {rows['ticker'].nunique()} tickers {first}"
                     f" to {last}; showing the last {min(tail, len(rows))}. {spec.attribution}"),
    )
    table.add_column("ticker")
    table.add_column("report_date")
    for ticker, stamp in rows.tail(tail).itertuples(index=False):
        table.add_row(_esc(ticker), stamp.strftime("%Y-%m-%d"))
    _stdout().print(table)


def _fmt_cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.6g}"
    return str(value)


@data_app.command("update")
@handle_errors
def data_update(
    series_ids: Annotated[
        list[str] | None, typer.Argument(help="Ids to refresh (default: every live series).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Fetch series from FRED, Cboe and Yahoo and merge them into the local cache.

    EARNINGS_DATES (company report dates from SEC EDGAR, one request per company),
    FED_SPEECHES (the Board's speeches feed) and FF_FUTURES (fed funds futures
    closes from Yahoo, accumulated day by day) are refreshed only when named, e.g.
    `flowdesk data update FF_FUTURES`.
    """
    from dataclasses import asdict

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from flowdesk.data import update, update_plan
    from flowdesk.data.earnings import EARNINGS_ID
    from flowdesk.errors import ConfigError

    settings = _settings()
    if settings.offline:
        raise ConfigError("offline mode: `data update` needs the network (drop --offline)")
    wanted = [i.upper() for i in series_ids or []]
    earnings = EARNINGS_ID in wanted
    others = [i for i in series_ids or [] if i.upper() != EARNINGS_ID]
    plan = update_plan(others or None) if others or not earnings else []
    outcomes = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=_stderr(),
        transient=fmt is OutputFormat.json,
    ) as progress:
        if earnings:
            from flowdesk.data.earnings_update import update_earnings_dates

            companies = progress.add_task(f"{EARNINGS_ID}: SEC EDGAR", total=None)

            def company(done: int, total: int, ticker: str) -> None:
                progress.update(companies, completed=done, total=total,
                                description=f"{EARNINGS_ID}: {ticker}")

            outcomes.append(update_earnings_dates(settings=settings, progress=company))
        if plan:
            task = progress.add_task("updating", total=len(plan))

            def advance(outcome: Any) -> None:
                progress.update(task, advance=1, description=f"{outcome.id}: {outcome.status}")

            outcomes += update([s.id for s in plan], settings=settings, on_done=advance)
    if fmt is OutputFormat.json:
        _print_json([asdict(o) for o in outcomes])
    else:
        from rich.table import Table

        table = Table(title="data update")
        for col in ("id", "status", "source", "added", "revised", "last", "message"):
            table.add_column(col, overflow="fold")
        for o in outcomes:
            status = {"failed": "red", "updated": "green"}.get(o.status, "white")
            table.add_row(
                _esc(o.id),
                f"[{status}]{_esc(o.status)}[/]",
                _esc(o.source),
                str(o.added),
                str(o.revised),
                o.last or "-",
                _esc(o.message),
            )
        _stdout().print(table)
    if outcomes and all(o.status == "failed" for o in outcomes):
        raise typer.Exit(code=1)


@data_app.command("export")
@handle_errors
def data_export(
    series_id: Annotated[str, typer.Argument(help="Series id.")],
    to: Annotated[Path, typer.Option("--to", help="Destination .csv or .parquet file.")],
    start: Annotated[str | None, typer.Option("--start")] = None,
    end: Annotated[str | None, typer.Option("--end")] = None,
    asof: AsofOption = None,
    force: ForceOption = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write a series to a CSV or parquet file."""
    from flowdesk.data import export_series

    _check_window(start, end)
    path = export_series(series_id, to, start=start, end=end, asof=asof, settings=_settings(),
                         force=force)
    if fmt is OutputFormat.json:
        _print_json({"id": series_id.upper(), "path": str(path)})
    else:
        _stdout().print(f"wrote {_esc(series_id.upper())} to {_esc(path)}")


@data_app.command("import")
@handle_errors
def data_import(
    series_id: Annotated[str, typer.Argument(help="Id to store the series under.")],
    file: Annotated[Path, typer.Argument(help="CSV with a date column and a value column.")],
    column: Annotated[
        str | None, typer.Option("--column", help="Value column if there are several.")
    ] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    units: Annotated[str | None, typer.Option("--units")] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Needed to shadow built-in data (a catalog id) or replace an earlier import;"
            " the old version is kept for `flowdesk data restore`.",
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Import a user-supplied CSV series into the cache (validated first).

    Fatal, nothing written: an empty, bad or mixed-format date, a duplicate or
    unsorted date, a value that is not a plain 0-9 number (non-ASCII digits
    included), a non-positive price. Dropped and counted in the output: blank
    lines, empty or missing-marker values (".", "NA"), rows with more cells
    than the header; other columns are ignored and named. EARNINGS_DATES takes
    ticker,report_date: an empty ticker is fatal too, repeated rows are dropped
    and counted.
    """
    from flowdesk.data import import_series

    outcome = import_series(
        series_id,
        file,
        value_column=column,
        description=description,
        units=units,
        replace=replace,
        settings=_settings(),
    )
    if fmt is OutputFormat.json:
        _print_json(outcome.to_dict())
        return
    entry = outcome.entry
    replaced = ""
    if outcome.replaced_what:
        old = outcome.replaced.describe() if outcome.replaced else "no data yet"
        replaced = f"; replaced {outcome.replaced_what} ({old})"
    _stdout().print(
        f"imported {outcome.to_dict()['id']}: {entry.rows} observations {entry.first} to"
        f" {entry.last} ({outcome.added} new, {outcome.revised} revised, {outcome.kept} kept,"
        f" {outcome.removed} removed){replaced}; {outcome.dropped.describe()}",
        markup=False,
        soft_wrap=True,
    )


@data_app.command("restore")
@handle_errors
def data_restore(
    series_id: Annotated[str, typer.Argument(help="Id whose last import to undo.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Undo the last `data import` of a series: the previous import or the built-in data return."""
    from flowdesk.data import restore_series

    outcome = restore_series(series_id, settings=_settings())
    if fmt is OutputFormat.json:
        _print_json(outcome.to_dict())
        return
    payload = outcome.to_dict()

    def version(v: dict[str, Any]) -> str:
        rows = f"{v['rows']:,} row{'s' if v['rows'] != 1 else ''}"
        return f"{v['file']} ({rows} {v['first']} to {v['last']})"

    what = version(payload["undone"])
    if outcome.restored is not None:
        now = f"the previous import {version(payload['restored'])} is back"
    elif outcome.builtin:
        now = "the built-in data are used again"
    else:
        now = f"the user series {outcome.id} no longer exists"
    kept = f"; {outcome.remaining} earlier import(s) kept" if outcome.remaining else ""
    _stdout().print(
        f"restored {outcome.id}: undid {what}; {now}{kept}", markup=False, soft_wrap=True
    )


# ---------------------------------------------------------------- models
def _checked_asof(asof: str | None) -> Any:
    """Parse ``--asof`` and require it inside the S&P 500 history (None passes through)."""
    from flowdesk.data.asof import resolve_asof
    from flowdesk.dates import parse_date

    when = parse_date(asof, "--asof")
    if when is None:
        return None
    return resolve_asof(when, settings=_settings(), argument="--asof")


def _emit(result: Any, fmt: OutputFormat) -> None:
    """Print a model result: its JSON dict, or its plain-text summary."""
    if fmt is OutputFormat.json:
        _print_json(result.to_dict())
    else:
        # Plain text so tables in the summary are not re-wrapped to the terminal width.
        sys.stdout.write(result.summary().rstrip() + "\n")


#: Models whose command takes only --asof and --format, with their help text.
_PLAIN_MODELS: dict[str, str] = {
    "overview": "Market overview: S&P 500 drawdown, VIX term structure, rates and net liquidity.",
    "vix": "VIX term structure: regime (calm, hedging-driven or panic inversion) and what"
           " followed.",
    "drivers": "What moved the S&P 500: systematic flows vs policy vs data vs volatility.",
    "theses": "Macro thesis scorecard: seven claims, their indicators and verdicts (point in"
              " time).",
}


def _plain_model_command(name: str) -> Callable[..., None]:
    """The command printing ``<registered model>().estimate(asof)``."""
    spec = get_model(name)

    def command(asof: AsofOption = None, fmt: FormatOption = OutputFormat.table) -> None:
        model = spec.model_class()()
        _emit(model.estimate(_checked_asof(asof), settings=_settings()), fmt)

    command.__name__ = command.__qualname__ = name
    command.__doc__ = _PLAIN_MODELS[name]
    return command


for _name in _PLAIN_MODELS:
    app.command(get_model(_name).command)(handle_errors(_plain_model_command(_name)))


@app.command("fed")
@handle_errors
def fed(
    asof: AsofOption = None,
    futures: Annotated[
        Path | None,
        typer.Option(
            "--futures", help="CSV of 30-day fed funds futures: columns month (YYYY-MM), price."
        ),
    ] = None,
    target_low: Annotated[
        float | None, typer.Option("--target-low", help="Lower bound of today's target range, %.")
    ] = None,
    target_high: Annotated[
        float | None, typer.Option("--target-high", help="Upper bound of today's target range, %.")
    ] = None,
    window: Annotated[
        str | None,
        typer.Option("--window", help="Odds attribution window START:END (YYYY-MM-DD:YYYY-MM-DD;"
                     " either side may be empty). Default: the 12 months to --asof."),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Odds attribution window start, YYYY-MM-DD.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Odds attribution window end, YYYY-MM-DD.")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Fed odds: per-meeting matrix and its changes, cut-odds history, what moved the odds.

    FedWatch (CME method) from futures (--futures, or the futures cache), else a
    labelled curve proxy.
    """
    from flowdesk.errors import ConfigError
    from flowdesk.policy.futures_input import read_futures_csv
    from flowdesk.policy.model import FedPolicy

    if (target_low is None) != (target_high is None):
        raise ConfigError("--target-low and --target-high must be given together")
    target = (target_low, target_high) if target_low is not None else None
    bounds = _window_option(window, start, end)
    curve = read_futures_csv(futures) if futures is not None else None
    result = FedPolicy().estimate(
        _checked_asof(asof), futures=curve, target=target, settings=_settings(), window=bounds
    )
    _emit(result, fmt)


def _window_option(
    window: str | None, start: str | None, end: str | None
) -> tuple[str | None, str | None] | None:
    """``--window START:END`` or ``--start``/``--end`` as ``(start, end)`` (dates checked later)."""
    from flowdesk.errors import ConfigError

    if window is None:
        return None if start is None and end is None else (start or None, end or None)
    if start is not None or end is not None:
        raise ConfigError("--window: give either --window START:END or --start/--end, not both")
    parts = window.split(":")
    if len(parts) != 2 or not any(p.strip() for p in parts):
        raise ConfigError(f"--window: expected START:END (YYYY-MM-DD:YYYY-MM-DD), got {window!r}")
    first, last = (p.strip() or None for p in parts)
    return first, last


@app.command("flows")
@handle_errors
def flows(
    asof: AsofOption = None,
    asset: Annotated[
        str | None,
        typer.Option("--asset", help="Show one CTA asset (e.g. SP500); totals stay all assets."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Who is forced to trade: vol-control, CTA and buyback positioning and projected flows."""
    from flowdesk.flows.desk import FlowsDesk

    _emit(FlowsDesk().estimate(_checked_asof(asof), asset=asset, settings=_settings()), fmt)


_LISTED = 25  # companies shown per list in the text output


@app.command("buybacks")
@handle_errors
def buybacks(
    asof: AsofOption = None,
    study: Annotated[bool, typer.Option(
        "--event-study", help="S&P 500 returns in open vs blackout windows since 2004.")] = False,
    backtest: Annotated[bool, typer.Option(
        "--backtest", help="Error of the projected report dates, 2015-2025.")] = False,
    ticker: Annotated[str | None, typer.Option(
        "--ticker", help="One company: its window, last and next release.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Buyback blackout by company: who closes and reopens in the next two weeks."""
    from flowdesk.errors import ConfigError
    from flowdesk.flows.desk import (
        buyback_calendar,
        buyback_event_study,
        earnings_projection_backtest,
    )

    if study and backtest:
        raise ConfigError("--event-study and --backtest: choose one")
    if study:
        with _spinner("Fitting 22 years of company windows"):
            _emit(buyback_event_study(_checked_asof(asof), settings=_settings()), fmt)
        return
    if backtest:
        with _spinner("Projecting 20,000 report dates"):
            _emit(earnings_projection_backtest(settings=_settings()), fmt)
        return
    result = buyback_calendar(_checked_asof(asof), settings=_settings())
    if ticker is not None:
        row = result.company(ticker)
        if fmt is OutputFormat.json:
            _print_json(row)
        else:
            sys.stdout.write("\n".join(f"{k}: {v}" for k, v in row.items()) + "\n")
        return
    lists = result.listing()
    if fmt is OutputFormat.json:
        _print_json({**result.to_dict(),
                     **{name: frame.reset_index().to_dict("records")
                        for name, frame in lists.items()}})
        return
    parts = [result.summary().rstrip()]
    for name, frame in lists.items():
        title = name.replace("_", " ").capitalize()
        body = frame.head(_LISTED).to_string() if not frame.empty else "  (none)"
        more = (f"\n  ... and {len(frame) - _LISTED} more (--format json lists all)"
                if len(frame) > _LISTED else "")
        parts.append(f"{title} ({len(frame)})\n{body}{more}")
    sys.stdout.write("\n\n".join(parts) + "\n")


@app.command("validate")
@handle_errors
def validate(
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases",
            help="CSV of published desk estimates in the shipped layout (default: the public"
                 " cases shipped with flowdesk).",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Score the model against published desk estimates: pivots, flows, positioning, blackouts."""
    from flowdesk.validation import read_cases, shipped_cases
    from flowdesk.validation import validate as score

    table = read_cases(cases) if cases is not None else shipped_cases()
    with _spinner(f"running the model on {len(table.dates)} case dates") as status:

        def step(done: int, total: int, date: Any) -> None:
            status.update(f"running the model on case date {date:%Y-%m-%d} ({done + 1}/{total})")

        result = score(table, settings=_settings(), progress=step)
    _emit(result, fmt)


simulate_app = typer.Typer(
    help="Market simulator: how much mechanical flows amplify moves.",
    invoke_without_command=True,
)
app.add_typer(simulate_app, name="simulate")


@simulate_app.callback()
@handle_errors
def simulate(
    ctx: typer.Context,
    paths: Annotated[int, typer.Option("--paths", help="Paths per configuration.")] = 1000,
    years: Annotated[float, typer.Option("--years", help="Years per path (252 sessions).")] = 20.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed; same seed, same result.")] = 0,
    without: Annotated[
        list[str] | None,
        typer.Option("--without", help="Agent class switched off everywhere (repeatable)."),
    ] = None,
    asof: AsofOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Simulate with every agent, switch each systematic class off, report the amplification."""
    if ctx.invoked_subcommand is not None:
        return
    from flowdesk.sim.model import MarketSimulator

    # Parsed before the spinner so a bad date fails at once, like every other command.
    when = _checked_asof(asof)
    simulator = MarketSimulator(seed=seed)
    if paths < 2:
        from flowdesk.errors import ConfigError

        raise ConfigError(f"--paths: need at least 2, got {paths}")
    if not (math.isfinite(years) and years > 0):
        from flowdesk.errors import ConfigError

        raise ConfigError(f"--years: must be a positive number, got {years:g}")
    simulator.check_budget(paths, years, without=without or (), names=("--paths", "--years"))
    with _spinner("simulating"):
        result = simulator.estimate(when, paths=paths, years=years,
                                                     without=without or ())
    _emit(result, fmt)


@simulate_app.command("sweep")
@handle_errors
def simulate_sweep(
    grid: Annotated[Path, typer.Option("--grid", help="TOML file describing the sweep.")],
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local processes (default: CPU count).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Run a parameter sweep on local processes or an existing Dask cluster."""
    from rich.progress import Progress

    from flowdesk.errors import ConfigError
    from flowdesk.sim.sweep import SweepSpec, check_sweep_budget, run_sweep

    # Everything that can be refused is refused before the progress bar starts.
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers: need at least 1 process, got {workers}")
    spec = SweepSpec.from_toml(grid)
    check_sweep_budget(spec, workers if scheduler is None else 1)
    with _progress(Progress) as bar:
        task = bar.add_task("sweep", total=None)
        result = run_sweep(
            spec,
            scheduler=scheduler,
            workers=workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _emit(result, fmt)


def _progress(progress_class: Any, *columns: Any) -> Any:
    """A transient progress bar on stderr, off when stderr is not a terminal.

    Off a terminal a transient bar cannot erase itself and leaves an empty
    line, which would break the one-line error rule for scripts reading stderr.
    """
    console = _stderr()
    return progress_class(*columns, console=console, transient=True,
                          disable=not console.is_terminal)


def _spinner(label: str) -> Any:
    """A transient stderr status line for work that takes more than a moment."""
    return _stderr().status(label, spinner="dots")


@app.command("serve")
@handle_errors
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (loopback unless you say otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8050,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only the cache and the embedded snapshot.")
    ] = False,
) -> None:
    """Serve the dashboard and JSON API (read-only) until Ctrl-C."""
    from flowdesk.web.server import serve as run_server

    run_server(host=host, port=port, offline=offline or _state["offline"])


# ---------------------------------------------------------------- report
@app.command("report")
@handle_errors
def report(
    asof: AsofOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="HTML file to write.")] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only the cache and the embedded snapshot.")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch stale series from live sources first.")
    ] = False,
    force: ForceOption = False,
    fmt: FormatOption = OutputFormat.table,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the HTML page: en or ko (Korean).")
    ] = "en",
) -> None:
    """Write the HTML report for a date and print a terminal summary.

    By default the report reads the local cache and the embedded snapshot and
    never touches the network; --refresh fetches newer data first.
    """
    from flowdesk.config import get_settings
    from flowdesk.errors import ConfigError
    from flowdesk.i18n import check_language
    from flowdesk.report import build_report

    build_report = functools.partial(build_report, lang=check_language(lang))
    settings = get_settings(offline=True) if (offline or _state["offline"]) else _settings()
    if refresh:
        if settings.offline:
            raise ConfigError("--refresh needs the network; drop --offline")
        _refresh_for_report(settings)
    result = _build_report_with_progress(build_report, asof, out, settings, force)
    if fmt is OutputFormat.json:
        _print_json(result.to_dict())
        return
    from flowdesk.report.terminal import render_terminal

    render_terminal(result, _stdout())


def _build_report_with_progress(
    build: Any, asof: Any, out: Any, settings: Any, force: bool = False
) -> Any:
    """Build the report with a transient per-section progress bar on stderr.

    The first run on a machine compiles the numba kernels (tens of seconds, once);
    the bar says so, so a slow first report does not look like a hang.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    first_run = not _numba_cache_warm()
    label = "first run: compiling numerical kernels once, then " if first_run else ""
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with _progress(Progress, *columns) as bar:
        task = bar.add_task("report", total=None)

        def step(done: int, total: int, title: str) -> None:
            what = f"{label}building {title}" if title else "writing HTML"
            bar.update(task, completed=done, total=total, description=what)

        return build(asof=asof, out=out, settings=settings, progress=step, force=force)


def _numba_cache_warm() -> bool:
    """Whether numba's cache already holds compiled flowdesk kernels."""
    from importlib.util import find_spec

    spec = find_spec("flowdesk.sim.kernel")
    cache_root = os.environ.get("NUMBA_CACHE_DIR")
    if cache_root:
        return any(Path(cache_root).rglob("kernel._advance_block*.nbi"))
    if spec is None or spec.origin is None:
        return True
    pattern = "kernel._advance_block*.nbi"
    if any((Path(spec.origin).parent / "__pycache__").glob(pattern)):
        return True
    # Where __pycache__ is not writable (a system-wide install) numba caches per user.
    try:
        from numba.core.caching import _CacheLocator
        from numba.misc.appdirs import AppDirs
    except ImportError:  # numba moved its internals: assume a first run
        return False
    user = Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)
    return any((user / _CacheLocator.get_suitable_cache_subpath(spec.origin)).glob(pattern))


def _refresh_for_report(settings: Any) -> None:
    from flowdesk.data import list_series, update

    frame = list_series(settings=settings)
    stale = [
        sid
        for sid, row in frame.iterrows()
        if row["freshness"] in ("stale", "missing") and row["source"] in ("fred", "cboe", "yahoo")
    ]
    if stale:
        from rich.progress import Progress

        with Progress(console=_stderr(), transient=True) as progress:
            task = progress.add_task("refreshing", total=len(stale))
            update(stale, settings=settings, on_done=lambda _o: progress.advance(task))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``flowdesk`` script; returns the exit code.

    Usage errors (unknown options, missing arguments) exit with 2 like
    deliberate errors; see :func:`handle_errors`.
    """
    try:
        # standalone_mode=False hands the parser's usage errors to us instead of
        # typer's boxed multi-line rendering, so they keep the one-line rule.
        code = app(args=argv, prog_name="flowdesk", standalone_mode=False)
    except _CLICK_ERROR as exc:
        return _report_click_error(exc)
    except _ABORT:
        _stderr().print("interrupted")
        return 130
    except SystemExit as exc:
        if exc.code is None:
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    return code if isinstance(code, int) else 0


# Recent typer vendors click (typer.TyperException); older releases use click's own.
_CLICK_ERROR: type[Exception] = getattr(typer, "TyperException", None) or __import__(
    "click"
).ClickException
_ABORT: type[BaseException] = typer.Abort


def _report_click_error(exc: Exception) -> int:
    """One ``error:`` line for a usage error; the help text for a bare group."""
    code = int(getattr(exc, "exit_code", 2))
    message = exc.format_message()  # type: ignore[attr-defined]
    # By class name: the classes live in click or in typer's vendored copy.
    kinds = {cls.__name__ for cls in type(exc).__mro__}
    if "NoArgsIsHelpError" in kinds:
        # `flowdesk` or `flowdesk data` alone: the help page is already printed.
        if message.strip():
            sys.stderr.write(message.rstrip("\n") + "\n")
        return code
    ctx = getattr(exc, "ctx", None)
    if "UsageError" in kinds:
        command = ctx.command_path if ctx is not None else "flowdesk"
        message = f"{command}: {message} (see '{command} --help')"
    _error_line(message)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
