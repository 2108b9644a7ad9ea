"""The field registry is the one declaration of each customer field: the
model agrees with it, and every face (import mapping and cleaning, masking,
the API, segment rules, the export, erasure, the register) takes a field up
from it alone."""

import pytest

from customers import fields as registry
from customers.api.serializers import CustomerInputSerializer
from customers.erasure import anonymised_values
from customers.exports import customer_export_fields, export_columns
from customers.imports.mapping import suggest_mapping, target_fields
from customers.imports.rows import RowCleaner
from customers.masking import masked_fields_for
from customers.models import Customer, ImportKind
from customers.segments.rules import field_rule_types
from governance.register import field_tags

pytestmark = pytest.mark.django_db

NICKNAME = registry.CustomerField(
    "nickname",
    "nickname",
    "identity",
    registry.Type.TEXT,
    max_length=40,
    sensitive=True,
    aliases=("nick", "known_as"),
    segment=registry.SegmentRule.ANY_TEXT,
)


@pytest.fixture
def with_nickname(monkeypatch):
    monkeypatch.setattr(registry, "FIELDS", (*registry.FIELDS, NICKNAME))


def test_every_field_of_the_model_is_in_the_registry_or_is_the_records_machinery():
    model_fields = {
        field.name
        for field in Customer._meta.get_fields()
        if field.concrete or field.many_to_many
        # Reverse relations (another model's many-to-many to customers) are
        # auto-created and have no primary_key attribute.
        if not field.auto_created or getattr(field, "primary_key", False)
    }
    assert model_fields == set(registry.names()) | set(registry.SYSTEM_FIELDS)
    assert not set(registry.names()) & set(registry.SYSTEM_FIELDS)


def test_the_model_takes_its_limits_from_the_registry():
    for spec in registry.FIELDS:
        field = Customer._meta.get_field(spec.name)
        if spec.type == registry.Type.TAGS:
            field = field.related_model._meta.get_field("name")
        if spec.max_length and spec.type != registry.Type.COUNTRY:
            assert field.max_length == spec.max_length, spec.name
        if spec.type == registry.Type.INTEGER:
            bounds = {type(v).__name__: v.limit_value for v in field.validators}
            assert bounds["MinValueValidator"] == spec.min_value
            assert bounds["MaxValueValidator"] == spec.max_value
        if spec.choices is not None:
            assert list(field.choices) == list(spec.choices.choices), spec.name


def test_every_personal_field_says_what_erasure_does_and_is_blanked_unless_kept_on_purpose():
    erased = anonymised_values()
    for spec in registry.FIELDS:
        if spec.erasure == registry.Erasure.BLANK and spec.type != registry.Type.TAGS:
            assert erased[spec.name] == spec.empty
        if spec.personal and spec.erasure == registry.Erasure.KEEP:
            # The only personal field erasure keeps: a country alone names nobody.
            assert spec.name == "country"


def test_a_field_added_to_the_registry_reaches_every_face(with_nickname, marketing_user, manager):
    # Import: a target, found by its alias, cleaned to its limit.
    assert "nickname" in target_fields(ImportKind.CUSTOMERS)
    assert suggest_mapping(["Email", "Known As"], ImportKind.CUSTOMERS)["nickname"] == "Known As"
    cleaner = RowCleaner()
    assert cleaner.clean({"email": "a@example.com", "nickname": "  Bo   Bo "}).values[
        "nickname"
    ] == ("Bo Bo")
    too_long = cleaner.clean({"email": "a@example.com", "nickname": "x" * 41})
    assert [(f.field, f.code) for f in too_long.flags] == [("nickname", "too_long")]

    # Masking, the API, segments.
    assert "nickname" in masked_fields_for(marketing_user)
    assert "nickname" not in masked_fields_for(manager)
    api_field = CustomerInputSerializer().fields["nickname"]
    assert api_field.max_length == 40
    rule = field_rule_types()["nickname"]
    assert rule.sensitive
    assert rule.component == "identity"

    # Export: a column, refused to those who may not see it.
    assert "nickname" in export_columns()
    assert "nickname" in customer_export_fields(requested=None, actor=manager)
    assert "nickname" not in customer_export_fields(requested=None, actor=marketing_user)

    # Erasure blanks it; the register lists it as personal and sensitive.
    assert anonymised_values()["nickname"] == ""
    tag = {row["field"]: row for row in field_tags()}["nickname"]
    assert tag["category"] == "identity"
    assert tag["personal"] and tag["sensitive"]
    assert registry.data_components()["identity"][-1] == "nickname"
