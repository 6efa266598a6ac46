"""The "How this model compares with published desk estimates" table of the Flows section.

Made from the same computation as ``flowdesk validate``
(:func:`flowdesk.validation.validate` on the shipped public cases): one row per
summary figure. Point in time like the rest of the report: a report as of a
date shows the cases dated on or before it, each scored with the model run as
of its own date. The model's figures per case date are cached
(:mod:`flowdesk.validation.cache`), so the report, the dashboard and the CLI
compute each date once.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from flowdesk.errors import FlowdeskError

if TYPE_CHECKING:
    import pandas as pd

    from flowdesk.config import Settings
    from flowdesk.validation import ValidationResult

__all__ = ["TITLE", "comparison_html", "comparison_table_html"]

TITLE = "How this model compares with published desk estimates"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _desks(result: ValidationResult) -> str:
    names = [d for d in dict.fromkeys(result.cases["desk"]) if d]
    return f" ({', '.join(names)})" if names else ""


def comparison_table_html(result: ValidationResult) -> str:
    """The summary rows of ``result`` as an HTML table, with what the cases are and their sources.

    Parameters
    ----------
    result
        A validation of the shipped cases (or any cases file).

    Returns
    -------
    str
        Escaped HTML: a heading, the table (figure, what is compared, cases, result)
        and the source links; a short paragraph when there are no cases.
    """
    head = f'<h3 class="desk-comparison-title">{_esc(TITLE)}</h3>'
    if result.cases.empty:
        return (f'<div class="desk-comparison">{head}<p>{_esc(result.describe_cases())}: '
                "nothing to compare yet. <code>flowdesk validate</code> scores every public "
                "case.</p></div>")
    first, last = result.cases["date"].min(), result.cases["date"].max()
    what = "public cases, not a fit" if result.shipped else f"cases from {result.source}"
    cut = f", those dated on or before {result.until:%Y-%m-%d}" if result.until is not None else ""
    caption = (
        f"{what[0].upper()}{what[1:]}: {result.n_cases} published desk notes{_desks(result)}, "
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}{cut}, quoted in public reposts. Each is "
        "compared with this model run as of the note's date. Nothing is tuned to these notes "
        "point by point; the three trigger-filter windows and the buyback blackout lead were "
        "chosen on them by the method in docs/calibration.md (the same choice whichever case "
        "is left out). Cases = "
        "comparisons used (flat = a published flow under "
        f"{result.flat_tolerance_bn:g} USD bn, left out; n/a = the model gives no figure). "
        "Published figures are bank estimates, not ground truth. "
        "`flowdesk validate` prints every case and figure."
    )
    rows = []
    for row in result.summary_rows:
        left = [f"{row.n_flat} flat"] if row.n_flat else []
        left += [f"{row.n_no_estimate} n/a"] if row.n_no_estimate else []
        count = f"{row.n}" + (f" ({', '.join(left)})" if left else "")
        rows.append(
            f'<tr data-key="{_esc(row.key)}"><th scope="row">{_esc(row.label)}</th>'
            f"<td>{_esc(row.measure)}</td><td class=\"num\">{_esc(count)}</td>"
            f"<td>{_esc(row.text)}</td></tr>")
    sources = []
    for _, case in result.cases.sort_values("date", kind="stable").iterrows():
        label = f"{case['date']:%Y-%m-%d}" + (f" {case['desk']}" if case["desk"] else "")
        url = str(case["source"])
        if url.startswith(("https://", "http://")):
            sources.append(f'<a href="{_esc(url)}" rel="noopener noreferrer">{_esc(label)}</a>')
        else:
            sources.append(_esc(label))
    return (
        f'<div class="desk-comparison">{head}<div class="table-wrap">'
        f'<table class="comparison-table"><caption>{_esc(caption)}</caption>'
        '<thead><tr><th scope="col">Figure</th><th scope="col">Compared</th>'
        '<th scope="col" class="num">Cases</th><th scope="col">Result</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f'<p class="meta desk-comparison-sources">Sources (public reposts): '
        f"{', '.join(sources)}.</p></div>"
    )


def comparison_html(asof: pd.Timestamp, settings: Settings | None = None) -> str:
    """The comparison table for a report as of ``asof``: the shipped cases dated by then.

    A case the model cannot be run on makes the table say so; the rest of the
    section is unaffected.
    """
    from flowdesk.validation import shipped_cases, validate

    try:
        result = validate(shipped_cases().up_to(asof), settings=settings)
    except FlowdeskError as exc:
        return (f'<div class="desk-comparison"><h3 class="desk-comparison-title">{_esc(TITLE)}'
                f"</h3><p>Unavailable: {_esc(exc)}</p></div>")
    return comparison_table_html(result)
