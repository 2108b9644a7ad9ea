"""API authentication: scoped keys, and the first release's DRF tokens until
their end date."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from integrations.scopes import scope_required
from integrations.services.keys import KEY_PREFIX, KeyRefused, api_key_authenticate
from mis.api.authentication import ThrottledTokenAuthentication
from mis.api.throttling import BadTokenThrottle


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer mis_…``. An unknown, revoked or expired key
    is refused (401); a live key without the scope the request needs gets 403."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword or not parts[1].startswith(KEY_PREFIX):
            return None
        # Wrong keys are throttled per address like wrong tokens.
        throttle = BadTokenThrottle()
        if throttle.blocked(request):
            raise exceptions.Throttled(wait=throttle.wait())
        try:
            key = api_key_authenticate(key=parts[1])
        except KeyRefused as exc:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed(str(exc)) from exc
        needed = scope_required(path=request.path, method=request.method)
        if needed is None or needed not in key.scopes:
            raise exceptions.PermissionDenied(
                f"This API key lacks the scope {needed} for this request."
                if needed
                else "API keys cannot reach this resource."
            )
        return key.user, key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class LegacyTokenAuthentication(ThrottledTokenAuthentication):
    """The unscoped DRF tokens of the first release, accepted until
    API_LEGACY_TOKENS_UNTIL; convert them with ``manage.py api_keys_from_tokens``.
    Wrong tokens are throttled per address."""

    def authenticate_credentials(self, key):
        if timezone.localdate() > settings.API_LEGACY_TOKENS_UNTIL:
            raise exceptions.AuthenticationFailed(
                f"Tokens ended on {settings.API_LEGACY_TOKENS_UNTIL:%d %B %Y}: use an API key."
            )
        return super().authenticate_credentials(key)
