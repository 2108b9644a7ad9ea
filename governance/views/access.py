"""Access monitoring pages: usage over time and the monthly report."""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from governance import selectors
from mis.csvfiles import csv_writer

REPORT_COLUMNS = ("user", "views", "lists", "exports", "records", "bulk_reads")


class UsageForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=366, required=False, initial=30)


class MonthForm(forms.Form):
    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": "Give the month as YYYY-MM, e.g. 2026-11."},
    )

    def clean_month(self) -> dt.date:
        value = self.cleaned_data["month"]
        if not value:
            return timezone.localdate().replace(day=1)
        year, month = (int(part) for part in value.split("-"))
        return dt.date(year, month, 1)


@require_GET
@permission_required("governance.view_accesslog", raise_exception=True)
def access_usage(request):
    form = UsageForm(request.GET or None)
    days = 30
    if form.is_bound and form.is_valid():
        days = form.cleaned_data["days"] or 30
    until = timezone.now()
    since = until - dt.timedelta(days=days)
    threshold = settings.ACCESS_BULK_THRESHOLD
    context = {
        "form": form,
        "days": days,
        "threshold": threshold,
        "active": selectors.access_active_users(since=since, until=until),
        "usage": selectors.access_usage(since=since, until=until, threshold=threshold),
        "bulk": selectors.access_bulk(since=since, until=until, threshold=threshold),
        "this_month": timezone.localdate().strftime("%Y-%m"),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "governance/access_usage.html", context, status=status)


@require_GET
@permission_required("governance.view_accesslog", raise_exception=True)
def access_report(request):
    """The month's usage per user as CSV (``month=YYYY-MM``, default this month)."""
    form = MonthForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(form.errors["month"]), content_type="text/plain")
    month = form.cleaned_data["month"]
    rows = selectors.access_monthly_report(month=month, threshold=settings.ACCESS_BULK_THRESHOLD)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-{month:%Y-%m}.csv"'
    writer = csv_writer(response)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row["username"] or "command line / task",
                row["views"],
                row["lists"],
                row["exports"],
                row["records"] or 0,
                row["bulk"],
            ]
        )
    return response
