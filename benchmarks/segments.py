"""Segment live counts, the metrics refresh, and the overview and analytics
pages on a large demo database (PostgreSQL).

    createdb mis_segbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_segbench DEBUG=true \\
        .venv/bin/python benchmarks/segments.py [--customers 100000] [--repeat 15]

Seeds the demo set first when the database holds fewer demo customers than
asked for, runs the metrics refresh (timed), then requests each live count
through the builder's count endpoint and the two pages through Django's test
client in-process (server time: routing, queries, templates; no network).
Every count is exact (no cap, no estimate). Then the freshness check (a change
to a customer and a new order, each counted at once), a campaign snapshot of
the largest segment and its CSV export, streamed (timed).
Goals: a live count under 300 ms at p95, the overview under 500 ms, the
metrics refresh under 60 s, a 500k-member snapshot and export under 30 s.
It prints the server settings it ran under first.
"""

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.customer_list import print_server_settings, timed  # noqa: E402
from customers.analytics.services import metrics_refresh  # noqa: E402
from customers.models import Customer, ExportVia, Order, Segment  # noqa: E402
from customers.segments.builder import rules_from_form  # noqa: E402
from customers.segments.compiler import compile_rules  # noqa: E402
from customers.segments.exports import (  # noqa: E402
    snapshot_export_response,
    snapshot_export_start,
)
from customers.segments.selectors import live_count  # noqa: E402
from customers.segments.services import segment_create, snapshot_take  # noqa: E402
from customers.services import customer_update, order_create  # noqa: E402

COUNT_GOAL_MS = 300
OVERVIEW_GOAL_MS = 500
REFRESH_GOAL_S = 60
EXPORT_GOAL_S = 30


def _form(*rules, op="and") -> dict:
    """The builder's form fields for a top group of (field, {name: value}) rules."""
    data = {"node": ["g:0"], "op-0": op, "name": "", "description": ""}
    for index, (field, values) in enumerate(rules):
        path = f"0-{index}"
        data["node"].append(f"r:{path}")
        data[f"field-{path}"] = field
        for name, value in values.items():
            data[f"{name}-{path}"] = value
    return data


CASES = [
    ("every customer (no rule)", _form()),
    ("city is London", _form(("city", {"value": "London"}))),
    (
        "city is London AND 2+ orders",
        _form(("city", {"value": "London"}), ("order_count", {"min": "2"})),
    ),
    ("RFM segment Champions or Loyal", _form(("rfm_segment", {"value": ["champions", "loyal"]}))),
    (
        "ordered in 90 days AND bought online",
        _form(("last_order_within_days", {"value": "90"}), ("channel", {"value": ["online"]})),
    ),
    (
        "bought garden OR spent 500+",
        _form(("category_bought", {"value": "Garden"}), ("total_spent", {"min": "500"}), op="or"),
    ),
    (
        "age 30-50 AND income 60k+ AND prospect or lead",
        _form(
            ("age", {"min": "30", "max": "50"}),
            ("income_band", {"value": ["60k_100k", "over_100k"]}),
            ("lifecycle_stage", {"value": ["prospect", "lead"]}),
        ),
    ),
    ("postcode starts with M", _form(("postcode_prefix", {"value": "M"}))),
]


