"""The Splink adapter: how records become comparable features, which pairs
are compared (blocking rules), how each field is compared, training, scoring.

Everything Splink-specific lives here, so that the rest of duplicate detection
(sweeps, the entry-time check, review and merge) deals in customer ids,
probabilities and evidence. The backend is the ``DUPLICATE_BACKEND`` setting:
"duckdb" runs in process; "spark" runs the same settings on a cluster (needs
``pyspark`` and a Spark session, which this project does not ship).

Features are made in SQL (DuckDB) from the raw columns, the same SQL for a
sweep of a million records and for the entry-time check of one, so that a
stored model always sees features made the same way.
"""

from __future__ import annotations

import logging
import math
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

NICKNAMES_FILE = Path(__file__).parent / "data" / "nicknames.csv"

# The raw columns read from the customer table, in this order.
RAW_COLUMNS = (
    "id",
    "kind",
    "first_name",
    "last_name",
    "organisation_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "postcode",
    "date_of_birth",
)
RAW_TYPES = dict.fromkeys(RAW_COLUMNS, "VARCHAR") | {"id": "BIGINT", "date_of_birth": "DATE"}

# Address words written many ways, each to one form (word boundaries: "st"
# the word, not the "st" of "west").
_ADDRESS_WORDS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "cres": "crescent",
    "cl": "close",
    "gdns": "gardens",
    "tce": "terrace",
    "terr": "terrace",
    "hwy": "highway",
    "blvd": "boulevard",
    "pk": "park",
    "flat": "apartment",
    "apt": "apartment",
    "unit": "apartment",
    "no": "",
    "number": "",
}
# Legal-form words that say nothing about which organisation it is.
_ORG_WORDS = (
    "ltd|limited|plc|llp|llc|inc|incorporated|co|company|corp|corporation|gmbh|ag|sarl|sa|"
    "pty|the|and"
)

# Comparison names, as they appear in evidence.
COMPARISONS = ("name", "date_of_birth", "email", "phone", "address")


def _clean_text(expr: str, keep: str = "a-z") -> str:
    """Lower case, accents stripped, anything but ``keep`` to a space, spaces collapsed."""
    return (
        f"nullif(trim(regexp_replace(regexp_replace(strip_accents(lower(coalesce({expr}, ''))), "
        f"'[^{keep} ]', ' ', 'g'), '\\s+', ' ', 'g')), '')"
    )


def _address_expr() -> str:
    """The address's words, each in one form; one pass over the words (a
    regular expression per abbreviation would read every address 20 times)."""
    address = _clean_text("concat_ws(' ', address_line1, address_line2)", keep="a-z0-9")
    words = ", ".join(f"'{short}': '{long}'" for short, long in _ADDRESS_WORDS.items())
    return (
        f"nullif(array_to_string(list_filter(list_transform(string_split({address}, ' '), "
        f"lambda w: coalesce(map_extract_value(MAP {{{words}}}, w), w)), lambda w: w <> ''), "
        "' '), '')"
    )


def prepare_sql(raw_table: str, out_table: str) -> str:
    """SQL that makes the features table ``out_table`` from ``raw_table``
    (RAW_COLUMNS). Needs the nickname table (load_nicknames)."""
    return f"CREATE OR REPLACE TABLE {out_table} AS {features_select(raw_table)}"


