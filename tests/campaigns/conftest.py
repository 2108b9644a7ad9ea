"""Three members reached by email for the newsletter, in one snapshot of one campaign."""

import importlib
from dataclasses import dataclass

import pytest
from django.apps import apps

from customers.campaigns.services import campaign_create
from customers.models import Campaign, Customer
from customers.segments.services import segment_create, snapshot_take
from tests.factories import CustomerFactory
from tests.governance.consents import grant_newsletter
from tests.quality.conftest import install_default_rules


@dataclass
class Mailing:
    campaign: Campaign
    ann: Customer
    bob: Customer
    cat: Customer


@pytest.fixture
def mailing(db, manager) -> Mailing:
    importlib.import_module("governance.migrations.0002_purposes").seed(apps, None)
    install_default_rules()
    people = [
        CustomerFactory(first_name=name, email=f"{name.lower()}@example.com", city="Leeds")
        for name in ("Ann", "Bob", "Cat")
    ]
    for person in people:
        grant_newsletter(person)
    leeds = segment_create(
        name="Leeds", rules={"op": "and", "rules": [{"field": "city", "value": ["Leeds"]}]},
        actor=manager,
    )  # fmt: skip
    snapshot = snapshot_take(
        segment=leeds, purpose="email_marketing", channel="email", actor=manager
    )
    assert snapshot.member_count == 3
    campaign = campaign_create(name="Spring newsletter", snapshots=[snapshot], actor=manager)
    return Mailing(campaign, *people)


def responses_csv(path, mailing: Mailing):
    """Everyone delivered; Ann opens, clicks and buys for 120; Bob
    unsubscribes; Cat's address hard-bounces."""
    a, b, c = (str(p.public_id) for p in (mailing.ann, mailing.bob, mailing.cat))
    path.write_text(
        "customer,event,timestamp,value,bounce_type\n"
        f"{a},delivered,2026-03-02T09:00:00+00:00,,\n"
        f"{b},delivered,2026-03-02T09:00:00+00:00,,\n"
        f"{c},bounced,2026-03-02T09:00:05+00:00,,hard\n"
        f"{a},opened,2026-03-02T10:00:00+00:00,,\n"
        f"{a},clicked,2026-03-02T10:01:00+00:00,,\n"
        f"{a},converted,2026-03-03T12:00:00+00:00,120.00,\n"
        f"{b},unsubscribed,2026-03-02T11:00:00+00:00,,\n"
    )
    return path
