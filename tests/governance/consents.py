"""Consent as tests commonly need it."""

import datetime as dt

from governance.services import consent_grant

SIGNED_UP = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def grant_newsletter(customer, **overrides):
    """The customer signed up for the email newsletter on a web form (5 January 2026)."""
    return consent_grant(
        customer=customer,
        **{
            "purpose": "email_marketing",
            "channel": "email",
            "capture_method": "web_form",
            "source": "signup form",
            "wording_version": "newsletter-v1",
            "occurred_at": SIGNED_UP,
            **overrides,
        },
    )
