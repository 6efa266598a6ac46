"""Dashboard server under load: 2,000 requests at 50 concurrent connections over loopback.

The server runs in its own process (uvicorn, as `flowdesk serve` runs it), so the
client's event loop does not share its GIL. Baseline measured in the same run:
a bare ASGI app that answers "ok" from the same uvicorn, i.e. the floor of
HTTP + client overhead. The flowdesk run mixes API endpoints, a dashboard page,
a static asset and ETag revalidations (every third request), after a warm-up
that fills the cache. The client is a minimal keep-alive HTTP/1.1 client on
asyncio streams, so the numbers describe the server rather than the client.

Then ``/healthz`` under model load: 100 uncached as-of dates of a real model
requested at once (the server's queue limit raised to admit them all, so all
100 are computed on its worker pool), with ``/healthz`` polled meanwhile; its
p50/p99 are compared with idle ``/healthz`` on the same server, measured just
before. The server's peak resident memory is printed too.
Run: python benchmarks/bench_web.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from _util import python, report

REQUESTS = 2_000
CONCURRENCY = 50
ASOF = "2020-03-20"
PATHS = [
    "/healthz",
    f"/api/vix?asof={ASOF}",
    f"/api/fed?asof={ASOF}",
    f"/api/theses?asof={ASOF}",
    f"/api/series/SP500?asof={ASOF}&start=2020-01-01",
    f"/?asof={ASOF}",
    f"/vix?asof={ASOF}",
    "/static/report.css",
]
BARE_APP = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


LOAD_DATES = 100
LOAD_PATH = "/api/vix?asof={}"
IDLE_HEALTHZ = 300


@contextmanager
def server_process(argv: list[str], port: int,
                   env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """Start a server process, wait until it answers, stop it afterwards; yields (url, pid)."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str,
               path: str, headers: dict[str, str]) -> int:
    """One keep-alive HTTP/1.1 GET; returns the status after reading the whole body."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode("latin-1"))
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    pairs = (line.partition(":") for line in lines[1:] if line)
    fields = {key.strip().lower(): value.strip() for key, _, value in pairs}
    if status not in (204, 304):
        await reader.readexactly(int(fields["content-length"]))
    return status


async def _load(base: str, paths: list[str], etags: dict[str, str]) -> dict[str, object]:
    """Send REQUESTS GETs over CONCURRENCY keep-alive connections.

    A minimal client on asyncio streams: httpx's pool costs more CPU per request
    than the server does, so with it the benchmark would measure the client.
    """
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    counter = iter(range(REQUESTS))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for i in counter:
                path = paths[i % len(paths)]
                headers = {"If-None-Match": etags[path]} if i % 3 == 0 and path in etags else {}
                start = time.perf_counter()
                try:
                    outcomes[str(await _get(reader, writer, host, path, headers))] += 1
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    outcomes[type(exc).__name__] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, int(port))
                latencies.append(time.perf_counter() - start)
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50": cuts[49] * 1e3, "p99": cuts[98] * 1e3, "rps": REQUESTS / elapsed,
            "outcomes": dict(outcomes)}


def _quantiles_ms(latencies: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50": cuts[49] * 1e3, "p99": cuts[98] * 1e3}


async def _healthz_idle(base: str) -> dict[str, float]:
    """IDLE_HEALTHZ sequential /healthz requests on one keep-alive connection."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    latencies = []
    try:
        for _ in range(IDLE_HEALTHZ):
            start = time.perf_counter()
            await _get(reader, writer, host, "/healthz", {})
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()
    return _quantiles_ms(latencies)