def features_select(raw_table: str) -> str:
    """The SELECT of features from ``raw_table`` (RAW_COLUMNS)."""
    org_name = (
        f"nullif(trim(regexp_replace(regexp_replace({_clean_text('organisation_name', 'a-z0-9')}, "
        f"'\\b({_ORG_WORDS})\\b', ' ', 'g'), '\\s+', ' ', 'g')), '')"
    )
    return f"""
    WITH base AS (
        SELECT
            id AS unique_id,
            CASE WHEN kind = 'organisation' THEN NULL
                 ELSE {_clean_text("first_name", "a-z-")} END AS first_name,
            CASE WHEN kind = 'organisation' THEN {org_name}
                 ELSE {_clean_text("last_name", "a-z-")} END AS surname,
            date_of_birth AS dob,
            nullif(lower(trim(email)), '') AS email,
            regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') AS phone_digits,
            nullif(upper(regexp_replace(coalesce(postcode, ''), '\\s', '', 'g')), '') AS postcode,
            {_address_expr()} AS address
        FROM {raw_table}
    )
    SELECT
        b.unique_id,
        b.first_name,
        b.surname,
        concat_ws(' ', b.first_name, b.surname) AS name_concat,
        -- The first name and every name it is a nickname of (bob: bob, robert).
        CASE WHEN b.first_name IS NULL THEN NULL
             ELSE list_distinct(list_concat([b.first_name], coalesce(n.names, [])))
        END AS first_names,
        -- How the names sound (double metaphone: Thompson = Tomson), their
        -- first letters (a name cut short, or written as an initial).
        nullif(dmetaphone(b.first_name), '') AS first_dm,
        nullif(dmetaphone(b.surname), '') AS surname_dm,
        left(b.first_name, 3) AS first3,
        left(b.first_name, 1) AS initial,
        left(b.surname, 3) AS surname3,
        strftime(b.dob, '%Y-%m-%d') AS dob,
        CASE WHEN day(b.dob) <= 12 AND day(b.dob) <> month(b.dob)
             THEN printf('%04d-%02d-%02d', year(b.dob), day(b.dob), month(b.dob)) END
            AS dob_swapped,
        -- The date's digits in order: the same for day and month swapped and
        -- for any two digits transposed (1986-07-11, 1968-07-11).
        {_sorted_chars("strftime(b.dob, '%Y%m%d')")} AS dob_digits,
        CAST(year(b.dob) AS VARCHAR) AS birth_year,
        b.email,
        split_part(b.email, '@', 1) AS email_user,
        -- The email's characters in order: the same with two transposed.
        {_sorted_chars("b.email")} AS email_chars,
        -- The last nine digits: the same number in national and international
        -- form (07911 123456, +447911123456) agrees on them.
        CASE WHEN length(b.phone_digits) >= 7 THEN right(b.phone_digits, 9) END AS phone,
        CASE WHEN length(b.phone_digits) >= 7
             THEN {_sorted_chars("right(b.phone_digits, 9)")} END AS phone_digits,
        b.postcode,
        -- The postcode's characters in order (two of them transposed), its
        -- outward part (LS1 of LS1 4AB) and its letters (the area: LS).
        {_sorted_chars("b.postcode")} AS postcode_chars,
        CASE WHEN length(b.postcode) > 4 THEN left(b.postcode, length(b.postcode) - 3) END
            AS postcode_outward,
        nullif(regexp_extract(b.postcode, '^[A-Z]+'), '') AS postcode_letters,
        b.address,
        nullif(regexp_extract(b.address, '\\d+'), '') AS street_number,
        -- The address without its numbers: the street.
        nullif(trim(regexp_replace(regexp_replace(b.address, '\\d+', ' ', 'g'),
            '\\s+', ' ', 'g')), '') AS street,
        -- The postcode's first three characters: the area, in the UK and the US.
        left(b.postcode, 3) AS postcode_area
    FROM base b
    LEFT JOIN nickname_names n ON n.nickname = b.first_name
    """


def _sorted_chars(expr: str) -> str:
    return f"nullif(array_to_string(list_sort(string_split({expr}, '')), ''), '')"


