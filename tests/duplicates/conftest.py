"""A match model trained once per test session on a small seeded demo set
(training takes seconds; each test then stores the same trained model), and
helpers to make records that are, or are not, the same person."""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from customers.duplicates.services import sweep as sweeps
from customers.models import MatchModel
from demo.writer import seed_demo
from tests.factories import CustomerFactory
from tests.workers import celery_worker

TRAINING_CUSTOMERS = 1500


@pytest.fixture(scope="session")
def trained_settings(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    """The Splink model trained on seeded demo data, without labels; the
    seeded rows are rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo(
            customers=TRAINING_CUSTOMERS,
            seed=11,
            truth_path=tmp_path_factory.mktemp("truth") / "truth.csv",
            max_orders=1,
        )
        model = sweeps.model_train()
        settings = model.splink_settings
        transaction.set_rollback(True)
    return settings


@pytest.fixture
def match_model(db, trained_settings) -> MatchModel:
    return MatchModel.objects.create(
        version=1,
        splink_settings=trained_settings,
        duplicate_threshold=0.99,
        possible_threshold=0.8,
    )


def person(**overrides):
    """A person with every identifying field filled in."""
    values = {
        "first_name": "Robert",
        "last_name": "Hargreaves",
        "email": "robert.hargreaves@example.com",
        "phone": "+447911123456",
        "address_line1": "12 Station Road",
        "postcode": "LS1 4AB",
        "date_of_birth": dt.date(1980, 3, 14),
    }
    values.update(overrides)
    return CustomerFactory(**values)


def import_on_a_worker(client, content: bytes, **fields) -> dict:
    """Post a customer file to the import API, let a real worker run the job,
    and return the job's status once it ends (or after two minutes)."""
    with celery_worker(route=("customers.tasks.import_run_task",)):
        response = client.post(
            reverse("api:import-list"),
            {
                "file": SimpleUploadedFile("people.csv", content, content_type="text/csv"),
                "source": "crm",
                **fields,
            },
            format="multipart",
        )
        assert response.status_code == 202, response.content
        detail = reverse("api:import-detail", kwargs={"public_id": response.json()["id"]})
        deadline = time.monotonic() + 120
        while True:
            status = client.get(detail).json()
            if status["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
                return status
            time.sleep(0.3)
