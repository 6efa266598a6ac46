"""The compute pool under load: single-flight, 503 over the limit, bounded cache, free event loop.

Model computations are fakes that block on an event the test releases, so
which requests are admitted and which are refused is decided by the pool's
rules, not by timing. Latency is measured in ``benchmarks/bench_web.py``, never
asserted here.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from flowdesk.config import get_settings
from flowdesk.report.sections import ReportContext, Section
from flowdesk.web import background_server, create_app, page_sections, results
from flowdesk.web.lru import LruCache
from flowdesk.web.pool import ComputePool, OverloadedError

DATES = [f"{day:%Y-%m-%d}" for day in pd.date_range("2019-01-01", periods=100)]


class FakeResult:
    """Stands in for a model result: ``to_dict()`` names the date it was computed for."""

    def __init__(self, asof: pd.Timestamp) -> None:
        self.asof = asof

    def to_dict(self) -> dict[str, str]:
        return {"asof": f"{self.asof:%Y-%m-%d}"}


class BlockingModel:
    """A fake estimator that counts calls per date and waits until released."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, asof: pd.Timestamp, settings: object) -> FakeResult:
        with self._lock:
            self.calls[f"{asof:%Y-%m-%d}"] += 1
        assert self.release.wait(30), "the test never released the model"
        return FakeResult(asof)


# ---------------------------------------------------------------- the pool itself
def test_concurrent_requests_for_one_key_share_one_job() -> None:
    model = BlockingModel()
    pool, cache = ComputePool(workers=2, queue_limit=4), LruCache(8)

    async def main() -> list[FakeResult]:
        waiters = [asyncio.ensure_future(pool.get("k", lambda: model(pd.Timestamp(DATES[0]), None),
                                                  cache)) for _ in range(20)]
        await asyncio.sleep(0.05)
        assert pool.in_flight == 1
        model.release.set()
        return await asyncio.gather(*waiters)

    answers = asyncio.run(main())
    assert model.calls == {DATES[0]: 1} and pool.started == 1
    assert len({id(a) for a in answers}) == 1  # every waiter got the same object
    assert pool.in_flight == 0 and cache.get("k") is answers[0]
    pool.shutdown()


def test_a_full_pool_refuses_new_keys_but_joins_known_ones() -> None:
    model = BlockingModel()
    pool, cache = ComputePool(workers=1, queue_limit=3), LruCache(8)

    async def main() -> None:
        jobs = [asyncio.ensure_future(pool.get(d, lambda d=d: model(pd.Timestamp(d), None), cache))
                for d in DATES[:3]]
        await asyncio.sleep(0.05)
        with pytest.raises(OverloadedError) as refused:
            await pool.get(DATES[3], lambda: model(pd.Timestamp(DATES[3]), None), cache)
        assert refused.value.limit == 3 and refused.value.in_flight == 3
        assert 1 <= refused.value.retry_after <= 120
        assert "retry in" in str(refused.value)
        joined = asyncio.ensure_future(pool.get(DATES[0], lambda: 1 / 0, cache))  # never run
        model.release.set()
        await asyncio.gather(*jobs, joined)

    asyncio.run(main())
    assert set(model.calls) == set(DATES[:3]) and sum(model.calls.values()) == 3
    pool.shutdown()


def test_errors_reach_every_waiter_and_are_not_cached() -> None:
    pool, cache = ComputePool(workers=1, queue_limit=2), LruCache(8)
    calls = []
    gate = threading.Event()

    def broken() -> object:
        calls.append(1)
        gate.wait(5)
        raise ValueError("model failed")

    async def main() -> list[BaseException | object]:
        waiters = [asyncio.ensure_future(pool.get("k", broken, cache)) for _ in range(5)]
        await asyncio.sleep(0.05)
        gate.set()
        return await asyncio.gather(*waiters, return_exceptions=True)

    answers = asyncio.run(main())
    assert all(isinstance(a, ValueError) for a in answers) and len(calls) == 1
    assert "k" not in cache and pool.in_flight == 0
    assert asyncio.run(pool.get("k", lambda: "fixed", cache)) == "fixed"  # computed again
    pool.shutdown()


