"""The effectiveness of the information system, in one place: how it is
used, how satisfied its users are, how the quality of its data moves, its
problems, and the recommendations made about it.

Usage comes from governance's access log, read through the app registry
(insight does not import governance): without it, usage is "no data"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from insight.metrics import SATISFACTION_DAYS
from insight.models import (
    Evaluation,
    EvaluationStatus,
    Feedback,
    FeedbackSource,
    Problem,
    ProblemStatus,
)
from mis import metrics

USAGE_DAYS = 30
TREND_DAYS = 90
PROBLEM_DAYS = 90

# The quality measures whose trends the page draws.
QUALITY_MEASURES = (
    ("quality_score", {}),
    ("field_completeness", {"field": "email"}),
    ("field_completeness", {"field": "phone"}),
    ("field_completeness", {"field": "postcode"}),
    ("field_validity", {"field": "email"}),
    ("verified_recently", {}),
    ("duplicate_rate", {}),
)


def usage(*, days: int = USAGE_DAYS) -> dict | None:
    try:
        access_log = apps.get_model("governance", "AccessLog")
    except LookupError:
        return None
    since = timezone.now() - dt.timedelta(days=days)
    reads = access_log.objects.filter(at__gte=since)
    totals = reads.aggregate(
        reads=Count("pk"), users=Count("username", distinct=True), records=Sum("record_count")
    )
    if not totals["reads"]:
        return None
    by_action = dict(reads.values_list("action").annotate(n=Count("pk")).order_by())
    labels = dict(access_log._meta.get_field("action").choices)
    return {
        **totals,
        "days": days,
        "by_action": [(labels.get(a, a), n) for a, n in sorted(by_action.items())],
    }


def satisfaction() -> dict:
    since = timezone.now() - dt.timedelta(days=SATISFACTION_DAYS)
    recent = Feedback.objects.filter(source=FeedbackSource.USER, created_at__gte=since)
    counts = dict(
        recent.filter(rating__isnull=False).values_list("rating").annotate(n=Count("pk")).order_by()
    )
    return {
        "measure": metrics.measure("user_satisfaction"),
        "days": SATISFACTION_DAYS,
        "distribution": [(r, counts.get(r, 0)) for r in range(5, 0, -1)],
        "total": sum(counts.values()),
        "comments": list(recent.exclude(comment="").select_related("author")[:5]),
    }


@dataclass
class Trend:
    metric: metrics.Metric
    params: dict
    points: list  # (day, value or None)

    @property
    def label(self) -> str:
        extra = ", ".join(str(v) for v in self.params.values())
        return f"{self.metric.label} ({extra})" if extra else self.metric.label

    @property
    def values(self) -> list:
        return [v for _, v in self.points if v is not None]

    @property
    def first(self):
        return self.values[0] if self.values else None

    @property
    def last(self):
        return self.values[-1] if self.values else None

    @property
    def change(self):
        return None if self.first is None else self.last - self.first

    def sparkline(self, width: int = 120, height: int = 24) -> str:
        """SVG polyline points for the values, scaled to the box."""
        values = self.values
        if len(values) < 2:
            return ""
        low, high = min(values), max(values)
        spread = (high - low) or 1
        step = width / (len(values) - 1)
        return " ".join(
            f"{i * step:.1f},{height - float((v - low) / spread) * height:.1f}"
            for i, v in enumerate(values)
        )


def others_feedback(limit: int = 10):
    """What stakeholders and customers said, newest first."""
    return (
        Feedback.objects.exclude(source=FeedbackSource.USER)
        .select_related("stakeholder")
        .order_by("-created_at")[:limit]
    )


def quality_trends(*, days: int = TREND_DAYS) -> list[Trend]:
    trends = []
    for name, params in QUALITY_MEASURES:
        try:
            metric = metrics.get(name)
        except ValidationError:  # a measure another app has not registered (yet)
            continue
        trends.append(Trend(metric, params, metrics.trend(name, params=params, days=days)))
    return trends


def problems(*, days: int = PROBLEM_DAYS) -> dict:
    since = timezone.now() - dt.timedelta(days=days)
    figures = Problem.objects.aggregate(
        opened=Count("pk", filter=Q(reported_at__gte=since)),
        resolved=Count("pk", filter=Q(resolved_at__gte=since)),
        still_open=Count("pk", filter=~Q(status=ProblemStatus.RESOLVED)),
        time_to_resolve=Avg(F("resolved_at") - F("reported_at"), filter=Q(resolved_at__gte=since)),
    )
    open_by_severity = dict(
        Problem.objects.exclude(status=ProblemStatus.RESOLVED)
        .values_list("severity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {**figures, "days": days, "open_by_severity": open_by_severity}


def recommendations(limit: int = 10):
    return (
        Evaluation.objects.filter(
            status__in=[EvaluationStatus.SUBMITTED, EvaluationStatus.APPROVED]
        )
        .select_related("strategy")
        .order_by("-submitted_at")[:limit]
    )
