"""The dashboard in a real browser: Debian's chromium driven by Playwright.

Every page loads without console errors, charts render, the as-of picker
changes the numbers and the API docs load. Screenshots go to
``.ci/artifacts/screenshots/`` (CI artifacts, never committed). The browser is the
system chromium (never ``playwright install``), launched with the flags from
DESIGN.md; pytest-playwright's own ``page``/``browser`` fixtures are deliberately
not used (they would look for a downloaded browser).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import httpx
import pytest

from flowdesk.config import get_settings
from flowdesk.web import background_server, create_app
from flowdesk.web.pages import PAGES, find_builder

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium); browser tests skipped",
)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts" / "screenshots"
PAST = "2020-03-20"


@dataclass
class Browser:
    base_url: str
    context: object  # one context for the session, so plotly.js is fetched once
    errors: list[str] = field(default_factory=list)


# Module scope, not session: while Playwright's sync API is open its event loop
# counts as running, which would break later tests that call asyncio.run().
@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    root = tmp_path_factory.mktemp("e2e")
    (root / "empty.toml").write_text("", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLOWDESK_CONFIG", str(root / "empty.toml"))
        settings = get_settings(cache_dir=root / "cache")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with background_server(create_app(settings)) as base_url:
        # Sections take up to a few seconds each: compute them on both cores
        # while chromium starts; the browser then reads the server's cache.
        urls = [base_url + p.path for p in PAGES] + [f"{base_url}/?asof={PAST}"]
        with ThreadPoolExecutor(2) as pool:
            warm = pool.map(lambda url: httpx.get(url, timeout=300).status_code, urls)
            with sync_api.sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                list(warm)
                try:
                    yield Browser(base_url, context)
                finally:
                    context.close()
                    browser.close()


@pytest.fixture
def tab(dashboard: Browser) -> Iterator[object]:
    """A fresh page that records console errors and uncaught exceptions."""
    page = dashboard.context.new_page()
    dashboard.errors.clear()
    page.on("console", lambda msg: msg.type == "error" and dashboard.errors.append(msg.text))
    page.on("pageerror", lambda exc: dashboard.errors.append(f"pageerror: {exc}"))
    page.set_default_timeout(60_000)
    yield page
    page.close()


def _shot(page: object, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("spec", PAGES, ids=[p.title.lower() for p in PAGES])
def test_page_loads_without_console_errors_and_draws_its_charts(
    dashboard: Browser, tab: object, spec: object
) -> None:
    response = tab.goto(dashboard.base_url + spec.path, wait_until="load")
    assert response is not None and response.status == 200
    assert tab.locator("nav.dash-nav a").count() == len(PAGES) + 1
    assert tab.locator("input#asof[type=date]").count() == 1
    assert "Data freshness" in tab.locator("[data-freshness]").inner_text()
    if find_builder(spec) is None:
        assert tab.locator(".not-available-yet").is_visible()
    else:
        section = tab.locator("section.report-section").first
        assert section.get_attribute("data-status") in ("ok", "unavailable")
        figures = tab.locator("[data-plotly-figure]")
        if figures.count():
            # report.js draws each payload with plotly: an SVG per chart.
            tab.wait_for_function(
                "() => [...document.querySelectorAll('[data-plotly-figure]')]"
                ".every(el => el.getAttribute('data-drawn') === '1'"
                " && el.querySelector('.main-svg'))"
            )
            assert tab.locator(".js-plotly-plot").count() == figures.count()
    _shot(tab, f"page-{spec.path.strip('/') or 'overview'}")
    assert dashboard.errors == []


def _sp500(page: object) -> str:
    return page.locator('tr.key-number[data-label="S&P 500"] td.value').first.inner_text()


def test_the_date_picker_changes_the_numbers(dashboard: Browser, tab: object) -> None:
    tab.goto(dashboard.base_url + "/", wait_until="load")
    latest_date = tab.locator("#page-asof").inner_text()
    latest = _sp500(tab)
    tab.fill("input#asof", PAST)
    with tab.expect_navigation(wait_until="load"):
        tab.click(".asof-form button[type=submit]")
    assert re.search(rf"[?&]asof={PAST}$", tab.url)
    assert tab.locator("#page-asof").inner_text() == PAST != latest_date
    assert tab.input_value("input#asof") == PAST
    past = _sp500(tab)
    assert past != latest and past != "n/a"
    # The navigation keeps the chosen date: time travel across pages.
    assert tab.locator("nav.dash-nav a", has_text="Volatility").get_attribute("href") == (
        f"/vix?asof={PAST}"
    )
    tab.wait_for_selector(".main-svg")
    _shot(tab, f"overview-asof-{PAST}")
    assert dashboard.errors == []


def test_api_docs_page_loads(dashboard: Browser, tab: object) -> None:
    response = tab.goto(dashboard.base_url + "/docs", wait_until="load")
    assert response is not None and response.status == 200
    assert "API" in tab.title()
    for path in ("/api/vix", "/api/series/{series_id}", "/healthz"):
        assert tab.locator(".api-index code", has_text=path).count() >= 1
    _shot(tab, "api-docs")
    with tab.expect_navigation(wait_until="load"):
        tab.click("a[href^='/openapi.json']")
    assert '"openapi"' in tab.content()
    assert dashboard.errors == []


_DESK_BOX = """() => {
  const box = document.querySelector('#desk-summary').getBoundingClientRect();
  const cut = [...document.querySelectorAll('#desk-summary .table-wrap')]
    .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto')
    .length;
  return {top: box.top + window.scrollY, bottom: box.bottom + window.scrollY, cut};
}"""


def _round_steps(labels: list[str]) -> bool:
    """Whether numeric tick labels step by 1, 2, 2.5 or 5 times a power of ten.

    ``3650, 4530`` (step 880) and ``0.825, 0.931`` (0.106) are not round;
    ``2000, 2500`` and ``1.02, 1.04`` are. Non-numeric labels (categories) pass.
    """
    from decimal import Decimal, InvalidOperation

    values = []
    for label in labels:
        text = label.replace("\u2212", "-").replace(",", "").strip().rstrip("%")
        try:
            values.append(Decimal(text))
        except InvalidOperation:
            return True
    steps = {abs(b - a) for a, b in pairwise(values)}
    for step in steps:
        if step == 0:
            return False
        mantissa = step.scaleb(-step.adjusted()).normalize()
        if mantissa not in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
            return False
    return len(steps) == 1


def _desk_on_first_screen(page: object) -> dict[str, float]:
    """The desk summary's box at 1400x900: it must end inside the first 900 px."""
    page.set_viewport_size({"width": 1400, "height": 900})
    box = page.evaluate(_DESK_BOX)
    rows = page.locator("#desk-summary table").first.locator("tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())][:2] == [
        "CTA global equities", "CTA S&P 500"]
    assert box["bottom"] <= 900, box
    assert box["cut"] == 0
    return box


