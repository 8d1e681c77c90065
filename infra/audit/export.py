"""A case's timeline as an auditor files it: JSON, or one self-contained HTML page.

The page has its style inline and no scripts, fonts or images from anywhere, so it opens
the same in any browser years later, offline. Personal data only when asked for. One
export for every way to it: ``bolashak audit export`` and GraphQL's ``auditExport`` (the
back-office page's case) both render ``timeline_of`` with ``render``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from html import escape
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from domain.case.chain_check import Finding
from infra.audit import replay
from infra.audit.verify import verify_rows
from infra.case_store import CaseEvents

FORMATS = ("json", "html")


def timeline(
    reader: CaseEvents, application_id: UUID, *, today: date, with_personal_data: bool
) -> dict[str, Any]:
    """Everything the export shows, as plain data (the JSON export itself), read on the
    event store's own connection (``bolashak audit export``)."""
    stored = reader.recorder.select_events(application_id)
    return timeline_of(
        reader.mapper,
        stored,
        application_id,
        today=today,
        exported_at=datetime.now(UTC),
        with_personal_data=with_personal_data,
    )


def timeline_of(
    mapper: Mapper[UUID],
    stored: Sequence[StoredEvent],
    application_id: UUID,
    *,
    today: date,
    exported_at: datetime,
    with_personal_data: bool,
) -> dict[str, Any]:
    """The export's data from a case's stored rows, however they were read (the CLI: the
    store's connection; GraphQL's ``auditExport``: a read connection): one replay and one
    chain check over the same rows."""
    found = replay.replay(mapper, stored, application_id)
    check = verify_rows(mapper, stored, application_id)
    view = found.commission(today)
    return {
        "application_id": str(application_id),
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "personal_data": with_personal_data,
        "chain": {
            "intact": check.ok,
            "events": check.events,
            "head": found.events[-1].meta.chain_hash,
            "findings": [_finding(f) for f in check.findings],
        },
        "state": found.state(with_personal_data=with_personal_data),
        "commission": _commission(view, with_personal_data) if view else None,
        "events": found.records(with_personal_data=with_personal_data),
    }