async def _healthz_under_load(base: str) -> dict[str, object]:
    """LOAD_DATES uncached dates at once (one connection each); /healthz polled until done."""
    import pandas as pd

    host, port = base.removeprefix("http://").split(":")
    dates = pd.bdate_range("2017-01-02", periods=LOAD_DATES)
    finished = asyncio.Event()

    async def one(day: pd.Timestamp) -> str:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            return str(await _get(reader, writer, host, LOAD_PATH.format(f"{day:%Y-%m-%d}"), {}))
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            return type(exc).__name__
        finally:
            writer.close()

    async def poll() -> list[float]:
        reader, writer = await asyncio.open_connection(host, int(port))
        latencies = []
        try:
            while not finished.is_set():
                start = time.perf_counter()
                await _get(reader, writer, host, "/healthz", {})
                latencies.append(time.perf_counter() - start)
                await asyncio.sleep(0.005)  # about 100 checks a second, as a monitor might
        finally:
            writer.close()
        return latencies

    poller = asyncio.ensure_future(poll())
    start = time.perf_counter()
    outcomes = Counter(await asyncio.gather(*(one(day) for day in dates)))
    elapsed = time.perf_counter() - start
    finished.set()
    latencies = await poller
    return {**_quantiles_ms(latencies), "samples": len(latencies), "elapsed": elapsed,
            "outcomes": dict(outcomes)}


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory of process ``pid`` (Linux ``VmHWM``), MB; NaN elsewhere."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    line = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), None)
    return float(line.split()[1]) / 1024 if line else float("nan")


def main() -> None:
    env = dict(os.environ)
    port = _free_port()
    with server_process([python(), "-c", BARE_APP, str(port)], port, env) as (base, _):
        bare = asyncio.run(_load(base, ["/"], {}))

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "empty.toml"
        config.write_text("", encoding="utf-8")
        env_w = env | {"FLOWDESK_CACHE_DIR": str(Path(tmp) / "cache"),
                       "FLOWDESK_CONFIG": str(config), "FLOWDESK_OFFLINE": "1",
                       # admit the whole burst: the point is 100 dates being computed
                       "FLOWDESK_WEB_QUEUE_LIMIT": str(LOAD_DATES + 28)}
        port = _free_port()
        argv = [python(), "-m", "uvicorn", "--factory", "flowdesk.web.app:create_app",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                "--no-access-log"]
        with server_process(argv, port, env_w) as (base, pid):
            cold: list[tuple[str, float, str]] = []
            etags = {}
            with httpx.Client(base_url=base, timeout=300) as client:
                for path in PATHS:
                    start = time.perf_counter()
                    response = client.get(path)
                    cold.append((f"first GET {path[:48]}", time.perf_counter() - start, "s"))
                    if "etag" in response.headers:
                        etags[path] = response.headers["etag"]
            warm = asyncio.run(_load(base, PATHS, etags))
            idle = asyncio.run(_healthz_idle(base))
            loaded = asyncio.run(_healthz_under_load(base))
            peak_mb = _peak_rss_mb(pid)

    report("web: first request per endpoint (computes the model or page)", cold)
    rows = []
    for name, run in (("bare uvicorn 'ok' (baseline)", bare), ("flowdesk mix, warm cache", warm)):
        rows += [(f"{name} p50", run["p50"], "ms"), (f"{name} p99", run["p99"], "ms")]
    report(f"web: {REQUESTS} requests, {CONCURRENCY} concurrent (latency)", rows,
           baseline="bare uvicorn 'ok' (baseline) p50")
    report("web: throughput", [
        ("bare uvicorn 'ok' (baseline)", bare["rps"], "req/s"),
        ("flowdesk mix, warm cache", warm["rps"], "req/s"),
    ], baseline="bare uvicorn 'ok' (baseline)")
    print(f"  outcomes: bare {bare['outcomes']}, flowdesk {warm['outcomes']}")
    report(f"web: /healthz while {LOAD_DATES} uncached {LOAD_PATH.split('?')[0]} dates compute"
           " (latency)", [
        ("/healthz idle p50 (baseline)", idle["p50"], "ms"),
        ("/healthz idle p99", idle["p99"], "ms"),
        ("/healthz under load p50", loaded["p50"], "ms"),
        ("/healthz under load p99", loaded["p99"], "ms"),
    ], baseline="/healthz idle p50 (baseline)")
    print(f"  under load: {loaded['samples']} /healthz samples over {loaded['elapsed']:.1f} s,"
          f" p99 ratio to idle p99 x{loaded['p99'] / idle['p99']:.2f};"
          f" burst outcomes {loaded['outcomes']}; server peak RSS {peak_mb:.0f} MB")
    errors = {k: v for k, v in warm["outcomes"].items() if k not in ("200", "304")}
    errors |= {k: v for k, v in loaded["outcomes"].items() if k != "200"}
    if errors:
        sys.exit(f"errors under load: {errors}")


if __name__ == "__main__":
    main()
