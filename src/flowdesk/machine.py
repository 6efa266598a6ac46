"""What this machine lets the process use: memory, counted the way a container counts it.

``sysconf`` reports the host's free memory. Inside a container (Docker, CI
runners, Kubernetes) the process is held to its control group's limit instead,
and going past it gets the process killed, not swapped. So the memory a
computation may plan on is the smaller of the two: the host's available pages,
and the cgroup's limit minus what the cgroup already uses. Both cgroup v2
(``memory.max`` / ``memory.current``) and v1 (``memory.limit_in_bytes`` /
``memory.usage_in_bytes``) are read; "max" and v1's huge "unlimited" numbers
mean no limit. Usage counts the page cache, which the kernel reclaims before it
kills anyone, so the inactive file pages are taken off it (as ``docker stats``
does). Nothing here needs psutil.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["available_memory_bytes", "cgroup_memory_headroom"]

#: Used when the operating system does not report available memory.
FALLBACK_MEMORY_BYTES = 8 * 2**30
#: cgroup v1 writes a page-rounded 2**63 - 1 when there is no limit; anything this
#: large is "unlimited".
_UNLIMITED = 2**60
_CGROUP_ROOT = Path("/sys/fs/cgroup")


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 <= value < _UNLIMITED else None


def _inactive_file(folder: Path) -> int:
    """Reclaimable page cache of a cgroup from its ``memory.stat`` (0 if unknown)."""
    try:
        lines = (folder / "memory.stat").read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return 0
    stats = dict(line.split(" ", 1) for line in lines if " " in line)
    for key in ("inactive_file", "total_inactive_file"):
        try:
            return max(int(stats[key]), 0)
        except (KeyError, ValueError):
            continue
    return 0


def _own_cgroups(proc_cgroup: Path) -> tuple[str | None, str | None]:
    """The (v2 path, v1 memory-controller path) of this process, from ``/proc/self/cgroup``."""
    v2 = v1 = None
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            v2 = path
        elif "memory" in controllers.split(","):
            v1 = path
    return v2, v1


def cgroup_memory_headroom(
    root: Path = _CGROUP_ROOT, proc_cgroup: Path = Path("/proc/self/cgroup")
) -> int | None:
    """Bytes the control group still allows (limit minus usage), or None without a limit.

    The process's own cgroup is tried first, then the mount's root (inside a
    container the namespace often shows the container's cgroup as ``/``).
    """
    v2, v1 = _own_cgroups(proc_cgroup)
    candidates: list[tuple[Path, str, str]] = []
    for path in dict.fromkeys(p for p in (v2, "/") if p is not None):
        candidates.append((root / path.lstrip("/"), "memory.max", "memory.current"))
    for path in dict.fromkeys(p for p in (v1, "/") if p is not None):
        base = root / "memory" / path.lstrip("/")
        candidates.append((base, "memory.limit_in_bytes", "memory.usage_in_bytes"))
    for folder, limit_name, usage_name in candidates:
        limit = _read_int(folder / limit_name)
        if limit is None:
            continue
        usage = max((_read_int(folder / usage_name) or 0) - _inactive_file(folder), 0)
        return max(limit - usage, 0)
    return None


def available_memory_bytes() -> int:
    """Memory this process may still use: host available pages, capped by its cgroup.

    A fixed 8 GiB when the operating system reports nothing.
    """
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        size = os.sysconf("SC_PAGE_SIZE")
        host = pages * size if pages > 0 and size > 0 else None
    except (AttributeError, OSError, ValueError):
        host = None
    headroom = cgroup_memory_headroom()
    known = [v for v in (host, headroom) if v is not None]
    return min(known) if known else FALLBACK_MEMORY_BYTES
