"""An import is safe for every role: a user who may not see sensitive fields
cannot fill them from a file, through the API or the wizard; the refusal
names the column and writes nothing. The command line, run by an operator,
may."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.imports.services import import_run
from customers.models import Customer, ImportJob, ImportStatus
from tests.customers.importfiles import (
    csv_file,
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

IMPORTS = reverse("api:import-list")
FILE = b"external_id,first_name,Income\nA1,Ada,over_100k\n"
SUGGESTED = b"external_id,first_name,income_band\nA1,Ada,over_100k\n"


def post(client, content: bytes, **data):
    upload = SimpleUploadedFile("people.csv", content, content_type="text/csv")
    return client.post(IMPORTS, {"file": upload, "source": "crm", **data}, format="multipart")


@pytest.fixture
def ada():
    return CustomerFactory(
        source="crm", external_id="A1", first_name="Ada", income_band="under_20k"
    )


@pytest.mark.parametrize("name", ["marketing_user", "integration_user"])
def test_the_api_refuses_a_mapping_to_a_sensitive_field_naming_the_column(
    api_client_for, persona, name, ada
):
    mapping = {"external_id": "external_id", "first_name": "first_name", "income_band": "Income"}

    response = post(api_client_for(persona(name)), FILE, mapping=json.dumps(mapping))

    assert response.status_code == 403
    assert "“Income” cannot be mapped to income band" in response.json()["detail"]
    assert not ImportJob.objects.exists()
    ada.refresh_from_db()
    assert ada.income_band == "under_20k"


def test_a_suggested_mapping_to_a_sensitive_field_fails_the_job_and_writes_nothing(
    api_client_for, marketing_user, ada, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post(api_client_for(marketing_user), SUGGESTED)
    job = ImportJob.objects.get()

    import_run(job=job)

    job.refresh_from_db()
    assert response.status_code == 202
    assert job.status == ImportStatus.FAILED
    assert "The column “income_band” cannot be mapped to income band" in job.error
    # The counts say nothing about whether the stored value matched.
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 0)
    ada.refresh_from_db()
    assert ada.income_band == "under_20k"


def test_a_user_who_may_see_sensitive_fields_imports_them(api_client_for, manager, ada):
    mapping = {"external_id": "external_id", "income_band": "Income"}
    response = post(api_client_for(manager), FILE, mapping=json.dumps(mapping))
    job = ImportJob.objects.get()

    import_run(job=job)

    assert response.status_code == 202
    ada.refresh_from_db()
    assert ada.income_band == "over_100k"


def test_the_command_line_operator_may_import_sensitive_fields(tmp_path, ada):
    path = tmp_path / "people.csv"
    path.write_bytes(SUGGESTED)

    job = import_file(path, source="crm")

    assert job.status == ImportStatus.SUCCEEDED
    ada.refresh_from_db()
    assert ada.income_band == "over_100k"


def test_the_wizard_names_the_column_and_will_not_run_it(page_client_for, marketing_user, ada):
    client = page_client_for(marketing_user)
    client.post(
        reverse("imports:new"),
        {
            "file": SimpleUploadedFile("people.csv", b"external_id,dob\nA1,1980-01-02\n"),
            "kind": "customers",
            "source": "crm",
        },
    )
    job = ImportJob.objects.get()
    page = reverse("imports:detail", args=[job.public_id])
    born = ada.date_of_birth

    shown = client.get(page).content.decode()
    mapping = {"map:external_id": "external_id", "map:date_of_birth": "dob"}
    client.post(page, {"action": "run", "target": ["external_id", "date_of_birth"], **mapping})

    assert "The column “dob” cannot be mapped to date of birth" in shown
    job.refresh_from_db()
    assert job.status == ImportStatus.DRAFT
    assert Customer.objects.get().date_of_birth == born


def test_a_csv_written_by_hand_still_names_a_sensitive_constant(tmp_path, marketing_user, ada):
    from django.core.exceptions import PermissionDenied

    from customers.imports.services import import_job_create

    with pytest.raises(PermissionDenied, match="A constant cannot be mapped to lifestyle"):
        import_job_create(
            kind="customers",
            file=csv_file(tmp_path / "p.csv", [{"external_id": "A1"}]),
            original_name="p.csv",
            source="crm",
            mapping={"external_id": "external_id", "lifestyle": {"const": "student"}},
            actor=marketing_user,
        )
    assert not ImportJob.objects.exists()
