"""Segment pages: the list, the builder with its live count, saving, versions."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import exports
from customers.models import ExportVia, Segment
from customers.segments import builder, selectors, services
from customers.segments import exports as snapshot_exports
from customers.segments.compiler import compile_rules, empty_rules
from mis.forms import form_errors_flash

VIEW = "customers.view_segment"


def _count_context(rules: dict, user) -> dict:
    """The live count of the rules being built, or what is wrong with them."""
    try:
        compiled = compile_rules(rules, user=user, allow_empty=True)
    except ValidationError as exc:
        return {"rule_errors": exc.message_dict.get("rules", exc.messages)}
    started = time.perf_counter()
    count = selectors.live_count(compiled.condition)
    return {"count": count, "count_ms": round((time.perf_counter() - started) * 1000)}


def _builder_page(request, *, segment: Segment | None, rules: dict, form: dict, errors=None):
    context = {
        "segment": segment,
        "form": form,
        "form_action": (
            reverse("segments:edit", kwargs={"public_id": segment.public_id})
            if segment
            else reverse("segments:create")
        ),
        "errors": errors or {},
        "versions": selectors.segment_versions_visible_to(request.user).filter(segment=segment)[:20]
        if segment
        else [],
        "snapshots": selectors.segment_snapshots(segment, user=request.user)[:20]
        if segment
        else [],
        **builder.builder_context(rules, request.user),
        **_count_context(rules, request.user),
    }
    return render(request, "segments/builder.html", context)


def _save(request, segment: Segment | None):
    rules = builder.rules_from_form(request.POST)
    form = {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
    }
    try:
        if segment is None:
            saved = services.segment_create(**form, rules=rules, actor=request.user)
        else:
            saved = services.segment_update(
                segment=segment, **form, rules=rules, actor=request.user
            )
    except ValidationError as exc:
        return _builder_page(
            request, segment=segment, rules=rules, form=form, errors=exc.message_dict
        )
    messages.success(request, f"Segment “{saved.name}” saved (version {saved.version}).")
    return redirect("segments:edit", public_id=saved.public_id)


@require_GET
@permission_required(VIEW, raise_exception=True)
def segment_list(request):
    return render(request, "segments/list.html", {"segments": selectors.segment_list(request.user)})


@require_http_methods(["GET", "POST"])
@permission_required([VIEW, "customers.add_segment"], raise_exception=True)
def segment_create(request):
    if request.method == "POST":
        return _save(request, None)
    return _builder_page(request, segment=None, rules=empty_rules(), form={})


@require_http_methods(["GET", "POST"])
@permission_required(VIEW, raise_exception=True)
def segment_edit(request, public_id):
    segment = get_object_or_404(selectors.segments_visible_to(request.user), public_id=public_id)
    if request.method == "POST":
        if not request.user.has_perm("customers.change_segment"):
            messages.error(request, "You may look at segments but not change them.")
            return redirect("segments:edit", public_id=segment.public_id)
        return _save(request, segment)
    form = {"name": segment.name, "description": segment.description}
    return _builder_page(request, segment=segment, rules=segment.rules, form=form)


@require_POST
@permission_required(VIEW, raise_exception=True)
def segment_builder(request):
    """The builder redrawn after a change of structure (a rule or group added
    or removed, a rule's type changed), with its count."""
    rules = builder.apply_action(builder.rules_from_form(request.POST), request.POST.get("action"))
    context = {
        "form": {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
        },
        "form_action": request.POST.get("form_action", ""),
        **builder.builder_context(rules, request.user),
        **_count_context(rules, request.user),
    }
    return render(request, "segments/_builder.html", context)


@require_POST
@permission_required(VIEW, raise_exception=True)
def segment_count(request):
    """Only the count, while a value is being typed."""
    rules = builder.rules_from_form(request.POST)
    return render(request, "segments/_count.html", _count_context(rules, request.user))


@require_POST
@permission_required([VIEW, "customers.add_campaignsnapshot"], raise_exception=True)
def snapshot_take(request, public_id):
    segment = get_object_or_404(selectors.segments_visible_to(request.user), public_id=public_id)
    try:
        snapshot = services.snapshot_take(
            segment=segment,
            purpose=request.POST.get("purpose", ""),
            channel=request.POST.get("channel", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        form_errors_flash(request, exc)
    else:
        messages.success(
            request,
            f"Snapshot taken: {snapshot.member_count:,} of {snapshot.matched_count:,} members "
            + (
                "may be contacted."
                if snapshot.consent_checked
                else "kept; no consent check was applied (no governance backend)."
            ),
        )
    return redirect("segments:edit", public_id=segment.public_id)


@require_GET
@permission_required(
    [VIEW, "customers.view_campaignsnapshot", exports.EXPORT_PERMISSION], raise_exception=True
)
def snapshot_export(request, public_id):
    """The snapshot's members as a CSV download, recorded like every export."""
    snapshot = get_object_or_404(
        selectors.snapshots_visible_to(request.user).select_related("segment"),
        public_id=public_id,
    )
    export = snapshot_exports.snapshot_export_start(
        snapshot=snapshot, actor=request.user, via=ExportVia.PAGE
    )
    return snapshot_exports.snapshot_export_response(snapshot=snapshot, export=export)
