"""Input validation: every field checked, every problem reported at once, nothing stored.

Field paths are those of the API (camelCase, dotted), e.g. ``applicant.iin``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pycountry

from domain import commands as c
from domain.case.meta import CommandContext, Role
from domain.errors import FieldError, InvalidInputError
from domain.iin import InvalidIinError, validate_iin
from domain.language_tests import LanguageTest, score_of
from domain.qualifications import LanguageCertificate
from domain.rules.grade_equivalence import gpa_number
from domain.rules.interview_sheet import criterion_keys, final_grade_range, sheet_problems
from domain.submission import ApplicantIdentity, Background, Document, StudyPlan

MAX_MONTHS = 12 * 70
MAX_COURSE_MONTHS = 24  # an officer's course: the longest table course is 12 months
# Lists a command may carry: no more items than the domain has kinds of (a certificate of
# each language test the regulations know; each document of the package once), no item
# twice. The API's schema describes these limits (api/inputs.py).
MAX_CERTIFICATES = len(LanguageTest)
MAX_DOCUMENTS = len(Document)
MAX_SCORES = 2 * len(criterion_keys())  # a sheet's scores, unknown keys named up to this
MAX_GPA_LENGTH = 20  # "3.67", "87.5", "A-": a grade as written on the diploma supplement
GPA_EQUIVALENT_TOP = 4  # the Ministry's equivalent is on the 4.00 credit scale
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")
# Unicode's categories Cc (U+0000-U+001F, U+007F-U+009F) and Cs (U+D800-U+DFFF), less tab
# and line breaks, as one character class: one scan in C instead of a lookup per character
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(value: str) -> bool:
    """Control characters other than tab and line breaks, or lone surrogates: invisible in
    every view, refused by PostgreSQL's text columns (NUL) or by UTF-8 itself (surrogates)."""
    return CONTROL_CHARACTER.search(value) is not None


class Errors(list[FieldError]):
    def add(self, field: str, rule: str, message: str) -> None:
        self.append(FieldError(field, rule, message))

    def text(self, field: str, value: str, max_length: int, *, required: bool = True) -> None:
        if required and not value.strip():
            self.add(field, "required", "must not be empty")
        elif len(value) > max_length:
            self.add(field, "max_length", f"must be at most {max_length} characters")
        elif has_control_characters(value):
            self.add(field, "no_control_characters", "must not contain control characters")

    def number(self, field: str, value: float | Decimal, low: float, high: float) -> None:
        finite = not isinstance(value, Decimal) or value.is_finite()  # NaN has no order
        if isinstance(value, bool) or not finite or not low <= value <= high:
            self.add(field, "range", f"must be between {low} and {high}")

    def raise_if_any(self) -> None:
        if self:
            raise InvalidInputError(self)


def validate_context(
    ctx: CommandContext, today: date, backdating_window: timedelta | None = None
) -> bool:
    """Checks what every command carries; True when its business date lies more than
    ``backdating_window`` before ``today`` (allowed to an admin who says why: the reason
    is then kept with the event). ``None``: no window (a past campaign replayed)."""
    errors = Errors()
    errors.text("idempotencyKey", ctx.idempotency_key, 200)
    errors.text("actor.id", ctx.actor_id, 200)
    errors.text("reason", ctx.reason, 2000, required=False)
    errors.text("correlationId", ctx.correlation_id, 200, required=False)
    errors.text("causationId", ctx.causation_id, 200, required=False)
    errors.text("backdatingReason", ctx.backdating_reason, 2000, required=False)
    if ctx.occurred_on > today:
        errors.add("occurredOn", "business_date_not_in_future", f"is after today ({today})")
    backdated = backdating_window is not None and ctx.occurred_on < today - backdating_window
    if backdated and not (ctx.role is Role.ADMIN and ctx.backdating_reason.strip()):
        assert backdating_window is not None
        errors.add(
            "occurredOn",
            "business_date_within_backdating_window",
            f"is more than {backdating_window.days} days before today ({today}): only an"
            " admin may record it, giving backdatingReason",
        )
    errors.raise_if_any()
    return backdated


