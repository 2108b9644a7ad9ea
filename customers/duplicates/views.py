"""Pages of duplicate review: the queue, a pair side by side with the evidence
and a choice per field, merges and their undo.

Everyone who may see the queue (customers.view_duplicatecandidate: marketing
staff, managers, the data steward, the data protection lead) sees pairs and
evidence; only the data steward (customers.merge_customers) merges, undoes,
marks pairs as not the same and starts a sweep."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from customers import reads
from customers.duplicates import engine
from customers.duplicates.services.held import held_row_discard, held_row_import
from customers.duplicates.services.merge import (
    MERGE_FIELDS,
    MERGE_PERMISSION,
    MergeError,
    candidate_mark_distinct,
    candidate_merge,
    merge_defaults,
    merge_undo,
)
from customers.masking import MASK, masked_fields_for
from customers.models import (
    CandidateStatus,
    Customer,
    DuplicateCandidate,
    DuplicateSweep,
    HeldRow,
    HeldRowStatus,
    ImportJob,
    MatchDecision,
    Merge,
    MergeStatus,
    SweepStatus,
)
from mis.confirm import confirmation
from mis.forms import form_errors_flash

PAGE_SIZE = 50


def _after(request) -> tuple[float, int] | None:
    """The keyset cursor: the last row's probability and id."""
    raw = request.GET.get("after", "")
    if not raw:
        return None
    try:
        probability, pk = raw.split(":")
        return float(probability), int(pk)
    except ValueError as exc:
        raise Http404("That page link is not valid; start again from the first page.") from exc


