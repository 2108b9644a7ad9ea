"""Keyset pagination for pages, using the same paginator as the API so that a
deep page costs what the first one does."""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import Http404
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from mis.api.pagination import CreatedCursorPagination


@dataclass
class Page:
    items: list
    next_url: str | None
    previous_url: str | None


def keyset_page(request, queryset, *, page_size: int) -> Page:
    paginator = CreatedCursorPagination()
    paginator.page_size = page_size
    paginator.page_size_query_param = None
    try:
        items = paginator.paginate_queryset(queryset, Request(request))
    except NotFound as exc:
        raise Http404(
            "That page link is no longer valid; start again from the first page."
        ) from exc
    return Page(
        items,
        without_empty_params(paginator.get_next_link()),
        without_empty_params(paginator.get_previous_link()),
    )


# What a filter form sends for "no choice": dropped from links people see.
_EMPTY_VALUES = {"", "unknown"}


def without_empty_params(url: str | None) -> str | None:
    """The URL without the empty fields a filter form submits, so that links
    and the address bar show only the filters in use."""
    if not url:
        return url
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if v not in _EMPTY_VALUES
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
