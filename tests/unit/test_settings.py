"""Settings: one variable chooses the store; the library's settings are mapped in one place."""

from __future__ import annotations

import ast
import base64
from datetime import date
from pathlib import Path

import pytest

from infra.case_store import CaseEvents, CaseService
from infra.container import jwt_secret
from infra.settings import PII_DEV_KEY_FILE, Database, Settings, SettingsError
from tests.conftest import TEST_PII_MASTER_KEY


def test_default_store_is_a_sqlite_file_under_var() -> None:
    settings = Settings.from_env({})
    assert (settings.database.kind, settings.database.path) == ("sqlite", "var/bolashak.db")


def test_postgres_url_is_split_into_the_librarys_settings() -> None:
    db = Database.parse("postgresql://cip:s%40cret@db.local:6543/cases")
    assert (db.kind, db.user, db.password, db.host, db.port, db.dbname) == (
        "postgres",
        "cip",
        "s@cret",
        "db.local",
        6543,
        "cases",
    )
    assert "s@cret" not in db.redacted()


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://relative", "postgresql://host-only"])
def test_an_unusable_database_url_is_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(SettingsError, match="BOLASHAK_DATABASE_URL"):
        Database.parse(url)


def test_a_bad_number_is_refused_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="BOLASHAK_POOL_SIZE"):
        Settings.from_env({"BOLASHAK_POOL_SIZE": "many"})


def test_a_server_process_reads_through_two_connections_unless_set() -> None:
    """Two query threads per server process: more only contend for the interpreter (and the
    database's cores) on a GIL-bound server; docs/benchmarks.md has the measurement."""
    assert Settings.from_env({}).read_connections == 2
    assert Settings.from_env({"BOLASHAK_READ_CONNECTIONS": "6"}).read_connections == 6
    with pytest.raises(SettingsError, match="BOLASHAK_READ_CONNECTIONS must be at least 1"):
        Settings.from_env({"BOLASHAK_READ_CONNECTIONS": "0"})


def test_server_processes_are_pinned_to_cores_unless_set_off() -> None:
    assert Settings.from_env({}).pin_server_processes is True
    off = Settings.from_env({"BOLASHAK_PIN_SERVER_PROCESSES": "false"})
    assert off.pin_server_processes is False
    with pytest.raises(SettingsError, match="BOLASHAK_PIN_SERVER_PROCESSES"):
        Settings.from_env({"BOLASHAK_PIN_SERVER_PROCESSES": "sometimes"})


def test_long_running_processes_do_not_create_tables() -> None:
    env = Settings.from_env({"BOLASHAK_DATABASE_URL": "postgresql://u@h/d"}).eventsourcing_env()
    assert env["CREATE_TABLE"] == "n"


