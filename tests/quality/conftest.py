import importlib

import pytest
from django.apps import apps

_DEFAULTS = importlib.import_module("customers.migrations.0017_default_quality_rules")


def install_default_rules() -> None:
    """The rules the data migration installs. A transactional test ends by
    flushing every table, and with --reuse-db the next session starts from
    the database it left, so tests put them back themselves. (Only the
    rules: the migration's grants work on the migration's own app registry.)"""
    _DEFAULTS.seed_rules(apps)


@pytest.fixture(autouse=True)
def default_rules(db):
    install_default_rules()
