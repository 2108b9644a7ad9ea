"""Feedback and the problem log for the roles. Every role may report a
problem with the system; the data steward and managers triage and resolve
them. Marketing and managers record stakeholder and customer feedback.
(The in-app feedback link needs no permission: every signed-in user may rate
the system.)"""

from django.db import migrations

from insight.migrations._grants import view
from mis.roles import grant_operations

_READ = view("feedback", "problem")

GRANTS = {
    "Marketing staff": [*_READ, "insight.add_feedback", "insight.add_problem"],
    "Marketing manager": [
        *_READ,
        "insight.add_feedback",
        "insight.add_problem",
        "insight.change_problem",
    ],
    "Data steward": [*_READ, "insight.add_problem", "insight.change_problem"],
    "Data protection lead": [*_READ, "insight.add_problem"],
    "Integration": ["insight.add_problem"],
}

grant, revoke = grant_operations(GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("mis", "0001_roles"),
        ("insight", "0011_feedback_and_problems"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
