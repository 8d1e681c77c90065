"""Erasing an applicant's personal data, on PostgreSQL and SQLite: afterwards no identity
is left anywhere (the case, the case list, a rebuilt read model, the API, the audit
history and export), the hash chain and the checkpoints still verify, and the erasure is
an ordinary event saying who, when and why. Erasing is the admin's alone; a second
erasure records nothing new; one interrupted before the key was destroyed completes when
run again; an unknown application is refused and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from uuid import UUID, uuid4

import pytest
from typer.testing import CliRunner

from api.cli.main import app
from domain import commands as c
from domain.case.events import PersonalDataErased
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.errors import ApplicationNotFoundError, InvalidInputError
from domain.permissions import PermissionDeniedError
from domain.submission import ApplicantIdentity
from infra.audit import checkpoints
from infra.audit.export import render, timeline
from infra.audit.verify import verify_store
from infra.case_store import CaseService
from infra.container import build_projection_engine, build_reader, build_service, view_database
from infra.pii.keys import TABLE as KEY_TABLE
from infra.settings import Settings
from projections.case_list import CASE_PII
from projections.engine import ProjectionEngine
from projections.rebuild import rebuild
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.api import api_for
from tests.support.journey import ERASURE_REASON, Journey

ERASED_ON = date(2023, 6, 20)


def needles(identity: ApplicantIdentity) -> list[str]:
    return [identity.full_name, identity.iin, identity.email, identity.phone]


@pytest.fixture
def service(store_settings: Settings) -> Iterator[CaseService]:
    with closing(build_service(store_settings, clock=FixedClock(FAR_FUTURE))) as found:
        yield found


@contextmanager
def engine_for(settings: Settings) -> Iterator[ProjectionEngine]:
    engine = build_projection_engine(settings)
    try:
        yield engine
    finally:
        engine.db.close()


def pii_rows(settings: Settings, case_id: UUID) -> list[tuple[object, ...]]:
    with engine_for(settings) as engine:
        engine.run_until_head()
        return engine.db.query(
            f"SELECT iin_digest FROM {CASE_PII.name} WHERE application_id = %s", (str(case_id),)
        )


def awarded(service: CaseService, identity: ApplicantIdentity) -> Journey:
    journey = Journey(service, b.submission(applicant=identity))
    journey.to(Stage.AWARDED)
    return journey


def stored_versions(service: CaseService, case_id: UUID) -> int:
    return len(service.recorder.select_events(case_id))


# -- no identity anywhere --------------------------------------------------------------------


def test_after_erasure_the_case_and_the_case_list_hold_no_identity(
    store_settings: Settings, service: CaseService
) -> None:
    identity = b.unique_applicant()
    journey = awarded(service, identity)
    assert pii_rows(store_settings, journey.id) == [(service.sealer.digest(identity.iin),)]
    journey.erase(ERASED_ON)
    assert service.get_case(journey.id).applicant is None
    with closing(build_reader(store_settings)) as fresh:  # a process that never held the key
        case = fresh.get_case(journey.id)
        submitted = next(iter(fresh.events.get(journey.id)))
    assert (case.applicant, case.personal_data_erased_on) == (None, ERASED_ON)
    assert submitted.applicant is None  # type: ignore[attr-defined]
    assert pii_rows(store_settings, journey.id) == []


def test_a_rebuilt_case_list_does_not_bring_an_erased_identity_back(
    store_settings: Settings, service: CaseService
) -> None:
    identity, kept = b.unique_applicant(), b.unique_applicant()
    erased, other = awarded(service, identity), awarded(service, kept)
    erased.erase(ERASED_ON)
    with engine_for(store_settings) as engine:
        engine.run_until_head()
        rebuild(engine, "case_list")
        rows = engine.db.query(f"SELECT application_id, iin_digest FROM {CASE_PII.name}")
    digest = service.sealer.digest
    assert (str(erased.id), digest(identity.iin)) not in rows
    assert (str(other.id), digest(kept.iin)) in rows  # the control: a rebuild writes identities
    assert str(erased.id) not in {row[0] for row in rows}


def test_after_erasure_the_api_and_its_audit_export_show_no_identity(
    store_settings: Settings, service: CaseService
) -> None:
    identity = b.unique_applicant()
    journey = awarded(service, identity)
    query = (
        "query Q($id: ID!) { application(id: $id) { id applicant { fullName iin } }"
        " caseHistory(applicationId: $id) { events { type actorId reason data }"
        " state { applicant { fullName } } }"
        " auditExport(applicationId: $id, personalData: true) }"
    )
    with api_for(store_settings, clock_day=FAR_FUTURE) as api:
        pii_rows(store_settings, journey.id)  # the case list caught up
        before = api.data(query, {"id": str(journey.id)}, role=Role.ADMIN)
        assert before["application"]["applicant"]["iin"] == identity.iin  # the control
        assert identity.iin in before["auditExport"]  # the control of the export
        journey.erase(ERASED_ON)
        pii_rows(store_settings, journey.id)
        for role in (Role.ADMIN, Role.OFFICER, Role.AUDITOR):
            response = api.post(query, {"id": str(journey.id)}, role=role)
            text = response.text
            assert not [n for n in needles(identity) if n in text], role
            data = response.json()["data"]
            assert data["application"]["applicant"] is None
            assert data["caseHistory"]["state"]["applicant"] is None
            assert data["caseHistory"]["events"][-1]["type"] == "PersonalDataErased"


def test_after_erasure_the_audit_history_and_export_hold_no_identity(
    store_settings: Settings, service: CaseService
) -> None:
    identity = b.unique_applicant()
    journey = awarded(service, identity)
    with closing(build_reader(store_settings)) as reader:
        cached = reader.get_case(journey.id)  # this reader now holds the key in its cache
        assert cached.applicant == identity
        journey.erase(ERASED_ON)  # erased by another process
        for fmt in ("json", "html"):
            data = timeline(reader, journey.id, today=FAR_FUTURE, with_personal_data=True)
            exported = render(data, fmt)
            assert not [n for n in needles(identity) if n in exported], fmt
        assert data["chain"]["intact"] is True


# -- the audit chain -------------------------------------------------------------------------


def test_the_chain_and_checkpoints_still_verify_after_erasure(
    store_settings: Settings, service: CaseService
) -> None:
    journey = awarded(service, b.unique_applicant())
    with closing(view_database(store_settings, service.events_table())) as db:
        checkpoints.make(db, service.mapper, every=4)
        journey.erase(ERASED_ON)
        checkpoints.make(db, service.mapper, every=4)
        with closing(build_reader(store_settings)) as reader:
            report = verify_store(reader, db)
    assert report.ok, report.findings
    assert report.checkpoints >= 1


def test_the_erasure_event_shows_who_when_and_why_and_no_personal_data(
    service: CaseService,
) -> None:
    identity = b.unique_applicant()
    journey = awarded(service, identity)
    result = journey.erase(ERASED_ON)
    erasure = list(service.events.get(journey.id))[-1]
    assert isinstance(erasure, PersonalDataErased)
    meta = erasure.meta
    assert (meta.actor_id, meta.actor_role, meta.reason, meta.occurred_on) == (
        "admin-1",
        Role.ADMIN,
        ERASURE_REASON,
        ERASED_ON,
    )
    assert (result.version, result.replayed) == (erasure.originator_version, False)
    stored = service.mapper.to_stored_event(erasure).state
    assert not [n for n in needles(identity) if n.encode() in stored]


# -- the command -----------------------------------------------------------------------------


def test_erasing_twice_records_nothing_new_and_answers_replayed(service: CaseService) -> None:
    journey = awarded(service, b.unique_applicant())
    first = journey.erase(ERASED_ON)
    again = journey.erase(date(2023, 6, 21))  # another request, another key
    assert (again.version, again.replayed) == (first.version, True)
    assert stored_versions(service, journey.id) == first.version


def test_a_submission_retried_after_its_erasure_replays_and_stores_nothing(
    store_settings: Settings, service: CaseService
) -> None:
    submission, key = b.submission(applicant=b.unique_applicant()), "retried-" + uuid4().hex
    journey = Journey(service, submission)
    first = journey.send(submission, b.SUBMITTED_ON, role=Role.APPLICANT, idempotency_key=key)
    journey.erase(ERASED_ON)
    with closing(build_service(store_settings, clock=FixedClock(FAR_FUTURE))) as other:
        retried = Journey(other, submission).send(
            submission, b.SUBMITTED_ON, role=Role.APPLICANT, idempotency_key=key
        )
    assert (retried.application_id, retried.version, retried.replayed) == (
        first.application_id,
        1,
        True,
    )
    assert stored_versions(service, journey.id) == 2  # submitted, erased


def test_an_erasure_interrupted_before_the_key_was_destroyed_completes_on_rerun(
    store_settings: Settings, service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = b.unique_applicant()
    journey = awarded(service, identity)

    def crash(application_id: UUID) -> bool:
        del application_id
        raise ConnectionError("the process died before the key was destroyed")

    with monkeypatch.context() as patch:
        patch.setattr(service.sealer, "destroy", crash)
        with pytest.raises(ConnectionError):
            journey.erase(ERASED_ON)
    with closing(build_reader(store_settings)) as fresh:
        submitted = next(iter(fresh.events.get(journey.id)))
        assert submitted.applicant == identity  # type: ignore[attr-defined]
        assert fresh.get_case(journey.id).applicant is None  # the erasure event is stored
    assert key_row(store_settings, journey.id)[1] is False  # the key is not destroyed yet
    rerun = journey.erase(ERASED_ON)
    assert rerun.replayed is True
    assert key_row(store_settings, journey.id) == (None, True)
    with closing(build_reader(store_settings)) as fresh:
        submitted = next(iter(fresh.events.get(journey.id)))
        assert submitted.applicant is None  # type: ignore[attr-defined]


def key_row(settings: Settings, case_id: UUID) -> tuple[bytes | None, bool]:
    """(wrapped key, erased_at is set) of a case's row in the key table."""
    key = case_id if settings.database.kind == "postgres" else str(case_id)
    with closing(view_database(settings, "stored_events")) as db:
        [(wrapped, erased_at)] = db.query(
            f"SELECT wrapped, erased_at FROM {KEY_TABLE} WHERE application_id = %s", (key,)
        )
    return (None if wrapped is None else bytes(wrapped)), erased_at is not None


