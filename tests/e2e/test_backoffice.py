"""The back-office page (``/``, ``api/backoffice.py``, ``api/static/backoffice/``) in headless
Chromium against a server as ``make run`` leaves it (a demo campaign of 2023), used as a
person would: sign in, read the campaign's funnel, in all and per category (equal to the
``dashboard`` query's), open a case, move its as-of slider and open its audit export, page
the worklist; and an NEC expert's page that asks for no personal field and shows no
personal value (issue 23, section 1).

``BACKOFFICE_SCREENSHOTS=docs/backoffice`` saves a screenshot of each page there (the
README shows them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLNamedType,
    GraphQLObjectType,
    build_schema,
    get_named_type,
    parse,
    validate,
    visit,
)
from graphql.language import Visitor

from api.schema import EXPERT_SDL_FILE, office_schema
from api.types.enums import PII
from domain.case.meta import Role
from tests.e2e.conftest import (
    LiveServer,
    ServerSpec,
    make_run_server,
)
from tests.support.devtools import DevTools, browser, devtools

DEMO_TODAY = "2024-02-01"  # the campaign decided, contracts still due, interviews booked
SCREENSHOTS = os.environ.get("BACKOFFICE_SCREENSHOTS")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``make run`` on a fixed business date: db init, demo (300 applications), serve."""
    with make_run_server(tmp_path_factory.mktemp("backoffice"), DEMO_TODAY) as server:
        yield server


@pytest.fixture
def page(tmp_path: Path) -> Iterator[DevTools]:
    with browser(tmp_path) as profile, devtools(profile) as tools:
        tools.send("Runtime.enable")
        tools.send("Network.enable")
        yield tools


def graphql(server: LiveServer, role: Role, document: str, **variables: Any) -> Any:
    headers = server.bearer(role, f"{role.value}-1")
    body = {"query": document, "variables": variables}
    answer = httpx.post(server.graphql_url, json=body, headers=headers, timeout=30).json()
    assert "errors" not in answer, answer
    return answer["data"]


def sign_in(tools: DevTools, server: LiveServer, token: str) -> None:
    """Pastes the token into the sign-in form, as a person would."""
    tools.go(f"{server.base_url}/")
    tools.wait_for("!!document.querySelector('#token')", "the sign-in form did not show")
    tools.evaluate(
        f"document.querySelector('#token').value = {json.dumps(token)};"
        "document.querySelector('#signin button[type=submit]').click()"
    )


def screenshot(tools: DevTools, name: str) -> None:
    if SCREENSHOTS:
        tools.screenshot(Path(SCREENSHOTS) / f"{name}.png")


def shown_funnel(tools: DevTools) -> dict[str, int]:
    cells = tools.evaluate(
        "JSON.stringify([...document.querySelectorAll('#funnel [data-funnel]')]"
        ".map((e) => [e.dataset.funnel, Number(e.textContent)]))"
    )
    return dict(json.loads(cells))


def shown_funnels_by_category(tools: DevTools) -> dict[tuple[str, str], int]:
    cells = tools.evaluate(
        "JSON.stringify([...document.querySelectorAll('#funnel-by-category [data-funnel]')]"
        ".map((e) => [e.dataset.category, e.dataset.funnel, Number(e.textContent)]))"
    )
    return {(category, step): count for category, step, count in json.loads(cells)}


def shown_quotas(tools: DevTools, keys: tuple[str, ...]) -> dict[tuple[str, str], int | None]:
    cells = tools.evaluate(
        "JSON.stringify([...document.querySelectorAll('#places-table [data-quota]')]"
        ".map((e) => [e.dataset.category, e.dataset.quota, e.textContent]))"
    )
    return {
        (category, key): None if text == "—" else int(text)
        for category, key, text in json.loads(cells)
        if key in keys
    }


