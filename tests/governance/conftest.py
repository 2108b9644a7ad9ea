import importlib

import pytest
from django.apps import apps

_purposes = importlib.import_module("governance.migrations.0002_purposes")
_procedures = importlib.import_module("governance.migrations.0008_procedures")


@pytest.fixture(autouse=True)
def seeded_purposes_and_procedures(db):
    """The purposes and procedures the data migrations seed. A transactional test elsewhere
    (worker, browser) ends by flushing every table, and with --reuse-db the next
    session starts from that flushed database, so they are put back here."""
    _purposes.seed(apps, None)
    _procedures.seed(apps, None)
