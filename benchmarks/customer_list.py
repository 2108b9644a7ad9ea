"""Server time of the customer list page, the customer API and a detail page
at 100k customers (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_bench DEBUG=true \\
        .venv/bin/python benchmarks/customer_list.py [--customers 100000] [--repeat 20]

Seeds the demo set first when the database holds fewer demo customers than
asked for. Each case is requested through Django's test client in-process
(server time: routing, queries, serialisation, templates; no network), and
beside it the bare SQL of the same page is timed as the floor. The goal is a
median under 150 ms per page.
"""

import argparse
import os
import statistics
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
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from customers.models import Customer  # noqa: E402

GOAL_MS = 150


SERVER_SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "maintenance_work_mem",
    "max_parallel_workers_per_gather",
    "random_page_cost",
    "jit",
    "autovacuum",
)


def print_server_settings() -> None:
    """The PostgreSQL settings a benchmark ran under, on one line: production
    servers differ from a development machine's defaults."""
    with connection.cursor() as cursor:
        shown = []
        for name in SERVER_SETTINGS:
            cursor.execute(f"SHOW {name}")
            shown.append(f"{name}={cursor.fetchone()[0]}")
    print("PostgreSQL: " + ", ".join(shown))


def timed(func, repeat: int) -> tuple[float, float]:
    func()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    setup_test_environment()
    user = get_user_model().objects.get(username="manager")
    client = Client()
    client.force_login(user)
    sample = (
        Customer.objects.filter(source="demo", kind="person")
        .exclude(last_name="")
        .order_by("-created_at")[500]
    )
    surname = sample.last_name[:5]
    first = client.get("/customers/")
    assert first.status_code == 200, first.status_code
    deep = "/customers/"
    for _ in range(20):  # follow "Older" links 20 pages deep
        response = client.get(deep)
        deep = response.context["page"].next_url
    sorted_deep = "/customers/?sort=name"
    for _ in range(20):  # follow "Next" links 20 pages deep in name order
        response = client.get(sorted_deep)
        sorted_deep = response.context["page"].next_url
    api_next = client.get("/api/v1/customers/").json()["next"]

    cases = [
        ("list page, first page", "/customers/"),
        ("list page, stage + country filter", "/customers/?lifecycle_stage=customer&country=GB"),
        (f"list page, search '{surname}'", f"/customers/?q={surname}"),
        ("list page, postcode prefix", f"/customers/?postcode_prefix={sample.postcode[:2]}"),
        ("list page, 20 pages deep (keyset)", deep),
        ("list page, sorted by name", "/customers/?sort=name"),
        ("list page, sorted by name, 20 pages deep", sorted_deep),
        ("list page, sorted by city, descending", "/customers/?sort=-city"),
        ("detail page", sample.get_absolute_url()),
        ("API list, first page", "/api/v1/customers/"),
        ("API list, second page (cursor)", api_next),
        ("API list, stage filter", "/api/v1/customers/?lifecycle_stage=lead"),
        (f"API list, search '{surname}'", f"/api/v1/customers/?q={surname}"),
    ]
    floor_sql = (
        "SELECT * FROM customers_customer WHERE archived_at IS NULL "
        "ORDER BY created_at DESC LIMIT 51"
    )

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(floor_sql)
            cursor.fetchall()

    total = Customer.objects.count()
    print(f"\n{total} customers, {args.repeat} requests per case, server time in ms")
    print(f"{'case':45} {'median':>8} {'p95':>8} {'queries':>8}")
    floor_median, floor_p95 = timed(floor, args.repeat)
    print(f"{'baseline: bare SQL of one page (51 rows)':45} {floor_median:8.1f} {floor_p95:8.1f}")
    worst = 0.0
    for label, url in cases:
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        # Counted with a wrapper: the request_started signal empties
        # connection.queries, so capturing it around a request sees nothing.
        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        median, p95 = timed(lambda url=url: client.get(url), args.repeat)
        worst = max(worst, median)
        print(f"{label:45} {median:8.1f} {p95:8.1f} {len(queries):8d}")
    verdict = "met" if worst < GOAL_MS else "NOT met"
    print(f"\nslowest median {worst:.1f} ms; goal under {GOAL_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
