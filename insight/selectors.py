"""Reads of the insight app: requirement coverage measured live from the
metrics registry, the ranked comparison of collection options."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, QuerySet, Window
from django.db.models.functions import Rank
from django.utils import timezone

from insight.models import (
    CollectionOption,
    InformationRequirement,
    InsightStrategy,
    SuccessCriterion,
    Transition,
)
from mis import metrics
from mis.models import MetricSnapshot


class CoverageState:
    MET = "met"
    SHORTFALL = "shortfall"
    NOT_MEASURED = "not measured"  # names no customer field: nothing in the database to measure


@dataclass
class FieldCoverage:
    field: str
    completeness: metrics.Measurement
    validity: metrics.Measurement
    min_completeness: Decimal
    min_validity: Decimal

    @property
    def gaps(self) -> list[str]:
        """Each way the field falls short, with its numbers."""
        gaps = []
        for label, measured, threshold in (
            ("completeness", self.completeness, self.min_completeness),
            ("validity", self.validity, self.min_validity),
        ):
            if measured.value is None:
                gaps.append(f"{self.field} {label}: no data (needs {threshold:.0f}%)")
            elif measured.value < threshold:
                gaps.append(
                    f"{self.field} {label} {measured.display}, needs {threshold:.0f}% "
                    f"(short by {threshold - measured.value:.1f} points)"
                )
        return gaps

    @property
    def met(self) -> bool:
        return not self.gaps


@dataclass
class RequirementCoverage:
    requirement: InformationRequirement
    fields: list[FieldCoverage] = field(default_factory=list)

    @property
    def state(self) -> str:
        if not self.fields:
            return CoverageState.NOT_MEASURED
        return CoverageState.MET if all(f.met for f in self.fields) else CoverageState.SHORTFALL

    @property
    def gaps(self) -> list[str]:
        return [gap for f in self.fields for gap in f.gaps]


class Measures:
    """The measures one page (or response) needs, each taken once however
    many requirements or criteria name it.

    By default a figure comes from the latest daily snapshot, if it is today's
    or yesterday's (the night's run measures the whole registry at 01:30): a
    coverage page of a dozen fields would otherwise run several counts of the
    customer table per field on every view. ``live=True`` measures now (the "Measure now" link,
    and reviews, whose figures are the record)."""

    do_not_call_in_templates = True  # templates read snapshot_time, not call it

    def __init__(self, *, live: bool = False):
        self.live = live
        self.cache: dict[tuple[str, str], tuple[metrics.Measurement, str]] = {}
        self._snapshots: dict[tuple[str, str], MetricSnapshot] | None = None

    def _today(self) -> dict[tuple[str, str], MetricSnapshot]:
        """The latest snapshot, if it is today's or (before the night's run)
        yesterday's; older figures are measured again rather than shown."""
        if self._snapshots is None:
            self._snapshots = {}
            if not self.live:
                today = timezone.localdate()
                recent = MetricSnapshot.objects.filter(
                    taken_on__gte=today - dt.timedelta(days=1), taken_on__lte=today
                )
                day = recent.order_by("-taken_on").values_list("taken_on", flat=True).first()
                if day is not None:
                    self._snapshots = {
                        (s.metric, s.params_key): s for s in recent.filter(taken_on=day)
                    }
        return self._snapshots

    @property
    def snapshot_time(self):
        """When today's snapshot was taken, if the figures come from it."""
        snapshots = self._today()
        return max((s.taken_at for s in snapshots.values()), default=None)

    def __call__(self, metric: str, params: dict | None = None):
        """(measurement, source) for the metric with its parameters."""
        params = params or {}
        key = (metric, metrics.params_key(params))
        if key not in self.cache:
            snapshot = self._today().get(key)
            if snapshot is not None:
                self.cache[key] = (
                    metrics.Measurement(
                        metric=metrics.get(metric),
                        params=params,
                        value=snapshot.value,
                        as_of=snapshot.taken_on,
                    ),
                    f"snapshot of {timezone.localtime(snapshot.taken_at):%-d %b %Y %H:%M}",
                )
            else:
                self.cache[key] = (metrics.measure(metric, params=params), "live")
        return self.cache[key]


def requirement_coverage(
    requirements: QuerySet[InformationRequirement] | None = None,
    *,
    measures: Measures | None = None,
) -> list[RequirementCoverage]:
    """The completeness and validity of every field each requirement needs,
    from the registry's ``field_completeness`` and ``field_validity``
    (today's snapshot where there is one, unless ``measures`` is live)."""
    if requirements is None:
        requirements = InformationRequirement.objects.all()
    measures = measures or Measures()
    coverage = []
    # Measured live, every field's counts come from one pass over the records.
    with metrics.measuring():
        for requirement in requirements:
            coverage.append(
                RequirementCoverage(
                    requirement=requirement,
                    fields=[
                        FieldCoverage(
                            field=name,
                            completeness=measures("field_completeness", {"field": name})[0],
                            validity=measures("field_validity", {"field": name})[0],
                            min_completeness=requirement.min_completeness,
                            min_validity=requirement.min_validity,
                        )
                        for name in requirement.fields
                    ],
                )
            )
    return coverage


