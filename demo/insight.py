"""A worked example of the insight lifecycle for the demo database: a
business case decided, stakeholders consulted, and a strategy approved and
under way with its requirements, sources, options, criteria, plan and
insights. Everything goes through the services, so it obeys the same rules
(and leaves the same records) as work done by hand.

``python manage.py seed_insight_demo`` after ``seed_demo`` (it uses the demo
log-ins ``marketing`` and ``manager``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from insight import services
from insight.models import (
    BusinessCase,
    CollectionOption,
    CollectionTask,
    InformationRequirement,
    InformationSource,
    Insight,
    InsightStrategy,
    Stakeholder,
)
from insight.services.records import record_create

CASE_TITLE = "One customer database for marketing"
STRATEGY_TITLE = "Know our repeat buyers"


def _demo_exists() -> bool:
    return InsightStrategy.objects.filter(title=STRATEGY_TITLE).exists()


def insight_demo_reset() -> None:
    """Remove the example (and only it)."""
    InsightStrategy.objects.filter(title=STRATEGY_TITLE).delete()
    BusinessCase.objects.filter(title=CASE_TITLE).delete()
    InformationSource.objects.filter(name__startswith="Demo: ").delete()
    Stakeholder.objects.filter(organisation="Demo").delete()


@transaction.atomic
def insight_demo_seed(*, author, approver) -> InsightStrategy | None:
    """Create the example; None when it is there already."""
    if _demo_exists():
        return None
    today = timezone.localdate()
    director = Stakeholder.objects.create(
        name="Dee Director", organisation="Demo", role="decision_maker", influence=5, interest=4
    )
    sponsor = Stakeholder.objects.create(
        name="Sam Sponsor", organisation="Demo", role="sponsor", influence=4, interest=5
    )
    specialist = Stakeholder.objects.create(
        name="Ivy IT", organisation="Demo", role="systems_specialist", influence=2, interest=3
    )
    case = services.business_case_create(
        author=author,
        title=CASE_TITLE,
        problem="Customer data sits in four spreadsheets that disagree; campaigns reach "
        "some people twice and lapsed customers not at all.",
        marketing_strategy="Grow repeat purchases by a fifth by the end of 2027.",
        objectives=[
            {
                "statement": "One trustworthy record per customer",
                "strategy_goal": "Retention",
                "target": "duplicate rate under 2%",
            },
            {
                "statement": "Contactable customers",
                "strategy_goal": "Repeat purchases",
                "target": "90% of records with an email",
            },
        ],
        options=[
            {"name": "Build on MIS", "cost": Decimal("40000"), "benefit": Decimal("95000")},
            {"name": "Buy a CDP", "cost": Decimal("120000"), "benefit": Decimal("110000")},
            {"name": "Keep the spreadsheets", "cost": Decimal("0"), "benefit": Decimal("0")},
        ],
        risks=[
            {
                "description": "Poor data quality at migration",
                "likelihood": 4,
                "impact": 3,
                "mitigation": "Import with an error report; fix at source.",
            },
            {
                "description": "Staff keep using spreadsheets",
                "likelihood": 3,
                "impact": 4,
                "mitigation": "Training, and retire the spreadsheets on a set date.",
            },
        ],
        recommended_option="Build on MIS",
    )
    for person, committed in ((sponsor, True), (specialist, True)):
        services.consultation_record(
            stakeholder=person,
            actor=author,
            business_case=case,
            held_on=today - dt.timedelta(days=60),
            topic="The business case",
            feedback_summary="Supports building on MIS; wants a quarterly progress report.",
            committed=committed,
        )
    services.business_case_submit(case=case, actor=author, reason="Ready for the board")
    services.business_case_approve(case=case, actor=approver, comment="Agreed at the board")

    strategy = services.strategy_create(
        actor=author,
        data={
            "title": STRATEGY_TITLE,
            "summary": "Find out why first-time buyers do not come back, and what brings "
            "repeat buyers back, so that campaigns can act on it.",
            "marketing_strategy": "Repeat-purchase rate from 28% to 35% by June 2027.",
            "customer_base": "Today mostly one-off gift buyers in the South East; target: "
            "repeat buyers of home and garden across the UK.",
            "information_use": "Segments for campaigns, the monthly trading review.",
            "analysis_approach": "RFM segments and cohorts of first orders; a survey of "
            "lapsed customers.",
            "expert_advice": "ICO guidance on direct marketing; our agency on survey design.",
            "business_case": case,
            "review_interval_months": 6,
        },
    )
    requirements = [
        record_create(InformationRequirement, actor=author, data=data, created_by=author)
        for data in (
            {
                "strategy": strategy,
                "statement": "Who can we email or call about new products?",
                "need": "must_have",
                "moscow": "must",
                "marketing_objective": "Repeat purchases: win-back campaigns",
                "fields": ["email", "phone"],
            },
            {
                "strategy": strategy,
                "statement": "Where do our repeat buyers live?",
                "need": "must_have",
                "moscow": "should",
                "marketing_objective": "Regional store openings",
                "fields": ["postcode", "region"],
            },
            {
                "strategy": strategy,
                "statement": "Life stage and income of repeat buyers",
                "need": "nice_to_know",
                "moscow": "could",
                "marketing_objective": "Offer design",
                "fields": ["date_of_birth", "income_band"],
            },
        )
    ]
    sources = [
        InformationSource.objects.create(**data)
        for data in (
            {
                "name": "Demo: web shop orders",
                "kind": "internal",
                "reliability": 5,
                "refresh": "real_time",
                "legal_basis": "contract",
                "owner": author,
            },
            {
                "name": "Demo: customer survey",
                "kind": "internal",
                "annual_cost": Decimal("3000"),
                "reliability": 3,
                "refresh": "yearly",
                "legal_basis": "consent",
            },
            {
                "name": "Demo: postcode lifestyle data",
                "kind": "external",
                "annual_cost": Decimal("8000"),
                "reliability": 4,
                "refresh": "quarterly",
                "legal_basis": "legitimate_interests",
            },
        )
    ]
    CollectionOption.objects.bulk_create(
        [
            CollectionOption(
                requirement=requirements[0],
                source=sources[0],
                method="form",
                cost=Decimal("1500"),
                benefit=5,
                risk=1,
            ),
            CollectionOption(
                requirement=requirements[0],
                source=sources[1],
                method="survey",
                cost=Decimal("3000"),
                benefit=3,
                risk=2,
            ),
            CollectionOption(
                requirement=requirements[1],
                source=sources[2],
                method="purchase",
                cost=Decimal("8000"),
                benefit=4,
                risk=2,
            ),
            CollectionOption(
                requirement=requirements[2],
                source=sources[1],
                method="survey",
                cost=Decimal("3000"),
                benefit=3,
                risk=3,
            ),
        ]
    )
    deadline = today + dt.timedelta(days=240)
    for description, metric, params, target in (
        ("Most records can be emailed", "field_completeness", {"field": "email"}, 90),
        ("Repeat buyers grow", "repeat_purchase_rate", {}, 35),
        ("Records kept current", "verified_recently", {}, 60),
        ("Users find MIS useful", "user_satisfaction", {}, 4),
    ):
        services.criterion_create(
            strategy=strategy,
            actor=author,
            data={
                "description": description,
                "metric": metric,
                "params": params,
                "target": Decimal(target),
                "deadline": deadline,
            },
        )
    services.strategy_start_consultation(strategy=strategy, actor=author, reason="Draft complete")
    services.consultation_record(
        stakeholder=director,
        actor=author,
        strategy=strategy,
        held_on=today - dt.timedelta(days=20),
        topic="Approval of the strategy and its criteria",
        feedback_summary="Agrees the criteria; asks for the survey budget to be capped.",
        committed=True,
    )
    services.strategy_approve(strategy=strategy, actor=approver, comment="Agreed")
    start = today - dt.timedelta(days=30)
    CollectionTask.objects.bulk_create(
        [
            CollectionTask(
                strategy=strategy,
                title=title,
                owner=author,
                starts_on=start + dt.timedelta(days=offset),
                due_on=start + dt.timedelta(days=offset + length),
                budget_planned=Decimal(planned),
                budget_actual=Decimal(actual),
                status=status,
                completed_on=done,
                procedures="Customer data storage and security procedure",
            )
            for title, offset, length, planned, actual, status, done in (
                ("Email prompt at the till", 0, 20, 1500, 1400, "done", start + dt.timedelta(20)),
                ("Lapsed-customer survey", 10, 15, 3000, 3600, "in_progress", None),
                ("Buy postcode lifestyle data", 30, 30, 8000, 0, "planned", None),
                ("First RFM review", 45, 10, 500, 0, "planned", None),
            )
        ]
    )
    services.plan_agree(strategy=strategy, actor=approver, comment="Survey budget capped")
    services.strategy_start_implementation(strategy=strategy, actor=author, reason="Plan agreed")
    for finding, metric, action in (
        (
            "Customers whose first order was a gift rarely order again.",
            "repeat_purchase_rate",
            "Ask at checkout whether the order is a gift; follow up gift buyers with "
            "an offer for themselves.",
        ),
        (
            "Records without an email are twice as likely to lapse.",
            "field_completeness",
            "Prompt for an email at the till and on delivery notes.",
        ),
    ):
        record_create(
            Insight,
            actor=author,
            data={
                "strategy": strategy,
                "finding": finding,
                "evidence_metric": metric,
                "evidence_url": "/segments/",
                "confidence": "medium",
                "recommended_action": action,
            },
            owner=author,
        )
    return strategy