@require_GET
@permission_required("customers.view_duplicatecandidate", raise_exception=True)
def queue(request):
    decision = request.GET.get("decision", "")
    if decision and decision not in MatchDecision.values:
        messages.error(request, f"Unknown decision “{decision}”: showing every pending pair.")
        decision = ""
    pairs = DuplicateCandidate.objects.filter(status=CandidateStatus.PENDING).select_related(
        "customer_a", "customer_b"
    )
    if decision:
        pairs = pairs.filter(decision=decision)
    import_job = None
    if request.GET.get("import"):
        try:
            import_job = ImportJob.objects.get(public_id=request.GET["import"])
        except (ImportJob.DoesNotExist, ValidationError) as exc:
            raise Http404("No such import.") from exc
        pairs = pairs.filter(import_job=import_job)
    after = _after(request)
    if after is not None:
        from django.db.models import Q

        pairs = pairs.filter(
            Q(match_probability__lt=after[0]) | Q(match_probability=after[0], pk__gt=after[1])
        )
    rows = list(pairs.order_by("-match_probability", "pk")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    context = {
        "pairs": rows,
        "decision": decision,
        "decisions": MatchDecision.choices,
        "import_job": import_job,
        "next_after": f"{rows[-1].match_probability!r}:{rows[-1].pk}" if more else None,
        "last_sweep": DuplicateSweep.objects.select_related("match_model").first(),
        "running": DuplicateSweep.objects.filter(status=SweepStatus.RUNNING).exists(),
        "recent_merges": Merge.objects.select_related("survivor", "merged", "merged_by")[:10],
        "can_merge": request.user.has_perm(MERGE_PERMISSION),
    }
    return render(request, "duplicates/queue.html", context)


def _display(customer: Customer, field: str, masked) -> str:
    if field in masked:
        return MASK
    value = getattr(customer, field)
    if field == "country":
        return customer.country.name if customer.country else ""
    display = getattr(customer, f"get_{field}_display", None)
    if display is not None and value:
        return display()
    return "" if value is None else str(value)


@require_GET
@permission_required("customers.view_duplicatecandidate", raise_exception=True)
def review(request, pk: int):
    candidate = get_object_or_404(
        DuplicateCandidate.objects.select_related("customer_a", "customer_b", "match_model"), pk=pk
    )
    a, b = candidate.customer_a, candidate.customer_b
    reads.describe(action="view", detail="duplicate review")
    masked = set(masked_fields_for(request.user))
    defaults = merge_defaults(a, b)
    fields = [
        {
            "name": field,
            "label": Customer._meta.get_field(field).verbose_name,
            "a": _display(a, field, masked),
            "b": _display(b, field, masked),
            "same": getattr(a, field) == getattr(b, field),
            "default": defaults["choices"][field],
            # A masked value cannot be chosen knowingly: the default stands.
            "choosable": field not in masked,
        }
        for field in MERGE_FIELDS
    ]
    labels = engine.level_labels(candidate.match_model.splink_settings)
    evidence = [
        {
            "comparison": name.replace("_", " "),
            "level": labels.get(name, {}).get(int(level), f"level {level}"),
            "weight": weight,
        }
        for name, (level, weight) in candidate.evidence.items()
    ]
    context = {
        "candidate": candidate,
        "a": a,
        "b": b,
        "fields": fields,
        "survivor": defaults["survivor"],
        "evidence": evidence,
        "can_merge": request.user.has_perm(MERGE_PERMISSION)
        and candidate.status == CandidateStatus.PENDING
        and not (a.is_merged or b.is_merged),
    }
    return render(request, "duplicates/review.html", context)


@require_POST
@permission_required(MERGE_PERMISSION, raise_exception=True)
def merge(request, pk: int):
    candidate = get_object_or_404(
        DuplicateCandidate.objects.select_related("customer_a", "customer_b"), pk=pk
    )
    choices = {
        field: request.POST[f"choice_{field}"]
        for field in MERGE_FIELDS
        if request.POST.get(f"choice_{field}")
    }
    records = {"a": candidate.customer_a, "b": candidate.customer_b}
    kept = records.get(request.POST.get("survivor", ""))
    if kept is not None:
        gone = candidate.customer_b if kept == candidate.customer_a else candidate.customer_a
        asked = confirmation(
            request,
            title="Merge these two records?",
            message=f"{gone.display_name} ({gone.source}) will be merged into "
            f"{kept.display_name} ({kept.source}), with the values you chose. Orders, "
            "consents and history move to the record that stays. A merge can be undone "
            "from the list of merges until the record that stays is changed.",
            button="Merge",
            cancel_url=reverse("duplicates:review", args=[pk]),
        )
        if asked:
            return asked
    try:
        done = candidate_merge(
            candidate=candidate,
            survivor=request.POST.get("survivor", ""),
            choices=choices,
            actor=request.user,
        )
    except (MergeError, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return redirect("duplicates:review", pk=pk)
    except ValidationError as exc:
        form_errors_flash(request, exc)
        return redirect("duplicates:review", pk=pk)
    messages.success(
        request, f"{done.merged.display_name} was merged into {done.survivor.display_name}."
    )
    return redirect("duplicates:queue")


@require_POST
@permission_required("customers.change_duplicatecandidate", raise_exception=True)
def distinct(request, pk: int):
    candidate = get_object_or_404(DuplicateCandidate, pk=pk)
    try:
        candidate_mark_distinct(candidate=candidate, actor=request.user)
    except MergeError as exc:
        messages.error(request, str(exc))
        return redirect("duplicates:review", pk=pk)
    messages.success(request, "Marked as two different records; later sweeps leave the pair.")
    return redirect("duplicates:queue")


@require_POST
@permission_required(MERGE_PERMISSION, raise_exception=True)
def undo(request, public_id):
    done = get_object_or_404(Merge, public_id=public_id)
    try:
        merge_undo(merge=done, actor=request.user)
    except MergeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The merge was undone; both records are back as they were.")
    return redirect("duplicates:merges")


@require_GET
@permission_required("customers.view_merge", raise_exception=True)
def merges(request):
    rows = Merge.objects.select_related("survivor", "merged", "merged_by", "undone_by")
    return render(
        request,
        "duplicates/merges.html",
        {
            "merges": rows[:100],
            "can_merge": request.user.has_perm(MERGE_PERMISSION),
            "merged_status": MergeStatus.MERGED,
        },
    )


@require_POST
@permission_required("customers.add_duplicatesweep", raise_exception=True)
def sweep_start(request):
    """Queue a sweep on the workers (the page does not wait an hour)."""
    from customers.duplicates.tasks import duplicate_sweep_task

    if DuplicateSweep.objects.filter(status=SweepStatus.RUNNING).exists():
        messages.error(request, "A duplicate sweep is already running.")
    else:
        user_id = request.user.pk
        transaction.on_commit(lambda: duplicate_sweep_task.delay(user_id))
        messages.success(request, "The duplicate sweep was queued; the queue fills when it ends.")
    return redirect("duplicates:queue")


# The incoming values a held row shows beside the existing customer: the
# fields the match model compares.
HELD_FIELDS = tuple(c for c in engine.RAW_COLUMNS if c not in ("id", "kind"))


@require_GET
@permission_required("customers.view_duplicatecandidate", raise_exception=True)
def held(request, public_id):
    """An import's rows held back as certain duplicates of existing customers:
    each row's values beside the customer it repeats, with the evidence."""
    job = get_object_or_404(ImportJob, public_id=public_id)
    rows = list(
        HeldRow.objects.filter(import_job=job)
        .select_related("customer", "imported_as", "match_model", "reviewed_by")
        .order_by("row_number")[:500]
    )
    reads.describe(action="view", detail="held import rows")
    masked = set(masked_fields_for(request.user))
    shown = []
    for row in rows:
        labels = engine.level_labels(row.match_model.splink_settings)
        shown.append(
            {
                "row": row,
                "fields": [
                    {
                        "label": Customer._meta.get_field(field).verbose_name,
                        "incoming": MASK if field in masked else (row.values.get(field) or ""),
                        "existing": _display(row.customer, field, masked),
                    }
                    for field in HELD_FIELDS
                    if row.values.get(field) or getattr(row.customer, field)
                ],
                "evidence": [
                    {
                        "comparison": name.replace("_", " "),
                        "level": labels.get(name, {}).get(int(level), f"level {level}"),
                        "weight": weight,
                    }
                    for name, (level, weight) in row.evidence.items()
                ],
            }
        )
    context = {
        "job": job,
        "rows": shown,
        "can_review": request.user.has_perm(MERGE_PERMISSION),
        "held_status": HeldRowStatus.HELD,
    }
    return render(request, "duplicates/held.html", context)


@require_POST
@permission_required(MERGE_PERMISSION, raise_exception=True)
def held_review(request, pk: int):
    """Discard a held row (it is the existing customer) or import it as a new customer."""
    row = get_object_or_404(HeldRow.objects.select_related("import_job"), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "import":
            customer = held_row_import(held=row, actor=request.user)
            messages.success(request, f"Row {row.row_number} was imported as {customer}.")
        elif action == "discard":
            held_row_discard(held=row, actor=request.user)
            messages.success(request, f"Row {row.row_number} was not imported.")
        else:  # a discard is final: never the default of an unknown action
            messages.error(request, "Choose whether to discard the row or import it.")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        form_errors_flash(request, exc)
    return redirect("duplicates:held", public_id=row.import_job.public_id)
