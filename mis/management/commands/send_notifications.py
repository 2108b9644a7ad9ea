from django.core.management.base import BaseCommand

from mis.notifications import notifications_sweep


class Command(BaseCommand):
    help = "E-mail what waits for people and what finished, once to each (as beat does)."

    def handle(self, *args, **options):
        done = notifications_sweep()
        self.stdout.write(f"{done['queued']} notifications queued, {done['sent']} sent.")
