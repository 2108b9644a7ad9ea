"""The REST resources of business cases, stakeholders and consultations,
requirements, sources and options, plan tasks and their revisions, problems
and feedback (declared with ``insight.api.records.resource``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from insight import services
from insight.api.records import RecordViewSet, resource
from insight.api.serializers import CommentInputSerializer, ReasonInputSerializer
from insight.api.views import ReadPermission
from insight.forms import RECORDS
from insight.models import (
    AcceptanceCheck,
    BusinessCase,
    BusinessCaseObjective,
    BusinessCaseOption,
    BusinessCaseRisk,
    CodeOfPractice,
    CollectionOption,
    CollectionTask,
    Consultation,
    DevelopmentTask,
    Feedback,
    FeedbackSource,
    FunctionalRequirement,
    Improvement,
    InformationRequirement,
    InformationSource,
    Problem,
    Stakeholder,
    TaskRevision,
)
from mis.api.serializers import StrictInputSerializer

LIFECYCLE = [IsAuthenticated, ReadPermission]  # the service judges who may


def _fields(kind: str) -> list[str]:
    """The fields people write, as on the record's page form."""
    return list(RECORDS[kind].fields)


def _payload(request, serializer_class) -> dict:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    return dict(payload.validated_data)


class _BusinessCaseActions(RecordViewSet):
    @extend_schema(request=ReasonInputSerializer)
    @action(detail=True, methods=["post"], permission_classes=LIFECYCLE)
    def submit(self, request, public_id=None):
        data = _payload(request, ReasonInputSerializer)
        case = services.business_case_submit(
            case=self.get_object(), actor=request.user, reason=data["reason"]
        )
        return self.respond(case)

    @extend_schema(request=CommentInputSerializer)
    @action(detail=True, methods=["post"], permission_classes=LIFECYCLE)
    def approve(self, request, public_id=None):
        data = _payload(request, CommentInputSerializer)
        return self.respond(
            services.business_case_approve(case=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=CommentInputSerializer)
    @action(detail=True, methods=["post"], permission_classes=LIFECYCLE)
    def reject(self, request, public_id=None):
        data = _payload(request, CommentInputSerializer)
        return self.respond(
            services.business_case_reject(case=self.get_object(), actor=request.user, **data)
        )


BusinessCaseViewSet = resource(
    BusinessCase,
    _fields("business-case"),
    read_only=("status", "author", "submitted_at", "decided_by", "decided_at", "decision_comment"),
    creator="author",
    filters=("status",),
    select_related=("author", "decided_by", "recommended_option"),
    doc="Business cases. ``submit/`` sends one to the decision makers; ``approve/`` and "
    "``reject/`` (a manager who did not write it) decide. Changed only as a draft or after "
    "a rejection.",
    base=_BusinessCaseActions,
)
_CASE_PART = {"filters": ("case",), "select_related": ("case",)}
ObjectiveViewSet = resource(BusinessCaseObjective, _fields("case-objective"), **_CASE_PART)
CaseOptionViewSet = resource(
    BusinessCaseOption,
    _fields("case-option"),
    **_CASE_PART,
)
RiskViewSet = resource(
    BusinessCaseRisk,
    _fields("case-risk"),
    **_CASE_PART,
)
StakeholderViewSet = resource(
    Stakeholder,
    _fields("stakeholder"),
    filters=("role",),
)
ConsultationViewSet = resource(
    Consultation,
    _fields("consultation"),
    read_only=("recorded_by",),
    create=lambda actor, data: services.consultation_record(actor=actor, **data),
    filters=("strategy", "business_case"),
    select_related=("stakeholder", "business_case", "strategy", "recorded_by"),
)
RequirementViewSet = resource(
    InformationRequirement,
    _fields("requirement"),
    read_only=("created_by",),
    creator="created_by",
    filters=("strategy", "need", "moscow"),
    select_related=("strategy", "created_by"),
    doc="Information requirements. Changed only while their strategy may be edited.",
)
SourceViewSet = resource(
    InformationSource,
    _fields("source"),
    filters=("kind",),
    select_related=("owner",),
)
OptionViewSet = resource(
    CollectionOption,
    _fields("option"),
    filters=("requirement", "source"),
    select_related=("requirement", "source"),
)
TaskViewSet = resource(
    CollectionTask,
    _fields("task"),
    read_only=("baseline_starts_on", "baseline_due_on", "baseline_budget"),
    filters=("strategy", "status"),
    select_related=("strategy", "owner", "option"),
    doc="Tasks of collection plans. Once the plan is agreed a task keeps its agreed dates "
    "and budget (``baseline_*``): propose a change through ``revisions/``.",
)


class RevisionInputSerializer(StrictInputSerializer):
    task = serializers.PrimaryKeyRelatedField(queryset=CollectionTask.objects.all())
    starts_on = serializers.DateField(required=False)
    due_on = serializers.DateField(required=False)
    budget_planned = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False
    )
    reason = serializers.CharField()


