"""The events MIS sends to webhook subscribers, one name per business change.

This module knows no domain app: the services that make a change (customers,
governance, insight) name the event and hand over its data. A payload carries
identifiers and what changed, never personal values: a receiver that needs
the record reads it through the API, where the key's scopes and the access
log apply."""

from django.db import models


class EventType(models.TextChoices):
    CUSTOMER_CREATED = "customer.created", "Customer created"
    CUSTOMER_UPDATED = "customer.updated", "Customer updated"
    CUSTOMER_MERGED = "customer.merged", "Customers merged"
    CUSTOMER_UNMERGED = "customer.unmerged", "Merge undone"
    CUSTOMER_ARCHIVED = "customer.archived", "Customer archived"
    # Carries the record's public id and the tombstone only, so that a
    # receiver can erase its own copy: no name, contact point or attribute.
    CUSTOMER_ERASED = "customer.erased", "Customer erased"
    CONSENT_CHANGED = "consent.changed", "Consent changed"
    SNAPSHOT_TAKEN = "segment.snapshot_taken", "Segment snapshot taken"
    IMPORT_FINISHED = "import.finished", "Import finished"
    STRATEGY_APPROVED = "strategy.approved", "Strategy approved"
