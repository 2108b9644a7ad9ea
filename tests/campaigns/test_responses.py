"""Campaign responses through the API and the file import: the same checks,
all or nothing, each response once."""

import pytest
from django.urls import reverse

from customers.campaigns.responses_import import campaign_responses_import
from customers.campaigns.services import ResponsesRefused, campaign_responses_record
from customers.models import CampaignResponse
from governance.models import Consent
from integrations.models import Scope
from integrations.services import api_key_create
from tests.campaigns.conftest import responses_csv
from tests.integrations.test_api_keys import key_client

pytestmark = pytest.mark.django_db

WHEN = "2026-03-02T09:00:00+00:00"


def responses_url(mailing) -> str:
    return f"/api/v1/campaigns/{mailing.campaign.public_id}/responses/"


@pytest.fixture
def crm(integration_user):
    _, key = api_key_create(
        name="ESP",
        user=integration_user,
        scopes=[Scope.CAMPAIGNS_WRITE, Scope.SEGMENTS_READ],
    )
    return key_client(key)


def test_an_email_platform_reports_responses_by_email_through_the_api(mailing, crm):
    answer = crm.post(
        responses_url(mailing),
        {
            "responses": [
                {"email": "ANN@example.com", "kind": "delivered", "occurred_at": WHEN},
                {"email": "ann@example.com", "kind": "converted", "occurred_at": WHEN,
                 "value": "49.50"},
                {"email": "bob@example.com", "kind": "complained", "occurred_at": WHEN},
            ]
        },
        format="json",
    )  # fmt: skip

    assert answer.status_code == 201, answer.content
    assert answer.json() == {
        "received": 3, "recorded": 3, "repeated": 0, "opted_out": 1, "bounced": 0
    }  # fmt: skip
    shown = crm.get(f"/api/v1/campaigns/{mailing.campaign.public_id}/").json()["funnel"]
    assert (shown["members"], shown["converted"], shown["revenue"]) == (3, 1, "49.50")
    complaint = Consent.objects.filter(customer=mailing.bob).latest("occurred_at")
    assert (complaint.status, complaint.capture_method) == ("withdrawn", "email_reply")
    assert "API key" in complaint.evidence


def test_one_bad_row_refuses_the_request_naming_row_field_and_reason(mailing, crm):
    answer = crm.post(
        responses_url(mailing),
        {
            "responses": [
                {"customer": str(mailing.ann.public_id), "kind": "opened", "occurred_at": WHEN},
                {"email": "stranger@example.com", "kind": "opened", "occurred_at": WHEN},
                {"customer": str(mailing.bob.public_id), "kind": "opened", "occurred_at": WHEN,
                 "value": "3"},
                {"customer": str(mailing.cat.public_id), "kind": "read", "occurred_at": "soon"},
            ]
        },
        format="json",
    )  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["rows"] == [
        "Row 2, email: “stranger@example.com” is not a member of this campaign.",
        "Row 3, value: Only a conversion has a value.",
        "Row 4, kind: “read” is not one of delivered, bounced, opened, clicked, converted, "
        "unsubscribed, complained.",
        "Row 4, occurred_at: Give the time as YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+00:00].",
    ]
    assert not CampaignResponse.objects.exists()


def test_a_key_without_campaigns_write_may_read_but_not_report(mailing, integration_user):
    _, key = api_key_create(name="BI", user=integration_user, scopes=[Scope.SEGMENTS_READ])
    client = key_client(key)
    assert client.get("/api/v1/campaigns/").status_code == 200
    answer = client.post(responses_url(mailing), {"responses": []}, format="json")
    assert answer.status_code == 403


def test_a_file_imported_twice_records_and_withdraws_once(mailing, tmp_path):
    path = responses_csv(tmp_path / "responses.csv", mailing)
    first = campaign_responses_import(campaign=mailing.campaign, path=path)
    again = campaign_responses_import(campaign=mailing.campaign, path=path)

    assert (first.recorded, first.opted_out) == (7, 1)
    assert (again.recorded, again.repeated, again.opted_out, again.bounced) == (0, 7, 0, 0)
    assert CampaignResponse.objects.count() == 7
    assert Consent.objects.filter(customer=mailing.bob, status="withdrawn").count() == 1


def test_a_file_without_a_member_column_is_refused(mailing, tmp_path):
    from customers.imports.readers import FileProblem

    path = tmp_path / "bad.csv"
    path.write_text("name,kind\nAnn,opened\n")
    with pytest.raises(FileProblem, match="customer or email"):
        campaign_responses_import(campaign=mailing.campaign, path=path)


def test_a_response_in_the_future_is_refused(mailing):
    with pytest.raises(ResponsesRefused) as refused:
        campaign_responses_record(
            campaign=mailing.campaign,
            rows=[(1, {"customer": str(mailing.ann.public_id), "kind": "opened",
                       "occurred_at": "2099-01-01"})],
            source="api",
        )  # fmt: skip
    assert refused.value.problems[0].reason == "A response cannot be in the future."


def test_a_new_address_is_no_longer_marked_as_bounced(mailing, tmp_path):
    from customers.services import customer_update

    campaign_responses_import(
        campaign=mailing.campaign, path=responses_csv(tmp_path / "r.csv", mailing)
    )
    mailing.cat.refresh_from_db()
    assert mailing.cat.contactability == "hard_bounce"
    customer_update(customer=mailing.cat, data={"email": "cat@new.example.com"}, source="test")
    mailing.cat.refresh_from_db()
    assert mailing.cat.contactability == "ok"
    assert not mailing.cat.quality_issues.filter(field="email", status="open").exists()


def test_the_campaign_page_shows_the_funnel_table(mailing, tmp_path, page_client_for, manager):
    campaign_responses_import(
        campaign=mailing.campaign, path=responses_csv(tmp_path / "r.csv", mailing)
    )
    page = page_client_for(manager).get(
        reverse("segments:campaign", args=[mailing.campaign.public_id])
    )
    table = page.text.split('id="funnel"')[1].split("</table>")[0]
    assert '<td>Converted</td><td class="num">1</td><td class="num">33.3%</td>' in table
    assert "120.00 GBP" in table
    assert "(Email marketing, by email)" in page.text
    listed = page_client_for(manager).get(reverse("segments:campaigns")).text
    assert "Spring newsletter" in listed


def test_someone_without_the_right_cannot_see_campaigns(mailing, page_client_for, outsider):
    page = page_client_for(outsider).get(reverse("segments:campaigns"))
    assert page.status_code == 403
