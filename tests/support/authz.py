"""Helpers of the API authorization tests: forged tokens, cases ready for each command,
GraphQL inputs from domain values, the SDL's operations, and a search for personal data."""

from __future__ import annotations

import dataclasses
import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from graphql import build_schema
from jwt.warnings import InsecureKeyLengthWarning

from api.auth import AUDIENCE, ISSUER
from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.commands import SubmitApplication
from domain.programme import Category, Programme
from domain.submission import ApplicantIdentity, Document
from infra.case_store import CaseService
from infra.inputs import camel
from tests.support import builders as b
from tests.support.api import SECRET
from tests.support.journey import SCORES, Journey

OMIT: Any = object()  # a claim left out of a forged token


# -- tokens ----------------------------------------------------------------------------------


def forged_token(
    *, secret: str | RSAPrivateKey = SECRET, algorithm: str = "HS256", **claims: object
) -> str:
    """A token like ``TokenKeys.mint`` makes (an officer's, valid for an hour), with
    ``claims`` changed; a claim given as ``OMIT`` is left out."""
    now = int(time.time())
    base: dict[str, object] = {
        "sub": "officer-1",
        "role": "officer",
        "iat": now,
        "exp": now + 3600,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    base.update(claims)
    payload = {k: v for k, v in base.items() if v is not OMIT}
    with warnings.catch_warnings():  # a forged token may use a short key on purpose
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        return jwt.encode(payload, "" if algorithm == "none" else secret, algorithm=algorithm)


# -- GraphQL inputs from domain values -------------------------------------------------------


def graphql_input(value: object, *, enums_by_value: bool = False) -> Any:
    """A domain value as GraphQL variables: camelCase keys, enums by name (by value for the
    command line's JSON), decimals and dates as text, absent optionals left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            camel(f.name): graphql_input(getattr(value, f.name), enums_by_value=enums_by_value)
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, list | tuple):
        return [graphql_input(v, enums_by_value=enums_by_value) for v in value]
    if isinstance(value, Enum):
        return value.value if enums_by_value else value.name
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def submission_input(submission: SubmitApplication | None = None) -> dict[str, Any]:
    """The ``SubmitApplicationInput`` fields of a submission (without the context)."""
    found: dict[str, Any] = graphql_input(submission or b.submission())
    return found


# -- a case where each command can be carried out --------------------------------------------


@dataclass(frozen=True)
class Prerequisite:
    """Where a case must stand for a command to be carried out, on which business date,
    and the command's own input fields. ``stage`` None: the command makes the case."""

    stage: Stage | None
    on: date
    fields: dict[str, Any] = field(default_factory=dict)
    sheets_first: bool = False  # the NEC members' sheets are recorded first
    submission: SubmitApplication | None = None
    then: Callable[[Journey], object] | None = None  # a step off the ordinary path, after it


_WEAK_ENGLISH = b.submission(background=b.background(certificates=(b.ielts("5.5"),)))
_NO_THRESHOLD_ROW = b.submission(plan=b.plan(Programme.MASTERS, Category.GENERAL, country="AR"))
_WITHOUT_CERTIFICATE = b.submission(
    background=b.background(
        documents=tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE)
    )
)
_REASON = {"reason": "decided on the file (synthetic)"}


def _on_course(j: Journey) -> object:
    return j.send(c.AssignLanguageCourse(j.id), date(2023, 7, 20))


_PROTOCOL = {"protocolNumber": "RK-2023/7", "protocolDate": "2023-06-10"}

