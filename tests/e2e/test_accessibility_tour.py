"""Every section's main pages, as a manager sees them with data in them,
checked with axe-core (WCAG 2.1 A/AA): no serious or critical violation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import services as customer_services
from customers.analytics.services import metrics_refresh
from customers.models import Order
from customers.segments import services as segment_services
from governance.services import requests as dsr
from insight import services as insight_services
from mis.roles import MARKETING_MANAGER, MARKETING_STAFF
from tests.e2e.conftest import axe_violations, describe
from tests.insight.factories import complete_business_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _data(author, manager):
    customers = [
        customer_services.customer_create(
            data={
                "first_name": first,
                "last_name": "Tester",
                "email": f"{first.lower()}@example.com",
                "phone": "+447911123456",
                "city": "Leeds",
                "lifecycle_stage": "customer",
            },
            source="crm",
        )
        for first in ("Ada", "Ben", "Cat")
    ]
    for n, customer in enumerate(customers):
        Order.objects.create(
            customer=customer,
            source="shop",
            external_id=f"o{n}",
            ordered_at=timezone.now() - dt.timedelta(days=30 * n),
            total_amount=Decimal("25.00") * (n + 1),
            currency="GBP",
            channel="online",
        )
    segment_services.segment_create(
        name="Leeds",
        rules={"op": "and", "rules": [{"field": "city", "value": ["Leeds"]}]},
        actor=manager,
    )
    insight_services.business_case_submit(case=complete_business_case(author=author), actor=author)
    dsr.dsr_register(customer=customers[0], kind="access", received_via="email")
    metrics_refresh()  # the analytics page with figures in it: heat maps, charts
    return customers


def test_a_managers_pages_have_no_serious_accessibility_violation(
    page, make_user, log_in, screenshot
):
    author = make_user(MARKETING_STAFF, username="mia")
    manager = make_user(MARKETING_MANAGER, username="max")
    ada, *_ = _data(author, manager)
    log_in("max")
    pages = [
        "/",
        "/customers/",
        ada.get_absolute_url(),
        f"/governance/customers/{ada.public_id}/consents/",
        "/imports/",
        "/imports/new/",
        "/quality/",
        "/duplicates/",
        "/segments/",
        "/segments/new/",
        "/analytics/",
        "/insight/",
        "/insight/requirements/",
        "/governance/",
        "/governance/register/",
        "/governance/requests/",
        "/governance/procedures/",
        "/approvals/",
        "/settings/e-mail/",
    ]
    problems = {}
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        found = axe_violations(page)
        if found:
            problems[path] = describe(found)
    screenshot("last-page")
    assert not problems, "\n".join(f"{path}:\n{text}" for path, text in problems.items())
