"""The CPUs a test of CPU pinning needs (``infra/cpu_pinning.py``): CPU affinity and two
CPUs or more, as on the CI machine. Elsewhere such a test skips, except under ``CI=true``,
where it fails."""

from __future__ import annotations

import os

import pytest


def allowed_cpus() -> list[int]:
    """This process's allowed CPUs, in order; fails or skips (see above) with fewer than
    two, or without CPU affinity."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else []
    if len(allowed) >= 2:
        return allowed
    if os.environ.get("CI") == "true":
        pytest.fail("CPU affinity and two CPUs are expected on the CI machine")
    pytest.skip("needs CPU affinity and two CPUs")