@pytest.mark.parametrize("when", ["", PAST])
def test_overview_opens_with_the_desk_summary(dashboard: Browser, tab: object,
                                              when: str) -> None:
    tab.goto(dashboard.base_url + "/" + (f"?asof={when}" if when else ""), wait_until="load")
    _desk_on_first_screen(tab)
    regimes = tab.locator("#desk-summary .desk-regimes li").all_inner_texts()
    assert [line.split(":")[0] for line in regimes] == ["Volatility", "Policy", "Buybacks"]
    tab.screenshot(path=str(SHOTS / f"desk-summary-{when or 'latest'}.png"))
    assert dashboard.errors == []


def test_report_opens_with_the_desk_summary(dashboard: Browser, tab: object,
                                            tmp_path: Path) -> None:
    from flowdesk.report import build_report

    path = build_report(PAST, tmp_path / "report.html").path
    tab.goto(path.as_uri(), wait_until="load")
    _desk_on_first_screen(tab)
    tab.screenshot(path=str(SHOTS / "report-first-screen.png"))
    assert tab.evaluate(_CUT_OFF) == []
    # Every value axis of every chart steps by a round number (1, 2, 2.5 or 5 x 10^k).
    axes = tab.evaluate("""() => [...document.querySelectorAll('[data-plotly-figure]')]
      .flatMap(el => ['ytick', 'y2tick'].map(k =>
        [el.id + ':' + k, [...el.querySelectorAll('.' + k + ' text')].map(t => t.textContent)]))
      .filter(([, labels]) => labels.length > 1)""")
    assert len(axes) > 15
    odd = {name: labels for name, labels in axes if not _round_steps(labels)}
    assert odd == {}
    # A narrow window, loaded at that width: tables scroll, charts fit.
    tab.set_viewport_size({"width": 1024, "height": 768})
    tab.goto(path.as_uri(), wait_until="load")
    assert tab.evaluate(_CUT_OFF) == []
    assert dashboard.errors == []


#: Elements whose content is wider than their box and that no ancestor scrolls.
_CUT_OFF = """() => [...document.querySelectorAll('table, pre, .plotly-figure, p, li')]
  .filter(el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll') return false;
    }
    const right = el.getBoundingClientRect().right;
    return el.scrollWidth > el.clientWidth + 1 || right > document.documentElement.clientWidth + 1;
  })
  .map(el => `${el.tagName.toLowerCase()}.${el.className} in #${el.closest('[id]')?.id}`)"""


@pytest.mark.parametrize("when", ["", PAST])
@pytest.mark.parametrize("spec", PAGES, ids=[p.title.lower() for p in PAGES])
def test_nothing_is_cut_off(dashboard: Browser, tab: object, spec: object, when: str) -> None:
    tab.set_viewport_size({"width": 1400, "height": 900})
    tab.goto(dashboard.base_url + spec.path + (f"?asof={when}" if when else ""),
             wait_until="load")
    assert tab.evaluate(_CUT_OFF) == []


@pytest.mark.parametrize("path", ["/", "/flows"])
def test_korean_pages_load_without_console_errors(dashboard: Browser, tab: object,
                                                  path: str) -> None:
    tab.goto(f"{dashboard.base_url}{path}?asof={PAST}&lang=ko", wait_until="load")
    assert tab.locator("html").get_attribute("lang") == "ko"
    assert tab.locator("nav.dash-nav a[aria-current=page]").inner_text() in ("개관", "수급")
    if path == "/":
        assert tab.locator("#desk-summary-title").inner_text().startswith("데스크 요약")
    tab.screenshot(path=str(SHOTS / f"ko-{path.strip('/') or 'overview'}.png"))
    assert dashboard.errors == []
    # The language is remembered: the next page without ?lang= is still Korean.
    tab.goto(f"{dashboard.base_url}/vix?asof={PAST}", wait_until="load")
    assert tab.locator("html").get_attribute("lang") == "ko"
    tab.goto(f"{dashboard.base_url}/vix?asof={PAST}&lang=en", wait_until="load")
