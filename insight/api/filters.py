"""Query filters of the insight API: each value is checked (a strategy's
public id, a known status), so a bad one is a 400 that names the filter."""

import django_filters

from insight.models import (
    Confidence,
    Evaluation,
    EvaluationStatus,
    Insight,
    InsightStatus,
    InsightStrategy,
    StrategyStatus,
    SuccessCriterion,
)


def _strategy():
    return django_filters.UUIDFilter(field_name="strategy__public_id", label="Strategy id")


class StrategyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=StrategyStatus.choices)

    class Meta:
        model = InsightStrategy
        fields: list[str] = []


class CriterionFilter(django_filters.FilterSet):
    strategy = _strategy()

    class Meta:
        model = SuccessCriterion
        fields: list[str] = []


class EvaluationFilter(django_filters.FilterSet):
    strategy = _strategy()
    status = django_filters.ChoiceFilter(choices=EvaluationStatus.choices)

    class Meta:
        model = Evaluation
        fields: list[str] = []


class InsightFilter(django_filters.FilterSet):
    strategy = _strategy()
    status = django_filters.ChoiceFilter(choices=InsightStatus.choices)
    confidence = django_filters.ChoiceFilter(choices=Confidence.choices)

    class Meta:
        model = Insight
        fields: list[str] = []
