import pytest


@pytest.fixture(autouse=True)
def seeded_purposes_and_procedures(purposes_and_procedures):
    """Governance's tests all read the seeded purposes and procedures."""
