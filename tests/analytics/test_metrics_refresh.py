"""Buying-pattern metrics and RFM scores, checked by hand on a small set.

The reference day is 30 June 2026. Five customers have ordered (N = 5), so a
score is 1 + (the number of buyers with a strictly worse value):

| customer | orders up to 30 June (GBP unless said) | recency | count | spent | R F M | segment |
| --- | --- | ---: | ---: | ---: | --- | --- |
| ann | 29 Jun 100, 1 Jun 50 | 1 | 2 | 150 | 4 3 3 | Potential loyalist |
| bob | 29 Jun 30 | 1 | 1 | 30 | 4 1 2 | New |
| cat | 1 May 200, 1 Apr 100, 1 Mar 60 | 60 | 3 | 360 | 3 5 5 | Loyal |
| dan | 1 Jan 150 (and 15 Jul 999, after the day) | 180 | 1 | 150 | 1 1 3 | Lost |
| eve | 1 Mar 20, 1 Feb EUR 500 | 121 | 2 | 20 | 2 3 1 | At risk |
| fay | none | | 0 | 0 | | |

Ties: ann and bob share recency 1 (both R 4), bob and dan one order (both
F 1), ann and dan 150 spent (both M 3).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers.analytics import services as metrics_module
from customers.analytics.rfm import SEGMENT_RULES, Scorer, segment_for
from customers.analytics.services import metrics_refresh
from customers.models import CustomerMetrics, RfmSegment
from customers.tasks import metrics_refresh_task
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T12:00"))


def order(customer, day: str, amount: str, currency: str = "GBP"):
    return OrderFactory(
        customer=customer,
        ordered_at=at(day),
        currency=currency,
        lines=[{"amount": Decimal(amount)}],
    )


@pytest.fixture
def people():
    people = {
        name: CustomerFactory(first_name=name)
        for name in ("ann", "bob", "cat", "dan", "eve", "fay")
    }
    order(people["ann"], "2026-06-29", "100")
    order(people["ann"], "2026-06-01", "50")
    order(people["bob"], "2026-06-29", "30")
    order(people["cat"], "2026-05-01", "200")
    order(people["cat"], "2026-04-01", "100")
    order(people["cat"], "2026-03-01", "60")
    order(people["dan"], "2026-01-01", "150")
    order(people["dan"], "2026-07-15", "999")
    order(people["eve"], "2026-03-01", "20")
    order(people["eve"], "2026-02-01", "500", currency="EUR")
    return people


EXPECTED = {
    "ann": (2, "150.00", "75.00", 1, (4, 3, 3), RfmSegment.POTENTIAL_LOYALIST),
    "bob": (1, "30.00", "30.00", 1, (4, 1, 2), RfmSegment.NEW),
    "cat": (3, "360.00", "120.00", 60, (3, 5, 5), RfmSegment.LOYAL),
    "dan": (1, "150.00", "150.00", 180, (1, 1, 3), RfmSegment.LOST),
    "eve": (2, "20.00", "20.00", 121, (2, 3, 1), RfmSegment.AT_RISK),
}


def figures(people) -> dict:
    rows = {m.customer_id: m for m in CustomerMetrics.objects.all()}
    return {
        name: (
            rows[c.pk].order_count,
            str(rows[c.pk].total_spent),
            None if rows[c.pk].avg_order_value is None else str(rows[c.pk].avg_order_value),
            rows[c.pk].recency_days,
            (rows[c.pk].rfm_r, rows[c.pk].rfm_f, rows[c.pk].rfm_m),
            rows[c.pk].rfm_segment,
        )
        for name, c in people.items()
    }


def test_it_scores_the_hand_checked_set_with_equal_values_getting_equal_scores(people):
    result = metrics_refresh(as_of=AS_OF)

    assert (result.customers, result.buyers) == (6, 5)
    got = figures(people)
    assert {name: got[name] for name in EXPECTED} == EXPECTED
    assert got["fay"] == (0, "0.00", None, None, (None, None, None), "")


def test_it_keeps_first_and_last_order_and_leaves_out_orders_after_the_day(people):
    metrics_refresh(as_of=AS_OF)

    dan = CustomerMetrics.objects.get(customer=people["dan"])
    cat = CustomerMetrics.objects.get(customer=people["cat"])
    assert dan.last_order_at == at("2026-01-01")
    assert (cat.first_order_at, cat.last_order_at) == (at("2026-03-01"), at("2026-05-01"))
    assert {m.as_of for m in CustomerMetrics.objects.all()} == {AS_OF}


def test_the_portable_path_gives_the_same_figures_as_the_postgresql_statement(people):
    metrics_refresh(as_of=AS_OF)
    by_sql = figures(people)
    CustomerMetrics.objects.all().delete()

    metrics_module._refresh_portable(AS_OF)

    assert figures(people) == by_sql


def test_a_second_refresh_on_a_later_day_updates_the_rows_in_place(people):
    metrics_refresh(as_of=AS_OF)
    metrics_refresh(as_of=dt.date(2026, 7, 31))

    dan = CustomerMetrics.objects.get(customer=people["dan"])
    assert CustomerMetrics.objects.count() == 6
    assert (dan.order_count, dan.recency_days, str(dan.total_spent)) == (2, 16, "1149.00")


def test_a_large_tie_at_the_bottom_all_gets_the_lowest_score():
    # Seven buyers with 1, 1, 1, 1, 2, 3 and 5 orders: 1 + floor(5 * worse / 7).
    score = Scorer([1, 1, 1, 1, 2, 3, 5], higher_is_better=True)

    assert [score(v) for v in (1, 2, 3, 5)] == [1, 3, 4, 5]


def test_recency_scores_the_most_recent_highest():
    score = Scorer([0, 0, 10, 40, 400], higher_is_better=False)

    assert [score(v) for v in (0, 10, 40, 400)] == [4, 3, 2, 1]


def test_every_combination_of_scores_has_exactly_the_segment_of_the_first_matching_line():
    segments = {segment_for(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}

    assert segments == set(RfmSegment.values)
    assert segment_for(5, 5, 5) == RfmSegment.CHAMPIONS
    assert segment_for(1, 5, 5) == RfmSegment.CANT_LOSE
    assert segment_for(2, 2, 2) == RfmSegment.HIBERNATING
    assert len(SEGMENT_RULES) == len(RfmSegment.values)


def test_the_command_refreshes_as_of_the_day_given(people, capsys):
    call_command("refresh_metrics", "--as-of", "2026-06-30")

    assert "as of 2026-06-30: 6 customers, 5 of them with orders" in capsys.readouterr().out
    assert CustomerMetrics.objects.get(customer=people["cat"]).rfm_segment == RfmSegment.LOYAL


@pytest.mark.parametrize(
    ("value", "message"),
    [("30/06/2026", "YYYY-MM-DD"), ("2999-01-01", "future day")],
)
def test_the_command_refuses_a_bad_or_future_day(value, message):
    with pytest.raises(CommandError, match=message):
        call_command("refresh_metrics", "--as-of", value)
    assert not CustomerMetrics.objects.exists()


def test_the_nightly_task_refreshes_as_of_today(people):
    outcome = metrics_refresh_task()

    assert outcome == {"as_of": timezone.localdate().isoformat(), "customers": 6, "written": 6}
    assert CustomerMetrics.objects.get(customer=people["dan"]).order_count == 2


def rows_written() -> int:
    """Row versions the metrics table has received so far (inserts and
    updates), from PostgreSQL's own statistics of this transaction."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
            [CustomerMetrics._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_a_second_refresh_with_no_new_orders_rewrites_nothing(people):
    first = metrics_refresh(as_of=AS_OF)
    before = rows_written()
    kept = figures(people)

    second = metrics_refresh(as_of=AS_OF)

    assert (first.written, second.written) == (6, 0)
    assert rows_written() == before
    assert figures(people) == kept


def test_a_new_order_rewrites_only_the_rows_whose_figures_moved(people):
    metrics_refresh(as_of=AS_OF)
    order(people["fay"], "2026-06-30", "10")

    result = metrics_refresh(as_of=AS_OF)

    # fay now has an order; the other buyers' scores are over six buyers
    # instead of five, which moves some of them.
    moved = {
        name
        for name, row in figures(people).items()
        if name != "fay" and row[4] != EXPECTED[name][4]
    }
    assert result.written == 1 + len(moved)
    assert CustomerMetrics.objects.get(customer=people["fay"]).order_count == 1