def test_an_officer_signs_in_and_sees_the_funnel_of_the_dashboard_query(
    demo_server: LiveServer, page: DevTools
) -> None:
    sign_in(page, demo_server, demo_server.token(Role.OFFICER, "officer-1"))
    page.wait_for("!!document.querySelector('#funnel')", "the funnel did not show")
    board = graphql(
        demo_server,
        Role.OFFICER,
        "{ dashboard(year: 2023) { funnel { key count }"
        " funnelByCategory { category funnel { key count } } } }",
    )["dashboard"]
    expected = {c["key"]: c["count"] for c in board["funnel"]}
    assert expected["submitted"] == 300
    assert shown_funnel(page) == expected
    by_category = {
        (f["category"], c["key"]): c["count"]
        for f in board["funnelByCategory"]
        for c in f["funnel"]
    }
    assert len(board["funnelByCategory"]) > 1
    assert shown_funnels_by_category(page) == by_category
    page.wait_for(  # the subscription's first answer arrived over the websocket
        "document.querySelector('.live').textContent.startsWith('Live')",
        "the live dashboard did not answer",
    )
    places = page.evaluate("document.querySelector('#places').textContent")
    page.wait_for("!!window.Chart && !!document.querySelector('.chart canvas')", "no chart")
    quotas = graphql(
        demo_server,
        Role.OFFICER,
        "{ quotas(year: 2023) { rulesets total { places used available returned }"
        " categories { category counts { places used available } } } }",
    )["quotas"]
    page.wait_for("!!document.querySelector('#places-table')", "no places and quotas")
    total = quotas["total"]
    assert total["used"] + total["returned"] == expected["awarded"]  # every award, held or not
    assert f"{total['used']} of 555 used" in places
    assert f"{expected['awarded']} awards, {total['returned']} places returned" in places
    expected_quotas = {("all", k): v for k, v in total.items() if k != "returned"}
    for category in quotas["categories"]:
        for k, v in category["counts"].items():
            expected_quotas[(category["category"], k)] = v
    assert shown_quotas(page, ("places", "used", "available")) == expected_quotas
    places_table = page.evaluate("document.querySelector('#places-table').textContent")
    assert "Педагоги организаций среднего" in places_table  # categories by their labels
    assert not any(c["category"] in places_table for c in quotas["categories"])
    notes = page.evaluate("document.querySelector('#quotas p').textContent")
    assert "campaign-places-2023" in notes
    screenshot(page, "campaign")


def test_the_campaign_page_follows_a_new_event_live(
    demo_server: LiveServer, page: DevTools
) -> None:
    sign_in(page, demo_server, demo_server.token(Role.OFFICER, "officer-1"))
    page.wait_for("document.querySelector('.live').textContent.startsWith('Live')", "live")
    before = shown_funnel(page).get("withdrawn", 0)
    case = graphql(
        demo_server,
        Role.OFFICER,
        "{ applications(filter: {stage: ELIGIBLE}, first: 1) { edges { node { id } } } }",
    )["applications"]["edges"][0]["node"]["id"]
    done = graphql(
        demo_server,
        Role.OFFICER,
        "mutation($id: ID!) { withdraw(input: {applicationId: $id, idempotencyKey:"
        ' "backoffice-live", reason: "the applicant withdrew"}) { __typename } }',
        id=case,
    )
    assert done["withdraw"]["__typename"] == "CaseUpdated", done
    page.wait_for(  # no reload: the subscription brought the new count
        f"Number(document.querySelector('[data-funnel=withdrawn]').textContent) === {before + 1}",
        "the funnel did not follow the withdrawal",
    )


def test_the_development_role_picker_mints_a_demo_token(
    demo_server: LiveServer, page: DevTools
) -> None:
    page.go(f"{demo_server.base_url}/")
    page.wait_for("!!document.querySelector('#demo-role')", "no role picker in development")
    screenshot(page, "sign-in")
    page.evaluate(
        "document.querySelector('#demo-role').value = 'commission';"
        "document.querySelector('#demo button').click()"
    )
    page.wait_for("!!document.querySelector('#funnel')", "the campaign did not show")
    who = page.evaluate("document.querySelector('#who').textContent")
    assert who == "commission-1 (commission)"


def test_the_token_endpoint_mints_only_a_demo_role(demo_server: LiveServer) -> None:
    url = f"{demo_server.base_url}/backoffice/token"
    assert httpx.get(url).json()["users"]["auditor-1"] == "auditor"
    minted = httpx.post(url, json={"role": "auditor"}).json()
    headers = {"Authorization": f"Bearer {minted['token']}"}
    answer = httpx.post(
        demo_server.graphql_url, json={"query": "{ rulesets { id } }"}, headers=headers
    )
    assert answer.status_code == 200
    assert answer.json()["data"]["rulesets"]
    assert httpx.post(url, json={"role": "applicant"}).status_code == 400
    form = httpx.post(url, data={"role": "admin"})  # what a cross-site form could send
    assert form.status_code == 400


