"""Buying-pattern metrics per customer: derived from the orders by
``customers.analytics.services.metrics_refresh`` (nightly, or on demand), never
written by hand. One row per customer, so that segment rules and lists read a
customer's buying pattern with one join instead of aggregating orders."""

from django.db import models
from django.db.models import Q

from customers.reads import PersonalData


class RfmSegment(models.TextChoices):
    # The order is the order of the mapping in customers.analytics.rfm: the
    # first rule a customer's scores meet names their segment.
    CHAMPIONS = "champions", "Champions"  # bought recently, often, and spend the most
    LOYAL = "loyal", "Loyal"  # buy often, not lapsing
    NEW = "new", "New"  # bought recently, once or hardly more
    POTENTIAL_LOYALIST = "potential_loyalist", "Potential loyalist"  # recent, a few orders
    CANT_LOSE = "cant_lose", "Can't lose"  # were the best (often, big spend), gone quiet
    AT_RISK = "at_risk", "At risk"  # bought fairly often, gone quiet
    HIBERNATING = "hibernating", "Hibernating"  # neither recent nor frequent
    LOST = "lost", "Lost"  # longest gone, bought least often


def _score_check(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__range": (1, 5)}),
        name=f"customer_metrics_{field}_1_to_5",
    )


class CustomerMetrics(PersonalData, models.Model):
    """A customer's buying pattern as of ``as_of``. Customers who never
    ordered have a row too (order_count 0, no scores), so that "has not
    ordered" is a rule like any other. Money is in settings.REPORTING_CURRENCY:
    orders in other currencies count as orders but not toward money."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="metrics"
    )
    order_count = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    recency_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days from the last order to as_of."
    )
    avg_order_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Mean order total in the reporting currency.",
    )
    rfm_r = models.PositiveSmallIntegerField("RFM recency score", null=True, blank=True)
    rfm_f = models.PositiveSmallIntegerField("RFM frequency score", null=True, blank=True)
    rfm_m = models.PositiveSmallIntegerField("RFM monetary score", null=True, blank=True)
    rfm_segment = models.CharField(
        "RFM segment", max_length=24, choices=RfmSegment.choices, blank=True
    )
    as_of = models.DateField(help_text="The reference date the figures are computed for.")

    class Meta:
        verbose_name = "customer metrics"
        verbose_name_plural = "customer metrics"
        # One index per segment-rule filter over the buying pattern.
        indexes = [
            models.Index(fields=["rfm_segment"], name="cust_metrics_segment"),
            models.Index(fields=["rfm_r", "rfm_f", "rfm_m"], name="cust_metrics_rfm"),
            models.Index(fields=["last_order_at"], name="cust_metrics_last_order"),
            models.Index(fields=["first_order_at"], name="cust_metrics_first_order"),
            models.Index(fields=["total_spent"], name="cust_metrics_total_spent"),
            models.Index(fields=["order_count"], name="cust_metrics_order_count"),
        ]
        constraints = [
            _score_check("rfm_r"),
            _score_check("rfm_f"),
            _score_check("rfm_m"),
            models.CheckConstraint(
                condition=Q(rfm_segment="") | Q(rfm_segment__in=RfmSegment.values),
                name="customer_metrics_segment_known",
            ),
            # Scores exist exactly for customers who have ordered.
            models.CheckConstraint(
                condition=(
                    Q(order_count=0, rfm_r__isnull=True, rfm_f__isnull=True, rfm_m__isnull=True)
                    | Q(
                        order_count__gt=0,
                        rfm_r__isnull=False,
                        rfm_f__isnull=False,
                        rfm_m__isnull=False,
                    )
                ),
                name="customer_metrics_scores_iff_orders",
            ),
        ]

    def __str__(self) -> str:
        return f"Metrics of customer {self.customer_id} as of {self.as_of}"
