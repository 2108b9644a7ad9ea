"""Every rule type compiles to the right condition: checked against the
hand-built set in conftest.py (archived eve never matches).

RFM over the four measured buyers (eve is archived but still measured):
dan R3 F4 M2 Loyal, ann R2 F3 M3 At risk, bob R1 F1 M1 Lost, eve R3 F1 M4
Hibernating; cat has no orders.
"""

import pytest
from django.core.exceptions import ValidationError

from customers.segments.compiler import compile_rules, segment_queryset


def names(rules, **options) -> set[str]:
    return set(segment_queryset(rules, **options).values_list("first_name", flat=True))


def only(rule: dict) -> dict:
    return {"op": "and", "rules": [rule]}


CASES = [
    ({"field": "country", "value": ["IE"]}, {"bob"}),
    ({"field": "country", "value": ["gb"]}, {"ann", "cat", "dan"}),
    ({"field": "region", "value": ["GREATER LONDON"]}, {"ann", "dan"}),
    ({"field": "city", "value": ["london", "Dublin"]}, {"ann", "bob", "dan"}),
    ({"field": "postcode_prefix", "value": "sw1a"}, {"ann"}),
    ({"field": "postcode_prefix", "value": "M1"}, {"cat"}),
    ({"field": "age", "value": {"min": 30, "max": 40}}, {"ann"}),
    ({"field": "age", "value": {"min": 60}}, {"bob"}),
    ({"field": "age", "value": {"max": 26}}, {"dan"}),
    ({"field": "income_band", "value": ["over_100k", "under_20k"]}, {"bob", "dan"}),
    ({"field": "occupation", "value": ["engineer"]}, {"ann", "cat"}),
    ({"field": "interests", "value": ["Chess", "cycling"]}, {"ann", "dan"}),
    ({"field": "lifestyle", "value": ["retired"]}, {"bob"}),
    ({"field": "values", "value": ["tradition", "quality"]}, {"ann", "bob"}),
    ({"field": "attribute", "name": "tier", "value": ["gold"]}, {"ann"}),
    ({"field": "attribute", "name": "score", "value": {"min": 5}}, {"ann"}),
    ({"field": "attribute", "name": "score", "value": {"max": 2}}, {"bob"}),
    ({"field": "attribute", "name": "vip", "value": True}, {"ann"}),
    ({"field": "attribute", "name": "joined", "value": {"min": "2024-01-01"}}, {"ann"}),
    # 10.25 is above 2 as a number, though not as text.
    ({"field": "attribute", "name": "ratio", "value": {"min": "2"}}, {"bob"}),
    ({"field": "rfm_r", "value": {"min": 3}}, {"dan"}),
    ({"field": "rfm_f", "value": {"max": 1}}, {"bob"}),
    ({"field": "rfm_m", "value": {"min": 3}}, {"ann"}),
    ({"field": "rfm_segment", "value": ["loyal", "lost"]}, {"bob", "dan"}),
    ({"field": "rfm_segment", "value": ["at_risk"]}, {"ann"}),
    ({"field": "last_order_within_days", "value": 7}, {"ann", "dan"}),
    ({"field": "total_spent", "value": {"min": "100"}}, {"ann"}),
    ({"field": "total_spent", "value": {"max": "30"}}, {"bob", "cat", "dan"}),
    ({"field": "order_count", "value": {"min": 3}}, {"dan"}),
    ({"field": "order_count", "value": {"max": 0}}, {"cat"}),
    ({"field": "category_bought", "value": ["garden"]}, {"ann", "bob"}),
    ({"field": "category_bought", "value": ["TOYS"]}, {"dan"}),
    ({"field": "channel", "value": ["phone", "marketplace"]}, {"bob", "dan"}),
    ({"field": "lifecycle_stage", "value": ["lead"]}, {"cat"}),
    ({"field": "quality_score", "value": {"min": 80}}, {"ann", "bob"}),
    ({"field": "quality_score", "value": {"max": 50}}, {"dan"}),
]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[c[0]["field"] for c in CASES])
def test_each_rule_type_matches_exactly_the_customers_worked_out_by_hand(people, rule, expected):
    assert names(only(rule)) == expected


def test_every_rule_type_but_consent_is_covered_by_the_cases():
    from customers.segments.rules import RULE_TYPES

    assert {rule["field"] for rule, _ in CASES} == set(RULE_TYPES) - {"consent"}


def test_groups_nest_and_combine_with_and_and_or(people):
    rules = {
        "op": "and",
        "rules": [
            {"field": "country", "value": ["GB"]},
            {
                "op": "or",
                "rules": [
                    {"field": "occupation", "value": ["nurse"]},
                    {"field": "postcode_prefix", "value": "M1"},
                ],
            },
        ],
    }
    assert names(rules) == {"cat", "dan"}
    assert names({"op": "or", "rules": rules["rules"]}) == {"ann", "cat", "dan"}


def test_a_customer_matching_several_values_of_a_many_valued_rule_is_counted_once(people):
    queryset = segment_queryset(only({"field": "interests", "value": ["chess", "cycling"]}))

    assert queryset.count() == 2


