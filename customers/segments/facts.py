"""Keeping ``CustomerFacts`` current: the narrow table every segment rule
reads (see the model).

On PostgreSQL the database keeps it current itself: statement-level
triggers on customers, their interests, orders and order lines refresh the
facts of exactly the customers a statement touched, in the same
transaction. A count therefore reflects every committed change to a customer
or an order at once (the freshness bound is zero); only the RFM scores are
as of the last nightly metrics refresh, which copies them here
(``facts_rfm_refresh``). One statement over many rows (an import, a sweep)
costs one set-based refresh, not one per row.

``facts_rebuild()`` recomputes the whole table in one pass: after a bulk
load that ran without triggers (the demo), and as a repair. On SQLite (the
quick start's small database) there are no triggers: the facts are rebuilt
before each count, which takes milliseconds at that size.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from customers.models import Customer, CustomerFacts, CustomerMetrics, Order, OrderLine
from mis.bulk import indexes_rebuilt_after

FACTS = "customers_customerfacts"
CUSTOMER_COLUMNS = (
    "country",
    "region",
    "city",
    "postcode",
    "date_of_birth",
    "occupation",
    "income_band",
    "lifestyle",
    "values",
    "lifecycle_stage",
    "attributes",
)
ORDER_COLUMNS = ("order_count", "total_spent", "last_order_at", "channels", "categories")
RFM_COLUMNS = ("rfm_r", "rfm_f", "rfm_m", "rfm_segment")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables() -> dict[str, str]:
    return {
        "customer": Customer._meta.db_table,
        "through": Customer.interests.through._meta.db_table,
        "interest": Customer.interests.field.related_model._meta.db_table,
        "order": Order._meta.db_table,
        "line": OrderLine._meta.db_table,
        "metrics": CustomerMetrics._meta.db_table,
    }


# The same aggregates serve one customer (the triggers) and all (the rebuild).
def _interest_names(t: dict, where: str) -> str:
    return (
        f"SELECT x.customer_id, '|' || string_agg(lower(n.name), '|' ORDER BY lower(n.name))"
        f" || '|' AS names FROM {t['through']} x JOIN {t['interest']} n ON n.id = x.interest_id"
        f" WHERE {where} GROUP BY x.customer_id"
    )


def _order_figures(t: dict, where: str, currency: str) -> str:
    return (
        f"SELECT o.customer_id, count(*) AS n,"
        f" coalesce(sum(o.total_amount) FILTER (WHERE o.currency = '{currency}'), 0) AS spent,"
        f" max(o.ordered_at) AS last, '|' || string_agg(DISTINCT o.channel, '|') || '|' AS channels"
        f" FROM {t['order']} o WHERE {where} GROUP BY o.customer_id"
    )


def _categories(t: dict, where: str) -> str:
    return (
        f"SELECT o.customer_id, '|' || string_agg(DISTINCT lower(l.product_category), '|')"
        f" || '|' AS cats FROM {t['line']} l JOIN {t['order']} o ON o.id = l.order_id"
        f" WHERE {where} GROUP BY o.customer_id"
    )


def _currency() -> str:
    currency = settings.REPORTING_CURRENCY
    if not (len(currency) == 3 and currency.isalpha()):
        raise ValueError(f"REPORTING_CURRENCY must be a 3-letter code, not {currency!r}.")
    return currency.upper()


def install_sql() -> str:
    """The PostgreSQL functions and triggers (idempotent; run by the migration
    and again by ``refresh_facts`` after REPORTING_CURRENCY changes)."""
    t = _tables()
    currency = _currency()
    cols = ", ".join(_q(c) for c in CUSTOMER_COLUMNS)
    c_cols = ", ".join(f"c.{_q(c)}" for c in CUSTOMER_COLUMNS)
    sets = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in CUSTOMER_COLUMNS)
    changed = (
        f"({', '.join(f'f.{_q(c)}' for c in CUSTOMER_COLUMNS)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{_q(c)}' for c in CUSTOMER_COLUMNS)})"
    )
    # What an update must change for the facts to change: a copied field, or
    # whether the customer is live.
    watched = (*CUSTOMER_COLUMNS, "archived_at", "merged_into_id")
    moved = (
        f"({', '.join(f'c.{_q(c)}' for c in watched)}) IS DISTINCT FROM "
        f"({', '.join(f'o.{_q(c)}' for c in watched)})"
    )
    live = "c.archived_at IS NULL AND c.merged_into_id IS NULL"
    facts_figures = "(f.order_count, f.total_spent, f.last_order_at, f.channels, f.categories)"
    upsert = f"""
        INSERT INTO {FACTS} AS f (customer_id, {cols}, interests, order_count, total_spent,
            channels, categories, rfm_segment)
        SELECT c.id, {c_cols}, '', 0, 0, '', '', ''
        FROM {{rows}} WHERE {live}
        ON CONFLICT (customer_id) DO UPDATE SET {sets} WHERE {changed}
        RETURNING f.customer_id, (xmax = 0) AS inserted"""
    return f"""
