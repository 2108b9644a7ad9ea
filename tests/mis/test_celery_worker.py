"""A real round trip: a task goes through the broker (Redis when REDIS_URL is
set, the folder broker otherwise) to a worker process, which reads the test
database and answers through the result store."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from customers import services
from mis.tasks import system_check

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] or ""
    if settings["PASSWORD"]:
        auth += f":{settings['PASSWORD']}"
    return f"postgres://{auth}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


@pytest.fixture
def worker_queue():
    """A worker of its own on a queue of its own, so that no other worker on the
    same broker can take the task and answer from another database."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DEBUG": "true"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mis",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield queue
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    if process.returncode not in (0, -15):
        print(output.decode(errors="replace"))


def test_a_worker_runs_a_task_against_the_same_database(worker_queue):
    for name in ("Ada", "Grace", "Edsger"):
        services.customer_create(data={"first_name": name}, source="test")

    result = system_check.apply_async(queue=worker_queue)

    assert result.get(timeout=90) == {"database": connection.vendor, "customers": 3}
