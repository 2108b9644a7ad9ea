"""The entry-time check: the likely duplicates of one record, as it is
created or imported.

A sweep compares every record with every other in its blocks; one new record
needs only its own blocks, so they are looked up in PostgreSQL through its
indexes (normalised email, phone, postcode, date of birth, upper-cased names;
pg_trgm similarity for surname typos), and the few records found are scored in
process with the active match model's weights (the same features SQL and the
same comparison levels as the sweep; no term-frequency adjustment).

SQLite runs the same query: its connection is given a ``similarity`` function
that computes pg_trgm's (the same trigrams, the same ratio), so that both
databases find the same candidates; only the case folding of letters beyond
ASCII differs (SQLite's ``upper`` folds ASCII only), see docs/duplicates.md.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from django.db import connection

from customers.duplicates import engine
from customers.models import Customer, MatchDecision, MatchModel

CANDIDATE_LIMIT = 50
# Surnames at least this similar (pg_trgm, 0-1) count as "the same surname with a typo".
SURNAME_SIMILARITY = 0.4


@dataclass(frozen=True)
class LikelyDuplicate:
    customer: Customer
    probability: float
    decision: str
    evidence: dict


_local = threading.local()
_RAW_SCHEMA = pa.schema(
    [
        (name, pa.int64() if name == "id" else pa.date32())
        if name in ("id", "date_of_birth")
        else (name, pa.string())
        for name in engine.RAW_COLUMNS
    ]
)


def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per thread, with the nickname table loaded once."""
    con = getattr(_local, "con", None)
    if con is None:
        # One thread: a handful of rows gains nothing from more, and waiting
        # for busy cores is what makes a small query slow.
        con = duckdb.connect(config={"threads": 1})
        engine.register_functions(con)
        engine.load_nicknames(con)
        _local.con = con
    return con


def _raw(customer: Customer) -> dict:
    return {
        name: (customer.pk if name == "id" else getattr(customer, name) or None)
        for name in engine.RAW_COLUMNS
    }


# Legal forms at the end of a name, and a leading "the": dropped so that
# ACME LTD finds ACME LIMITED (the words inside a name are kept, for the LIKE).
_LEGAL_FORM = re.compile(
    r"^THE\s+|[\s,.]+(LTD|LIMITED|PLC|LLP|LLC|INC|INCORPORATED|CO|COMPANY|CORP|CORPORATION"
    r"|GMBH|AG|SARL|SA|PTY)\.?$"
)


def _organisation_core(name: str) -> str:
    core, previous = " ".join((name or "").upper().split()), None
    while core != previous:
        previous, core = core, _LEGAL_FORM.sub("", core).strip()
    return core if len(core) >= 3 else ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_WORD = re.compile(r"[^\W_]+")


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a text: each word (letters and digits), lower
    case, with two spaces before and one after, cut in threes."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str | None, b: str | None) -> float | None:
    """pg_trgm's ``similarity(a, b)``: the trigrams both share over the
    trigrams of either (0 to 1); NULL when either is."""
    if a is None or b is None:
        return None
    left, right = _trigrams(a), _trigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _sqlite_functions() -> None:
    """Give this SQLite connection the functions the candidate query calls."""
    connection.ensure_connection()
    connection.connection.create_function("similarity", 2, trigram_similarity, deterministic=True)


def candidate_query(customer: Customer) -> tuple[str, list[Any]] | None:
    """The SQL (and its parameters) of the live records sharing a blocking
    key with ``customer``: the same on PostgreSQL and SQLite. None when the
    record has nothing to look up by."""
    first = (customer.first_name or "").upper()
    last = (customer.last_name or "").upper()
    branches: list[str] = []
    params: list[Any] = []
    if customer.email:
        branches.append("c.email = %s")
        params.append(customer.email)
    if customer.phone:
        branches.append("c.phone = %s")
        params.append(customer.phone)
    if customer.postcode and last:
        branches.append("(c.postcode = %s AND similarity(upper(c.last_name), %s) >= %s)")
        params += [customer.postcode, last, SURNAME_SIMILARITY]
    if customer.date_of_birth and (first or last):
        branches.append(
            "(c.date_of_birth = %s AND (similarity(upper(c.last_name), %s) >= %s "
            "OR upper(c.first_name) = %s OR upper(c.last_name) = %s))"
        )
        params += [customer.date_of_birth, last, SURNAME_SIMILARITY, first, first]
    if first and last:
        branches.append("(upper(c.last_name) = %s AND upper(c.first_name) = %s)")
        params += [first, last]
    core = _organisation_core(customer.organisation_name)
    if core:
        # The trigram index on search_text answers a LIKE on the name without
        # its legal form (ACME LTD finds ACME LIMITED).
        branches.append("c.search_text LIKE %s ESCAPE '\\'")
        params.append(f"%{_escape_like(core)}%")
    if not branches:
        return None
    table = Customer._meta.db_table
    # One SELECT per block, each answered by its own index, whatever the
    # planner believes about the table (an OR of them can become a scan).
    live = "c.archived_at IS NULL AND c.merged_into_id IS NULL"
    blocks = " UNION ".join(
        f"SELECT c.id FROM {table} c WHERE {branch} AND {live}" for branch in branches
    )
    # The lowest ids past the limit, on either database (not whichever the
    # plan meets first).
    sql = f"SELECT id FROM ({blocks}) AS found WHERE id <> %s ORDER BY id LIMIT {CANDIDATE_LIMIT}"
    return sql, [*params, customer.pk or 0]


def candidate_ids(customer: Customer) -> list[int]:
    """Live records sharing a blocking key with ``customer``."""
    query = candidate_query(customer)
    if query is None:
        return []
    if connection.vendor == "sqlite":
        _sqlite_functions()
    with connection.cursor() as cursor:
        cursor.execute(*query)
        return [row[0] for row in cursor.fetchall()]


def likely_duplicates(
    customer: Customer, *, model: MatchModel | None = None, limit: int = 5
) -> list[LikelyDuplicate]:
    """The records ``customer`` probably duplicates (at or above the model's
    "possible" threshold), most likely first. Empty while no model is trained."""
    from customers.duplicates.services.sweep import active_model

    model = model or active_model()
    if model is None:
        return []
    ids = candidate_ids(customer)
    if not ids:
        return []
    candidates = {c.pk: c for c in Customer.objects.filter(pk__in=ids)}
    # The new record is -1: it may have no id yet, and is never a candidate.
    rows = [_raw(customer) | {"id": -1}, *(_raw(c) for c in candidates.values())]
    con = _duckdb().cursor()
    try:
        con.register("raw_entry", pa.Table.from_pylist(rows, schema=_RAW_SCHEMA))
        scored = engine.score_one(con, model.splink_settings, raw_table="raw_entry")
    finally:
        con.close()
    found = []
    for candidate, probability, _weight, evidence in scored:
        if probability < model.possible_threshold:
            continue
        decision = (
            MatchDecision.DUPLICATE
            if probability >= model.duplicate_threshold
            else MatchDecision.POSSIBLE
        )
        found.append(
            LikelyDuplicate(candidates[candidate], probability, decision, json.loads(evidence))
        )
    found.sort(key=lambda item: -item.probability)
    return found[:limit]


def likely_duplicates_data(found: list[LikelyDuplicate]) -> list[dict]:
    """The likely duplicates as the API returns them."""
    return [
        {
            "id": str(item.customer.public_id),
            "display_name": item.customer.display_name,
            "match_probability": round(item.probability, 4),
            "decision": item.decision,
            "evidence": {name: weight for name, (_level, weight) in item.evidence.items()},
        }
        for item in found
    ]
