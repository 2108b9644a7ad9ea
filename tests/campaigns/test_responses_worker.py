"""The campaign loop with a real worker: a file of responses uploaded on the
campaign page is imported by the worker, and moves the campaign's metrics,
withdraws the unsubscriber's consent and marks the bounced address."""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import (
    Contactability,
    QualityIssue,
    RedundancyReason,
    ResponseImport,
    ResponseImportStatus,
)
from customers.quality.redundant import redundant_querysets
from governance.models import Consent
from mis import metrics
from tests.campaigns.conftest import responses_csv
from tests.customers.importfiles import isolated_media  # noqa: F401
from tests.insight.factories import criterion, strategy
from tests.workers import celery_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _wait(job: ResponseImport) -> ResponseImport:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ResponseImportStatus.SUCCEEDED, ResponseImportStatus.REFUSED):
            return job
        time.sleep(0.2)
    raise AssertionError(f"The import is still {job.status}.")


def test_an_import_moves_the_conversion_metric_and_withdraws_the_unsubscribers_consent(
    mailing, marketing_user, page_client_for, tmp_path
):
    params = {"campaign": "Spring newsletter"}
    assert metrics.measure("campaign_conversion_rate", params=params).value is None
    goal = criterion(
        strategy(),
        metric="campaign_conversion_rate",
        params=params,
        description="A third of the newsletter's readers buy",
        target="30",
    )
    data = responses_csv(tmp_path / "responses.csv", mailing).read_bytes()

    with celery_worker(route=("customers.tasks.response_import_task",)):
        page = page_client_for(marketing_user).post(
            reverse("segments:campaign", args=[mailing.campaign.public_id]),
            {"file": SimpleUploadedFile("spring.csv", data, content_type="text/csv")},
            follow=True,
        )
        assert "is queued" in page.text
        job = _wait(ResponseImport.objects.get())

    assert job.status == ResponseImportStatus.SUCCEEDED, job.problems
    assert job.counts == {"received": 7, "recorded": 7, "repeated": 0, "opted_out": 1, "bounced": 1}
    conversion = metrics.measure("campaign_conversion_rate", params=params).value
    assert float(conversion) == pytest.approx(100 / 3, abs=0.001)
    assert float(metrics.measure("campaign_response_rate", params=params).value) == pytest.approx(
        100 / 3, abs=0.001
    )
    assert metrics.measure("campaign_revenue", params=params).value == 120
    assert goal.metric == "campaign_conversion_rate"

    # Bob's unsubscribe is a withdrawal with its proof; Ann's consent stands.
    withdrawal = Consent.objects.filter(customer=mailing.bob).latest("occurred_at")
    assert (withdrawal.status, withdrawal.capture_method) == ("withdrawn", "unsubscribe_link")
    proof = json.loads(withdrawal.evidence)
    assert proof["campaign"] == str(mailing.campaign.public_id)
    assert (proof["response"], proof["reference"], proof["row"]) == (
        "unsubscribed",
        "spring.csv",
        8,
    )
    assert Consent.objects.filter(customer=mailing.ann).latest("occurred_at").status == "granted"

    # Cat's address hard-bounced: the quality rules and the redundant sweep see it.
    mailing.cat.refresh_from_db()
    assert mailing.cat.contactability == Contactability.HARD_BOUNCE
    issue = QualityIssue.objects.get(customer=mailing.cat, field="email", status="open")
    assert "hard-bounced" in issue.message
    bounced = redundant_querysets(months=36)[RedundancyReason.HARD_BOUNCE]
    assert list(bounced.values_list("pk", flat=True)) == [mailing.cat.pk]

    # The page shows the funnel and the import's result.
    shown = page_client_for(marketing_user).get(mailing.campaign.get_absolute_url()).text
    assert "chart-campaign-funnel" in shown
    assert "7 recorded" in shown