def test_a_waiter_that_goes_away_does_not_cancel_the_shared_job() -> None:
    model = BlockingModel()
    pool, cache = ComputePool(workers=1, queue_limit=2), LruCache(8)
    day = pd.Timestamp(DATES[0])

    async def main() -> FakeResult:
        leaving = asyncio.ensure_future(pool.get("k", lambda: model(day, None), cache))
        staying = asyncio.ensure_future(pool.get("k", lambda: model(day, None), cache))
        await asyncio.sleep(0.05)
        leaving.cancel()  # a client disconnecting
        await asyncio.sleep(0.01)
        model.release.set()
        return await staying

    assert asyncio.run(main()).asof == day
    assert cache.get("k") is not None and model.calls == {DATES[0]: 1}
    pool.shutdown()


def test_the_cache_keeps_at_most_its_limit() -> None:
    cache = LruCache(3)
    for key in "abcde":
        cache.put(key, key.upper())
    assert len(cache) == 3 and cache.get("a") is None and cache.get("e") == "E"
    cache.get("c")
    cache.put("f", "F")  # "d" is now the least recently used
    assert "d" not in cache and "c" in cache
    with pytest.raises(ValueError):
        LruCache(0)


# ---------------------------------------------------------------- through the server
LIMIT = 40
CACHE_ENTRIES = 16


@pytest.fixture
def blocking(monkeypatch: pytest.MonkeyPatch) -> BlockingModel:
    model = BlockingModel()
    monkeypatch.setitem(results.ESTIMATORS, "vix", model)
    return model


def _app(tmp_path: Path, **settings: Any) -> Any:
    return create_app(get_settings(cache_dir=tmp_path / "cache", **settings))


@pytest.fixture
def served(tmp_path: Path, blocking: BlockingModel) -> Iterator[tuple[Any, str]]:
    app = _app(tmp_path, web_workers=2, web_queue_limit=LIMIT, web_cache_entries=CACHE_ENTRIES)
    with background_server(app) as url:
        try:
            yield app, url
        finally:
            blocking.release.set()  # never leave a worker waiting after a failure


async def _burst(url: str, app: Any, model: BlockingModel) -> dict[str, Any]:
    """100 uncached dates at once, /healthz polled meanwhile; release once the refusals are in."""
    done: list[httpx.Response] = []
    health: list[tuple[int, int]] = []  # (status, computations in flight when it answered)
    limits = httpx.Limits(max_connections=len(DATES) + 4)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one(day: str) -> httpx.Response:
            response = await client.get("/api/vix", params={"asof": day})
            done.append(response)
            return response

        async def poll_health() -> None:
            while not model.release.is_set():
                response = await client.get("/healthz")
                health.append((response.status_code, app.state.pool.in_flight))
                await asyncio.sleep(0.01)

        poller = asyncio.ensure_future(poll_health())
        tasks = [asyncio.ensure_future(one(day)) for day in DATES]
        # The admitted requests are blocked in the model, so exactly the others
        # come back first, all refused.
        deadline = asyncio.get_running_loop().time() + 30
        while len(done) < len(DATES) - LIMIT:
            assert asyncio.get_running_loop().time() < deadline, len(done)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # a few more health checks with the pool full
        model.release.set()
        answers = await asyncio.gather(*tasks)
        await poller
    return {"answers": dict(zip(DATES, answers, strict=True)), "health": health}


def test_100_uncached_dates_all_answered_within_the_limits(
    served: tuple[Any, str], blocking: BlockingModel
) -> None:
    app, url = served
    run = asyncio.run(_burst(url, app, blocking))
    answers: dict[str, httpx.Response] = run["answers"]
    ok = {day for day, r in answers.items() if r.status_code == 200}
    busy = {day for day, r in answers.items() if r.status_code == 503}
    assert ok | busy == set(DATES)  # every request answered, nothing else
    assert len(ok) == LIMIT and len(busy) == len(DATES) - LIMIT
    for day in ok:
        assert answers[day].json() == {"asof": day}
    for day in busy:
        response = answers[day]
        assert int(response.headers["retry-after"]) >= 1
        assert response.json()["error"]["type"] == "Overloaded"
        assert f"limit {LIMIT}" in response.json()["error"]["message"]
    # Each admitted date computed once, refused ones never.
    assert blocking.calls == dict.fromkeys(ok, 1)
    # /healthz kept answering while the pool was full.
    assert run["health"] and {status for status, _ in run["health"]} == {200}
    assert any(in_flight == LIMIT for _, in_flight in run["health"])
    # Memory: bodies bounded by the setting, results by two per worker.
    assert len(app.state.bodies) == CACHE_ENTRIES
    assert len(app.state.results) == 4
    assert app.state.pool.in_flight == 0


