"""Reading the read models: filters, sorting, keyset pages, personal data kept apart."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from domain.case.personal import Sealer
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.programme import Category, Programme
from infra.case_store import CaseEvents
from infra.container import build_projection_engine, build_service
from infra.database import init_schema
from infra.settings import Settings
from infra.simulation.campaign import simulate_campaign
from projections import queries as q
from projections.case_list import PII_COLUMNS
from projections.dashboard import FUNNEL
from projections.engine import ProjectionEngine
from tests.conftest import FAR_FUTURE
from tests.integration.conftest import store_of_its_own
from tests.support import builders as b
from tests.support.journey import Journey

TODAY = date(2026, 11, 22)


def sealer_of(engine: ProjectionEngine) -> Sealer:
    """The sealer of the store the container gave the engine."""
    assert isinstance(engine.reader, CaseEvents)
    return engine.reader.sealer


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def campaign(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectionEngine]:
    """A small simulated campaign with its read models caught up, on each backend (the
    tests only read it, so it is built once per module and backend)."""
    with store_of_its_own(request.param, "queries", tmp_path_factory) as store:
        service = build_service(store, clock=FixedClock(TODAY))
        simulate_campaign(service, 60, seed=5, today=TODAY)
        engine = build_projection_engine(store)
        engine.run_until_head()
        yield engine
        service.close()
        engine.db.close()


def every_page(engine: ProjectionEngine, **kwargs: object) -> list[dict[str, object]]:
    rows, after = [], None
    while True:
        page = q.list_cases(engine.db, after=after, first=7, **kwargs)  # type: ignore[arg-type]
        rows += page.items
        if not page.has_next_page:
            return rows
        after = page.end_cursor


def all_cases(engine: ProjectionEngine) -> list[dict[str, object]]:
    return every_page(engine)


@pytest.mark.parametrize("sort", list(q.CASE_SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_list_every_case_once_in_order(
    campaign: ProjectionEngine, sort: str, descending: bool
) -> None:
    rows = every_page(campaign, sort=sort, descending=descending)
    ids = [r["application_id"] for r in rows]
    assert len(ids) == len(set(ids)) == 60
    column, null_as = q.CASE_SORTS[sort]
    keys = [(r[column] if r[column] is not None else null_as, r["application_id"]) for r in rows]
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.parametrize(
    "column", ["stage", "status", "programme", "category", "country", "intake_window"]
)
def test_a_filter_returns_exactly_the_matching_cases(
    campaign: ProjectionEngine, column: str
) -> None:
    everything = all_cases(campaign)
    value = everything[0][column]
    found = every_page(campaign, where=q.CaseFilter(**{column: value}))  # type: ignore[arg-type]
    assert {r["application_id"] for r in found} == {
        r["application_id"] for r in everything if r[column] == value
    }


def test_search_by_the_beginning_of_an_applicant_code(campaign: ProjectionEngine) -> None:
    code = str(all_cases(campaign)[3]["applicant_code"])
    found = every_page(campaign, where=q.CaseFilter(code=code[:7].lower()))
    assert code in {r["applicant_code"] for r in found}
    assert all(str(r["applicant_code"]).startswith(code[:7]) for r in found)


@pytest.mark.parametrize(
    "attempt", ["' OR '1'='1", "x%", "%", "_", "masters' --", "1; DROP TABLE case_list"]
)
def test_injection_attempts_in_filters_return_no_extra_rows(
    campaign: ProjectionEngine, attempt: str
) -> None:
    assert every_page(campaign, where=q.CaseFilter(programme=attempt)) == []
    assert every_page(campaign, where=q.CaseFilter(code=attempt)) == []
    assert len(all_cases(campaign)) == 60


def test_personal_data_only_when_asked_for(campaign: ProjectionEngine) -> None:
    plain = q.list_cases(campaign.db, first=5)
    assert not set(PII_COLUMNS) & set(plain.items[0])
    personal = q.list_cases(campaign.db, first=5, personal_data=sealer_of(campaign))
    assert all(personal.items[0][c] for c in PII_COLUMNS)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("first", {"first": 0}),
        ("first", {"first": q.MAX_PAGE + 1}),
        ("after", {"after": "not-a-cursor"}),
        ("sort", {"sort": "iin"}),
    ],
)
def test_user_errors_name_the_field(
    campaign: ProjectionEngine, field: str, kwargs: dict[str, object]
) -> None:
    with pytest.raises(q.QueryError) as e:
        q.list_cases(campaign.db, **kwargs)  # type: ignore[arg-type]
    assert e.value.field == field


def test_the_dashboard_adds_up_the_funnel(campaign: ProjectionEngine) -> None:
    board = q.dashboard(campaign.db, 2023, awards_target=555)
    cases = all_cases(campaign)
    assert board.funnel["submitted"] == len(cases) == 60
    assert board.funnel["awarded"] == sum(1 for c in cases if c["awarded_on"])
    assert sum(board.awards_by_category.values()) == board.funnel["awarded"]
    assert sum(w["submitted"] for w in board.by_window.values()) == 60
    assert board.pass_rates["eligible_of_assessed"] == round(
        board.funnel["eligible"] / board.funnel["assessed"], 4
    )
    window = q.dashboard(campaign.db, 2023, window=2)
    assert window.funnel["submitted"] == board.by_window.get(2, {}).get("submitted", 0)


def test_the_funnel_of_each_category_counts_the_cases_submitted_in_it(
    campaign: ProjectionEngine,
) -> None:
    board = q.dashboard(campaign.db, 2023)
    cases = all_cases(campaign)
    submitted = Counter(str(c["category"]) for c in cases)
    awarded = Counter(str(c["category"]) for c in cases if c["awarded_on"])
    assert len(submitted) > 1  # the control: the campaign has cases in several categories
    assert {k: f["submitted"] for k, f in board.by_category.items()} == submitted
    assert {k: f["awarded"] for k, f in board.by_category.items() if f["awarded"]} == awarded
    assert {k: sum(f[k] for f in board.by_category.values()) for k in FUNNEL} == board.funnel


def test_interview_queue_rows_carry_no_personal_data(campaign: ProjectionEngine) -> None:
    rows = q.interview_queue(campaign.db, first=q.MAX_PAGE).items
    pii = {
        v
        for r in q.list_cases(
            campaign.db, first=q.MAX_PAGE, personal_data=sealer_of(campaign)
        ).items
        for k, v in r.items()
        if k in PII_COLUMNS
    }
    for row in rows:
        assert not {str(v) for v in row.values()} & {str(v) for v in pii}


def test_audit_trail_filters_by_case_actor_type_and_time(campaign: ProjectionEngine) -> None:
    first = q.audit_trail(campaign.db, first=1).items[0]
    case_rows = q.audit_trail(
        campaign.db, q.AuditFilter(application_id=first["application_id"]), first=q.MAX_PAGE
    ).items
    assert [r["version"] for r in case_rows] == list(range(1, len(case_rows) + 1))
    awards = q.audit_trail(campaign.db, q.AuditFilter(event_type="Awarded"), first=q.MAX_PAGE).items
    assert all(r["actor_role"] == "commission" for r in awards)
    none_yet = q.audit_trail(campaign.db, q.AuditFilter(recorded_to="2000-01-01"))
    assert none_yet.items == []


def test_deadlines_show_days_left_and_overdue(store_settings: Settings) -> None:
    service = build_service(store_settings, clock=FixedClock(FAR_FUTURE))
    j = Journey(service, b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL)))
    j.to(Stage.AWARDED)
    engine = build_projection_engine(store_settings, ["deadlines"])
    engine.run_until_head()
    due = date(2023, 9, 8)  # protocol of 10 June 2023 + 90 days
    rows = [
        r
        for r in q.deadlines(engine.db, date(2023, 9, 1), kind="contract", first=q.MAX_PAGE).items
        if r["application_id"] == str(j.id)
    ]
    assert (rows[0]["due_on"], rows[0]["days_left"], rows[0]["overdue"]) == (
        due.isoformat(),
        7,
        False,
    )
    late = [
        r
        for r in q.deadlines(
            engine.db, date(2023, 9, 9), kind="contract", overdue_only=True, first=q.MAX_PAGE
        ).items
        if r["application_id"] == str(j.id)
    ]
    assert late[0]["overdue"] is True


def test_reads_on_the_embedded_store_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A projection worker holds SQLite's write lock while it applies a page; the API's
    reads go on meanwhile (WAL readers see the last committed state)."""
    settings = Settings.from_env(
        {
            "BOLASHAK_DATABASE_URL": f"sqlite:///{tmp_path}/cases.db",
            "BOLASHAK_LOCK_TIMEOUT_SECONDS": "1",
        }
    )
    init_schema(settings)
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    case_id = Journey(service).to(Stage.ELIGIBLE)
    engine = build_projection_engine(settings)
    engine.run_until_head()
    writer = sqlite3.connect(f"{tmp_path}/cases.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the write lock, as a worker applying a page
    try:
        row = q.get_case_row(engine.db, str(case_id))
        assert row is not None
        assert row["stage"] == "eligible"
        assert len(q.list_cases(engine.db, first=5).items) == 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()