@cache
def _dmetaphone(name: str) -> str | None:
    """The primary double-metaphone code of a name (cached: a million records
    carry a few thousand distinct names)."""
    from doublemetaphone import doublemetaphone

    return doublemetaphone(name)[0]


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The functions the features SQL needs beyond DuckDB's own."""
    from duckdb.sqltypes import VARCHAR

    con.create_function("dmetaphone", _dmetaphone, [VARCHAR], VARCHAR, side_effects=False)


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB held to DUPLICATE_DUCKDB_MEMORY: past it, DuckDB
    spills to a temporary folder instead of growing."""
    con = duckdb.connect(config={"memory_limit": settings.DUPLICATE_DUCKDB_MEMORY})
    register_functions(con)
    return con


def run(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run a statement and finish its result, so that the connection is free
    for the next (DuckDB refuses new work while a result is open)."""
    con.execute(sql).fetchall()


def load_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    """The nickname table, as each nickname with the list of names it stands for."""
    run(
        con,
        "CREATE OR REPLACE TABLE nickname_names AS SELECT lower(nickname) AS nickname, "
        f"list(lower(name)) AS names FROM read_csv('{NICKNAMES_FILE}', header=true, "
        "columns={'nickname': 'VARCHAR', 'name': 'VARCHAR'}) GROUP BY lower(nickname)",
    )


