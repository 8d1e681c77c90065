"""Eligibility: every requirement of the applicant's programme and category, each a named rule.

The ruleset (e.g. ``eligibility-2023-campaign``, seed 001; ``eligibility-2023-faq``, seed 000)
lists per programme and category which of the rules below apply and with which parameters.
``assess_eligibility`` runs all of them and returns every failed rule with its reason, not
only the first, together with the facts it looked at.

A rule decides only what the regulations decide. Where they are silent for the case (no table
row for its country, language or certificate, no ruleset in force, a GPA scale the Ministry must
judge) the rule answers ``Undecided``: the case is not refused but goes to an officer, who
decides with a recorded reason. A refusal is only ever a rule's verdict or a person's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from domain.programme import StudyDirection
from domain.qualifications import Gpa, GradeScale
from domain.rules import catalog
from domain.rules.grade_equivalence import gpa_number, normalise_gpa
from domain.rules.language_thresholds import (
    LanguageAssessment,
    NoThresholdRowError,
    assess_language,
)
from domain.rules.ruleset import Ruleset
from domain.submission import Background, StudyPlan

KIND = "eligibility"


@dataclass(frozen=True)
class RuleFailure:
    rule: str
    reason: str
    source: str


@dataclass(frozen=True)
class Undecided:
    """A rule's answer where the regulations do not decide the case: why, and the rulesets
    that were tried."""

    reason: str
    rulesets_tried: tuple[str, ...] = ()


@dataclass(frozen=True)
class EligibilityOutcome:
    ruleset_id: str
    eligible: bool
    failures: tuple[RuleFailure, ...]
    rules_checked: tuple[str, ...]
    language: LanguageAssessment | None
    facts: dict[str, str]
    # rules the regulations left undecided for this case (an officer decides); a case with
    # a failed rule is ineligible whatever the undecided ones would say
    undecided: tuple[RuleFailure, ...] = ()
    rulesets_tried: tuple[str, ...] = ()

    @property
    def decided(self) -> bool:
        """True when the rules decide: every rule decided, or one already failed."""
        return bool(self.failures) or not self.undecided


@dataclass
class RuleContext:
    """What a rule looks at: the plan, the background and the ruleset's parameters."""

    ruleset: Ruleset
    params: Mapping[str, Any]
    plan: StudyPlan
    background: Background
    submitted_on: date
    gpa_equivalent: Decimal | None = None
    facts: dict[str, str] = field(default_factory=dict)
    language: LanguageAssessment | None = None

    def setting(self, key: str) -> Any:
        """A parameter of the category block, else of the ruleset (or the one it extends)."""
        if key in self.params:
            return self.params[key]
        return _ruleset_setting(self.ruleset, key)


Rule = Callable[[RuleContext], str | Undecided | None]


def kaztest_at_least_minimum(ctx: RuleContext) -> str | None:
    """KazTest at least B1: 105 of 150 in 2023 (001 lines 100-102); 75 of 150 in Order 318."""
    minimum = ctx.setting("kaztest")
    kaztest = ctx.background.kaztest
    ctx.facts["kaztest.correct_answers"] = (
        "none" if kaztest is None else str(kaztest.correct_answers)
    )
    if kaztest is None:
        return "no KazTest result submitted"
    if kaztest.correct_answers < minimum["min_correct"]:
        return (
            f"KazTest {kaztest.correct_answers} of {kaztest.total_questions} is below"
            f" {minimum['level']} ({minimum['min_correct']} of {minimum['total_questions']})"
        )
    return None


def gpa_at_least_minimum(ctx: RuleContext) -> str | Undecided | None:
    """GPA 3.00 of 4.00/4.33 or 4.00 of 5.00 (001 lines 240-241); other scales: the Ministry."""
    gpa = ctx.background.gpa
    if gpa is None:
        return "no bachelor's GPA submitted"
    ctx.facts["gpa"] = f"{gpa.value} ({gpa.scale.value})"
    minimums = ctx.setting("gpa_minimum")
    if gpa.scale is GradeScale.OTHER:
        return _gpa_by_ministry(ctx, Decimal(minimums["4.00"]))
    if gpa.scale is GradeScale.LETTER:
        return _letter_at_least(gpa.value, minimums["letter"])
    minimum = Decimal(minimums["percent" if gpa.scale is GradeScale.PERCENT else gpa.scale.value])
    if gpa_number(gpa) < minimum:
        return f"GPA {gpa.value} is below {minimum} on the {gpa.scale.value} scale"
    return None


