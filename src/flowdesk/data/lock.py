"""An inter-process lock on the cache directory.

``fcntl.flock`` on POSIX and ``msvcrt.locking`` on Windows: the operating
system drops the lock when the holding process dies, so a crash never leaves a
stale lock behind (unlike lock files created with O_EXCL).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flowdesk.errors import DataError
from flowdesk.output_paths import ensure_directory

__all__ = ["cache_lock"]


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def cache_lock(directory: Path, timeout: float = 60.0, poll: float = 0.05) -> Iterator[None]:
    """Hold the exclusive lock of ``directory`` for the duration of the block.

    Parameters
    ----------
    directory
        The cache directory; the lock file ``.lock`` lives inside it.
    timeout
        Seconds to wait for another process to release the lock.
    poll
        Seconds between attempts.

    Raises
    ------
    DataError
        If the lock cannot be taken within ``timeout`` (the message names the
        lock file so a user can see who holds it).
    """
    ensure_directory(directory, what="cache directory (FLOWDESK_CACHE_DIR)")
    path = directory / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise DataError(
                    f"cache {directory}: another flowdesk process holds {path} "
                    f"(waited {timeout:g} s)"
                )
            time.sleep(poll)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