@pytest.mark.parametrize("live_server", [ServerSpec(production=True)], indirect=True)
def test_production_serves_the_page_and_refuses_demo_tokens(live_server: LiveServer) -> None:
    page = httpx.get(f"{live_server.base_url}/")
    assert page.status_code == 200
    assert "Bolashak back-office" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy  # the audit export's style is let in by its hash
    script = httpx.get(f"{live_server.base_url}/static/backoffice/js/main.js")
    assert script.status_code == 200
    url = f"{live_server.base_url}/backoffice/token"
    assert httpx.get(url).status_code == 403
    refused = httpx.post(url, json={"role": "admin"})
    assert refused.status_code == 403
    assert "development mode only" in refused.json()["error"]


def test_a_case_replays_as_of_the_slider(demo_server: LiveServer, page: DevTools) -> None:
    found = graphql(
        demo_server,
        Role.OFFICER,
        "{ applications(filter: {stage: CONTRACTED}, first: 1) { edges { node { id version } } } }",
    )["applications"]["edges"][0]["node"]
    sign_in(page, demo_server, demo_server.token(Role.OFFICER, "officer-1"))
    page.wait_for("!!document.querySelector('#funnel')", "signed in")
    page.go(f"{demo_server.base_url}/#/case/{found['id']}")
    rows = "document.querySelectorAll('#timeline tbody tr').length"
    page.wait_for(f"{rows} === {found['version']}", "the whole timeline did not show")
    assert page.evaluate("document.querySelector('#timeline').textContent").count("Submitted")
    screenshot(page, "case")
    page.evaluate(
        "const s = document.querySelector('#as-of'); s.value = 3;"
        "s.dispatchEvent(new Event('input', {bubbles: true}))"
    )
    page.wait_for(f"{rows} === 3", "the slider did not replay the case as of version 3")
    shown = page.evaluate("document.querySelector('#as-of-shown').textContent")
    assert shown.startswith(f"version 3 of {found['version']}")
    history = graphql(
        demo_server,
        Role.OFFICER,
        "query($id: ID!) { caseHistory(applicationId: $id, asOfVersion: 3) { state { stage } } }",
        id=found["id"],
    )["caseHistory"]
    stage_cell = page.evaluate("document.querySelector('#state td span').title")
    assert stage_cell == history["state"]["stage"]
    page.evaluate(
        "document.querySelector('#diff-from').value = 1;"
        "document.querySelector('#diff-to').value = 3;"
        "document.querySelector('#diff-from').form.requestSubmit()"
    )
    page.wait_for("!!document.querySelector('#diff-table')", "the diff did not show")


def test_a_case_opens_its_audit_export(demo_server: LiveServer, page: DevTools) -> None:
    found = graphql(
        demo_server,
        Role.AUDITOR,
        "{ applications(filter: {stage: CONTRACTED}, first: 1) { edges { node { id version"
        " applicant { fullName } } } } }",
    )["applications"]["edges"][0]["node"]
    sign_in(page, demo_server, demo_server.token(Role.AUDITOR, "auditor-1"))
    page.wait_for("!!document.querySelector('#funnel')", "signed in")
    page.go(f"{demo_server.base_url}/#/case/{found['id']}")
    page.wait_for("!!document.querySelector('#audit-export')", "no export button")
    page.evaluate("document.querySelector('#audit-export').click()")
    opened = page.wait_for(
        "document.querySelector('#audit-export-open')?.href", "the export was not offered"
    )
    assert opened.startswith(f"blob:{demo_server.base_url}/")
    page.go(opened)
    rows = "document.querySelectorAll('#timeline tr.event').length"
    page.wait_for(f"{rows} === {found['version']}", "the export's timeline did not show")
    assert page.evaluate("document.title") == f"Case {found['id']}: audit timeline"
    heading = "getComputedStyle(document.querySelector('h2')).color"
    assert page.evaluate(heading) == "rgb(11, 83, 148)"  # its inline style was let in
    assert "intact" in page.evaluate("document.querySelector('#chain').textContent")
    assert found["applicant"]["fullName"] not in page.evaluate("document.body.innerText")


