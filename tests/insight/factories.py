"""Factories for the insight app: complete, valid objects by default."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from insight import services
from insight.models import BusinessCase, Stakeholder, StakeholderRole
from tests.factories import UserFactory


def complete_business_case(*, author=None, **overrides) -> BusinessCase:
    """A draft case with everything a decision maker needs to judge it."""
    data = {
        "title": "One customer database for marketing",
        "problem": "Customer data sits in four spreadsheets; campaigns reach some people twice.",
        "marketing_strategy": "Grow repeat purchases by a fifth in two years.",
        "objectives": [
            {
                "statement": "One record per customer",
                "strategy_goal": "Retention",
                "target": "duplicate rate under 2%",
            }
        ],
        "options": [
            {"name": "Build MIS", "cost": Decimal("40000"), "benefit": Decimal("90000")},
            {"name": "Buy a CDP", "cost": Decimal("120000"), "benefit": Decimal("100000")},
        ],
        "risks": [
            {
                "description": "Low data quality at migration",
                "likelihood": 4,
                "impact": 3,
                "mitigation": "Import with a quality report and fix at source.",
            }
        ],
        "recommended_option": "Build MIS",
        **overrides,
    }
    return services.business_case_create(author=author or UserFactory(), **data)


class StakeholderFactory(DjangoModelFactory[Stakeholder]):
    class Meta:
        model = Stakeholder

    name = factory.Faker("name", locale="en_GB")
    role = StakeholderRole.DECISION_MAKER
    influence = 5
    interest = 4


HELD_ON = dt.date(2026, 5, 4)


def requirement(**overrides):
    from insight.models import InformationRequirement

    data = {
        "statement": "Who can we email about new products?",
        "need": "must_have",
        "moscow": "must",
        "marketing_objective": "Grow repeat purchases by 20%",
        "fields": ["email"],
        **overrides,
    }
    instance = InformationRequirement(**data)
    instance.full_clean()
    instance.save()
    return instance


def source(**overrides):
    from insight.models import InformationSource

    data = {
        "name": f"Source {InformationSource.objects.count() + 1}",
        "kind": "internal",
        "reliability": 4,
        "refresh": "daily",
        "legal_basis": "contract",
        **overrides,
    }
    return InformationSource.objects.create(**data)


def strategy(*, owner=None, **overrides):
    from insight.models import InsightStrategy

    data = {
        "title": "Know our repeat buyers",
        "summary": "Find out why first-time buyers do not come back, and act on it.",
        "marketing_strategy": "Grow repeat purchases by 20% in 2027.",
        **overrides,
    }
    return InsightStrategy.objects.create(owner=owner or UserFactory(), **data)


def criterion(strategy, **overrides):
    from insight.models import SuccessCriterion

    data = {
        "description": "Most records can be emailed",
        "metric": "field_completeness",
        "params": {"field": "email"},
        "comparator": "gte",
        "target": Decimal("90"),
        "deadline": dt.date(2027, 6, 30),
        **overrides,
    }
    instance = SuccessCriterion(strategy=strategy, **data)
    instance.full_clean()
    instance.save()
    return instance


def sign_off(strategy, *, committed=True, role="decision_maker"):
    from insight.models import Consultation

    return Consultation.objects.create(
        stakeholder=StakeholderFactory(role=role),
        strategy=strategy,
        held_on=HELD_ON,
        topic="Approval of the strategy",
        feedback_summary="Agrees the criteria and the budget.",
        committed=committed,
    )


def ready_for_approval(owner=None):
    """A strategy in consultation with everything approval needs."""
    from insight.models import InsightStrategy, StrategyStatus

    made = strategy(owner=owner)
    requirement(strategy=made)
    criterion(made)
    sign_off(made)
    InsightStrategy.objects.filter(pk=made.pk).update(status=StrategyStatus.IN_CONSULTATION)
    made.refresh_from_db()
    return made


def task(strategy, **overrides):
    from insight.models import CollectionTask

    data = {
        "title": "Add an email field to the till",
        "owner": strategy.owner,
        "starts_on": dt.date(2026, 1, 1),
        "due_on": dt.date(2026, 1, 31),
        "budget_planned": Decimal("1000"),
        **overrides,
    }
    instance = CollectionTask(strategy=strategy, **data)
    instance.full_clean()
    instance.save()
    return instance


def in_force(made, status="implementing"):
    """The strategy as if approved and under way."""
    from django.utils import timezone

    from insight.models import InsightStrategy

    InsightStrategy.objects.filter(pk=made.pk).update(
        status=status, approved_by=made.owner, approved_at=timezone.now()
    )
    made.refresh_from_db()
    return made
