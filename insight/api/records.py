"""The insight records as REST resources, with the same permissions
(``RoleModelPermissions``: the role's model permissions, reads included) and
the same guards as the pages: every write goes through the record services
or the record's own service, so a locked record is refused here too.

Each resource is declared once (``resource``): its model, the fields people
write, and, where the record has one, the service that creates it."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from insight.services.records import record_create, record_delete, record_update
from mis.api.permissions import RoleModelPermissions

_USER_MODEL_LABEL = "auth.user"


def _has_public_id(model: type[models.Model]) -> bool:
    return any(f.name == "public_id" for f in model._meta.fields)


def _relation_field(field: models.ForeignKey, *, read_only: bool) -> serializers.Field:
    """A relation by the related record's public id, a user by username, any
    other record by its id."""
    related = field.related_model
    kwargs = {"read_only": read_only}
    if not read_only:
        kwargs.update(queryset=related.objects.all(), required=not field.blank)
        kwargs["allow_null"] = field.null
    if related._meta.label_lower == _USER_MODEL_LABEL:
        return serializers.SlugRelatedField(slug_field="username", **kwargs)
    if _has_public_id(related):
        return serializers.SlugRelatedField(slug_field="public_id", **kwargs)
    return serializers.PrimaryKeyRelatedField(**kwargs)


def serializer_for(model, fields: list[str], *, read_only: tuple[str, ...] = ()):
    """A serializer of ``model``: ``id`` (its public id, or pk), ``fields``
    written, ``read_only`` shown. Refuses unknown input keys."""
    declared = {}
    for name in (*fields, *read_only):
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            declared[name] = _relation_field(field, read_only=name in read_only)
    declared["id"] = (
        serializers.UUIDField(source="public_id", read_only=True)
        if _has_public_id(model)
        else serializers.IntegerField(source="pk", read_only=True)
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {n for n, f in self.fields.items() if not f.read_only})
            if unknown:
                raise serializers.ValidationError(dict.fromkeys(unknown, ["Unknown field."]))
        return serializers.ModelSerializer.to_internal_value(self, data)

    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": ["id", *fields, *read_only],
            "read_only_fields": list(read_only),
            # The services validate (the model's rules and constraints); the
            # serializer checks types only.
            "validators": [],
        },
    )
    return type(
        f"{model.__name__}Serializer",
        (serializers.ModelSerializer,),
        {**declared, "Meta": meta, "to_internal_value": to_internal_value},
    )


class RecordPagination(CursorPagination):
    """Keyset pages in id order: stable whatever the record."""

    ordering = "-pk"
    page_size = 50


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create, change (PATCH) and delete one kind of record."""

    permission_classes = [RoleModelPermissions]
    pagination_class = RecordPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    creator_field = ""
    create_service: Callable | None = None  # (actor, data) -> instance
    filters: tuple[str, ...] = ()  # ?<name>=<value> filters on these fields
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.model.objects.select_related(*self.select_related)
        for name in self.filters:
            wanted = self.request.query_params.get(name)
            if wanted:
                field = self.model._meta.get_field(name)
                if isinstance(field, models.ForeignKey) and _has_public_id(field.related_model):
                    queryset = queryset.filter(**{f"{name}__public_id": wanted})
                else:
                    queryset = queryset.filter(**{name: wanted})
        return queryset

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if self.create_service is not None:
            serializer.instance = type(self).create_service(self.request.user, data)
        else:
            extra = {self.creator_field: self.request.user} if self.creator_field else {}
            serializer.instance = record_create(
                self.model, actor=self.request.user, data=data, **extra
            )

    def perform_update(self, serializer):
        serializer.instance = record_update(
            serializer.instance, actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        record_delete(instance, actor=self.request.user)

    def respond(self, instance, code=status.HTTP_200_OK):
        return Response(self.get_serializer(instance).data, status=code)


def resource(
    model,
    fields: list[str],
    *,
    read_only: tuple[str, ...] = (),
    creator: str = "",
    create: Callable | None = None,
    filters: tuple[str, ...] = (),
    select_related: tuple[str, ...] = (),
    doc: str = "",
    base: type[RecordViewSet] = RecordViewSet,
    **members,
) -> type[RecordViewSet]:
    """The viewset of one kind of record."""
    serializer = serializer_for(model, fields, read_only=read_only)
    viewset = type(
        f"{model.__name__}ViewSet",
        (base,),
        {
            "__doc__": doc or model.__doc__,
            "model": model,
            "serializer_class": serializer,
            "lookup_field": "public_id" if _has_public_id(model) else "pk",
            "creator_field": creator,
            "create_service": staticmethod(create) if create else None,
            "filters": filters,
            "select_related": select_related,
            **members,
        },
    )
    return extend_schema(tags=["insight"])(viewset)
