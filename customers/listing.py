"""The customer list as a person arranges it: sortable columns, a column
chooser, and keyset pages in any sort order.

Sorting keeps keyset pagination (docs/adr/0002): the next page is "after the
last row's sort values", compared as a tuple with the primary key as the last
tie-breaker, so a deep page costs what the first does. The default order
(newest first) keeps the shared cursor paginator; a chosen order pages
forward from the first page ("Next", "First page")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db.models import DateTimeField, F, IntegerField, Q, Value
from django.db.models.functions import Coalesce, Upper
from django.http import Http404
from django.utils.dateparse import parse_datetime

from mis.pagination import Page, keyset_page

# Every column the list can show: key -> label. Sensitive columns are not
# offered; the export has them for those who may see them.
COLUMNS = {
    "email": "Email",
    "phone": "Phone",
    "city": "City",
    "postcode": "Postcode",
    "country": "Country",
    "stage": "Stage",
    "source": "Source",
    "verified": "Verified",
    "quality": "Quality",
    "created": "Added",
}
DEFAULT_COLUMNS = ["email", "phone", "city", "postcode", "country", "stage", "source", "verified"]

_EPOCH = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Sort:
    label: str
    # (expression, kind) in order; kind says how a cursor value is read back.
    keys: tuple[tuple[object, str], ...]


# Columns people may sort by, each with an index behind its first key.
SORTS = {
    "name": Sort("Name", ((Upper("last_name"), "text"), (Upper("first_name"), "text"))),
    "email": Sort("Email", ((F("email"), "text"),)),
    "city": Sort("City", ((Upper("city"), "text"),)),
    "stage": Sort("Stage", ((F("lifecycle_stage"), "text"),)),
    "verified": Sort(
        "Verified",
        ((Coalesce("last_verified_at", Value(_EPOCH), output_field=DateTimeField()), "datetime"),),
    ),
    "quality": Sort(
        "Quality",
        ((Coalesce("quality__score", Value(-1), output_field=IntegerField()), "number"),),
    ),
    "created": Sort("Added", ((F("created_at"), "datetime"),)),
}
_SALT = "customers.listing.cursor"


def chosen_columns(raw: list[str]) -> list[str]:
    chosen = [key for key in raw if key in COLUMNS]
    return chosen or list(DEFAULT_COLUMNS)


def parse_sort(raw: str | None) -> tuple[str, bool] | None:
    """("name", descending) for "-name"; None for the default order."""
    raw = (raw or "").strip()
    key = raw.removeprefix("-")
    if key not in SORTS:
        return None
    return key, raw.startswith("-")


def _read(value, kind: str):
    if kind == "datetime":
        return parse_datetime(value)
    return value


def sorted_page(request, queryset, *, sort: str | None, page_size: int) -> Page:
    """One page of ``queryset`` in the chosen order (or newest first)."""
    parsed = parse_sort(sort)
    if parsed is None:
        return keyset_page(request, queryset, page_size=page_size)
    key, descending = parsed
    spec = SORTS[key]
    names = [f"sort_{i}" for i in range(len(spec.keys))]
    queryset = queryset.annotate(
        **{name: expression for name, (expression, _) in zip(names, spec.keys, strict=True)}
    )
    direction = "-" if descending else ""
    queryset = queryset.order_by(*[f"{direction}{n}" for n in names], f"{direction}pk")
    cursor = request.GET.get("after")
    if cursor:
        try:
            values = signing.loads(cursor, salt=_SALT)
        except signing.BadSignature as exc:
            raise Http404("That page link is no longer valid; start again.") from exc
        if len(values) != len(names) + 1:
            raise Http404("That page link belongs to another order; start again.")
        last = [_read(v, kind) for v, (_, kind) in zip(values, spec.keys, strict=False)]
        last.append(values[-1])
        queryset = queryset.filter(_after([*names, "pk"], last, descending))
    rows = list(queryset[: page_size + 1])
    items, more = rows[:page_size], len(rows) > page_size
    next_url = None
    if more:
        tail = items[-1]
        values = [
            getattr(tail, n).isoformat()
            if isinstance(getattr(tail, n), dt.datetime)
            else getattr(tail, n)
            for n in names
        ]
        query = request.GET.copy()
        query["after"] = signing.dumps([*values, tail.pk], salt=_SALT)
        next_url = f"{request.path}?{query.urlencode()}"
    first_url = None
    if cursor:
        query = request.GET.copy()
        query.pop("after", None)
        first_url = f"{request.path}?{query.urlencode()}"
    return Page(items, next_url, first_url)


def _after(names: list[str], values: list, descending: bool) -> Q:
    """Rows after ``values`` in the (names) order: (a, b, pk) > (x, y, z)
    written out, so that every database can use the leading index."""
    op = "lt" if descending else "gt"
    condition = Q()
    for i, name in enumerate(names):
        step = Q(**{f"{name}__{op}": values[i]})
        for earlier, value in zip(names[:i], values[:i], strict=True):
            step &= Q(**{earlier: value})
        condition |= step
    return condition
