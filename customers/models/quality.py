"""Quality issues found on customer records.

Imports flag a bad value they kept raw; the quality rules and sweeps build on
the same table."""

from django.db import models
from django.db.models import Q


class QualityIssueStatus(models.TextChoices):
    OPEN = "open", "Open"  # the value is still as it was found
    RESOLVED = "resolved", "Resolved"  # fixed, verified or dismissed


class QualityIssue(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="quality_issues"
    )
    field = models.CharField(max_length=64)
    code = models.CharField(max_length=64, help_text="What is wrong, e.g. invalid_email.")
    message = models.CharField(max_length=500)
    raw_value = models.TextField(blank=True, help_text="The value as it was found.")
    detected_by = models.CharField(max_length=120, help_text="The import or rule that found it.")
    status = models.CharField(
        max_length=16, choices=QualityIssueStatus.choices, default=QualityIssueStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "code"], name="quality_issue_status_code"),
        ]
        constraints = [
            # One open issue per problem per field: re-importing a file does
            # not pile up copies.
            models.UniqueConstraint(
                fields=["customer", "field", "code"],
                condition=Q(status="open"),
                name="quality_issue_one_open_per_problem",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