def foreign_language_at_minimum(ctx: RuleContext) -> str | Undecided | None:
    """The lowest threshold level set for the case (001 table; Order 318 appendix 1); no
    table row for the case's country, category or language: undecided."""
    certificates = ctx.background.certificates
    ctx.facts["language.certificates"] = ", ".join(c.label for c in certificates) or "none"
    try:
        rulesets = catalog.in_force("language_thresholds", ctx.submitted_on)
        ctx.language = assess_language(rulesets, ctx.plan.profile(), certificates)
    except NoThresholdRowError as e:
        return Undecided(f"no foreign-language threshold on record: {e}", e.ruleset_ids)
    except catalog.NoRulesetInForceError as e:
        return Undecided(f"no foreign-language threshold table is in force: {e}")
    ctx.facts["language.ruleset"] = ctx.language.ruleset_id
    if ctx.language.not_counted:
        ctx.facts["language.not_counted"] = "; ".join(ctx.language.not_counted)
    ctx.facts["language.level_reached"] = str(ctx.language.level_reached)
    if not ctx.language.meets_minimum:
        return f"foreign language below the minimum: needs {ctx.language.requirement}"
    return None


def unconditional_invitation_from_recommended_university(ctx: RuleContext) -> str | None:
    """Unconditional invitation from a university on the recommended list (001 lines 98, 133:
    «безусловного приглашения с зарубежного вуза, включенного в Список рекомендуемых вузов»)."""
    ctx.facts["invitation.unconditional"] = str(ctx.background.unconditional_invitation)
    ctx.facts["institution.recommended"] = str(ctx.plan.institution_recommended)
    if not ctx.background.unconditional_invitation:
        return "no unconditional invitation (financial conditions aside)"
    if not ctx.plan.institution_recommended:
        return f"{ctx.plan.institution} is not on the list of recommended universities"
    return None


def unconditional_invitation_from_host(ctx: RuleContext) -> str | None:
    """Unconditional invitation from the foreign host organisation (001 lines 155-156: «наличие
    безусловного приглашения с зарубежного»)."""
    ctx.facts["invitation.unconditional"] = str(ctx.background.unconditional_invitation)
    if not ctx.background.unconditional_invitation:
        return "no unconditional invitation from the host organisation"
    return None


def specialty_on_priority_list(ctx: RuleContext) -> str | None:
    """The specialty is on the list of priority specialties (001 lines 98, 133: «по специальности
    из», the rest of the line cut in the seed)."""
    ctx.facts["specialty.priority"] = str(ctx.plan.specialty_priority)
    if not ctx.plan.specialty_priority:
        return f"{ctx.plan.specialty} is not on the list of priority specialties"
    return None


def bachelor_specialty_related(ctx: RuleContext) -> str | None:
    """Bachelor's specialty related to the chosen one per the list (001 lines 256-259: «ПЕРЕЧНЮ
    РОДСТВЕННЫХ СПЕЦИАЛЬНОСТЕЙ»)."""
    ctx.facts["bachelor_specialty.related"] = str(ctx.background.bachelor_specialty_related)
    if not ctx.background.bachelor_specialty_related:
        return (
            f"bachelor's specialty {ctx.background.bachelor_specialty} is not related to"
            f" {ctx.plan.specialty} per the list of related specialties"
        )
    return None


