"""docs/architecture.md's "to add X" table stays true: every file it names exists, and each
kind of thing it describes is where it says (checked on every thing of that kind there is)."""

from __future__ import annotations

import re
from pathlib import Path

from domain.case.events import EVENT_TYPES
from domain.case.process import STEPS
from domain.permissions import ALLOWED_ROLES
from domain.registry import REGISTRY
from infra.inputs import camel
from infra.relay import schemas
from infra.relay.messages import ce_type, message_kind
from infra.settings import Kafka, Settings
from tests.support.authz import PREREQUISITES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
TABLE = DOC[DOC.index("## To add X") :]


def test_every_file_the_table_names_exists() -> None:
    named = set(re.findall(r"`([\w./*<>-]+/[\w./*<>-]*)`", TABLE))
    assert len(named) > 15
    for path in named:
        if "<" in path:  # a placeholder: the folder before it exists
            path = path.split("<")[0]
        assert list(ROOT.glob(path)) or (ROOT / path).exists(), path


def test_every_command_has_its_dataclass_spec_step_and_authorization_row() -> None:
    for spec in REGISTRY:
        assert spec.command.__module__ == "domain.commands", spec.name
        assert spec.name in ALLOWED_ROLES, spec.name
        assert camel(spec.name) in PREREQUISITES, spec.name  # its authorization prerequisite
        if spec.create is None:
            assert spec.name in STEPS, spec.name  # the aggregate's process table


def test_every_event_has_its_relay_schema_file() -> None:
    files = {p.name for p in schemas.SCHEMA_DIR.glob("*.json")}
    for event_class in EVENT_TYPES:
        assert f"{ce_type(message_kind(event_class))}.json" in files, event_class.__name__


# fields read under another name than their own: the variable the README documents
VARIABLE_OF = {
    "awards_targets": "BOLASHAK_AWARDS_TARGET_",
    # the libraries' own standard variables, read with the settings
    "otel_exporter_otlp_endpoint": "OTEL_EXPORTER_OTLP_ENDPOINT",
    "prometheus_multiproc_dir": "PROMETHEUS_MULTIPROC_DIR",
}


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for model, prefix in ((Settings, "BOLASHAK_"), (Kafka, "BOLASHAK_KAFKA_")):
        for name, info in model.model_fields.items():
            variable = VARIABLE_OF.get(name) or prefix + (info.alias or name).upper()
            shortened = "_" + (info.alias or name).upper()  # rows naming a family: `/ _X`
            assert variable in readme or shortened in readme, variable
