"""Mutations: one per command of the domain, each taking an idempotency key and returning
the updated case or a typed error. Generated from the registry (``domain/registry.py``):
the command's name, input type and description.

Each mutation's resolver is declared to strawberry (its signature makes the schema: the
input type, the result) and run by graphql-core with the input as graphql-core coerced it
(``take_raw_inputs``): a dict of the variables' values, checked against the input type, its
keys camelCase. ``api/commands.py`` builds the command from that dict with msgspec
(``infra/inputs.py``). Strawberry would first turn the dict into its input classes, which
``plain`` then turned back into a dict: about a tenth of a server's time on a mutation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import strawberry
from graphql import GraphQLResolveInfo, GraphQLSchema
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from api import commands
from api.context import Context
from api.inputs import input_for
from api.types.results import CommandResult, SheetResult
from domain.case.meta import Role
from domain.registry import REGISTRY, CommandSpec
from infra.inputs import camel

Resolver = Callable[[Any, dict[str, Any]], Awaitable[Any]]


def _mutation(spec: CommandSpec[Any], result: Any, *, anonymous: bool = False) -> Any:
    command: type = spec.command
    input_type = input_for(command)

    async def resolve(info: Info[Context, None], input: Any) -> Any:
        """``input``: the coerced input's dict (``take_raw_inputs``), not ``input_type``."""
        return await commands.run(info.context, command, input, anonymous=anonymous)

    resolve.__annotations__ = {"info": Info[Context, None], "input": input_type, "return": result}
    return strawberry.mutation(resolve, name=camel(spec.name), description=spec.description)


def take_raw_inputs(schema: strawberry.Schema) -> strawberry.Schema:
    """Runs each mutation's resolver on graphql-core's coerced input, skipping strawberry's
    conversion into input classes (see the module's docstring). The resolver reads only
    ``info.context``, which graphql-core's ``info`` carries as strawberry's does."""
    core: GraphQLSchema = schema._schema
    assert core.mutation_type is not None
    definition = schema.get_type_by_name(core.mutation_type.name)
    assert isinstance(definition, StrawberryObjectDefinition)
    declared = {schema.config.name_converter.from_field(f): f for f in definition.fields}
    for name, field in core.mutation_type.fields.items():
        resolver = declared[name].base_resolver
        assert resolver is not None
        field.resolve = _on_raw_input(cast(Resolver, resolver.wrapped_func))
    return schema


def _on_raw_input(resolver: Resolver) -> Callable[..., Awaitable[Any]]:
    def resolve(
        _root: Any, info: GraphQLResolveInfo[Context], input: dict[str, Any]
    ) -> Awaitable[Any]:
        return resolver(info, input)

    return resolve


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
