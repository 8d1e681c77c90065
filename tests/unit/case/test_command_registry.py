"""The command registry (domain/registry.py): every command declared once and dispatched by
its type; the process table, the permissions, the GraphQL mutations and ``bolashak case
run`` are read from it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from api.schema import expert_schema, office_schema
from domain import commands as c
from domain.case import events as ev
from domain.case.events import ControlTestPurpose
from domain.case.meta import Role
from domain.case.process import STEPS
from domain.case.stage import Stage
from domain.registry import BY_TYPE, REGISTRY, CommandSpec, spec_for
from infra.case_store import CaseService
from infra.inputs import camel
from tests.support import builders as b
from tests.support.cli import bolashak_here
from tests.support.decider import CASE, When, event, given, path_to
from tests.support.journey import PROTOCOL_DATE, SCORES, SLOT_DAY

# Recorded in every event's metadata (``meta.command``), the CLI's and the mutations'
# names: renaming a command class must not change them.
NAMES = (
    "submit_application",
    "assess_eligibility",
    "reassess_eligibility",
    "present_documents",
    "decide_review",
    "record_testing",
    "annul_testing",
    "book_interview",
    "evaluate_interview",
    "complete_interview",
    "annul_interview",
    "award",
    "award_beyond_places",
    "refuse",
    "sign_contracts",
    "record_winners_list_published",
    "revoke",
    "withdraw",
    "assign_language_course",
    "reassign_language_course",
    "record_control_test",
    "record_departure",
    "record_studies_completed",
    "record_return",
    "start_work_off",
    "complete_work_off",
    "erase_personal_data",
)


def test_the_command_names_are_the_recorded_ones() -> None:
    assert tuple(spec.name for spec in REGISTRY) == NAMES


def test_every_command_on_a_case_has_a_step_of_the_process_and_every_step_a_command() -> None:
    on_a_case = [spec.name for spec in REGISTRY if spec.decide is not None]
    assert sorted(on_a_case) == sorted(STEPS)
    (creates,) = [spec for spec in REGISTRY if spec.create is not None]
    assert (creates.command, creates.decide, creates.step) == (c.SubmitApplication, None, None)


def test_every_spec_names_who_may_send_it() -> None:
    assert [spec.name for spec in REGISTRY if not spec.roles] == []
    assert [spec.name for spec in REGISTRY if Role.AUDITOR in spec.roles] == []


def test_the_service_dispatches_by_type_not_by_a_method_per_command() -> None:
    assert [spec.name for spec in REGISTRY if hasattr(CaseService, spec.name)] == []
    with pytest.raises(TypeError, match="not a command of the registry"):
        spec_for(object())


def test_the_mutations_are_the_registrys_in_its_order() -> None:
    office = office_schema()._schema.mutation_type
    expert = expert_schema()._schema.mutation_type
    assert office is not None
    assert expert is not None
    assert list(office.fields) == [camel(spec.name) for spec in REGISTRY]
    nec = [camel(spec.name) for spec in REGISTRY if Role.EXPERT in spec.roles]
    assert list(expert.fields) == nec == ["evaluateInterview"]
    for spec in REGISTRY:
        assert office.fields[camel(spec.name)].description == spec.description


def test_the_command_line_runs_the_registrys_commands() -> None:
    result = bolashak_here(["case", "run", "no_such_command"], {})
    assert result.exit_code == 2
    listed = result.output.split("one of: ")[1].replace("\n", "").strip()
    assert listed.split(", ") == list(NAMES)


# -- the rulesets a spec stamps are the ones its events record --------------------------------

WEAK_ENGLISH = b.submission(background=b.background(certificates=(b.ielts("5.5"),)))


def _on_course() -> tuple[ev.CaseEvent, ...]:
    contracted = path_to(Stage.CONTRACTED, WEAK_ENGLISH)
    course = given(*contracted).when(c.AssignLanguageCourse(CASE), on=date(2023, 7, 20))
    return (*contracted, *course.then(event(ev.LanguageCourseAssigned)).events)


# Each command whose spec stamps fixed rulesets: decided on a case, and its event.
FIXED: dict[type, tuple[Any, type[ev.CaseEvent]]] = {
    c.EvaluateInterview: (
        lambda: given(*path_to(Stage.INTERVIEW_BOOKED)).when(
            c.EvaluateInterview(CASE, SCORES, True, ""), on=SLOT_DAY, role=Role.EXPERT
        ),
        ev.InterviewEvaluated,
    ),
    c.CompleteInterview: (
        lambda: given(*path_to(Stage.INTERVIEWED)[:-1]).when(
            c.CompleteInterview(CASE, Decimal("4.67")), on=date(2023, 5, 22)
        ),
        ev.InterviewCompleted,
    ),
    c.Award: (
        lambda: given(*path_to(Stage.INTERVIEWED)).when(
            c.Award(CASE, "RK-2023/7", PROTOCOL_DATE), on=date(2023, 6, 12), role=Role.COMMISSION
        ),
        ev.Awarded,
    ),
    c.AwardBeyondPlaces: (
        lambda: given(*path_to(Stage.INTERVIEWED)).when(
            c.AwardBeyondPlaces(CASE, "RK-2023/7", PROTOCOL_DATE),
            on=date(2023, 6, 12),
            role=Role.COMMISSION,
            reason="the commission's protocol RK-2023/7 awards beyond the places",
        ),
        ev.Awarded,
    ),
    c.SignContracts: (
        lambda: given(*path_to(Stage.AWARDED)).when(
            c.SignContracts(CASE, "TC-1", "SC-1"), on=date(2023, 7, 15)
        ),
        ev.ContractsSigned,
    ),
    c.RecordControlTest: (
        lambda: given(*_on_course()).when(
            c.RecordControlTest(CASE, ControlTestPurpose.ABROAD_AFTER_KAZAKHSTAN, True, "B2"),
            on=date(2023, 8, 1),
        ),
        ev.ControlTestTaken,
    ),
}


def test_every_spec_with_fixed_rulesets_is_checked_here() -> None:
    assert {spec.command for spec in REGISTRY if spec.rulesets} == set(FIXED)


@pytest.mark.parametrize("command", list(FIXED), ids=lambda t: t.__name__)
def test_the_fixed_rulesets_of_a_spec_are_those_its_decision_records(command: type) -> None:
    spec: CommandSpec[Any] = BY_TYPE[command]
    decide, recorded_type = FIXED[command]
    decided: When = decide()
    (recorded,) = decided.then(event(recorded_type)).events
    assert recorded.basis is not None
    assert recorded.basis.rulesets == spec.rulesets
