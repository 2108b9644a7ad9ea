"""What every page's template needs: the navigation the user may follow."""

from django.urls import reverse

# The sections of the app, in the order of the navigation bar, each with the
# permission its landing page asks for (a section whose front page opens for
# everyone is shown to those who can read something in it).
SECTIONS = (
    ("customers", "Customers", "customers:list", "customers.view_customer"),
    ("imports", "Imports", "imports:list", "customers.view_importjob"),
    ("quality", "Quality", "quality:dashboard", "customers.view_qualityrun"),
    ("duplicates", "Duplicates", "duplicates:queue", "customers.view_duplicatecandidate"),
    ("segments", "Segments", "segments:list", "customers.view_segment"),
    ("analytics", "Analytics", "analytics:index", "customers.view_customer"),
    ("insight", "Insight", "insight:index", "insight.view_insightstrategy"),
    ("governance", "Governance", "governance:home", "governance.view_purpose"),
)

# Whoever holds one of these has something waiting in the approvals inbox.
APPROVAL_PERMISSIONS = (
    "insight.approve_businesscase",
    "insight.approve_insightstrategy",
    "insight.approve_evaluation",
    "governance.approve_retentionrun",
)


def may_approve(user) -> bool:
    return any(user.has_perm(code) for code in APPROVAL_PERMISSIONS)


def navigation_items(user, path: str = "") -> list[dict]:
    """The sections ``user`` may open, in order; ``active`` marks the one
    ``path`` is in."""
    items = []
    for key, label, url_name, permission in SECTIONS:
        if user.has_perm(permission):
            url = reverse(url_name)
            items.append({"key": key, "label": label, "url": url, "active": path.startswith(url)})
    if may_approve(user):
        url = reverse("approvals")
        items.append(
            {"key": "approvals", "label": "Approvals", "url": url, "active": path.startswith(url)}
        )
    if user.is_staff:
        items.append(
            {"key": "admin", "label": "Admin", "url": reverse("admin:index"), "active": False}
        )
    return items


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"nav_items": navigation_items(request.user, request.path)}
