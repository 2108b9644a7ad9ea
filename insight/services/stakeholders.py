"""Consultations with stakeholders."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from insight.models import Consultation, Stakeholder
from insight.services.lifecycle import require_permission


@transaction.atomic
def consultation_record(
    *,
    stakeholder: Stakeholder,
    actor,
    held_on: dt.date,
    topic: str,
    feedback_summary: str,
    committed: bool = False,
    business_case=None,
    strategy=None,
) -> Consultation:
    """Record what a stakeholder said about a case or a strategy. A committed
    consultation with a decision maker is their sign-off."""
    require_permission(actor, "insight.add_consultation", "record consultations")
    consultation = Consultation(
        stakeholder=stakeholder,
        business_case=business_case,
        strategy=strategy,
        held_on=held_on,
        topic=topic,
        feedback_summary=feedback_summary,
        committed=committed,
        recorded_by=actor,
    )
    consultation.full_clean()
    consultation.save()
    if business_case is not None:
        business_case.stakeholders.add(stakeholder)
    return consultation
