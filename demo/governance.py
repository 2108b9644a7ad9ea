"""The demo's governance records, so that every governance page shows
something true: a retention policy, the published procedures everyone reads,
and a few data-subject requests at different stages. (The consent ledger is
written with the customers, by ``demo.writer``.) Everything goes through the
governance services, so it leaves the same audit trail as work done by hand.
Running it again adds nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from customers.models import Customer, LifecycleStage
from demo.writer import DEMO_SOURCE
from governance.models import (
    DataSubjectRequest,
    Procedure,
    RetentionPolicy,
)
from governance.models.retention import ConsentCondition, ErasureAction
from governance.services.procedures import procedure_publish
from governance.services.requests import dsr_identity_check, dsr_register

RETENTION_POLICY = "Lapsed customers: six years after their last order"
PROCEDURES = (
    (
        "customer-data-storage",
        "Where customer data may be kept",
        "storage",
        "Customer data lives in MIS only. Exports are deleted from laptops and shared "
        "drives within 7 days; never e-mail a customer file.",
    ),
    (
        "consent-before-contact",
        "Check consent before every campaign",
        "use",
        "Build every mailing list from a segment snapshot: it keeps only people whose "
        "consent for the purpose and channel is current, and leaves out the suppressed.",
    ),
    (
        "correcting-records",
        "Correcting a customer's record",
        "update",
        "Correct a record in MIS, never in a copy. Say why in the change reason; a "
        "steward reviews merges and corrections the quality sweep flags.",
    ),
)
# (kind, received how many days ago, how it came, identity checked)
REQUESTS = (
    ("access", 3, "email", False),
    ("erasure", 24, "letter", True),
    ("objection", 9, "phone", True),
    ("rectification", 40, "web form", True),
)


@transaction.atomic
def governance_demo_seed(*, dpo=None) -> dict[str, int]:
    """Add what is missing; returns how many of each were added. Procedures
    and identity checks need the demo's data protection lead (``dpo``)."""
    added = {"retention_policies": 0, "procedures": 0, "requests": 0}
    _, created = RetentionPolicy.objects.get_or_create(
        name=RETENTION_POLICY,
        defaults={
            "description": "Tax records need six years; after that a lapsed customer's "
            "details have no purpose left unless they still consent to hear from us.",
            "lifecycle_stage": LifecycleStage.LAPSED,
            "inactivity_months": 72,
            "consent_condition": ConsentCondition.NO_CURRENT_GRANT,
            "action": ErasureAction.ANONYMISE,
        },
    )
    added["retention_policies"] += created
    if dpo is not None:
        for code, title, topic, body in PROCEDURES:
            procedure, _ = Procedure.objects.get_or_create(
                code=code, defaults={"title": title, "topic": topic}
            )
            if not procedure.versions.exists():
                procedure_publish(procedure=procedure, body=body, actor=dpo)
                added["procedures"] += 1
    demo = Customer.objects.filter(source=DEMO_SOURCE, archived_at__isnull=True)
    if DataSubjectRequest.objects.filter(customer__source=DEMO_SOURCE).exists():
        return added
    people = list(demo.exclude(email="").order_by("id")[: len(REQUESTS)])
    now = timezone.now()
    for customer, (kind, days_ago, via, checked) in zip(people, REQUESTS, strict=False):
        request = dsr_register(
            customer=customer,
            kind=kind,
            received_via=via,
            received_at=now - dt.timedelta(days=days_ago),
            actor=dpo,
        )
        added["requests"] += 1
        if checked and dpo is not None:
            dsr_identity_check(
                request=request,
                verified=True,
                method="Answered the security questions on file",
                actor=dpo,
            )
    return added


def demo_dpo():
    """The demo's data protection lead, if the log-ins were made."""
    return get_user_model().objects.filter(username="dpo").first()
