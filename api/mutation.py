"""Mutations: one per command of the domain, each taking an idempotency key and returning
the updated case or a typed error. Generated from the registry (``domain/registry.py``):
the command's name, input type and description."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api import commands
from api.context import Context
from api.inputs import input_for
from api.types.results import CommandResult, SheetResult
from domain.case.meta import Role
from domain.registry import REGISTRY, CommandSpec
from infra.inputs import camel


def _mutation(spec: CommandSpec[Any], result: Any, *, anonymous: bool = False) -> Any:
    command: type = spec.command
    input_type = input_for(command)

    async def resolve(info: Info[Context, None], input: Any) -> Any:
        return await commands.run(info.context, command, input, anonymous=anonymous)

    resolve.__annotations__ = {"info": Info[Context, None], "input": input_type, "return": result}
    return strawberry.mutation(resolve, name=camel(spec.name), description=spec.description)


def office_mutation() -> type:
    fields = {spec.name: _mutation(spec, CommandResult) for spec in REGISTRY}
    return strawberry.type(type("Mutation", (), fields))


def expert_mutation() -> type:
    """The NEC's commands only, each answered with the sheet's result (no case data)."""
    fields = {
        spec.name: _mutation(spec, SheetResult, anonymous=True)
        for spec in REGISTRY
        if Role.EXPERT in spec.roles
    }
    return strawberry.type(type("Mutation", (), fields))
