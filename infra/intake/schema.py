"""The JSON Schema of the inbound submission (structured mode), published under
``infra/intake/schemas/`` for the eGov side, as the relay publishes its own messages'.

Derived by msgspec from the envelope below around the ``submitApplication`` command's
dataclasses (``bolashak intake schema --write`` after the command changes; a test fails
while the committed file differs). The ``data`` keys are given in snake_case (the worker
also reads camelCase, as the API's input does); optional fields stay optional.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from domain import commands as c
from infra.intake.message import MAX_ID, SPEC_VERSION, SUBMITTED_TYPE

SCHEMA_DIR = Path(__file__).parent / "schemas"
SCHEMA_FILE = SCHEMA_DIR / f"{SUBMITTED_TYPE}.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://schemas.bolashak.kz/intake/"


class ApplicationSubmitted(msgspec.Struct, forbid_unknown_fields=False):
    """An application submitted on the eGov portal, as a CloudEvent (structured mode)."""

    specversion: Literal["1.0"]
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID)]
    source: Annotated[str, msgspec.Meta(min_length=1)]
    type: Literal["kz.bolashak.intake.application_submitted.v1"]
    data: c.SubmitApplication
    # the submission's moment on the portal: its date in Astana is the business date
    time: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    subject: str | None = None


def generated() -> dict[str, Any]:
    found = msgspec.json.schema(ApplicationSubmitted)
    definitions: dict[str, Any] = found["$defs"]
    root = definitions.pop(ApplicationSubmitted.__name__)
    root.pop("title", None)
    assert root["properties"]["type"]["enum"] == [SUBMITTED_TYPE]
    assert root["properties"]["specversion"]["enum"] == [SPEC_VERSION]
    return {
        "$schema": DIALECT,
        "$id": f"{ID_BASE}{SUBMITTED_TYPE}.json",
        "title": "An application submitted on the eGov portal (CloudEvents, structured mode).",
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def render() -> str:
    return json.dumps(generated(), indent=2, ensure_ascii=False) + "\n"


def write() -> Path:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    return SCHEMA_FILE


def differs() -> bool:
    """True when the committed file is missing or no longer matches the command."""
    return not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != render()


def committed() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded
