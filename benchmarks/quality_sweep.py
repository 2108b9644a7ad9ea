"""Quality sweep speed and memory, beside the cost of only reading the records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_bench_quality DEBUG=true \\
        .venv/bin/python benchmarks/quality_sweep.py [--seed-customers 1000000]

With ``--seed-customers N`` it first loads the demo set (``seed_demo --reset``)
of N customers, 3% of them with quality defects. Then, in the same run:

1. the floor: reading every live record's checked fields in keyset chunks,
   as the sweep does, without judging them;
2. ``sweep_quality`` in a child process (DEBUG off, as in production), so
   that its peak memory (maximum resident set) can be read: the first sweep
   opens the issues;
3. the same sweep again: nothing changes, which is what most nights are.

Prints each time, records per second, the ratio to the floor and the peak
memory. Goals at 1M customers: under 3 minutes, under 500 MB.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from benchmarks.customer_list import print_server_settings  # noqa: E402
from customers.models import Customer, QualityIssue  # noqa: E402
from customers.quality.rules import RuleSet  # noqa: E402


def manage(*args: str) -> tuple[float, int, str]:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        "SUPPRESSION_KEY": os.environ.get("SUPPRESSION_KEY", "bench"),
    }
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out, stderr=err
        )
        # wait4 gives this child's own peak memory, not the largest of all children.
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if status:
            sys.exit(err.read())
        return elapsed, usage.ru_maxrss, out.read()


def read_floor() -> tuple[float, int]:
    """Every live record's checked fields, read in keyset chunks."""
    fields = RuleSet().fields
    chunk = settings.QUALITY_CHUNK_SIZE
    live = Customer.objects.active().order_by("pk")
    start, last, seen = time.perf_counter(), 0, 0
    while True:
        rows = list(live.filter(pk__gt=last).values(*fields)[:chunk])
        if not rows:
            return time.perf_counter() - start, seen
        seen += len(rows)
        last = rows[-1]["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-customers", type=int, help="Load this many demo customers first.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    print_server_settings()
    if args.seed_customers:
        seeded, _, _ = manage(
            "seed_demo", "--customers", str(args.seed_customers), "--reset", "--no-users"
        )
        print(f"seed_demo of {args.seed_customers:,} customers: {seeded:.1f} s")
    QualityIssue.objects.all().delete()
    Customer.objects.update(quality_score=None)
    connection.close()

    floor_s, records = read_floor()
    print(f"{records:,} live records")
    print(f"read floor (keyset chunks):  {floor_s:7.1f} s  {records / floor_s:10,.0f} records/s")
    first_s, peak_kb, out = manage("sweep_quality")
    print(
        f"sweep_quality (first):       {first_s:7.1f} s  {records / first_s:10,.0f} records/s"
        f"  {first_s / floor_s:5.1f}x the read  peak {peak_kb / 1024:.0f} MB"
    )
    print("\n".join(line for line in out.splitlines() if not line.startswith("chunks ")))
    again_s, peak_kb, _ = manage("sweep_quality")
    print(
        f"sweep_quality (unchanged):   {again_s:7.1f} s  {records / again_s:10,.0f} records/s"
        f"  {again_s / floor_s:5.1f}x the read  peak {peak_kb / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
