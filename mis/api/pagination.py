from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Keyset pagination, newest first: constant cost at any depth, and the
    cursor carries a timestamp, never a sequential id."""

    ordering = "-created_at"
    page_size_query_param = "page_size"
    max_page_size = 500
