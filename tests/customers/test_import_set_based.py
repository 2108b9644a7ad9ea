"""An import writes each batch set-based: staged with COPY, then one INSERT
for the new records and one UPDATE for the changed ones, so that the number
of statements does not grow with the batch, and a re-import of an unchanged
file writes nothing at all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer, QualityIssue
from tests.customers.importfiles import (
    counts,
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
)

pytestmark = pytest.mark.django_db


def people(n: int, *, city: str = "Leeds") -> list[dict]:
    return [
        {
            "external_id": f"C{i}",
            "first_name": "Ada",
            "last_name": f"Lovelace{i}",
            "email": f"ada{i}@example.com" if i % 7 else f"ada{i} at example",  # some flagged
            "phone": f"+4479111{i:05d}",
            "city": city,
            "postcode": "LS1 4AP",
            "date_of_birth": "1980-02-03",
            "household_size": str(i % 5 + 1),
            "interests": "chess;poetry" if i % 2 else "cycling",
            "lifecycle_stage": "lead",
        }
        for i in range(n)
    ]


def row_versions() -> dict[int, str]:
    """Each record's row version (xmin): a write of any kind changes it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, xmin::text FROM {Customer._meta.db_table}")
        return dict(cursor.fetchall())


def statements_of(path, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        job = import_file(path, batch_size=1000, **kwargs)
    return len(queries), job


def test_a_reimport_of_an_unchanged_file_writes_no_record_and_no_history(tmp_path):
    path = csv_file(tmp_path / "people.csv", people(30))
    import_file(path)
    versions = row_versions()
    history_rows = Customer.history.count()
    issues = QualityIssue.objects.count()

    with CaptureQueriesContext(connection) as queries:
        again = import_file(path)

    assert counts(again)["unchanged"] == 30
    assert counts(again)["updated"] == 0
    assert row_versions() == versions  # not one record rewritten, even with its own values
    assert Customer.history.count() == history_rows
    assert QualityIssue.objects.count() == issues
    history_table = Customer.history.model._meta.db_table
    assert not [q for q in queries if f"INSERT INTO {history_table}" in q["sql"]]


def test_a_reimport_rewrites_only_the_records_that_changed(tmp_path):
    rows = people(30)
    import_file(csv_file(tmp_path / "people.csv", rows))
    versions = row_versions()
    rows[3]["city"] = "York"
    rows[4]["interests"] = "chess"

    job = import_file(csv_file(tmp_path / "people2.csv", rows))

    assert counts(job)["updated"] == 2
    assert counts(job)["unchanged"] == 28
    after = row_versions()
    changed = {pk for pk in versions if after[pk] != versions[pk]}
    assert changed == set(
        Customer.objects.filter(external_id__in=["C3", "C4"]).values_list("pk", flat=True)
    )
    c4 = Customer.objects.get(external_id="C4")
    assert sorted(c4.interests.values_list("name", flat=True)) == ["chess"]
    assert set(c4.field_sources) >= {"interests"}
    assert c4.history.count() == 2


def test_a_batch_is_written_in_as_many_statements_whatever_its_size(tmp_path):
    small, _ = statements_of(csv_file(tmp_path / "small.csv", people(6)))
    large, job = statements_of(csv_file(tmp_path / "large.csv", people(60)), source="other")
    assert counts(job)["created"] == 60
    assert large == small

    # Updates too: every record changed, few or many.
    small_update, _ = statements_of(csv_file(tmp_path / "s2.csv", people(6, city="York")))
    large_update, job = statements_of(
        csv_file(tmp_path / "l2.csv", people(60, city="York")), source="other"
    )
    assert counts(job)["updated"] == 60
    assert large_update == small_update