def _comparisons():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    # A level that needs both names on each side is missed when one is
    # missing; a record with only a first name still has that to compare.
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="First name and surname (organisation name for organisations)",
        comparison_levels=[
            cll.CustomLevel(
                "(first_name_l IS NULL AND surname_l IS NULL) "
                "OR (first_name_r IS NULL AND surname_r IS NULL)",
                label_for_charts="A name missing",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("name_concat").configure(
                tf_adjustment_column="name_concat", label_for_charts="Same full name"
            ),
            cll.And(
                cll.ArrayIntersectLevel("first_names", 1), cll.ExactMatchLevel("surname")
            ).configure(label_for_charts="Nickname of the same first name, same surname"),
            cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True).configure(
                label_for_charts="First name and surname swapped"
            ),
            cll.And(
                cll.JaroWinklerLevel("first_name", 0.9), cll.JaroWinklerLevel("surname", 0.9)
            ).configure(label_for_charts="Both names nearly the same (typo)"),
            cll.And(cll.ExactMatchLevel("first_dm"), cll.ExactMatchLevel("surname_dm")).configure(
                label_for_charts="Both names sound the same"
            ),
            cll.And(cll.ExactMatchLevel("initial"), cll.ExactMatchLevel("surname")).configure(
                label_for_charts="Same surname, first name an initial, cut short or mistyped"
            ),
            cll.CustomLevel(
                "(first_dm_l = surname_dm_r AND surname_dm_l = first_dm_r) "
                "OR (first3_l = surname3_r AND surname3_l = first3_r)",
                label_for_charts="Names swapped, sounding the same or cut short",
            ),
            cll.ExactMatchLevel("surname").configure(
                tf_adjustment_column="surname", label_for_charts="Same surname only"
            ),
            cll.Or(
                cll.JaroWinklerLevel("surname", 0.88), cll.ExactMatchLevel("surname_dm")
            ).configure(label_for_charts="Surname nearly or sounding the same only"),
            cll.ArrayIntersectLevel("first_names", 1).configure(
                label_for_charts="Same first name only"
            ),
            # A name missing on one side, and what is there does not disagree.
            cll.CustomLevel(
                "(initial_l = initial_r AND (surname_l IS NULL OR surname_r IS NULL)) "
                "OR (surname_dm_l = surname_dm_r "
                "AND (first_name_l IS NULL OR first_name_r IS NULL))",
                label_for_charts="One name missing, the other agrees",
            ),
            cll.ElseLevel(),
        ],
    )

    def exact_then(column: str, description: str, same: str, *near) -> object:
        """Missing, the same, then each nearer-than-different level, then the rest."""
        return cl.CustomComparison(
            output_column_name="date_of_birth" if column == "dob" else column,
            comparison_description=description,
            comparison_levels=[
                cll.NullLevel(column),
                cll.ExactMatchLevel(column).configure(label_for_charts=same),
                *near,
                cll.ElseLevel(),
            ],
        )

    date_of_birth = exact_then(
        "dob",
        "Date of birth",
        "Same date of birth",
        cll.CustomLevel(
            "dob_l = dob_swapped_r OR dob_swapped_l = dob_r",
            label_for_charts="Day and month swapped",
        ),
        cll.DamerauLevenshteinLevel("dob", 1).configure(label_for_charts="One digit different"),
        cll.ExactMatchLevel("dob_digits").configure(label_for_charts="Two digits transposed"),
    )
    phone = exact_then(
        "phone",
        "Phone number (last nine digits)",
        "Same number",
        cll.DamerauLevenshteinLevel("phone", 1).configure(
            label_for_charts="One digit different or two swapped"
        ),
        cll.ExactMatchLevel("phone_digits").configure(label_for_charts="Two digits transposed"),
    )
    # Address and postcode in one comparison: a person who moves changes
    # both, and two comparisons would count the one move twice.
    postcode_near = cll.Or(
        cll.DamerauLevenshteinLevel("postcode", 1),
        cll.ExactMatchLevel("postcode_chars"),
        cll.NullLevel("postcode"),
    )
    address_near = cll.Or(cll.JaroWinklerLevel("address", 0.9), cll.NullLevel("address"))
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_description="Address and postcode (st = street, flat = apartment...)",
        comparison_levels=[
            cll.CustomLevel(
                "(address_l IS NULL AND postcode_l IS NULL) "
                "OR (address_r IS NULL AND postcode_r IS NULL)",
                label_for_charts="Address missing",
            ).configure(is_null_level=True),
            cll.And(cll.ExactMatchLevel("address"), cll.ExactMatchLevel("postcode")).configure(
                label_for_charts="Same address and postcode"
            ),
            cll.And(cll.ExactMatchLevel("postcode"), address_near).configure(
                label_for_charts="Same postcode, address nearly the same or missing",
            ),
            cll.And(cll.ExactMatchLevel("address"), postcode_near).configure(
                label_for_charts="Same address, postcode nearly the same or missing"
            ),
            cll.And(cll.JaroWinklerLevel("address", 0.9), postcode_near).configure(
                label_for_charts="Address and postcode nearly the same"
            ),
            cll.And(
                cll.ExactMatchLevel("street_number"),
                cll.JaroWinklerLevel("address", 0.8),
                cll.ExactMatchLevel("postcode_letters"),
            ).configure(label_for_charts="Same house number, similar street, same area"),
            cll.ExactMatchLevel("postcode").configure(
                tf_adjustment_column="postcode", label_for_charts="Same postcode only"
            ),
            cll.ExactMatchLevel("address").configure(
                label_for_charts="Same address in another postcode"
            ),
            cll.ElseLevel(),
        ],
    )
    # Not Splink's email comparison: its similar-username levels reward
    # francis.smith@ and francis.smith40@, which are made from the names
    # (already counted) and often belong to different people.
    # A typo is one character, but not one in the digits alone: two people
    # of the same name are often told apart by a number only (jane.roberts1@,
    # jane.roberts2@).
    email = exact_then(
        "email",
        "Email address",
        "Same email",
        cll.And(
            cll.DamerauLevenshteinLevel("email", 1),
            cll.CustomLevel(
                # translate() drops the digits, in DuckDB's and Spark's SQL alike.
                "translate(email_l, '0123456789', '') <> translate(email_r, '0123456789', '')"
            ),
        ).configure(label_for_charts="One character different (typo), not a digit"),
    )
    return [name, date_of_birth, email, phone, address]


