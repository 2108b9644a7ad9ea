"""Project-wide records: the daily snapshots of the metrics registry."""

from django.db import models


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
