"""Who may ask for which step: the one table every entry point (API, CLI, jobs) goes through.

The NEC evaluates interviews (002 appendix 6); the Republican Commission awards or refuses
(000, 001); CIP officers do the case work; auditors only read.
"""

from __future__ import annotations

import functools
import re

from domain.case.meta import Role
from domain.errors import DomainError

_OFFICE = frozenset({Role.OFFICER, Role.ADMIN})

ALLOWED_ROLES: dict[str, frozenset[Role]] = {
    "submit_application": frozenset({Role.APPLICANT, Role.OFFICER, Role.ADMIN}),
    "assess_eligibility": _OFFICE,
    "reassess_eligibility": _OFFICE,
    "present_documents": frozenset({Role.APPLICANT, *_OFFICE}),
    "decide_review": _OFFICE,
    "record_testing": _OFFICE,
    "annul_testing": _OFFICE,
    "book_interview": frozenset({Role.APPLICANT, *_OFFICE}),
    "evaluate_interview": frozenset({Role.EXPERT}),
    "complete_interview": _OFFICE,
    "annul_interview": _OFFICE,
    "award": frozenset({Role.COMMISSION}),
    "refuse": frozenset({Role.COMMISSION}),
    "sign_contracts": _OFFICE,
    "record_winners_list_published": _OFFICE,
    "revoke": frozenset({Role.SYSTEM, *_OFFICE}),
    "withdraw": frozenset({Role.APPLICANT, *_OFFICE}),
    "assign_language_course": _OFFICE,
    "reassign_language_course": _OFFICE,
    "record_control_test": _OFFICE,
    "record_departure": _OFFICE,
    "record_studies_completed": _OFFICE,
    "record_return": _OFFICE,
    "start_work_off": _OFFICE,
    "complete_work_off": _OFFICE,
    "erase_personal_data": frozenset({Role.ADMIN}),
}


class PermissionDeniedError(DomainError):
    def __init__(self, command: str, role: Role) -> None:
        self.command = command
        self.role = role
        allowed = ", ".join(sorted(r.value for r in ALLOWED_ROLES.get(command, ())))
        super().__init__(f"role {role.value} may not {command} (allowed: {allowed or 'nobody'})")


def command_name(command: object) -> str:
    """``SubmitApplication`` (the class or an instance) -> ``submit_application``."""
    return _snake_name(command if isinstance(command, type) else type(command))


@functools.cache
def _snake_name(cls: type) -> str:  # asked for on every command: worked out once per class
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def check_allowed(command: str, role: Role) -> None:
    if role not in ALLOWED_ROLES.get(command, frozenset()):
        raise PermissionDeniedError(command, role)