# Candidate pairs: a pair is compared when any of these holds. Most are an
# equality on two keys of different fields, so that a pair is still compared
# when any other field carries an error; a few are one selective key alone
# (a pair that agrees on nothing else clean still agrees on it). The keys are
# chosen to survive the common errors (phonetic codes and first letters of
# names, a date's or a postcode's characters in order). The rules were
# chosen with Splink's blocking analysis on the independent benchmark
# (docs/duplicates.md): each adds true pairs for few comparisons; together
# they cost 15 comparisons per record at 100,000 records.
BLOCKING_RULES = (
    "l.email = r.email",
    "l.phone = r.phone",
    # One selective key alone: a pair that agrees on nothing else clean (a
    # person who moved, with a typo in the name) still agrees on it.
    "l.postcode_chars = r.postcode_chars",
    "l.dob = r.dob",
    "l.first_dm = r.first_dm AND l.surname_dm = r.surname_dm",
    "l.street_number = r.street_number AND l.street = r.street",
    "l.email_chars = r.email_chars",
    "l.dob_digits = r.dob_digits AND l.address = r.address",
    "l.surname_dm = r.surname_dm AND l.address = r.address",
    # First and last names swapped.
    "l.first3 = r.surname3 AND l.surname3 = r.first3",
    "l.surname_dm = r.surname_dm AND l.dob_digits = r.dob_digits",
    "l.street = r.street AND l.postcode_outward = r.postcode_outward",
    "l.first3 = r.first3 AND l.address = r.address",
    "l.surname3 = r.surname3 AND l.address = r.address",
    "l.surname_dm = r.surname_dm AND l.street = r.street",
    "l.dob_digits = r.dob_digits AND l.phone_digits = r.phone_digits",
    "l.surname3 = r.surname3 AND l.email_user = r.email_user",
    # The same house in the same area ("1 Mill Lane" exists in many towns).
    "l.address = r.address AND l.postcode_letters = r.postcode_letters",
    "l.first3 = r.first3 AND l.dob_digits = r.dob_digits",
    "l.surname3 = r.surname3 AND l.dob_digits = r.dob_digits",
    # One of the two names may differ: the same surname with the first name
    # missing on one side, or both names' first letters.
    "l.surname = r.surname AND (l.first_name IS NULL OR r.first_name IS NULL)",
    "l.surname3 = r.surname3 AND l.first3 = r.first3",
)
# The names alone (first_dm and surname_dm) are a rule now: at a few hundred
# comparisons per record the budget allows it, and the email's typo level no
# longer rewards emails made from the same names that differ in a number.


def settings_dict(dialect: str = "duckdb") -> dict[str, Any]:
    """The untrained model: comparisons and blocking rules, in the SQL of
    ``dialect``."""
    from splink import SettingsCreator

    creator = SettingsCreator(
        link_type="dedupe_only",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )
    return creator.get_settings(dialect).as_dict()


