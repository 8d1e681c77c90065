"""Each server process on a core of its own (infra/cpu_pinning.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cpu_pinning import CHOICES_FILE, least_used, pin_this_process
from tests.support.cpus import allowed_cpus

pytestmark = pytest.mark.unit


@pytest.fixture
def two_cpus() -> None:
    allowed_cpus()


def test_a_process_takes_the_cpu_the_fewest_processes_are_on() -> None:
    assert least_used({0, 1, 2}, {}) == 0
    assert least_used({0, 1, 2}, {10: 0}) == 1
    assert least_used({0, 1, 2}, {10: 0, 11: 1}) == 2
    assert least_used({0, 1}, {10: 0, 11: 1, 12: 0}) == 1  # more processes than cores


def test_a_cpu_no_longer_allowed_is_not_counted() -> None:
    assert least_used({2, 3}, {10: 0, 11: 1, 12: 2}) == 3


def _pin_in_a_child(folder: Path) -> int:
    """pin_this_process in a process of its own (pinning changes the pinned process)."""
    code = (
        "import os, sys; from infra.cpu_pinning import pin_this_process;"
        "cpu = pin_this_process(sys.argv[1]);"
        "assert os.sched_getaffinity(0) == {cpu}, os.sched_getaffinity(0);"
        "print(cpu)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.usefixtures("two_cpus")
def test_a_process_is_pinned_to_the_cpu_the_live_processes_leave_free(tmp_path: Path) -> None:
    allowed = allowed_cpus()
    # this process is alive and on the first CPU: a new one takes the second
    (tmp_path / CHOICES_FILE).write_text(json.dumps({str(os.getpid()): allowed[0]}))
    assert _pin_in_a_child(tmp_path) == allowed[1]
    recorded = json.loads((tmp_path / CHOICES_FILE).read_text())
    assert sorted(recorded.values()) == [allowed[0], allowed[1]]  # it recorded its choice


@pytest.mark.usefixtures("two_cpus")
def test_the_core_of_a_process_that_died_is_taken_again(tmp_path: Path) -> None:
    allowed = allowed_cpus()
    first = _pin_in_a_child(tmp_path)  # its process has exited since
    assert first == allowed[0]
    assert _pin_in_a_child(tmp_path) == allowed[0]


def test_nothing_is_pinned_with_one_cpu_allowed(tmp_path: Path) -> None:
    if not hasattr(os, "sched_setaffinity"):
        assert pin_this_process(tmp_path) is None
        return
    code = (
        "import os, sys; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
        "from infra.cpu_pinning import pin_this_process; print(pin_this_process(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "None"
    assert not (tmp_path / CHOICES_FILE).exists()


@pytest.mark.usefixtures("two_cpus")
def test_a_platform_that_refuses_pinning_leaves_the_process_to_the_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sandbox may forbid changing CPU affinity: the server starts unpinned, with a
    warning, rather than not at all."""

    def refused(_pid: int, _cpus: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setaffinity", refused)
    assert pin_this_process(tmp_path) is None
