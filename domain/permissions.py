"""Who may ask for which step: the roles each command's spec names (``domain/registry.py``),
the one table every entry point (API, CLI, jobs) goes through.

The NEC evaluates interviews (002 appendix 6); the Republican Commission awards or refuses
(000, 001); CIP officers do the case work; auditors only read.
"""

from __future__ import annotations

from domain.case.meta import Role
from domain.errors import DomainError
from domain.registry import REGISTRY

ALLOWED_ROLES: dict[str, frozenset[Role]] = {spec.name: spec.roles for spec in REGISTRY}

# Steps an operator takes outside the command registry (no mutation, no case of their own):
# carrying over to a campaign's quota ledger the awards stored before it was opened.
CARRY_OVER_AWARDS = "carry_over_awards"
OPERATOR_STEPS: dict[str, frozenset[Role]] = {CARRY_OVER_AWARDS: frozenset({Role.ADMIN})}
_EVERY_STEP = {**ALLOWED_ROLES, **OPERATOR_STEPS}


class PermissionDeniedError(DomainError):
    def __init__(self, command: str, role: Role) -> None:
        self.command = command
        self.role = role
        allowed = ", ".join(sorted(r.value for r in _EVERY_STEP.get(command, ())))
        super().__init__(f"role {role.value} may not {command} (allowed: {allowed or 'nobody'})")


def check_allowed(command: str, role: Role) -> None:
    if role not in _EVERY_STEP.get(command, frozenset()):
        raise PermissionDeniedError(command, role)
