"""Every way to read a case back through the office API, for the erasure tests: the
queries that show a case with every field they have, and the first steps of a case as
mutations that can be replayed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from graphql import (
    GraphQLObjectType,
    Undefined,
    get_named_type,
    is_non_null_type,
    is_object_type,
)

from api.schema import office_schema
from domain.case.meta import Role
from domain.submission import ApplicantIdentity
from tests.support import builders as b
from tests.support.authz import submission_input
from tests.support.journey import ERASURE_REASON

SUBMITTED_ON = "2023-04-20"
ERASED_ON = "2023-06-20"
# (mutation, input type, the fields after the submission's) of the case's first steps,
# each sent once before the erasure and again, with the same key, after it
STEPS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("assessEligibility", "AssessEligibilityInput", {"occurredOn": "2023-04-25"}),
    (
        "recordTesting",
        "RecordTestingInput",
        {"verbalScore": 70, "numericalScore": 81, "occurredOn": "2023-05-05"},
    ),
)


def mutation(name: str, input_type: str) -> str:
    return (
        f"mutation M($input: {input_type}!) {{ {name}(input: $input) {{ __typename"
        f" ... on CaseUpdated {{ replayed version application {{ {every_field('Application')} }} }}"
        " } }"
    )


def every_field(type_name: str, depth: int = 4) -> str:
    """A selection of every field of an office schema type, nested types included (to
    ``depth``), fields with required arguments given the smallest ones (``diff``)."""
    found = office_schema()._schema.get_type(type_name)
    assert isinstance(found, GraphQLObjectType)
    picked = []
    for name, field in found.fields.items():
        required = [
            a
            for a, arg in field.args.items()
            if is_non_null_type(arg.type) and arg.default_value is Undefined
        ]
        call = name if not required else f"{name}(fromVersion: 1)"
        assert required in ([], ["fromVersion"]), (type_name, name, required)
        inner = get_named_type(field.type)
        if is_object_type(inner):
            if depth > 0:
                picked.append(f"{call} {{ {every_field(inner.name, depth - 1)} }}")
        else:
            picked.append(call)
    return " ".join(picked)


QUERIES = {
    "application": (
        f"query Q($id: ID!) {{ application(id: $id) {{ {every_field('Application')} }} }}"
    ),
    "applications": (
        "query Q($code: String!) { applications(filter: {code: $code}, first: 5)"
        f" {{ {every_field('ApplicationConnection')} }} }}"
    ),
    "caseHistory": (
        "query Q($id: ID!) { caseHistory(applicationId: $id)"
        f" {{ {every_field('CaseHistory')} }} }}"
    ),
    "caseHistory as of version 1": (
        "query Q($id: ID!) { caseHistory(applicationId: $id, asOfVersion: 1)"
        f" {{ {every_field('CaseHistory')} }} }}"
    ),
    "caseHistory as of the submission date": (
        'query Q($id: ID!) { caseHistory(applicationId: $id, asOfDate: "2023-04-20")'
        f" {{ {every_field('CaseHistory')} }} }}"
    ),
    "auditTrail": (
        "query Q($id: ID!) { auditTrail(filter: {applicationId: $id}, first: 50)"
        f" {{ {every_field('AuditTrailConnection')} }} }}"
    ),
}


# (query, variables, role) -> the response's JSON, from whichever client a test uses
Post = Callable[[str, dict[str, Any], Role], Any]
ERASE = (
    "mutation M($input: ErasePersonalDataInput!) { erasePersonalData(input: $input)"
    " { __typename } }"
)


def erase_input(case_id: str) -> dict[str, str]:
    return {
        "applicationId": case_id,
        "reason": ERASURE_REASON,
        "idempotencyKey": f"erase-{uuid4().hex}",
        "occurredOn": ERASED_ON,
    }


class Case:
    """One applicant's case driven through the API, and what was sent for it."""

    def __init__(self, identity: ApplicantIdentity) -> None:
        self.identity = identity
        self.key = f"egov-{uuid4().hex}"
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.id = ""
        self.code = ""

    def submit_and_assess(self, post: Post) -> None:
        submission = submission_input(b.submission(applicant=self.identity))
        sent = {**submission, "idempotencyKey": self.key, "occurredOn": SUBMITTED_ON}
        answer = self.send(post, mutation("submitApplication", "SubmitApplicationInput"), sent)
        application = answer["data"]["submitApplication"]["application"]
        assert application["applicant"]["iin"] == self.identity.iin  # the control
        self.id, self.code = application["id"], application["applicantCode"]
        for name, input_type, fields in STEPS:
            step = {**fields, "applicationId": self.id, "idempotencyKey": f"{name}-{uuid4().hex}"}
            self.send(post, mutation(name, input_type), step)

    def send(self, post: Post, query: str, sent: dict[str, Any]) -> Any:
        self.sent.append((query, sent))
        body = post(query, {"input": sent}, Role.OFFICER)
        assert "errors" not in body, body
        return body

    def variables(self, label: str) -> dict[str, str]:
        return {"code": self.code} if label == "applications" else {"id": self.id}
