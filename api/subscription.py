"""Subscriptions (graphql-transport-ws): a case's events, and the dashboard as it changes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from functools import partial
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.auth import AuthError
from api.context import Context
from api.errors import not_authorised, unavailable
from api.query import parse_id
from api.types.history import EventRecord
from api.types.reports import Dashboard
from api.users import RECHECK_SECONDS, DirectoryUnavailableError
from api.watch import LogWatcher
from domain.case.events import CaseEvent, erasure_applied
from infra.case_store import CaseService
from projections import queries as q

Ctx = Info[Context, None]
DASHBOARD_POLL_SECONDS = 1.0  # the read model moves by itself: poll it, cheaply


def watcher(info: Ctx) -> LogWatcher:
    found: LogWatcher = info.context.services.watcher
    return found


async def still_admitted(info: Ctx) -> None:
    """The subscriber checked again, as every HTTP request is: its token not expired, its
    user still active and holding the token's role (the directory's answer is remembered
    for RECHECK_SECONDS). A refusal ends the subscription with an error saying why (a user
    disabled while subscribed gets no further message); the directory out of reach ends it
    as retryable."""
    try:
        await info.context.services.admit(info.context.authorization)
    except AuthError as e:
        raise not_authorised(str(e)) from None
    except DirectoryUnavailableError:
        raise unavailable() from None


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every new event of one case, as it is stored.")
    async def case_events(
        self, info: Ctx, application_id: strawberry.ID
    ) -> AsyncGenerator[EventRecord, None]:
        case_id = parse_id(application_id, "applicationId")
        service, watch = info.context.services.service, watcher(info)
        seen = watch.head  # before reading the version: no event falls in between
        version = await info.context.services.command(lambda: _current_version(service, case_id))
        while True:
            try:  # checked again at least every RECHECK_SECONDS, events or not
                seen = await asyncio.wait_for(watch.next_change(seen), RECHECK_SECONDS)
            except TimeoutError:
                await still_admitted(info)
                continue
            events = await info.context.services.command(
                partial(_events_after, service, case_id, version)
            )
            for event in events:
                await still_admitted(info)
                version = event.originator_version
                yield EventRecord.from_event(event)

    @strawberry.subscription(description="The dashboard of a campaign year, whenever it changes.")
    async def dashboard_updates(
        self, info: Ctx, year: int, window: int | None = None
    ) -> AsyncGenerator[Dashboard, None]:
        services = info.context.services
        target = services.settings.awards_target(year)
        last: q.Dashboard | None = None
        while True:
            await still_admitted(info)
            board = await services.views.run(lambda db: q.dashboard(db, year, window, target))
            if board != last:
                last = board
                yield Dashboard.from_data(board)
            await asyncio.sleep(DASHBOARD_POLL_SECONDS)


def _events_after(service: CaseService, case_id: UUID, version: int) -> list[CaseEvent]:
    """The case's events after ``version``; a submission read together with its erasure
    shows no identity (this process may have cached the key before it was destroyed)."""
    return erasure_applied(service.events.get(case_id, gt=version))  # type: ignore[arg-type]


def _current_version(service: CaseService, case_id: UUID) -> int:
    last = list(service.events.get(case_id, desc=True, limit=1))
    return last[0].originator_version if last else 0