def validate_submission(command: c.SubmitApplication, occurred_on: date | None = None) -> None:
    """Every field of a submission; with its business date, the birth date against it."""
    errors = Errors()
    _applicant(errors, command.applicant)
    if occurred_on is not None and command.applicant.birth_date >= occurred_on:
        errors.add("applicant.birthDate", "born_before_submission", "is not before the submission")
    _plan(errors, command.plan)
    _background(errors, command.background)
    errors.raise_if_any()


def _applicant(errors: Errors, applicant: ApplicantIdentity) -> None:
    errors.text("applicant.fullName", applicant.full_name, 200)
    try:
        born = validate_iin(applicant.iin)
    except InvalidIinError as e:
        errors.add("applicant.iin", e.rule, str(e))
    else:
        if born != applicant.birth_date:
            errors.add("applicant.birthDate", "iin_birth_date", f"IIN says {born.isoformat()}")
    email = applicant.email
    if not EMAIL.match(email) or len(email) > 254 or has_control_characters(email):
        errors.add("applicant.email", "email_format", "must be an e-mail address")
    if not PHONE.match(applicant.phone):
        errors.add("applicant.phone", "phone_format", "must be a phone number, e.g. +77011234567")


def _plan(errors: Errors, plan: StudyPlan) -> None:
    if not is_country_code(plan.country):
        errors.add(
            "plan.country", "iso_country_code", "must be an ISO 3166-1 alpha-2 code, e.g. GB"
        )
    errors.text("plan.institution", plan.institution, 300)
    errors.text("plan.specialty", plan.specialty, 300)


def _background(errors: Errors, background: Background) -> None:
    if background.kaztest is not None:
        total = background.kaztest.total_questions
        errors.number(
            "background.kaztest.correctAnswers", background.kaztest.correct_answers, 0, total
        )
        if total != 150:
            errors.add("background.kaztest.totalQuestions", "kaztest_150", "KazTest has 150")
    certificates = background.certificates
    if _listed(errors, "background.certificates", certificates, MAX_CERTIFICATES):
        for i, certificate in enumerate(certificates):
            _certificate(errors, f"background.certificates[{i}]", certificate)
    if background.gpa is not None:
        errors.text("background.gpa.value", background.gpa.value, MAX_GPA_LENGTH)
        try:
            gpa_number(background.gpa)
        except ValueError as e:
            errors.add("background.gpa.value", "gpa_scale", str(e))
    errors.text("background.bachelorSpecialty", background.bachelor_specialty, 300)
    errors.text("background.employer", background.employer, 300, required=False)
    errors.text("background.position", background.position, 300, required=False)
    for name in (
        "total_work_months",
        "rural_residence_months",
        "rural_work_months",
        "medical_work_months",
    ):
        errors.number(f"background.{_camel(name)}", getattr(background, name), 0, MAX_MONTHS)
    errors.number("background.fieldWorkMonthsLast12", background.field_work_months_last_12, 0, 12)
    _listed(errors, "background.documents", background.documents, MAX_DOCUMENTS)


def _listed(errors: Errors, field: str, items: Sequence[object], most: int) -> bool:
    """Refuses a list longer than ``most`` or listing an item twice; True when neither.

    Items are told apart by their ``repr``: a decimal that is not a number (``sNaN``)
    can be neither hashed nor compared, and is refused by its own rule."""
    if len(items) > most:
        errors.add(field, "max_items", f"lists {len(items)} items; at most {most}")
        return False
    if len({repr(item) for item in items}) != len(items):
        errors.add(field, "no_duplicates", "lists an item twice")
        return False
    return True


