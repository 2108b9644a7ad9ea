"""Importing a file of campaign responses (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_campaign_bench DEBUG=true \\
        .venv/bin/python benchmarks/campaign_responses.py [--customers 20000]

Seeds the demo set first when the database holds fewer customers than asked
for, snapshots every live customer in GB (no consent check) into one
campaign, and writes a response file keyed by email: every member
delivered, 30% opened, 10% clicked, 3% converted, 0.5% unsubscribed, 1%
hard-bounced. Times the import (check pass and write pass) and a second
import of the same file (everything already known), wall clock in-process.
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from customers.campaigns.responses_import import campaign_responses_import  # noqa: E402
from customers.campaigns.selectors import campaign_funnel  # noqa: E402
from customers.campaigns.services import campaign_create  # noqa: E402
from customers.models import Campaign, CampaignResponse, Customer  # noqa: E402
from customers.segments.services import segment_create, snapshot_take  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Customer.objects.count() < args.customers:
        call_command("seed_demo", customers=args.customers, seed=7, no_users=True, force=True)
    CampaignResponse.objects.all().delete()
    Campaign.objects.all().delete()
    settings.CUSTOMER_POLICY_BACKEND = ""
    rules = {"op": "and", "rules": [{"field": "country", "value": ["GB"]}]}
    segment = segment_create(name=f"Bench {time.time():.0f}", rules=rules, actor=None)
    snapshot = snapshot_take(
        segment=segment, purpose="email_marketing", channel="email", actor=None
    )
    campaign = campaign_create(name=segment.name, snapshots=[snapshot])
    emails = list(
        Customer.objects.filter(campaign_snapshot_members__snapshot=snapshot)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.csv"
        with path.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["email", "kind", "occurred_at", "value"])
            for n, email in enumerate(emails):
                when = "2026-03-02T09:00:00+00:00"
                if n % 100 == 0:
                    out.writerow([email, "bounced", when, ""])
                    continue
                out.writerow([email, "delivered", when, ""])
                if n % 10 < 3:
                    out.writerow([email, "opened", "2026-03-02T10:00:00+00:00", ""])
                if n % 10 == 0:
                    out.writerow([email, "clicked", "2026-03-02T10:01:00+00:00", ""])
                if n % 100 in (10, 20, 30):
                    out.writerow([email, "converted", "2026-03-03T12:00:00+00:00", "25.00"])
                if n % 200 == 5:
                    out.writerow([email, "unsubscribed", "2026-03-02T11:00:00+00:00", ""])
        rows = sum(1 for _ in path.open()) - 1
        started = time.perf_counter()
        result = campaign_responses_import(campaign=campaign, path=path)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = campaign_responses_import(campaign=campaign, path=path)
        second = time.perf_counter() - started
    funnel = campaign_funnel(campaign)
    print(f"members {snapshot.member_count:,}; file rows {rows:,}")
    print(
        f"first import: {first:.1f} s ({rows / first:,.0f} rows/s); recorded {result.recorded:,},"
        f" consents withdrawn {result.opted_out:,} (no governance backend: 0 expected),"
        f" hard bounces {result.bounced:,}"
    )
    print(
        f"second import: {second:.1f} s; recorded {again.recorded:,}, repeated {again.repeated:,}"
    )
    print(f"funnel: {funnel.by_kind}; revenue {funnel.revenue} {funnel.currency}")


if __name__ == "__main__":
    main()
