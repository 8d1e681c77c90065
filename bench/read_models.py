"""Read models (issue 3): rebuild speed against a plain sequential read-and-decode of the
same events in the same run, and query latency as the data grows.

Targets: a rebuild at least 20,000 events/s and at least 25% of read-and-decode; the case
list page and the dashboard within 2x from 10,000 to 1,000,000 events.
"""

from __future__ import annotations

from bench.harness import Line, Report, latencies, median, rate
from infra.container import build_projection_engine, projection_engine_factory
from infra.settings import Settings
from projections import queries
from projections.engine import ProjectionEngine
from projections.rebuild import default_processes, rebuild, rebuild_many

REBUILD_FLOOR = 20_000
REBUILD_RATIO = 0.25
GROWTH_LIMIT = 2.0


def read_and_decode(engine: ProjectionEngine) -> float:
    """Events/s of reading the whole log in pages and decoding every event, nothing else."""
    head = engine.head()

    def work() -> None:
        position = 0
        while notifications := engine.db.read_log(position, 20_000):
            for n in notifications:
                engine.reader.mapper.to_domain_event(n)
            position = notifications[-1].id

    return rate(head, work)


def measure_rebuilds(settings: Settings, report: Report, size: int, *, each: bool) -> None:
    """Rebuild every projection (one by one when ``each``) and all of them in one pass, in
    as many processes as ``bolashak projections rebuild`` uses by default; all of them once
    more in one process, to show what the shares bring."""
    engine = build_projection_engine(settings)
    baseline = read_and_decode(engine)
    processes = default_processes(engine)
    every = [p.name for p in engine.projections]
    print(f"  rebuilds in {processes} process(es)", flush=True)
    if each:
        for projection in engine.projections:
            factory = projection_engine_factory(settings, [projection.name])
            done = rebuild(engine, projection.name, processes=processes, factory=factory)
            report.add(
                Line(
                    f"rebuild_{projection.name}@{size}",
                    done.events_per_second,
                    "events/s",
                    "read_and_decode",
                    baseline,
                    REBUILD_RATIO,
                    floor=REBUILD_FLOOR,
                )
            )
    factory = projection_engine_factory(settings, every)
    everything = rebuild_many(engine, every, processes=processes, factory=factory)
    report.add(
        Line(
            f"rebuild_all_one_pass@{size}",
            everything.events_per_second,
            "events/s",
            "read_and_decode",
            baseline,
        )  # every fold per event: no target, it shows what one shared pass costs
    )
    if processes > 1:
        alone = rebuild_many(engine, every)
        report.add(
            Line(
                f"rebuild_all_one_process@{size}",
                alone.events_per_second,
                "events/s",
                "read_and_decode",
                baseline,
            )  # no target: the same pass without the other processes' shares
        )
    report.point("rebuild, every projection (events/s)", size, everything.events_per_second)
    report.point("read and decode (events/s)", size, baseline)
    engine.db.close()


def query_latencies(settings: Settings, runs: int) -> dict[str, float]:
    """Median milliseconds of the back-office's most frequent reads."""
    engine = build_projection_engine(settings)
    db = engine.db
    middle = queries.list_cases(db, first=queries.MAX_PAGE)
    cursor = middle.end_cursor
    found = {
        "case_list_first_page": median(latencies(lambda: queries.list_cases(db, first=20), runs)),
        "case_list_filtered_page": median(
            latencies(
                lambda: queries.list_cases(
                    db, queries.CaseFilter(programme="masters", stage="working_off"), first=20
                ),
                runs,
            )
        ),
        "case_list_next_page": median(
            latencies(lambda: queries.list_cases(db, first=20, after=cursor), runs)
        ),
        "dashboard_year": median(latencies(lambda: queries.dashboard(db, 2023), runs)),
    }
    engine.db.close()
    return found


def report_growth(
    report: Report, small: tuple[int, dict[str, float]], large: tuple[int, dict[str, float]]
) -> None:
    (size_a, at_a), (size_b, at_b) = small, large
    for name, value in at_b.items():
        report.add(
            Line(
                f"{name}@{size_b}",
                value,
                "ms",
                f"{name}@{size_a}",
                at_a[name],
                GROWTH_LIMIT,
                higher_is_better=False,
            )
        )