def model_for_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A stored model (its SQL is DuckDB's) with the same comparisons and
    parameters, its conditions written in ``dialect``'s SQL (jaro_winkler for
    jaro_winkler_similarity, array_intersect for list_intersect...): the
    comparisons are made anew for that dialect and given the stored m and u."""
    if dialect == model.get("sql_dialect", "duckdb"):
        return model
    fresh = settings_dict(dialect)
    comparisons = []
    for stored, made in zip(model["comparisons"], fresh["comparisons"], strict=False):
        labels = [level.get("label_for_charts") for level in stored["comparison_levels"]]
        if labels != [level.get("label_for_charts") for level in made["comparison_levels"]]:
            raise ImproperlyConfigured(
                f"The stored match model's {stored['output_column_name']!r} comparison is "
                "not the one this version compares with: train a new model version."
            )
        levels = [
            {
                **level,
                **{
                    key: old[key]
                    for key in ("m_probability", "u_probability", "tf_adjustment_weight")
                    if key in old
                },
            }
            for old, level in zip(
                stored["comparison_levels"], made["comparison_levels"], strict=True
            )
        ]
        comparisons.append({**made, "comparison_levels": levels})
    if len(comparisons) != len(model["comparisons"]):
        raise ImproperlyConfigured("The stored match model has other comparisons: retrain it.")
    return {**model, "sql_dialect": dialect, "comparisons": comparisons}


def _linker(con: duckdb.DuckDBPyConnection, table: str, model: dict[str, Any]):
    """A linker on a DuckDB table of this connection (training, and scoring
    with the duckdb backend)."""
    from splink import DuckDBAPI, Linker

    frame = DuckDBAPI(connection=con).register(table)
    return Linker(frame, model, log_level=logging.WARNING)


def _backend() -> str:
    backend = settings.DUPLICATE_BACKEND
    if backend not in ("duckdb", "spark"):
        raise ImproperlyConfigured(
            f"DUPLICATE_BACKEND must be 'duckdb' or 'spark', not {backend!r}."
        )
    return backend


def train(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Any]:
    """Estimate the model's parameters from the records in ``table``: the
    prior from deterministic rules, u by random sampling, m by expectation
    maximisation over several blocks (each block leaves its own fields out).
    A file without emails (or dates of birth) simply gives those blocks no
    pairs; the others still train every field."""
    from splink import block_on

    linker = _linker(con, table, settings_dict())
    try:
        linker.training.estimate_probability_two_random_records_match(
            # Rules that are nearly always right, and together see most
            # pairs whatever fields a file has.
            [
                "l.email = r.email AND l.surname_dm = r.surname_dm",
                "l.phone = r.phone AND l.surname_dm = r.surname_dm",
                "l.name_concat = r.name_concat AND l.dob = r.dob",
                "l.dob = r.dob AND l.postcode = r.postcode AND l.surname_dm = r.surname_dm",
                "l.address = r.address AND l.postcode = r.postcode AND l.surname = r.surname",
                "l.address = r.address AND l.postcode = r.postcode AND l.first_name = r.first_name",
            ],
            recall=0.8,
        )
    except Exception:  # noqa: BLE001  (a file with none of these fields)
        logger.warning("Could not estimate the prior; keeping Splink's default.", exc_info=True)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.DUPLICATE_U_MAX_PAIRS, seed=42
    )
    trained = 0
    for rule in (block_on("dob"), block_on("surname", "postcode"), block_on("email")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=2e6
            )
            trained += 1
        except Exception:  # noqa: BLE001  (no pairs in this block: a field the file lacks)
            logger.info("EM on %s found nothing to learn from.", rule, exc_info=True)
    if not trained:
        raise ValueError("Not enough data to estimate the match model.")
    return linker.misc.save_model_to_json()


def tf_columns(model: dict[str, Any]) -> list[str]:
    """The columns a stored model adjusts for term frequency (name_concat, surname...)."""
    return sorted(
        {
            level["tf_adjustment_column"]
            for comparison in model["comparisons"]
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )


def _records_near(con: duckdb.DuckDBPyConnection, table: str, new_ids: str) -> str:
    """A table of the records of ``new_ids`` and of every record that shares a
    blocking key with one of them (``is_new`` tells which): all the pairs
    the blocking rules would give a new record, and no other, are among them.
    One semi-join per rule and direction, each a hash join on the rule's keys."""
    run(
        con,
        f"CREATE OR REPLACE TABLE new_features AS SELECT f.* FROM {table} f "
        f"SEMI JOIN {new_ids} n ON n.unique_id = f.unique_id",
    )
    near = " UNION ".join(
        f"SELECT r.unique_id FROM new_features l JOIN {table} r ON {rule} "
        f"UNION SELECT l.unique_id FROM {table} l JOIN new_features r ON {rule}"
        for rule in BLOCKING_RULES
    )
    run(
        con,
        f"""CREATE OR REPLACE TABLE records_near AS
        SELECT f.*, f.unique_id IN (SELECT unique_id FROM new_features) AS is_new
        FROM {table} f WHERE f.unique_id IN ({near})
           OR f.unique_id IN (SELECT unique_id FROM new_features)""",
    )
    return "records_near"


