"""Project-wide records: the daily snapshots of the metrics registry, and the
e-mail notifications (each user's choices and the outbox)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class MetricSnapshot(models.Model):
    """One metric's value on one day, for trends. ``value`` is null when the
    metric had no data that day."""

    metric = models.CharField(max_length=64)
    params_key = models.CharField(
        max_length=200, blank=True, help_text="The parameters as text, e.g. field=email."
    )
    params = models.JSONField(default=dict, blank=True)
    taken_on = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["metric", "params_key", "-taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "params_key", "taken_on"], name="metric_snapshot_one_a_day"
            )
        ]

    def __str__(self) -> str:
        params = f" ({self.params_key})" if self.params_key else ""
        return f"{self.metric}{params} on {self.taken_on}: {self.value}"


class NotificationKind(models.TextChoices):
    APPROVAL_WAITING = "approval_waiting", "Approvals waiting for me"  # to approvers
    REVIEW_OPENED = "review_opened", "Strategy reviews opened"  # to the strategy's owner
    REQUEST_DUE = "request_due", "Data-subject requests due within 7 days"  # to who handles them
    IMPORT_FINISHED = "import_finished", "My imports finished or failed"  # to who uploaded
    SWEEP_FINISHED = "sweep_finished", "Quality and duplicate sweeps finished or failed"


class NotificationSetting(models.Model):
    """A user's choice for one kind of e-mail. No row means the default:
    every kind the user's role concerns is sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {'on' if self.enabled else 'off'}"


class Notification(models.Model):
    """One e-mail to one person about one thing: the outbox and its log. The
    unique key makes the sweep idempotent (nobody is told twice); a row
    without ``sent_at`` is retried by the next sweep."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    key = models.CharField(max_length=200, help_text="What it is about, e.g. import <id> failed.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notification_once"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user}: {self.subject}"
