from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from demo import users, writer
from demo.governance import demo_dpo, governance_demo_seed


class Command(BaseCommand):
    help = (
        "Load synthetic UK demo customers with orders, a known share of duplicates and of "
        "quality defects (ground truth in a CSV), and one demo log-in per role."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers",
            type=int,
            default=writer.DEFAULT_CUSTOMERS,
            help="Customer records to create, duplicates included (default %(default)s).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=writer.DEFAULT_SEED,
            help="Random seed; the same seed gives the same data (default %(default)s).",
        )
        parser.add_argument(
            "--duplicate-rate",
            type=float,
            default=writer.DEFAULT_DUPLICATE_RATE,
            help="Share of records that duplicate an earlier one, 0-0.5 (default %(default)s).",
        )
        parser.add_argument(
            "--defect-rate",
            type=float,
            default=writer.DEFAULT_DEFECT_RATE,
            help="Share of records with quality defects, 0-0.5 (default %(default)s).",
        )
        parser.add_argument(
            "--max-orders",
            type=int,
            default=writer.DEFAULT_MAX_ORDERS,
            help="Most orders one customer gets (default %(default)s).",
        )
        parser.add_argument(
            "--truth",
            type=Path,
            default=None,
            help=f"Where to write the ground truth CSV (default {writer.default_truth_path()}).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the existing demo data (source 'demo') before seeding.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only when there is no demo data yet; otherwise leave it as it is.",
        )
        parser.add_argument(
            "--no-users", action="store_true", help="Do not create the demo log-ins."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo log-ins even though DEBUG is off.",
        )

    def handle(self, *args, **options):
        try:
            writer.validate_options(
                customers=options["customers"],
                duplicate_rate=options["duplicate_rate"],
                defect_rate=options["defect_rate"],
                max_orders=options["max_orders"],
            )
            if not options["no_users"]:
                users.check_demo_users_allowed(force=options["force"])
            result = writer.seed_demo(
                customers=options["customers"],
                seed=options["seed"],
                duplicate_rate=options["duplicate_rate"],
                defect_rate=options["defect_rate"],
                max_orders=options["max_orders"],
                truth_path=options["truth"],
                reset=options["reset"],
                if_empty=options["if_empty"],
                progress=self._progress if options["verbosity"] >= 1 else None,
            )
            logins = [] if options["no_users"] else users.create_demo_users(force=options["force"])
            governance = governance_demo_seed(dpo=demo_dpo())
        except writer.DemoDataError as exc:
            raise CommandError(str(exc)) from exc

        if result.skipped:
            self.stdout.write(
                f"Demo data is already there ({writer.demo_customer_count()} customers); "
                "nothing seeded."
            )
        else:
            self._summary(result)
        added = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in governance.items() if n)
        if added:
            self.stdout.write(f"Governance examples added: {added}.")
        if logins:
            self._logins(logins)

    def _progress(self, step: writer.SeedProgress) -> None:
        self.stdout.write(
            f"customers {step.customers_done}/{step.customers_total} "
            f"(orders {step.orders}, lines {step.lines})"
        )

    def _summary(self, result: writer.SeedResult) -> None:
        if result.deleted_customers:
            self.stdout.write(
                f"Deleted the previous demo set ({result.deleted_customers} customers)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.customers} demo customers in {result.seconds:.1f} s"
            )
        )
        rows = (
            ("customers", result.customers),
            ("duplicates", result.duplicates),
            ("defective records", result.defects),
            ("orders", result.orders),
            ("order lines", result.lines),
            ("interest links", result.interest_links),
            ("consent events", result.consents),
        )
        for label, value in rows:
            self.stdout.write(f"  {label:<18} {value:>9}")
        self.stdout.write(f"  ground truth       {result.truth_path}")

    def _logins(self, logins: list[users.DemoLogin]) -> None:
        self.stdout.write(f"Demo log-ins (password: {users.DEMO_PASSWORD}):")
        for login in logins:
            flags = "superuser" if login.is_superuser else "staff" if login.is_staff else ""
            self.stdout.write(f"  {login.username:<12} {login.role:<22} {flags}".rstrip())
            if login.token:
                self.stdout.write(f"  {'':<12} API token: {login.token}")
