"""Marketing staff write the insight records in the browser: the forms save
through the same services as the API and admin, so the same rules hold and
their refusals show on the form."""

from decimal import Decimal

import pytest
from django.urls import reverse

from insight.models import (
    BusinessCase,
    BusinessCaseStatus,
    InformationRequirement,
    Insight,
    InsightStrategy,
    Stakeholder,
)
from tests.insight.factories import complete_business_case, in_force, strategy

pytestmark = pytest.mark.django_db


def new(kind):
    return reverse("insight:record-new", args=[kind])


def edit(kind, ident):
    return reverse("insight:record-edit", args=[kind, ident])


def test_marketing_writes_a_business_case_and_submits_it_from_the_pages(
    page_client_for, marketing_user
):
    client = page_client_for(marketing_user)

    response = client.post(
        new("business-case"),
        {"title": "One customer database", "problem": "Four spreadsheets disagree."},
    )
    case = BusinessCase.objects.get()
    assert response["Location"] == reverse("insight:business-case", args=[case.public_id])
    assert case.author == marketing_user
    client.post(
        new("case-objective"),
        {"case": case.pk, "statement": "One record each", "strategy_goal": "Retention"},
    )
    client.post(new("case-option"), {"case": case.pk, "name": "Build", "cost": 10, "benefit": 30})
    client.post(
        new("case-risk"),
        {"case": case.pk, "description": "Dirty data", "likelihood": 4, "impact": 3},
    )
    page = client.get(reverse("insight:business-case", args=[case.public_id])).content.decode()
    assert "a recommended option" in page  # still missing
    client.post(
        edit("business-case", case.public_id),
        {
            "title": case.title,
            "problem": case.problem,
            "recommended_option": case.options.get().pk,
        },
    )

    response = client.post(
        reverse("insight:business-case-submit", args=[case.public_id]), follow=True
    )

    assert "Submitted: a manager decides on it in admin." in response.content.decode()
    assert BusinessCase.objects.get().status == BusinessCaseStatus.SUBMITTED


def test_a_submitted_case_can_no_longer_be_changed_from_the_page(page_client_for, marketing_user):
    from insight import services

    case = complete_business_case(author=marketing_user)
    services.business_case_submit(case=case, actor=marketing_user)

    response = page_client_for(marketing_user).post(
        new("case-risk"),
        {"case": case.pk, "description": "Late", "likelihood": 2, "impact": 2},
    )

    assert response.status_code == 400
    # The case is not offered any more: only drafts and rejected cases are.
    assert "Select a valid choice" in response.content.decode()
    assert case.risks.count() == 1


def test_a_requirement_names_its_fields_with_tick_boxes_and_rules_show_on_the_form(
    page_client_for, marketing_user
):
    client = page_client_for(marketing_user)
    form = client.get(new("requirement")).content.decode()
    assert 'type="checkbox" name="fields" value="postcode"' in form

    refused = client.post(
        new("requirement"),
        {
            "statement": "Regional reach",
            "need": "nice_to_know",
            "moscow": "must",
            "marketing_objective": "Open two stores",
            "fields": ["postcode", "region"],
            "min_completeness": 90,
            "min_validity": 95,
        },
    )
    assert refused.status_code == 400
    assert "A nice-to-know cannot be a MoSCoW “must”." in refused.content.decode()

    client.post(
        new("requirement"),
        {
            "statement": "Regional reach",
            "need": "nice_to_know",
            "moscow": "could",
            "marketing_objective": "Open two stores",
            "fields": ["region", "postcode"],
            "min_completeness": 90,
            "min_validity": 95,
        },
    )
    saved = InformationRequirement.objects.get()
    # Kept in the order of the data components, whatever order they came in.
    assert saved.fields == ["region", "postcode"] and saved.created_by == marketing_user


def test_a_strategy_made_on_the_page_is_owned_by_its_author_and_locked_once_approved(
    page_client_for, marketing_user
):
    client = page_client_for(marketing_user)
    data = {
        "title": "Know our repeat buyers",
        "summary": "s",
        "marketing_strategy": "m",
        "review_interval_months": 6,
        "quality_metric": "quality_score",
        "quality_params": "{}",
    }

    client.post(new("strategy"), data)
    made = in_force(InsightStrategy.objects.get())
    refused = client.post(edit("strategy", made.public_id), {**data, "title": "Changed"})

    assert made.owner == marketing_user
    assert refused.status_code == 400
    assert "changed only after an evaluation" in refused.content.decode()
    assert InsightStrategy.objects.get().title == "Know our repeat buyers"


def test_a_criterion_form_offers_the_registry_and_reports_bad_parameters(
    page_client_for, marketing_user
):
    made = strategy()
    client = page_client_for(marketing_user)
    form = client.get(new("criterion"), {"strategy": made.pk}).content.decode()
    assert '<option value="user_satisfaction">User satisfaction</option>' in form

    response = client.post(
        new("criterion"),
        {
            "strategy": made.pk,
            "description": "Valid emails",
            "metric": "field_validity",
            "params": '{"field": "shoe_size"}',
            "comparator": "gte",
            "target": "95",
        },
    )

    assert response.status_code == 400
    assert "“shoe_size” is not a field" in response.content.decode()
    assert not made.criteria.exists()


