"""API authentication with throttles that act before the caller is known.

DRF checks throttles after authentication and permissions, so a wrong token
(401) or an anonymous call (401) would never be throttled. These classes do it
during authentication instead."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication

from mis.api.throttling import AnonymousRateThrottle, BadTokenThrottle


class ThrottledTokenAuthentication(TokenAuthentication):
    """Token authentication; an address that sent too many wrong tokens gets
    429 for every token (a right one too, or guessing would still pay) until
    its window has room again."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.split(" ", 1)[0].lower() != self.keyword.lower():
            return None
        throttle = BadTokenThrottle()
        if throttle.blocked(request):
            raise exceptions.Throttled(wait=throttle.wait())
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise


class AnonymousThrottle(BaseAuthentication):
    """Listed last: reached only by a caller no other class recognised, which
    it throttles per address, then leaves anonymous."""

    def authenticate(self, request):
        throttle = AnonymousRateThrottle()
        if not throttle.allow_request(request, None):
            raise exceptions.Throttled(wait=throttle.wait())
        return None
