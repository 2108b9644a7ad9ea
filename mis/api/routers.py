from rest_framework.routers import DefaultRouter


class ApiRouter(DefaultRouter):
    """The API's router: an API root, and no format-suffix routes
    (``customers.json``): JSON is the API's only format, and the suffix routes
    handed views a ``format`` argument most of them do not take."""

    include_format_suffixes = False
