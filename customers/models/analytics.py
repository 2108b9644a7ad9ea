"""Pre-aggregated figures for the analytics pages, derived with the customer
metrics (customers.analytics.aggregates), so that a page reads a few hundred
small rows instead of scanning millions of orders."""

from django.db import models
from django.db.models import Q


class FigureKind(models.TextChoices):
    COHORT = "cohort", "Cohort retention"  # key: first-order month; detail: months since
    FREQUENCY = "frequency", "Purchase frequency"  # key: number of orders (bucket)
    REVENUE_CHANNEL = "revenue_channel", "Revenue by channel"  # key: month; detail: channel
    REVENUE_CATEGORY = "revenue_category", "Revenue by category"  # key: month; detail: category
    REVENUE_REGION = "revenue_region", "Revenue by region"  # key: month; detail: region
    GROWTH = "growth", "New customers"  # key: month the record was created
    LIFECYCLE = "lifecycle", "Lifecycle mix"  # key: stage
    RFM_GRID = "rfm_grid", "RFM grid"  # key: R score; detail: F score
    RFM_SEGMENT = "rfm_segment", "RFM segments"  # key: segment
    TOTAL = "total", "Totals"  # key: what is counted ("orders")


class AnalyticsFigure(models.Model):
    kind = models.CharField(max_length=24, choices=FigureKind.choices)
    key = models.CharField(max_length=100)
    detail = models.CharField(max_length=100, blank=True)
    value = models.DecimalField(max_digits=18, decimal_places=2)
    as_of = models.DateField()

    class Meta:
        ordering = ["kind", "key", "detail"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "detail"], name="analytics_figure_once"),
            models.CheckConstraint(
                condition=Q(kind__in=FigureKind.values), name="analytics_figure_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.detail}: {self.value}"
