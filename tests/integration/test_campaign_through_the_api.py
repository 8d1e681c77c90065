"""The campaign simulator through a server's GraphQL API (``bench/api_desk.py``, the
``write_concurrent_api`` benchmark of issue 22): every command sent as its mutation by the
user the simulated person is, every read a query to the server, the campaign's decisions
made once (``infra/simulation/campaign.py``)."""

from __future__ import annotations

from bench.api_desk import ApiDesk
from bench.api_speed import _server, serve_command, server_env
from bench.campaign_scripts import record_campaign, replay_steps
from domain.clock import FixedClock
from infra.container import build_service
from infra.settings import PII_MASTER_KEY, Settings
from infra.simulation.campaign import CampaignSummary, simulate_campaign
from tests.conftest import TEST_PII_MASTER_KEY
from tests.support.api import TODAY

CASES = 40


def test_the_campaign_through_the_api_makes_the_cases_the_command_service_makes(
    fresh_postgres: Settings,
) -> None:
    """The same cases, stages and events from concurrent clients of a server of two
    processes as from the command service of this process: the documents presented
    later and the language courses decided alike."""
    here, _ = _in_process({})
    there = _through_the_api(fresh_postgres, {}, clients=4)
    assert here.by_stage["working_off"] > 0  # the lifecycles reach the scholars' end
    assert there == here


def test_the_commission_through_the_api_awards_within_the_campaigns_places(
    fresh_postgres: Settings,
) -> None:
    """With five places (by the setting; 555 in 2023, 001 line 36), the commission reads
    the places left from the server and refuses once they are used, as in-process: no
    award refused by the quota ledger. (One client: which cases the places go to depends
    on the order the awards come in.)"""
    places = {"BOLASHAK_AWARDS_TARGET_2023": "5"}
    here, used = _in_process(places)
    there = _through_the_api(fresh_postgres, places, clients=1)
    assert used == 5  # the places were all used
    assert not here.refusals
    assert there == here


def test_the_recorded_campaign_sent_as_mutations_stores_every_recorded_event(
    fresh_postgres: Settings,
) -> None:
    """The API line's clients send the campaign's recorded commands as their mutations
    (``bench/write_concurrent_api.py``): from 4 clients, every case goes as far as it went
    in the recording, and the server stores every event the recording holds."""
    recording = record_campaign(CASES, seed=11, today=TODAY)
    served = {**server_env(fresh_postgres), PII_MASTER_KEY: TEST_PII_MASTER_KEY}
    with _server(serve_command(2), served) as port:
        desk = ApiDesk(f"http://127.0.0.1:{port}/graphql", fresh_postgres)
        try:
            scripts = [[desk.mutation_of(*step) for step in s] for s in recording.scripts]
            replayed = replay_steps(scripts, desk.carry_out, writers=4)
        finally:
            desk.close()
    assert replayed.refused == 0
    assert replayed.events == recording.events > CASES * 3
    assert len(replayed.command_ms) == sum(len(s) for s in recording.scripts)
    stored = build_service(fresh_postgres, clock=FixedClock(TODAY))
    try:
        log = stored.recorder.select_notifications(start=1, limit=1_000_000)
        assert len([n for n in log if ".case.events:" in n.topic]) == recording.events
    finally:
        stored.close()


def _in_process(env: dict[str, str]) -> tuple[CampaignSummary, int]:
    """The campaign through the command service of this process, and the places it used."""
    memory = Settings.from_env({"BOLASHAK_DATABASE_URL": "memory:", **env})
    service = build_service(memory.replaying_history(), clock=FixedClock(TODAY))
    try:
        summary = simulate_campaign(service, CASES, seed=11, today=TODAY)
        ledger = service.stored_ledger(2023)
        return summary, ledger.used if ledger else 0
    finally:
        service.close()


def _through_the_api(settings: Settings, env: dict[str, str], clients: int) -> CampaignSummary:
    served = {**server_env(settings), PII_MASTER_KEY: TEST_PII_MASTER_KEY, **env}
    with _server(serve_command(2), served) as port:
        desk = ApiDesk(f"http://127.0.0.1:{port}/graphql", settings)
        try:
            return simulate_campaign(desk, CASES, seed=11, today=TODAY, workers=clients)
        finally:
            desk.close()
