"""Reads of the insight app: requirement coverage measured live from the
metrics registry, the ranked comparison of collection options."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Rank

from insight.models import CollectionOption, InformationRequirement
from insight.models.requirements import moscow_rank
from mis import metrics


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


class _Measures:
    """Each field measured once per call, however many requirements name it."""

    def __init__(self, as_of: dt.date | None):
        self.as_of = as_of
        self.cache: dict[tuple[str, str], metrics.Measurement] = {}

    def __call__(self, metric: str, field_name: str) -> metrics.Measurement:
        key = (metric, field_name)
        if key not in self.cache:
            self.cache[key] = metrics.measure(
                metric, params={"field": field_name}, as_of=self.as_of
            )
        return self.cache[key]


def requirement_coverage(
    requirements: QuerySet[InformationRequirement] | None = None, *, as_of: dt.date | None = None
) -> list[RequirementCoverage]:
    """The completeness and validity of every field each requirement needs,
    from the registry's ``field_completeness`` and ``field_validity``."""
    if requirements is None:
        requirements = InformationRequirement.objects.all()
    measure = _Measures(as_of)
    coverage = []
    for requirement in requirements:
        coverage.append(
            RequirementCoverage(
                requirement=requirement,
                fields=[
                    FieldCoverage(
                        field=name,
                        completeness=measure("field_completeness", name),
                        validity=measure("field_validity", name),
                        min_completeness=requirement.min_completeness,
                        min_validity=requirement.min_validity,
                    )
                    for name in requirement.fields
                ],
            )
        )
    return coverage


def requirement_shortfalls(
    requirements: QuerySet[InformationRequirement] | None = None, *, as_of: dt.date | None = None
) -> list[RequirementCoverage]:
    """The requirements the database does not meet today, must-haves first."""
    return [
        c
        for c in requirement_coverage(requirements, as_of=as_of)
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
        .order_by("requirement__need", moscow_rank("requirement__"), "requirement_id", "rank", "pk")
    )