class _RevisionActions(RecordViewSet):
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self):
        if self.action in ("create", "approve", "reject"):
            return [permission() for permission in LIFECYCLE]
        return super().get_permissions()

    @extend_schema(request=RevisionInputSerializer)
    def create(self, request):
        data = _payload(request, RevisionInputSerializer)
        revision = services.task_revision_propose(actor=request.user, **data)
        return self.respond(revision, status.HTTP_201_CREATED)

    @extend_schema(request=CommentInputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, public_id=None):
        data = _payload(request, CommentInputSerializer)
        return self.respond(
            services.task_revision_approve(revision=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=CommentInputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, public_id=None):
        data = _payload(request, CommentInputSerializer)
        return self.respond(
            services.task_revision_reject(revision=self.get_object(), actor=request.user, **data)
        )


RevisionViewSet = resource(
    TaskRevision,
    [],
    read_only=(
        "task",
        "from_starts_on",
        "from_due_on",
        "from_budget",
        "starts_on",
        "due_on",
        "budget_planned",
        "reason",
        "status",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "decided_at",
        "decision_comment",
    ),
    filters=("task", "status"),
    select_related=("task", "proposed_by", "decided_by"),
    doc="Revisions of agreed plan tasks: proposed with a reason (POST), approved or "
    "rejected by a manager who did not propose them. Kept for good.",
    base=_RevisionActions,
)


class _ProblemActions(RecordViewSet):
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=CommentInputSerializer)
    @action(detail=True, methods=["post"], permission_classes=LIFECYCLE)
    def triage(self, request, pk=None):
        data = _payload(request, CommentInputSerializer)
        problem = self.get_object()
        return self.respond(
            services.problem_triage(
                problem=problem,
                actor=request.user,
                severity=problem.severity,
                notes=data["comment"],
            )
        )

    @extend_schema(request=CommentInputSerializer)
    @action(detail=True, methods=["post"], permission_classes=LIFECYCLE)
    def resolve(self, request, pk=None):
        data = _payload(request, CommentInputSerializer)
        return self.respond(
            services.problem_resolve(
                problem=self.get_object(), actor=request.user, resolution=data["comment"]
            )
        )


ProblemViewSet = resource(
    Problem,
    ["title", "report", "severity", "strategy", "area"],
    read_only=(
        "status",
        "reported_by",
        "reported_at",
        "assigned_to",
        "triage_notes",
        "resolution",
        "resolved_at",
    ),
    create=lambda actor, data: services.problem_report(actor=actor, **data),
    filters=("status", "severity", "strategy", "area"),
    select_related=("strategy", "reported_by", "assigned_to"),
    doc="The problem log. Every role, the integration role included, reports problems "
    "(POST); a high or critical one naming a strategy opens that strategy's review. "
    "``triage/`` and ``resolve/`` are for the steward and managers.",
    base=_ProblemActions,
)


def _feedback_create(actor, data):
    if data.get("source") == FeedbackSource.USER:
        return services.feedback_give(
            author=actor, rating=data.get("rating"), comment=data.get("comment", "")
        )
    return services.feedback_record(actor=actor, **data)


class _FeedbackBase(RecordViewSet):
    http_method_names = ["get", "post", "head", "options"]


FeedbackViewSet = resource(
    Feedback,
    ["source", "rating", "comment", "stakeholder", "customer", "strategy"],
    read_only=("author", "created_at"),
    create=_feedback_create,
    filters=("source", "strategy"),
    select_related=("author", "stakeholder", "customer", "strategy"),
    doc="Feedback: a user's rating of the system (source ``user``), or what a stakeholder "
    "or customer said (``stakeholder``, ``customer``), passed on by staff or an integration.",
    base=_FeedbackBase,
)


# The information system's own development.
FunctionalRequirementViewSet = resource(
    FunctionalRequirement,
    ["reference", "statement", "moscow", "owner"],
    filters=("moscow",),
    select_related=("owner",),
    doc="Functional requirements of MIS itself, each shown met by its acceptance checks.",
)
AcceptanceCheckViewSet = resource(
    AcceptanceCheck,
    [
        "requirement",
        "kind",
        "description",
        "metric",
        "params",
        "comparator",
        "target",
        "test_reference",
        "evidence",
    ],
    read_only=("result", "result_display", "checked_at", "checked_by"),
    filters=("requirement", "kind", "result"),
    select_related=("requirement", "checked_by"),
    doc="Acceptance checks: a metric against a target, a test of the suite, or a manual "
    "sign-off with evidence. Results are written by measuring, a recorded test run or a "
    "sign-off (admin, ``manage.py acceptance_checks``), never directly.",
)
DevelopmentTaskViewSet = resource(
    DevelopmentTask,
    [
        "title",
        "description",
        "owner",
        "starts_on",
        "due_on",
        "budget_planned",
        "budget_actual",
        "status",
        "requirement",
        "improvement",
    ],
    filters=("status", "requirement"),
    select_related=("owner", "requirement", "improvement"),
    doc="The plan for developing MIS itself, separate from any strategy.",
)
ImprovementViewSet = resource(
    Improvement,
    ["title", "description", "moscow", "owner"],
    read_only=("source", "status", "status_note", "problem", "raised_by", "created_at"),
    create=lambda actor, data: services.system.improvement_raise(actor=actor, **data),
    filters=("status", "source"),
    select_related=("owner", "problem", "raised_by"),
    doc="The improvement backlog of MIS. Items raised from a problem, feedback or an "
    "evaluation come from admin; status moves through admin actions.",
    http_method_names=["get", "post", "head", "options"],
)
CodeOfPracticeViewSet = resource(
    CodeOfPractice,
    ["title", "source", "duties", "owner", "review_interval_months", "next_review_on", "evidence"],
    read_only=("last_reviewed_on",),
    select_related=("owner",),
    doc="Codes of practice and legal duties, with their review dates: a review that falls "
    "due opens an unscheduled review of the strategies they bear on.",
)
