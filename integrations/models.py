"""Webhook subscriptions and their deliveries; scoped, expiring API keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.events import EventType


class WebhookSubscription(models.Model):
    """An endpoint of another system and the events it wants."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(
        max_length=500, help_text="Checked against the allowed schemes and hosts."
    )
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="The event types sent to this endpoint.")
    # Standard Webhooks secret ("whsec_" + base64): the receiver verifies with it.
    secret = models.CharField(max_length=100, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        help_text="Told by email when the subscription is disabled.",
    )
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries that failed after every retry, since the last success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookEvent(models.Model):
    """One business change, as sent: its id is the Standard Webhooks
    ``webhook-id``, the same for every delivery, retry and replay of it."""

    message_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40, choices=EventType.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["type", "-created_at"], name="webhook_event_type_at")]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting for its first attempt"
    RETRYING = "retrying", "Failed, will be tried again"
    SUCCEEDED = "succeeded", "Delivered"
    # Every attempt failed, or the endpoint was refused (not allowed).
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event sent to one subscription, with every attempt made."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Of the last attempt."
    )
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_at"),
            models.Index(fields=["status", "-created_at"], name="webhook_delivery_status_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.subscription}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what the endpoint answered and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.response_status or self.error}"


class Scope(models.TextChoices):
    CUSTOMERS_READ = "customers:read", "Read customers and orders"
    CUSTOMERS_WRITE = "customers:write", "Create and change customers"
    ORDERS_WRITE = "orders:write", "Add orders"
    CONSENTS_WRITE = "consents:write", "Record consent events"
    SEGMENTS_READ = "segments:read", "Read segments and snapshots"
    WEBHOOKS_MANAGE = "webhooks:manage", "Manage webhook subscriptions"
    CAMPAIGNS_WRITE = "campaigns:write", "Report campaign responses"


class ApiKey(models.Model):
    """A key for another system. Only the SHA-256 of the secret is stored;
    the key is shown once, when it is made. The key acts as ``user`` (its
    role's permissions) narrowed to ``scopes``."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, unique=True, editable=False, help_text="Identifies the key in logs."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_keys",
        help_text="The account the key acts as; its role's permissions still apply.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
