"""The Prometheus metrics of every process, named ``bolashak_*`` (prometheus-client).

Counters and histograms are module-level and their label sets are bound once
(``Bound``): the hot paths (a command, a GraphQL operation, an append) only add to a
child. What is read rather than counted (each projection's position, head, lag and dead
letters; the event store's connection pool) is collected when ``/metrics`` is scraped,
from the latest status the process holds (``ProjectionGauges``) or from the pool itself
(``PoolGauges``), so that nothing polls the database for metrics alone.

Under ``bolashak serve --workers N`` the server processes share one folder
(``PROMETHEUS_MULTIPROC_DIR``, made private by ``serve`` when not given,
``multiprocess_folder``) and any of them answers ``/metrics`` for all
(``MultiProcessCollector``); the collected gauges are those of the process answering.
A worker that runs as its own process serves its own ``/metrics`` on
``BOLASHAK_METRICS_PORT`` (``serve_worker_metrics``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from infra.settings.base import pass_to_child_processes
from projections.engine import ProjectionStatus

# the *_created series: noise for these dashboards
disable_created_metrics()  # type: ignore[no-untyped-call]

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# seconds: a command or an operation takes from a millisecond to a request's 10 s limit
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
APPEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
MAX_OPERATION_NAMES = 200  # distinct client-chosen operation names counted; then "other"
OTHER = "other"

COMMANDS = Counter(
    "bolashak_commands", "Commands run, by command and outcome.", ["command", "outcome"]
)
COMMAND_SECONDS = Histogram(
    "bolashak_command_duration_seconds",
    "How long a command took, by command.",
    ["command"],
    buckets=LATENCY_BUCKETS,
)
OPERATIONS = Counter(
    "bolashak_graphql_operations",
    "GraphQL operations run, by operation name, type and outcome.",
    ["operation", "type", "outcome"],
)
OPERATION_SECONDS = Histogram(
    "bolashak_graphql_operation_duration_seconds",
    "How long a GraphQL operation took to execute, by operation name and type.",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
APPEND_SECONDS = Histogram(
    "bolashak_event_store_append_seconds",
    "How long saving a command's events to the event store took.",
    buckets=APPEND_BUCKETS,
)
RELAY_PUBLISHED = Counter(
    "bolashak_relay_published_events", "Events the relay published, acknowledged.", ["topic"]
)
RELAY_ERRORS = Counter(
    "bolashak_relay_publish_errors",
    "Failures of the relay's publishing (broker or database), each retried.",
    ["topic"],
)
RELAY_POSITION = Gauge(
    "bolashak_relay_position",
    "The relay's recorded position in the log.",
    ["topic"],
    multiprocess_mode="max",
)
RELAY_HEAD = Gauge(
    "bolashak_relay_head",
    "The head of the log when the relay last looked.",
    ["topic"],
    multiprocess_mode="max",
)
RELAY_LAG = Gauge(
    "bolashak_relay_lag_events",
    "Events stored but not yet published.",
    ["topic"],
    multiprocess_mode="mostrecent",
)
DEADLINE_RUNS = Counter(
    "bolashak_deadline_job_runs", "Passes of the contract deadline job, by outcome.", ["outcome"]
)
DEADLINE_ACTIONS = Counter(
    "bolashak_deadline_job_actions",
    "What the deadline job did per overdue case: revoked, already revoked, refused.",
    ["action"],
)
DEADLINE_LAST_RUN = Gauge(
    "bolashak_deadline_job_last_success_timestamp_seconds",
    "When the deadline job last finished a pass (its start, before the first).",
    ["job"],
    multiprocess_mode="max",
)
INTAKE_RECEIVED = Counter(
    "bolashak_intake_received_messages",
    "Messages the eGov intake read from its topic (a redelivered one again).",
    ["topic"],
)
INTAKE_STORED = Counter(
    "bolashak_intake_stored_applications",
    "Submissions the intake stored as new applications.",
    ["topic"],
)
INTAKE_DUPLICATES = Counter(
    "bolashak_intake_duplicate_messages",
    "Messages seen before (redelivered, or sent twice): nothing new stored or sent.",
    ["topic"],
)
INTAKE_DEAD_LETTERS = Counter(
    "bolashak_intake_dead_letters",
    "Messages the intake sent to its dead-letter topic, by kind (malformed, refused).",
    ["topic", "kind"],
)
INTAKE_LAG = Gauge(
    "bolashak_intake_lag_messages",
    "Messages on the intake's partitions not yet handled (end offset minus position).",
    ["topic"],
    multiprocess_mode="mostrecent",
)
INTAKE_LAST_ROUND = Gauge(
    "bolashak_intake_last_round_timestamp_seconds",
    "When the intake last finished a round without error (its start, before the first).",
    ["topic"],
    multiprocess_mode="max",
)

K = TypeVar("K")
C = TypeVar("C")


class Bound(Generic[C]):
    """A metric's children by label values, bound on first use and kept (prometheus-
    client's ``labels`` takes a lock and checks the labels every time)."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self.children: dict[tuple[str, ...], C] = {}

    def __call__(self, *values: str) -> C:
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = self.metric.labels(*values)
        return child


