"""A person on the suppression list (who objected, or was erased) is not
re-added by a later import; the import counts them as suppressed and keeps no
copy of their row."""

import pytest

from customers.models import Customer
from governance.models import SuppressionReason
from governance.services.suppression import suppression_add
from tests.customers.importfiles import (
    call,
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ROWS = [
    {"external_id": "A1", "first_name": "Ada", "email": "ADA@example.com", "phone": ""},
    {"external_id": "A2", "first_name": "Bo", "email": "bo@example.com", "phone": "07911 123456"},
    {"external_id": "A3", "first_name": "Cy", "email": "cy@example.com", "phone": ""},
]


def test_a_suppressed_person_is_not_re_added_and_is_counted(tmp_path):
    suppression_add(email="ada@example.com", reason=SuppressionReason.ERASURE)
    suppression_add(phone="+447911123456", reason=SuppressionReason.OBJECTION)

    job = import_file(csv_file(tmp_path / "people.csv", ROWS))

    assert list(Customer.objects.values_list("external_id", flat=True)) == ["A3"]
    assert (job.created_count, job.suppressed_count, job.rejected_count) == (1, 2, 0)
    errors = list(job.row_errors.order_by("row_number").values_list("row_number", "raw"))
    assert errors == [(2, []), (3, [])]  # the row numbers only, none of the values
    assert "Suppressed" in job.row_errors.first().reasons


def test_an_existing_customer_on_the_list_is_still_updated(tmp_path):
    CustomerFactory(source="crm export", external_id="A1", email="ada@example.com")
    suppression_add(email="ada@example.com", reason=SuppressionReason.OBJECTION)

    job = import_file(csv_file(tmp_path / "people.csv", ROWS[:1]))

    assert job.suppressed_count == 0
    assert job.updated_count == 1
    assert Customer.objects.get(external_id="A1").first_name == "Ada"


def test_a_dry_run_counts_the_suppressed_without_writing(tmp_path):
    suppression_add(email="cy@example.com", reason=SuppressionReason.ERASURE)

    job = import_file(csv_file(tmp_path / "people.csv", ROWS), dry_run=True)

    assert job.suppressed_count == 1
    assert not Customer.objects.exists()
    assert not job.row_errors.exists()


def test_the_command_reports_the_suppressed(tmp_path):
    suppression_add(email="cy@example.com", reason=SuppressionReason.ERASURE)

    out = call("import_customers", csv_file(tmp_path / "people.csv", ROWS), "--source", "crm")

    assert "suppressed  1" in out
    assert "error report:" in out