def test_a_consent_rule_is_refused_when_no_governance_backend_is_configured(people, settings):
    settings.CUSTOMER_POLICY_BACKEND = ""
    rule = {"field": "consent", "value": {"purpose": "marketing", "channel": "email"}}

    with pytest.raises(ValidationError) as caught:
        compile_rules(only(rule))

    [message] = caught.value.message_dict["rules"]
    assert message.startswith("Rule 1 (May be contacted (consent)): consent cannot be checked")
    assert "CUSTOMER_POLICY_BACKEND" in message


def test_a_consent_rule_asks_the_governance_backend(people, settings):
    settings.CUSTOMER_POLICY_BACKEND = "tests.segments.policy_backend"
    rule = {"field": "consent", "value": {"purpose": "marketing", "channel": "email"}}

    assert names(only(rule)) == {"ann", "cat", "dan"}
    with pytest.raises(ValidationError, match="unknown channel “sms”"):
        compile_rules(only({**rule, "value": {"purpose": "marketing", "channel": "sms"}}))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "shoe_size", "value": 9}, "Rule 1: “shoe_size” is not a rule type"),
        ({"field": "country", "value": []}, "Rule 1 (Country): give a non-empty list of values."),
        ({"field": "country", "value": ["XX"]}, "Rule 1 (Country): not a known value: XX"),
        ({"field": "income_band", "value": ["rich"]}, "not a known value: rich"),
        (
            {"field": "age", "value": {"min": 50, "max": 40}},
            "the minimum 50 is above the maximum 40",
        ),
        ({"field": "age", "value": {"min": "old"}}, "min must be a whole number, not “old”"),
        ({"field": "age", "value": {}}, "give a minimum, a maximum or both"),
        ({"field": "rfm_r", "value": {"min": 6}}, "min must be at most 5"),
        ({"field": "total_spent", "value": {"min": "-1"}}, "min must be at least 0"),
        ({"field": "last_order_within_days", "value": 0}, "between 1 and 36500"),
        ({"field": "last_order_within_days", "value": "soon"}, "not “soon”"),
        ({"field": "postcode_prefix", "value": "  "}, "give a non-empty text"),
        ({"field": "city"}, "a rule needs a “value”"),
        ({"field": "city", "value": ["x"], "colour": 1}, "unknown key: colour"),
        ({"field": "attribute", "name": "nope", "value": ["x"]}, "“nope” is not a defined"),
        ({"field": "attribute", "name": "tier", "value": ["platinum"]}, "not a known value"),
        ({"field": "attribute", "name": "vip", "value": "yes"}, "give true or false"),
        ({"field": "attribute", "name": "joined", "value": {"min": "31/01/2024"}}, "YYYY-MM-DD"),
    ],
)
def test_a_bad_rule_is_refused_with_its_place_and_reason(people, rule, message):
    with pytest.raises(ValidationError) as caught:
        compile_rules(only(rule))

    assert any(message in error for error in caught.value.message_dict["rules"])


def test_every_problem_is_reported_at_once_with_its_place(db):
    rules = {
        "op": "and",
        "rules": [
            {"field": "city", "value": ["London"]},
            {"field": "age", "value": {"min": 9, "max": 1}},
            {"op": "xor", "rules": [{"field": "country", "value": ["ZZ"]}]},
        ],
    }

    with pytest.raises(ValidationError) as caught:
        compile_rules(rules)

    errors = caught.value.message_dict["rules"]
    assert errors[0] == "Rule 2 (Age): the minimum 9 is above the maximum 1."
    assert errors[1] == "Group 3: “xor” is not and/or."
    assert errors[2].startswith("Rule 3.1 (Country): not a known value: ZZ")


def test_groups_may_not_nest_too_deep_nor_be_empty(db):
    deep = {
        "op": "and",
        "rules": [
            {
                "op": "or",
                "rules": [
                    {
                        "op": "and",
                        "rules": [{"op": "or", "rules": [{"field": "city", "value": ["x"]}]}],
                    }
                ],
            }
        ],
    }

    with pytest.raises(ValidationError, match="nest at most 3 deep"):
        compile_rules(deep)
    with pytest.raises(ValidationError, match="The top group: add at least one rule"):
        compile_rules({"op": "and", "rules": []})
    assert compile_rules({"op": "and", "rules": []}, allow_empty=True).rule_count == 0


@pytest.mark.parametrize("field", ["age", "income_band", "interests", "lifestyle", "values"])
def test_sensitive_rules_need_the_sensitive_data_permission(people, marketing_user, manager, field):
    value = {
        "age": {"min": 18},
        "income_band": ["40k_60k"],
        "interests": ["chess"],
        "lifestyle": ["retired"],
        "values": ["quality"],
    }[field]
    rule = only({"field": field, "value": value})

    with pytest.raises(ValidationError, match="permission to use sensitive data"):
        compile_rules(rule, user=marketing_user)
    assert compile_rules(rule, user=manager).rule_count == 1


def test_the_checked_rules_are_normalised_for_saving(db):
    compiled = compile_rules(
        only({"field": "postcode_prefix", "value": " sw1a  1 "}), allow_empty=False
    )

    assert compiled.rules == {
        "op": "and",
        "rules": [{"field": "postcode_prefix", "value": "SW1A 1"}],
    }
