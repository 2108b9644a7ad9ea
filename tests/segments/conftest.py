"""A hand-built set of customers for the segment rules; each rule's matches
are worked out by hand in tests/segments/test_rules.py.

- ann: GB, Greater London, London, SW1A 1AA; 36; 40k-60k; Engineer; chess and
  cycling; urban professional, quality; tier gold, score 7, vip yes, joined
  2024-01-31, ratio 1.5; customer; online books 100 five days ago, store
  garden 50 forty days ago.
- bob: IE, Leinster, Dublin, no postcode; 66; under 20k; Teacher; gardening;
  retired, tradition; tier silver, score 2, ratio 10.25; lapsed; phone garden
  20 four hundred days ago.
- cat: GB, Greater Manchester, Manchester, M1 1AE; no age or income;
  Engineer; no interests, lifestyle or values; lead; no orders.
- dan: GB, Greater London, London, EC1A 1BB; 26; over 100k; Nurse; chess;
  student, value for money; customer; online toys 10 two, three and four days
  ago, marketplace toys EUR 1000 a day ago.
- quality scores: ann 90, bob 80, dan 40, cat not checked.
- eve: archived; London, Engineer, chess, tier gold; online books 500 a day
  ago. Never matches, but is measured by the metrics refresh.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.analytics.services import metrics_refresh
from customers.models import AttributeType, CustomerQuality
from customers.segments.rules import years_before
from tests.factories import AttributeDefinitionFactory, CustomerFactory, OrderFactory


def born_aged(age: int) -> dt.date:
    return years_before(timezone.localdate(), age) - dt.timedelta(days=10)


def buy(
    customer, days_ago: int, amount: str, *, channel="online", category="books", currency="GBP"
):
    OrderFactory(
        customer=customer,
        ordered_at=timezone.now() - dt.timedelta(days=days_ago),
        channel=channel,
        currency=currency,
        lines=[{"amount": Decimal(amount), "product_category": category}],
    )


@pytest.fixture
def people(db):
    AttributeDefinitionFactory(name="tier", data_type=AttributeType.CHOICE)
    AttributeDefinitionFactory(name="score", data_type=AttributeType.INTEGER)
    AttributeDefinitionFactory(name="vip", data_type=AttributeType.BOOLEAN)
    AttributeDefinitionFactory(name="joined", data_type=AttributeType.DATE)
    AttributeDefinitionFactory(name="ratio", data_type=AttributeType.DECIMAL)
    ann = CustomerFactory(
        first_name="ann",
        region="Greater London",
        city="London",
        postcode="SW1A 1AA",
        date_of_birth=born_aged(36),
        income_band="40k_60k",
        occupation="Engineer",
        interests=["chess", "cycling"],
        lifestyle="urban_professional",
        values="quality",
        attributes={
            "tier": "gold",
            "score": 7,
            "vip": True,
            "joined": "2024-01-31",
            "ratio": "1.5",
        },
        lifecycle_stage="customer",
    )
    bob = CustomerFactory(
        first_name="bob",
        country="IE",
        region="Leinster",
        city="Dublin",
        postcode="",
        phone="",
        date_of_birth=born_aged(66),
        income_band="under_20k",
        occupation="Teacher",
        interests=["gardening"],
        lifestyle="retired",
        values="tradition",
        attributes={"tier": "silver", "score": 2, "ratio": "10.25"},
        lifecycle_stage="lapsed",
    )
    cat = CustomerFactory(
        first_name="cat",
        region="Greater Manchester",
        city="Manchester",
        postcode="M1 1AE",
        date_of_birth=None,
        income_band="",
        occupation="Engineer",
        lifestyle="",
        values="",
        lifecycle_stage="lead",
    )
    dan = CustomerFactory(
        first_name="dan",
        region="Greater London",
        city="London",
        postcode="EC1A 1BB",
        date_of_birth=born_aged(26),
        income_band="over_100k",
        occupation="Nurse",
        interests=["chess"],
        lifestyle="student",
        values="value_for_money",
        lifecycle_stage="customer",
    )
    eve = CustomerFactory(
        first_name="eve",
        city="London",
        region="Greater London",
        occupation="Engineer",
        interests=["chess"],
        attributes={"tier": "gold"},
        archived_at=timezone.now(),
    )
    buy(ann, 5, "100", category="books")
    buy(ann, 40, "50", channel="store", category="garden")
    buy(bob, 400, "20", channel="phone", category="garden")
    for days in (2, 3, 4):
        buy(dan, days, "10", category="toys")
    buy(dan, 1, "1000", channel="marketplace", category="toys", currency="EUR")
    buy(eve, 1, "500")
    # Quality scores as the quality check would leave them (cat not checked yet).
    for customer, score in ((ann, 90), (bob, 80), (dan, 40)):
        CustomerQuality.objects.create(customer=customer, score=score, changed_at=timezone.now())
    metrics_refresh()
    return {"ann": ann, "bob": bob, "cat": cat, "dan": dan, "eve": eve}