def test_the_key_row_stays_without_its_key_and_with_the_erasure_time(
    store_settings: Settings, service: CaseService
) -> None:
    journey = awarded(service, b.unique_applicant())
    wrapped, erased = key_row(store_settings, journey.id)
    assert wrapped is not None
    assert (len(wrapped), erased) == (12 + 32 + 16, False)  # nonce, key, tag
    journey.erase(ERASED_ON)
    assert key_row(store_settings, journey.id) == (None, True)


def test_erasing_an_unknown_application_is_refused_and_stores_nothing(
    service: CaseService,
) -> None:
    unknown = uuid4()
    with pytest.raises(ApplicationNotFoundError, match=str(unknown)):
        Journey.resume(service, unknown).erase(ERASED_ON)
    assert stored_versions(service, unknown) == 0


@pytest.mark.parametrize(
    "role", [r for r in Role if r is not Role.ADMIN], ids=lambda r: str(r.value)
)
def test_only_an_admin_may_erase(service: CaseService, role: Role) -> None:
    journey = awarded(service, b.unique_applicant())
    before = stored_versions(service, journey.id)
    ctx = b.context("erase-" + uuid4().hex, on=ERASED_ON, role=role, reason=ERASURE_REASON)
    with pytest.raises(PermissionDeniedError, match="may not erase_personal_data"):
        service.handle(c.ErasePersonalData(journey.id), ctx)
    assert stored_versions(service, journey.id) == before
    assert service.get_case(journey.id).applicant is not None


