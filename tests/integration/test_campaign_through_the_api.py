"""The campaign simulator through a server's GraphQL API (``bench/api_desk.py``, the
``write_concurrent_api`` benchmark of issue 22): every command sent as its mutation by the
user the simulated person is, every read a query to the server, the campaign's decisions
made once (``infra/simulation/campaign.py``)."""

from __future__ import annotations

from bench.api_desk import ApiDesk
from bench.api_speed import _server, serve_command, server_env
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