def lived_and_worked_in_rural_settlement(ctx: RuleContext) -> str | None:
    """Lived and worked in a rural settlement for the last years (001 lines 234-236: «В СЕЛЬСКИХ
    НАСЕЛЕННЫХ ПУНКТАХ»; 000 lines 68-69: «Ауылды елдімекенде»)."""
    lived, worked = ctx.background.rural_residence_months, ctx.background.rural_work_months
    ctx.facts["rural.residence_months"] = str(lived)
    ctx.facts["rural.work_months"] = str(worked)
    need_lived, need_worked = (
        ctx.setting("rural_residence_months"),
        ctx.setting("rural_work_months"),
    )
    problems = []
    if lived < need_lived:
        problems.append(f"lived {lived} months in a rural settlement, needs {need_lived}")
    if worked < need_worked:
        problems.append(f"worked {worked} months in a rural settlement, needs {need_worked}")
    return "; ".join(problems) or None


def manages_production_process(ctx: RuleContext) -> str | None:
    """Organises and manages a production process, or does production work (001 line 301:
    «ОРГАНИЗАЦИЮ И РУКОВОДСТВО ПРОИЗВОДСТВЕННЫМ ПРОЦЕССОМ»)."""
    ctx.facts["engineering.manages_production"] = str(ctx.background.manages_production_process)
    if not ctx.background.manages_production_process:
        return "does not organise or manage a production process at submission"
    return None


def work_experience_in_direction(ctx: RuleContext) -> str | None:
    """At least 1 year of work for a specialty of the technical direction (001 line 305:
    «ТЕХНИЧЕСКОГО НАПРАВЛЕНИЯ»)."""
    return _experience_in_direction(ctx, ctx.background.total_work_months, "work")


def gives_direct_medical_care(ctx: RuleContext) -> str | None:
    """Works giving direct medical care, with higher medical education (001 lines 369-373:
    «НЕПОСРЕДСТВЕННО МЕДИЦИНСКУЮ ПОМОЩЬ»)."""
    ctx.facts["medical.direct_care"] = str(ctx.background.direct_medical_care)
    ctx.facts["medical.higher_education"] = str(ctx.background.higher_medical_education)
    problems = []
    if not ctx.background.direct_medical_care:
        problems.append("does not give direct medical care in a medical organisation")
    if not ctx.background.higher_medical_education:
        problems.append("has no higher medical education")
    return "; ".join(problems) or None


def medical_work_experience(ctx: RuleContext) -> str | None:
    """At least 1 year of medical work for a specialty of the medical direction (001 lines
    378-380: «МЕДИЦИНСКОГО СТАЖА РАБОТЫ»)."""
    return _experience_in_direction(ctx, ctx.background.medical_work_months, "medical work")


def internship_work_experience(ctx: RuleContext) -> str | None:
    """Total work at least 3 years, the last 12 months in the chosen field (001 lines 172-174)."""
    total, in_field = ctx.background.total_work_months, ctx.background.field_work_months_last_12
    ctx.facts["work.total_months"] = str(total)
    ctx.facts["work.field_months_last_12"] = str(in_field)
    problems = []
    if total < ctx.setting("total_work_months"):
        problems.append(f"total work {total} months, needs {ctx.setting('total_work_months')}")
    if in_field < ctx.setting("field_work_months_last_12"):
        problems.append(f"only {in_field} of the last 12 months in the chosen field")
    return "; ".join(problems) or None


RULES: dict[str, Rule] = {
    rule.__name__: rule
    for rule in (
        kaztest_at_least_minimum,
        gpa_at_least_minimum,
        foreign_language_at_minimum,
        unconditional_invitation_from_recommended_university,
        unconditional_invitation_from_host,
        specialty_on_priority_list,
        bachelor_specialty_related,
        lived_and_worked_in_rural_settlement,
        manages_production_process,
        work_experience_in_direction,
        gives_direct_medical_care,
        medical_work_experience,
        internship_work_experience,
    )
}


def eligibility_ruleset(submitted_on: date) -> Ruleset:
    return catalog.newest_in_force(KIND, submitted_on)


def assess_case(
    plan: StudyPlan, background: Background, submitted_on: date, gpa_equivalent: Decimal | None
) -> EligibilityOutcome:
    """Eligibility under the ruleset of the case's submission date; no ruleset in force for
    that date leaves the case undecided (an officer decides)."""
    try:
        ruleset = eligibility_ruleset(submitted_on)
    except catalog.NoRulesetInForceError as e:
        undecided = RuleFailure("eligibility_ruleset_in_force", str(e), "")
        return EligibilityOutcome("", False, (), (), None, {}, (undecided,), ())
    return assess_eligibility(ruleset, plan, background, submitted_on, gpa_equivalent)