commands_run: Bound[Counter] = Bound(COMMANDS)
command_seconds: Bound[Histogram] = Bound(COMMAND_SECONDS)
operations_run: Bound[Counter] = Bound(OPERATIONS)
operation_seconds: Bound[Histogram] = Bound(OPERATION_SECONDS)
_operation_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """The label of a client-chosen operation name: the name while fewer than
    ``MAX_OPERATION_NAMES`` are known, then ``other`` (a client cannot grow the series
    without bound)."""
    if not name:
        return "anonymous"
    if name in _operation_names:
        return name
    if len(_operation_names) >= MAX_OPERATION_NAMES:
        return OTHER
    _operation_names.add(name[:100])
    return name[:100]


# -- gauges read when scraped --------------------------------------------------------------


class ProjectionGauges(Collector):
    """Each projection's position, the log's head, the lag and the dead letters, as last
    read by this process (the projection worker after each batch, the API when scraped)."""

    def __init__(self) -> None:
        self.latest: Sequence[ProjectionStatus] = ()

    def update(self, statuses: Sequence[ProjectionStatus]) -> None:
        self.latest = tuple(statuses)

    def collect(self) -> Iterator[Metric]:
        families = {
            "position": ("bolashak_projection_position", "The projection's position in the log."),
            "head": ("bolashak_projection_head", "The head of the log."),
            "lag": ("bolashak_projection_lag_events", "Events stored but not yet projected."),
            "dead_letters": (
                "bolashak_projection_dead_letters",
                "Events parked because the projection failed on them.",
            ),
        }
        for attribute, (name, text) in families.items():
            family = GaugeMetricFamily(name, text, labels=["projection"])
            for status in self.latest:
                family.add_metric([status.name], getattr(status, attribute))
            yield family


class PoolGauges(Collector):
    """The event store's connections of this process: in use and idle."""

    def __init__(self) -> None:
        self.pools: list[Callable[[], tuple[int, int]]] = []

    def watch(self, recorder: Any) -> None:
        """Counts the pool of an eventsourcing recorder's datastore (PostgreSQL: psycopg's
        pool; SQLite: the library's own; the in-memory store has none)."""
        pool = getattr(getattr(recorder, "datastore", None), "pool", None)
        if pool is not None:
            self.pools = [pool_counts(pool)]

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "bolashak_db_pool_connections",
            "Event-store connections of the process answering, by state.",
            labels=["state"],
        )
        in_use = idle = 0
        for counts in self.pools:
            used, free = counts()
            in_use, idle = in_use + used, idle + free
        if self.pools:
            family.add_metric(["in_use"], in_use)
            family.add_metric(["idle"], idle)
        yield family


def pool_counts(pool: Any) -> Callable[[], tuple[int, int]]:
    """(in use, idle) of ``pool``, whichever kind it is."""
    if hasattr(pool, "get_stats"):  # psycopg_pool

        def psycopg_counts() -> tuple[int, int]:
            stats = pool.get_stats()
            size, free = stats.get("pool_size", 0), stats.get("pool_available", 0)
            return size - free, free

        return psycopg_counts

    def library_counts() -> tuple[int, int]:
        return pool.num_in_use, pool.num_in_pool

    return library_counts


