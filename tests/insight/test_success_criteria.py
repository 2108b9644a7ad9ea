"""Success criteria: a metric of the registry, a comparator, a target and a
date; a SMART check that warns; measured live today and from the daily
snapshots for past days."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from insight import selectors
from insight.models import SuccessCriterion
from mis import metrics
from tests.factories import CustomerFactory
from tests.insight.factories import criterion, strategy

pytestmark = pytest.mark.django_db


def test_a_complete_criterion_passes_the_smart_check():
    assert criterion(strategy()).smart_warnings == []


def test_the_smart_check_warns_about_each_missing_part():
    vague = criterion(
        strategy(), description="Better data", metric="", params={}, target=None, deadline=None
    )

    assert vague.smart_warnings == [
        "No measurable metric: choose one from the registry.",
        "No target: say what figure counts as success.",
        "No date: say by when the target is to be reached.",
    ]


def test_a_criterion_names_a_metric_of_the_registry_with_its_parameters():
    made = strategy()
    with pytest.raises(ValidationError) as unknown:
        criterion(made, metric="happiness", params={})
    with pytest.raises(ValidationError) as bad_field:
        criterion(made, params={"field": "shoe_size"})

    assert "is not a metric" in unknown.value.message_dict["metric"][0]
    assert "“shoe_size” is not a field" in bad_field.value.message_dict["params"][0]
    assert not SuccessCriterion.objects.exists()


def test_a_criterion_is_measured_live_against_the_customer_database():
    CustomerFactory.create_batch(3)
    CustomerFactory(email="")
    made = criterion(strategy(), target=Decimal("90"))

    result = selectors.criterion_measure(made)

    assert (result.value, result.display, result.met, result.source) == (
        Decimal("75.0000"),
        "75.0%",
        False,
        "live",
    )


def test_at_most_comparators_judge_the_other_way():
    CustomerFactory.create_batch(2)
    made = criterion(strategy(), comparator="lte", target=Decimal("100"))

    assert selectors.criterion_measure(made).met is True


def test_a_metric_without_data_cannot_be_judged_rather_than_failing():
    made = criterion(strategy(), metric="average_order_value", params={}, target=Decimal("40"))

    result = selectors.criterion_measure(made)

    assert (result.display, result.met) == ("no data", None)


def test_a_past_day_is_read_from_that_days_snapshot_not_measured_again():
    CustomerFactory.create_batch(4)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    metrics.metrics_snapshot(as_of=yesterday)
    CustomerFactory.create_batch(4, email="")  # today completeness falls to 50%
    made = criterion(strategy(), target=Decimal("90"))

    past = selectors.criterion_measure(made, as_of=yesterday)
    today = selectors.criterion_measure(made)

    assert (past.value, past.met) == (Decimal("100.0000"), True)
    assert past.source.startswith("snapshot of")
    assert (today.value, today.met) == (Decimal("50.0000"), False)


def test_a_past_day_without_a_snapshot_has_no_figure():
    made = criterion(strategy())

    result = selectors.criterion_measure(made, as_of=timezone.localdate() - dt.timedelta(days=5))

    assert result.value is None and result.met is None
    assert result.source.startswith("no snapshot on")


def test_the_trend_of_a_criterion_comes_from_the_daily_snapshots():
    CustomerFactory.create_batch(2)
    today = timezone.localdate()
    for days_ago in (2, 1):
        metrics.metrics_snapshot(as_of=today - dt.timedelta(days=days_ago))
    made = criterion(strategy())

    trend = selectors.criterion_trend(made)

    assert trend == [
        (today - dt.timedelta(days=2), Decimal("100.0000")),
        (today - dt.timedelta(days=1), Decimal("100.0000")),
    ]


def test_the_statement_reads_as_a_sentence():
    made = criterion(strategy(), target=Decimal("90.00"), deadline=dt.date(2027, 6, 30))

    assert made.statement == "Field completeness (email) at least 90 by 30 Jun 2027"
