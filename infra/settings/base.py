"""What every group of settings shares: the ``BOLASHAK_`` prefix, the environment read
through pydantic-settings, and refusals that name the variable and the rule."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from typing_extensions import override

PREFIX = "BOLASHAK_"
Count = Annotated[int, Field(ge=0)]  # a variable's rule: a whole number, 0 or more
AtLeastOne = Annotated[int, Field(ge=1)]


class SettingsError(ValueError):
    """A setting has a value the system cannot use; the message names the setting."""


class _Environ(EnvSettingsSource):
    """pydantic-settings' environment source, over a given mapping rather than always the
    process environment (as its own ``.env`` file source reads a file)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items() if v.strip()}


class FromEnv(BaseSettings):
    """A group of settings read by ``from_env``: never from the environment behind the
    caller's back (``Settings()`` alone is the defaults)."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, populate_by_name=True
    )

    @classmethod
    @override
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The settings of ``environ`` (the process environment by default); a bad value
        is refused with a ``SettingsError`` naming its variable and the rule."""
        env = os.environ if environ is None else environ
        try:
            return cls(**cls._read(env))
        except ValidationError as e:
            prefix = cls.model_config.get("env_prefix", PREFIX)
            raise SettingsError("; ".join(_refusal(d, prefix) for d in e.errors())) from None

    @classmethod
    def _read(cls, environ: Mapping[str, str]) -> dict[str, Any]:
        """The fields' values found in ``environ``, by each field's variable."""
        return _Environ(cls, environ)()


def _refusal(error: ErrorDetails, prefix: str) -> str:
    """A pydantic error as a setting's refusal: the variable, then the rule (never the value
    of a secret: their rules are checked by their own validators, whose messages omit it)."""
    where = str(error["loc"][0]) if error["loc"] else ""
    variable = where if where.upper().startswith(PREFIX) else f"{prefix}{where.upper()}"
    ctx, given = error.get("ctx", {}), error.get("input")
    rules = {
        "int_parsing": f"must be a whole number, got {given!r}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}, got {given}",
        "date_from_datetime_parsing": f"must be a date like 2031-01-01, got {given!r}",
        "date_parsing": f"must be a date like 2031-01-01, got {given!r}",
        "literal_error": f"must be {ctx.get('expected')}, got {given!r}",
    }
    rule = rules.get(error["type"]) or str(ctx.get("error", error["msg"]))
    if rule.startswith(PREFIX) or not where:
        return rule  # the validator named the setting(s) itself
    return f"{variable} {rule}" if rule.startswith("must") else f"{variable}: {rule}"


def pass_to_child_processes(name: str, value: str) -> None:
    """Sets ``name`` in this process's environment for the processes it starts (a
    library's own variable that its children read on import, e.g. prometheus-client's
    folder for the server's processes): written beside where the environment is read."""
    os.environ[name] = value