PROJECTIONS = ProjectionGauges()
POOL = PoolGauges()
REGISTRY.register(PROJECTIONS)
REGISTRY.register(POOL)


# -- exposition ----------------------------------------------------------------------------


class SharedFolder(NamedTuple):
    path: str  # empty: one process, nothing shared
    made: bool  # made here (private, removed when the server stops)


def multiprocess_folder(given: str, processes: int) -> SharedFolder:
    """The folder the server's processes share their metrics in: ``given``
    (``PROMETHEUS_MULTIPROC_DIR``), else a private one made now (mode 0700); passed on to
    the processes ``serve`` starts. None for one process without a given folder."""
    if processes <= 1 and not given:
        return SharedFolder("", made=False)
    folder = given or tempfile.mkdtemp(prefix="bolashak-metrics-")
    Path(folder).mkdir(parents=True, exist_ok=True)
    pass_to_child_processes(MULTIPROC_VARIABLE, folder)
    return SharedFolder(folder, made=not given)


def exposition(multiprocess_dir: str = "", accept: str = "") -> tuple[bytes, str]:
    """The metrics of this process (or, with a shared folder, of all the server's
    processes, with this process's collected gauges) and their content type, in the
    format the scraper's ``Accept`` asks for (Prometheus text 0.0.4 by default,
    OpenMetrics when asked)."""
    encode, content_type = choose_encoder(accept)
    if not multiprocess_dir:
        return encode(REGISTRY), content_type
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    registry.register(PROJECTIONS)
    registry.register(POOL)
    return encode(registry), content_type


def serve_worker_metrics(port: int | None, host: str = "0.0.0.0") -> None:
    """``/metrics`` of a worker process on ``port`` (``BOLASHAK_METRICS_PORT``), on a
    daemon thread; nothing when the port is not set."""
    if port is not None:
        start_http_server(port, addr=host, registry=REGISTRY)


# -- the workers' own figures --------------------------------------------------------------


def deadline_job_started(job: str = "contract") -> None:
    """The job follows from now: silent from here if no pass finishes."""
    DEADLINE_LAST_RUN.labels(job).set(time.time())


def deadline_run(
    outcome: str, counts: Iterable[tuple[str, int]] = (), job: str = "contract"
) -> None:
    """A pass of the deadline job: ``ok`` with what it did per case, or ``failed``."""
    DEADLINE_RUNS.labels(outcome).inc()
    for action, n in counts:
        if n:
            DEADLINE_ACTIONS.labels(action).inc(n)
    if outcome == "ok":
        DEADLINE_LAST_RUN.labels(job).set(time.time())


def relay_status(topic: str, position: int, head: int) -> None:
    """The relay's position and the log's head, as it last read them."""
    RELAY_POSITION.labels(topic).set(position)
    RELAY_HEAD.labels(topic).set(head)
    RELAY_LAG.labels(topic).set(max(0, head - position))


class IntakeFigures:
    """The eGov intake's counts and gauges for its topic, bound once: each message read
    ends stored, a duplicate or a dead letter (or in a failed batch, read again). Every
    series is shown from the start, at 0: Prometheus's ``increase`` misses the first
    count of a series that appears with it."""

    def __init__(self, topic: str, dead_letter_kinds: Iterable[str]) -> None:
        self.received: Counter = INTAKE_RECEIVED.labels(topic)
        self.stored: Counter = INTAKE_STORED.labels(topic)
        self.duplicates: Counter = INTAKE_DUPLICATES.labels(topic)
        self._dead_letters = {k: INTAKE_DEAD_LETTERS.labels(topic, k) for k in dead_letter_kinds}
        self._lag = INTAKE_LAG.labels(topic)
        self._last_round = INTAKE_LAST_ROUND.labels(topic)

    def dead_letter(self, kind: str) -> None:
        self._dead_letters[kind].inc()

    def started(self) -> None:
        """The worker follows from now: silent from here if no round finishes."""
        self._last_round.set(time.time())

    def round(self, *, ok: bool, lag: int | None) -> None:
        """A round just ended; ``lag`` None while no partition's end is known yet."""
        if lag is not None:
            self._lag.set(lag)
        if ok:
            self._last_round.set(time.time())
