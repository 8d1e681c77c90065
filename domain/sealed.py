"""Aggregates whose every event is sealed into the aggregate's own hash chain.

The case (``domain/case/state.py``) and the campaign's quota ledger
(``domain/quota/ledger.py``) record their events the same way: made with the next
version, sealed onto the aggregate's last chain hash (``domain/case/chain.py``), applied,
and kept as pending until the store saves them. ``bolashak audit verify`` checks both
kinds of chain alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from domain.case import chain


class SealedAggregate(Aggregate):
    """Records events sealed into the chain whose head is ``chain_head`` (set by each
    event's ``apply``)."""

    if TYPE_CHECKING:  # for the type checker only: the library would make it a field
        chain_head: str

    @classmethod
    def _create(
        cls,
        event_class: type[CanInitAggregate[UUID]],
        *,
        id: UUID | None = None,
        **kwargs: Any,
    ) -> Self:
        make: Any = event_class  # the library's event classes take these keywords
        created = make(
            originator_topic=get_topic(cls),
            originator_id=id,
            originator_version=cls.INITIAL_VERSION,
            timestamp=event_class.create_timestamp(),
            **kwargs,
        )
        chain.seal(created, chain.GENESIS)
        aggregate: Self = created.mutate(None)
        aggregate.pending_events.append(created)
        return aggregate

    def _shallow_copy(self) -> Self:
        """A new aggregate sharing this one's attribute values (``copy.copy``'s result,
        without its reduce protocol: a fifth of the cost), for ``__deepcopy__`` to copy the
        mutable ones of."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        return clone

    def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
        make: Any = event_class
        event = make(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=event_class.create_timestamp(),
            **kwargs,
        )
        chain.seal(event, self.chain_head)
        event.mutate(self)
        self.pending_events.append(event)