def is_country_code(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code of a country that exists (ISO's list, kept by pycountry)."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def _certificate(errors: Errors, field: str, certificate: LanguageCertificate) -> None:
    try:
        score_of(certificate.test, certificate.score)
    except ValueError as e:
        errors.add(f"{field}.score", "language_test_scale", str(e))
    if certificate.within_competition and certificate.test is not LanguageTest.TOEFL_ITP:
        errors.add(
            f"{field}.withinCompetition",
            "within_competition_only_for_toefl_itp",
            "only a TOEFL ITP is taken within the competition (002 line 858)",
        )
    if certificate.bands is None:
        return
    if certificate.test not in (LanguageTest.IELTS, LanguageTest.IELTS_INDICATOR):
        errors.add(f"{field}.bands", "bands_only_for_ielts", "band scores exist for IELTS only")
        return
    for band in ("listening", "reading", "writing", "speaking"):
        try:
            score_of(LanguageTest.IELTS, getattr(certificate.bands, band))
        except ValueError as e:
            errors.add(f"{field}.bands.{band}", "ielts_band_scale", str(e))


def validate_command(command: object, occurred_on: date | None = None) -> None:
    """Field checks of every command (dates against its business date, when given): the
    checks of its type in ``FIELD_CHECKS``; a command with nothing but its case has none."""
    if isinstance(command, c.SubmitApplication):
        return validate_submission(command, occurred_on)
    check = FIELD_CHECKS.get(type(command))
    if check is not None:
        errors = Errors()
        check(command, errors)
        errors.raise_if_any()
    return None


def _testing(command: c.RecordTesting, errors: Errors) -> None:
    errors.number("verbalScore", command.verbal_score, 0, 100)
    errors.number("numericalScore", command.numerical_score, 0, 100)


def _interview_sheet(command: c.EvaluateInterview, errors: Errors) -> None:
    if len(command.scores) > MAX_SCORES:  # each unknown key would be an error of its own
        errors.add("scores", "max_items", f"has {len(command.scores)} keys; at most {MAX_SCORES}")
    else:
        for key, problem in sheet_problems(command.scores):
            errors.add(f"scores.{key}", "interview_sheet_scale", problem)
    errors.text("comment", command.comment, 2000, required=False)


def _final_score(command: c.CompleteInterview, errors: Errors) -> None:
    errors.number("finalScore", command.final_score, *final_grade_range())


def _protocol(command: c.Award | c.Refuse, errors: Errors) -> None:
    errors.text("protocolNumber", command.protocol_number, 50)


def _contracts(command: c.SignContracts, errors: Errors) -> None:
    errors.text("trainingContractNumber", command.training_contract_number, 50)
    errors.text("securityContractNumber", command.security_contract_number, 50)


def _work_off(command: c.StartWorkOff, errors: Errors) -> None:
    errors.text("employer", command.employer, 300)
    errors.text("location", command.location, 100)


def _gpa_equivalent(command: c.AssessEligibility | c.ReassessEligibility, errors: Errors) -> None:
    if command.gpa_equivalent is not None:
        errors.number("gpaEquivalent", command.gpa_equivalent, 0, GPA_EQUIVALENT_TOP)


def _invitation(command: c.AssignLanguageCourse | c.ReassignLanguageCourse, errors: Errors) -> None:
    if command.invitation_months is not None:
        errors.number("invitationMonths", command.invitation_months, 1, 12)


def _documents(command: c.PresentDocuments, errors: Errors) -> None:
    if not command.documents:
        errors.add("documents", "required", "names at least one document")
    _listed(errors, "documents", command.documents, MAX_DOCUMENTS)


def _officer_course(command: c.DecideReview, errors: Errors) -> None:
    for name in ("months_in_kazakhstan", "months_abroad"):
        value = getattr(command, name)
        if value is not None:
            errors.number(_camel(name), value, 0, MAX_COURSE_MONTHS)


def _control_test(command: c.RecordControlTest, errors: Errors) -> None:
    errors.text("result", command.result, 100)


FIELD_CHECKS: dict[type, Callable[[Any, Errors], None]] = {
    c.RecordTesting: _testing,
    c.EvaluateInterview: _interview_sheet,
    c.CompleteInterview: _final_score,
    c.Award: _protocol,
    c.Refuse: _protocol,
    c.SignContracts: _contracts,
    c.StartWorkOff: _work_off,
    c.AssessEligibility: _gpa_equivalent,
    c.ReassessEligibility: _gpa_equivalent,
    c.AssignLanguageCourse: _invitation,
    c.ReassignLanguageCourse: _invitation,
    c.PresentDocuments: _documents,
    c.DecideReview: _officer_course,
    c.RecordControlTest: _control_test,
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
