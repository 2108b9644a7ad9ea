"""The collection plan as a timeline and a budget burn, drawn on the server
as plain SVG figures (no chart library): every bar also has its figures in
text beside it, so the page reads without the drawing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from insight.models import CollectionTask, InsightStrategy, TaskRevision

WIDTH = 600  # the drawing's width in SVG units; the page scales it


@dataclass
class TaskBar:
    task: CollectionTask
    x: float
    width: float
    late: bool
    over_budget: bool
    spent_share: Decimal | None  # actual / agreed budget, 0 to any
    # The agreed dates as a thin bar under the current one (None until agreed).
    baseline_x: float | None = None
    baseline_width: float | None = None


@dataclass
class PlanOverview:
    tasks: list[TaskBar]
    first_day: dt.date | None
    last_day: dt.date | None
    today_x: float | None
    budget_planned: Decimal
    budget_actual: Decimal
    time_elapsed: Decimal | None  # % of the plan's span behind us
    late_count: int
    over_budget_count: int
    agreed: bool = False  # every task is in the agreed plan
    budget_agreed: Decimal | None = None  # the agreed total (None until agreed)
    revisions: list = ()  # every revision, newest first

    @property
    def budget_spent(self) -> Decimal | None:
        """Spend as a share of the agreed budget (of the planned one until agreed)."""
        budget = self.budget_planned if self.budget_agreed is None else self.budget_agreed
        if not budget:
            return None
        return Decimal(100) * self.budget_actual / budget

    @property
    def burn_warning(self) -> bool:
        """More of the budget gone than of the time: spending runs ahead."""
        spent, elapsed = self.budget_spent, self.time_elapsed
        return spent is not None and elapsed is not None and spent > elapsed


def plan_overview(strategy: InsightStrategy, *, today: dt.date) -> PlanOverview:
    tasks = list(
        CollectionTask.objects.filter(strategy=strategy).select_related("owner", "option__source")
    )
    revisions = list(
        TaskRevision.objects.filter(task__strategy=strategy).select_related(
            "task", "proposed_by", "decided_by"
        )
    )
    totals = {
        "planned": sum((t.budget_planned for t in tasks), Decimal(0)),
        "actual": sum((t.budget_actual for t in tasks), Decimal(0)),
    }
    if not tasks:
        return PlanOverview([], None, None, None, totals["planned"], totals["actual"], None, 0, 0)
    agreed = all(t.baseline_due_on is not None for t in tasks)
    days = [d for t in tasks for d in (t.starts_on, t.due_on, t.baseline_starts_on) if d]
    days += [t.baseline_due_on for t in tasks if t.baseline_due_on]
    first, last = min(days), max(days)
    span = max((last - first).days + 1, 1)

    def x_of(day: dt.date) -> float:
        return round(WIDTH * (day - first).days / span, 1)

    def width_of(start: dt.date, end: dt.date) -> float:
        return max(round(WIDTH * ((end - start).days + 1) / span, 1), 2)

    bars = [
        TaskBar(
            task=t,
            x=x_of(t.starts_on),
            width=width_of(t.starts_on, t.due_on),
            late=t.is_late(today),
            over_budget=t.is_over_budget,
            spent_share=(t.budget_actual / t.agreed_budget if t.agreed_budget else None),
            baseline_x=x_of(t.baseline_starts_on) if t.baseline_starts_on else None,
            baseline_width=(
                width_of(t.baseline_starts_on, t.baseline_due_on) if t.baseline_due_on else None
            ),
        )
        for t in tasks
    ]
    elapsed_days = min(max((today - first).days, 0), span)
    return PlanOverview(
        tasks=bars,
        first_day=first,
        last_day=last,
        today_x=x_of(today) if first <= today <= last else None,
        budget_planned=totals["planned"],
        budget_actual=totals["actual"],
        time_elapsed=Decimal(100 * elapsed_days) / Decimal(span),
        late_count=sum(b.late for b in bars),
        over_budget_count=sum(b.over_budget for b in bars),
        agreed=agreed,
        budget_agreed=(
            sum((t.baseline_budget for t in tasks if t.baseline_budget is not None), Decimal(0))
            if strategy.plan_agreed_at
            else None
        ),
        revisions=revisions,
    )
