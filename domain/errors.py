"""Domain errors. Every refusal names what was wrong and which rule refused it."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    """One field that broke one rule, e.g. ``applicant.iin`` / ``iin_check_digit``."""

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.rule}]"


class InvalidInputError(DomainError):
    """A command's input broke one or more validation rules; nothing was stored."""

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def single(cls, field: str, rule: str, message: str) -> InvalidInputError:
        return cls([FieldError(field, rule, message)])


class TransitionRefusedError(DomainError):
    """The case's current stage does not allow this step (the process forbids it)."""

    def __init__(self, command: str, stage: str, rule: str, message: str) -> None:
        self.command = command
        self.stage = stage
        self.rule = rule
        super().__init__(f"{command} refused in stage {stage}: {message} [{rule}]")


class ApplicationNotFoundError(DomainError):
    def __init__(self, application_id: object) -> None:
        self.application_id = application_id
        super().__init__(f"application {application_id} not found")


class IdempotencyKeyReusedError(DomainError):
    """The same idempotency key was sent before with a different command."""

    def __init__(self, key: str, first_command: str) -> None:
        self.key = key
        self.first_command = first_command
        super().__init__(
            f"idempotency key {key!r} was already used for a different command"
            f" ({first_command}); send a new key for a new command"
        )


class ConcurrencyConflictError(DomainError):
    """Another writer changed the case at the same time, and retries ran out."""

    def __init__(self, application_id: object, attempts: int) -> None:
        self.application_id = application_id
        super().__init__(
            f"application {application_id} was changed concurrently;"
            f" gave up after {attempts} attempts, retry the command"
        )
