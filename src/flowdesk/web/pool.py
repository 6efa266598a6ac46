"""Bounded worker pool for model computations: single-flight, admission limit, cached values.

The event loop must stay free for cheap requests (``/healthz``, cache hits), so
every computation runs on one of a fixed number of worker threads instead of
the loop or anyio's 40-thread default pool (40 concurrent model runs is what
took the server past 1 GB). Three rules:

* **single-flight**: one job per key at a time; requests for a key already
  being computed await that job's result instead of starting another;
* **admission limit**: at most ``queue_limit`` keys are running or waiting;
  a request for one more is refused at once with :class:`OverloadedError` (the app
  answers 503 with ``Retry-After``) rather than queued without bound;
* **finished values** go into the caller's :class:`~flowdesk.web.lru.LruCache`
  before the job stops counting as in flight, so a request arriving in between
  finds either the job or its value, never neither.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from flowdesk.web.lru import LruCache

__all__ = ["ComputePool", "OverloadedError"]

T = TypeVar("T")
# Retry-After is a hint; past two minutes a client should rather give up.
_MAX_RETRY_AFTER = 120


class OverloadedError(Exception):
    """The pool already holds ``limit`` jobs; the request should be retried later.

    Parameters
    ----------
    in_flight
        Jobs running or waiting when the request came.
    limit
        The pool's admission limit.
    retry_after
        Whole seconds after which a retry has a fair chance (the ``Retry-After`` value).
    """

    def __init__(self, in_flight: int, limit: int, retry_after: int) -> None:
        self.in_flight = in_flight
        self.limit = limit
        self.retry_after = retry_after
        super().__init__(
            f"the server is busy: {in_flight} computations are running or waiting (limit"
            f" {limit}); retry in {retry_after} s"
        )


class ComputePool:
    """Run blocking computations on ``workers`` threads, one job per key, at most ``queue_limit``.

    Parameters
    ----------
    workers
        Worker threads (model computations running at once).
    queue_limit
        Most distinct keys running or waiting; more are refused with :class:`OverloadedError`.

    Attributes
    ----------
    started
        Jobs started so far (single-flight: repeated keys do not add to it).
    """

    def __init__(self, workers: int, queue_limit: int) -> None:
        if workers < 1 or queue_limit < 1:
            raise ValueError(f"workers and queue_limit must be >= 1, got {workers}, {queue_limit}")
        self.workers = workers
        self.queue_limit = queue_limit
        self.started = 0
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="flowdesk-compute")
        self._flights: dict[Hashable, Future[object]] = {}
        self._lock = threading.Lock()
        self._mean_seconds = 1.0  # a first guess until a job has been timed

    @property
    def in_flight(self) -> int:
        """Jobs running or waiting now."""
        return len(self._flights)

    def retry_after(self) -> int:
        """Seconds until the jobs ahead of a new request are likely done (1 to 120)."""
        waves = math.ceil(max(len(self._flights), 1) / self.workers)
        return max(1, min(_MAX_RETRY_AFTER, math.ceil(waves * self._mean_seconds)))

    async def get(self, key: Hashable, compute: Callable[[], T], cache: LruCache) -> T:
        """The value of ``key`` from ``cache``, or computed once on a worker and stored there.

        Parameters
        ----------
        key
            What is computed; equal keys share one job. Keys of different caches
            must differ (prefix them with their kind).
        compute
            Blocking function producing the value (not ``None``); its exceptions
            reach every waiter and are not cached.
        cache
            Where finished values are kept.

        Raises
        ------
        OverloadedError
            If ``key`` is neither cached nor in flight and the pool is full.
        """
        value = cache.get(key)
        if value is not None:
            return value  # type: ignore[no-any-return]
        with self._lock:
            if key in cache:  # finished between the lookup and the lock
                return cache.get(key)  # type: ignore[no-any-return]
            job = self._flights.get(key)
            if job is None:
                if len(self._flights) >= self.queue_limit:
                    raise OverloadedError(len(self._flights), self.queue_limit, self.retry_after())
                job = self._executor.submit(self._run, key, compute, cache)
                self._flights[key] = job
                self.started += 1
        # Shielded: a client that disconnects cancels its own wait, not the job
        # other requests are waiting for.
        return await asyncio.shield(asyncio.wrap_future(job))  # type: ignore[return-value]

    def _run(self, key: Hashable, compute: Callable[[], T], cache: LruCache) -> T:
        start = time.perf_counter()
        try:
            value = compute()
        except BaseException:
            with self._lock:
                self._flights.pop(key, None)
            raise
        with self._lock:
            cache.put(key, value)
            self._flights.pop(key, None)
            # A moving average: recent jobs say more about the next wait than old ones.
            self._mean_seconds += 0.2 * (time.perf_counter() - start - self._mean_seconds)
        return value

    def shutdown(self) -> None:
        """Stop accepting jobs; running ones finish in their threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)
