"""Files as they come: a shop's transaction file without channel or
category, amounts with currency symbols and thousands separators, dates
written day-first or month-first, and the encodings spreadsheets save in."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.analytics.services import metrics_refresh
from customers.imports.orders import parse_amount
from customers.imports.services import import_run
from customers.models import Customer, CustomerMetrics, ImportJob, ImportStatus, Order
from tests.customers.importfiles import (
    import_file,
    isolated_media,  # noqa: F401 (autouse fixture)
    written,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
CD_STORE = FILES / "cd_store_transactions.csv"


# A shop's transaction file ----------------------------------------------------------


def test_a_transaction_file_without_channel_or_category_imports_and_rfm_follows(settings):
    ids = [f"CD{n:04d}" for n in range(1, 21)]
    customers = {i: CustomerFactory(source="cd store", external_id=i) for i in ids}

    job = import_file(CD_STORE, source="cd store", kind="orders")

    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert (job.created_count, job.rejected_count) == (60, 0)
    assert job.mapping == {
        "order_id": "Transaction ID",
        "customer_external_id": "Customer No",
        "ordered_at": "Date",
        "amount": "Value",
        "currency": "Currency",
        "quantity": "Qty",
    }
    big = Order.objects.get(external_id="T10005")
    assert big.total_amount == Decimal("1049.90")  # "£1,049.90"
    assert big.ordered_at.date() == dt.date(2025, 3, 6)  # 06/03/2025, day-first by its column
    assert big.channel == "unknown"
    assert big.currency == settings.REPORTING_CURRENCY
    line = big.lines.get()
    assert (line.product_category, line.quantity) == ("unknown", 70)

    metrics_refresh(as_of=dt.date(2025, 12, 31))

    buyers = CustomerMetrics.objects.filter(order_count__gt=0)
    assert buyers.count() == len({o.customer_id for o in Order.objects.all()})
    assert not buyers.filter(rfm_r__isnull=True).exists()
    top = CustomerMetrics.objects.get(customer=customers["CD0019"])
    assert top.rfm_m == 5
    assert top.total_spent >= Decimal("1049.90")


def test_a_file_with_only_the_four_needed_columns_imports(tmp_path):
    CustomerFactory(source="shop", external_id="C1")
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,order_date,total\nO1,C1,2025-06-01,$12.00\n")

    job = import_file(path, source="shop", kind="orders")

    order = Order.objects.get()
    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert (order.currency, order.channel, order.total_amount) == ("USD", "unknown", 12)


@pytest.mark.parametrize(
    "written_as, amount, currency",
    [
        ("12.50", "12.50", ""),
        ("£1,234.50", "1234.50", "GBP"),
        ("1.234,50 €", "1234.50", "EUR"),
        ("GBP 12", "12.00", "GBP"),
        ("12.00 EUR", "12.00", "EUR"),
        ("$ 1 234.5", "1234.50", "USD"),
        ("1'234.50", "1234.50", ""),
        ("1,5", "1.50", ""),
    ],
)
def test_amounts_are_read_with_their_symbols_and_separators(written_as, amount, currency):
    assert parse_amount(written_as) == (Decimal(amount), currency)


@pytest.mark.parametrize("written_as", ["-3", "abc", "12,3456", "£12.50 EUR", "12.5.5", "1e99"])
def test_what_is_not_an_amount_is_refused(written_as):
    with pytest.raises(ValueError):
        parse_amount(written_as)


def test_an_amount_in_another_currency_than_its_column_is_rejected(tmp_path):
    CustomerFactory(source="shop", external_id="C1")
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,date,amount,currency\nO1,C1,2025-06-01,€12.00,GBP\n")

    job = import_file(path, source="shop", kind="orders")

    assert job.rejected_count == 1
    assert "is in EUR, but the currency says GBP" in job.row_errors.get().reasons
    assert not Order.objects.exists()


# Dates, per column ----------------------------------------------------------------


def people(tmp_path: Path, *dates: str) -> Path:
    path = tmp_path / "people.csv"
    rows = "".join(f"A{n},Person{n},{d}\n" for n, d in enumerate(dates))
    path.write_text("external_id,last_name,date_of_birth\n" + rows)
    return path


def test_a_month_first_column_is_recognised_by_its_values(tmp_path):
    job = import_file(people(tmp_path, "04/03/1980", "12/25/1975"))

    assert job.status == ImportStatus.SUCCEEDED
    assert Customer.objects.get(external_id="A0").date_of_birth == dt.date(1980, 4, 3)
    assert "date_orders_assumed" not in job.options


def test_a_day_first_column_is_recognised_by_its_values(tmp_path):
    import_file(people(tmp_path, "04/03/1980", "25.12.1975"))

    assert Customer.objects.get(external_id="A0").date_of_birth == dt.date(1980, 3, 4)


def test_an_ambiguous_column_on_the_command_line_takes_the_documented_default_and_says_so(
    tmp_path, settings
):
    settings.IMPORT_DEFAULT_DATE_ORDER = "month_first"

    job = import_file(people(tmp_path, "04/03/1980", "01/02/1975"))

    assert Customer.objects.get(external_id="A0").date_of_birth == dt.date(1980, 4, 3)
    assert job.options["date_orders_assumed"] == ["date_of_birth"]
    assert job.options["date_orders"] == {"date_of_birth": "month_first"}


def test_a_column_written_both_ways_fails_and_writes_nothing(tmp_path):
    job = import_file(people(tmp_path, "25/03/1980", "03/25/1980"))

    assert job.status == ImportStatus.FAILED
    assert "are written both day-first and month-first (for example 25/03/1980" in job.error
    assert written() == (0, 0, 0)


def test_the_wizard_asks_about_an_ambiguous_column_and_reads_it_as_answered(
    page_client_for, steward
):
    client = page_client_for(steward)
    content = b"Customer ID,Surname,DOB\nA1,Lovelace,04/03/1980\nA2,Hopper,01/02/1975\n"
    client.post(
        reverse("imports:new"),
        {"file": SimpleUploadedFile("p.csv", content), "kind": "customers", "source": "fair"},
    )
    job = ImportJob.objects.get()
    page = reverse("imports:detail", args=[job.public_id])
    mapping = {
        "target": ["external_id", "last_name", "date_of_birth"],
        "map:external_id": "Customer ID",
        "map:last_name": "Surname",
        "map:date_of_birth": "DOB",
    }

    shown = client.post(page, {"action": "run", **mapping}).content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DRAFT  # not run while the question is open
    assert "The dates in column “DOB” could be day-first or month-first" in shown
    assert '<select name="date_order:DOB">' in shown

    client.post(page, {"action": "run", "date_order:DOB": "month_first", **mapping})
    job.refresh_from_db()
    assert job.status == ImportStatus.PENDING
    assert job.options["date_orders"] == {"DOB": "month_first"}

    import_run(job=job)
    assert Customer.objects.get(external_id="A1").date_of_birth == dt.date(1980, 4, 3)


# Encodings ------------------------------------------------------------------------

NAMES = [("A1", "Zoë", "Brontë"), ("A2", "Seán", "O’Brien"), ("A3", "Renée", "Müller")]


def export_from_a_spreadsheet(path: Path, encoding: str, names=NAMES) -> Path:
    """A semicolon-separated export with CRLF line ends, as spreadsheets save."""
    text = "Customer ID;First name;Surname\r\n" + "".join(f"{i};{f};{s}\r\n" for i, f, s in names)
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "encoding, detected",
    [
        ("utf-8", "utf-8-sig"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16-le-bom", "utf-16"),
        ("utf-16-be-bom", "utf-16"),
        ("cp1252", "cp1252"),
    ],
)
def test_each_encoding_spreadsheets_save_in_is_read(tmp_path, encoding, detected):
    job = import_file(export_from_a_spreadsheet(tmp_path / "people.csv", encoding))

    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert job.options["encoding"] == detected
    assert sorted(Customer.objects.values_list("first_name", "last_name")) == sorted(
        (f, s) for _, f, s in NAMES
    )


def test_latin1_without_windows_letters_is_read_as_latin1(tmp_path):
    names = [("A1", "Zoë", "Brontë"), ("A2", "Renée", "Müller")]
    path = export_from_a_spreadsheet(tmp_path / "people.csv", "latin-1", names)

    job = import_file(path)

    assert job.options["encoding"] == "latin-1"
    assert Customer.objects.get(external_id="A1").last_name == "Brontë"


def test_utf16_given_by_name_is_read_not_refused_as_binary(tmp_path):
    path = export_from_a_spreadsheet(tmp_path / "people.csv", "utf-16-le-bom")

    job = import_file(path, encoding="utf-16")

    assert job.status == ImportStatus.SUCCEEDED, job.error
    assert Customer.objects.count() == 3


def test_the_api_takes_the_order_of_an_ambiguous_date_column(
    api_client_for, manager, django_capture_on_commit_callbacks
):
    content = b"external_id,last_name,date_of_birth\nA1,Lovelace,04/03/1980\n"
    upload = SimpleUploadedFile("people.csv", content, content_type="text/csv")
    client = api_client_for(manager)
    data = {"file": upload, "source": "crm", "date_orders": '{"date_of_birth": "month_first"}'}

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("api:import-list"), data, format="multipart")
    bad = client.post(
        reverse("api:import-list"),
        {"file": SimpleUploadedFile("p.csv", content), "source": "crm", "date_orders": '{"x": 1}'},
        format="multipart",
    )
    import_run(job=ImportJob.objects.get())

    assert response.status_code == 202
    assert bad.status_code == 400
    assert "date_orders" in bad.json()
    assert Customer.objects.get().date_of_birth == dt.date(1980, 4, 3)
    assert "date_orders_assumed" not in ImportJob.objects.get().options
