"""One access-log row for every request that showed personal data.

The customer database notes what each request loads (``customers.reads``);
this middleware opens that note around the request and, when the response
shows what was loaded, records it: pages, HTMX partials, admin screens, API
views and file downloads alike (a streamed download is recorded when its
stream ends, with the rows it read on the way). A redirect, an error or a refusal shows
nothing and is not logged; a view that wrote its own row (an export, whose
rows stream after the view returns) is not logged twice."""

from __future__ import annotations

from customers import reads
from governance.models import AccessAction, AccessVia
from governance.services.access import access_log_record


def _is_api(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and "api" in match.namespaces) or request.path.startswith("/api/")


def _detail(request, read: reads.Read) -> str:
    """The path and the names of the filters used, never their values: a
    search term or an email in the query string is personal data the log
    need not keep."""
    if read.detail:
        return read.detail
    names = sorted(set(request.GET) - {"cursor", "page", "p"})
    return request.path + (f" filters: {', '.join(names)}" if names else "")


def _action(request, read: reads.Read, api: bool) -> str:
    if read.action:
        return read.action
    if read.count > 1:
        return AccessAction.LIST
    return AccessAction.API_READ if api else AccessAction.VIEW


class AccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with reads.collecting() as read:
            response = self.get_response(request)
        if not 200 <= response.status_code < 300:
            return response
        if response.streaming:
            # A download loads its rows as it streams: the row is written
            # when the stream ends, with what it read (also when the client
            # stops it midway).
            response.streaming_content = self._streamed(response.streaming_content, read, request)
        else:
            self._record(request, read)
        return response

    def _streamed(self, content, read: reads.Read, request):
        chunks = iter(content)
        try:
            while True:
                with reads.collecting_into(read):
                    chunk = next(chunks, None)
                if chunk is None:
                    break
                yield chunk
        finally:
            self._record(request, read)

    def _record(self, request, read: reads.Read) -> None:
        if not read or read.recorded:
            return
        api = _is_api(request)
        access_log_record(
            user=getattr(request, "user", None),
            action=_action(request, read, api),
            via=AccessVia.API if api else AccessVia.PAGE,
            customer_ids=sorted(read.ids),
            count=read.count,
            request=request,
            detail=_detail(request, read),
        )
