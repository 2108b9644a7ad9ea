"""The upload wizard: upload, map the columns (suggested from the header),
preview the first rows as the run will judge them, run on a worker with a
live progress bar, then the summary and the error report. Past jobs are
listed with their figures."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.imports import dates, readers
from customers.imports.forms import ImportUploadForm
from customers.imports.mapping import target_fields
from customers.imports.services import (
    PREVIEW_SCAN_ROWS,
    import_error_report_rows,
    import_job_create,
    import_job_set_mapping,
    import_job_start,
    import_preview,
)
from customers.models import ImportJob, ImportKind, ImportStatus
from mis.confirm import confirmation
from mis.csvfiles import csv_stream
from mis.forms import form_errors_add
from mis.pagination import keyset_page

JOBS_PER_PAGE = 25


ERROR_REPORT_REFUSED = (
    "The error report holds raw personal data: only the person who started the import "
    "or a user who may view sensitive data can download it."
)


def error_report_response(job: ImportJob) -> StreamingHttpResponse:
    """The error report as a streamed CSV download that no cache keeps (the
    page and the API both send this)."""
    response = StreamingHttpResponse(
        csv_stream(import_error_report_rows(job=job)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"import-{job.public_id}-errors.csv"
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def may_read_error_report(user, job: ImportJob) -> bool:
    """The report holds rows as they were read, sensitive values included."""
    return job.created_by_id == user.pk or user.has_perm("customers.view_sensitive_data")


# A draft's preview shows the file's rows as read, like the error report: the
# same people may see it, map it, run it or discard it.
may_handle_draft = may_read_error_report


@require_GET
@permission_required("customers.view_importjob", raise_exception=True)
def import_list(request):
    jobs = ImportJob.objects.select_related("created_by")
    return render(
        request, "imports/list.html", {"page": keyset_page(request, jobs, page_size=JOBS_PER_PAGE)}
    )


@require_http_methods(["GET", "POST"])
@permission_required("customers.add_importjob", raise_exception=True)
def import_new(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            job = import_job_create(
                kind=data["kind"],
                file=upload,
                original_name=upload.name,
                source=data["source"],
                options={
                    "encoding": data["encoding"],
                    "delimiter": data["delimiter"],
                    "date_format": data["date_format"],
                    "strict": data["strict"],
                    "hold_duplicates": data["hold_duplicates"],
                },
                actor=request.user,
                draft=True,
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return redirect("imports:detail", public_id=job.public_id)
    return render(request, "imports/new.html", {"form": form})


def _mapping_from(request) -> dict:
    """The mapping the form sent: one select per target field (custom
    attribute columns included)."""
    mapping = {}
    for target in request.POST.getlist("target"):
        column = request.POST.get(f"map:{target}", "")
        if column:
            mapping[target] = column
    return mapping


def _date_orders_from(request) -> dict:
    """How each date column that reads both ways is written, as answered."""
    prefix = "date_order:"
    return {
        key.removeprefix(prefix): value
        for key, value in request.POST.items()
        if key.startswith(prefix) and value
    }


def _mapping_rows(job: ImportJob, preview) -> list[dict]:
    """One select per target field; for the preview, each row's cells are
    the values of the mapped columns, in the same order."""
    targets = list(target_fields(job.kind))
    targets += [t for t in preview.mapping if t not in targets]
    rows = [{"target": t, "column": preview.mapping.get(t, "")} for t in targets]
    shown = [r["column"] for r in rows if isinstance(r["column"], str) and r["column"]]
    for row in preview.rows:
        by_column = dict(zip(preview.header, row.values, strict=False))
        row.cells = [by_column.get(column, "") for column in shown]
    return rows


@require_http_methods(["GET", "POST"])
@permission_required("customers.view_importjob", raise_exception=True)
def import_detail(request, public_id):
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), public_id=public_id)
    if job.status != ImportStatus.DRAFT:
        if request.method == "POST":
            messages.error(request, "This import has been started; its mapping is fixed.")
        return render(request, "imports/job.html", _job_context(request, job))

    if not request.user.has_perm("customers.add_importjob") or not may_handle_draft(
        request.user, job
    ):
        if request.method == "POST":
            raise PermissionDenied("Only the person who uploaded this file can map and run it.")
        return render(request, "imports/job.html", _job_context(request, job))
    mapping = _mapping_from(request) if request.method == "POST" else None
    date_orders = _date_orders_from(request) if request.method == "POST" else None
    try:
        preview = import_preview(job=job, mapping=mapping, date_orders=date_orders)
    except readers.FileProblem as exc:
        return render(request, "imports/job.html", {**_job_context(request, job), "problem": exc})

    if request.method == "POST" and request.POST.get("action") == "run":
        if preview.problems:
            messages.error(request, "Correct the mapping before running the import.")
        else:
            try:
                with transaction.atomic():
                    import_job_set_mapping(
                        job=job,
                        mapping=preview.mapping,
                        actor=request.user,
                        date_orders={c["column"]: c["order"] for c in preview.date_columns},
                    )
                    import_job_start(job=job)
            except ValidationError as exc:  # run twice: the first one won
                messages.error(request, " ".join(exc.messages))
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "The import is running; this page follows its progress.")
            return redirect("imports:detail", public_id=job.public_id)
    context = {
        **_job_context(request, job),
        "preview": preview,
        "mapping_rows": _mapping_rows(job, preview),
        "scan_rows": PREVIEW_SCAN_ROWS,
    }
    template = "imports/_mapping.html" if request.htmx else "imports/job.html"
    return render(request, template, context)


def _job_context(request, job: ImportJob) -> dict:
    return {
        "job": job,
        "may_read_errors": may_read_error_report(request.user, job),
        # The figures lead to the records once the job is done (a dry run wrote none).
        "links": job.is_finished
        and not job.options.get("dry_run")
        and job.kind == ImportKind.CUSTOMERS
        and request.user.has_perm("customers.view_customer"),
        "default_date_order": dates.ORDERS.get(settings.IMPORT_DEFAULT_DATE_ORDER, ""),
    }


@require_GET
@permission_required("customers.view_importjob", raise_exception=True)
def import_progress(request, public_id):
    """The progress bar and figures, polled by the job page while it runs."""
    job = get_object_or_404(ImportJob, public_id=public_id)
    return render(request, "imports/_progress.html", _job_context(request, job))


@require_POST
@permission_required("customers.add_importjob", raise_exception=True)
def import_discard(request, public_id):
    """Drop a draft that was never run (a wrong file, say)."""
    job = get_object_or_404(ImportJob, public_id=public_id, status=ImportStatus.DRAFT)
    if not may_handle_draft(request.user, job):
        raise PermissionDenied("Only the person who uploaded this file can discard it.")
    asked = confirmation(
        request,
        title="Discard this upload?",
        message=f"The file “{job.original_name}” and its column mapping are deleted; "
        "nothing was imported from it. You can upload it again later.",
        button="Discard",
        cancel_url=reverse("imports:detail", args=[job.public_id]),
    )
    if asked:
        return asked
    job.file.delete(save=False)
    job.delete()
    messages.success(request, "The draft import was discarded.")
    return redirect("imports:list")


@require_GET
@permission_required("customers.view_importjob", raise_exception=True)
def import_errors(request, public_id):
    job = get_object_or_404(ImportJob, public_id=public_id)
    if not may_read_error_report(request.user, job):
        messages.error(request, ERROR_REPORT_REFUSED)
        return redirect("imports:detail", public_id=job.public_id)
    return error_report_response(job)
