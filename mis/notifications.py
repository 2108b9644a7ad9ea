"""E-mail to the people who must act: approvals waiting, strategy reviews
opened, data-subject requests near their due date, imports and sweeps that
finished or failed.

One idempotent sweep (``notifications_sweep``, every few minutes from beat)
looks at the state of things, not at events: whatever is waiting or has
finished and has not been told to its people yet becomes one ``Notification``
row per person (the unique key means nobody is told twice, whichever worker
runs the sweep), then every unsent row is mailed through Django's e-mail
framework. A row whose sending failed keeps its error and is tried again by
the next sweep. Each person chooses the kinds they receive
(``NotificationSetting``); by default they receive every kind their role
concerns."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mis.approvals import approvals_waiting
from mis.models import Notification, NotificationKind, NotificationSetting
from mis.templatetags.mis_format import day

logger = logging.getLogger(__name__)

# Finished jobs older than this are not announced (a first sweep after an
# upgrade must not mail about last year's imports).
LOOKBACK = dt.timedelta(days=2)
DUE_SOON = dt.timedelta(days=7)
SEND_BATCH = 200

# Who may receive each kind: the permission that makes it their business
# (imports go to whoever uploaded, reviews to the strategy's owner).
KIND_PERMISSIONS = {
    NotificationKind.APPROVAL_WAITING: (
        "insight.approve_businesscase",
        "insight.approve_insightstrategy",
        "insight.approve_evaluation",
        "governance.approve_retentionrun",
    ),
    NotificationKind.REVIEW_OPENED: ("insight.change_evaluation",),
    NotificationKind.REQUEST_DUE: ("governance.change_datasubjectrequest",),
    NotificationKind.IMPORT_FINISHED: ("customers.add_importjob",),
    NotificationKind.SWEEP_FINISHED: (
        "customers.change_qualityissue",
        "customers.change_duplicatecandidate",
    ),
}


@dataclass(frozen=True)
class Message:
    kind: str
    key: str
    user: object
    subject: str
    body: str


def link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def kinds_for(user) -> list[tuple[str, str]]:
    """The kinds (value, label) this user's role concerns."""
    return [
        (kind.value, kind.label)
        for kind in NotificationKind
        if any(user.has_perm(code) for code in KIND_PERMISSIONS[kind])
    ]


def _users_with(*permissions: str):
    users = {}
    for code in permissions:
        # The model backend answers for permissions (axes, also installed,
        # only guards log-ins), so it is named: with_perm needs one backend.
        found = get_user_model().objects.with_perm(
            code, backend="django.contrib.auth.backends.ModelBackend"
        )
        for user in found.exclude(email=""):
            users[user.pk] = user
    return list(users.values())


# What each kind finds ----------------------------------------------------------


def _approvals() -> Iterator[Message]:
    for user in _users_with(*KIND_PERMISSIONS[NotificationKind.APPROVAL_WAITING]):
        for item in approvals_waiting(user=user):
            yield Message(
                NotificationKind.APPROVAL_WAITING,
                f"{item.kind.key}:{item.public_id}",
                user,
                f"Waiting for your approval: {item.title}",
                f"{item.kind.label} “{item.title}”"
                + (f" from {item.by}" if item.by else "")
                + f" waits for your decision.\n\n{item.detail}\n\n"
                f"Decide in the approvals inbox: {link(reverse('approvals'))}",
            )


def _reviews(since: dt.datetime) -> Iterator[Message]:
    from insight.models import Evaluation, EvaluationStatus

    opened = Evaluation.objects.filter(
        status=EvaluationStatus.OPEN, opened_at__gte=since
    ).select_related("strategy__owner")
    for evaluation in opened:
        owner = evaluation.strategy.owner
        if owner is None or not owner.email:
            continue
        yield Message(
            NotificationKind.REVIEW_OPENED,
            f"evaluation:{evaluation.public_id}",
            owner,
            f"A review of “{evaluation.strategy.title}” was opened",
            f"The strategy “{evaluation.strategy.title}”, which you own, is under review "
            f"({evaluation.get_kind_display().lower()}). Measure it, write the findings and "
            "submit a recommendation: "
            + link(reverse("insight:evaluation", args=[evaluation.public_id])),
        )


def _requests_due(now: dt.datetime) -> Iterator[Message]:
    from django.db.models import F
    from django.db.models.functions import Coalesce

    from governance.models import DataSubjectRequest, RequestStatus

    due = (
        DataSubjectRequest.objects.filter(status=RequestStatus.OPEN)
        .annotate(due=Coalesce("extended_due_at", F("due_at")))
        .filter(due__lte=now + DUE_SOON)
        .order_by("due")
    )
    handlers = _users_with(*KIND_PERMISSIONS[NotificationKind.REQUEST_DUE])
    for request in due:
        when = "is overdue" if request.due < now else f"is due on {day(request.due)}"
        for user in handlers:
            yield Message(
                NotificationKind.REQUEST_DUE,
                # A new due date (an extension) is a new reminder.
                f"request:{request.public_id}:{request.due.date().isoformat()}",
                user,
                f"A data-subject request {when}",
                f"The {request.get_kind_display().lower()} request received on "
                f"{day(request.received_at)} {when}. "
                f"{link(reverse('governance:request-detail', args=[request.public_id]))}",
            )


