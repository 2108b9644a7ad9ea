import pytest
from django.urls import reverse

from customers.models import Customer, DuplicateCandidate, MatchDecision, Merge, MergeStatus
from tests.duplicates.conftest import person


@pytest.fixture
def candidate(match_model):
    a = person(external_id="A-1")
    b = person(external_id="A-2", first_name="Bob", address_line1="22 New Road")
    return DuplicateCandidate.objects.create(
        customer_a=a,
        customer_b=b,
        match_probability=0.9995,
        match_weight=21.3,
        decision=MatchDecision.DUPLICATE,
        match_model=match_model,
        # Name level 10 is "Nickname of the same first name, same surname".
        evidence={"name": [10, 11.2], "email": [2, 9.5], "address": [0, -2.1]},
    )


@pytest.mark.parametrize("who", ["marketing_user", "manager", "steward", "dpo"])
def test_the_review_roles_see_the_queue_and_the_evidence(who, persona, page_client_for, candidate):
    client = page_client_for(persona(who))

    queue = client.get(reverse("duplicates:queue"))
    review = client.get(reverse("duplicates:review", args=[candidate.pk]))

    assert queue.status_code == 200 and "Robert Hargreaves" in queue.content.decode()
    assert review.status_code == 200
    assert "Nickname of the same first name, same surname" in review.content.decode()
    assert "22 New Road" in review.content.decode()


@pytest.mark.parametrize("who", ["integration_user", "outsider"])
def test_others_may_not_see_the_queue(who, persona, page_client_for, candidate):
    assert page_client_for(persona(who)).get(reverse("duplicates:queue")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(page_client_for, candidate):
    response = page_client_for(None).get(reverse("duplicates:queue"))

    assert response.status_code == 302 and "login" in response["Location"]


def test_marketing_staff_see_no_merge_button_and_cannot_merge(
    page_client_for, marketing_user, candidate
):
    client = page_client_for(marketing_user)

    page = client.get(reverse("duplicates:review", args=[candidate.pk])).content.decode()
    response = client.post(reverse("duplicates:merge", args=[candidate.pk]), {"survivor": "a"})

    assert ">Merge</button>" not in page
    assert response.status_code == 403
    assert not Merge.objects.exists()


def test_a_steward_merges_with_a_choice_per_field_and_undoes_it(
    page_client_for, steward, candidate
):
    client = page_client_for(steward)
    a, b = candidate.customer_a, candidate.customer_b

    choice = {"survivor": "a", "choice_address_line1": "b"}
    asked = client.post(reverse("duplicates:merge", args=[candidate.pk]), choice)
    assert not Merge.objects.exists()
    response = client.post(
        reverse("duplicates:merge", args=[candidate.pk]), {**choice, "confirmed": "yes"}
    )

    assert asked.status_code == 200
    assert "Merge these two records?" in asked.content.decode()
    assert 'name="choice_address_line1" value="b"' in asked.content.decode()
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.merged_into == a and a.address_line1 == "22 New Road"
    # The merged record's page and API id lead to the survivor.
    assert client.get(b.get_absolute_url())["Location"] == a.get_absolute_url()
    api = client.get(reverse("api:customer-detail", kwargs={"public_id": b.public_id}))
    assert api.status_code == 302 and str(a.public_id) in api["Location"]
    assert b not in Customer.objects.active()

    merge = Merge.objects.get()
    assert client.post(reverse("duplicates:undo", args=[merge.public_id])).status_code == 302
    merge.refresh_from_db()
    a.refresh_from_db()
    assert merge.status == MergeStatus.UNDONE and a.address_line1 == "12 Station Road"


def test_a_merge_without_a_survivor_says_what_is_missing(page_client_for, steward, candidate):
    response = page_client_for(steward).post(
        reverse("duplicates:merge", args=[candidate.pk]), {}, follow=True
    )

    assert "Survivor: Choose which record survives" in response.content.decode()
    assert not Merge.objects.exists()


def test_not_the_same_takes_the_pair_out_of_the_queue(page_client_for, steward, candidate):
    client = page_client_for(steward)

    client.post(reverse("duplicates:distinct", args=[candidate.pk]))

    assert "Robert Hargreaves" not in client.get(reverse("duplicates:queue")).content.decode()


def test_the_queue_filters_by_decision_and_refuses_an_unknown_one(
    page_client_for, steward, candidate
):
    client = page_client_for(steward)

    possible = client.get(reverse("duplicates:queue"), {"decision": "possible"})
    unknown = client.get(reverse("duplicates:queue"), {"decision": "maybe"})

    assert "Robert Hargreaves" not in possible.content.decode()
    assert "Unknown decision" in unknown.content.decode()


def test_a_steward_queues_a_sweep_and_marketing_staff_may_not(
    page_client_for, steward, marketing_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = page_client_for(steward).post(reverse("duplicates:sweep"))
    refused = page_client_for(marketing_user).post(reverse("duplicates:sweep"))

    assert response.status_code == 302 and len(queued) == 1
    assert refused.status_code == 403


def test_the_task_refuses_while_a_sweep_runs(db):
    from customers.duplicates.tasks import duplicate_sweep_task
    from customers.models import DuplicateSweep

    DuplicateSweep.objects.create(via="command")

    result = duplicate_sweep_task()

    assert result["started"] is False and "already running" in result["reason"]
    assert DuplicateSweep.objects.count() == 1


def test_a_merged_record_leaves_the_customer_list_and_the_api_list(
    page_client_for, api_client_for, steward, candidate
):
    from customers.duplicates.services.merge import customers_merge

    customers_merge(survivor=candidate.customer_a, merged=candidate.customer_b, actor=steward)

    page = page_client_for(steward).get(reverse("customers:list")).content.decode()
    listed = api_client_for(steward).get(reverse("api:customer-list")).json()["results"]

    assert str(candidate.customer_b.public_id) not in page
    assert str(candidate.customer_a.public_id) in page
    assert [item["id"] for item in listed] == [str(candidate.customer_a.public_id)]


def test_the_survivors_page_shows_the_merged_records_history(page_client_for, steward, candidate):
    from customers.duplicates.services.merge import customers_merge

    customers_merge(survivor=candidate.customer_a, merged=candidate.customer_b, actor=steward)

    page = page_client_for(steward).get(candidate.customer_a.get_absolute_url()).content.decode()

    assert "History of Bob Hargreaves, merged into this record" in page
    assert "merged into Robert Hargreaves" in page  # the merged record's own entry
