"""Which index of the customer table each page, API filter, segment and
import query uses, shown with PostgreSQL's EXPLAIN over a table of realistic
shape and size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mis_audit DEBUG=true \\
        .venv/bin/python benchmarks/customer_indexes.py [--rows 300000] [--plans]

Fills the (migrated, empty) customer table of that database with ``--rows``
customers whose values are spread as real ones are (most in GB, one in
twenty an organisation, a few sources, half without lifestyle...), ANALYZEs
it, then EXPLAINs each query the software sends: the list page and API
filters (through CustomerFilter and the keyset paginator's order), segment
rule counts (through the segment rule types), the import's lookups and the
checks after an import. Prints, per query, the indexes its plan uses
(``--plans``: the whole plans), then the table's indexes no query used.
docs/adr/0006-customer-indexes-each-used.md records a run.
"""

import argparse
import datetime as dt
import json
import os
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mis.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.functions import Upper  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.filters import CustomerFilter  # noqa: E402
from customers.listing import SORTS  # noqa: E402
from customers.models import Customer, CustomerFacts  # noqa: E402
from customers.quality.redundant import redundant_querysets  # noqa: E402
from customers.segments.facts import FACTS  # noqa: E402
from customers.segments.rules import RULE_TYPES  # noqa: E402

COLUMNS = """
    public_id, kind, first_name, last_name, organisation_name, external_id, email, phone,
    address_line1, address_line2, city, region, postcode, country, date_of_birth, occupation,
    income_band, household_size, lifestyle, "values", attributes, lifecycle_stage, source,
    field_sources, last_verified_at, contactability, is_test, created_at,
    updated_at, archived_at
"""
ROWS = """
SELECT
    gen_random_uuid(),
    CASE WHEN n % 20 = 0 THEN 'organisation' ELSE 'person' END,
    'First' || (n % 900), 'Last' || (n % 5000),
    CASE WHEN n % 20 = 0 THEN 'Company ' || n ELSE '' END,
    CASE WHEN n % 4 = 0 THEN '' ELSE 'X' || n END,
    CASE WHEN n % 10 = 0 THEN '' ELSE 'person' || n || '@example.com' END,
    CASE WHEN n % 3 = 0 THEN '' ELSE '+4479' || lpad((11000000 + n)::text, 8, '0') END,
    (n % 300) || ' High Street', '',
    'City' || (n % 400), 'Region' || (n % 60),
    chr(65 + n % 20) || chr(65 + n % 7) || (n % 30) || ' ' || (n % 10) || 'AB',
    CASE WHEN n % 100 < 85 THEN 'GB' WHEN n % 100 < 90 THEN 'IE' WHEN n % 100 < 94 THEN 'US'
         ELSE 'FR' END,
    CASE WHEN n % 10 < 3 THEN NULL ELSE date '1940-01-01' + (n::bigint * 7919 % 24000)::int END,
    'Occupation' || (n % 300),
    (ARRAY['', '', 'under_20k', '20k_40k', '40k_60k', '60k_100k', 'over_100k'])[1 + n % 7],
    CASE WHEN n % 2 = 0 THEN NULL ELSE 1 + n % 6 END,
    (ARRAY['', '', '', 'urban_professional', 'family_focused', 'outdoor_active', 'homebody',
           'student', 'retired'])[1 + n % 9],
    (ARRAY['', '', '', 'sustainability', 'value_for_money', 'quality', 'convenience',
           'innovation', 'tradition', 'community'])[1 + n % 10],
    '{}'::jsonb,
    (ARRAY['prospect', 'prospect', 'prospect', 'prospect', 'lead', 'lead', 'customer',
           'customer', 'customer', 'lapsed'])[1 + n % 10],
    CASE WHEN n % 50 = 1 THEN 'fair ' || (n % 997)
         ELSE (ARRAY['crm', 'crm', 'crm', 'web form', 'web form', 'api', 'shop'])[1 + n % 7] END,
    '{}'::jsonb,
    CASE WHEN n % 10 < 6 THEN NULL
         ELSE now() - make_interval(days => (n * 31 % 1800)) END,
    'ok', false,
    now() - make_interval(secs => ({rows} - n) * 157),
    now() - make_interval(secs => ({rows} - n) * 157),
    CASE WHEN n % 50 = 0 THEN now() - make_interval(days => n % 300) END
FROM generate_series(1, {rows}) AS n
"""
FILL = f"INSERT INTO customers_customer ({COLUMNS}) {ROWS}"


