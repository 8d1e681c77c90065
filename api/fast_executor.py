"""A faster executor for plain objects: their fields are read in one pass.

It extends graphql-core's ``Executor`` through its public ``executor_class`` (graphql-core
is pinned to the tested range), and every query of the test suite also runs on the
standard executor with the answers compared (``api/pipeline.py``, ``differential``).

graphql-core resolves every field of every object through the full machinery (resolve
info, awaitable checks, completion), which dominates a page of cases with dozens of fields
each (docs/benchmarks.md). Most of our object fields are plain attributes of a dataclass: no
resolver, no arguments, a scalar, enum, object or list-of-objects type. For such a field
whose sub-selection is plain too (fields only: no fragments, directives or arguments), this
executor builds the result directly: the attribute, coerced by the field's own GraphQL type
as graphql-core does. Anything else, and every null in a non-null field, goes to the
standard path, which resolves it (and raises the proper error).
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar, NamedTuple

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    SelectionSetNode,
    is_leaf_type,
)
from graphql.execution import Executor
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema_converter import GraphQLCoreConverter

from api.scalars import iso_text

Reader = Callable[[Any], Any]
BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF


class PlainFieldsExecutor(Executor[Any]):
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if BACKREF not in (parent_type.extensions or {}):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for response_name, details in grouped_field_set.items():
                reader = _compiled_field(parent_type, details)
                value = Undefined if reader is None else reader(source_value)
                if value is Undefined:  # not plain, or a null to report: standard path
                    value = self.execute_field(
                        parent_type,
                        source_value,
                        details,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                    if value is Undefined:
                        continue
                    if self.is_awaitable(value):
                        pending.append(response_name)
                results[response_name] = value
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return self._awaited(results, pending)

    @staticmethod
    async def _awaited(results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        if len(pending) == 1:  # the usual query of one root field: no task to gather it
            results[pending[0]] = await results[pending[0]]
            return results
        values = await gather_with_cancel(*(results[name] for name in pending))
        results.update(zip(pending, values, strict=True))
        return results


class _Compiled:
    """Readers compiled per field node (documents are cached, so nodes are reused)."""

    readers: ClassVar[dict[tuple[int, int], tuple[Any, Any, Reader | None]]] = {}

    @classmethod
    def get(cls, parent_type: GraphQLObjectType, node: FieldNode) -> Reader | None:
        """The same node may be read under several types (a union's inline fragments)."""
        key = (id(parent_type), id(node))
        found = cls.readers.get(key)
        if found is not None and found[0] is parent_type and found[1] is node:
            return found[2]
        if len(cls.readers) > 20_000:
            cls.readers.clear()
        reader = _field_reader(parent_type, node)
        cls.readers[key] = (parent_type, node, reader)  # kept alive: the ids stay unique
        return reader


def _compiled_field(parent_type: GraphQLObjectType, details: Any) -> Reader | None:
    if len(details) != 1 or details[0].fragment_variable_values is not None:
        return None
    return _Compiled.get(parent_type, details[0].node)


def _field_reader(parent_type: GraphQLObjectType, node: FieldNode) -> Reader | None:
    """A reader for one selected field, or None when it needs the standard path."""
    spec = _field_spec(parent_type, node)
    return None if spec is None else _generate([spec], single=True)


def _field_spec(parent_type: GraphQLObjectType, node: FieldNode) -> _Field | None:
    key = node.alias.value if node.alias else node.name.value
    name = node.name.value
    if name == "__typename":
        return _Field(key, None, True, parent_type.name)
    graphql_field = parent_type.fields.get(name)
    if graphql_field is None or node.arguments or graphql_field.args:
        return None
    field = (graphql_field.extensions or {}).get(BACKREF)
    if field is None or field.base_resolver is not None or field.extensions:
        return None
    if getattr(field, "permission_classes", None):
        return None
    if not field.python_name.isidentifier() or keyword.iskeyword(field.python_name):
        return None
    required, kind = _unwrap(graphql_field.type)
    value = _value_writer(kind, node.selection_set)
    if value is None:
        return None
    return _Field(key, field.python_name, required, value)


class _Field(NamedTuple):
    key: str  # the response name
    attribute: str | None  # None: a constant (``__typename``); "": the source itself
    required: bool
    value: Any  # a leaf type (written inline), a Reader, or the constant


def _value_writer(kind: Any, selection: SelectionSetNode | None) -> Any:
    if is_leaf_type(kind):
        return kind
    if isinstance(kind, GraphQLObjectType) and selection is not None:
        return _object_reader(kind, selection)
    if isinstance(kind, GraphQLList):
        item_required, item_kind = _unwrap(kind.of_type)
        item = _value_writer(item_kind, selection)
        if item is None:
            return None
        if is_leaf_type(item):
            item = _generate([_Field("item", "", False, item)], single=True)
        return _list_reader(item, item_required)
    return None


def _object_reader(kind: GraphQLObjectType, selection: SelectionSetNode) -> Reader | None:
    if BACKREF not in (kind.extensions or {}):
        return None
    fields: list[_Field] = []
    for node in selection.selections:
        if not isinstance(node, FieldNode) or node.directives:
            return None  # fragments and @include/@skip: the standard path collects them
        spec = _field_spec(kind, node)
        if spec is None or any(f.key == spec.key for f in fields):
            return None
        fields.append(spec)
    return _generate(fields, single=False)


def _generate(fields: list[_Field], single: bool) -> Reader:
    """One Python function reading every field of an object: no call per field.

    Each leaf is written inline for the common Python types (as ``coerce_output_value``
    writes them) and through the type's own writer otherwise; a value that cannot be
    written here (a null in a non-null field, a value the type refuses) makes the whole
    object go to the standard path, which reports it properly."""
    namespace: dict[str, Any] = {
        "U": Undefined,
        "Enum": Enum,
        "date": date,
        "datetime": datetime,
        "isfinite": math.isfinite,
    }
    lines = ["def read(source):", "    try:"]
    for i, field in enumerate(fields):
        out = f"o{i}"
        if field.attribute is None:
            namespace[f"C{i}"] = field.value
            lines.append(f"        {out} = C{i}")
            continue
        if not field.attribute:  # a list item: the source is the value itself
            lines.append("        v = source")
        else:
            lines.append(f"        v = source.{field.attribute}")
        lines.append("        if v is None:")
        lines.append("            return U" if field.required else f"            {out} = None")
        lines.append("        else:")
        if is_leaf_type(field.value):
            namespace[f"W{i}"] = _leaf(field.value)
            lines += _inline_leaf(field.value, out, f"W{i}")
        else:
            namespace[f"R{i}"] = field.value
            lines += [
                f"            {out} = R{i}(v)",
                f"            if {out} is U:",
                "                return U",
            ]
    lines += ["    except AttributeError:", "        return U"]
    if single:
        lines.append("    return o0")
    else:
        items = ", ".join(f"{f.key!r}: o{i}" for i, f in enumerate(fields))
        lines.append(f"    return {{{items}}}")
    exec("\n".join(lines), namespace)  # generated from the schema's names only
    reader: Reader = namespace["read"]
    return reader


# scalar name -> the inline tests for values written as they are, each with its expression
_INLINE: dict[str, tuple[tuple[str, str], ...]] = {
    "String": (("v.__class__ is str", "v"),),
    "ID": (("v.__class__ is str", "v"),),
    "Boolean": (("v.__class__ is bool", "v"),),
    "Int": (("v.__class__ is int and -2147483648 <= v <= 2147483647", "v"),),
    "Float": (("v.__class__ is float and isfinite(v)", "v"),),
    # ISO text kept from a read model (api/scalars.py), or a date object
    "Date": (("v.__class__ is str", "v"), ("v.__class__ is date", "v.isoformat()")),
    "DateTime": (("v.__class__ is str", "v"), ("v.__class__ is datetime", "v.isoformat()")),
}


def _inline_leaf(leaf: Any, out: str, writer: str) -> list[str]:
    if isinstance(leaf, GraphQLEnumType):
        cases: tuple[tuple[str, str], ...] = (("isinstance(v, Enum)", "v._name_"),)
    else:  # strawberry names GraphQL enum values after the members, above
        cases = _INLINE.get(leaf.name, (("False", "v"),))
    lines = []
    for number, (test, expression) in enumerate(cases):
        lines += [
            f"            {'if' if number == 0 else 'elif'} {test}:",
            f"                {out} = {expression}",
        ]
    return [
        *lines,
        "            else:",
        f"                {out} = {writer}(v)",
        f"                if {out} is U:",
        "                    return U",
    ]


def _list_reader(item: Reader, item_required: bool) -> Reader:
    def read(values: Any) -> Any:
        if not isinstance(values, list | tuple):
            return Undefined
        out = []
        for value in values:
            written = None if value is None else item(value)
            if written is Undefined or (written is None and item_required):
                return Undefined
            out.append(written)
        return out

    return read


def _unwrap(kind: Any) -> tuple[bool, Any]:
    return (True, kind.of_type) if isinstance(kind, GraphQLNonNull) else (False, kind)


def _leaf(leaf: Any) -> Reader:
    """Writes a leaf value: the common Python types directly, the rest through the type's
    own ``coerce_output_value`` (what graphql-core calls)."""
    coerce: Callable[[Any], Any] = leaf.coerce_output_value
    direct = _DIRECT.get(leaf.name)
    enum = isinstance(leaf, GraphQLEnumType)

    def write(value: Any) -> Any:
        if direct is not None and type(value) in direct[0]:
            written = direct[1](value)
            if written is not Undefined:
                return written
        if enum and isinstance(value, Enum):
            return value.name  # strawberry names GraphQL enum values after the members
        coerced = coerce(value)
        return Undefined if coerced is Undefined or coerced is None else coerced

    return write


def _same(value: Any) -> Any:
    return value


def _int(value: int) -> Any:
    return value if -(2**31) <= value < 2**31 else Undefined  # out of range: the error path


def _float(value: float) -> Any:
    return value if math.isfinite(value) else Undefined


# scalar name -> (the Python types it is given as, how they are written)
_DIRECT: dict[str, tuple[tuple[type, ...], Callable[[Any], Any]]] = {
    "String": ((str,), _same),
    "ID": ((str,), _same),
    "Int": ((int,), _int),
    "Float": ((float,), _float),
    "Boolean": ((bool,), _same),
    "Date": ((date, str), iso_text),
    "DateTime": ((datetime, str), iso_text),
}


def plain_leaf_writer(leaf: Any) -> Reader:
    """How a leaf type writes a value on the fast path (for tests): the generated code."""
    return _generate([_Field("item", "", False, leaf)], single=True)