def test_the_worklist_and_the_deadlines_show_what_the_api_lists(
    demo_server: LiveServer, page: DevTools
) -> None:
    listed = graphql(
        demo_server,
        Role.OFFICER,
        "{ officerWorklist(first: 20) { edges { node { applicationId } } } }",
    )["officerWorklist"]["edges"]
    sign_in(page, demo_server, demo_server.token(Role.OFFICER, "officer-1"))
    page.wait_for("!!document.querySelector('#funnel')", "signed in")
    page.go(f"{demo_server.base_url}/#/worklist")
    rows = "document.querySelectorAll('#worklist tbody tr').length"
    page.wait_for(f"{rows} === {len(listed)}", "the worklist's first page did not show")
    screenshot(page, "worklist")
    page.go(f"{demo_server.base_url}/#/deadlines")
    page.wait_for("!!document.querySelector('#deadlines-contract')", "no contract deadlines")
    overdue = page.evaluate(
        "JSON.stringify([...document.querySelectorAll('#deadlines-egov_intake tbody tr')]"
        ".map((r) => !!r.querySelector('.overdue')))"
    )
    flags = json.loads(overdue or "[]")
    assert flags == sorted(flags, reverse=True), "overdue first"
    screenshot(page, "deadlines")


def personal_fields() -> set[tuple[str, str]]:
    """(type, field) of every field marked as personal data in the office schema, and of
    every field of the types they return (the applicant's)."""
    schema = office_schema()._schema
    found: set[tuple[str, str]] = set()
    for name, kind in schema.type_map.items():
        if not isinstance(kind, GraphQLObjectType) or name.startswith("__"):
            continue
        for field_name, field in kind.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is not None and definition.metadata.get(PII):
                found.add((name, field_name))
                inner: GraphQLNamedType = get_named_type(field.type)
                if isinstance(inner, GraphQLObjectType):
                    found.update((inner.name, f) for f in inner.fields)
    assert ("Application", "applicant") in found
    assert ("Applicant", "iin") in found
    return found


def requested_fields(document: DocumentNode) -> set[str]:
    names: set[str] = set()

    class Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            names.add(node.name.value)

    visit(document, Fields())
    return names


def sent_documents(tools: DevTools) -> list[str]:
    """The GraphQL documents of every request the page sent (HTTP and websocket)."""
    documents = []
    for event in tools.events:
        if event["method"] == "Network.requestWillBeSent":
            request = event["params"]["request"]
            if request["url"].endswith("/graphql") and request["method"] == "POST":
                documents.append(json.loads(request["postData"])["query"])
        elif event["method"] == "Network.webSocketFrameSent":
            message = json.loads(event["params"]["response"]["payloadData"])
            if message.get("type") == "subscribe":
                documents.append(message["payload"]["query"])
    return documents


def test_the_nec_queue_asks_for_no_personal_field_and_shows_no_personal_value(
    demo_server: LiveServer, page: DevTools
) -> None:
    sign_in(page, demo_server, demo_server.token(Role.EXPERT, "expert-1"))
    page.wait_for("document.querySelectorAll('#queue tbody tr').length > 0", "the queue")
    page.go(f"{demo_server.base_url}/#/campaign")  # not an expert's page: back to the queue
    page.wait_for("location.hash === '#/nec' && !!document.querySelector('#queue')", "the queue")
    screenshot(page, "nec-queue")
    page.send("Runtime.evaluate", expression="1")  # collects the events sent meanwhile
    documents = sent_documents(page)
    assert documents, "the page sent no GraphQL request"
    expert = build_schema(EXPERT_SDL_FILE.read_text(encoding="utf-8"))
    personal = {field for _, field in personal_fields()}
    for document in documents:
        parsed = parse(document)
        assert not validate(expert, parsed), document  # the expert schema has all it asks
        assert not requested_fields(parsed) & personal, document
    codes = json.loads(
        page.evaluate(
            "JSON.stringify([...document.querySelectorAll('#queue tbody tr th')]"
            ".map((c) => c.textContent))"
        )
    )
    queue = graphql(
        demo_server,
        Role.EXPERT,
        "{ interviewQueue(first: 20) { edges { node { applicationId applicantCode } } } }",
    )["interviewQueue"]["edges"]
    assert codes == [e["node"]["applicantCode"] for e in queue]
    html = page.evaluate("document.documentElement.outerHTML")
    for edge in queue:
        applicant = graphql(
            demo_server,
            Role.OFFICER,
            "query($id: ID!) { application(id: $id) { applicant"
            " { fullName iin birthDate email phone } } }",
            id=edge["node"]["applicationId"],
        )["application"]["applicant"]
        for value in applicant.values():
            assert value not in html, "a personal value in the expert's page"
