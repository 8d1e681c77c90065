"""``make bench``: measurements against baselines taken in the same run.

Each line prints as ``NAME: VALUE UNIT (ratio R to BASELINE)``; absolute numbers beside the
ratio are for the reader, the ratio is what is compared with a target, because these
machines are shared and noisy. ``BENCH_QUICK=1`` (``make bench-quick``) uses small sizes.
"""

from __future__ import annotations

import os

from bench.command_throughput import measure_command_throughput
from bench.harness import Report, bench_database


def main() -> None:
    quick = os.environ.get("BENCH_QUICK") == "1"
    report = Report()
    with bench_database() as settings:
        measure_command_throughput(settings, report, applications=60 if quick else 600)
    report.print()


if __name__ == "__main__":
    main()
