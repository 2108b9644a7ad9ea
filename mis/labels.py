"""Words for the codes MIS stores, for people: ``label_for("dsr_fulfilled")``
is "Data-subject request fulfilled". Codes go to the API and exports as they
are; pages show these labels.

A code is looked up in the vocabularies below in order: audit events, the
reasons a campaign leaves someone out, channels, customer fields (their
verbose names); consent purposes (data, in the database) only when asked for
by name. A code none of them knows is made readable ("some_code" -> "Some
code") rather than shown raw."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist

AUDIT_EVENTS = {
    "customer_erased": "Customer erased",
    "dsr_registered": "Data-subject request registered",
    "dsr_identity_checked": "Requester's identity checked",
    "dsr_extended": "Data-subject request deadline extended",
    "dsr_fulfilled": "Data-subject request fulfilled",
    "dsr_refused": "Data-subject request refused",
    "objection_registered": "Objection to direct marketing registered",
    "procedure_published": "Procedure published",
    "retention_run_prepared": "Retention run prepared",
    "retention_run_approved": "Retention run approved",
    "retention_run_rejected": "Retention run rejected",
    "retention_run_completed": "Retention run completed",
    "consent_withdrawn": "Consent withdrawn",
    "bulk_update": "Customers updated in bulk",
}


def _exclusion_reasons() -> dict[str, str]:
    from governance.policy import EXCLUSION_REASONS

    return EXCLUSION_REASONS


def _channels() -> dict[str, str]:
    from governance.models import Channel

    return dict(Channel.choices)


def _purposes() -> dict[str, str]:
    from governance.models import Purpose

    return dict(Purpose.objects.values_list("code", "label"))


def field_label(name: str) -> str | None:
    """A customer field's verbose name, capitalised: "Date of birth"."""
    from customers.models import Customer

    try:
        verbose = Customer._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return None
    return str(verbose)[:1].upper() + str(verbose)[1:]


def readable(code: str) -> str:
    words = str(code).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def label_for(code, vocabulary: str = "") -> str:
    """The label of ``code``; ``vocabulary`` ("audit", "exclusion",
    "purpose", "channel", "field") looks in that one only. Purposes are data:
    they are read from the database only when asked for by name."""
    if code in (None, ""):
        return ""
    code = str(code)
    lookups = {
        "audit": lambda: AUDIT_EVENTS,
        "exclusion": _exclusion_reasons,
        "purpose": _purposes,
        "channel": _channels,
    }
    if vocabulary in lookups:
        order = [vocabulary]
    elif vocabulary == "field":
        order = []
    else:
        order = ["audit", "exclusion", "channel"]
    for name in order:
        found = lookups[name]().get(code)
        if found:
            return str(found)
    if vocabulary in ("", "field"):
        found = field_label(code)
        if found:
            return found
    return readable(code)
