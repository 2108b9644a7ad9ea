"""Server time of the Insight pages and API at 100k customers (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_insight_bench DEBUG=true \\
        .venv/bin/python benchmarks/insight_pages.py [--customers 100000] [--repeat 10]

Seeds the demo set first when the database holds fewer demo customers than
asked for, then (once) an insight strategy in force with six requirements
naming twelve customer fields, five success criteria, twenty plan tasks,
forty problems and feedback, and 90 days of metric snapshots (one real
snapshot, copied to the 89 days before it: the pages read snapshots, they do
not care how they were made). Each case is requested through Django's test
client in-process (server time: routing, queries, templates; no network).
Pages read today's snapshot of the metrics registry when the daily snapshot
has run (the fixture takes one), and measure now with ?live=1: those cases
run several counts of the customer table per field, so they are the ones to
watch as the database grows.
"""

import argparse
import datetime as dt
import os
import statistics
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
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Customer  # noqa: E402
from insight import services  # noqa: E402
from insight.models import (  # noqa: E402
    CollectionOption,
    CollectionTask,
    Feedback,
    InformationRequirement,
    InformationSource,
    InsightStrategy,
    Problem,
    SuccessCriterion,
)
from mis import metrics  # noqa: E402
from mis.models import MetricSnapshot  # noqa: E402

TITLE = "Benchmark: know our repeat buyers"
FIELDS = [
    ["email", "phone"],
    ["postcode", "region", "city"],
    ["date_of_birth", "income_band"],
    ["occupation", "household_size"],
    ["interests", "lifestyle"],
    ["last_name"],
]


def timed(func, repeat: int) -> tuple[float, float]:
    func()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def insight_fixture(owner) -> InsightStrategy:
    existing = InsightStrategy.objects.filter(title=TITLE).first()
    if existing:
        return existing
    strategy = InsightStrategy.objects.create(
        title=TITLE,
        summary="Why first-time buyers do not come back.",
        marketing_strategy="Grow repeat purchases by 20%.",
        owner=owner,
        status="implementing",
        approved_by=owner,
        approved_at=timezone.now(),
    )
    source = InformationSource.objects.create(
        name="Benchmark CRM",
        kind="internal",
        reliability=4,
        refresh="daily",
        legal_basis="contract",
    )
    for n, fields in enumerate(FIELDS):
        requirement = InformationRequirement.objects.create(
            strategy=strategy,
            statement=f"Requirement {n}",
            need="must_have" if n < 3 else "nice_to_know",
            moscow="must" if n < 3 else "could",
            marketing_objective="Repeat purchases",
            fields=fields,
        )
        CollectionOption.objects.create(
            requirement=requirement, source=source, method="form", cost=100, benefit=3, risk=2
        )
    for name, params, target in [
        ("field_completeness", {"field": "email"}, 90),
        ("field_validity", {"field": "phone"}, 95),
        ("repeat_purchase_rate", {}, 35),
        ("average_order_value", {}, 40),
        ("user_satisfaction", {}, 4),
    ]:
        SuccessCriterion.objects.create(
            strategy=strategy,
            description=name,
            metric=name,
            params=params,
            target=Decimal(target),
            deadline=dt.date(2027, 6, 30),
        )
    today = timezone.localdate()
    CollectionTask.objects.bulk_create(
        CollectionTask(
            strategy=strategy,
            title=f"Task {n}",
            owner=owner,
            starts_on=today - dt.timedelta(days=60 - n * 3),
            due_on=today + dt.timedelta(days=n * 5),
            budget_planned=1000,
            budget_actual=900 + n * 20,
        )
        for n in range(20)
    )
    for n in range(40):
        services.problem_report(
            actor=owner, title=f"Problem {n}", report="r", severity="low", strategy=strategy
        )
        services.feedback_give(author=owner, rating=1 + n % 5, comment=f"comment {n}")
    Feedback.objects.update(created_at=timezone.now() - dt.timedelta(days=3))
    Problem.objects.filter(pk__in=Problem.objects.values("pk")[:20]).update(status="triaged")
    print("Taking one real snapshot of every metric...")
    start = time.perf_counter()
    metrics.metrics_snapshot(as_of=today)
    print(
        f"snapshot of {MetricSnapshot.objects.filter(taken_on=today).count()} values "
        f"in {time.perf_counter() - start:.1f} s"
    )
    copies = [
        MetricSnapshot(
            metric=s.metric,
            params_key=s.params_key,
            params=s.params,
            taken_on=today - dt.timedelta(days=d),
            value=s.value,
        )
        for s in MetricSnapshot.objects.filter(taken_on=today)
        for d in range(1, 90)
    ]
    MetricSnapshot.objects.bulk_create(copies, ignore_conflicts=True)
    return strategy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    have = Customer.objects.filter(source="demo").count()
    if have < args.customers:
        print(f"Seeding {args.customers} demo customers (found {have})...")
        call_command("seed_demo", customers=args.customers, seed=1, reset=True)
    manager = get_user_model().objects.get(username="manager")
    strategy = insight_fixture(get_user_model().objects.get(username="marketing"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    setup_test_environment()
    client = Client()
    client.force_login(manager)
    sid = strategy.public_id
    cases = [
        ("Insight front page (shortfalls)", "/insight/"),
        ("requirements and coverage (12 fields)", "/insight/requirements/"),
        ("  the same, measured now (?live=1)", "/insight/requirements/?live=1"),
        ("collection options ranked", "/insight/options/"),
        ("strategy page (coverage + 5 criteria)", f"/insight/strategies/{sid}/"),
        ("  the same, measured now (?live=1)", f"/insight/strategies/{sid}/?live=1"),
        ("collection plan (20 tasks, SVG)", f"/insight/strategies/{sid}/plan/"),
        ("effectiveness (90 days of trends)", "/insight/effectiveness/"),
        ("API strategies list", "/api/v1/insight/strategies/"),
        ("API criteria list (5, today's snapshot)", "/api/v1/insight/criteria/"),
        ("  the same, measured now (?live=true)", "/api/v1/insight/criteria/?live=true"),
    ]
    total = Customer.objects.count()
    print(f"\n{total} customers, {args.repeat} requests per case, server time in ms")
    print(f"{'case':42} {'median':>8} {'p95':>8} {'queries':>8}")
    for label, url in cases:
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        median, p95 = timed(lambda url=url: client.get(url), args.repeat)
        print(f"{label:42} {median:8.1f} {p95:8.1f} {len(queries):8d}")
    median, p95 = timed(lambda: services.review_sweep(), args.repeat)
    print(f"{'review sweep (criteria + quality checks)':42} {median:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
