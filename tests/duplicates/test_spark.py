"""The Spark backend scores a sweep with the same stored model, blocking and
comparisons as DuckDB, through Splink's Spark API on a local Spark session,
and finds the same pairs."""

import csv
from pathlib import Path

import pytest

from benchmarks import linkage_generator
from customers.duplicates.services import sweep as sweeps
from customers.models import Customer, DuplicateCandidate

RECORDS = 2000


def _seed(folder: Path) -> None:
    """Records of the independent generator, as customers."""
    linkage_generator.write(linkage_generator.Generator(seed=5).records(RECORDS), folder)
    with (folder / "records.csv").open(encoding="utf-8") as source:
        Customer.objects.bulk_create(
            Customer(
                external_id=f"G-{row['id']}",
                source="generated",
                kind="person",
                first_name=row["first_name"],
                last_name=row["last_name"],
                email=row["email"],
                phone=row["phone"],
                address_line1=row["address_line1"],
                address_line2=row["address_line2"],
                postcode=row["postcode"],
                date_of_birth=row["date_of_birth"] or None,
            )
            for row in csv.DictReader(source)
        )


def _pairs(run) -> dict[tuple[int, int], float]:
    return {
        (a, b): p
        for a, b, p in DuplicateCandidate.objects.filter(sweep=run).values_list(
            "customer_a", "customer_b", "match_probability"
        )
    }


@pytest.mark.spark
def test_a_sweep_on_spark_finds_the_pairs_duckdb_finds(match_model, settings, tmp_path):
    _seed(tmp_path)
    on_duckdb = _pairs(sweeps.duplicate_sweep_run())

    settings.DUPLICATE_BACKEND = "spark"
    settings.DUPLICATE_SPARK_MASTER = "local[2]"
    settings.DUPLICATE_SPARK_PARTITIONS = 4
    settings.DUPLICATE_SPARK_WORK_DIR = str(tmp_path / "spark")
    on_spark = _pairs(sweeps.duplicate_sweep_run())

    assert len(on_duckdb) > RECORDS / 10  # the set has duplicates, and both found them
    differ = set(on_duckdb) ^ set(on_spark)
    assert len(differ) <= len(on_duckdb) / 200, sorted(differ)[:10]
    # The same levels and weights; sums of floating-point weights differ in their last digits.
    assert max(abs(on_duckdb[p] - on_spark[p]) for p in set(on_duckdb) & set(on_spark)) < 1e-3