CREATE OR REPLACE FUNCTION mis_facts_interests(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE {FACTS} f SET interests = coalesce(x.names, '')
    FROM unnest(ids) AS i(id)
    LEFT JOIN ({_interest_names(t, "x.customer_id = ANY(ids)")}) x ON x.customer_id = i.id
    WHERE f.customer_id = i.id AND f.interests IS DISTINCT FROM coalesce(x.names, '');
$$;

-- Writes only the rows whose figures changed: a customer just added has
-- none, and rewriting its row would double the cost of every insert.
CREATE OR REPLACE FUNCTION mis_facts_orders(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE {FACTS} f
    SET order_count = coalesce(o.n, 0), total_spent = coalesce(o.spent, 0),
        last_order_at = o.last, channels = coalesce(o.channels, ''),
        categories = coalesce(l.cats, '')
    FROM unnest(ids) AS i(id)
    LEFT JOIN ({_order_figures(t, "o.customer_id = ANY(ids)", currency)}) o
        ON o.customer_id = i.id
    LEFT JOIN ({_categories(t, "o.customer_id = ANY(ids)")}) l ON l.customer_id = i.id
    WHERE f.customer_id = i.id AND {facts_figures} IS DISTINCT FROM
        (coalesce(o.n, 0), coalesce(o.spent, 0), o.last, coalesce(o.channels, ''),
         coalesce(l.cats, ''));
$$;

-- Customers who became live (new, restored, a merge undone) get what their
-- interests, orders and scores say; those are read only for them.
CREATE OR REPLACE FUNCTION mis_facts_added(added bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF added IS NOT NULL THEN
        PERFORM mis_facts_interests(added);
        PERFORM mis_facts_orders(added);
        UPDATE {FACTS} f SET rfm_r = m.rfm_r, rfm_f = m.rfm_f, rfm_m = m.rfm_m,
            rfm_segment = m.rfm_segment
        FROM {t["metrics"]} m WHERE m.customer_id = f.customer_id AND f.customer_id = ANY(added);
    END IF;
END $$;

DROP FUNCTION IF EXISTS mis_facts_customers(bigint[]);

-- The statement's rows are read from its transition tables, not looked up
-- again; an update touches the facts only for the rows whose copied fields
-- or liveness it changed (most updates, an import's included, change
-- neither and cost nothing here).
CREATE OR REPLACE FUNCTION mis_facts_on_customers() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    added bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {FACTS} f USING old_rows o WHERE f.customer_id = o.id;
    ELSIF TG_OP = 'INSERT' THEN
        WITH written AS ({upsert.format(rows="new_rows c")})
        SELECT array_agg(customer_id) INTO added FROM written WHERE inserted;
        PERFORM mis_facts_added(added);
    ELSE
        WITH moved AS (
            SELECT c.* FROM new_rows c JOIN old_rows o ON o.id = c.id WHERE {moved}
        ), gone AS (
            DELETE FROM {FACTS} f USING moved c WHERE f.customer_id = c.id AND NOT ({live})
        ), written AS ({upsert.format(rows="moved c")})
        SELECT array_agg(customer_id) INTO added FROM written WHERE inserted;
        PERFORM mis_facts_added(added);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION mis_facts_on_interests() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM mis_facts_interests(ARRAY(SELECT DISTINCT customer_id FROM old_rows));
    ELSE
        PERFORM mis_facts_interests(ARRAY(SELECT DISTINCT customer_id FROM new_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION mis_facts_on_orders() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM mis_facts_orders(ARRAY(SELECT DISTINCT customer_id FROM old_rows));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM mis_facts_orders(ARRAY(SELECT DISTINCT customer_id FROM new_rows));
    ELSE
        PERFORM mis_facts_orders(ARRAY(
            SELECT customer_id FROM new_rows UNION SELECT customer_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION mis_facts_on_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM mis_facts_orders(ARRAY(SELECT DISTINCT o.customer_id FROM old_rows r
            JOIN {t["order"]} o ON o.id = r.order_id));
    ELSE
        PERFORM mis_facts_orders(ARRAY(SELECT DISTINCT o.customer_id FROM new_rows r
            JOIN {t["order"]} o ON o.id = r.order_id));
    END IF;
    RETURN NULL;
END $$;

{_triggers(t)}
"""


def _triggers(t: dict) -> str:
    statements = []
    for table, function in (
        (t["customer"], "mis_facts_on_customers"),
        (t["through"], "mis_facts_on_interests"),
        (t["order"], "mis_facts_on_orders"),
        (t["line"], "mis_facts_on_lines"),
    ):
        for event, transition in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            name = f"mis_facts_{table}_{event.lower()}"
            statements.append(
                f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
    return "\n".join(statements)


UNINSTALL_SQL = """
DROP FUNCTION IF EXISTS mis_facts_on_customers() CASCADE;
DROP FUNCTION IF EXISTS mis_facts_on_interests() CASCADE;
DROP FUNCTION IF EXISTS mis_facts_on_orders() CASCADE;
DROP FUNCTION IF EXISTS mis_facts_on_lines() CASCADE;
DROP FUNCTION IF EXISTS mis_facts_customers(bigint[]);
DROP FUNCTION IF EXISTS mis_facts_added(bigint[]);
DROP FUNCTION IF EXISTS mis_facts_orders(bigint[]);
DROP FUNCTION IF EXISTS mis_facts_interests(bigint[]);
"""

# PostgreSQL-only indexes: trigram searches for "any of" in the sets, and
# postcode prefixes.
INDEX_SQL = f"""
CREATE INDEX IF NOT EXISTS facts_categories_trgm ON {FACTS} USING gin (categories gin_trgm_ops);
CREATE INDEX IF NOT EXISTS facts_interests_trgm ON {FACTS} USING gin (interests gin_trgm_ops);
CREATE INDEX IF NOT EXISTS facts_channels_trgm ON {FACTS} USING gin (channels gin_trgm_ops);
CREATE INDEX IF NOT EXISTS facts_postcode ON {FACTS} (postcode varchar_pattern_ops);
"""


def facts_triggers() -> list[tuple[str, str]]:
    """(table, trigger) of the facts triggers installed now, read from the
    catalogue rather than from ``install_sql``, so that it holds whatever
    triggers the installed version defines."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND starts_with(t.tgname, %s)"
            " AND c.relnamespace = 'public'::regnamespace ORDER BY 1, 2",
            ["mis_facts_"],
        )
        return cursor.fetchall()


@contextmanager
def facts_triggers_disabled() -> Iterator[None]:
    """Within a transaction (PostgreSQL): the facts triggers off for the
    block, for a bulk load that then calls ``facts_rebuild()`` once instead
    of refreshing the facts statement by statement. ``ALTER TABLE`` is
    transactional and locks the tables: other sessions never see the
    triggers off, and a failed load leaves them on."""
    if connection.vendor != "postgresql":
        yield
        return
    triggers = facts_triggers()
    with connection.cursor() as cursor:
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {_q(table)} DISABLE TRIGGER {_q(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name in triggers:
            cursor.execute(f"ALTER TABLE {_q(table)} ENABLE TRIGGER {_q(name)}")


@transaction.atomic
def facts_rebuild() -> int:
    """Recompute every live customer's facts in one pass; returns the rows."""
    if connection.vendor != "postgresql":
        return _rebuild_portable()
    t = _tables()
    currency = _currency()
    cols = ", ".join(_q(c) for c in (*CUSTOMER_COLUMNS, "interests", *ORDER_COLUMNS, *RFM_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {FACTS} IN EXCLUSIVE MODE")
        cursor.execute("SET LOCAL work_mem TO '256MB'")
        cursor.execute(f"DELETE FROM {FACTS}")
    with indexes_rebuilt_after([FACTS]), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {FACTS} (customer_id, {cols})
            SELECT c.id, {", ".join(f"c.{_q(col)}" for col in CUSTOMER_COLUMNS)},
                   coalesce(i.names, ''), coalesce(o.n, 0), coalesce(o.spent, 0), o.last,
                   coalesce(o.channels, ''), coalesce(l.cats, ''),
                   m.rfm_r, m.rfm_f, m.rfm_m, coalesce(m.rfm_segment, '')
            FROM {t["customer"]} c
            LEFT JOIN ({_interest_names(t, "true")}) i ON i.customer_id = c.id
            LEFT JOIN ({_order_figures(t, "true", currency)}) o ON o.customer_id = c.id
            LEFT JOIN ({_categories(t, "true")}) l ON l.customer_id = c.id
            LEFT JOIN {t["metrics"]} m ON m.customer_id = c.id
            WHERE c.archived_at IS NULL AND c.merged_into_id IS NULL
            """
        )
        rows = cursor.rowcount
    analyse()
    return rows


def analyse() -> None:
    """After a bulk change: statistics now, and once the change is committed a
    VACUUM, which cannot run inside a transaction. It clears the dead rows a
    nightly update leaves (the server's autovacuum may be off or slow) and
    marks the pages all-visible, so counts can read the narrow indexes alone
    instead of every row."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {FACTS}")
    transaction.on_commit(facts_vacuum)


def facts_vacuum() -> None:
    """VACUUM (and ANALYZE) the facts, outside any transaction: after a bulk
    change, and every few minutes (beat). Most counts are index-only scans,
    which skip the rows only on pages the visibility map marks all-visible;
    every write by the triggers clears its page's mark until the next vacuum.
    Measured at 1M: 2 % of the rows updated, spread over the table, cleared
    61 % of the pages and made the counts 3-10 times slower; one vacuum
    restored them. The server's autovacuum may be off or slow to come, so the
    application does not wait for it. A vacuum reads only the pages changed
    since the last one. Exactness never depends on it: only speed."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE, SKIP_LOCKED) {FACTS}")


# When more than this share of the rows would change, the copy rebuilds the
# table instead: updating most rows in place (each one a new row version with
# new index entries) doubled the table at 1M, and a rebuild writes it compact.
REBUILD_SHARE = 0.25


@transaction.atomic
def facts_rfm_refresh() -> int:
    """Copy the nightly RFM scores (CustomerMetrics) into the facts, writing
    only the rows whose scores changed; returns how many changed.

    One pass over the two tables finds the changed rows (a few per cent on a
    normal night) and keeps them aside; the update then touches those rows
    alone, through the primary key."""
    if connection.vendor != "postgresql":
        return _rebuild_portable()
    metrics = CustomerMetrics._meta.db_table
    columns = ", ".join(RFM_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS rfm_changed")
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE rfm_changed ON COMMIT DROP AS
            SELECT m.customer_id, {", ".join(f"m.{c}" for c in RFM_COLUMNS)}
            FROM {FACTS} f JOIN {metrics} m ON m.customer_id = f.customer_id
            WHERE ({", ".join(f"f.{c}" for c in RFM_COLUMNS)})
                  IS DISTINCT FROM ({", ".join(f"m.{c}" for c in RFM_COLUMNS)})
            """
        )
        changed = cursor.rowcount
        cursor.execute(f"SELECT reltuples FROM pg_class WHERE relname = '{FACTS}'")
        rows = max(cursor.fetchone()[0], 0)
    if not changed:
        return 0
    if changed > REBUILD_SHARE * rows:
        facts_rebuild()
        return changed
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FACTS} f SET ({columns}) = "
            f"({', '.join(f'c.{col}' for col in RFM_COLUMNS)}) "
            f"FROM rfm_changed c WHERE c.customer_id = f.customer_id"
        )
    analyse()
    return changed


def facts_current() -> None:
    """Before a count: on PostgreSQL the facts are always current; elsewhere
    (no triggers) they are rebuilt, which the small databases there allow."""
    if connection.vendor != "postgresql":
        _rebuild_portable()


def _sets(pairs) -> dict[int, str]:
    found: dict[int, set[str]] = {}
    for customer_id, value in pairs:
        found.setdefault(customer_id, set()).add(value)
    return {pk: "|" + "|".join(sorted(values)) + "|" for pk, values in found.items()}


@transaction.atomic
def _rebuild_portable() -> int:
    """The same rows, computed in Python (SQLite has neither the triggers nor
    string_agg): for the quick start's few thousand customers."""
    from django.db.models import Count, Max, Q, Sum
    from django.db.models.functions import Lower

    currency = _currency()
    live = Customer.objects.active()
    through = Customer.interests.through
    interests = _sets(
        through.objects.filter(customer__in=live)
        .annotate(name=Lower("interest__name"))
        .values_list("customer_id", "name")
    )
    orders = {
        row["customer_id"]: row
        for row in Order.objects.values("customer_id").annotate(
            n=Count("id"),
            spent=Sum("total_amount", filter=Q(currency=currency)),
            last=Max("ordered_at"),
        )
    }
    channels = _sets(Order.objects.values_list("customer_id", "channel").distinct())
    categories = _sets(
        OrderLine.objects.annotate(category=Lower("product_category"))
        .values_list("order__customer_id", "category")
        .distinct()
    )
    rfm = {m["customer_id"]: m for m in CustomerMetrics.objects.values("customer_id", *RFM_COLUMNS)}
    rows = []
    for customer in live.values("id", *CUSTOMER_COLUMNS).iterator(chunk_size=2000):
        pk = customer.pop("id")
        bought = orders.get(pk, {})
        scores = rfm.get(pk, {})
        rows.append(
            CustomerFacts(
                customer_id=pk,
                **customer,
                interests=interests.get(pk, ""),
                order_count=bought.get("n") or 0,
                total_spent=bought.get("spent") or 0,
                last_order_at=bought.get("last"),
                channels=channels.get(pk, ""),
                categories=categories.get(pk, ""),
                rfm_r=scores.get("rfm_r"),
                rfm_f=scores.get("rfm_f"),
                rfm_m=scores.get("rfm_m"),
                rfm_segment=scores.get("rfm_segment") or "",
            )
        )
    CustomerFacts.objects.all().delete()
    CustomerFacts.objects.bulk_create(rows, batch_size=500)
    return len(rows)