def predict(
    con: duckdb.DuckDBPyConnection,
    table: str,
    model: dict[str, Any],
    *,
    threshold: float,
    involving: str | None = None,
) -> str:
    """Score every candidate pair at or above ``threshold``; returns the name
    of a DuckDB table of (a, b, match_probability, match_weight, evidence)
    with a < b and evidence a JSON object {comparison: [level, weight]}.

    With ``involving`` (a table of unique_id), only the pairs with at least
    one of those records: the records of an import against the whole
    database, at the cost of their blocks, not of a sweep. Term frequencies
    still come from the whole of ``table``."""
    rules = list(BLOCKING_RULES)
    scored_table = table
    if involving is not None:
        scored_table = _records_near(con, table, involving)
        rules = [f"({rule}) AND (l.is_new OR r.is_new)" for rule in rules]
    if _backend() == "spark":
        from customers.duplicates import spark

        source = spark.predict(
            con,
            scored_table,
            model_for_dialect(model, "spark"),
            rules=rules,
            threshold=threshold,
            tf_table=table if scored_table != table else None,
            tf_columns=tf_columns(model),
        )
        return _evidence_table(con, model, source)
    # Each comparison's level (gamma_, which Splink keeps only with the
    # matching columns) and match weight (mw_) are the evidence.
    linker = _linker(
        con,
        scored_table,
        {
            **model,
            "retain_intermediate_calculation_columns": True,
            "retain_matching_columns": True,
            # Which pairs to compare is this code's choice, not a trained
            # parameter: a model trained before the rules changed uses the new ones.
            "blocking_rules_to_generate_predictions": [
                {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in rules
            ],
        },
    )
    if scored_table != table:
        api = linker._db_api  # the frequencies of the whole table, not of the few scored
        for column in tf_columns(model):
            run(
                con,
                f"CREATE OR REPLACE TABLE tf_{column} AS SELECT {column}, "
                f"count(*)::DOUBLE / sum(count(*)) OVER () AS tf_{column} FROM {table} "
                f"WHERE {column} IS NOT NULL GROUP BY {column}",
            )
            linker.table_management.register_term_frequency_lookup(
                api.register(f"tf_{column}"), column
            )
    # A threshold of 1 is a match weight of infinity, which SQL cannot say.
    predictions = linker.inference.predict(
        threshold_match_probability=min(threshold, 1 - 1e-12), warning_mode="never"
    )
    return _evidence_table(con, model, predictions.physical_name)


def _evidence_table(con: duckdb.DuckDBPyConnection, model: dict[str, Any], source: str) -> str:
    names = [c["output_column_name"] for c in model["comparisons"]]
    columns = {row[0] for row in con.execute(f"DESCRIBE {source}").fetchall()}
    parts = []
    for name in names:
        # Splink gives each comparison's match weight (mw_), and its
        # term-frequency adjustment separately where the level has one.
        weight = f"mw_{name}"
        if f"mw_tf_adj_{name}" in columns:
            weight += f" + coalesce(mw_tf_adj_{name}, 0)"
        parts.append(f"'{name}': [gamma_{name}, round({weight}, 2)]")
    run(
        con,
        f"""CREATE OR REPLACE TABLE scored_pairs AS
        SELECT unique_id_l AS a, unique_id_r AS b, match_probability, match_weight,
               to_json({{{", ".join(parts)}}}) AS evidence
        FROM {source}""",
    )
    return "scored_pairs"


def _levels(comparison: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(gamma, level) of a stored comparison: Splink numbers the levels from
    the last (0, "else") up, and gives the null level -1."""
    levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    numbered = [(len(levels) - 1 - index, level) for index, level in enumerate(levels)]
    numbered += [(-1, lv) for lv in comparison["comparison_levels"] if lv.get("is_null_level")]
    return numbered


def level_labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """{comparison: {gamma: label}} of a stored model, for showing evidence."""
    return {
        comparison["output_column_name"]: {
            gamma: level.get("label_for_charts") or level["sql_condition"]
            for gamma, level in _levels(comparison)
        }
        for comparison in model["comparisons"]
    }


@cache
def _scoring_sql(model_json: str, raw_table: str) -> str:
    """One statement that makes the features of the records in ``raw_table``
    and scores the new one (id -1) against each other with a stored model's
    m and u probabilities. Term-frequency adjustments are left
    out: they need the whole table's frequencies, and the entry-time check
    sees a handful of records."""
    import json

    model = json.loads(model_json)
    prior = model.get("probability_two_random_records_match") or 0.0001
    weights = [f"{math.log2(prior / (1 - prior))!r}::DOUBLE"]
    evidence = []
    for comparison in model["comparisons"]:
        gamma_cases, weight_cases = [], []
        for gamma, level in sorted(_levels(comparison), key=lambda item: item[0] != -1):
            m, u = level.get("m_probability") or 0, level.get("u_probability") or 0
            weight = math.log2(m / u) if gamma != -1 and m > 0 and u > 0 else 0.0
            condition = level["sql_condition"]
            when = "ELSE" if condition.strip().upper() == "ELSE" else f"WHEN {condition} THEN"
            gamma_cases.append(f"{when} {gamma}")
            weight_cases.append(f"{when} {weight!r}::DOUBLE")
        weight_sql = f"(CASE {' '.join(weight_cases)} END)"
        weights.append(weight_sql)
        evidence.append(
            f"'{comparison['output_column_name']}': "
            f"[CAST(CASE {' '.join(gamma_cases)} END AS DOUBLE), round({weight_sql}, 2)::DOUBLE]"
        )
    # Splink's conditions name the two sides' columns x_l and x_r.
    left = ", ".join(f"{c} AS {c}_l" for c in FEATURE_COLUMNS)
    right = ", ".join(f"{c} AS {c}_r" for c in FEATURE_COLUMNS)
    return (
        f"WITH features AS ({features_select(raw_table)}), "
        f"l AS (SELECT {left} FROM features WHERE unique_id = -1), "
        f"r AS (SELECT unique_id, {right} FROM features WHERE unique_id <> -1) "
        f"SELECT r.unique_id AS candidate, {' + '.join(weights)} AS match_weight, "
        f"to_json({{{', '.join(evidence)}}}) AS evidence FROM l CROSS JOIN r"
    )


# Every column features_select makes (the entry-time check names each side's).
FEATURE_COLUMNS = (
    "unique_id",
    "first_name",
    "surname",
    "name_concat",
    "first_names",
    "first_dm",
    "surname_dm",
    "first3",
    "initial",
    "surname3",
    "dob",
    "dob_swapped",
    "dob_digits",
    "birth_year",
    "email",
    "email_user",
    "email_chars",
    "phone",
    "phone_digits",
    "postcode",
    "postcode_chars",
    "postcode_outward",
    "postcode_letters",
    "address",
    "street_number",
    "street",
    "postcode_area",
)


def score_one(
    con: duckdb.DuckDBPyConnection, model: dict[str, Any], *, raw_table: str
) -> list[tuple[int, float, float, str]]:
    """Score the new record (id -1) in ``raw_table`` (RAW_COLUMNS) against
    each other record there: [(candidate id, probability, weight, evidence
    JSON)]. One statement: a handful of rows costs little but planning."""
    import json

    rows = con.execute(_scoring_sql(json.dumps(model, sort_keys=True), raw_table)).fetchall()
    scored = []
    for candidate, weight, evidence in rows:
        weight = max(min(float(weight), 500.0), -500.0)
        scored.append((int(candidate), 1 / (1 + 2**-weight), weight, evidence))
    return scored
