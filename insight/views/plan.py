"""The collection plan: its timeline (baseline against current), its
agreement by a manager, and revisions of an agreed task's dates or budget,
proposed and decided here."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from insight import services
from insight.admin_actions import refusal_text
from insight.models import CollectionTask, InsightStrategy, TaskRevision
from insight.plan import WIDTH, plan_overview


@require_GET
@permission_required("insight.view_collectiontask", raise_exception=True)
def strategy_plan(request, public_id):
    strategy = get_object_or_404(InsightStrategy, public_id=public_id)
    overview = plan_overview(strategy, today=timezone.localdate())
    return render(
        request,
        "insight/plan.html",
        {
            "strategy": strategy,
            "plan": overview,
            "width": WIDTH,
            "row_height": 28,
            "can_agree": request.user.has_perm(services.plan.AGREE_PERMISSION),
            "can_decide": request.user.has_perm(services.plan.DECIDE_PERMISSION),
        },
    )


@require_POST
@permission_required("insight.view_collectiontask", raise_exception=True)
def plan_agree(request, public_id):
    strategy = get_object_or_404(InsightStrategy, public_id=public_id)
    try:
        count = services.plan_agree(
            strategy=strategy, actor=request.user, comment=request.POST.get("comment", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refusal_text(error))
    else:
        messages.success(request, f"The plan is agreed ({count} task{pluralize(count)}).")
    return redirect("insight:plan", public_id=strategy.public_id)


@require_POST
@permission_required("insight.view_collectiontask", raise_exception=True)
def task_revise(request, public_id):
    """Propose new dates or budget for a task of an agreed plan."""
    strategy = get_object_or_404(InsightStrategy, public_id=public_id)
    form = RevisionForm(request.POST)
    form.fields["task"].queryset = CollectionTask.objects.filter(strategy=strategy)
    if form.is_valid():
        task = form.cleaned_data.pop("task")
        try:
            services.task_revision_propose(task=task, actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(request, "Revision proposed: a manager approves or rejects it.")
    else:
        messages.error(request, refusal_text(ValidationError(form.errors)))
    return redirect("insight:plan", public_id=strategy.public_id)


@require_POST
@permission_required("insight.view_taskrevision", raise_exception=True)
def revision_decide(request, public_id):
    revision = get_object_or_404(
        TaskRevision.objects.select_related("task__strategy"), public_id=public_id
    )
    decide = {
        "approve": services.task_revision_approve,
        "reject": services.task_revision_reject,
    }.get(request.POST.get("decision", ""))
    if decide is None:
        messages.error(request, "Approve or reject the revision.")
    else:
        try:
            decide(revision=revision, actor=request.user, comment=request.POST.get("comment", ""))
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(request, f"Revision {request.POST['decision']}d.")
    return redirect("insight:plan", public_id=revision.task.strategy.public_id)


class RevisionForm(forms.Form):
    task = forms.ModelChoiceField(queryset=CollectionTask.objects.none())
    starts_on = forms.DateField(required=False)
    due_on = forms.DateField(required=False)
    budget_planned = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2
    )
    reason = forms.CharField()
