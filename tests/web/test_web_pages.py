"""Dashboard pages: built from the section registry, cached per (page, as-of), assets served once.

Sections here are small fakes registered in place of the real ones, so these
tests check the plumbing quickly; the real sections are loaded in a browser by
tests/e2e/test_e2e_dashboard.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

import flowdesk.report.sections as registry
from flowdesk.config import get_settings
from flowdesk.errors import DataError
from flowdesk.report.sections import KeyNumber, ReportContext, Section, SectionBuilder
from flowdesk.web import background_server, create_app
from flowdesk.web.pages import PAGES, find_builder

ASOF = "2020-03-20"
CALLS: list[tuple[str, pd.Timestamp]] = []


def _fake(section_id: str, title: str) -> SectionBuilder:
    def build(ctx: ReportContext) -> Section:
        CALLS.append((section_id, ctx.asof))
        fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2]), layout={"title": {"text": title}})
        return Section(
            id=section_id, title=title, asof=ctx.asof,
            body_html=f"<p>{title} body</p>",
            figures=[(f"{section_id}-chart", fig)],
            key_numbers=[KeyNumber("S&P 500 test", float(ctx.asof.day), "index points",
                                   ctx.asof, change_1w=1.5, change_unit="%")],
            methodology=f"{title} methodology.",
            freshness={"SP500": ctx.asof, "VIX": ctx.asof - pd.Timedelta(days=400)},
        )

    return SectionBuilder(section_id, title, build)


def _broken(ctx: ReportContext) -> Section:
    raise DataError("series VIX: nothing published by then")


@pytest.fixture
def base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    CALLS.clear()
    monkeypatch.setattr(registry, "SECTIONS", [
        _fake("overview", "Market overview"),
        _fake("vix", "VIX term structure"),
        SectionBuilder("fed", "Fed policy", _broken),
        _fake("simulator", "Simulator"),
    ])
    with background_server(create_app(get_settings(cache_dir=tmp_path / "c"))) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def test_pages_follow_the_registry(client: httpx.Client) -> None:
    assert [p.path for p in PAGES] == ["/", "/flows", "/vix", "/fed", "/drivers",
                                       "/theses", "/simulator"]
    assert find_builder(PAGES[-1]) is not None and find_builder(PAGES[1]) is None
    for page in PAGES:
        response = client.get(page.path, params={"asof": ASOF})
        assert response.status_code == 200, (page.path, response.text[:300])
        html = response.text
        nav = re.search(r'<nav class="dash-nav".*?</nav>', html, flags=re.S)
        assert nav is not None
        assert all(f'href="{p.path}?asof={ASOF}"' in nav.group(0) for p in PAGES)
        assert f'href="{page.path}?asof={ASOF}" aria-current="page"' in nav.group(0)
        assert f'<input type="date" id="asof" name="asof" value="{ASOF}"' in html
        assert 'min="1985-01-02"' in html
        assert "data-freshness" in html
        registered = find_builder(page)
        if registered is None:
            assert "Not available yet." in html and 'data-status="not-available"' in html
        elif registered.id == "fed":
            assert "Unavailable:" in html and "nothing published by then" in html
        else:
            assert f'<section id="{registered.id}"' in html
            assert "<h3>Methodology</h3>" in html and "<h3>Data freshness</h3>" in html
            assert 'data-plotly-figure' in html and f'id="{registered.id}-chart-data"' in html
            assert "1 stale" in html and "data through 2020-03-20" in html


def test_one_plotly_bundle_by_url_no_cdn(client: httpx.Client) -> None:
    html = client.get("/vix").text
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert [s.split("?")[0] for s in scripts] == ["/static/plotly.min.js", "/static/report.js"]
    assert "https://" not in html and "http://" not in html
    assert len(html) < 200_000  # plotly.js is linked, not inlined
    bundle = client.get(scripts[0])
    assert bundle.status_code == 200
    assert bundle.headers["content-encoding"] == "gzip"  # httpx decoded it
    assert bundle.text == get_plotlyjs()
    assert "immutable" in bundle.headers["cache-control"]
    again = client.get(scripts[0], headers={"If-None-Match": bundle.headers["etag"]})
    assert again.status_code == 304
    raw = httpx.get(str(client.base_url) + scripts[0], headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.text == get_plotlyjs()
    assert client.get("/static/report.js").text.count("flowdeskDrawFigures") >= 1
    assert client.get("/static/nope.js").status_code == 404
    # Pages without charts (here: not registered, or unavailable) skip plotly.js.
    for path in ("/flows", "/fed"):
        assert "<script" not in client.get(path).text


def test_pages_are_cached_per_asof(client: httpx.Client) -> None:
    first = client.get("/", params={"asof": ASOF})
    assert client.get("/", params={"asof": ASOF}).content == first.content
    assert CALLS.count(("overview", pd.Timestamp(ASOF))) == 1
    conditional = client.get("/", params={"asof": ASOF},
                             headers={"If-None-Match": first.headers["etag"]})
    assert conditional.status_code == 304
    client.get("/", params={"asof": "2020-03-13"})
    assert CALLS.count(("overview", pd.Timestamp("2020-03-13"))) == 1


def test_the_date_changes_the_numbers(client: httpx.Client) -> None:
    def value(asof: str) -> str:
        html = client.get("/", params={"asof": asof}).text
        match = re.search(r'data-label="S&amp;P 500 test">.*?<td class="num value">([^<]+)<',
                          html, flags=re.S)
        assert match is not None
        return match.group(1)

    assert value("2020-03-20") == "20.00"
    assert value("2020-03-13") == "13.00"


def test_latest_is_the_default_and_nav_keeps_no_asof(client: httpx.Client) -> None:
    html = client.get("/vix").text
    last = client.get("/healthz").json()["data"]["last"]
    assert f'value="{last}"' in html
    assert 'href="/flows"' in html and "?asof=" not in html.split("</nav>")[0]


def test_browser_errors_are_pages_api_errors_are_json(client: httpx.Client) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml"}
    page = client.get("/flows", params={"asof": "2020-02-30"}, headers=browser)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "invalid date" in page.text and 'class="dash-nav"' in page.text
    api = client.get("/api/vix", params={"asof": "2020-02-30"}, headers=browser)
    assert api.status_code == 422 and api.json()["error"]["type"] == "InvalidDate"
    missing = client.get("/nowhere", headers=browser)
    assert missing.status_code == 404 and "no such page" in missing.text


def test_a_section_bug_is_a_generic_500_without_traceback(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bug(ctx: ReportContext) -> Section:
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(registry, "SECTIONS", [SectionBuilder("overview", "Overview", bug)])
    response = client.get("/", params={"asof": "2019-06-03"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")  # a page errs as a page
    assert 'data-error-type="InternalError"' in response.text
    assert "internal error; the server log has the details" in response.text
    assert "secret" not in response.text and "Traceback" not in response.text
    as_json = client.get("/", params={"asof": "2019-06-04"},
                         headers={"Accept": "application/json"})
    assert as_json.status_code == 500
    assert as_json.json() == {"error": {"type": "InternalError",
                                        "message": "internal error; the server log has the"
                                                   " details"}}
