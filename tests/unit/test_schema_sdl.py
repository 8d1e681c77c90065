"""The exported SDL (api/schema.graphql, api/schema.expert.graphql) is the code's schema.

After changing the API, run ``bolashak schema export`` and commit the SDL files: clients
and reviewers read them.
"""

from __future__ import annotations

from api.schema import EXPERT_SDL_FILE, SDL_FILE, expert_schema, office_schema, sdl


def test_the_office_sdl_file_matches_the_code() -> None:
    assert SDL_FILE.read_text(encoding="utf-8") == sdl(office_schema()), (
        "api/schema.graphql is stale: run `bolashak schema export`"
    )


def test_the_expert_sdl_file_matches_the_code() -> None:
    assert EXPERT_SDL_FILE.read_text(encoding="utf-8") == sdl(expert_schema()), (
        "api/schema.expert.graphql is stale: run `bolashak schema export`"
    )


def test_the_expert_schema_has_no_field_for_personal_data() -> None:
    text = sdl(expert_schema()).lower()
    for word in ("fullname", "iin", "birthdate", "email", "phone", "applicant:"):
        assert word not in text, word
