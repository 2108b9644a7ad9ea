"""Who may see sensitive fields, and what the others see instead. Which
fields are sensitive is the field registry's word (customers.fields)."""

from customers import fields as registry

SENSITIVE_PERMISSION = "customers.view_sensitive_data"
MASK = "•••• restricted"


def can_view_sensitive(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(SENSITIVE_PERMISSION))


def masked_fields_for(user) -> tuple[str, ...]:
    """The fields ``user`` must not see; empty when they may see everything."""
    return () if can_view_sensitive(user) else registry.sensitive_names()
