"""E-mail to the people who must act, sent through a real SMTP server started
by the test and read back from it."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from customers.models import DuplicateSweep, ImportJob, QualityRun
from governance.models import RetentionPolicy
from governance.services import requests as dsr
from governance.services import retention
from insight import services
from mis.models import Notification, NotificationSetting
from mis.notifications import notifications_sweep
from tests.factories import CustomerFactory
from tests.insight.factories import complete_business_case, criterion, in_force, strategy
from tests.smtp import Inbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _addresses(manager, marketing_user, dpo, steward, settings):
    settings.SITE_URL = "https://mis.example.com"
    for user, address in (
        (manager, "max@example.com"),
        (marketing_user, "mia@example.com"),
        (dpo, "dana@example.com"),
        (steward, "sam@example.com"),
    ):
        user.email = address
        user.save(update_fields=["email"])


def test_a_submitted_business_case_is_mailed_to_the_manager_once(
    smtp_inbox, manager, marketing_user
):
    case = complete_business_case(author=marketing_user, title="One view of the customer")
    services.business_case_submit(case=case, actor=marketing_user)

    first = notifications_sweep()
    again = notifications_sweep()

    [mail] = smtp_inbox.to("max@example.com")
    assert Inbox.subject(mail) == "[MIS] Waiting for your approval: One view of the customer"
    body = Inbox.text(mail)
    assert "https://mis.example.com/approvals/" in body
    assert "https://mis.example.com/settings/e-mail/" in body
    assert first == {"queued": 1, "sent": 1}
    assert again == {"queued": 0, "sent": 0}
    assert not smtp_inbox.to("mia@example.com")  # she does not approve


def test_a_retention_run_waiting_goes_to_the_manager_and_the_data_protection_lead(smtp_inbox):
    policy = RetentionPolicy.objects.create(
        name="Silent prospects", lifecycle_stage="prospect", inactivity_months=24, action="delete"
    )
    retention.retention_run_prepare(policy=policy)

    notifications_sweep()

    assert len(smtp_inbox.to("max@example.com")) == 1
    assert len(smtp_inbox.to("dana@example.com")) == 1
    assert "Retention run" in smtp_inbox.to("dana@example.com")[0]["Subject"]


def test_a_review_opened_by_the_sweep_is_mailed_to_the_strategys_owner(smtp_inbox, marketing_user):
    CustomerFactory.create_batch(2)
    made = in_force(strategy(owner=marketing_user, title="Know our regulars"))
    criterion(made)
    services.review_trigger_fire(strategy=made, kind="scheduled", key="k", reason="due")

    notifications_sweep()

    [mail] = smtp_inbox.to("mia@example.com")
    assert Inbox.subject(mail) == "[MIS] A review of “Know our regulars” was opened"
    assert "/insight/evaluations/" in Inbox.text(mail)


def test_a_request_due_within_7_days_is_mailed_to_who_handles_requests(smtp_inbox):
    dsr.dsr_register(
        customer=CustomerFactory(),
        kind="access",
        received_via="email",
        received_at=timezone.now() - dt.timedelta(days=25),
    )
    dsr.dsr_register(customer=CustomerFactory(), kind="access", received_via="email")  # 30 days

    notifications_sweep()

    [mail] = smtp_inbox.to("dana@example.com")
    assert Inbox.subject(mail).startswith("[MIS] A data-subject request is due on ")
    assert not smtp_inbox.to("sam@example.com")  # stewards register but do not handle


def test_a_finished_and_a_failed_import_are_mailed_to_who_uploaded(smtp_inbox, steward):
    now = timezone.now()
    common = {"kind": "customers", "source": "crm", "created_by": steward, "finished_at": now}
    ImportJob.objects.create(
        original_name="people.csv", status="succeeded", created_count=1234, **common
    )
    ImportJob.objects.create(
        original_name="broken.csv", status="failed", error="The file is empty.", **common
    )

    notifications_sweep()

    subjects = sorted(Inbox.subject(m) for m in smtp_inbox.to("sam@example.com"))
    assert subjects == [
        "[MIS] Your import of broken.csv failed",
        "[MIS] Your import of people.csv finished",
    ]
    finished = next(m for m in smtp_inbox.messages if "people.csv finished" in Inbox.subject(m))
    assert "1,234 added" in Inbox.text(finished)


def test_finished_sweeps_are_mailed_to_the_stewards(smtp_inbox):
    now = timezone.now()
    QualityRun.objects.create(status="succeeded", triggered_by="beat", finished_at=now)
    DuplicateSweep.objects.create(
        status="failed", via="task", finished_at=now, error="Out of memory"
    )

    notifications_sweep()

    subjects = sorted(Inbox.subject(m) for m in smtp_inbox.to("sam@example.com"))
    assert subjects == ["[MIS] The duplicate sweep failed", "[MIS] The quality sweep finished"]


def test_a_person_who_turned_a_kind_off_is_not_mailed_about_it(
    smtp_inbox, page_client_for, manager, marketing_user
):
    client = page_client_for(manager)
    page = client.get(reverse("notification-settings")).content.decode()
    client.post(reverse("notification-settings"), {"kind": ["review_opened"]})
    case = complete_business_case(author=marketing_user)
    services.business_case_submit(case=case, actor=marketing_user)

    notifications_sweep()

    assert "Approvals waiting for me" in page
    assert "Data-subject requests due" not in page  # not the manager's business
    assert NotificationSetting.objects.get(user=manager, kind="approval_waiting").enabled is False
    assert not smtp_inbox.to("max@example.com")


def test_a_mail_that_cannot_be_sent_is_kept_and_sent_by_the_next_sweep(
    settings, manager, marketing_user, request
):
    case = complete_business_case(author=marketing_user)
    services.business_case_submit(case=case, actor=marketing_user)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    failed = notifications_sweep()
    kept = Notification.objects.get()
    inbox = request.getfixturevalue("smtp_inbox")
    retried = notifications_sweep()

    assert failed == {"queued": 1, "sent": 0}
    assert kept.sent_at is None and kept.error
    assert retried == {"queued": 0, "sent": 1}
    assert len(inbox.to("max@example.com")) == 1


def test_the_command_runs_the_sweep(smtp_inbox, marketing_user, capsys):
    services.business_case_submit(
        case=complete_business_case(author=marketing_user), actor=marketing_user
    )

    call_command("send_notifications")

    assert "1 notifications queued, 1 sent." in capsys.readouterr().out
    assert smtp_inbox.to("max@example.com")
