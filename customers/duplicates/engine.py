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
COMPARISONS = ("name", "date_of_birth", "email", "phone", "postcode", "address")


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
        strftime(b.dob, '%Y-%m-%d') AS dob,
        CASE WHEN day(b.dob) <= 12 AND day(b.dob) <> month(b.dob)
             THEN printf('%04d-%02d-%02d', year(b.dob), day(b.dob), month(b.dob)) END
            AS dob_swapped,
        b.email,
        -- The last nine digits: the same number in national and international
        -- form (07911 123456, +447911123456) agrees on them.
        CASE WHEN length(b.phone_digits) >= 7 THEN right(b.phone_digits, 9) END AS phone,
        b.postcode,
        b.address,
        nullif(regexp_extract(b.address, '\\d+'), '') AS street_number,
        -- The postcode's first three characters: the area, in the UK and the US.
        left(b.postcode, 3) AS postcode_area
    FROM base b
    LEFT JOIN nickname_names n ON n.nickname = b.first_name
    """


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB held to DUPLICATE_DUCKDB_MEMORY: past it, DuckDB
    spills to a temporary folder instead of growing."""
    return duckdb.connect(config={"memory_limit": settings.DUPLICATE_DUCKDB_MEMORY})


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

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="First name and surname (organisation name for organisations)",
        comparison_levels=[
            cll.NullLevel("surname"),
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
            cll.ExactMatchLevel("surname").configure(
                tf_adjustment_column="surname", label_for_charts="Same surname only"
            ),
            cll.JaroWinklerLevel("surname", 0.9).configure(
                label_for_charts="Surname nearly the same only"
            ),
            cll.ArrayIntersectLevel("first_names", 1).configure(
                label_for_charts="Same first name only"
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
    )
    phone = exact_then(
        "phone",
        "Phone number (last nine digits)",
        "Same number",
        cll.DamerauLevenshteinLevel("phone", 1).configure(
            label_for_charts="One digit different or two swapped"
        ),
    )
    postcode = exact_then(
        "postcode",
        "Postcode",
        "Same postcode",
        cll.LevenshteinLevel("postcode", 1).configure(label_for_charts="One character off"),
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_description="Address (normalised: st = street, flat = apartment...)",
        comparison_levels=[
            cll.NullLevel("address"),
            cll.ExactMatchLevel("address").configure(label_for_charts="Same address"),
            cll.JaroWinklerLevel("address", 0.92).configure(
                label_for_charts="Address nearly the same"
            ),
            cll.And(
                cll.ExactMatchLevel("street_number"), cll.JaroWinklerLevel("address", 0.8)
            ).configure(label_for_charts="Same house number, similar street"),
            cll.ElseLevel(),
        ],
    )
    email = cl.EmailComparison("email")
    return [name, date_of_birth, email, phone, postcode, address]


# Candidate pairs: a pair is compared when any of these holds. Each is an
# equality on something selective, so the cost grows with the number of
# records, not with its square.
BLOCKING_RULES = (
    "l.email = r.email",
    "l.phone = r.phone",
    "l.surname = r.surname AND l.postcode = r.postcode",
    # Date of birth with the surname, or with the first name (a surname with
    # a typo, or changed on marriage).
    "l.dob = r.dob AND l.surname = r.surname",
    "l.dob = r.dob AND l.first_name = r.first_name",
    # Day and month swapped, either way round (pairs are formed with the
    # lower id on the left, so an asymmetric rule needs both directions).
    "l.surname = r.surname AND l.dob = r.dob_swapped",
    "l.surname = r.surname AND l.dob_swapped = r.dob",
    "l.first_name = r.surname AND l.surname = r.first_name",
    # The same house in the same area ("1 Mill Lane" exists in many towns).
    "l.address = r.address AND l.postcode_area = r.postcode_area",
)


def settings_dict() -> dict[str, Any]:
    """The untrained model: comparisons and blocking rules."""
    from splink import SettingsCreator

    creator = SettingsCreator(
        link_type="dedupe_only",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
    )
    return creator.get_settings("duckdb").as_dict()


def db_api(con: duckdb.DuckDBPyConnection | None = None):
    backend = settings.DUPLICATE_BACKEND
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI(connection=con) if con is not None else DuckDBAPI()
    if backend == "spark":
        try:
            from pyspark.sql import SparkSession
            from splink import SparkAPI
        except ImportError as exc:
            raise ImproperlyConfigured(
                "DUPLICATE_BACKEND is 'spark' but pyspark is not installed."
            ) from exc
        return SparkAPI(spark_session=SparkSession.builder.getOrCreate())
    raise ImproperlyConfigured(f"DUPLICATE_BACKEND must be 'duckdb' or 'spark', not {backend!r}.")


def _linker(con: duckdb.DuckDBPyConnection, table: str, model: dict[str, Any]):
    from splink import Linker

    api = db_api(con)
    frame = api.register(table)  # the features table already in this connection
    return Linker(frame, model, log_level=logging.WARNING)


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
            [
                "l.email = r.email AND l.surname = r.surname",
                "l.name_concat = r.name_concat AND l.dob = r.dob",
                "l.phone = r.phone AND l.surname = r.surname",
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


def predict(
    con: duckdb.DuckDBPyConnection, table: str, model: dict[str, Any], *, threshold: float
) -> str:
    """Score every candidate pair at or above ``threshold``; returns the name
    of a DuckDB table of (a, b, match_probability, match_weight, evidence)
    with a < b and evidence a JSON object {comparison: [level, weight]}."""
    # Each comparison's level (gamma_, which Splink keeps only with the
    # matching columns) and match weight (mw_) are the evidence.
    linker = _linker(
        con,
        table,
        {
            **model,
            "retain_intermediate_calculation_columns": True,
            "retain_matching_columns": True,
            # Which pairs to compare is this code's choice, not a trained
            # parameter: a model trained before the rules changed uses the new ones.
            "blocking_rules_to_generate_predictions": [
                {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
            ],
        },
    )
    # A threshold of 1 is a match weight of infinity, which SQL cannot say.
    predictions = linker.inference.predict(
        threshold_match_probability=min(threshold, 1 - 1e-12), warning_mode="never"
    )
    names = [c["output_column_name"] for c in model["comparisons"]]
    columns = {row[0] for row in con.execute(f"DESCRIBE {predictions.physical_name}").fetchall()}
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
        FROM {predictions.physical_name}""",
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


FEATURE_COLUMNS = (
    "unique_id",
    "first_name",
    "surname",
    "name_concat",
    "first_names",
    "dob",
    "dob_swapped",
    "email",
    "phone",
    "postcode",
    "address",
    "street_number",
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
