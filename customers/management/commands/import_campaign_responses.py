from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from customers.campaigns.responses_import import campaign_responses_import
from customers.campaigns.services import ResponsesRefused
from customers.imports import readers
from customers.models import Campaign


class Command(BaseCommand):
    help = (
        "Record a campaign's responses from a CSV or XLSX file (columns: customer or email, "
        "kind, occurred_at, value, currency, bounce_type). One wrong row refuses the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="The campaign's name or id.")
        parser.add_argument("path", type=Path)

    def handle(self, *args, campaign, path, **options):
        found = Campaign.objects.filter(name=campaign).first()
        if found is None:
            try:
                found = Campaign.objects.filter(public_id=campaign).first()
            except Exception:  # not a UUID
                found = None
        if found is None:
            raise CommandError(f"No campaign is called “{campaign}”.")
        try:
            result = campaign_responses_import(campaign=found, path=path)
        except readers.FileProblem as exc:
            raise CommandError(str(exc)) from exc
        except ResponsesRefused as exc:
            raise CommandError(
                "Nothing was recorded:\n" + "\n".join(str(p) for p in exc.problems)
            ) from exc
        self.stdout.write(
            f"{result.recorded:,} responses recorded, {result.repeated:,} already known; "
            f"{result.opted_out:,} consents withdrawn; {result.bounced:,} hard bounces."
        )
