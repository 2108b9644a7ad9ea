"""Input and output shapes of the insight API. Input serializers check
types only; the services (and the models' own rules) judge the content."""

from rest_framework import serializers

from insight import selectors, services
from insight.models import (
    Comparator,
    Confidence,
    Evaluation,
    EvaluationResult,
    Insight,
    InsightStatus,
    InsightStrategy,
    Recommendation,
    ReviewTrigger,
    StrategyStatus,
    SuccessCriterion,
)
from mis.api.serializers import StrictInputSerializer

_USER = {"slug_field": "username", "read_only": True}


class StrategyOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    owner = serializers.SlugRelatedField(**_USER)
    approved_by = serializers.SlugRelatedField(**_USER)

    class Meta:
        model = InsightStrategy
        fields = [
            "id",
            "title",
            "summary",
            "marketing_strategy",
            "customer_base",
            "information_use",
            "analysis_approach",
            "expert_advice",
            "status",
            "owner",
            "approved_by",
            "approved_at",
            "review_interval_months",
            "next_review_on",
            "quality_metric",
            "quality_params",
            "quality_threshold",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class StrategyDetailSerializer(StrategyOutputSerializer):
    """One strategy, with what its approval still needs (three queries, so
    not in lists)."""

    approval_missing = serializers.SerializerMethodField(
        help_text="What approval still needs (empty once approved)."
    )

    class Meta(StrategyOutputSerializer.Meta):
        fields = [*StrategyOutputSerializer.Meta.fields, "approval_missing"]
        read_only_fields = fields

    def get_approval_missing(self, strategy) -> list[str]:
        if strategy.status not in (StrategyStatus.DRAFT, StrategyStatus.IN_CONSULTATION):
            return []
        return services.strategy_approval_missing(strategy)


class StrategyInputSerializer(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField()
    marketing_strategy = serializers.CharField()
    customer_base = serializers.CharField(required=False, allow_blank=True)
    information_use = serializers.CharField(required=False, allow_blank=True)
    analysis_approach = serializers.CharField(required=False, allow_blank=True)
    expert_advice = serializers.CharField(required=False, allow_blank=True)
    review_interval_months = serializers.IntegerField(required=False)
    quality_metric = serializers.CharField(required=False)
    quality_params = serializers.DictField(required=False)
    quality_threshold = serializers.DecimalField(
        max_digits=18, decimal_places=4, required=False, allow_null=True
    )


class TransitionInputSerializer(StrictInputSerializer):
    to = serializers.ChoiceField(choices=StrategyStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(allow_blank=True)


class CriterionOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    strategy = serializers.UUIDField(source="strategy.public_id", read_only=True)
    statement = serializers.CharField(read_only=True)
    smart_warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    measured = serializers.SerializerMethodField(help_text="The metric measured live now.")

    class Meta:
        model = SuccessCriterion
        fields = [
            "id",
            "strategy",
            "description",
            "metric",
            "params",
            "comparator",
            "target",
            "deadline",
            "statement",
            "smart_warnings",
            "measured",
        ]
        read_only_fields = fields

    def get_measured(self, criterion) -> dict:
        # One Measures for the whole response: criteria sharing a measure take
        # it once; today's snapshot is used unless the caller asks ?live=true.
        request = self.context.get("request")
        live = request is not None and request.query_params.get("live") == "true"
        measures = self.context.setdefault("measures", selectors.Measures(live=live))
        result = selectors.criterion_measure(criterion, measures=measures)
        met = result.met
        return {
            # As a string, like every decimal of the API: no float rounding.
            "value": None if result.value is None else str(result.value),
            "display": result.display,
            "met": met,
            "source": result.source,
        }


class CriterionInputSerializer(StrictInputSerializer):
    strategy = serializers.SlugRelatedField(
        slug_field="public_id", queryset=InsightStrategy.objects.all()
    )
    description = serializers.CharField(max_length=300)
    metric = serializers.CharField(required=False, allow_blank=True)
    params = serializers.DictField(required=False)
    comparator = serializers.ChoiceField(choices=Comparator.choices, required=False)
    target = serializers.DecimalField(
        max_digits=18, decimal_places=4, required=False, allow_null=True
    )
    deadline = serializers.DateField(required=False, allow_null=True)


class TriggerSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(**_USER)

    class Meta:
        model = ReviewTrigger
        fields = ["kind", "reason", "actor", "at"]
        read_only_fields = fields


class ResultSerializer(serializers.ModelSerializer):
    criterion = serializers.UUIDField(source="criterion.public_id", read_only=True)

    class Meta:
        model = EvaluationResult
        fields = ["criterion", "value", "display", "met", "measured_on"]
        read_only_fields = fields


class EvaluationOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    strategy = serializers.UUIDField(source="strategy.public_id", read_only=True)
    submitted_by = serializers.SlugRelatedField(**_USER)
    approved_by = serializers.SlugRelatedField(**_USER)
    triggers = TriggerSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "strategy",
            "kind",
            "status",
            "opened_at",
            "triggers",
            "results",
            "notes",
            "feedback_summary",
            "recommendation",
            "rationale",
            "submitted_by",
            "submitted_at",
            "approved_by",
            "approved_at",
        ]
        read_only_fields = fields


class EvaluationSubmitSerializer(StrictInputSerializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    rationale = serializers.CharField()
    notes = serializers.CharField(required=False, allow_blank=True)
    feedback_summary = serializers.CharField(required=False, allow_blank=True)


class CommentInputSerializer(StrictInputSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class InsightOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    strategy = serializers.UUIDField(source="strategy.public_id", read_only=True)
    owner = serializers.SlugRelatedField(**_USER)
    evidence_file = serializers.SerializerMethodField(
        help_text="Where to download the attached file (signed-in readers only)."
    )

    class Meta:
        model = Insight
        fields = [
            "id",
            "strategy",
            "finding",
            "evidence_url",
            "evidence_metric",
            "evidence_file",
            "confidence",
            "recommended_action",
            "owner",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_evidence_file(self, insight) -> str | None:
        if not insight.evidence_file:
            return None
        from django.urls import reverse

        return reverse("insight:insight-evidence", args=[insight.public_id])


class InsightInputSerializer(StrictInputSerializer):
    strategy = serializers.SlugRelatedField(
        slug_field="public_id", queryset=InsightStrategy.objects.all()
    )
    finding = serializers.CharField()
    evidence_url = serializers.CharField(required=False, allow_blank=True, max_length=500)
    evidence_metric = serializers.CharField(required=False, allow_blank=True)
    evidence_file = serializers.FileField(required=False)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    recommended_action = serializers.CharField()
    status = serializers.ChoiceField(choices=InsightStatus.choices, required=False)
