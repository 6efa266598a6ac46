"""The shared HTTP helper: retries, back-off, offline mode, redaction."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

import flowdesk
from flowdesk.data.sources import http
from flowdesk.data.sources.http import HTTPSourceError, backoff_delay, get, redact_url
from flowdesk.errors import SourceError

URL = "https://api.example.org/data"


def _get(settings: Any, sleeper: Any, **kwargs: Any) -> httpx.Response:
    kwargs.setdefault("params", {"series_id": "DGS10", "api_key": "sekret0123"})
    return get(URL, source="fred", series_id="DGS10", settings=settings, sleep=sleeper, **kwargs)


# ------------------------------------------------------------------ redaction


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        (
            "https://api.stlouisfed.org/fred/series/observations",
            {"series_id": "DGS10", "api_key": "abc123", "file_type": "json"},
            "https://api.stlouisfed.org/fred/series/observations"
            "?series_id=DGS10&api_key=REDACTED&file_type=json",
        ),
        (
            "https://h.example/p?api_key=abc123&x=1",
            None,
            "https://h.example/p?api_key=REDACTED&x=1",
        ),
        (
            "https://h.example/p",
            {"token": "t0k", "id": "VIX"},
            "https://h.example/p?token=REDACTED&id=VIX",
        ),
        ("https://h.example/p", {"ApiKey": "abc"}, "https://h.example/p?ApiKey=REDACTED"),
        ("https://h.example/p", {"id": "DGS10"}, "https://h.example/p?id=DGS10"),
        ("https://cdn.cboe.com/x/VIX_History.csv", None, "https://cdn.cboe.com/x/VIX_History.csv"),
    ],
)
def test_redact_url(url: str, params: dict[str, str] | None, expected: str) -> None:
    assert redact_url(url, params) == expected


# ------------------------------------------------------------------ back-off


def test_backoff_doubles_from_half_a_second_and_is_capped() -> None:
    assert [backoff_delay(i) for i in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("3", 3.0),
        ("0.2", 0.5),  # never shorter than the back-off
        ("600", 30.0),  # capped
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.5),  # HTTP-date: ignored
        ("nan", 0.5),
        ("-4", 0.5),
    ],
)
def test_backoff_honours_numeric_retry_after(retry_after: str, expected: float) -> None:
    assert backoff_delay(0, retry_after) == expected


def test_429_retry_after_header_sets_the_wait(
    router: Any, make_settings: Any, sleeper: Any
) -> None:
    route = router.get(URL)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, text="ok"),
    ]
    response = _get(make_settings(), sleeper)
    assert response.text == "ok"
    assert sleeper.calls == [3.0]
    assert route.call_count == 2


# ------------------------------------------------------------------ requests


def test_user_agent_and_timeout_come_from_flowdesk_and_settings(
    router: Any, make_settings: Any, sleeper: Any
) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(200, text="ok"))
    _get(make_settings(http_timeout=7.5), sleeper)
    request = route.calls.last.request
    assert request.headers["user-agent"].startswith(f"flowdesk/{flowdesk.__version__}")
    assert request.extensions["timeout"] == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}
    assert request.url.params["api_key"] == "sekret0123"  # the real request does carry it


def test_a_given_client_is_used_and_left_open(
    router: Any, make_settings: Any, sleeper: Any
) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(200, text="ok"))
    with httpx.Client(headers={"X-Probe": "1"}) as client:
        _get(make_settings(), sleeper, client=client)
        assert not client.is_closed
    assert route.calls.last.request.headers["x-probe"] == "1"


def test_retries_argument_overrides_settings(router: Any, make_settings: Any, sleeper: Any) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(502))
    with pytest.raises(HTTPSourceError, match="502"):
        _get(make_settings(http_retries=5), sleeper, retries=0)
    assert route.call_count == 1
    assert sleeper.calls == []


def test_zero_retries_in_settings_means_one_attempt(
    router: Any, make_settings: Any, sleeper: Any
) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(500))
    with pytest.raises(HTTPSourceError, match="after 1 attempt"):
        _get(make_settings(http_retries=0), sleeper)
    assert route.call_count == 1


# ------------------------------------------------------------------ errors


def test_status_error_attributes_and_message(router: Any, make_settings: Any, sleeper: Any) -> None:
    router.get(URL).mock(return_value=httpx.Response(503))
    with pytest.raises(HTTPSourceError) as info:
        _get(make_settings(http_retries=2), sleeper)
    error = info.value
    assert isinstance(error, SourceError)
    assert error.status_code == 503
    assert error.transient is True
    assert error.url == f"{URL}?series_id=DGS10&api_key=REDACTED"
    assert str(error) == (
        "fred series DGS10: HTTP 503 Service Unavailable after 3 attempt(s)"
        f" ({URL}?series_id=DGS10&api_key=REDACTED)"
    )


def test_client_error_is_not_transient(router: Any, make_settings: Any, sleeper: Any) -> None:
    router.get(URL).mock(return_value=httpx.Response(403))
    with pytest.raises(HTTPSourceError) as info:
        _get(make_settings(), sleeper)
    assert info.value.status_code == 403
    assert info.value.transient is False
    assert sleeper.calls == []


def test_describe_error_hook_is_used_and_scrubbed(
    router: Any, make_settings: Any, sleeper: Any
) -> None:
    router.get(URL).mock(return_value=httpx.Response(400, text="bad key sekret0123"))
    with pytest.raises(HTTPSourceError) as info:
        _get(make_settings(), sleeper, describe_error=lambda r: f"server said: {r.text}")
    message = str(info.value)
    assert "server said: bad key REDACTED" in message
    assert "sekret0123" not in message


def test_transport_error_is_transient_and_redacted(
    router: Any, make_settings: Any, sleeper: Any
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        # Some transports echo the request URL; the key must still not leak.
        raise httpx.ConnectError(f"[Errno 111] Connection refused: {request.url}", request=request)

    router.get(URL).mock(side_effect=refuse)
    with pytest.raises(HTTPSourceError) as info:
        _get(make_settings(http_retries=1), sleeper)
    assert info.value.transient is True
    assert info.value.status_code is None
    assert "connection failed" in str(info.value)
    assert "Connection refused" in str(info.value)
    assert "sekret0123" not in str(info.value)
    assert info.value.__cause__ is None  # the httpx exception (holding the key) is dropped


def test_non_transient_transport_error_is_not_retried(
    router: Any, make_settings: Any, sleeper: Any
) -> None:
    route = router.get(URL).mock(side_effect=httpx.UnsupportedProtocol("no such scheme"))
    with pytest.raises(HTTPSourceError, match="UnsupportedProtocol"):
        _get(make_settings(), sleeper)
    assert route.call_count == 1
    assert sleeper.calls == []


def test_offline_raises_before_any_request(router: Any, make_settings: Any, sleeper: Any) -> None:
    route = router.get(URL).mock(return_value=httpx.Response(200))
    with pytest.raises(HTTPSourceError) as info:
        _get(make_settings(offline=True), sleeper)
    assert str(info.value).startswith("offline mode: fred series DGS10 not fetched")
    assert "sekret0123" not in str(info.value)
    assert route.call_count == 0


# ------------------------------------------------------------------ HTML sniffing


@pytest.mark.parametrize(
    ("body", "content_type", "is_html"),
    [
        ("<!DOCTYPE html>\n<html><body>down</body></html>", "text/html", True),
        ("\n  <html lang='en'><head></head></html>", "text/plain", True),
        ("observation_date,DGS10\n2020-03-23,0.76\n", "text/csv", False),
        # Labelled HTML by a CDN but really CSV: the body decides.
        ("DATE,VVIX\n03/06/2006,71.730000\n", "text/html", False),
        ('{"observations": []}', "application/json", False),
    ],
)
def test_looks_like_html(body: str, content_type: str, is_html: bool) -> None:
    response = httpx.Response(200, text=body, headers={"content-type": content_type})
    assert http.looks_like_html(response) is is_html


# ------------------------------------------------------------------ the guards themselves


def test_network_guard_blocks_real_connections() -> None:
    with pytest.raises(RuntimeError, match="test tried"):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
        pytest.raises(RuntimeError, match="test tried"),
    ):
        sock.connect(("127.0.0.1", 9))


def test_sleep_guard_blocks_real_sleeping() -> None:
    import time

    with pytest.raises(AssertionError, match=r"real time\.sleep"):
        time.sleep(0.01)