def test_a_refused_date_is_computed_on_retry(served: tuple[Any, str],
                                             blocking: BlockingModel) -> None:
    app, url = served
    run = asyncio.run(_burst(url, app, blocking))
    refused = next(d for d, r in run["answers"].items() if r.status_code == 503)
    again = httpx.get(url + "/api/vix", params={"asof": refused}, timeout=30)
    assert again.status_code == 200 and again.json() == {"asof": refused}


def test_page_and_api_for_one_date_share_one_computation(
    served: tuple[Any, str], blocking: BlockingModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url = served

    def fake_section(result: FakeResult, ctx: ReportContext) -> Section:
        return Section(id="vix", title="Volatility", asof=ctx.asof,
                       body_html=f"<p>fake section for {result.asof:%Y-%m-%d}</p>")

    monkeypatch.setitem(page_sections.SECTION_FROM_RESULT, "vix", fake_section)
    day = DATES[7]

    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            tasks = [asyncio.ensure_future(client.get(path, params={"asof": day}))
                     for path in ["/vix", "/api/vix"] * 10]
            for _ in range(3000):  # the first request also reads the data's date range
                if blocking.calls:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # the others arrive and wait on the one model run
            assert app.state.pool.in_flight == 1
            blocking.release.set()
            return await asyncio.gather(*tasks)

    answers = asyncio.run(main())
    assert {r.status_code for r in answers} == {200}
    assert blocking.calls == {day: 1}
    pages = {r.text for r in answers if r.headers["content-type"].startswith("text/html")}
    assert len(pages) == 1 and f"fake section for {day}" in pages.pop()
    assert {r.content for r in answers if "json" in r.headers["content-type"]} == {
        b'{"asof":"' + day.encode() + b'"}'}
    # One model result, one JSON body, one page body.
    assert app.state.pool.started == 3


def test_a_full_pool_on_a_page_is_an_html_503_with_retry_after(
    tmp_path: Path, blocking: BlockingModel
) -> None:
    app = _app(tmp_path, web_workers=1, web_queue_limit=1)
    with background_server(app) as url:
        try:
            holder = threading.Thread(target=httpx.get, args=(url + "/api/vix",),
                                      kwargs={"params": {"asof": DATES[0]}, "timeout": 30})
            holder.start()
            for _ in range(500):
                if app.state.pool.in_flight:
                    break
                threading.Event().wait(0.01)
            page = httpx.get(url + "/vix", params={"asof": DATES[1]}, timeout=30)
            api = httpx.get(url + "/api/vix", params={"asof": DATES[1]}, timeout=30)
        finally:
            blocking.release.set()
        holder.join(30)
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert int(page.headers["retry-after"]) >= 1
    assert 'data-error-type="Overloaded"' in page.text and "retry in" in page.text
    assert api.status_code == 503 and api.json()["error"]["type"] == "Overloaded"
    assert int(api.headers["retry-after"]) >= 1


# ---------------------------------------------------------------- HEAD
@pytest.mark.parametrize("path", ["/healthz", "/api/vix?asof=2019-01-02", "/vix?asof=2019-01-02",
                                  "/api/series/VIX?start=2020-01-01", "/static/report.css",
                                  "/docs", "/openapi.json", "/nowhere"])
def test_head_answers_like_get_without_a_body(tmp_path: Path, blocking: BlockingModel,
                                              monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setitem(page_sections.SECTION_FROM_RESULT, "vix", lambda result, ctx: Section(
        id="vix", title="Volatility", asof=ctx.asof, body_html="<p>fake</p>"))
    blocking.release.set()
    with background_server(_app(tmp_path)) as url, httpx.Client(base_url=url, timeout=60) as c:
        get = c.get(path)
        head = c.head(path)
    assert head.status_code == get.status_code and head.content == b""
    assert get.status_code == (404 if path == "/nowhere" else 200)
    for name in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name
    assert int(head.headers["content-length"]) > 0
