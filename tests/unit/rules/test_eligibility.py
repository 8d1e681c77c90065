"""Eligibility per programme and category, 2023 campaign (seed 001; the FAQ variant, seed 000).

Each test names the rule it exercises; every failed rule is reported, not only the first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.programme import Category, Programme, StudyDirection
from domain.qualifications import Gpa, GradeScale, KazTest
from domain.rules import catalog
from domain.rules.eligibility import EligibilityOutcome, assess_eligibility, eligibility_ruleset
from domain.submission import Background, Document, StudyPlan
from tests.support import builders as b

ON = date(2023, 4, 20)
CAMPAIGN = catalog.get("eligibility-2023-campaign")


def assess(
    plan: StudyPlan | None = None,
    background: Background | None = None,
    ruleset_id: str = "eligibility-2023-campaign",
    gpa_equivalent: Decimal | None = None,
) -> EligibilityOutcome:
    return assess_eligibility(
        catalog.get(ruleset_id), plan or b.plan(), background or b.background(), ON, gpa_equivalent
    )


def failed(outcome: EligibilityOutcome) -> list[str]:
    return [f.rule for f in outcome.failures]


def test_the_2023_campaign_ruleset_is_the_default_for_2023_submissions() -> None:
    assert eligibility_ruleset(ON).id == "eligibility-2023-campaign"


# Every programme and category of the 2023 table (001), as the ruleset's blocks list them.
TABLE_2023 = [
    (Programme(programme), Category(category))
    for block in CAMPAIGN.data["categories"]
    for programme in block["programmes"]
    for category in block["categories"]
]


def test_the_2023_table_speaks_of_every_programme() -> None:
    assert {programme for programme, _ in TABLE_2023} == set(Programme)


@pytest.mark.parametrize(("programme", "category"), TABLE_2023)
def test_an_applicant_meeting_every_requirement_is_eligible(
    programme: Programme, category: Category
) -> None:
    outcome = assess(b.plan(programme, category))
    assert outcome.eligible, outcome.failures


def undecided(outcome: EligibilityOutcome) -> list[str]:
    return [f.rule for f in outcome.undecided]


def test_category_open_for_programme_is_undecided_where_the_campaign_names_no_block() -> None:
    """001 lists the rural, engineering and medical quotas under the master's programme and
    says nothing of them in doctorate: the rules do not decide, an officer does (no refusal)."""
    outcome = assess(b.plan(Programme.DOCTORATE, Category.RURAL))
    assert (outcome.eligible, outcome.decided, failed(outcome)) == (False, False, [])
    assert undecided(outcome) == ["category_open_for_programme"]
    assert outcome.rulesets_tried == ("eligibility-2023-campaign",)


def test_kaztest_at_least_minimum_accepts_exactly_105_of_150() -> None:
    """001 lines 100-102: B1 = at least 105 correct answers of 150."""
    assert assess(background=b.background(kaztest=KazTest(105))).eligible


def test_kaztest_at_least_minimum_refuses_104_of_150() -> None:
    outcome = assess(background=b.background(kaztest=KazTest(104)))
    assert failed(outcome) == ["kaztest_at_least_minimum"]
    assert "104 of 150 is below B1" in outcome.failures[0].reason


def test_kaztest_at_least_minimum_refuses_a_missing_certificate() -> None:
    assert failed(assess(background=b.background(kaztest=None))) == ["kaztest_at_least_minimum"]


@pytest.mark.parametrize(
    ("value", "scale"),
    [
        ("3.00", GradeScale.FOUR),
        ("3.00", GradeScale.FOUR_THIRTY_THREE),
        ("4.00", GradeScale.FIVE),
        ("80", GradeScale.PERCENT),
        ("B", GradeScale.LETTER),
    ],
)
def test_gpa_at_least_minimum_accepts_the_boundary(value: str, scale: GradeScale) -> None:
    """001 lines 240-241: GPA 3.00 of 4.00/4.33 or 4.00 of 5.00 (percent/letter by 002 app. 5)."""
    assert assess(background=b.background(gpa=Gpa(value, scale))).eligible


@pytest.mark.parametrize(
    ("value", "scale"),
    [
        ("2.99", GradeScale.FOUR),
        ("2.99", GradeScale.FOUR_THIRTY_THREE),
        ("3.99", GradeScale.FIVE),
        ("79", GradeScale.PERCENT),
        ("B-", GradeScale.LETTER),
    ],
)
def test_gpa_at_least_minimum_refuses_just_below(value: str, scale: GradeScale) -> None:
    outcome = assess(background=b.background(gpa=Gpa(value, scale)))
    assert failed(outcome) == ["gpa_at_least_minimum"]


def test_gpa_at_least_minimum_needs_the_ministrys_decision_for_another_scale() -> None:
    """002 line 1296: a GPA not in the table is considered individually by the Ministry."""
    background = b.background(gpa=Gpa("15/20", GradeScale.OTHER))
    without = assess(background=background)
    assert (failed(without), undecided(without)) == ([], ["gpa_at_least_minimum"])
    assert not without.decided
    assert assess(background=background, gpa_equivalent=Decimal("3.10")).eligible
    assert not assess(background=background, gpa_equivalent=Decimal("2.90")).eligible


def test_gpa_is_not_considered_for_the_general_masters_competition() -> None:
    """001 lines 108-110: "средний балл бакалавра или специалиста не учитывается"."""
    plan = b.plan(Programme.MASTERS, Category.GENERAL)
    assert assess(plan, b.background(gpa=Gpa("2.10", GradeScale.FOUR))).eligible


def test_foreign_language_at_minimum_refuses_ielts_4_5_for_the_rural_quota() -> None:
    """001 table: first threshold for the rural category is IELTS 5.0."""
    outcome = assess(background=b.background(certificates=(b.ielts("4.5"),)))
    assert failed(outcome) == ["foreign_language_at_minimum"]


def test_foreign_language_at_minimum_accepts_ielts_5_0_for_the_rural_quota() -> None:
    assert assess(background=b.background(certificates=(b.ielts("5.0"),))).eligible


def test_residency_needs_no_foreign_language_certificate_at_eligibility() -> None:
    """001 lines 118-126: the residency/doctorate package lists no language certificate."""
    plan = b.plan(Programme.RESIDENCY, Category.GENERAL, direction=StudyDirection.MEDICAL)
    background = b.background(
        certificates=(),
        documents=tuple(d for d in Document if d is not Document.LANGUAGE_CERTIFICATE),
    )
    assert assess(plan, background).eligible


def test_lived_and_worked_in_rural_settlement_needs_two_years_each_in_2023() -> None:
    """001 lines 234-236: 2 years of residence and 2 years of work in rural settlements."""
    assert assess(background=b.background(rural_residence_months=24, rural_work_months=24)).eligible
    outcome = assess(background=b.background(rural_residence_months=23, rural_work_months=23))
    assert failed(outcome) == ["lived_and_worked_in_rural_settlement"]
    assert "lived 23 months" in outcome.failures[0].reason
    assert "worked 23 months" in outcome.failures[0].reason


def test_the_faq_ruleset_needs_three_years_of_rural_residence() -> None:
    """000 lines 68-69: "кейінгі үш жыл тұрған" (the last three years lived)."""
    background = b.background(rural_residence_months=30, rural_work_months=24)
    assert assess(background=background).eligible
    outcome = assess(background=background, ruleset_id="eligibility-2023-faq")
    assert failed(outcome) == ["lived_and_worked_in_rural_settlement"]


def test_manages_production_process_is_required_of_engineering_workers() -> None:
    """001 lines 287-296."""
    plan = b.plan(Programme.MASTERS, Category.ENGINEERING_TECHNICAL)
    outcome = assess(plan, b.background(manages_production_process=False))
    assert failed(outcome) == ["manages_production_process"]


def test_work_experience_in_direction_needs_a_year_and_a_technical_specialty() -> None:
    """001 line 305: at least 1 year of work, for specialties of the technical direction."""
    plan = b.plan(
        Programme.MASTERS, Category.ENGINEERING_TECHNICAL, direction=StudyDirection.HUMANITARIAN
    )
    outcome = assess(plan, b.background(total_work_months=11))
    assert failed(outcome) == ["work_experience_in_direction"]
    assert "technical direction" in outcome.failures[0].reason
    assert "11 months" in outcome.failures[0].reason


def test_gives_direct_medical_care_and_medical_work_experience_for_medical_workers() -> None:
    """001 lines 362-376."""
    plan = b.plan(Programme.MASTERS, Category.MEDICAL)
    background = b.background(
        direct_medical_care=False, higher_medical_education=False, medical_work_months=12
    )
    assert assess(plan, background).failures[0].rule == "gives_direct_medical_care"
    assert assess(plan, b.background(medical_work_months=11)).failures[0].rule == (
        "medical_work_experience"
    )


def test_internship_work_experience_is_three_years_with_the_last_twelve_months_in_field() -> None:
    """001 lines 172-174."""
    plan = b.plan(Programme.INTERNSHIP, Category.CIVIL_SERVANT)
    assert assess(plan, b.background(total_work_months=36)).eligible
    outcome = assess(plan, b.background(total_work_months=35, field_work_months_last_12=11))
    assert failed(outcome) == ["internship_work_experience"]


def test_unconditional_invitation_from_recommended_university() -> None:
    """001 line 98: invitation from a university on the list of recommended universities."""
    general = b.plan(Programme.MASTERS, Category.GENERAL, institution_recommended=False)
    assert failed(assess(general)) == ["unconditional_invitation_from_recommended_university"]


def test_specialty_on_priority_list() -> None:
    general = b.plan(Programme.MASTERS, Category.GENERAL, specialty_priority=False)
    assert failed(assess(general)) == ["specialty_on_priority_list"]


def test_bachelor_specialty_related() -> None:
    """001 lines 252-256: related specialty per the list of related specialties."""
    outcome = assess(background=b.background(bachelor_specialty_related=False))
    assert failed(outcome) == ["bachelor_specialty_related"]


def test_every_failed_rule_is_reported_not_only_the_first() -> None:
    background = b.background(
        kaztest=KazTest(90), gpa=Gpa("2.5", GradeScale.FOUR), bachelor_specialty_related=False
    )
    assert failed(assess(background=background)) == [
        "gpa_at_least_minimum",
        "kaztest_at_least_minimum",
        "bachelor_specialty_related",
    ]


def test_the_outcome_records_the_facts_it_looked_at() -> None:
    outcome = assess(background=b.background(kaztest=KazTest(104)))
    assert outcome.facts["kaztest.correct_answers"] == "104"
    assert outcome.ruleset_id == "eligibility-2023-campaign"


def test_every_failure_cites_its_seed() -> None:
    outcome = assess(background=b.background(kaztest=KazTest(10)))
    assert outcome.failures[0].source.startswith("001_ae4fa7f8f80c9f9c.txt lines 224-278")


def test_foreign_language_at_minimum_is_undecided_where_no_table_has_a_row() -> None:
    """No threshold table in force has a row for a general-competition master's in Argentina
    (001 lines 497-500 name no general competition; 002's appendix 1 names no Argentina): the
    rules are silent, the case is not refused."""
    plan = b.plan(Programme.MASTERS, Category.GENERAL, country="AR")
    outcome = assess(plan, b.background(certificates=(b.ielts("7.0"),)))
    assert (outcome.decided, undecided(outcome)) == (False, ["foreign_language_at_minimum"])
    assert "language-thresholds-order318-2018" in outcome.rulesets_tried


def test_a_failed_rule_decides_even_where_another_is_undecided() -> None:
    """A refusal is a rule's verdict: KazTest 90 of 150 fails whatever the language table says."""
    plan = b.plan(Programme.MASTERS, Category.GENERAL, country="AR")
    outcome = assess(plan, b.background(kaztest=KazTest(90)))
    assert outcome.decided
    assert failed(outcome) == ["kaztest_at_least_minimum"]


NON_QUOTA = [
    (Programme.MASTERS, Category.GENERAL),
    (Programme.MASTERS, Category.SELF_ADMITTED_MASTERS),
    (Programme.RESIDENCY, Category.GENERAL),
    (Programme.RESIDENCY, Category.SELF_ADMITTED_DOCTORATE_RESIDENCY),
    (Programme.DOCTORATE, Category.GENERAL),
    (Programme.DOCTORATE, Category.SELF_ADMITTED_DOCTORATE_RESIDENCY),
]


@pytest.mark.parametrize(("programme", "category"), NON_QUOTA)
def test_non_quota_academic_unconditional_invitation_required(
    programme: Programme, category: Category
) -> None:
    """001 lines 98, 133: an unconditional invitation from a recommended university; the
    Order-318 label (general competition or self-admitted) does not change the outcome."""
    outcome = assess(
        b.plan(programme, category), b.background(unconditional_invitation=False, gpa=None)
    )
    assert failed(outcome) == ["unconditional_invitation_from_recommended_university"]


@pytest.mark.parametrize(("programme", "category"), NON_QUOTA)
def test_non_quota_academic_gpa_not_considered(programme: Programme, category: Category) -> None:
    """001 lines 110, 141: "средний балл бакалавра или специалиста не учитывается": no GPA, or
    a low one, changes nothing, whatever the label."""
    for gpa in (None, Gpa("1.50", GradeScale.FOUR)):
        outcome = assess(b.plan(programme, category), b.background(gpa=gpa))
        assert outcome.eligible, (gpa, outcome.failures)
        assert "gpa_at_least_minimum" not in outcome.rules_checked


@pytest.mark.parametrize("category", [Category.GENERAL, Category.SELF_ADMITTED_DOCTORATE_RESIDENCY])
@pytest.mark.parametrize("programme", [Programme.RESIDENCY, Programme.DOCTORATE])
def test_residency_and_doctorate_have_no_foreign_language_rule(
    programme: Programme, category: Category
) -> None:
    """001 lines 127-146 (and 000 lines 151-157) name no foreign-language requirement for
    residency and doctorate, unlike the master's block (001 line 106): no certificate at all
    is eligible, for either label (the reasoning is in the ruleset's notes)."""
    outcome = assess(b.plan(programme, category), b.background(certificates=()))
    assert outcome.eligible
    assert "foreign_language_at_minimum" not in outcome.rules_checked
    assert "foreign-language" in CAMPAIGN.notes


def test_internship_gpa_not_considered_and_not_needed() -> None:
    """001 line 178: the GPA is not considered for an internship; none need be submitted."""
    plan = b.plan(Programme.INTERNSHIP, Category.TEACHER)
    outcome = assess(plan, b.background(gpa=None, total_work_months=48))
    assert outcome.eligible, outcome.failures
