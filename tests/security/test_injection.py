"""Every string argument of every query is a parameter, never SQL: injection payloads
return no extra rows, wildcards match literally, errors are the client's (never a 500),
and every table is still there afterwards. On SQLite and on PostgreSQL.

The string arguments are read from the office schema itself (``STRING_ARGUMENTS``): a new
one fails ``test_every_string_argument_of_every_query_is_probed`` until it has a probe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLSchema, get_named_type

from api.schema import expert_schema, office_schema
from domain import commands as c
from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.programme import Category
from infra.container import build_service, view_database
from infra.settings import Settings
from projections.queries import encode_cursor
from tests.conftest import FAR_FUTURE
from tests.integration.conftest import store_of_its_own
from tests.support import builders as b
from tests.support.api import Api, api_for
from tests.support.journey import Journey
from tests.support.read_models import catch_up

pytestmark = pytest.mark.integration

PAYLOADS = (
    "' OR '1'='1",
    "' OR 1=1 --",
    "1' OR '1'='1' /*",
    '" OR "1"="1',
    "')) OR ((1=1",
    "'; DROP TABLE case_list; --",
    "'; DROP TABLE audit_trail; DROP TABLE api_users; --",
    "%",
    "_",
    "%%",
    "!%",
    "*",
    "[a-z]%",
    "\\",
    "\\'",
    "\x00",
    "GB\x00' OR '1'='1",
    "\u2019 OR \u20191\u2019=\u20191",  # typographic quotes
    "\u02bc OR 1=1 --",  # modifier letter apostrophe
    "\uff07 OR 1=1 --",  # fullwidth apostrophe
    "$.applicant.iin",
    "$[*]",
    '{"$ne": null}',
    "x" * 10_000,
)


@dataclass(frozen=True)
class Probe:
    """A query with the argument as ``$v``; where its rows are in the answer; and, for a
    filter or a lookup, the legitimate value that finds rows (``None``: a cursor, where
    any page of the real rows is a fair answer)."""

    document: str
    path: tuple[str, ...]
    legit: str | None = None

    def rows(self, data: Any) -> list[Any]:
        """The rows of the answer (a page's edges, a list, or one object or none)."""
        found = None if data is None else data[self.path[0]]
        if isinstance(found, dict) and "edges" in found:
            found = found["edges"]
        if found is None:
            return []
        return found if isinstance(found, list) else [found]


def _page(field: str, args: str, node: str, kind: str = "String") -> Probe:
    edges = f"edges {{ node {{ {node} }} }}"
    return Probe(f"query Q($v: {kind}) {{ {field}(first: 100, {args}) {{ {edges} }} }}", (field,))


# Legit values are filled in from the stored cases (``legit_values``).
# Sort orders, deadline kinds and states, worklist items, ruleset kinds and event types are
# enums: a value that is not one of them is refused by validation, before any SQL.
PROBES: dict[str, Probe] = {
    "interviewQueue.after": _page("interviewQueue", "after: $v", "applicationId"),
    "ruleset.id": Probe("query Q($v: ID!) { ruleset(id: $v) { id } }", ("ruleset",)),
    "application.id": Probe("query Q($v: ID!) { application(id: $v) { id } }", ("application",)),
    "applications.after": _page("applications", "after: $v", "id"),
    "applications.filter.country": _page("applications", "filter: {country: $v}", "id"),
    "applications.filter.institution": _page("applications", "filter: {institution: $v}", "id"),
    "applications.filter.specialty": _page("applications", "filter: {specialty: $v}", "id"),
    "applications.filter.code": _page("applications", "filter: {code: $v}", "id"),
    "deadlines.after": _page("deadlines", "after: $v", "applicationId kind"),
    "officerWorklist.after": _page("officerWorklist", "after: $v", "applicationId item"),
    "auditTrail.filter.applicationId": _page(
        "auditTrail", "filter: {applicationId: $v}", "position", "ID"
    ),
    "auditTrail.filter.actorId": _page("auditTrail", "filter: {actorId: $v}", "position"),
    "auditTrail.after": _page("auditTrail", "after: $v", "position"),
    "caseHistory.applicationId": Probe(
        "query Q($v: ID!) { caseHistory(applicationId: $v) { events { type } } }",
        ("caseHistory",),
    ),
    "auditExport.applicationId": Probe(
        "query Q($v: ID!) { auditExport(applicationId: $v, format: JSON) }", ("auditExport",)
    ),
}
CURSORS = {name for name in PROBES if name.endswith(".after")}
# Subscriptions (over the websocket): the document, and the legitimate value.
SOCKET_PROBES: dict[str, str] = {
    "caseEvents.applicationId": "subscription S($v: ID!) { caseEvents(applicationId: $v) {"
    " type } }",
}


def string_arguments(schema: GraphQLSchema) -> set[str]:
    """``field.argument`` (and ``field.argument.inputField``...) of every String or ID
    argument of the schema's queries, however deep in input objects."""
    found: set[str] = set()

    def visit(path: str, kind: Any) -> None:
        named = get_named_type(kind)
        if named.name in ("String", "ID"):
            found.add(path)
        elif isinstance(named, GraphQLInputObjectType):
            for name, input_field in named.fields.items():
                visit(f"{path}.{name}", input_field.type)

    for root in (schema.query_type, schema.subscription_type):
        for field_name, field in (root.fields if root else {}).items():
            for arg_name, arg in field.args.items():
                visit(f"{field_name}.{arg_name}", arg.type)
    return found


def test_every_string_argument_of_every_query_is_probed() -> None:
    office = string_arguments(office_schema()._schema)
    probed = set(PROBES) | set(SOCKET_PROBES)
    assert office == probed, "add a probe to PROBES or SOCKET_PROBES for each string argument"
    assert string_arguments(expert_schema()._schema) <= office


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A store of its own on each backend: cases at several stages, read models caught up."""
    with store_of_its_own(request.param, "injection", tmp_path_factory) as settings:
        with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
            for stage in (Stage.SUBMITTED, Stage.INTERVIEW_BOOKED, Stage.AWARDED, Stage.AWARDED):
                Journey(service).to(stage)
            referred = Journey(
                service, b.submission(plan=b.plan(country="AR", category=Category.GENERAL))
            )
            referred.to(Stage.SUBMITTED)  # no threshold row: an officer's review waits
            referred.send(c.AssessEligibility(referred.id), date(2023, 4, 25))
        catch_up(settings)
        yield settings


def legit_values(api: Api) -> dict[str, str]:
    """A value of each filter and lookup that finds rows in the store."""
    case = api.data(
        "query { applications(first: 1, filter: {stage: AWARDED}) { edges { node {"
        " id applicantCode country institution specialty } } } }"
    )["applications"]["edges"][0]["node"]
    entry = api.data("query { auditTrail(first: 1) { edges { node { actorId eventType } } } }")
    audit = entry["auditTrail"]["edges"][0]["node"]
    ruleset = api.data("query { rulesets { id kind } }")["rulesets"][0]
    return {
        "ruleset.id": ruleset["id"],
        "application.id": case["id"],
        "applications.filter.country": case["country"],
        "applications.filter.institution": case["institution"],
        "applications.filter.specialty": case["specialty"],
        "applications.filter.code": case["applicantCode"],
        "auditTrail.filter.applicationId": case["id"],
        "auditTrail.filter.actorId": audit["actorId"],
        "caseHistory.applicationId": case["id"],
        "auditExport.applicationId": case["id"],
    }


def tables(settings: Settings) -> dict[str, int]:
    """Every table of the database, with its row count."""
    with closing(view_database(settings)) as db:
        listing = (
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            if db.dialect == "postgres"
            else "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
        names = [str(r[0]) for r in db.query(listing)]
        return {name: int(db.query(f'SELECT COUNT(*) FROM "{name}"')[0][0]) for name in names}


def tried_values(name: str, legit: str | None) -> list[str]:
    """The payloads, alone and after the legitimate value, and the legitimate value with
    its first character as a one-character wildcard or its end as a many-character one."""
    found = list(PAYLOADS)
    if legit is not None:
        found += [legit + p for p in PAYLOADS[:8]]
        found += ["_" + legit[1:], legit[:-1] + "%", legit[: len(legit) // 2] + "%", legit + "%"]
    if name in CURSORS:  # well-formed cursors carrying the payloads
        found += [encode_cursor(p, p) for p in PAYLOADS] + [encode_cursor(1, p) for p in PAYLOADS]
    return found


def test_injection_payloads_in_every_string_argument_find_nothing_more(store: Settings) -> None:
    problems: list[str] = []
    tried = 0
    with api_for(store, clock_day=FAR_FUTURE) as api:
        legit = legit_values(api)
        before = tables(store)
        everything: dict[str, set[str]] = {}
        for name, probe in PROBES.items():
            value = legit.get(name)
            if value is not None:  # the control: the legitimate value finds rows
                body = api.post(probe.document, {"v": value}, role=Role.ADMIN).json()
                if "errors" in body or not probe.rows(body["data"]):
                    problems.append(f"{name}: the legitimate {value!r} found nothing: {body}")
            else:  # a cursor: every row there is, for comparison
                body = api.post(probe.document, {"v": None}, role=Role.ADMIN).json()
                everything[name] = {repr(r) for r in probe.rows(body["data"])}
            for sent in tried_values(name, value):
                tried += 1
                response = api.post(probe.document, {"v": sent}, role=Role.ADMIN)
                problem = _refused_or_nothing_more(name, probe, response, everything.get(name))
                if problem:
                    problems.append(f"{name} = {sent[:60]!r}: {problem}")
    after = tables(store)
    by_argument = Counter(p.split(" = ")[0] for p in problems)
    assert not problems, f"{len(problems)} of {tried} requests {dict(by_argument)}:\n" + "\n".join(
        problems[:40]
    )
    assert after == before, "a table was dropped or changed"
    assert tried > 500


def _refused_or_nothing_more(
    name: str, probe: Probe, response: Any, every_row: set[str] | None
) -> str | None:
    """None when the answer is a client error naming the argument, or rows it may give
    (none for a filter or lookup; a page of the real rows for a cursor)."""
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    body = response.json()
    if body.get("errors"):
        argument = name.split(".", 1)[1]
        named = [
            e
            for e in body["errors"]
            if (e.get("extensions") or {}).get("code") == "BAD_USER_INPUT"
            and e["message"].startswith((argument, argument.split(".")[-1]))
        ]
        if len(named) != len(body["errors"]) or probe.rows(body.get("data")):
            return f"not a client error naming {argument!r}: {body}"
        return None
    rows = probe.rows(body["data"])
    if every_row is None:
        return f"found {len(rows)} rows: {rows[:3]}" if rows else None
    extra = {repr(r) for r in rows} - every_row
    return f"rows that do not exist: {sorted(extra)[:3]}" if extra else None


def test_injection_payloads_in_every_string_argument_of_a_subscription_are_refused(
    sqlite_settings: Settings,
) -> None:
    """A subscription has no rows to compare: a payload must be refused as a client error
    naming the argument, before anything is watched."""
    problems: list[str] = []
    with (
        api_for(sqlite_settings) as api,
        api.client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        token = api.token(Role.ADMIN)
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        for name, document in SOCKET_PROBES.items():
            argument = name.split(".", 1)[1]
            for n, sent in enumerate(PAYLOADS):
                payload = {"query": document, "variables": {"v": sent}}
                ws.send_json({"id": str(n), "type": "subscribe", "payload": payload})
                answers = _until_the_end(ws)
                errors = [
                    ((e.get("extensions") or {}).get("code"), e["message"].split(":")[0])
                    for a in answers
                    for e in (a.get("payload") or {}).get("errors", [])
                ]
                if errors != [("BAD_USER_INPUT", argument)]:
                    problems.append(f"{name} = {sent[:60]!r}: {answers}")
    assert not problems, "\n".join(problems)


def _until_the_end(ws: Any) -> list[dict[str, Any]]:
    """A subscription's messages up to its ``complete`` (an ``error`` message's payload
    is put as ``{"errors": [...]}``, like a ``next``'s)."""
    answers: list[dict[str, Any]] = []
    while True:
        answer = ws.receive_json()
        if answer["type"] == "error":
            answer = {**answer, "payload": {"errors": answer["payload"]}}
        answers.append(answer)
        if answer["type"] in ("complete", "error"):
            return answers
