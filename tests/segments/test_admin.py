"""Admin lists segments, snapshots and metrics, read-only where derived."""

import pytest
from django.urls import reverse

from customers.segments.services import segment_create

pytestmark = pytest.mark.django_db


def test_admin_lists_segments_with_their_versions_and_refuses_new_snapshots(admin_client, manager):
    segment = segment_create(
        name="Londoners",
        rules={"op": "and", "rules": [{"field": "city", "value": ["London"]}]},
        actor=manager,
    )

    listing = admin_client.get(reverse("admin:customers_segment_changelist"))
    detail = admin_client.get(reverse("admin:customers_segment_change", args=[segment.pk]))

    assert "Londoners" in listing.content.decode()
    assert "segment versions" in detail.content.decode().lower()
    assert admin_client.get(reverse("admin:customers_campaignsnapshot_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:customers_customermetrics_changelist")).status_code == 200
    )
