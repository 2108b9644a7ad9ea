"""Real Celery workers for tests: a process of its own on a queue of its own,
against the test database, so that no other worker on the same broker can
take a test's task and answer from another database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

from mis.celery import app

ROOT = Path(__file__).resolve().parents[1]
# Each running worker's process, by its queue: for tests that kill one.
PROCESSES: dict[str, subprocess.Popen] = {}


def database_url() -> str:
    """The test database as a DATABASE_URL, for processes the test starts."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    auth = settings["USER"] or ""
    if settings["PASSWORD"]:
        auth += f":{settings['PASSWORD']}"
    return f"postgres://{auth}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def _set_routes(routes) -> None:
    """Route tasks anew. Celery builds its router once per process and keeps
    it, so changing the setting alone would leave tasks going where an
    earlier test's worker was."""
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()


@contextlib.contextmanager
def celery_worker(*, route: tuple[str, ...] = ()) -> Iterator[str]:
    """Start a worker on a new queue and yield the queue's name. Tasks named
    in ``route`` are sent to that queue while the block runs, so that code
    under test that queues them (a page, the API) reaches this worker."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    # The worker's own tasks (the chunks a sweep hands out) go to its queue too.
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "true",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "mis", "worker", "--pool=solo",
            "-Q", queue, "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    routes = app.conf.task_routes
    _set_routes({name: {"queue": queue} for name in route})
    PROCESSES[queue] = process
    try:
        yield queue
    finally:
        PROCESSES.pop(queue, None)
        _set_routes(routes)
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if process.returncode not in (0, -15, -9):  # -9: a test killed it
            print(output.decode(errors="replace"))