def test_the_gap_losing_database_functions_are_never_enabled() -> None:
    """shared/FIELD-NOTES.md: POSTGRES_ENABLE_DB_FUNCTIONS=y lets followers miss events."""
    env = Settings.from_env({"BOLASHAK_DATABASE_URL": "postgresql://u@h/d"}).eventsourcing_env()
    assert env["POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"
    assert env["BOLASHAK_POSTGRES_ENABLE_DB_FUNCTIONS"] == "n"


def test_writers_and_readers_use_the_same_event_tables() -> None:
    """The library names tables after the application class unless a name is set."""
    assert CaseService.name == CaseEvents.name == "Bolashak"


def test_the_annual_awards_target_is_a_setting_per_year() -> None:
    """001 line 36: 555 scholarships in 2023, unless the setting says otherwise."""
    settings = Settings.from_env({"BOLASHAK_AWARDS_TARGET_2024": "600"})
    assert settings.awards_target(2023) == 555
    assert settings.awards_target(2024) == 600
    assert Settings.from_env({"BOLASHAK_AWARDS_TARGET_2023": "500"}).awards_target(2023) == 500
    with pytest.raises(SettingsError, match="BOLASHAK_AWARDS_TARGET_next"):
        Settings.from_env({"BOLASHAK_AWARDS_TARGET_next": "1"})


def test_kafka_defaults_publish_to_the_public_topic_only() -> None:
    kafka = Settings.from_env({}).kafka
    assert (kafka.topic, kafka.pii_topic, kafka.bootstrap_servers) == (
        "bolashak.application-events",
        "",
        (),
    )


def test_kafka_bootstrap_servers_are_a_comma_separated_list() -> None:
    env = {"BOLASHAK_KAFKA_BOOTSTRAP_SERVERS": "k1:9092, k2:9093"}
    assert Settings.from_env(env).kafka.require_servers() == ["k1:9092", "k2:9093"]


def test_relay_without_bootstrap_servers_is_refused_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_BOOTSTRAP_SERVERS"):
        Settings.from_env({}).kafka.require_servers()


@pytest.mark.parametrize("topic", ["has space", "ünicode", "x" * 250])
def test_a_topic_kafka_would_refuse_is_refused_naming_the_setting(topic: str) -> None:
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_TOPIC"):
        Settings.from_env({"BOLASHAK_KAFKA_TOPIC": topic})


def test_personal_data_never_shares_the_public_topic() -> None:
    env = {"BOLASHAK_KAFKA_TOPIC": "cases", "BOLASHAK_KAFKA_PII_TOPIC": "cases"}
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_PII_TOPIC"):
        Settings.from_env(env)


def test_a_bad_consumer_database_url_is_refused_naming_its_setting() -> None:
    with pytest.raises(SettingsError, match="BOLASHAK_CONSUMER_DATABASE_URL"):
        Settings.from_env({"BOLASHAK_CONSUMER_DATABASE_URL": "mysql://x/y"})


def test_kafka_compression_is_gzip_unless_turned_off() -> None:
    assert Settings.from_env({}).kafka.compression == "gzip"
    assert Settings.from_env({"BOLASHAK_KAFKA_COMPRESSION": "none"}).kafka.compression == ""
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_COMPRESSION"):
        Settings.from_env({"BOLASHAK_KAFKA_COMPRESSION": "brotli"})


def test_the_consumer_group_timings_default_to_kafka_pythons_and_are_checked() -> None:
    kafka = Settings.from_env({}).kafka
    assert (kafka.session_timeout_ms, kafka.heartbeat_interval_ms) == (10_000, 3_000)
    env = {
        "BOLASHAK_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "BOLASHAK_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    }
    kafka = Settings.from_env(env).kafka
    assert (kafka.session_timeout_ms, kafka.heartbeat_interval_ms) == (6000, 500)


@pytest.mark.parametrize(
    ("session", "heartbeat"), [("6000", "6000"), ("3000", "9000"), ("6000", "50")]
)
def test_a_heartbeat_not_shorter_than_the_session_is_refused_naming_it(
    session: str, heartbeat: str
) -> None:
    env = {
        "BOLASHAK_KAFKA_SESSION_TIMEOUT_MS": session,
        "BOLASHAK_KAFKA_HEARTBEAT_INTERVAL_MS": heartbeat,
    }
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_HEARTBEAT_INTERVAL_MS"):
        Settings.from_env(env)


# -- the master key of personal data ---------------------------------------------------------

MASTER_KEY = base64.b64encode(bytes(range(32))).decode()


def test_the_pii_master_key_is_read_as_base64_of_32_bytes() -> None:
    settings = Settings.from_env({"BOLASHAK_PII_MASTER_KEY": MASTER_KEY})
    assert settings.pii_master_key == bytes(range(32))
    assert MASTER_KEY not in repr(settings)
    assert "pii_master_key" not in repr(settings)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("not base64 at all!", "must be base64"),
        (base64.b64encode(b"sixteen bytes!!!").decode(), "32 bytes, got 16"),
    ],
)
def test_an_unusable_pii_master_key_is_refused_naming_the_setting(value: str, rule: str) -> None:
    with pytest.raises(SettingsError, match=f"BOLASHAK_PII_MASTER_KEY.*{rule}"):
        Settings.from_env({"BOLASHAK_PII_MASTER_KEY": value})


def test_production_refuses_to_start_without_the_pii_master_key() -> None:
    with pytest.raises(SettingsError, match="BOLASHAK_PII_MASTER_KEY is required in production"):
        Settings.from_env({"BOLASHAK_MODE": "production"})


def test_development_uses_one_master_key_kept_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOLASHAK_PII_MASTER_KEY")  # the suite's own key (tests/conftest.py)
    first = Settings.from_env({}).pii_master_key
    assert len(first) == 32
    assert Settings.from_env({}).pii_master_key == first
    assert base64.b64decode(PII_DEV_KEY_FILE.read_text(encoding="utf-8")) == first


