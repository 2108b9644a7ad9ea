"""The import journey in a real browser, with a real worker: upload a file,
check the suggested mapping and the preview, change a column, run it, watch
the progress bar finish, read the figures and download the error report."""

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from mis.roles import MARKETING_STAFF
from tests.customers.importfiles import isolated_media  # noqa: F401 (autouse fixture)
from tests.workers import celery_worker

pytestmark = [pytest.mark.e2e, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

FILE = (
    "Customer ID;Forename;Surname;E-mail;Town\n"
    "A1;Ada;Lovelace;ada@example.com;London\n"
    ";;;;Leeds\n"
    "A3;Grace;Hopper;grace@@example.com;York\n"
)


def test_a_marketer_imports_a_file_and_downloads_its_error_report(
    page, make_user, log_in, screenshot, tmp_path
):
    make_user(MARKETING_STAFF, username="mia")
    path = tmp_path / "spring-fair.csv"
    path.write_text(FILE, encoding="utf-8")

    log_in("mia")
    page.get_by_role("link", name="Imports").click()
    page.get_by_role("button", name="New import").click()
    page.get_by_label("File").set_input_files(path)
    page.get_by_label("Source").fill("spring fair")
    screenshot("upload")
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_text("3 data rows in the file.")).to_be_visible()
    expect(page.get_by_label("External id")).to_have_value("Customer ID")
    expect(page.get_by_text("No identity: the row has no external id")).to_be_visible()
    screenshot("mapping-suggested")

    # Map "Town" to city: the preview is refreshed in place.
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("combobox", name="City").select_option("Town")
    expect(page.get_by_text("Columns not imported")).to_have_count(0)
    screenshot("mapping-changed")

    with celery_worker(route=("customers.tasks.import_run_task",)):
        page.get_by_role("button", name="Run the import").click()
        expect(page.get_by_text("Succeeded")).to_be_visible(timeout=120_000)
    screenshot("finished")

    figures = page.locator(".figures")
    expect(figures.get_by_text("created")).to_contain_text("2")
    expect(figures.get_by_text("rejected")).to_contain_text("1")
    expect(figures.get_by_text("flagged")).to_contain_text("1")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the error report (CSV)").click()
    report = download.value.path().read_text()
    assert report.splitlines()[1].startswith("3,")
    assert sorted(Customer.objects.values_list("city", flat=True)) == ["London", "York"]

    page.get_by_role("link", name="all imports").click()
    expect(page.get_by_role("link", name="spring-fair.csv")).to_be_visible()
    screenshot("listed")
