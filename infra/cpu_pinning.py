"""Each of the server's processes on a core of its own (``bolashak serve --workers N``).

A server process runs Python under one interpreter lock: however many threads it has, it
uses at most one core, and its threads hand the lock and their work to each other all the
time (the event loop, the command threads, the event store's group commit). Left to the
kernel, a thread woken by another is often woken on another core, and on a virtual
machine each such wake-up crosses the hypervisor. Pinned to one core, each process's
hand-overs stay on that core, and the processes spread over the machine's cores, one per
core while there are enough.

Each process chooses, when it starts, the allowed CPU that the fewest of the server's live
processes are pinned to (ties: the lowest), under a lock on a file in the folder the
server's processes share (their metrics' folder), where it records its choice; a process
that died is no longer counted, so its restarted successor takes its core again.
``BOLASHAK_PIN_SERVER_PROCESSES=false`` leaves the placement to the kernel.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

CHOICES_FILE = "cpu-pinning.json"  # pid -> CPU, of the server's processes
log = logging.getLogger("bolashak.serve")


def least_used(allowed: Iterable[int], pinned: Mapping[int, int]) -> int:
    """The allowed CPU the fewest processes of ``pinned`` (pid -> CPU) are on; the lowest
    of those tied."""
    counts = dict.fromkeys(sorted(allowed), 0)
    for cpu in pinned.values():
        if cpu in counts:
            counts[cpu] += 1
    return min(counts, key=lambda cpu: (counts[cpu], cpu))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process (the pid was reused): alive
        return True
    return True


def pin_this_process(folder: str | Path) -> int | None:
    """Pins every thread of this process to the CPU chosen for it (``least_used`` among
    the live processes recorded in ``folder``), and records the choice; the CPU, or None
    where nothing is pinned (a platform without CPU affinity, or one CPU allowed)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        return None
    folder = Path(folder)
    with open(folder / (CHOICES_FILE + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pinned = {pid: cpu for pid, cpu in _read(folder).items() if alive(pid)}
        cpu = least_used(allowed, pinned)
        pinned[os.getpid()] = cpu
        _write(folder, pinned)
    try:
        for thread in _threads():
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.sched_setaffinity(thread, {cpu})
    except OSError as refused:  # a sandbox that forbids it: the kernel places the process
        log.warning("server process not pinned to a core", extra={"error": str(refused)})
        return None
    return cpu


def _threads() -> list[int]:
    """This process's threads (affinity is each thread's own on Linux; a thread started
    later takes its starter's)."""
    try:
        return [int(tid) for tid in os.listdir("/proc/self/task")]
    except FileNotFoundError:
        return [0]


def _read(folder: Path) -> dict[int, int]:
    try:
        found = json.loads((folder / CHOICES_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {int(pid): int(cpu) for pid, cpu in found.items()}


def _write(folder: Path, pinned: Mapping[int, int]) -> None:
    temporary = folder / (CHOICES_FILE + ".new")
    temporary.write_text(json.dumps({str(pid): cpu for pid, cpu in pinned.items()}))
    temporary.replace(folder / CHOICES_FILE)