def assess_eligibility(
    ruleset: Ruleset,
    plan: StudyPlan,
    background: Background,
    submitted_on: date,
    gpa_equivalent: Decimal | None = None,
) -> EligibilityOutcome:
    """Runs every rule of the plan's programme and category; collects every failure and
    every rule the regulations leave undecided for the case."""
    block = category_block(ruleset, plan)
    if block is None:
        silent = RuleFailure(
            "category_open_for_programme",
            f"{ruleset.id} names no requirements for category {plan.category.value} in"
            f" {plan.programme.value}",
            ruleset.cite(),
        )
        return EligibilityOutcome(
            ruleset.id, False, (), (silent.rule,), None, {}, (silent,), (ruleset.id,)
        )
    ctx = RuleContext(ruleset, block, plan, background, submitted_on, gpa_equivalent)
    failures: list[RuleFailure] = []
    undecided: list[RuleFailure] = []
    tried = [ruleset.id]
    for name in block["rules"]:
        answer = RULES[name](ctx)
        if isinstance(answer, Undecided):
            undecided.append(RuleFailure(name, answer.reason, _cite(ruleset, block)))
            tried += [r for r in answer.rulesets_tried if r not in tried]
        elif answer is not None:
            failures.append(RuleFailure(name, answer, _cite(ruleset, block)))
    eligible = not failures and not undecided
    return EligibilityOutcome(
        ruleset.id,
        eligible,
        tuple(failures),
        tuple(block["rules"]),
        ctx.language,
        ctx.facts,
        tuple(undecided),
        tuple(tried),
    )


def category_block(ruleset: Ruleset, plan: StudyPlan) -> Mapping[str, Any] | None:
    """The ruleset's requirements for the plan's programme and category (or its base's)."""
    for block in ruleset.data.get("categories", []):
        if (
            plan.programme.value in block["programmes"]
            and plan.category.value in block["categories"]
        ):
            return dict(block)
    base = ruleset.data.get("extends")
    return category_block(catalog.get(base), plan) if base else None


def _ruleset_setting(ruleset: Ruleset, key: str) -> Any:
    if key in ruleset.data:
        return ruleset.data[key]
    base = ruleset.data.get("extends")
    if not base:
        raise KeyError(f"{ruleset.id} has no setting {key!r}")
    return _ruleset_setting(catalog.get(base), key)


def _cite(ruleset: Ruleset, block: Mapping[str, Any]) -> str:
    return f"{ruleset.sources[0].seed} lines {block['source_lines']} ({ruleset.id})"


def _experience_in_direction(ctx: RuleContext, months: int, what: str) -> str | None:
    direction = StudyDirection(ctx.setting("direction"))
    ctx.facts[f"{what.replace(' ', '_')}_months"] = str(months)
    problems = []
    if ctx.plan.direction is not direction:
        problems.append(f"specialty must be of the {direction.value} direction")
    if months < ctx.setting("work_months"):
        problems.append(f"{what} experience {months} months, needs {ctx.setting('work_months')}")
    return "; ".join(problems) or None


def _gpa_by_ministry(ctx: RuleContext, minimum: Decimal) -> str | Undecided | None:
    if ctx.gpa_equivalent is None:  # 002 appendix 5, note (line 1296): case by case
        return Undecided("GPA scale not in the equivalence table: needs the Ministry's decision")
    ctx.facts["gpa.ministry_equivalent"] = str(ctx.gpa_equivalent)
    if ctx.gpa_equivalent < minimum:
        return f"Ministry's equivalent {ctx.gpa_equivalent} is below {minimum} of 4.00"
    return None


def _letter_at_least(letter: str, minimum: str) -> str | None:
    have = normalise_gpa(Gpa(letter, GradeScale.LETTER))
    need = normalise_gpa(Gpa(minimum, GradeScale.LETTER))
    assert have is not None
    assert need is not None
    return None if have >= need else f"letter grade {letter} is below {minimum}"