def render(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    return html_page(data)


def _finding(f: Finding) -> dict[str, Any]:
    return {"version": f.version, "kind": f.kind, "detail": f.detail}


def _commission(view: replay.CommissionView, with_personal_data: bool) -> dict[str, Any]:
    changes = view.changes_since.changes
    if with_personal_data:
        changes = changes + view.changes_since.personal_changes
    return {
        "decision": replay.event_record(view.decision, with_personal_data=False),
        "seen_at_version": view.decision.originator_version - 1,
        "rulesets_used": view.rulesets_used,
        "in_force_then": view.in_force_then,
        "in_force_today": view.in_force_today,
        "changes_since": [
            {"field": c.field, "before": c.before, "after": c.after} for c in changes
        ],
    }


# -- the HTML page ---------------------------------------------------------------------------

STYLE = """
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;
 color:#1d2733;background:#fff;margin:2rem auto;max-width:1100px;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;
 border-bottom:2px solid #0b5394;padding-bottom:.2rem;color:#0b5394}
.meta{color:#556;margin:0 0 1rem}.ok{color:#0a6b2d;font-weight:600}
.bad{color:#a4161a;font-weight:600}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #c9d3de;padding:.35rem .5rem;text-align:left;vertical-align:top;
 overflow-wrap:anywhere}
th{background:#eef3f8;font-weight:600}tr.event:nth-child(even) td{background:#f8fafc}
code{font:12px/1.3 ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.facts{margin:0;padding-left:1rem}.small{font-size:12px;color:#556}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def html_page(data: dict[str, Any]) -> str:
    case_id = escape(data["application_id"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Case {case_id}: audit timeline</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Case {case_id}</h1>",
        f'<p class="meta">Audit timeline exported {escape(data["exported_at"])}; personal data '
        f"{'included' if data['personal_data'] else 'left out'}.</p>",
        _chain_section(data["chain"]),
        _commission_section(data["commission"]),
        _events_section(data["events"]),
        _state_section(data["state"]),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _chain_section(chain: dict[str, Any]) -> str:
    verdict = (
        '<span class="ok">intact</span>' if chain["intact"] else '<span class="bad">BROKEN</span>'
    )
    rows = "".join(
        f"<tr><td>{f['version']}</td><td>{escape(f['kind'])}</td><td>{escape(f['detail'])}</td></tr>"
        for f in chain["findings"]
    )
    findings = f"<table><tr><th>version</th><th>finding</th><th>detail</th></tr>{rows}</table>"
    return (
        f'<h2>Tamper evidence</h2><p id="chain">Hash chain of {chain["events"]} events: {verdict}.'
        f" Last hash <code>{escape(chain['head'])}</code></p>" + (findings if rows else "")
    )


def _commission_section(view: dict[str, Any] | None) -> str:
    if view is None:
        return '<h2>Republican Commission</h2><p id="commission">No decision recorded.</p>'
    decision = view["decision"]
    changes = "".join(
        f"<tr><td>{escape(c['field'])}</td><td>{escape(c['before'])}</td>"
        f"<td>{escape(c['after'])}</td></tr>"
        for c in view["changes_since"]
    )
    return (
        '<h2>As the commission saw it</h2><table id="commission">'
        f"<tr><th>decision</th><td>{escape(decision['type'])} (version {decision['version']}),"
        f" {escape(decision['occurred_on'])}, by {escape(decision['actor_id'])}"
        f" ({escape(decision['actor_role'])})</td></tr>"
        f"<tr><th>facts</th><td>{_facts(decision['facts'])}</td></tr>"
        f"<tr><th>rulesets used</th><td>{escape(', '.join(view['rulesets_used']))}</td></tr>"
        f"<tr><th>in force then</th><td>{escape(', '.join(view['in_force_then']))}</td></tr>"
        f"<tr><th>in force today</th><td>{escape(', '.join(view['in_force_today']))}</td></tr>"
        "</table><p>Changes since the decision:</p><table><tr><th>field</th><th>then</th>"
        f"<th>today</th></tr>{changes}</table>"
    )


def _events_section(events: list[dict[str, Any]]) -> str:
    head = (
        "<tr><th>#</th><th>event</th><th>business date</th><th>recorded</th><th>who</th>"
        "<th>why</th><th>rulesets and facts</th><th>hash</th></tr>"
    )
    rows = "".join(_event_row(e) for e in events)
    return f'<h2>Timeline</h2><table id="timeline">{head}{rows}</table>'


def _event_row(e: dict[str, Any]) -> str:
    return (
        f'<tr class="event" id="v{e["version"]}"><td>{e["version"]}</td>'
        f"<td>{escape(e['type'])}<div class='small'>{escape(e['command'])}</div></td>"
        f"<td>{escape(e['occurred_on'])}</td><td>{escape(e['recorded_at'])}</td>"
        f"<td>{escape(e['actor_id'])}<div class='small'>{escape(e['actor_role'])}</div></td>"
        f"<td>{escape(e['reason'])}<div class='small'>correlation {escape(e['correlation_id'])}"
        f"<br>causation {escape(e['causation_id'])}</div></td>"
        f"<td>{escape(', '.join(e['rulesets']))}{_facts(e['facts'])}</td>"
        f"<td><code>{escape(e['chain_hash'][:16])}</code></td></tr>"
    )


def _facts(facts: dict[str, str]) -> str:
    if not facts:
        return ""
    items = "".join(f"<li>{escape(k)}: {escape(str(v))}</li>" for k, v in facts.items())
    return f'<ul class="facts">{items}</ul>'


def _state_section(state: dict[str, Any] | None) -> str:
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(_value(v))}</td></tr>"
        for k, v in (state or {}).items()
    )
    return f'<h2>State today</h2><table id="state">{rows}</table>'


def _value(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)
