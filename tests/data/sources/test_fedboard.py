"""The Board's speeches feed (ne-speeches.json): parsing, HTTP policy, merge into the cache.

Not a ``SourceContract`` subclass, for the reason given there for SEC EDGAR:
the source returns a table, not a float series. The same checks are made here:
values equal an independent json reading of the recorded-format fixture, the
table policy, retries with back-off, 404 not retried, transport failures,
malformed payloads naming the series, offline mode making no request.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pandas as pd
import pytest

from flowdesk.cli import main
from flowdesk.data.sources.fedboard import (
    SPEECHES_FEED_URL,
    BoardSpeechesSource,
    speaker_surname,
)
from flowdesk.data.speeches import SPEECHES_ID, load_fed_speeches
from flowdesk.data.speeches_update import update_fed_speeches
from flowdesk.errors import FlowdeskWarning, SourceError

FIXTURE = "fedboard_ne-speeches.json"
BASE = "https://www.federalreserve.gov"


@pytest.fixture
def backend(router: Any, kit: Any) -> Any:
    ok = httpx.Response(200, content=kit.path(FIXTURE).read_bytes(),
                        headers={"content-type": "application/json"})
    return kit.HttpBackend(router, SPEECHES_FEED_URL, ok)


@pytest.fixture
def settings(make_settings: Any) -> Any:
    return make_settings()


@pytest.fixture
def source(settings: Any, sleeper: Any) -> BoardSpeechesSource:
    return BoardSpeechesSource(settings, sleep=sleeper)


def _expected(kit: Any) -> list[tuple[str, str, str]]:
    """(date, title, url) read with json; dates M/D/YYYY rewritten by hand below."""
    records = json.loads(kit.path(FIXTURE).read_bytes().decode("utf-8-sig"))
    out = []
    for r in records:
        month, day, year = r["d"].split(" ")[0].split("/")
        out.append((f"{year}-{int(month):02d}-{int(day):02d}", r["t"], BASE + r["l"]))
    return sorted(out, key=lambda row: row[0])


def test_values_match_the_feed(source: BoardSpeechesSource, backend: Any, kit: Any) -> None:
    fetched = source.fetch()
    frame = fetched.frame
    assert backend.calls == 1
    assert list(zip(frame["date"].dt.strftime("%Y-%m-%d"), frame["title"], frame["url"],
                    strict=True)) == _expected(kit)
    # Oldest first; surnames as the shipped calendar writes them.
    assert list(frame["speaker"]) == ["Bowman", "Cook", "Jefferson", "Cook", "Bowman", "Waller"]
    assert frame["date"].dtype == "datetime64[ns]" and frame["date"].is_monotonic_increasing
    assert fetched.url == SPEECHES_FEED_URL


@pytest.mark.parametrize(
    ("raw", "surname"),
    [
        ("Chair Jerome H. Powell", "Powell"),
        ("Vice Chair for Supervision Michelle W. Bowman", "Bowman"),
        ("Governor Stephen I. Miran", "Miran"),
        ("Governor John Doe Jr.", "Doe"),
        ("Chair Jerome H. Powell and Governor Lisa D. Cook", "Powell and Cook"),
        ("", ""),
    ],
)
def test_speaker_surname(raw: str, surname: str) -> None:
    assert speaker_surname(raw) == surname


# ---------------------------------------------------------------- HTTP policy
def test_retries_a_500_then_succeeds(source: BoardSpeechesSource, backend: Any,
                                     sleeper: Any) -> None:
    backend.serve(500, "ok")
    assert len(source.fetch().frame) == 6
    assert backend.calls == 2 and sleeper.calls == [0.5]


def test_persistent_503_names_source_and_series(source: BoardSpeechesSource, backend: Any,
                                               sleeper: Any) -> None:
    backend.serve_always(503)
    with pytest.raises(SourceError, match=r"fedboard series FED_SPEECHES: HTTP 503"):
        source.fetch()
    assert backend.calls == 4 and sleeper.calls == [0.5, 1.0, 2.0]


def test_404_is_not_retried(source: BoardSpeechesSource, backend: Any, sleeper: Any) -> None:
    backend.serve_always(404)
    with pytest.raises(SourceError, match="404"):
        source.fetch()
    assert backend.calls == 1 and sleeper.calls == []


def test_connection_failures_are_retried_then_reported(source: BoardSpeechesSource,
                                                      backend: Any) -> None:
    backend.serve_always(httpx.ConnectError)
    with pytest.raises(SourceError, match=r"FED_SPEECHES: connection failed"):
        source.fetch()
    assert backend.calls == 4


def test_offline_makes_no_request(make_settings: Any, backend: Any, sleeper: Any) -> None:
    source = BoardSpeechesSource(make_settings(offline=True), sleep=sleeper)
    with pytest.raises(SourceError, match=r"offline mode: fedboard series FED_SPEECHES"):
        source.fetch()
    assert backend.calls == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'\xef\xbb\xbf[{"d":"9/10/2026 1:00:00 PM",', r"not valid JSON"),
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", r"HTML page"),
        (b'{"speeches": []}', r"expected a JSON array"),
        (b"[]", r"lists no speeches"),
        (b'[{"d":"2026-09-10","t":"x","s":"Governor A B","l":"/x.htm"}]',
         r"record 1 \(/x.htm\): cannot read date '2026-09-10'"),
        (b'[{"d":"9/10/2026 1:00:00 PM","t":"x","s":"Governor A B"}]', r"record 1 .* no link"),
    ],
)
def test_malformed_payload_names_the_series(source: BoardSpeechesSource, backend: Any,
                                            body: bytes, message: str) -> None:
    backend.serve_payload(httpx.Response(200, content=body))
    with pytest.raises(SourceError, match=message) as info:
        source.fetch()
    assert SPEECHES_ID in str(info.value)


def test_a_page_listed_twice_is_one_speech(source: BoardSpeechesSource, backend: Any) -> None:
    body = b'[{"d":"9/10/2026 1:00:00 PM","t":"New","s":"Governor A B","l":"/x.htm"},' \
           b'{"d":"9/10/2026 1:00:00 PM","t":"Old","s":"Governor A B","l":"/x.htm"}]'
    backend.serve_payload(httpx.Response(200, content=body))
    assert list(source.fetch().frame["title"]) == ["New"]


def test_records_that_are_not_speeches_are_skipped(source: BoardSpeechesSource,
                                                   backend: Any) -> None:
    body = b'[{"d":"9/10/2026 1:00:00 PM","t":"x","s":"Governor A B","l":"/x.htm"},' \
           b'{"updateDate":"9/10/2026"}]'
    backend.serve_payload(httpx.Response(200, content=body))
    assert list(source.fetch().frame["url"]) == [f"{BASE}/x.htm"]


# ---------------------------------------------------------------- update
def test_update_merges_into_the_snapshot_calendar(settings: Any, backend: Any,
                                                  sleeper: Any) -> None:
    outcome = update_fed_speeches(settings=settings, sleep=sleeper)
    # Four of the six feed speeches are in the shipped calendar (same url); the
    # 2026-08-05 one had no speaker there and gets "Cook".
    assert (outcome.status, outcome.added, outcome.revised) == ("updated", 2, 1)
    cal = load_fed_speeches(settings)
    assert cal.origin == "cache" and len(cal.frame) == 174
    assert cal.end == pd.Timestamp("2026-09-30")
    row = cal.frame.loc[cal.frame["url"].str.endswith("cook20260805a.htm")]
    assert list(row["speaker"]) == ["Cook"]
    again = update_fed_speeches(settings=settings, sleep=sleeper)
    assert (again.status, again.added, again.revised) == ("unchanged", 0, 0)


def test_failed_update_warns_and_keeps_the_snapshot(settings: Any, backend: Any,
                                                    sleeper: Any) -> None:
    backend.serve_always(404)
    with pytest.warns(FlowdeskWarning, match=r"FED_SPEECHES: update failed .*404"):
        outcome = update_fed_speeches(settings=settings, sleep=sleeper)
    assert outcome.status == "failed"
    assert load_fed_speeches(settings).origin == "snapshot"


def test_cli_data_update_fed_speeches(backend: Any, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    # This directory's conftest clears FLOWDESK_CACHE_DIR: never write the user's cache.
    monkeypatch.setenv("FLOWDESK_CACHE_DIR", str(tmp_path / "cli-cache"))
    code = main(["data", "update", SPEECHES_ID, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert [(r["id"], r["status"], r["added"]) for r in result] == [(SPEECHES_ID, "updated", 2)]
    backend.serve_always(404)
    code = main(["data", "update", SPEECHES_ID])
    _, err = capsys.readouterr()
    assert code == 1 and "warning:" in err and "update failed" in err