def _imports(since: dt.datetime) -> Iterator[Message]:
    from customers.models import ImportJob, ImportStatus

    finished = ImportJob.objects.filter(
        status__in=[ImportStatus.SUCCEEDED, ImportStatus.FAILED],
        finished_at__gte=since,
        created_by__isnull=False,
    ).select_related("created_by")
    for job in finished:
        if not job.created_by.email:
            continue
        if job.status == ImportStatus.FAILED:
            subject = f"Your import of {job.original_name} failed"
            summary = f"Nothing was written: {job.error}"
        else:
            subject = f"Your import of {job.original_name} finished"
            summary = (
                f"{job.created_count:,} added, {job.updated_count:,} updated, "
                f"{job.unchanged_count:,} unchanged, {job.rejected_count:,} rejected."
            )
        yield Message(
            NotificationKind.IMPORT_FINISHED,
            f"import:{job.public_id}:{job.status}",
            job.created_by,
            subject,
            f"{summary}\n\n{link(reverse('imports:detail', args=[job.public_id]))}",
        )


def _sweeps(since: dt.datetime) -> Iterator[Message]:
    from customers.models import DuplicateSweep, QualityRun

    kinds = (
        ("quality", QualityRun, "succeeded", "customers.change_qualityissue", "quality:dashboard"),
        (
            "duplicate",
            DuplicateSweep,
            "done",
            "customers.change_duplicatecandidate",
            "duplicates:queue",
        ),
    )
    for name, model, done, permission, url_name in kinds:
        finished = model.objects.filter(status__in=[done, "failed"], finished_at__gte=since)
        users = _users_with(permission) if finished else []
        for run in finished:
            failed = run.status == "failed"
            outcome = "failed" if failed else "finished"
            detail = f"It stopped: {run.error}" if failed else "The figures are up to date."
            for user in users:
                yield Message(
                    NotificationKind.SWEEP_FINISHED,
                    f"{name}-sweep:{run.pk}:{run.status}",
                    user,
                    f"The {name} sweep {outcome}",
                    f"The {name} sweep started {day(run.started_at)} {outcome}. {detail}\n\n"
                    + link(reverse(url_name)),
                )


# The sweep -----------------------------------------------------------------------


def _wanted(messages: list[Message]) -> list[Message]:
    """Leave out what a person turned off, and what they were already told."""
    if not messages:
        return []
    users = {m.user.pk for m in messages}
    off = set(
        NotificationSetting.objects.filter(user_id__in=users, enabled=False).values_list(
            "user_id", "kind"
        )
    )
    told = set(Notification.objects.filter(user_id__in=users).values_list("user_id", "kind", "key"))
    return [
        m
        for m in messages
        if (m.user.pk, m.kind) not in off and (m.user.pk, m.kind, m.key) not in told
    ]


def notifications_collect(*, now: dt.datetime | None = None) -> int:
    """Queue a Notification per person for whatever they have not been told
    yet. Returns how many were queued."""
    now = now or timezone.now()
    since = now - LOOKBACK
    found = [
        *_approvals(),
        *_reviews(since),
        *_requests_due(now),
        *_imports(since),
        *_sweeps(since),
    ]
    queued = 0
    for message in _wanted(found):
        try:
            with transaction.atomic():
                Notification.objects.create(
                    user=message.user,
                    kind=message.kind,
                    key=message.key[:200],
                    subject=message.subject[:200],
                    body=message.body,
                )
        except IntegrityError:  # another sweep queued it meanwhile
            continue
        queued += 1
    return queued


def _send_one(notification: Notification, connection) -> int:
    message = EmailMessage(
        subject=f"[MIS] {notification.subject}",
        body=notification.body
        + "\n\n—\nChoose which e-mails you receive: "
        + link(reverse("notification-settings")),
        to=[notification.user.email],
        connection=connection,
    )
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 - any failure: keep it, try again
        logger.warning("notification %s not sent: %s", notification.pk, error)
        Notification.objects.filter(pk=notification.pk).update(error=str(error)[:2000])
        return 0
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now(), error="")
    return 1


def notifications_send(*, limit: int = SEND_BATCH) -> int:
    """Mail the unsent notifications, oldest first, over one connection.
    Returns how many were sent; a failure is kept on its row for the next try."""
    pending = list(
        Notification.objects.filter(sent_at__isnull=True)
        .select_related("user")
        .order_by("created_at", "pk")[:limit]
    )
    if not pending:
        return 0
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - no server: every row waits for the next sweep
        logger.warning("notifications not sent, no mail server: %s", error)
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(error=str(error)[:2000])
        return 0
    sent = 0
    try:
        for notification in pending:
            sent += _send_one(notification, connection)
    finally:
        connection.close()
    return sent


def notifications_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Collect, then send. Safe to run at any time and from any worker."""
    return {"queued": notifications_collect(now=now), "sent": notifications_send()}


def notification_settings_save(*, user, enabled: set[str]) -> None:
    """Keep ``enabled`` kinds on and turn every other kind the user's role
    concerns off."""
    with transaction.atomic():
        for kind, _ in kinds_for(user):
            NotificationSetting.objects.update_or_create(
                user=user, kind=kind, defaults={"enabled": kind in enabled}
            )
