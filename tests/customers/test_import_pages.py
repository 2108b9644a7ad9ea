"""The upload wizard: upload, map (suggested from the header), preview each
row as the run will judge it, run, follow the progress, read the summary and
download the error report; past jobs are listed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.imports.services import import_job_start, import_run
from customers.models import Customer, ImportJob, ImportStatus
from tests.customers.importfiles import isolated_media  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

NEW = reverse("imports:new")
LIST = reverse("imports:list")
FILE = (
    b"Customer ID;Forename;Surname;E-mail;Favourite colour\n"
    b"A1;Ada;Lovelace;ada@example.com;green\n"
    b";;;;blue\n"
    b"A3;Grace;Hopper;grace@@example.com;red\n"
)


def upload(client, content=FILE, **fields):
    data = {"file": SimpleUploadedFile("people.csv", content), "kind": "customers"}
    data |= {"source": "spring fair", **fields}
    return client.post(NEW, data)


def page_of(job):
    return reverse("imports:detail", args=[job.public_id])


def test_an_upload_becomes_a_draft_and_leads_to_the_mapping_step(page_client_for, marketing_user):
    client = page_client_for(marketing_user)

    response = upload(client)

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.DRAFT
    assert job.created_by == marketing_user
    assert response.status_code == 302
    assert response["Location"] == page_of(job)
    assert not Customer.objects.exists()


def test_the_mapping_step_suggests_columns_and_previews_each_row(page_client_for, steward):
    client = page_client_for(steward)
    upload(client)
    job = ImportJob.objects.get()

    page = client.get(page_of(job)).content.decode()

    assert '<option value="Customer ID" selected>' in page  # external_id, by alias
    assert '<option value="Surname" selected>' in page
    assert "Columns not imported: Favourite colour." in page
    assert "3 data rows in the file." in page
    assert page.count('class="badge import-succeeded">ok<') == 1
    assert "No identity: the row has no external id, no email and no name." in page
    assert "flagged" in page  # the malformed email is kept raw and flagged


def test_changing_the_mapping_refreshes_the_preview_and_shows_what_is_wrong(
    page_client_for, steward
):
    client = page_client_for(steward)
    upload(client)
    job = ImportJob.objects.get()

    response = client.post(
        page_of(job),
        {"target": ["external_id", "city"], "map:external_id": "", "map:city": "Forename"},
        HTTP_HX_REQUEST="true",
    )

    page = response.content.decode()
    assert "<h1>" not in page  # only the mapping part of the page
    assert "No column gives an identity" in page
    assert "disabled" in page  # cannot run it like this
    job.refresh_from_db()
    assert job.status == ImportStatus.DRAFT


def test_running_queues_the_job_with_the_chosen_mapping(
    page_client_for, steward, django_capture_on_commit_callbacks
):
    client = page_client_for(steward)
    upload(client)
    job = ImportJob.objects.get()

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            page_of(job),
            {
                "action": "run",
                "target": ["external_id", "last_name"],
                "map:external_id": "Customer ID",
                "map:last_name": "Surname",
            },
        )

    job.refresh_from_db()
    assert response.status_code == 302
    assert job.status == ImportStatus.PENDING
    assert job.mapping == {"external_id": "Customer ID", "last_name": "Surname"}
    assert len(queued) == 1
    page = client.get(page_of(job)).content.decode()
    assert "Waiting for a worker" in page
    assert 'hx-trigger="every 1s"' in page  # the page follows the job


def test_a_finished_job_shows_its_figures_and_the_error_report(page_client_for, steward):
    client = page_client_for(steward)
    upload(client)
    job = ImportJob.objects.get()
    import_job_start(job=job)
    import_run(job=job)

    progress = client.get(reverse("imports:progress", args=[job.public_id])).content.decode()
    report = client.get(reverse("imports:errors", args=[job.public_id]))

    assert "every 1s" not in progress  # no more polling
    assert "<strong>2</strong>created" in progress
    assert "<strong>1</strong>rejected" in progress
    assert "Columns not imported: Favourite colour." in progress
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert lines[0] == "row,reasons,Customer ID,Forename,Surname,E-mail,Favourite colour"
    assert lines[1].startswith("3,")
    listing = client.get(LIST).content.decode()
    assert "people.csv" in listing
    assert "Succeeded" in listing


def test_a_file_that_cannot_be_read_is_explained_and_can_be_discarded(page_client_for, steward):
    client = page_client_for(steward)
    upload(client, content=b"only,a,header\n")
    job = ImportJob.objects.get()

    page = client.get(page_of(job)).content.decode()
    asked = client.post(reverse("imports:discard", args=[job.public_id]))
    assert ImportJob.objects.exists()
    client.post(reverse("imports:discard", args=[job.public_id]), {"confirmed": "yes"})

    assert "Discard this upload?" in asked.content.decode()
    assert "This file cannot be imported." in page
    assert "The file has a header but no data rows." in page
    assert not ImportJob.objects.exists()


def test_the_upload_form_names_what_is_missing(page_client_for, steward):
    response = page_client_for(steward).post(NEW, {"kind": "customers", "source": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("This field is required.") == 2  # the file and the source
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused_at_upload(page_client_for, steward, settings):
    settings.IMPORT_MAX_BYTES = 50

    response = upload(page_client_for(steward))

    assert "the limit is" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_data_protection_lead_may_see_imports_but_not_start_one(page_client_for, dpo):
    client = page_client_for(dpo)

    assert client.get(LIST).status_code == 200
    assert client.get(NEW).status_code == 403
    assert "New import" not in client.get(LIST).content.decode()


def test_the_imports_section_is_in_the_navigation(page_client_for, marketing_user):
    page = page_client_for(marketing_user).get(LIST).content.decode()

    assert f'href="{LIST}" aria-current="page">Imports' in page


def test_another_users_draft_is_not_shown_or_run_by_someone_without_sensitive_access(
    page_client_for, steward, marketing_user
):
    upload(page_client_for(steward))
    job = ImportJob.objects.get()
    client = page_client_for(marketing_user)

    page = client.get(page_of(job)).content.decode()
    run = client.post(page_of(job), {"action": "run", "target": ["external_id"]})
    discard = client.post(reverse("imports:discard", args=[job.public_id]), {"confirmed": "yes"})

    assert "waiting for sam.steward" in page
    assert "Lovelace" not in page
    assert (run.status_code, discard.status_code) == (403, 403)
    job.refresh_from_db()
    assert job.status == ImportStatus.DRAFT


def test_the_summary_leads_to_the_records_the_import_created_updated_and_flagged(
    page_client_for, steward
):
    client = page_client_for(steward)
    earlier = Customer.objects.create(source="spring fair", external_id="A3", last_name="Hopper")
    upload(client)
    job = ImportJob.objects.get()
    import_job_start(job=job)
    import_run(job=job)

    progress = client.get(reverse("imports:progress", args=[job.public_id])).content.decode()

    def listed(change: str) -> set[str]:
        link = f"?imported_by={job.public_id}&amp;import_change={change}"
        assert link in progress
        response = client.get(reverse("customers:list") + link.replace("&amp;", "&"))
        shown = response.content.decode()
        return {c.external_id for c in Customer.objects.all() if c.display_name in shown}

    assert listed("created") == {"A1"}
    assert listed("updated") == {"A3"}
    assert listed("flagged") == {"A3"}  # grace@@example.com, kept raw and flagged
    assert earlier.pk in set(
        Customer.objects.filter(quality_issues__detected_by=f"import {job.public_id}").values_list(
            "pk", flat=True
        )
    )


def test_the_preview_shows_problem_rows_first_even_deep_in_the_file(page_client_for, steward):
    good = b"".join(b"A%d;Ada;Lovelace%d;ada%d@example.com;green\n" % (n, n, n) for n in range(40))
    deep = b";;;;blue\nA99;Grace;Hopper;grace@@example.com;red\n"
    client = page_client_for(steward)
    upload(client, content=FILE.split(b"\n")[0] + b"\n" + good + deep)
    job = ImportJob.objects.get()

    page = client.get(page_of(job)).content.decode()

    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 10
    assert "rejected" in rows[0] and "<td>42</td>" in rows[0]  # the row without identity
    assert "flagged" in rows[1] and "<td>43</td>" in rows[1]  # the malformed email
    assert all("badge import-succeeded" in row for row in rows[2:])
