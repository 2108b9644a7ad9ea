"""The forms through which marketing staff write the insight records in the
browser (managers may also use admin). Each record kind names its model, the
fields people fill in, and the services that create and change it, so a page
saves exactly what the API and admin would save, with the same checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError

from insight import services
from insight.models import (
    BusinessCase,
    BusinessCaseObjective,
    BusinessCaseOption,
    BusinessCaseRisk,
    CollectionOption,
    CollectionTask,
    Consultation,
    Feedback,
    FeedbackSource,
    InformationRequirement,
    InformationSource,
    Insight,
    InsightStrategy,
    Stakeholder,
    SuccessCriterion,
)
from insight.models.requirements import customer_fields
from insight.services import guards
from insight.services.records import record_create, record_update
from mis import metrics
from mis.forms import form_errors_add

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


@dataclass
class Record:
    model: type
    fields: list[str]
    title: str  # "requirement": "Add a requirement", "Edit requirement"
    creator: str = ""  # the field that records who created it
    create: Callable | None = None  # (actor, data) -> instance; default record_create
    update: Callable | None = None  # (instance, actor, data) -> instance
    widgets: dict = field(default_factory=dict)
    # For a choice field, the values this form offers (others are kept elsewhere).
    limit_choices: dict = field(default_factory=dict)


def _strategy_create(actor, data):
    return services.strategy_create(actor=actor, data=data)


def _strategy_update(instance, actor, data):
    return services.strategy_update(strategy=instance, actor=actor, data=data)


def _criterion_create(actor, data):
    strategy = data.pop("strategy")
    return services.criterion_create(strategy=strategy, actor=actor, data=data)


def _consultation_create(actor, data):
    # Through its service: a consultation on a case also lists the
    # stakeholder on the case.
    return services.consultation_record(actor=actor, **data)


def _feedback_create(actor, data):
    return services.feedback_record(actor=actor, **data)


def _criterion_update(instance, actor, data):
    data.pop("strategy", None)
    return services.criterion_update(criterion=instance, actor=actor, data=data)


_STRATEGY_TEXTS = (
    "summary",
    "marketing_strategy",
    "customer_base",
    "information_use",
    "analysis_approach",
    "expert_advice",
)

RECORDS: dict[str, Record] = {
    "business-case": Record(
        BusinessCase,
        ["title", "problem", "marketing_strategy", "recommended_option"],
        "business case",
        creator="author",
        widgets={"problem": TEXT, "marketing_strategy": TEXT},
    ),
    "case-objective": Record(
        BusinessCaseObjective,
        ["case", "statement", "strategy_goal", "target"],
        "objective",
    ),
    "case-option": Record(
        BusinessCaseOption,
        ["case", "name", "description", "cost", "benefit", "benefit_notes"],
        "option",
        widgets={"description": TEXT, "benefit_notes": TEXT},
    ),
    "case-risk": Record(
        BusinessCaseRisk,
        ["case", "description", "likelihood", "impact", "mitigation"],
        "risk",
        widgets={"mitigation": TEXT},
    ),
    "stakeholder": Record(
        Stakeholder,
        ["name", "organisation", "email", "role", "influence", "interest", "user"],
        "stakeholder",
    ),
    "consultation": Record(
        Consultation,
        [
            "stakeholder",
            "business_case",
            "strategy",
            "held_on",
            "topic",
            "feedback_summary",
            "committed",
        ],
        "consultation",
        create=_consultation_create,
        widgets={"held_on": DATE, "feedback_summary": TEXT},
    ),
    "requirement": Record(
        InformationRequirement,
        [
            "strategy",
            "statement",
            "need",
            "moscow",
            "marketing_objective",
            "usage",
            "fields",
            "min_completeness",
            "min_validity",
        ],
        "information requirement",
        creator="created_by",
        widgets={"usage": TEXT},
    ),
    "source": Record(
        InformationSource,
        [
            "name",
            "kind",
            "description",
            "annual_cost",
            "reliability",
            "refresh",
            "legal_basis",
            "owner",
        ],
        "information source",
        widgets={"description": TEXT},
    ),
    "option": Record(
        CollectionOption,
        ["requirement", "source", "method", "cost", "benefit", "risk", "notes"],
        "collection option",
        widgets={"notes": TEXT},
    ),
    "strategy": Record(
        InsightStrategy,
        [
            "title",
            "summary",
            "marketing_strategy",
            "customer_base",
            "information_use",
            "analysis_approach",
            "expert_advice",
            "business_case",
            "review_interval_months",
            "quality_metric",
            "quality_params",
            "quality_threshold",
        ],
        "insight strategy",
        create=_strategy_create,
        update=_strategy_update,
        widgets=dict.fromkeys(_STRATEGY_TEXTS, TEXT),
    ),
    "criterion": Record(
        SuccessCriterion,
        ["strategy", "description", "metric", "params", "comparator", "target", "deadline"],
        "success criterion",
        create=_criterion_create,
        update=_criterion_update,
        widgets={"deadline": DATE},
    ),
    "task": Record(
        CollectionTask,
        [
            "strategy",
            "title",
            "description",
            "option",
            "owner",
            "starts_on",
            "due_on",
            "budget_planned",
            "budget_actual",
            "status",
            "completed_on",
            "procedures",
        ],
        "plan task",
        widgets={
            "starts_on": DATE,
            "due_on": DATE,
            "completed_on": DATE,
            "description": TEXT,
            "procedures": TEXT,
        },
    ),
    "feedback": Record(
        Feedback,
        ["source", "stakeholder", "rating", "comment", "strategy"],
        "stakeholder or customer feedback",
        create=_feedback_create,
        widgets={"comment": TEXT},
        # Users rate the system through the footer link; here staff enter what
        # stakeholders and customers said.
        limit_choices={"source": [FeedbackSource.STAKEHOLDER, FeedbackSource.CUSTOMER]},
    ),
    "insight": Record(
        Insight,
        [
            "strategy",
            "finding",
            "evidence_url",
            "evidence_metric",
            "evidence_file",
            "confidence",
            "recommended_action",
            "status",
        ],
        "insight",
        creator="owner",
        widgets={"finding": TEXT, "recommended_action": TEXT},
    ),
}


def _metric_choices():
    return [("", "—"), *((m.name, m.label) for m in metrics.all_metrics())]


def form_class(kind: str, *, instance=None) -> type[forms.ModelForm]:
    record = RECORDS[kind]

    class RecordForm(forms.ModelForm):
        class Meta:
            model = record.model
            fields = record.fields
            widgets = record.widgets

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if "fields" in self.fields:
                # The data components as tick boxes, not a JSON list to type.
                self.fields["fields"] = forms.MultipleChoiceField(
                    choices=[(f, f.replace("_", " ")) for f in customer_fields()],
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    initial=getattr(self.instance, "fields", []),
                    help_text="The customer fields it needs; their coverage is measured.",
                )
            for name in ("metric", "evidence_metric", "quality_metric"):
                if name in self.fields:
                    self.fields[name] = forms.ChoiceField(
                        choices=_metric_choices(),
                        required=name == "quality_metric",
                        initial=getattr(self.instance, name, ""),
                        help_text=self.fields[name].help_text,
                    )
            for name, allowed in record.limit_choices.items():
                self.fields[name].choices = [
                    (value, label) for value, label in self.fields[name].choices if value in allowed
                ]
            if "recommended_option" in self.fields:
                case = self.instance if self.instance.pk else None
                self.fields["recommended_option"].queryset = BusinessCaseOption.objects.filter(
                    case=case
                )
            if "case" in self.fields:
                self.fields["case"].queryset = BusinessCase.objects.filter(
                    status__in=guards.CASE_EDITABLE
                )

    return RecordForm


def record_save(kind: str, *, form: forms.ModelForm, actor, instance=None):
    """Create or change the record through its service; a refusal becomes
    the form's errors (per field where the service names one)."""
    record = RECORDS[kind]
    data = {name: form.cleaned_data[name] for name in record.fields if name in form.cleaned_data}
    if "evidence_file" in data and not data["evidence_file"]:
        data.pop("evidence_file")  # no new upload: keep the file
    try:
        if instance is None:
            if record.create is not None:
                return record.create(actor, data)
            extra = {record.creator: actor} if record.creator else {}
            return record_create(record.model, actor=actor, data=data, **extra)
        if record.update is not None:
            return record.update(instance, actor, data)
        return record_update(instance, actor=actor, data=data)
    except ValidationError as error:
        form_errors_add(form, error)
        return None
