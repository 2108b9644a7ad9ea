"""Quality sweep speed and memory: the first sweep and a normal night,
against the goals, beside the cost of only reading the records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_bench_quality DEBUG=true \\
        .venv/bin/python benchmarks/quality_sweep.py [--seed-customers 1000000]

With ``--seed-customers N`` it first loads the demo set (``seed_demo --reset``)
of N customers, 3% of them with quality defects. Then, in the same run:

1. the floor: reading every live record's checked fields in keyset chunks,
   without judging them;
2. ``sweep_quality`` in a child process (DEBUG off, as in production), so
   that its peak memory (maximum resident set) can be read: the first sweep
   judges every record and opens the issues;
3. a normal night: ``--changed`` (1%) of the records change (a new email,
   one in five of them malformed), and the sweep runs again. It judges the
   changed records in full and every record against the time-based rules.
   (The load is made to look a day old: the first run's start is moved to
   an hour after the last record was written.)

Prints each time, the ratio to the floor, the peak memory, the customer rows
the sweeps rewrote (none: the score has its own table) and, projected
linearly to 1M customers, each time against its goal: first sweep under
3 minutes, a normal night under 60 s.
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
from django.db.models import Max  # noqa: E402

from benchmarks.customer_list import print_server_settings  # noqa: E402
from customers.models import (  # noqa: E402
    Customer,
    CustomerQuality,
    QualityIssue,
    QualityRun,
    RunStatus,
)
from customers.quality.rules import RuleSet  # noqa: E402
from customers.quality.services import SWEEP_OVERLAP  # noqa: E402

GOAL_FIRST_S = 180  # at 1M customers
GOAL_NIGHT_S = 60
AT_SCALE = 1_000_000


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


def customer_row_writes() -> int:
    """Rows of the customer table updated so far (the server's statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = %s",
            [Customer._meta.db_table],
        )
        return cursor.fetchone()[0]


def a_night_of_changes(share: float) -> int:
    """Change ``share`` of the live records as a day's work would (a new
    email; one in five malformed), after making the load look a day old."""
    last_write = Customer.objects.aggregate(m=Max("updated_at"))["m"]
    QualityRun.objects.filter(status=RunStatus.SUCCEEDED).update(
        started_at=last_write + SWEEP_OVERLAP + (SWEEP_OVERLAP / 60)
    )
    every = max(1, round(1 / share))
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET updated_at = now(), email = CASE WHEN id / %s %% 5 = 0 "
            f"THEN 'night' || id || '@@example.com' ELSE 'night' || id || '@example.com' END "
            f"WHERE id %% %s = 0 AND archived_at IS NULL AND merged_into_id IS NULL",
            [every, every],
        )
        return cursor.rowcount


def report(label: str, seconds: float, floor_s: float, peak_kb: int, goal_s: float, records: int):
    projected = seconds * AT_SCALE / records
    verdict = "meets" if projected < goal_s else "MISSES"
    print(
        f"{label:28} {seconds:7.1f} s  {seconds / floor_s:5.1f}x the read  "
        f"peak {peak_kb / 1024:.0f} MB  at 1M ~{projected:6.0f} s: {verdict} the goal "
        f"(< {goal_s} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-customers", type=int, help="Load this many demo customers first.")
    parser.add_argument(
        "--changed", type=float, default=0.01, help="Share of records a night changes (0.01)."
    )
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
    CustomerQuality.objects.all().delete()
    QualityRun.objects.all().delete()
    connection.close()

    floor_s, records = read_floor()
    print(f"{records:,} live records")
    print(f"read floor (keyset chunks):  {floor_s:7.1f} s  {records / floor_s:10,.0f} records/s")
    writes = customer_row_writes()
    first_s, peak_kb, out = manage("sweep_quality")
    report("sweep_quality (first):", first_s, floor_s, peak_kb, GOAL_FIRST_S, records)
    print("\n".join(line for line in out.splitlines() if not line.startswith("chunks ")))
    print(f"customer rows rewritten by the first sweep: {customer_row_writes() - writes:,}")

    changed = a_night_of_changes(args.changed)
    connection.close()
    writes = customer_row_writes()
    night_s, peak_kb, out = manage("sweep_quality")
    print(f"{changed:,} records changed during the day")
    report("sweep_quality (a night):", night_s, floor_s, peak_kb, GOAL_NIGHT_S, records)
    print("\n".join(line for line in out.splitlines() if not line.startswith("chunks ")))
    print(f"customer rows rewritten by the night's sweep: {customer_row_writes() - writes:,}")


if __name__ == "__main__":
    main()
