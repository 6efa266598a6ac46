"""`data update EARNINGS_DATES`: SEC dates merged into the cache, nothing lost, failures named."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import httpx
import pandas as pd
import pytest

from flowdesk.config import get_settings
from flowdesk.data import earnings_update
from flowdesk.data.earnings import EARNINGS_ID, earnings_dates
from flowdesk.errors import FlowdeskWarning

FIXTURES = Path(__file__).parent / "sources" / "fixtures"
TICKERS = "https://www.sec.gov/files/company_tickers.json"
AAPL = "https://data.sec.gov/submissions/CIK0000320193.json"
MSFT = "https://data.sec.gov/submissions/CIK0000789019.json"
NEW_RELEASE = "2026-01-29"  # a release after the snapshot's last date


def _aapl_with_a_new_release() -> str:
    """Apple's recorded submissions with one more 8-K Item 2.02 at the top, as EDGAR lists it."""
    body = json.loads((FIXTURES / "sec_submissions_CIK0000320193.json").read_text())
    recent = body["filings"]["recent"]
    extra = {"accessionNumber": "0000320193-26-000005", "filingDate": NEW_RELEASE,
             "reportDate": NEW_RELEASE, "acceptanceDateTime": f"{NEW_RELEASE}T16:30:00.000Z",
             "act": "34", "form": "8-K", "fileNumber": "001-36743", "filmNumber": "26555555",
             "items": "2.02,9.01", "core_type": "8-K", "size": 1234, "isXBRL": 1,
             "isInlineXBRL": 1, "primaryDocument": "aapl-20260129.htm",
             "primaryDocDescription": "8-K"}
    for key, values in recent.items():
        values.insert(0, extra.get(key, values[0]))
    return json.dumps(body)


def _client(routes: dict[str, str | type[Exception]]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        reply = routes.get(str(request.url))
        if reply is None:
            return httpx.Response(404, text="")
        if isinstance(reply, type):
            raise reply("simulated outage", request=request)  # type: ignore[call-arg]
        return httpx.Response(200, text=reply, headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(handle))


@pytest.fixture
def small_universe(monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """Refresh only three tickers (not 505): two known to SEC's map, one not."""
    table = earnings_dates()
    small = table[table["ticker"].isin(["AAPL", "MSFT"])]
    small = pd.concat([small, pd.DataFrame({"ticker": ["ZZZZ"],
                                            "report_date": [pd.Timestamp("2025-10-01")]})])
    monkeypatch.setattr(earnings_update, "earnings_dates", lambda settings=None: small)
    return small


def test_update_adds_the_new_release_and_keeps_every_old_row(small_universe: pd.DataFrame) -> None:
    before = earnings_dates()
    routes = {TICKERS: (FIXTURES / "sec_company_tickers.json").read_text(),
              AAPL: _aapl_with_a_new_release(),
              MSFT: (FIXTURES / "sec_submissions_CIK0000789019.json").read_text()}
    calls: list[tuple[int, int, str]] = []
    outcome = earnings_update.update_earnings_dates(
        settings=get_settings(), client=_client(routes),
        progress=lambda done, total, ticker: calls.append((done, total, ticker)))
    assert outcome.status == "updated" and outcome.added == 1
    assert "ZZZZ" in outcome.message  # not in SEC's map: named, not silently dropped
    after = earnings_dates()
    assert after.attrs["source"] == "cache"
    assert len(after) == len(before) + 1
    assert ((after["ticker"] == "AAPL") & (after["report_date"] == NEW_RELEASE)).sum() == 1
    merged = after.merge(before, how="right", indicator=True)
    assert (merged["_merge"] == "both").all()  # every old row is still there
    assert calls and calls[-1][0] == calls[-1][1]


def test_an_unreachable_sec_keeps_the_snapshot_and_warns(small_universe: pd.DataFrame,
                                                          isolated_env: Path) -> None:
    routes: dict[str, str | type[Exception]] = {TICKERS: httpx.ConnectError}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = earnings_update.update_earnings_dates(settings=get_settings(),
                                                        client=_client(routes))
    assert outcome.status == "failed"
    assert any("keeping the cached/snapshot report dates" in str(w.message)
               and issubclass(w.category, FlowdeskWarning) for w in caught)
    assert earnings_dates().attrs["source"] == "snapshot"
    assert not list(isolated_env.rglob(f"{EARNINGS_ID}*"))  # nothing written


def test_cli_refuses_the_update_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from flowdesk.cli import app

    monkeypatch.setenv("FLOWDESK_OFFLINE", "1")
    result = CliRunner().invoke(app, ["data", "update", "EARNINGS_DATES"])
    assert result.exit_code == 2 and "offline" in result.output
    assert "Traceback" not in result.output