def test_an_insight_with_a_file_is_recorded_from_the_page(
    page_client_for, marketing_user, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    made = strategy()

    response = page_client_for(marketing_user).post(
        new("insight"),
        {
            "strategy": made.pk,
            "finding": "Spring buyers lapse.",
            "evidence_file": SimpleUploadedFile("survey.csv", b"a,b\n"),
            "confidence": "low",
            "recommended_action": "Autumn campaign.",
            "status": "proposed",
        },
    )

    assert response.status_code == 302, response.content.decode()
    insight = Insight.objects.get()
    assert insight.owner == marketing_user and insight.evidence_file.name.endswith("survey.csv")


def test_stakeholders_are_placed_on_the_influence_interest_grid(page_client_for, marketing_user):
    client = page_client_for(marketing_user)
    client.post(
        new("stakeholder"),
        {"name": "Dee Director", "role": "decision_maker", "influence": 5, "interest": 2},
    )

    page = client.get(reverse("insight:stakeholders")).content.decode()

    assert Stakeholder.objects.get().engagement == "keep satisfied"
    assert "Dee Director (decision maker)" in page


@pytest.mark.parametrize("kind", ["strategy", "business-case", "requirement"])
def test_roles_without_the_permission_are_refused(page_client_for, steward, outsider, kind):
    assert page_client_for(steward).get(new(kind)).status_code == 403
    assert page_client_for(outsider).get(new(kind)).status_code == 403


def test_the_steward_keeps_the_register_of_sources(page_client_for, steward):
    response = page_client_for(steward).post(
        new("source"),
        {
            "name": "Loyalty app",
            "kind": "internal",
            "annual_cost": "1200",
            "reliability": 4,
            "refresh": "daily",
            "legal_basis": "contract",
        },
    )

    assert response.status_code == 302
    page = page_client_for(steward).get(reverse("insight:options")).content.decode()
    assert "Loyalty app" in page and "£1,200" in page


def test_an_unknown_record_kind_is_not_found(page_client_for, manager):
    assert page_client_for(manager).get(new("spaceship")).status_code == 404
    assert page_client_for(manager).get(edit("strategy", "not-a-uuid")).status_code == 404


def test_money_fields_keep_their_pennies(page_client_for, marketing_user):
    made = strategy()

    page_client_for(marketing_user).post(
        new("task"),
        {
            "strategy": made.pk,
            "title": "Till prompt",
            "owner": marketing_user.pk,
            "starts_on": "2026-01-01",
            "due_on": "2026-02-01",
            "budget_planned": "1234.56",
            "budget_actual": "0",
            "status": "planned",
        },
    )

    assert made.tasks.get().budget_planned == Decimal("1234.56")


def test_a_consultation_must_be_about_a_case_or_a_strategy(page_client_for, marketing_user):
    from tests.insight.factories import StakeholderFactory

    response = page_client_for(marketing_user).post(
        new("consultation"),
        {
            "stakeholder": StakeholderFactory().pk,
            "held_on": "2026-05-04",
            "topic": "Budget",
            "feedback_summary": "Supportive",
        },
    )

    assert response.status_code == 400
    assert "Say which business case or strategy it was about." in response.content.decode()


def test_staff_record_what_a_stakeholder_said_and_it_shows_on_the_effectiveness_page(
    page_client_for, marketing_user, manager
):
    from tests.insight.factories import StakeholderFactory

    director = StakeholderFactory(name="Dee Director")
    client = page_client_for(marketing_user)
    form = client.get(new("feedback")).content.decode()

    response = client.post(
        new("feedback"),
        {"source": "stakeholder", "stakeholder": director.pk, "rating": 2, "comment": "Too slow"},
    )
    missing = client.post(new("feedback"), {"source": "stakeholder", "comment": "Who?"})

    assert 'value="user"' not in form  # users rate through the footer link
    assert response["Location"] == reverse("insight:effectiveness")
    assert "Say which stakeholder gave it." in missing.content.decode()
    page = page_client_for(manager).get(reverse("insight:effectiveness")).content.decode()
    assert "stakeholder Dee Director (2/5): “Too slow”" in page


def test_no_requirement_is_added_to_an_approved_strategy(page_client_for, marketing_user):
    made = in_force(strategy())

    response = page_client_for(marketing_user).post(
        new("requirement"),
        {
            "strategy": made.pk,
            "statement": "Late addition",
            "need": "must_have",
            "moscow": "must",
            "marketing_objective": "o",
            "min_completeness": 90,
            "min_validity": 95,
        },
    )

    assert response.status_code == 400
    assert "changed only after an evaluation recommends" in response.content.decode()
    assert not InformationRequirement.objects.exists()