def case_condition(form: dict):
    """The compiled condition of one case's builder form."""
    data = QueryDict(mutable=True)
    for key, value in form.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return compile_rules(rules_from_form(data), allow_empty=True).condition


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--skip-refresh", action="store_true", help="Count as the last refresh left it."
    )
    parser.add_argument(
        "--skip-snapshot", action="store_true", help="Leave out the snapshot and export."
    )
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    print_server_settings()
    call_command("migrate", verbosity=0)
    have = Customer.objects.filter(source="demo").count()
    if have < args.customers:
        print(f"Seeding {args.customers} demo customers (found {have})...")
        start = time.perf_counter()
        call_command("seed_demo", customers=args.customers, seed=1, reset=True)
        print(f"seeded in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    result = None if args.skip_refresh else metrics_refresh()
    refresh_s = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    customers, orders = Customer.objects.count(), Order.objects.count()
    print(f"\n{customers:,} customers, {orders:,} orders")
    if result is not None:
        flag = "" if refresh_s < REFRESH_GOAL_S else "  (over goal)"
        print(
            f"metrics refresh (metrics, RFM and analytics figures, {result.buyers:,} buyers): "
            f"{refresh_s:.1f} s (goal {REFRESH_GOAL_S} s){flag}\n"
        )
    print(f"{'live count (exact)':50} {'median ms':>9} {'p95 ms':>8} {'matches':>10}")
    for label, form in CASES:

        def count(form=form):
            response = client.post("/segments/count/", form)
            assert response.status_code == 200, response.status_code
            assert b"live-count" in response.content, response.content[:500]

        median, p95 = timed(count, args.repeat)
        matched = live_count(case_condition(form)).value
        flag = "" if p95 < COUNT_GOAL_MS else "  (over goal)"
        print(f"{label:50} {median:9.1f} {p95:8.1f} {matched:>10,}{flag}")

    freshness(client)
    if not args.skip_snapshot:
        snapshot_and_export()

    print()
    for label, path, goal in (
        ("overview (home)", "/", OVERVIEW_GOAL_MS),
        ("analytics page", "/analytics/", OVERVIEW_GOAL_MS),
    ):

        def page(path=path):
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        median, p95 = timed(page, args.repeat)
        flag = "" if median < goal else "  (over goal)"
        print(f"{label:50} {median:9.1f} {p95:8.1f}{flag}")


def freshness(client) -> None:
    """A change shows in the very next count: time from the change's commit
    to a count that includes it."""
    customer = Customer.objects.active().order_by("-pk").first()
    marker = "Freshness Check Town"
    rule = {"op": "and", "rules": [{"field": "city", "value": [marker]}]}
    start = time.perf_counter()
    customer_update(customer=customer, data={"city": marker}, source="benchmark")
    counted = live_count(compile_rules(rule).condition).value
    took = (time.perf_counter() - start) * 1000
    print(f"\nfreshness: a customer's new city counted {counted} time(s), {took:.0f} ms after")
    garden = {
        "op": "and",
        "rules": [
            {"field": "city", "value": [marker]},
            {"field": "category_bought", "value": ["Freshness Kit"]},
        ],
    }
    start = time.perf_counter()
    order_create(
        customer=customer,
        data={"ordered_at": timezone.now(), "channel": "online"},
        lines=[{"product_category": "Freshness Kit", "amount": Decimal("1.00")}],
        source="benchmark",
    )
    counted = live_count(compile_rules(garden).condition).value
    took = (time.perf_counter() - start) * 1000
    print(f"freshness: a new order's category counted {counted} time(s), {took:.0f} ms after")


def snapshot_and_export() -> None:
    """A campaign snapshot of a large segment (every buyer, about 60% of the
    demo) and its CSV export, streamed and thrown away."""
    manager = get_user_model().objects.get(username="manager")
    rules = {"op": "and", "rules": [{"field": "order_count", "value": {"min": 1}}]}
    segment = Segment.objects.filter(name="Benchmark: buyers").first() or segment_create(
        name="Benchmark: buyers", rules=rules, actor=manager
    )
    start = time.perf_counter()
    # Post under legitimate interests: everyone not objecting or suppressed.
    snapshot = snapshot_take(
        segment=segment, purpose="post_marketing", channel="post", actor=manager
    )
    took_snapshot = time.perf_counter() - start
    start = time.perf_counter()
    export = snapshot_export_start(snapshot=snapshot, actor=manager, via=ExportVia.PAGE)
    response = snapshot_export_response(snapshot=snapshot, export=export)
    size = sum(len(chunk) for chunk in response.streaming_content)
    took_export = time.perf_counter() - start
    flag = "" if took_snapshot + took_export < EXPORT_GOAL_S else "  (over goal)"
    print(
        f"snapshot of {snapshot.member_count:,} members: {took_snapshot:.1f} s; "
        f"CSV export streamed ({size / 1e6:.0f} MB): {took_export:.1f} s "
        f"(goal {EXPORT_GOAL_S} s together){flag}"
    )


if __name__ == "__main__":
    main()
