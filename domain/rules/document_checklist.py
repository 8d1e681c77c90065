"""The document package: which documents a case must present before it goes to testing.

Each programme and category has its package (001 "НЕОБХОДИМЫЙ ПАКЕТ ДОКУМЕНТОВ", ruleset
``document-checklist-2023``), some documents only when a fact of the case holds (the academic
record for applicants studying abroad). A missing document is not a refusal: the case waits
for it (``Application.record_testing`` refuses while anything is missing) and the officer's
worklist shows what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.rules import catalog
from domain.rules.ruleset import Ruleset
from domain.submission import Background, Document, StudyPlan

KIND = "document_checklist"
CONDITIONS = {"studying_abroad"}  # facts of the Background a conditional document may name


@dataclass(frozen=True)
class ChecklistOutcome:
    ruleset_id: str
    required: tuple[Document, ...]
    missing: tuple[Document, ...]
    source: str  # "<seed> lines <source_lines>" of the package used


class NoPackageError(LookupError):
    def __init__(self, plan: StudyPlan, ruleset_id: str) -> None:
        super().__init__(
            f"{ruleset_id} lists no document package for {plan.programme.value}"
            f" / {plan.category.value}"
        )


def checklist_ruleset(submitted_on: date) -> Ruleset:
    """The package list of the case's campaign (its submission date)."""
    return catalog.newest_in_force(KIND, submitted_on)


def check_case_documents(
    plan: StudyPlan, background: Background, submitted_on: date, presented: Iterable[Document]
) -> ChecklistOutcome:
    """The package check under the checklist of the case's campaign. Where no checklist is in
    force or none lists the case's programme and category, nothing is required by rule
    (``required`` empty, the reason in ``source``): documents never block a case the rules
    do not speak of; the officer who decides such a case checks its package."""
    try:
        ruleset = checklist_ruleset(submitted_on)
        return check_documents(ruleset, plan, background, presented)
    except (catalog.NoRulesetInForceError, NoPackageError) as e:
        return ChecklistOutcome("", (), (), str(e))


def check_documents(
    ruleset: Ruleset, plan: StudyPlan, background: Background, presented: Iterable[Document]
) -> ChecklistOutcome:
    """The case's required documents, in the package's order, and those not yet presented."""
    package = _package(ruleset, plan)
    if package is None:
        raise NoPackageError(plan, ruleset.id)
    required = [Document(d) for d in package["documents"]]
    for item in package.get("conditional", ()):
        if _holds(item["when"], background):
            required.append(Document(item["document"]))
    have = set(presented)
    return ChecklistOutcome(
        ruleset_id=ruleset.id,
        required=tuple(required),
        missing=tuple(d for d in required if d not in have),
        source=f"{ruleset.sources[0].seed} lines {package['source_lines']}",
    )


def _package(ruleset: Ruleset, plan: StudyPlan) -> Mapping[str, Any] | None:
    for package in ruleset.data.get("packages", ()):
        if (
            plan.programme.value in package["programmes"]
            and plan.category.value in package["categories"]
        ):
            return dict(package)
    return None


def _holds(condition: str, background: Background) -> bool:
    if condition not in CONDITIONS:
        raise ValueError(f"unknown document condition {condition!r}")
    return bool(getattr(background, condition))