# Mutation field -> the case it needs (dates follow tests.support.journey.PATH).
PREREQUISITES: dict[str, Prerequisite] = {
    "submitApplication": Prerequisite(None, date(2023, 4, 20), submission_input()),
    "assessEligibility": Prerequisite(Stage.SUBMITTED, date(2023, 4, 25)),
    "recordTesting": Prerequisite(
        Stage.ELIGIBLE, date(2023, 5, 5), {"verbalScore": 70, "numericalScore": 81}
    ),
    "annulTesting": Prerequisite(Stage.TESTED, date(2023, 5, 6), {"annulment": "VIOLATION"}),
    "bookInterview": Prerequisite(
        Stage.TESTED, date(2023, 5, 6), {"slotAt": "2023-05-20T10:00:00"}
    ),
    "evaluateInterview": Prerequisite(
        Stage.INTERVIEW_BOOKED,
        date(2023, 5, 20),
        {"scores": SCORES, "recommend": True, "comment": "clear motivation"},
    ),
    "completeInterview": Prerequisite(
        Stage.INTERVIEW_BOOKED, date(2023, 5, 22), {"finalScore": "4.67"}, sheets_first=True
    ),
    "annulInterview": Prerequisite(Stage.INTERVIEW_BOOKED, date(2023, 5, 21)),
    "award": Prerequisite(Stage.INTERVIEWED, date(2023, 6, 12), _PROTOCOL),
    "awardBeyondPlaces": Prerequisite(
        Stage.INTERVIEWED, date(2023, 6, 12), {**_PROTOCOL, **_REASON}
    ),
    "refuse": Prerequisite(Stage.INTERVIEWED, date(2023, 6, 12), _PROTOCOL),
    "signContracts": Prerequisite(
        Stage.AWARDED,
        date(2023, 7, 15),
        {"trainingContractNumber": "TC-1", "securityContractNumber": "SC-1"},
    ),
    "revoke": Prerequisite(Stage.AWARDED, date(2023, 7, 1), {"revocation": "VIOLATION"}),
    "withdraw": Prerequisite(Stage.SUBMITTED, date(2023, 4, 25)),
    "assignLanguageCourse": Prerequisite(
        Stage.CONTRACTED, date(2023, 7, 20), submission=_WEAK_ENGLISH
    ),
    "recordDeparture": Prerequisite(Stage.CONTRACTED, date(2023, 9, 1)),
    "recordStudiesCompleted": Prerequisite(Stage.STUDYING, date(2024, 7, 1)),
    "recordReturn": Prerequisite(Stage.STUDIES_COMPLETED, date(2024, 7, 20)),
    "startWorkOff": Prerequisite(
        Stage.RETURNED, date(2024, 9, 1), {"employer": "Synthetic LLP", "location": "Astana"}
    ),
    "completeWorkOff": Prerequisite(Stage.WORKING_OFF, date(2029, 9, 1)),
    "erasePersonalData": Prerequisite(
        Stage.SUBMITTED, date(2023, 4, 25), {"reason": "the applicant asked for erasure"}
    ),
    "reassessEligibility": Prerequisite(Stage.ELIGIBLE, date(2023, 4, 26), _REASON),
    "presentDocuments": Prerequisite(
        Stage.SUBMITTED,
        date(2023, 4, 22),
        {"documents": ["LANGUAGE_CERTIFICATE"]},
        submission=_WITHOUT_CERTIFICATE,
    ),
    "decideReview": Prerequisite(
        Stage.SUBMITTED,
        date(2023, 4, 26),
        {"decision": "ELIGIBLE", **_REASON},
        submission=_NO_THRESHOLD_ROW,
        then=lambda j: j.send(c.AssessEligibility(j.id), date(2023, 4, 25)),
    ),
    "recordWinnersListPublished": Prerequisite(Stage.AWARDED, date(2023, 6, 13)),
    "reassignLanguageCourse": Prerequisite(
        Stage.CONTRACTED, date(2023, 7, 25), _REASON, submission=_WEAK_ENGLISH, then=_on_course
    ),
    "recordControlTest": Prerequisite(
        Stage.CONTRACTED,
        date(2024, 4, 20),
        {"purpose": "ADMISSION_AFTER_COURSE", "passed": True, "result": "IELTS 6.5"},
        submission=_WEAK_ENGLISH,
        then=_on_course,
    ),
}


