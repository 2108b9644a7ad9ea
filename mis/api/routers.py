from rest_framework.routers import DefaultRouter, SimpleRouter


class _IdsMayHoldDots:
    """DRF refuses a dot in an id only to leave room for format suffixes,
    which the API does not route: with a dot allowed, ``strategies/0.5/``
    reaches the view and gets the API's JSON 404, not the site's HTML one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = "[^/]+"


class ApiSimpleRouter(_IdsMayHoldDots, SimpleRouter):
    """For API sections without a root view of their own."""


class ApiRouter(_IdsMayHoldDots, DefaultRouter):
    """The API's router: an API root, and no format-suffix routes
    (``customers.json``): JSON is the API's only format, and the suffix routes
    handed views a ``format`` argument most of them do not take."""

    include_format_suffixes = False
