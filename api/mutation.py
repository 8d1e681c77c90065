"""Mutations: one per command of the domain, each taking an idempotency key and returning
the updated case or a typed error. Generated from the command classes."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import commands
from api.context import Context
from api.inputs import input_for
from api.types.results import CommandResult, SheetResult
from domain.commands import (
    ALL_COMMANDS,
    DecideReview,
    ErasePersonalData,
    EvaluateInterview,
    PresentDocuments,
    ReassessEligibility,
    ReassignLanguageCourse,
    RecordControlTest,
    RecordWinnersListPublished,
    SubmitApplication,
)
from domain.permissions import command_name
from infra.inputs import camel

DESCRIPTIONS = {
    SubmitApplication: "Submit an application (eGov package) inside an intake window.",
    EvaluateInterview: "An NEC member's evaluation sheet (002 appendix 6).",
    ReassessEligibility: (
        "Decide eligibility again under the rules in force now (reason required): a stored"
        " decision never changes by itself; the new one is recorded beside it."
    ),
    PresentDocuments: (
        'Record documents of the package presented after the submission (001 "НЕОБХОДИМЫЙ'
        ' ПАКЕТ ДОКУМЕНТОВ"); a case missing one is not passed to testing.'
    ),
    DecideReview: (
        "An officer's decision on a case the rules left undecided (reason required):"
        " ELIGIBLE or INELIGIBLE for an eligibility review; ASSIGN_COURSE (with the months) or"
        " NO_COURSE for a course review; CONTINUE after a failed control test."
    ),
    ReassignLanguageCourse: (
        "Decide the language course again under the rules in force now (reason required)."
    ),
    RecordControlTest: (
        "A control test after language courses (002 lines 868, 1915): a failed test after"
        " the full course goes to an officer (the seeds state no consequence)."
    ),
    RecordWinnersListPublished: (
        "The winners list naming the scholar was published (due the day after the"
        " commission's protocol reached CIP, 000 lines 473-477)."
    ),
    ErasePersonalData: (
        "Erase the applicant's personal data (admin only; the reason is required): recorded"
        " as PersonalDataErased, then the case's data key is destroyed (docs/audit.md)."
    ),
}


def _mutation(command: type, result: Any, *, anonymous: bool = False) -> Any:
    input_type = input_for(command)

    async def resolve(info: Info[Context, None], input: Any) -> Any:
        return await commands.run(info.context, command, input, anonymous=anonymous)

    resolve.__annotations__ = {"info": Info[Context, None], "input": input_type, "return": result}
    return strawberry.mutation(
        resolve, name=camel(command_name(command)), description=DESCRIPTIONS.get(command)
    )


def office_mutation() -> type:
    fields = {command_name(c): _mutation(c, CommandResult) for c in ALL_COMMANDS}
    return strawberry.type(type("Mutation", (), fields))


def expert_mutation() -> type:
    fields = {"evaluate_interview": _mutation(EvaluateInterview, SheetResult, anonymous=True)}
    return strawberry.type(type("Mutation", (), fields))
