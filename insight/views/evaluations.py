"""Evaluation pages: what opened the review, the criteria measured, and the
recommendation submitted for a manager's approval."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from insight import selectors, services
from insight.admin_actions import refusal_text
from insight.models import (
    Evaluation,
    Recommendation,
)


@require_GET
@permission_required("insight.view_evaluation", raise_exception=True)
def evaluation_detail(request, public_id):
    evaluation = get_object_or_404(
        Evaluation.objects.select_related("strategy", "submitted_by", "approved_by"),
        public_id=public_id,
    )
    return render(
        request,
        "insight/evaluation.html",
        {
            "evaluation": evaluation,
            "triggers": evaluation.triggers.select_related("actor"),
            "results": evaluation.results.select_related("criterion"),
            "recommendations": Recommendation.choices,
            "history": selectors.transitions_of(evaluation),
        },
    )


@require_POST
@permission_required("insight.change_evaluation", raise_exception=True)
def evaluation_submit(request, public_id):
    evaluation = get_object_or_404(Evaluation, public_id=public_id)
    try:
        services.evaluation_submit(
            evaluation=evaluation,
            actor=request.user,
            recommendation=request.POST.get("recommendation", ""),
            rationale=request.POST.get("rationale", ""),
            notes=request.POST.get("notes", ""),
            feedback_summary=request.POST.get("feedback_summary", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, "Submitted: a manager approves it in admin.")
    return redirect("insight:evaluation", public_id=evaluation.public_id)
