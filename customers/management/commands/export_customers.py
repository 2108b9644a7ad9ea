from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from customers import exports, selectors
from customers.filters import CustomerFilter
from customers.models import ExportFormat, ExportVia, Segment
from customers.segments import selectors as segment_selectors
from customers.segments.rules import rules_sensitive_fields


class Command(BaseCommand):
    help = (
        "Export customers to a CSV or XLSX file: every data component, custom attributes and "
        "the buying pattern, or the --fields given. Active customers only, unless a filter says "
        "otherwise (--filter archived=true). Runs as an operator, so sensitive fields are "
        "included; the export is recorded as made from the command line."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The file to write (replaced if it exists).")
        parser.add_argument(
            "--fields", help="Comma-separated columns in the order wanted (default: all)."
        )
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=ExportFormat.values,
            help="Default: xlsx for a path ending in .xlsx, else csv.",
        )
        parser.add_argument(
            "--segment",
            help="Only the members of this saved segment now (its name, any case). For a "
            "campaign, export a snapshot instead: it applies the consent check.",
        )
        parser.add_argument(
            "--filter",
            dest="filters",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=(
                "A customer-list filter, as the API takes it (repeatable), e.g. "
                "lifecycle_stage=customer. Filters on sensitive fields need a user who may see "
                "them, so the command line cannot use them."
            ),
        )

    def handle(self, *args, path: Path, fields, file_format, filters, segment=None, **options):
        if not path.parent.is_dir():
            raise CommandError(f"There is no folder {path.parent} to write {path.name} into.")
        file_format = file_format or (
            ExportFormat.XLSX if path.suffix.lower() == ".xlsx" else ExportFormat.CSV
        )
        try:
            columns = exports.customer_export_fields(requested=fields, actor=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        data = self._filter_data(filters)
        base = (
            segment_selectors.segment_members(self._segment(segment))
            if segment
            else selectors.customer_export_queryset()
        )
        customer_filter = CustomerFilter(data, queryset=base)
        if not customer_filter.is_valid():
            raise CommandError(
                "; ".join(
                    f"{name}: {' '.join(errors)}" for name, errors in customer_filter.errors.items()
                )
            )
        try:
            queryset = customer_filter.qs
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None

        export = exports.customer_export_start(
            actor=None,
            via=ExportVia.COMMAND,
            fields=columns,
            filters={**exports.export_filters(data), **({"segment": segment} if segment else {})},
            file_format=file_format,
            destination=str(path.resolve()),
        )
        # Written beside the target and renamed at the end, so that an export
        # that stops midway never leaves a file that looks complete.
        partial = path.with_name(f".{path.name}.part")
        try:
            with partial.open("wb") as out:
                exports.customer_export_write(export=export, queryset=queryset, out=out)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"Exported {export.row_count} customers to {path} (export {export.public_id})."
        )

    def _segment(self, name: str) -> Segment:
        segment = Segment.objects.filter(name__iexact=name.strip()).first()
        if segment is None:
            known = ", ".join(Segment.objects.values_list("name", flat=True)[:20]) or "none yet"
            raise CommandError(f"There is no segment called “{name}”. Segments: {known}.")
        if segment.uses_sensitive_data:
            used = ", ".join(sorted(rules_sensitive_fields(segment.rules)))
            raise CommandError(
                f"The segment “{segment.name}” uses sensitive fields ({used}); the command "
                "line may not use sensitive filters."
            )
        return segment

    def _filter_data(self, filters: list[str]) -> QueryDict:
        data = QueryDict(mutable=True)
        known = list(CustomerFilter.base_filters)
        for item in filters:
            name, sep, value = item.partition("=")
            name = name.strip()
            if not sep or not name:
                raise CommandError(f"Write a filter as NAME=VALUE, not “{item}”.")
            if name not in known:
                raise CommandError(f"Unknown filter “{name}”. Filters: {', '.join(known)}.")
            data.appendlist(name, value.strip())
        return data
