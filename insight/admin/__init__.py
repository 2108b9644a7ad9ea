"""Admin for managers: approvals as actions that call the services."""

from insight.admin import business, evaluation, feedback, strategy, system  # noqa: F401
