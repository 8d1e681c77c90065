"""``bolashak audit export``: a timeline an auditor can file, as JSON or one self-contained
HTML page that renders in a browser (headless Chromium, Debian package ``chromium``); the
API's ``auditExport`` (the back-office page's case) answers the same export."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from PIL import Image

from domain.case.meta import Role
from domain.case.stage import Stage
from domain.clock import FixedClock
from infra.audit.export import FORMATS
from infra.container import build_service
from infra.database import init_schema
from infra.settings import Settings
from tests.conftest import FAR_FUTURE
from tests.support.api import api_for
from tests.support.cli import bolashak_ran
from tests.support.devtools import chromium
from tests.support.journey import Journey

FULL_NAME = "Temirbekova Aigerim"  # tests/support/builders.py
API_EXPORT = """query Export($id: ID!, $format: AuditExportFormat!, $personal: Boolean!) {
  auditExport(applicationId: $id, format: $format, personalData: $personal) }"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, UUID, int]:
    """A case taken to WORKING_OFF: its timeline, and the number of its events."""
    folder = tmp_path_factory.mktemp("export")
    settings = Settings.from_env({"BOLASHAK_DATABASE_URL": f"sqlite:///{folder}/cases.db"})
    init_schema(settings)
    service = build_service(settings, clock=FixedClock(FAR_FUTURE))
    j = Journey(service)
    j.to(Stage.WORKING_OFF)
    version = service.get_case(j.id).version
    service.close()
    return settings, j.id, version


EXPORT_DAY = date(2024, 3, 1)  # the business date the command line exports on


def export(store: tuple[Settings, UUID, int], out: Path, fmt: str, *flags: str) -> Path:
    """``bolashak audit export`` to ``out``, run in this process (the module's nine
    exports cost about a second each as processes)."""
    settings, case_id, _ = store
    env = {
        "BOLASHAK_DATABASE_URL": settings.database.url,
        "BOLASHAK_TODAY": EXPORT_DAY.isoformat(),
    }
    command = ["audit", "export", str(case_id), "--format", fmt, "-o", str(out)]
    done = bolashak_ran([*command, *flags], env)
    assert done.returncode == 0, done.stderr
    return out


def test_the_json_export_lists_every_event_with_its_metadata_and_chain(
    store: tuple[Settings, UUID, int], tmp_path: Path
) -> None:
    data = json.loads(export(store, tmp_path / "case.json", "json").read_text(encoding="utf-8"))
    assert [e["version"] for e in data["events"]] == list(range(1, store[2] + 1))
    assert data["chain"]["intact"] is True
    assert data["commission"]["decision"]["type"] == "Awarded"
    first = data["events"][0]
    assert {"actor_id", "actor_role", "reason", "correlation_id", "causation_id"} <= set(first)
    assert "applicant" not in first["data"]
    assert "applicant" not in data["state"]


def test_personal_data_is_exported_only_when_asked_for(
    store: tuple[Settings, UUID, int], tmp_path: Path
) -> None:
    without = export(store, tmp_path / "a.html", "html").read_text(encoding="utf-8")
    with_pii = export(store, tmp_path / "b.html", "html", "--personal").read_text(encoding="utf-8")
    assert FULL_NAME not in without
    assert FULL_NAME in with_pii


def test_the_html_export_is_self_contained(
    store: tuple[Settings, UUID, int], tmp_path: Path
) -> None:
    page = export(store, tmp_path / "case.html", "html").read_text(encoding="utf-8")
    assert "<style>" in page
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", page, re.IGNORECASE)
    assert not re.search(r"(src|href)\s*=", page, re.IGNORECASE)


def test_the_html_timeline_renders_in_a_browser_with_every_event(
    store: tuple[Settings, UUID, int], tmp_path: Path
) -> None:
    page = export(store, tmp_path / "case.html", "html")
    browser = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [*browser, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rows = re.findall(r'<tr class="event" id="v(\d+)">', dom)
    assert [int(v) for v in rows] == list(range(1, store[2] + 1))
    assert "As the commission saw it" in dom


def test_the_html_timeline_screenshot_is_not_blank(
    store: tuple[Settings, UUID, int], tmp_path: Path
) -> None:
    page = export(store, tmp_path / "case.html", "html")
    shot = tmp_path / "case.png"
    browser = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    subprocess.run(
        [*browser, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    with Image.open(shot) as image:
        assert image.size == (1280, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, rules and shaded rows, not one flat colour


def without_export_time(text: str) -> str:
    """The export with its moment of export left out (the one thing two exports differ in)."""
    return re.sub(r'("exported_at": "|exported )[0-9T:+-]+', r"\1<time>", text)


def test_the_api_answers_the_same_export_as_the_command_line(
    store: tuple[Settings, UUID, int], tmp_path: Path
) -> None:
    settings, case_id, _ = store
    with api_for(settings, clock_day=EXPORT_DAY) as api:  # the command line's business date
        for fmt in FORMATS:
            for personal in (False, True):
                flags = ("--personal",) if personal else ()
                filed = export(store, tmp_path / f"case.{fmt}", fmt, *flags).read_text("utf-8")
                asked = {"id": str(case_id), "format": fmt.upper(), "personal": personal}
                served = api.data(API_EXPORT, asked, role=Role.AUDITOR)["auditExport"]
                assert without_export_time(served) == without_export_time(filed), (fmt, personal)
                assert (FULL_NAME in served) is personal


def test_the_api_export_of_an_id_no_case_has_is_null(store: tuple[Settings, UUID, int]) -> None:
    with api_for(store[0]) as api:
        asked = {"id": str(uuid4()), "format": "HTML", "personal": False}
        assert api.data(API_EXPORT, asked, role=Role.AUDITOR) == {"auditExport": None}
