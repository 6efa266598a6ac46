"""Bounded loopback load test: 2,000 requests at 50 concurrent connections, zero errors.

Latency is printed (run with ``-s`` to see it), never asserted: timing on a
shared 2-core machine is noise. ``benchmarks/bench_web.py`` measures it properly.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from flowdesk.config import get_settings
from flowdesk.web import background_server, create_app

REQUESTS = 2_000
CONCURRENCY = 50
ASOF = "2020-03-20"
# A mix across the API, a page, a static asset and conditional requests.
PATHS = [
    "/healthz",
    f"/api/vix?asof={ASOF}",
    f"/api/series/DGS10?asof={ASOF}&start=2019-06-01",
    f"/api/series/SP500?asof={ASOF}&start=2020-01-01",
    f"/api/series/VIX?start=2019-01-01&end={ASOF}",
    f"/?asof={ASOF}",
    "/static/report.css",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(get_settings(cache_dir=tmp_path_factory.mktemp("load") / "cache"))
    with background_server(app) as url:
        yield url


async def _run(base_url: str, etags: dict[str, str]) -> tuple[list[float], Counter[str], float]:
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    todo = iter(range(REQUESTS))

    async def connection() -> None:
        # One client per connection: a single pool shared by 50 tasks costs more
        # CPU per request than the server does.
        async with httpx.AsyncClient(base_url=base_url, timeout=60,
                                     limits=httpx.Limits(max_connections=1)) as client:
            for i in todo:
                path = PATHS[i % len(PATHS)]
                # Every third request revalidates with the ETag, as a browser would.
                headers = {"If-None-Match": etags[path]} if i % 3 == 0 and path in etags else {}
                start = time.perf_counter()
                try:
                    response = await client.get(path, headers=headers)
                    outcomes[str(response.status_code)] += 1
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONCURRENCY)))
    return latencies, outcomes, time.perf_counter() - start


def test_load_has_zero_errors(base_url: str) -> None:
    etags = {}
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for path in PATHS:  # warm the cache: the run measures serving, not the models
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            if "etag" in response.headers:
                etags[path] = response.headers["etag"]
    latencies, outcomes, elapsed = asyncio.run(_run(base_url, etags))
    assert sum(outcomes.values()) == REQUESTS
    assert set(outcomes) <= {"200", "304"}, outcomes
    assert outcomes["304"] > 0
    cuts = statistics.quantiles(latencies, n=100)
    print(f"\nload: {REQUESTS} requests, {CONCURRENCY} concurrent, {elapsed:.2f} s,"
          f" {REQUESTS / elapsed:.0f} req/s, p50 {cuts[49] * 1e3:.1f} ms,"
          f" p99 {cuts[98] * 1e3:.1f} ms, {dict(outcomes)}")
