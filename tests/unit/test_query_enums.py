"""The query arguments that take one of a fixed set of values are GraphQL enums (sort
orders, deadline kinds and states, worklist items, event types, audit export formats), each
member's value the read model's own string, so a bad value is a validation error, not an
empty list (issue 20, section 3)."""

from __future__ import annotations

from enum import Enum

import pytest
from graphql import parse, validate

from api.pipeline import GraphQLPipeline, Limits, RefusedDocumentError
from api.schema import office_schema
from api.types.enums import AuditExportFormat, CaseSort, DeadlineKind, EventType, WorklistItemKind
from domain.case.events import CaseEvent
from infra.audit.export import FORMATS
from projections.deadlines import KINDS
from projections.officer_worklist import ITEMS
from projections.queries import CASE_SORTS

pytestmark = pytest.mark.unit


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found))


def test_each_enum_holds_every_value_of_its_read_model_and_no_other() -> None:
    assert [s.value for s in CaseSort] == list(CASE_SORTS)
    assert [k.value for k in DeadlineKind] == list(KINDS)
    assert [i.value for i in WorklistItemKind] == list(ITEMS)
    assert {e.value for e in EventType} == {c.__name__ for c in _subclasses(CaseEvent)}
    assert {f.value for f in AuditExportFormat} == set(FORMATS)


@pytest.mark.parametrize(
    ("document", "enum"),
    [
        ('{ applications(sort: "iin") { edges { cursor } } }', "CaseSort"),
        ("{ deadlines(kind: NOPE) { edges { cursor } } }", "DeadlineKind"),
        ('{ deadlines(kind: "contract") { edges { cursor } } }', "DeadlineKind"),
        ("{ deadlines(state: SHUT) { edges { cursor } } }", "DeadlineState"),
        ("{ officerWorklist(item: TODO) { edges { cursor } } }", "WorklistItemKind"),
        ("{ auditTrail(filter: {eventType: Sent}) { edges { cursor } } }", "EventType"),
        ('{ auditExport(applicationId: "x", format: PDF) }', "AuditExportFormat"),
    ],
)
def test_a_bad_value_is_a_validation_error_naming_the_enum(document: str, enum: str) -> None:
    errors = validate(office_schema()._schema, parse(document))
    assert len(errors) == 1
    assert f"'{enum}'" in errors[0].message


@pytest.mark.parametrize(
    ("document", "variables", "allowed"),
    [
        ("{ deadlines(kind: NOPE) { edges { cursor } } }", None, DeadlineKind),
        ('{ applications(sort: "iin") { edges { cursor } } }', None, CaseSort),
        (
            "query($k: WorklistItemKind) { officerWorklist(item: $k) { edges { cursor } } }",
            {"k": "todo"},
            WorklistItemKind,
        ),
    ],
)
def test_the_answer_to_a_bad_value_names_every_allowed_value(
    document: str, variables: dict[str, str] | None, allowed: type[Enum]
) -> None:
    pipeline = GraphQLPipeline(Limits(), production=False)

    def checked() -> None:
        pipeline.coerce_variables(pipeline.prepare(document, None, expert=False), variables)

    with pytest.raises(RefusedDocumentError) as refused:
        checked()
    message = refused.value.errors[0]["message"]
    assert message.endswith(f"Allowed values: {', '.join(m.name for m in allowed)}.")
