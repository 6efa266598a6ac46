"""The HTML report: self-contained, complete, robust to failing sections, written atomically."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

import flowdesk.report.sections as sections_module
from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.report import build_report
from flowdesk.report.html import figure_json, render_html, write_html
from flowdesk.report.sections import ReportContext, Section, SectionBuilder

ASOF = "2020-03-20"


def _strip_plotly(page: str) -> str:
    bundle = get_plotlyjs()
    assert page.count(bundle) == 1
    return page.replace(bundle, "")


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="key-number".*?</tr>', page, flags=re.S)


def test_report_is_self_contained(tmp_path: Path) -> None:
    result = build_report(ASOF, tmp_path / "report.html")
    page = result.path.read_text(encoding="utf-8")
    rest = _strip_plotly(page)  # asserts exactly one full plotly.js bundle
    # No second copy or fragment of the bundle (its licence banner is unique).
    assert "plotly.js v" not in rest
    assert not re.search(r"<script[^>]+src\s*=", rest, flags=re.I)
    assert not re.search(r"<link\b", rest, flags=re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", rest, flags=re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", rest, flags=re.I)
    assert "@import" not in rest
    assert page.lstrip().lower().startswith("<!doctype html>")


def test_toc_lists_every_section_and_numbers_carry_units_and_dates(tmp_path: Path) -> None:
    result = build_report(ASOF, tmp_path / "report.html")
    page = _strip_plotly(result.path.read_text(encoding="utf-8"))
    toc = re.search(r'<nav class="toc".*?</nav>', page, flags=re.S)
    assert toc is not None
    for section in result.sections:
        assert f'href="#{section.id}"' in toc.group(0)
        assert f'<section id="{section.id}"' in page

    rows = _rows(page)
    numbers = [k for s in result.sections for k in s.key_numbers]
    assert len(rows) == len(numbers) >= 10
    for row, kn in zip(rows, numbers, strict=True):
        assert f'data-label="{html.escape(kn.label)}"' in row
        unit = re.search(r'<td class="unit">([^<]+)</td>', row)
        assert unit is not None and unit.group(1).strip()
        obs = re.search(r'<td class="obs">.*?(\d{4}-\d{2}-\d{2}).*?</td>', row, flags=re.S)
        assert obs is not None, row
        for change in re.findall(r'<td class="num change">([^<]*)</td>', row):
            assert change == "n/a" or re.fullmatch(r"[+-][\d,.]+(%| pp| pts| bp| USD bn)", change)

    # Units written out by hand for a few rows, with their observation dates.
    by_label = {re.search(r'data-label="([^"]+)"', r).group(1): r for r in rows}
    expected = {
        "S&amp;P 500": ("index points", "2020-03-20"),
        "VIX / VIX3M": ("ratio", "2020-03-20"),
        "10-year Treasury yield": ("percent", "2020-03-20"),
        "Effective fed funds rate": ("percent", "2020-03-19"),  # published with a 1-day lag
        "Net liquidity": ("USD bn", "2020-03-18"),  # Wednesday, published Thursday
    }
    for label, (unit, obs) in expected.items():
        row = by_label[label]
        assert f'<td class="unit">{unit}</td>' in row, label
        assert f'datetime="{obs}"' in row, label


def test_figures_are_embedded_as_json_and_drawn_once(tmp_path: Path) -> None:
    result = build_report(ASOF, tmp_path / "report.html")
    page = _strip_plotly(result.path.read_text(encoding="utf-8"))
    for section in result.sections:
        for dom_id, _fig in section.figures:
            assert page.count(f'id="{dom_id}"') == 1
            payload = re.search(
                rf'<script type="application/json" id="{dom_id}-data">(.*?)</script>',
                page, flags=re.S,
            )
            assert payload is not None
            spec = json.loads(payload.group(1))
            # Charts share the standard height; dense ones (the flows heatmap) are taller.
            assert spec["layout"]["height"] >= 320
            assert "as of 2020-03-20" in spec["layout"]["title"]["text"]
    assert "Plotly.newPlot" in page


def test_header_has_asof_generated_time_and_provenance(tmp_path: Path) -> None:
    result = build_report(ASOF, tmp_path / "report.html")
    page = _strip_plotly(result.path.read_text(encoding="utf-8"))
    header = re.search(r"<header.*?</header>", page, flags=re.S).group(0)
    assert "2020-03-20" in header
    assert re.search(r"generated <time datetime=\"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\"", header)
    assert 'href="#provenance"' in header and "FRED" in header and "Cboe" in header
    provenance = re.search(r'<section id="provenance".*?</section>', page, flags=re.S).group(0)
    # Derived series are traced back to their stored inputs.
    for series_id in ("SP500", "VIX", "T10Y3M", "WALCL", "WTREGEN", "RRPONTSYD"):
        assert f"<td>{series_id}</td>" in provenance, series_id
    # Every input was published within its usual schedule on 2020-03-20.
    freshness = page.split("Data freshness")[1].split("</table>")[0]
    assert freshness.count("data through 2020-03-") == 8
    assert 'class="stale"' not in freshness


def test_stale_series_are_flagged(tmp_path: Path) -> None:
    # On the last S&P 500 date of the embedded data, VIX is weeks old.
    result = build_report(None, tmp_path / "report.html")
    page = _strip_plotly(result.path.read_text(encoding="utf-8"))
    freshness = page.split("Data freshness")[1].split("</table>")[0]
    vix_row = re.search(r"<tr class=\"(\w+)\">\s*<td><code>VIX</code>.*?</tr>", freshness,
                        flags=re.S)
    assert vix_row is not None and vix_row.group(1) == "stale"
    assert "badge-warn\">stale" in vix_row.group(0)
    sp_row = re.search(r"<tr class=\"(\w+)\">\s*<td><code>SP500</code>", freshness)
    assert sp_row is not None and sp_row.group(1) == "fresh"


def test_failing_section_is_shown_unavailable_and_others_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: ReportContext) -> Section:
        raise ModelError("needs futures data <not shipped>")

    monkeypatch.setattr(sections_module, "SECTIONS", [
        SectionBuilder("flows", "Flows", broken),
        *sections_module.SECTIONS,
    ])
    result = build_report(ASOF, tmp_path / "report.html")
    statuses = [(s.id, s.status) for s in result.sections]
    assert statuses[0] == ("flows", "unavailable")
    assert ("overview", "ok") in statuses[1:]
    page = _strip_plotly(result.path.read_text(encoding="utf-8"))
    flows = re.search(r'<section id="flows".*?</section>', page, flags=re.S).group(0)
    assert "Unavailable:</strong> needs futures data &lt;not shipped&gt;" in flows
    assert 'href="#flows"' in page
    overview = re.search(r'<section id="overview".*?</section>', page, flags=re.S).group(0)
    assert overview.count("data-plotly-figure") == 4
    assert result.to_dict()["sections"][0] == {
        "id": "flows", "title": "Flows", "status": "unavailable", "key_numbers": [],
        "note": "needs futures data <not shipped>",
    }


def test_other_exceptions_propagate_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(ctx: ReportContext) -> Section:
        raise KeyError("oops")

    monkeypatch.setattr(sections_module, "SECTIONS", [SectionBuilder("bug", "Bug", bug)])
    out = tmp_path / "out"  # tmp_path itself also holds the test cache and config
    out.mkdir()
    with pytest.raises(KeyError):
        build_report(ASOF, out / "report.html")
    assert list(out.iterdir()) == []


def test_to_dict_shape_is_json_ready(tmp_path: Path) -> None:
    result = build_report(dt.date(2020, 3, 20), tmp_path / "report.html")
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) == {"asof", "path", "desk_summary", "sections"}
    assert data["asof"] == "2020-03-20"
    assert data["path"] == str(tmp_path / "report.html")
    assert data["sections"][0]["id"] == "overview"
    for entry in data["sections"]:
        assert set(entry) == {"id", "title", "status", "key_numbers", "note"}
    section = data["sections"][0]
    assert section["status"] == "ok"
    first = section["key_numbers"][0]
    assert set(first) == {"label", "value", "unit", "obs_date", "change_1w", "change_1m",
                          "change_1y", "change_unit"}
    assert first["obs_date"] == "2020-03-20" and first["unit"] == "index points"


def test_default_output_path_and_directory_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = build_report(ASOF)
    assert result.path == tmp_path / "flowdesk-report-2020-03-20.html"
    assert result.path.is_file()
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    assert build_report(ASOF, out_dir).path == out_dir / "flowdesk-report-2020-03-20.html"


def test_missing_output_directory_is_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "r.html"
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path / "nope"))):
        build_report(ASOF, missing)


def test_bad_asof_names_the_option() -> None:
    with pytest.raises(ConfigError, match="--asof"):
        build_report("2020-13-01")


def test_asof_outside_data_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="--asof 2031-01-02 is outside the data"):
        build_report("2031-01-02", tmp_path / "r.html")
    with pytest.raises(DataError, match="--asof 1970-01-02 is outside the data"):
        build_report("1970-01-02", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "r.html"
    write_html("old", target)
    assert target.read_text(encoding="utf-8") == "old"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ConfigError, match=re.escape(str(target))):
        write_html("new", target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in out.iterdir()) == ["r.html"]  # no temp file left


def test_text_is_escaped_and_figure_json_is_script_safe() -> None:
    import plotly.graph_objects as go

    evil = "</script><script>alert(1)</script>"
    fig = go.Figure(layout={"title": {"text": evil}})
    text = figure_json(fig)
    assert "</script" not in text.lower()
    assert json.loads(text)["layout"]["title"]["text"] == evil

    ctx = ReportContext(asof=pd.Timestamp(ASOF))
    section = Section(id="s", title="<b>T</b>", asof=ctx.asof, note=evil, figures=(("s-f", fig),))
    page = _strip_plotly(render_html([section], ctx))
    assert "<b>T</b>" not in page and "&lt;b&gt;T&lt;/b&gt;" in page
    assert "<script>alert(1)" not in page
