"""What segment rules read, one narrow row per live customer.

Every rule type compiles to a condition on this one table, so a live count is
one scan (or index search) of a narrow table, never a join of the wide
customer row with the metrics and the orders. The row holds copies: the
customer fields rules filter on, the interests, what the orders say (count,
spend in the reporting currency, last order, channels and categories bought,
kept current by the database as orders change) and the nightly RFM scores.
The quality score is not copied here: a sweep would rewrite a row with
trigram indexes for every changed score; its rule reads the score's own
narrow table (``CustomerQuality``) instead.
``customers.segments.facts`` keeps it current; nothing else writes it.

Sets (interests, channels, categories) are text of the form ``|a|b|``, so
that "any of" is a substring test that works on every database, with a
trigram index on PostgreSQL."""

from django.db import models
from django.db.models.functions import Upper

# The buying figures most rules combine with a customer field.
BUYING = ["order_count", "total_spent", "last_order_at"]


class CustomerFacts(models.Model):
    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="facts",
        # Written by the database itself (triggers); a deleted customer's row
        # goes with it by trigger too.
        db_constraint=False,
    )
    # Copies of the customer's own fields, under the same names.
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=16, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    occupation = models.CharField(max_length=100, blank=True)
    income_band = models.CharField(max_length=16, blank=True)
    lifestyle = models.CharField(max_length=32, blank=True)
    values = models.CharField(max_length=32, blank=True)
    lifecycle_stage = models.CharField(max_length=16, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    interests = models.TextField(blank=True, help_text="|name|name|, lower case.")
    # From the orders, current.
    order_count = models.IntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    last_order_at = models.DateTimeField(null=True, blank=True)
    channels = models.TextField(blank=True, help_text="|channel|channel|")
    categories = models.TextField(blank=True, help_text="|category|category|, lower case.")
    # The nightly RFM scores (customers.analytics).
    rfm_r = models.SmallIntegerField(null=True, blank=True)
    rfm_f = models.SmallIntegerField(null=True, blank=True)
    rfm_m = models.SmallIntegerField(null=True, blank=True)
    rfm_segment = models.CharField(max_length=24, blank=True)

    class Meta:
        verbose_name = "customer facts"
        verbose_name_plural = "customer facts"
        # A count reads an index alone (an index-only scan, no visit to the
        # rows) when the index holds every column its rules read. The common
        # shape is "who they are AND how they buy", so the field indexes carry
        # the buying figures: a city, AND 2+ orders, reads one range of one
        # index. Measured in docs/adr/0008-segment-counts-from-customer-facts.md.
        indexes = [
            models.Index(Upper("city"), name="facts_city_upper", include=["city", *BUYING]),
            models.Index(Upper("region"), name="facts_region_upper", include=["region", *BUYING]),
            models.Index(
                fields=["last_order_at"],
                name="facts_last_order",
                include=["channels", "order_count", "total_spent"],
            ),
            models.Index(
                fields=["total_spent"],
                name="facts_total_spent",
                include=["order_count", "last_order_at"],
            ),
            models.Index(fields=["rfm_segment"], name="facts_rfm_segment"),
            # Demographic rules combine: stage, then income band, then age.
            models.Index(
                fields=["lifecycle_stage", "income_band", "date_of_birth"], name="facts_profile"
            ),
        ]
        # On PostgreSQL the migration adds trigram indexes for the sets and a
        # pattern index for postcode prefixes (customers.segments.facts).

    def __str__(self) -> str:
        return f"Facts of customer {self.customer_id}"
