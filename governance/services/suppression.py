from __future__ import annotations

from governance import hashing
from governance.models import SuppressionEntry, SuppressionKind, SuppressionReason


def suppression_add(
    *,
    email: str = "",
    phone: str = "",
    country: str | None = "GB",
    reason: str,
    actor=None,
    note: str = "",
) -> int:
    """Put a person's contact points on the suppression list (as keyed hashes).
    Idempotent: a value already listed stays as it was. Returns how many
    entries were added."""
    if reason not in SuppressionReason.values:
        raise ValueError(f"Unknown suppression reason {reason!r}.")
    entries = []
    for kind, digest in (
        (SuppressionKind.EMAIL, hashing.email_hash(email)),
        (SuppressionKind.PHONE, hashing.phone_hash(phone, country)),
    ):
        if digest:
            entries.append(
                SuppressionEntry(
                    kind=kind, value_hash=digest, reason=reason, actor=actor, note=note
                )
            )
    before = SuppressionEntry.objects.filter(value_hash__in=[e.value_hash for e in entries]).count()
    SuppressionEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return len(entries) - before
