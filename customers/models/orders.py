import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from customers import validation
from customers.reads import PersonalData


class OrderChannel(models.TextChoices):
    ONLINE = "online", "Online"
    STORE = "store", "Store"
    PHONE = "phone", "Phone"
    MARKETPLACE = "marketplace", "Marketplace"
    CATALOGUE = "catalogue", "Catalogue / mail order"
    UNKNOWN = "unknown", "Unknown"  # the file did not say (imports without a channel column)


class Order(PersonalData, models.Model):
    """A purchase: the buying-pattern data. ``total_amount`` is the sum of its
    lines, kept by the service so that analytics need not join the lines."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders"
    )
    source = models.CharField(max_length=100)
    external_id = models.CharField(max_length=100, blank=True)
    ordered_at = models.DateTimeField()
    currency = models.CharField(
        max_length=3, default="GBP", validators=[validation.validate_currency]
    )
    channel = models.CharField(max_length=16, choices=OrderChannel.choices)
    total_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[PersonalData, models.Model])

    class Meta:
        ordering = ["-ordered_at"]
        indexes = [
            models.Index(fields=["customer", "-ordered_at"], name="order_customer_date"),
            models.Index(fields=["ordered_at"], name="order_date"),
            models.Index(fields=["channel", "ordered_at"], name="order_channel_date"),
            models.Index(fields=["-created_at"], name="order_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="order_unique_source_external_id",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=OrderChannel.values), name="order_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gte=0), name="order_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.external_id or str(self.public_id)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product_category = models.CharField(max_length=100, db_index=True)
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Line total in the order's currency.",
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="order_line_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_category}"