def page(**data):
    """The list page's and the API's query for these filters: CustomerFilter,
    then the keyset paginator's order and page size."""
    request = RequestFactory().get("/", data)
    request.user = _everyone()
    return CustomerFilter(data, queryset=Customer.objects.all(), request=request).qs.order_by(
        "-created_at", "-pk"
    )[:26]


def _everyone():
    class Steward(AnonymousUser):
        is_authenticated = True

        def has_perm(self, perm, obj=None):
            return True

    return Steward()


def segment(rule: str, value):
    """A segment rule's count: over the facts table (ADR 8), not this one."""
    return CustomerFacts.objects.filter(RULE_TYPES[rule].to_q(value)).values("pk")


def sorted_first_page(key: str):
    """The list page's first page in a chosen order (customers.listing)."""
    spec = SORTS[key]
    names = [f"sort_{i}" for i in range(len(spec.keys))]
    queryset = CustomerFilter({}, queryset=Customer.objects.all(), request=None).qs
    return queryset.annotate(**{n: e for n, (e, _) in zip(names, spec.keys, strict=True)}).order_by(
        *names, "pk"
    )[:26]


def queries(rows: int) -> dict:
    now = timezone.now()
    some = [f"X{n}" for n in range(1000, rows, rows // 50)]
    return {
        "page: first page (no filter)": page(),
        "page: search, a common name": page(q="last49 "),
        "page: search, an email": page(q="person777@exa"),
        "page: lifecycle stage": page(lifecycle_stage="lapsed"),
        "page: country": page(country="FR"),
        "page: country, a rare one": page(country="NZ"),
        "page: source, a large one": page(source="shop"),
        "page: source, a small one": page(source="fair 5"),
        "page: kind organisation": page(kind="organisation"),
        "page: email": page(email="person77@example.com"),
        "page: phone": page(phone="+447911000077"),
        "page: city": page(city="city17"),
        "page: city, a rare one": page(city="nowhere"),
        "page: region": page(region="region7"),
        "page: region, a rare one": page(region="nowhere"),
        "page: postcode starts": page(postcode_prefix="AB1"),
        "page: postcode starts, a rare one": page(postcode_prefix="ZZ9"),
        "page: occupation": page(occupation="occupation9"),
        "page: occupation, a rare one": page(occupation="astronaut"),
        "page: income band": page(income_band="over_100k"),
        "page: lifestyle": page(lifestyle="student"),
        "page: values": page(values="tradition"),
        "page: age 30 to 31": page(age_min=30, age_max=31),
        "page: age 84 to 86": page(age_min=84, age_max=86),
        "page: verified before 4 years ago": page(
            verified_before=(now - dt.timedelta(days=4 * 365)).isoformat()
        ),
        "page: created in one week": page(
            created_after=(now - dt.timedelta(days=200)).isoformat(),
            created_before=(now - dt.timedelta(days=193)).isoformat(),
        ),
        "page: archived": page(archived="true"),
        "page: sorted by name": sorted_first_page("name"),
        "page: sorted by email": sorted_first_page("email"),
        "page: sorted by city": sorted_first_page("city"),
        "page: sorted by stage": sorted_first_page("stage"),
        "segment: region any of": segment("region", ["Region7", "Region8"]),
        "segment: city any of": segment("city", ["City17"]),
        "segment: occupation any of": segment("occupation", ["Occupation9"]),
        "segment: postcode prefix": segment("postcode_prefix", "AB1"),
        "segment: country": segment("country", ["FR"]),
        "segment: age 30 to 31": segment("age", {"min": 30, "max": 31}),
        "segment: income band": segment("income_band", ["over_100k"]),
        "segment: lifestyle": segment("lifestyle", ["student", "retired"]),
        "segment: values": segment("values", ["tradition"]),
        "segment: lifecycle stage": segment("lifecycle_stage", ["lapsed"]),
        "import: by source and external id": Customer.objects.filter(
            source="crm", external_id__in=some
        ),
        "import: by email": Customer.objects.filter(
            email__in=[f"person{n}@example.com" for n in range(1, rows, rows // 50)]
        ),
        "import: by phone": Customer.objects.filter(phone__in=["+447911000077", "+447911000078"]),
        "import: by surname": Customer.objects.annotate(surname=Upper("last_name")).filter(
            source="crm", email="", phone="", external_id="", surname__in=["LAST17", "LAST18"]
        ),
        "orders: customer by external id in any source": Customer.objects.filter(
            external_id__in=some, merged_into__isnull=True
        ),
        "quality: records an import changed": Customer.objects.active().filter(
            updated_at__gte=now - dt.timedelta(minutes=30)
        ),
        "metrics: verified in the last year": Customer.objects.active().filter(
            last_verified_at__date__gt=(now - dt.timedelta(days=365)).date(),
            last_verified_at__date__lte=now.date(),
        ),
        "quality: records of no further use": redundant_querysets(months=24)["inactive"],
        "merges: records merged into one": Customer.objects.filter(merged_into_id=1),
        "api: one customer": Customer.objects.filter(public_id=uuid.uuid4()),
    }


def used_indexes(plan) -> set[str]:
    found = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(plan["Index Name"])
        for value in plan.values():
            found |= used_indexes(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= used_indexes(value)
    return found


TABLE = Customer._meta.db_table
SCRATCH = "bench_write_cost"
BATCH = 1000  # rows a statement, as the import writes them


def _timed(cursor, sql: str, params=None) -> float:
    """Seconds one statement takes, after a checkpoint so that no run pays for
    writing out the pages of the one before."""
    cursor.execute("CHECKPOINT")
    start = time.perf_counter()
    cursor.execute(sql, params)
    return time.perf_counter() - start


def _batched(cursor, sql: str, rows: int) -> float:
    """Seconds ``sql`` takes over every source row, BATCH rows a statement."""
    cursor.execute("CHECKPOINT")
    start = time.perf_counter()
    for low in range(0, rows, BATCH):
        cursor.execute(sql, [low, low + BATCH])
    return time.perf_counter() - start


def _index_costs(cursor, rows: int) -> list[tuple[str, float]]:
    """One INSERT ... SELECT of every source row into a copy of the customer
    table with no index, with all of the customer table's indexes, and with
    all but one, for each index in turn."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [TABLE]
    )
    indexes = cursor.fetchall()

    def insert(definitions) -> float:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(
            f"CREATE TABLE {SCRATCH} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING GENERATED"
            " INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE)"
        )
        for name, definition in definitions:
            definition = re.sub(rf" ON (\w+\.)?{TABLE} ", f" ON {SCRATCH} ", definition, count=1)
            cursor.execute(definition.replace(f" {name} ON ", f" {SCRATCH}_{name} ON ", 1))
        seconds = _timed(
            cursor, f"INSERT INTO {SCRATCH} ({COLUMNS}) SELECT {COLUMNS} FROM bench_source"
        )
        cursor.execute(f"DROP TABLE {SCRATCH}")
        return seconds

    costs = [("no index (the heap alone)", insert([])), ("all indexes: the floor", insert(indexes))]
    for name, _ in indexes:
        costs.append((f"all but {name}", insert([i for i in indexes if i[0] != name])))
    return costs


def _trigger_costs(cursor, rows: int) -> list[tuple[str, float]]:
    """Writes into the customer table itself (all its indexes and triggers),
    with the facts triggers on and off: inserts and updates, BATCH rows a
    statement as the import writes them, and one statement for all."""
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [TABLE],
    )
    triggers = [name for (name,) in cursor.fetchall()]
    batch = "WHERE s.seq > %s AND s.seq <= %s"
    insert = f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM bench_source s"
    # The import's update of an unchanged row, and of a field the facts copy.
    touch = f"UPDATE {TABLE} c SET updated_at = now() FROM bench_source s"
    change = f"UPDATE {TABLE} c SET city = c.city || 'x' FROM bench_source s"
    same_row = "AND c.public_id = s.public_id"
    cases = (
        ("insert, one statement", insert, False),
        (f"insert, {BATCH} rows a statement", f"{insert} {batch}", True),
        (f"update, no copied field, {BATCH} a statement", f"{touch} {batch} {same_row}", True),
        (f"update, a copied field, {BATCH} a statement", f"{change} {batch} {same_row}", True),
    )

    def switch(on: bool) -> None:
        for name in triggers:
            cursor.execute(f"ALTER TABLE {TABLE} {'ENABLE' if on else 'DISABLE'} TRIGGER {name}")

    costs = []
    for label, sql, batched in cases:
        for on in (False, True):
            switch(True)  # the rows an update starts from have their facts
            cursor.execute(f"TRUNCATE {TABLE}, {FACTS} CASCADE")
            if sql.startswith("UPDATE"):
                cursor.execute(insert)
            switch(on)
            seconds = _batched(cursor, sql, rows) if batched else _timed(cursor, sql)
            costs.append((f"{label}, facts triggers {'on' if on else 'off'}", seconds))
    switch(True)
    cursor.execute(f"TRUNCATE {TABLE}, {FACTS} CASCADE")
    return costs


def write_cost(rows: int) -> None:
    """What each index and the facts triggers add to writing ``rows``
    customers, printed as a table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        if cursor.fetchone()[0]:
            sys.exit("--write-cost needs a migrated database with no customers.")
        cursor.execute("DROP TABLE IF EXISTS bench_source")
        cursor.execute(f"CREATE UNLOGGED TABLE bench_source AS SELECT {COLUMNS} FROM {TABLE}")
        cursor.execute(f"INSERT INTO bench_source ({COLUMNS}) {ROWS}".replace("{rows}", str(rows)))
        cursor.execute(
            "ALTER TABLE bench_source ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY"
        )
        cursor.execute("CREATE INDEX ON bench_source (seq)")
        cursor.execute("ANALYZE bench_source")
        indexes = _index_costs(cursor, rows)
        triggers = _trigger_costs(cursor, rows)
        cursor.execute("DROP TABLE bench_source")
    heap, floor = indexes[0][1], indexes[1][1]
    print(f"Writing {rows:,} customers (seconds; a checkpoint before each run)\n")
    print(f"{'INSERT ... SELECT into a copy of the customer table':58} {'s':>7} {'saves':>7}")
    for label, seconds in indexes:
        saves = f"{floor - seconds:7.2f}" if label.startswith("all but") else ""
        print(f"{label:58} {seconds:7.2f} {saves:>7}")
    print(f"\nthe indexes together: {floor - heap:.2f} s, {floor / heap:.1f}x the heap alone\n")
    print(f"{'into the customer table (indexes and triggers)':58} {'s':>7} {'rows/s':>9}")
    for label, seconds in triggers:
        print(f"{label:58} {seconds:7.2f} {rows / seconds:9,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--plans", action="store_true", help="print every plan")
    parser.add_argument(
        "--write-cost",
        action="store_true",
        help="instead of the plans: time writing --rows customers with each index dropped in"
        " turn, and with the facts triggers on and off (needs an empty customer table)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://...")
    if args.write_cost:
        write_cost(args.rows)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        if cursor.fetchone()[0] == 0:
            cursor.execute(FILL.replace("{rows}", str(int(args.rows))))
        cursor.execute("ANALYZE customers_customer")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer' ORDER BY 1"
        )
        indexes = [name for (name,) in cursor.fetchall()]
    used: set[str] = set()
    for name, queryset in queries(args.rows).items():
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            if isinstance(plan, str):
                plan = json.loads(plan)
            found = used_indexes(plan)
            used |= found
            print(f"{name:50} {', '.join(sorted(found)) or 'no index (sequential scan)'}")
            if args.plans:
                cursor.execute(f"EXPLAIN {sql}", params)
                print("\n".join("    " + line for (line,) in cursor.fetchall()))
    print()
    print("Indexes no query used:", ", ".join(i for i in indexes if i not in used) or "none")


if __name__ == "__main__":
    main()
