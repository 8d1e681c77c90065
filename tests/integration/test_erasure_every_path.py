"""Erasure that holds (issue 19, section 1), on PostgreSQL and SQLite: an applicant is
erased, then every path back to the identity is tried as a regulator would. Two API
processes share the store (each its own service, key cache and read connections); the
one that answers cached the case's key before the other erased it. Then: every field of
every query that shows a case, every mutation replayed with its idempotency key, the
command line, every read-model table, the restricted Kafka topic's next publications
and a republication, and the store's own files searched byte by byte. Zero hits.

``tests/e2e/test_erasure_across_processes.py`` does the same against ``serve --workers 2``.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli
from domain import commands as c
from domain.case.events import PersonalDataErased
from domain.case.meta import Role
from domain.clock import FixedClock
from infra.container import build_reader, build_relay, build_service, view_database
from infra.pii.keys import TABLE as KEY_TABLE
from infra.relay import tracking as relay_tracking
from infra.settings import Settings
from projections.catalog import all_projections
from projections.sql import ViewDatabase
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import Api, api_for
from tests.support.authz import as_text, leaks, needles
from tests.support.broker import Tansu
from tests.support.erasure import ERASE, ERASED_ON, QUERIES, Case, Post, erase_input
from tests.support.journey import ERASURE_REASON
from tests.support.kafka import Received, read_topic, with_broker
from tests.support.read_models import catch_up


def post_to(api: Api) -> Post:
    return lambda query, variables, role: api.post(query, variables, role=role).json()


def erase_through(api: Api, case_id: str) -> None:
    answer = api.data(ERASE, {"input": erase_input(case_id)}, role=Role.ADMIN)
    assert answer["erasePersonalData"]["__typename"] == "CaseUpdated"


@pytest.fixture
def two_processes(store_settings: Settings) -> Iterator[tuple[Api, Api]]:
    """Two API processes on one store: ``first`` is where the cases are worked on (and
    their keys cached), ``second`` where the admin erases."""
    with ExitStack() as stack:
        first = stack.enter_context(api_for(store_settings, clock_day=FAR_FUTURE))
        second = stack.enter_context(api_for(store_settings, clock_day=FAR_FUTURE))
        yield first, second


def every_answer(api: Api, case: Case) -> dict[str, str]:
    """Every query about the case and every mutation of it replayed: label -> response."""
    found = {}
    for label, query in QUERIES.items():
        response = api.post(query, case.variables(label), role=Role.ADMIN)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), (label, response.text)
        found[label] = as_text(response)
    for n, (query, sent) in enumerate(case.sent):
        response = api.post(query, {"input": sent})
        body = response.json()
        assert body["data"] is not None, body
        [answer] = body["data"].values()
        assert answer["replayed"] is True, (n, answer)
        found[f"replay {n}"] = as_text(response)
    return found


def test_a_submission_replayed_after_its_erasure_shows_no_identity_where_the_key_was_cached(
    two_processes: tuple[Api, Api],
) -> None:
    """The finding: the same request with the same key, after ``erase``, answered with the
    erased name and IIN from the process that had the case's key cached."""
    first, second = two_processes
    case = Case(b.unique_applicant())
    case.submit_and_assess(post_to(first))
    erase_through(second, case.id)
    query, sent = case.sent[0]
    for api in (first, second):
        response = api.post(query, {"input": sent})
        answer = response.json()["data"]["submitApplication"]
        assert (answer["__typename"], answer["replayed"]) == ("CaseUpdated", True)
        assert answer["application"]["applicant"] is None
        assert leaks(as_text(response), needles(case.identity)) == []


