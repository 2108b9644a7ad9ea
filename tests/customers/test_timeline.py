"""A customer's activity on one line: orders, consents, changes, imports,
merges and quality events, newest first, with what the reader may not see
left out."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from customers import services
from customers.models import QualityIssue
from governance.services import consent as consent_services
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def purposes(db):
    """The purposes the data migration seeds (a browser test's flush may
    have emptied the table since)."""
    importlib.import_module("governance.migrations.0002_purposes").seed(apps, None)


def timeline(page: str) -> list[tuple[str, str]]:
    """(badge, text) of each activity entry, in page order."""
    block = page.split('<ol class="timeline"')[1].split("</ol>")[0]
    return [
        (badge, re.sub(r"<[^>]+>", "", text).strip())
        for badge, text in re.findall(
            r'<span class="badge event-\w+">([^<]+)</span>\s*(.*?)</li>', block, re.S
        )
    ]


def test_the_timeline_merges_every_kind_of_event_newest_first(page_client_for, manager, steward):
    ada = services.customer_create(
        data={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
        source="import of crm.csv",
        actor=steward,
    )
    OrderFactory(
        customer=ada, external_id="A-1", ordered_at=timezone.now() - dt.timedelta(days=400)
    )
    consent_services.consent_grant(
        customer=ada,
        purpose="email_marketing",
        channel="email",
        capture_method="web_form",
        source="sign-up",
        wording_version="v1",
        occurred_at=timezone.now() - dt.timedelta(days=10),
    )
    QualityIssue.objects.create(
        customer=ada,
        field="phone",
        code="missing_phone",
        message="No phone number.",
        detected_by="rules",
    )
    services.customer_update(
        customer=ada, data={"city": "London"}, source="web form", actor=manager
    )

    page = page_client_for(manager).get(ada.get_absolute_url()).content.decode()
    events = timeline(page)

    badges = [badge for badge, _ in events]
    assert badges[:2] == ["Change", "Quality"]  # the newest: today's edit, then the issue
    assert badges[-1] == "Order"  # 400 days ago
    assert "Consent" in badges
    assert any("Email marketing by email: granted (web form)" in text for _, text in events)
    assert any(
        text.startswith("Changed by max.manager: updated from web form (city)")
        for _, text in events
    )
    assert any(badge == "Import" for badge, _ in events)
    assert any("A-1: " in text for _, text in events)


def test_the_timeline_hides_what_the_reader_may_not_see(page_client_for, marketing_user, manager):
    ada = services.customer_create(
        data={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
        source="crm",
    )
    QualityIssue.objects.create(
        customer=ada,
        field="date_of_birth",
        code="implausible_dob",
        message="Born 1815-12-10: over 130 years ago.",
        detected_by="rules",
    )

    staff_page = page_client_for(marketing_user).get(ada.get_absolute_url()).content.decode()
    manager_page = page_client_for(manager).get(ada.get_absolute_url()).content.decode()

    assert ("Quality", "date of birth: restricted") in timeline(staff_page)
    assert "1815" not in staff_page
    assert ("Quality", "date of birth: Born 1815-12-10: over 130 years ago.") in timeline(
        manager_page
    )
