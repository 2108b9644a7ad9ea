"""The quality pages: the dashboard from the last sweep, the drill-down with
its inline fix, "mark verified" and dismiss, masking, and the redundant-record
proposals with their decisions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import (
    Customer,
    ProposalStatus,
    QualityIssue,
    QualityIssueStatus,
    RedundancyProposal,
)
from customers.quality.redundant import redundancy_sweep
from customers.quality.services import quality_sweep
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("quality:dashboard")
ISSUES = reverse("quality:issues")


def raw(**fields) -> Customer:
    customer = CustomerFactory(last_verified_at=timezone.now())
    Customer.objects.filter(pk=customer.pk).update(**fields)
    customer.refresh_from_db()
    return customer


def test_the_dashboard_says_when_no_sweep_has_run(page_client_for, marketing_user):
    page = page_client_for(marketing_user).get(DASHBOARD).content.decode()

    assert "No sweep has finished yet" in page
    assert "Run a sweep now" not in page  # stewards only


def test_the_dashboard_shows_the_last_sweeps_figures_and_trend(page_client_for, steward):
    raw(email="ada@@example.com", first_name="Ada")
    CustomerFactory(last_verified_at=timezone.now())
    quality_sweep(triggered_by="test")

    page = page_client_for(steward).get(DASHBOARD).content.decode()

    assert "<strong>90.0</strong>overall score" in page
    assert f'href="{ISSUES}?code=invalid_email">Email is well formed</a>' in page
    assert '"label": "Overall quality score"' in page  # the trend chart's data
    assert "Run a sweep now" in page


def test_the_drill_down_fixes_a_value_in_place(page_client_for, steward):
    customer = raw(email="ada@@example.com")
    quality_sweep(triggered_by="test")
    issue = QualityIssue.objects.get(code="invalid_email")
    client = page_client_for(steward)

    listing = client.get(f"{ISSUES}?code=invalid_email").content.decode()
    refused = client.post(reverse("quality:fix", args=[issue.pk]), {"value": "still@@bad"})
    fixed = client.post(reverse("quality:fix", args=[issue.pk]), {"value": "ada@example.com"})

    assert customer.display_name in listing
    assert 'value="ada@@example.com"' in listing
    assert "is not a valid email address" in refused.content.decode()
    assert "resolved" in fixed.content.decode()
    issue.refresh_from_db()
    customer.refresh_from_db()
    assert issue.status == QualityIssueStatus.RESOLVED
    assert (customer.email, customer.quality.score) == ("ada@example.com", 100)


def test_mark_verified_and_dismiss_close_issues(page_client_for, steward, marketing_user):
    stale = raw(last_verified_at=timezone.now() - dt.timedelta(days=900), external_id="S1")
    odd = raw(postcode="SW1A 1AA", country="US", external_id="O1")
    quality_sweep(triggered_by="test")
    stale_issue = stale.quality_issues.get(code="stale_verification")
    odd_issue = odd.quality_issues.get(code="postcode_country_mismatch")

    page_client_for(marketing_user).post(reverse("quality:verified", args=[stale_issue.pk]))
    refused = page_client_for(marketing_user).post(reverse("quality:dismiss", args=[odd_issue.pk]))
    page_client_for(steward).post(reverse("quality:dismiss", args=[odd_issue.pk]))

    assert refused.status_code == 403
    stale_issue.refresh_from_db()
    odd_issue.refresh_from_db()
    assert stale_issue.status == odd_issue.status == QualityIssueStatus.RESOLVED
    assert "dismissed by sam.steward" in odd_issue.detected_by


def test_a_sensitive_value_is_masked_and_not_fixable_without_the_permission(
    page_client_for, marketing_user
):
    raw(date_of_birth=dt.date(1850, 1, 1))
    quality_sweep(triggered_by="test")

    page = page_client_for(marketing_user).get(f"{ISSUES}?field=date_of_birth").content.decode()

    assert "1850-01-01" not in page
    assert "restricted" in page
    assert 'name="value"' not in page


def test_redundant_records_are_proposed_and_decided_by_a_steward(
    page_client_for, steward, marketing_user
):
    test_record = CustomerFactory(is_test=True, first_name="Tess")
    deceased = CustomerFactory(contactability="deceased", first_name="Dora")
    redundancy_sweep(triggered_by="test")
    proposal = RedundancyProposal.objects.get(customer=test_record)

    listing = page_client_for(marketing_user).get(reverse("quality:redundant")).content.decode()
    refused = page_client_for(marketing_user).post(
        reverse("quality:decide", args=[proposal.pk]), {"decision": "archive"}
    )
    page_client_for(steward).post(
        reverse("quality:decide", args=[proposal.pk]), {"decision": "archive"}
    )
    kept = RedundancyProposal.objects.get(customer=deceased)
    page_client_for(steward).post(reverse("quality:decide", args=[kept.pk]), {"decision": "keep"})

    assert "Tess" in listing and "Dora" in listing
    assert refused.status_code == 403
    test_record.refresh_from_db()
    deceased.refresh_from_db()
    assert test_record.archived_at is not None
    assert deceased.archived_at is None
    assert set(RedundancyProposal.objects.values_list("status", flat=True)) == {
        ProposalStatus.APPROVED,
        ProposalStatus.REJECTED,
    }


def test_the_steward_queues_a_sweep_from_the_dashboard(
    page_client_for, steward, marketing_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = page_client_for(steward).post(reverse("quality:sweep"))

    assert response.status_code == 302
    assert len(queued) == 1
    assert page_client_for(marketing_user).post(reverse("quality:sweep")).status_code == 403


def test_the_customer_page_shows_the_score_and_open_issues_and_verifies(
    page_client_for, marketing_user
):
    customer = raw(email="ada@@example.com", last_verified_at=None)
    quality_sweep(triggered_by="test")
    client = page_client_for(marketing_user)

    page = client.get(customer.get_absolute_url()).content.decode()
    client.post(reverse("customers:verify", args=[customer.public_id]))

    assert "score 75 / 100" in page  # invalid email (high, 20), never verified (low, 5)
    assert "is not a valid email address" in page
    customer.refresh_from_db()
    assert customer.last_verified_at is not None
    assert not customer.quality_issues.filter(code="stale_verification", status="open").exists()
