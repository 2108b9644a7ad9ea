"""Throttles that run before a caller is known: wrong tokens, anonymous calls
and password resets. Each is a DRF rate (``DEFAULT_THROTTLE_RATES``) kept in
the cache, so every web process shares the count."""

from __future__ import annotations

import hashlib

from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_address(request) -> str:
    """The caller's address as DRF's throttles see it (``NUM_PROXIES``);
    django-axes counts failed log-ins by the same one."""
    return BaseThrottle().get_ident(request)


class AddressRateThrottle(SimpleRateThrottle):
    """A rate per client address that never looks at ``request.user`` (it runs
    while DRF is still deciding who the caller is)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class AnonymousRateThrottle(AddressRateThrottle):
    scope = "anon"


class BadTokenThrottle(AddressRateThrottle):
    """Counts wrong tokens only: ``blocked`` asks without counting,
    ``record_failure`` counts one."""

    scope = "bad_token"

    def blocked(self, request) -> bool:
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def record_failure(self, request) -> None:
        if not hasattr(self, "key"):
            self.blocked(request)
        self.throttle_success()


class PasswordResetAddressThrottle(AddressRateThrottle):
    scope = "password_reset"


class PasswordResetEmailThrottle(SimpleRateThrottle):
    """Resets asked for one email address, from wherever: a mailbox is not
    flooded by callers that change address."""

    scope = "password_reset"
    cache_format = "throttle_%(scope)s_email_%(ident)s"

    def get_cache_key(self, request, view):
        email = (request.POST.get("email") or "").strip().lower()
        if not email:
            return None
        return self.cache_format % {"scope": self.scope, "ident": _digest(email)}


def _digest(value: str) -> str:
    """Cache keys carry no email address."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]
