"""The roles of MIS, as code.

``ROLE_PERMISSIONS`` is the one source of every role's permissions. After each
``migrate`` (post_migrate) and on demand (``manage.py sync_roles``),
``roles_sync`` makes the role groups hold exactly what the table says; tests
read the same table. A new model's permissions are granted by adding them
here, never by a data migration.

Groups that are not roles (made by an administrator) are left alone."""

from __future__ import annotations

from collections.abc import Iterable

MARKETING_STAFF = "Marketing staff"
MARKETING_MANAGER = "Marketing manager"
DATA_STEWARD = "Data steward"
DATA_PROTECTION_LEAD = "Data protection lead"
INTEGRATION = "Integration"

ALL_ROLES = (MARKETING_STAFF, MARKETING_MANAGER, DATA_STEWARD, DATA_PROTECTION_LEAD, INTEGRATION)


def _perms(app: str, actions: Iterable[str], *models: str) -> list[str]:
    """``app.<action>_<model>`` for every action and model."""
    actions = tuple(actions)
    return [f"{app}.{action}_{model}" for model in models for action in actions]


VIEW = ("view",)
WRITE = ("view", "add", "change")
CRUD = ("view", "add", "change", "delete")

# Customer records and what hangs off them.
_CUSTOMER_BASICS = _perms("customers", VIEW, "customer", "order", "orderline", "interest")
_CUSTOMER_READS = [
    *_CUSTOMER_BASICS,
    *_perms("customers", VIEW, "attributedefinition", "importjob"),
    # Quality, duplicates and redundancy: every role that works with the
    # records may see what is wrong with them.
    *_perms("customers", VIEW, "qualityissue", "qualityrule", "qualityrun"),
    *_perms("customers", VIEW, "duplicatecandidate", "merge", "redundancyproposal"),
    *_perms("customers", VIEW, "segment", "segmentversion", "campaignsnapshot"),
    *_perms("customers", VIEW, "campaign", "campaignresponse", "responseimport"),
    *_perms("customers", VIEW, "staticlist", "staticlistmember"),
]
# Static lists: made and filled from the customer list's bulk actions.
_STATIC_LISTS = _perms("customers", ("add",), "staticlist", "staticlistmember")

# The strategy side: every model of insight, in the order a strategy meets them.
_INSIGHT_RECORDS = (
    "businesscase",
    "businesscaseobjective",
    "businesscaseoption",
    "businesscaserisk",
    "stakeholder",
    "consultation",
    "informationrequirement",
    "informationsource",
    "collectionoption",
    "insightstrategy",
    "successcriterion",
    "collectiontask",
    "insight",
)
# Read-only for everyone: written by services only (results, triggers, the
# lifecycle's own record), or written by every role (feedback, problems).
_INSIGHT_READ_ONLY = (
    "evaluationresult",
    "reviewtrigger",
    "transition",
    "feedback",
    "problem",
    "taskrevision",
)
# The information system's own development: requirements and their checks,
# the development plan, the improvement backlog, the codes of practice.
_SYSTEM_RECORDS = (
    "functionalrequirement",
    "acceptancecheck",
    "developmenttask",
    "improvement",
    "codeofpractice",
)
_INSIGHT_READS = _perms(
    "insight", VIEW, *_INSIGHT_RECORDS, "evaluation", *_INSIGHT_READ_ONLY, *_SYSTEM_RECORDS
)
# Everyone but the integration role reports problems and leaves feedback
# (feedback is added through its own form, open to every logged-in user).
_PROBLEM_REPORT = ["insight.add_problem"]

# Campaigns: the people who send them record them and what came back.
_CAMPAIGN_WORK = _perms(
    "customers", ("view", "add"), "campaign", "campaignresponse", "responseimport"
)

# Webhooks: who may subscribe other systems to events, and replay deliveries.
_WEBHOOKS_MANAGE = [
    *_perms("integrations", WRITE, "webhooksubscription"),
    *_perms("integrations", ("view", "add"), "webhookdelivery"),
]

_GOVERNANCE_READS = _perms(
    "governance", VIEW, "consent", "purpose", "procedure", "procedureversion"
)

