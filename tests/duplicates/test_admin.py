from django.contrib.auth.models import User
from django.urls import reverse

from customers.duplicates.services.merge import customers_merge
from customers.models import Merge, MergeStatus
from tests.duplicates.conftest import person


def _admin_client(client, steward):
    User.objects.filter(pk=steward.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=steward.pk))
    return client


def test_a_steward_inspects_a_match_models_parameters(client, steward, match_model):
    client = _admin_client(client, steward)

    page = client.get(reverse("admin:customers_matchmodel_change", args=[match_model.pk]))

    assert page.status_code == 200
    assert "Nickname of the same first name, same surname" in page.content.decode()
    assert "weight=" in page.content.decode()


def test_a_steward_undoes_a_merge_from_admin(client, steward, match_model):
    survivor = person(external_id="A-1")
    merged = person(external_id="A-2", first_name="Bob")
    merge = customers_merge(survivor=survivor, merged=merged, actor=steward)
    client = _admin_client(client, steward)

    client.post(
        reverse("admin:customers_merge_changelist"),
        {"action": "undo", "_selected_action": [merge.pk]},
    )

    merge.refresh_from_db()
    merged.refresh_from_db()
    assert merge.status == MergeStatus.UNDONE and merged.merged_into is None
    assert Merge.objects.count() == 1
