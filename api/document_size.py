"""How many fields a GraphQL document selects once its fragments are spread out.

Fragments that each spread the one before twice ("fragment bombs") make a short document
select 2**n fields; the depth and alias limits walk every spread, so they would take as long.
This count takes each fragment once (memoised, without recursion), so it is cheap even then.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def _own_fields_and_spreads(selection_set: SelectionSetNode) -> tuple[int, list[str]]:
    """Fields written in this selection (at any depth) and the fragments it spreads."""
    fields, spreads, pending = 0, [], [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                fields += 1
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                spreads.append(selection.name.value)
    return fields, spreads


def expanded_field_count(document: DocumentNode, cap: int) -> int:
    """The fields the document's operations select with every fragment spread out, counted
    up to ``cap`` (a fragment in a cycle counts as empty: validation refuses cycles)."""
    own: dict[str, tuple[int, list[str]]] = {}
    operations: list[str] = []
    for i, definition in enumerate(document.definitions):
        if isinstance(definition, FragmentDefinitionNode):
            own[definition.name.value] = _own_fields_and_spreads(definition.selection_set)
        elif isinstance(definition, OperationDefinitionNode):
            key = f" operation {i}"  # a space: no fragment can have this name
            own[key] = _own_fields_and_spreads(definition.selection_set)
            operations.append(key)
    sizes: dict[str, int] = {}
    visiting: set[str] = set()
    for start in operations:
        stack: list[tuple[str, bool]] = [(start, False)]
        while stack:
            name, children_done = stack.pop()
            if name in sizes:
                continue
            fields, spreads = own[name]
            if children_done:
                total = fields + sum(sizes.get(spread, 0) for spread in spreads)
                sizes[name] = min(total, cap)
                visiting.discard(name)
            elif name not in visiting:
                visiting.add(name)
                stack.append((name, True))
                stack += [(s, False) for s in spreads if s in own and s not in sizes]
    return min(sum(sizes[op] for op in operations), cap)
