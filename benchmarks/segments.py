"""Segment live counts, the metrics refresh, and the overview and analytics
pages on a large demo database (PostgreSQL).

    createdb mis_segbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_segbench DEBUG=true \\
        .venv/bin/python benchmarks/segments.py [--customers 100000] [--repeat 15]

Seeds the demo set first when the database holds fewer demo customers than
asked for, runs the metrics refresh (timed), then requests each live count
through the builder's count endpoint and the two pages through Django's test
client in-process (server time: routing, queries, templates; no network).
Goals: a live count under 300 ms, the overview under 500 ms.
"""

import argparse
import os
import sys
import time
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

from benchmarks.customer_list import timed  # noqa: E402
from customers.analytics.services import metrics_refresh  # noqa: E402
from customers.models import Customer, Order  # noqa: E402
from customers.segments.builder import rules_from_form  # noqa: E402
from customers.segments.compiler import segment_queryset  # noqa: E402
from customers.segments.selectors import live_count  # noqa: E402

COUNT_GOAL_MS = 300
OVERVIEW_GOAL_MS = 500


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    have = Customer.objects.filter(source="demo").count()
    if have < args.customers:
        print(f"Seeding {args.customers} demo customers (found {have})...")
        start = time.perf_counter()
        call_command("seed_demo", customers=args.customers, seed=1, reset=True)
        print(f"seeded in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    result = metrics_refresh()
    refresh_s = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    customers, orders = Customer.objects.count(), Order.objects.count()
    print(f"\n{customers:,} customers, {orders:,} orders, {result.buyers:,} with orders")
    print(f"metrics refresh (metrics, RFM and analytics figures): {refresh_s:.1f} s\n")

    print("matches: >N capped at N, ~N the planner's estimate after the time limit")
    print(f"{'live count':50} {'median ms':>9} {'p95 ms':>8} {'matches':>10}")
    for label, form in CASES:

        def count(form=form):
            response = client.post("/segments/count/", form)
            assert response.status_code == 200, response.status_code
            assert b"live-count" in response.content, response.content[:500]

        median, p95 = timed(count, args.repeat)
        data = QueryDict(mutable=True)
        for key, value in form.items():
            data.setlist(key, value if isinstance(value, list) else [value])
        matched = live_count(segment_queryset(rules_from_form(data), allow_empty=True))
        if matched.estimated:
            shown = f"~{matched.value:,}"
        else:
            shown = f">{matched.value:,}" if matched.capped else f"{matched.value:,}"
        flag = "" if median < COUNT_GOAL_MS else "  (over goal)"
        print(f"{label:50} {median:9.1f} {p95:8.1f} {shown:>10}{flag}")

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


if __name__ == "__main__":
    main()
