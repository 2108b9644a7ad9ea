"""Each kind of quality rule judges records with the shared validation; bad
rule definitions are refused with the field and the reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import QualityRule
from customers.quality.rules import RuleSet
from tests.quality.conftest import install_default_rules

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 30)


def rule(**fields) -> QualityRule:
    defaults = {"code": fields.get("code", "r"), "name": "rule", "severity": "medium"}
    return QualityRule(**{**defaults, **fields})


def judge(r: QualityRule, **record):
    violations, passed = RuleSet([r], today=TODAY).judge(
        {"id": 1, "lifecycle_stage": "customer", "country": "GB", **record}
    )
    return [v.message for v in violations], passed


@pytest.mark.parametrize(
    "field, bad, good",
    [
        ("email", "ada@@example.com", "ada@example.com"),
        ("phone", "12345", "+447911123456"),
        ("postcode", "NOT A CODE", "SW1A 1AA"),
        ("date_of_birth", dt.date(1850, 1, 1), dt.date(1980, 1, 1)),
        ("country", "XX", "GB"),
    ],
)
def test_validity_rules_use_the_shared_validation(field, bad, good):
    r = rule(kind="validity", field=field)
    record = {} if field == "country" else {"country": "GB"}

    assert judge(r, **record, **{field: bad})[0]
    assert judge(r, **record, **{field: good}) == ([], {field})
    assert judge(r, **record, **{field: ""}) == ([], set())  # blank is completeness's business


def test_completeness_applies_to_its_lifecycle_stage_only():
    r = rule(kind="completeness", field="email", lifecycle_stage="customer")

    assert judge(r, email="") == (["email is missing"], set())
    assert judge(r, email="", lifecycle_stage="prospect") == ([], set())
    assert judge(r, email="a@example.com") == ([], set())


def test_currency_counts_months_from_the_day():
    r = rule(kind="currency", params={"months": 12})
    recent = timezone.make_aware(dt.datetime(2025, 8, 1))
    old = timezone.make_aware(dt.datetime(2025, 5, 1))

    assert judge(r, last_verified_at=recent) == ([], set())
    assert judge(r, last_verified_at=old)[0] == ["last verified 2025-05-01, over 12 months ago"]
    assert judge(r, last_verified_at=None)[0] == ["never verified"]


def test_a_pattern_rule_can_require_or_forbid_a_match():
    required = rule(kind="regex", field="external_id", params={"pattern": r"^CRM-\d+$"})
    forbidden = rule(
        kind="regex",
        field="first_name",
        params={"pattern": "(?i)test", "must_match": False, "message": "looks like a test"},
    )

    assert judge(required, external_id="CRM-12") == ([], set())
    assert judge(required, external_id="12")[0] == ["“12” does not match the pattern"]
    assert judge(forbidden, first_name="Test user")[0] == ["looks like a test"]
    assert judge(forbidden, first_name="Ada") == ([], set())


def test_consistency_finds_a_postcode_of_another_country():
    r = rule(kind="consistency", params={"check": "postcode_country"})

    message = judge(r, postcode="SW1A 1AA", country="US")[0]

    assert message == ["“SW1A 1AA” looks like a GB postcode, but the country is US"]
    assert judge(r, postcode="SW1A 1AA", country="GB") == ([], set())
    assert judge(r, postcode="90210", country="US") == ([], set())


def test_consistency_finds_a_phone_of_another_country():
    r = rule(kind="consistency", params={"check": "phone_country"})

    assert judge(r, phone="+33612345678", country="GB")[0] == [
        "the phone number +33612345678 is from FR, but the country is GB"
    ]
    assert judge(r, phone="+447911123456", country="GB") == ([], set())


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"kind": "validity", "field": "occupation"}, "field", "Validity is checked for"),
        ({"kind": "completeness", "field": "shoe_size"}, "field", "is not a field"),
        ({"kind": "currency", "params": {}}, "params", 'need {"months": N}'),
        ({"kind": "currency", "params": {"months": "12"}}, "params", 'need {"months": N}'),
        ({"kind": "regex", "field": "email", "params": {"pattern": "("}}, "params", "not a valid"),
        ({"kind": "consistency", "params": {"check": "moon"}}, "params", "name their check"),
        (
            {"kind": "completeness", "field": "email", "lifecycle_stage": "vip"},
            "lifecycle_stage",
            "is not a lifecycle stage",
        ),
    ],
)
def test_a_rule_that_cannot_be_applied_is_refused_with_the_reason(fields, field, message):
    with pytest.raises(ValidationError) as caught:
        rule(**fields).full_clean()

    assert message in " ".join(caught.value.message_dict[field])


def test_the_default_rules_are_installed_and_valid():
    QualityRule.objects.all().delete()
    install_default_rules()  # what the data migration runs

    rules = QualityRule.objects.filter(is_active=True)

    assert {"invalid_email", "missing_email_customer", "stale_verification"} <= set(
        rules.values_list("code", flat=True)
    )
    for r in rules:
        r.full_clean()
