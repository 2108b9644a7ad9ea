"""An import's records are scored against the whole database as the import
ends: the likely duplicates are counted on the job and are in the review
queue when it finishes, whether it runs in process, from the command or on a
worker."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from customers.imports.services import import_job_create, import_run
from customers.models import CandidateStatus, Customer, DuplicateCandidate, ImportJob
from tests.customers.importfiles import isolated_media  # noqa: F401 (autouse fixture)
from tests.duplicates.conftest import import_on_a_worker, person

HEADER = "external_id,first_name,last_name,email,phone,address_line1,postcode,date_of_birth\n"
# Robert Hargreaves again, with a typo in the surname and the phone in
# national form; and someone new.
FILE = (
    HEADER + "N-1,Robert,Hargraves,robert.hargreaves@example.com,07911 123456,12 Station Rd,"
    "LS1 4AB,1980-03-14\n"
    + "N-2,Priya,Raman,priya.raman@example.org,+447911234567,3 Mill Lane,BS1 5TR,1991-11-02\n"
).encode()


@pytest.fixture
def known(db):
    """The existing record the file repeats, and a stranger."""
    original = person(external_id="K-1")
    person(
        external_id="K-2",
        first_name="Alice",
        last_name="Okafor",
        email="alice.okafor@example.net",
        phone="+447911198765",
        address_line1="9 Quay Street",
        postcode="M3 3JZ",
        date_of_birth="1975-06-30",
    )
    return original


def _job(tmp_path, content: bytes = FILE) -> ImportJob:
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    return import_job_create(
        kind="customers", file=path, original_name="people.csv", source="crm export"
    )


def test_an_import_reports_the_existing_customer_it_repeats(match_model, known, tmp_path):
    job = import_run(job=_job(tmp_path))

    again = Customer.objects.get(external_id="N-1")
    assert job.status == "succeeded"
    assert job.created_count == 2
    assert job.likely_duplicates == 1
    pair = DuplicateCandidate.objects.get()
    assert {pair.customer_a_id, pair.customer_b_id} == {known.pk, again.pk}
    assert pair.import_job == job
    assert pair.status == CandidateStatus.PENDING
    assert pair.match_probability >= match_model.possible_threshold


def test_the_queue_shows_the_pairs_of_one_import(
    match_model, known, tmp_path, steward, page_client_for
):
    job = import_run(job=_job(tmp_path))
    other = person(external_id="X-1", first_name="Bob")  # a pair from elsewhere
    DuplicateCandidate.objects.create(
        customer_a=known,
        customer_b=other,
        match_probability=0.95,
        match_weight=12.0,
        decision="possible",
        match_model=match_model,
    )
    client = page_client_for(steward)

    page = client.get(f"{reverse('duplicates:queue')}?import={job.public_id}")
    everything = client.get(reverse("duplicates:queue"))

    assert page.status_code == 200
    assert "people.csv" in page.text
    assert page.text.count(">Review</a>") == 1
    assert everything.text.count(">Review</a>") == 2
    progress = client.get(reverse("imports:progress", args=[job.public_id]))
    assert f"?import={job.public_id}" in progress.text
    assert "likely duplicates" in progress.text


def test_an_unknown_import_in_the_queue_link_is_not_found(steward, page_client_for):
    client = page_client_for(steward)

    assert client.get(f"{reverse('duplicates:queue')}?import=nope").status_code == 404


def test_without_a_match_model_the_import_says_it_did_not_check(db, known, tmp_path):
    job = import_run(job=_job(tmp_path))

    assert job.status == "succeeded"
    assert job.likely_duplicates is None
    assert not DuplicateCandidate.objects.exists()


def test_the_command_prints_the_count_and_where_to_review(match_model, known, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(FILE)
    out = io.StringIO()

    call_command("import_customers", str(path), "--source", "crm export", stdout=out)

    job = ImportJob.objects.get()
    assert "likely duplicates 1 pairs in the review queue" in out.getvalue()
    assert f"/duplicates/?import={job.public_id}" in out.getvalue()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_import_puts_its_likely_duplicates_in_the_queue_before_it_ends(
    trained_settings, api_client_for, steward
):
    from customers.models import MatchModel

    MatchModel.objects.create(
        version=1,
        splink_settings=trained_settings,
        duplicate_threshold=0.99,
        possible_threshold=0.8,
    )
    known = person(external_id="K-1")
    client = api_client_for(steward)  # may import dates of birth (sensitive data)
    status = import_on_a_worker(client, FILE)
    # Read as the job ends, before any later task: the pair is there already.
    pairs = list(DuplicateCandidate.objects.values_list("customer_a", "customer_b"))

    assert status["status"] == "succeeded", status["error"]
    assert status["likely_duplicates"] == 1
    assert status["likely_duplicates_url"].endswith(f"/duplicates/?import={status['id']}")
    again = Customer.objects.get(external_id="N-1")
    assert pairs == [(known.pk, again.pk)]
