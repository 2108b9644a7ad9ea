"""The preference centre: a person manages their own consent, without an
account, through a signed link that expires.

A link is ``SITE_URL/preferences/<token>/``; the token is the customer's
public id signed with a timestamp (django.core.signing, its own salt), good
for PREFERENCE_LINK_MAX_AGE_DAYS. Each change is one consent event with the
wording the person was shown, the time, and the link used as its proof.
Withdrawing takes effect at once (Art. 7(3): as easy as giving). Giving
consent to email is confirmed by double opt-in: a mail with a second signed
link (good for PREFERENCE_CONFIRM_MAX_AGE_HOURS) that records the grant
when the person confirms."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from governance.models import CaptureMethod, Channel, Consent, ConsentStatus, LegalBasis, Purpose
from governance.selectors import consent_state
from governance.services.consent import consent_record, purpose_get

LINK_SALT = "governance.preference-centre"
CONFIRM_SALT = "governance.preference-centre.confirm"
WORDING_VERSION = "preference-centre-1"


class LinkInvalid(Exception):
    """The link is not one we made, has expired, or names nobody any more."""


@dataclass(frozen=True)
class PreferenceLink:
    url: str
    token: str
    expires_at: dt.datetime


def _max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.PREFERENCE_LINK_MAX_AGE_DAYS)


def preference_link_make(*, customer: Customer) -> PreferenceLink:
    """A link for ``customer`` to their preference centre (for campaign mails)."""
    if customer.is_archived or customer.is_merged:
        raise ValidationError({"customer": "This customer is archived or merged."})
    token = signing.dumps({"c": str(customer.public_id)}, salt=LINK_SALT, compress=True)
    path = reverse("preferences", kwargs={"token": token})
    return PreferenceLink(
        url=f"{settings.SITE_URL}{path}", token=token, expires_at=timezone.now() + _max_age()
    )


def preference_link_open(*, token: str) -> Customer:
    """The customer a link is for. Raises LinkInvalid saying why, for a person."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=_max_age())
    except signing.SignatureExpired:
        raise LinkInvalid("This link has expired. Use the link in a more recent mail.") from None
    except signing.BadSignature:
        raise LinkInvalid("This link is not valid. Check that it was copied whole.") from None
    customer = Customer.objects.filter(public_id=data.get("c")).first()
    while customer is not None and customer.merged_into_id:
        customer = customer.merged_into
    if customer is None or customer.is_archived:
        raise LinkInvalid("This link no longer leads to any preferences.")
    return customer


def _wording(purpose: Purpose, channel: str) -> str:
    """The words shown beside the choice, recorded with the event as shown."""
    text = f"{purpose.label} by {Channel(channel).label.lower()}"
    return f"{text}. {purpose.description}".strip() if purpose.description else f"{text}."


def preference_rows(*, customer: Customer) -> list[dict]:
    """What the page offers: each purpose that needs consent or may be
    objected to (marketing), on each of its channels, with the current state."""
    rows = []
    for row in consent_state(customer):
        purpose = row["purpose"]
        if not (purpose.is_marketing or purpose.legal_basis == LegalBasis.CONSENT):
            continue
        event = row["event"]
        rows.append(
            {
                **row,
                "wording": _wording(purpose, row["channel"]),
                "given": event is not None and event.status == ConsentStatus.GRANTED,
            }
        )
    return rows


def _link_facts(token: str) -> tuple[str, str]:
    """When a signed link was issued, and its signature: with the customer's
    id they remake the link exactly, so the proof need not keep it whole."""
    _, stamp, signature = token.rsplit(":", 2)
    issued = dt.datetime.fromtimestamp(signing.b62_decode(stamp), tz=dt.UTC)
    return issued.isoformat(), signature


def _proof(link_token: str, *, client: str = "", confirmation: str = "") -> str:
    """The consent event's evidence (at most 500 characters): the link used."""
    issued, signature = _link_facts(link_token)
    proof = {"via": "preference centre", "link_issued_at": issued, "link_signature": signature}
    if confirmation:
        proof["confirmation_issued_at"], proof["confirmation_signature"] = _link_facts(confirmation)
    if client:
        proof["client"] = client[:120]
    return json.dumps(proof)