def requirement_shortfalls(
    requirements: QuerySet[InformationRequirement] | None = None,
    *,
    measures: Measures | None = None,
) -> list[RequirementCoverage]:
    """The requirements the database does not meet today, must-haves first."""
    return [
        c
        for c in requirement_coverage(requirements, measures=measures)
        if c.state == CoverageState.SHORTFALL
    ]


RANKING_RULE = (
    "Within each requirement, options are ranked by net score, benefit minus risk "
    "(each rated 1 to 5), highest first; a tie goes to the cheaper option, then to "
    "the more reliable source."
)


def collection_options_ranked() -> QuerySet[CollectionOption]:
    """Every option with its ``net_score`` and its ``rank`` among the options
    for the same requirement (RANKING_RULE), in one query."""
    order = [F("net_score").desc(), F("cost").asc(), F("source__reliability").desc()]
    return (
        CollectionOption.objects.select_related("source", "requirement")
        .annotate(net_score=F("benefit") - F("risk"))
        .annotate(rank=Window(Rank(), partition_by=[F("requirement_id")], order_by=order))
        .order_by("requirement__need", "requirement__moscow_rank", "requirement_id", "rank", "pk")
    )


@dataclass
class CriterionResult:
    criterion: SuccessCriterion
    measurement: metrics.Measurement | None
    source: str  # "live", "snapshot of <day>", or why there is no figure

    @property
    def value(self):
        return self.measurement.value if self.measurement else None

    @property
    def display(self) -> str:
        return self.measurement.display if self.measurement else "no data"

    @property
    def met(self) -> bool | None:
        return self.criterion.is_met_by(self.value)


def criterion_measure(
    criterion: SuccessCriterion,
    *,
    as_of: dt.date | None = None,
    measures: Measures | None = None,
) -> CriterionResult:
    """The criterion's metric today (measured live, or as ``measures``
    says), or on a past day (read from that day's snapshot: most measures
    describe the database as it is, so a past day cannot be measured again).
    No snapshot, no figure."""
    if not criterion.metric:
        return CriterionResult(criterion, None, "no metric")
    today = timezone.localdate()
    if as_of is None or as_of >= today:
        measures = measures or Measures(live=True)
        measurement, source = measures(criterion.metric, criterion.params)
        return CriterionResult(criterion, measurement, source)
    snapshot = MetricSnapshot.objects.filter(
        metric=criterion.metric, params_key=metrics.params_key(criterion.params), taken_on=as_of
    ).first()
    if snapshot is None:
        return CriterionResult(criterion, None, f"no snapshot on {as_of:%-d %b %Y}")
    measurement = metrics.Measurement(
        metric=metrics.get(criterion.metric),
        params=criterion.params,
        value=snapshot.value,
        as_of=as_of,
    )
    return CriterionResult(criterion, measurement, f"snapshot of {as_of:%-d %b %Y}")


def criterion_trend(criterion: SuccessCriterion, *, days: int = 90):
    """The criterion's metric over the last ``days`` days from the daily snapshots."""
    if not criterion.metric:
        return []
    return metrics.trend(criterion.metric, params=criterion.params, days=days)


def strategy_criteria_results(
    strategy: InsightStrategy, *, measures: Measures | None = None
) -> list[CriterionResult]:
    """Every criterion of the strategy measured (live unless ``measures`` says)."""
    measures = measures or Measures(live=True)
    return [criterion_measure(c, measures=measures) for c in strategy.criteria.all()]


def transitions_of(subject) -> list[Transition]:
    """The subject's lifecycle record, oldest first, each step with its
    states' labels (``from_label``, ``to_label``) for people to read."""
    labels = dict(subject._meta.get_field("status").choices)
    steps = list(
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
        )
        .select_related("actor")
        .order_by("at", "pk")
    )
    for step in steps:
        step.from_label = labels.get(step.from_status, step.from_status)  # type: ignore[attr-defined]
        step.to_label = labels.get(step.to_status, step.to_status)  # type: ignore[attr-defined]
    return steps


@dataclass(frozen=True)
class FunctionalCoverage:
    """How many functional requirements of MIS are shown to be met: every
    acceptance check passed. A requirement without a check is not counted as
    met: nothing shows it."""

    total: int
    met: int
    failing: int
    unchecked: int
    without_checks: int

    @property
    def percent(self) -> Decimal | None:
        return Decimal(100) * self.met / self.total if self.total else None


def functional_coverage() -> FunctionalCoverage:
    from django.db.models import Count, Q

    from insight.models import CheckResult, FunctionalRequirement

    rows = FunctionalRequirement.objects.annotate(
        checks_total=Count("checks"),
        checks_passed=Count("checks", filter=Q(checks__result=CheckResult.PASSED)),
        checks_failed=Count("checks", filter=Q(checks__result=CheckResult.FAILED)),
    ).values_list("checks_total", "checks_passed", "checks_failed")
    total = met = failing = unchecked = without = 0
    for checks, passed, failed in rows:
        total += 1
        if not checks:
            without += 1
        elif failed:
            failing += 1
        elif passed == checks:
            met += 1
        else:
            unchecked += 1
    return FunctionalCoverage(total, met, failing, unchecked, without)
