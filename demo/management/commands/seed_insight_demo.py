from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo import insight as insight_demo


class Command(BaseCommand):
    help = (
        "Add a worked example of the insight lifecycle (a decided business case, a "
        "strategy under way with its requirements, criteria, plan and insights). Uses the "
        "demo log-ins of seed_demo. Does nothing when the example is there already."
    )

    def add_arguments(self, parser):
        parser.add_argument("--author", default="marketing", help="Who writes (Marketing staff).")
        parser.add_argument("--approver", default="manager", help="Who approves (a manager).")
        parser.add_argument("--reset", action="store_true", help="Replace an earlier example.")

    def handle(self, *args, author, approver, reset, **options):
        users = get_user_model().objects.filter(username__in=[author, approver])
        found = {user.username: user for user in users}
        missing = [name for name in (author, approver) if name not in found]
        if missing:
            raise CommandError(
                f"No user {', '.join(missing)}: run seed_demo first (it makes the demo "
                "log-ins), or name others with --author and --approver."
            )
        if reset:
            insight_demo.insight_demo_reset()
        strategy = insight_demo.insight_demo_seed(author=found[author], approver=found[approver])
        if strategy is None:
            self.stdout.write("The insight example is there already (use --reset to replace it).")
        else:
            self.stdout.write(f"Added the insight example: “{strategy.title}”, implementing.")
