"""Contact eligibility, consent coverage and the access-log usage figures at
100k customers (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_governance_bench DEBUG=true \\
        .venv/bin/python benchmarks/governance_eligibility.py [--customers 100000] [--repeat 5]

Seeds the demo set first when the database holds fewer demo customers than
asked for, then (once) a consent ledger when there is none: an
email-marketing grant for 80% of customers, a later withdrawal for one in
seven of them, an expired grant for one in eleven, and 50,000 access-log
rows; and (once) one customer in thirteen on the suppression list. Times
are wall clock in-process, median of the repeats. Goal: the eligibility
counts for one purpose and channel under 2 s at 1M customers.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.customer_list import print_server_settings  # noqa: E402
from customers import policy  # noqa: E402
from customers.models import Customer  # noqa: E402
from governance import selectors, services  # noqa: E402
from governance.models import AccessLog, Consent, Purpose, SuppressionEntry  # noqa: E402
from mis import metrics  # noqa: E402

ELIGIBLE_GOAL_MS = 2000


def timed(func, repeat: int) -> tuple[float, object]:
    result = func()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def seed_ledger() -> None:
    if not Consent.objects.exists():
        seed_consents()
    if not SuppressionEntry.objects.exists():
        # Also when the demo seeded its own consents (without a suppression
        # list): the list is what makes every customer's contact points hashed.
        for email, phone in Customer.objects.extra(where=["id %% 13 = 0"]).values_list(
            "email", "phone"
        ):
            services.suppression_add(email=email, phone=phone, reason="request")
    # As after any bulk load: fresh statistics, or the planner guesses the
    # ledger is empty (autovacuum would catch up later).
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE customers_customer, governance_consent, governance_suppressionentry,"
            " governance_accesslog"
        )


def seed_consents() -> None:
    purpose = Purpose.objects.get(code="email_marketing").pk
    now = timezone.now()
    with connection.cursor() as cursor:
        common = (
            "INSERT INTO governance_consent (public_id, customer_id, purpose_id, channel, status,"
            " occurred_at, recorded_at, capture_method, source, wording_version, wording_text,"
            " evidence, expires_at) SELECT gen_random_uuid(), id, %s, 'email', {status},"
            " {occurred}, now(), 'web_form', 'benchmark', 'v1', '', '', {expires}"
            " FROM customers_customer WHERE {where}"
        )
        cursor.execute(
            common.format(
                status="'granted'",
                occurred="%s",
                expires="CASE WHEN id %% 11 = 0 THEN %s ELSE NULL END",
                where="id %% 5 <> 0",
            ),
            [purpose, now - dt.timedelta(days=400), now - dt.timedelta(days=30)],
        )
        cursor.execute(
            common.format(status="'withdrawn'", occurred="%s", expires="NULL", where="id %% 7 = 0"),
            [purpose, now - dt.timedelta(days=100)],
        )
        cursor.execute(
            "INSERT INTO governance_accesslog (username, auth, token_hint, action, via,"
            " customer_ids, record_count, detail, ip_address, at, user_id)"
            " SELECT 'user' || (g %% 12), 'session', '', CASE WHEN g %% 10 = 0 THEN 'export'"
            " ELSE 'view' END, 'page', '[]', CASE WHEN g %% 10 = 0 THEN 2000 ELSE 1 END, '',"
            " NULL, now() - (g %% 60) * interval '1 day', NULL FROM generate_series(1, 50000) g",
            [],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    print_server_settings()
    call_command("migrate", verbosity=0)
    if Customer.objects.filter(source="demo").count() < args.customers:
        call_command("seed_demo", customers=args.customers, reset=True, no_users=True)
    start = time.perf_counter()
    seed_ledger()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"ledger ready in {time.perf_counter() - start:.1f} s")
    print(f"customers {Customer.objects.count():,}, consent events {Consent.objects.count():,}")

    def eligible():
        result = policy.eligible(Customer.objects.all(), purpose="email_marketing", channel="email")
        return result.excluded, result.eligible_count

    ms, (excluded, count) = timed(eligible, args.repeat)
    print(
        f"eligible (counts per reason + eligible count, one statement): {ms:,.0f} ms "
        f"(goal {ELIGIBLE_GOAL_MS:,} ms) -> {count:,}, {excluded}"
    )
    ms, value = timed(
        lambda: metrics.measure("consent_coverage", params={"purpose": "email_marketing"}).value,
        args.repeat,
    )
    print(f"consent_coverage: {ms:,.0f} ms -> {value}%")
    one = Customer.objects.order_by("pk")[5000]
    ms, _ = timed(lambda: selectors.consent_state(one), args.repeat)
    print(f"one customer's consent state: {ms:,.1f} ms")
    until = timezone.now()
    since = until - dt.timedelta(days=30)
    ms, rows = timed(
        lambda: selectors.access_usage(since=since, until=until, threshold=500), args.repeat
    )
    print(f"usage per user per day, 30 days of {AccessLog.objects.count():,} rows: {ms:,.0f} ms")


if __name__ == "__main__":
    main()
