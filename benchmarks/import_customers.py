"""Import speed against PostgreSQL's own COPY, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_bench DEBUG=true \\
        .venv/bin/python benchmarks/import_customers.py [--rows 1000000]

Writes a customer CSV of ``--rows`` rows (canonical columns, a few bad values
and some rows without identity, as real files have), then times:

1. ``COPY`` of the file into a bare table of text columns: the floor;
1b. the same rows written with one INSERT ... SELECT, without validation,
   into a table made LIKE the customer table with all its indexes: what the
   table itself costs to write;
2. ``import_customers`` of the same file into an empty source, in a child
   process so that its peak memory (maximum resident set) can be read;
3. the same import again (every row unchanged): the idempotent re-run.

Prints each time, rows per second, the ratios and the peak memory, and
whether each goal is met. Goals (at 1,000,000 rows): a new import at most
25x COPY and 1.5x the indexed table's INSERT; a re-import of the unchanged
file at most 10x COPY; peak memory under 500 MB.
"""

import argparse
import csv
import json
import os
import random
import resource
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

from django.db import connection  # noqa: E402

from customers.models import Customer  # noqa: E402

COLUMNS = [
    "external_id", "first_name", "last_name", "organisation", "email", "phone",
    "address_line1", "address_line2", "city", "region", "postcode", "country",
    "date_of_birth", "occupation", "income_band", "household_size", "interests",
    "lifecycle_stage", "last_verified_at",
]  # fmt: skip
FIRST = ["Ada", "Bob", "Cara", "Dev", "Eve", "Finn", "Gita", "Hal", "Ivy", "Jon", "Kit", "Lea"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Khan", "Patel", "Walker"]
TOWNS = [
    ("Leeds", "West Yorkshire", "LS1 4AP"),
    ("Bristol", "Bristol", "BS1 5TR"),
    ("Manchester", "Greater Manchester", "M1 1AE"),
    ("Norwich", "Norfolk", "NR2 1TF"),
]
INTERESTS = ["cycling", "cooking", "gardening", "travel", "music", "running", "books"]


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            town, region, postcode = rng.choice(TOWNS)
            email = f"{first}.{last}.{n}@example.com".lower()
            if n % 200 == 0:
                email = email.replace("@", "@@")  # a bad value, kept and flagged
            identity = (f"B{n:07d}", first, last) if n % 1000 else ("", "", "")
            writer.writerow([
                identity[0], identity[1], identity[2], "", email if identity[0] else "",
                f"+4479{11000000 + n % 8999999:08d}", f"{n % 300 + 1} High Street", "",
                town, region, postcode, "GB", f"{1950 + n % 50}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                "Engineer", "20k_40k", str(n % 5 + 1), ";".join(rng.sample(INTERESTS, 2)),
                "customer", "2025-06-01",
            ])  # fmt: skip


# The floor's columns, and what each takes from the COPY table.
FLOOR_COLUMNS = [
    ("public_id", "gen_random_uuid()"),
    ("kind", "'person'"),
    ("first_name", "coalesce(first_name, '')"),
    ("last_name", "coalesce(last_name, '')"),
    ("organisation_name", "''"),
    ("external_id", "coalesce(external_id, '')"),
    ("email", "coalesce(email, '')"),
    ("phone", "coalesce(phone, '')"),
    ("address_line1", "coalesce(address_line1, '')"),
    ("address_line2", "coalesce(address_line2, '')"),
    ("city", "coalesce(city, '')"),
    ("region", "coalesce(region, '')"),
    ("postcode", "coalesce(postcode, '')"),
    ("country", "coalesce(country, '')"),
    ("date_of_birth", "date_of_birth::date"),
    ("occupation", "coalesce(occupation, '')"),
    ("income_band", "coalesce(income_band, '')"),
    ("household_size", "household_size::smallint"),
    ("lifecycle_stage", "coalesce(lifecycle_stage, '')"),
    ("source", "'floor'"),
    ("last_verified_at", "last_verified_at::timestamptz"),
    ("created_at", "now()"),
    ("updated_at", "now()"),
]


def _default(field):
    value = field.get_default()
    return json.dumps(value) if isinstance(value, dict | list) else value


def time_copy(path: Path) -> tuple[float, float]:
    """COPY of the file into a bare table of text columns, then the same rows
    written set-based (INSERT ... SELECT, no validation) into a table shaped
    exactly like the customer table, with all its indexes: what writing
    customers costs the database itself, whatever the import does."""
    columns = ", ".join(f"{c} text" for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("DROP TABLE IF EXISTS bench_customers")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_copy ({columns})")
        start = time.perf_counter()
        with path.open() as handle:
            cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        copy_s = time.perf_counter() - start
        cursor.execute("CREATE TABLE bench_customers (LIKE customers_customer INCLUDING ALL)")
        start = time.perf_counter()
        given, selects = zip(*FLOOR_COLUMNS, strict=True)
        # Columns the file does not give (added to the model later, say) get
        # the model's default, so that the floor keeps up with the table.
        others = [
            f
            for f in Customer._meta.concrete_fields
            if not f.primary_key
            and not getattr(f, "generated", False)
            and not f.null
            and f.column not in given
        ]
        columns = [*given, *(f.column for f in others)]
        values = [*selects, *(["%s"] * len(others))]
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.execute(
            f"INSERT INTO bench_customers ({names}) SELECT {', '.join(values)} FROM bench_copy"
            " WHERE coalesce(external_id, email, first_name) IS NOT NULL",
            [_default(f) for f in others],
        )
        floor_s = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_customers")
        cursor.execute("DROP TABLE bench_copy")
    return copy_s, floor_s


def time_import(path: Path, source: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    # DEBUG off, as in production: with it on, Django keeps the text of every
    # query, which costs time and, for bulk writes, a lot of memory.
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        "SUPPRESSION_KEY": os.environ.get("SUPPRESSION_KEY", "bench"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "import_customers", str(path), "--source", source],
        cwd=ROOT, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if result.returncode:
        sys.exit(result.stderr)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = "\n".join(line for line in result.stdout.splitlines() if not line.startswith("rows "))
    return elapsed, peak_kb, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        write_file(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"{args.rows} rows, {size:.0f} MB")
        copy_s, floor_s = time_copy(path)
        print(f"COPY into a bare table:      {copy_s:8.1f} s  {args.rows / copy_s:10,.0f} rows/s")
        print(
            f"INSERT into the indexed table:{floor_s:7.1f} s"
            f"  {args.rows / floor_s:10,.0f} rows/s  {floor_s / copy_s:5.1f}x COPY"
        )
        source = f"bench-{int(time.time())}"
        first_s, peak_kb, summary = time_import(path, source)
        print(
            f"import_customers (new):      {first_s:8.1f} s  {args.rows / first_s:10,.0f} rows/s"
            f"  {first_s / copy_s:5.1f}x COPY  {first_s / floor_s:4.1f}x the indexed table"
            f"  peak {peak_kb / 1024:.0f} MB"
        )
        print(summary)
        again_s, again_peak_kb, summary = time_import(path, source)
        print(
            f"import_customers (re-run):   {again_s:8.1f} s  {args.rows / again_s:10,.0f} rows/s"
            f"  {again_s / copy_s:5.1f}x COPY  peak {again_peak_kb / 1024:.0f} MB"
        )
        print(summary)
        peak_mb = max(peak_kb, again_peak_kb) / 1024
        for goal, met in (
            ("new import <= 25x COPY", first_s <= 25 * copy_s),
            ("new import <= 1.5x the indexed table", first_s <= 1.5 * floor_s),
            ("re-import <= 10x COPY", again_s <= 10 * copy_s),
            ("peak memory < 500 MB", peak_mb < 500),
        ):
            print(f"goal {goal:40} {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
