import pytest

from tests.integrations.receiver import start_receiver


@pytest.fixture
def receiver():
    state, server = start_receiver()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_endpoints(settings, monkeypatch):
    """Webhooks may go to http://127.0.0.1 (the test's receiver), here and in
    any worker the test starts; nowhere else internal."""
    settings.WEBHOOK_ALLOWED_SCHEMES = ["http", "https"]
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    monkeypatch.setenv("WEBHOOK_ALLOWED_SCHEMES", "http,https")
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("WEBHOOK_RETRY_BASE_SECONDS", "0.2")