def _check_choice(purpose_code: str, channel: str) -> Purpose:
    purpose = purpose_get(purpose_code)
    allowed = purpose.channels or Channel.values
    if channel not in allowed:
        raise ValidationError({"channel": f"{purpose.label} is not offered by {channel}."})
    return purpose


@dataclass(frozen=True)
class ChangeResult:
    # "withdrawn", "granted", or "confirmation_sent" (email awaits double opt-in)
    outcome: str
    event: Consent | None = None


@transaction.atomic
def preference_change(
    *, token: str, purpose: str, channel: str, give: bool, client: str = ""
) -> ChangeResult:
    """Give or withdraw one consent through the link ``token``. Raises
    LinkInvalid or ValidationError (an unknown purpose or channel)."""
    customer = preference_link_open(token=token)
    found = _check_choice(purpose, channel)
    if give and channel == Channel.EMAIL:
        _send_confirmation(customer, found, channel, _wording(found, channel), token)
        return ChangeResult("confirmation_sent")
    event = consent_record(
        customer=customer,
        purpose=found,
        channel=channel,
        status=ConsentStatus.GRANTED if give else ConsentStatus.WITHDRAWN,
        capture_method=CaptureMethod.WEB_FORM,
        source="preference centre",
        wording_version=WORDING_VERSION,
        wording_text=_wording(found, channel),
        evidence=_proof(token, client=client),
    )
    return ChangeResult("granted" if give else "withdrawn", event)


def _send_confirmation(customer, purpose, channel, wording, token) -> None:
    if not customer.email:
        raise ValidationError({"channel": "We have no email address to confirm this with."})
    confirm = signing.dumps(
        {"c": str(customer.public_id), "p": purpose.code, "ch": channel, "l": token},
        salt=CONFIRM_SALT,
        compress=True,
    )
    url = settings.SITE_URL + reverse("preferences-confirm", kwargs={"token": confirm})
    hours = settings.PREFERENCE_CONFIRM_MAX_AGE_HOURS
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Please confirm: {purpose.label} by email",
            message=(
                "You asked to receive the following by email:\n\n"
                f"  {wording}\n\n"
                f"To confirm, open this link within {hours} hours and press Confirm:\n\n"
                f"{url}\n\n"
                "If you did not ask for this, ignore this mail: nothing changes until you confirm."
            ),
            from_email=None,
            recipient_list=[customer.email],
        )
    )


def preference_confirm_open(*, token: str) -> tuple[Customer, Purpose, str]:
    """Who confirms what with a double opt-in link. Raises LinkInvalid."""
    try:
        data = signing.loads(
            token,
            salt=CONFIRM_SALT,
            max_age=dt.timedelta(hours=settings.PREFERENCE_CONFIRM_MAX_AGE_HOURS),
        )
    except signing.SignatureExpired:
        raise LinkInvalid(
            "This confirmation link has expired: ask again from your preferences."
        ) from None
    except signing.BadSignature:
        raise LinkInvalid("This confirmation link is not valid.") from None
    customer = Customer.objects.filter(public_id=data["c"], archived_at__isnull=True).first()
    purpose = Purpose.objects.filter(code=data["p"], is_active=True).first()
    if customer is None or purpose is None:
        raise LinkInvalid("This confirmation link no longer leads anywhere.")
    return customer, purpose, data["ch"]


@transaction.atomic
def preference_confirm(*, token: str, client: str = "") -> Consent:
    """Record the consent a double opt-in mail asked to confirm. Confirming
    twice records it once (the second time returns the first event)."""
    customer, purpose, channel = preference_confirm_open(token=token)
    data = signing.loads(token, salt=CONFIRM_SALT)
    _, confirmation_signature = _link_facts(token)
    already = (
        Consent.objects.filter(customer=customer, purpose=purpose, channel=channel)
        .order_by("-occurred_at", "-id")
        .first()
    )
    if (
        already is not None
        and already.status == ConsentStatus.GRANTED
        and confirmation_signature in already.evidence
    ):
        return already
    return consent_record(
        customer=customer,
        purpose=purpose,
        channel=channel,
        status=ConsentStatus.GRANTED,
        capture_method=CaptureMethod.DOUBLE_OPT_IN,
        source="preference centre",
        wording_version=WORDING_VERSION,
        wording_text=_wording(purpose, channel),
        evidence=_proof(data["l"], client=client, confirmation=token),
    )
