"""Which record an imported row belongs to, once the lookup has found one."""

from __future__ import annotations

from customers.models import Customer
from mis.locks import lock_many


def survivors(found: dict[tuple, Customer]) -> dict[tuple, Customer]:
    """A record merged into another is matched as its survivor: the row
    updates the record that lives on, not the pointer left behind."""
    for _ in range(5):  # a survivor may itself have been merged since
        merged = {k: c.merged_into_id for k, c in found.items() if c.merged_into_id}
        if not merged:
            return found
        alive = lock_many(Customer, merged.values())
        found = {k: alive.get(merged[k], c) if k in merged else c for k, c in found.items()}
    return found
