"""Governance's measures in the metrics registry (mis.metrics)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from customers.models import Customer
from governance import selectors
from governance.models import Consent, ConsentStatus, Purpose
from mis import metrics


def _purposes():
    return list(Purpose.objects.values_list("code", flat=True))


@metrics.register(
    "consent_coverage",
    label="Consent coverage",
    unit=metrics.Unit.PERCENT,
    description=(
        "Share of live records whose current consent for the purpose is granted and not "
        "expired, on at least one channel. No data until a consent for it is recorded."
    ),
    params=("purpose",),
    choices={"purpose": _purposes},
)
def consent_coverage(*, as_of: dt.date, purpose: str):
    # The state at the end of the day measured.
    end_of_day = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    events = Consent.objects.filter(purpose__code=purpose, occurred_at__lte=end_of_day)
    if not events.exists():
        return None
    granted = selectors.consent_current(events).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=end_of_day),
        status=ConsentStatus.GRANTED,
    )
    live = Customer.objects.active().filter(created_at__lte=end_of_day)
    # A semi-join on the set of current grants, computed once (not a
    # correlated EXISTS, which would recompute the current state per customer).
    covered = live.filter(pk__in=granted.values("customer_id")).count()
    return metrics.ratio(covered, live.count())
