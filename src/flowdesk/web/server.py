"""Run the dashboard with uvicorn: ``serve()`` for people, ``background_server()`` for tests.

The server binds to loopback by default. Binding to any other address is
allowed (it is an explicit ``--host``) but prints a warning: the dashboard has
no authentication, so anyone who can reach the address can read it.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flowdesk.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from flowdesk.config import Settings

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "background_server", "is_loopback", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def _check_address(host: str, port: int) -> None:
    if not host or not host.strip():
        raise ConfigError("--host: empty; use 127.0.0.1 to serve on this machine only")
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port: {port} is not a TCP port (0-65535)")


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    offline: bool = False,
    *,
    settings: Settings | None = None,
    log_level: str = "info",
) -> None:
    """Serve the dashboard and JSON API until interrupted (Ctrl-C).

    Parameters
    ----------
    host
        Address to bind; default loopback only. Any other address prints a
        warning to stderr, since the dashboard has no authentication. On
        loopback, requests must name a loopback host (DNS-rebinding guard).
    port
        TCP port (default 8050).
    offline
        Accepted for symmetry with ``flowdesk report --offline``: the server
        never fetches in any case (it always runs its settings offline).
    settings
        Settings (cache directory); default from the environment.
    log_level
        uvicorn's log level.

    Raises
    ------
    ConfigError
        If ``host`` is empty or ``port`` is out of range.
    """
    import uvicorn

    from flowdesk.config import get_settings
    from flowdesk.web.app import create_app

    _check_address(host, port)
    allowed = None
    if is_loopback(host):
        allowed = {"localhost", "127.0.0.1", "::1", host.strip("[]")}
    else:
        print(
            f"warning: serving on {host}:{port}, not loopback: the dashboard has no"
            " authentication and anyone who can reach this address can read it",
            file=sys.stderr,
        )
    if settings is None:
        settings = get_settings(offline=True) if offline else get_settings()
    app = create_app(settings, allowed_hosts=allowed)
    print(f"flowdesk dashboard on http://{host}:{port}/ (API docs at /docs); Ctrl-C stops it",
          file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False,
                proxy_headers=False)


@contextmanager
def background_server(
    app: FastAPI,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    log_level: str = "warning",
    timeout: float = 20.0,
) -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread for the duration of the block.

    Parameters
    ----------
    app
        The application (usually :func:`~flowdesk.web.app.create_app`).
    host, port
        Where to bind; ``port=0`` lets the OS choose a free port.
    log_level
        uvicorn's log level.
    timeout
        Seconds to wait for start-up and shutdown.

    Yields
    ------
    str
        The base URL, e.g. ``http://127.0.0.1:43817``.

    Raises
    ------
    RuntimeError
        If the server does not start within ``timeout``.
    """
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            lifespan="off", server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="flowdesk-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the dashboard server did not start on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout)