_TABLE: dict[str, list[str]] = {
    # Works with customers, imports and segments, and writes strategy records;
    # sensitive fields stay masked; may not export or archive.
    MARKETING_STAFF: [
        *_CUSTOMER_READS,
        *_STATIC_LISTS,
        *_perms("customers", ("add", "change"), "customer", "segment"),
        "customers.add_importjob",
        "customers.add_campaignsnapshot",
        *_CAMPAIGN_WORK,
        "governance.add_consent",
        *_GOVERNANCE_READS,
        *_INSIGHT_READS,
        *_perms("insight", ("add", "change"), *_INSIGHT_RECORDS, "evaluation"),
        *_PROBLEM_REPORT,
        "insight.add_feedback",
        "insight.add_improvement",
    ],
    # Everything marketing staff do, plus sensitive data, archiving, exports
    # and the approvals (business cases, strategies, evaluations, retention).
    MARKETING_MANAGER: [
        *_CUSTOMER_READS,
        *_STATIC_LISTS,
        *_perms("customers", ("add", "change"), "customer", "segment"),
        "customers.delete_segment",
        "customers.add_importjob",
        "customers.add_campaignsnapshot",
        *_CAMPAIGN_WORK,
        "customers.change_campaign",
        "customers.archive_customer",
        "customers.export_customer",
        "customers.view_sensitive_data",
        "customers.change_redundancyproposal",
        *_perms("customers", VIEW, "duplicatesweep", "matchmodel"),
        "governance.add_consent",
        *_GOVERNANCE_READS,
        *_perms(
            "governance",
            VIEW,
            "accesslog",
            "acknowledgement",
            "datasubjectrequest",
            "retentionpolicy",
            "retentionrun",
            "suppressionentry",
            "tombstone",
        ),
        "governance.approve_retentionrun",
        # Failed log-ins (django-axes): deleting an attempt lifts its lock-out.
        *_perms("axes", ("view", "delete"), "accessattempt"),
        *_INSIGHT_READS,
        *_perms("insight", CRUD, *_INSIGHT_RECORDS),
        *_perms("insight", ("add", "change"), "evaluation"),
        "insight.approve_businesscase",
        "insight.approve_insightstrategy",
        "insight.approve_evaluation",
        "insight.approve_taskrevision",
        *_perms("insight", CRUD, *_SYSTEM_RECORDS),
        *_PROBLEM_REPORT,
        "insight.change_problem",
        "insight.add_feedback",
        # Connects other systems: webhooks, and the API keys they use.
        *_WEBHOOKS_MANAGE,
        *_perms("integrations", WRITE, "apikey"),
    ],
    # Keeps the data right: orders, attribute definitions, quality rules,
    # merges, redundant-record decisions; reads the strategy side.
    DATA_STEWARD: [
        *_CUSTOMER_READS,
        *_STATIC_LISTS,
        *_perms("customers", ("add", "change"), "customer", "order", "orderline", "interest"),
        *_perms("customers", CRUD, "attributedefinition", "qualityrule"),
        "customers.add_importjob",
        "customers.archive_customer",
        "customers.export_customer",
        "customers.view_sensitive_data",
        "customers.merge_customers",
        "customers.change_qualityissue",
        "customers.change_duplicatecandidate",
        "customers.change_redundancyproposal",
        *_perms("customers", ("view", "add"), "duplicatesweep"),
        *_perms("customers", WRITE, "matchmodel"),
        "customers.view_campaignsnapshot",
        *_GOVERNANCE_READS,
        "governance.add_consent",
        "governance.add_datasubjectrequest",
        *_perms("governance", ("add", "change"), "purpose"),
        *_perms("governance", VIEW, "datasubjectrequest", "retentionpolicy", "retentionrun"),
        "governance.view_suppressionentry",
        *_INSIGHT_READS,
        *_perms("insight", ("add", "change"), "informationsource"),
        *_PROBLEM_REPORT,
        "insight.change_problem",
    ],
    # Answers for the lawful use of the data: consent, suppression, retention,
    # requests, procedures, the access log and the audit trail (the governance
    # audit trail is the data protection lead's alone).
    DATA_PROTECTION_LEAD: [
        *_CUSTOMER_READS,
        "customers.archive_customer",
        "customers.export_customer",
        "customers.view_sensitive_data",
        "customers.view_historicalcustomer",
        "customers.view_customerexport",
        *_GOVERNANCE_READS,
        "governance.add_consent",
        *_perms("governance", WRITE, "purpose", "datasubjectrequest", "retentionpolicy"),
        *_perms("governance", WRITE, "procedure"),
        *_perms("governance", ("view", "add"), "procedureversion", "suppressionentry"),
        *_perms(
            "governance",
            VIEW,
            "accesslog",
            "acknowledgement",
            "auditevent",
            "retentionrun",
            "tombstone",
        ),
        "governance.approve_retentionrun",
        *_INSIGHT_READS,
        "insight.add_evaluation",
        # The register of codes of practice and legal duties is theirs.
        *_perms("insight", WRITE, "codeofpractice"),
        *_PROBLEM_REPORT,
        # Sees what leaves MIS, and which keys can reach it.
        *_perms("integrations", VIEW, "webhooksubscription", "webhookdelivery", "apikey"),
    ],
    # Another system: pushes and pulls customers, orders and consents through
    # the API, reads segments and snapshots; no export, no sensitive fields.
    INTEGRATION: [
        *_CUSTOMER_BASICS,
        *_perms("customers", ("add", "change"), "customer"),
        "customers.add_order",
        *_perms("customers", ("view", "add"), "importjob"),
        "customers.view_attributedefinition",
        "customers.view_segment",
        "customers.view_campaignsnapshot",
        # Another system reports what came back from a campaign.
        *_perms("customers", ("view", "add"), "campaign", "campaignresponse"),
        "governance.add_consent",
        *_GOVERNANCE_READS,
        # Reports problems and passes on customer feedback through the API,
        # and reads the problems (its own included) to follow them up.
        *_PROBLEM_REPORT,
        "insight.view_problem",
        "insight.add_feedback",
        *_WEBHOOKS_MANAGE,
    ],
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    role: sorted(set(codes)) for role, codes in _TABLE.items()
}


def roles_sync(*, using: str = "default") -> dict[str, int]:
    """Make every role group hold exactly the permissions of ROLE_PERMISSIONS.

    Idempotent: creates missing content types, permissions and groups, grants
    what is missing and takes back what the table no longer gives. Returns the
    number of permissions each role holds."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import Q

    ContentType.objects.clear_cache()
    for config in apps.get_app_configs():
        create_contenttypes(config, verbosity=0, using=using)
        create_permissions(config, verbosity=0, using=using)

    counts = {}
    with transaction.atomic(using=using):
        for role, codes in ROLE_PERMISSIONS.items():
            wanted = set(codes)
            query = Q(pk__in=[])
            for code in wanted:
                app_label, codename = code.split(".")
                query |= Q(content_type__app_label=app_label, codename=codename)
            found = list(
                Permission.objects.using(using).filter(query).select_related("content_type")
            )
            missing = wanted - {f"{p.content_type.app_label}.{p.codename}" for p in found}
            if missing:
                raise LookupError(f"{role}: no such permissions {sorted(missing)}")
            group, _ = Group.objects.using(using).get_or_create(name=role)
            group.permissions.set(found)
            counts[role] = len(found)
    return counts
