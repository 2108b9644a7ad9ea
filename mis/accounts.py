"""Password reset with a limit: Django's view, behind the DRF rate of scope
``password_reset`` per address and per email address (anonymous callers could
otherwise send any number of mails)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from mis.api.throttling import PasswordResetAddressThrottle, PasswordResetEmailThrottle


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        throttles = [PasswordResetAddressThrottle(), PasswordResetEmailThrottle()]
        # Every throttle counts the attempt, even when an earlier one refuses.
        refused = [t for t in throttles if not t.allow_request(request, self)]
        if refused:
            wait = max(t.wait() or 0 for t in refused)
            response = render(
                request,
                "registration/password_reset_throttled.html",
                {"minutes": max(1, round(wait / 60))},
                status=429,
            )
            response["Retry-After"] = str(int(wait))
            return response
        return super().post(request, *args, **kwargs)
