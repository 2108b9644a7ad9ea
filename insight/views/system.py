"""The information system's own development on one page: functional
requirements and how many are shown to be met, the development plan, the
improvement backlog and the codes of practice with their review dates."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from insight import selectors
from insight.models import (
    CodeOfPractice,
    DevelopmentTask,
    FunctionalRequirement,
    Improvement,
    ImprovementStatus,
)


@require_GET
@permission_required("insight.view_functionalrequirement", raise_exception=True)
def system_page(request):
    status = request.GET.get("status")
    backlog = Improvement.objects.select_related("problem", "owner")
    if status in ImprovementStatus.values:
        backlog = backlog.filter(status=status)
    return render(
        request,
        "insight/system.html",
        {
            "coverage": selectors.functional_coverage(),
            "requirements": FunctionalRequirement.objects.prefetch_related("checks"),
            "tasks": DevelopmentTask.objects.select_related("owner", "requirement"),
            "backlog": backlog[:200],
            "statuses": ImprovementStatus.choices,
            "status": status or "",
            "codes": CodeOfPractice.objects.select_related("owner"),
            "today": timezone.localdate(),
        },
    )