def test_an_erasure_without_a_reason_is_refused_naming_the_field(service: CaseService) -> None:
    journey = awarded(service, b.unique_applicant())
    before = stored_versions(service, journey.id)
    ctx = b.context("erase-" + uuid4().hex, on=ERASED_ON, role=Role.ADMIN, reason="  ")
    with pytest.raises(InvalidInputError) as refused:
        service.handle(c.ErasePersonalData(journey.id), ctx)
    assert [(e.field, e.rule) for e in refused.value.errors] == [("reason", "required")]
    assert stored_versions(service, journey.id) == before


# -- the command line ------------------------------------------------------------------------


def test_erasing_by_iin_erases_every_application_of_that_person(
    store_settings: Settings, service: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = b.unique_applicant()
    both = [awarded(service, identity), Journey(service, b.submission(applicant=identity))]
    both[1].to(Stage.SUBMITTED)
    other = awarded(service, b.unique_applicant())
    pii_rows(store_settings, other.id)  # the case list knows the person's applications
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", store_settings.database.url)
    result = CliRunner().invoke(
        app, ["pii", "erase", "--iin", identity.iin, "--reason", ERASURE_REASON, "--yes"]
    )
    assert result.exit_code == 0, result.output
    erased = {json.loads(chunk)["applicationId"] for chunk in _json_objects(result.output)}
    assert erased == {str(j.id) for j in both}
    with closing(build_reader(store_settings)) as fresh:
        assert [fresh.get_case(j.id).applicant for j in both] == [None, None]
        assert fresh.get_case(other.id).applicant is not None


def test_the_command_line_refuses_an_invalid_iin_naming_the_rule(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOLASHAK_DATABASE_URL", store_settings.database.url)
    result = CliRunner().invoke(
        app, ["pii", "erase", "--iin", "123456789012", "--reason", "x", "--yes"]
    )
    assert result.exit_code == 2  # an input error
    assert "iin" in result.output


def _json_objects(output: str) -> list[str]:
    """The pretty-printed JSON objects the command prints one after another."""
    found, depth, start = [], 0, 0
    for i, char in enumerate(output):
        if char == "{":
            depth, start = depth + 1, i if depth == 0 else start
        elif char == "}":
            depth -= 1
            if depth == 0:
                found.append(output[start : i + 1])
    return found


ERASE = (
    "mutation M($input: ErasePersonalDataInput!) { erasePersonalData(input: $input) {"
    " __typename ... on CaseUpdated { version replayed application { applicant { iin } } }"
    " ... on InvalidInput { fieldErrors { field rule } } ... on NotFound { applicationId } } }"
)


def test_the_api_mutation_erases_and_answers_refusals_as_data(
    store_settings: Settings, service: CaseService
) -> None:
    journey = awarded(service, b.unique_applicant())
    unknown = str(uuid4())

    def erase(application_id: str, reason: str) -> dict[str, object]:
        sent = {
            "applicationId": application_id,
            "reason": reason,
            "idempotencyKey": uuid4().hex,
            "occurredOn": ERASED_ON.isoformat(),
        }
        found: dict[str, object] = api.data(ERASE, {"input": sent}, role=Role.ADMIN)
        return found["erasePersonalData"]  # type: ignore[return-value]

    with api_for(store_settings, clock_day=FAR_FUTURE) as api:
        assert erase(str(journey.id), "") == {
            "__typename": "InvalidInput",
            "fieldErrors": [{"field": "reason", "rule": "required"}],
        }
        assert erase(unknown, ERASURE_REASON) == {
            "__typename": "NotFound",
            "applicationId": unknown,
        }
        done = erase(str(journey.id), ERASURE_REASON)
    assert done["__typename"] == "CaseUpdated"
    assert (done["replayed"], done["application"]) == (False, {"applicant": None})
    assert stored_versions(service, journey.id) == done["version"]