def test_development_takes_the_process_environment_key_before_the_one_under_var() -> None:
    """Settings made from a partial mapping agree with the processes this one starts."""
    assert Settings.from_env({}).pii_master_key == base64.b64decode(TEST_PII_MASTER_KEY)


def test_the_master_key_reaches_the_store_and_the_sealer_topic_names_infra() -> None:
    env = Settings.from_env({"BOLASHAK_PII_MASTER_KEY": MASTER_KEY}).eventsourcing_env()
    assert env["BOLASHAK_PII_MASTER_KEY"] == MASTER_KEY
    assert env["BOLASHAK_PII_SEALER_TOPIC"] == "infra.pii.sealer:sealer_for"


# -- the mode, the API's key and the business date: settings like the others ----------------


def test_the_mode_is_development_unless_production_and_nothing_else() -> None:
    assert not Settings.from_env({}).production
    production = {"BOLASHAK_MODE": " Production ", "BOLASHAK_PII_MASTER_KEY": MASTER_KEY}
    assert Settings.from_env(production).production
    with pytest.raises(SettingsError, match="BOLASHAK_MODE must be 'development' or 'produ"):
        Settings.from_env({"BOLASHAK_MODE": "staging"})


def test_the_api_key_is_a_setting_never_shown_and_required_in_production() -> None:
    secret = "k" * 40
    settings = Settings.from_env({"BOLASHAK_JWT_SECRET": secret})
    assert jwt_secret(settings, production=True) == secret
    assert secret not in repr(settings)
    with pytest.raises(SettingsError, match="BOLASHAK_JWT_SECRET is required in production"):
        jwt_secret(Settings.from_env({}), production=True)


def test_the_business_date_is_fixed_only_outside_production() -> None:
    assert Settings.from_env({"BOLASHAK_TODAY": "2031-01-01"}).today == date(2031, 1, 1)
    with pytest.raises(SettingsError, match="BOLASHAK_TODAY must be a date"):
        Settings.from_env({"BOLASHAK_TODAY": "01.06.2025"})
    production = {"BOLASHAK_MODE": "production", "BOLASHAK_PII_MASTER_KEY": MASTER_KEY}
    with pytest.raises(SettingsError, match="BOLASHAK_TODAY is for development and tests only"):
        Settings.from_env({**production, "BOLASHAK_TODAY": "2031-01-01"})


def test_only_the_settings_read_the_process_environment() -> None:
    """Every ``BOLASHAK_*`` variable is read by ``infra/settings/``; everything else gets
    its settings from the composition root (tests and benchmarks may set variables for
    the processes they start)."""
    root = Path(__file__).resolve().parents[2]
    readers = sorted(
        str(path.relative_to(root))
        for layer in ("domain", "projections", "infra", "api")
        for path in (root / layer).rglob("*.py")
        if _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
    )
    assert readers == ["infra/settings/base.py", "infra/settings/files.py"]


def _reads_environment(tree: ast.Module) -> bool:
    names = {"environ", "getenv", "environb"}
    return any(
        (isinstance(node, ast.Attribute) and node.attr in names)
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in names for alias in node.names)
        )
        for node in ast.walk(tree)
    )


def test_the_intake_topics_default_and_may_not_meet_each_other_or_the_relays() -> None:
    kafka = Settings.from_env({}).kafka
    assert (kafka.intake_topic, kafka.intake_dead_letter_topic, kafka.intake_group) == (
        "bolashak.intake",
        "bolashak.intake.dead-letter",
        "bolashak-intake",
    )
    same = {"BOLASHAK_KAFKA_INTAKE_DEAD_LETTER_TOPIC": "bolashak.intake"}
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_INTAKE_DEAD_LETTER_TOPIC"):
        Settings.from_env(same)
    relays = {"BOLASHAK_KAFKA_INTAKE_TOPIC": "bolashak.application-events"}
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_INTAKE_TOPIC"):
        Settings.from_env(relays)
    with pytest.raises(SettingsError, match="BOLASHAK_KAFKA_INTAKE_TOPIC"):
        Settings.from_env({"BOLASHAK_KAFKA_INTAKE_TOPIC": "not a topic!"})