def test_every_api_process_drops_an_erased_cases_key_once_the_erasure_is_in_the_log(
    two_processes: tuple[Api, Api],
) -> None:
    """The process that cached the key learns of the erasure from the log it follows
    (erased by another process), and keeps the key no longer."""
    first, second = two_processes
    case = Case(b.unique_applicant())
    case.submit_and_assess(post_to(first))
    sealer = first.client.app.state.services.service.sealer  # type: ignore[attr-defined]
    case_id = UUID(case.id)
    assert sealer.holds(case_id)  # the control: cached by the submission
    erase_through(second, case.id)
    deadline = time.monotonic() + 5
    while sealer.holds(case_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sealer.holds(case_id)


def test_after_erasure_no_query_field_and_no_replayed_mutation_shows_the_identity(
    store_settings: Settings, two_processes: tuple[Api, Api]
) -> None:
    first, second = two_processes
    case, kept = Case(b.unique_applicant()), Case(b.unique_applicant())
    for each in (case, kept):
        each.submit_and_assess(post_to(first))
    catch_up(store_settings)
    before = every_answer(first, case)  # the control: the identity is there, and cached
    assert leaks(before["application"], needles(case.identity)) != []
    assert leaks(before["caseHistory as of version 1"], needles(case.identity)) != []
    erase_through(second, case.id)
    for moment in ("before the read models caught up", "after"):
        for api in (first, second):
            shown = {
                label: found
                for label, text in every_answer(api, case).items()
                if (found := leaks(text, needles(case.identity)))
            }
            assert shown == {}, moment
        catch_up(store_settings)
    other = every_answer(first, kept)["application"]
    assert kept.identity.iin in other  # another applicant's identity is still shown


def test_after_erasure_the_command_line_shows_no_identity(
    store_settings: Settings, two_processes: tuple[Api, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_processes
    case = Case(b.unique_applicant())
    case.submit_and_assess(post_to(first))
    erase_through(second, case.id)
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", store_settings.database.url)
    monkeypatch.setenv("BOLASHAK_TODAY", FAR_FUTURE.isoformat())
    commands = [
        ["case", "show", case.id, "--personal"],
        ["case", "show", case.id, "--personal", "--version", "1"],
        ["case", "history", case.id, "--personal"],
        ["audit", "history", case.id, "--personal"],
        ["audit", "history", case.id, "--personal", "--as-of", "1"],
        ["audit", "diff", case.id, "1", "3", "--personal"],
        ["audit", "export", case.id, "--format", "json", "--personal"],
        ["audit", "export", case.id, "--format", "html", "--personal"],
    ]
    for args in commands:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        assert leaks(result.output, needles(case.identity)) == [], args


def test_after_erasure_no_read_model_row_holds_the_identity(
    store_settings: Settings, two_processes: tuple[Api, Api]
) -> None:
    """Every table of every read model, every column, searched as text (``case_pii``
    holds identities sealed: not in clear even before the erasure)."""
    first, second = two_processes
    case = Case(b.unique_applicant())
    case.submit_and_assess(post_to(first))
    catch_up(store_settings)
    tables = [t.name for p in all_projections() for t in p.tables]
    with closing(view_database(store_settings)) as db:
        assert leaks(read_models(db, tables), needles(case.identity)) == []
        erase_through(second, case.id)
        catch_up(store_settings)
        assert leaks(read_models(db, tables), needles(case.identity)) == []
        assert db.query("SELECT count(*) FROM case_pii WHERE application_id = %s", (case.id,)) == [
            (0,)
        ]


def read_models(db: ViewDatabase, tables: list[str]) -> str:
    return "\n".join(repr(db.query(f"SELECT * FROM {table}")) for table in tables)


def test_after_erasure_the_restricted_topic_publishes_no_identity_again(
    store_settings: Settings, broker: Tansu
) -> None:
    """The relay (a long-running process) cached the key when it published the
    submission; after the erasure its next publications, and a republication of the log
    from the start (``relay reset``), carry no identity."""
    settings = with_broker(store_settings, broker.bootstrap, pii_topic=True)
    identity = b.unique_applicant()
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    relay = build_relay(settings)
    try:
        submitted = service.handle(
            b.submission(applicant=identity),
            b.context(f"egov-{uuid4().hex}", on=date(2023, 4, 20), role=Role.APPLICANT),
        )
        relay.run_until_head()
        restricted, case = settings.kafka.pii_topic, str(submitted.application_id)
        first = mine(read_topic(broker.bootstrap, restricted, at_least=1), case)
        assert [r.value["applicant"]["iin"] for r in first] == [identity.iin]  # the control
        other_process = build_service(settings, clock=FixedClock(FAR_FUTURE))
        with closing(other_process) as other:
            other.handle(
                c.ErasePersonalData(submitted.application_id),
                b.context(
                    f"erase-{uuid4().hex}",
                    on=date(2023, 6, 20),
                    role=Role.ADMIN,
                    reason=ERASURE_REASON,
                ),
            )
        relay.run_until_head()
        relay_tracking.reset(relay.db, relay.name, 0)
        relay.run_until_head()
        records = mine(read_topic(broker.bootstrap, restricted, at_least=4), case)
    finally:
        relay.close()
        service.close()
    later = records[1:]
    assert [(r.version, r.value["erased"]) for r in later] == [(2, True), (1, True), (2, True)]
    assert [leaks(r.raw_value.decode(), needles(identity)) for r in later] == [[], [], []]


def mine(records: list[Received], case_id: str) -> list[Received]:
    """The records of one case (the shared store's log holds other tests' cases too)."""
    return [r for r in records if r.application_id == case_id]


# -- the store's own files ---------------------------------------------------------------------


def test_after_erasure_the_stores_files_hold_neither_the_identity_nor_its_key(
    fresh_store: Settings, two_processes_on: Any
) -> None:
    """Every file of the embedded store (database, write-ahead log, shared memory), every
    relation file of the PostgreSQL database (tables, TOAST, indexes; after a CHECKPOINT),
    searched byte by byte for the name, the IIN, the contacts and the case's wrapped data
    key. Before the erasure the wrapped key is there (the control)."""
    first, second = two_processes_on(fresh_store)
    case = Case(b.unique_applicant())
    case.submit_and_assess(post_to(first))
    catch_up(fresh_store)
    wrapped = key_of(fresh_store, case.id)
    assert wrapped in store_files(fresh_store)  # the control
    erase_through(second, case.id)
    catch_up(fresh_store)
    raw = store_files(fresh_store)
    searched = [n.encode() for n in needles(case.identity)]
    assert [n for n in searched if n in raw] == []
    assert wrapped not in raw


@pytest.fixture
def two_processes_on() -> Iterator[Any]:
    with ExitStack() as stack:

        def make(settings: Settings) -> tuple[Api, Api]:
            first = stack.enter_context(api_for(settings, clock_day=FAR_FUTURE))
            second = stack.enter_context(api_for(settings, clock_day=FAR_FUTURE))
            return first, second

        yield make


def key_of(settings: Settings, case_id: str) -> bytes:
    key = UUID(case_id) if settings.database.kind == "postgres" else case_id
    with closing(view_database(settings)) as db:
        [(wrapped,)] = db.query(
            f"SELECT wrapped FROM {KEY_TABLE} WHERE application_id = %s", (key,)
        )
    return bytes(wrapped)


def store_files(settings: Settings) -> bytes:
    """Every byte the store keeps in its own files."""
    if settings.database.kind == "sqlite":
        folder = Path(settings.database.path).parent
        return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file())
    with psycopg.connect(settings.database.dsn(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # every page as the buffers hold it, on disk
        files = conn.execute(
            "SELECT pg_relation_filepath(oid) FROM pg_class"
            " WHERE relkind IN ('r', 't', 'i', 'm') AND relpersistence = 'p'"
            " AND pg_relation_filepath(oid) IS NOT NULL"
        ).fetchall()
        read = "SELECT pg_read_binary_file(%s)"
        return b"".join(
            one(conn, read, segment) for (path,) in files for segment in segments(conn, path)
        )


def one(conn: psycopg.Connection[Any], sql: str, param: str) -> Any:
    found = conn.execute(sql, (param,)).fetchone()
    assert found is not None
    return bytes(found[0]) if isinstance(found[0], bytes | memoryview) else found[0]


def segments(conn: psycopg.Connection[Any], path: str) -> list[str]:
    """A relation's file, its 1 GB continuations (``path.1``...) and its maps."""
    size = "SELECT (pg_stat_file(%s, true)).size"
    names = [path] + [path + fork for fork in ("_fsm", "_vm") if one(conn, size, path + fork)]
    n = 1
    while one(conn, size, f"{path}.{n}"):
        names.append(f"{path}.{n}")
        n += 1
    return names


def test_the_embedded_stores_files_and_the_development_keys_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQLite database, its write-ahead log and shared memory, and the development
    key files are created readable and writable by their owner only (0600), whatever
    the umask; ``db init`` tightens an existing database created before."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOLASHAK_PII_MASTER_KEY")
    monkeypatch.delenv("BOLASHAK_JWT_SECRET", raising=False)
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", "sqlite:///var/cases.db")
    old = os.umask(0o022)
    try:
        assert CliRunner().invoke(cli, ["db", "init"]).exit_code == 0
        result = CliRunner().invoke(cli, ["token", "--role", "officer", "--user", "officer-9"])
        assert result.exit_code == 0, result.output
        with closing(sqlite3.connect("var/cases.db")) as open_store:  # the log exists while open
            open_store.execute("INSERT INTO api_users VALUES ('officer-8', 'officer', 1, '', NULL)")
            open_store.commit()
            found = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "var").iterdir()}
    finally:
        os.umask(old)
    assert found == {
        "cases.db": 0o600,
        "cases.db-wal": 0o600,
        "cases.db-shm": 0o600,
        "pii-master-dev.key": 0o600,
        "jwt-dev.key": 0o600,
    }
    (tmp_path / "var" / "cases.db").chmod(0o644)  # made by an earlier version
    assert CliRunner().invoke(cli, ["db", "init"]).exit_code == 0
    assert (tmp_path / "var" / "cases.db").stat().st_mode & 0o777 == 0o600


def test_the_erase_command_takes_its_date_from_the_business_clock(
    store_settings: Settings, two_processes: tuple[Api, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bolashak pii erase`` without ``--on`` records the business clock's today
    (``BOLASHAK_TODAY``), as every other command does, not the machine's date."""
    first, _ = two_processes
    case = Case(b.unique_applicant())
    case.submit_and_assess(post_to(first))
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", store_settings.database.url)
    monkeypatch.setenv("BOLASHAK_TODAY", ERASED_ON)
    args = ["pii", "erase", "--application", case.id, "--reason", ERASURE_REASON, "--yes"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with closing(build_reader(store_settings)) as reader:
        erasure = list(reader.events.get(UUID(case.id)))[-1]
    assert isinstance(erasure, PersonalDataErased)
    assert erasure.meta.occurred_on == date.fromisoformat(ERASED_ON)
