"""Speed and memory of the duplicate sweep, and the entry-time check's latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_dup_1m DEBUG=true \\
        .venv/bin/python benchmarks/duplicates_speed.py [--customers 1000000]

Seeds ``--customers`` demo records first when the database holds fewer (one
order at most per customer: orders play no part in duplicate detection and
would only make seeding slower). Trains a match model when there is none
(timed on its own: the nightly sweep reuses the stored model), then times one
full sweep, reading from and writing to PostgreSQL, stage by stage, and
prints this process's peak memory (maximum resident set; DuckDB runs in
process, so its memory is included). Then times the entry-time check for 200
existing records.

The goals at 1M customers: the sweep in under 2 minutes with under 2 GB peak
memory; the entry-time check under 50 ms.
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from customers.duplicates.selectors import likely_duplicates  # noqa: E402
from customers.duplicates.services import sweep as sweeps  # noqa: E402
from customers.models import Customer  # noqa: E402
from demo.writer import seed_demo  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--retrain", action="store_true", help="Train a new model first.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")

    have = Customer.objects.filter(source="demo").count()
    if have < args.customers:
        print(f"Seeding {args.customers} demo customers...")
        truth = Path("var/bench/truth_speed.csv")
        truth.parent.mkdir(parents=True, exist_ok=True)
        seed_demo(
            customers=args.customers,
            seed=args.seed,
            max_orders=1,
            truth_path=truth,
            reset=have > 0,
        )
    live = sweeps.live_customers().count()
    print(f"Live customers: {live}")

    if args.retrain or sweeps.active_model() is None:
        started = time.perf_counter()
        model = sweeps.model_train()
        print(
            f"Trained model v{model.version} on a sample of {model.records_used} records "
            f"in {time.perf_counter() - started:.1f} s (peak so far {peak_mb():.0f} MB)."
        )

    started = time.perf_counter()
    run = sweeps.duplicate_sweep_run(via="command")
    wall = time.perf_counter() - started
    print(
        f"Sweep of {run.records_checked} records: {wall:.1f} s wall clock "
        f"(stages: {run.timings}); {run.duplicate_pairs} duplicate and "
        f"{run.possible_pairs} possible pairs."
    )
    print(f"Peak memory (maximum resident set of this process): {peak_mb():.0f} MB")

    sample = list(
        Customer.objects.filter(source="demo").order_by("?").values_list("pk", flat=True)[:200]
    )
    likely_duplicates(Customer.objects.get(pk=sample[0]))  # warm up
    times = []
    for pk in sample:
        customer = Customer.objects.get(pk=pk)
        began = time.perf_counter()
        likely_duplicates(customer)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    print(
        f"Entry-time check over {len(times)} records: median {statistics.median(times):.1f} ms, "
        f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
