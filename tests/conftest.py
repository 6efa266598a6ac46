"""Test-wide guards: an isolated cache per test and no network at all."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowdesk.config import clear_settings_cache

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the cache at a fresh directory and clear any API keys or config."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("FLOWDESK_CACHE_DIR", str(cache))
    for name in ("FLOWDESK_FRED_API_KEY", "FRED_API_KEY", "FLOWDESK_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLOWDESK_CONFIG", str(tmp_path / "no-config.toml"))
    (tmp_path / "no-config.toml").write_text("", encoding="utf-8")
    clear_settings_cache()
    yield cache
    clear_settings_cache()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any socket connection that is not to loopback."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in _LOOPBACK and not host.startswith("/"):
            raise OSError(f"tests must not touch the network (tried {address!r})")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
