from pathlib import Path
from xml.etree.ElementTree import ParseError

from django.core.management.base import BaseCommand, CommandError

from insight.models import AcceptanceCheck, CheckKind
from insight.services import system


class Command(BaseCommand):
    help = (
        "Bring the acceptance checks of MIS's functional requirements up to date: measure "
        "every metric check now, and (with --junit) record a test run from pytest's JUnit "
        "XML report (pytest --junitxml=report.xml) on the test checks that name its tests."
    )

    def add_arguments(self, parser):
        parser.add_argument("--junit", help="A pytest JUnit XML report to record.")

    def handle(self, *args, junit=None, **options):
        measured = 0
        for check in AcceptanceCheck.objects.filter(kind=CheckKind.METRIC).order_by("pk"):
            system.acceptance_check_measure(check=check)
            measured += 1
        self.stdout.write(f"metric checks measured: {measured}")
        if junit:
            try:
                results = system.junit_results(Path(junit).read_bytes())
            except OSError as error:
                raise CommandError(f"--junit: cannot read {junit}: {error.strerror}.") from None
            except ParseError as error:
                raise CommandError(f"--junit: {junit} is not JUnit XML ({error}).") from None
            counts = system.acceptance_tests_record(results=results)
            self.stdout.write(
                f"test checks recorded: {counts['passed']} passed, {counts['failed']} failed "
                f"(of {len(results)} tests in the report)"
            )
