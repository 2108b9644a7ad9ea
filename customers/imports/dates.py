"""Dates as files write them, recognised per column.

ISO dates (2024-03-01, 20240301, with or without a time) read alike
everywhere. Numeric dates with the year last (01/03/2024, 1.3.2024,
01-03-2024) are day-first or month-first: a column's values decide which
(a first part over 12 can only be a day, a second part over 12 only a day
too). A column whose every value reads both ways is ambiguous: the wizard
asks which; the command line and the API take IMPORT_DEFAULT_DATE_ORDER and
the job records that it did (``options["date_orders_assumed"]``), or they
give ``date_format``. A column written both ways is a problem of the file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
ORDERS = {DAY_FIRST: "day first (31/01/2024)", MONTH_FIRST: "month first (01/31/2024)"}
# A column with no year-last numeric dates (ISO, or empty): nothing to decide.
ISO = "iso"
MIXED = "mixed"

_YEAR_LAST = re.compile(
    r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_ISO_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


class ColumnDates:
    """What a column's values, added one by one, say about how it writes dates."""

    def __init__(self):
        self.possible = {DAY_FIRST, MONTH_FIRST}
        self.seen = False
        self.example = {DAY_FIRST: "", MONTH_FIRST: "", None: ""}

    def add(self, value: str) -> None:
        match = _YEAR_LAST.fullmatch(value.strip())
        if not match:
            return
        self.seen = True
        first, second = int(match[1]), int(match[2])
        if first > 12:
            self.possible.discard(MONTH_FIRST)
            self.example[DAY_FIRST] = self.example[DAY_FIRST] or value.strip()
        if second > 12:
            self.possible.discard(DAY_FIRST)
            self.example[MONTH_FIRST] = self.example[MONTH_FIRST] or value.strip()
        if first <= 12 and second <= 12:
            self.example[None] = self.example[None] or value.strip()

    def order(self) -> tuple[str | None, str]:
        """DAY_FIRST, MONTH_FIRST, ISO (nothing to decide), MIXED (both ways),
        or None (every value reads both ways), with a value that shows it."""
        if not self.seen:
            return ISO, ""
        if not self.possible:
            return MIXED, f"{self.example[DAY_FIRST]} and {self.example[MONTH_FIRST]}"
        if len(self.possible) == 2:
            return None, self.example[None]
        order = next(iter(self.possible))
        return order, self.example[order]


def column_order(values: Iterable[str]) -> tuple[str | None, str]:
    column = ColumnDates()
    for value in values:
        column.add(value)
    return column.order()


def parse(raw: str, *, order: str | None = None, date_format: str | None = None) -> datetime:
    """A date (with its time, if written) as a naive datetime. ``date_format``
    (strptime), when given, is the only shape accepted. Raises ValueError
    with a sentence for a person."""
    text = raw.strip()
    if date_format:
        try:
            return datetime.strptime(text, date_format)
        except ValueError:
            raise ValueError(f"“{raw}” is not a date ({date_format}).") from None
    match = _ISO_DATE.fullmatch(text)
    try:
        if match:
            return datetime(int(match[1]), int(match[2]), int(match[3]))
        match = _YEAR_LAST.fullmatch(text)
        if match:
            first, other = int(match[1]), int(match[2])
            day, month = (other, first) if order == MONTH_FIRST else (first, other)
            return datetime(
                int(match[3]),
                month,
                day,
                int(match[4] or 0),
                int(match[5] or 0),
                int(match[6] or 0),
            )
        return datetime.fromisoformat(text)
    except ValueError:
        shown = "MM/DD/YYYY" if order == MONTH_FIRST else "DD/MM/YYYY"
        raise ValueError(f"“{raw}” is not a date (YYYY-MM-DD, YYYYMMDD or {shown}).") from None


def parse_date(raw: str, *, order: str | None = None, date_format: str | None = None) -> date:
    return parse(raw, order=order, date_format=date_format).date()
