from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Let services raise Django's ValidationError and still answer 400 with one
    list of messages per field (errors not tied to a field under
    ``non_field_errors``)."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        # A list field's own errors (an empty or non-list ``lines``) come from
        # DRF as {"non_field_errors": [...]}; make them the field's list too.
        nested_key = api_settings.NON_FIELD_ERRORS_KEY
        exc.detail = {
            field: (
                messages[nested_key]
                if isinstance(messages, dict) and set(messages) == {nested_key}
                else messages
            )
            for field, messages in exc.detail.items()
        }
    return drf_exception_handler(exc, context)
