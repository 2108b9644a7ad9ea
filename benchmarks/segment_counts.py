"""Segment live counts straight from the facts table at a size the demo
seeder is too slow to reach, with each count's plan.

    createdb mis_countbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_countbench DEBUG=true \\
        .venv/bin/python manage.py seed_demo --customers 20000 --seed 1
    ... .venv/bin/python manage.py refresh_metrics
    ... .venv/bin/python benchmarks/segment_counts.py --rows 1000000 --repeat 10

The segment counts read only ``customers_customerfacts``. With
``--rows N`` larger than the table, the script copies the facts of the
seeded demo customers, set-based in SQL, under new customer ids until the
table holds N rows: every distribution (cities, ages, stages, order counts,
spend, channels, categories, RFM segments) stays that of the demo, at N rows.
The copies belong to no customer: use a database of their own, never one
whose customers matter. Then VACUUM ANALYZE (as ``facts_rebuild`` does after
a bulk load), and each of ``benchmarks/segments.py``'s eight rule sets counted
through ``live_count`` (median and p95 of ``--repeat`` counts, the exact
count, and the scan its plan used). Goal: every count under 300 ms at p95.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.customer_list import print_server_settings, timed  # noqa: E402
from benchmarks.segments import CASES, COUNT_GOAL_MS, case_condition  # noqa: E402
from customers.segments.facts import FACTS  # noqa: E402
from customers.segments.selectors import live_count  # noqa: E402

# Copies get ids from here up, far above the demo's.
COPY_ID_STEP = 10_000_000


def grow(rows: int) -> None:
    """Copy the seeded facts under new ids until the table holds ``rows``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), max(customer_id) FROM {FACTS} WHERE customer_id < %s", [COPY_ID_STEP]
        )
        seeded, top = cursor.fetchone()
        if not seeded or top >= COPY_ID_STEP:
            sys.exit("Seed the demo first (seed_demo, refresh_metrics): there is nothing to copy.")
        cursor.execute(f"SELECT count(*) FROM {FACTS}")
        have = cursor.fetchone()[0]
        if have >= rows:
            return
        columns = [f.name for f in connection.introspection.get_table_description(cursor, FACTS)]
        rest = ", ".join(connection.ops.quote_name(c) for c in columns if c != "customer_id")
        print(f"Copying the facts of {seeded:,} demo customers up to {rows:,} rows...")
        cursor.execute(f"DELETE FROM {FACTS} WHERE customer_id >= %s", [COPY_ID_STEP])
        cursor.execute(
            f"INSERT INTO {FACTS} (customer_id, {rest})"
            f" SELECT s.customer_id + k * %s, {rest}"
            f" FROM generate_series(1, %s) k CROSS JOIN"
            f" (SELECT * FROM {FACTS} WHERE customer_id < %s) s"
            f" ORDER BY k, s.customer_id LIMIT %s",
            [COPY_ID_STEP, -(-(rows - seeded) // seeded), COPY_ID_STEP, rows - seeded],
        )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {FACTS}")


def scan_of(condition) -> str:
    """The scan node of the count's plan, e.g. "Index Only Scan using facts_profile"."""
    with CaptureQueriesContext(connection) as queries:
        live_count(condition)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = [row[0] for row in cursor.fetchall()]
    scans = [line.split("->")[-1].split("  (")[0].strip() for line in plan if "Scan" in line]
    return "; ".join(s.replace(" on " + FACTS, "") for s in scans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=0, help="Grow the facts to this many rows.")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    print_server_settings()
    if args.rows:
        grow(args.rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), pg_size_pretty(pg_relation_size('{FACTS}')),"
            f" pg_size_pretty(pg_indexes_size('{FACTS}')) FROM {FACTS}"
        )
        rows, heap, indexes = cursor.fetchone()
    print(f"\n{rows:,} facts rows: table {heap}, indexes {indexes}\n")
    print(f"{'live count (exact)':48} {'median ms':>9} {'p95 ms':>8} {'matches':>10}  plan")
    for label, form in CASES:
        condition = case_condition(form)
        median, p95 = timed(lambda condition=condition: live_count(condition), args.repeat)
        matched = live_count(condition).value
        flag = "" if p95 < COUNT_GOAL_MS else " (over goal)"
        print(f"{label:48} {median:9.1f} {p95:8.1f} {matched:>10,}  {scan_of(condition)}{flag}")


if __name__ == "__main__":
    main()
