"""Pages show people words and one readable format: labels for codes, a
segment's rules as a sentence, national phone numbers, one date format."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from customers.segments import services as segment_services
from customers.segments.sentence import rules_sentence
from governance.models import AuditEvent
from governance.services.audit import audit_record
from mis.labels import label_for
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


@pytest.mark.parametrize(
    ("code", "vocabulary", "words"),
    [
        ("customer_erased", "audit", "Customer erased"),
        ("dsr_fulfilled", "audit", "Data-subject request fulfilled"),
        ("no_consent", "exclusion", "No consent recorded"),
        ("email", "channel", "Email"),
        ("date_of_birth", "field", "Date of birth"),
        ("address_line1", "field", "Address line 1"),
        ("lifecycle_stage", "field", "Lifecycle stage"),
        ("something_new", "", "Something new"),
    ],
)
def test_a_code_becomes_its_label(code, vocabulary, words):
    assert label_for(code, vocabulary) == words


def test_a_purpose_code_becomes_the_purposes_label_from_the_database():
    from governance.models import Purpose

    Purpose.objects.update_or_create(code="email_marketing", defaults={"label": "Email marketing"})

    assert render('{{ code|label:"purpose" }}', code="email_marketing") == "Email marketing"


def test_segment_rules_read_as_a_sentence():
    rules = {
        "op": "and",
        "rules": [
            {"field": "region", "value": ["Greater London"]},
            {"field": "rfm_r", "value": {"min": 4}},
        ],
    }

    assert rules_sentence(rules) == "Region is Greater London and RFM recency score is 4 or more"


def test_nested_groups_and_choices_read_with_their_labels():
    rules = {
        "op": "or",
        "rules": [
            {"field": "lifecycle_stage", "value": ["lead", "customer"]},
            {
                "op": "and",
                "rules": [
                    {"field": "total_spent", "value": {"min": 1000, "max": 25000}},
                    {"field": "last_order_within_days", "value": 90},
                ],
            },
        ],
    }

    assert rules_sentence(rules) == (
        "Lifecycle stage is Lead or Customer or "
        "(Total spent is 1,000 to 25,000 and Last order within 90 days)"
    )


def test_a_uk_phone_shows_in_national_format_and_a_foreign_one_internationally():
    assert render("{{ p|phone }}", p="+447911123456") == "07911 123456"
    assert render("{{ p|phone }}", p="+33612345678") == "+33 6 12 34 56 78"
    assert render("{{ p|phone }}", p="not a number") == "not a number"


def test_dates_and_times_have_one_format_in_local_time():
    moment = dt.datetime(2026, 7, 4, 13, 5, tzinfo=dt.UTC)  # 14:05 in London (BST)

    assert render("{{ d|day }}", d=dt.date(2026, 12, 4)) == "4 Dec 2026"
    assert render("{{ m|moment }}", m=moment) == "4 Jul 2026, 14:05"
    assert render("{{ n|number }} {{ x|number:2 }}", n=1234567, x="1234.5") == "1,234,567 1,234.50"


def test_the_customer_page_shows_the_phone_and_birthday_readably(page_client_for, manager):
    ada = CustomerFactory(phone="+447911123456", date_of_birth=dt.date(1985, 12, 10))

    page = page_client_for(manager).get(ada.get_absolute_url()).content.decode()

    assert "07911 123456" in page
    assert "+447911123456" not in page
    assert "10 Dec 1985" in page


def test_the_customer_list_shows_phones_nationally(page_client_for, manager):
    CustomerFactory(phone="+447911123456")

    page = page_client_for(manager).get(reverse("customers:list")).content.decode()

    assert "07911 123456" in page
    assert "+447911123456" not in page


def test_the_governance_page_names_audit_events_in_words(page_client_for, dpo):
    audit_record(kind="dsr_fulfilled", actor=dpo, subject="request 1")
    AuditEvent.objects.update(at=timezone.now())

    page = page_client_for(dpo).get(reverse("governance:home")).content.decode()

    assert "Data-subject request fulfilled" in page
    assert "dsr_fulfilled" not in page


def test_a_segment_page_shows_its_versions_rules_as_a_sentence(page_client_for, manager):
    segment = segment_services.segment_create(
        name="London regulars",
        rules={"op": "and", "rules": [{"field": "region", "value": ["Greater London"]}]},
        actor=manager,
    )

    page = page_client_for(manager).get(reverse("segments:edit", args=[segment.public_id]))

    text = page.content.decode()
    assert "Region is Greater London" in text
    assert not re.search(r"\{'op'|&#x27;op&#x27;", text)
