"""How a service's ``ValidationError`` reaches the person who caused it.

Services raise ``ValidationError`` keyed by their own argument names; pages,
admin forms and flash messages each show it in their own place. These two
helpers are the one way to do that, so that a field the form does not have
still reaches the person (on the form as a whole) instead of raising.
"""

from collections.abc import Mapping

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def service_errors(exc: ValidationError, *, rename: Mapping[str, str] | None = None):
    """``{field: [messages]}`` of a service error; a plain error is keyed
    ``NON_FIELD_ERRORS``. ``rename`` maps a service argument to the form
    field that holds it."""
    if not hasattr(exc, "error_dict"):
        return {NON_FIELD_ERRORS: list(exc.messages)}
    rename = rename or {}
    errors: dict[str, list[str]] = {}
    for field, problems in exc.message_dict.items():
        errors.setdefault(rename.get(field, field), []).extend(problems)
    return errors


def form_errors_add(form, exc: ValidationError, *, rename: Mapping[str, str] | None = None):
    """Put a service's error on ``form``: each message on its field when the
    form has that field, on the form as a whole otherwise. A field that
    already carries the form's own error is left with that one."""
    for field, problems in service_errors(exc, rename=rename).items():
        if field in form.fields:
            if field not in form.errors:
                form.add_error(field, problems)
        else:
            form.add_error(None, problems)


def form_errors_flash(request, exc: ValidationError) -> None:
    """Show a service's error as flash messages, one per field, with the
    field's label when it has one (pages that answer with a redirect)."""
    for field, problems in service_errors(exc).items():
        text = " ".join(problems)
        if field == NON_FIELD_ERRORS:
            messages.error(request, text)
        else:
            messages.error(request, f"{field.replace('_', ' ').capitalize()}: {text}")
