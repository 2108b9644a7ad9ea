"""What a request read of personal data, noted where the data is loaded.

Every model that holds personal data inherits ``PersonalData``: whenever an
instance is loaded from the database (a page, an admin screen, an API view,
``select_related`` and ``prefetch_related`` included), ``from_db`` notes whose
data it is in the read that is open for the current request. Governance's
``AccessLogMiddleware`` opens that read around every request and writes one
access-log row for it when the response shows something (see
``governance/middleware.py``). So a new view, page or admin screen cannot
forget to log: it cannot show a record without loading it.

Reads that load no instance (``values()``, raw SQL, a file on disk) say so
with ``note_rows``; the URL-walk test (tests/governance/test_every_read_logged.py)
fails for any route that shows a customer's data and logs nothing. Outside a
request (commands, Celery tasks) nothing is collected: those faces record
their reads themselves (exports, data-subject packages).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class Read:
    """What one request read: the customers whose data it loaded, rows of
    personal data that name no customer (an import's rejected rows), and what
    the view says the read was (optional: the middleware infers it)."""

    customer_ids: set[int] = field(default_factory=set)
    other_rows: int = 0
    kinds: set[str] = field(default_factory=set)
    action: str = ""
    detail: str = ""
    # The records the response shows, when the view knows them exactly (a
    # page of a list: the paginator loads one row more than it shows).
    shown_ids: set[int] | None = None
    # Set when the view wrote its own access-log row (an export): the
    # middleware then adds none.
    recorded: bool = False

    def __bool__(self) -> bool:
        return bool(self.ids or self.other_rows)

    @property
    def ids(self) -> set[int]:
        return self.customer_ids if self.shown_ids is None else self.shown_ids

    @property
    def count(self) -> int:
        return len(self.ids) + self.other_rows


_current: ContextVar[Read | None] = ContextVar("personal_data_read", default=None)


def collecting() -> contextlib.AbstractContextManager[Read]:
    """Collect what is loaded until the block ends (one request)."""
    return collecting_into(Read())


@contextlib.contextmanager
def collecting_into(read: Read) -> Iterator[Read]:
    """Collect into ``read`` until the block ends; a streamed response goes
    on collecting into its request's read as it loads its rows."""
    token = _current.set(read)
    try:
        yield read
    finally:
        _current.reset(token)


def note_customers(ids: Iterable[int | None], *, kind: str = "") -> None:
    read = _current.get()
    if read is None:
        return
    read.customer_ids.update(i for i in ids if i is not None)
    if kind:
        read.kinds.add(kind)


def note_rows(count: int, *, kind: str) -> None:
    """Rows of personal data that name no customer (e.g. raw import rows)."""
    read = _current.get()
    if read is None or count <= 0:
        return
    read.other_rows += count
    read.kinds.add(kind)


def describe(*, action: str = "", detail: str = "", shown: Iterable | None = None) -> None:
    """Say what the current read is ("view", "list"...; a short detail) and,
    optionally, exactly which customers it shows (instances or ids): without
    it, every customer whose data was loaded counts as read."""
    read = _current.get()
    if read is None:
        return
    read.action = action or read.action
    read.detail = detail or read.detail
    if shown is not None:
        read.shown_ids = {getattr(item, "pk", item) for item in shown}


def mark_recorded() -> None:
    read = _current.get()
    if read is not None:
        read.recorded = True


class PersonalData:
    """Mixin for models holding personal data. ``personal_data_subject``
    names the attributes that hold the customers' primary keys ("pk" for the
    customer itself); empty for rows that name nobody (their raw values are
    personal data all the same)."""

    personal_data_subject: tuple[str, ...] = ("customer_id",)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)  # type: ignore[misc]
        read = _current.get()
        if read is not None:
            kind = cls._meta.label_lower  # type: ignore[attr-defined]
            subjects = cls.personal_data_subject
            if not subjects:
                read.other_rows += 1
            for name in subjects:
                # A deferred field is not loaded: reading it here would query.
                value = instance.pk if name == "pk" else instance.__dict__.get(name)
                if value is not None:
                    read.customer_ids.add(value)
            read.kinds.add(kind)
        return instance


class PersonalHistory(PersonalData):
    """For a customer's history rows: their ``id`` is the customer's."""

    personal_data_subject = ("id",)
