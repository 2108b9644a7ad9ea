"""The insight API: strategies (and their lifecycle), success criteria,
evaluations and insights. Thin views: input checked for shape, the services
decide, their ValidationError becomes a 400 with messages per field and
their PermissionDenied a 403."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from insight import services
from insight.api import filters
from insight.api import serializers as s
from insight.models import Evaluation, Insight, InsightStrategy, SuccessCriterion
from insight.services.records import record_create, record_update
from mis.api.permissions import RoleModelPermissions


class ReadPermission(RoleModelPermissions):
    """For lifecycle actions: reading the resource is enough to ask; the
    service says whether this person may make the move."""

    perms_map = {method: ["%(app_label)s.view_%(model_name)s"] for method in ("GET", "POST")}


class _ListRetrieve(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "public_id"

    def respond(self, instance, code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=code)

    def payload(self, serializer_class, *, partial=False) -> dict:
        payload = serializer_class(data=self.request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        return dict(payload.validated_data)


class StrategyViewSet(_ListRetrieve):
    """Insight strategies. ``?status=`` filters. Moves through the lifecycle
    with ``transition/``; a legal or regulatory change opens a review with
    ``legal-review/``."""

    def get_serializer_class(self):
        if self.action == "list":
            return s.StrategyOutputSerializer
        return s.StrategyDetailSerializer

    filterset_class = filters.StrategyFilter

    def get_queryset(self):
        return InsightStrategy.objects.select_related("owner", "approved_by")

    @extend_schema(request=s.StrategyInputSerializer, responses={201: s.StrategyDetailSerializer})
    def create(self, request):
        data = self.payload(s.StrategyInputSerializer)
        return self.respond(
            services.strategy_create(actor=request.user, data=data), status.HTTP_201_CREATED
        )

    @extend_schema(request=s.StrategyInputSerializer, responses={200: s.StrategyDetailSerializer})
    def partial_update(self, request, public_id=None):
        data = self.payload(s.StrategyInputSerializer, partial=True)
        strategy = self.get_object()
        return self.respond(
            services.strategy_update(strategy=strategy, actor=request.user, data=data)
        )

    @extend_schema(request=s.TransitionInputSerializer, responses={200: s.StrategyDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ReadPermission])
    def transition(self, request, public_id=None):
        data = self.payload(s.TransitionInputSerializer)
        strategy = self.get_object()
        services.strategy_transition(
            strategy=strategy, to=data["to"], actor=request.user, reason=data["reason"]
        )
        return self.respond(strategy)

    @extend_schema(request=s.CommentInputSerializer, responses={200: s.StrategyDetailSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="agree-plan",
        permission_classes=[IsAuthenticated, ReadPermission],
    )
    def agree_plan(self, request, public_id=None):
        """Agree the collection plan: its tasks' dates and budgets become the
        baseline (a manager who does not own the strategy)."""
        data = self.payload(s.CommentInputSerializer)
        strategy = self.get_object()
        services.plan_agree(strategy=strategy, actor=request.user, **data)
        return self.respond(strategy)

    @extend_schema(request=s.ReasonInputSerializer, responses={201: s.EvaluationOutputSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="legal-review",
        permission_classes=[IsAuthenticated, ReadPermission],
    )
    def legal_review(self, request, public_id=None):
        data = self.payload(s.ReasonInputSerializer)
        trigger = services.evaluation_request_for_legal_change(
            strategy=self.get_object(), actor=request.user, reason=data["reason"]
        )
        evaluation = EvaluationViewSet.base_queryset().get(pk=trigger.evaluation_id)
        return Response(
            s.EvaluationOutputSerializer(evaluation).data, status=status.HTTP_201_CREATED
        )


class PublicIdPagination(CursorPagination):
    """Keyset pages for records without a creation time: ordered by their
    public id (stable, and it gives nothing away)."""

    ordering = "public_id"
    page_size = 50


class CriterionViewSet(_ListRetrieve):
    """Success criteria, each measured live (``measured``). ``?strategy=<id>``
    filters. Written only while the strategy may be edited."""

    serializer_class = s.CriterionOutputSerializer
    pagination_class = PublicIdPagination

    filterset_class = filters.CriterionFilter

    def get_queryset(self):
        return SuccessCriterion.objects.select_related("strategy")

    @extend_schema(request=s.CriterionInputSerializer, responses={201: s.CriterionOutputSerializer})
    def create(self, request):
        data = self.payload(s.CriterionInputSerializer)
        strategy = data.pop("strategy")
        criterion = services.criterion_create(strategy=strategy, actor=request.user, data=data)
        return self.respond(criterion, status.HTTP_201_CREATED)

    @extend_schema(request=s.CriterionInputSerializer, responses={200: s.CriterionOutputSerializer})
    def partial_update(self, request, public_id=None):
        data = self.payload(s.CriterionInputSerializer, partial=True)
        if "strategy" in data:
            return Response(
                {"strategy": ["A criterion stays with its strategy."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        criterion = self.get_object()
        return self.respond(
            services.criterion_update(criterion=criterion, actor=request.user, data=data)
        )


class EvaluationPagination(CursorPagination):
    ordering = "-opened_at"
    page_size = 50


class EvaluationViewSet(_ListRetrieve):
    """Evaluations with their triggers and measured criteria. They open from
    triggers (never by POST here); ``submit/`` makes the recommendation and
    ``approve/`` (a manager who did not submit it) agrees it."""

    serializer_class = s.EvaluationOutputSerializer
    pagination_class = EvaluationPagination

    @staticmethod
    def base_queryset():
        return Evaluation.objects.select_related(
            "strategy", "submitted_by", "approved_by"
        ).prefetch_related("triggers__actor", "results__criterion")

    filterset_class = filters.EvaluationFilter

    def get_queryset(self):
        return self.base_queryset()

    @extend_schema(
        request=s.EvaluationSubmitSerializer, responses={200: s.EvaluationOutputSerializer}
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ReadPermission])
    def submit(self, request, public_id=None):
        data = self.payload(s.EvaluationSubmitSerializer)
        evaluation = self.get_object()
        services.evaluation_submit(evaluation=evaluation, actor=request.user, **data)
        return self.respond(evaluation)

    @extend_schema(request=s.CommentInputSerializer, responses={200: s.EvaluationOutputSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, ReadPermission])
    def approve(self, request, public_id=None):
        data = self.payload(s.CommentInputSerializer)
        evaluation = self.get_object()
        services.evaluation_approve(evaluation=evaluation, actor=request.user, **data)
        return self.respond(evaluation)


class InsightViewSet(_ListRetrieve):
    """Insights. ``?strategy=``, ``?status=``, ``?confidence=`` filter. An
    evidence file is sent as multipart form data."""

    serializer_class = s.InsightOutputSerializer

    filterset_class = filters.InsightFilter

    def get_queryset(self):
        return Insight.objects.select_related("strategy", "owner")

    @extend_schema(request=s.InsightInputSerializer, responses={201: s.InsightOutputSerializer})
    def create(self, request):
        data = self.payload(s.InsightInputSerializer)
        insight = record_create(Insight, actor=request.user, data=data, owner=request.user)
        return self.respond(insight, status.HTTP_201_CREATED)

    @extend_schema(request=s.InsightInputSerializer, responses={200: s.InsightOutputSerializer})
    def partial_update(self, request, public_id=None):
        data = self.payload(s.InsightInputSerializer, partial=True)
        insight = self.get_object()
        return self.respond(record_update(insight, actor=request.user, data=data))
