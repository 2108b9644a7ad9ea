"""Schemathesis against a live server: every operation of the OpenAPI schema
(/api/schema/), valid and invalid input, as a role that sees sensitive fields
and as one that sees them masked. No answer may be a server error, and every
answer must match the schema (status code, body and content type).

Bounded: SCHEMATHESIS_MAX_TIME seconds per role (default 40), one worker, a
fixed seed so that CI is repeatable (set SCHEMATHESIS_SEED to explore)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from customers.segments.services import segment_create
from mis import roles
from tests.factories import AttributeDefinitionFactory, CustomerFactory, OrderFactory, UserFactory
from tests.insight.factories import criterion, strategy

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = (
    "not_a_server_error,response_schema_conformance,content_type_conformance,"
    "status_code_conformance"
)


@pytest.fixture
def records():
    """Something behind each detail route, with blank and empty values too:
    schemathesis asks for these ids (and for ids that name nothing)."""
    owner = UserFactory(username="schema-owner", roles=[roles.MARKETING_MANAGER])
    full = CustomerFactory(interests=["cycling"])
    CustomerFactory(first_name="Blank", income_band="", lifestyle="", values="", date_of_birth=None)
    order = OrderFactory(customer=full)
    attribute = AttributeDefinitionFactory()
    segment = segment_create(
        name="Londoners",
        rules={"op": "and", "rules": [{"field": "city", "value": ["London"]}]},
        actor=owner,
    )
    plan = strategy(owner=owner)
    return {
        "customer": full.public_id,
        "order": order.public_id,
        "attribute": attribute.name,
        "segment": segment.public_id,
        "strategy": plan.public_id,
        "criterion": criterion(plan).public_id,
    }


def _config(tmp_path: Path, ids: dict) -> Path:
    """Detail routes use the records' ids (the generated ones name nothing)."""
    routes = {
        "customer": r"^/api/v1/customers/\{public_id\}",
        "order": r"^/api/v1/orders/\{public_id\}",
        "attribute": r"^/api/v1/attributes/\{name\}",
        "segment": r"^/api/v1/segments/\{public_id\}",
        "strategy": r"^/api/v1/insight/strategies/\{public_id\}",
        "criterion": r"^/api/v1/insight/criteria/\{public_id\}",
    }
    lines = []
    for kind, regex in routes.items():
        key = "name" if kind == "attribute" else "public_id"
        lines += [
            "[[operations]]",
            f"include-path-regex = '{regex}'",
            f'parameters = {{ "path.{key}" = "{ids[kind]}" }}',
            "",
        ]
    path = tmp_path / "schemathesis.toml"
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("role", [roles.MARKETING_MANAGER, roles.MARKETING_STAFF])
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(
    live_server, records, tmp_path, monkeypatch, role
):
    # The fuzzer is one busy user: the per-user rate is not what is tested.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "1000000/hour")
    user = UserFactory(username="schema-fuzzer", roles=[role])
    token = Token.objects.create(user=user).key
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(_config(tmp_path, records)),
        "run",
        f"{live_server.url}/api/schema/?format=json",
        "--url",
        live_server.url,
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        CHECKS,
        "--phases",
        "coverage,fuzzing",
        "--workers",
        "1",
        "--max-time",
        os.environ.get("SCHEMATHESIS_MAX_TIME", "40"),
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "20261204"),
        "--generation-database",
        "none",
        # Our token on every call: generated ones would be wrong tokens, and the
        # wrong-token throttle would soon answer 429 to everything.
        "--generation-with-security-parameters",
        "false",
        # The test server may drop a kept-alive connection now and then.
        "--request-retries",
        "2",
        "--no-color",
    ]

    # In tmp_path: schemathesis keeps a cache beside where it runs.
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)

    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    print(summary)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "passed" in summary
