"""Keyset pagination for pages, using the same paginator as the API so that a
deep page costs what the first one does."""

from dataclasses import dataclass

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
    return Page(items, paginator.get_next_link(), paginator.get_previous_link())
