"""Memory headroom inside a container: cgroup v1 and v2 trees built by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdesk import machine
from flowdesk.machine import available_memory_bytes, cgroup_memory_headroom

GIB = 2**30


def _tree(tmp: Path, files: dict[str, str], proc: str) -> tuple[Path, Path]:
    root = tmp / "cgroup"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    proc_file = tmp / "proc_cgroup"
    proc_file.write_text(proc)
    return root, proc_file


def test_v2_limit_minus_usage_minus_inactive_page_cache(tmp_path: Path) -> None:
    # 4 GiB limit, 3 GiB charged of which 1 GiB is inactive page cache:
    # 4 - (3 - 1) = 2 GiB of headroom.
    root, proc = _tree(tmp_path, {
        "app/memory.max": f"{4 * GIB}\n",
        "app/memory.current": f"{3 * GIB}\n",
        "app/memory.stat": f"anon {2 * GIB}\ninactive_file {GIB}\nactive_file 0\n",
    }, "0::/app\n")
    assert cgroup_memory_headroom(root, proc) == 2 * GIB


def test_v2_max_means_no_limit_and_the_root_is_tried(tmp_path: Path) -> None:
    root, proc = _tree(tmp_path, {"app/memory.max": "max\n"}, "0::/app\n")
    assert cgroup_memory_headroom(root, proc) is None
    # Inside a container namespace the own path may not exist; the mount root holds it.
    root, proc = _tree(tmp_path / "b", {"memory.max": f"{GIB}\n", "memory.current": "0\n"},
                       "0::/not/mounted/here\n")
    assert cgroup_memory_headroom(root, proc) == GIB


def test_v1_memory_controller_with_total_inactive_file(tmp_path: Path) -> None:
    # 2 GiB limit, 1.5 GiB used of which 0.5 GiB inactive file: 2 - 1 = 1 GiB.
    root, proc = _tree(tmp_path, {
        "memory/job/memory.limit_in_bytes": f"{2 * GIB}\n",
        "memory/job/memory.usage_in_bytes": f"{3 * GIB // 2}\n",
        "memory/job/memory.stat": f"cache 1\ntotal_inactive_file {GIB // 2}\n",
    }, "4:memory:/job\n3:cpuset:/\n0::/\n")
    assert cgroup_memory_headroom(root, proc) == GIB


def test_v1_unlimited_is_a_huge_number(tmp_path: Path) -> None:
    root, proc = _tree(tmp_path, {
        "memory/job/memory.limit_in_bytes": "9223372036854771712\n",
        "memory/job/memory.usage_in_bytes": "1000\n",
    }, "4:memory:/job\n")
    assert cgroup_memory_headroom(root, proc) is None


def test_over_the_limit_is_zero_and_garbage_is_ignored(tmp_path: Path) -> None:
    root, proc = _tree(tmp_path, {
        "app/memory.max": "100\n", "app/memory.current": "250\n",
    }, "0::/app\n")
    assert cgroup_memory_headroom(root, proc) == 0
    root, proc = _tree(tmp_path / "g", {"app/memory.max": "\xff\xfe lots\n"}, "0::/app\n")
    assert cgroup_memory_headroom(root, proc) is None
    assert cgroup_memory_headroom(tmp_path / "none", tmp_path / "missing") is None


def test_available_memory_is_the_smaller_of_host_and_cgroup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(machine, "cgroup_memory_headroom", lambda: 3 * 2**20)
    assert available_memory_bytes() == 3 * 2**20
    monkeypatch.setattr(machine, "cgroup_memory_headroom", lambda: None)
    host = available_memory_bytes()
    assert host > 3 * 2**20

    def refuse(_name: str) -> int:
        raise ValueError("unknown")

    monkeypatch.setattr(machine.os, "sysconf", refuse)
    assert available_memory_bytes() == machine.FALLBACK_MEMORY_BYTES
