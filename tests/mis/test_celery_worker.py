"""A real round trip: a task goes through the broker (Redis when REDIS_URL is
set, the folder broker otherwise) to a worker process, which reads the test
database and answers through the result store."""

import pytest
from django.db import connection

from customers import services
from mis.tasks import system_check
from tests.workers import celery_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue():
    with celery_worker() as queue:
        yield queue


def test_a_worker_runs_a_task_against_the_same_database(worker_queue):
    for name in ("Ada", "Grace", "Edsger"):
        services.customer_create(data={"first_name": name}, source="test")

    result = system_check.apply_async(queue=worker_queue)

    assert result.get(timeout=90) == {"database": connection.vendor, "customers": 3}
