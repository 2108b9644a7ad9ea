"""The access log: who read personal data, how much, when and from where.

One row per read (a page view, an API request, an export), never one per
customer: a list of 500 customers is one row with their 500 ids. The log is
append-only: admin and the API offer no change or delete, and on PostgreSQL a
trigger (migration 0005) refuses UPDATE and DELETE outright.

It is also tamper-evident: each row carries ``row_hash``, a SHA-256 of its
content and of the previous row's hash (``prev_hash``), so that a row
changed, removed or slipped in breaks the chain there
(``manage.py verify_access_log``, run daily by beat). The application's
database role does not own the table and may only read and insert into it
(docs/governance.md)."""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def chain_hash(row) -> str:
    """SHA-256 of what a row says, with the previous row's hash, in one
    canonical text. The id is left out (the database gives it on insert);
    the chain orders the rows. Takes any object with the row's attributes
    (a migration's historical model too)."""
    ip = models.GenericIPAddressField().to_python(row.ip_address)
    content = json.dumps(
        [
            row.prev_hash,
            row.user_id,
            row.username,
            row.auth,
            row.token_hint,
            row.api_key_id,
            row.action,
            row.via,
            list(row.customer_ids or []),
            row.record_count,
            row.detail,
            ip,
            row.at.astimezone(UTC).isoformat(),
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(content.encode()).hexdigest()


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed a record"
    LIST = "list", "Listed records"
    EXPORT = "export", "Exported"
    API_READ = "api_read", "Read through the API"


class AccessVia(models.TextChoices):
    PAGE = "page", "Page"
    API = "api", "API"
    COMMAND = "command", "Command line"
    TASK = "task", "Background task"


class AccessAuth(models.TextChoices):
    SESSION = "session", "Browser session"
    TOKEN = "token", "API token"
    NONE = "none", "None (command line or task)"


class AccessLog(models.Model):
    # No database constraint: the log outlives the users it names, and a
    # cascade or SET NULL would be an UPDATE the log refuses.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, help_text="Kept as it was at the time.")
    auth = models.CharField(max_length=16, choices=AccessAuth.choices)
    token_hint = models.CharField(
        max_length=8, blank=True, help_text="The first characters of the API token used."
    )
    api_key = models.ForeignKey(
        "integrations.ApiKey",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        help_text="The API key the read was made with (token_hint holds its prefix).",
    )
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    via = models.CharField(max_length=16, choices=AccessVia.choices)
    customer_ids = models.JSONField(
        default=list, blank=True, help_text="The records read (empty when only counted)."
    )
    record_count = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # Set by the writer, not by the database: it is part of the hashed content.
    at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(
        max_length=64, blank=True, help_text="The previous row's hash (empty for the first)."
    )
    row_hash = models.CharField(
        max_length=64, help_text="SHA-256 of this row's content and the previous row's hash."
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at"], name="access_log_at"),
            models.Index(fields=["user", "-at"], name="access_log_user_at"),
            models.Index(fields=["action", "-at"], name="access_log_action_at"),
            models.Index(fields=["record_count", "-at"], name="access_log_bulk"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AccessAction.values), name="access_log_action_known"
            ),
            models.CheckConstraint(
                condition=Q(via__in=AccessVia.values), name="access_log_via_known"
            ),
            models.CheckConstraint(
                condition=Q(auth__in=AccessAuth.values), name="access_log_auth_known"
            ),
        ]

    def __str__(self) -> str:
        who = self.username or "system"
        return f"{who} {self.action} {self.record_count} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")

    def compute_hash(self) -> str:
        return chain_hash(self)
