"""The insight app's measures in the metrics registry (mis.metrics)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg
from django.utils import timezone

from insight.models import Feedback, FeedbackSource
from mis import metrics

SATISFACTION_DAYS = 90


@metrics.register(
    "user_satisfaction",
    label="User satisfaction",
    unit=metrics.Unit.SCORE,
    description=(
        f"Mean rating (1 to 5) given through the in-app feedback link over the "
        f"{SATISFACTION_DAYS} days to the day. No data when nobody rated."
    ),
)
def user_satisfaction(*, as_of: dt.date):
    end = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    start = end - dt.timedelta(days=SATISFACTION_DAYS)
    return Feedback.objects.filter(
        source=FeedbackSource.USER,
        rating__isnull=False,
        created_at__gt=start,
        created_at__lte=end,
    ).aggregate(v=Avg("rating"))["v"]
