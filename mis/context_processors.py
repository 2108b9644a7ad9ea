from django.urls import reverse

# The sections of the app, in the order of the navigation bar.
SECTIONS = (
    ("customers", "Customers", "customers:list"),
    ("imports", "Imports", "imports:list"),
    ("quality", "Quality", "quality:dashboard"),
    ("duplicates", "Duplicates", "duplicates:queue"),
    ("segments", "Segments", "segments:list"),
    ("analytics", "Analytics", "analytics:index"),
    ("insight", "Insight", "insight:index"),
    ("governance", "Governance", "governance:home"),
)


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    path = request.path
    items = []
    for key, label, url_name in SECTIONS:
        url = reverse(url_name)
        items.append({"key": key, "label": label, "url": url, "active": path.startswith(url)})
    if request.user.is_staff:
        items.append(
            {"key": "admin", "label": "Admin", "url": reverse("admin:index"), "active": False}
        )
    return {"nav_items": items}
