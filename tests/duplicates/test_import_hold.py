"""The import option that holds rows the match model scores as certain
duplicates of an existing customer: they are not created, they wait with
their values for a reviewer, and the job counts them on every surface."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from customers.duplicates.services.held import held_row_discard, held_row_import
from customers.imports.services import import_job_create, import_run
from customers.models import Customer, HeldRow, HeldRowStatus, ImportJob, MatchModel
from tests.customers.importfiles import isolated_media  # noqa: F401 (autouse fixture)
from tests.duplicates.conftest import import_on_a_worker, person

HEADER = "external_id,first_name,last_name,email,phone,address_line1,postcode,date_of_birth\n"
# Robert Hargreaves again under another id (the same person, a certain
# duplicate); someone new; and a row that updates its own record.
FILE = (
    HEADER + "N-1,Robert,Hargreaves,robert.hargreaves@example.com,07911 123456,12 Station Road,"
    "LS1 4AB,1980-03-14\n"
    + "N-2,Priya,Raman,priya.raman@example.org,+447911234567,3 Mill Lane,BS1 5TR,1991-11-02\n"
    + "U-1,Alice,Okafor,alice.okafor@example.net,+447911198765,9 Quay Street,M3 3JZ,1975-06-30\n"
).encode()


@pytest.fixture
def known(db):
    """The customer the file repeats, and one the file updates (same source and id)."""
    original = person(external_id="K-1")
    person(
        source="crm export",
        external_id="U-1",
        first_name="Alice",
        last_name="Okafor",
        email="alice.okafor@example.net",
        phone="+447911198765",
        address_line1="9 Quay Street",
        postcode="M3 3JZ",
        date_of_birth="1975-06-30",
    )
    return original


def _job(tmp_path, *, hold: bool = True) -> ImportJob:
    path = tmp_path / "people.csv"
    path.write_bytes(FILE)
    return import_job_create(
        kind="customers",
        file=path,
        original_name="people.csv",
        source="crm export",
        options={"hold_duplicates": hold},
    )


def test_a_certain_duplicate_is_held_and_not_created(match_model, known, tmp_path):
    job = import_run(job=_job(tmp_path))

    assert job.status == "succeeded"
    assert job.held_duplicates == 1
    assert job.created_count == 1  # Priya only
    assert job.updated_count + job.unchanged_count == 1  # Alice's own record
    assert job.processed_rows == 3
    assert not Customer.objects.filter(external_id="N-1").exists()
    held = HeldRow.objects.get()
    # Row numbers are the file's lines: the first row is line 2, after the header.
    assert (held.row_number, held.customer, held.status) == (2, known, HeldRowStatus.HELD)
    assert held.values["email"] == "robert.hargreaves@example.com"
    assert held.match_probability >= match_model.duplicate_threshold
    assert held.evidence["name"][1] > 0


def test_without_the_option_the_row_is_created(match_model, known, tmp_path):
    job = import_run(job=_job(tmp_path, hold=False))

    assert job.held_duplicates is None
    assert job.created_count == 2
    assert Customer.objects.filter(external_id="N-1").exists()
    assert not HeldRow.objects.exists()


def test_without_a_match_model_nothing_is_held(db, known, tmp_path):
    job = import_run(job=_job(tmp_path))

    assert job.held_duplicates is None
    assert job.created_count == 2


def test_a_resumed_import_does_not_hold_or_create_the_row_again(match_model, known, tmp_path):
    job = import_run(job=_job(tmp_path), batch_size=1)
    # As if the worker had died before its first batch: the job runs again,
    # and reads its held rows back rather than scoring anew (with no model
    # to score with now, a new pass would hold nothing).
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=0, finished_at=None)
    MatchModel.objects.update(is_active=False)

    job = import_run(job=ImportJob.objects.get(pk=job.pk), batch_size=1)

    assert HeldRow.objects.count() == 1
    assert not Customer.objects.filter(external_id="N-1").exists()
    assert Customer.objects.filter(external_id="N-2").count() == 1


def test_a_reviewer_discards_or_imports_a_held_row(match_model, known, tmp_path, steward):
    import_run(job=_job(tmp_path))
    held = HeldRow.objects.get()

    customer = held_row_import(held=held, actor=steward)

    held.refresh_from_db()
    assert held.status == HeldRowStatus.IMPORTED
    assert held.imported_as == customer
    assert (customer.external_id, customer.source) == ("N-1", "crm export")
    assert str(customer.date_of_birth) == "1980-03-14"
    with pytest.raises(Exception, match="reviewed already"):
        held_row_discard(held=held, actor=steward)


def test_an_unknown_review_action_leaves_the_held_row_alone(
    match_model, known, tmp_path, steward, page_client_for
):
    job = import_run(job=_job(tmp_path))
    held = HeldRow.objects.get()

    answer = page_client_for(steward).post(
        reverse("duplicates:held_review", args=[held.pk]), {"action": "dicsard"}, follow=True
    )

    held.refresh_from_db()
    assert held.status == HeldRowStatus.HELD
    assert "Choose whether to discard the row or import it." in answer.text
    assert job.held_duplicates == 1


def test_the_summary_page_links_to_the_held_rows(
    match_model, known, tmp_path, steward, page_client_for
):
    job = import_run(job=_job(tmp_path))
    client = page_client_for(steward)

    progress = client.get(reverse("imports:progress", args=[job.public_id]))
    page = client.get(reverse("duplicates:held", args=[job.public_id]))
    held = HeldRow.objects.get()
    review = reverse("duplicates:held_review", args=[held.pk])
    discarded = client.post(review, {"action": "discard"})

    assert reverse("duplicates:held", args=[job.public_id]) in progress.text
    assert "held as duplicates" in progress.text
    assert page.status_code == 200
    assert "Row 2" in page.text
    assert "robert.hargreaves@example.com" in page.text
    assert discarded.status_code == 302
    held.refresh_from_db()
    assert held.status == HeldRowStatus.DISCARDED


def test_the_command_flag_holds_and_prints_the_count(match_model, known, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(FILE)
    out = io.StringIO()

    call_command(
        "import_customers", str(path), "--source", "crm export", "--hold-duplicates", stdout=out
    )

    job = ImportJob.objects.get()
    assert job.options["hold_duplicates"] is True
    assert "held        1 (certain duplicates of existing customers" in out.getvalue()
    assert f"/duplicates/imports/{job.public_id}/held/" in out.getvalue()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_import_through_the_api_holds_the_duplicate(
    trained_settings, api_client_for, steward
):
    MatchModel.objects.create(
        version=1,
        splink_settings=trained_settings,
        duplicate_threshold=0.99,
        possible_threshold=0.8,
    )
    known = person(external_id="K-1")
    client = api_client_for(steward)  # may import dates of birth (sensitive data)
    status = import_on_a_worker(client, FILE, hold_duplicates="true")

    assert status["status"] == "succeeded", status["error"]
    assert status["held_duplicates"] == 1
    assert status["held_duplicates_url"].endswith(f"/duplicates/imports/{status['id']}/held/")
    assert not Customer.objects.filter(external_id="N-1").exists()
    assert HeldRow.objects.get().customer == known
