"""Scoring on Spark (``DUPLICATE_BACKEND=spark``): the same features, blocking
rules, comparisons and trained parameters as on DuckDB, run by Splink's Spark
API, for data beyond one machine.

The features are still made by the DuckDB SQL of ``engine.features_select``
(one definition of every feature, so that a stored model always sees the
same ones) and handed to Spark as Parquet in ``DUPLICATE_SPARK_WORK_DIR``;
Spark's scored pairs come back the same way. Training stays on DuckDB: it
reads a sample (``DUPLICATE_TRAINING_SAMPLE``), which one machine holds.

The session is ``DUPLICATE_SPARK_MASTER`` (``local[*]`` by default: a Spark
in this process's machine); for a cluster, give its master URL
(``spark://host:7077``, ``yarn``...) and a work folder every executor can
read and write.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from customers.duplicates.engine import run

logger = logging.getLogger(__name__)

_session = None


def session():
    """The Spark session (one per process), with Splink's similarity
    functions (jaro_winkler, damerau_levenshtein...) loaded from its jar."""
    global _session
    if _session is not None:
        return _session
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:
        raise ImproperlyConfigured(
            "DUPLICATE_BACKEND is 'spark' but pyspark is not installed (pip install pyspark)."
        ) from exc
    builder = (
        SparkSession.builder.appName("mis-duplicates")
        .master(settings.DUPLICATE_SPARK_MASTER)
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Splink's own advice for small and medium data; a cluster sets its own.
        .config("spark.sql.shuffle.partitions", str(settings.DUPLICATE_SPARK_PARTITIONS))
        .config("spark.default.parallelism", str(settings.DUPLICATE_SPARK_PARTITIONS))
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setCheckpointDir(str(_work_dir() / "checkpoints"))
    _session = spark
    return spark


def _work_dir() -> Path:
    folder = settings.DUPLICATE_SPARK_WORK_DIR or str(Path(tempfile.gettempdir()) / "mis-spark")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def predict(
    con: duckdb.DuckDBPyConnection,
    table: str,
    model: dict[str, Any],
    *,
    rules: list[str],
    threshold: float,
    tf_table: str | None,
    tf_columns: list[str],
) -> str:
    """Score the pairs of ``table`` (a DuckDB features table) on Spark; the
    pairs come back as a DuckDB table of Splink's predictions, named in the
    return value. ``model`` is in Spark's SQL (engine.model_for_dialect).
    Term frequencies come from ``tf_table`` when given (the whole database
    when only some records are scored)."""
    from splink import Linker, SparkAPI

    spark = session()
    folder = _work_dir() / f"run-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    try:
        run(con, f"COPY {table} TO '{folder / 'records.parquet'}' (FORMAT parquet)")
        api = SparkAPI(spark_session=spark)
        records = api.register(spark.read.parquet(str(folder / "records.parquet")))
        settings_ = {
            **model,
            "retain_intermediate_calculation_columns": True,
            "retain_matching_columns": True,
            "blocking_rules_to_generate_predictions": [
                {"blocking_rule": rule, "sql_dialect": "spark"} for rule in rules
            ],
        }
        linker = Linker(records, settings_, log_level=logging.WARNING)
        if tf_table is not None:
            for column in tf_columns:
                path = folder / f"tf_{column}.parquet"
                run(
                    con,
                    f"COPY (SELECT {column}, count(*)::DOUBLE / sum(count(*)) OVER () "
                    f"AS tf_{column} FROM {tf_table} WHERE {column} IS NOT NULL "
                    f"GROUP BY {column}) TO '{path}' (FORMAT parquet)",
                )
                linker.table_management.register_term_frequency_lookup(
                    api.register(spark.read.parquet(str(path))), column
                )
        predictions = linker.inference.predict(
            threshold_match_probability=min(threshold, 1 - 1e-12), warning_mode="never"
        )
        out = folder / "pairs"
        predictions.as_spark_dataframe().write.parquet(str(out))
        run(
            con,
            "CREATE OR REPLACE TABLE spark_pairs AS SELECT * FROM "
            f"read_parquet('{out}/*.parquet', union_by_name=true)",
        )
        return "spark_pairs"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
