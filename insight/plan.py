"""The collection plan as a timeline and a budget burn, drawn on the server
as plain SVG figures (no chart library): every bar also has its figures in
text beside it, so the page reads without the drawing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from insight.models import CollectionTask, InsightStrategy

WIDTH = 600  # the drawing's width in SVG units; the page scales it


@dataclass
class TaskBar:
    task: CollectionTask
    x: float
    width: float
    late: bool
    over_budget: bool
    spent_share: Decimal | None  # actual / planned, 0 to any


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

    @property
    def budget_spent(self) -> Decimal | None:
        if not self.budget_planned:
            return None
        return Decimal(100) * self.budget_actual / self.budget_planned

    @property
    def burn_warning(self) -> bool:
        """More of the budget gone than of the time: spending runs ahead."""
        spent, elapsed = self.budget_spent, self.time_elapsed
        return spent is not None and elapsed is not None and spent > elapsed


def plan_overview(strategy: InsightStrategy, *, today: dt.date) -> PlanOverview:
    tasks = list(
        CollectionTask.objects.filter(strategy=strategy).select_related("owner", "option__source")
    )
    totals = {
        "planned": sum((t.budget_planned for t in tasks), Decimal(0)),
        "actual": sum((t.budget_actual for t in tasks), Decimal(0)),
    }
    if not tasks:
        return PlanOverview([], None, None, None, totals["planned"], totals["actual"], None, 0, 0)
    first = min(t.starts_on for t in tasks)
    last = max(t.due_on for t in tasks)
    span = max((last - first).days + 1, 1)

    def x_of(day: dt.date) -> float:
        return round(WIDTH * (day - first).days / span, 1)

    bars = [
        TaskBar(
            task=t,
            x=x_of(t.starts_on),
            width=max(round(WIDTH * ((t.due_on - t.starts_on).days + 1) / span, 1), 2),
            late=t.is_late(today),
            over_budget=t.is_over_budget,
            spent_share=(t.budget_actual / t.budget_planned if t.budget_planned else None),
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
    )
