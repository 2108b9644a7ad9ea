"""Information requirements: coverage measured live from the customer
database through the metrics registry, shortfalls with their numbers, and
collection options ranked by a stated rule."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from customers.models import QualityIssue
from insight import selectors
from insight.models import CollectionOption, InformationRequirement
from insight.services.records import record_create
from mis import metrics
from tests.factories import CustomerFactory
from tests.insight.factories import requirement, source

pytestmark = pytest.mark.django_db


def test_a_requirement_is_met_when_every_field_reaches_both_thresholds():
    CustomerFactory.create_batch(4)
    need = requirement(fields=["email", "postcode"])

    [coverage] = selectors.requirement_coverage()

    assert coverage.requirement == need
    assert coverage.state == selectors.CoverageState.MET
    assert [f.completeness.value for f in coverage.fields] == [Decimal("100.0000")] * 2
    assert coverage.gaps == []


def test_missing_values_make_a_shortfall_that_gives_the_numbers():
    CustomerFactory.create_batch(3)
    CustomerFactory(occupation="")
    requirement(statement="Target by occupation", fields=["occupation"], min_completeness=90)

    [shortfall] = selectors.requirement_shortfalls()

    assert shortfall.requirement.statement == "Target by occupation"
    assert shortfall.gaps == ["occupation completeness 75.0%, needs 90% (short by 15.0 points)"]


def test_invalid_values_flagged_by_quality_issues_lower_validity():
    good, bad = CustomerFactory.create_batch(2)
    QualityIssue.objects.create(
        customer=bad, field="email", code="invalid_email", message="bad", detected_by="import 1"
    )
    requirement(fields=["email"], min_validity=95)

    [shortfall] = selectors.requirement_shortfalls()

    assert shortfall.gaps == ["email validity 50.0%, needs 95% (short by 45.0 points)"]


def test_an_empty_database_is_a_shortfall_of_no_data_not_a_made_up_number():
    requirement(fields=["phone"])

    [shortfall] = selectors.requirement_shortfalls()

    assert shortfall.gaps == [
        "phone completeness: no data (needs 90%)",
        "phone validity: no data (needs 95%)",
    ]


def test_a_requirement_without_fields_is_not_measured_and_not_a_shortfall():
    CustomerFactory()
    requirement(statement="Competitor prices", fields=[])

    [coverage] = selectors.requirement_coverage()

    assert coverage.state == selectors.CoverageState.NOT_MEASURED
    assert selectors.requirement_shortfalls() == []


def test_each_field_is_measured_once_however_many_requirements_name_it(
    django_assert_max_num_queries,
):
    CustomerFactory.create_batch(3)
    for n in range(6):
        requirement(statement=f"need {n}", fields=["email"])

    # The requirements, the latest snapshot's day (none), then completeness
    # (2) and validity (2) once.
    with django_assert_max_num_queries(6):
        coverage = selectors.requirement_coverage()

    assert len(coverage) == 6


def test_pages_read_todays_snapshot_and_measure_now_on_request(page_client_for, marketing_user):
    CustomerFactory.create_batch(4)
    metrics.metrics_snapshot()  # every field 100% complete this morning
    CustomerFactory.create_batch(4, occupation="")  # half of them lack it now
    requirement(statement="Target by occupation", fields=["occupation"])
    client = page_client_for(marketing_user)

    from_snapshot = client.get(reverse("insight:requirements")).content.decode()
    measured_now = client.get(reverse("insight:requirements"), {"live": "1"}).content.decode()

    assert "Figures from the metrics registry's snapshot of" in from_snapshot
    assert "None: every measured requirement is met." in from_snapshot
    assert "Measured now." in measured_now
    assert "occupation completeness 50.0%, needs 90%" in measured_now


def test_a_snapshot_makes_coverage_cost_three_queries_whatever_the_fields(
    django_assert_max_num_queries,
):
    CustomerFactory.create_batch(2)
    metrics.metrics_snapshot()
    requirement(fields=["email", "phone", "postcode", "occupation", "region"])

    # The requirements, the latest snapshot's day, its figures.
    with django_assert_max_num_queries(3):
        [coverage] = selectors.requirement_coverage()

    assert coverage.state == selectors.CoverageState.MET


def test_a_snapshot_older_than_yesterday_is_not_shown_as_current():
    import datetime as dt

    from django.utils import timezone

    CustomerFactory.create_batch(2)
    metrics.metrics_snapshot(as_of=timezone.localdate() - dt.timedelta(days=2))
    CustomerFactory(email="")
    requirement(fields=["email"])

    [shortfall] = selectors.requirement_shortfalls()

    assert shortfall.fields[0].completeness.display == "66.7%"  # measured now


def test_a_requirement_names_only_known_customer_fields(marketing_user):
    with pytest.raises(ValidationError) as refused:
        record_create(
            InformationRequirement,
            actor=marketing_user,
            data={
                "statement": "s",
                "need": "must_have",
                "moscow": "must",
                "marketing_objective": "o",
                "fields": ["email", "shoe_size"],
            },
        )

    assert refused.value.message_dict["fields"][0].startswith(
        "Not a customer data component: shoe_size."
    )
    assert not InformationRequirement.objects.exists()


def test_a_nice_to_know_cannot_be_a_moscow_must_in_the_form_or_the_database(marketing_user):
    data = {"statement": "s", "need": "nice_to_know", "moscow": "must", "marketing_objective": "o"}
    with pytest.raises(ValidationError) as refused:
        record_create(InformationRequirement, actor=marketing_user, data=data)
    assert "moscow" in refused.value.message_dict

    with pytest.raises(IntegrityError):
        InformationRequirement.objects.create(**data)


def test_an_outsider_cannot_add_requirements(outsider):
    with pytest.raises(PermissionDenied):
        record_create(InformationRequirement, actor=outsider, data={"statement": "s"})


def test_options_are_ranked_by_net_score_then_cost_then_reliability():
    need = requirement()
    crm, broker, survey_firm = (
        source(name="CRM", reliability=5),
        source(name="List broker", kind="external", reliability=2),
        source(name="Survey firm", kind="external", reliability=4),
    )
    # net 3, dearer; net 3, cheaper, less reliable; net 3 same cost more reliable; net 1
    CollectionOption.objects.create(
        requirement=need, source=crm, method="form", cost=500, benefit=4, risk=1
    )
    CollectionOption.objects.create(
        requirement=need, source=broker, method="purchase", cost=100, benefit=5, risk=2
    )
    CollectionOption.objects.create(
        requirement=need, source=survey_firm, method="survey", cost=100, benefit=4, risk=1
    )
    CollectionOption.objects.create(
        requirement=need, source=broker, method="import", cost=10, benefit=2, risk=1
    )

    ranked = [(o.source.name, o.method, o.rank) for o in selectors.collection_options_ranked()]

    assert ranked == [
        ("Survey firm", "survey", 1),
        ("List broker", "purchase", 2),
        ("CRM", "form", 3),
        ("List broker", "import", 4),
    ]


def test_ranks_restart_for_each_requirement():
    first, second = requirement(statement="first"), requirement(statement="second")
    crm = source(name="CRM")
    CollectionOption.objects.create(
        requirement=first, source=crm, method="form", cost=1, benefit=3, risk=1
    )
    CollectionOption.objects.create(
        requirement=second, source=crm, method="form", cost=1, benefit=2, risk=1
    )

    assert [o.rank for o in selectors.collection_options_ranked()] == [1, 1]


class TestPages:
    def test_the_requirements_page_lists_shortfalls_with_numbers(
        self, page_client_for, marketing_user
    ):
        CustomerFactory(occupation="")
        requirement(statement="Target by occupation", fields=["occupation"])

        page = page_client_for(marketing_user).get(reverse("insight:requirements")).content.decode()

        assert "Target by occupation" in page
        assert "occupation completeness 0.0%, needs 90%" in page

    def test_the_options_page_states_its_ranking_rule(self, page_client_for, marketing_user):
        CollectionOption.objects.create(
            requirement=requirement(),
            source=source(name="CRM"),
            method="form",
            cost=5,
            benefit=3,
            risk=1,
        )

        page = page_client_for(marketing_user).get(reverse("insight:options")).content.decode()

        assert selectors.RANKING_RULE in page
        assert "CRM" in page

    def test_roles_without_the_view_permission_are_refused(self, page_client_for, outsider):
        client = page_client_for(outsider)

        assert client.get(reverse("insight:requirements")).status_code == 403
        assert client.get(reverse("insight:options")).status_code == 403
        assert client.get(reverse("insight:index")).status_code == 200
