"""`serve()`: loopback by default, a warning for any other address, checked arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from flowdesk.config import get_settings
from flowdesk.errors import ConfigError
from flowdesk.web import background_server, create_app, serve
from flowdesk.web.server import DEFAULT_HOST, DEFAULT_PORT, is_loopback


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.10", False),
    ("example.org", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Capture uvicorn.run calls instead of serving forever."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_serve_defaults_to_loopback_without_warning(
    runs: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    serve()
    assert (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8050)
    assert runs[0]["host"] == "127.0.0.1" and runs[0]["port"] == 8050
    assert runs[0]["app"].state.settings.offline is True  # never fetches
    assert "warning" not in capsys.readouterr().err


def test_serve_elsewhere_is_allowed_but_warns(
    runs: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    serve(host="0.0.0.0", port=9000, offline=True)
    assert runs[0]["host"] == "0.0.0.0" and runs[0]["port"] == 9000
    err = capsys.readouterr().err
    assert "warning" in err and "0.0.0.0" in err and "no authentication" in err


@pytest.mark.parametrize(("host", "port", "words"), [
    ("", 8050, "--host"), ("127.0.0.1", 70000, "--port"), ("127.0.0.1", -1, "--port"),
])
def test_serve_rejects_bad_addresses(runs: list[dict[str, Any]], host: str, port: int,
                                     words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        serve(host=host, port=port)
    assert runs == []


def test_background_server_serves_and_stops(tmp_path: Path) -> None:
    app = create_app(get_settings(cache_dir=tmp_path / "cache"))
    with background_server(app) as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url + "/healthz").json()["status"] == "ok"
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/healthz", timeout=2)


def test_loopback_serving_refuses_foreign_host_names(tmp_path: Path,
                                                     runs: list[dict[str, Any]]) -> None:
    # DNS rebinding: a page on evil.example re-pointed at 127.0.0.1 must not read the API.
    serve()
    with background_server(runs[0]["app"]) as url:
        assert httpx.get(url + "/healthz").status_code == 200
        for host in ("localhost:8050", "[::1]:8050", "127.0.0.1"):
            assert httpx.get(url + "/healthz", headers={"Host": host}).status_code == 200
        response = httpx.get(url + "/healthz", headers={"Host": "evil.example:8050"})
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "InvalidHost"
