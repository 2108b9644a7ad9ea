"""The import API: POST a file to start a job that a worker runs, GET its
status and figures, fetch its error report; bad input is a 400 naming the
field; who may do what follows the roles."""

import csv
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer, ImportJob, ImportStatus
from tests.conftest import PERSONAS
from tests.customers.importfiles import isolated_media  # noqa: F401 (autouse fixture)
from tests.workers import celery_worker

IMPORTS = reverse("api:import-list")
GOOD = b"external_id,first_name,last_name,email\nA1,Ada,Lovelace,ada@example.com\n"
MIXED = GOOD + b",,,\nA3,Grace,Hopper,not-an-email\n"
IMPORTERS = {"marketing_user", "manager", "steward", "integration_user"}


def upload(content: bytes = GOOD, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def detail(job: ImportJob) -> str:
    return reverse("api:import-detail", kwargs={"public_id": job.public_id})


def errors_of(job: ImportJob) -> str:
    return reverse("api:import-errors", kwargs={"public_id": job.public_id})


@pytest.mark.django_db
@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_importing_roles_may_start_an_import(api_client_for, persona, name):
    response = api_client_for(persona(name)).post(
        IMPORTS, {"file": upload(), "source": "crm"}, format="multipart"
    )

    assert response.status_code == (202 if name in IMPORTERS else 403), response.content
    assert ImportJob.objects.exists() == (name in IMPORTERS)


@pytest.mark.django_db
def test_a_started_job_answers_with_its_status_and_where_to_follow_it(
    api_client_for, marketing_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api_client_for(marketing_user).post(
            IMPORTS, {"file": upload(), "source": "crm", "strict": "true"}, format="multipart"
        )

    body = response.json()
    job = ImportJob.objects.get()
    assert response.status_code == 202
    assert body["id"] == str(job.public_id)
    assert body["status"] == "pending"
    assert body["created_by"] == marketing_user.username
    assert job.options == {"strict": True, "dry_run": False, "hold_duplicates": False}
    assert len(queued) == 1  # handed to a worker once the job is committed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"file": None}, "file", "No file was submitted."),
        ({"file": "x", "source": "crm"}, "file", "The submitted data was not a file."),
        ({"source": ""}, "source", "This field may not be blank."),
        ({"kind": "pets"}, "kind", '"pets" is not a valid choice.'),
        ({"mapping": "{nope"}, "mapping", "The mapping is not valid JSON"),
        ({"mapping": "[1]"}, "mapping", "The mapping is a JSON object"),
        ({"delimiter": ";;"}, "delimiter", "The delimiter is one character"),
        ({"encoding": "klingon"}, "encoding", "“klingon” is not a known text encoding."),
    ],
)
def test_bad_input_is_a_400_that_names_the_field_and_starts_nothing(
    api_client_for, steward, data, field, message
):
    payload = {"file": upload(), "source": "crm", **data}
    payload = {key: value for key, value in payload.items() if value is not None}

    response = api_client_for(steward).post(IMPORTS, payload, format="multipart")

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_jobs_are_listed_newest_first_with_their_figures(api_client_for, dpo, steward):
    client = api_client_for(steward)
    for name in ("first.csv", "second.csv"):
        client.post(IMPORTS, {"file": upload(name=name), "source": "crm"}, format="multipart")

    response = api_client_for(dpo).get(IMPORTS)

    assert response.status_code == 200
    assert [job["original_name"] for job in response.json()["results"]] == [
        "second.csv",
        "first.csv",
    ]
    assert response.json()["results"][0]["processed_rows"] == 0


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_the_job_and_the_error_report_holds_the_rejected_row(token_client):
    with celery_worker(route=("customers.tasks.import_run_task",)):
        response = token_client.post(
            IMPORTS, {"file": upload(MIXED), "source": "crm"}, format="multipart"
        )
        assert response.status_code == 202, response.content
        job = ImportJob.objects.get()
        deadline = time.monotonic() + 120
        while True:
            status = token_client.get(detail(job)).json()
            if status["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.3)

    assert status["status"] == "succeeded", status
    assert status["progress_percent"] == 100
    assert {k: status[f"{k}_count"] for k in ("created", "rejected", "flagged")} == {
        "created": 2,
        "rejected": 1,
        "flagged": 1,
    }
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["A1", "A3"]
    report = token_client.get(status["error_report"])
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode())))
    assert rows[0] == ["row", "reasons", "external_id", "first_name", "last_name", "email"]
    assert rows[1][0] == "3"
    assert "identity" in rows[1][1]


@pytest.mark.django_db
def test_the_error_report_is_for_its_starter_or_those_who_may_see_sensitive_data(
    api_client_for, marketing_user, integration_user, manager
):
    api_client_for(marketing_user).post(
        IMPORTS, {"file": upload(MIXED), "source": "crm"}, format="multipart"
    )
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.SUCCEEDED, rejected_count=1)

    assert api_client_for(marketing_user).get(errors_of(job)).status_code == 200
    assert api_client_for(manager).get(errors_of(job)).status_code == 200
    refused = api_client_for(integration_user).get(errors_of(job))
    assert refused.status_code == 403
    assert "raw personal data" in refused.json()["detail"]
