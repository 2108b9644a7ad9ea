from rest_framework.routers import DefaultRouter


class ApiRouter(DefaultRouter):
    """The API's router: an API root, and no format-suffix routes
    (``customers.json``): JSON is the API's only format, and the suffix routes
    handed views a ``format`` argument most of them do not take. Without
    suffixes an id may hold a dot, so ``strategies/0.5/`` reaches the view
    and gets the API's JSON 404, not the site's HTML one."""

    include_format_suffixes = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = "[^/]+"
