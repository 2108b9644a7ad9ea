"""The metrics registry: measures from real data, "no data" where there is
none, parameters checked, and daily snapshots that can be re-run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from customers.models import QualityIssue
from mis import metrics
from mis.models import MetricSnapshot
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_every_metric_has_a_label_unit_and_description():
    for metric in metrics.all_metrics():
        assert metric.label and metric.description
        assert metric.unit in metrics.Unit.values


def test_field_completeness_is_the_share_of_live_records_with_a_value():
    CustomerFactory.create_batch(3)
    CustomerFactory(occupation="")
    archived = CustomerFactory(occupation="")
    archived.archived_at = timezone.now()
    archived.save()

    result = metrics.measure("field_completeness", params={"field": "occupation"})

    assert result.value == Decimal("75.0000")
    assert result.display == "75.0%"


def test_field_validity_counts_records_with_an_open_issue_on_the_field_as_invalid():
    good, bad = CustomerFactory.create_batch(2)
    QualityIssue.objects.create(
        customer=bad, field="email", code="invalid_email", message="bad", detected_by="test"
    )

    result = metrics.measure("field_validity", params={"field": "email"})

    assert result.value == Decimal("50.0000")


def test_an_empty_database_gives_no_data_rather_than_a_number():
    for name in ("active_customers", "repeat_purchase_rate", "average_order_value"):
        result = metrics.measure(name, as_of=TODAY)
        assert result.value is None
        assert result.display == "no data"
    assert metrics.measure("field_completeness", params={"field": "email"}).value is None


def test_measures_not_built_yet_say_no_data():
    CustomerFactory()
    assert metrics.measure("duplicate_rate").display == "no data"


def test_buying_pattern_measures_read_the_orders_up_to_the_day():
    once, twice = CustomerFactory.create_batch(2)
    OrderFactory(
        customer=once,
        ordered_at=at(TODAY - dt.timedelta(days=10)),
        lines=[{"amount": Decimal("30.00")}],
    )
    OrderFactory(
        customer=twice,
        ordered_at=at(TODAY - dt.timedelta(days=400)),
        lines=[{"amount": Decimal("50.00")}],
    )
    OrderFactory(
        customer=twice,
        ordered_at=at(TODAY - dt.timedelta(days=5)),
        lines=[{"amount": Decimal("10.00")}],
    )
    OrderFactory(
        customer=twice,
        ordered_at=at(TODAY + dt.timedelta(days=5)),
        lines=[{"amount": Decimal("999.00")}],
    )

    assert metrics.measure("active_customers", as_of=TODAY).value == 2
    assert metrics.measure("repeat_purchase_rate", as_of=TODAY).value == Decimal("50.0000")
    assert metrics.measure("average_order_value", as_of=TODAY).value == Decimal("20.0000")
    assert metrics.measure("revenue_12m", as_of=TODAY).value == Decimal("40.0000")


def test_amounts_in_another_currency_are_not_added_to_the_reporting_currency():
    customer = CustomerFactory()
    OrderFactory(
        customer=customer,
        ordered_at=at(TODAY),
        currency="EUR",
        lines=[{"amount": Decimal("100.00")}],
    )

    assert metrics.measure("average_order_value", as_of=TODAY).value is None


def test_it_refuses_an_unknown_metric_or_parameter_and_says_which():
    with pytest.raises(ValidationError, match="“nonsense” is not a metric"):
        metrics.measure("nonsense")
    with pytest.raises(ValidationError, match="Field completeness needs: field"):
        metrics.measure("field_completeness")
    with pytest.raises(ValidationError, match="“shoe_size” is not a field"):
        metrics.measure("field_completeness", params={"field": "shoe_size"})
    with pytest.raises(ValidationError, match="takes no field"):
        metrics.measure("customers", params={"field": "email"})


def test_a_snapshot_stores_every_metric_and_a_second_one_replaces_the_first():
    today = timezone.localdate()
    CustomerFactory(occupation="")
    stored = metrics.metrics_snapshot(as_of=today)
    assert stored == MetricSnapshot.objects.filter(taken_on=today).count()
    occupation = MetricSnapshot.objects.get(
        metric="field_completeness", params_key="field=occupation", taken_on=today
    )
    assert occupation.value == Decimal("0")
    assert MetricSnapshot.objects.get(metric="duplicate_rate", taken_on=today).value is None

    CustomerFactory(occupation="Nurse")
    assert metrics.metrics_snapshot(as_of=today) == stored
    occupation.refresh_from_db()
    assert occupation.value == Decimal("50.0000")
    assert MetricSnapshot.objects.filter(taken_on=today).count() == stored


def test_trend_gives_the_snapshots_oldest_first():
    CustomerFactory()
    today = timezone.localdate()
    for days_ago in (2, 1, 0):
        metrics.metrics_snapshot(as_of=today - dt.timedelta(days=days_ago))

    points = metrics.trend("customers", days=30)

    assert [day for day, _ in points] == [today - dt.timedelta(days=d) for d in (2, 1, 0)]


def test_the_command_snapshots_a_given_day_and_rejects_a_bad_one(capsys):
    call_command("snapshot_metrics", "--as-of", "2026-01-31")
    assert MetricSnapshot.objects.filter(taken_on=dt.date(2026, 1, 31)).exists()
    assert "Recorded" in capsys.readouterr().out
    with pytest.raises(Exception, match="not a date"):
        call_command("snapshot_metrics", "--as-of", "31/01/2026")


def test_a_snapshot_reads_every_fields_counts_in_a_few_queries(django_assert_max_num_queries):
    CustomerFactory.create_batch(3)
    fields = len(metrics.get("field_completeness").choices["field"]())

    # Two measures per field, each field's counts from the same four queries.
    with django_assert_max_num_queries(fields + 40):
        metrics.metrics_snapshot(as_of=TODAY)

    with metrics.measuring():
        first = metrics.measure("field_completeness", params={"field": "email"})
        CustomerFactory(email="")
        same = metrics.measure("field_completeness", params={"field": "email"})
    after = metrics.measure("field_completeness", params={"field": "email"})

    assert first.value == same.value == 100
    assert after.value == 75
