"""Reproducible random numbers: one independent stream per block of paths.

Paths are grouped in fixed blocks of :data:`BLOCK` paths; block ``g`` draws from
``PCG64(SeedSequence(entropy, spawn_key=(g, stream)))``, which is what
``SeedSequence(entropy).spawn(...)`` would give for child ``g`` (and grandchild
``stream``), without spawning all the earlier ones. Path ``i`` therefore gets the
same numbers whichever task or process simulates it and however the paths are
split, as long as :data:`BLOCK` is fixed. Within a block the draws are
day-major, ``(day, shock, lane)``, so a shorter horizon is a prefix of a longer one.

Only integers (the entropy) travel to workers, never generator objects.
Following mesa, a model accepts ``seed=`` (an integer) or ``rng=`` (a NumPy
``Generator`` used once to draw the entropy), not both.
"""

from __future__ import annotations

import numpy as np

from flowdesk.errors import ConfigError

__all__ = ["BLOCK", "TRADER_SHOCKS", "block_generator", "resolve_entropy", "standard_normals"]

#: Paths per random-number block (also the kernel's unit of parallel work).
BLOCK = 256
#: Normal shocks per path and day for the traders (fundamentalists, noise traders).
TRADER_SHOCKS = 2
_STREAM_TRADERS = 0
_STREAM_VALUE = 1


def resolve_entropy(
    seed: int | np.random.SeedSequence | None = None, rng: np.random.Generator | None = None
) -> int:
    """One integer that seeds everything: from ``seed``, from ``rng``, or fresh.

    Parameters
    ----------
    seed
        Non-negative integer (or a ``SeedSequence``, whose entropy is used).
    rng
        A NumPy ``Generator``; one 63-bit integer is drawn from it.

    Returns
    -------
    int
        The entropy; record it to reproduce a run that was seeded with neither.
    """
    if seed is not None and rng is not None:
        raise ConfigError("give seed= or rng=, not both")
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng: expected a numpy Generator, got {type(rng).__name__}")
        return int(rng.integers(0, 2**63 - 1))
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.entropy)  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed: expected a non-negative integer, got {seed!r}")
    return int(seed)


def block_generator(entropy: int, block: int, stream: int = _STREAM_TRADERS) -> np.random.Generator:
    """The generator of one path block and stream (see the module docstring)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=(block, stream)))
    )


def standard_normals(
    entropy: int,
    first_path: int,
    n_paths: int,
    n_steps: int,
    n_shocks: int = TRADER_SHOCKS,
    *,
    value: bool = False,
) -> np.ndarray:
    """Standard normal shocks of paths ``first_path .. first_path + n_paths - 1``.

    Parameters
    ----------
    entropy
        From :func:`resolve_entropy`.
    first_path, n_paths
        Global index of the first path and the number of paths.
    n_steps
        Days (burn-in included).
    n_shocks
        Shocks per path and day.
    value
        Draw from the value-process stream instead of the traders' stream.

    Returns
    -------
    numpy.ndarray
        ``(n_steps, n_shocks, n_paths)``, C-contiguous (the kernel's layout).
    """
    if first_path < 0 or n_paths < 0 or n_steps < 0:
        raise ConfigError("paths and steps must be non-negative")
    out = np.empty((n_steps, n_shocks, n_paths))
    stream = _STREAM_VALUE if value else _STREAM_TRADERS
    last = first_path + n_paths
    for g in range(first_path // BLOCK, -(-last // BLOCK)):
        lo = max(first_path, g * BLOCK)
        hi = min(last, (g + 1) * BLOCK)
        draw = block_generator(entropy, g, stream).standard_normal((n_steps, n_shocks, BLOCK))
        out[:, :, lo - first_path : hi - first_path] = draw[:, :, lo - g * BLOCK : hi - g * BLOCK]
    return out