# Who sends each mutation where the officer does not (the commission's decisions, the NEC's
# sheets, the admin's erasure).
ROLES = {
    "award": Role.COMMISSION,
    "awardBeyondPlaces": Role.COMMISSION,
    "refuse": Role.COMMISSION,
    "evaluateInterview": Role.EXPERT,
    "erasePersonalData": Role.ADMIN,
}


INPUT_REFUSED = "... on InvalidInput { message fieldErrors { field rule message } }"


def document(mutation: str, answers: str = INPUT_REFUSED) -> str:
    """The mutation, answering its type and ``answers`` (by default, when refused for its
    input, the fields and rules)."""
    kind = mutation[0].upper() + mutation[1:]
    return (
        f"mutation M($input: {kind}Input!) {{ {mutation}(input: $input)"
        f" {{ __typename {answers} }} }}"
    )


def prepare(service: CaseService, needs: Prerequisite) -> UUID | None:
    """A new case where the command can be carried out (None for a submission)."""
    if needs.stage is None:
        return None
    journey = Journey(service, needs.submission)
    journey.to(needs.stage)
    if needs.sheets_first:
        journey.evaluate_all()
    if needs.then is not None:
        needs.then(journey)
    return journey.id


def command_input(needs: Prerequisite, case_id: UUID | None, idempotency_key: str) -> Any:
    """The mutation's ``input`` for the case (or, for a submission, the new case)."""
    sent: dict[str, Any] = {
        **needs.fields,
        "idempotencyKey": idempotency_key,
        "occurredOn": needs.on.isoformat(),
    }
    if case_id is not None:
        sent["applicationId"] = str(case_id)
    return sent


def new_key(prefix: str) -> str:
    """An idempotency key no other test uses (stores on PostgreSQL are shared)."""
    return f"authz-{prefix}-{uuid4().hex}"


# -- the SDL ---------------------------------------------------------------------------------


def operations(sdl_file: Path) -> set[str]:
    """``Type.field`` of every root field (query, mutation, subscription) of an SDL file."""
    schema = build_schema(sdl_file.read_text(encoding="utf-8"))
    found: set[str] = set()
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        if root is not None:
            found |= {f"{root.name}.{name}" for name in root.fields}
    return found


def every_name(sdl_file: Path) -> set[str]:
    """Every type, field, argument, input field and enum value name of an SDL file."""
    schema = build_schema(sdl_file.read_text(encoding="utf-8"))
    names: set[str] = set()
    for type_name, kind in schema.type_map.items():
        if type_name.startswith("__"):
            continue
        names.add(type_name)
        for name, member in (getattr(kind, "fields", None) or {}).items():
            names.add(name)
            names |= set(getattr(member, "args", None) or {})
        names |= set(getattr(kind, "values", None) or {})
    return names


# -- personal data in responses --------------------------------------------------------------


def needles(person: ApplicantIdentity) -> list[str]:
    """What would give the person away: each part of the name, the IIN, the birth date
    (as written in ISO and in Kazakhstan), the e-mail and its local part, the phone."""
    found = [part for part in re.split(r"[\s\-]+", person.full_name) if len(part) >= 3]
    born = person.birth_date
    found += [
        person.iin,
        born.isoformat(),
        born.strftime("%d.%m.%Y"),
        person.email,
        person.email.split("@")[0],
        person.phone,
        re.sub(r"\D", "", person.phone),
    ]
    return found


def as_text(response: Any) -> str:
    """Everything a client receives: status, headers and the body, raw and with any JSON
    escapes undone."""
    head = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    body = str(response.text)
    try:
        unescaped = orjson.dumps(orjson.loads(body)).decode()
    except orjson.JSONDecodeError:
        unescaped = ""
    return f"{response.status_code}\n{head}\n{body}\n{unescaped}"


def leaks(text: str, searched: Iterable[str]) -> list[str]:
    lowered = text.lower()
    return sorted({n for n in searched if n.lower() in lowered})
