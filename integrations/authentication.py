"""API authentication: scoped keys, and the first release's DRF tokens until
their end date."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication

from integrations.scopes import scope_required
from integrations.services.keys import KEY_PREFIX, KeyRefused, api_key_authenticate


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer mis_…``. An unknown, revoked or expired key
    is refused (401); a live key without the scope the request needs gets 403."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword or not parts[1].startswith(KEY_PREFIX):
            return None
        try:
            key = api_key_authenticate(key=parts[1])
        except KeyRefused as exc:
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


class LegacyTokenAuthentication(TokenAuthentication):
    """The unscoped DRF tokens of the first release, accepted until
    API_LEGACY_TOKENS_UNTIL; convert them with ``manage.py api_keys_from_tokens``."""

    def authenticate_credentials(self, key):
        if timezone.localdate() > settings.API_LEGACY_TOKENS_UNTIL:
            raise exceptions.AuthenticationFailed(
                f"Tokens ended on {settings.API_LEGACY_TOKENS_UNTIL:%d %B %Y}: use an API key."
            )
        return super().authenticate_credentials(key)
