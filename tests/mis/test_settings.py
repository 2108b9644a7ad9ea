"""Settings from the environment: a production-like environment passes Django's
deployment checks, and mistakes in it stop the app with a clear message.

Each case runs ``manage.py`` in a subprocess, because settings are read once
per process."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Only what a process needs to start is taken from the environment the tests run
# in: anything else (DEBUG, DATABASE_URL, DJANGO_ALLOW_ASYNC_UNSAFE, ...) would
# make the subprocess less like production.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    return {
        **env,
        "DEBUG": "false",
        "SECRET_KEY": random_secret_key(),
        "SUPPRESSION_KEY": random_secret_key(),
        "ALLOWED_HOSTS": "mis.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mis.sqlite3'}",
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_production_environment_passes_the_deployment_checks_without_warnings(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr.upper()


def test_a_typo_in_debug_stops_the_app_with_a_clear_message(production_env):
    result = manage({**production_env, "DEBUG": "ture"}, "check")

    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean; use true or false." in result.stderr


def test_production_without_a_secret_key_stops_the_app(production_env):
    env = {key: value for key, value in production_env.items() if key != "SECRET_KEY"}

    result = manage(env, "check")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
