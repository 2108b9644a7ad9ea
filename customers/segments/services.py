"""Writes for segments: save (create or change, each save a new version)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from customers.models import Segment, SegmentVersion
from customers.segments.compiler import compile_rules

MAX_NAME = 120


def _clean_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": ["A segment needs a name."]})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": [f"A name has at most {MAX_NAME} characters."]})
    clash = Segment.objects.annotate(lower=Lower("name")).filter(lower=name.lower())
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": [f"There is already a segment called “{name}”."]})
    return name


def _record_version(segment: Segment, actor) -> SegmentVersion:
    return SegmentVersion.objects.create(
        segment=segment,
        number=segment.version,
        name=segment.name,
        description=segment.description,
        rules=segment.rules,
        saved_by=actor,
    )


@transaction.atomic
def segment_create(*, name: str, description: str = "", rules, actor) -> Segment:
    """A new segment (version 1). The rules are checked as ``actor`` writes
    them: sensitive rule types need the sensitive-data permission."""
    name = _clean_name(name)
    compiled = compile_rules(rules, user=actor)
    try:
        segment = Segment.objects.create(
            name=name,
            description=(description or "").strip(),
            rules=compiled.rules,
            owner=actor,
        )
    except IntegrityError:  # a concurrent save took the name
        raise ValidationError({"name": [f"There is already a segment called “{name}”."]}) from None
    _record_version(segment, actor)
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, name: str, description: str = "", rules, actor) -> Segment:
    """Save a change as the next version. Saving what is already there makes
    no new version."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    name = _clean_name(name, exclude_pk=segment.pk)
    compiled = compile_rules(rules, user=actor)
    description = (description or "").strip()
    if (segment.name, segment.description, segment.rules) == (name, description, compiled.rules):
        return segment
    segment.name, segment.description, segment.rules = name, description, compiled.rules
    segment.version += 1
    segment.save(update_fields=["name", "description", "rules", "version", "updated_at"])
    _record_version(segment, actor)
    return segment
