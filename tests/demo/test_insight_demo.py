"""The worked example of the insight lifecycle for the demo database."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from insight.models import BusinessCase, InsightStrategy, StrategyStatus
from insight.plan import plan_overview
from tests.factories import UserFactory, ensure_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    UserFactory(username="marketing", roles=[ensure_role("Marketing staff")])
    UserFactory(username="manager", roles=[ensure_role("Marketing manager")])


def test_it_walks_a_case_and_a_strategy_through_their_lifecycles(demo_users, capsys):
    call_command("seed_insight_demo")

    strategy = InsightStrategy.objects.get()
    assert strategy.status == StrategyStatus.IMPLEMENTING
    assert strategy.approved_by.username == "manager"
    assert BusinessCase.objects.get().status == "approved"
    assert strategy.criteria.count() == 4 and strategy.tasks.count() == 4
    plan = plan_overview(strategy, today=timezone.localdate())
    assert (plan.late_count, plan.over_budget_count) == (1, 1)
    assert "implementing" in capsys.readouterr().out


def test_running_it_again_changes_nothing_unless_reset(demo_users, capsys):
    call_command("seed_insight_demo")
    call_command("seed_insight_demo")
    assert "there already" in capsys.readouterr().out
    assert InsightStrategy.objects.count() == 1

    call_command("seed_insight_demo", "--reset")

    assert InsightStrategy.objects.count() == 1 and BusinessCase.objects.count() == 1


def test_it_needs_the_demo_log_ins():
    with pytest.raises(CommandError, match="No user marketing, manager: run seed_demo first"):
        call_command("seed_insight_demo")
