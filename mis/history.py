"""Who made a change and why, for django-simple-history.

Every service that saves a tracked model says so through ``history_note``
before the save, so the history row carries the actor (an anonymous or
missing actor is recorded as nobody) and a reason a person can read."""

from __future__ import annotations

from typing import Any


def history_actor(actor: Any) -> Any:
    """The user to record: ``None`` for no actor or an anonymous one."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def history_note(obj: Any, *, actor: Any, reason: str) -> None:
    """Set the history user and change reason of ``obj``'s next save."""
    obj._history_user = history_actor(actor)
    obj._change_reason = reason
