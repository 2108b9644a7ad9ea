"""The OpenAPI schema says what responses really hold.

drf-spectacular reads serializers field by field; three things it cannot see
from a field alone, this schema class adds for responses:

- a value read through a relation that may be empty (``approved_by.username``)
  is null when the relation is;
- a choice stored in a text column that may be blank comes back as ``""``;
- a field the serializer masks for some callers (``maskable_fields``) is null
  for them.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


def _model_fields_on_path(field) -> list:
    """The model fields a serializer field's ``source`` passes through."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    found = []
    for attr in getattr(field, "source_attrs", None) or []:
        if model is None:
            break
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            break
        found.append(model_field)
        model = model_field.related_model
    return found


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if direction == "response" and isinstance(field, serializers.Field):
            path = _model_fields_on_path(field)
            maskable = getattr(field.parent, "maskable_fields", ())
            if field.field_name in maskable or any(f.null for f in path):
                field.allow_null = True
            if (
                isinstance(field, serializers.ChoiceField)
                and path
                and isinstance(path[-1], models.CharField)
                and path[-1].blank
            ):
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


# The errors every operation may answer, with DRF's body ({"detail": ...} or a
# list of messages per field): documented once here rather than on each view.
ERROR_RESPONSES = {
    "400": "Invalid input: a list of messages per field (or per filter).",
    "401": "Not authenticated: no, or a wrong, token or session.",
    "403": "Authenticated, but the role may not do this.",
    "404": "No such record (or none the caller may see).",
    "429": "Too many requests: wait the seconds of Retry-After.",
}
_ERROR_BODY = {"type": "object", "additionalProperties": {}}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation lists the error
    answers it can give, beside what its view documents."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": _ERROR_BODY}},
                    },
                )
    return result
